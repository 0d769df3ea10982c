//! How an image name names a registry: its host, the repository path on it, and the tag or
//! digest, read as Docker reads them (`nginx:1.25` is `library/nginx` on Docker Hub).

use crate::core::policy::{qualified_form, repository_of};

/// Docker Hub's name in references, and where its API answers.
const HUB: &str = "docker.io";
const HUB_API: &str = "registry-1.docker.io";

/// One tagged name, split for the registry API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryName {
    /// The host as references write it (`docker.io`, `127.0.0.1:5000`).
    pub registry: String,
    /// The repository path on it (`library/nginx`, `myorg/app`).
    pub repository: String,
    pub tag: String,
    /// The digest written after the tag, if any (`repo:tag@sha256:…`).
    pub digest: Option<String>,
}

impl RegistryName {
    /// Reads `repo:tag` or `repo:tag@sha256:…`; `None` for a name without a tag.
    pub fn parse(reference: &str) -> Option<RegistryName> {
        let qualified = qualified_form(reference);
        let (name, digest) = match qualified.split_once('@') {
            Some((name, digest)) => (name.to_string(), Some(digest.to_string())),
            None => (qualified.clone(), None),
        };
        let repository = repository_of(&name);
        let tag = name.get(repository.len() + 1..)?.to_string();
        if tag.is_empty() {
            return None;
        }
        let (registry, path) = repository.split_once('/')?;
        Some(RegistryName {
            registry: registry.to_string(),
            repository: path.to_string(),
            tag,
            digest,
        })
    }

    /// Where the registry's API answers (Docker Hub's differs from its name).
    pub fn api_host(&self) -> &str {
        api_host(&self.registry)
    }

    /// `registry/repository`, the name repo digests carry before their `@`.
    pub fn qualified_repository(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// The host to send API requests to for a registry as references name it.
pub fn api_host(registry: &str) -> &str {
    if registry == HUB { HUB_API } else { registry }
}

/// The digest of `repository` among an image's repo digests (`repo@sha256:…`), compared in
/// the qualified form, so `nginx@…` and `docker.io/library/nginx@…` agree.
pub fn digest_of(repo_digests: &[String], qualified_repository: &str) -> Option<String> {
    repo_digests.iter().find_map(|name| {
        let qualified = qualified_form(name);
        let (repository, digest) = qualified.split_once('@')?;
        (repository == qualified_repository).then(|| digest.to_string())
    })
}

/// Whether an update found for `reference` (when the image carried `local_digest`) still
/// stands: the image still carries that digest for the tag's repository.
pub fn update_stands(repo_digests: &[String], reference: &str, local_digest: &str) -> bool {
    RegistryName::parse(reference).is_some_and(|name| {
        digest_of(repo_digests, &name.qualified_repository()).as_deref() == Some(local_digest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_names_gain_their_registry_and_library() {
        let name = RegistryName::parse("nginx:1.25").unwrap();
        assert_eq!(name.registry, "docker.io");
        assert_eq!(name.repository, "library/nginx");
        assert_eq!(name.tag, "1.25");
        assert_eq!(name.api_host(), "registry-1.docker.io");
    }

    #[test]
    fn a_host_with_a_port_and_a_pinned_digest() {
        let name = RegistryName::parse("127.0.0.1:5000/team/app:1@sha256:abc").unwrap();
        assert_eq!(name.registry, "127.0.0.1:5000");
        assert_eq!(name.repository, "team/app");
        assert_eq!(name.tag, "1");
        assert_eq!(name.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(name.qualified_repository(), "127.0.0.1:5000/team/app");
    }

    #[test]
    fn names_without_a_tag_are_not_tags() {
        assert_eq!(RegistryName::parse("app@sha256:abc"), None);
        assert_eq!(RegistryName::parse("127.0.0.1:5000/app"), None);
    }

    #[test]
    fn repo_digests_are_compared_qualified() {
        let digests = vec!["other@sha256:1".to_string(), "nginx@sha256:2".to_string()];
        assert_eq!(
            digest_of(&digests, "docker.io/library/nginx").as_deref(),
            Some("sha256:2")
        );
        assert_eq!(digest_of(&digests, "docker.io/library/app"), None);
    }
}
