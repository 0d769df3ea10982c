//! Why a reference is removed, as the audit log keeps it (DESIGN.md §5): the rule (policy,
//! number from 1, pattern, minutes) or disk pressure, the deadline, the mode and who approved
//! it. Built where removals are decided (the enforcer's cycle, a manual removal) and carried
//! with the target to where its audit entry is written, so the log alone answers "why was this
//! removed" once the image is gone. Pure.

use crate::core::format::{escape_controls, minutes};
use crate::core::model::{Mode, Timestamp};
use crate::core::plan::{RefPlan, SourcedRule};
use crate::core::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

/// What set a removal off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Its rule's deadline passed.
    Deadline,
    /// Disk pressure chose it before its deadline.
    Disk,
    /// An operator removed it by hand.
    Manual,
}

/// A removal rule as the log names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub policy: String,
    /// Numbered from 1, as every human view numbers rules.
    pub number: usize,
    pub image_name: String,
    pub delete_after_minutes: u64,
}

impl RuleRef {
    pub fn of(rule: &SourcedRule) -> RuleRef {
        RuleRef {
            policy: rule.policy.clone(),
            number: rule.index + 1,
            image_name: rule.rule.image_name.clone(),
            delete_after_minutes: rule.rule.delete_after_minutes,
        }
    }
}

/// Disk use against the marks when disk pressure chose the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskReason {
    pub used_percent: u8,
    pub high_percent: u8,
    pub low_percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Why {
    pub trigger: Trigger,
    /// The rule that decides its deadline (for a removal by hand: the one that would have).
    pub rule: Option<RuleRef>,
    pub disk: Option<DiskReason>,
    /// When it was due (Unix seconds).
    pub deadline: Option<Timestamp>,
    /// The enforcer's mode; none for a removal by hand.
    pub mode: Option<Mode>,
    /// Who approved it (approve mode).
    pub approved_by: Option<String>,
}

impl Why {
    /// Why the enforcer removes a due reference now, as planned in `snapshot` in `mode`.
    pub fn planned(snapshot: &Snapshot, row: &RefPlan, mode: Mode) -> Why {
        let trigger = if row.pressure.is_some() {
            Trigger::Disk
        } else {
            Trigger::Deadline
        };
        Why {
            mode: Some(mode),
            ..Why::of(snapshot, row, trigger)
        }
    }

    /// An operator removes the reference by hand; the plan's rule and deadline are kept for the
    /// record.
    pub fn by_hand(snapshot: &Snapshot, row: &RefPlan) -> Why {
        Why::of(snapshot, row, Trigger::Manual)
    }

    fn of(snapshot: &Snapshot, row: &RefPlan, trigger: Trigger) -> Why {
        Why {
            trigger,
            rule: row
                .winner
                .and_then(|i| snapshot.rules.rules.get(i))
                .map(RuleRef::of),
            disk: row.pressure.map(|p| DiskReason {
                used_percent: p.used_percent,
                high_percent: p.high_percent,
                low_percent: p.low_percent,
            }),
            deadline: row.deadline,
            mode: None,
            approved_by: None,
        }
    }

    pub fn approved_by(mut self, actor: Option<String>) -> Why {
        self.approved_by = actor;
        self
    }

    /// One line for tables and the console, times written by `time`:
    /// `edge rule 2 (myorg/*, 30m), due 22:30; auto`, `disk 91% ≥ 85% (to 75%); …`,
    /// `by hand; edge rule 2 (myorg/*, 30m) had it due 22:30`.
    pub fn summary(&self, time: impl Fn(Timestamp) -> String) -> String {
        let rule = self.rule.as_ref().map(|r| {
            format!(
                "{} rule {} ({}, {})",
                escape_controls(&r.policy),
                r.number,
                escape_controls(&r.image_name),
                minutes(r.delete_after_minutes)
            )
        });
        let due = self.deadline.map(|d| format!("due {}", time(d)));
        let mut parts: Vec<String> = Vec::new();
        match self.trigger {
            Trigger::Manual => {
                parts.push("by hand".to_string());
                match (rule, due) {
                    (Some(rule), Some(due)) => parts.push(format!("{rule} had it {due}")),
                    (Some(rule), None) => parts.push(rule),
                    (None, _) => parts.push("no rule had it due".to_string()),
                }
            }
            Trigger::Disk | Trigger::Deadline => {
                if let Some(d) = self.disk {
                    parts.push(format!(
                        "disk {}% ≥ {}% (to {}%)",
                        d.used_percent, d.high_percent, d.low_percent
                    ));
                }
                let rule = rule.unwrap_or_else(|| "no rule".to_string());
                parts.push(match due {
                    Some(due) if self.trigger == Trigger::Deadline => format!("{rule}, {due}"),
                    _ => rule,
                });
            }
        }
        if let Some(mode) = self.mode {
            parts.push(mode.to_string());
        }
        if let Some(by) = &self.approved_by {
            parts.push(format!("approved by {}", escape_controls(by)));
        }
        parts.join("; ")
    }
}
