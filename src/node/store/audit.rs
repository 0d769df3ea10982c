//! The audit log: every action, automatic or manual, with who, what and the outcome.
//! Removals are also journalled in `pending_removals` so a crash mid-removal is finished, not repeated.

use super::Store;
use crate::core::model::Timestamp;
use crate::core::why::Why;
use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// Every action the log records, as `log --action` takes them.
pub const ACTIONS: &[&str] = &[
    "remove",
    "untag",
    "refused",
    "gone",
    "skipped",
    "failed",
    "would-remove",
    "restore",
    "ignore-keep",
    "pin",
    "unpin",
    "postpone",
    "unpostpone",
    "approve",
    "lapse",
    "adopt",
    "disown",
    "settings",
    "policy-apply",
    "policy-delete",
];

/// Which entries `audit_matching` returns; every part that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Any of these actions.
    pub actions: Vec<String>,
    /// The actor contains this text.
    pub actor: Option<String>,
}

/// One audit log line to be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAudit {
    pub time: Timestamp,
    pub actor: String,
    /// `remove`, `untag`, `would-remove`, `refused`, `gone`, `failed`, `pin`, `unpin`,
    /// `postpone`, `approve`, `policy-apply`, `policy-delete`, `mode`, `refresh`, `registry-delete`.
    pub action: String,
    pub reference: String,
    pub image_id: String,
    pub bytes_freed: u64,
    pub result: String,
    /// For a removal (and what became of it): why it was removed.
    pub why: Option<Why>,
}

impl NewAudit {
    /// An entry about one reference of one image; no bytes freed, result `ok` until said otherwise.
    pub fn new(
        time: Timestamp,
        actor: &str,
        action: &str,
        reference: &str,
        image_id: &str,
    ) -> NewAudit {
        NewAudit {
            time,
            actor: actor.to_string(),
            action: action.to_string(),
            reference: reference.to_string(),
            image_id: image_id.to_string(),
            bytes_freed: 0,
            result: "ok".to_string(),
            why: None,
        }
    }

    /// An entry about a saved policy (`policy-apply`, `policy-delete`): its reference is `policy:NAME`.
    pub fn policy(time: Timestamp, actor: &str, action: &str, name: &str) -> NewAudit {
        NewAudit::new(time, actor, action, &format!("policy:{name}"), "")
    }

    pub fn result(mut self, result: impl Into<String>) -> NewAudit {
        self.result = result.into();
        self
    }

    pub fn freed(mut self, bytes: u64) -> NewAudit {
        self.bytes_freed = bytes;
        self
    }

    pub fn why(mut self, why: Option<Why>) -> NewAudit {
        self.why = why;
        self
    }
}

/// One audit log line as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(flatten)]
    pub entry: NewAudit,
}

/// A removal that was started but whose outcome was not yet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRemoval {
    pub reference: String,
    pub image_id: String,
    pub bytes: u64,
    pub actor: String,
    pub started: Timestamp,
    /// The process carrying it out; only it, or whoever finds it dead, finishes the entry.
    pub owner: Owner,
    /// Why it is removed, for the audit entry written when it is finished.
    pub why: Option<Why>,
}

/// A process that journals removals: an enforcer (its lease holder name), a command or a console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub name: String,
    pub host: String,
    pub pid: u32,
}

/// How long an entry of a process on another host (whose liveness we cannot check) is left to it.
const FOREIGN_OWNER_GRACE_SECS: i64 = 3600;

impl Owner {
    /// This process, doing `what` (`cli`, `console actions`, …).
    pub fn this_process(what: &str) -> Owner {
        let host = crate::node::host::hostname();
        let pid = std::process::id();
        Owner {
            name: format!("{what} pid {pid} on {host}"),
            host,
            pid,
        }
    }

    /// Whether the owner is an enforcer (a lease holder: the service or a console's), whose
    /// work another enforcer takes over once it holds the lease; a command's or a console
    /// action's is only ever finished once that process is gone.
    pub fn is_enforcer(&self) -> bool {
        ["service pid ", "console pid "]
            .iter()
            .any(|kind| self.name.starts_with(kind))
    }

    /// Whether the entry's owner may still be working on it.
    pub fn may_be_alive(&self, started: Timestamp, now: Timestamp) -> bool {
        if self.host == crate::node::host::hostname() {
            self.pid != 0 && super::lease::process_alive(self.pid)
        } else {
            now.saturating_sub(started) < FOREIGN_OWNER_GRACE_SECS
        }
    }
}

impl Store {
    pub fn audit(&mut self, entry: &NewAudit) -> Result<i64> {
        insert_audit(&self.conn, entry)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest `limit` entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.audit_since(0, limit)
    }

