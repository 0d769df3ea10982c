//! Removing the names of one image safely, shared by the enforcer and manual removal.
//!
//! The names of one image are removed one after another, never in parallel (the engine answers
//! "unrecognized image ID" to a second removal racing the first). Before each, the image is read
//! again by its ID: a name that moved elsewhere is skipped, a container that appeared stops the
//! image's remaining names (and the names already untagged are put back), and a removal that
//! frees the image is made by image ID, so a pull that moved the name in between cannot make us
//! delete the new image (DESIGN.md §12). Nothing is ever forced.

use crate::core::model::{Container, Timestamp};
use crate::core::why::Why;
use crate::node::engine::{Engine, ImageNow, RemoveOutcome, is_outage};
use crate::node::store::{NewAudit, Owner, PendingRemoval, Store};
use anyhow::Result;
use std::collections::HashMap;

/// One name to remove, as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name, or the image ID for a dangling image.
    pub reference: String,
    pub image_id: String,
    pub size: u64,
    /// Why it is removed, for its audit entry.
    pub why: Option<Why>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Removed; `deleted` when the image itself went (its last name), freeing its size.
    Removed { deleted: bool },
    /// A container uses the image: refused before asking the engine. `restored` lists names of
    /// the same image untagged earlier in this removal and put back.
    InUse {
        containers: Vec<Container>,
        restored: Vec<String>,
    },
    /// The engine refused with 409 (a container appeared between our check and the request, or
    /// the image gained a name).
    Conflict {
        message: String,
        restored: Vec<String>,
    },
    /// Someone else removed it first.
    Gone,
    /// The name no longer points at this image: the plan is stale, nothing was done.
    Changed,
    /// Not attempted: an earlier name of the same image was refused, or the enforcer lost its
    /// lease, or the engine went away before the request.
    NotDone(String),
    /// The untag reached another image: the name moved to it between our check and the request.
    Misfired(String),
    /// The request was sent and no answer came (the engine went away): whether it happened is
    /// unknown. The journal entry stays, and the next run records what really happened.
    Unknown(String),
    /// The engine answered with an error.
    Failed(String),
}

impl Outcome {
    /// Whether the engine may still do what was asked (nothing to record yet).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Outcome::Unknown(_))
    }

    /// Whether this counts against a run that must report failure (`run --once` exits 1).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Misfired(_) | Outcome::Unknown(_) | Outcome::Failed(_) | Outcome::NotDone(_)
        )
    }
}

/// Everything known about the names being removed from one image, in order.
pub struct ImageRemoval {
    pub image_id: String,
    pub size: u64,
    pub names: Vec<String>,
    /// Why each name goes.
    pub whys: HashMap<String, Why>,
}

