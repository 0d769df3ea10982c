//! The SQLite database shared by the console and the service.
//!
//! One connection per process (rusqlite is synchronous and fast here); WAL so readers never
//! block the enforcer, and a busy timeout so two writers wait instead of failing.

mod audit;
mod error;
mod freed;
mod holds;
mod images;
mod lease;
mod open;
mod overrides;
mod policies;
mod schema;
mod settings;
mod updates;

pub use audit::{ACTIONS, AUDIT_KEEP, AuditEntry, AuditFilter, NewAudit, Owner, PendingRemoval};
pub use error::{StoreError, explain};
pub use holds::Hold;
pub use images::TrackingUpdate;
pub use lease::{HolderView, Lease, LeaseClaim, LeaseKind};
pub use open::default_path;
pub use policies::{PolicyVersion, SaveOutcome};
pub use settings::ReadAt;
pub use updates::UpdateFound;

use anyhow::Result;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Whether this error (anywhere in its chain) is SQLite saying the disk is full. The enforcer
/// keeps removing images then (that is how space comes back) and records later.
pub fn is_disk_full(error: &anyhow::Error) -> bool {
    // Also the typed error: SQLite reports a full disk as an I/O error when the WAL index grows.
    if matches!(
        error.downcast_ref::<StoreError>(),
        Some(StoreError::DiskFull { .. })
    ) {
        return true;
    }
    error.chain().any(|cause| {
        cause
            .downcast_ref::<rusqlite::Error>()
            .and_then(rusqlite::Error::sqlite_error_code)
            == Some(rusqlite::ErrorCode::DiskFull)
    })
}

/// `Ok(None)` when a write failed because the disk is full; other errors pass through. For the
/// writes that can wait while removing images frees space.
pub fn unless_disk_full<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if is_disk_full(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

impl Store {
    /// Opens the database to change it, creating it (private to its owner) when absent. A file
    /// that is not ours is refused untouched; one this process cannot write is refused at once
    /// with `StoreError::ReadOnly`.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = open::open_for_writing(path)?;
        Store::with_schema(conn, path)
    }

    /// Opens the database for a command that only reads: writes nothing unless the schema is
    /// out of date, and works on a full disk and where this user may only read.
    pub fn open_for_reading(path: &Path) -> Result<Store> {
        let conn = open::open_for_reading(path)?;
        Store::with_schema(conn, path)
    }

    fn with_schema(conn: Connection, path: &Path) -> Result<Store> {
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        schema::migrate(&mut store.conn).map_err(|e| {
            explain(
                e.context(format!("cannot prepare the database {}", path.display())),
                path,
            )
        })?;
        Ok(store)
    }

    /// What a failed store call means for this database (`StoreError::DiskFull`, …), if it
    /// says anything about the file: for callers that react, such as retrying an audit write
    /// once space is back.
    pub fn classify(&self, error: &anyhow::Error) -> Option<StoreError> {
        StoreError::find(error, &self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A counter that changes whenever another connection commits: the cheap way to notice
    /// that a console or a script changed policies, pins or postponements.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))?)
    }

    /// `PRAGMA integrity_check`, for tests and for `imgreaper` to report a damaged file.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}
