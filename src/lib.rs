//! imgreaper: keeps the container images on an edge device under control.
//!
//! The pure core (`policy`, `plan`, `model`) takes data and a time and returns data.
//! `engine`, `store`, `enforcer`, `cli` and `tui` are thin shells around it.

pub mod cli;
pub mod clock;
pub mod disk;
pub mod enforcer;
pub mod engine;
pub mod format;
pub mod manual;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod policy;
pub mod preview;
pub mod removal;
pub mod report;
pub mod rule_indices;
pub mod session;
pub mod snapshot;
pub mod store;
pub mod tracking;
pub mod tui;
pub mod watcher;
