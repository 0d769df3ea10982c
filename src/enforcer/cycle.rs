//! One reconcile-and-sweep.

use super::{CycleReport, Enforcer, LEASE_TTL_SECS};
use crate::model::Timestamp;
use crate::plan::RefState;
use crate::removal::Target;
use crate::snapshot::Snapshot;
use crate::store::NewAudit;
use anyhow::Result;

impl Enforcer {
    /// Takes or renews the lease; returns whether we hold it.
    pub fn heartbeat(&mut self) -> Result<bool> {
        let now = self.clock.now();
        let mode = self.store.settings()?.mode;
        let had = self.has_lease;
        self.has_lease = self
            .store
            .acquire_lease(&self.claim, mode, now, LEASE_TTL_SECS)?;
        if self.has_lease && !had {
            self.store.set_enforcer_started(self.started)?;
        }
        Ok(self.has_lease)
    }

    pub async fn cycle(&mut self) -> Result<CycleReport> {
        let mut report = CycleReport::default();
        if !self.heartbeat()? {
            report.lease_holder = self.store.lease(self.clock.now())?.map(|l| l.holder);
            return Ok(report);
        }
        report.leased = true;
        self.finish_interrupted(&mut report.actions).await?;

        let now = self.clock.now();
        let inventory = self.engine.inventory().await?;
        for (reference, at) in std::mem::take(&mut self.pulled) {
            if let Some(image) = inventory
                .images
                .iter()
                .find(|i| i.references.contains(&reference))
            {
                self.store.mark_pulled(&image.id, at)?;
            }
        }
        self.store.expire_postponements(now)?;
        self.store.prune_audit(crate::store::AUDIT_KEEP)?;
        let snapshot = Snapshot::from_inventory(inventory, &mut self.store, now)?;
        report.images = snapshot.inventory.images.len();
        report.references = snapshot.rows.len();

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
                        size: if row.removes_image { image.size } else { 0 },
                    });
                }
                _ => {}
            }
        }
        if snapshot.settings.mode == crate::model::Mode::DryRun {
            self.record_dry_run(&due, now, &mut report.actions)?;
        } else {
            self.sweep(due, &mut report.actions).await?;
        }
        Ok(report)
    }

    fn record_dry_run(
        &mut self,
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
            let entry = NewAudit::new(
                now,
                &self.claim.holder,
                "would-remove",
                &target.reference,
                &target.image_id,
            )
            .freed(target.size)
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
