//! Keep rules and disk marks in the database: saved, read back in order, replaced and deleted
//! with their policy, and the lowest marks of the policies that apply.

use imgreaper::core::policy::parse;
use imgreaper::core::saved::{active_disk_marks_of, active_keeps_of};
use imgreaper::node::store::Store;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("imgreaper.db")).unwrap();
    (dir, store)
}

fn document(text: &str) -> imgreaper::core::policy::PolicyDocument {
    parse(text).unwrap_or_else(|e| panic!("{e:#?}")).document
}

#[test]
fn keep_rules_and_disk_marks_are_stored_with_their_policy() {
    let (_dir, mut store) = store();
    let edge = document(
        r#"{"image_policy": {"removal": [],
            "keep": [{"image_name": "myorg/*", "last": 2}, {"image_name": "base:*"}],
            "disk": {"high_percent": 85, "low_percent": 75}}}"#,
    );
    store.save_policy("edge", &edge, 100).unwrap();
    let read = store.policy("edge").unwrap().unwrap().document;
    assert_eq!(read.keep, edge.keep);
    assert_eq!(read.disk, edge.disk);

    // Saving again replaces them; deleting the policy deletes them.
    let fewer = document(r#"{"image_policy": {"keep": [{"image_name": "x:*", "last": 1}]}}"#);
    store.save_policy("edge", &fewer, 200).unwrap();
    let read = store.policy("edge").unwrap().unwrap().document;
    assert_eq!(read.keep, fewer.keep);
    assert_eq!(read.disk, None);
    assert!(store.delete_policy("edge").unwrap());
    store
        .save_policy(
            "edge",
            &document(r#"{"image_policy": {"removal": []}}"#),
            300,
        )
        .unwrap();
    assert!(
        store
            .policy("edge")
            .unwrap()
            .unwrap()
            .document
            .keep
            .is_empty()
    );
}

#[test]
fn the_lowest_marks_of_the_policies_that_apply_win() {
    let (_dir, mut store) = store();
    let marks = |high: u8, low: u8, enabled: bool| {
        document(&format!(
            r#"{{"enabled": {enabled}, "image_policy": {{"disk": {{"high_percent": {high}, "low_percent": {low}}}}}}}"#
        ))
    };
    store.save_policy("a", &marks(90, 60, true), 1).unwrap();
    store.save_policy("b", &marks(80, 70, true), 2).unwrap();
    store.save_policy("off", &marks(50, 10, false), 3).unwrap();
    let policies = store.policies().unwrap();
    let lowest = active_disk_marks_of(&policies, 10).unwrap();
    assert_eq!((lowest.high_percent, lowest.low_percent), (80, 60));
    assert!(active_keeps_of(&policies, 10).is_empty());
}
