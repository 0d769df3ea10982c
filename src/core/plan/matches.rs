//! Phase 1, match: every reference's names against the removal rules, the keep rules and the pins.
//!
//! Most references match the same few patterns, so a reference's matching removal rules are
//! looked up by the set of pattern groups it matched: the list of rule indices and the winning
//! rule are computed once per distinct set and shared (`RuleIndices`), not once per reference.

use super::{PlanInput, RefPlan, RefState, winning_rule};
use crate::core::model::{Image, ImageRecord};
use crate::core::policy::{Matcher, Scratch, qualified_form, repository_of};
use crate::core::rule_indices::RuleIndices;

/// What phase 2 needs about one reference besides its row.
pub(super) struct Facts {
    /// The winning removal rule for an image that is not / is agent-downloaded.
    pub winners: [Option<usize>; 2],
    /// A pin matches one of its current names.
    pub pinned: bool,
}

/// The result of phase 1.
pub(super) struct Matched {
    /// One row per reference, in inventory order, decided unless deferred.
    pub rows: Vec<RefPlan>,
    /// Per row: a disk-pressure candidate.
    pub may_free: Vec<bool>,
    /// Rows a keep rule with `last` matches: decided once keep-last has ranked their repository.
    pub deferred: Vec<(usize, Facts)>,
    /// (row, keep rule) for every keep rule with `last` that matches a row.
    pub last_hits: Vec<(usize, usize)>,
    /// Per image (inventory order): the stored record, or the one an unseen image gets.
    pub records: Vec<ImageRecord>,
}

/// A set of matched removal rules, with its winners.
#[derive(Clone)]
struct MatchSet {
    rules: RuleIndices,
    winners: [Option<usize>; 2],
}

pub(super) fn match_all(input: &PlanInput) -> Matched {
    let images = &input.inventory.images;
    let rows_expected = images.iter().map(|i| i.references.len().max(1)).sum();
    let mut matched = Matched {
        rows: Vec::with_capacity(rows_expected),
        may_free: Vec::with_capacity(rows_expected),
        deferred: Vec::new(),
        last_hits: Vec::new(),
        records: Vec::with_capacity(images.len()),
    };
    let book = input.rules;
    let pins = (!input.overrides.pins.is_empty()).then(|| {
        let patterns: Vec<&str> = input.overrides.pins.iter().map(String::as_str).collect();
        Matcher::new(&patterns)
    });
    let mut sets: foldhash::HashMap<Box<[u32]>, MatchSet> = foldhash::HashMap::default();
    let mut scratch = Scratch::default();
    let mut groups: Vec<u32> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut indices: Vec<usize> = Vec::new();
    // All record lookups first, in a tight loop: each one is a likely cache miss in a large
    // map, and independent lookups let the processor overlap them.
    matched.records.extend(images.iter().map(|image| {
        let record = input
            .records
            .get(&image.id)
            .copied()
            .unwrap_or_else(|| super::unseen_record(input.now));
        // An operator's `adopt` / `disown` overrides what the enforcer observed.
        match input.overrides.ownership.get(&image.id) {
            Some(&agent_downloaded) => ImageRecord {
                agent_downloaded,
                ..record
            },
            None => record,
        }
    }));
    for (index, image) in images.iter().enumerate() {
        let former = former_names(input, image);
        let removes_image = image.references.len() <= 1;
        // A dangling image is one row, without a name.
        for position in 0..image.references.len().max(1) {
            let name = image.references.get(position).map(String::as_str);
            // The names besides its own: digest names now, then former names.
            names.clear();
            if let Some(name) = name {
                digest_names(image, name, &mut names);
                // On Podman, `localhost/app:1` is what `app:1` made here is called (§3).
                if input.inventory.podman
                    && let Some(local) = name.strip_prefix("localhost/")
                {
                    names.push(local.to_string());
                }
            }
            let current = names.len();
            names.extend(former.iter().cloned());

            groups.clear();
            match name {
                Some(name) => book.matcher.groups_into(name, &mut scratch, &mut groups),
                None => groups.extend_from_slice(book.matcher.dangling_groups()),
            }
            for extra in &names {
                book.matcher.groups_into(extra, &mut scratch, &mut groups);
            }
            groups.sort_unstable();
            groups.dedup();
            let set = match sets.get(groups.as_slice()) {
                Some(set) => set.clone(),
                None => {
                    book.matcher.expand(&groups, &mut indices);
                    let set = MatchSet {
                        winners: [
                            winning_rule(&book.rules, &indices, false),
                            winning_rule(&book.rules, &indices, true),
                        ],
                        rules: RuleIndices::from(indices.clone()),
                    };
                    sets.insert(groups.as_slice().into(), set.clone());
                    set
                }
            };

            let row = matched.rows.len();
            // The first keep rule without `last` that matches keeps it outright; one with `last`
            // makes it wait for the ranking of its repository.
            let mut kept_by = None;
            let mut ranked = false;
            // Keep rules keep what a tag carries now: a row with a tag is matched by it and its
            // digest names, never by former names; a row without a tag is not a version (§11).
            let tag = name.filter(|name| !name.contains('@'));
            if let Some(tag) = tag.filter(|_| !book.keeps.is_empty()) {
                keep_matches(
                    &book.keep_matcher,
                    tag,
                    &names[..current],
                    &mut scratch,
                    &mut groups,
                );
                book.keep_matcher.expand(&groups, &mut indices);
                for &k in &indices {
                    match book.keeps[k].last {
                        None => kept_by = kept_by.or(Some(k)),
                        Some(_) => {
                            ranked = true;
                            matched.last_hits.push((row, k));
                        }
                    }
                }
            }
            // A pin follows the name (§12): only names the image carries now.
            let pinned = pins.as_ref().is_some_and(|pins| {
                groups.clear();
                for name in name
                    .into_iter()
                    .chain(names[..current].iter().map(String::as_str))
                {
                    pins.groups_into(name, &mut scratch, &mut groups);
                }
                !groups.is_empty()
            });
            let facts = Facts {
                winners: set.winners,
                pinned,
            };
            let mut plan = RefPlan {
                image: index,
                reference: name.map(str::to_string),
                state: RefState::NoRule,
                deadline: None,
                winner: None,
                matching: set.rules,
                kept_by,
                pressure: None,
                formerly: former.clone(),
                removes_image,
            };
            if ranked {
                matched.deferred.push((row, facts));
                matched.may_free.push(false);
            } else {
                let record = &matched.records[index];
                matched
                    .may_free
                    .push(super::settle(input, &mut plan, &facts, record));
            }
            matched.rows.push(plan);
        }
    }
    matched
}

