//! Registries (DESIGN.md §15): one OCI distribution client, serving the refresh of moved tags
//! and retention on the registry side. Nothing here runs, or is even set up, unless a registry
//! command (`check`, `refresh`, `registry plan|reap`, the console's keys or the service's
//! `--check-updates`) asks for it.

mod api;
mod auth;
mod client;
mod credentials;
mod error;
pub mod refresh;
pub mod retention;
mod transport;

pub use client::{Client, ClientOptions};
pub use credentials::{Credential, lookup as lookup_credential};
pub use error::RegistryError;
