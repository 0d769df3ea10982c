//! How full the filesystem holding the engine's data root is (§11): the reading, and the words
//! every front end uses for it. Only `usage_at` touches the system.

use crate::format::bytes;
use crate::policy::DiskMarks;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Used and total bytes of one filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DiskUse {
    pub used: u64,
    pub total: u64,
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

    /// Whether `used` bytes are at or above `percent` of the total.
    pub fn at_or_above(used: u64, total: u64, percent: u8) -> bool {
        u128::from(used) * 100 >= u128::from(percent) * u128::from(total)
    }
}

/// What is known about the data root's filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

    /// Reads the filesystem holding `path`.
    pub fn of_path(path: &Path) -> DiskReading {
        match usage_at(path) {
            Ok(usage) => DiskReading::Known {
                path: path.to_path_buf(),
                usage,
            },
            Err(error) => DiskReading::Unknown {
                reason: format!("{error:#}"),
            },
        }
    }

    /// One line for the service, `images` and the console's details: usage against the marks,
    /// or why disk pressure is off. `None` when no policy sets marks (nothing to say).
    pub fn describe(&self, marks: Option<DiskMarks>) -> Option<String> {
        let marks = marks?;
        let (high, low) = (marks.high_percent, marks.low_percent);
        Some(match self {
            DiskReading::Known { path, usage } => {
                let percent = usage.percent();
                let state = if percent >= high {
                    format!("at or above {high}%: freeing space down to {low}%")
                } else {
                    format!("below {high}%: disk pressure idle (frees down to {low}% from {high}%)")
                };
                format!(
                    "disk {percent}% of {} used at {}, {state}",
                    bytes(usage.total),
                    path.display()
                )
            }
            DiskReading::Unknown { reason } => format!(
                "disk use of the engine's data root cannot be read ({reason}): disk pressure ({high}%/{low}%) is off; --data-root PATH names it"
            ),
        })
    }
}

/// statvfs on `path`: used counts everything not available to an unprivileged writer.
pub fn usage_at(path: &Path) -> Result<DiskUse> {
    use std::os::unix::ffi::OsStrExt;
    if path.as_os_str().is_empty() {
        bail!("no data root path");
    }
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .with_context(|| format!("{} holds a NUL byte", path.display()))?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: c_path is a valid NUL-terminated string and stats a writable statvfs.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) } != 0 {
        let error = std::io::Error::last_os_error();
        return Err(error)
            .with_context(|| format!("cannot read the disk use of {}", path.display()));
    }
    let block = stats.f_frsize as u64;
    let total = (stats.f_blocks as u64).saturating_mul(block);
    let free = (stats.f_bavail as u64).saturating_mul(block);
    Ok(DiskUse {
        used: total.saturating_sub(free),
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down_so_the_mark_compares_exactly() {
        let at = |used, total| DiskUse { used, total }.percent();
        assert_eq!(at(849, 1000), 84);
        assert_eq!(at(850, 1000), 85);
        assert_eq!(at(0, 0), 100);
        assert_eq!(at(u64::MAX, u64::MAX), 100);
        assert!(!DiskUse::at_or_above(849, 1000, 85));
        assert!(DiskUse::at_or_above(850, 1000, 85));
    }

    #[test]
    fn a_missing_path_is_unknown_with_the_reason() {
        let reading = DiskReading::of_path(Path::new("/nonexistent/imgreaper-data-root"));
        let DiskReading::Unknown { reason } = &reading else {
            panic!("{reading:?}");
        };
        assert!(
            reason.contains("/nonexistent/imgreaper-data-root"),
            "{reason}"
        );
        let marks = DiskMarks {
            high_percent: 85,
            low_percent: 75,
        };
        assert!(
            reading
                .describe(Some(marks))
                .unwrap()
                .contains("disk pressure (85%/75%) is off")
        );
        assert_eq!(reading.describe(None), None);
    }

    #[test]
    fn the_root_filesystem_reads() {
        let usage = usage_at(Path::new("/")).unwrap();
        assert!(usage.total > 0 && usage.used <= usage.total);
    }
}
