//! Phase 2, keep: which references each keep rule keeps. Without `last`, every match; with
//! `last: N`, the N most recently used images in each repository among its matches (in use counts
//! as now; never used counts from when it was pulled or first seen), with all their references
//! in that repository. References of one image count once: they are one version.

use super::PlanInput;
use super::matches::Matched;
use crate::core::model::{ImageRecord, Timestamp};
use crate::core::policy::{qualified_form, repository_of};
use std::collections::HashMap;

/// Sets `kept_by` of the rows keep rules with `last` keep (the first keep rule, in policy order,
/// that keeps a row is its reason).
pub(super) fn keep(input: &PlanInput, matched: &mut Matched) {
    if matched.last_hits.is_empty() {
        return;
    }
    let keeps = &input.rules.keeps;
    // (keep rule, repository) -> rows it matches there.
    let mut groups: HashMap<(usize, String), Vec<usize>> = HashMap::new();
    for &(row, rule) in &matched.last_hits {
        groups
            .entry((rule, repository_key(&matched.rows[row])))
            .or_default()
            .push(row);
    }
    for ((rule, _), rows) in groups {
        let last = keeps[rule].last.unwrap_or(u64::MAX);
        let mut images: Vec<usize> = rows.iter().map(|&row| matched.rows[row].image).collect();
        images.sort_unstable();
        images.dedup();
        // Most recently used first; ties go to the newer image, then the inventory order.
        images.sort_by_key(|&image| {
            (
                std::cmp::Reverse(recency(input, &matched.records, image)),
                std::cmp::Reverse(input.inventory.images[image].created),
                image,
            )
        });
        let newest = &images[..images
            .len()
            .min(usize::try_from(last).unwrap_or(usize::MAX))];
        for &row in &rows {
            let plan = &mut matched.rows[row];
            if newest.contains(&plan.image) {
                plan.kept_by = Some(plan.kept_by.map_or(rule, |k| k.min(rule)));
            }
        }
    }
}

/// When an image was last used: now while in use, else its last use (for an image never used,
/// when it was pulled or first seen, which is what its record holds then).
pub(super) fn recency(input: &PlanInput, records: &[ImageRecord], image: usize) -> Timestamp {
    let record = &records[image];
    match record.idle_since() {
        Some(at) if !input.inventory.images[image].in_use() => at,
        _ => input.now,
    }
}

/// The repository a reference belongs to, in qualified form: of its name, else of the first name
/// its image carried before; dangling images without one share the empty repository.
fn repository_key(row: &super::RefPlan) -> String {
    let name = row
        .reference
        .as_deref()
        .or_else(|| row.formerly.first().map(String::as_str));
    name.map_or_else(String::new, |name| qualified_form(repository_of(name)))
}
