//! Decisions that must stay right when tags move, clocks jump and processes overlap
//! (DESIGN.md §12): approvals and postponements belong to one image, guards count from boot,
//! readers never write, pulls and short-lived containers are seen after downtime.

use crate::support;

use imgreaper::core::model::Mode;
use imgreaper::core::settings::Settings;
use imgreaper::node::clock::{Clock, FakeClock, unix_now};
use imgreaper::node::enforcer::{CycleReport, Enforcer};
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Store};
use std::sync::Arc;
use support::images::import;
use support::{Sandbox, docker, exists, host};

struct Bench {
    sandbox: Sandbox,
    clock: Arc<FakeClock>,
}

impl Bench {
    fn new(test: &str) -> Bench {
        Bench::starting_at(test, unix_now())
    }

    fn starting_at(test: &str, now: i64) -> Bench {
        Bench {
            sandbox: Sandbox::new(test),
            clock: Arc::new(FakeClock::new(now)),
        }
    }

    fn store(&self) -> Store {
        Store::open(&self.sandbox.db()).expect("open store")
    }

    fn policy(&self, pattern: &str, minutes: u64, agent_downloaded_only: bool) {
        self.sandbox
            .apply_rule(pattern, minutes, agent_downloaded_only);
    }

    fn settings(&self, mode: Mode, startup_delay_secs: i64, min_age_secs: i64) {
        self.store()
            .save_settings(&Settings {
                mode,
                startup_delay_secs,
                min_age_secs,
                interval_secs: 60,
            })
            .unwrap();
    }

    async fn enforcer(&self) -> Enforcer {
        let engine = Engine::connect(host()).await.expect("engine");
        Enforcer::new(engine, self.store(), self.clock.clone(), LeaseKind::Service)
    }

    fn actions_for(&self, reference: &str) -> Vec<String> {
        self.store()
            .audit_log(10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.reference == reference)
            .map(|e| e.entry.action)
            .collect()
    }

    fn state_of(&self, reference: &str) -> String {
        let rows = self.sandbox.images_json();
        let row = rows
            .iter()
            .find(|r| r["reference"] == reference)
            .unwrap_or_else(|| panic!("{reference} not in images --json: {rows:?}"));
        row["state"].as_str().unwrap().to_string()
    }
}

fn removed(report: &CycleReport) -> usize {
    report
        .actions
        .iter()
        .filter(|a| a.action == "remove" || a.action == "untag")
        .count()
}

#[tokio::test]
async fn an_approval_does_not_carry_over_to_the_image_a_name_moves_to() {
    let bench = Bench::new("approval-moves");
    bench.settings(Mode::Approve, 0, 0);
    let name = bench.sandbox.repo("app:1");
    import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 0, false);
    let mut enforcer = bench.enforcer().await;
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(report.awaiting_approval, 1);

    bench.sandbox.ok(&["approve", &name]);
    // Before the enforcer acts, the name moves to a new image.
    let new_id = import(&bench.sandbox.repo("next:1"));
    docker(&["tag", &new_id, &name]);

    let report = enforcer.cycle().await.unwrap();
    assert!(
        exists(&new_id),
        "the new image was removed on the old image's approval: {report:?}"
    );
    assert_eq!(removed(&report), 0, "{report:?}");
    assert!(
        bench.actions_for(&name).iter().any(|a| a == "lapse"),
        "the lapse is recorded: {:?}",
        bench.actions_for(&name)
    );
    assert_eq!(bench.state_of(&name), "awaiting_approval");
}

#[test]
fn approve_refuses_a_reference_that_is_not_awaiting_approval() {
    let bench = Bench::new("approve-early");
    bench.settings(Mode::Approve, 0, 0);
    let name = bench.sandbox.repo("app:1");
    import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 600, false);
    assert_eq!(bench.state_of(&name), "scheduled");
    let output = bench.sandbox.imgreaper(&["approve", &name]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not awaiting approval"), "{stderr}");
    assert!(stderr.contains("scheduled"), "says why: {stderr}");
    assert!(!bench.actions_for(&name).iter().any(|a| a == "approve"));
}

