//! Live events across the nodes of a cluster: PostgreSQL `LISTEN/NOTIFY` under the hub.
//!
//! On PostgreSQL, the node whose transaction committed works out which logical streams an
//! event reaches (services/streaming.rs, as on one node), hands it to its own hub, and
//! publishes the same routed event on the `herd_events` channel. Every node keeps one
//! listening connection that feeds what other nodes published into its own hub; each
//! connection then re-reads the rows and renders them for its own viewer (visibility, blocks,
//! mutes, filters), exactly as for a local write. The payload carries the event kind, ids and
//! stream names, never rendered content, and is split to stay under PostgreSQL's 8,000-byte
//! limit. It is tagged with the publishing node's id (a random id drawn at boot), so a node
//! skips what it hears of its own events, which it already delivered in process.
//!
//! Notifications are not stored: when the listening connection drops, the node reconnects
//! with backoff and events published in between are lost for its streams (Mastodon clients
//! cannot replay a stream either). The gap is logged with its length and counted
//! (`ClusterStats`), so an operator sees it. SQLite keeps the in-process hub only.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::services::streaming::{Event, Message, Stream};
use crate::state::AppState;
use crate::storage::pubsub::{self, Listener, MAX_PAYLOAD};
use crate::storage::Backend;

/// The PostgreSQL channel every node publishes on and listens to.
pub const CHANNEL: &str = "herd_events";

/// How often and how long the listener was away, and how much went over the channel.
#[derive(Default)]
pub struct ClusterStats {
    /// Notifications this node sent.
    pub published: AtomicU64,
    /// Notifications that could not be sent (the event reached only this node's streams).
    pub publish_failures: AtomicU64,
    /// Notifications from other nodes fed into this node's hub.
    pub received: AtomicU64,
    /// Times the listening connection was lost and then listened again.
    pub reconnects: AtomicU64,
    /// Total milliseconds without a listening connection after the first one (events
    /// published by other nodes then were not delivered here).
    pub gap_millis: AtomicU64,
    /// Whether the listening connection is up.
    pub listening: AtomicBool,
}

/// A stream on the wire: short tags, media streams by name.
#[derive(Serialize, Deserialize)]
enum WireStream {
    U(i64),
    N(i64),
    P,
    Pl,
    Pr,
    H(String),
    Hl(String),
    L(i64),
    D(i64),
    M(String),
    T(i64),
    Pp(i64),
    Ps,
}

impl From<&Stream> for WireStream {
    fn from(s: &Stream) -> Self {
        match s {
            Stream::User(a) => WireStream::U(*a),
            Stream::UserNotification(a) => WireStream::N(*a),
            Stream::Public => WireStream::P,
            Stream::PublicLocal => WireStream::Pl,
            Stream::PublicRemote => WireStream::Pr,
            Stream::Hashtag(t) => WireStream::H(t.clone()),
            Stream::HashtagLocal(t) => WireStream::Hl(t.clone()),
            Stream::List(l) => WireStream::L(*l),
            Stream::Direct(a) => WireStream::D(*a),
            Stream::Media(m) => WireStream::M((*m).to_string()),
            Stream::Thread(r) => WireStream::T(*r),
            Stream::Proposal(p) => WireStream::Pp(*p),
            Stream::Proposals => WireStream::Ps,
        }
    }
}

impl WireStream {
    fn into_stream(self) -> Option<Stream> {
        Some(match self {
            WireStream::U(a) => Stream::User(a),
            WireStream::N(a) => Stream::UserNotification(a),
            WireStream::P => Stream::Public,
            WireStream::Pl => Stream::PublicLocal,
            WireStream::Pr => Stream::PublicRemote,
            WireStream::H(t) => Stream::Hashtag(t),
            WireStream::Hl(t) => Stream::HashtagLocal(t),
            WireStream::L(l) => Stream::List(l),
            WireStream::D(a) => Stream::Direct(a),
            WireStream::M(m) => Stream::Media(match m.as_str() {
                "public:media" => "public:media",
                "public:local:media" => "public:local:media",
                "public:remote:media" => "public:remote:media",
                _ => return None,
            }),
            WireStream::T(r) => Stream::Thread(r),
            WireStream::Pp(p) => Stream::Proposal(p),
            WireStream::Ps => Stream::Proposals,
        })
    }
}

/// One notification: the publishing node, the event, and (some of) the streams it reaches.
#[derive(Serialize, Deserialize)]
struct Wire {
    n: String,
    e: Event,
    /// The event's id in the live log (0: not logged), so pages on every node send it.
    #[serde(default)]
    i: i64,
    s: Vec<WireStream>,
}

/// Streams as the live log stores them (the same short form as the channel's).
pub fn encode_streams(streams: &[Stream]) -> String {
    let wire: Vec<WireStream> = streams.iter().map(WireStream::from).collect();
    serde_json::to_string(&wire).unwrap_or_else(|_| "[]".into())
}

/// Streams read back from the live log; unreadable ones are left out.
pub fn decode_streams(text: &str) -> Vec<Stream> {
    serde_json::from_str::<Vec<WireStream>>(text)
        .map(|w| w.into_iter().filter_map(WireStream::into_stream).collect())
        .unwrap_or_default()
}

/// Whether this node shares events with others (PostgreSQL).
pub fn enabled(state: &AppState) -> bool {
    state.db.backend() == Backend::Postgres
}

