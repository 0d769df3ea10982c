//! What saving a policy would change: compare the plan before and after. Pure.

use crate::core::model::{Inventory, Timestamp};
use crate::core::plan::{PlanInput, Pressure, RefPlan, RefState, RuleBook, plan};
use crate::core::policy::PolicyDocument;
use crate::core::saved::{StoredPolicy, rule_book_of};
use crate::core::snapshot::Snapshot;
use serde::Serialize;

/// One reference whose fate changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub reference: String,
    pub before: &'static str,
    pub after: &'static str,
    pub deadline_after: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// References the previewed rules match.
    pub matched: usize,
    /// References with no deadline before and one after.
    pub newly_scheduled: usize,
    /// References with a deadline before and none after.
    pub newly_spared: usize,
    /// Bytes the whole node frees after saving (images all of whose names go, approvals not
    /// included) within the next hour and day.
    pub bytes_within_hour: u64,
    pub bytes_within_day: u64,
    /// When the disk is at or above the high mark after saving: what disk pressure frees now.
    pub disk_pressure: Option<PressureSummary>,
    pub changes: Vec<Change>,
}

/// What disk pressure would do right after saving (§11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PressureSummary {
    #[serde(flatten)]
    pub marks: Pressure,
    /// References it makes due now, before their deadline.
    pub references: usize,
    /// Bytes of the images that go with them.
    pub bytes_now: u64,
}

impl PressureSummary {
    /// `disk 91% ≥ 85%: saving frees 96 MB now (4 references), toward 75%`.
    pub fn sentence(&self) -> String {
        format!(
            "disk {}% ≥ {}%: saving frees {} now ({} reference{}), toward {}%",
            self.marks.used_percent,
            self.marks.high_percent,
            crate::core::format::bytes(self.bytes_now),
            self.references,
            if self.references == 1 { "" } else { "s" },
            self.marks.low_percent
        )
    }
}

/// What goes within a while: the references due now or by then (approvals not included: they
/// wait for an operator), and the bytes of the images all of whose names are among them. The
/// one computation behind the console's header and every preview.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Going {
    pub references: usize,
    pub bytes: u64,
}

pub fn going_within(
    inventory: &Inventory,
    rows: &[RefPlan],
    now: Timestamp,
    seconds: i64,
) -> Going {
    let mut names_going = vec![0usize; inventory.images.len()];
    let mut going = Going::default();
    for row in rows {
        let goes = match row.state {
            RefState::Due => true,
            RefState::Scheduled | RefState::Postponed { .. } => row
                .deadline
                .is_some_and(|d| d <= now.saturating_add(seconds)),
            _ => false,
        };
        if goes {
            going.references += 1;
            names_going[row.image] += 1;
        }
    }
    going.bytes = inventory
        .images
        .iter()
        .zip(&names_going)
        .filter(|(image, names)| **names > 0 && image.references.len().max(1) == **names)
        .map(|(image, _)| image.size)
        .sum();
    going
}

/// What disk pressure makes due in a plan: the references, and the bytes of the images none of
/// whose references stays.
pub fn pressure_summary(inventory: &Inventory, rows: &[RefPlan]) -> Option<PressureSummary> {
    let marks = rows.iter().find_map(|row| row.pressure)?;
    let going = |row: &RefPlan| matches!(row.state, RefState::Due | RefState::AwaitingApproval);
    let mut staying = vec![0usize; inventory.images.len()];
    for row in rows.iter().filter(|row| !going(row)) {
        staying[row.image] += 1;
    }
    let mut freed = vec![false; inventory.images.len()];
    let mut summary = PressureSummary {
        marks,
        references: 0,
        bytes_now: 0,
    };
    for row in rows.iter().filter(|row| row.pressure.is_some()) {
        summary.references += 1;
        if staying[row.image] == 0 && !freed[row.image] {
            freed[row.image] = true;
            summary.bytes_now += inventory.images[row.image].size;
        }
    }
    Some(summary)
}

/// The saved policies as they would be with `document` saved under `name` (replacing a policy
/// of that name in its place, or appended after the others).
pub fn policies_with(
    saved: &[StoredPolicy],
    name: &str,
    document: &PolicyDocument,
    now: Timestamp,
) -> Vec<StoredPolicy> {
    let edited = StoredPolicy {
        name: name.to_string(),
        document: document.clone(),
        saved_at: now,
        version: 0,
    };
    let mut policies: Vec<StoredPolicy> = saved.to_vec();
    match policies.iter_mut().find(|p| p.name == name) {
        Some(slot) => *slot = edited,
        None => policies.push(edited),
    }
    policies
}

/// Compares two plans of the same inventory (rows in the same order).
pub fn compare(
    inventory: &Inventory,
    before: &[RefPlan],
    after: &[RefPlan],
    matched_by_preview: impl Fn(&RefPlan) -> bool,
    now: Timestamp,
) -> Summary {
    let mut summary = Summary {
        bytes_within_hour: going_within(inventory, after, now, 3_600).bytes,
        bytes_within_day: going_within(inventory, after, now, 86_400).bytes,
        ..Summary::default()
    };
    for (old, new) in before.iter().zip(after) {
        if matched_by_preview(new) {
            summary.matched += 1;
        }
        match (old.deadline.is_some(), new.deadline.is_some()) {
            (false, true) => summary.newly_scheduled += 1,
            (true, false) => summary.newly_spared += 1,
            _ if old.state == new.state && old.deadline == new.deadline => continue,
            _ => {}
        }
        summary.changes.push(Change {
            reference: new.key(inventory),
            before: old.state.name(),
            after: new.state.name(),
            deadline_after: new.deadline,
        });
    }
    summary
}

/// Whether a plan row is scheduled for removal in some form.
pub fn has_deadline(state: RefState) -> bool {
    matches!(
        state,
        RefState::Scheduled
            | RefState::Postponed { .. }
            | RefState::Due
            | RefState::AwaitingApproval
    )
}

/// The plan as it would be with `document` saved under `name`, and what would change.
pub struct SavePreview {
    pub rules: RuleBook,
    pub after: Vec<RefPlan>,
    pub summary: Summary,
}

impl SavePreview {
    /// Whether a row is matched by a rule of the previewed policy, or kept by one.
    pub fn matched_by_policy(&self, row: &RefPlan, name: &str) -> bool {
        matched_by(&self.rules, row, name)
    }
}

fn matched_by(rules: &RuleBook, row: &RefPlan, name: &str) -> bool {
    row.matching.iter().any(|&i| rules.rules[i].policy == name)
        || row.kept_by.is_some_and(|k| rules.keeps[k].policy == name)
}

pub fn preview_save(snapshot: &Snapshot, name: &str, document: &PolicyDocument) -> SavePreview {
    let now = snapshot.now;
    let policies = policies_with(&snapshot.policies, name, document, now);
    let rules = rule_book_of(&policies, &snapshot.node, now);
    let after = plan(&PlanInput {
        inventory: &snapshot.inventory,
        rules: &rules,
        records: &snapshot.records,
        overrides: &snapshot.overrides,
        guards: snapshot.guards,
        mode: snapshot.settings.mode,
        now,
        former_names: &snapshot.former_names,
        disk: snapshot.disk.usage(),
    });
    let mut summary = compare(
        &snapshot.inventory,
        &snapshot.rows,
        &after,
        |row| matched_by(&rules, row, name),
        now,
    );
    summary.disk_pressure = pressure_summary(&snapshot.inventory, &after);
    SavePreview {
        rules,
        after,
        summary,
    }
}
