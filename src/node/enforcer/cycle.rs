//! One reconcile-and-sweep.

use super::{CycleReport, Enforcer};
use crate::core::model::{Mode, Timestamp};
use crate::core::plan::RefState;
use crate::core::snapshot::{EnforcerView, Snapshot};
use crate::core::tracking::{current_names, reconcile, uses_by_image};
use crate::node::removal::Target;
use crate::node::store::unless_disk_full as unless_full;
use crate::node::store::{NewAudit, TrackingUpdate};
use anyhow::Result;

impl Enforcer {
    pub async fn cycle(&mut self) -> Result<CycleReport> {
        let mut report = CycleReport::default();
        let settings = self.overrides.apply(self.store.settings()?);
        let engine_start = self.engine.started_up().await;
        let view = EnforcerView {
            settings,
            guard_start_up: engine_start
                .unwrap_or(self.connected_up)
                .max(self.reconnected_up.unwrap_or(0)),
        };
        self.view = Some(view);
        if !self.heartbeat()? {
            report.lease_holder = self.store.lease(&self.clock.moment())?.map(|l| l.holder);
            return Ok(report);
        }
        report.leased = true;
        self.flush_unrecorded()?;
        unless_full(self.finish_interrupted(&mut report).await)?;

        let (inventory, disk) = tokio::join!(self.engine.inventory(), self.engine.disk_reading());
        let inventory = inventory?;
        let replayed = self.replay_events().await?;
        let (observed, cursor) = (replayed.observed, replayed.cursor);
        let names = self.store.image_names()?;
        let moment = self.clock.moment();
        let written = unless_full(self.store.update_tracking(|previous| {
            let tracked = reconcile(previous, &inventory, &observed, &names, &moment);
            let update = TrackingUpdate {
                tracked: tracked.clone(),
                names: current_names(&inventory),
                cursor,
                read_at: replayed.read_at,
                now: moment.wall,
            };
            Ok((update, tracked))
        }))?;
        let tracked = match written {
            Some(tracked) => tracked,
            // The disk is full: plan from the records brought up to date in memory (the event
            // cursor does not move, so the events are read again once they can be recorded).
            None => reconcile(
                &self.store.tracked_images()?,
                &inventory,
                &observed,
                &names,
                &moment,
            ),
        };
        unless_full(self.store.rebase_postponements(&moment))?;
        unless_full(self.store.expire_postponements(&moment))?;
        unless_full(self.store.prune_audit(crate::node::store::AUDIT_KEEP))?;
        let names = self.store.image_names()?;
        let mut snapshot = Snapshot::from_tracked(
            inventory,
            disk,
            &tracked,
            &names,
            &self.store,
            &moment,
            &view,
        )?;
        report.disk = snapshot.disk.describe(snapshot.rules.disk);
        report.disk_use = snapshot.disk.usage();
        report.disk_marks = snapshot.rules.disk.map(|m| (m.high_percent, m.low_percent));
        // Before anything is removed: an approval given before the image was used again must
        // not remove it now.
        let used_at = uses_by_image(&snapshot.inventory, &observed, &names);
        if unless_full(self.lapse_decisions(&snapshot, &used_at, &mut report.actions))?
            .unwrap_or(false)
        {
            snapshot.overrides = self.store.overrides_at(&moment)?;
            snapshot.replan(moment.wall);
        }
        report.images = snapshot.inventory.images.len();
        report.references = snapshot.rows.len();
        report.mode = Some(settings.mode);
        for row in &snapshot.rows {
            *report.states.entry(row.state.name()).or_default() += 1;
        }

        let mut due = Vec::new();
        for row in &snapshot.rows {
            match row.state {
                RefState::Scheduled | RefState::Postponed { .. } => {
                    report.scheduled += 1;
                    report.next_deadline = earliest(report.next_deadline, row.deadline);
                }
                RefState::AwaitingApproval => report.awaiting_approval += 1,
                RefState::Due => {
                    let image = &snapshot.inventory.images[row.image];
                    due.push(Target {
                        reference: row.key(&snapshot.inventory),
                        image_id: image.id.clone(),
                        size: image.size,
                    });
                }
                _ => {}
            }
        }
        if settings.mode == Mode::DryRun {
            self.record_dry_run(&snapshot, &due, moment.wall, &mut report.actions)?;
        } else {
            self.sweep(due, &mut report).await?;
        }
        report.unrecorded = self.unrecorded.len();
        Ok(report)
    }

    fn record_dry_run(
        &mut self,
        snapshot: &Snapshot,
        due: &[Target],
        now: Timestamp,
        actions: &mut Vec<NewAudit>,
    ) -> Result<()> {
        for target in due {
            let key = (target.reference.clone(), target.image_id.clone());
            if self.reported_dry_run.contains(&key)
                || self.store.has_audit("would-remove", &key.0, &key.1)?
            {
                continue;
            }
            // Only the last name of an image would free its space.
            let frees = snapshot
                .inventory
                .images
                .iter()
                .find(|i| i.id == target.image_id)
                .is_some_and(|i| i.references.len() <= 1);
            let entry = NewAudit::new(
                now,
                &self.claim.holder,
                "would-remove",
                &target.reference,
                &target.image_id,
            )
            .freed(if frees { target.size } else { 0 })
            .result("dry-run: nothing removed");
            self.store.audit(&entry)?;
            self.reported_dry_run.insert(key);
            self.record(entry, actions);
        }
        Ok(())
    }
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
