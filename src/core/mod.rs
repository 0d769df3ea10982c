//! The pure core: data and a time in, data out. No I/O, no clock, nothing from `node`.

pub mod disk;
pub mod doc;
pub mod engine_time;
pub mod fit;
pub mod format;
pub mod lapse;
pub mod model;
pub mod placement;
pub mod plan;
pub mod policy;
pub mod preview;
pub mod registry;
pub mod report;
pub mod rule_indices;
pub mod saved;
pub mod settings;
pub mod snapshot;
pub mod summary;
pub mod time;
pub mod tracking;
pub mod why;
