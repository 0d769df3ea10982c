//! The enforcer's loop: cycle, then wait for engine events, the next deadline, the reconcile
//! interval, a change made by another process, a lease heartbeat, or shutdown; back off while
//! the engine is away. Shutdown interrupts whatever is in flight: a removal cut short stays in
//! the journal and is finished by the next start.

use super::{CycleReport, Enforcer, HEARTBEAT_SECS};
use crate::node::engine::is_outage;
use crate::node::watcher::{Backoff, Watcher};
use std::time::Duration;
use tokio::sync::watch;

/// What the loop tells whoever runs it (the service's log lines, the console's header).
#[derive(Debug, Clone)]
pub enum Notice {
    Cycle(CycleReport),
    /// The engine could not be reached; the loop retries after `retry_in`.
    Outage {
        error: String,
        retry_in: Duration,
    },
    /// Something else failed (the database: locked, full, read-only …); retried after `retry_in`.
    Fault {
        error: String,
        retry_in: Duration,
    },
}

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs until `shutdown` turns true (or its sender is dropped). `once` runs a single cycle and
/// returns its report.
pub async fn run(
    mut enforcer: Enforcer,
    interval_secs: i64,
    once: bool,
    mut shutdown: watch::Receiver<bool>,
    mut notify: impl FnMut(Notice),
) -> anyhow::Result<Option<CycleReport>> {
    let mut backoff = Backoff::new(Duration::from_secs(1), MAX_BACKOFF);
    let mut watcher = Watcher::new(enforcer.engine.clone(), &enforcer.store, MAX_BACKOFF);
    let mut heartbeat = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECS as u64));
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut in_outage = false;
    let result = loop {
        if *shutdown.borrow() {
            break Ok(None);
        }
        let cycled = tokio::select! {
            cycled = enforcer.cycle() => cycled,
            _ = shutdown.changed() => break Ok(None),
        };
        let next_deadline = match cycled {
            Ok(report) => {
                backoff.reset();
                if std::mem::take(&mut in_outage) {
                    enforcer.note_reconnected();
                }
                let next = report.next_deadline;
                if once {
                    notify(Notice::Cycle(report.clone()));
                    break Ok(Some(report));
                }
                notify(Notice::Cycle(report));
                next
            }
            Err(error) => {
                if once {
                    break Err(error);
                }
                let retry_in = backoff.next_delay();
                let error_text = format!("{error:#}");
                if is_outage(&error) {
                    in_outage = true;
                    notify(Notice::Outage {
                        error: error_text,
                        retry_in,
                    });
                } else {
                    notify(Notice::Fault {
                        error: error_text,
                        retry_in,
                    });
                }
                tokio::select! {
                    _ = tokio::time::sleep(retry_in) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
        };
        // How long until the next deadline or inventory, measured once and slept on the
        // monotonic clock, across heartbeats: a wall-clock step moves no wake-up.
        let interval = Duration::from_secs(interval_secs.max(1) as u64);
        let wait = next_deadline.map_or(interval, |d| enforcer.clock.until(d).min(interval));
        let clock = enforcer.clock.clone();
        let woken = clock.sleep_for(wait);
        tokio::pin!(woken);
        watcher.seen_store(&enforcer.store);
        // Wait for a reason to cycle again.
        loop {
            let heartbeat_due = tokio::select! {
                _ = &mut woken => false,
                _ = shutdown.changed() => false,
                // Whatever woke it (events, another process, a lost event stream), the next
                // cycle looks: it tells whether the engine is away.
                _ = watcher.next(&mut enforcer.store) => false,
                _ = heartbeat.tick() => true,
            };
            if !heartbeat_due {
                break;
            }
            let had = enforcer.has_lease;
            if enforcer.heartbeat().unwrap_or(false) != had {
                break;
            }
            watcher.seen_store(&enforcer.store);
        }
    };
    enforcer.release();
    result
}
