//! The console's import (`i` in Rules) of a file that does not exist offers the starting policy of
//! `imgreaper policy new` as an unsaved draft. The real binary in tmux, on the test engine.

use crate::support;

use support::Sandbox;
use support::tmux::{Tmux, have_tmux};

#[test]
fn importing_a_missing_file_offers_the_starting_policy() {
    if !have_tmux() {
        eprintln!("SKIPPED importing_a_missing_file_offers_the_starting_policy: no tmux");
        return;
    }
    let sandbox = Sandbox::new("import-new");
    let missing = sandbox.dir.path().join("edge.json");
    let env = vec![
        ("DOCKER_HOST", support::host().to_string()),
        ("IMGREAPER_DB", sandbox.db().display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let tmux = Tmux::start("import", (120, 32), &env);
    tmux.type_text(env!("CARGO_BIN_EXE_imgreaper"));
    tmux.send(&["Enter"]);
    tmux.wait_until_loaded();
    tmux.send(&["Tab"]);
    tmux.wait_for("No saved policies");
    tmux.send(&["i"]);
    tmux.wait_for("Import policy file");
    tmux.type_text(&missing.display().to_string());
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("does not exist");
    assert!(screen.contains("edge (2 rules)"), "{screen}");
    assert!(screen.contains("myorg/app:*"), "{screen}");
    assert!(screen.contains("not saved yet"), "{screen}");
    assert!(!missing.exists(), "the import wrote a file");
    // It is a draft: q asks about it, and quitting without saving (d) saves nothing.
    tmux.send(&["q"]);
    tmux.wait_for("Quit with unsaved edits");
    tmux.send(&["d"]);
    tmux.wait_until("the shell prompt", |s| s.trim_end().ends_with("E2E$"));
    let listed = sandbox.ok(&["policy", "list"]);
    assert_eq!(listed.lines().count(), 1, "only the header: {listed}");
}
