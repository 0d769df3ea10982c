//! Removing one reference safely, shared by the enforcer and manual removal:
//! re-read the image right before, never force, and describe the outcome for the audit log.

use crate::clock::Clock;
use crate::engine::{Engine, RemoveOutcome};
use crate::model::{Container, Timestamp};
use crate::store::{NewAudit, PendingRemoval, Store};
use anyhow::Result;

/// What is to be removed, as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The reference, or the image ID for a dangling image.
    pub reference: String,
    pub image_id: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Removed; `deleted` when the image itself went (its last name), freeing its size.
    Removed {
        deleted: bool,
    },
    /// A container uses the image now: refused before asking the engine.
    InUse(Vec<Container>),
    /// The engine refused with 409 (a container appeared between our check and the request).
    Conflict(String),
    /// Someone else removed it first.
    Gone,
    /// The name now points at another image: the plan is stale, nothing was done.
    Changed {
        now_id: String,
    },
    Failed(String),
}

impl Outcome {
    /// Whether the image turned out to be in use (so its last-used must be reset).
    pub fn found_in_use(&self) -> bool {
        matches!(self, Outcome::InUse(_) | Outcome::Conflict(_))
    }
}

pub async fn execute(engine: &Engine, target: &Target) -> Outcome {
    match engine.image_now(&target.reference).await {
        Err(e) => return Outcome::Failed(format!("{e:#}")),
        Ok(None) => return Outcome::Gone,
        Ok(Some((id, _))) if id != target.image_id => return Outcome::Changed { now_id: id },
        Ok(Some((_, containers))) if !containers.is_empty() => return Outcome::InUse(containers),
        Ok(Some(_)) => {}
    }
    match engine.remove(&target.reference).await {
        Ok(RemoveOutcome::Removed { deleted }) => Outcome::Removed { deleted },
        Ok(RemoveOutcome::Conflict(message)) => Outcome::Conflict(message),
        Ok(RemoveOutcome::Gone) => Outcome::Gone,
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

pub fn pending(target: &Target, actor: &str, now: Timestamp) -> PendingRemoval {
    PendingRemoval {
        reference: target.reference.clone(),
        image_id: target.image_id.clone(),
        bytes: target.size,
        actor: actor.to_string(),
        started: now,
    }
}

pub fn container_names(containers: &[Container]) -> String {
    containers
        .iter()
        .map(|c| format!("{} ({})", c.name, c.state))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The audit log line for an outcome.
pub fn audit(target: &Target, outcome: &Outcome, actor: &str, now: Timestamp) -> NewAudit {
    let (action, bytes_freed, result) = match outcome {
        Outcome::Removed { deleted: true } => {
            ("remove", target.size, "ok: image deleted".to_string())
        }
        Outcome::Removed { deleted: false } => (
            "untag",
            0,
            "ok: name removed, image kept (other names)".to_string(),
        ),
        Outcome::InUse(containers) => (
            "refused",
            0,
            format!("in use by {}", container_names(containers)),
        ),
        Outcome::Conflict(message) => ("refused", 0, format!("engine refused (409): {message}")),
        Outcome::Gone => (
            "gone",
            0,
            "already removed by someone else (404)".to_string(),
        ),
        Outcome::Changed { now_id } => (
            "skipped",
            0,
            format!("name now points at {now_id}; replanning"),
        ),
        Outcome::Failed(error) => ("failed", 0, error.clone()),
    };
    NewAudit::new(now, actor, action, &target.reference, &target.image_id)
        .freed(bytes_freed)
        .result(result)
}

/// Writes an outcome: the audit line and the cleared journal entry together, then what the
/// outcome teaches about the image (in use after all; or the name is gone, so its postponement
/// and approval go too). Every removal, automatic or manual, ends here.
pub fn record(
    store: &mut Store,
    target: &Target,
    outcome: &Outcome,
    actor: &str,
    now: Timestamp,
) -> Result<NewAudit> {
    let entry = audit(target, outcome, actor, now);
    store.finish_removal(&entry)?;
    match outcome {
        outcome if outcome.found_in_use() => store.mark_in_use(&target.image_id)?,
        Outcome::Removed { .. } | Outcome::Gone => store.forget_reference(&target.reference)?,
        _ => {}
    }
    Ok(entry)
}

/// One removal, journalled before the engine is asked so a crash is finished, not repeated.
pub async fn remove_journalled(
    engine: &Engine,
    store: &mut Store,
    target: &Target,
    actor: &str,
    clock: &dyn Clock,
) -> Result<(Outcome, NewAudit)> {
    store.begin_removal(&pending(target, actor, clock.now()))?;
    let outcome = execute(engine, target).await;
    let entry = record(store, target, &outcome, actor, clock.now())?;
    Ok((outcome, entry))
}
