//! The SQLite database shared by the console and the service.
//!
//! One connection per process (rusqlite is synchronous and fast here); WAL so readers never
//! block the enforcer, and a busy timeout so two writers wait instead of failing.

mod audit;
mod images;
mod lease;
mod open;
mod overrides;
mod policies;
mod schema;
mod settings;

pub use audit::{AUDIT_KEEP, AuditEntry, NewAudit, Owner, PendingRemoval};
pub use images::TrackingUpdate;
pub use lease::{HolderView, Lease, LeaseClaim, LeaseKind};
pub use open::default_path;
pub use overrides::DecisionKind;
pub use policies::{StoredPolicy, active_rules_of};
pub use settings::{Settings, SettingsOverride};

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Whether this error (anywhere in its chain) is SQLite saying the disk is full. The enforcer
/// keeps removing images then (that is how space comes back) and records later.
pub fn is_disk_full(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<rusqlite::Error>()
            .and_then(rusqlite::Error::sqlite_error_code)
            == Some(rusqlite::ErrorCode::DiskFull)
    })
}

impl Store {
    /// Opens (creating if absent) the database at `path`, refusing files that are not ours.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = open::open_checked(path)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        schema::migrate(&mut store.conn)
            .with_context(|| format!("cannot prepare the database {}", path.display()))?;
        Ok(store)
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
