//! Operator decisions: pins (by name), postponements and approvals (one image under one name),
//! and the agent-downloaded flag set by hand.

use super::Store;
use crate::core::lapse::DecisionKind;
use crate::core::model::{Overrides, Timestamp};
use anyhow::Result;
use rusqlite::params;
use std::collections::HashMap;

/// The table holding each kind of decision.
fn table(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Approval => "approvals",
        DecisionKind::Postponement => "postponements",
    }
}

impl Store {
    pub fn overrides(&self) -> Result<Overrides> {
        let mut overrides = Overrides::default();
        let mut pins = self.conn.prepare_cached("SELECT reference FROM pins")?;
        for pin in pins.query_map([], |row| row.get::<_, String>(0))? {
            overrides.pins.insert(pin?);
        }
        let mut postponed = self
            .conn
            .prepare_cached("SELECT reference, image_id, until FROM postponements")?;
        for row in postponed.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))? {
            let (reference, image_id, until): (String, String, Timestamp) = row?;
            overrides.postpone(&reference, &image_id, until);
        }
        let mut approvals = self
            .conn
            .prepare_cached("SELECT reference, image_id FROM approvals")?;
        for row in approvals.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))? {
            let (reference, image_id) = row?;
            overrides.approvals.insert(reference, image_id);
        }
        let mut ownership = self
            .conn
            .prepare_cached("SELECT image_id, agent_downloaded FROM ownership")?;
        for row in ownership.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))? {
            let (image_id, agent_downloaded) = row?;
            overrides.ownership.insert(image_id, agent_downloaded);
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

    /// Postpones the removal of `reference` while it names `image_id`.
    pub fn postpone(
        &mut self,
        reference: &str,
        image_id: &str,
        until: Timestamp,
        actor: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO postponements (reference, image_id, until, actor) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(reference, image_id) DO UPDATE SET until = ?3, actor = ?4",
            params![reference, image_id, until, actor],
        )?;
        Ok(())
    }

    /// Approves removing `reference` as the image `image_id` (and no other).
    pub fn approve(
        &mut self,
        reference: &str,
        image_id: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO approvals (reference, image_id, approved_at, actor)
             VALUES (?1, ?2, ?3, ?4)",
            params![reference, image_id, now, actor],
        )?;
        Ok(())
    }

    /// Who approved removing `reference` as the image `image_id`, if anyone did.
    pub fn approver(&self, reference: &str, image_id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT actor FROM approvals WHERE reference = ?1 AND image_id = ?2",
                params![reference, image_id],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// An operator's word on whether an image counts as agent-downloaded (`adopt`, `disown`).
    /// Returns false when it already said so.
    pub fn set_ownership(
        &mut self,
        image_id: &str,
        agent_downloaded: bool,
        actor: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Ok(self.conn.execute(
            "INSERT INTO ownership (image_id, agent_downloaded, actor, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(image_id) DO UPDATE SET agent_downloaded = ?2, actor = ?3, at = ?4
             WHERE agent_downloaded != ?2",
            params![image_id, agent_downloaded, actor, now],
        )? > 0)
    }

    /// Forgets the decisions taken about `image_id` under `reference` once that name is gone from
    /// it; a new image under the same name starts with a clean slate.
    pub fn forget_reference(&mut self, reference: &str, image_id: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        for table in ["approvals", "postponements"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE reference = ?1 AND image_id = ?2"),
                params![reference, image_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets every decision about an image that is gone, under any name it carried.
    pub fn forget_image(&mut self, image_id: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        for table in ["approvals", "postponements"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE image_id = ?1"),
                [image_id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When each approval was given: reference -> (image ID, approved at).
    pub fn approval_times(&self) -> Result<HashMap<String, (String, Timestamp)>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT reference, image_id, approved_at FROM approvals")?;
        let mut times = HashMap::new();
        for row in statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))? {
            let (reference, image_id, at): (String, String, Timestamp) = row?;
            times.insert(reference, (image_id, at));
        }
        Ok(times)
    }

    /// Drops one decision that lapsed, if it is still the one that lapsed (bound to `image_id`).
    pub fn drop_decision(
        &mut self,
        kind: DecisionKind,
        reference: &str,
        image_id: &str,
    ) -> Result<bool> {
        let sql = format!(
            "DELETE FROM {} WHERE reference = ?1 AND image_id = ?2",
            table(kind)
        );
        Ok(self.conn.execute(&sql, params![reference, image_id])? > 0)
    }

    /// Drops postponements that have ended. (A DELETE that matches nothing writes nothing, so
    /// it wakes no other process watching `data_version`.)
    pub fn expire_postponements(&mut self, now: Timestamp) -> Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM postponements WHERE until <= ?1", [now])?)
    }
}
