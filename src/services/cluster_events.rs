//! Live events across the nodes of a cluster: PostgreSQL `LISTEN/NOTIFY` under the hub.
//!
//! On PostgreSQL, the node whose transaction committed works out which logical streams an
//! event reaches (services/streaming.rs, as on one node), hands it to its own hub, and
//! publishes the same routed event on the `herd_events` channel. Every node keeps one
//! listening connection that feeds what other nodes published into its own hub; each
//! connection then re-reads the rows and renders them for its own viewer (visibility, blocks,
//! mutes, filters), exactly as for a local write. The payload carries the event kind, ids and
//! stream names, never rendered content, and is split to stay under PostgreSQL's 8,000-byte
//! limit. It is tagged with the publishing node's id (services/cluster.rs `claim_node`), so
//! a node skips what it hears of its own events, which it already delivered in process.
//!
//! Notifications are not stored, but every event is first written to the live log
//! (`live_events`, services/live.rs) with an id that is the same on every node. Each node
//! remembers which logged events it dispatched lately (`Dispatched`): its own, and those it
//! heard. When its listening connection comes back after a loss, and every `CHECK_EVERY`
//! besides (a notification can be dropped silently), it reads the log's newer ids and
//! dispatches the ones it never had to its own streams and pages, oldest first, once each;
//! a notification arriving after its event was replayed is skipped. Losses and replays are
//! counted (`ClusterStats`) and logged. SQLite keeps the in-process hub only.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::ids;
use crate::services::read_cache;
use crate::services::streaming::{Event, Message, Stream};
use crate::state::AppState;
use crate::storage::live_events as log_store;
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
    /// Events read back from the live log because their notification never came here.
    pub replayed: AtomicU64,
    /// The logged events this node dispatched lately.
    dispatched: Mutex<Dispatched>,
    /// One replay at a time (the reconnect's and the periodic check's), so each goes in order.
    replaying: tokio::sync::Mutex<()>,
}

/// How far below the newest event it dispatched a node reads the log: an event's id is drawn
/// (on its node's clock) a moment before it commits, and nodes' clocks differ a little.
const LOOKBACK_MS: i64 = 10_000;
/// How often a node checks the log for events whose notification it never got.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Ids read per query of a replay.
const REPLAY_PAGE: i64 = 500;
/// At most this many events are replayed at once (the hub holds 1,024 for slow readers);
/// the next check goes on from there.
const REPLAY_MAX: usize = 1_000;

/// The logged events a node dispatched within `LOOKBACK_MS` of the newest (and, while a gap
/// is open, since the gap began), so it dispatches each once however it learns of it.
#[derive(Default)]
struct Dispatched {
    /// Event id → whole: true when dispatched whole (this node's own, or replayed from the
    /// log), false when heard as a notification (a wide event comes in several parts).
    ids: BTreeMap<i64, bool>,
    /// The newest id dispatched (at first, the listener's start).
    newest: i64,
    /// Where the listening connection was lost (the log is replayed from there once it
    /// listens again); nothing at or above it is forgotten meanwhile.
    gap_from: Option<i64>,
    /// A replay in progress reads from here: nothing at or above it is forgotten meanwhile.
    hold: Option<i64>,
}

impl Dispatched {
    /// Ids below this are forgotten, and a replay reads above it.
    fn horizon(&self) -> i64 {
        let mut h = self.newest.saturating_sub(LOOKBACK_MS << 16);
        for f in [self.gap_from, self.hold].into_iter().flatten() {
            h = h.min(f);
        }
        h
    }

    /// Notes `id` as dispatched; true when it was not before (or only in part, for a part).
    fn note(&mut self, id: i64, whole: bool) -> bool {
        let fresh = match self.ids.get(&id) {
            Some(true) => false,
            Some(false) => !whole,
            None => true,
        };
        if fresh {
            self.ids.insert(id, whole);
        }
        if id > self.newest {
            self.newest = id;
            let horizon = self.horizon();
            while let Some((&first, _)) = self.ids.first_key_value() {
                if first >= horizon {
                    break;
                }
                self.ids.pop_first();
            }
        }
        fresh
    }
}

/// Notes an event of this node's own before it is logged: it went to this node's hub in
/// process, so a replay must not send it again.
pub fn dispatched_here(state: &AppState, id: i64) {
    if enabled(state) {
        lock(&state.stream.cluster).note(id, true);
    }
}

fn lock(stats: &ClusterStats) -> std::sync::MutexGuard<'_, Dispatched> {
    stats
        .dispatched
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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

/// Tells the other nodes what a commit here made stale in their read caches.
pub async fn publish_forget(state: &AppState, forget: &read_cache::Forget) {
    let mut forget = forget.clone();
    forget.node = state.stream.node().to_string();
    let Some(payload) = read_cache::payload(&forget) else {
        return;
    };
    if let Err(e) = pubsub::notify(&state.db.pool, CHANNEL, &payload).await {
        // Their entries still expire after cache.ttl_seconds.
        tracing::warn!(error = %e, "cluster events: could not tell the other nodes' caches");
    }
}

