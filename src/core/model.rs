//! Plain data shared by every layer: what the engine holds and what we remember about it.

use crate::core::time::{BootId, Moment};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Seconds since the Unix epoch, UTC. The whole crate uses this one unit.
pub type Timestamp = i64;

/// One container, in any state, created from an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub id: String,
    pub name: String,
    /// `running`, `exited`, `created`, … as the engine says it.
    pub state: String,
}

/// One image ID in the engine with every name it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// `sha256:…`
    pub id: String,
    /// `repo:tag` (or `repo@sha256:…` when the image has no tag); empty when dangling.
    pub references: Vec<String>,
    pub repo_digests: Vec<String>,
    pub size: u64,
    pub created: Timestamp,
    /// Images built on this one (their parent is this image's ID): the engine refuses to
    /// delete an image other images depend on, so it is in use by them (§4).
    pub children: Vec<String>,
    pub containers: Vec<Container>,
}

impl Image {
    /// A container (any state) was made from it, or another local image is built on it.
    pub fn in_use(&self) -> bool {
        !self.containers.is_empty() || !self.children.is_empty()
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub images: Vec<Image>,
    /// The engine is Podman, which names an image made here `localhost/NAME`: a name written
    /// without a registry matches it too (§3).
    #[serde(default)]
    pub podman: bool,
}

/// What we remember about an image, as the planner sees it: wall-clock times as they read now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A moment recorded for an image: the wall clock then, and the time since boot when it was
/// taken during the boot its record names (so a later clock step cannot move it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub wall: Timestamp,
    pub up: Option<i64>,
}

impl Stamp {
    pub fn at(moment: &Moment) -> Stamp {
        Stamp {
            wall: moment.wall,
            up: Some(moment.up),
        }
    }

    /// A wall-clock time reported by the engine (an event), placed on this boot's clock. The
    /// engine dated it with the wall clock of that instant, which may have stepped since the
    /// previous look (`previous`: its time since boot and the boot's offset then, in this
    /// boot). It is placed no earlier than that look (every event read now happened after it),
    /// no later than now, and where a step leaves it unclear whether it was dated before or
    /// after the step, at the later of the two readings. With no previous look in this boot
    /// (the clock it was dated by is unknown: a box boots with a stale clock), it is placed
    /// now. Later is the safe side: a later use or pull keeps an image longer.
    pub fn from_wall(
        wall: Timestamp,
        moment: &Moment,
        previous: Option<(i64, Timestamp)>,
    ) -> Stamp {
        let up = match previous {
            Some((after_up, offset_then)) => moment
                .up_at(wall)
                .max(wall.saturating_sub(offset_then))
                .max(after_up),
            None => moment.up,
        };
        let up = up.clamp(0, moment.up);
        Stamp {
            wall: moment.wall_at(up),
            up: Some(up),
        }
    }
}

/// What the enforcer stores about an image between runs (only the lease holder writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackedImage {
    /// The boot the stamps' times since boot belong to.
    pub boot: Option<BootId>,
    /// That boot's wall-clock offset (wall − time since boot) as last observed: kept up to date
    /// while the boot lasts, so an NTP step corrects it, and used once the host has rebooted
    /// to place the stamps of that boot (§16).
    pub boot_offset: Option<Timestamp>,
    pub first_seen: Stamp,
    /// `None` while in use.
    pub last_used: Option<Stamp>,
    pub pulled: Option<Stamp>,
    pub agent_downloaded: bool,
}

impl TrackedImage {
    /// The record as the planner sees it at `moment`: a time stamped during this boot is placed
    /// where the monotonic clock says it is (a wall-clock step since does not move it); a time
    /// from an earlier boot where that boot's last observed offset places it, or as the wall
    /// clock recorded it when that offset is not known.
    pub fn effective(&self, moment: &Moment) -> ImageRecord {
        let place = |stamp: Stamp| match stamp.up {
            Some(up) if self.boot == Some(moment.boot) => moment.wall_at(up),
            Some(up) => self
                .boot_offset
                .map_or(stamp.wall, |offset| offset.saturating_add(up)),
            None => stamp.wall,
        };
        ImageRecord {
            first_seen: place(self.first_seen),
            last_used: self.last_used.map_or(0, |s| place(s).max(1)),
            pulled_at: self.pulled.map(place),
            agent_downloaded: self.agent_downloaded,
        }
    }

