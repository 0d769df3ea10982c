//! The OCI distribution API calls: tag lists and the catalog (following `Link`), manifest
//! digests by `HEAD`, creation dates from the image config, deletion by digest.

use super::client::{Call, Client, error_message};
use super::error::RegistryError;
use super::transport::Answer;
use crate::core::model::Timestamp;
use http::{Method, StatusCode, header};

/// Every manifest kind a tag may point at: OCI index and manifest, Docker list and manifest.
pub(super) const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// What deleting a manifest came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// It was not there (any more).
    Gone,
}

fn pull(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

impl Client {
    /// Every tag of a repository, following the `Link` header page by page.
    pub async fn tags(&self, host: &str, repository: &str) -> Result<Vec<String>, RegistryError> {
        let what = format!("the tag list of {repository}");
        let pages = self
            .pages(
                host,
                format!("/v2/{repository}/tags/list"),
                pull(repository),
                &what,
            )
            .await?;
        let mut tags = Vec::new();
        for body in pages {
            let value: serde_json::Value = parse_json(host, &what, &body)?;
            // A repository without tags says `"tags": null`.
            if let Some(list) = value.get("tags").and_then(|t| t.as_array()) {
                tags.extend(list.iter().filter_map(|t| t.as_str()).map(str::to_string));
            }
        }
        Ok(tags)
    }

    /// Every repository of the registry (`/v2/_catalog`), page by page.
    pub async fn catalog(&self, host: &str) -> Result<Vec<String>, RegistryError> {
        let what = "the repository catalog".to_string();
        let pages = self
            .pages(
                host,
                "/v2/_catalog".to_string(),
                "registry:catalog:*".to_string(),
                &what,
            )
            .await?;
        let mut repositories = Vec::new();
        for body in pages {
            let value: serde_json::Value = parse_json(host, &what, &body)?;
            if let Some(list) = value.get("repositories").and_then(|t| t.as_array()) {
                repositories.extend(list.iter().filter_map(|t| t.as_str()).map(str::to_string));
            }
        }
        Ok(repositories)
    }

    async fn pages(
        &self,
        host: &str,
        first: String,
        scope: String,
        what: &str,
    ) -> Result<Vec<bytes::Bytes>, RegistryError> {
        let mut bodies = Vec::new();
        let mut next = Some(first);
        while let Some(path) = next.take() {
            let call = Call {
                host,
                method: Method::GET,
                path,
                accept: Some("application/json"),
                scope: scope.clone(),
                what: what.to_string(),
            };
            let answer = self.call(&call).await?;
            if !answer.status.is_success() {
                return Err(refused(&call, &answer));
            }
            next = next_page(&answer.headers, host);
            bodies.push(answer.body);
            if bodies.len() > 100_000 {
                return Err(protocol(&call, "it keeps sending pages (over 100,000)"));
            }
        }
        Ok(bodies)
    }

    /// The digest a tag (or digest) points at now, by `HEAD`; `None` when the registry has
    /// no such tag.
    pub async fn manifest_digest(
        &self,
        host: &str,
        repository: &str,
        reference: &str,
    ) -> Result<Option<String>, RegistryError> {
        let call = Call {
            host,
            method: Method::HEAD,
            path: format!("/v2/{repository}/manifests/{reference}"),
            accept: Some(MANIFEST_TYPES),
            scope: pull(repository),
            what: format!("the manifest of {repository}:{reference}"),
        };
        let answer = self.call(&call).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !answer.status.is_success() {
            return Err(refused(&call, &answer));
        }
        let digest = answer
            .headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .filter(|d| d.contains(':'))
            .ok_or_else(|| protocol(&call, "no Docker-Content-Digest header"))?;
        Ok(Some(digest.to_string()))
    }

    /// When the image behind a manifest digest was created, from its config (for an index,
    /// from its first image's). `None` when the config has no date.
    pub async fn created(
        &self,
        host: &str,
        repository: &str,
        digest: &str,
    ) -> Result<Option<Timestamp>, RegistryError> {
        let manifest = self.manifest(host, repository, digest).await?;
        let manifest = match manifest.get("manifests").and_then(|m| m.as_array()) {
            Some(children) => {
                let Some(first) = children.iter().find_map(|c| c.get("digest")?.as_str()) else {
                    return Ok(None);
                };
                self.manifest(host, repository, first).await?
            }
            None => manifest,
        };
        let Some(config) = manifest
            .get("config")
            .and_then(|c| c.get("digest"))
            .and_then(|d| d.as_str())
        else {
            return Ok(None);
        };
        let config = self.blob(host, repository, config).await?;
        let value: serde_json::Value = parse_json(host, "an image config", &config)?;
        Ok(value
            .get("created")
            .and_then(|c| c.as_str())
            .and_then(crate::core::policy::parse_rfc3339))
    }

    async fn manifest(
        &self,
        host: &str,
        repository: &str,
        digest: &str,
    ) -> Result<serde_json::Value, RegistryError> {
        let call = Call {
            host,
            method: Method::GET,
            path: format!("/v2/{repository}/manifests/{digest}"),
            accept: Some(MANIFEST_TYPES),
            scope: pull(repository),
            what: format!("the manifest {repository}@{digest}"),
        };
        let answer = self.call(&call).await?;
        if !answer.status.is_success() {
            return Err(refused(&call, &answer));
        }
        parse_json(host, &call.what, &answer.body)
    }

    /// A blob, following the registry's redirect (to a storage service) if it gives one.
    async fn blob(
        &self,
        host: &str,
        repository: &str,
        digest: &str,
    ) -> Result<bytes::Bytes, RegistryError> {
        let call = Call {
            host,
            method: Method::GET,
            path: format!("/v2/{repository}/blobs/{digest}"),
            accept: None,
            scope: pull(repository),
            what: format!("the blob {repository}@{digest}"),
        };
        let mut answer = self.call(&call).await?;
        let mut hops = 0;
        while answer.status.is_redirection() && hops < 5 {
            let Some(location) = answer
                .headers
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
            else {
                break;
            };
            let (url, same_host) = if location.starts_with('/') {
                (format!("{}://{host}{location}", self.scheme_of(host)), true)
            } else {
                let same = location
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split('/').next())
                    == Some(host);
                (location.to_string(), same)
            };
            let authorization = same_host
                .then(|| self.authorization(host, &call.scope))
                .flatten();
            answer = self.follow(&call, &url, authorization.as_deref()).await?;
            hops += 1;
        }
        if !answer.status.is_success() {
            return Err(refused(&call, &answer));
        }
        Ok(answer.body)
    }

    /// Deletes a manifest (and so every tag on it) by digest.
    pub async fn delete_manifest(
        &self,
        host: &str,
        repository: &str,
        digest: &str,
    ) -> Result<Deleted, RegistryError> {
        let call = Call {
            host,
            method: Method::DELETE,
            path: format!("/v2/{repository}/manifests/{digest}"),
            accept: None,
            scope: format!("repository:{repository}:delete"),
            what: format!("deleting {repository}@{digest}"),
        };
        let answer = self.call(&call).await?;
        match answer.status {
            s if s.is_success() => Ok(Deleted::Deleted),
            StatusCode::NOT_FOUND => Ok(Deleted::Gone),
            _ => Err(refused(&call, &answer)),
        }
    }
}

