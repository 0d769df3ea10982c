//! The retention plan of one repository (§15): each tag kept or deleted, and why; a manifest
//! deleted only when none of its tags is kept (deleting a manifest deletes every tag on it).

use super::document::{Category, Order, RepositoryRule};
use super::glob::matches;
use super::order::{natural_cmp, semver_key};
use crate::core::model::Timestamp;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Digests that must stay whatever the policy says, each with who still holds it (a fleet's
/// nodes; empty when unnamed).
pub type Held = BTreeMap<String, Vec<String>>;

/// What the registry says about one tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagFacts {
    pub tag: String,
    /// The manifest digest the tag points at.
    pub digest: String,
    /// The image config's `created`, when it was read (only policies with dates read it).
    pub created: Option<Timestamp>,
}

/// One tag's fate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagDecision {
    pub tag: String,
    pub digest: String,
    /// The category it belongs to, if any.
    pub category: Option<String>,
    pub keep: bool,
    pub reason: String,
}

/// A manifest to delete, with every tag that goes with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deletion {
    pub digest: String,
    pub tags: Vec<String>,
}

/// The plan of one repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepositoryPlan {
    pub repository: String,
    /// In the order of the tag list.
    pub tags: Vec<TagDecision>,
    pub deletions: Vec<Deletion>,
}

/// Plans one repository at `now`. `held` are digests that must stay whatever the policy says
/// (digests still in use elsewhere, such as on the nodes of a fleet); they are kept and said so.
pub fn plan_repository(
    rule: &RepositoryRule,
    repository: &str,
    tags: &[TagFacts],
    now: Timestamp,
    held: &Held,
) -> RepositoryPlan {
    let mut decisions: Vec<TagDecision> = tags
        .iter()
        .map(|facts| TagDecision {
            tag: facts.tag.clone(),
            digest: facts.digest.clone(),
            category: None,
            keep: true,
            reason: String::new(),
        })
        .collect();
    // Tag indices of each category's members, in category order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rule.categories.len()];
    for (i, facts) in tags.iter().enumerate() {
        if let Some(pattern) = rule.keep.iter().find(|k| matches(k, &facts.tag)) {
            decisions[i].reason = if *pattern == facts.tag {
                "listed in `keep`".to_string()
            } else {
                format!("matches `{pattern}` in `keep`")
            };
        } else if let Some(c) = rule
            .categories
            .iter()
            .position(|c| matches(&c.tags, &facts.tag))
        {
            decisions[i].category = Some(rule.categories[c].name.clone());
            members[c].push(i);
        } else {
            decisions[i].reason = "in no category".to_string();
        }
    }
    for (category, members) in rule.categories.iter().zip(&members) {
        decide_category(category, members, tags, now, &mut decisions);
    }
    share_kept_manifests(&mut decisions, held);
    let mut deletions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for decision in decisions.iter().filter(|d| !d.keep) {
        deletions
            .entry(&decision.digest)
            .or_default()
            .push(decision.tag.clone());
    }
    let deletions = deletions
        .into_iter()
        .map(|(digest, tags)| Deletion {
            digest: digest.to_string(),
            tags,
        })
        .collect();
    RepositoryPlan {
        repository: repository.to_string(),
        tags: decisions,
        deletions,
    }
}

/// Ranks a category's tags newest first and keeps the `last` newest and those younger than
/// `max_age_days` (either keeps a tag); with neither, it keeps all. A tag that cannot be
/// placed in the order (no date, not a version) is kept, and said so.
fn decide_category(
    category: &Category,
    members: &[usize],
    tags: &[TagFacts],
    now: Timestamp,
    decisions: &mut [TagDecision],
) {
    let name = &category.name;
    if category.last.is_none() && category.max_age_days.is_none() {
        for &i in members {
            decisions[i].reason = format!("{name}: the category keeps every tag");
        }
        return;
    }
    let mut ranked: Vec<usize> = Vec::with_capacity(members.len());
    for &i in members {
        let unplaced = match category.order {
            Order::Created => tags[i]
                .created
                .is_none()
                .then_some("its creation date is unknown"),
            Order::Semver => semver_key(&tags[i].tag)
                .is_none()
                .then_some("it is not a version"),
            Order::Tag => None,
        };
        let undated = category.max_age_days.is_some() && tags[i].created.is_none();
        match unplaced.or(undated.then_some("its creation date is unknown")) {
            Some(why) => decisions[i].reason = format!("{name}: kept because {why}"),
            None => ranked.push(i),
        }
    }
    ranked.sort_by(|&a, &b| newer_first(category.order, &tags[a], &tags[b]));
    let count = ranked.len();
    for (position, &i) in ranked.iter().enumerate() {
        let nth = position + 1;
        let among_last = category.last.map(|last| (nth as u64) <= last);
        let young = category.max_age_days.and_then(|days| {
            let age = now.saturating_sub(tags[i].created?);
            Some((age < days.saturating_mul(86_400) as i64, age / 86_400, days))
        });
        let by_rank = category.last.map(|last| {
            format!(
                "{} newest of {count}, {} the last {last}",
                ordinal(nth),
                if among_last == Some(true) {
                    "within"
                } else {
                    "beyond"
                }
            )
        });
        let by_age = young.map(|(young, age, days)| {
            format!(
                "{age} day{} old, {} {days} days",
                if age == 1 { "" } else { "s" },
                if young { "within" } else { "beyond" }
            )
        });
        let keep = among_last == Some(true) || young.is_some_and(|(young, _, _)| young);
        let why: Vec<String> = by_rank.into_iter().chain(by_age).collect();
        decisions[i].keep = keep;
        decisions[i].reason = format!("{name}: {}", why.join(", "));
    }
}

