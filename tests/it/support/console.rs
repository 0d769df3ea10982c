//! The real console in tmux on a sandbox's database and the test engine, and a second process
//! that holds that database locked.

use super::Sandbox;
use super::tmux::Tmux;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_imgreaper");

impl Sandbox {
    /// The environment of a console on this sandbox: its database, the test engine, its own
    /// config directory (the console remembers view choices there).
    pub fn console_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DOCKER_HOST", super::host().to_string()),
            ("IMGREAPER_DB", self.db().display().to_string()),
            (
                "XDG_CONFIG_HOME",
                self.dir.path().join("config").display().to_string(),
            ),
            ("TERM", "xterm-256color".into()),
            ("RUST_BACKTRACE", "0".into()),
        ]
    }

    /// Opens the console in a tmux pane of `size` and waits for its list, filtered to this
    /// sandbox's images.
    pub fn console(&self, label: &str, size: (u16, u16)) -> Tmux {
        let tmux = Tmux::start(label, size, &self.console_env());
        tmux.type_text(BIN);
        tmux.send(&["Enter"]);
        tmux.wait_for("REFERENCE");
        tmux.send(&["/"]);
        tmux.type_text(&self.prefix);
        tmux.send(&["Enter"]);
        tmux.wait_for(&self.prefix);
        tmux
    }
}

/// A second process (the `sqlite3` shell) holding the database's write lock (`BEGIN
/// IMMEDIATE`) until `release`.
pub struct LockHolder {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl LockHolder {
    /// Returns once the other process holds the lock.
    pub fn take(db: &std::path::Path) -> LockHolder {
        let mut child = Command::new("sqlite3")
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the sqlite3 shell runs (tests/engine/up installs it)");
        let mut stdin = child.stdin.take().unwrap();
        // Waits for writers of its own as long as any test waits for anything.
        writeln!(stdin, ".timeout 60000\nBEGIN IMMEDIATE;\nSELECT 'locked';").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "locked", "sqlite3 did not take the lock");
        LockHolder {
            child,
            stdin: Some(stdin),
        }
    }

    /// Ends the transaction and the process.
    pub fn release(mut self) {
        self.end();
    }

    fn end(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = writeln!(stdin, "ROLLBACK;\n.quit");
        }
        let _ = self.child.wait();
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        self.end();
    }
}
