//! imgreaper: keeps the container images on an edge device under control.
//!
//! The layers show in the folders, each importing only from those below it (DESIGN.md §9):
//! `core` is pure (policy documents and patterns, the plan, the model, time and formatting: data
//! and a time in, data out); `node` is one node's I/O around it (engine, store, watcher,
//! enforcer, removal, manual actions); `fleet` reaches many nodes over SSH (`imgreaper rpc` on
//! each); `cli` and `tui` are the front ends on top, and nothing
//! imports them. `tests/it/layers.rs` checks the rule.

pub mod cli;
pub mod core;
pub mod fleet;
pub mod node;
pub mod registry;
pub mod tui;
