//! Removing images and names safely, shared by the enforcer, `remove`, the console and disk
//! pressure (DESIGN.md §12). Nothing is ever forced.
//!
//! An image whose every name goes is deleted in three steps (`hold`): it is given a private
//! hold name and its public names are taken off, so no new container can resolve to it; after
//! one grace period per batch, long enough for a `create` that resolved a name just before to
//! register its container, it is deleted by image ID, without force, so the engine's own
//! in-use check sees that container and refuses (its names are then put back). An image that
//! keeps other names only loses the due ones (`untag`). Before every request the image is read
//! again by its ID: a container that appeared stops it, a name that moved elsewhere is left
//! alone, and an untag that reached another image (the name moved in flight; the engine has no
//! conditional untag) is reported and ends the work on that image. Everything is journalled
//! first (`batch`), so a crash between steps is finished by the next run (`recover`).

mod batch;
mod hold;
mod record;
mod recover;
mod untag;

pub use batch::{Batch, Finished};
pub use hold::{CREATE_GRACE, hold_name, is_hold_name};
pub use record::{audit, container_names, pending, record};
pub use recover::{Claim, finish_interrupted};

use crate::core::model::Container;

/// One name to remove, as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The name, or the image ID for a dangling image.
    pub reference: String,
    pub image_id: String,
    pub size: u64,
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
}

/// Groups targets by image, keeping the first-seen order of images and of names.
pub fn by_image(targets: Vec<Target>) -> Vec<ImageRemoval> {
    let mut groups: Vec<ImageRemoval> = Vec::new();
    for target in targets {
        match groups.iter_mut().find(|g| g.image_id == target.image_id) {
            Some(group) if !group.names.contains(&target.reference) => {
                group.names.push(target.reference)
            }
            Some(_) => {}
            None => groups.push(ImageRemoval {
                image_id: target.image_id,
                size: target.size,
                names: vec![target.reference],
            }),
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
        }
    }
}
