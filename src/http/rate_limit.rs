//! Fixed-window rate limits in Mastodon's manner: a bucket per key (account, IP), a limit per
//! window, and `X-RateLimit-Limit/Remaining/Reset` on every API response. Keys are only ever
//! what the server verified (an account a token or a login resolved to) or the client's
//! address, never a string the client chose.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth;
use crate::error::AppError;
use crate::state::AppState;
use crate::time::{self, MICROS_PER_SECOND};

#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset_at_micros: i64,
}

impl Decision {
    pub fn apply(&self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        };
        set("x-ratelimit-limit", self.limit.to_string());
        set("x-ratelimit-remaining", self.remaining.to_string());
        set("x-ratelimit-reset", time::iso(self.reset_at_micros));
    }

    pub fn into_error(self) -> Response {
        let mut response = AppError::too_many_requests().into_response();
        self.apply(response.headers_mut());
        response
    }
}

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, (i64, u32)>>,
}

const PRUNE_AT: usize = 50_000;

impl RateLimiter {
    /// Counts one hit on `key` and says whether it is within `limit` per `window_seconds`.
    pub fn hit(&self, key: &str, limit: u32, window_seconds: u64, now: i64) -> Decision {
        let window = window_seconds as i64 * MICROS_PER_SECOND;
        let start = now - now.rem_euclid(window);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_AT {
            buckets.retain(|_, (s, _)| *s + window > now);
        }
        let entry = buckets.entry(key.to_string()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        Decision {
            allowed: entry.1 <= limit,
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset_at_micros: start + window,
        }
    }

    /// Counts one hit on every key in `keys` if each is still under `limit`, and none if any
    /// is at it: the check and the count are one step under the lock, so requests arriving
    /// together cannot all pass a check made before any of them counted (the sign-in limit
    /// counts each attempt before its password is checked).
    pub fn hit_all(&self, keys: &[&str], limit: u32, window_seconds: u64, now: i64) -> Decision {
        let window = window_seconds as i64 * MICROS_PER_SECOND;
        let start = now - now.rem_euclid(window);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_AT {
            buckets.retain(|_, (s, _)| *s + window > now);
        }
        let used = |buckets: &HashMap<String, (i64, u32)>, key: &str| match buckets.get(key) {
            Some((s, n)) if *s == start => *n,
            _ => 0,
        };
        let most = keys.iter().map(|k| used(&buckets, k)).max().unwrap_or(0);
        let allowed = most < limit;
        if allowed {
            for key in keys {
                let entry = buckets.entry((*key).to_string()).or_insert((start, 0));
                if entry.0 != start {
                    *entry = (start, 0);
                }
                entry.1 = entry.1.saturating_add(1);
            }
        }
        Decision {
            allowed,
            limit,
            remaining: limit.saturating_sub(most.saturating_add(u32::from(allowed))),
            reset_at_micros: start + window,
        }
    }

    /// Gives back a hit counted at `at` on each key (nothing for a key whose window has
    /// passed since): a sign-in that succeeds does not use up the failed-login limit.
    pub fn undo(&self, keys: &[&str], window_seconds: u64, at: i64) {
        let window = window_seconds as i64 * MICROS_PER_SECOND;
        let start = at - at.rem_euclid(window);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if let Some((s, n)) = buckets.get_mut(*key) {
                if *s == start {
                    *n = n.saturating_sub(1);
                }
            }
        }
    }
}

/// Groups IPv6 clients by /64 as Mastodon does.
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4.to_string();
            }
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Whether limits apply to this client.
pub fn limited(state: &AppState, ip: IpAddr) -> bool {
    let cfg = &state.config.rate_limits;
    cfg.enabled && !(cfg.exempt_loopback && ip.is_loopback())
}

/// The gate in front of the APIs: token first, then the limit. A presented token (bearer
/// header or `access_token`) is looked up before anything is keyed on it, so a made-up token
/// buys no bucket of its own: an unknown or revoked one is answered 401, as Mastodon does,
/// on every endpoint (even those anyone may read), and the request counts against its
/// address. A user's token is limited per account (all its tokens share the bucket, as
/// Mastodon's authenticated throttle does); an app token without a user, or no token, per
/// client address. The verified token rides along in the request for the `Auth` extractors.
pub async fn api_limit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = super::client_ip(&state.config, peer.ip(), req.headers());
    let verified = auth::verify_presented(&state, req.headers(), req.uri()).await;
    let decision = if limited(&state, ip) {
        let key = match verified
            .as_ref()
            .ok()
            .and_then(|v| v.as_ref()?.account_id())
        {
            Some(account_id) => format!("api:account:{account_id}"),
            None => format!("api:ip:{}", ip_key(ip)),
        };
        let cfg = &state.config.rate_limits;
        let decision = state.limiter.hit(
            &key,
            cfg.api_requests,
            cfg.api_window_seconds,
            state.clock.now_micros(),
        );
        if !decision.allowed {
            return decision.into_error();
        }
        Some(decision)
    } else {
        None
    };
    let mut response = match verified {
        Ok(Some(v)) => {
            req.extensions_mut().insert(v);
            next.run(req).await
        }
        Ok(None) => next.run(req).await,
        // The token endpoints authenticate the client, not a bearer: an app that still sends
        // its old (revoked) token while it signs in again or revokes it is served.
        Err(e) if e.status == StatusCode::UNAUTHORIZED && ignores_bearer(req.uri().path()) => {
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    if let Some(decision) = decision {
        decision.apply(response.headers_mut());
    }
    response
}

/// OAuth's token and revocation endpoints (RFC 6749 §3.2, RFC 7009) take client credentials.
fn ignores_bearer(path: &str) -> bool {
    matches!(path, "/oauth/token" | "/oauth/revoke")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_reset() {
        let l = RateLimiter::default();
        let t = 1_000 * MICROS_PER_SECOND;
        assert!(l.hit("k", 2, 60, t).allowed);
        let d = l.hit("k", 2, 60, t);
        assert!(d.allowed && d.remaining == 0);
        assert!(!l.hit("k", 2, 60, t).allowed);
        assert!(l.hit("k", 2, 60, t + 60 * MICROS_PER_SECOND).allowed);
        assert_eq!(
            ip_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn hit_all_counts_every_key_or_none() {
        let l = RateLimiter::default();
        let t = 1_000 * MICROS_PER_SECOND;
        assert!(l.hit_all(&["ip", "acct"], 2, 60, t).allowed);
        assert!(l.hit_all(&["ip2", "acct"], 2, 60, t).allowed);
        // `acct` is at the limit: refused, and `ip` is not counted.
        let d = l.hit_all(&["ip", "acct"], 2, 60, t);
        assert!(!d.allowed && d.remaining == 0);
        assert!(l.hit("ip", 2, 60, t).allowed);
        // A success gives its count back, in its own window only.
        l.undo(&["acct"], 60, t);
        assert!(l.hit_all(&["acct"], 2, 60, t).allowed);
        l.undo(&["acct"], 60, t - 60 * MICROS_PER_SECOND);
        assert!(!l.hit_all(&["acct"], 2, 60, t).allowed);
    }
}
