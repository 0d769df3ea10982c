//! A tmux server of a test's own running the real binary: type keys, read the screen.
//!
//! Nothing here sleeps for a fixed time: each keystroke waits until the program in the pane has
//! read it (so an Escape is never read together with the next key, which a terminal would take
//! for Alt+key), and each look at the screen waits, up to `PATIENCE`, for what the test expects.

use super::PATIENCE;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
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
    /// What was typed, in order: a failed wait shows it with the screen.
    typed: std::cell::RefCell<Vec<String>>,
}

impl Tmux {
    pub fn start(label: &str, size: (u16, u16), env: &[(&str, String)]) -> Tmux {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let tmux = Tmux {
            socket: format!("imgreaper-{label}-{}-{nanos}", std::process::id()),
            typed: Default::default(),
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
        tmux.wait_for("E2E$");
        tmux
    }

    /// Key names as tmux knows them (`Enter`, `Tab`, `q`).
    pub fn send(&self, keys: &[&str]) {
        let bytes: Vec<u8> = keys.iter().flat_map(|key| key_bytes(key)).collect();
        self.input(&bytes, &keys.join(" "));
    }

    /// Types text literally (no key-name interpretation).
    pub fn type_text(&self, text: &str) {
        self.input(text.as_bytes(), &format!("{text:?}"));
    }

    /// Puts `bytes` in the pane's terminal as typed input and waits until the program there has
    /// read them: a key is never read together with the next one (an Escape read with the key
    /// after it is Alt+key). TIOCSTI (root may use it) puts them in the input queue before it
    /// returns; `tmux send-keys` returns before tmux has written them, so without root the
    /// wait cannot tell "not written yet" from "read".
    fn input(&self, bytes: &[u8], what: &str) {
        self.typed.borrow_mut().push(what.to_string());
        let tty = self.pane_tty();
        let injected = bytes.iter().all(|byte| {
            // SAFETY: TIOCSTI reads one byte through the pointer; the descriptor is open.
            unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCSTI, byte as *const u8) == 0 }
        });
        if !injected {
            assert!(
                !super::fs::is_root(),
                "TIOCSTI on the pane's terminal failed: {}",
                std::io::Error::last_os_error()
            );
            let text = String::from_utf8_lossy(bytes).into_owned();
            ok(&["-L", &self.socket, "send-keys", "-t", "main", "-l", &text]);
        }
        self.wait_until_read(&format!("{what} to be read"));
    }

    /// Waits until the program in the pane has read all it was sent: the terminal's input queue
    /// is empty. (In a shell's cooked mode an unfinished line does not count as queued.)
    fn wait_until_read(&self, what: &str) {
        let tty = self.pane_tty();
        self.wait(what, || {
            let mut queued: libc::c_int = 0;
            // SAFETY: FIONREAD writes one int through the pointer; the descriptor is open.
            let status = unsafe { libc::ioctl(tty.as_raw_fd(), libc::FIONREAD, &mut queued) };
            assert_eq!(status, 0, "FIONREAD on the pane's terminal failed");
            queued == 0
        });
    }

    /// Resizes the pane and waits until the console has drawn itself at the new size (its
    /// footer on the last row): a key typed while the console is still taking the resize in can
    /// go unread until the next key (crossterm drops the terminal's readiness when a SIGWINCH
    /// comes in the same wake-up), and this harness waits for each key to be read.
    pub fn resize(&self, columns: u16, rows: u16) {
        self.typed
            .borrow_mut()
            .push(format!("(resize to {columns}x{rows})"));
        let (width, height) = (columns.to_string(), rows.to_string());
        ok(&[
            "-L",
            &self.socket,
            "resize-window",
            "-t",
            "main",
            "-x",
            &width,
            "-y",
            &height,
        ]);
        // tmux reports the new size before it passes it on to the terminal.
        self.wait(
            &format!("the pane's terminal to be {width}x{height}"),
            || self.terminal_size() == (rows, columns),
        );
        self.wait_until(&format!("the console drawn at {width}x{height}"), |s| {
            let lines: Vec<&str> = s.lines().collect();
            lines.len() == usize::from(rows)
                && lines.last().is_some_and(|l| !l.trim().is_empty())
                && lines
                    .iter()
                    .all(|l| l.chars().count() <= usize::from(columns))
        });
    }

    /// (rows, columns) as the pane's terminal has them: what the program in it sees.
    fn terminal_size(&self) -> (u16, u16) {
        let tty = self.pane_tty();
        // SAFETY: an all-zero winsize is a valid value.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ writes one winsize through the pointer; the descriptor is open.
        let status = unsafe { libc::ioctl(tty.as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
        assert_eq!(status, 0, "TIOCGWINSZ on the pane's terminal failed");
        (size.ws_row, size.ws_col)
    }

    /// The pane's terminal, opened without becoming this process's controlling terminal.
    fn pane_tty(&self) -> std::fs::File {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
            .open(self.display("#{pane_tty}"))
            .expect("the pane's terminal opens")
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

    /// Waits until the screen satisfies `done`; returns that screen.
    pub fn wait_until(&self, what: &str, mut done: impl FnMut(&str) -> bool) -> String {
        let mut screen = String::new();
        self.wait(what, || {
            screen = self.screen();
            done(&screen)
        });
        screen
    }

    /// Waits until the console shows its first data (the header names the enforcer's mode):
    /// until then it has nothing to act on, and keys that act on data do nothing.
    pub fn wait_until_loaded(&self) -> String {
        self.wait_until("the console's first data", |s| {
            s.contains("│ enforcer ") && !s.contains("│ enforcer ? ")
        })
    }

    /// Waits until the console's status line says it shows `shown` rows ("3 of 40 references"):
    /// a bare "3 of" would also match "13 of" on the screen before.
    pub fn wait_for_shown(&self, shown: usize) -> String {
        let start = format!("{shown} of ");
        self.wait_until(&format!("{shown} rows shown"), |s| {
            s.lines()
                .map(str::trim_start)
                .any(|l| l.starts_with(&start) && l.contains(" reference"))
        })
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// Polls `done` until it holds; fails the test with the screen after `PATIENCE`.
    pub fn wait(&self, what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            if start.elapsed() > PATIENCE {
                let typed = self.typed.borrow();
                let last: Vec<&String> = typed.iter().rev().take(12).rev().collect();
                panic!(
                    "waited {PATIENCE:?} for {what}; the last keys typed: {last:?}; the pane's \
                     terminal has {:?} (rows, columns); the screen:\n{}",
                    self.terminal_size(),
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = tmux(&["-L", &self.socket, "kill-server"]);
    }
}

/// The bytes a terminal sends for a key named as tmux names it.
fn key_bytes(key: &str) -> Vec<u8> {
    match key {
        "Enter" => b"\r".to_vec(),
        "Escape" => b"\x1b".to_vec(),
        "Tab" => b"\t".to_vec(),
        "BSpace" => b"\x7f".to_vec(),
        "Space" => b" ".to_vec(),
        "C-z" => vec![0x1a],
        key if key.chars().count() == 1 => key.as_bytes().to_vec(),
        other => panic!("no bytes known for the key {other:?}: add them to key_bytes"),
    }
}
