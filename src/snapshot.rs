//! Everything a command or the console shows, read at one moment and planned.
//!
//! Only the enforcer that holds the lease writes image records (DESIGN.md §12); it builds its
//! snapshot from what it just wrote (`from_tracked`). Every other process reads the records and
//! brings them up to date in memory only (`read`, `assemble`): a reader never writes, so it can
//! never undo what the enforcer recorded in between.

use crate::clock::{Clock, Moment};
use crate::disk::DiskReading;
use crate::engine::Engine;
use crate::model::{Guards, ImageRecord, Inventory, Overrides, Timestamp, TrackedImage};
use crate::plan::{PlanInput, RefPlan, RuleBook, plan};
use crate::store::{Settings, Store, StoredPolicy, rule_book_of};
use crate::tracking::{Observed, former_names, reconcile};
use anyhow::Result;
use std::collections::HashMap;

pub struct Snapshot {
    pub inventory: Inventory,
    pub records: HashMap<String, ImageRecord>,
    /// image ID -> names it carried before and carries no longer.
    pub former_names: HashMap<String, Vec<String>>,
    /// The data root's filesystem, for disk pressure (§11).
    pub disk: DiskReading,
    pub policies: Vec<StoredPolicy>,
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

/// What a reading process takes from the engine before planning: taken first, so no borrow of
/// the store is held across a request (a `Store` is not `Sync`).
pub struct EngineReading {
    pub inventory: Inventory,
    /// When the engine's process started, in seconds after boot, when it can be known.
    pub engine_start: Option<i64>,
    /// The data root's filesystem, for disk pressure.
    pub disk: DiskReading,
}

impl EngineReading {
    pub async fn take(engine: &Engine) -> Result<EngineReading> {
        let (inventory, engine_start, disk) = tokio::join!(
            engine.inventory(),
            engine.started_up(),
            engine.disk_reading()
        );
        Ok(EngineReading {
            inventory: inventory?,
            engine_start,
            disk,
        })
    }
}

impl Snapshot {
    /// What a reading process shows: the engine as read, the store as the enforcer left it, and
    /// the guards of the enforcer that holds the lease (or, with none, the stored settings
    /// counted from the engine's start). Writes nothing.
    pub fn read(reading: EngineReading, store: &Store, clock: &dyn Clock) -> Result<Snapshot> {
        let moment = clock.moment();
        let view = reader_view(store, &moment, reading.engine_start)?;
        Snapshot::assemble(reading.inventory, reading.disk, store, &moment, &view)
    }

    /// Plans from the store's records brought up to date in memory with `inventory`.
    pub fn assemble(
        inventory: Inventory,
        disk: DiskReading,
        store: &Store,
        moment: &Moment,
        view: &EnforcerView,
    ) -> Result<Snapshot> {
        let names = store.image_names()?;
        let tracked = reconcile(
            &store.tracked_images()?,
            &inventory,
            &Observed::default(),
            &names,
            moment,
        );
        Snapshot::from_tracked(inventory, disk, &tracked, &names, store, moment, view)
    }

    /// Plans from records that are already up to date (the enforcer's, just written).
    pub fn from_tracked(
        inventory: Inventory,
        disk: DiskReading,
        tracked: &HashMap<String, TrackedImage>,
        names: &HashMap<String, Vec<String>>,
        store: &Store,
        moment: &Moment,
        view: &EnforcerView,
    ) -> Result<Snapshot> {
        let policies = store.policies()?;
        let mut snapshot = Snapshot {
            records: tracked
                .iter()
                .map(|(id, t)| (id.clone(), t.effective(moment)))
                .collect(),
            former_names: former_names(&inventory, names),
            disk,
            inventory,
            rules: rule_book_of(&policies, moment.wall),
            policies,
            overrides: store.overrides()?,
            settings: view.settings,
            guards: view.guards(moment),
            now: moment.wall,
            rows: Vec::new(),
        };
        snapshot.replan(moment.wall);
        Ok(snapshot)
    }

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
        self.rows = plan(&PlanInput {
            inventory: &self.inventory,
            rules: &self.rules,
            records: &self.records,
            overrides: &self.overrides,
            guards: self.guards,
            mode: self.settings.mode,
            now,
            former_names: &self.former_names,
            disk: self.disk.usage(),
        });
    }
}

/// The enforcer a reader defers to: the lease holder's published settings and guard start, else
/// the stored settings with the start-up delay counted from the engine's start (or from boot
/// when that cannot be known).
pub fn reader_view(
    store: &Store,
    moment: &Moment,
    engine_start: Option<i64>,
) -> Result<EnforcerView> {
    if let Some(lease) = store.lease(moment.wall)?
        && let Some(view) = lease.view
        && view.boot == moment.boot
    {
        return Ok(EnforcerView {
            settings: view.settings,
            guard_start_up: view.guard_start_up,
        });
    }
    Ok(EnforcerView {
        settings: store.settings()?,
        guard_start_up: engine_start.unwrap_or(0),
    })
}
