//! The enforcer's loop: it wakes at the next deadline (fake clock) and when another process
//! changes the database, without waiting for the reconcile interval.

use crate::support;

use imgreaper::node::clock::{Clock, FakeClock, SystemClock, unix_now};
use imgreaper::node::enforcer::{Enforcer, Notice, run};
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::images::import;
use support::{PATIENCE, Sandbox, exists, host};

fn settings(sandbox: &Sandbox) {
    sandbox
        .store()
        .save_settings(&support::auto_without_guards(3600))
        .unwrap();
}

fn save_policy(sandbox: &Sandbox, minutes: u64, now: i64) {
    let text = format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "{}/*", "delete_after_minutes": {minutes}, "agent_downloaded_only": false}}]}}}}"#,
        sandbox.prefix
    );
    let document = imgreaper::core::policy::parse(&text).unwrap().document;
    Store::open(&sandbox.db())
        .unwrap()
        .save_policy("loop", &document, now)
        .unwrap();
}

/// Waits (without blocking the runtime) until the engine no longer has `reference`.
async fn wait_until_gone(reference: &str, why: &str) {
    let start = Instant::now();
    while exists(reference) {
        assert!(start.elapsed() < PATIENCE, "{reference}: {why}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_loop_wakes_at_the_deadline_not_at_the_interval() {
    let sandbox = Sandbox::new("wake");
    settings(&sandbox);
    let reference = sandbox.repo("timed:1");
    import(&reference);
    let clock = Arc::new(FakeClock::new(unix_now()));
    save_policy(&sandbox, 45, clock.now());
    let engine = Engine::connect(host()).await.unwrap();
    let enforcer = Enforcer::new(
        engine,
        Store::open(&sandbox.db()).unwrap(),
        clock.clone(),
        LeaseKind::Service,
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (cycles_tx, mut cycles) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(run(enforcer, 3600, false, stopped, move |notice| {
        if let Notice::Cycle(report) = notice {
            let _ = cycles_tx.send(report);
        }
    }));
    let first = cycles.recv().await.unwrap();
    let deadline = clock.now() + 45 * 60;
    assert_eq!(first.next_deadline, Some(deadline));
    // A second before the deadline, a cycle (woken here by another process's write, since the
    // clock alone wakes nothing before the deadline) removes nothing and still plans for it.
    while cycles.try_recv().is_ok() {}
    clock.advance(45 * 60 - 1);
    settings(&sandbox);
    let before = cycles.recv().await.unwrap();
    assert!(
        before.actions.is_empty(),
        "acted before its deadline: {before:?}"
    );
    assert_eq!(before.next_deadline, Some(deadline), "{before:?}");
    assert!(exists(&reference), "removed before its deadline");
    // The interval is an hour: only the deadline can wake the loop now.
    clock.advance(1);
    wait_until_gone(
        &reference,
        "not removed after the clock reached the deadline",
    )
    .await;
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_policy_saved_by_another_process_is_acted_on_at_once() {
    let sandbox = Sandbox::new("notice");
    settings(&sandbox);
    let reference = sandbox.repo("now:1");
    import(&reference);
    let engine = Engine::connect(host()).await.unwrap();
    let enforcer = Enforcer::new(
        engine,
        Store::open(&sandbox.db()).unwrap(),
        Arc::new(SystemClock),
        LeaseKind::Service,
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (cycles_tx, mut cycles) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(run(enforcer, 3600, false, stopped, move |notice| {
        let _ = cycles_tx.send(matches!(notice, Notice::Cycle(_)));
    }));
    assert!(cycles.recv().await.unwrap(), "first cycle");
    assert!(exists(&reference));
    // Another connection (a console, `imgreaper policy apply`) saves a policy: due at once.
    save_policy(&sandbox, 0, unix_now());
    wait_until_gone(
        &reference,
        "the loop did not notice the saved policy (the interval is an hour)",
    )
    .await;
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
}
