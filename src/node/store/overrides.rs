//! Operator decisions: pins (by name), postponements and approvals (one image under one name),
//! and the agent-downloaded flag set by hand.

use super::Store;
use crate::core::lapse::DecisionKind;
use crate::core::model::{Overrides, Timestamp};
use crate::core::time::{BootId, Moment};
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

    /// Postpones the removal of `image_id` under `reference` until `until`, which is also
    /// `until_up` seconds after the boot `boot` began (so a clock step does not move it).
    pub fn postpone(
        &mut self,
        reference: &str,
        image_id: &str,
        until: Timestamp,
        on_boot: Option<(BootId, i64)>,
        actor: &str,
    ) -> Result<()> {
        let (boot, until_up) = on_boot.map_or((None, None), |(boot, up)| {
            (Some(format!("{boot:032x}")), Some(up))
        });
        self.conn.execute(
            "INSERT INTO postponements (reference, image_id, until, actor, boot, until_up)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(reference, image_id) DO UPDATE SET until = ?3, actor = ?4, boot = ?5,
                 until_up = ?6",
            params![reference, image_id, until, actor, boot, until_up],
        )?;
        Ok(())
    }

    /// The decisions as they stand at `moment`: a postponement given during this boot ends where
    /// the monotonic clock says, however the wall clock stepped since.
    pub fn overrides_at(&self, moment: &Moment) -> Result<Overrides> {
        let mut overrides = self.overrides()?;
        for ((reference, image_id), up) in self.postponements_on(moment.boot)? {
            overrides.postpone(&reference, &image_id, moment.wall_of(up));
        }
        Ok(overrides)
    }

    /// (reference, image ID) -> when its postponement ends, in seconds after `boot` began.
    fn postponements_on(&self, boot: BootId) -> Result<Vec<((String, String), i64)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT reference, image_id, until_up FROM postponements
             WHERE boot = ?1 AND until_up IS NOT NULL",
        )?;
        let rows = statement.query_map([format!("{boot:032x}")], |row| {
            Ok(((row.get(0)?, row.get(1)?), row.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
    /// Keeps every postponement on this boot's clock: one of this boot gets its wall time as
    /// the clock reads now (so the next boot starts from it), one of an earlier boot is carried
    /// into this boot's clock from its last wall time. Writes only what changed: nothing in a
    /// cycle where the clock did not step and the boot did not change.
    pub fn rebase_postponements(&mut self, moment: &Moment) -> Result<()> {
        let boot = format!("{:032x}", moment.boot);
        let offset = moment.offset();
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE postponements SET until = ?2 + until_up
             WHERE boot = ?1 AND until_up IS NOT NULL AND until != ?2 + until_up",
            params![boot, offset],
        )?;
        tx.execute(
            "UPDATE postponements SET boot = ?1, until_up = until - ?2
             WHERE boot IS NULL OR boot != ?1 OR until_up IS NULL",
            params![boot, offset],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn expire_postponements(&mut self, moment: &Moment) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM postponements WHERE CASE WHEN boot = ?1 AND until_up IS NOT NULL
                 THEN until_up <= ?2 ELSE until <= ?3 END",
            params![format!("{:032x}", moment.boot), moment.up, moment.wall],
        )?)
    }
}
