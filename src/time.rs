//! Time as stored (epoch microseconds) and as Mastodon shows it. The clock is injectable so
//! tests can run multi-day schedules in milliseconds.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};

/// A clock: the system's, optionally shifted forward by tests.
#[derive(Clone, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    pub fn now_micros(&self) -> i64 {
        Utc::now().timestamp_micros() + self.offset_micros.load(Ordering::Relaxed)
    }

    pub fn now_millis(&self) -> i64 {
        self.now_micros() / 1000
    }

    /// How far this clock runs ahead of the real one (0 outside tests). Job leases run on
    /// the database's clock plus this, so a test that moves the clock past a lease sees it
    /// expire while nodes in production agree on the database's time.
    pub fn offset_micros(&self) -> i64 {
        self.offset_micros.load(Ordering::Relaxed)
    }

    /// Moves this clock forward (tests only drive it through the test harness).
    pub fn advance(&self, by: std::time::Duration) {
        self.offset_micros
            .fetch_add(by.as_micros() as i64, Ordering::Relaxed);
    }
}

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_DAY: i64 = 24 * 60 * MICROS_PER_MINUTE;

/// ISO-8601 UTC with milliseconds, as Mastodon writes `created_at`.
pub fn iso(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Midnight UTC of the day, as Mastodon truncates `Account.created_at`.
pub fn iso_midnight(micros: i64) -> String {
    iso(micros - micros.rem_euclid(MICROS_PER_DAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_mastodon() {
        assert_eq!(iso(1_575_545_687_196_000), "2019-12-05T11:34:47.196Z");
        assert_eq!(
            iso_midnight(1_575_545_687_196_000),
            "2019-12-05T00:00:00.000Z"
        );
    }
}
