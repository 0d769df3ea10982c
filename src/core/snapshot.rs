//! Everything a command or the console shows, read at one moment and planned: the data, and
//! planning it again for another moment. Reading it is `node::snapshot`. Pure.

use crate::core::disk::DiskReading;
use crate::core::model::{Guards, ImageRecord, Inventory, Overrides, Timestamp};
use crate::core::placement::Node;
use crate::core::plan::{PlanInput, RefPlan, RuleBook, plan};
use crate::core::saved::StoredPolicy;
use crate::core::settings::Settings;
use crate::core::time::Moment;
use std::collections::HashMap;

pub struct Snapshot {
    pub inventory: Inventory,
    pub records: HashMap<String, ImageRecord>,
    /// image ID -> names it carried before and carries no longer.
    pub former_names: HashMap<String, Vec<String>>,
    /// The data root's filesystem, for disk pressure (§11).
    pub disk: DiskReading,
    pub policies: Vec<StoredPolicy>,
    /// This node as placement sees it (§13): which policies apply here.
    pub node: Node,
    pub rules: RuleBook,
    pub overrides: Overrides,
    /// The settings the enforcer acts with (the lease holder's, else the stored ones).
    pub settings: Settings,
    pub guards: Guards,
    pub now: Timestamp,
    pub rows: Vec<RefPlan>,
}

/// How the enforcer that decides is set up: its settings and when its start-up delay began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnforcerView {
    pub settings: Settings,
    /// Seconds after boot the start-up delay counts from.
    pub guard_start_up: i64,
}

impl EnforcerView {
    pub fn guards(&self, moment: &Moment) -> Guards {
        Guards::at(
            moment,
            self.guard_start_up,
            self.settings.startup_delay_secs,
            self.settings.min_age_secs,
        )
    }
}

impl Snapshot {
    /// Whether an image counts as agent-downloaded: as an operator set it (`adopt`, `disown`),
    /// else as the enforcer observed it.
    pub fn agent_downloaded(&self, image_id: &str) -> bool {
        self.overrides
            .ownership
            .get(image_id)
            .copied()
            .unwrap_or_else(|| {
                self.records
                    .get(image_id)
                    .is_some_and(|r| r.agent_downloaded)
            })
    }

    /// Recomputes the plan for another moment (a countdown tick) without any I/O.
    pub fn replan(&mut self, now: Timestamp) {
        self.now = now;
        self.rows = self.plan_with(&self.overrides);
    }

    /// The plan at this snapshot's moment as it would be with other operator decisions (what
    /// ending a postponement would bring back).
    pub fn plan_with(&self, overrides: &Overrides) -> Vec<RefPlan> {
        plan(&PlanInput {
            inventory: &self.inventory,
            rules: &self.rules,
            records: &self.records,
            overrides,
            guards: self.guards,
            mode: self.settings.mode,
            now: self.now,
            former_names: &self.former_names,
            disk: self.disk.usage(),
        })
    }
}
