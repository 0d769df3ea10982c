//! The fleet (DESIGN.md §14): many nodes, each running imgreaper with its own engine, database
//! and enforcer, reached from one console or one command through the operator's own OpenSSH.
//!
//! - `inventory`: Ansible's inventories (INI, YAML) or a plain list, and `--limit`;
//! - `transport`: the operator's `ssh`, multiplexed; `error`: what went wrong, named;
//! - `rpc`: the protocol, the node's end of it (`imgreaper rpc`, which runs `node` code) and
//!   the client's;
//! - `run`: the same requests on many nodes at once, and `held_images` for registry retention.
//!
//! Nothing here is touched unless a fleet command or `--inventory` is used.

pub mod error;
pub mod inventory;
pub mod rpc;
pub mod run;
pub mod transport;
