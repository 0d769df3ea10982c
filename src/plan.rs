//! The removal plan: (inventory, rules, remembered state, overrides, guards, now) -> one state per
//! reference. Pure: no I/O, no clock; the caller passes `now`.

use crate::model::{
    Guards, Image, ImageRecord, Inventory, Mode, Overrides, Timestamp, reference_key,
};

use crate::policy::{Matcher, Rule};
use crate::rule_indices::{RuleIndices, RuleIndicesCache};
use serde::Serialize;
use std::collections::HashMap;

/// A rule together with where it came from, in the order policies were saved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedRule {
    pub policy: String,
    /// Position of the rule inside its policy's removal list.
    pub index: usize,
    #[serde(flatten)]
    pub rule: RuleView,
}

/// The serialisable face of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleView {
    pub image_name: String,
    pub delete_after_minutes: u64,
    pub agent_downloaded_only: bool,
}

impl From<&Rule> for RuleView {
    fn from(rule: &Rule) -> Self {
        RuleView {
            image_name: rule.image_name.clone(),
            delete_after_minutes: rule.delete_after_minutes,
            agent_downloaded_only: rule.agent_downloaded_only,
        }
    }
}

impl SourcedRule {
    /// `edge-default[1] nginx:* 30m` — how the console and the tables name a rule.
    pub fn label(&self) -> String {
        format!(
            "{}[{}] {} {}m",
            self.policy, self.index, self.rule.image_name, self.rule.delete_after_minutes
        )
    }
}

/// Every applicable rule compiled once.
pub struct RuleBook {
    pub rules: Vec<SourcedRule>,
    matcher: Matcher,
}

impl RuleBook {
    pub fn new(rules: Vec<SourcedRule>) -> RuleBook {
        let patterns: Vec<&str> = rules.iter().map(|r| r.rule.image_name.as_str()).collect();
        let matcher = Matcher::new(&patterns);
        RuleBook { rules, matcher }
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
    /// Removing this reference removes the image (it is its last name) rather than untagging.
    pub removes_image: bool,
}

impl RefPlan {
    /// The name the engine and the store know this reference by.
    pub fn key(&self, inventory: &Inventory) -> String {
        reference_key(&inventory.images[self.image], self.reference.as_deref())
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
    let mut rows = Vec::with_capacity(input.inventory.images.len() * 2);
    let mut matching = Vec::new();
    let mut shared = RuleIndicesCache::default();
    for (index, image) in input.inventory.images.iter().enumerate() {
        let record = input
            .records
            .get(&image.id)
            .copied()
            .unwrap_or_else(|| unseen_record(input.now));
        let dangling = [None];
        let named = image.references.iter().map(|r| Some(r.as_str()));
        let names: &mut dyn Iterator<Item = Option<&str>> = if image.is_dangling() {
            &mut dangling.into_iter()
        } else {
            &mut named.into_iter()
        };
        let removes_image = image.references.len() <= 1;
        // An operator's `adopt` / `disown` overrides what the enforcer observed.
        let record = ImageRecord {
            agent_downloaded: input
                .overrides
                .ownership
                .get(&image.id)
                .copied()
                .unwrap_or(record.agent_downloaded),
            ..record
        };
        for name in names {
            input.rules.matching_into(name, &mut matching);
            // The store knows a reference by its name, or a dangling image by its ID.
            let key = name.unwrap_or(&image.id);
            let (state, deadline, winner) = decide(input, image, &record, key, &matching);
            rows.push(RefPlan {
                image: index,
                reference: name.map(str::to_string),
                state,
                deadline,
                winner,
                matching: shared.share(&matching),
                removes_image,
            });
        }
    }
    rows
}

fn decide(
    input: &PlanInput,
    image: &Image,
    record: &ImageRecord,
    key: &str,
    matching: &[usize],
) -> (RefState, Option<Timestamp>, Option<usize>) {
    let winner = winning_rule(&input.rules.rules, matching, record.agent_downloaded);
    let idle_since = record.idle_since();
    if image.in_use() || idle_since.is_none() {
        return (RefState::InUse, None, winner);
    }
    if input.overrides.pins.contains(key) {
        return (RefState::Pinned, None, winner);
    }
    if matching.is_empty() {
        return (RefState::NoRule, None, None);
    }
    let Some(winner_index) = winner else {
        return (RefState::Spared, None, None);
    };
    let minutes = input.rules.rules[winner_index].rule.delete_after_minutes;
    let rule_deadline = add_minutes(idle_since.unwrap_or(record.first_seen), minutes);
    let postponed_until = input.overrides.postponed_until(key, &image.id);
    let deadline = rule_deadline
        .max(postponed_until.unwrap_or(Timestamp::MIN))
        .max(earliest_allowed(&input.guards, record));
    let state = if deadline <= input.now {
        due_state(input, key, &image.id)
    } else {
        match postponed_until {
            Some(until) if until > rule_deadline => RefState::Postponed { until },
            _ => RefState::Scheduled,
        }
    };
    (state, Some(deadline), Some(winner_index))
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
