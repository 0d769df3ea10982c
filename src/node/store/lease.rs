//! The enforcer lease: only one enforcer acts on a node. The headless service takes precedence
//! over a console; a holder that stops heart-beating loses the lease when it expires, and one on
//! this host whose process is gone (killed, crashed) loses it at once, so a restart never waits.

use super::Store;
use crate::core::model::{Mode, Timestamp};
use crate::core::settings::Settings;
use crate::core::time::{BootId, Moment};
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
    /// What the holder acts with, for others to show the same plan.
    pub view: Option<HolderView>,
}

/// The settings the lease holder acts with (its command line may differ from the stored ones)
/// and when its start-up delay began, in seconds after `boot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderView {
    pub boot: BootId,
    pub settings: Settings,
    pub guard_start_up: i64,
}

impl HolderView {
    fn encode(&self) -> String {
        let s = &self.settings;
        format!(
            "{:032x} {} {} {} {} {}",
            self.boot,
            s.mode,
            s.startup_delay_secs,
            s.min_age_secs,
            s.interval_secs,
            self.guard_start_up
        )
    }

    fn decode(text: &str) -> Option<HolderView> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [boot, mode, delay, age, interval, start] = parts.as_slice() else {
            return None;
        };
        Some(HolderView {
            boot: u128::from_str_radix(boot, 16).ok()?,
            settings: Settings {
                mode: Mode::parse(mode)?,
                startup_delay_secs: delay.parse().ok()?,
                min_age_secs: age.parse().ok()?,
                interval_secs: interval.parse().ok()?,
            },
            guard_start_up: start.parse().ok()?,
        })
    }
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

pub(super) fn process_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// SQL: whether the lease row has expired at (?1 boot, ?2 time since boot, ?3 wall clock): on
/// the monotonic clock of the boot it was taken in; a lease of an earlier boot is over (its
/// holder did not survive the reboot); a row from before times since boot were kept, on the
/// wall clock.
const EXPIRED: &str = "CASE WHEN boot IS NULL OR expires_up IS NULL THEN expires <= ?3
                        WHEN boot = ?1 THEN expires_up <= ?2 ELSE 1 END";

fn boot_text(boot: BootId) -> String {
    format!("{boot:032x}")
}

/// Whether the lease may go to `claim` at `at`: nobody holds it, `claim` does, it expired, a
/// console holds it and a service asks, or its holder on this host is dead.
fn grantable(conn: &rusqlite::Connection, claim: &LeaseClaim, at: &Moment) -> Result<bool> {
    let current = conn
        .query_row(
            &format!("SELECT holder, kind, {EXPIRED}, host, pid FROM lease WHERE id = 1"),
            params![boot_text(at.boot), at.up, at.wall],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, u32>(4)?,
                ))
            },
        )
        .optional()?;
    Ok(match &current {
        None => true,
        Some((holder, kind, expired, host, pid)) => {
            holder == &claim.holder
                || *expired
                || (claim.kind == LeaseKind::Service && kind == "console")
                || (host == &claim.host && !process_alive(*pid))
        }
    })
}

impl Store {
    /// Takes or renews the lease for `claim`. Returns true when it holds the lease afterwards.
    pub fn acquire_lease(
        &mut self,
        claim: &LeaseClaim,
        view: &HolderView,
        at: &Moment,
        ttl_secs: i64,
    ) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ours = grantable(&tx, claim, at)?;
        if ours {
            tx.execute(
                "INSERT INTO lease (id, holder, kind, mode, host, pid, heartbeat, expires, view,
                     boot, expires_up)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(id) DO UPDATE SET holder = ?1, kind = ?2, mode = ?3, host = ?4, pid = ?5,
                     heartbeat = ?6, expires = ?7, view = ?8, boot = ?9, expires_up = ?10",
                params![
                    claim.holder,
                    claim.kind.as_str(),
                    view.settings.mode.as_str(),
                    claim.host,
                    claim.pid,
                    at.wall,
                    at.wall + ttl_secs,
                    view.encode(),
                    boot_text(at.boot),
                    at.up + ttl_secs
                ],
            )?;
        }
        tx.commit()?;
        Ok(ours)
    }

    /// Whether `holder` still holds an unexpired lease at `now`: checked before each removal, so
    /// an enforcer that lost the lease mid-sweep (a stall longer than its TTL) stops at once.
    pub fn holds_lease(&self, holder: &str, at: &Moment) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT holder = ?4 AND NOT ({EXPIRED}) FROM lease WHERE id = 1"),
                params![boot_text(at.boot), at.up, at.wall, holder],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Whether `claim` may act without writing the lease, when nobody can write it (a full
    /// disk): the row names it, expired or not; or, for the service, the lease would be granted
    /// to it (absent, expired, a console's, or a dead holder's).
    pub fn may_act_unleased(&self, claim: &LeaseClaim, at: &Moment) -> Result<bool> {
        let named: bool = self
            .conn
            .query_row(
                "SELECT holder = ?1 FROM lease WHERE id = 1",
                [&claim.holder],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false);
        Ok(named || (claim.kind == LeaseKind::Service && grantable(&self.conn, claim, at)?))
    }

    /// Gives the lease up (on a clean exit), if `holder` has it.
    pub fn release_lease(&mut self, holder: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM lease WHERE id = 1 AND holder = ?1", [holder])?;
        Ok(())
    }

    /// The current holder, if its lease has not expired at `at`.
    pub fn lease(&self, at: &Moment) -> Result<Option<Lease>> {
        let lease = self
            .conn
            .query_row(
                &format!(
                    "SELECT holder, kind, mode, heartbeat, expires, view, {EXPIRED}
                     FROM lease WHERE id = 1"
                ),
                params![boot_text(at.boot), at.up, at.wall],
                |row| {
                    Ok((
                        Lease {
                            holder: row.get(0)?,
                            kind: row.get(1)?,
                            mode: Mode::parse(&row.get::<_, String>(2)?).unwrap_or_default(),
                            heartbeat: row.get(3)?,
                            expires: row.get(4)?,
                            view: HolderView::decode(&row.get::<_, String>(5)?),
                        },
                        row.get::<_, bool>(6)?,
                    ))
                },
            )
            .optional()?;
        Ok(lease.and_then(|(lease, expired)| (!expired).then_some(lease)))
    }
}
