//! The injected clock that `date_added` is taken from.
//!
//! A store never reads the system time directly: it asks its [`Clock`], so
//! tests can freeze time, move it backwards, or make every call return the
//! same instant, and check that `date_added` still strictly increases.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time in microseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time, in microseconds since 1970-01-01T00:00:00Z.
    fn now_micros(&self) -> i64;
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        jiff::Timestamp::now().as_microsecond()
    }
}

/// A clock that only moves when told to; clones share the same time.
///
/// Meant for tests (it is public so other crates' tests can use it too).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock that reads `micros` until changed.
    pub fn new(micros: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(micros)))
    }

    /// Sets the time (it may go backwards).
    pub fn set(&self, micros: i64) {
        self.0.store(micros, Ordering::SeqCst);
    }

    /// Moves the time forward (or back, if `delta` is negative).
    pub fn advance(&self, delta_micros: i64) {
        self.0.fetch_add(delta_micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The next `date_added` of a collection: the current time, or one
/// microsecond after the previous value if the clock has not moved past it
/// (or went backwards). This keeps `date_added` strictly increasing per
/// collection whatever the clock does.
pub fn next_date_added(now_micros: i64, last_micros: i64) -> i64 {
    now_micros.max(last_micros.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_date_added_is_strictly_increasing() {
        assert_eq!(next_date_added(100, 50), 100);
        assert_eq!(next_date_added(100, 100), 101);
        assert_eq!(next_date_added(10, 100), 101);
    }

    #[test]
    fn manual_clock_clones_share_time() {
        let a = ManualClock::new(5);
        let b = a.clone();
        a.advance(10);
        assert_eq!(b.now_micros(), 15);
        b.set(3);
        assert_eq!(a.now_micros(), 3);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_micros() > 1_577_836_800_000_000);
    }
}
