//! imgreaper: keeps the container images on an edge device under control.
//!
//! The pure core (`policy`, `plan`, `model`) takes data and a time and returns data.
//! `engine`, `store`, `enforcer`, `cli` and `tui` are thin shells around it.

pub mod model;
pub mod policy;
pub mod plan;
pub mod tracking;
pub mod clock;
pub mod snapshot;
pub mod report;
pub mod preview;
pub mod removal;
pub mod store;
pub mod engine;
pub mod enforcer;
pub mod cli;
pub mod tui;
