//! The removal plan: (inventory, rules, remembered state, overrides, guards, disk use, now) -> one
//! state per reference. Pure: no I/O, no clock; the caller passes `now`.
//!
//! Two phases (§4, §11). *Match* (`matches`): each reference's names — its own, the digest names
//! of its repository, and for an image left without a tag the names it carried before — are
//! matched once against the removal rules, the keep rules and the pins; a reference whose fate
//! depends on no other is decided right there (one pass over memory). *Decide* what depends on
//! other references: keep-last ranks each keep rule's matches per repository (`keep_last`) and
//! the references waiting for it are decided; then disk pressure makes the least recently used
//! candidates due until the planned usage is at or below the low mark (`pressure`).

mod keep_last;
mod matches;
mod pressure;

pub use matches::current_names;

use crate::core::disk::DiskUse;
use crate::core::model::{
    Guards, Image, ImageRecord, Inventory, Mode, Overrides, Timestamp, reference_key,
};
use crate::core::policy::{DiskMarks, Matcher, Rule};
use crate::core::rule_indices::RuleIndices;
use serde::Serialize;
use std::collections::HashMap;

/// A rule together with where it came from, in the order policies were saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedRule {
    pub policy: String,
    /// Position of the rule inside its policy's removal list (shown, and in JSON, from 1).
    #[serde(rename = "number", serialize_with = "from_one")]
    pub index: usize,
    #[serde(flatten)]
    pub rule: Rule,
}

impl SourcedRule {
    /// `edge-default #2 nginx:* 30m` — how the tables name a rule (numbered from 1, as the console
    /// and the JSON outputs do).
    pub fn label(&self) -> String {
        format!(
            "{} #{} {} {}",
            self.policy,
            self.index + 1,
            self.rule.image_name,
            crate::core::format::minutes(self.rule.delete_after_minutes)
        )
    }
}

/// A keep rule (§11) together with where it came from, in the order policies were saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcedKeep {
    pub policy: String,
    /// Position of the rule inside its policy's keep list (shown, and in JSON, from 1).
    #[serde(rename = "number", serialize_with = "from_one")]
    pub index: usize,
    pub image_name: String,
    /// Keeps the `last` most recently used references per repository; `None` keeps every match.
    pub last: Option<u64>,
}

impl SourcedKeep {
    /// `edge-default keep[0] myorg/* last 2` — how the tables and the console name a keep rule.
    pub fn label(&self) -> String {
        let last = self.last.map(|n| format!(" last {n}")).unwrap_or_default();
        format!(
            "{} keep #{} {}{last}",
            self.policy,
            self.index + 1,
            self.image_name
        )
    }
}

/// A 0-based position as every output numbers it: from 1.
fn from_one<S: serde::Serializer>(index: &usize, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(*index as u64 + 1)
}

/// Every applicable rule compiled once: removal rules, keep rules and the disk marks.
pub struct RuleBook {
    pub rules: Vec<SourcedRule>,
    pub keeps: Vec<SourcedKeep>,
    /// The lowest marks among the policies that set them.
    pub disk: Option<DiskMarks>,
    matcher: Matcher,
    keep_matcher: Matcher,
}

impl RuleBook {
    /// Removal rules only.
    pub fn new(rules: Vec<SourcedRule>) -> RuleBook {
        RuleBook::with_retention(rules, Vec::new(), None)
    }

    pub fn with_retention(
        rules: Vec<SourcedRule>,
        keeps: Vec<SourcedKeep>,
        disk: Option<DiskMarks>,
    ) -> RuleBook {
        let patterns: Vec<&str> = rules.iter().map(|r| r.rule.image_name.as_str()).collect();
        let matcher = Matcher::new(&patterns);
        let keep_patterns: Vec<&str> = keeps.iter().map(|k| k.image_name.as_str()).collect();
        let keep_matcher = Matcher::new(&keep_patterns);
        RuleBook {
            rules,
            keeps,
            disk,
            matcher,
            keep_matcher,
        }
    }

    pub fn empty() -> RuleBook {
        RuleBook::new(Vec::new())
    }

    /// Indices of the rules whose pattern matches the reference (`None` = dangling image).
    pub fn matching_into(&self, reference: Option<&str>, out: &mut Vec<usize>) {
        match reference {
            Some(name) => self.matcher.matches_into(name, out),
            None => self.matcher.matches_dangling(out),
        }
    }
}

/// What will happen to one reference, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RefState {
    InUse,
    Pinned,
    /// A keep rule matches it (§11): never removed, by a deadline or by disk pressure.
    Kept,
    NoRule,
    /// Rules match, but all are `agent_downloaded_only` and the image was not agent-downloaded.
    Spared,
    Scheduled,
    Postponed {
        until: Timestamp,
    },
    /// The deadline has passed and the guards allow it: the enforcer removes it now.
    Due,
    /// Due, but the enforcer is in `approve` mode and no operator has approved it yet.
    AwaitingApproval,
}

