//! HTTP plumbing shared by every surface: extractors (bearer token and scopes, web session and
//! CSRF, bodies in any encoding), paging, rate limits, client addresses, and the compression
//! of responses.

pub mod auth;
pub mod body;
pub mod compression;
pub mod error_language;
pub mod lenient;
pub mod pagination;
pub mod rate_limit;
pub mod session;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::config::Config;
use crate::state::AppState;

/// The client's address: the connection's peer, or, when the peer is one of
/// `trusted_proxies`, the right-most address in `X-Forwarded-For` that is not itself a trusted
/// proxy (what the proxy saw; entries further left are whatever the client claimed).
pub struct ClientIp(pub IpAddr);

pub fn client_ip(config: &Config, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded = headers.get_all("x-forwarded-for");
    if forwarded.iter().next().is_none() {
        return peer;
    }
    let trusted: Vec<ipnet::IpNet> = config
        .trusted_proxies
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = forwarded
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

/// The connection's peer (loopback when served without one, as in-process tests are).
pub fn peer_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            &state.config,
            peer_ip(parts),
            &parts.headers,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().expect("header value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let config = Config::default();
        let h = headers(&["6.6.6.6, 203.0.113.9"]);
        assert_eq!(client_ip(&config, ip("127.0.0.1"), &h), ip("203.0.113.9"));
        assert_eq!(
            client_ip(&config, ip("198.51.100.7"), &h),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(&config, ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn proxy_chains_skip_trusted_hops_and_garbage() {
        let mut config = Config::default();
        config.trusted_proxies.push("10.0.0.0/8".into());
        let h = headers(&["6.6.6.6", "not-an-ip, 203.0.113.9, 10.1.2.3"]);
        assert_eq!(client_ip(&config, ip("::1"), &h), ip("203.0.113.9"));
        let all_trusted = headers(&["10.0.0.5, 10.0.0.6"]);
        assert_eq!(
            client_ip(&config, ip("127.0.0.1"), &all_trusted),
            ip("10.0.0.5")
        );
    }
}
