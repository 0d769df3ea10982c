//! Everything a command or the console shows, loaded at one moment and planned.

use crate::engine::Engine;
use crate::model::{Guards, ImageRecord, Inventory, Overrides, Timestamp};
use crate::plan::{PlanInput, RefPlan, RuleBook, plan};
use crate::store::{Settings, Store, StoredPolicy, active_rules_of};
use crate::tracking::reconcile;
use anyhow::Result;
use std::collections::HashMap;

pub struct Snapshot {
    pub inventory: Inventory,
    pub records: HashMap<String, ImageRecord>,
    pub policies: Vec<StoredPolicy>,
    pub rules: RuleBook,
    pub overrides: Overrides,
    pub settings: Settings,
    pub guards: Guards,
    pub now: Timestamp,
    pub rows: Vec<RefPlan>,
}

impl Snapshot {
    /// Reads the engine and the store, brings the image records up to date, and plans.
    pub async fn load(engine: &Engine, store: &mut Store, now: Timestamp) -> Result<Snapshot> {
        let inventory = engine.inventory().await?;
        Snapshot::from_inventory(inventory, store, now)
    }

    /// Like `assemble`, and persists the reconciled image records, only when they changed:
    /// every write wakes the other processes watching the database.
    pub fn from_inventory(
        inventory: Inventory,
        store: &mut Store,
        now: Timestamp,
    ) -> Result<Snapshot> {
        let previous = store.image_records()?;
        let snapshot = Snapshot::assemble_with(inventory, store, &previous, now)?;
        if snapshot.records != previous {
            store.replace_image_records(&snapshot.records)?;
        }
        Ok(snapshot)
    }

    /// Reads the store and plans, reconciling image records in memory only: writes nothing.
    pub fn assemble(inventory: Inventory, store: &Store, now: Timestamp) -> Result<Snapshot> {
        Snapshot::assemble_with(inventory, store, &store.image_records()?, now)
    }

    fn assemble_with(
        inventory: Inventory,
        store: &Store,
        previous: &HashMap<String, ImageRecord>,
        now: Timestamp,
    ) -> Result<Snapshot> {
        let policies = store.policies()?;
        let settings = store.settings()?;
        let guards = Guards {
            enforcer_started: store.enforcer_started()?.unwrap_or(now),
            startup_delay_secs: settings.startup_delay_secs,
            min_age_secs: settings.min_age_secs,
        };
        let mut snapshot = Snapshot {
            records: reconcile(previous, &inventory, now),
            inventory,
            rules: RuleBook::new(active_rules_of(&policies, now)),
            policies,
            overrides: store.overrides()?,
            settings,
            guards,
            now,
            rows: Vec::new(),
        };
        snapshot.replan(now);
        Ok(snapshot)
    }

    /// Recomputes the plan for another moment (a countdown tick) without any I/O.
    pub fn replan(&mut self, now: Timestamp) {
        self.now = now;
        self.rows = plan(&PlanInput {
            inventory: &self.inventory,
            rules: &self.rules,
            records: &self.records,
            overrides: &self.overrides,
            guards: self.guards,
            mode: self.settings.mode,
            now,
        });
    }
}
