//! One full inventory: every image with its names and size, and the containers made from it.

use super::Engine;
use super::error::EngineError;
use crate::core::model::{Container, Image, Inventory};
use crate::node::removal::is_hold_name;
use anyhow::Result;
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions};
use std::collections::HashMap;

impl Engine {
    /// Two requests (images, containers), issued together.
    pub async fn inventory(&self) -> Result<Inventory> {
        // Every image, intermediate ones included: only they tell which images others are built
        // on (an image with children cannot be deleted; §4).
        let images = self.docker.list_images(Some(ListImagesOptions {
            all: true,
            ..Default::default()
        }));
        let containers = self.docker.list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }));
        let (images, containers) = tokio::join!(
            self.call("the image list request", images),
            self.call("the container list request", containers),
        );
        let (images, containers) = (images?, containers?);
        // Whether it is Podman matters only for names under `localhost/` (how Podman names what
        // is built here): asked only when there are some, and once per connection.
        let podman = images.iter().any(|image| {
            image
                .repo_tags
                .iter()
                .any(|tag| tag.starts_with("localhost/"))
        }) && self.is_podman().await?;

        let mut by_image: HashMap<String, Vec<Container>> = HashMap::new();
        for summary in containers {
            let Some(image_id) = summary.image_id else {
                continue;
            };
            let name = summary
                .names
                .and_then(|names| names.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_default();
            by_image.entry(image_id).or_default().push(Container {
                id: summary.id.unwrap_or_default(),
                name,
                state: summary.state.map(|s| s.to_string()).unwrap_or_default(),
            });
        }
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for summary in &images {
            if !summary.parent_id.is_empty() {
                children
                    .entry(summary.parent_id.clone())
                    .or_default()
                    .push(summary.id.clone());
            }
        }
        let mut images: Vec<Image> = images
            .into_iter()
            .filter_map(|summary| {
                // A hold name is imgreaper's own, on an image it is deleting: never planned.
                let tags: Vec<String> = summary
                    .repo_tags
                    .into_iter()
                    .filter(|t| t != "<none>:<none>" && !is_hold_name(t))
                    .collect();
                let digests: Vec<String> = summary
                    .repo_digests
                    .into_iter()
                    .filter(|d| !d.starts_with("<none>@"))
                    .collect();
                // An untagged image pulled by digest is still named by its digest.
                let references = if tags.is_empty() {
                    digests.clone()
                } else {
                    tags
                };
                let children = children.remove(&summary.id).unwrap_or_default();
                // An intermediate layer of a local build, as `docker images` hides it too.
                if references.is_empty() && !children.is_empty() {
                    return None;
                }
                let mut containers = by_image.remove(&summary.id).unwrap_or_default();
                containers.sort_by(|a, b| a.name.cmp(&b.name));
                Some(Image {
                    id: summary.id,
                    references,
                    repo_digests: digests,
                    size: summary.size.max(0) as u64,
                    created: summary.created,
                    children,
                    containers,
                })
            })
            .collect();
        for image in &mut images {
            image.references.sort();
        }
        // Named images first, by name, as an operator scans them; dangling ones last.
        images.sort_by(|a, b| {
            (a.references.is_empty(), a.references.first(), &a.id).cmp(&(
                b.references.is_empty(),
                b.references.first(),
                &b.id,
            ))
        });
        Ok(Inventory { images, podman })
    }

    /// Re-reads one image (by name or ID) right before acting on it: its ID, its names and the
    /// containers made from it. `None` when the engine no longer has it.
    pub async fn image_now(&self, name_or_id: &str) -> Result<Option<ImageNow>> {
        let inspect = match self
            .call(
                "the image inspection",
                self.docker.inspect_image(name_or_id),
            )
            .await
        {
            Ok(inspect) => inspect,
            Err(EngineError::Refused { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let id = inspect.id.unwrap_or_default();
        let mut filters = HashMap::new();
        filters.insert("ancestor".to_string(), vec![id.clone()]);
        let containers = self
            .call(
                "the container list request",
                self.docker.list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(filters),
                    ..Default::default()
                })),
            )
            .await?;
        let users = containers
            .into_iter()
            .filter(|c| c.image_id.as_deref() == Some(id.as_str()))
            .map(|c| Container {
                id: c.id.unwrap_or_default(),
                name: c
                    .names
                    .and_then(|n| n.into_iter().next())
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_default(),
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect();
        Ok(Some(ImageNow {
            id,
            tags: inspect.repo_tags.unwrap_or_default(),
            digests: inspect.repo_digests.unwrap_or_default(),
            containers: users,
        }))
    }
}

impl Engine {
    /// The ID of the image `name` points at now, or `None` when nothing carries it. One
    /// request: the check right before an untag, kept as close to it as possible.
    pub async fn image_id_of(&self, name: &str) -> Result<Option<String>> {
        match self
            .call("the image inspection", self.docker.inspect_image(name))
            .await
        {
            Ok(inspect) => Ok(inspect.id),
            Err(EngineError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// One image as the engine holds it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageNow {
    pub id: String,
    pub tags: Vec<String>,
    pub digests: Vec<String>,
    pub containers: Vec<Container>,
}

impl ImageNow {
    /// Whether the image carries `name` (a tag or a digest name).
    pub fn carries(&self, name: &str) -> bool {
        self.tags.iter().chain(&self.digests).any(|n| n == name)
    }
}
