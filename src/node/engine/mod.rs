//! The Docker engine through bollard: connection, inventory, removal, events, pulls.
//! This layer knows nothing of policies or the console.

mod connect;
mod disk;
pub mod endpoint;
mod error;
mod events;
mod inventory;
mod remove;
mod started;

pub use connect::{Engine, EngineInfo};
pub use endpoint::Endpoint;
pub use error::{EngineError, REQUEST_TIMEOUT, is_outage};
pub use events::{EngineEvent, EventKind};
pub use inventory::ImageNow;
pub use remove::RemoveOutcome;