/// Feeds one notification into this node's hub, unless this node published it.
fn receive(state: &AppState, payload: &str) {
    if let Some(forget) = read_cache::parse_payload(payload) {
        if forget.node != state.stream.node() {
            state.read_cache.forget(&forget);
        }
        return;
    }
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
    let stats = &state.stream.cluster;
    if wire.i != 0 && !lock(stats).note(wire.i, false) {
        return; // replayed from the log before its notification came
    }
    stats.received.fetch_add(1, Ordering::Relaxed);
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

/// Dispatches to this node's hub the logged events it never had, oldest first, from the
/// horizon (where its listener was lost, else a little below the newest event it had).
/// `closes_gap`: called once listening again, so the gap is closed when this succeeds.
async fn replay(state: &AppState, closes_gap: bool) -> anyhow::Result<usize> {
    let stats = &state.stream.cluster;
    let _one_at_a_time = stats.replaying.lock().await;
    let from = {
        let mut d = lock(stats);
        let from = d.horizon();
        d.hold = Some(from);
        from
    };
    let result = replay_from(state, from).await;
    let mut d = lock(stats);
    d.hold = None;
    if closes_gap && result.is_ok() {
        d.gap_from = None;
    }
    result
}

async fn replay_from(state: &AppState, from: i64) -> anyhow::Result<usize> {
    let stats = &state.stream.cluster;
    let oldest_kept = ids::compose(
        chrono::Utc::now().timestamp_millis() - crate::services::live::RETENTION_MS,
        0,
    );
    if from < oldest_kept {
        tracing::warn!(
            "cluster events: the gap is older than the live log keeps; events from before \
             it were not streamed here"
        );
    }
    let mut after = from;
    let mut sent = 0;
    loop {
        let page = log_store::ids_after(&state.db.pool, after, REPLAY_PAGE).await?;
        let Some(&last) = page.last() else { break };
        let missing = {
            let d = lock(stats);
            page.iter().any(|id| !d.ids.contains_key(id))
        };
        if missing {
            // Read whole only when something is missing: the usual check reads ids alone.
            for (id, event, streams) in log_store::after(&state.db.pool, after, REPLAY_PAGE).await?
            {
                if id > last || !lock(stats).note(id, true) {
                    continue;
                }
                let Ok(event) = serde_json::from_str::<Event>(&event) else {
                    continue;
                };
                state.stream.send(Message {
                    streams: decode_streams(&streams),
                    event,
                    id,
                });
                sent += 1;
            }
        }
        if page.len() < REPLAY_PAGE as usize || sent >= REPLAY_MAX {
            break;
        }
        after = last;
    }
    if sent > 0 {
        stats.replayed.fetch_add(sent as u64, Ordering::Relaxed);
        tracing::info!(
            events = sent,
            "cluster events: replayed from the live log events whose notification never came"
        );
    }
    Ok(sent)
}

/// The `application_name` of a node's listening connection, as PostgreSQL keeps it (63 bytes),
/// so an operator finds it in `pg_stat_activity`.
pub fn listener_name(state: &AppState) -> String {
    let mut name = format!("herd events {}", state.stream.node());
    while name.len() > 63 {
        name.pop();
    }
    name
}

/// Checks the log every `CHECK_EVERY` for events whose notification never came, while the
/// node lives.
fn spawn_periodic_replay(state: &AppState) {
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { return };
            if let Err(e) = replay(&state, false).await {
                tracing::warn!(error = %e, "cluster events: checking the live log failed");
            }
        }
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
    let name = listener_name(state);
    lock(&state.stream.cluster).newest = ids::compose(chrono::Utc::now().timestamp_millis(), 0);
    spawn_periodic_replay(state);
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        let mut lost_at: Option<Instant> = None;
        loop {
            let mut listener = match Listener::connect_named(&url, CHANNEL, &name).await {
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
                        "cluster events: listening again; replaying other nodes' events from \
                         the gap"
                    );
                    // A settings change or a cache invalidation in the gap would otherwise
                    // be missed for good.
                    state.read_cache.clear();
                    let state = state.clone();
                    tokio::spawn(async move {
                        crate::services::instance_settings::reload(&state).await
                    });
                }
            }
            // Listening first, then the log: whatever commits from now on is notified (and
            // skipped if the replay already had it), whatever committed before is logged.
            if let Some(state) = weak.upgrade() {
                if let Err(e) = replay(&state, true).await {
                    tracing::warn!(error = %e, "cluster events: replaying the gap failed; \
                        the next check tries again");
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
            let stats = &state.stream.cluster;
            stats.listening.store(false, Ordering::Relaxed);
            let mut d = lock(stats);
            if d.gap_from.is_none() {
                d.gap_from = Some(d.horizon());
            }
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
    fn each_event_is_dispatched_once_however_it_comes() {
        let ms = |m: i64| ids::compose(1_800_000_000_000 + m, 0);
        let mut d = Dispatched {
            newest: ms(0),
            ..Default::default()
        };
        // A wide event heard in parts: every part goes out; a replay then skips it.
        assert!(d.note(ms(1), false));
        assert!(d.note(ms(1), false));
        assert!(!d.note(ms(1), true));
        // Replayed whole first: its notification's parts are skipped, and so is a replay.
        assert!(d.note(ms(2), true));
        assert!(!d.note(ms(2), false));
        assert!(!d.note(ms(2), true));
        // Older than the look-back below the newest: forgotten (a replay reads above it)…
        assert!(d.note(ms(2 + LOOKBACK_MS + 5), true));
        assert!(!d.ids.contains_key(&ms(1)));
        assert!(d.horizon() > ms(1));
        // …unless a gap is open from before it: then nothing above the gap is forgotten.
        d.gap_from = Some(ms(LOOKBACK_MS));
        assert!(d.note(ms(LOOKBACK_MS + 1), true));
        assert!(d.note(ms(3 * LOOKBACK_MS), true));
        assert!(d.ids.contains_key(&ms(LOOKBACK_MS + 1)));
        assert_eq!(d.horizon(), ms(LOOKBACK_MS));
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
