//! Finding and reaching the engine the way the Docker CLI does.

use super::endpoint::Endpoint;
use super::error::{EngineError, REQUEST_TIMEOUT, classify, socket_problem};
use anyhow::{Result, anyhow};
use bollard::Docker;
use std::future::Future;

/// A connected engine.
#[derive(Clone)]
pub struct Engine {
    pub(super) docker: Docker,
    host: String,
    /// `--data-root`: the path whose filesystem disk pressure watches, instead of `docker info`'s.
    pub(super) data_root: Option<std::path::PathBuf>,
    /// Whether the engine is Podman, once asked.
    pub(super) podman: std::sync::Arc<std::sync::OnceLock<bool>>,
    /// What `docker version` and `docker info` say that stays while connected (both make the
    /// engine run helper programs: asked once per connection, not per reading).
    facts: std::sync::Arc<tokio::sync::OnceCell<Facts>>,
}

/// The engine's version, data root and name.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    pub(super) version: String,
    pub(super) root_dir: String,
    pub(super) node: String,
}

/// What the header shows about the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineInfo {
    pub version: String,
    pub root_dir: String,
    pub node: String,
    /// The filesystem holding the engine's data root, when it is local and could be read.
    pub disk: Option<crate::core::disk::DiskUse>,
    /// The same, with the path read or why it could not be read.
    pub disk_reading: crate::core::disk::DiskReading,
}

impl Engine {
    /// Connects and checks the engine answers, with an error that names the address and the fix.
    /// Every request is bounded by `REQUEST_TIMEOUT`, so a hung engine is reported, not waited for.
    pub async fn connect(host: &str) -> Result<Engine> {
        Engine::connect_to(&Endpoint::plain(host)).await
    }

    /// Connects to an engine found as the Docker CLI finds it (`endpoint::resolve`).
    pub async fn connect_to(endpoint: &Endpoint) -> Result<Engine> {
        let engine = Engine::open(endpoint)?;
        engine.ping().await?;
        Ok(engine)
    }

    /// The client for an engine, without asking it anything yet: for a command whose first
    /// request follows at once (its error names the address as a ping's would).
    pub fn open(endpoint: &Endpoint) -> Result<Engine> {
        let host = endpoint.host.as_str();
        // Said here, before the client library's own "Socket not found" without a hint.
        if let Some(path) = host.strip_prefix("unix://")
            && let Some(hint) = socket_problem(std::path::Path::new(path))
        {
            return Err(EngineError::Unreachable {
                host: host.to_string(),
                hint,
            }
            .into());
        }
        let timeout = REQUEST_TIMEOUT.as_secs();
        let connected = match (&endpoint.tls, host.strip_prefix("tcp://")) {
            (Some(tls), Some(_)) => Docker::connect_with_ssl(
                host,
                &tls.key,
                &tls.cert,
                &tls.ca,
                timeout,
                bollard::API_DEFAULT_VERSION,
            ),
            _ => Docker::connect_with_host(host),
        };
        let docker = connected
            .map_err(|e| {
                anyhow!(
                    "cannot use the Docker engine address {host} (from {}): {e}; give --host \
                     unix:///path/to/docker.sock or tcp://HOST:PORT",
                    endpoint.source
                )
            })?
            .with_timeout(REQUEST_TIMEOUT);
        let engine = Engine {
            docker,
            host: host.to_string(),
            data_root: None,
            podman: Default::default(),
            facts: Default::default(),
        };
        Ok(engine)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// Runs one request with the whole of it (answer and body) bounded by `REQUEST_TIMEOUT`,
    /// and classifies its error; `what` completes "did not answer …" / "refused to …".
    pub(super) async fn call<T>(
        &self,
        what: &str,
        request: impl Future<Output = std::result::Result<T, bollard::errors::Error>>,
    ) -> std::result::Result<T, EngineError> {
        match tokio::time::timeout(REQUEST_TIMEOUT, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(classify(&self.host, what, error)),
            Err(_) => Err(EngineError::Timeout {
                host: self.host.clone(),
                what: what.to_string(),
            }),
        }
    }

    /// Whether the engine is Podman (its compatible API names images and events its own way),
    /// asked once.
    pub async fn is_podman(&self) -> Result<bool> {
        if let Some(podman) = self.podman.get() {
            return Ok(*podman);
        }
        let version = self
            .call("the version request", self.docker.version())
            .await?;
        Ok(*self.podman.get_or_init(|| names_podman(&version)))
    }

    pub async fn ping(&self) -> Result<()> {
        self.call("a ping", self.docker.ping()).await?;
        Ok(())
    }

    /// The engine's version (`docker version`'s server version).
    pub async fn version(&self) -> Result<String> {
        Ok(self.facts().await?.version.clone())
    }

    /// The engine's own clock, in nanoseconds since the epoch, when it says (Docker does in
    /// `/info`): its event log is dated by it, so the event cursor is compared with it rather
    /// than with this process's wall clock (§12).
    pub async fn clock_nanos(&self) -> Result<Option<i64>> {
        let info = self.call("the info request", self.docker.info()).await?;
        Ok(info
            .system_time
            .as_deref()
            .and_then(crate::core::engine_time::parse_rfc3339_nanos))
    }

    pub async fn info(&self) -> Result<EngineInfo> {
        let facts = self.facts().await?;
        let disk_reading = self.disk_of_root(&facts.root_dir);
        Ok(EngineInfo {
            version: facts.version.clone(),
            disk: disk_reading.usage(),
            disk_reading,
            root_dir: facts.root_dir.clone(),
            node: facts.node.clone(),
        })
    }

    /// The engine's version, data root and name, asked once per connection (both requests at
    /// once: the console's first frame waits for them beside the inventory). Whether it is
    /// Podman comes with the version.
    pub(super) async fn facts(&self) -> Result<&Facts> {
        self.facts
            .get_or_try_init(|| async {
                let (version, info) = tokio::try_join!(
                    self.call("the version request", self.docker.version()),
                    self.call("the info request", self.docker.info())
                )?;
                let _ = self.podman.set(names_podman(&version));
                let root_dir = info.docker_root_dir.unwrap_or_default();
                Ok(Facts {
                    version: version.version.unwrap_or_default(),
                    root_dir,
                    node: info.name.unwrap_or_default(),
                })
            })
            .await
    }
}

/// Whether `docker version` names Podman among its components.
fn names_podman(version: &bollard::models::SystemVersion) -> bool {
    version
        .components
        .iter()
        .flatten()
        .any(|c| c.name.to_ascii_lowercase().contains("podman"))
}
