//! Loads fresh snapshots: on engine events, when another process changes the database, when asked
//! (after an action, an enforcer cycle, or the operator's "retry now"), and every 60 s. Reads
//! only: the enforcer is the one that writes image records, so the two never wake each other in a
//! loop. A load that finds the same picture as the last one is not sent: the enforcer's lease
//! heartbeat changes the database every 10 s, and an idle console must not redraw for it.

use crate::core::model::{ImageRecord, Inventory, Mode, Overrides};
use crate::core::saved::StoredPolicy;
use crate::core::settings::Settings;
use crate::core::snapshot::Snapshot;
use crate::node::clock::{Clock, SystemClock};
use crate::node::engine::{Engine, EngineInfo, is_outage};
use crate::node::session::Context;
use crate::node::snapshot::EngineReading;
use crate::node::store::Store;
use crate::node::watcher::{Backoff, Watcher};
use crate::tui::msg::{Loaded, Msg};
use anyhow::Result;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

const FULL_RELOAD: Duration = Duration::from_secs(60);
/// While an operator watches, an engine that comes back is noticed within this.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How many audit entries the Activity view holds.
const AUDIT_ENTRIES: usize = 500;

/// `store` is the connection the console opened to check `--db` before taking the screen: one
/// open fewer before the first frame.
pub async fn run(
    context: Context,
    mut store: Store,
    to_ui: mpsc::Sender<Msg>,
    mut reload: mpsc::Receiver<()>,
) {
    let mut seq = 0u64;
    let mut backoff = Backoff::new(Duration::from_secs(1), MAX_BACKOFF);
    let mut shown: Option<Content> = None;
    loop {
        // Not pinged: the first load follows at once and names the address as a ping would.
        let engine = match context.engine_unchecked() {
            Ok(engine) => engine,
            Err(error) => {
                seq += 1;
                shown = None;
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
                // Retry after the backoff, or at once when the operator asks.
                tokio::select! {
                    _ = tokio::time::sleep(backoff.next_delay()) => {}
                    asked = reload.recv() => if asked.is_none() { return },
                }
                continue;
            }
        };
        let mut watcher = Watcher::new(engine.clone(), &store, MAX_BACKOFF);
        // The first frame does not wait for the engine's version and info (both make it run
        // helper programs) unless a policy sets disk marks: the header fills in a moment later.
        // (A database that cannot be read says so at the load itself.)
        let mut quick = !crate::node::images_report::wants_disk(&store).unwrap_or(true);
        let mut full = tokio::time::interval(FULL_RELOAD);
        full.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        full.reset();
        loop {
            seq += 1;
            let message = match read_engine(&engine, quick)
                .await
                .and_then(|(reading, info)| build(&store, reading, info, seq))
            {
                Ok(loaded) => {
                    backoff.reset();
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
                    let away = is_outage(&error);
                    // Only an engine that went away is an outage; anything else (the database,
                    // a record it cannot read) is said as what it is, over the data shown.
                    let message = if away {
                        Msg::Outage {
                            seq,
                            error: format!("{error:#}"),
                        }
                    } else {
                        Msg::Note {
                            text: format!("cannot load fresh data: {error:#}"),
                            error: true,
                        }
                    };
                    if to_ui.send(message).await.is_err() {
                        return;
                    }
                    if away {
                        break; // reconnect
                    }
                    None
                }
            };
            if let Some(message) = message
                && to_ui.send(message).await.is_err()
            {
                return;
            }
            if std::mem::take(&mut quick) {
                continue; // at once, with the engine's version and info
            }
            // Wait for a reason to load again.
            tokio::select! {
                _ = full.tick() => {}
                asked = reload.recv() => if asked.is_none() { return },
                _ = watcher.next(&mut store) => {}
            }
            while reload.try_recv().is_ok() {} // several requests, one load
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff.next_delay()) => {}
            asked = reload.recv() => if asked.is_none() { return },
        }
    }
}

async fn read_engine(engine: &Engine, quick: bool) -> Result<(EngineReading, EngineInfo)> {
    if quick {
        return Ok((
            EngineReading::take_for(engine, false).await?,
            EngineInfo::default(),
        ));
    }
    let (reading, info) = tokio::join!(EngineReading::take(engine), engine.info());
    Ok((reading?, info?))
}

/// One load without writing: the image records are reconciled in memory only. Synchronous, so
/// no borrow of the store is held across an await (a `Store` is not `Sync`).
fn build(store: &Store, reading: EngineReading, info: EngineInfo, seq: u64) -> Result<Loaded> {
    let snapshot = Snapshot::read(reading, store, &SystemClock)?;
    let updates = crate::node::images_report::updates_standing(&snapshot, store)?;
    Ok(Loaded {
        seq,
        snapshot,
        engine: info,
        lease: store.lease(&SystemClock.moment())?,
        audit: store.audit_log(AUDIT_ENTRIES)?,
        updates,
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
    updates: HashMap<String, String>,
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
            updates: loaded.updates.clone(),
            // Disk use as the header shows it: a whole percentage.
            engine: (
                info.version.clone(),
                info.node.clone(),
                info.disk.map(|disk| u64::from(disk.shown_percent())),
            ),
        }
    }
}
