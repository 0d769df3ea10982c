//! The saved policies as the planner takes them: which apply at a moment, and their rules, keep
//! rules and disk marks flattened in policy order. Pure.

use crate::core::model::Timestamp;
use crate::core::plan::{RuleBook, SourcedKeep, SourcedRule};
use crate::core::policy::{DiskMarks, PolicyDocument, Start};

/// A policy as saved, with its name and when it was saved.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPolicy {
    pub name: String,
    pub document: PolicyDocument,
    pub saved_at: Timestamp,
    /// New with every save, never reused: a save begun on another version is refused.
    pub version: i64,
}

impl StoredPolicy {
    /// Enabled, and its start time (if any) has come.
    pub fn applies_at(&self, now: Timestamp) -> bool {
        self.document.enabled
            && match self.document.start {
                Some(Start::At(at)) => at <= now,
                Some(Start::Now) | None => true,
            }
    }
}

/// Everything the policies that apply at `now` say, compiled for the planner.
pub fn rule_book_of(policies: &[StoredPolicy], now: Timestamp) -> RuleBook {
    RuleBook::with_retention(
        active_rules_of(policies, now),
        active_keeps_of(policies, now),
        active_disk_marks_of(policies, now),
    )
}

/// Flattens the keep rules of the policies that apply at `now`, in policy order.
pub fn active_keeps_of(policies: &[StoredPolicy], now: Timestamp) -> Vec<SourcedKeep> {
    policies
        .iter()
        .filter(|p| p.applies_at(now))
        .flat_map(|p| {
            p.document
                .keep
                .iter()
                .enumerate()
                .map(|(index, keep)| SourcedKeep {
                    policy: p.name.clone(),
                    index,
                    image_name: keep.image_name.clone(),
                    last: keep.last,
                })
        })
        .collect()
}

/// The disk marks that apply at `now`: the lowest of each among the policies that have them.
pub fn active_disk_marks_of(policies: &[StoredPolicy], now: Timestamp) -> Option<DiskMarks> {
    policies
        .iter()
        .filter(|p| p.applies_at(now))
        .filter_map(|p| p.document.disk)
        .reduce(|a, b| DiskMarks {
            high_percent: a.high_percent.min(b.high_percent),
            low_percent: a.low_percent.min(b.low_percent),
        })
}

/// Flattens the policies that apply at `now` into one ordered rule list.
pub fn active_rules_of(policies: &[StoredPolicy], now: Timestamp) -> Vec<SourcedRule> {
    policies
        .iter()
        .filter(|p| p.applies_at(now))
        .flat_map(|p| {
            p.document
                .rules
                .iter()
                .enumerate()
                .map(|(index, rule)| SourcedRule {
                    policy: p.name.clone(),
                    index,
                    rule: rule.clone(),
                })
        })
        .collect()
}
