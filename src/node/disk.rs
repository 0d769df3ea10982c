//! Reads how full the filesystem holding the engine's data root is (statvfs).

use crate::core::disk::{DiskReading, DiskUse};
use anyhow::{Context, Result, bail};
use std::path::Path;

impl DiskReading {
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
}

/// statvfs on `path`, counted as `df` counts it.
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
    let size = (stats.f_blocks as u64).saturating_mul(block);
    let free = (stats.f_bfree as u64).saturating_mul(block);
    let available = (stats.f_bavail as u64).saturating_mul(block);
    if size == 0 {
        bail!(
            "{} is on a filesystem that reports no size (not a disk, such as /proc);              --data-root PATH names the engine's data root",
            path.display()
        );
    }
    // As `df` counts: what root keeps in reserve is neither used nor available.
    let used = size.saturating_sub(free);
    Ok(DiskUse {
        used,
        total: used.saturating_add(available),
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::policy::DiskMarks;

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
