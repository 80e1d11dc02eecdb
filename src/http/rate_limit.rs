//! Fixed-window rate limits in Mastodon's manner: a bucket per key (token, IP, account), a
//! limit per window, and `X-RateLimit-Limit/Remaining/Reset` on every API response.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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

    /// Looks without counting (for failure-only buckets such as logins).
    pub fn peek(&self, key: &str, limit: u32, window_seconds: u64, now: i64) -> bool {
        let window = window_seconds as i64 * MICROS_PER_SECOND;
        let start = now - now.rem_euclid(window);
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        match buckets.get(key) {
            Some((s, n)) if *s == start => *n < limit,
            _ => true,
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

/// The API-wide limit: per token when one is presented, otherwise per IP.
pub async fn api_limit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let ip = super::client_ip(&state.config, peer.ip(), req.headers());
    if !limited(&state, ip) {
        return next.run(req).await;
    }
    let key = match req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        Some(token) => format!("api:token:{}", crate::secrets::token_hash(token.trim())),
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
    let mut response = next.run(req).await;
    decision.apply(response.headers_mut());
    response
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
}
