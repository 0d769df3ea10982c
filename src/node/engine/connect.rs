//! Finding and reaching the engine the way the Docker CLI does.

use super::error::{EngineError, REQUEST_TIMEOUT, classify, socket_problem};
use anyhow::{Result, anyhow};
use bollard::Docker;
use std::future::Future;

/// The engine address: `--host`, else `DOCKER_HOST`, else the default socket.
pub fn default_host(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string())
}

/// A connected engine.
#[derive(Clone)]
pub struct Engine {
    pub(super) docker: Docker,
    host: String,
    /// `--data-root`: the path whose filesystem disk pressure watches, instead of `docker info`'s.
    pub(super) data_root: Option<std::path::PathBuf>,
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
        let docker = Docker::connect_with_host(host)
            .map_err(|e| {
                anyhow!(
                    "cannot use the Docker engine address {host}: {e}; give --host \
                     unix:///path/to/docker.sock or tcp://HOST:PORT"
                )
            })?
            .with_timeout(REQUEST_TIMEOUT);
        let engine = Engine {
            docker,
            host: host.to_string(),
            data_root: None,
        };
        engine.ping().await?;
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

    pub async fn ping(&self) -> Result<()> {
        self.call("a ping", self.docker.ping()).await?;
        Ok(())
    }

    /// The engine's version (`docker version`'s server version).
    pub async fn version(&self) -> Result<String> {
        let version = self
            .call("the version request", self.docker.version())
            .await?;
        Ok(version.version.unwrap_or_default())
    }

    pub async fn info(&self) -> Result<EngineInfo> {
        // Both at once: the console's first frame waits for this beside the inventory.
        let (version, info) = tokio::try_join!(
            self.call("the version request", self.docker.version()),
            self.call("the info request", self.docker.info())
        )?;
        let root_dir = info.docker_root_dir.unwrap_or_default();
        let disk_reading = self.disk_of_root(&root_dir);
        Ok(EngineInfo {
            version: version.version.unwrap_or_default(),
            disk: disk_reading.usage(),
            disk_reading,
            root_dir,
            node: info.name.unwrap_or_default(),
        })
    }
}
