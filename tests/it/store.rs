//! The SQLite store on real SQLite files.

use imgreaper::core::model::{Mode, Stamp, TrackedImage};
use imgreaper::core::settings::Settings;
use imgreaper::node::store::{HolderView, LeaseClaim, LeaseKind, NewAudit, Store, TrackingUpdate};
use std::collections::HashMap;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

fn entry(n: i64) -> NewAudit {
    NewAudit::new(n, "t", "pin", &format!("r{n}"), "")
}

fn view(mode: Mode) -> HolderView {
    HolderView {
        boot: 1,
        settings: Settings {
            mode,
            ..Settings::default()
        },
        guard_start_up: 0,
    }
}

#[test]
fn reads_that_change_nothing_do_not_wake_other_processes() {
    let (dir, mut store) = store();
    let other = Store::open(&dir.path().join("db")).unwrap();
    let stamp = |wall| Stamp {
        wall,
        up: Some(wall),
    };
    let tracked = HashMap::from([(
        "sha256:a".to_string(),
        TrackedImage {
            boot_offset: None,
            boot: Some(1),
            first_seen: stamp(1),
            last_used: Some(stamp(2)),
            pulled: None,
            agent_downloaded: false,
        },
    )]);
    let update = TrackingUpdate {
        tracked,
        names: HashMap::from([("sha256:a".to_string(), vec!["a:1".to_string()])]),
        cursor: Some("5.000000000".into()),
        read_at: None,
        now: 3,
    };
    store.update_tracking(|_| Ok((update.clone(), ()))).unwrap();
    let before = other.data_version().unwrap();
    // The same picture again writes nothing.
    store.update_tracking(|_| Ok((update, ()))).unwrap();
    let at = |wall| imgreaper::core::time::Moment {
        wall,
        up: wall,
        boot: 1,
    };
    assert_eq!(store.expire_postponements(&at(10)).unwrap(), 0);
    assert_eq!(store.prune_audit(10).unwrap(), 0);
    assert_eq!(
        other.data_version().unwrap(),
        before,
        "a no-op wrote to the database"
    );
    store.postpone("x:1", "sha256:a", 5, None, "t").unwrap();
    assert_ne!(
        other.data_version().unwrap(),
        before,
        "a real change is visible to the others"
    );
}

/// One reading of the clocks, both at `wall`, in boot 1.
fn at(wall: i64) -> imgreaper::core::time::Moment {
    imgreaper::core::time::Moment {
        wall,
        up: wall,
        boot: 1,
    }
}

#[test]
fn the_audit_log_keeps_only_the_newest_entries() {
    let (_dir, mut store) = store();
    for n in 0..50 {
        store.audit(&entry(n)).unwrap();
    }
    assert_eq!(store.prune_audit(20).unwrap(), 30);
    let log = store.audit_log(1000).unwrap();
    assert_eq!(log.len(), 20);
    assert_eq!(log[0].entry.reference, "r49");
    assert_eq!(log[19].entry.reference, "r30");
}

#[test]
fn a_lease_is_exclusive_until_it_expires_and_a_service_preempts_a_console() {
    let (_dir, mut store) = store();
    let claim = |holder: &str, kind| LeaseClaim {
        holder: holder.into(),
        kind,
        host: "h".into(),
        pid: std::process::id(),
    };
    let console = claim("console", LeaseKind::Console);
    let other_console = claim("console 2", LeaseKind::Console);
    let service = claim("service", LeaseKind::Service);
    assert!(
        store
            .acquire_lease(&console, &view(Mode::Auto), &at(100), 30)
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease(&other_console, &view(Mode::Auto), &at(110), 30)
            .unwrap()
    );
    assert!(
        store
            .acquire_lease(&service, &view(Mode::Approve), &at(111), 30)
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease(&console, &view(Mode::Auto), &at(112), 30)
            .unwrap()
    );
    assert_eq!(store.lease(&at(112)).unwrap().unwrap().mode, Mode::Approve);
    // Expired: anyone may take it.
    assert!(
        store
            .acquire_lease(&console, &view(Mode::Auto), &at(141), 30)
            .unwrap()
    );
    // A holder on this host whose process is gone loses it at once.
    let dead = LeaseClaim {
        holder: "dead service".into(),
        kind: LeaseKind::Service,
        host: "h".into(),
        pid: 0x7fff_fff0,
    };
    assert!(
        store
            .acquire_lease(&dead, &view(Mode::Auto), &at(142), 30)
            .unwrap()
    );
    assert!(
        store
            .acquire_lease(&other_console, &view(Mode::Auto), &at(143), 30)
            .unwrap()
    );
    store.release_lease("console 2").unwrap();
    assert!(store.lease(&at(143)).unwrap().is_none());
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let error = format!("{:#}", Store::open(&path).err().expect("refused"));
    assert!(error.contains("newer imgreaper"), "{error}");
}

#[test]
fn policies_keep_their_order_and_replacing_one_keeps_its_place() {
    let (_dir, mut store) = store();
    let doc = |pattern: &str| {
        imgreaper::core::policy::parse(&format!(
            r#"{{"image_policy": {{"removal": [{{"image_name": "{pattern}", "delete_after_minutes": 1}}]}}}}"#
        ))
        .unwrap()
        .document
    };
    store.save_policy("b", &doc("b:*"), 1).unwrap();
    store.save_policy("a", &doc("a:*"), 2).unwrap();
    store.save_policy("b", &doc("c:*"), 3).unwrap();
    let names: Vec<String> = store
        .policies()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["b", "a"]);
    let rules = store.active_rules(10).unwrap();
    assert_eq!(rules[0].rule.image_name, "c:*");
    assert!(store.delete_policy("a").unwrap());
    assert!(!store.delete_policy("a").unwrap());
}
