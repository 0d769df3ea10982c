//! Removing names and images, never forced.
//!
//! The last name of an image is removed by image ID, so a name that moved to a new image in the
//! meantime can never make us delete the new one. Other names are untagged by name (the engine
//! has no conditional untag), and the answer is checked: an untag that deleted or touched another
//! image is reported, never taken for success.

use super::Engine;
use super::error::EngineError;
use anyhow::Result;
use bollard::query_parameters::{RemoveImageOptions, TagImageOptionsBuilder};

/// What the engine did with a removal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveOutcome {
    /// Names untagged and image IDs deleted, as the engine reported them.
    Removed {
        untagged: Vec<String>,
        deleted: Vec<String>,
    },
    /// 409: something uses the image (a container was created meanwhile), or it has other names.
    Conflict(String),
    /// 404: someone else removed it first.
    Gone,
}

impl Engine {
    /// Removes one name, or (given an image ID) the image itself. Never passes `force`.
    pub async fn remove(&self, name_or_id: &str) -> Result<RemoveOutcome> {
        let options = RemoveImageOptions {
            force: false,
            noprune: false,
            ..Default::default()
        };
        let what = format!("remove {name_or_id}");
        match self
            .call(
                &what,
                self.docker.remove_image(name_or_id, Some(options), None),
            )
            .await
        {
            Ok(items) => Ok(RemoveOutcome::Removed {
                untagged: items.iter().filter_map(|i| i.untagged.clone()).collect(),
                // Podman reports deleted IDs without their `sha256:`.
                deleted: items
                    .iter()
                    .filter_map(|i| i.deleted.as_deref())
                    .map(|id| {
                        if id.contains(':') {
                            id.to_string()
                        } else {
                            format!("sha256:{id}")
                        }
                    })
                    .collect(),
            }),
            Err(EngineError::Refused {
                status: 409,
                message,
                ..
            }) => Ok(RemoveOutcome::Conflict(message)),
            Err(EngineError::Refused { status: 404, .. }) => Ok(RemoveOutcome::Gone),
            Err(e) => Err(e.into()),
        }
    }

    /// Gives image `id` the name `repo:tag` (used to put back a name untagged from an image that
    /// turned out to be in use).
    pub async fn tag(&self, id: &str, name: &str) -> Result<()> {
        let (repo, tag) = match name.rfind(':') {
            Some(colon) if !name[colon..].contains('/') => (&name[..colon], &name[colon + 1..]),
            _ => (name, "latest"),
        };
        let options = TagImageOptionsBuilder::new().repo(repo).tag(tag).build();
        self.call(
            &format!("tag {id} as {name}"),
            self.docker.tag_image(id, Some(options)),
        )
        .await?;
        Ok(())
    }
}
