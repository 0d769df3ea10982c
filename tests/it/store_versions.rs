//! Issue 15, item 13, in the store: every save of a policy gives it a new version, never
//! reused (not even after a delete), and a save that names the version its edits began on
//! is refused, writing nothing, when another process saved the policy since.

use imgreaper::core::policy::{KeepRule, PolicyDocument, Rule};
use imgreaper::node::store::{SaveOutcome, Store};

fn rules(minutes: u64) -> PolicyDocument {
    PolicyDocument::rules_only(vec![Rule {
        image_name: "myorg/*".into(),
        delete_after_minutes: minutes,
        agent_downloaded_only: false,
    }])
}

#[test]
fn a_save_begun_on_an_older_version_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut console = Store::open(&dir.path().join("db")).unwrap();
    let mut other = Store::open(&dir.path().join("db")).unwrap();
    other.save_policy("edge", &rules(60), 1).unwrap();
    let seen = console.policy("edge").unwrap().unwrap();

    // `policy apply` adds a keep rule meanwhile.
    let mut with_keep = rules(60);
    with_keep.keep = vec![KeepRule {
        image_name: "myorg/*".into(),
        last: Some(2),
    }];
    other.save_policy("edge", &with_keep, 2).unwrap();

    let outcome = console
        .save_policy_if("edge", &rules(30), 3, Some(seen.version))
        .unwrap();
    let SaveOutcome::Changed { current } = outcome else {
        panic!("{outcome:?}")
    };
    let current = current.expect("the policy is still there");
    assert_ne!(current.version, seen.version);
    let stored = console.policy("edge").unwrap().unwrap();
    assert_eq!(stored.document.keep.len(), 1, "the keep rule was dropped");
    assert_eq!(stored.document.rules[0].delete_after_minutes, 60);

    // Begun on the current version, it saves.
    let outcome = console
        .save_policy_if("edge", &rules(30), 4, Some(current.version))
        .unwrap();
    assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
}

#[test]
fn versions_are_never_reused_not_even_after_a_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db")).unwrap();
    store.save_policy("a", &rules(1), 1).unwrap();
    store.save_policy("edge", &rules(1), 1).unwrap();
    let held = store.policy("edge").unwrap().unwrap().version;
    store.delete_policy("edge").unwrap();
    store.save_policy("edge", &rules(1), 2).unwrap();
    assert_ne!(store.policy("edge").unwrap().unwrap().version, held);
    // A new policy of a name another process created meanwhile is refused too.
    store.delete_policy("edge").unwrap();
    store.save_policy("edge", &rules(1), 3).unwrap();
    let outcome = store.save_policy_if("edge", &rules(2), 4, None).unwrap();
    assert!(
        matches!(outcome, SaveOutcome::Changed { .. }),
        "{outcome:?}"
    );
}