#[tokio::test]
async fn a_postponement_stays_with_its_image_and_does_not_cover_the_one_the_name_moves_to() {
    let bench = Bench::new("postpone-moves");
    bench.settings(Mode::Auto, 0, 0);
    let name = bench.sandbox.repo("app:1");
    let held = import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 60, false);
    bench.sandbox.ok(&["postpone", &name, "--for", "10h"]);
    assert_eq!(bench.state_of(&name), "postponed");
    let new_id = import(&bench.sandbox.repo("next:1"));
    docker(&["tag", &new_id, &name]);
    assert_eq!(
        bench.state_of(&name),
        "scheduled",
        "the new image does not inherit the postponement"
    );
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    assert!(
        !bench.actions_for(&name).iter().any(|a| a == "lapse"),
        "the postponement lapsed although its image is still here"
    );
    let store = bench.store();
    assert!(
        store
            .overrides()
            .unwrap()
            .postponed_until(&name, &held)
            .is_some(),
        "the held image lost its postponement"
    );
}

#[test]
fn guard_flags_given_to_one_run_are_not_stored() {
    let bench = Bench::new("flags");
    bench.sandbox.ok(&[
        "run",
        "--once",
        "--startup-delay",
        "0s",
        "--min-age",
        "0s",
        "--mode",
        "dry-run",
    ]);
    let settings = bench.store().settings().unwrap();
    assert_eq!(settings, Settings::default(), "a run's flags leaked");
}

#[test]
fn run_once_from_cron_removes_what_is_due_once_the_engine_has_been_up_long_enough() {
    let bench = Bench::new("cron");
    // A short stored start-up delay the engine has long passed; the default minimum age is
    // replaced by a short one so the test need not wait ten minutes.
    bench.settings(Mode::Auto, 2, 1);
    let name = bench.sandbox.repo("old:1");
    import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 0, false);
    std::thread::sleep(std::time::Duration::from_secs(3));
    // The first run sees the image for the first time; the next, a cron period later, is past
    // the minimum age. Neither restarts the start-up delay.
    bench.sandbox.ok(&["run", "--once"]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    bench.sandbox.ok(&["run", "--once"]);
    assert!(
        !exists(&name),
        "two cron runs later the due image is still there"
    );
}

#[tokio::test]
async fn a_clock_stepped_forward_after_boot_skips_no_guard_and_makes_nothing_overdue() {
    let bench = Bench::new("clockstep");
    // Default guards: 5 minutes after start, 10 minutes after an image arrives.
    bench.settings(Mode::Auto, 300, 600);
    let name = bench.sandbox.repo("fresh:1");
    import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 60, false);
    let mut enforcer = bench.enforcer().await;
    // The enforcer notices the engine just (re)connected: the start-up delay runs from now.
    enforcer.cycle().await.unwrap();
    // NTP steps the wall clock forward by a year; only seconds have really passed.
    bench.clock.set(bench.clock.now() + 365 * 24 * 3600);
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed(&report), 0, "{report:?}");
    assert!(exists(&name), "a clock step removed an image seconds old");
}

#[tokio::test]
async fn reading_commands_write_nothing_to_the_database() {
    let bench = Bench::new("readers");
    bench.settings(Mode::Auto, 0, 0);
    let name = bench.sandbox.repo("app:1");
    import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 60, false);
    let file = bench.sandbox.write(
        "preview.json",
        r#"{"image_policy": {"removal": [{"image_name": "*", "delete_after_minutes": 5}]}}"#,
    );
    let watcher = bench.store();
    let before = watcher.data_version().unwrap();
    bench.sandbox.ok(&["images"]);
    bench.sandbox.ok(&["images", "--json"]);
    bench
        .sandbox
        .ok(&["policy", "preview", file.to_str().unwrap()]);
    assert_eq!(
        watcher.data_version().unwrap(),
        before,
        "a reading command wrote to the database"
    );
}

