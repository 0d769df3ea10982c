//! Deleting an image whose every name goes, so that no container is left without its image.
//!
//! The engine checks for containers when it deletes an image, but a `docker create` that
//! resolved a name just before registers its container just after that check, and the image
//! is deleted under it. So the image first gets a private hold name and loses its public ones
//! (no new `create` can resolve to it); then, once per batch, a grace period lets creates
//! already in flight register; then it is deleted by ID, without force, and the engine's own
//! check sees any container made meanwhile (it refuses, and the names are put back). The hold
//! name is also what lets an image with several tags be deleted by ID without force.

use super::untag::{Reread, put_back, reread, stops_the_rest, take_off};
use super::{ImageRemoval, Outcome};
use crate::node::engine::{Engine, ImageNow, RemoveOutcome, is_outage};
use std::time::Duration;

/// The repository of hold names: `.invalid` can never be a registry, so nothing is ever
/// pulled or pushed under it.
const HOLD_REPOSITORY: &str = "imgreaper.invalid/removing";

/// How long creates already in flight get to register their container once the names are
/// off. Measured with `tests/bench/run` (registration under load took well under a tenth of
/// this), and paid once per batch, not per image.
pub const CREATE_GRACE: Duration = Duration::from_millis(1_000);

/// The private name an image holds while it is being deleted.
pub fn hold_name(image_id: &str) -> String {
    let hex = image_id.strip_prefix("sha256:").unwrap_or(image_id);
    format!("{HOLD_REPOSITORY}:{hex}")
}

/// Whether a name is a hold name (never planned, never shown as the image's own).
pub fn is_hold_name(name: &str) -> bool {
    name.starts_with(HOLD_REPOSITORY) || name.starts_with(&format!("docker.io/{HOLD_REPOSITORY}"))
}

/// An image with its hold name and without its public names, waiting for the grace.
pub(super) struct Held {
    /// The public names taken off it, in order.
    pub taken_off: Vec<String>,
}

/// The public names of an image as the engine holds them: tags, then digest names.
pub(super) fn public_names(now: &ImageNow) -> Vec<String> {
    now.tags
        .iter()
        .chain(&now.digests)
        .filter(|name| !is_hold_name(name))
        .cloned()
        .collect()
}

/// Step 1: the hold name on, every public name off. On any refusal the names taken off so far
/// are put back and the work on this image stops with per-name outcomes.
pub(super) async fn take_names_off(
    engine: &Engine,
    removal: &ImageRemoval,
    first_read: &ImageNow,
    may_proceed: &(dyn Fn() -> Result<(), String> + Sync),
) -> Result<Held, Vec<(String, Outcome)>> {
    let names = public_names(first_read);
    if names.is_empty() {
        // Dangling: nothing resolves to it by name.
        return Ok(Held {
            taken_off: Vec::new(),
        });
    }
    let hold = hold_name(&removal.image_id);
    let stop = |outcome: Outcome| stopped(removal, outcome);
    if let Err(why) = may_proceed() {
        return Err(stop(Outcome::NotDone(why)));
    }
    if let Err(error) = engine.tag(&removal.image_id, &hold).await {
        let outcome = if is_outage(&error) {
            Outcome::NotDone(format!("{error:#}"))
        } else {
            Outcome::Failed(format!("cannot give it the hold name {hold}: {error:#}"))
        };
        return Err(stop(outcome));
    }
    let mut taken_off: Vec<String> = Vec::new();
    for name in &names {
        let outcome = match may_proceed() {
            Err(why) => Outcome::NotDone(why),
            Ok(()) => match reread(engine, &removal.image_id).await {
                Reread::Stop(outcome) => outcome,
                Reread::Now(now) if !now.containers.is_empty() => Outcome::InUse {
                    containers: now.containers,
                    restored: Vec::new(),
                },
                // Taken off with an earlier name (the digest names of a repository go with
                // its last tag), or by someone else.
                Reread::Now(now) if !now.carries(name) => continue,
                // The name is checked once more, one request before it is taken off: the
                // engine has no conditional untag, and this is the window a pull that moves
                // the name in flight can fall into.
                Reread::Now(_) => match engine.image_id_of(name).await {
                    Ok(Some(id)) if id == removal.image_id => {
                        take_off(engine, &removal.image_id, name).await
                    }
                    Ok(_) => continue,
                    Err(error) if is_outage(&error) => Outcome::NotDone(format!("{error:#}")),
                    Err(error) => Outcome::Failed(format!("{error:#}")),
                },
            },
        };
        match outcome {
            Outcome::Removed { .. } => taken_off.push(name.clone()),
            Outcome::Changed => {}
            refused => {
                let restored = undo(engine, &removal.image_id, &taken_off).await;
                return Err(stop(with_restored(refused, restored)));
            }
        }
    }
    Ok(Held { taken_off })
}

