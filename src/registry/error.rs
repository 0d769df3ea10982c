//! Typed registry errors: each says which registry, what was asked, and what to do.

/// What went wrong talking to one registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot reach the registry {host}: {detail}")]
    Unreachable { host: String, detail: String },
    #[error("the registry {host} did not answer {what} within {seconds} s")]
    Timeout {
        host: String,
        what: String,
        seconds: u64,
    },
    #[error("the registry {host} refused {what}: {message} (HTTP {status}){hint}")]
    Refused {
        host: String,
        what: String,
        status: u16,
        message: String,
        /// What to do, with its leading "; ".
        hint: String,
    },
    #[error("the registry {host} answered {what} in a way imgreaper cannot read: {detail}")]
    Protocol {
        host: String,
        what: String,
        detail: String,
    },
    #[error("credentials for {host}: {detail}")]
    Credentials { host: String, detail: String },
}

impl RegistryError {
    /// The HTTP status of a refusal, if it was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            RegistryError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}
