//! Removing due references: the names of one image one after another (the last by image ID),
//! different images a few at a time; journalled with their owner so a crash or an outage is
//! finished later, never repeated, and never finished by someone else while the owner lives.

use super::{CycleReport, Enforcer, HEARTBEAT_SECS, LEASE_TTL_SECS};
use crate::node::clock::Clock;
use crate::node::removal::{self, Outcome, Target};
use crate::node::store::unless_disk_full as unless_full;
use crate::node::store::{HolderView, LeaseClaim, NewAudit, Store, is_disk_full};
use anyhow::Result;
use futures_util::StreamExt;
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
        let now = self.clock.now();
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        let held = if now - self.renewed.load(Ordering::SeqCst) >= HEARTBEAT_SECS {
            self.renewed.store(now, Ordering::SeqCst);
            match store.acquire_lease(self.claim, &self.view, now, LEASE_TTL_SECS) {
                // Nobody can renew or take it on a full disk: the holder named keeps it.
                Err(error) if is_disk_full(&error) => {
                    self.disk_full.store(true, Ordering::SeqCst);
                    store.may_act_unleased(self.claim, now)
                }
                other => {
                    self.disk_full.store(false, Ordering::SeqCst);
                    other
                }
            }
        } else if self.disk_full.load(Ordering::SeqCst) {
            store.may_act_unleased(self.claim, now)
        } else {
            store.holds_lease(&self.claim.holder, now)
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
        let now = self.clock.now();
        let mut groups = Vec::new();
        for mut group in removal::by_image(due) {
            let mut journalled = Vec::new();
            for name in std::mem::take(&mut group.names) {
                let target = group.target(&name);
                let entry = removal::pending(&target, &self.claim.holder, &self.owner, now);
                // On a full disk the removal goes ahead unjournalled: freeing space comes first.
                match unless_full(self.store.begin_removal(&entry))? {
                    Some(false) => report
                        .failures
                        .push((name, "another process is removing it".to_string())),
                    Some(true) | None => journalled.push(name),
                }
            }
            group.names = journalled;
            if !group.names.is_empty() {
                groups.push(group);
            }
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
        let mut unrecorded = Vec::new();
        {
            let store = Mutex::new(&mut self.store);
            let fence = Fence {
                store: &store,
                clock: clock.as_ref(),
                claim: &claim,
                view: holder_view,
                // Renewed (or found unrenewable) before the first removal.
                renewed: AtomicI64::new(0),
                disk_full: AtomicBool::new(false),
            };
            let fence = &fence;
            let engine = &engine;
            let mut running = futures_util::stream::iter(groups)
                .map(|group| async move {
                    let outcomes =
                        removal::remove_image_names(engine, &group, || fence.check()).await;
                    (group, outcomes)
                })
                .buffer_unordered(self.concurrency);
            while let Some((group, outcomes)) = running.next().await {
                for (name, outcome) in &outcomes {
                    let target = group.target(name);
                    let recorded = removal::record(
                        &mut store.lock().unwrap_or_else(|e| e.into_inner()),
                        &owner,
                        &target,
                        outcome,
                        &claim.holder,
                        clock.now(),
                    );
                    let entry = match unless_full(recorded)? {
                        Some(entry) => entry,
                        // Recorded later, when there is room.
                        None => {
                            let entry =
                                removal::audit(&target, outcome, &claim.holder, clock.now());
                            unrecorded.extend(entry.clone());
                            entry
                        }
                    };
                    if let Some(why) = failure(outcome) {
                        report.failures.push((name.clone(), why));
                    }
                    if let Some(entry) = entry {
                        if let Some(sink) = self.on_action.as_mut() {
                            sink(&entry);
                        }
                        report.actions.push(entry);
                    }
                }
            }
        }
        self.unrecorded.extend(unrecorded);
        Ok(())
    }

    /// Journal entries whose outcome was never written: this enforcer's own from an earlier
    /// cycle (the engine went away mid-request), or a dead process's. What is gone is recorded
    /// as removed; what is still there had not happened. Never asks the engine to remove
    /// anything; never touches the entries of a process that may still be working on them.
    pub(super) async fn finish_interrupted(&mut self, report: &mut CycleReport) -> Result<()> {
        let now = self.clock.now();
        for pending in self.store.pending_removals()? {
            let ours = pending.owner.name == self.owner.name;
            if !ours && pending.owner.may_be_alive(pending.started, now) {
                continue;
            }
            let image = self.engine.image_now(&pending.image_id).await?;
            let dangling = pending.reference == pending.image_id;
            let (action, bytes) = match &image {
                None => ("remove", pending.bytes),
                Some(now) if dangling || now.carries(&pending.reference) => {
                    // It never happened; the plan decides again.
                    self.store
                        .clear_pending(&pending.reference, &pending.owner)?;
                    continue;
                }
                Some(_) => ("untag", 0),
            };
            let when = if ours {
                "while the engine was away; recorded on reconnect"
            } else {
                "before an interruption; recorded on restart"
            };
            let entry = NewAudit::new(
                self.clock.now(),
                &pending.actor,
                action,
                &pending.reference,
                &pending.image_id,
            )
            .freed(bytes)
            .result(format!("ok: completed {when}"))
            .why(pending.why.clone());
            self.store.finish_removal(&entry)?;
            self.store.forget_reference(&pending.reference)?;
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
