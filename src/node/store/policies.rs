//! Saved policies and their rules, in the order they were saved.

use super::Store;
use crate::core::model::Timestamp;
use crate::core::plan::SourcedRule;
use crate::core::policy::{DiskMarks, KeepRule, PolicyDocument, Rule, Spelling, Start};
use crate::core::saved::{StoredPolicy, active_rules_of};
use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, params};

fn spelling_name(spelling: Spelling) -> &'static str {
    match spelling {
        Spelling::Seed => "seed",
        Spelling::Anax => "anax",
    }
}

/// Which version of a policy is stored, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version: i64,
    pub saved_at: Timestamp,
}

/// What a save that names the version its edits began on did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved {
        version: i64,
    },
    /// Another process saved (or deleted, or created) the policy since: nothing was written.
    Changed {
        current: Option<PolicyVersion>,
    },
}

impl Store {
    /// Saves (or replaces, keeping its place in the order) a policy under `name`, whatever is
    /// stored (`policy apply`).
    pub fn save_policy(
        &mut self,
        name: &str,
        document: &PolicyDocument,
        now: Timestamp,
    ) -> Result<()> {
        self.save_policy_checked(name, document, now, None)
            .map(|_| ())
    }

    /// Saves a policy only if the stored one is still `expected` (its version; `None`: no
    /// policy of that name), as when edits began; otherwise writes nothing and says what is
    /// stored now.
    pub fn save_policy_if(
        &mut self,
        name: &str,
        document: &PolicyDocument,
        now: Timestamp,
        expected: Option<i64>,
    ) -> Result<SaveOutcome> {
        self.save_policy_checked(name, document, now, Some(expected))
    }

