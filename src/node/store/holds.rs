//! The hold journal: an image whose public names are taken off before it is deleted by ID
//! (`node::removal`), with the names to put back should the deletion be refused or interrupted.

use super::{Owner, Store};
use crate::core::model::Timestamp;
use anyhow::{Context, Result};
use rusqlite::params;

/// One image held for deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub image_id: String,
    /// The private name it carries meanwhile.
    pub hold: String,
    /// Its public names, as they were before they were taken off.
    pub names: Vec<String>,
    pub owner: Owner,
    pub started: Timestamp,
}

impl Store {
    /// Journals a hold before the private name is given.
    pub fn begin_hold(&mut self, hold: &Hold) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO holds
                 (image_id, hold, names, owner, owner_host, owner_pid, started)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                hold.image_id,
                hold.hold,
                serde_json::to_string(&hold.names)?,
                hold.owner.name,
                hold.owner.host,
                hold.owner.pid,
                hold.started
            ],
        )?;
        Ok(())
    }

    /// The hold is over: the image is gone, or has its names back.
    pub fn end_hold(&mut self, image_id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM holds WHERE image_id = ?1", [image_id])?;
        Ok(())
    }

    pub fn holds(&self) -> Result<Vec<Hold>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT image_id, hold, names, owner, owner_host, owner_pid, started FROM holds",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                Owner {
                    name: row.get(3)?,
                    host: row.get(4)?,
                    pid: row.get(5)?,
                },
                row.get::<_, Timestamp>(6)?,
            ))
        })?;
        let mut holds = Vec::new();
        for row in rows {
            let (image_id, hold, names, owner, started) = row?;
            let names = serde_json::from_str(&names)
                .with_context(|| format!("the hold journal of {image_id} is damaged"))?;
            holds.push(Hold {
                image_id,
                hold,
                names,
                owner,
                started,
            });
        }
        Ok(holds)
    }
}
