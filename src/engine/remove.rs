//! Removing one reference, never forced.

use super::Engine;
use super::connect::EngineContext;
use anyhow::Result;
use bollard::query_parameters::RemoveImageOptions;

/// What the engine did with a removal request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveOutcome {
    /// The name was removed; `deleted` is true when the image itself went (it was the last name).
    Removed { deleted: bool },
    /// 409: something uses the image (a container was created meanwhile).
    Conflict(String),
    /// 404: someone else removed it first.
    Gone,
}

impl Engine {
    /// Removes one reference (or, for a dangling image, the image ID). Never passes `force`.
    pub async fn remove(&self, reference: &str) -> Result<RemoveOutcome> {
        let options = RemoveImageOptions {
            force: false,
            noprune: false,
            ..Default::default()
        };
        match self
            .docker
            .remove_image(reference, Some(options), None)
            .await
        {
            Ok(items) => Ok(RemoveOutcome::Removed {
                deleted: items.iter().any(|item| item.deleted.is_some()),
            }),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409,
                message,
            }) => Ok(RemoveOutcome::Conflict(message)),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(RemoveOutcome::Gone),
            Err(e) => Err(e).engine_context(self, &format!("cannot remove {reference}")),
        }
    }
}