    /// Entries with an id above `after_id`, newest first, at most `limit`.
    pub fn audit_since(&self, after_id: i64, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, time, actor, action, reference, image_id, bytes_freed, result, why
             FROM audit WHERE id > ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![after_id, limit as i64], audit_entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every entry the filter lets through, newest first.
    pub fn audit_matching(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let actions = serde_json::to_string(&filter.actions)?;
        let mut statement = self.conn.prepare_cached(
            "SELECT id, time, actor, action, reference, image_id, bytes_freed, result, why
             FROM audit
             WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR time <= ?2)
               AND (?3 = '[]' OR action IN (SELECT value FROM json_each(?3)))
               AND (?4 IS NULL OR instr(actor, ?4) > 0)
             ORDER BY id DESC",
        )?;
        let rows = statement.query_map(
            params![filter.since, filter.until, actions, filter.actor],
            audit_entry,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Journals a removal before the engine is asked. Returns false, writing nothing, when
    /// another process that may still be alive is removing the same name.
    pub fn begin_removal(&mut self, removal: &PendingRemoval) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let busy = tx
            .query_row(
                "SELECT owner, owner_host, owner_pid, started FROM pending_removals
                 WHERE reference = ?1",
                [&removal.reference],
                |row| {
                    Ok((
                        Owner {
                            name: row.get(0)?,
                            host: row.get(1)?,
                            pid: row.get(2)?,
                        },
                        row.get::<_, i64>(3)?,
                    ))
                },
            )
            .optional()?
            .is_some_and(|(owner, started)| {
                owner.name != removal.owner.name && owner.may_be_alive(started, removal.started)
            });
        if busy {
            return Ok(false);
        }
        tx.execute(
            "INSERT OR REPLACE INTO pending_removals
                 (reference, image_id, bytes, actor, started, owner, owner_host, owner_pid, why)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                removal.reference,
                removal.image_id,
                removal.bytes as i64,
                removal.actor,
                removal.started,
                removal.owner.name,
                removal.owner.host,
                removal.owner.pid,
                why_text(removal.why.as_ref())
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Writes the outcome of a removal `owner` journalled, if the entry is still its own: an
    /// enforcer that lost its lease while frozen finds its work taken over and finished by the
    /// one that took the lease, and records nothing twice. Returns whether it wrote.
    pub fn finish_own_removal(&mut self, entry: &NewAudit, owner: &Owner) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let ours = tx.execute(
            "DELETE FROM pending_removals WHERE reference = ?1 AND owner = ?2",
            params![entry.reference, owner.name],
        )? > 0;
        if ours {
            insert_audit(&tx, entry)?;
        }
        tx.commit()?;
        Ok(ours)
    }

    /// Writes the outcome of a journalled removal and clears the journal entry atomically.
    pub fn finish_removal(&mut self, entry: &NewAudit) -> Result<()> {
        let tx = self.conn.transaction()?;
        insert_audit(&tx, entry)?;
        tx.execute(
            "DELETE FROM pending_removals WHERE reference = ?1",
            [&entry.reference],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn pending_removals(&self) -> Result<Vec<PendingRemoval>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT reference, image_id, bytes, actor, started, owner, owner_host, owner_pid, why
             FROM pending_removals",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(PendingRemoval {
                reference: row.get(0)?,
                image_id: row.get(1)?,
                bytes: row.get::<_, i64>(2)? as u64,
                actor: row.get(3)?,
                started: row.get(4)?,
                owner: Owner {
                    name: row.get(5)?,
                    host: row.get(6)?,
                    pid: row.get(7)?,
                },
                why: why_column(row.get(8)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// Makes `from`'s journal entry `to`'s: `to` took the lease from it, and records what the
    /// engine says happened to it.
    pub fn take_over_pending(&mut self, reference: &str, from: &Owner, to: &Owner) -> Result<()> {
        self.conn.execute(
            "UPDATE pending_removals SET owner = ?3, owner_host = ?4, owner_pid = ?5
             WHERE reference = ?1 AND owner = ?2",
            params![reference, from.name, to.name, to.host, to.pid],
        )?;
        Ok(())
    }

    /// Drops a journal entry whose removal never reached the engine (only `owner`'s).
    pub fn clear_pending(&mut self, reference: &str, owner: &Owner) -> Result<()> {
        self.conn.execute(
            "DELETE FROM pending_removals WHERE reference = ?1 AND owner = ?2",
            params![reference, owner.name],
        )?;
        Ok(())
    }

    /// Whether an entry with this action, reference and image is already in the log.
    pub fn has_audit(&self, action: &str, reference: &str, image_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit WHERE action = ?1 AND reference = ?2 AND image_id = ?3)",
            params![action, reference, image_id],
            |row| row.get(0),
        )?)
    }
}

impl Store {
    /// The monitoring counters: (`action:ACTION` or `freed_bytes`, value), since the database
    /// was created.
    pub fn counters(&self) -> Result<Vec<(String, u64)>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT name, value FROM counters ORDER BY name")?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?.max(0) as u64,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// How many audit entries are kept: months of activity on a busy device, a few MB on disk.
pub const AUDIT_KEEP: i64 = 100_000;

impl Store {
    /// Drops the oldest entries beyond `keep`, so the log cannot fill the disk it is meant to free.
    pub fn prune_audit(&mut self, keep: i64) -> Result<usize> {
        let newest: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM audit", [], |row| row.get(0))?;
        let Some(cutoff) = newest.map(|id| id - keep).filter(|&c| c > 0) else {
            return Ok(0);
        };
        Ok(self
            .conn
            .execute("DELETE FROM audit WHERE id <= ?1", [cutoff])?)
    }
}

fn insert_audit(conn: &rusqlite::Connection, entry: &NewAudit) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (time, actor, action, reference, image_id, bytes_freed, result, why)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.time,
            entry.actor,
            entry.action,
            entry.reference,
            entry.image_id,
            entry.bytes_freed as i64,
            entry.result,
            why_text(entry.why.as_ref())
        ],
    )?;
    Ok(())
}

/// One row of `SELECT id, time, actor, action, reference, image_id, bytes_freed, result, why`.
pub(super) fn audit_entry(row: &rusqlite::Row) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.get(0)?,
        entry: NewAudit {
            time: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            reference: row.get(4)?,
            image_id: row.get(5)?,
            bytes_freed: row.get::<_, i64>(6)? as u64,
            result: row.get(7)?,
            why: why_column(row.get(8)?),
        },
    })
}

/// The `why` column holds the reason as JSON (NULL for what is not a removal).
fn why_text(why: Option<&Why>) -> Option<String> {
    why.and_then(|why| serde_json::to_string(why).ok())
}

/// A reason this imgreaper cannot read (written by a newer one) reads as none rather than
/// hiding the entry.
fn why_column(text: Option<String>) -> Option<Why> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}
