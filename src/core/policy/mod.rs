//! Policy documents (§2) and patterns (§3): text in, data out, no I/O.
//!
//! `parse` reads either spelling of an image policy, bare or inside a whole
//! NMP, and reports every error with its JSON path and line:column.
//! `Matcher` compiles the rules' patterns once and matches references.

mod candidates;
mod comments;
mod diagnostic;
mod disk;
mod document;
mod export;
mod forms;
mod glob;
mod image_policy;
mod json_path;
mod keep;
mod kept_reach;
mod keys;
pub mod limits;
mod lint;
mod matcher;
mod minutes;
mod overlap;
mod parse;
mod placement;
mod position;
mod props;
mod reach;
mod reference;
mod report;
mod rule;
mod rule_limit;
mod start;
mod stray;
mod suggest;
mod template;
mod value_kind;
mod wildcard;

pub use diagnostic::{Diagnostic, Severity};
pub use document::{DiskMarks, KeepRule, PolicyDocument, Rule, Spelling, Start};
pub use forms::{qualified_form, repository_of, short_form};
pub use matcher::{Matcher, Scratch};
pub use parse::{Parsed, parse};
pub use reference::validate_pattern;
pub use rule_limit::{MAX_RULES, too_many_rules_in_file, too_many_rules_on_node};
pub use template::template;

/// The reading helpers another kind of document builds on (registry policies, §15): positions,
/// paths, hints, whole numbers, duplicate keys. Until they become a general document toolkit,
/// this is the one door to them, so a reader built on it moves with one change of imports.
pub(crate) mod toolkit {
    pub(crate) use super::json_path::{child, element};
    pub(crate) use super::minutes::read_whole;
    pub(crate) use super::parse::read_object;
    pub(crate) use super::props::unique_props;
    pub(crate) use super::report::Report;
    pub(crate) use super::start::parse_rfc3339;

    pub(crate) use super::suggest::hint;
    pub(crate) use super::value_kind::describe;
}
