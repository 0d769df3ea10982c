//! Issue 20's two blockers end to end: the real binary in tmux against the real engine.
//! A postponement is made, shown with what it means, and ended again from the console; at
//! 80×24 the details pane shows the deciding rule and scrolls.

use crate::support;

use support::Sandbox;
use support::images::import;
use support::tmux::have_tmux;

fn state_of(sandbox: &Sandbox, reference: &str) -> String {
    sandbox
        .images_json()
        .iter()
        .find(|r| r["reference"] == reference)
        .map(|r| r["state"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{reference} is not in images --json"))
}

#[test]
fn a_postponement_is_explained_and_ended_from_the_console() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let sandbox = Sandbox::new("e2e-postpone");
    let app = format!("{}:1", sandbox.repo("app"));
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 60, false);
    let tmux = sandbox.console("postpone", (80, 24));

    tmux.send(&["p"]);
    tmux.wait_until("the postpone dialog", |s| {
        s.contains("How much later?") && s.contains("1h later than now planned")
    });
    tmux.send(&["Enter"]);
    // At 80 columns the name may be cut in its middle; its tag stays.
    tmux.wait_until("the row postponed", |s| {
        s.lines()
            .any(|l| l.contains("/app:1") && l.contains("postponed"))
    });
    assert_eq!(state_of(&sandbox, &app), "postponed");

    tmux.send(&["p"]);
    tmux.wait_for("x ends the postponement");
    tmux.send(&["x"]);
    tmux.wait_for("End the postponement of");
    tmux.send(&["y"]);
    tmux.wait_until("the row scheduled again", |s| {
        s.lines()
            .any(|l| l.contains("/app:1") && l.contains("scheduled"))
    });
    assert_eq!(state_of(&sandbox, &app), "scheduled");
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    assert_eq!(log[0]["action"], "unpostpone", "{log:#?}");
    tmux.send(&["q"]);
}

#[test]
fn at_80x24_the_details_show_the_deciding_rule_and_scroll() {
    if !have_tmux() {
        eprintln!("SKIPPED: tmux is not installed (tests/engine/up installs it)");
        return;
    }
    let sandbox = Sandbox::new("e2e-details");
    let name = format!(
        "{}:1.2.3",
        sandbox.repo("edge/ml-inference-cpu-optimized-build")
    );
    import(&name);
    // Four rules match; the last one decides.
    let p = &sandbox.prefix;
    let policy = sandbox.write(
        "rules.json",
        &format!(
            r#"{{"image_policy": {{"removal": [
                {{"image_name": "{p}/*", "delete_after_minutes": 600, "agent_downloaded_only": false}},
                {{"image_name": "{p}/edge/*", "delete_after_minutes": 300, "agent_downloaded_only": false}},
                {{"image_name": "{p}/edge/ml-*", "delete_after_minutes": 120, "agent_downloaded_only": false}},
                {{"image_name": "{p}/edge/ml-inference-cpu-optimized-build:*", "delete_after_minutes": 45, "agent_downloaded_only": false}}
            ]}}}}"#
        ),
    );
    sandbox.ok(&[
        "policy",
        "apply",
        policy.to_str().unwrap(),
        "--name",
        "edge",
    ]);
    let tmux = sandbox.console("details", (80, 24));
    tmux.send(&["d"]);
    let screen = tmux.wait_for("Rule: ▶ edge rule 4");
    assert!(!screen.contains("Image ID"), "{screen}");
    for _ in 0..12 {
        tmux.send(&["J"]);
    }
    let screen = tmux.wait_for("Image ID");
    assert!(screen.contains("above: J/K scroll"), "{screen}");
    tmux.send(&["q"]);
}
