//! Policy documents (§2) and patterns (§3): text in, data out, no I/O.
//!
//! Map (reading uses the toolkit in `core::doc` for positions, paths and hints):
//! - the data: `document` (`PolicyDocument`, `Rule`, `KeepRule`, `DiskMarks`: each defined
//!   once, used as they are by the planner, the store and the front ends); `keys` (the key
//!   names of both spellings); `export` (a document back to JSON, in either spelling);
//!   `template` (`policy new`).
//! - reading: `parse` (the document and the NMP fields around the image policy) →
//!   `image_policy` (the object) → `rule`, `keep`, `disk` (one entry each) with `minutes`,
//!   `start`, `limits` and `rule_limit` for values; `reference` checks a pattern against
//!   Docker's reference grammar. An NMP's placement fields are read by `core::placement`.
//! - warnings: `lint` runs `overlap` (duplicates, shadowed rules), `kept_reach` (rules a keep
//!   rule leaves nothing to do) and `reach` (`image1.*` also matches `image10:1`).
//! - patterns: `wildcard` (the pattern language, tokens), `forms` (short and qualified forms
//!   of a name, Docker's normalisation), `glob` (compiled patterns), `candidates` (which
//!   patterns a name could match), `matcher` (all rules at once, for the planner).
//!
//! Adding a field to a rule: `document::Rule`, its reader `rule` (and its key in `keys`), the
//! planner, and the store's schema.

mod candidates;
mod disk;
mod document;
mod export;
mod forms;
mod glob;
mod image_policy;
mod keep;
mod kept_reach;
mod keys;
pub mod limits;
mod lint;
mod matcher;
mod minutes;
mod overlap;
mod parse;
mod reach;
mod reference;
mod rule;
mod rule_limit;
mod start;
mod template;
mod wildcard;

pub use crate::core::doc::{Diagnostic, Severity};
pub use document::{DiskMarks, KeepRule, PolicyDocument, Rule, Spelling, Start};
pub use forms::{qualified_form, repository_of, short_form};
pub use matcher::{Matcher, Scratch};
pub use parse::{Parsed, parse};
pub use reference::validate_pattern;
pub use rule_limit::{MAX_RULES, too_many_rules_in_file, too_many_rules_on_node};
pub use template::template;

/// Values registry policies (`core::registry`) read as image policies do.
pub(crate) use minutes::read_whole;
pub(crate) use start::parse_rfc3339;
