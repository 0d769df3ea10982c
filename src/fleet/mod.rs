//! The fleet (DESIGN.md §14): many nodes, each running imgreaper with its own engine, database
//! and enforcer, reached from one console or one command through the operator's own OpenSSH.
//!
//! - `inventory`: Ansible's inventories (INI, YAML) or a plain list, and `--limit`;
//! - `rpc`: the protocol, the node's end of it (`imgreaper rpc`, which runs `node` code) and
//!   the client's.
//!
//! Nothing here is touched unless a fleet command or `--inventory` is used.

pub mod inventory;
pub mod rpc;
