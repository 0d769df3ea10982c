//! Reading a snapshot (`core::snapshot`): from the engine and the store, at one moment.
//!
//! Only the enforcer that holds the lease writes image records (DESIGN.md §12); it builds its
//! snapshot from what it just wrote (`from_tracked`). Every other process reads the records and
//! brings them up to date in memory only (`read`, `assemble`): a reader never writes, so it can
//! never undo what the enforcer recorded in between.

use crate::core::disk::DiskReading;
use crate::core::model::{Inventory, TrackedImage};
use crate::core::saved::rule_book_of;
use crate::core::snapshot::{EnforcerView, Snapshot};
use crate::core::time::Moment;
use crate::core::tracking::{Observed, former_names, reconcile};
use crate::node::clock::Clock;
use crate::node::engine::Engine;
use crate::node::placement::this_node;
use crate::node::store::Store;
use anyhow::Result;
use std::collections::HashMap;

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
        EngineReading::take_for(engine, true).await
    }

    /// The same, reading the disk only if `wants_disk` (no policy sets disk marks: nothing
    /// shows or plans by it, and finding the data root costs the engine a `docker info`).
    pub async fn take_for(engine: &Engine, wants_disk: bool) -> Result<EngineReading> {
        let disk = async {
            if wants_disk {
                engine.disk_reading().await
            } else {
                DiskReading::Unknown {
                    reason: "not read: no policy sets disk marks".to_string(),
                }
            }
        };
        let (inventory, engine_start, disk) =
            tokio::join!(engine.inventory(), engine.started_up(), disk);
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
        let node = this_node()?;
        let mut snapshot = Snapshot {
            records: tracked
                .iter()
                .map(|(id, t)| (id.clone(), t.effective(moment)))
                .collect(),
            former_names: former_names(&inventory, names),
            disk,
            inventory,
            rules: rule_book_of(&policies, &node, moment.wall),
            policies,
            node,
            overrides: store.overrides_at(moment)?,
            settings: view.settings,
            guards: view.guards(moment),
            now: moment.wall,
            rows: Vec::new(),
        };
        snapshot.replan(moment.wall);
        Ok(snapshot)
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
    if let Some(lease) = store.lease(moment)?
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
