//! HTTP plumbing shared by every surface: extractors (bearer token and scopes, web session and
//! CSRF, bodies in any encoding), paging, rate limits and client addresses.

pub mod auth;
pub mod body;
pub mod lenient;
pub mod pagination;
pub mod rate_limit;
pub mod session;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The peer address of the connection.
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        Ok(ClientIp(ip))
    }
}
