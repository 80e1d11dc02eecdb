//! 64-bit time-ordered ids in Mastodon's layout: `(unix_ms << 16) | low16`, with the low 16
//! bits split as `(sequence << NODE_BITS) | node`. The node is a slot this process leases from
//! the database at start-up (`services::cluster`), so two nodes on one database never make
//! the same id; the sequence counts up within a millisecond (and carries into the next one
//! when a millisecond's 1,024 ids run out), so ids from one process are strictly increasing.
//! Until a slot is leased (a unit test, a tool that never connects) the node is random.
//! Mastodon.py pages by date with this layout.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

/// Bits of the node slot at the bottom of every id: 64 nodes on one database.
pub const NODE_BITS: u32 = 6;
const NODE_MASK: u64 = (1 << NODE_BITS) - 1;
const UNSET: u64 = u64::MAX;

static LAST: AtomicU64 = AtomicU64::new(0);
static NODE: AtomicU64 = AtomicU64::new(UNSET);

/// This process's node slot (random until one is leased).
pub fn node() -> u64 {
    let n = NODE.load(Ordering::Relaxed);
    if n != UNSET {
        return n;
    }
    let random = rand::thread_rng().gen_range(0..=NODE_MASK);
    let _ = NODE.compare_exchange(UNSET, random, Ordering::Relaxed, Ordering::Relaxed);
    NODE.load(Ordering::Relaxed)
}

/// The node slot leased for this process, if one was (not the random stand-in).
pub fn leased_node() -> Option<u64> {
    LEASED.load(Ordering::Relaxed).then(node)
}

static LEASED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every later id carry `slot` (leased from the database by `services::cluster`).
pub fn set_node(slot: u64) {
    NODE.store(slot & NODE_MASK, Ordering::Relaxed);
    LEASED.store(true, Ordering::Relaxed);
}

/// Next id for a row created at `now_ms` (milliseconds since the epoch).
pub fn next_id_at(now_ms: i64) -> i64 {
    let now = now_ms.max(0) as u64;
    let node = node();
    loop {
        let last = LAST.load(Ordering::Relaxed);
        let candidate = if last >> 16 >= now {
            // Same millisecond, or the clock stepped back: the next sequence number after the
            // last id (carrying into the next millisecond when this one is full), so ids stay
            // increasing, with this node's bits.
            (((last >> NODE_BITS) + 1) << NODE_BITS) | node
        } else {
            (now << 16) | node
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
    fn ids_carry_the_node_and_stay_increasing_past_a_full_millisecond() {
        let t = chrono::Utc::now().timestamp_millis() + 120_000;
        let node = node();
        let mut prev = next_id_at(t);
        // More ids than one millisecond holds: they carry into the next one, in order.
        for _ in 0..3000 {
            let id = next_id_at(t);
            assert!(id > prev);
            assert_eq!(id as u64 & NODE_MASK, node);
            prev = id;
        }
        assert!(id_millis(prev) > t);
    }

    #[test]
    fn two_nodes_never_make_the_same_id() {
        // What another process would make in the same milliseconds: the same layout with a
        // different node can only differ from ours in the node bits.
        let t = chrono::Utc::now().timestamp_millis() + 180_000;
        let ours: Vec<i64> = (0..2000).map(|_| next_id_at(t)).collect();
        let other = (node() + 1) & NODE_MASK;
        for id in ours {
            assert_ne!(id as u64 & NODE_MASK, other);
        }
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