impl RefState {
    /// The stable machine name (`images --json`, previews): `in_use`, `awaiting_approval`, …
    pub fn name(self) -> &'static str {
        match self {
            RefState::InUse => "in_use",
            RefState::Pinned => "pinned",
            RefState::Kept => "kept",
            RefState::NoRule => "no_rule",
            RefState::Spared => "spared",
            RefState::Scheduled => "scheduled",
            RefState::Postponed { .. } => "postponed",
            RefState::Due => "due",
            RefState::AwaitingApproval => "awaiting_approval",
        }
    }

    /// The word an operator reads: `in use`, `awaiting approval`, …
    pub fn label(self) -> &'static str {
        match self {
            RefState::InUse => "in use",
            RefState::Pinned => "pinned",
            RefState::Kept => "kept",
            RefState::NoRule => "no rule",
            RefState::Spared => "spared",
            RefState::Scheduled => "scheduled",
            RefState::Postponed { .. } => "postponed",
            RefState::Due => "due",
            RefState::AwaitingApproval => "awaiting approval",
        }
    }
}

/// The plan for one reference of one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefPlan {
    /// Index into `Inventory::images`.
    pub image: usize,
    /// `None` for a dangling image.
    pub reference: Option<String>,
    #[serde(flatten)]
    pub state: RefState,
    /// When it will be removed (rule deadline, moved by postponement and guards).
    pub deadline: Option<Timestamp>,
    /// The rule that decides the deadline (most aggressive; ties to the first).
    pub winner: Option<usize>,
    /// Every rule whose pattern matches, applicable or not (shared between rows with the same).
    pub matching: RuleIndices,
    /// The keep rule that keeps it (index into `RuleBook::keeps`; the first in policy order).
    pub kept_by: Option<usize>,
    /// Set when disk pressure made it due before its deadline.
    pub pressure: Option<Pressure>,
    /// Names its image no longer carries that it is matched by (an image left without a tag).
    pub formerly: Vec<String>,
    /// Removing this reference removes the image (it is its last name) rather than untagging.
    pub removes_image: bool,
}

/// Why disk pressure made a reference due: usage against the marks when the plan was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pressure {
    pub used_percent: u8,
    pub high_percent: u8,
    pub low_percent: u8,
}

impl RefPlan {
    /// The name the engine and the store know this reference by.
    pub fn key(&self, inventory: &Inventory) -> String {
        reference_key(&inventory.images[self.image], self.reference.as_deref())
    }

    /// The state as an operator reads it, with disk pressure as its reason:
    /// `due (disk 91% ≥ 85%)`.
    pub fn state_text(&self) -> String {
        match self.pressure {
            Some(p) if matches!(self.state, RefState::Due | RefState::AwaitingApproval) => {
                format!(
                    "{} (disk {}% ≥ {}%)",
                    self.state.label(),
                    p.used_percent,
                    p.high_percent
                )
            }
            _ => self.state.label().to_string(),
        }
    }
}

/// Everything the plan is computed from.
pub struct PlanInput<'a> {
    pub inventory: &'a Inventory,
    pub rules: &'a RuleBook,
    pub records: &'a HashMap<String, ImageRecord>,
    pub overrides: &'a Overrides,
    pub guards: Guards,
    pub mode: Mode,
    pub now: Timestamp,
    /// Image ID -> names it carried and no longer carries (a moved tag), by which an image left
    /// without a tag is still matched (§11).
    pub former_names: &'a HashMap<String, Vec<String>>,
    /// The data root's filesystem, when it could be read; without it disk pressure is off.
    pub disk: Option<DiskUse>,
}

/// The record used for an image we have never stored: first seen now, not agent-downloaded.
/// That is the reading that keeps an image longest.
pub fn unseen_record(now: Timestamp) -> ImageRecord {
    ImageRecord {
        first_seen: now,
        last_used: now,
        pulled_at: None,
        agent_downloaded: false,
    }
}

pub fn plan(input: &PlanInput) -> Vec<RefPlan> {
    // Phase 1 decides every reference whose fate does not depend on others as it goes; the ones
    // a keep rule with `last` matches wait for their repository's ranking.
    let mut matched = matches::match_all(input);
    keep_last::keep(input, &mut matched);
    for (row, facts) in std::mem::take(&mut matched.deferred) {
        let record = &matched.records[matched.rows[row].image];
        matched.may_free[row] = settle(input, &mut matched.rows[row], &facts, record);
    }
    pressure::choose(
        input,
        &mut matched.rows,
        &matched.may_free,
        &matched.records,
    );
    matched.rows
}

