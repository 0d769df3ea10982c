//! What a removal leaves behind: the journal entry written before the engine is asked, and the
//! audit line and cleared journal written together once the outcome is known.

use super::{Outcome, Target};
use crate::core::model::{Container, Timestamp};
use crate::node::store::{NewAudit, Owner, PendingRemoval, Store};
use anyhow::Result;

pub fn container_names(containers: &[Container]) -> String {
    containers
        .iter()
        .map(|c| format!("{} ({})", c.name, c.state))
        .collect::<Vec<_>>()
        .join(", ")
}

fn put_back(restored: &[String]) -> String {
    if restored.is_empty() {
        String::new()
    } else {
        format!("; put back {}", restored.join(", "))
    }
}

/// The audit log line for an outcome (`None` when nothing happened, or nothing is known yet).
pub fn audit(target: &Target, outcome: &Outcome, actor: &str, now: Timestamp) -> Option<NewAudit> {
    let (action, bytes_freed, result) = match outcome {
        Outcome::Removed { deleted: true } => {
            ("remove", target.size, "ok: image deleted".to_string())
        }
        Outcome::Removed { deleted: false } => (
            "untag",
            0,
            "ok: name removed, image kept (other names)".to_string(),
        ),
        Outcome::InUse {
            containers,
            restored,
        } => (
            "refused",
            0,
            format!(
                "in use by {}{}",
                container_names(containers),
                put_back(restored)
            ),
        ),
        Outcome::Conflict { message, restored } => (
            "refused",
            0,
            format!("engine refused (409): {message}{}", put_back(restored)),
        ),
        Outcome::Gone => (
            "gone",
            0,
            "already removed by someone else (404)".to_string(),
        ),
        Outcome::Changed => (
            "skipped",
            0,
            "the name now points at another image; replanning".to_string(),
        ),
        Outcome::Misfired(what) => ("failed", 0, format!("name moved during removal: {what}")),
        Outcome::Unknown(_) | Outcome::NotDone(_) => return None,
        Outcome::Failed(error) => ("failed", 0, error.clone()),
    };
    Some(
        NewAudit::new(now, actor, action, &target.reference, &target.image_id)
            .freed(bytes_freed)
            .result(result),
    )
}

/// The journal entry written before the engine is asked.
pub fn pending(target: &Target, actor: &str, owner: &Owner, now: Timestamp) -> PendingRemoval {
    PendingRemoval {
        reference: target.reference.clone(),
        image_id: target.image_id.clone(),
        bytes: target.size,
        actor: actor.to_string(),
        started: now,
        owner: owner.clone(),
    }
}

/// Writes one outcome: the audit line and the cleared journal entry together, then what the
/// outcome teaches (the name is gone, so its decisions go too). An unknown outcome keeps its
/// journal entry for `finish_interrupted`. Every removal, automatic or manual, ends here.
/// `journalled`: the removal has a journal entry of `owner`'s (on a full disk it went ahead
/// without); if that entry is no longer its own (another enforcer took the lease and finished
/// it), nothing is written twice.
pub fn record(
    store: &mut Store,
    owner: &Owner,
    target: &Target,
    outcome: &Outcome,
    actor: &str,
    now: crate::core::model::Timestamp,
    journalled: bool,
) -> Result<Option<NewAudit>> {
    if outcome.is_unknown() {
        return Ok(None);
    }
    let Some(entry) = audit(target, outcome, actor, now) else {
        store.clear_pending(&target.reference, owner)?;
        return Ok(None);
    };
    if journalled {
        if !store.finish_own_removal(&entry, owner)? {
            return Ok(None);
        }
    } else {
        store.finish_removal(&entry)?;
    }
    match outcome {
        Outcome::Removed { deleted: true } | Outcome::Gone => {
            store.forget_image(&target.image_id)?
        }
        Outcome::Removed { deleted: false } => {
            store.forget_reference(&target.reference, &target.image_id)?
        }
        _ => {}
    }
    Ok(Some(entry))
}
