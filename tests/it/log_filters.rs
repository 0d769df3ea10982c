//! Issue 20: "what went overnight and how much did it free" is one command. `log` filters by
//! time (`--since`, `--until`: a time or a duration ago such as 12h), action, actor and a
//! reference pattern, and totals the bytes the matching removals freed.

use crate::support;

use imgreaper::node::clock::unix_now;
use imgreaper::node::store::{NewAudit, Store};
use support::Sandbox;

const MB: u64 = 1_000_000;

/// A log with removals yesterday evening, overnight and this morning, by the enforcer and by
/// hand, and a pin.
fn overnight(sandbox: &Sandbox) -> i64 {
    let now = unix_now();
    let mut store = Store::open(&sandbox.db()).unwrap();
    let entries = [
        (
            now - 20 * 3600,
            "service pid 7 on edge",
            "remove",
            "myorg/ui:1",
            100 * MB,
        ),
        (
            now - 10 * 3600,
            "service pid 7 on edge",
            "remove",
            "myorg/ui:2",
            30 * MB,
        ),
        (
            now - 9 * 3600,
            "service pid 7 on edge",
            "untag",
            "myorg/api:latest",
            0,
        ),
        (
            now - 8 * 3600,
            "ops from 10.0.0.5",
            "remove",
            "tools/debug:1",
            5 * MB,
        ),
        (now - 7 * 3600, "ops from 10.0.0.5", "pin", "myorg/gw:1", 0),
        (
            now - 3600,
            "service pid 7 on edge",
            "remove",
            "myorg/sensor:3",
            7 * MB,
        ),
    ];
    for (time, actor, action, reference, bytes) in entries {
        store
            .audit(&NewAudit::new(time, actor, action, reference, "sha256:x").freed(bytes))
            .unwrap();
    }
    now
}

fn references(sandbox: &Sandbox, args: &[&str]) -> Vec<String> {
    let mut all = vec!["log", "--json"];
    all.extend(args);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&sandbox.ok(&all)).unwrap();
    entries
        .iter()
        .map(|e| e["reference"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn since_until_action_actor_and_pattern_narrow_the_log() {
    let sandbox = Sandbox::new("log-filters");
    let now = overnight(&sandbox);
    assert_eq!(
        references(&sandbox, &["--since", "12h"]),
        [
            "myorg/sensor:3",
            "myorg/gw:1",
            "tools/debug:1",
            "myorg/api:latest",
            "myorg/ui:2"
        ]
    );
    assert_eq!(
        references(
            &sandbox,
            &["--since", "12h", "--until", "2h", "--action", "remove"]
        ),
        ["tools/debug:1", "myorg/ui:2"]
    );
    assert_eq!(
        references(&sandbox, &["--action", "remove,untag", "myorg/*"]),
        [
            "myorg/sensor:3",
            "myorg/api:latest",
            "myorg/ui:2",
            "myorg/ui:1"
        ]
    );
    assert_eq!(
        references(&sandbox, &["--actor", "ops"]),
        ["myorg/gw:1", "tools/debug:1"]
    );
    let since = imgreaper::core::format::rfc3339(now - 15 * 3600);
    assert_eq!(
        references(
            &sandbox,
            &["--since", &since, "--action", "remove", "myorg/ui:*"]
        ),
        ["myorg/ui:2"]
    );
}

#[test]
fn the_table_totals_what_the_matching_removals_freed() {
    let sandbox = Sandbox::new("log-total");
    overnight(&sandbox);
    let table = sandbox.ok(&["log", "--since", "12h"]);
    let last = table.lines().last().unwrap_or_default();
    assert!(
        last.contains("5 entries") && last.contains("freed 42.0MB") && last.contains("3 removals"),
        "{table}"
    );
    // The total counts every match, also those beyond --limit.
    let table = sandbox.ok(&["log", "--limit", "1"]);
    let last = table.lines().last().unwrap_or_default();
    assert!(
        last.contains("6 entries") && last.contains("freed 142MB") && last.contains("--limit"),
        "{table}"
    );
}

#[test]
fn a_bad_time_or_action_is_a_usage_error_that_says_what_is_accepted() {
    let sandbox = Sandbox::new("log-bad");
    for (args, says) in [
        (vec!["log", "--since", "yesterday"], "12h"),
        (vec!["log", "--action", "delete"], "remove"),
    ] {
        let output = sandbox.imgreaper(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
