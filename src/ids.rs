//! 64-bit time-ordered ids in Mastodon's layout: `(unix_ms << 16) | low16`. The low 16 bits
//! start at a per-process random offset and count up within a millisecond, so ids from several
//! processes rarely collide (the database's primary key catches the rest) and ids from one
//! process are strictly increasing. Mastodon.py pages by date with this layout.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

static LAST: AtomicU64 = AtomicU64::new(0);

/// Next id for a row created at `now_ms` (milliseconds since the epoch).
pub fn next_id_at(now_ms: i64) -> i64 {
    let base = (now_ms.max(0) as u64) << 16;
    loop {
        let last = LAST.load(Ordering::Relaxed);
        let candidate = if last >> 16 == base >> 16 {
            last + 1
        } else if last > base {
            // The clock stepped back: stay monotonic.
            last + 1
        } else {
            compose(now_ms, rand::thread_rng().gen_range(0u16..4096)) as u64
        };
        if LAST
            .compare_exchange(last, candidate, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            return candidate as i64;
        }
    }
}

/// Mastodon's layout: milliseconds in the high bits, 16 low bits below.
pub fn compose(ms: i64, low: u16) -> i64 {
    (ms.max(0) << 16) | i64::from(low)
}

/// Next id for a row created now.
pub fn next_id() -> i64 {
    next_id_at(chrono::Utc::now().timestamp_millis())
}

/// The millisecond timestamp an id encodes.
pub fn id_millis(id: i64) -> i64 {
    id >> 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_unique() {
        // Slightly ahead of the clock, so ids other tests make "now" cannot overtake these.
        let t = chrono::Utc::now().timestamp_millis() + 60_000;
        let a = next_id_at(t);
        let b = next_id_at(t);
        let c = next_id_at(t + 1);
        assert!(a < b && b < c);
        assert_eq!(id_millis(a), t);
        assert_eq!(id_millis(c), t + 1);
        let many: std::collections::HashSet<i64> = (0..10_000).map(|_| next_id()).collect();
        assert_eq!(many.len(), 10_000);
    }

    #[test]
    fn matches_mastodon_date_paging() {
        // Mastodon.py turns a datetime into (unix_s << 16) * 1000 as max_id: ids of that
        // second sort between the bounds of that second.
        let unix_s: i64 = 1_760_000_000;
        for (ms, low) in [(0, 0u16), (5, 17), (999, u16::MAX)] {
            let id = compose(unix_s * 1000 + ms, low);
            assert!(id >= (unix_s << 16) * 1000);
            assert!(id < ((unix_s + 1) << 16) * 1000);
        }
    }
}
