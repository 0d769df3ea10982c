//! Registry retention (§15): reads what the policy needs from the registry (the tag lists, one
//! `HEAD` per tag, and — only for categories that need dates — one manifest and one config per
//! distinct digest), plans with `core::registry`, and deletes manifests by digest.

use super::api::Deleted;
use super::{Client, RegistryError};
use crate::core::model::Timestamp;
use crate::core::registry::{
    Held, RegistryPolicy, RepositoryPlan, RepositoryRule, TagFacts, matches, plan_repository,
};
use futures_util::future::join_all;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The plan of every repository the policy names, in the order it names them.
#[derive(Clone, Debug, Serialize)]
pub struct RegistryPlan {
    pub registry: String,
    pub repositories: Vec<RepositoryPlan>,
}

impl RegistryPlan {
    pub fn deletion_count(&self) -> usize {
        self.repositories.iter().map(|r| r.deletions.len()).sum()
    }
}

/// Plans at `now`. `held` are digests kept whatever the policy says (digests still in use
/// elsewhere, such as on a fleet's nodes: the caller gathers them).
pub async fn plan(
    client: &Client,
    policy: &RegistryPolicy,
    now: Timestamp,
    held: &Held,
) -> Result<RegistryPlan, RegistryError> {
    let host = crate::core::registry::api_host(&policy.registry);
    let mut catalog: Option<Vec<String>> = None;
    let mut assigned: Vec<(String, &RepositoryRule)> = Vec::new();
    for rule in &policy.repositories {
        let names = if rule.repository.contains(['*', '?']) {
            if catalog.is_none() {
                catalog = Some(client.catalog(host).await?);
            }
            let mut names: Vec<String> = catalog
                .iter()
                .flatten()
                .filter(|name| matches(&rule.repository, name))
                .cloned()
                .collect();
            names.sort();
            names
        } else {
            vec![rule.repository.clone()]
        };
        for name in names {
            // A repository follows the first entry that names it.
            if !assigned.iter().any(|(n, _)| *n == name) {
                assigned.push((name, rule));
            }
        }
    }
    let mut repositories = Vec::with_capacity(assigned.len());
    for (name, rule) in assigned {
        let facts = gather(client, host, &name, rule).await?;
        repositories.push(plan_repository(rule, &name, &facts, now, held));
    }
    Ok(RegistryPlan {
        registry: policy.registry.clone(),
        repositories,
    })
}

/// Each tag's digest, and the creation dates the rule's categories need.
async fn gather(
    client: &Client,
    host: &str,
    repository: &str,
    rule: &RepositoryRule,
) -> Result<Vec<TagFacts>, RegistryError> {
    let tags = client.tags(host, repository).await?;
    let digests = join_all(
        tags.iter()
            .map(|tag| client.manifest_digest(host, repository, tag)),
    )
    .await;
    let mut facts = Vec::with_capacity(tags.len());
    for (tag, digest) in tags.into_iter().zip(digests) {
        // A tag deleted since the list was read has no digest: nothing to decide about it.
        if let Some(digest) = digest? {
            facts.push(TagFacts {
                tag,
                digest,
                created: None,
            });
        }
    }
    let dated: BTreeSet<&str> = facts
        .iter()
        .filter(|f| needs_date(rule, &f.tag))
        .map(|f| f.digest.as_str())
        .collect();
    let dates = join_all(
        dated
            .iter()
            .map(|digest| client.created(host, repository, digest)),
    )
    .await;
    let mut created: HashMap<&str, Timestamp> = HashMap::new();
    for (digest, date) in dated.iter().zip(dates) {
        if let Some(date) = date? {
            created.insert(digest, date);
        }
    }
    let created: HashMap<String, Timestamp> = created
        .into_iter()
        .map(|(d, t)| (d.to_string(), t))
        .collect();
    for fact in &mut facts {
        fact.created = created.get(&fact.digest).copied();
    }
    Ok(facts)
}

/// Whether the tag's category (the first that matches, unless `keep` keeps it) needs dates.
fn needs_date(rule: &RepositoryRule, tag: &str) -> bool {
    !rule.keep.iter().any(|k| matches(k, tag))
        && rule
            .categories
            .iter()
            .find(|c| matches(&c.tags, tag))
            .is_some_and(|c| c.needs_dates())
}

/// What deleting one manifest came to.
#[derive(Clone, Debug, Serialize)]
pub struct DeletionResult {
    pub repository: String,
    pub digest: String,
    pub tags: Vec<String>,
    /// `deleted`, `gone` (not there any more), `skipped` or `failed`.
    pub result: &'static str,
    /// Why it failed or was skipped.
    pub detail: Option<String>,
}

/// Deletes what the plan deletes, one manifest after another, calling `record` after each
/// (to audit it); when `record` says it could not (`false`), nothing more is deleted. Before a repository's first deletion its tag list is read again: a tag that
/// was not in the plan means someone pushed meanwhile, and that repository is skipped.
pub async fn reap(
    client: &Client,
    plan: &RegistryPlan,
    mut record: impl FnMut(&DeletionResult) -> bool,
) -> Vec<DeletionResult> {
    let host = crate::core::registry::api_host(&plan.registry);
    let mut results = Vec::new();
    for repository in plan.repositories.iter().filter(|r| !r.deletions.is_empty()) {
        let changed = match client.tags(host, &repository.repository).await {
            Ok(now) => {
                let planned: HashSet<&str> =
                    repository.tags.iter().map(|t| t.tag.as_str()).collect();
                let new: Vec<String> = now
                    .into_iter()
                    .filter(|t| !planned.contains(t.as_str()))
                    .collect();
                (!new.is_empty()).then(|| {
                    format!(
                        "the repository changed since the plan (new tags: {}): plan again",
                        new.join(", ")
                    )
                })
            }
            Err(error) => Some(format!("cannot read its tag list again: {error}")),
        };
        for deletion in &repository.deletions {
            let (result, detail) = match &changed {
                Some(why) => ("skipped", Some(why.clone())),
                None => match client
                    .delete_manifest(host, &repository.repository, &deletion.digest)
                    .await
                {
                    Ok(Deleted::Deleted) => ("deleted", None),
                    Ok(Deleted::Gone) => ("gone", Some("it was not there any more".to_string())),
                    Err(error) => ("failed", Some(error.to_string())),
                },
            };
            let outcome = DeletionResult {
                repository: repository.repository.clone(),
                digest: deletion.digest.clone(),
                tags: deletion.tags.clone(),
                result,
                detail,
            };
            let recorded = record(&outcome);
            results.push(outcome);
            if !recorded {
                return results;
            }
        }
    }
    results
}
