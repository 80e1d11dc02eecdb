//! Delivery health per host. The circuit breaker (Mastodon's Stoplight: after
//! `BREAKER_THRESHOLD` consecutive failures a host is skipped for `BREAKER_COOL_DOWN`, then one
//! attempt decides whether it closes or stays open) and the hosts failing on several distinct
//! days are in the database, so every node skips a host any node found down
//! (`services::federation::deliver`). Only the concurrency cap is this process's own: it
//! bounds this node's connections to one host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::time::MICROS_PER_SECOND;

/// Consecutive failures that open a host's circuit.
pub const BREAKER_THRESHOLD: u32 = 10;
/// How long an open circuit skips the host.
pub const BREAKER_COOL_DOWN: i64 = 60 * MICROS_PER_SECOND;
/// Deliveries in flight to one host at once (across this process's workers).
pub const MAX_IN_FLIGHT: u32 = 8;

#[derive(Default)]
struct Host {
    in_flight: u32,
    /// When this node last looked for the host's failures after hearing from it (0: never,
    /// or since it failed here).
    checked_clear_at: i64,
}

/// How long a host that answered is taken to have no failures recorded: receiving a burst of
/// activities from a host looks its circuit up once, not once per activity. A failure seen
/// here ends it at once; one seen on another node waits this long at most.
pub const CLEAR_CHECK_EVERY: i64 = 60 * MICROS_PER_SECOND;

#[derive(Default, Clone)]
pub struct HostHealth(Arc<Mutex<HashMap<String, Host>>>);

/// Why a delivery is not attempted now.
#[derive(Debug, PartialEq, Eq)]
pub enum Skip {
    /// The host's circuit is open (in the database; any node may have opened it).
    CircuitOpen,
    /// This node has `MAX_IN_FLIGHT` deliveries to the host under way.
    Busy,
}

/// A delivery slot for one host, released when dropped.
pub struct Slot {
    health: HostHealth,
    host: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.health.0.lock() {
            if let Some(h) = map.get_mut(&self.host) {
                h.in_flight = h.in_flight.saturating_sub(1);
            }
        }
    }
}

impl HostHealth {
    /// A slot to deliver to `host` now, unless this node is at its cap for the host.
    pub fn begin(&self, host: &str) -> Result<Slot, Skip> {
        let mut map = self.0.lock().map_err(|_| Skip::Busy)?;
        let h = map.entry(host.to_string()).or_default();
        if h.in_flight >= MAX_IN_FLIGHT {
            return Err(Skip::Busy);
        }
        h.in_flight += 1;
        Ok(Slot {
            health: self.clone(),
            host: host.to_string(),
        })
    }

    /// Whether the host that just answered should have its failures looked up now (and, if
    /// so, notes that it was).
    pub fn check_clear_due(&self, host: &str, now: i64) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return true;
        };
        let h = map.entry(host.to_string()).or_default();
        if h.checked_clear_at != 0 && now - h.checked_clear_at < CLEAR_CHECK_EVERY {
            return false;
        }
        h.checked_clear_at = now;
        true
    }

    /// A delivery to the host failed here: the next time it answers, look again.
    pub fn failed(&self, host: &str) {
        if let Ok(mut map) = self.0.lock() {
            if let Some(h) = map.get_mut(host) {
                h.checked_clear_at = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_an_answering_host_once_a_minute_unless_it_failed_here() {
        let h = HostHealth::default();
        assert!(h.check_clear_due("x", 1));
        assert!(!h.check_clear_due("x", 2));
        assert!(h.check_clear_due("y", 2), "per host");
        h.failed("x");
        assert!(h.check_clear_due("x", 3));
        assert!(!h.check_clear_due("x", 3 + CLEAR_CHECK_EVERY - 1));
        assert!(h.check_clear_due("x", 3 + CLEAR_CHECK_EVERY));
    }

    #[test]
    fn caps_deliveries_in_flight_per_host() {
        let h = HostHealth::default();
        let slots: Vec<Slot> = (0..MAX_IN_FLIGHT)
            .map(|_| h.begin("x").expect("slot"))
            .collect();
        assert_eq!(h.begin("x").err(), Some(Skip::Busy));
        drop(slots);
        assert!(h.begin("x").is_ok());
    }
}
