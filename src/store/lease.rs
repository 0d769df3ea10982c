//! The enforcer lease: only one enforcer acts on a node. The headless service takes precedence
//! over a console; a holder that stops heart-beating loses the lease when it expires.

use super::Store;
use crate::model::{Mode, Timestamp};
use anyhow::Result;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseKind {
    Service,
    Console,
}

impl LeaseKind {
    fn as_str(self) -> &'static str {
        match self {
            LeaseKind::Service => "service",
            LeaseKind::Console => "console",
        }
    }
}

/// Who holds the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub kind: String,
    pub mode: Mode,
    pub heartbeat: Timestamp,
    pub expires: Timestamp,
}

impl Store {
    /// Takes or renews the lease for `holder`. Returns true when `holder` holds it afterwards.
    pub fn acquire_lease(
        &mut self,
        holder: &str,
        kind: LeaseKind,
        mode: Mode,
        now: Timestamp,
        ttl_secs: i64,
    ) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = tx
            .query_row("SELECT holder, kind, expires FROM lease WHERE id = 1", [], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
            })
            .optional()?;
        let ours = match &current {
            None => true,
            Some((current_holder, current_kind, expires)) => {
                current_holder == holder
                    || *expires <= now
                    || (kind == LeaseKind::Service && current_kind == "console")
            }
        };
        if ours {
            tx.execute(
                "INSERT INTO lease (id, holder, kind, mode, heartbeat, expires) VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET holder = ?1, kind = ?2, mode = ?3, heartbeat = ?4, expires = ?5",
                params![holder, kind.as_str(), mode.as_str(), now, now + ttl_secs],
            )?;
        }
        tx.commit()?;
        Ok(ours)
    }

    /// Gives the lease up (on a clean exit), if `holder` has it.
    pub fn release_lease(&mut self, holder: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM lease WHERE id = 1 AND holder = ?1", [holder])?;
        Ok(())
    }

    /// The current holder, if its lease has not expired at `now`.
    pub fn lease(&self, now: Timestamp) -> Result<Option<Lease>> {
        let lease = self
            .conn
            .query_row(
                "SELECT holder, kind, mode, heartbeat, expires FROM lease WHERE id = 1",
                [],
                |row| {
                    Ok(Lease {
                        holder: row.get(0)?,
                        kind: row.get(1)?,
                        mode: Mode::parse(&row.get::<_, String>(2)?).unwrap_or_default(),
                        heartbeat: row.get(3)?,
                        expires: row.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(lease.filter(|l| l.expires > now))
    }
}
