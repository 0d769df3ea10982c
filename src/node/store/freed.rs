//! How many bytes removals freed lately: the fleet's "freed in the last 24 h".

use super::Store;
use crate::core::model::Timestamp;
use anyhow::Result;

/// Entries are written in about the order of their times, but several processes write them:
/// the walk back from the newest stops this far before `since`, not at the first older one.
const ORDER_SLACK_SECS: Timestamp = 3600;

impl Store {
    /// Bytes freed by removals recorded at or after `since`. Walks back from the newest entry
    /// (the log's own order) and stops soon after `since`, so a long log costs nothing extra.
    pub fn freed_since(&self, since: Timestamp) -> Result<u64> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT time, bytes_freed FROM audit ORDER BY id DESC")?;
        let mut rows = statement.query([])?;
        let mut freed = 0u64;
        while let Some(row) = rows.next()? {
            let time: Timestamp = row.get(0)?;
            if time < since.saturating_sub(ORDER_SLACK_SECS) {
                break;
            }
            if time >= since {
                freed = freed.saturating_add(row.get::<_, i64>(1)?.max(0) as u64);
            }
        }
        Ok(freed)
    }
}
