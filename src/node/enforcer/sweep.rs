//! Removing due references: the names of one image one after another (the last by image ID),
//! different images a few at a time; journalled with their owner so a crash or an outage is
//! finished later, never repeated, and never finished by someone else while the owner lives.

use super::{CycleReport, Enforcer, HEARTBEAT_SECS, LEASE_TTL_SECS};
use crate::node::clock::Clock;
use crate::node::removal::{Batch, Claim, Outcome, Target, finish_interrupted};
use crate::node::store::{HolderView, LeaseClaim, Store, is_disk_full};
use anyhow::Result;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// The lease, checked before each removal and renewed during a long sweep.
struct Fence<'a> {
    store: &'a Mutex<&'a mut Store>,
    clock: &'a dyn Clock,
    claim: &'a LeaseClaim,
    view: HolderView,
    renewed: AtomicI64,
    /// The last renewal failed because the disk is full.
    disk_full: AtomicBool,
}

impl Fence<'_> {
    fn check(&self) -> Result<(), String> {
        // On the monotonic clock: a wall-clock step neither skips nor forces a renewal.
        let now = self.clock.moment();
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let renewed = self.renewed.load(Ordering::SeqCst);
        let held = if renewed == i64::MIN || now.up - renewed >= HEARTBEAT_SECS {
            self.renewed.store(now.up, Ordering::SeqCst);
            match store.acquire_lease(self.claim, &self.view, &now, LEASE_TTL_SECS) {
                // Nobody can renew or take it on a full disk: the holder named keeps it.
                Err(error) if is_disk_full(&error) => {
                    self.disk_full.store(true, Ordering::SeqCst);
                    store.may_act_unleased(self.claim, &now)
                }
                other => {
                    self.disk_full.store(false, Ordering::SeqCst);
                    other
                }
            }
        } else if self.disk_full.load(Ordering::SeqCst) {
            store.may_act_unleased(self.claim, &now)
        } else {
            store.holds_lease(&self.claim.holder, &now)
        };
        match held {
            Ok(true) => Ok(()),
            Ok(false) => Err("this enforcer lost its lease to another process".to_string()),
            Err(error) => Err(format!("cannot check the enforcer lease: {error:#}")),
        }
    }
}

impl Enforcer {
    pub(super) async fn sweep(&mut self, due: Vec<Target>, report: &mut CycleReport) -> Result<()> {
        if due.is_empty() {
            return Ok(());
        }
        let moment = self.clock.moment();
        let view = self.view.expect("a cycle sets the view before sweeping");
        let holder_view = HolderView {
            boot: moment.boot,
            settings: view.settings,
            guard_start_up: view.guard_start_up,
        };
        let engine = self.engine.clone();
        let clock = self.clock.clone();
        let claim = self.claim.clone();
        let owner = self.owner.clone();
        let finished = {
            let store = Mutex::new(&mut self.store);
            let fence = Fence {
                store: &store,
                clock: clock.as_ref(),
                claim: &claim,
                view: holder_view,
                // Renewed (or found unrenewable) before the first removal.
                renewed: AtomicI64::new(i64::MIN),
                disk_full: AtomicBool::new(false),
            };
            let batch = Batch {
                engine: &engine,
                store: &store,
                owner: &owner,
                actor: &claim.holder,
                clock: clock.as_ref(),
                concurrency: self.concurrency,
                grace: self.grace,
            };
            batch.run(due, &|| fence.check()).await?
        };
        for done in finished {
            if let Some(why) = failure(&done.outcome) {
                report.failures.push((done.target.reference.clone(), why));
            }
            if let Some(entry) = done.entry {
                if done.unrecorded {
                    self.unrecorded.push(entry.clone());
                }
                if let Some(sink) = self.on_action.as_mut() {
                    sink(&entry);
                }
                report.actions.push(entry);
            }
        }
        Ok(())
    }

    /// Journal entries and holds whose outcome was never written: this enforcer's own from an
    /// earlier cycle (the engine went away mid-request), or a dead process's. Never touches
    /// the entries of a process that may still be working on them.
    pub(super) async fn finish_interrupted(&mut self, report: &mut CycleReport) -> Result<()> {
        let now = self.clock.now();
        let mine = self.owner.name.clone();
        let recovered = finish_interrupted(
            &self.engine,
            &mut self.store,
            now,
            "after an interruption, by the enforcer holding the lease",
            &self.owner,
            // This enforcer holds the lease: another enforcer's entries are orphaned (it lost
            // the lease, frozen or stalled); a command's are left to it while it lives.
            |owner, started| {
                if owner.name == mine || !owner.may_be_alive(started, now) {
                    Claim::Finish
                } else if owner.is_enforcer() {
                    Claim::TakeOver
                } else {
                    Claim::Leave
                }
            },
        )
        .await?;
        report.failures.extend(recovered.failures);
        for entry in recovered.actions {
            self.record(entry, &mut report.actions);
        }
        Ok(())
    }
}

pub(crate) fn failure(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Unknown(why) => Some(format!("outcome unknown, checked on reconnect: {why}")),
        Outcome::NotDone(why) => Some(format!("not attempted: {why}")),
        Outcome::Failed(why) | Outcome::Misfired(why) => Some(why.clone()),
        _ => None,
    }
}