/// Decides one row from what was matched: state, deadline and winner; returns whether disk
/// pressure may take it.
fn settle(
    input: &PlanInput,
    row: &mut RefPlan,
    facts: &matches::Facts,
    record: &ImageRecord,
) -> bool {
    let image = &input.inventory.images[row.image];
    // The store knows a reference by its name, or a dangling image by its ID.
    let key = row.reference.as_deref().unwrap_or(&image.id);
    let decision = decide(
        input,
        image,
        record,
        key,
        &row.formerly,
        facts,
        row.kept_by.is_some(),
        row.matching.is_empty(),
    );
    row.state = decision.state;
    row.deadline = decision.deadline;
    row.winner = decision.winner;
    decision.may_free
}

/// One reference's state, deadline and winning rule, and whether disk pressure may take it.
struct Decision {
    state: RefState,
    deadline: Option<Timestamp>,
    winner: Option<usize>,
    /// Scheduled, not postponed, and outside the guards: a disk-pressure candidate.
    may_free: bool,
}

#[allow(clippy::too_many_arguments)]
fn decide(
    input: &PlanInput,
    image: &Image,
    record: &ImageRecord,
    key: &str,
    formerly: &[String],
    facts: &matches::Facts,
    kept: bool,
    no_rule: bool,
) -> Decision {
    let winner = facts.winners[usize::from(record.agent_downloaded)];
    let idle_since = record.idle_since();
    let plain = |state, winner| Decision {
        state,
        deadline: None,
        winner,
        may_free: false,
    };
    if image.in_use() || idle_since.is_none() {
        return plain(RefState::InUse, winner);
    }
    if facts.pinned || input.overrides.pins.contains(key) || input.overrides.pins_image(&image.id) {
        return plain(RefState::Pinned, winner);
    }
    if kept {
        return plain(RefState::Kept, winner);
    }
    if no_rule {
        return plain(RefState::NoRule, None);
    }
    let Some(winner_index) = winner else {
        return plain(RefState::Spared, None);
    };
    let minutes = input.rules.rules[winner_index].rule.delete_after_minutes;
    let rule_deadline = add_minutes(idle_since.unwrap_or(record.first_seen), minutes);
    // A postponement stays with its image: under the name it was given for, or under a name the
    // image carried before (its tag moved on; §12).
    let postponed_until = std::iter::once(key)
        .chain(formerly.iter().map(String::as_str))
        .filter_map(|name| input.overrides.postponed_until(name, &image.id))
        .max();
    let allowed = earliest_allowed(&input.guards, record);
    let deadline = rule_deadline
        .max(postponed_until.unwrap_or(Timestamp::MIN))
        .max(allowed);
    let state = if deadline <= input.now {
        due_state(input, key, &image.id)
    } else {
        match postponed_until {
            Some(until) if until > rule_deadline => RefState::Postponed { until },
            _ => RefState::Scheduled,
        }
    };
    let postponed = postponed_until.is_some_and(|until| until > input.now);
    Decision {
        state,
        deadline: Some(deadline),
        winner: Some(winner_index),
        may_free: state == RefState::Scheduled && !postponed && allowed <= input.now,
    }
}

/// The most aggressive applicable rule; ties go to the first in policy order.
fn winning_rule(
    rules: &[SourcedRule],
    matching: &[usize],
    agent_downloaded: bool,
) -> Option<usize> {
    matching
        .iter()
        .copied()
        .filter(|&i| agent_downloaded || !rules[i].rule.agent_downloaded_only)
        .min_by_key(|&i| (rules[i].rule.delete_after_minutes, i))
}

fn due_state(input: &PlanInput, key: &str, image_id: &str) -> RefState {
    if input.mode == Mode::Approve && !input.overrides.approved(key, image_id) {
        RefState::AwaitingApproval
    } else {
        RefState::Due
    }
}

/// Nothing goes within the start-up delay nor within the minimum age of an image.
fn earliest_allowed(guards: &Guards, record: &ImageRecord) -> Timestamp {
    let arrived = record
        .pulled_at
        .unwrap_or(record.first_seen)
        .max(record.first_seen);
    guards
        .startup_until
        .max(arrived.saturating_add(guards.min_age_secs))
}

/// `time + minutes`, saturating: a rule of u64::MAX minutes means "never" in practice.
pub fn add_minutes(time: Timestamp, minutes: u64) -> Timestamp {
    let seconds = i64::try_from(minutes.saturating_mul(60)).unwrap_or(i64::MAX);
    time.saturating_add(seconds)
}
