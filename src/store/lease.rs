//! The enforcer lease: only one enforcer acts on a node. The headless service takes precedence
//! over a console; a holder that stops heart-beating loses the lease when it expires, and one on
//! this host whose process is gone (killed, crashed) loses it at once, so a restart never waits.

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
    pub fn as_str(self) -> &'static str {
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

/// Who asks for the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseClaim {
    /// Unique per enforcer instance.
    pub holder: String,
    pub kind: LeaseKind,
    pub host: String,
    pub pid: u32,
}

fn process_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

impl Store {
    /// Takes or renews the lease for `claim`. Returns true when it holds the lease afterwards.
    pub fn acquire_lease(
        &mut self,
        claim: &LeaseClaim,
        mode: Mode,
        now: Timestamp,
        ttl_secs: i64,
    ) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = tx
            .query_row(
                "SELECT holder, kind, expires, host, pid FROM lease WHERE id = 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, u32>(4)?,
                    ))
                },
            )
            .optional()?;
        let ours = match &current {
            None => true,
            Some((holder, kind, expires, host, pid)) => {
                holder == &claim.holder
                    || *expires <= now
                    || (claim.kind == LeaseKind::Service && kind == "console")
                    || (host == &claim.host && !process_alive(*pid))
            }
        };
        if ours {
            tx.execute(
                "INSERT INTO lease (id, holder, kind, mode, host, pid, heartbeat, expires)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(id) DO UPDATE SET holder = ?1, kind = ?2, mode = ?3, host = ?4, pid = ?5,
                     heartbeat = ?6, expires = ?7",
                params![
                    claim.holder,
                    claim.kind.as_str(),
                    mode.as_str(),
                    claim.host,
                    claim.pid,
                    now,
                    now + ttl_secs
                ],
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
