//! Replaying the engine's events from the stored cursor, so what happened while the enforcer was
//! not watching (downtime, or between two cron runs) still counts: pulls make images
//! agent-downloaded, short-lived containers date an image's last use (DESIGN.md §12).

use super::Enforcer;
use crate::core::engine_time::{cursor_at, cursor_nanos};
use crate::core::tracking::Observed;
use crate::node::engine::{EventKind, REQUEST_TIMEOUT};
use anyhow::{Result, anyhow};
use futures_util::StreamExt;

/// What a replay read: the events, the cursor to store (`None` when it did not move, so an idle
/// cycle writes nothing), and when they were read.
pub(super) struct Replayed {
    pub observed: Observed,
    pub cursor: Option<String>,
    pub read_at: Option<crate::node::store::ReadAt>,
}

impl Enforcer {
    /// Everything the engine still holds since the cursor, up to now; and the cursor to store
    /// (`None` when it did not move, so an idle cycle writes nothing). The engine's own clock
    /// dates its events, so the cursor is kept in it, never in this host's wall clock: a cursor
    /// later than the engine's clock (stored while a clock was ahead) cannot be trusted, and
    /// the replay starts from the earliest event the engine still holds (§12).
    pub(super) async fn replay_events(&mut self) -> Result<Replayed> {
        // An engine that does not say its time shares this host's clock.
        let until = match self.engine.clock_nanos().await? {
            Some(nanos) => nanos,
            None => crate::node::clock::unix_now_nanos(),
        };
        let moment = self.clock.moment();
        let read_at = Some((moment.boot, moment.up, moment.offset()));
        // Every event not read yet happened after the previous read (in this boot).
        let previous = self
            .store
            .events_read_at()?
            .filter(|(boot, _, _)| *boot == moment.boot)
            .map(|(_, up, offset)| (up, offset));
        let (since, untrusted) = match self.store.event_cursor()? {
            // The first run: what is here now was not pulled while we watched.
            None => {
                return Ok(Replayed {
                    observed: Observed::default(),
                    cursor: Some(cursor_at(until)),
                    read_at,
                });
            }
            Some(cursor) => match cursor_nanos(&cursor) {
                Some(at) if at <= until => (cursor, false),
                _ => ("0".to_string(), true),
            },
        };
        let mut stream = Box::pin(self.engine.events(Some(since), Some(cursor_at(until))));
        let mut observed = Observed {
            previous,
            ..Observed::default()
        };
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
        // Nothing new: the cursor stays, unless it could not be trusted (it comes back to now).
        let cursor = last
            .map(cursor_at)
            .or_else(|| untrusted.then(|| cursor_at(until)));
        Ok(Replayed {
            observed,
            cursor,
            read_at,
        })
    }
}
