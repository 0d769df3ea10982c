//! The lease is fenced (DESIGN.md §12): a removal in progress belongs to its process, an
//! enforcer that loses the lease mid-sweep stops, and the one that takes over finishes the rest
//! without doing anything twice.

use crate::support;

use imgreaper::core::model::Mode;
use imgreaper::core::settings::Settings;
use imgreaper::node::clock::{FakeClock, unix_now};
use imgreaper::node::enforcer::Enforcer;
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Owner, PendingRemoval, Store};
use std::sync::Arc;
use std::time::Duration;
use support::images::import;
use support::{Sandbox, docker, exists, host};

fn all_due_without_guards(sandbox: &Sandbox) {
    sandbox.all_due();
    Store::open(&sandbox.db())
        .unwrap()
        .save_settings(&Settings {
            mode: Mode::Auto,
            startup_delay_secs: 0,
            min_age_secs: 0,
            interval_secs: 60,
        })
        .unwrap();
}

#[test]
fn a_removal_another_live_process_owns_is_left_to_it() {
    let sandbox = Sandbox::new("live-owner");
    all_due_without_guards(&sandbox);
    // This test process is removing `taken:1` right now: it journalled it and the engine did it,
    // but it has not written the outcome yet.
    let name = sandbox.repo("taken:1");
    let id = import(&name);
    let mut store = Store::open(&sandbox.db()).unwrap();
    assert!(
        store
            .begin_removal(&PendingRemoval {
                reference: name.clone(),
                image_id: id.clone(),
                bytes: 1,
                actor: "operator".into(),
                started: unix_now(),
                owner: Owner::this_process("cli"),
            })
            .unwrap()
    );
    docker(&["rmi", &name]);
    // Another process's enforcer runs meanwhile.
    sandbox.ok(&["run", "--once"]);
    let log = store.audit_log(100).unwrap();
    assert!(
        log.iter().all(|e| e.entry.reference != name),
        "another process wrote the outcome of a removal this one still owns: {log:?}"
    );
    assert_eq!(store.pending_removals().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enforcer_that_loses_its_lease_mid_sweep_stops_and_nothing_is_done_twice() {
    let sandbox = Sandbox::new("fence");
    let names: Vec<String> = (0..40).map(|i| sandbox.repo(&format!("f:{i}"))).collect();
    for name in &names {
        import(name);
    }
    all_due_without_guards(&sandbox);
    let engine = Engine::connect(host()).await.unwrap();
    let clock = Arc::new(FakeClock::new(unix_now()));
    let mut enforcer = Enforcer::new(
        engine,
        Store::open(&sandbox.db()).unwrap(),
        clock,
        LeaseKind::Service,
    );
    // Another, live process takes the lease over as soon as the sweep is journalled, as one
    // would after this enforcer stalled past its lease on slow flash.
    let db = sandbox.db();
    let usurper = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        loop {
            let pending: i64 = conn
                .query_row("SELECT count(*) FROM pending_removals", [], |r| r.get(0))
                .unwrap();
            if pending > 0 {
                conn.execute(
                    "UPDATE lease SET holder = 'service on another box', host = 'another box',
                         expires = expires + 3600",
                    [],
                )
                .unwrap();
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let report = enforcer.cycle().await.unwrap();
    usurper.join().unwrap();
    let removed_first = report
        .actions
        .iter()
        .filter(|a| a.action == "remove")
        .count();
    assert!(
        removed_first < names.len(),
        "the enforcer swept on after losing its lease: {report:?}"
    );
    assert!(
        report
            .failures
            .iter()
            .any(|(_, why)| why.contains("lost its lease")),
        "{report:?}"
    );
    drop(enforcer);
    // The other one goes away cleanly; the next enforcer (another process) finishes the job.
    rusqlite::Connection::open(sandbox.db())
        .unwrap()
        .execute("DELETE FROM lease", [])
        .unwrap();
    sandbox.ok(&["run", "--once"]);
    let store = Store::open(&sandbox.db()).unwrap();
    assert!(store.pending_removals().unwrap().is_empty());
    let log = store.audit_log(10_000).unwrap();
    for name in &names {
        assert!(!exists(name), "{name} is still there");
        let lines: Vec<_> = log
            .iter()
            .filter(|e| &e.entry.reference == name)
            .map(|e| e.entry.action.clone())
            .collect();
        assert_eq!(lines, ["remove"], "{name}");
    }
    eprintln!(
        "{removed_first} of {} removed before the lease was lost",
        names.len()
    );
}

#[test]
fn two_processes_writing_policies_at_once_both_succeed() {
    let sandbox = Sandbox::new("writers");
    // A fresh database, created before the race: opening is another test's subject.
    sandbox.ok(&["settings", "--mode", "auto"]);
    let files: Vec<std::path::PathBuf> = (0..2)
        .map(|w| {
            sandbox.write(
                &format!("w{w}.json"),
                &format!(
                    r#"{{"image_policy": {{"removal": [{{"image_name": "w{w}:*", "delete_after_minutes": 5}}]}}}}"#
                ),
            )
        })
        .collect();
    let writers: Vec<_> = files
        .into_iter()
        .enumerate()
        .map(|(w, file)| {
            let command = sandbox.command(&[]);
            let program = command.get_program().to_owned();
            let envs: Vec<_> = command
                .get_envs()
                .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
                .collect();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for round in 0..30 {
                    let mut run = std::process::Command::new(&program);
                    for (key, value) in &envs {
                        match value {
                            Some(value) => run.env(key, value),
                            None => run.env_remove(key),
                        };
                    }
                    let output = run
                        .args(["policy", "apply", file.to_str().unwrap()])
                        .args(["--name", &format!("writer{w}-{round}")])
                        .output()
                        .unwrap();
                    if !output.status.success() {
                        failures.push(String::from_utf8_lossy(&output.stderr).into_owned());
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    assert_eq!(
        Store::open(&sandbox.db())
            .unwrap()
            .policies()
            .unwrap()
            .len(),
        60
    );
}
