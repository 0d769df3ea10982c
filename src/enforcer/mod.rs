//! The enforcer (DESIGN.md §5): carries out the saved policies. One `cycle` reconciles and sweeps;
//! `run` repeats it on engine events, at the next deadline, every interval and when another
//! process changes the database. Used by `imgreaper run` and, in the background, by the console.

mod cycle;
mod run_loop;
mod sweep;

pub use run_loop::{Notice, run};

use crate::clock::Clock;
use crate::engine::Engine;
use crate::model::Timestamp;
use crate::store::{LeaseClaim, LeaseKind, NewAudit, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// How long a lease lasts without a heartbeat.
pub const LEASE_TTL_SECS: i64 = 30;

pub struct Enforcer {
    engine: Engine,
    store: Store,
    clock: Arc<dyn Clock>,
    claim: LeaseClaim,
    started: Timestamp,
    concurrency: usize,
    has_lease: bool,
    /// (reference, image ID) already recorded as would-remove in dry-run mode.
    reported_dry_run: HashSet<(String, String)>,
    /// References seen pulled by an engine event since the last cycle.
    pulled: Vec<(String, Timestamp)>,
    /// Told of every action the moment it is recorded (the service's JSON lines).
    on_action: Option<ActionSink>,
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
    pub next_deadline: Option<Timestamp>,
}

impl Enforcer {
    pub fn new(engine: Engine, store: Store, clock: Arc<dyn Clock>, kind: LeaseKind) -> Enforcer {
        let started = clock.now();
        let kind_name = kind.as_str();
        // Distinct per instance, even for two enforcers in one process.
        static INSTANCE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let instance = INSTANCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let host = hostname();
        let pid = std::process::id();
        let suffix = if instance == 0 {
            String::new()
        } else {
            format!(" #{instance}")
        };
        Enforcer {
            engine,
            store,
            claim: LeaseClaim {
                holder: format!("{kind_name} pid {pid} on {host}{suffix}"),
                kind,
                host,
                pid,
            },
            clock,
            started,
            concurrency: 4,
            has_lease: false,
            reported_dry_run: HashSet::new(),
            pulled: Vec::new(),
            on_action: None,
        }
    }

    /// Calls `sink` with each action as soon as it is in the audit log.
    pub fn with_action_sink(mut self, sink: ActionSink) -> Enforcer {
        self.on_action = Some(sink);
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

    /// Records that a reference was pulled while we watched (it becomes agent-downloaded).
    pub fn note_pull(&mut self, reference: String, at: Timestamp) {
        self.pulled.push((reference, at));
    }

    /// Gives the lease up; called on a clean exit.
    pub fn release(&mut self) {
        if self.has_lease {
            let _ = self.store.release_lease(&self.claim.holder);
            self.has_lease = false;
        }
    }
}

pub fn hostname() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: buffer is writable and its length is passed.
    let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) } == 0;
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    if ok {
        String::from_utf8_lossy(&buffer[..end]).into_owned()
    } else {
        "unknown host".to_string()
    }
}