/// The names a reference carries now: its own and, for a tag, the digest names of its
/// repository (`repo@sha256:…`, `repo:tag@sha256:…`). What pins and the commands match.
pub fn current_names(image: &Image, reference: &str) -> Vec<String> {
    let mut names = vec![reference.to_string()];
    digest_names(image, reference, &mut names);
    names
}

/// The former names an image is matched by: only when it has no tag left (its name moved on).
fn former_names(input: &PlanInput, image: &Image) -> Vec<String> {
    match input.former_names.get(&image.id) {
        Some(names) if image.references.iter().all(|r| r.contains('@')) => names.clone(),
        _ => Vec::new(),
    }
}

/// For a tag `repo:tag`, the digest names of `repo` the image carries: `repo@sha256:…` and
/// `repo:tag@sha256:…`, so that a rule or pin naming the digest reaches the tag.
fn digest_names(image: &Image, name: &str, out: &mut Vec<String>) {
    if image.repo_digests.is_empty() || name.contains('@') {
        return;
    }
    let repository = qualified_form(repository_of(name));
    for digest_name in &image.repo_digests {
        let Some((digest_repository, digest)) = digest_name.split_once('@') else {
            continue;
        };
        if qualified_form(digest_repository) == repository {
            out.push(digest_name.clone());
            out.push(format!("{name}@{digest}"));
        }
    }
}

/// The keep-rule groups of a tag and the digest names it carries now.
fn keep_matches(
    matcher: &Matcher,
    tag: &str,
    names: &[String],
    scratch: &mut Scratch,
    groups: &mut Vec<u32>,
) {
    groups.clear();
    matcher.groups_into(tag, scratch, groups);
    for extra in names {
        matcher.groups_into(extra, scratch, groups);
    }
    groups.sort_unstable();
    groups.dedup();
}
