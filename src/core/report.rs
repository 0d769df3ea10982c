//! The per-reference report shared by `images --json`, the tables and the console: one flat,
//! documented record per reference. Pure.

use crate::core::format::rfc3339;
use crate::core::model::{Container, Timestamp};
use crate::core::plan::{Pressure, RefPlan, RefState, SourcedKeep, SourcedRule};
use crate::core::snapshot::Snapshot;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceReport {
    /// `repo:tag`, `repo@sha256:…`, or the image ID for a dangling image.
    pub reference: String,
    pub dangling: bool,
    pub image_id: String,
    pub size: u64,
    /// in_use, pinned, kept, no_rule, spared, scheduled, postponed, due, awaiting_approval
    pub state: &'static str,
    /// The keep rule that keeps it (state `kept`).
    pub kept_by: Option<SourcedKeep>,
    /// Set when disk pressure made it due before its deadline: usage and the marks.
    pub disk_pressure: Option<Pressure>,
    /// Names its image carried before (a moved tag) that still match rules to it.
    pub former_names: Vec<String>,
    pub containers: Vec<Container>,
    /// Local images built on this one: it is in use by them (the engine will not delete it).
    pub child_images: Vec<String>,
    /// RFC 3339, or null while in use.
    pub last_used: Option<String>,
    pub first_seen: Option<String>,
    pub agent_downloaded: bool,
    pub matching_rules: Vec<SourcedRule>,
    pub winning_rule: Option<SourcedRule>,
    /// RFC 3339 time of removal, or null when none is planned.
    pub deadline: Option<String>,
    pub deadline_unix: Option<Timestamp>,
    pub postponed_until: Option<String>,
    /// true: removing this reference removes the image and frees `size`; false: only untags.
    pub removes_image: bool,
}

pub fn report(snapshot: &Snapshot, row: &RefPlan) -> ReferenceReport {
    let image = &snapshot.inventory.images[row.image];
    let record = snapshot.records.get(&image.id);
    let rule = |i: &usize| snapshot.rules.rules[*i].clone();
    ReferenceReport {
        reference: row.key(&snapshot.inventory),
        dangling: row.reference.is_none(),
        image_id: image.id.clone(),
        size: image.size,
        state: row.state.name(),
        kept_by: row.kept_by.map(|k| snapshot.rules.keeps[k].clone()),
        disk_pressure: row.pressure,
        former_names: row.formerly.clone(),
        containers: image.containers.clone(),
        child_images: image.children.clone(),
        last_used: record.and_then(|r| r.idle_since()).map(rfc3339),
        first_seen: record.map(|r| rfc3339(r.first_seen)),
        agent_downloaded: snapshot.agent_downloaded(&image.id),
        matching_rules: row.matching.iter().map(rule).collect(),
        winning_rule: row.winner.as_ref().map(rule),
        deadline: row.deadline.map(rfc3339),
        deadline_unix: row.deadline,
        postponed_until: match row.state {
            RefState::Postponed { until } => Some(rfc3339(until)),
            _ => None,
        },
        removes_image: row.removes_image,
    }
}

pub fn reports(snapshot: &Snapshot) -> Vec<ReferenceReport> {
    snapshot
        .rows
        .iter()
        .map(|row| report(snapshot, row))
        .collect()
}

/// `policy preview FILE --json`, and the fleet's per-node preview (`rpc` `preview`): what
/// `document` saved as `name` would match here, where it is placed, and what saving would change.
/// The format is `assets/schema/policy-preview.schema.json`.
pub fn preview_report(
    snapshot: &Snapshot,
    name: &str,
    document: &crate::core::policy::PolicyDocument,
) -> serde_json::Value {
    let preview = crate::core::preview::preview_save(snapshot, name, document);
    let placement = crate::core::saved::StoredPolicy {
        name: name.to_string(),
        document: document.clone(),
        saved_at: snapshot.now,
        version: 0,
    }
    .placement(&snapshot.node);
    let rules = &preview.rules;
    let references: Vec<serde_json::Value> = preview
        .after
        .iter()
        .filter(|row| preview.matched_by_policy(row, name))
        .map(|row| {
            serde_json::json!({
                "reference": row.key(&snapshot.inventory),
                "state": row.state.name(),
                "kept_by": row.kept_by.map(|k| rules.keeps[k].clone()),
                "disk_pressure": row.pressure,
                "deadline": row.deadline.map(rfc3339),
                "winning_rule": row.winner.map(|i| rules.rules[i].clone()),
                "size": snapshot.inventory.images[row.image].size,
                "removes_image": row.removes_image,
            })
        })
        .collect();
    serde_json::json!({
        "policy": name,
        "placed": placement.is_placed(),
        "placement": placement.to_string(),
        "summary": preview.summary,
        "references": references,
    })
}
