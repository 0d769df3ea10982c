//! Replaying the engine's events from the stored cursor, so what happened while the enforcer was
//! not watching (downtime, or between two cron runs) still counts: pulls make images
//! agent-downloaded, short-lived containers date an image's last use (DESIGN.md §12).

use super::Enforcer;
use crate::core::tracking::Observed;
use crate::node::engine::{EventKind, REQUEST_TIMEOUT, cursor_at};
use anyhow::{Result, anyhow};
use futures_util::StreamExt;

impl Enforcer {
    /// Everything the engine still holds since the cursor, up to now; and the cursor to store
    /// (`None` when it did not move, so an idle cycle writes nothing). The engine's own clock
    /// dates its events, so the cursor is taken from it, not from the enforcer's clock.
    pub(super) async fn replay_events(&mut self) -> Result<(Observed, Option<String>)> {
        let until = real_now_nanos();
        let Some(since) = self.store.event_cursor()? else {
            // The first run: what is here now was not pulled while we watched.
            return Ok((Observed::default(), Some(cursor_at(until))));
        };
        let mut stream = Box::pin(self.engine.events(Some(since), Some(cursor_at(until))));
        let mut observed = Observed::default();
        let mut last = None;
        let replay = async {
            while let Some(event) = stream.next().await {
                let event = event?;
                last = Some(event.time_nano);
                match event.kind {
                    EventKind::Pull => observed.pulls.push((event.subject, event.time)),
                    EventKind::Container => {
                        if let Some(image) = event.image {
                            observed.uses.push((image, event.time));
                        }
                    }
                    EventKind::Image => {}
                }
            }
            anyhow::Ok(())
        };
        tokio::time::timeout(REQUEST_TIMEOUT, replay)
            .await
            .map_err(|_| {
                anyhow!(
                    "the Docker engine at {} did not finish replaying its events within {} s",
                    self.engine.host(),
                    REQUEST_TIMEOUT.as_secs()
                )
            })??;
        Ok((observed, last.map(cursor_at)))
    }
}

fn real_now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos().min(i64::MAX as u128) as i64)
        .unwrap_or(0)
}
