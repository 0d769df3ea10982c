//! Loads fresh snapshots: on engine events, when another process changes the database, when asked
//! (after an action or an enforcer cycle), and every 60 s. Reads only: the enforcer is the one
//! that writes image records, so the two never wake each other in a loop.

use crate::cli::Context;
use crate::clock::unix_now;
use crate::engine::{Engine, EngineInfo};
use crate::model::Inventory;
use crate::snapshot::Snapshot;
use crate::store::Store;
use crate::tui::msg::{Loaded, Msg};
use anyhow::Result;
use futures_util::StreamExt;
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
        // Subscribe before the first load so no change falls between the two.
        let mut events = Box::pin(engine.events(None));
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
                Ok(loaded) => Msg::Loaded(Box::new(loaded)),
                Err(error) => Msg::Outage {
                    seq,
                    error: format!("{error:#}"),
                },
            };
            let failed = matches!(message, Msg::Outage { .. });
            if to_ui.send(message).await.is_err() {
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
