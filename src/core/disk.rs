//! How full the filesystem holding the engine's data root is (§11): the reading as data, and the
//! words every front end uses for it. Reading it is `node::disk`.

use crate::core::format::bytes;
use crate::core::policy::DiskMarks;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How full one filesystem is, as `df` counts it (§16): blocks reserved for root count as
/// neither used nor available, so the figure is what operators see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskUse {
    /// Bytes in use.
    pub used: u64,
    /// Used plus available to an unprivileged writer: what `used` is a share of.
    pub total: u64,
    /// The filesystem's size, reserved blocks included (what `df` shows as its size).
    pub size: u64,
}

impl DiskUse {
    /// Whole percent used, rounded down (so `percent() >= mark` exactly when usage is at or above
    /// the mark).
    pub fn percent(&self) -> u8 {
        if self.total == 0 {
            return 100;
        }
        (u128::from(self.used) * 100 / u128::from(self.total)).min(100) as u8
    }

    /// Whole percent used, rounded up as `df` shows it.
    pub fn shown_percent(&self) -> u8 {
        if self.total == 0 {
            return 100;
        }
        (u128::from(self.used) * 100)
            .div_ceil(u128::from(self.total))
            .min(100) as u8
    }

    /// Whether `used` bytes are at or above `percent` of the total.
    pub fn at_or_above(used: u64, total: u64, percent: u8) -> bool {
        u128::from(used) * 100 >= u128::from(percent) * u128::from(total)
    }
}

/// What is known about the data root's filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "disk", rename_all = "snake_case")]
pub enum DiskReading {
    Known {
        path: PathBuf,
        usage: DiskUse,
    },
    /// Why it could not be read; disk pressure is off.
    Unknown {
        reason: String,
    },
}

impl Default for DiskReading {
    fn default() -> Self {
        DiskReading::Unknown {
            reason: "not read".to_string(),
        }
    }
}

impl DiskReading {
    pub fn usage(&self) -> Option<DiskUse> {
        match self {
            DiskReading::Known { usage, .. } => Some(*usage),
            DiskReading::Unknown { .. } => None,
        }
    }

    /// One line for the service, `images` and the console's details: usage against the marks,
    /// or why disk pressure is off. `None` when no policy sets marks (nothing to say).
    pub fn describe(&self, marks: Option<DiskMarks>) -> Option<String> {
        let marks = marks?;
        let (high, low) = (marks.high_percent, marks.low_percent);
        Some(match self {
            DiskReading::Known { path, usage } => {
                let percent = usage.shown_percent();
                let state = if usage.percent() >= high {
                    format!("at or above {high}%: freeing space down to {low}%")
                } else {
                    format!("below {high}%: disk pressure idle (frees down to {low}% from {high}%)")
                };
                format!(
                    "disk {percent}% of {} used at {}, {state}",
                    bytes(usage.size),
                    path.display()
                )
            }
            DiskReading::Unknown { reason } => format!(
                "disk use of the engine's data root cannot be read ({reason}): disk pressure ({high}%/{low}%) is off; --data-root PATH names it"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down_so_the_mark_compares_exactly() {
        let at = |used, total| {
            DiskUse {
                used,
                total,
                size: total,
            }
            .percent()
        };
        assert_eq!(at(849, 1000), 84);
        assert_eq!(at(850, 1000), 85);
        assert_eq!(at(0, 0), 100);
        assert_eq!(at(u64::MAX, u64::MAX), 100);
        assert!(!DiskUse::at_or_above(849, 1000, 85));
        assert!(DiskUse::at_or_above(850, 1000, 85));
    }
}