    fn save_policy_checked(
        &mut self,
        name: &str,
        document: &PolicyDocument,
        now: Timestamp,
        expected: Option<Option<i64>>,
    ) -> Result<SaveOutcome> {
        // Immediate: it reads the position, then writes; a deferred transaction would fail at
        // once with "database is locked" when another process wrote in between.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored: Option<(i64, PolicyVersion)> = tx
            .query_row(
                "SELECT position, version, saved_at FROM policies WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get(0)?,
                        PolicyVersion {
                            version: r.get(1)?,
                            saved_at: r.get(2)?,
                        },
                    ))
                },
            )
            .optional()?;
        if let Some(expected) = expected
            && stored.map(|(_, v)| v.version) != expected
        {
            return Ok(SaveOutcome::Changed {
                current: stored.map(|(_, v)| v),
            });
        }
        let position: i64 = match stored {
            Some((position, _)) => position,
            None => tx.query_row(
                "SELECT coalesce(max(position), 0) + 1 FROM policies",
                [],
                |r| r.get(0),
            )?,
        };
        tx.execute("INSERT INTO policy_versions DEFAULT VALUES", [])?;
        let version = tx.last_insert_rowid();
        tx.execute("DELETE FROM policy_versions", [])?;
        let start = match document.start {
            Some(Start::At(at)) => Some(at),
            Some(Start::Now) => Some(now),
            None => None,
        };
        tx.execute("DELETE FROM policies WHERE name = ?1", [name])?;
        tx.execute(
            "INSERT INTO policies (name, position, spelling, extra, enabled, start, saved_at,
                 disk_high_percent, disk_low_percent, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                name,
                position,
                spelling_name(document.spelling),
                serde_json::Value::Object(with_policy_place(document)).to_string(),
                document.enabled,
                start,
                now,
                document.disk.map(|d| d.high_percent),
                document.disk.map(|d| d.low_percent),
                version,
            ],
        )?;
        for (index, keep) in document.keep.iter().enumerate() {
            tx.execute(
                "INSERT INTO keep_rules (policy, idx, image_name, last) VALUES (?1, ?2, ?3, ?4)",
                params![
                    name,
                    index as i64,
                    keep.image_name,
                    keep.last.map(|n| n as i64)
                ],
            )?;
        }
        for (index, rule) in document.rules.iter().enumerate() {
            tx.execute(
                "INSERT INTO rules (policy, idx, image_name, delete_after_minutes, agent_downloaded_only)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    name,
                    index as i64,
                    rule.image_name,
                    rule.delete_after_minutes as i64,
                    rule.agent_downloaded_only
                ],
            )?;
        }
        tx.commit()
            .with_context(|| format!("cannot save policy {name}"))?;
        Ok(SaveOutcome::Saved { version })
    }

    /// Deletes a saved policy; returns whether it existed.
    pub fn delete_policy(&mut self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM policies WHERE name = ?1", [name])?
            > 0)
    }

    /// Every saved policy, in the order it was first saved.
    pub fn policies(&self) -> Result<Vec<StoredPolicy>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT name, spelling, extra, enabled, start, saved_at, disk_high_percent,
                 disk_low_percent, version
             FROM policies ORDER BY position",
        )?;
        let heads = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, bool>(3)?,
                    row.get::<_, Option<i64>>(4)?,
                    row.get::<_, i64>(5)?,
                    disk_marks(row.get(6)?, row.get(7)?),
                    row.get::<_, i64>(8)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut policies = Vec::with_capacity(heads.len());
        for (name, spelling, extra, enabled, start, saved_at, disk, version) in heads {
            let mut extra = match serde_json::from_str(&extra)
                .with_context(|| format!("policy {name} has unreadable extra fields"))?
            {
                serde_json::Value::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            let policy_at = take_policy_place(&mut extra);
            // `"start": "now"` was saved as the moment of saving: it reads as written.
            let now_as_written = extra.get("start").and_then(|s| s.as_str()) == Some("now");
            let start = match start {
                Some(at) if now_as_written && at == saved_at => Some(Start::Now),
                other => other.map(Start::At),
            };
            let document = PolicyDocument {
                rules: self.rules_of(&name)?,
                keep: self.keep_rules_of(&name)?,
                disk,
                enabled,
                start,
                spelling: if spelling == "anax" {
                    Spelling::Anax
                } else {
                    Spelling::Seed
                },
                policy_at,
                extra,
            };
            policies.push(StoredPolicy {
                name,
                document,
                saved_at,
                version,
            });
        }
        Ok(policies)
    }

    pub fn policy(&self, name: &str) -> Result<Option<StoredPolicy>> {
        Ok(self.policies()?.into_iter().find(|p| p.name == name))
    }

    fn rules_of(&self, policy: &str) -> Result<Vec<Rule>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT image_name, delete_after_minutes, agent_downloaded_only
             FROM rules WHERE policy = ?1 ORDER BY idx",
        )?;
        let rules = statement
            .query_map([policy], |row| {
                Ok(Rule {
                    image_name: row.get(0)?,
                    delete_after_minutes: row.get::<_, i64>(1)? as u64,
                    agent_downloaded_only: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rules)
    }

    fn keep_rules_of(&self, policy: &str) -> Result<Vec<KeepRule>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT image_name, last FROM keep_rules WHERE policy = ?1 ORDER BY idx",
        )?;
        let rules = statement
            .query_map([policy], |row| {
                Ok(KeepRule {
                    image_name: row.get(0)?,
                    last: row.get::<_, Option<i64>>(1)?.map(|n| n as u64),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rules)
    }

    /// The rules of every policy that applies at `now`, in policy order.
    pub fn active_rules(&self, now: Timestamp) -> Result<Vec<SourcedRule>> {
        Ok(active_rules_of(&self.policies()?, now))
    }
}

/// The key standing for the image policy in the stored fields, where it was in the document.
const POLICY_PLACE: &str = "image_policy";

/// The document's other fields with a placeholder where its image policy stood, so the stored
/// fields keep the document's order.
fn with_policy_place(document: &PolicyDocument) -> serde_json::Map<String, serde_json::Value> {
    let mut extra = document.extra.clone();
    if let Some(at) = document.policy_at {
        extra.shift_insert(
            at.min(extra.len()),
            POLICY_PLACE.to_string(),
            serde_json::Value::Null,
        );
    }
    extra
}

/// Takes the placeholder out of stored fields: where the image policy stood.
fn take_policy_place(extra: &mut serde_json::Map<String, serde_json::Value>) -> Option<usize> {
    let at = extra
        .iter()
        .position(|(k, v)| k == POLICY_PLACE && v.is_null())?;
    extra.shift_remove(POLICY_PLACE);
    Some(at)
}

/// Both marks or neither (they are written together).
fn disk_marks(high: Option<u8>, low: Option<u8>) -> Option<DiskMarks> {
    Some(DiskMarks {
        high_percent: high?,
        low_percent: low?,
    })
}
