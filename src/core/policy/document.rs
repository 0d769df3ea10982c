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

/// One entry of an image policy's keep list (§11): references it matches are never removed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeepRule {
    /// Wildcard pattern over image references, as in a removal rule.
    pub image_name: String,
    /// Keep only the `last` most recently used references per repository among the matches;
    /// `None` keeps every match.
    pub last: Option<u64>,
}

/// Disk-pressure watermarks (§11), in percent of the data root's filesystem; `low < high`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DiskMarks {
    /// At or above this, the enforcer frees space by removing idle references early.
    pub high_percent: u8,
    /// ... until usage is at or below this.
    pub low_percent: u8,
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
    /// `image_policy.keep`: references that are never removed.
    pub keep: Vec<KeepRule>,
    /// `image_policy.disk`: free space above a watermark.
    pub disk: Option<DiskMarks>,
    /// NMP `enabled`; a disabled policy is kept but not applied.
    pub enabled: bool,
    /// NMP `start`; `None` means "as soon as it is saved".
    pub start: Option<Start>,
    /// The spelling the document was written in.
    pub spelling: Spelling,
    /// Where the image policy stands among the top-level fields as written (`None`: last), so
    /// export keeps the document's order.
    pub policy_at: Option<usize>,
    /// Every top-level field other than the image policy, as written
    /// (including `enabled` and `start`), so exporting loses nothing.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl PolicyDocument {
    /// A bare document holding only `rules`: seed spelling, enabled, no start.
    pub fn rules_only(rules: Vec<Rule>) -> PolicyDocument {
        PolicyDocument {
            rules,
            keep: Vec::new(),
            disk: None,
            enabled: true,
            start: None,
            spelling: Spelling::Seed,
            policy_at: None,
            extra: serde_json::Map::new(),
        }
    }
}
