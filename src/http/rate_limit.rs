//! Fixed-window rate limits in Mastodon's manner: a bucket per key (account, IP), a limit per
//! window, and `X-RateLimit-Limit/Remaining/Reset` on every API response. Keys are only ever
//! what the server verified (an account a token or a login resolved to) or the client's
//! address, never a string the client chose. The counts are shared by every node through the
//! database (`services::rate_limits`, `services::accounts`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth;
use crate::error::AppError;
use crate::state::AppState;
use crate::time;

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
        let decision = crate::services::rate_limits::hit_api(
            &state,
            &key,
            cfg.api_requests,
            cfg.api_window_seconds,
        )
        .await;
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
    fn ipv6_clients_are_grouped_by_64() {
        assert_eq!(
            ip_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }
}
