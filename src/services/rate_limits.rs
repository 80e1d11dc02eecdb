//! The general API limit, counted in the database's `rate_counters` so every node on one
//! database counts in the same bucket (DESIGN §11), on SQLite by the same path.
//!
//! Writing a count on every API request would put a write on every read (on SQLite, behind
//! the one writer). So each node counts a key's hits in memory and adds them to the shared
//! count (one upsert that returns the total) when it first sees the key in a window, at least
//! once a second while the key is in use, and on every hit once the key is near its limit
//! (within a tenth of it). A node therefore refuses from the shared total plus its own hits
//! not yet added; what it cannot see is the other nodes' unadded hits, under a second's worth
//! of a key that is not near its limit, so N nodes allow at most about that much beyond the
//! limit, where per-node counts allowed N times the limit. The sign-in, sign-up and reset
//! limits, which must be exact, count every attempt in the database (`services::accounts`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::http::rate_limit::Decision;
use crate::state::AppState;
use crate::storage::rate_limits as store;
use crate::time::{MICROS_PER_DAY, MICROS_PER_SECOND};

/// How long a node may count a key on its own before adding its hits to the shared count.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Keys kept in memory before the ones of past windows are dropped.
const PRUNE_AT: usize = 50_000;

#[derive(Default)]
pub struct ApiCounts {
    keys: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    window_start: i64,
    /// The shared total as last read from the database (every node's added hits).
    shared: i64,
    /// This node's hits not yet added to the shared total.
    pending: i64,
    synced_at: Option<Instant>,
}

/// What one hit needs: a decision from memory, or an add of `delta` to the shared count.
enum Step {
    Decided(i64),
    Sync(i64),
}

impl ApiCounts {
    fn count(&self, key: &str, window_start: i64, window: i64, limit: i64) -> Step {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() > PRUNE_AT {
            keys.retain(|_, e| e.window_start + window > window_start);
        }
        let e = keys.entry(key.to_string()).or_insert(Entry {
            window_start,
            shared: 0,
            pending: 0,
            synced_at: None,
        });
        if e.window_start != window_start {
            *e = Entry {
                window_start,
                shared: 0,
                pending: 0,
                synced_at: None,
            };
        }
        e.pending += 1;
        let estimate = e.shared + e.pending;
        let near = estimate >= limit - (limit / 10).max(1);
        let stale = e.synced_at.is_none_or(|t| t.elapsed() >= SYNC_EVERY);
        if near || stale {
            let delta = e.pending;
            e.pending = 0;
            // Claimed now, so the requests arriving while this add runs count in memory.
            e.synced_at = Some(Instant::now());
            Step::Sync(delta)
        } else {
            Step::Decided(estimate)
        }
    }

    fn synced(&self, key: &str, window_start: i64, total: i64) -> i64 {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        match keys.get_mut(key) {
            Some(e) if e.window_start == window_start => {
                e.shared = e.shared.max(total);
                e.shared + e.pending
            }
            _ => total,
        }
    }

    /// The add failed: the hits stay this node's to add next time.
    fn unsynced(&self, key: &str, window_start: i64, delta: i64) -> i64 {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        match keys.get_mut(key) {
            Some(e) if e.window_start == window_start => {
                e.pending += delta;
                e.synced_at = None;
                e.shared + e.pending
            }
            _ => delta,
        }
    }
}

/// Counts one API request on `key` and says whether it is within `limit` per
/// `window_seconds` on every node together. A database that cannot be reached leaves the
/// decision to this node's count (the request itself will meet the same database).
pub async fn hit_api(state: &AppState, key: &str, limit: u32, window_seconds: u64) -> Decision {
    let now = state.clock.now_micros();
    let window = i64::try_from(window_seconds)
        .unwrap_or(i64::MAX / MICROS_PER_SECOND)
        .saturating_mul(MICROS_PER_SECOND)
        .max(1);
    let window_start = now - now.rem_euclid(window);
    let limit_n = i64::from(limit);
    let counts = &state.api_counts;
    let used = match counts.count(key, window_start, window, limit_n) {
        Step::Decided(n) => n,
        Step::Sync(delta) => match add(state, key, window_start, delta, now).await {
            Ok(total) => counts.synced(key, window_start, total),
            Err(e) => {
                tracing::warn!(error = %e, "the shared API limit could not be counted");
                counts.unsynced(key, window_start, delta)
            }
        },
    };
    Decision {
        allowed: used <= limit_n,
        limit,
        remaining: u32::try_from(limit_n.saturating_sub(used).max(0)).unwrap_or(limit),
        reset_at_micros: window_start + window,
    }
}

async fn add(
    state: &AppState,
    key: &str,
    window_start: i64,
    delta: i64,
    now: i64,
) -> sqlx::Result<i64> {
    let mut tx = state.db.begin_write().await?;
    let total = store::add(&mut tx, key, window_start, delta).await?;
    if rand::random::<u8>() == 0 {
        store::prune(&mut tx, now - MICROS_PER_DAY).await?;
    }
    tx.commit().await?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syncs(step: Step) -> Option<i64> {
        match step {
            Step::Sync(delta) => Some(delta),
            Step::Decided(_) => None,
        }
    }

    #[test]
    fn counts_in_memory_between_adds_and_adds_near_the_limit() {
        let c = ApiCounts::default();
        let (w, window, limit) = (0, 300, 100);
        // The first hit in a window adds to the shared count at once.
        assert_eq!(syncs(c.count("k", w, window, limit)), Some(1));
        assert_eq!(c.synced("k", w, 1), 1);
        // Then hits count here, within the second and far from the limit.
        for n in 2..=5 {
            assert!(matches!(c.count("k", w, window, limit), Step::Decided(x) if x == n));
        }
        // Another node's hits, seen at the next add, are counted with this node's.
        c.keys.lock().unwrap().get_mut("k").unwrap().shared = 85;
        // 85 + 4 pending + 1 = 90: within a tenth of the limit, so every hit adds now.
        assert_eq!(syncs(c.count("k", w, window, limit)), Some(5));
        assert_eq!(c.synced("k", w, 90), 90);
        assert_eq!(syncs(c.count("k", w, window, limit)), Some(1));
        // A failed add keeps the hits to add next time.
        assert_eq!(c.unsynced("k", w, 1), 91);
        assert_eq!(syncs(c.count("k", w, window, limit)), Some(2));
        // A new window starts from nothing, and adds its first hit.
        assert_eq!(syncs(c.count("k", w + window, window, limit)), Some(1));
    }
}
