//! A postpone by a duration moves the removal that much later than it would otherwise be, and
//! one that would change nothing is refused, not reported as done (the console's `p` and the
//! command line's `postpone` both take this path).

use imgreaper::core::model::{Container, Guards, Image, ImageRecord, Inventory, Mode};
use imgreaper::core::plan::{RefState, RuleBook, SourcedRule};
use imgreaper::core::policy::Rule;
use imgreaper::core::settings::Settings;
use imgreaper::core::snapshot::Snapshot;
use imgreaper::node::manual;
use imgreaper::node::removal::Target;
use imgreaper::node::store::Store;
use std::collections::HashMap;

const NOW: i64 = 1_800_000_000;

fn snapshot(store: &Store) -> Snapshot {
    let image = |id: &str, name: &str, in_use: bool| Image {
        id: id.into(),
        references: vec![name.into()],
        repo_digests: vec![],
        size: 1,
        created: 0,
        children: Vec::new(),
        containers: if in_use {
            vec![Container {
                id: "c".into(),
                name: "web".into(),
                state: "running".into(),
            }]
        } else {
            vec![]
        },
    };
    let record = |last_used| ImageRecord {
        first_seen: NOW - 86_400,
        last_used,
        pulled_at: None,
        agent_downloaded: false,
    };
    let mut snapshot = Snapshot {
        inventory: Inventory {
            podman: false,
            images: vec![image("idle", "app:1", false), image("busy", "web:1", true)],
        },
        // Idle for 10 minutes under a 30-minute rule: due in 20 minutes.
        records: HashMap::from([
            ("idle".to_string(), record(NOW - 600)),
            ("busy".to_string(), record(0)),
        ]),
        former_names: HashMap::new(),
        disk: Default::default(),
        policies: vec![],
        node: Default::default(),
        rules: RuleBook::new(vec![SourcedRule {
            policy: "p".into(),
            index: 0,
            rule: Rule {
                image_name: "*".into(),
                delete_after_minutes: 30,
                agent_downloaded_only: false,
            },
        }]),
        overrides: store.overrides().unwrap(),
        settings: Settings {
            mode: Mode::Auto,
            ..Settings::default()
        },
        guards: Guards::none(),
        now: NOW,
        rows: vec![],
    };
    snapshot.replan(NOW);
    snapshot
}

fn target(reference: &str, image_id: &str) -> Target {
    Target {
        reference: reference.into(),
        image_id: image_id.into(),
        size: 1,
        why: None,
    }
}

#[test]
fn ten_minutes_more_on_a_removal_due_in_twenty_moves_it_to_thirty() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    let before = snapshot(&store);
    assert_eq!(before.rows[0].deadline, Some(NOW + 20 * 60));
    let results = manual::postpone(
        &mut store,
        &before,
        &[target("app:1", "idle")],
        10 * 60,
        "tester",
        NOW,
    )
    .unwrap();
    let done = results[0].as_ref().expect("postponed");
    assert_eq!((done.before, done.until), (NOW + 20 * 60, NOW + 30 * 60));
    let after = snapshot(&store);
    assert_eq!(after.rows[0].deadline, Some(NOW + 30 * 60));
    assert_eq!(
        after.rows[0].state,
        RefState::Postponed {
            until: NOW + 30 * 60
        }
    );
    let log = store.audit_log(10).unwrap();
    assert_eq!(log[0].entry.action, "postpone");
}

#[test]
fn a_postpone_that_would_change_nothing_is_refused_and_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    let before = snapshot(&store);
    let results = manual::postpone(
        &mut store,
        &before,
        &[target("web:1", "busy")],
        3_600,
        "tester",
        NOW,
    )
    .unwrap();
    let refusal = results[0].as_ref().expect_err("refused");
    assert!(refusal.why.contains("in use"), "{}", refusal.why);
    assert!(store.audit_log(10).unwrap().is_empty());
    assert!(store.overrides().unwrap().postponements.is_empty());
}

#[test]
fn ending_a_postponement_brings_the_removal_back_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    let before = snapshot(&store);
    manual::postpone(
        &mut store,
        &before,
        &[target("app:1", "idle")],
        10 * 60,
        "tester",
        NOW,
    )
    .unwrap();
    let postponed = snapshot(&store);
    let results = manual::end_postponement(
        &mut store,
        &postponed,
        &[target("app:1", "idle")],
        "tester",
        NOW,
    )
    .unwrap();
    let done = results[0].as_ref().expect("ended");
    assert_eq!(
        (done.was, done.back_to),
        (NOW + 30 * 60, Some(NOW + 20 * 60))
    );
    let after = snapshot(&store);
    assert_eq!(after.rows[0].state, RefState::Scheduled);
    assert_eq!(after.rows[0].deadline, Some(NOW + 20 * 60));
    let log = store.audit_log(10).unwrap();
    assert_eq!(log[0].entry.action, "unpostpone");
    assert!(log[0].entry.result.contains("back to"), "{:?}", log[0]);
}

#[test]
fn ending_a_postponement_that_is_not_there_is_refused_and_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    let before = snapshot(&store);
    let results = manual::end_postponement(
        &mut store,
        &before,
        &[target("app:1", "idle")],
        "tester",
        NOW,
    )
    .unwrap();
    let refusal = results[0].as_ref().expect_err("refused");
    assert!(refusal.why.contains("not postponed"), "{}", refusal.why);
    assert!(store.audit_log(10).unwrap().is_empty());
}

#[test]
fn a_postpone_by_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    let before = snapshot(&store);
    let results = manual::postpone(
        &mut store,
        &before,
        &[target("app:1", "idle")],
        0,
        "tester",
        NOW,
    )
    .unwrap();
    let refusal = results[0].as_ref().expect_err("refused");
    assert!(refusal.why.contains("no later"), "{}", refusal.why);
    assert!(store.audit_log(10).unwrap().is_empty());
}
