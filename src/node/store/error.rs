//! What can go wrong with the database file, as types a caller can match on, each with a
//! message that names the file and says what to do. A full disk or a read-only file is not a
//! damaged database: telling an operator to restore a backup there would be wrong and costly.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(
        "disk full at {}: the database cannot grow, so nothing was saved. Free space on that \
         filesystem (`df {}` shows it) and run the command again; commands that only read still work",
        path.display(),
        directory(path).display()
    )]
    DiskFull { path: PathBuf },

    #[error(
        "read-only: {} ({reason}); nothing was saved. Commands that only read still work; to \
         change something, run as a user who may write it (the service's database needs root) \
         or pass --db with a writable path",
        path.display()
    )]
    ReadOnly { path: PathBuf, reason: String },

    #[error("cannot open the database {}: {reason}", path.display())]
    CannotOpen { path: PathBuf, reason: String },

    #[error(
        "database busy: {} stayed locked by another process for more than 5 s; run the command again",
        path.display()
    )]
    Busy { path: PathBuf },

    #[error(
        "{} is damaged or not a database ({detail}); nothing was changed. Restore it from a \
         backup or move it away and start a new one",
        path.display()
    )]
    Damaged { path: PathBuf, detail: String },

    #[error("I/O error on the database {}: {detail}", path.display())]
    Io { path: PathBuf, detail: String },
}

impl StoreError {
    /// The store error behind `error`: one raised as such, or else a SQLite or file-system
    /// failure on the database at `path`, classified. `None` when neither is in the chain.
    pub fn find(error: &anyhow::Error, path: &Path) -> Option<StoreError> {
        if let Some(typed) = error.downcast_ref::<StoreError>() {
            return Some(typed.clone());
        }
        error.chain().find_map(|cause| {
            if let Some(sqlite) = cause.downcast_ref::<rusqlite::Error>() {
                classify_sqlite(path, sqlite)
            } else {
                cause
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| classify_io(path, io))
            }
        })
    }

    pub fn path(&self) -> &Path {
        match self {
            StoreError::DiskFull { path }
            | StoreError::ReadOnly { path, .. }
            | StoreError::CannotOpen { path, .. }
            | StoreError::Busy { path }
            | StoreError::Damaged { path, .. }
            | StoreError::Io { path, .. } => path,
        }
    }
}

/// Puts the typed error in front of `error` when one applies, so it is printed first and
/// `downcast_ref::<StoreError>()` finds it; otherwise returns `error` as it was.
pub fn explain(error: anyhow::Error, path: &Path) -> anyhow::Error {
    if error.downcast_ref::<StoreError>().is_some() {
        return error;
    }
    match StoreError::find(&error, path) {
        Some(typed) => error.context(typed),
        None => error,
    }
}

/// A SQLite failure on the database at `path` as a `StoreError`; `None` for failures that say
/// nothing about the file (a constraint, a bad statement).
pub(crate) fn classify_sqlite(path: &Path, error: &rusqlite::Error) -> Option<StoreError> {
    let path = path.to_path_buf();
    let code = error.sqlite_error_code()?;
    Some(match code {
        ErrorCode::DiskFull => StoreError::DiskFull { path },
        ErrorCode::ReadOnly => StoreError::ReadOnly {
            reason: why_read_only(&path),
            path,
        },
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy { path },
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Damaged {
            path,
            detail: error.to_string(),
        },
        ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
            if let Some(reason) = not_writable(&path) {
                StoreError::ReadOnly { path, reason }
            } else {
                StoreError::CannotOpen {
                    path,
                    reason: error.to_string(),
                }
            }
        }
        // SQLite says "disk I/O error" for a full disk when it grows its shared-memory index,
        // and for a read-only file system; the file system says which.
        ErrorCode::SystemIoFailure => {
            if disk_is_full(&path) {
                StoreError::DiskFull { path }
            } else if let Some(reason) = not_writable(&path) {
                StoreError::ReadOnly { path, reason }
            } else {
                StoreError::Io {
                    path,
                    detail: error.to_string(),
                }
            }
        }
        _ => return None,
    })
}

/// A file-system failure while making the database's directory or file.
pub(crate) fn classify_io(path: &Path, error: &std::io::Error) -> Option<StoreError> {
    use std::io::ErrorKind;
    let path = path.to_path_buf();
    Some(match error.kind() {
        ErrorKind::StorageFull => StoreError::DiskFull { path },
        ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnly {
            path,
            reason: "the file system is mounted read-only".to_string(),
        },
        ErrorKind::PermissionDenied => match not_writable(&path) {
            Some(reason) => StoreError::ReadOnly { path, reason },
            None => StoreError::CannotOpen {
                reason: format!("permission denied ({})", who_may(&path)),
                path,
            },
        },
        _ => return None,
    })
}

