//! The enforcer's clock is a parameter, so tests can move time forward.

use crate::model::Timestamp;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
    /// Resolves once `now() >= deadline`.
    fn sleep_until(&self, deadline: Timestamp) -> SleepFuture<'_>;
}

/// The wall clock.
pub struct SystemClock;

pub fn unix_now() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as Timestamp)
        .unwrap_or(0)
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        unix_now()
    }

    fn sleep_until(&self, deadline: Timestamp) -> SleepFuture<'_> {
        Box::pin(async move {
            // Sleep to the exact second boundary so a deadline is met within a second.
            let target = UNIX_EPOCH + Duration::from_secs(deadline.max(0) as u64);
            if let Ok(wait) = target.duration_since(SystemTime::now()) {
                tokio::time::sleep(wait).await;
            }
        })
    }
}

/// A clock that only moves when told to.
pub struct FakeClock {
    now: AtomicI64,
    moved: Notify,
}

impl FakeClock {
    pub fn new(now: Timestamp) -> FakeClock {
        FakeClock {
            now: AtomicI64::new(now),
            moved: Notify::new(),
        }
    }

    pub fn set(&self, now: Timestamp) {
        self.now.store(now, Ordering::SeqCst);
        self.moved.notify_waiters();
    }

    pub fn advance(&self, seconds: i64) {
        self.set(self.now() + seconds);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        self.now.load(Ordering::SeqCst)
    }

    fn sleep_until(&self, deadline: Timestamp) -> SleepFuture<'_> {
        Box::pin(async move {
            loop {
                let moved = self.moved.notified();
                if self.now() >= deadline {
                    return;
                }
                moved.await;
            }
        })
    }
}
