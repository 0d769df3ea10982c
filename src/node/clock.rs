//! The enforcer's clock is a parameter, so tests can move time forward.
//!
//! A clock gives two readings: the wall clock (Unix seconds, which NTP may step at any moment,
//! and which a box without a real-time clock boots with stale) and the time since boot (which
//! only moves forward, at the pace of real time). Guards and idle times that began during this
//! boot are measured on the second, so a clock step can neither skip a guard nor make an image
//! overdue (DESIGN.md §12).

use crate::core::model::Timestamp;
use crate::core::time::{BootId, Moment};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync {
    /// The wall clock.
    fn now(&self) -> Timestamp;
    /// Both readings at once.
    fn moment(&self) -> Moment;
    /// How long until the wall clock reads `deadline`, to the nanosecond where the clock has it.
    fn until(&self, deadline: Timestamp) -> Duration;
    /// Resolves once `duration` of real time has passed (the monotonic clock: a wall-clock step
    /// neither shortens nor stretches it).
    fn sleep_for(&self, duration: Duration) -> SleepFuture<'_>;
}

/// The host's clocks.
pub struct SystemClock;

pub fn unix_now() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as Timestamp)
        .unwrap_or(0)
}

/// The wall clock in nanoseconds.
pub fn unix_now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since boot, suspend included (`CLOCK_BOOTTIME`, which `/proc/uptime` also reads).
pub fn uptime() -> i64 {
    nanos(libc::CLOCK_BOOTTIME) / 1_000_000_000
}

// The fields are 32 bits on some edge devices, where the conversions are not useless.
#[allow(clippy::useless_conversion)]
fn nanos(clock: libc::clockid_t) -> i64 {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer it is given.
    if unsafe { libc::clock_gettime(clock, &mut spec) } == 0 {
        i64::from(spec.tv_sec)
            .saturating_mul(1_000_000_000)
            .saturating_add(i64::from(spec.tv_nsec))
    } else {
        0
    }
}

/// This boot's ID from the kernel; when unreadable, one derived from the boot's wall time (to
/// the minute), which still changes with every reboot.
pub fn boot_id() -> BootId {
    static BOOT: OnceLock<BootId> = OnceLock::new();
    *BOOT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .and_then(|text| u128::from_str_radix(&text.trim().replace('-', ""), 16).ok())
            .unwrap_or_else(|| ((unix_now() - uptime()) / 60) as u128)
    })
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        unix_now()
    }

    fn moment(&self) -> Moment {
        // Both clocks read in nanoseconds and the difference (the boot's wall-clock time) rounded
        // once, so `wall - up` is the same from one reading to the next: truncating each to whole
        // seconds on its own would make times placed on the monotonic clock jitter by a second.
        let wall_ns = nanos(libc::CLOCK_REALTIME);
        let up_ns = nanos(libc::CLOCK_BOOTTIME);
        let booted = (wall_ns - up_ns + 500_000_000).div_euclid(1_000_000_000);
        let wall = wall_ns.div_euclid(1_000_000_000);
        Moment {
            wall,
            up: (wall - booted).max(0),
            boot: boot_id(),
        }
    }

    fn until(&self, deadline: Timestamp) -> Duration {
        let left = deadline
            .saturating_mul(1_000_000_000)
            .saturating_sub(nanos(libc::CLOCK_REALTIME));
        Duration::from_nanos(left.max(0) as u64)
    }

    fn sleep_for(&self, duration: Duration) -> SleepFuture<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to. It starts at the host's real time since boot and boot
/// ID, so it agrees with what the kernel says about other processes (the engine's start).
pub struct FakeClock {
    now: AtomicI64,
    up: AtomicI64,
    boot: Mutex<BootId>,
    moved: Notify,
}

impl FakeClock {
    pub fn new(now: Timestamp) -> FakeClock {
        FakeClock {
            now: AtomicI64::new(now),
            up: AtomicI64::new(uptime()),
            boot: Mutex::new(boot_id()),
            moved: Notify::new(),
        }
    }

    /// Steps the wall clock only, as NTP or an operator does: no real time passes.
    pub fn set(&self, now: Timestamp) {
        self.now.store(now, Ordering::SeqCst);
        self.moved.notify_waiters();
    }

    /// Lets `seconds` of real time pass: both clocks move.
    pub fn advance(&self, seconds: i64) {
        self.up.fetch_add(seconds, Ordering::SeqCst);
        self.set(self.now() + seconds);
    }

    /// A reboot: a new boot ID and time since boot back to `up`; the wall clock goes on.
    pub fn reboot(&self, up: i64) {
        let mut boot = self.boot.lock().unwrap_or_else(|e| e.into_inner());
        *boot = boot.wrapping_add(1);
        self.up.store(up, Ordering::SeqCst);
        self.moved.notify_waiters();
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        self.now.load(Ordering::SeqCst)
    }

    fn moment(&self) -> Moment {
        Moment {
            wall: self.now(),
            up: self.up.load(Ordering::SeqCst),
            boot: *self.boot.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    fn until(&self, deadline: Timestamp) -> Duration {
        Duration::from_secs(deadline.saturating_sub(self.now()).max(0) as u64)
    }

    fn sleep_for(&self, duration: Duration) -> SleepFuture<'_> {
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        let until = self.up.load(Ordering::SeqCst).saturating_add(seconds);
        Box::pin(async move {
            loop {
                let moved = self.moved.notified();
                if self.up.load(Ordering::SeqCst) >= until {
                    return;
                }
                moved.await;
            }
        })
    }
}
