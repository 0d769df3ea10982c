//! The enforcer's loop: wake on engine events, the next deadline, the reconcile interval, a change
//! made by another process, or shutdown; back off while the engine is away.

use super::{CycleReport, Enforcer};
use crate::engine::EventKind;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::watch;

/// What the loop tells whoever runs it (the service's log lines, the console's header).
#[derive(Debug, Clone)]
pub enum Notice {
    Cycle(CycleReport),
    /// The engine (or the database) failed; the loop retries after `retry_in`.
    Outage {
        error: String,
        retry_in: Duration,
    },
}

const HEARTBEAT: Duration = Duration::from_secs(10);
const STORE_POLL: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs until `shutdown` turns true (or its sender is dropped). `once` runs a single cycle.
pub async fn run(
    mut enforcer: Enforcer,
    interval_secs: i64,
    once: bool,
    mut shutdown: watch::Receiver<bool>,
    mut notify: impl FnMut(Notice),
) -> anyhow::Result<()> {
    let mut backoff = Duration::from_secs(1);
    let mut events = None;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut store_poll = tokio::time::interval(STORE_POLL);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    store_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let result = loop {
        if *shutdown.borrow() {
            break Ok(());
        }
        // The stream's request goes out on its first poll, after the inventory: ask the engine to
        // replay from just before it so no change falls between the two.
        if events.is_none() {
            let since = crate::clock::unix_now() - 1;
            events = Some(Box::pin(enforcer.engine.events(Some(since))));
        }
        let next_deadline = match enforcer.cycle().await {
            Ok(report) => {
                backoff = Duration::from_secs(1);
                let next = report.next_deadline;
                notify(Notice::Cycle(report));
                if once {
                    break Ok(());
                }
                next
            }
            Err(error) => {
                if once {
                    break Err(error);
                }
                notify(Notice::Outage {
                    error: format!("{error:#}"),
                    retry_in: backoff,
                });
                events = None;
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        let now = enforcer.clock.now();
        let wake_at = next_deadline
            .unwrap_or(i64::MAX)
            .min(now.saturating_add(interval_secs.max(1)));
        let mut data_version = enforcer.store.data_version().ok();
        // Wait for a reason to cycle again.
        loop {
            let stream = events.as_mut().expect("subscribed above");
            tokio::select! {
                _ = enforcer.clock.sleep_until(wake_at) => break,
                _ = shutdown.changed() => break,
                event = stream.next() => match event {
                    Some(Ok(event)) => {
                        if event.kind == EventKind::Pull {
                            enforcer.note_pull(event.subject, event.time);
                        }
                        // Let a burst of events settle into one cycle.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        break;
                    }
                    // The engine went away: cycle now, which backs off until it is back.
                    Some(Err(_)) | None => {
                        events = None;
                        break;
                    }
                },
                _ = store_poll.tick() => {
                    let version = enforcer.store.data_version().ok();
                    if version != data_version {
                        data_version = version;
                        break;
                    }
                }
                _ = heartbeat.tick() => {
                    let had = enforcer.has_lease;
                    if enforcer.heartbeat().unwrap_or(false) != had {
                        break;
                    }
                }
            }
        }
    };
    enforcer.release();
    result
}
