//! A full disk under the database (a real, small tmpfs, filled): removing images is how space
//! comes back, so the enforcer keeps removing; what it cannot record waits and is written once
//! there is room again.

use crate::support;

use imgreaper::node::clock::{FakeClock, unix_now};
use imgreaper::node::enforcer::Enforcer;
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Store};
use std::sync::Arc;
use support::fs::{Tmpfs, is_root};
use support::images::import;
use support::{Sandbox, exists, host};

/// A 4 MB tmpfs for the database, or `None` (the test is skipped) without root.
fn small_disk() -> Option<Tmpfs> {
    if !is_root() {
        eprintln!("skipped: mounting a tmpfs needs root");
        return None;
    }
    Some(Tmpfs::mount(4 << 20))
}

#[tokio::test]
async fn on_a_full_disk_the_enforcer_keeps_removing_and_records_once_there_is_room() {
    let Some(disk) = small_disk() else {
        return;
    };
    let sandbox = Sandbox::new("fulldisk");
    let db = disk.path().join("imgreaper.db");
    let names: Vec<String> = (0..6).map(|i| sandbox.repo(&format!("full:{i}"))).collect();
    for name in &names {
        import(name);
    }
    let mut store = Store::open(&db).unwrap();
    let text = format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "{}/*", "delete_after_minutes": 30, "agent_downloaded_only": false}}]}}}}"#,
        sandbox.prefix
    );
    let document = imgreaper::core::policy::parse(&text).unwrap().document;
    store.save_policy("due", &document, unix_now()).unwrap();
    store
        .save_settings(&support::auto_without_guards(60))
        .unwrap();
    let clock = Arc::new(FakeClock::new(unix_now()));
    let engine = Engine::connect(host()).await.unwrap();
    let mut enforcer = Enforcer::new(engine, store, clock.clone(), LeaseKind::Service);
    enforcer.cycle().await.unwrap();

    // The disk fills up; half an hour later everything is due.
    disk.fill();
    clock.advance(31 * 60);
    let report = enforcer.cycle().await.expect("a full disk stops no cycle");
    for name in &names {
        assert!(!exists(name), "{name} was not removed on a full disk");
    }
    assert!(
        report.unrecorded > 0,
        "says what it could not record: {report:?}"
    );

    disk.make_room();
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(report.unrecorded, 0, "{report:?}");
    let log = Store::open(&db).unwrap().audit_log(100).unwrap();
    for name in &names {
        let removals = log
            .iter()
            .filter(|e| &e.entry.reference == name && e.entry.action == "remove")
            .count();
        assert_eq!(removals, 1, "{name} is recorded once: {log:?}");
    }
}

#[test]
fn on_a_full_disk_an_operator_can_still_remove_and_is_told_what_was_not_recorded() {
    let Some(disk) = small_disk() else {
        return;
    };
    let sandbox = Sandbox::new("fulldisk-cli");
    let db = disk.path().join("imgreaper.db");
    let name = sandbox.repo("big:1");
    import(&name);
    drop(Store::open(&db).unwrap());
    disk.fill();
    let output = sandbox
        .command(&["remove", &name])
        .env("IMGREAPER_DB", &db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!exists(&name), "not removed on a full disk: {stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("disk full at"), "{stderr}");
    assert!(stderr.contains("audit log"), "{stderr}");
}

#[test]
fn the_service_started_on_a_full_disk_removes_what_is_due_and_says_it_could_not_record() {
    let Some(disk) = small_disk() else {
        return;
    };
    let sandbox = Sandbox::new("fulldisk-run");
    let db = disk.path().join("imgreaper.db");
    let names: Vec<String> = (0..3).map(|i| sandbox.repo(&format!("due:{i}"))).collect();
    for name in &names {
        import(name);
    }
    let file = sandbox.write(
        "due.json",
        &format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{}/*", "delete_after_minutes": 0, "agent_downloaded_only": false}}]}}}}"#,
            sandbox.prefix
        ),
    );
    let with_db = |args: &[&str]| {
        sandbox
            .command(args)
            .env("IMGREAPER_DB", &db)
            .output()
            .unwrap()
    };
    assert!(
        with_db(&["policy", "apply", file.to_str().unwrap()])
            .status
            .success()
    );
    // Seen once, so the images are past their minimum age at the next run.
    let seen = with_db(&[
        "run",
        "--once",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
        "--dry-run",
    ]);
    assert!(
        seen.status.success(),
        "{}",
        String::from_utf8_lossy(&seen.stderr)
    );
    disk.fill();
    let output = with_db(&["run", "--once", "--startup-delay", "0s", "--min-age", "0s"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in &names {
        assert!(!exists(name), "{name} was not removed: {stderr}");
    }
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not be written to the audit log"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.contains("\"remove\"")).count(),
        names.len(),
        "each removal is still reported as a JSON line: {stdout}"
    );
}
