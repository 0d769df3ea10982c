//! Taking names off an image by name: for an image that keeps other names, and for the public
//! names of one being deleted (`hold`). The engine has no conditional untag, so every request
//! is checked afterwards: one that reached another image (the name moved to it in flight) is a
//! misfire, and nothing more is asked about that image.

use super::{ImageRemoval, Outcome};
use crate::node::engine::{Engine, ImageNow, RemoveOutcome, is_outage};

/// What re-reading the image before a request found.
pub(super) enum Reread {
    Now(ImageNow),
    /// It stops here, with this outcome.
    Stop(Outcome),
}

/// Reads the image again by its ID right before acting on it.
pub(super) async fn reread(engine: &Engine, image_id: &str) -> Reread {
    match engine.image_now(image_id).await {
        Ok(Some(now)) => Reread::Now(now),
        Ok(None) => Reread::Stop(Outcome::Gone),
        Err(error) if is_outage(&error) => Reread::Stop(Outcome::NotDone(format!("{error:#}"))),
        Err(error) => Reread::Stop(Outcome::Failed(format!("{error:#}"))),
    }
}

/// Untags the due names of an image that keeps others, one after another. A name whose untag
/// would leave the image with no tag is left for the next plan (it would delete the image
/// unguarded); a container that appeared stops the rest and puts back what was untagged.
pub(super) async fn untag_names(
    engine: &Engine,
    removal: &ImageRemoval,
    may_proceed: &(dyn Fn() -> Result<(), String> + Sync),
) -> Vec<(String, Outcome)> {
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut untagged: Vec<String> = Vec::new();
    for (index, name) in removal.names.iter().enumerate() {
        let outcome = match may_proceed() {
            Err(why) => Outcome::NotDone(why),
            Ok(()) => untag_one(engine, removal, name, &untagged).await,
        };
        let stop = stops_the_rest(&outcome);
        if let Outcome::Removed { deleted: false } = outcome {
            untagged.push(name.clone());
        }
        outcomes.push((name.clone(), outcome));
        if let Some(rest) = stop {
            for later in &removal.names[index + 1..] {
                outcomes.push((later.clone(), rest.clone()));
            }
            break;
        }
    }
    outcomes
}

/// What the rest of an image's names become when this outcome stops the work on it.
pub(super) fn stops_the_rest(outcome: &Outcome) -> Option<Outcome> {
    match outcome {
        Outcome::InUse { .. } | Outcome::Conflict { .. } => Some(Outcome::NotDone(
            "an earlier name of the same image was refused".to_string(),
        )),
        Outcome::Misfired(_) => Some(Outcome::NotDone(
            "an earlier name of the same image moved during its removal".to_string(),
        )),
        Outcome::Unknown(why) | Outcome::NotDone(why) => Some(Outcome::NotDone(why.clone())),
        _ => None,
    }
}

async fn untag_one(
    engine: &Engine,
    removal: &ImageRemoval,
    name: &str,
    untagged: &[String],
) -> Outcome {
    let now = match reread(engine, &removal.image_id).await {
        Reread::Now(now) => now,
        Reread::Stop(outcome) => return outcome,
    };
    if !now.carries(name) {
        return Outcome::Changed;
    }
    if !now.containers.is_empty() {
        let restored = put_back(engine, &removal.image_id, untagged).await;
        return Outcome::InUse {
            containers: now.containers,
            restored,
        };
    }
    if now.tags.iter().all(|tag| tag == name) {
        // Its last tag: untagging it would delete the image without the hold. The plan decides
        // again with the names it has now.
        return Outcome::Changed;
    }
    take_off(engine, &removal.image_id, name).await
}

/// One name off image `image_id`, by name, checked afterwards. The image keeps another name
/// (a tag, or its hold name), so the engine only untags.
pub(super) async fn take_off(engine: &Engine, image_id: &str, name: &str) -> Outcome {
    match engine.remove(name).await {
        Ok(RemoveOutcome::Removed { deleted, .. }) => {
            check_untag(engine, image_id, name, &deleted).await
        }
        Ok(RemoveOutcome::Conflict(message)) => Outcome::Conflict {
            message,
            restored: Vec::new(),
        },
        // The name went between our check and the request.
        Ok(RemoveOutcome::Gone) => Outcome::Changed,
        Err(error) if is_outage(&error) => Outcome::Unknown(format!("{error:#}")),
        Err(error) => Outcome::Failed(format!("{error:#}")),
    }
}

/// After an untag by name: make sure it hit this image and nothing else.
async fn check_untag(engine: &Engine, image_id: &str, name: &str, deleted: &[String]) -> Outcome {
    if let Some(other) = deleted.iter().find(|id| **id != image_id) {
        return Outcome::Misfired(format!(
            "{name} had moved to {other} just before the request, and the engine deleted that \
             image instead of untagging {image_id}"
        ));
    }
    match engine.image_now(image_id).await {
        Ok(Some(now)) if now.carries(name) => Outcome::Misfired(format!(
            "{name} moved between our check and the request: another image lost the name, \
             {image_id} still has it"
        )),
        _ => Outcome::Removed {
            deleted: !deleted.is_empty(),
        },
    }
}

/// Puts back names taken off an image that is not to be deleted after all, where nothing else
/// took them meanwhile. Returns the names put back.
pub(super) async fn put_back(engine: &Engine, image_id: &str, names: &[String]) -> Vec<String> {
    let mut restored = Vec::new();
    for name in names.iter().filter(|name| !name.contains('@')) {
        if matches!(engine.image_now(name).await, Ok(None))
            && engine.tag(image_id, name).await.is_ok()
        {
            restored.push(name.clone());
        }
    }
    restored
}
