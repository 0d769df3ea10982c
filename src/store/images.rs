//! What we remember about each image: first seen, last used (0 = in use), pulled, agent-downloaded.

use super::Store;
use crate::model::{ImageRecord, Timestamp};
use anyhow::Result;
use rusqlite::params;
use std::collections::HashMap;

impl Store {
    pub fn image_records(&self) -> Result<HashMap<String, ImageRecord>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, first_seen, last_used, pulled_at, agent_downloaded FROM images",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                ImageRecord {
                    first_seen: row.get(1)?,
                    last_used: row.get(2)?,
                    pulled_at: row.get(3)?,
                    agent_downloaded: row.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
    }

    /// Writes the given records and forgets images that are no longer on the engine, in one
    /// transaction so a crash leaves either the old or the new picture.
    pub fn replace_image_records(&mut self, records: &HashMap<String, ImageRecord>) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let existing: Vec<String> = tx
                .prepare("SELECT id FROM images")?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut delete = tx.prepare_cached("DELETE FROM images WHERE id = ?1")?;
            for id in existing.iter().filter(|id| !records.contains_key(*id)) {
                delete.execute([id])?;
            }
            let mut upsert = tx.prepare_cached(
                "INSERT INTO images (id, first_seen, last_used, pulled_at, agent_downloaded)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET first_seen = ?2, last_used = ?3, pulled_at = ?4,
                     agent_downloaded = ?5",
            )?;
            for (id, r) in records {
                upsert.execute(params![
                    id,
                    r.first_seen,
                    r.last_used,
                    r.pulled_at,
                    r.agent_downloaded
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// An operator's correction of the agent-downloaded flag.
    pub fn set_agent_downloaded(&mut self, image_id: &str, value: bool) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE images SET agent_downloaded = ?2 WHERE id = ?1",
            params![image_id, value],
        )? > 0)
    }

    /// Remembers that the agent pulled an image (it was watching when the pull happened).
    pub fn mark_pulled(&mut self, image_id: &str, at: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT INTO images (id, first_seen, last_used, pulled_at, agent_downloaded)
             VALUES (?1, ?2, ?2, ?2, 1)
             ON CONFLICT(id) DO UPDATE SET pulled_at = ?2, agent_downloaded = 1,
                 last_used = CASE WHEN last_used = 0 THEN 0 ELSE max(last_used, ?2) END",
            params![image_id, at],
        )?;
        Ok(())
    }
}

impl Store {
    /// The engine refused a removal because a container uses the image: it is in use now.
    pub fn mark_in_use(&mut self, image_id: &str) -> Result<()> {
        self.conn
            .execute("UPDATE images SET last_used = 0 WHERE id = ?1", [image_id])?;
        Ok(())
    }
}
