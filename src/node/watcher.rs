//! What wakes the enforcer and the console's loader: engine events, another process's change to
//! the database, and the retry of an event stream that failed. One implementation for both, so
//! a fix here is a fix everywhere.
//!
//! Events are only a reason to look again (the enforcer replays what happened from its stored
//! cursor), so a burst is drained into one wake-up, and a stream the engine refuses outright (a
//! socket proxy that denies `GET /events`) is retried with a growing delay instead of waking the
//! caller in a tight loop.

use crate::node::engine::{Engine, EngineEvent};
use crate::node::store::Store;
use futures_util::{Stream, StreamExt};
use std::pin::Pin;
use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};

type Events = Pin<Box<dyn Stream<Item = anyhow::Result<EngineEvent>> + Send>>;

/// How often another process's writes are looked for (`PRAGMA data_version`, a cheap read).
const STORE_POLL: Duration = Duration::from_secs(1);
/// Events closer together than this are one burst.
const QUIET: Duration = Duration::from_millis(100);
/// A burst that never goes quiet still wakes the caller this often.
const LONGEST_BURST: Duration = Duration::from_secs(1);

/// A delay that doubles on each failure up to a ceiling, and starts over on success.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    first: Duration,
    ceiling: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, ceiling: Duration) -> Backoff {
        Backoff {
            first,
            ceiling,
            next: first,
        }
    }

    /// The delay before the next attempt; each call doubles the following one.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.ceiling);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Why the watcher woke its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// The engine reported changes (a burst, drained).
    Engine,
    /// Another process changed the database.
    Store,
    /// The event stream failed or ended: the engine may be away. Events are retried after a
    /// growing delay; the caller's next request to the engine tells whether it is back.
    EngineLost(String),
}

pub struct Watcher {
    engine: Engine,
    events: Option<Events>,
    /// When to subscribe again after the stream failed.
    resubscribe_at: Option<Instant>,
    backoff: Backoff,
    poll: Interval,
    version: Option<i64>,
    /// Engine events read so far: with the wake-ups, how well bursts are drained.
    events_read: u64,
}

impl Watcher {
    /// `ceiling` bounds the delay before the event stream is tried again.
    pub fn new(engine: Engine, store: &Store, ceiling: Duration) -> Watcher {
        let mut poll = tokio::time::interval(STORE_POLL);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Watcher {
            engine,
            events: None,
            resubscribe_at: None,
            backoff: Backoff::new(Duration::from_secs(1), ceiling),
            poll,
            version: store.data_version().ok(),
            events_read: 0,
        }
    }

    /// How many engine events this watcher has read (each wake-up reads one or a burst).
    pub fn events_read(&self) -> u64 {
        self.events_read
    }

    /// Waits for the next reason to look again. Cancel-safe: dropping it loses at most events,
    /// which are only triggers. (`&mut` only so the future stays `Send`: a `Store` is not `Sync`.)
    pub async fn next(&mut self, store: &mut Store) -> Wake {
        loop {
            if self.events.is_none() && self.resubscribe_at.is_none_or(|at| at <= Instant::now()) {
                // Replay from just before now, so a change made while the caller was busy is
                // not missed.
                let since = crate::node::clock::unix_now() - 1;
                self.events = Some(Box::pin(self.engine.events(Some(since.to_string()), None)));
                self.resubscribe_at = None;
            }
            let retry_at = self.resubscribe_at;
            tokio::select! {
                event = next_event(&mut self.events) => match event {
                    Some(Ok(_)) => {
                        self.backoff.reset();
                        self.events_read += 1;
                        if let Some(events) = self.events.as_mut() {
                            self.events_read += drain(events).await;
                        }
                        return Wake::Engine;
                    }
                    failure => {
                        self.events = None;
                        self.resubscribe_at = Some(Instant::now() + self.backoff.next_delay());
                        let why = match failure {
                            Some(Err(error)) => format!("{error:#}"),
                            _ => format!("the engine at {} closed its event stream", self.engine.host()),
                        };
                        return Wake::EngineLost(why);
                    }
                },
                _ = sleep_until(retry_at), if retry_at.is_some() => continue,
                _ = self.poll.tick() => {
                    let version = store.data_version().ok();
                    if version != self.version {
                        self.version = version;
                        return Wake::Store;
                    }
                }
            }
        }
    }

    /// Takes note of the database as it is now, so the caller's own writes do not wake it.
    pub fn seen_store(&mut self, store: &Store) {
        self.version = store.data_version().ok();
    }
}

async fn next_event(events: &mut Option<Events>) -> Option<anyhow::Result<EngineEvent>> {
    match events.as_mut() {
        Some(events) => events.next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Reads the rest of a burst: until the stream is quiet for `QUIET`, at most `LONGEST_BURST`.
/// Returns how many events it read.
async fn drain(events: &mut Events) -> u64 {
    let end = Instant::now() + LONGEST_BURST;
    let mut read = 0;
    loop {
        let quiet_until = (Instant::now() + QUIET).min(end);
        match tokio::time::timeout_at(quiet_until, events.next()).await {
            Ok(Some(Ok(_))) => {
                read += 1;
                if Instant::now() >= end {
                    return read;
                }
            }
            // Quiet or failed: the next `next` sees a failure again.
            _ => return read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_to_its_ceiling_and_starts_over() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let delays: Vec<u64> = (0..5).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }
}
