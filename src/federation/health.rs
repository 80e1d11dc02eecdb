//! Delivery health per host, in memory: a concurrency cap and a circuit breaker (Mastodon's
//! Stoplight: after `BREAKER_THRESHOLD` consecutive failures a host is skipped for
//! `BREAKER_COOL_DOWN`, then one attempt decides whether it closes or stays open). The durable
//! half (hosts failing on several distinct days become unavailable) is in the database:
//! `services::federation::deliver`.

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
    failures: u32,
    open_until: i64,
    in_flight: u32,
    /// No failure is recorded in the database for this host (so a success need not clear it).
    clean: bool,
}

#[derive(Default, Clone)]
pub struct HostHealth(Arc<Mutex<HashMap<String, Host>>>);

/// Why a delivery is not attempted now.
#[derive(Debug, PartialEq, Eq)]
pub enum Skip {
    CircuitOpen,
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
    /// A slot to deliver to `host` now, unless its circuit is open or it is at its cap.
    pub fn begin(&self, host: &str, now: i64) -> Result<Slot, Skip> {
        let mut map = self.0.lock().map_err(|_| Skip::Busy)?;
        let h = map.entry(host.to_string()).or_default();
        if h.failures >= BREAKER_THRESHOLD && now < h.open_until {
            return Err(Skip::CircuitOpen);
        }
        if h.in_flight >= MAX_IN_FLIGHT {
            return Err(Skip::Busy);
        }
        h.in_flight += 1;
        Ok(Slot {
            health: self.clone(),
            host: host.to_string(),
        })
    }

    /// A success closes the circuit. True when the database may still hold failures for the
    /// host (the caller clears them, then calls `mark_clean`).
    pub fn succeeded(&self, host: &str) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return true;
        };
        let h = map.entry(host.to_string()).or_default();
        h.failures = 0;
        h.open_until = 0;
        !h.clean
    }

    pub fn mark_clean(&self, host: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.entry(host.to_string()).or_default().clean = true;
        }
    }

    /// A failure; at the threshold (and on every failure beyond it) the circuit opens anew.
    pub fn failed(&self, host: &str, now: i64) {
        if let Ok(mut map) = self.0.lock() {
            let h = map.entry(host.to_string()).or_default();
            h.failures = h.failures.saturating_add(1);
            h.clean = false;
            if h.failures >= BREAKER_THRESHOLD {
                h.open_until = now + BREAKER_COOL_DOWN;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_half_opens_after_the_cool_down() {
        let h = HostHealth::default();
        for _ in 0..BREAKER_THRESHOLD {
            assert!(h.begin("x", 0).is_ok());
            h.failed("x", 0);
        }
        assert_eq!(h.begin("x", 1).err(), Some(Skip::CircuitOpen));
        assert!(h.begin("y", 1).is_ok(), "other hosts are unaffected");
        // After the cool-down one attempt goes through; its failure re-opens the circuit.
        let t = BREAKER_COOL_DOWN + 1;
        assert!(h.begin("x", t).is_ok());
        h.failed("x", t);
        assert_eq!(h.begin("x", t + 1).err(), Some(Skip::CircuitOpen));
        h.succeeded("x");
        assert!(h.begin("x", t + 2).is_ok());
    }

    #[test]
    fn caps_deliveries_in_flight_per_host() {
        let h = HostHealth::default();
        let slots: Vec<Slot> = (0..MAX_IN_FLIGHT)
            .map(|_| h.begin("x", 0).expect("slot"))
            .collect();
        assert_eq!(h.begin("x", 0).err(), Some(Skip::Busy));
        drop(slots);
        assert!(h.begin("x", 0).is_ok());
    }
}