    /// Brings the record to `moment`: within its boot, the boot's offset as observed now;
    /// after a reboot, stamps of the earlier boot are placed where their boot's last offset
    /// puts them and carried into this boot's clock (before its start: a negative time since
    /// boot), so they move with this boot's clock as it is corrected, as its own stamps do.
    pub fn rebase(&self, moment: &Moment) -> TrackedImage {
        if self.boot == Some(moment.boot) {
            return TrackedImage {
                boot_offset: Some(moment.offset()),
                ..*self
            };
        }
        let effective = self.effective(moment);
        let old = |wall: Timestamp| Stamp {
            wall,
            up: Some(wall.saturating_sub(moment.offset())),
        };
        TrackedImage {
            boot: Some(moment.boot),
            boot_offset: Some(moment.offset()),
            first_seen: old(effective.first_seen),
            last_used: self.last_used.map(|_| old(effective.last_used)),
            pulled: effective.pulled_at.map(old),
            agent_downloaded: self.agent_downloaded,
        }
    }
}

/// The enforcer's mode, stored in the database and shown everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
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

/// Guards that keep an orchestrator's images safe after a reboot (DESIGN.md §4, §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guards {
    /// Nothing is removed before this wall-clock time: the start-up delay, counted on the
    /// monotonic clock from the later of the host's boot and the engine's (re)start or
    /// reconnection, and placed on the wall clock as it reads now.
    pub startup_until: Timestamp,
    /// Nothing is removed within this long after an image was first seen or pulled.
    pub min_age_secs: i64,
}

impl Guards {
    pub const DEFAULT_STARTUP_DELAY_SECS: i64 = 5 * 60;
    pub const DEFAULT_MIN_AGE_SECS: i64 = 10 * 60;

    /// No guard at all (used by previews, which only ask what the rules say).
    pub fn none() -> Guards {
        Guards {
            startup_until: Timestamp::MIN,
            min_age_secs: 0,
        }
    }

    /// The guards at `moment` for a start-up delay that began `started_up` seconds after boot.
    pub fn at(
        moment: &Moment,
        started_up: i64,
        startup_delay_secs: i64,
        min_age_secs: i64,
    ) -> Guards {
        Guards {
            startup_until: moment
                .wall_at(started_up)
                .saturating_add(startup_delay_secs.max(0)),
            min_age_secs: min_age_secs.max(0),
        }
    }
}

/// Operator decisions. Approvals and postponements are about one image under one name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Patterns, names, digest names, or image IDs (`sha256:…`, which pin that image).
    pub pins: HashSet<String>,
    /// (reference, image ID) -> until when its removal waits. The postponement stays with the
    /// image when the name moves on: the operator held that image (§12).
    pub postponements: HashMap<(String, String), Timestamp>,
    /// reference -> the image ID approved for removal under it (used in `approve` mode)
    pub approvals: HashMap<String, String>,
    /// image ID -> agent-downloaded, as an operator set it (`adopt`, `disown`)
    pub ownership: HashMap<String, bool>,
}

impl Overrides {
    /// Until when the removal of `image_id` under `reference` waits, if it was postponed.
    pub fn postponed_until(&self, reference: &str, image_id: &str) -> Option<Timestamp> {
        self.postponements
            .get(&(reference.to_string(), image_id.to_string()))
            .copied()
    }

    /// Postpones the removal of `image_id` under `reference` until `until`.
    pub fn postpone(&mut self, reference: &str, image_id: &str, until: Timestamp) {
        self.postponements
            .insert((reference.to_string(), image_id.to_string()), until);
    }

    /// Whether `reference` is approved for removal as the image `image_id`.
    pub fn approved(&self, reference: &str, image_id: &str) -> bool {
        self.approvals
            .get(reference)
            .is_some_and(|id| id == image_id)
    }

    /// Whether the image itself is pinned (a pin by its ID).
    pub fn pins_image(&self, image_id: &str) -> bool {
        self.pins.contains(image_id)
    }
}

/// The key a reference is known by in the store: its name, or the image ID when dangling.
pub fn reference_key(image: &Image, reference: Option<&str>) -> String {
    reference.map_or_else(|| image.id.clone(), str::to_string)
}
