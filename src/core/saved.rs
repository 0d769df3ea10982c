//! The saved policies as the planner takes them: which apply on this node at a moment, and
//! their rules, keep rules and disk marks flattened in policy order. Pure.

use std::fmt;

use crate::core::model::Timestamp;
use crate::core::placement::{NmpPlacement, Node, Placement, place};
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

/// Whether a saved policy applies on this node now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Applies,
    Disabled,
    /// Its `start` is still to come.
    Starts(Timestamp),
    /// Its placement leaves this node out: why.
    NotPlaced(String),
}

impl Status {
    /// One word for tables and JSON: `applied`, `disabled`, `not yet`, `not placed`.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Applies => "applied",
            Status::Disabled => "disabled",
            Status::Starts(_) => "not yet",
            Status::NotPlaced(_) => "not placed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::NotPlaced(why) => write!(f, "{}", Placement::NotPlaced(why.clone())),
            Status::Starts(at) => write!(f, "starts {}", crate::core::format::rfc3339(*at)),
            other => f.write_str(other.word()),
        }
    }
}

impl StoredPolicy {
    /// Where the policy is placed: on `node`, or why not.
    pub fn placement(&self, node: &Node) -> Placement {
        match NmpPlacement::of(&self.document.extra) {
            Ok(nmp) => place(&nmp, node),
            Err(why) => Placement::NotPlaced(format!("its placement does not read: {why}")),
        }
    }

    /// Whether the policy applies on `node` at `now`: enabled, placed, and started.
    pub fn status(&self, node: &Node, now: Timestamp) -> Status {
        if !self.document.enabled {
            return Status::Disabled;
        }
        if let Placement::NotPlaced(why) = self.placement(node) {
            return Status::NotPlaced(why);
        }
        match self.document.start {
            Some(Start::At(at)) if at > now => Status::Starts(at),
            _ => Status::Applies,
        }
    }
}

/// Everything the policies that apply on `node` at `now` say, compiled for the planner. Each
/// policy is placed once here; the planner sees only the rules of placed policies.
pub fn rule_book_of(policies: &[StoredPolicy], node: &Node, now: Timestamp) -> RuleBook {
    let applying: Vec<StoredPolicy> = policies
        .iter()
        .filter(|p| p.status(node, now) == Status::Applies)
        .cloned()
        .collect();
    RuleBook::with_retention(
        active_rules_of(&applying, now),
        active_keeps_of(&applying, now),
        active_disk_marks_of(&applying, now),
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
