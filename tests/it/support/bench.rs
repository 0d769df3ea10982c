//! An enforcer on a fake clock over a sandbox's database: what the in-process enforcer tests
//! share (the settings, the policy, the audit log as the enforcer wrote it).

use super::{Sandbox, host};
use imgreaper::core::model::{Mode, Timestamp};
use imgreaper::core::settings::Settings;
use imgreaper::node::clock::{Clock, FakeClock, unix_now};
use imgreaper::node::enforcer::{CycleReport, Enforcer};
use imgreaper::node::engine::Engine;
use imgreaper::node::store::{LeaseKind, Store};
use std::sync::Arc;

pub struct Bench {
    pub sandbox: Sandbox,
    pub clock: Arc<FakeClock>,
}

impl Bench {
    pub fn new(test: &str) -> Bench {
        Bench::starting_at(test, unix_now())
    }

    pub fn starting_at(test: &str, now: Timestamp) -> Bench {
        Bench {
            sandbox: Sandbox::new(test),
            clock: Arc::new(FakeClock::new(now)),
        }
    }

    pub fn store(&self) -> Store {
        Store::open(&self.sandbox.db()).expect("open store")
    }

    /// Stores `mode` with no start-up delay and no minimum age.
    pub fn settings(&self, mode: Mode) {
        self.settings_with_guards(mode, 0, 0);
    }

    pub fn settings_with_guards(&self, mode: Mode, startup_delay_secs: i64, min_age_secs: i64) {
        self.store()
            .save_settings(&Settings {
                mode,
                startup_delay_secs,
                min_age_secs,
                interval_secs: 60,
            })
            .unwrap();
    }

    /// Saves a policy document given as JSON text, as of the fake clock's time.
    pub fn policy_json(&self, text: &str) {
        let document = imgreaper::core::policy::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e:#?}"))
            .document;
        self.store()
            .save_policy("test", &document, self.clock.now())
            .unwrap();
    }

    /// Saves removal rules `(pattern under this test's prefix, minutes, agent_downloaded_only)`.
    pub fn rules(&self, rules: &[(&str, u64, bool)]) {
        let rules: Vec<String> = rules
            .iter()
            .map(|(pattern, minutes, only)| {
                format!(
                    r#"{{"image_name": "{}/{pattern}", "delete_after_minutes": {minutes}, "agent_downloaded_only": {only}}}"#,
                    self.sandbox.prefix
                )
            })
            .collect();
        self.policy_json(&format!(
            r#"{{"image_policy": {{"removal": [{}]}}}}"#,
            rules.join(",")
        ));
    }

    /// An enforcer on the shared test engine.
    pub async fn enforcer(&self) -> Enforcer {
        self.enforcer_on(host()).await
    }

    pub async fn enforcer_on(&self, engine_host: &str) -> Enforcer {
        let engine = Engine::connect(engine_host).await.expect("engine");
        Enforcer::new(engine, self.store(), self.clock.clone(), LeaseKind::Service)
    }

    /// (action, result) of each audit entry for `reference`, newest first.
    pub fn audit_for(&self, reference: &str) -> Vec<(String, String)> {
        self.store()
            .audit_log(10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.reference == reference)
            .map(|e| (e.entry.action, e.entry.result))
            .collect()
    }

    pub fn actions_for(&self, reference: &str) -> Vec<String> {
        self.audit_for(reference)
            .into_iter()
            .map(|(action, _)| action)
            .collect()
    }

    /// The references with an audit entry of `action`, sorted.
    pub fn references_with(&self, action: &str) -> Vec<String> {
        let mut references: Vec<String> = self
            .store()
            .audit_log(10_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.action == action)
            .map(|e| e.entry.reference)
            .collect();
        references.sort();
        references
    }

    /// The state `images --json` gives `reference`.
    pub fn state_of(&self, reference: &str) -> String {
        let rows = self.sandbox.images_json();
        let row = rows
            .iter()
            .find(|r| r["reference"] == reference)
            .unwrap_or_else(|| panic!("{reference} not in images --json: {rows:?}"));
        row["state"].as_str().unwrap().to_string()
    }
}

/// The references a cycle removed or untagged, sorted.
pub fn removed_references(report: &CycleReport) -> Vec<String> {
    let mut names: Vec<String> = report
        .actions
        .iter()
        .filter(|a| a.action == "remove" || a.action == "untag")
        .map(|a| a.reference.clone())
        .collect();
    names.sort();
    names
}

/// How many references a cycle removed or untagged.
pub fn removals(report: &CycleReport) -> usize {
    removed_references(report).len()
}
