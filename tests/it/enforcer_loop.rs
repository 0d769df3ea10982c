//! The enforcer's loop: it wakes at the next deadline (fake clock) and when another process
//! changes the database, without waiting for the reconcile interval.

use crate::support;

use imgreaper::core::model::Mode;
use imgreaper::core::settings::Settings;
use imgreaper::node::clock::{Clock, FakeClock, SystemClock, unix_now};
use imgreaper::node::enforcer::{Enforcer, Notice, run};
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::images::import;
use support::{Sandbox, exists, host};

fn settings(sandbox: &Sandbox) {
    Store::open(&sandbox.db())
        .unwrap()
        .save_settings(&Settings {
            mode: Mode::Auto,
            startup_delay_secs: 0,
            min_age_secs: 0,
            interval_secs: 3600,
        })
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

async fn wait_until_gone(reference: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !exists(reference) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
    assert_eq!(first.next_deadline, Some(clock.now() + 45 * 60));
    clock.advance(45 * 60 - 1);
    assert!(
        !wait_until_gone(&reference, Duration::from_millis(700)).await,
        "removed before its deadline"
    );
    clock.advance(1);
    assert!(
        wait_until_gone(&reference, Duration::from_secs(5)).await,
        "not removed after the clock reached the deadline"
    );
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
    assert!(
        wait_until_gone(&reference, Duration::from_secs(5)).await,
        "the loop did not notice the saved policy (the interval is an hour)"
    );
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
}
