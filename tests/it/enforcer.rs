//! The enforcer in-process against a real Docker engine, with a fake clock where time must pass.

use crate::support;

use imgreaper::core::model::Mode;
use imgreaper::core::settings::Settings;
use imgreaper::node::clock::{Clock, FakeClock, unix_now};
use imgreaper::node::enforcer::{CycleReport, Enforcer};
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Store};
use std::sync::Arc;
use support::images::{create_container, import};
use support::{Sandbox, docker, docker_output, exists, host};

struct Bench {
    sandbox: Sandbox,
    clock: Arc<FakeClock>,
}

impl Bench {
    fn new(test: &str) -> Bench {
        Bench {
            sandbox: Sandbox::new(test),
            clock: Arc::new(FakeClock::new(unix_now())),
        }
    }

    fn store(&self) -> Store {
        Store::open(&self.sandbox.db()).expect("open store")
    }

    /// Saves a policy whose rules are `(pattern under this test's prefix, minutes, agent_downloaded_only)`.
    fn policy(&self, rules: &[(&str, u64, bool)]) {
        let rules: Vec<String> = rules
            .iter()
            .map(|(pattern, minutes, only)| {
                format!(
                    r#"{{"image_name": "{}/{pattern}", "delete_after_minutes": {minutes}, "agent_downloaded_only": {only}}}"#,
                    self.sandbox.prefix
                )
            })
            .collect();
        let text = format!(
            r#"{{"image_policy": {{"removal": [{}]}}}}"#,
            rules.join(",")
        );
        let document = imgreaper::core::policy::parse(&text)
            .expect("valid policy")
            .document;
        self.store()
            .save_policy("test", &document, self.clock.now())
            .unwrap();
    }

    fn settings(&self, mode: Mode) {
        self.store()
            .save_settings(&Settings {
                mode,
                startup_delay_secs: 0,
                min_age_secs: 0,
                interval_secs: 60,
            })
            .unwrap();
    }

    async fn enforcer(&self) -> Enforcer {
        let engine = Engine::connect(host()).await.expect("engine");
        Enforcer::new(engine, self.store(), self.clock.clone(), LeaseKind::Service)
    }

    fn audit_for(&self, reference: &str) -> Vec<(String, String)> {
        self.store()
            .audit_log(10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.reference == reference)
            .map(|e| (e.entry.action, e.entry.result))
            .collect()
    }
}

fn removed_count(report: &CycleReport) -> usize {
    report
        .actions
        .iter()
        .filter(|a| a.action == "remove" || a.action == "untag")
        .count()
}

#[tokio::test]
async fn a_thirty_minute_rule_removes_at_the_deadline_and_not_before() {
    let bench = Bench::new("thirty");
    bench.settings(Mode::Auto);
    let reference = bench.sandbox.repo("app:1");
    import(&reference);
    bench.policy(&[("app:*", 30, false)]);
    let mut enforcer = bench.enforcer().await;
    let start = bench.clock.now();

    let report = enforcer.cycle().await.unwrap();
    assert!(report.leased);
    assert_eq!(report.next_deadline, Some(start + 30 * 60));
    bench.clock.advance(30 * 60 - 1);
    enforcer.cycle().await.unwrap();
    assert!(exists(&reference), "removed a second early");

    bench.clock.advance(1);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed_count(&report), 1, "{report:?}");
    assert!(!exists(&reference));
    // Nothing is removed twice.
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed_count(&report), 0);
    assert_eq!(bench.audit_for(&reference).len(), 1);
}

#[tokio::test]
async fn the_more_aggressive_of_two_rules_decides() {
    let bench = Bench::new("aggressive");
    bench.settings(Mode::Auto);
    let (fast, slow) = (bench.sandbox.repo("fast:1"), bench.sandbox.repo("slow:1"));
    import(&fast);
    import(&slow);
    bench.policy(&[("*", 60, false), ("fast:*", 10, false)]);
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    bench.clock.advance(10 * 60);
    enforcer.cycle().await.unwrap();
    assert!(!exists(&fast));
    assert!(exists(&slow));
    bench.clock.advance(50 * 60);
    enforcer.cycle().await.unwrap();
    assert!(!exists(&slow));
}

#[tokio::test]
async fn agent_downloaded_only_spares_images_that_were_already_present() {
    let bench = Bench::new("spare");
    bench.settings(Mode::Auto);
    let reference = bench.sandbox.repo("present:1");
    import(&reference);
    bench.policy(&[("*", 1, true)]);
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    bench.clock.advance(24 * 3600);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed_count(&report), 0);
    assert!(exists(&reference));
}

