//! ActivityPub federation: discovery (WebFinger, host-meta, NodeInfo), actor documents and
//! collections, HTTP Signatures, the SSRF-guarded fetcher, the inbox, and activity shapes.
//! Effects of incoming activities and queued deliveries live in `services::federation`.

pub mod actors;
pub mod fetch;
pub mod health;
pub mod inbox;
pub mod keys;
pub mod protocol;
pub mod rfc9421;
pub mod signatures;
pub mod verify;

use std::collections::HashMap;
use std::sync::Mutex;

use crate::state::AppState;

/// Federation state shared by the process: the HTTP client, parsed keys, and when each remote
/// key was last refetched (one refetch per key per 10 minutes).
pub struct Federation {
    pub fetcher: fetch::Fetcher,
    pub keys: keys::KeyCache,
    pub refetched: Mutex<HashMap<String, i64>>,
    /// Keys being fetched for the first time: concurrent requests signed with one unknown key
    /// wait for a single fetch (one key fetch per unknown actor per burst).
    pub fetching: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    /// Per-host delivery health: concurrency cap and circuit breaker.
    pub hosts: health::HostHealth,
    /// Incoming Creates waiting to be committed together (`services::inbox`).
    pub creates: crate::services::inbox::CreateQueue,
}

impl Federation {
    pub fn new(config: &crate::config::Config) -> anyhow::Result<Federation> {
        // Make aws-lc-rs the process's rustls provider (reqwest would fall back to ring).
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        Ok(Federation {
            fetcher: fetch::Fetcher::new(
                &config.federation.allow_private,
                &format!(
                    "Herd/{} (+{})",
                    env!("CARGO_PKG_VERSION"),
                    config.base_url()
                ),
            )?,
            keys: keys::KeyCache::default(),
            refetched: Mutex::new(HashMap::new()),
            fetching: Mutex::new(HashMap::new()),
            hosts: health::HostHealth::default(),
            creates: Default::default(),
        })
    }
}

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub fn actor_uri(state: &AppState, username: &str) -> String {
    format!("{}/users/{username}", state.base_url())
}

pub fn instance_actor_uri(state: &AppState) -> String {
    format!("{}/actor", state.base_url())
}

pub fn coop_actor_uri(state: &AppState) -> String {
    format!("{}/coop", state.base_url())
}

pub fn shared_inbox(state: &AppState) -> String {
    format!("{}/inbox", state.base_url())
}

/// The local username an actor URI of ours names, if any.
pub fn local_username<'a>(state: &AppState, uri: &'a str) -> Option<&'a str> {
    let base = state.base_url();
    let rest = uri.strip_prefix(&base)?.strip_prefix("/users/")?;
    (!rest.is_empty() && !rest.contains('/') && !rest.contains('#') && !rest.contains('?'))
        .then_some(rest)
}

/// Whether a URI lives on this instance.
pub fn is_local(state: &AppState, uri: &str) -> bool {
    let base = state.base_url();
    uri == base || uri.starts_with(&format!("{base}/"))
}