/// Groups targets by image, keeping the first-seen order of images and of names.
pub fn by_image(targets: Vec<Target>) -> Vec<ImageRemoval> {
    let mut groups: Vec<ImageRemoval> = Vec::new();
    for target in targets {
        let index = match groups.iter().position(|g| g.image_id == target.image_id) {
            Some(index) => index,
            None => {
                groups.push(ImageRemoval {
                    image_id: target.image_id,
                    size: target.size,
                    names: Vec::new(),
                    whys: HashMap::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        if !group.names.contains(&target.reference) {
            if let Some(why) = target.why {
                group.whys.insert(target.reference.clone(), why);
            }
            group.names.push(target.reference);
        }
    }
    groups
}

impl ImageRemoval {
    pub fn target(&self, name: &str) -> Target {
        Target {
            reference: name.to_string(),
            image_id: self.image_id.clone(),
            size: self.size,
            why: self.whys.get(name).cloned(),
        }
    }
}

/// Removes the names of one image, one after another. `may_proceed` is asked before each name
/// (the enforcer checks it still holds its lease); an `Err(why)` stops the rest.
pub async fn remove_image_names(
    engine: &Engine,
    removal: &ImageRemoval,
    mut may_proceed: impl FnMut() -> Result<(), String>,
) -> Vec<(String, Outcome)> {
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut untagged: Vec<String> = Vec::new();
    for (index, name) in removal.names.iter().enumerate() {
        let outcome = match may_proceed() {
            Err(why) => Outcome::NotDone(why),
            Ok(()) => remove_one(engine, removal, name, &untagged).await,
        };
        // What the rest of this image's names become when this one stops the removal.
        let rest = match &outcome {
            Outcome::InUse { .. } | Outcome::Conflict { .. } => Some(Outcome::NotDone(
                "an earlier name of the same image was refused".to_string(),
            )),
            Outcome::Unknown(why) | Outcome::NotDone(why) => Some(Outcome::NotDone(why.clone())),
            _ => None,
        };
        if let Outcome::Removed { deleted: false } = outcome {
            untagged.push(name.clone());
        }
        outcomes.push((name.clone(), outcome));
        if let Some(rest) = rest {
            for later in &removal.names[index + 1..] {
                outcomes.push((later.clone(), rest.clone()));
            }
            break;
        }
    }
    outcomes
}

/// One name: re-read the image, then untag by name or delete by ID.
async fn remove_one(
    engine: &Engine,
    removal: &ImageRemoval,
    name: &str,
    untagged: &[String],
) -> Outcome {
    let now = match engine.image_now(&removal.image_id).await {
        Ok(Some(now)) => now,
        Ok(None) => return Outcome::Gone,
        Err(error) if is_outage(&error) => return Outcome::NotDone(format!("{error:#}")),
        Err(error) => return Outcome::Failed(format!("{error:#}")),
    };
    let dangling = name == removal.image_id;
    if !dangling && !now.carries(name) {
        return Outcome::Changed;
    }
    if !now.containers.is_empty() {
        let restored = restore(engine, &removal.image_id, untagged).await;
        return Outcome::InUse {
            containers: now.containers,
            restored,
        };
    }
    let frees = dangling || frees_image(&now, name);
    let request = if frees {
        removal.image_id.as_str()
    } else {
        name
    };
    match engine.remove(request).await {
        Ok(RemoveOutcome::Removed { deleted, .. }) if frees => Outcome::Removed {
            deleted: deleted.iter().any(|id| id == &removal.image_id),
        },
        Ok(RemoveOutcome::Removed { deleted, .. }) => {
            check_untag(engine, removal, name, &deleted).await
        }
        Ok(RemoveOutcome::Conflict(message)) => {
            // The engine may have untagged this name before refusing to delete the image (a
            // container registered in its own window): put it back too, if nobody took it.
            let mut names = untagged.to_vec();
            if !dangling {
                names.push(name.to_string());
            }
            let restored = restore(engine, &removal.image_id, &names).await;
            Outcome::Conflict { message, restored }
        }
        // Gone between our check and the request: someone else removed it.
        Ok(RemoveOutcome::Gone) => Outcome::Gone,
        Err(error) if is_outage(&error) => Outcome::Unknown(format!("{error:#}")),
        Err(error) => Outcome::Failed(format!("{error:#}")),
    }
}

/// Removing `name` leaves the image without a tag: remove the image itself, by ID.
fn frees_image(now: &ImageNow, name: &str) -> bool {
    match now.tags.as_slice() {
        [] => true, // only digest names left
        [only] => only == name,
        _ => false,
    }
}

/// After an untag by name: make sure it hit this image and nothing else.
async fn check_untag(
    engine: &Engine,
    removal: &ImageRemoval,
    name: &str,
    deleted: &[String],
) -> Outcome {
    if let Some(other) = deleted.iter().find(|id| **id != removal.image_id) {
        return Outcome::Misfired(format!(
            "{name} had moved to {other} just before the request, and the engine deleted that \
             image instead of untagging {}",
            removal.image_id
        ));
    }
    match engine.image_now(&removal.image_id).await {
        Ok(Some(now)) if now.carries(name) => Outcome::Misfired(format!(
            "{name} moved between our check and the request: another image lost the name, \
             {} still has it",
            removal.image_id
        )),
        _ => Outcome::Removed {
            deleted: !deleted.is_empty(),
        },
    }
}

/// Puts back names untagged from an image that turned out to be in use, where nothing else
/// took them meanwhile. Returns the names put back.
async fn restore(engine: &Engine, image_id: &str, untagged: &[String]) -> Vec<String> {
    let mut restored = Vec::new();
    for name in untagged {
        if matches!(engine.image_now(name).await, Ok(None))
            && engine.tag(image_id, name).await.is_ok()
        {
            restored.push(name.clone());
        }
    }
    restored
}

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
            .result(result)
            .why(target.why.clone()),
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
        why: target.why.clone(),
    }
}

/// Writes one outcome: the audit line and the cleared journal entry together, then what the
/// outcome teaches (the name is gone, so its decisions go too). An unknown outcome keeps its
/// journal entry for `finish_interrupted`. Every removal, automatic or manual, ends here.
pub fn record(
    store: &mut Store,
    owner: &Owner,
    target: &Target,
    outcome: &Outcome,
    actor: &str,
    now: crate::core::model::Timestamp,
) -> Result<Option<NewAudit>> {
    if outcome.is_unknown() {
        return Ok(None);
    }
    let Some(entry) = audit(target, outcome, actor, now) else {
        store.clear_pending(&target.reference, owner)?;
        return Ok(None);
    };
    store.finish_removal(&entry)?;
    if matches!(outcome, Outcome::Removed { .. } | Outcome::Gone) {
        store.forget_reference(&target.reference)?;
    }
    Ok(Some(entry))
}
