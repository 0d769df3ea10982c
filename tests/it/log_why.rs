//! Issue 20, "the log answers why": every removal's audit entry records why it went (the rule
//! by policy, number and pattern, or disk pressure, or an operator's hand), the deadline, the
//! mode and who approved it, so the log alone answers once the image is gone. Real engine, the
//! real binary.

use crate::support;

use support::Sandbox;
use support::images::import;

fn log(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    serde_json::from_str(&sandbox.ok(&["log", "--json"])).expect("log --json is JSON")
}

fn entry<'a>(log: &'a [serde_json::Value], action: &str, reference: &str) -> &'a serde_json::Value {
    log.iter()
        .find(|e| e["action"] == action && e["reference"] == reference)
        .unwrap_or_else(|| panic!("no {action} of {reference} in {log:#?}"))
}

const NO_GUARDS: [&str; 4] = ["--startup-delay", "0s", "--min-age", "0s"];

#[test]
fn a_removal_at_its_deadline_records_the_rule_the_deadline_and_the_mode() {
    let sandbox = Sandbox::new("why-deadline");
    let app = sandbox.repo("app:1");
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    let mut run = vec!["run", "--once"];
    run.extend(NO_GUARDS);
    sandbox.ok(&run);
    assert!(!support::exists(&app));

    let log = log(&sandbox);
    let why = &entry(&log, "remove", &app)["why"];
    assert_eq!(why["trigger"], "deadline", "{why:#}");
    assert_eq!(why["mode"], "auto", "{why:#}");
    assert_eq!(why["approved_by"], serde_json::Value::Null, "{why:#}");
    assert!(why["deadline"].is_i64(), "{why:#}");
    assert_eq!(
        why["rule"],
        serde_json::json!({
            "policy": "policy",
            "number": 1,
            "image_name": format!("{}/*", sandbox.prefix),
            "delete_after_minutes": 0
        })
    );
    // The table says it too.
    let table = sandbox.ok(&["log"]);
    let line = table
        .lines()
        .find(|l| l.contains(&app) && l.contains("remove"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        line.contains(&format!("policy rule 1 ({}/*, 0m)", sandbox.prefix)),
        "{table}"
    );
}

#[test]
fn an_approved_removal_records_who_approved_it() {
    let sandbox = Sandbox::new("why-approved");
    let app = sandbox.repo("app:1");
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 0, false);
    let mut settings = vec!["settings", "--mode", "approve"];
    settings.extend(NO_GUARDS);
    sandbox.ok(&settings);
    let run = ["run", "--once"];
    sandbox.ok(&run);
    assert!(support::exists(&app), "approve mode removed it unasked");
    let approved = sandbox
        .command(&["approve", &app])
        .env("SSH_CLIENT", "10.1.2.3 40000 22")
        .output()
        .unwrap();
    assert!(approved.status.success(), "{approved:?}");
    sandbox.ok(&run);
    assert!(!support::exists(&app));

    let log = log(&sandbox);
    let why = &entry(&log, "remove", &app)["why"];
    assert_eq!(why["mode"], "approve", "{why:#}");
    assert!(
        why["approved_by"]
            .as_str()
            .is_some_and(|by| by.contains("10.1.2.3")),
        "{why:#}"
    );
    assert!(
        sandbox.ok(&["log"]).contains("approved by"),
        "{}",
        sandbox.ok(&["log"])
    );
}

#[test]
fn a_removal_by_hand_says_so() {
    let sandbox = Sandbox::new("why-hand");
    let app = sandbox.repo("app:1");
    import(&app);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 600, false);
    sandbox.ok(&["remove", &app]);
    let log = log(&sandbox);
    let why = &entry(&log, "remove", &app)["why"];
    assert_eq!(why["trigger"], "manual", "{why:#}");
    // The rule it would have gone by, for the record.
    assert_eq!(why["rule"]["number"], 1, "{why:#}");
    // Entries that are not removals carry no reason.
    assert_eq!(
        entry(&log, "policy-apply", "policy:policy")["why"],
        serde_json::Value::Null
    );
}
