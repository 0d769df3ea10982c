//! A progress bar on standard error while nodes answer, only on a terminal, cleared before the
//! results print: `[########------------]  40/100 nodes, 2 failed`.

use std::io::{IsTerminal, Write};

const WIDTH: usize = 24;

pub struct Progress {
    total: usize,
    shown: bool,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            shown: std::io::stderr().is_terminal(),
        }
    }

    /// The callback the fleet calls as each node finishes.
    pub fn update(&mut self, done: usize, failed: usize) {
        if !self.shown {
            return;
        }
        let filled = done * WIDTH / self.total.max(1);
        let failed = if failed > 0 {
            format!(", {failed} failed")
        } else {
            String::new()
        };
        eprint!(
            "\r\x1b[2K[{}{}] {done:>width$}/{} nodes{failed}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.total,
            width = self.total.to_string().len()
        );
        let _ = std::io::stderr().flush();
    }

    pub fn finish(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
