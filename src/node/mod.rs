//! One node: the engine, the store, the watcher, the enforcer and the manual actions, around the
//! pure core. Nothing here knows a front end.

pub mod actions;
pub mod clock;
pub mod disk;
pub mod enforcer;
pub mod engine;
pub mod host;
pub mod images_report;
pub mod manual;
pub mod metrics;
pub mod placement;
pub mod policy_apply;
pub mod removal;
pub mod session;
pub mod snapshot;
pub mod store;
pub mod usage;
pub mod watcher;
