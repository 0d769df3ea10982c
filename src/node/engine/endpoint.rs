//! Where the engine is, found as the Docker CLI finds it: `--host`, else `DOCKER_HOST`, else
//! the Docker context (`DOCKER_CONTEXT`, else `currentContext` in the CLI's `config.json`, as
//! `docker context use` sets it), else the default socket; with TLS from `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH`, or from the context.

use anyhow::{Context as _, Result, anyhow, bail};
use std::path::{Path, PathBuf};

/// The default local socket.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// An engine address and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `unix:///…` or `tcp://HOST:PORT`.
    pub host: String,
    /// Client certificate, key and CA to verify the engine with (a `tcp://` address over TLS).
    pub tls: Option<Tls>,
    /// Where the address came from, for messages: `--host`, `DOCKER_HOST`, `context edge2`, …
    pub source: String,
}

/// The files of a TLS connection, as the Docker CLI keeps them (`ca.pem`, `cert.pem`, `key.pem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    fn in_dir(dir: &Path) -> Tls {
        Tls {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

impl Endpoint {
    /// An address given as it is (tests, completions), with TLS from the environment.
    pub fn plain(host: &str) -> Endpoint {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Endpoint {
            host: host.to_string(),
            tls: tls_from_env(host, &env).ok().flatten(),
            source: "--host".to_string(),
        }
    }
}

/// Finds the engine: `flag` is `--host`.
pub fn resolve(flag: Option<&str>) -> Result<Endpoint> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    resolve_with(flag, &env, &config_dir(&env))
}

/// The Docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".docker")))
        .unwrap_or_else(|| PathBuf::from("/root/.docker"))
}

fn resolve_with(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    config: &Path,
) -> Result<Endpoint> {
    let (host, source) = match (flag, env("DOCKER_HOST")) {
        (Some(host), _) => (host.to_string(), "--host".to_string()),
        (None, Some(host)) => (host, "DOCKER_HOST".to_string()),
        (None, None) => return from_context(env, config),
    };
    refuse_ssh(&host)?;
    Ok(Endpoint {
        tls: tls_from_env(&host, env)?,
        host,
        source,
    })
}

/// `DOCKER_TLS_VERIFY` with `DOCKER_CERT_PATH` (default `~/.docker`), for a `tcp://` address.
fn tls_from_env(host: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Tls>> {
    if !host.starts_with("tcp://") || env("DOCKER_TLS_VERIFY").is_none_or(|v| v == "0") {
        return Ok(None);
    }
    let dir = env("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| config_dir(env));
    let tls = Tls::in_dir(&dir);
    for file in [&tls.ca, &tls.cert, &tls.key] {
        if !file.exists() {
            bail!(
                "DOCKER_TLS_VERIFY is set but {} is missing; put ca.pem, cert.pem and key.pem \
                 there or set DOCKER_CERT_PATH to the directory that has them",
                file.display()
            );
        }
    }
    Ok(Some(tls))
}

fn refuse_ssh(host: &str) -> Result<()> {
    if host.starts_with("ssh://") {
        bail!(
            "{host} is an engine reached over SSH: imgreaper runs on the node, next to its \
             engine. Run it there (ssh HOST imgreaper …), or reach many nodes from here with \
             `imgreaper fleet …` over your own SSH"
        );
    }
    Ok(())
}

/// The Docker context in force: `DOCKER_CONTEXT`, else `currentContext` in `config.json`.
fn from_context(env: &dyn Fn(&str) -> Option<String>, config: &Path) -> Result<Endpoint> {
    let named = env("DOCKER_CONTEXT").map(|name| (name, "DOCKER_CONTEXT"));
    let named = match named {
        Some(named) => Some(named),
        None => current_context(config)?.map(|name| (name, "currentContext")),
    };
    let Some((name, via)) = named.filter(|(name, _)| name != "default") else {
        return Ok(Endpoint {
            host: DEFAULT_HOST.to_string(),
            tls: None,
            source: "the default socket".to_string(),
        });
    };
    // The CLI keeps each context under the SHA-256 of its name.
    let id = sha256_hex(name.as_bytes());
    let meta_path = config.join("contexts/meta").join(&id).join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| {
        anyhow!(
            "the Docker context {name} (from {via}) is not there ({}: {e}); `docker context ls` \
             lists the contexts",
            meta_path.display()
        )
    })?;
    let meta: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("the Docker context file {} is damaged", meta_path.display()))?;
    let docker = &meta["Endpoints"]["docker"];
    let host = docker["Host"]
        .as_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| anyhow!("the Docker context {name} names no engine address"))?
        .to_string();
    refuse_ssh(&host)?;
    let source = format!("Docker context {name}");
    let tls_dir = config.join("contexts/tls").join(&id).join("docker");
    let tls = (host.starts_with("tcp://") && tls_dir.join("ca.pem").exists())
        .then(|| Tls::in_dir(&tls_dir));
    if docker["SkipTLSVerify"].as_bool() == Some(true) {
        bail!(
            "the Docker context {name} skips verifying the engine's certificate; imgreaper \
             always verifies it: give the context the engine's CA (docker context update \
             {name} --docker ca=…)"
        );
    }
    Ok(Endpoint { host, tls, source })
}

fn current_context(config: &Path) -> Result<Option<String>> {
    let path = config.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow!("cannot read {}: {e}", path.display())),
    };
    let config: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    Ok(config["currentContext"]
        .as_str()
        .filter(|name| !name.is_empty())
        .map(str::to_string))
}

/// SHA-256 of `bytes`, in lowercase hex (how the Docker CLI names a context's directory).
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_directories_are_named_by_the_sha256_of_the_name() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_flag_wins_then_docker_host_then_the_context() {
        let dir = tempfile::tempdir().unwrap();
        let none = |_: &str| None;
        assert_eq!(
            resolve_with(Some("unix:///a.sock"), &none, dir.path())
                .unwrap()
                .host,
            "unix:///a.sock"
        );
        let host = |name: &str| (name == "DOCKER_HOST").then(|| "unix:///b.sock".to_string());
        assert_eq!(
            resolve_with(None, &host, dir.path()).unwrap().host,
            "unix:///b.sock"
        );
        assert_eq!(
            resolve_with(None, &none, dir.path()).unwrap().host,
            DEFAULT_HOST
        );
    }

    #[test]
    fn an_ssh_engine_is_refused_saying_where_imgreaper_runs() {
        let dir = tempfile::tempdir().unwrap();
        let error = resolve_with(Some("ssh://edge@10.0.0.7"), &|_| None, dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("runs on the node") && error.contains("fleet"),
            "{error}"
        );
    }
}