#[tokio::test]
async fn an_image_pulled_while_watching_is_agent_downloaded_and_removed() {
    let bench = Bench::new("pulled");
    bench.settings(Mode::Auto);
    // Push an image to the loopback registry, drop it locally, then pull it while the enforcer watches.
    let local = bench.sandbox.repo("src:1");
    import(&local);
    let remote = format!("127.0.0.1:5000/{}", bench.sandbox.repo("pulled:1"));
    docker(&["tag", &local, &remote]);
    docker(&["push", &remote]);
    docker(&["rmi", &remote, &local]);

    let text = format!(
        r#"{{"image_policy": {{"removal": [{{"image_name": "127.0.0.1:5000/{}/*", "delete_after_minutes": 5}}]}}}}"#,
        bench.sandbox.prefix
    );
    let document = imgreaper::core::policy::parse(&text).unwrap().document;
    bench
        .store()
        .save_policy("pull", &document, bench.clock.now())
        .unwrap();

    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    docker(&["pull", &remote]);
    // The next cycle replays the engine's events from where the last one stopped.
    enforcer.cycle().await.unwrap();
    assert!(exists(&remote));
    bench.clock.advance(5 * 60);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed_count(&report), 1, "{report:?}");
    assert!(!exists(&remote));
}

#[tokio::test]
async fn a_pinned_reference_survives_and_a_postponement_holds_until_it_ends() {
    let bench = Bench::new("hold");
    bench.settings(Mode::Auto);
    let (pinned, postponed) = (
        bench.sandbox.repo("pinned:1"),
        bench.sandbox.repo("later:1"),
    );
    import(&pinned);
    let postponed_id = import(&postponed);
    bench.policy(&[("*", 10, false)]);
    let now = bench.clock.now();
    let mut store = bench.store();
    store.pin(&pinned, "tester", now).unwrap();
    store
        .postpone(&postponed, &postponed_id, now + 2 * 3600, None, "tester")
        .unwrap();
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    bench.clock.advance(2 * 3600 - 1);
    enforcer.cycle().await.unwrap();
    assert!(exists(&pinned) && exists(&postponed));
    bench.clock.advance(1);
    enforcer.cycle().await.unwrap();
    assert!(!exists(&postponed), "the postponement ended");
    bench.clock.advance(30 * 24 * 3600);
    enforcer.cycle().await.unwrap();
    assert!(exists(&pinned));
}

#[tokio::test]
async fn approve_mode_waits_for_an_operator() {
    let bench = Bench::new("approve");
    bench.settings(Mode::Approve);
    let (first, second) = (bench.sandbox.repo("one:1"), bench.sandbox.repo("two:1"));
    let first_id = import(&first);
    import(&second);
    bench.policy(&[("*", 0, false)]);
    let mut enforcer = bench.enforcer().await;
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(report.awaiting_approval, 2);
    bench.clock.advance(3600);
    enforcer.cycle().await.unwrap();
    assert!(exists(&first) && exists(&second));

    bench
        .store()
        .approve(&first, &first_id, "tester", bench.clock.now())
        .unwrap();
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed_count(&report), 1);
    assert!(!exists(&first) && exists(&second));
}

#[tokio::test]
async fn dry_run_removes_nothing_and_records_each_would_be_removal_once() {
    let bench = Bench::new("dryrun");
    bench.settings(Mode::DryRun);
    let reference = bench.sandbox.repo("maybe:1");
    import(&reference);
    bench.policy(&[("*", 0, false)]);
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    bench.clock.advance(3600);
    enforcer.cycle().await.unwrap();
    // A second enforcer (a restart) does not record it again either.
    let mut restarted = bench.enforcer().await;
    enforcer.release();
    restarted.cycle().await.unwrap();
    assert!(exists(&reference));
    let audit = bench.audit_for(&reference);
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].0, "would-remove");
}

