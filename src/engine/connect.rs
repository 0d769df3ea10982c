//! Finding and reaching the engine the way the Docker CLI does.

use anyhow::{Context, Result, anyhow};
use bollard::Docker;

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
}

/// What the header shows about the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineInfo {
    pub version: String,
    pub root_dir: String,
    pub node: String,
    /// (used, total) bytes of the filesystem holding the engine's data root, when it is local.
    pub disk: Option<(u64, u64)>,
}

impl Engine {
    /// Connects and checks the engine answers, with an error that names the address and the fix.
    pub async fn connect(host: &str) -> Result<Engine> {
        let docker = Docker::connect_with_host(host).map_err(|e| {
            anyhow!("cannot use the Docker engine address {host}: {e}; give --host unix:///path/to/docker.sock or tcp://HOST:PORT")
        })?;
        let engine = Engine {
            docker,
            host: host.to_string(),
        };
        engine.ping().await?;
        Ok(engine)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub async fn ping(&self) -> Result<()> {
        self.docker
            .ping()
            .await
            .map(|_| ())
            .map_err(|e| unreachable_error(&self.host, &e))
    }

    pub async fn info(&self) -> Result<EngineInfo> {
        let version = self
            .docker
            .version()
            .await
            .map_err(|e| unreachable_error(&self.host, &e))?;
        let info = self
            .docker
            .info()
            .await
            .map_err(|e| unreachable_error(&self.host, &e))?;
        let root_dir = info.docker_root_dir.unwrap_or_default();
        Ok(EngineInfo {
            version: version.version.unwrap_or_default(),
            disk: disk_use(&root_dir),
            root_dir,
            node: info.name.unwrap_or_default(),
        })
    }
}

/// Explains why the engine cannot be reached and how to fix it.
pub(super) fn unreachable_error(host: &str, error: &bollard::errors::Error) -> anyhow::Error {
    let text = error.to_string();
    let socket = host.strip_prefix("unix://").unwrap_or(host);
    let hint = if text.contains("ermission denied") {
        format!(
            "permission denied on {socket}: run as root (sudo imgreaper …) or add your user to the `docker` group"
        )
    } else if text.contains("No such file") || text.contains("onnection refused") {
        format!(
            "nothing answers at {host}: start the engine (systemctl start docker), or point --host / DOCKER_HOST at it"
        )
    } else {
        format!("the Docker engine at {host} did not answer: {text}")
    };
    anyhow!(hint).context(format!("cannot reach the Docker engine at {host}"))
}

fn disk_use(root: &str) -> Option<(u64, u64)> {
    let path = std::ffi::CString::new(root).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: path is a valid NUL-terminated string and stats a writable statvfs.
    if root.is_empty() || unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    let block = stats.f_frsize as u64;
    let total = stats.f_blocks as u64 * block;
    let free = stats.f_bavail as u64 * block;
    Some((total.saturating_sub(free), total))
}

/// Adds the engine address to an error from bollard.
pub(super) trait EngineContext<T> {
    fn engine_context(self, engine: &Engine, what: &str) -> Result<T>;
}

impl<T> EngineContext<T> for std::result::Result<T, bollard::errors::Error> {
    fn engine_context(self, engine: &Engine, what: &str) -> Result<T> {
        self.map_err(|e| match e {
            bollard::errors::Error::DockerResponseServerError { .. } => anyhow::Error::new(e),
            other => unreachable_error(&engine.host, &other),
        })
        .with_context(|| what.to_string())
    }
}
