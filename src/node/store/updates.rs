//! What the last `check` found (§15): the local tags whose registry digest moved. Kept so that
//! `images` and the console can say `update available` without asking any registry.

use super::Store;
use crate::core::model::Timestamp;
use anyhow::Result;
use rusqlite::params;
use std::collections::HashMap;

/// A tag whose registry digest differs from the local one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateFound {
    pub local_digest: String,
    pub registry_digest: String,
    pub checked_at: Timestamp,
}

impl Store {
    /// Records one check: an update found, or (`None`) none any more.
    pub fn record_check(&mut self, reference: &str, found: Option<&UpdateFound>) -> Result<()> {
        match found {
            Some(found) => self.conn.execute(
                "INSERT INTO update_checks (reference, local_digest, registry_digest, checked_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(reference) DO UPDATE SET local_digest = ?2, registry_digest = ?3,
                     checked_at = ?4",
                params![
                    reference,
                    found.local_digest,
                    found.registry_digest,
                    found.checked_at
                ],
            )?,
            None => self.conn.execute(
                "DELETE FROM update_checks WHERE reference = ?1",
                params![reference],
            )?,
        };
        Ok(())
    }

    /// Every update found, by reference.
    pub fn updates_found(&self) -> Result<HashMap<String, UpdateFound>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT reference, local_digest, registry_digest, checked_at FROM update_checks",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                UpdateFound {
                    local_digest: row.get(1)?,
                    registry_digest: row.get(2)?,
                    checked_at: row.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