#[tokio::test]
async fn only_one_of_two_enforcers_on_the_same_database_acts() {
    let bench = Bench::new("lease");
    bench.settings(Mode::Auto);
    let reference = bench.sandbox.repo("contested:1");
    import(&reference);
    bench.policy(&[("*", 0, false)]);
    let mut first = bench.enforcer().await;
    let mut second = bench.enforcer().await;
    let engine = Engine::connect(host()).await.unwrap();
    let mut console = Enforcer::new(
        engine,
        bench.store(),
        bench.clock.clone(),
        LeaseKind::Console,
    );
    let a = first.cycle().await.unwrap();
    let c = console.cycle().await.unwrap();
    assert!(a.leased);
    assert!(
        !c.leased,
        "a console stands by while the service holds the lease"
    );
    assert_eq!(c.lease_holder.as_deref(), Some(first.holder()));
    let b = second.cycle().await.unwrap();
    assert!(
        !b.leased,
        "a second service stands by while the first holds the lease"
    );
    assert_eq!(b.lease_holder.as_deref(), Some(first.holder()));
    assert!(b.actions.is_empty());
    let removals: Vec<_> = bench
        .audit_for(&reference)
        .into_iter()
        .filter(|(action, _)| action == "remove")
        .collect();
    assert_eq!(removals.len(), 1);
    assert!(!exists(&reference));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_in_use_are_never_removed_while_containers_keep_appearing() {
    let bench = Bench::new("churn");
    bench.settings(Mode::Auto);
    let references: Vec<String> = (0..12)
        .map(|i| bench.sandbox.repo(&format!("img:{i}")))
        .collect();
    for reference in &references {
        import(reference);
    }
    bench.policy(&[("*", 0, false)]);
    let mut enforcer = bench.enforcer().await;
    let prefix = bench.sandbox.prefix.clone();
    let creator_refs = references.clone();
    // Keep creating containers on pseudo-random images while the enforcer sweeps.
    let creator = std::thread::spawn(move || {
        let mut created = Vec::new();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for n in 0..40 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let reference = &creator_refs[(seed % creator_refs.len() as u64) as usize];
            let name = format!("{prefix}-c{n}");
            let output = docker_output(&[
                "create",
                "--pull",
                "never",
                "--name",
                &name,
                reference,
                "/bin/busybox",
                "true",
            ]);
            if output.status.success() {
                created.push((name, reference.clone()));
            }
            std::thread::sleep(std::time::Duration::from_millis(15));
        }
        created
    });
    let mut refusals = 0;
    for _ in 0..30 {
        let report = enforcer.cycle().await.unwrap();
        refusals += report
            .actions
            .iter()
            .filter(|a| a.action == "refused")
            .count();
        if creator.is_finished() {
            break;
        }
    }
    let created = creator.join().unwrap();
    assert!(!created.is_empty(), "the churn created no container at all");
    let log = bench.store().audit_log(10_000).unwrap();
    for (container, reference) in &created {
        let image = docker(&["container", "inspect", "--format", "{{.Image}}", container]);
        assert!(
            exists(&image),
            "{container} was left without its image {reference} ({image}): {:?}",
            log.iter()
                .filter(|e| e.entry.image_id == image)
                .map(|e| (&e.entry.action, &e.entry.result))
                .collect::<Vec<_>>()
        );
    }
    // Every refusal is in the audit log.
    let logged_refusals = log
        .iter()
        .filter(|e| {
            e.entry.action == "refused" && e.entry.reference.starts_with(&bench.sandbox.prefix)
        })
        .count();
    assert_eq!(logged_refusals, refusals);
}

#[tokio::test]
async fn a_removal_planned_before_a_container_appeared_is_refused_not_forced() {
    let bench = Bench::new("refuse");
    let reference = bench.sandbox.repo("late:1");
    let id = import(&reference);
    // Planned while unused...
    let target = imgreaper::node::removal::Target {
        reference: reference.clone(),
        image_id: id,
        size: 1,
    };
    // ...then a container appears before the removal runs.
    let container = format!("{}-late", bench.sandbox.prefix);
    create_container(&reference, &container);
    let engine = Engine::connect(host()).await.unwrap();
    let mut store = bench.store();
    let owner = imgreaper::node::store::Owner::this_process("test");
    let clock = imgreaper::node::clock::SystemClock;
    let done = imgreaper::node::manual::remove(
        &engine,
        &mut store,
        vec![target.clone()],
        "tester",
        &owner,
        &clock,
    )
    .await
    .unwrap();
    let outcome = done.outcomes[0].1.clone();
    match &outcome {
        imgreaper::node::removal::Outcome::InUse { containers, .. } => {
            assert_eq!(containers[0].name, container)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(exists(&reference));
    let entry = imgreaper::node::removal::audit(&target, &outcome, "tester", 0).unwrap();
    assert_eq!(entry.action, "refused");
    assert!(entry.result.contains(&container));
}
