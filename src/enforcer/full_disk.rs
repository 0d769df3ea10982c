//! What the enforcer does when the disk under its database is full: removing images is how space
//! comes back, so every write that can wait (records, journal, lapses, housekeeping) is skipped
//! or kept in memory, and removing goes on.

use crate::store::is_disk_full;
use anyhow::Result;

/// `Ok(None)` when the write failed because the disk is full; other errors pass through.
pub(super) fn unless_full<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if is_disk_full(&error) => Ok(None),
        Err(error) => Err(error),
    }
}
