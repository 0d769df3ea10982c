//! The data a policy document turns into: rules plus the NMP fields around them.

use serde::{Deserialize, Serialize};

/// One entry of an image policy's removal list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rule {
    /// Wildcard pattern over image references (see `Matcher`).
    pub image_name: String,
    pub delete_after_minutes: u64,
    /// Only remove images that imgreaper saw being pulled; `true` is the safe default.
    pub agent_downloaded_only: bool,
}

/// The two ways the same image policy is spelled in the wild.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Spelling {
    /// `image_policy.removal[] {image_name, delete_after_minutes, agent_downloaded_only}`
    Seed,
    /// Open Horizon agent's `agentImagePolicy.imageRemovalPolicies[] {imageId, deleteAfterMinutes, agentDownloadedOnly}`
    Anax,
}

/// When a policy starts to apply (NMP `start`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Start {
    Now,
    /// Unix seconds, UTC.
    At(i64),
}

/// A parsed policy document: the rules, the NMP fields that change how they
/// apply, and every other top-level field kept verbatim for export.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDocument {
    pub rules: Vec<Rule>,
    /// NMP `enabled`; a disabled policy is kept but not applied.
    pub enabled: bool,
    /// NMP `start`; `None` means "as soon as it is saved".
    pub start: Option<Start>,
    /// The spelling the document was written in.
    pub spelling: Spelling,
    /// Every top-level field other than the image policy, as written
    /// (including `enabled` and `start`), so exporting loses nothing.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl PolicyDocument {
    /// A bare document holding only `rules`: seed spelling, enabled, no start.
    pub fn rules_only(rules: Vec<Rule>) -> PolicyDocument {
        PolicyDocument {
            rules,
            enabled: true,
            start: None,
            spelling: Spelling::Seed,
            extra: serde_json::Map::new(),
        }
    }
}
