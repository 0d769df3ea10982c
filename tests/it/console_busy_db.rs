//! Issue 16, item 12: the console keeps answering keys while another process holds the database
//! locked, and says what it waits for (the real binary in tmux, a real `sqlite3` process holding
//! `BEGIN IMMEDIATE`).

use crate::support::Sandbox;
use crate::support::console::LockHolder;
use crate::support::images::import;
use crate::support::tmux::have_tmux;

#[test]
fn a_locked_database_shows_a_message_and_never_freezes_the_screen() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let sandbox = Sandbox::new("busydb");
    let app = format!("{}:1", sandbox.repo("app"));
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 60, false);
    let tmux = sandbox.console("busy", (120, 32));

    let lock = LockHolder::take(&sandbox.db());
    // A pin writes: it has to wait for the lock, and the console says so.
    tmux.send(&["P"]);
    tmux.wait_for("Waiting for the database");
    // Keys still work while the pin waits.
    tmux.send(&["2"]);
    tmux.wait_until("the Rules view while the pin waits", |s| {
        s.contains("POLICY / PATTERN") && s.contains("Waiting for the database")
    });
    tmux.send(&["1"]);
    tmux.wait_until("the Images view while the pin waits", |s| {
        s.contains("REFERENCE") && s.contains("Waiting for the database")
    });

    lock.release();
    tmux.wait_until("the pin once the lock is gone", |s| {
        s.contains(&format!("pinned {app}")) && !s.contains("Waiting for the database")
    });
    let images = sandbox.images_json();
    assert_eq!(images[0]["state"], "pinned", "{images:?}");
    tmux.send(&["q"]);
}
