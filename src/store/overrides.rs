//! Operator decisions about single references: pins, postponements, approvals.

use super::Store;
use crate::model::{Overrides, Timestamp};
use anyhow::Result;
use rusqlite::params;

impl Store {
    pub fn overrides(&self) -> Result<Overrides> {
        let mut overrides = Overrides::default();
        let mut pins = self.conn.prepare_cached("SELECT reference FROM pins")?;
        for pin in pins.query_map([], |row| row.get::<_, String>(0))? {
            overrides.pins.insert(pin?);
        }
        let mut postponed = self
            .conn
            .prepare_cached("SELECT reference, until FROM postponements")?;
        for row in postponed.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))? {
            let (reference, until) = row?;
            overrides.postponements.insert(reference, until);
        }
        let mut approvals = self
            .conn
            .prepare_cached("SELECT reference FROM approvals")?;
        for approval in approvals.query_map([], |row| row.get::<_, String>(0))? {
            overrides.approvals.insert(approval?);
        }
        Ok(overrides)
    }

    /// Pins a reference; returns false when it was already pinned.
    pub fn pin(&mut self, reference: &str, actor: &str, now: Timestamp) -> Result<bool> {
        Ok(self.conn.execute(
            "INSERT OR IGNORE INTO pins (reference, pinned_at, actor) VALUES (?1, ?2, ?3)",
            params![reference, now, actor],
        )? > 0)
    }

    /// Unpins a reference; returns false when it was not pinned.
    pub fn unpin(&mut self, reference: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM pins WHERE reference = ?1", [reference])?
            > 0)
    }

    pub fn postpone(&mut self, reference: &str, until: Timestamp, actor: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO postponements (reference, until, actor) VALUES (?1, ?2, ?3)
             ON CONFLICT(reference) DO UPDATE SET until = ?2, actor = ?3",
            params![reference, until, actor],
        )?;
        Ok(())
    }

    pub fn approve(&mut self, reference: &str, actor: &str, now: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO approvals (reference, approved_at, actor) VALUES (?1, ?2, ?3)",
            params![reference, now, actor],
        )?;
        Ok(())
    }

    /// Forgets decisions about a reference that is gone, so a new image under the same name
    /// starts with a clean slate (an old approval must not remove a new image).
    pub fn forget_reference(&mut self, reference: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM approvals WHERE reference = ?1", [reference])?;
        tx.execute(
            "DELETE FROM postponements WHERE reference = ?1",
            [reference],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Drops postponements that have ended. (A DELETE that matches nothing writes nothing, so
    /// it wakes no other process watching `data_version`.)
    pub fn expire_postponements(&mut self, now: Timestamp) -> Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM postponements WHERE until <= ?1", [now])?)
    }
}
