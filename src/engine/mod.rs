//! The Docker engine through bollard: connection, inventory, removal, events, pulls.
//! This layer knows nothing of policies or the console.

mod connect;
mod events;
mod inventory;
mod remove;

pub use connect::{Engine, EngineInfo, default_host};
pub use events::{EngineEvent, EventKind};
pub use remove::RemoveOutcome;