/// Step 3, after the grace: delete by ID, never forced.
pub(super) async fn delete_held(
    engine: &Engine,
    removal: &ImageRemoval,
    held: &Held,
    may_proceed: &(dyn Fn() -> Result<(), String> + Sync),
) -> Vec<(String, Outcome)> {
    let refused = |outcome: Outcome| async {
        let restored = undo(engine, &removal.image_id, &held.taken_off).await;
        stopped(removal, with_restored(outcome, restored))
    };
    if let Err(why) = may_proceed() {
        return refused(Outcome::NotDone(why)).await;
    }
    match reread(engine, &removal.image_id).await {
        Reread::Stop(Outcome::Gone) => return deleted(removal, Outcome::Gone),
        Reread::Stop(outcome) => return refused(outcome).await,
        Reread::Now(now) if !now.containers.is_empty() => {
            return refused(Outcome::InUse {
                containers: now.containers,
                restored: Vec::new(),
            })
            .await;
        }
        Reread::Now(now) if !public_names(&now).is_empty() => {
            // Someone gave it a name meanwhile: it is wanted after all.
            let message = format!("it was named {} meanwhile", public_names(&now).join(", "));
            return refused(Outcome::Conflict {
                message,
                restored: Vec::new(),
            })
            .await;
        }
        Reread::Now(_) => {}
    }
    match engine.remove(&removal.image_id).await {
        Ok(RemoveOutcome::Removed { deleted: ids, .. }) if ids.contains(&removal.image_id) => {
            deleted(removal, Outcome::Removed { deleted: true })
        }
        Ok(RemoveOutcome::Removed { .. }) => {
            refused(Outcome::Failed(
                "the engine untagged it but did not delete it".to_string(),
            ))
            .await
        }
        Ok(RemoveOutcome::Conflict(message)) => {
            refused(Outcome::Conflict {
                message,
                restored: Vec::new(),
            })
            .await
        }
        Ok(RemoveOutcome::Gone) => deleted(removal, Outcome::Gone),
        // The answer was lost: the journal and the hold say what to check next time.
        Err(error) if is_outage(&error) => stopped(removal, Outcome::Unknown(format!("{error:#}"))),
        Err(error) => refused(Outcome::Failed(format!("{error:#}"))).await,
    }
}

/// Puts the public names back and takes the hold name off (when the image has a name again).
pub(super) async fn undo(engine: &Engine, image_id: &str, taken_off: &[String]) -> Vec<String> {
    let restored = put_back(engine, image_id, taken_off).await;
    if !restored.is_empty() {
        let _ = engine.remove(&hold_name(image_id)).await;
    }
    restored
}

/// The image went: its last name is the removal (it freed the space), the others untags.
fn deleted(removal: &ImageRemoval, last: Outcome) -> Vec<(String, Outcome)> {
    let count = removal.names.len();
    removal
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let outcome = if i + 1 == count {
                last.clone()
            } else if last == Outcome::Gone {
                Outcome::Gone
            } else {
                Outcome::Removed { deleted: false }
            };
            (name.clone(), outcome)
        })
        .collect()
}

/// The work on an image stopped: the first name says why, the others were not done.
fn stopped(removal: &ImageRemoval, outcome: Outcome) -> Vec<(String, Outcome)> {
    let rest = stops_the_rest(&outcome).unwrap_or_else(|| outcome.clone());
    removal
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            (
                name.clone(),
                if i == 0 {
                    outcome.clone()
                } else {
                    rest.clone()
                },
            )
        })
        .collect()
}

fn with_restored(outcome: Outcome, restored: Vec<String>) -> Outcome {
    match outcome {
        Outcome::InUse { containers, .. } => Outcome::InUse {
            containers,
            restored,
        },
        Outcome::Conflict { message, .. } => Outcome::Conflict { message, restored },
        other => other,
    }
}
