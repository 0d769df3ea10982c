//! Placement (§13): which nodes a policy applies on, decided on the node exactly as the Open
//! Horizon agent decides it. Pure: the node's properties come in as data (the host's built-ins
//! are read by `node::placement`).
//!
//! - `constraint`: the constraint language, parsed (with the error's position) and printed;
//!   `evaluate`: whether properties satisfy it, and the values it saw.
//! - `version`: versions and ranges as the agent compares them.
//! - `property`, `fields`: reading properties, constraint lists and pattern lists (with the
//!   `core::doc` toolkit), shared by node policies and NMPs.
//! - `node_policy`: the node policy file and the node's management view (`Node`).
//! - `place`: an NMP's placement fields and `place(nmp, node)`: placed, or why not.

pub mod constraint;
mod evaluate;
mod fields;
mod node_policy;
mod place;
mod property;
pub mod version;

pub use constraint::{Expr, Op, ParseError, Term, ValueKind, parse as parse_constraint};
pub use fields::Constraint;
pub use node_policy::{Node, NodePolicy, READ_ONLY_BUILT_INS, parse_node_policy};
pub(crate) use place::read_nmp_placement;
pub use place::{NmpPlacement, Placement, place};
pub use property::{Property, PropertyValue};
