//! A tmux server of a test's own running the real binary: type keys, read the screen.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn tmux(args: &[&str]) -> Output {
    Command::new("tmux")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run tmux: {e}"))
}

fn ok(args: &[&str]) -> String {
    let output = tmux(args);
    assert!(
        output.status.success(),
        "tmux {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// One shell pane of `columns` x `rows`; the server is killed (with everything in it) on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(label: &str, size: (u16, u16), env: &[(&str, String)]) -> Tmux {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let tmux = Tmux {
            socket: format!("imgreaper-{label}-{}-{nanos}", std::process::id()),
        };
        let (columns, rows) = (size.0.to_string(), size.1.to_string());
        let mut args = vec![
            "-L",
            &tmux.socket,
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &columns,
            "-y",
            &rows,
        ];
        let assignments: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for assignment in &assignments {
            args.push("-e");
            args.push(assignment);
        }
        args.extend(["env", "PS1=E2E$ ", "sh", "-i"]);
        ok(&args);
        tmux.wait_for("E2E$", Duration::from_secs(10));
        tmux
    }

    /// Key names as tmux knows them (`Enter`, `Tab`, `q`).
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["-L", &self.socket, "send-keys", "-t", "main"];
        args.extend(keys);
        ok(&args);
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Types text literally (no key-name interpretation).
    pub fn type_text(&self, text: &str) {
        ok(&["-L", &self.socket, "send-keys", "-t", "main", "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    pub fn resize(&self, columns: u16, rows: u16) {
        let (columns, rows) = (columns.to_string(), rows.to_string());
        ok(&[
            "-L",
            &self.socket,
            "resize-window",
            "-t",
            "main",
            "-x",
            &columns,
            "-y",
            &rows,
        ]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// Whether a full-screen program (the console) still runs: the pane is on the alternate screen.
    pub fn console_running(&self) -> bool {
        self.display("#{alternate_on}") == "1"
    }

    /// A tmux format (`#{…}`) expanded for the pane.
    pub fn display(&self, format: &str) -> String {
        ok(&[
            "-L",
            &self.socket,
            "display-message",
            "-p",
            "-t",
            "main",
            format,
        ])
        .trim()
        .to_string()
    }

    pub fn screen(&self) -> String {
        ok(&["-L", &self.socket, "capture-pane", "-p", "-t", "main"])
    }

    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(text, timeout, |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux(&["-L", &self.socket, "kill-server"]);
    }
}
