//! Loads fresh snapshots: on engine events, when another process changes the database, when asked
//! (after an action or an enforcer cycle), and every 60 s. Reads only: the enforcer is the one
//! that writes image records, so the two never wake each other in a loop. A load that finds the
//! same picture as the last one is not sent: the enforcer's lease heartbeat changes the database
//! every 10 s, and an idle console must not redraw for it.

use crate::clock::unix_now;
use crate::engine::{Engine, EngineInfo};
use crate::model::{ImageRecord, Inventory, Mode, Overrides};
use crate::session::Context;
use crate::snapshot::Snapshot;
use crate::store::{Settings, Store, StoredPolicy};
use crate::tui::msg::{Loaded, Msg};
use anyhow::Result;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

const FULL_RELOAD: Duration = Duration::from_secs(60);
const STORE_POLL: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How many audit entries the Activity view holds.
const AUDIT_ENTRIES: usize = 500;

pub async fn run(context: Context, to_ui: mpsc::Sender<Msg>, mut reload: mpsc::Receiver<()>) {
    let store = match context.store() {
        Ok(store) => store,
        Err(error) => {
            let _ = to_ui
                .send(Msg::Outage {
                    seq: 0,
                    error: format!("{error:#}"),
                })
                .await;
            return;
        }
    };
    let mut seq = 0u64;
    let mut backoff = Duration::from_secs(1);
    let mut shown: Option<Content> = None;
    loop {
        let engine = match context.engine().await {
            Ok(engine) => engine,
            Err(error) => {
                seq += 1;
                if to_ui
                    .send(Msg::Outage {
                        seq,
                        error: format!("{error:#}"),
                    })
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_secs(1);
        // The request goes out on the first poll, after the first load: replay from just before
        // it so no change falls between the two.
        let mut events = Box::pin(engine.events(Some(unix_now() - 1)));
        let mut full = tokio::time::interval(FULL_RELOAD);
        let mut poll = tokio::time::interval(STORE_POLL);
        full.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut version = store.data_version().ok();
        loop {
            seq += 1;
            let message = match read_engine(&engine)
                .await
                .and_then(|(inventory, info)| build(&store, inventory, info, seq))
            {
                Ok(loaded) => {
                    let content = Content::of(&loaded);
                    if shown.as_ref() == Some(&content) {
                        None
                    } else {
                        shown = Some(content);
                        Some(Msg::Loaded(Box::new(loaded)))
                    }
                }
                Err(error) => {
                    shown = None;
                    Some(Msg::Outage {
                        seq,
                        error: format!("{error:#}"),
                    })
                }
            };
            let failed = matches!(message, Some(Msg::Outage { .. }));
            if let Some(message) = message
                && to_ui.send(message).await.is_err()
            {
                return;
            }
            if failed {
                break;
            }
            // Wait for a reason to load again.
            let gone = loop {
                tokio::select! {
                    _ = full.tick() => break false,
                    asked = reload.recv() => match asked {
                        Some(()) => break false,
                        None => return,
                    },
                    event = events.next() => match event {
                        Some(Ok(_)) => {
                            // Let a burst of events settle into one load.
                            tokio::time::sleep(Duration::from_millis(150)).await;
                            break false;
                        }
                        Some(Err(_)) | None => break true,
                    },
                    _ = poll.tick() => {
                        let now = store.data_version().ok();
                        if now != version {
                            version = now;
                            break false;
                        }
                    }
                }
            };
            while reload.try_recv().is_ok() {} // several requests, one load
            if gone {
                break;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn read_engine(engine: &Engine) -> Result<(Inventory, EngineInfo)> {
    Ok((engine.inventory().await?, engine.info().await?))
}

/// One load without writing: the image records are reconciled in memory only. Synchronous, so
/// no borrow of the store is held across an await (a `Store` is not `Sync`).
fn build(store: &Store, inventory: Inventory, info: EngineInfo, seq: u64) -> Result<Loaded> {
    let now = unix_now();
    let snapshot = Snapshot::assemble(inventory, store, now)?;
    Ok(Loaded {
        seq,
        snapshot,
        engine: info,
        lease: store.lease(now)?,
        audit: store.audit_log(AUDIT_ENTRIES)?,
    })
}

/// What a load shows, without the moment it was taken.
#[derive(PartialEq)]
struct Content {
    inventory: Inventory,
    records: HashMap<String, ImageRecord>,
    policies: Vec<StoredPolicy>,
    overrides: Overrides,
    settings: Settings,
    lease: Option<(String, Mode)>,
    newest_audit: Option<i64>,
    engine: (String, String, Option<u64>),
}

impl Content {
    fn of(loaded: &Loaded) -> Content {
        let snapshot = &loaded.snapshot;
        let info = &loaded.engine;
        Content {
            inventory: snapshot.inventory.clone(),
            records: snapshot.records.clone(),
            policies: snapshot.policies.clone(),
            overrides: snapshot.overrides.clone(),
            settings: snapshot.settings,
            lease: loaded.lease.as_ref().map(|l| (l.holder.clone(), l.mode)),
            newest_audit: loaded.audit.first().map(|e| e.id),
            // Disk use as the header shows it: a whole percentage.
            engine: (
                info.version.clone(),
                info.node.clone(),
                info.disk.map(|(used, total)| used * 100 / total.max(1)),
            ),
        }
    }
}
