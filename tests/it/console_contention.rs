//! The console as production runs it — the real binary, whose current-thread runtime runs the
//! terminal, the loader and the enforcer together (src/cli/mod.rs, src/tui/tasks/) — while
//! another process holds write transactions on its database: the terminal keeps answering keys
//! and the enforcer still removes what is due.

use crate::support;

use imgreaper::core::model::Mode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use support::bench::Bench;
use support::images::import;
use support::tmux::{Tmux, have_tmux};
use support::{exists, wait_until};

/// Another process's writer (this test process, to the console): holds `BEGIN IMMEDIATE` on the
/// database, continuously or in stretches with short gaps, until dropped.
struct Writer {
    stop: Arc<AtomicBool>,
    gaps: Arc<AtomicBool>,
    holding: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    fn start(db: &std::path::Path) -> Writer {
        let [stop, gaps, holding] = [(); 3].map(|_| Arc::new(AtomicBool::new(false)));
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.busy_timeout(support::PATIENCE).unwrap();
        let thread = {
            let (stop, gaps, holding) = (stop.clone(), gaps.clone(), holding.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                    holding.store(true, Ordering::SeqCst);
                    // One stretch: until stopped, or a second when gaps are wanted (the load this
                    // test makes, not a wait for anything).
                    let mut held = 0;
                    let stretch_over = |held| gaps.load(Ordering::SeqCst) && held >= 50;
                    while !stop.load(Ordering::SeqCst) && !stretch_over(held) {
                        std::thread::sleep(Duration::from_millis(20));
                        held += 1;
                    }
                    conn.execute_batch("COMMIT").unwrap();
                    holding.store(false, Ordering::SeqCst);
                    if !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
            })
        };
        let writer = Writer {
            stop,
            gaps,
            holding,
            thread: Some(thread),
        };
        wait_until("the writer to hold the database", || {
            writer.holding.load(Ordering::SeqCst)
        });
        writer
    }

    fn holding(&self) -> bool {
        self.holding.load(Ordering::SeqCst)
    }

    /// From now on, let go for a moment after each second.
    fn with_gaps(&self) {
        self.gaps.store(true, Ordering::SeqCst);
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Watches the console's main thread — the one its current-thread runtime, and so the terminal,
/// runs on — and counts the times it is seen asleep in a system call that only a blocking wait
/// makes (SQLite's busy handler sleeps with nanosleep; the runtime waits in epoll, never so).
struct ThreadWatch {
    stop: Arc<AtomicBool>,
    asleep: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl ThreadWatch {
    fn start(pid: u32) -> ThreadWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let asleep = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, asleep) = (stop.clone(), asleep.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let call =
                        std::fs::read_to_string(format!("/proc/{pid}/syscall")).unwrap_or_default();
                    let number = call.split_whitespace().next().unwrap_or_default();
                    // x86_64: 35 nanosleep, 230 clock_nanosleep; aarch64: 101, 115.
                    let sleeping = if cfg!(target_arch = "aarch64") {
                        ["101", "115"]
                    } else {
                        ["35", "230"]
                    };
                    if sleeping.contains(&number) {
                        asleep.fetch_add(1, Ordering::SeqCst);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        };
        ThreadWatch {
            stop,
            asleep,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        self.asleep.load(Ordering::SeqCst)
    }
}

/// The process the pane's shell runs in the foreground.
fn console_pid(tmux: &Tmux) -> u32 {
    let shell: u32 = tmux.display("#{pane_pid}").parse().unwrap();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    children
        .split_whitespace()
        .next()
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("the shell {shell} runs nothing"))
}

#[test]
fn the_console_answers_keys_and_enforces_while_another_process_holds_the_database() {
    let asleep = contended_console();
    eprintln!("the terminal's thread was seen asleep in a blocking wait {asleep} times");
}

#[test]
fn the_console_never_waits_for_the_database_on_the_terminals_thread() {
    let asleep = contended_console();
    assert_eq!(
        asleep, 0,
        "the thread that runs the terminal was seen {asleep} times asleep in a blocking wait \
         (SQLite's busy handler): keys typed then went unanswered"
    );
}

/// Runs the console through both kinds of contention, checking that keys are answered and what
/// is due is removed; returns how often the terminal's thread was seen in a blocking wait.
fn contended_console() -> usize {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return 0;
    }
    let bench = Bench::new("contended");
    bench.settings(Mode::Auto);
    bench.rules(&[("due-*", 0, false)]);
    let prefix = &bench.sandbox.prefix;
    import(&bench.sandbox.repo("shown:1"));

    let tmux = Tmux::start(
        "contended",
        (160, 40),
        &[
            ("DOCKER_HOST", support::host().to_string()),
            ("IMGREAPER_DB", bench.sandbox.db().display().to_string()),
            ("TERM", "xterm-256color".into()),
        ],
    );
    tmux.type_text(env!("CARGO_BIN_EXE_imgreaper"));
    tmux.send(&["Enter"]);
    tmux.wait_for("auto: this console");
    let watch = ThreadWatch::start(console_pid(&tmux));

    // Held without a gap: the console's enforcer, woken by a new image, waits for the database;
    // the terminal answers all the same (the loader only reads, which the writer allows).
    let writer = Writer::start(&bench.sandbox.db());
    import(&bench.sandbox.repo("shown:2"));
    tmux.send(&["/"]);
    tmux.type_text(&format!("{prefix}/shown"));
    tmux.send(&["Enter"]);
    tmux.wait_for_shown(2);
    assert!(
        writer.holding(),
        "the writer let go while the keys were answered"
    );

    // Held a second at a time: something due is still removed, and keys are still answered.
    writer.with_gaps();
    let due = bench.sandbox.repo("due-1:1");
    import(&due);
    tmux.send(&["Escape"]);
    tmux.send(&["/"]);
    tmux.type_text(&format!("{prefix}/due"));
    tmux.send(&["Enter"]);
    wait_until("the console's enforcer to remove what is due", || {
        !exists(&due)
    });
    tmux.wait_for(&format!("removed {due}"));
    drop(writer);

    tmux.send(&["q"]);
    tmux.wait("the console to quit", || !tmux.console_running());
    watch.finish()
}
