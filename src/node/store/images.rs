//! What the enforcer remembers about each image: first seen, last used (none while in use),
//! pulled, agent-downloaded, each with its time since boot; and every name an image carried.
//! Only the lease holder writes these (DESIGN.md §12), in one `BEGIN IMMEDIATE` transaction
//! that reads, computes and writes, so no other write can fall in between.

use super::Store;
use crate::core::model::{Stamp, Timestamp, TrackedImage};
use crate::core::time::BootId;
use anyhow::Result;
use rusqlite::{Connection, TransactionBehavior, params};
use std::collections::HashMap;

/// What one reconcile decided to remember.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackingUpdate {
    /// Every image the engine holds now; images absent here are forgotten.
    pub tracked: HashMap<String, TrackedImage>,
    /// image ID -> the names it carries now (remembered, so a moved tag's old image keeps them).
    pub names: HashMap<String, Vec<String>>,
    /// The engine event processed last, if it moved.
    pub cursor: Option<String>,
    /// When (boot, time since boot) the events up to the cursor were read: every later event
    /// happened after it. Written with the cursor.
    pub read_at: Option<super::ReadAt>,
    pub now: Timestamp,
}

const SELECT_TRACKED: &str = "SELECT id, boot, first_seen, first_seen_up, last_used, last_used_up,
     pulled_at, pulled_up, agent_downloaded, boot_offset FROM images";

fn read_tracked(conn: &Connection) -> Result<HashMap<String, TrackedImage>> {
    let mut statement = conn.prepare_cached(SELECT_TRACKED)?;
    let rows = statement.query_map([], |row| {
        let boot: Option<String> = row.get(1)?;
        let last_used: Timestamp = row.get(4)?;
        let pulled: Option<Timestamp> = row.get(6)?;
        Ok((
            row.get::<_, String>(0)?,
            TrackedImage {
                boot: boot.and_then(|b| u128::from_str_radix(&b, 16).ok()),
                boot_offset: row.get(9)?,
                first_seen: Stamp {
                    wall: row.get(2)?,
                    up: row.get(3)?,
                },
                last_used: (last_used != 0).then_some(Stamp {
                    wall: last_used,
                    up: row.get(5)?,
                }),
                pulled: pulled.map(|wall| Stamp { wall, up: None }),
                agent_downloaded: row.get(8)?,
            },
            row.get::<_, Option<i64>>(7)?,
        ))
    })?;
    let mut tracked = HashMap::new();
    for row in rows {
        let (id, mut image, pulled_up) = row?;
        if let Some(pulled) = image.pulled.as_mut() {
            pulled.up = pulled_up;
        }
        tracked.insert(id, image);
    }
    Ok(tracked)
}

fn boot_text(boot: Option<BootId>) -> Option<String> {
    boot.map(|b| format!("{b:032x}"))
}

impl Store {
    /// What the enforcer last recorded, for reading processes to compute with in memory.
    pub fn tracked_images(&self) -> Result<HashMap<String, TrackedImage>> {
        read_tracked(&self.conn)
    }

    /// image ID -> every name it carried while watched, in the order first seen.
    pub fn image_names(&self) -> Result<HashMap<String, Vec<String>>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT image_id, name FROM image_names ORDER BY seen, name")?;
        let mut names: HashMap<String, Vec<String>> = HashMap::new();
        for row in statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))? {
            let (id, name): (String, String) = row?;
            names.entry(id).or_default().push(name);
        }
        Ok(names)
    }

    /// Reads the records, lets `compute` decide what to remember, and writes what changed, in
    /// one immediate transaction. Returns what `compute` returned besides the update.
    pub fn update_tracking<T>(
        &mut self,
        compute: impl FnOnce(&HashMap<String, TrackedImage>) -> Result<(TrackingUpdate, T)>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous = read_tracked(&tx)?;
        let (update, result) = compute(&previous)?;
        {
            let mut delete = tx.prepare_cached("DELETE FROM images WHERE id = ?1")?;
            let mut forget_names =
                tx.prepare_cached("DELETE FROM image_names WHERE image_id = ?1")?;
            for id in previous
                .keys()
                .filter(|id| !update.tracked.contains_key(*id))
            {
                delete.execute([id])?;
                forget_names.execute([id])?;
            }
            let mut upsert = tx.prepare_cached(
                "INSERT INTO images (id, boot, first_seen, first_seen_up, last_used, last_used_up,
                     pulled_at, pulled_up, agent_downloaded, boot_offset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(id) DO UPDATE SET boot = ?2, first_seen = ?3, first_seen_up = ?4,
                     last_used = ?5, last_used_up = ?6, pulled_at = ?7, pulled_up = ?8,
                     agent_downloaded = ?9, boot_offset = ?10",
            )?;
            for (id, image) in &update.tracked {
                if previous.get(id) == Some(image) {
                    continue;
                }
                upsert.execute(params![
                    id,
                    boot_text(image.boot),
                    image.first_seen.wall,
                    image.first_seen.up,
                    image.last_used.map_or(0, |s| s.wall),
                    image.last_used.and_then(|s| s.up),
                    image.pulled.map(|s| s.wall),
                    image.pulled.and_then(|s| s.up),
                    image.agent_downloaded,
                    image.boot_offset
                ])?;
            }
            // INSERT OR IGNORE: a name already remembered writes nothing, so an idle cycle
            // wakes no other process.
            let mut remember = tx.prepare_cached(
                "INSERT OR IGNORE INTO image_names (image_id, name, seen) VALUES (?1, ?2, ?3)",
            )?;
            for (id, names) in &update.names {
                for name in names {
                    remember.execute(params![id, name, update.now])?;
                }
            }
            if let Some(cursor) = &update.cursor {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('event_cursor', ?1)
                     ON CONFLICT(key) DO UPDATE SET value = ?1 WHERE value != ?1",
                    [cursor],
                )?;
                if let Some((boot, up, offset)) = update.read_at {
                    tx.execute(
                        "INSERT INTO settings (key, value) VALUES ('events_read_at', ?1)
                         ON CONFLICT(key) DO UPDATE SET value = ?1 WHERE value != ?1",
                        [format!("{boot:032x} {up} {offset}")],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(result)
    }
}