#[tokio::test]
async fn a_pull_made_while_nothing_watched_is_agent_downloaded_at_the_next_run() {
    let bench = Bench::new("unwatched-pull");
    bench.settings(Mode::Auto, 0, 0);
    let local = bench.sandbox.repo("src:1");
    import(&local);
    let remote = format!("127.0.0.1:5000/{}", bench.sandbox.repo("pulled:1"));
    docker(&["tag", &local, &remote]);
    docker(&["push", &remote]);
    docker(&["rmi", &remote, &local]);
    // A first run, so the enforcer has seen the engine before the downtime.
    bench.sandbox.ok(&["run", "--once"]);
    docker(&["pull", &remote]);
    bench.sandbox.ok(&["run", "--once"]);
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&bench.sandbox.ok(&["images", "--json"])).unwrap();
    let row = all
        .iter()
        .find(|r| r["reference"] == remote.as_str())
        .expect("the pulled image is listed");
    assert_eq!(row["agent_downloaded"], true, "{row}");
    docker(&["rmi", &remote]);
}

#[tokio::test]
async fn a_container_that_lived_a_second_counts_as_use() {
    // The enforcer first sees the image idle, fifty minutes ago by its clock.
    let bench = Bench::starting_at("shortlived", unix_now() - 50 * 60);
    bench.settings(Mode::Auto, 0, 0);
    let name = bench.sandbox.repo("tool:1");
    import(&name);
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 60, false);
    let mut enforcer = bench.enforcer().await;
    enforcer.cycle().await.unwrap();
    enforcer.release();
    drop(enforcer);
    // Fifty minutes pass; then, with nobody watching, a container runs on it and is gone.
    bench.clock.advance(50 * 60);
    let container = format!("{}-once", bench.sandbox.prefix);
    docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--name",
        &container,
        &name,
        "/bin/busybox",
        "true",
    ]);
    // Eleven minutes later the image was used eleven minutes ago, not sixty-one.
    bench.clock.advance(11 * 60);
    let mut enforcer = bench.enforcer().await;
    let report = enforcer.cycle().await.unwrap();
    assert_eq!(removed(&report), 0, "{report:?}");
    assert!(exists(&name), "removed right after it was used");
}

#[test]
fn adopt_and_disown_set_the_agent_downloaded_flag_by_hand() {
    let bench = Bench::new("adopt");
    bench.settings(Mode::Auto, 0, 0);
    let name = bench.sandbox.repo("local:1");
    import(&name);
    // The default reading: rules apply only to images pulled while imgreaper watched.
    bench.policy(&format!("{}/*", bench.sandbox.prefix), 60, true);
    assert_eq!(bench.state_of(&name), "spared");
    bench.sandbox.ok(&["adopt", &name]);
    assert_eq!(bench.state_of(&name), "scheduled");
    let row = bench.sandbox.images_json()[0].clone();
    assert_eq!(row["agent_downloaded"], true, "{row}");
    bench.sandbox.ok(&["disown", &name]);
    assert_eq!(bench.state_of(&name), "spared");
    let actions = bench.actions_for(&name);
    assert!(actions.contains(&"adopt".to_string()), "{actions:?}");
    assert!(actions.contains(&"disown".to_string()), "{actions:?}");
}

#[test]
fn settings_are_stored_only_by_the_settings_command_and_audited() {
    let bench = Bench::new("settings");
    let shown = bench.sandbox.ok(&["settings"]);
    assert!(shown.contains("startup-delay  300s"), "{shown}");
    bench
        .sandbox
        .ok(&["settings", "--mode", "approve", "--startup-delay", "2m"]);
    let settings = bench.store().settings().unwrap();
    assert_eq!(settings.mode, Mode::Approve);
    assert_eq!(settings.startup_delay_secs, 120);
    assert_eq!(settings.min_age_secs, Settings::default().min_age_secs);
    assert!(
        bench
            .actions_for("settings")
            .contains(&"settings".to_string())
    );
    let refused = bench.sandbox.imgreaper(&["settings", "--min-age", "200y"]);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(bench.store().settings().unwrap(), settings);
}