/// The directory a database file lives in (`.` for a bare file name).
pub(crate) fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Why this process cannot write the database, or `None` when it can.
pub(crate) fn not_writable(path: &Path) -> Option<String> {
    let dir = directory(path);
    if file_system_read_only(dir) {
        return Some("the file system is mounted read-only".to_string());
    }
    if path.exists() && !may_write(path) {
        return Some(format!(
            "this user may not write the file: {}",
            who_may(path)
        ));
    }
    if !may_write(dir) {
        return Some(format!(
            "this user may not write its directory {}, where SQLite keeps the -wal and -shm files",
            dir.display()
        ));
    }
    None
}

fn why_read_only(path: &Path) -> String {
    not_writable(path).unwrap_or_else(|| "SQLite opened it read-only".to_string())
}

fn may_write(path: &Path) -> bool {
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: c_path is a valid NUL-terminated string; faccessat only reads it.
    unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            libc::W_OK,
            libc::AT_EACCESS,
        ) == 0
    }
}

/// `mode 0600, owner uid 0, group gid 0`: who may open a file (or, when the file cannot even be
/// looked at, its directory).
pub(crate) fn who_may(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let describe = |meta: std::fs::Metadata| {
        format!(
            "mode {:04o}, owner uid {}, group gid {}",
            meta.mode() & 0o7777,
            meta.uid(),
            meta.gid()
        )
    };
    match std::fs::metadata(path) {
        Ok(meta) => describe(meta),
        Err(_) => {
            let dir = directory(path);
            match std::fs::metadata(dir) {
                Ok(meta) => format!("its directory {}: {}", dir.display(), describe(meta)),
                Err(e) => e.to_string(),
            }
        }
    }
}

fn statvfs(dir: &Path) -> Option<libc::statvfs> {
    let c_path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: c_path is NUL-terminated; statvfs writes only into `out`, zeroed to start.
    unsafe {
        let mut out: libc::statvfs = std::mem::zeroed();
        (libc::statvfs(c_path.as_ptr(), &mut out) == 0).then_some(out)
    }
}

fn file_system_read_only(dir: &Path) -> bool {
    statvfs(dir).is_some_and(|s| s.f_flag & libc::ST_RDONLY != 0)
}

/// Less room than SQLite needs for one more write (its shared-memory index grows by 32 kB).
// The statvfs fields are 32 bits wide on some edge devices, 64 here.
#[allow(clippy::unnecessary_cast)]
fn disk_is_full(path: &Path) -> bool {
    const ROOM: u64 = 64 * 1024;
    statvfs(directory(path)).is_some_and(|s| {
        // SAFETY: geteuid has no preconditions. Root may use the blocks reserved for it.
        let blocks = if unsafe { libc::geteuid() } == 0 {
            s.f_bfree
        } else {
            s.f_bavail
        };
        (blocks as u64).saturating_mul(s.f_frsize as u64) < ROOM
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_never_suggest_a_backup_for_a_full_disk() {
        let full = StoreError::DiskFull {
            path: PathBuf::from("/var/lib/imgreaper/imgreaper.db"),
        }
        .to_string();
        assert!(full.starts_with("disk full at /var/lib/imgreaper/imgreaper.db"));
        assert!(full.contains("df /var/lib/imgreaper"));
        assert!(!full.contains("backup"));
        let read_only = StoreError::ReadOnly {
            path: PathBuf::from("db"),
            reason: "x".into(),
        }
        .to_string();
        assert!(read_only.starts_with("read-only: db (x)"), "{read_only}");
    }

    #[test]
    fn sqlite_codes_are_told_apart() {
        let failure =
            |code: i32| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let path = Path::new("/nonexistent/dir/db");
        assert!(matches!(
            classify_sqlite(path, &failure(rusqlite::ffi::SQLITE_FULL)),
            Some(StoreError::DiskFull { .. })
        ));
        assert!(matches!(
            classify_sqlite(path, &failure(rusqlite::ffi::SQLITE_BUSY)),
            Some(StoreError::Busy { .. })
        ));
        assert!(matches!(
            classify_sqlite(path, &failure(rusqlite::ffi::SQLITE_NOTADB)),
            Some(StoreError::Damaged { .. })
        ));
        assert!(matches!(
            classify_sqlite(path, &failure(rusqlite::ffi::SQLITE_READONLY)),
            Some(StoreError::ReadOnly { .. })
        ));
        assert_eq!(
            classify_sqlite(path, &failure(rusqlite::ffi::SQLITE_CONSTRAINT)),
            None
        );
    }

    #[test]
    fn a_typed_error_is_found_behind_context() {
        let path = Path::new("db");
        let raw = anyhow::Error::new(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        ))
        .context("cannot save the policy");
        let explained = explain(raw, path).context("outer");
        assert!(matches!(
            explained.downcast_ref::<StoreError>(),
            Some(StoreError::DiskFull { .. })
        ));
        assert!(format!("{explained:#}").contains("disk full at db"));
    }
}
