//! The enforcer (DESIGN.md §5, §12): carries out the saved policies. One `cycle` reconciles and
//! sweeps; `run` repeats it on engine events, at the next deadline, every interval and when another
//! process changes the database. Used by `imgreaper run` and, in the background, by the console.
//!
//! It is the one writer of image records: it writes only while it holds the lease, checks the
//! lease before each removal, and renews it during long sweeps.

mod cycle;
mod events;
mod lapse;
mod run_loop;
mod sweep;

pub use run_loop::{Notice, run};

use crate::core::settings::SettingsOverride;
use crate::core::snapshot::EnforcerView;
use crate::node::clock::Clock;
use crate::node::engine::Engine;
use crate::node::store::{HolderView, LeaseClaim, LeaseKind, NewAudit, Owner, Store, is_disk_full};
use std::collections::HashSet;
use std::sync::Arc;

/// How long a lease lasts without a heartbeat.
pub const LEASE_TTL_SECS: i64 = 30;
/// How often the lease is renewed, between cycles and during a sweep.
pub const HEARTBEAT_SECS: i64 = 10;

pub struct Enforcer {
    engine: Engine,
    store: Store,
    clock: Arc<dyn Clock>,
    claim: LeaseClaim,
    owner: Owner,
    /// Settings from this process's command line, over the stored ones.
    overrides: SettingsOverride,
    concurrency: usize,
    /// The wait for creates in flight before images are deleted (`removal::CREATE_GRACE`).
    grace: std::time::Duration,
    has_lease: bool,
    /// What this enforcer acts with, as of the last cycle (published with the lease).
    view: Option<EnforcerView>,
    /// Seconds after boot this enforcer first reached the engine (the start-up delay's origin
    /// when the engine's own start cannot be known).
    connected_up: i64,
    /// Seconds after boot the engine came back after an outage this enforcer saw.
    reconnected_up: Option<i64>,
    /// (reference, image ID) already recorded as would-remove in dry-run mode.
    reported_dry_run: HashSet<(String, String)>,
    /// Told of every action the moment it is recorded (the service's JSON lines).
    on_action: Option<ActionSink>,
    /// Actions taken while the disk was full, written as soon as there is room.
    unrecorded: Vec<NewAudit>,
}

pub type ActionSink = Box<dyn FnMut(&NewAudit) + Send>;

/// What one cycle saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub leased: bool,
    /// Who holds the lease when we do not.
    pub lease_holder: Option<String>,
    pub images: usize,
    pub references: usize,
    pub scheduled: usize,
    pub awaiting_approval: usize,
    pub actions: Vec<NewAudit>,
    pub next_deadline: Option<crate::core::model::Timestamp>,
    /// Removals that failed, were not attempted (the engine went away, the lease was lost), or
    /// whose outcome is not known yet; each with the reference and why.
    pub failures: Vec<(String, String)>,
    /// Actions taken but not yet in the audit log (the disk is full); they are kept in memory
    /// and written as soon as there is room.
    pub unrecorded: usize,
    /// References by state (`RefState::name`).
    pub states: std::collections::BTreeMap<&'static str, usize>,
    /// The mode this enforcer acts in.
    pub mode: Option<crate::core::model::Mode>,
    /// Disk use against the disk-pressure marks, or why it cannot be read; `None` without marks.
    pub disk: Option<String>,
    /// The data root's filesystem, when it could be read.
    pub disk_use: Option<crate::core::disk::DiskUse>,
    /// The disk-pressure marks in force (high, low percent), if a policy sets them.
    pub disk_marks: Option<(u8, u8)>,
}

impl Enforcer {
    pub fn new(engine: Engine, store: Store, clock: Arc<dyn Clock>, kind: LeaseKind) -> Enforcer {
        let kind_name = kind.as_str();
        // Distinct per instance, even for two enforcers in one process.
        static INSTANCE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let instance = INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let host = crate::node::host::hostname();
        let pid = std::process::id();
        let suffix = if instance == 0 {
            String::new()
        } else {
            format!(" #{instance}")
        };
        // `Owner::is_enforcer` knows an enforcer's journal entries by this form.
        let holder = format!("{kind_name} pid {pid} on {host}{suffix}");
        Enforcer {
            engine,
            store,
            owner: Owner {
                name: holder.clone(),
                host: host.clone(),
                pid,
            },
            claim: LeaseClaim {
                holder,
                kind,
                host,
                pid,
            },
            connected_up: clock.moment().up,
            clock,
            overrides: SettingsOverride::default(),
            concurrency: 4,
            grace: crate::node::removal::CREATE_GRACE,
            has_lease: false,
            view: None,
            reconnected_up: None,
            reported_dry_run: HashSet::new(),
            on_action: None,
            unrecorded: Vec::new(),
        }
    }

    /// Calls `sink` with each action as soon as it is in the audit log.
    pub fn with_action_sink(mut self, sink: ActionSink) -> Enforcer {
        self.on_action = Some(sink);
        self
    }

    /// Settings given on this process's command line; they are never stored.
    pub fn with_overrides(mut self, overrides: SettingsOverride) -> Enforcer {
        self.overrides = overrides;
        self
    }

    fn record(&mut self, entry: NewAudit, actions: &mut Vec<NewAudit>) {
        if let Some(sink) = self.on_action.as_mut() {
            sink(&entry);
        }
        actions.push(entry);
    }

    pub fn holder(&self) -> &str {
        &self.claim.holder
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The engine came back after an outage: the orchestrator may be recreating its containers,
    /// so the start-up delay runs again from now.
    pub fn note_reconnected(&mut self) {
        self.reconnected_up = Some(self.clock.moment().up);
    }

    /// Takes or renews the lease with what this enforcer last acted with; returns whether we
    /// hold it. On a full disk nobody can renew or take the lease: the last holder keeps it.
    pub fn heartbeat(&mut self) -> anyhow::Result<bool> {
        let Some(view) = self.view else {
            return Ok(self.has_lease);
        };
        let moment = self.clock.moment();
        let acquired = self.store.acquire_lease(
            &self.claim,
            &HolderView {
                boot: moment.boot,
                settings: view.settings,
                guard_start_up: view.guard_start_up,
            },
            &moment,
            LEASE_TTL_SECS,
        );
        self.has_lease = match acquired {
            Ok(held) => held,
            Err(error) if is_disk_full(&error) => {
                self.store.may_act_unleased(&self.claim, &moment)?
            }
            Err(error) => return Err(error),
        };
        Ok(self.has_lease)
    }

    /// Writes the actions a full disk kept out of the audit log, oldest first, as far as there
    /// is room now.
    fn flush_unrecorded(&mut self) -> anyhow::Result<()> {
        while let Some(entry) = self.unrecorded.first() {
            match self.store.finish_removal(entry) {
                Ok(()) => {
                    self.unrecorded.remove(0);
                }
                Err(error) if is_disk_full(&error) => break,
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Gives the lease up; called on a clean exit.
    pub fn release(&mut self) {
        if self.has_lease {
            let _ = self.store.release_lease(&self.claim.holder);
            self.has_lease = false;
        }
    }
}
