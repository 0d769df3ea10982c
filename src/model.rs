//! Plain data shared by every layer: what the engine holds and what we remember about it.

use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Seconds since the Unix epoch, UTC. The whole crate uses this one unit.
pub type Timestamp = i64;

/// One container, in any state, created from an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    pub id: String,
    pub name: String,
    /// `running`, `exited`, `created`, … as the engine says it.
    pub state: String,
}

/// One image ID in the engine with every name it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// `sha256:…`
    pub id: String,
    /// `repo:tag` (or `repo@sha256:…` when the image has no tag); empty when dangling.
    pub references: Vec<String>,
    pub repo_digests: Vec<String>,
    pub size: u64,
    pub created: Timestamp,
    pub containers: Vec<Container>,
}

impl Image {
    pub fn in_use(&self) -> bool {
        !self.containers.is_empty()
    }

    pub fn is_dangling(&self) -> bool {
        self.references.is_empty()
    }

    /// Short ID as `docker images` prints it.
    pub fn short_id(&self) -> &str {
        let hex = self.id.strip_prefix("sha256:").unwrap_or(&self.id);
        &hex[..hex.len().min(12)]
    }
}

/// Everything the engine holds, as read at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub images: Vec<Image>,
}

/// What we remember about an image between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImageRecord {
    pub first_seen: Timestamp,
    /// When the image stopped being in use; `0` while it is in use.
    pub last_used: Timestamp,
    pub pulled_at: Option<Timestamp>,
    pub agent_downloaded: bool,
}

impl ImageRecord {
    /// The time the removal clock counts from, or `None` while the image is in use.
    /// An image never seen in use counts from when it was pulled, else first seen.
    pub fn idle_since(&self) -> Option<Timestamp> {
        (self.last_used != 0).then_some(self.last_used)
    }
}

/// The enforcer's mode, stored in the database and shown everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Auto,
    Approve,
    DryRun,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Approve => "approve",
            Mode::DryRun => "dry-run",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "auto" => Some(Mode::Auto),
            "approve" => Some(Mode::Approve),
            "dry-run" => Some(Mode::DryRun),
            _ => None,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Guards that keep an orchestrator's images safe after a reboot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guards {
    /// When the enforcer started; nothing is removed before `started + startup_delay`.
    pub enforcer_started: Timestamp,
    pub startup_delay_secs: i64,
    /// Nothing is removed within this long after an image was first seen or pulled.
    pub min_age_secs: i64,
}

impl Guards {
    pub const DEFAULT_STARTUP_DELAY_SECS: i64 = 5 * 60;
    pub const DEFAULT_MIN_AGE_SECS: i64 = 10 * 60;

    /// No guard at all (used by previews, which only ask what the rules say).
    pub fn none() -> Guards {
        Guards {
            enforcer_started: 0,
            startup_delay_secs: 0,
            min_age_secs: 0,
        }
    }
}

/// Operator decisions about single references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub pins: HashSet<String>,
    /// reference -> postponed until
    pub postponements: HashMap<String, Timestamp>,
    /// references an operator approved for removal (used in `approve` mode)
    pub approvals: HashSet<String>,
}

/// The key a reference is known by in the store: its name, or the image ID when dangling.
pub fn reference_key(image: &Image, reference: Option<&str>) -> String {
    reference.map_or_else(|| image.id.clone(), str::to_string)
}
