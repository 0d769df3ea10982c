//! `run --metrics-file`: keeps what the metrics say up to date and rewrites the file after every
//! cycle, action and outage. Its own connection reads the counters, which a trigger keeps in the
//! same transaction as each audit line.

use crate::node::clock::unix_now;
use crate::node::enforcer::CycleReport;
use crate::node::metrics::{Metrics, render, write_atomically};
use crate::node::store::Store;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub struct MetricsFile {
    path: PathBuf,
    store: Store,
    metrics: Metrics,
    /// Said once, not on every write.
    complained: bool,
}

pub type Shared = Arc<Mutex<MetricsFile>>;

impl MetricsFile {
    pub fn new(path: PathBuf, store: Store) -> Shared {
        Arc::new(Mutex::new(MetricsFile {
            path,
            store,
            metrics: Metrics::default(),
            complained: false,
        }))
    }

    pub fn cycle(&mut self, report: &CycleReport) {
        let metrics = &mut self.metrics;
        metrics.engine_up = true;
        metrics.active = report.leased;
        if report.leased {
            metrics.states = report.states.clone();
            metrics.next_removal = report.next_deadline;
            metrics.mode = report.mode;
            metrics.last_cycle = Some(unix_now());
            metrics.unrecorded = report.unrecorded;
            metrics.disk = report.disk_use;
            metrics.disk_marks = report.disk_marks;
        }
        self.write();
    }

    pub fn outage(&mut self) {
        self.metrics.engine_up = false;
        self.write();
    }

    /// After an action: the counters moved.
    pub fn action(&mut self) {
        self.write();
    }

    fn write(&mut self) {
        let written = self.store.counters().and_then(|counters| {
            self.metrics.counters = counters;
            write_atomically(&self.path, &render(&self.metrics))
        });
        match written {
            Ok(()) => self.complained = false,
            Err(error) if !self.complained => {
                self.complained = true;
                eprintln!(
                    "imgreaper run: {}",
                    crate::core::format::escape_controls(&format!("{error:#}"))
                );
            }
            Err(_) => {}
        }
    }
}

/// Runs `f` on the shared file, if there is one.
pub fn with(shared: &Option<Shared>, f: impl FnOnce(&mut MetricsFile)) {
    if let Some(shared) = shared {
        f(&mut shared.lock().unwrap_or_else(|e| e.into_inner()));
    }
}
