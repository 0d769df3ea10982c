//! Issue 20, blocker 1, on the command line against the real engine: `postpone --for D` moves
//! the removal D later than planned now (a postponed one included) and says so; `--cancel` ends
//! a postponement (audited); `0` and negative durations are refused with what to do instead.

use crate::support;

use support::Sandbox;
use support::images::import;

fn deadline(sandbox: &Sandbox, reference: &str) -> (String, i64) {
    let rows = sandbox.images_json();
    let row = rows
        .iter()
        .find(|r| r["reference"] == reference)
        .unwrap_or_else(|| panic!("{reference} not in {rows:#?}"));
    (
        row["state"].as_str().unwrap().to_string(),
        row["deadline_unix"].as_i64().unwrap(),
    )
}

/// Deadlines read by two processes may differ by the second the clock is placed to (a stamp is
/// kept on the boot's monotonic clock and its wall-clock offset).
fn about(actual: i64, expected: i64) -> bool {
    (actual - expected).abs() <= 1
}

#[test]
fn postpone_adds_to_what_is_planned_and_cancel_ends_it() {
    let sandbox = Sandbox::new("postpone-cancel");
    let app = sandbox.repo("app:1");
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 60, false);
    let (state, planned) = deadline(&sandbox, &app);
    assert_eq!(state, "scheduled");

    let said = sandbox.ok(&["postpone", &app, "--for", "2h"]);
    assert!(said.contains("2h later than planned"), "{said}");
    let (state, first) = deadline(&sandbox, &app);
    assert_eq!(state, "postponed");
    assert!(about(first, planned + 7_200), "{first} vs {planned}");
    // Again: one hour later than the postponed removal.
    let said = sandbox.ok(&["postpone", &app, "--for", "1h"]);
    assert!(said.contains("1h later than planned"), "{said}");
    let again = deadline(&sandbox, &app).1;
    assert!(about(again, first + 3_600), "{again} vs {first}");

    let said = sandbox.ok(&["postpone", &app, "--cancel"]);
    assert!(
        said.contains(&format!("ended the postponement of {app}")) && said.contains("back to"),
        "{said}"
    );
    let (state, back) = deadline(&sandbox, &app);
    assert_eq!(state, "scheduled");
    assert!(about(back, planned), "{back} vs {planned}");
    let log: Vec<serde_json::Value> =
        serde_json::from_str(&sandbox.ok(&["log", "--json"])).unwrap();
    assert_eq!(log[0]["action"], "unpostpone", "{log:#?}");
    assert_eq!(log[0]["reference"], app.as_str());

    // Nothing left to end.
    let again = sandbox.imgreaper(&["postpone", &app, "--cancel"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not postponed"),
        "{again:?}"
    );
}

#[test]
fn zero_and_negative_durations_say_what_to_do_instead() {
    let sandbox = Sandbox::new("postpone-bad");
    let app = sandbox.repo("app:1");
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 60, false);
    for duration in ["0s", "-2h"] {
        let output = sandbox.imgreaper(&["postpone", &app, "--for", duration]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{duration}: {stderr}");
        assert!(stderr.contains("--cancel"), "{duration}: {stderr}");
    }
    let output = sandbox.imgreaper(&["postpone", &app, "--for", "-2h"]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("only moves a removal later"),
        "{output:?}"
    );
    let log = sandbox.ok(&["log", "--json"]);
    assert!(!log.contains("\"postpone\""), "{log}");
}