/// The payloads announcing `m`, each under PostgreSQL's limit: an event reaching many
/// streams (a post fanned out to thousands of followers) is split by streams, which a
/// connection handles exactly as one message.
fn payloads(node: &str, m: &Message) -> Vec<String> {
    let empty = Wire {
        n: node.to_string(),
        e: m.event.clone(),
        i: m.id,
        s: Vec::new(),
    };
    let Ok(head) = serde_json::to_string(&empty) else {
        return Vec::new();
    };
    let budget = MAX_PAYLOAD.saturating_sub(head.len());
    let mut out = Vec::new();
    let mut chunk: Vec<String> = Vec::new();
    let mut size = 0;
    for s in &m.streams {
        let Ok(one) = serde_json::to_string(&WireStream::from(s)) else {
            continue;
        };
        if one.len() + 1 > budget {
            tracing::warn!(stream = ?s, "cluster events: a stream name too long to publish");
            continue;
        }
        if size + one.len() + 1 > budget {
            out.push(join(&head, &chunk));
            chunk.clear();
            size = 0;
        }
        size += one.len() + 1;
        chunk.push(one);
    }
    if !chunk.is_empty() {
        out.push(join(&head, &chunk));
    }
    out
}

/// `head` ends in `"s":[]}`: the streams go between the brackets.
fn join(head: &str, streams: &[String]) -> String {
    let cut = head.len() - 2;
    format!("{}{}]}}", &head[..cut], streams.join(","))
}

/// Publishes a routed event to the other nodes (after the writing transaction committed, as
/// its own statement). A failure is logged and counted: the event still reached this node.
pub async fn publish(state: &AppState, m: &Message) {
    let stats = &state.stream.cluster;
    for payload in payloads(state.stream.node(), m) {
        match pubsub::notify(&state.db.pool, CHANNEL, &payload).await {
            Ok(()) => {
                stats.published.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                stats.publish_failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "cluster events: could not publish an event");
            }
        }
    }
}

/// Feeds one notification into this node's hub, unless this node published it.
fn receive(state: &AppState, payload: &str) {
    // An admin changed the instance settings on some node: read them again.
    if payload == crate::services::instance_settings::RELOAD_PAYLOAD {
        let state = state.clone();
        tokio::spawn(async move { crate::services::instance_settings::reload(&state).await });
        return;
    }
    let wire: Wire = match serde_json::from_str(payload) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cluster events: an unreadable notification");
            return;
        }
    };
    if wire.n == state.stream.node() {
        return; // delivered in process when it was published
    }
    state
        .stream
        .cluster
        .received
        .fetch_add(1, Ordering::Relaxed);
    state.stream.send(Message {
        streams: wire
            .s
            .into_iter()
            .filter_map(WireStream::into_stream)
            .collect(),
        event: wire.e,
        id: wire.i,
    });
}

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Starts this node's listening connection (PostgreSQL only), reconnecting with backoff.
pub fn start_listener(state: &AppState) {
    if !enabled(state) {
        return;
    }
    let url = state.config.database_url();
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        let mut lost_at: Option<Instant> = None;
        loop {
            let mut listener = match Listener::connect(&url, CHANNEL).await {
                Ok(l) => l,
                Err(e) => {
                    if weak.strong_count() == 0 {
                        return;
                    }
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64,
                        "cluster events: cannot listen for other nodes' events");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            };
            backoff = FIRST_BACKOFF;
            {
                let Some(state) = weak.upgrade() else { return };
                let stats = &state.stream.cluster;
                stats.listening.store(true, Ordering::Relaxed);
                if let Some(t) = lost_at.take() {
                    let gap = t.elapsed().as_millis() as u64;
                    stats.reconnects.fetch_add(1, Ordering::Relaxed);
                    stats.gap_millis.fetch_add(gap, Ordering::Relaxed);
                    tracing::warn!(
                        gap_ms = gap,
                        "cluster events: listening again; other nodes' events in the gap were \
                         not streamed here"
                    );
                    // A settings change in the gap would otherwise be missed for good.
                    let state = state.clone();
                    tokio::spawn(async move {
                        crate::services::instance_settings::reload(&state).await
                    });
                }
            }
            loop {
                match listener.next().await {
                    Ok(Some(payload)) => {
                        let Some(state) = weak.upgrade() else { return };
                        receive(&state, &payload);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "cluster events: the listening connection failed");
                        break;
                    }
                }
            }
            // A fresh connection rather than sqlx's quiet reconnect, so the gap is measured.
            drop(listener);
            lost_at = Some(Instant::now());
            let Some(state) = weak.upgrade() else { return };
            state
                .stream
                .cluster
                .listening
                .store(false, Ordering::Relaxed);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_event_is_split_under_the_limit_and_read_back_whole() {
        let m = Message {
            streams: (0..5_000)
                .map(|a| Stream::User(1_000_000_000_000 + a))
                .collect(),
            event: Event::Update(42),
            id: 0,
        };
        let parts = payloads("node", &m);
        assert!(parts.len() > 1);
        let mut back = Vec::new();
        for p in &parts {
            assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
            let w: Wire = serde_json::from_str(p).unwrap();
            assert!(matches!(w.e, Event::Update(42)));
            back.extend(w.s.into_iter().filter_map(WireStream::into_stream));
        }
        assert_eq!(back, m.streams);
    }

    #[test]
    fn streams_survive_the_wire() {
        let m = Message {
            streams: vec![
                Stream::Hashtag("café".into()),
                Stream::Media("public:local:media"),
                Stream::PublicRemote,
                Stream::List(7),
            ],
            event: Event::FiltersChanged,
            id: 0,
        };
        let parts = payloads("n", &m);
        assert_eq!(parts.len(), 1);
        let w: Wire = serde_json::from_str(&parts[0]).unwrap();
        let back: Vec<Stream> =
            w.s.into_iter()
                .filter_map(WireStream::into_stream)
                .collect();
        assert_eq!(back, m.streams);
    }
}
