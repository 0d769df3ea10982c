//! One reading of the host's two clocks, and placing times between them. Pure.
//!
//! The wall clock (Unix seconds) may step at any moment; the time since boot only moves forward.
//! A time taken during this boot is placed where the monotonic clock says it is, so a step since
//! can neither skip a guard nor make an image overdue (DESIGN.md §12, §16).

use crate::core::model::Timestamp;

/// Identifies one boot of the host (the kernel's random boot ID).
pub type BootId = u128;

/// One reading of both clocks, taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// Wall clock, Unix seconds.
    pub wall: Timestamp,
    /// Seconds since the host booted (suspend included).
    pub up: i64,
    pub boot: BootId,
}

impl Moment {
    /// The wall-clock time of something that happened `up` seconds after this boot began,
    /// as the wall clock reads now.
    pub fn wall_at(&self, up: i64) -> Timestamp {
        self.wall.saturating_sub(self.up.saturating_sub(up).max(0))
    }

    /// The wall-clock time of `up` seconds after this boot began, past or future, as the wall
    /// clock reads now.
    pub fn wall_of(&self, up: i64) -> Timestamp {
        self.offset().saturating_add(up)
    }

    /// This boot's wall-clock offset as the clocks read now: the wall time of its start.
    pub fn offset(&self) -> Timestamp {
        self.wall.saturating_sub(self.up)
    }

    /// The time since boot of something the wall clock stamped `wall`, assuming the wall clock
    /// did not step in between; clamped to this boot.
    pub fn up_at(&self, wall: Timestamp) -> i64 {
        self.up
            .saturating_sub(self.wall.saturating_sub(wall).max(0))
            .max(0)
    }
}
