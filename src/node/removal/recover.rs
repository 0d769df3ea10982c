//! Finishing removals whose outcome was never written: the engine went away mid-request, or the
//! process that journalled them died (or lost its lease) between two steps. The engine says
//! what happened; each image is recorded once (its deletion as one `remove`, its other names as
//! untags), held names are put back, and nothing is ever removed here.

use super::hold::undo;
use crate::core::model::Timestamp;
use crate::node::engine::Engine;
use crate::node::store::{Hold, NewAudit, Owner, PendingRemoval, Store};
use anyhow::Result;
use std::collections::BTreeMap;

/// What finishing found: audit lines written, and images it could not check (with why).
#[derive(Debug, Default)]
pub struct Recovered {
    pub actions: Vec<NewAudit>,
    pub failures: Vec<(String, String)>,
}

/// Whose unfinished work this is, for the one finishing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not to be touched: its owner may still be working on it.
    Leave,
    /// Its owner is gone, or it is ours: what did not happen is simply dropped.
    Finish,
    /// Its owner lives but no longer holds the lease: what happened is recorded, and what did
    /// not is taken over (its request may still land; ours records what the engine then says).
    TakeOver,
}

/// Finishes the journal entries and holds as `claim` (given the owner and when the entry was
/// started) says.
pub async fn finish_interrupted(
    engine: &Engine,
    store: &mut Store,
    now: Timestamp,
    actor_note: &str,
    taker: &Owner,
    claim: impl Fn(&Owner, Timestamp) -> Claim,
) -> Result<Recovered> {
    let mut recovered = Recovered::default();
    // image ID -> (its journal entries, its hold)
    let mut images: BTreeMap<String, (Vec<PendingRemoval>, Option<Hold>)> = BTreeMap::new();
    let mut taken_over = std::collections::HashSet::new();
    for pending in store.pending_removals()? {
        match claim(&pending.owner, pending.started) {
            Claim::Leave => continue,
            Claim::TakeOver => {
                taken_over.insert(pending.reference.clone());
            }
            Claim::Finish => {}
        }
        images
            .entry(pending.image_id.clone())
            .or_default()
            .0
            .push(pending);
    }
    for hold in store.holds()? {
        if claim(&hold.owner, hold.started) != Claim::Leave {
            let image_id = hold.image_id.clone();
            images.entry(image_id).or_default().1 = Some(hold);
        }
    }
    for (image_id, (pending, hold)) in images {
        // One image the engine cannot read must not stop the others (it is reported).
        let image = match engine.image_now(&image_id).await {
            Ok(image) => image,
            Err(error) => {
                let name = pending
                    .first()
                    .map_or(image_id.clone(), |p| p.reference.clone());
                recovered.failures.push((
                    name,
                    format!("cannot finish its interrupted removal: {error:#}"),
                ));
                continue;
            }
        };
        match image {
            None => {
                // Deleted: the image is recorded once, freeing its size; its other names as untags.
                let last = pending.len().saturating_sub(1);
                for (i, entry) in pending.iter().enumerate() {
                    let (action, bytes) = if i == last {
                        ("remove", entry.bytes)
                    } else {
                        ("untag", 0)
                    };
                    let audit =
                        NewAudit::new(now, &entry.actor, action, &entry.reference, &image_id)
                            .freed(bytes)
                            .result(format!("ok: completed {actor_note}"));
                    store.finish_removal(&audit)?;
                    recovered.actions.push(audit);
                }
                store.forget_image(&image_id)?;
            }
            Some(now_image) => {
                let restored = match &hold {
                    Some(hold) => undo(engine, &image_id, &hold.names).await,
                    None => Vec::new(),
                };
                if !restored.is_empty() {
                    let audit =
                        NewAudit::new(now, "imgreaper", "restore", &restored.join(", "), &image_id)
                            .result(format!(
                                "ok: names put back {actor_note}; the plan decides again"
                            ));
                    store.audit(&audit)?;
                    recovered.actions.push(audit);
                }
                let carried_now = match engine.image_now(&image_id).await {
                    Ok(Some(again)) => again,
                    _ => now_image,
                };
                for entry in &pending {
                    let dangling = entry.reference == image_id;
                    if dangling
                        || carried_now.carries(&entry.reference)
                        || restored.contains(&entry.reference)
                    {
                        // It never happened (or was undone): the plan decides again. A live
                        // owner's request may still land, so its entry becomes ours.
                        if taken_over.contains(&entry.reference) {
                            store.take_over_pending(&entry.reference, &entry.owner, taker)?;
                        } else {
                            store.clear_pending(&entry.reference, &entry.owner)?;
                        }
                        continue;
                    }
                    let audit =
                        NewAudit::new(now, &entry.actor, "untag", &entry.reference, &image_id)
                            .result(format!("ok: completed {actor_note}"));
                    store.finish_removal(&audit)?;
                    store.forget_reference(&entry.reference, &image_id)?;
                    recovered.actions.push(audit);
                }
            }
        }
        if hold.is_some() {
            store.end_hold(&image_id)?;
        }
    }
    Ok(recovered)
}