/// Newest first; ties (the same date or version) by natural order, newest first too.
fn newer_first(order: Order, a: &TagFacts, b: &TagFacts) -> Ordering {
    let by_order = match order {
        Order::Created => b.created.cmp(&a.created),
        Order::Semver => semver_key(&b.tag).cmp(&semver_key(&a.tag)),
        Order::Tag => Ordering::Equal,
    };
    by_order.then_with(|| natural_cmp(&b.tag, &a.tag))
}

/// A tag that would go stays when its manifest is kept (another tag on it is kept, or it is
/// held): only whole manifests are deleted.
fn share_kept_manifests(decisions: &mut [TagDecision], held: &Held) {
    let mut kept_by: BTreeMap<String, String> = BTreeMap::new();
    for decision in decisions.iter().filter(|d| d.keep) {
        kept_by
            .entry(decision.digest.clone())
            .or_insert_with(|| decision.tag.clone());
    }
    for decision in decisions.iter_mut().filter(|d| !d.keep) {
        if let Some(other) = kept_by.get(&decision.digest) {
            decision.keep = true;
            decision.reason = format!(
                "{}; but its manifest is also tagged `{other}`, which is kept",
                decision.reason
            );
        } else if let Some(holders) = held.get(&decision.digest) {
            decision.keep = true;
            decision.reason = if holders.is_empty() {
                format!("{}; but its manifest is still held", decision.reason)
            } else {
                format!(
                    "{}; but its manifest is still held on {}",
                    decision.reason,
                    holders.join(", ")
                )
            };
        }
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_000 * DAY;

    fn category(
        name: &str,
        tags: &str,
        order: Order,
        last: Option<u64>,
        age: Option<u64>,
    ) -> Category {
        Category {
            name: name.into(),
            tags: tags.into(),
            order,
            last,
            max_age_days: age,
        }
    }

    fn facts(tag: &str, digest: &str, age_days: Option<i64>) -> TagFacts {
        TagFacts {
            tag: tag.into(),
            digest: digest.into(),
            created: age_days.map(|d| NOW - d * DAY),
        }
    }

    fn kept(plan: &RepositoryPlan) -> Vec<&str> {
        plan.tags
            .iter()
            .filter(|d| d.keep)
            .map(|d| d.tag.as_str())
            .collect()
    }

    #[test]
    fn weekly_last_two_in_natural_order_and_shared_manifests_stay() {
        let rule = RepositoryRule {
            repository: "lab".into(),
            keep: vec!["latest".into()],
            categories: vec![
                category("weekly", "w_*", Order::Tag, Some(2), None),
                category("daily", "d_*", Order::Tag, Some(1), None),
            ],
        };
        let tags = [
            facts("w_2024_9", "sha256:w9", None),
            facts("w_2024_10", "sha256:w10", None),
            facts("w_2024_8", "sha256:w8", None),
            facts("d_2024_03_01", "sha256:d1", None),
            facts("d_2024_03_02", "sha256:d2", None),
            facts("latest", "sha256:d1", None),
            facts("other", "sha256:o", None),
        ];
        let plan = plan_repository(&rule, "lab", &tags, NOW, &Held::new());
        assert_eq!(
            kept(&plan),
            [
                "w_2024_9",
                "w_2024_10",
                "d_2024_03_01",
                "d_2024_03_02",
                "latest",
                "other"
            ]
        );
        assert_eq!(
            plan.deletions,
            [Deletion {
                digest: "sha256:w8".into(),
                tags: vec!["w_2024_8".into()]
            }]
        );
        let d1 = &plan.tags[3];
        assert!(d1.reason.contains("also tagged `latest`"), "{}", d1.reason);
        assert_eq!(plan.tags[6].reason, "in no category");
    }

    #[test]
    fn either_last_or_age_keeps_and_unknowns_are_kept() {
        let rule = RepositoryRule {
            repository: "r".into(),
            keep: vec![],
            categories: vec![
                category("release", "r*", Order::Semver, Some(1), Some(30)),
                category("exp", "exp_*", Order::Created, None, Some(10)),
            ],
        };
        let tags = [
            facts("r1.0.0", "sha256:a", Some(100)),
            facts("r1.1.0", "sha256:b", Some(50)),
            facts("r1.0.1", "sha256:c", Some(5)),
            facts("rnext", "sha256:d", Some(500)),
            facts("exp_1", "sha256:e", Some(11)),
            facts("exp_2", "sha256:f", Some(9)),
            facts("exp_3", "sha256:g", None),
        ];
        let plan = plan_repository(&rule, "r", &tags, NOW, &Held::new());
        assert_eq!(kept(&plan), ["r1.1.0", "r1.0.1", "rnext", "exp_2", "exp_3"]);
        assert_eq!(
            plan.tags[0].reason,
            "release: 3rd newest of 3, beyond the last 1, 100 days old, beyond 30 days"
        );
        assert!(plan.tags[3].reason.contains("not a version"));
        assert!(plan.tags[6].reason.contains("creation date is unknown"));
    }

    #[test]
    fn held_digests_are_never_deleted() {
        let rule = RepositoryRule {
            repository: "r".into(),
            keep: vec![],
            categories: vec![category("all", "*", Order::Tag, Some(1), None)],
        };
        let tags = [facts("1", "sha256:a", None), facts("2", "sha256:b", None)];
        let held: Held = [("sha256:a".to_string(), vec!["node-a".to_string()])].into();
        let plan = plan_repository(&rule, "r", &tags, NOW, &held);
        assert!(plan.deletions.is_empty());
        assert!(plan.tags[0].reason.ends_with("still held on node-a"));
    }
}
