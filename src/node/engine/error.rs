//! Typed engine errors, so a caller can tell "the engine is away" (an outage: retry, grey the
//! screen) from "the engine said no" (a 4xx/5xx answer about one request), and every message
//! names the address and says what to do.

use std::path::Path;
use std::time::Duration;

/// How long any one request to the engine may take before it counts as unanswered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Nothing answers at the address, or it is not an engine.
    #[error("cannot reach the Docker engine at {host}: {hint}")]
    Unreachable { host: String, hint: String },
    /// The engine accepted the connection and never answered.
    #[error(
        "the Docker engine at {host} did not answer {what} within {} s; it may be hung \
         (check `systemctl status docker` or the process listening there)",
        REQUEST_TIMEOUT.as_secs()
    )]
    Timeout { host: String, what: String },
    /// The engine answered with an error about one request.
    #[error("the Docker engine at {host} refused to {what}: {message} (HTTP {status})")]
    Refused {
        host: String,
        what: String,
        status: u16,
        message: String,
    },
}

impl EngineError {
    /// Whether the engine as a whole is away (as opposed to refusing one request).
    pub fn is_outage(&self) -> bool {
        !matches!(self, EngineError::Refused { .. })
    }
}

/// Whether an error anywhere in this chain says the engine is away.
pub fn is_outage(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| matches!(cause.downcast_ref::<EngineError>(), Some(e) if e.is_outage()))
}

/// Classifies a bollard error for `what` (a phrase such as "list images").
pub fn classify(host: &str, what: &str, error: bollard::errors::Error) -> EngineError {
    match error {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => EngineError::Refused {
            host: host.to_string(),
            what: what.to_string(),
            status: status_code,
            message,
        },
        bollard::errors::Error::RequestTimeoutError => EngineError::Timeout {
            host: host.to_string(),
            what: what.to_string(),
        },
        other => EngineError::Unreachable {
            host: host.to_string(),
            hint: hint(host, &other),
        },
    }
}

/// Why nothing answers and what to do, from the address itself and the error's causes
/// (bollard's own message is only "client error (Connect)").
pub fn hint(host: &str, error: &(dyn std::error::Error + 'static)) -> String {
    if let Some(path) = host.strip_prefix("unix://")
        && let Some(problem) = socket_problem(Path::new(path))
    {
        return problem;
    }
    let io = std::iter::successors(Some(error), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>());
    match io.map(std::io::Error::kind) {
        Some(std::io::ErrorKind::PermissionDenied) => format!(
            "permission denied on {}: run as root (sudo imgreaper …) or add your user to the \
             `docker` group",
            host.strip_prefix("unix://").unwrap_or(host)
        ),
        Some(
            std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::NotFound
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::AddrNotAvailable,
        ) => nothing_answers(host),
        _ => {
            let causes: Vec<String> = std::iter::successors(Some(error), |e| e.source())
                .map(|e| e.to_string())
                .collect();
            format!(
                "{}; {}",
                causes.join(": "),
                nothing_answers(host).replace("nothing answers", "if nothing answers")
            )
        }
    }
}

fn nothing_answers(host: &str) -> String {
    format!(
        "nothing answers at {host}: start the engine (systemctl start docker), or point \
         --host / DOCKER_HOST at it"
    )
}

/// What is wrong with a Unix socket path, if the path alone says so.
pub(super) fn socket_problem(path: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some(format!(
                "{} does not exist: start the engine (systemctl start docker), or point --host / \
                 DOCKER_HOST at its socket",
                path.display()
            ));
        }
        Err(_) => return None,
    };
    let kind = if metadata.is_dir() {
        "a directory"
    } else if metadata.file_type().is_socket() {
        return None;
    } else {
        "a regular file"
    };
    Some(format!(
        "{} is {kind}, not a socket; nothing answers there: point --host / DOCKER_HOST at the \
         engine's socket (usually unix:///var/run/docker.sock)",
        path.display()
    ))
}