/// The path and query of the `Link: <…>; rel="next"` page, if any (on the same registry).
fn next_page(headers: &http::HeaderMap, host: &str) -> Option<String> {
    headers.get_all(header::LINK).iter().find_map(|value| {
        let value = value.to_str().ok()?;
        value.split(',').find_map(|link| {
            let (target, params) = link.split_once(';')?;
            if !params.replace(' ', "").contains("rel=\"next\"") && !params.contains("rel=next") {
                return None;
            }
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            match target.split_once("://") {
                None => Some(target.to_string()),
                Some((_, rest)) => {
                    let (authority, path) = rest.split_at(rest.find('/')?);
                    (authority == host).then(|| path.to_string())
                }
            }
        })
    })
}

fn parse_json(host: &str, what: &str, body: &[u8]) -> Result<serde_json::Value, RegistryError> {
    serde_json::from_slice(body).map_err(|e| RegistryError::Protocol {
        host: host.to_string(),
        what: what.to_string(),
        detail: format!("not JSON: {e}"),
    })
}

fn protocol(call: &Call<'_>, detail: &str) -> RegistryError {
    RegistryError::Protocol {
        host: call.host.to_string(),
        what: call.what.clone(),
        detail: detail.to_string(),
    }
}

fn refused(call: &Call<'_>, answer: &Answer) -> RegistryError {
    let status = answer.status.as_u16();
    let hint = match (status, &call.method) {
        (405, &Method::DELETE) => "; the registry does not allow deletion: enable it (for the Docker registry, `storage: delete: enabled: true`)".to_string(),
        (401 | 403, _) => format!("; check the credentials `docker login {}` stored, and that they may do this", call.host),
        (404, _) => "; check the repository's name".to_string(),
        _ => String::new(),
    };
    RegistryError::Refused {
        host: call.host.to_string(),
        what: call.what.clone(),
        status,
        message: error_message(&answer.body),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_relative_and_absolute() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            header::LINK,
            r#"</v2/a/tags/list?last=x&n=2>; rel="next""#.parse().unwrap(),
        );
        assert_eq!(
            next_page(&headers, "r:1").as_deref(),
            Some("/v2/a/tags/list?last=x&n=2")
        );
        headers.insert(
            header::LINK,
            r#"<https://r:1/v2/a/tags/list?last=y>; rel="next""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_page(&headers, "r:1").as_deref(),
            Some("/v2/a/tags/list?last=y")
        );
        headers.insert(
            header::LINK,
            r#"</v2/a/tags/list?last=z>; rel="prev""#.parse().unwrap(),
        );
        assert_eq!(next_page(&headers, "r:1"), None);
    }
}
