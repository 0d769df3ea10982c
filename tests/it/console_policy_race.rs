//! Issue 15, item 13, end to end with two real processes: the console in tmux edits a rule
//! while `imgreaper policy apply` of the same name adds a keep rule. The console's save says
//! the policy changed and writes nothing, so the keep rule stays; the console then shows the
//! keep rule.

use crate::support;

use support::Sandbox;
use support::images::import;
use support::tmux::have_tmux;

fn policy(sandbox: &Sandbox, keep: bool) -> std::path::PathBuf {
    let p = &sandbox.prefix;
    let keep = if keep {
        format!(r#", "keep": [{{"image_name": "{p}/*", "last": 1}}]"#)
    } else {
        String::new()
    };
    sandbox.write(
        "edge.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{p}/*", "delete_after_minutes": 60, "agent_downloaded_only": false}}]{keep}}}}}"#
        ),
    )
}

#[test]
fn a_save_over_a_policy_applied_meanwhile_is_refused_and_loses_nothing() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let sandbox = Sandbox::new("e2e-race");
    import(&sandbox.repo("app:1"));
    let file = policy(&sandbox, false);
    sandbox.ok(&["policy", "apply", file.to_str().unwrap(), "--name", "edge"]);
    let tmux = sandbox.console("race", (120, 32));

    // Edit the rule's minutes, not saved yet.
    tmux.send(&["2"]);
    tmux.wait_for("POLICY / PATTERN");
    tmux.send(&["j"]);
    tmux.send(&["e"]);
    tmux.wait_for("delete_after_minutes");
    tmux.send(&["Tab"]);
    tmux.send(&["BSpace", "BSpace"]);
    tmux.type_text("45");
    tmux.send(&["Enter"]);
    tmux.wait_for("edited, not saved");

    // Another process applies the same policy with a keep rule.
    let file = policy(&sandbox, true);
    sandbox.ok(&["policy", "apply", file.to_str().unwrap(), "--name", "edge"]);
    tmux.wait_for("changed elsewhere");

    tmux.send(&["w"]);
    tmux.wait_for("another process changed it");
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["policy", "show", "edge"])).unwrap();
    assert_eq!(
        shown["image_policy"]["keep"][0]["last"], 1,
        "the console's save dropped the keep rule: {shown:#}"
    );
    assert_eq!(
        shown["image_policy"]["removal"][0]["delete_after_minutes"],
        60
    );

    // u takes the saved policy: its keep rule shows.
    tmux.send(&["u"]);
    tmux.wait_for(&format!("keep 1. {}/*", sandbox.prefix));
    tmux.send(&["q"]);
}
