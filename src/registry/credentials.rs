//! Credentials as the Docker CLI keeps them: `config.json` (`$DOCKER_CONFIG`, else
//! `~/.docker`), with `credHelpers` per registry, a `credsStore` for all, or `auths` entries;
//! helpers are the `docker-credential-NAME` programs, asked with `get`.

use super::error::RegistryError;
use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A user name and its password or token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub secret: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({}, …)", self.username)
    }
}

/// How long a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(20);

/// Docker Hub's key in `config.json` and for helpers.
const HUB_KEY: &str = "https://index.docker.io/v1/";

/// Where the Docker CLI's configuration is.
pub fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
        }
    }
}

/// The credential for `registry` (as references name it: `docker.io`, `host:port`), if the
/// Docker CLI has one. A missing file means none; an unreadable one or a failing helper is an
/// error that says so.
pub async fn lookup(registry: &str) -> Result<Option<Credential>, RegistryError> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    lookup_in(&path, registry).await
}

pub(super) async fn lookup_in(
    path: &Path,
    registry: &str,
) -> Result<Option<Credential>, RegistryError> {
    let fail = |detail: String| RegistryError::Credentials {
        host: registry.to_string(),
        detail,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail(format!("cannot read {}: {e}", path.display()))),
    };
    let config: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("{} is not valid JSON: {e}", path.display())))?;
    let server = if registry == "docker.io" {
        HUB_KEY
    } else {
        registry
    };
    let helper = config
        .get("credHelpers")
        .and_then(|h| h.as_object())
        .and_then(|helpers| {
            helpers
                .iter()
                .find(|(key, _)| same_registry(key, registry))
                .and_then(|(_, v)| v.as_str())
        })
        .or_else(|| config.get("credsStore").and_then(|s| s.as_str()))
        .filter(|name| !name.is_empty());
    if let Some(helper) = helper {
        return ask_helper(helper, server).await.map_err(fail);
    }
    let entry = config
        .get("auths")
        .and_then(|a| a.as_object())
        .and_then(|auths| auths.iter().find(|(key, _)| same_registry(key, registry)))
        .map(|(_, entry)| entry);
    let Some(entry) = entry else {
        return Ok(None);
    };
    let field = |key: &str| entry.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    if !field("auth").is_empty() {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(field("auth"))
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                fail(format!(
                    "the `auth` of {registry} in {} is not base64 of user:password",
                    path.display()
                ))
            })?;
        let (username, secret) = decoded.split_once(':').ok_or_else(|| {
            fail(format!(
                "the `auth` of {registry} in {} holds no `:`",
                path.display()
            ))
        })?;
        return Ok(Some(Credential {
            username: username.to_string(),
            secret: secret.to_string(),
        }));
    }
    if !field("identitytoken").is_empty() {
        return Ok(Some(Credential {
            username: "<token>".to_string(),
            secret: field("identitytoken").to_string(),
        }));
    }
    if !field("username").is_empty() {
        return Ok(Some(Credential {
            username: field("username").to_string(),
            secret: field("password").to_string(),
        }));
    }
    Ok(None)
}

/// Whether a `config.json` key (`host`, `https://host`, `https://host/v1/`) names `registry`.
fn same_registry(key: &str, registry: &str) -> bool {
    let host = key
        .split_once("://")
        .map_or(key, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let hub = |h: &str| ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(&h);
    host == registry || (hub(host) && hub(registry))
}

/// Runs `docker-credential-NAME get` with the server on standard input.
async fn ask_helper(name: &str, server: &str) -> Result<Option<Credential>, String> {
    use tokio::io::AsyncWriteExt;
    let program = format!("docker-credential-{name}");
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!("cannot run the credential helper {program} named in the Docker config: {e}")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(server.as_bytes())
            .await
            .map_err(|e| format!("cannot talk to {program}: {e}"))?;
    }
    let output = tokio::time::timeout(HELPER_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            format!(
                "{program} did not answer within {} s",
                HELPER_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("{program} failed: {e}"))?;
    let said = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() {
        if said.contains("credentials not found") {
            return Ok(None);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{program} get failed: {} {}", said, stderr.trim()));
    }
    let value: serde_json::Value =
        serde_json::from_str(&said).map_err(|e| format!("{program} gave no JSON: {e}"))?;
    let field = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    Ok(Some(Credential {
        username: field("Username"),
        secret: field("Secret"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_name_registries_with_or_without_scheme() {
        assert!(same_registry("https://index.docker.io/v1/", "docker.io"));
        assert!(same_registry("127.0.0.1:5000", "127.0.0.1:5000"));
        assert!(same_registry("http://127.0.0.1:5000", "127.0.0.1:5000"));
        assert!(!same_registry("127.0.0.1:5001", "127.0.0.1:5000"));
    }

    #[tokio::test]
    async fn auths_entries_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        assert_eq!(lookup_in(&path, "r").await.unwrap(), None);
        std::fs::write(&path, r#"{"auths": {"r:1": {"auth": "dTpw"}}}"#).unwrap();
        let credential = lookup_in(&path, "r:1").await.unwrap().unwrap();
        assert_eq!(
            (credential.username.as_str(), credential.secret.as_str()),
            ("u", "p")
        );
        assert_eq!(lookup_in(&path, "other").await.unwrap(), None);
        std::fs::write(&path, r#"{"credsStore": "imgreaper-test-none"}"#).unwrap();
        let error = lookup_in(&path, "r:1").await.unwrap_err().to_string();
        assert!(
            error.contains("docker-credential-imgreaper-test-none"),
            "{error}"
        );
    }
}
