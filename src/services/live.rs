//! Live updates for the pages (DESIGN §10): which streams a page may follow, and the bounded
//! log of recent events that a page replays after a reconnect (`Last-Event-ID`).
//!
//! A page's live connection is a `streaming::Subscriber` like a Mastodon client's: the same
//! routing, and the same per-viewer rendering with visibility, blocks, mutes and filters
//! (`Subscriber::deliveries`); only the last step, HTML instead of JSON, is the page's own
//! (web/live.rs). What this module adds is the log: the dispatcher writes every routed event
//! to `live_events` before handing it to the hub (and, on PostgreSQL, to the other nodes), so
//! its id is the same on every node and a page reconnecting to any node can replay what it
//! missed. The log keeps an hour; an id older than that, or one this node cannot vouch for,
//! gets a "gap" answer and the page reloads.
//!
//! On SQLite (one node) the log is written only while a page is connected or was within the
//! last ten minutes, so an instance nobody watches pays nothing; when writing resumes the
//! node remembers where the unbroken log starts. On PostgreSQL it is always written, as
//! another node may hold the pages.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};

use crate::error::AppResult;
use crate::ids;
use crate::services::cluster_events::{decode_streams, enabled as clustered, encode_streams};
use crate::services::streaming::{resolve_stream, Event, Message, Stream};
use crate::state::AppState;
use crate::storage::{live_events as store, proposals as proposal_store, statuses};

/// How long events stay in the log (milliseconds).
pub const RETENTION_MS: i64 = 60 * 60 * 1000;
/// On SQLite, how long after the last page left the log is still written (a page that lost
/// its connection comes back within seconds; a laptop waking up later reloads).
const QUIET_MS: i64 = 10 * 60 * 1000;
/// At most this many events are replayed; more is a gap (the page reloads instead).
pub const REPLAY_LIMIT: i64 = 500;
/// The log is pruned after this many writes on a node.
const PRUNE_EVERY: u64 = 256;

/// The live log's state on this node.
pub struct LogState {
    /// Live page connections open on this node.
    pages: AtomicUsize,
    /// When the last one closed (wall clock, milliseconds).
    last_page_ms: AtomicI64,
    /// An event went unlogged since `since` (SQLite): the log has a hole.
    paused: AtomicBool,
    /// The first id of the unbroken log on this node (SQLite); at boot, the boot time.
    since: AtomicI64,
    written: AtomicU64,
}

impl Default for LogState {
    fn default() -> Self {
        LogState {
            pages: AtomicUsize::new(0),
            last_page_ms: AtomicI64::new(0),
            paused: AtomicBool::new(false),
            since: AtomicI64::new(ids::compose(wall_ms(), 0)),
            written: AtomicU64::new(0),
        }
    }
}

fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Whether routed events must be logged now.
pub fn log_wanted(state: &AppState) -> bool {
    let live = &state.stream.live;
    clustered(state)
        || live.pages.load(Ordering::Relaxed) > 0
        || wall_ms() - live.last_page_ms.load(Ordering::Relaxed) < QUIET_MS
}

/// Counts one open page connection while it lives.
pub struct Watching(AppState);

pub fn watching(state: &AppState) -> Watching {
    state.stream.live.pages.fetch_add(1, Ordering::Relaxed);
    Watching(state.clone())
}

impl Drop for Watching {
    fn drop(&mut self) {
        let live = &self.0.stream.live;
        live.last_page_ms.store(wall_ms(), Ordering::Relaxed);
        live.pages.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Notes that routed events went unlogged (nobody watching on this node, SQLite): a page
/// coming back over them is told to reload.
pub fn skipped(state: &AppState) {
    state.stream.live.paused.store(true, Ordering::Relaxed);
}

/// Writes `m` to the log and gives it its id (the dispatcher calls this once per event, on
/// the node whose write it was, when `log_wanted`). A failure is logged and leaves the id 0:
/// the event still goes live, but a reconnect over it is told to reload.
pub async fn log(state: &AppState, m: &mut Message) {
    let live = &state.stream.live;
    let id = ids::next_id();
    // Before it can be read back: a node's replay of missed events skips its own.
    crate::services::cluster_events::dispatched_here(state, id);
    let written = async {
        let event = serde_json::to_string(&m.event)?;
        let mut tx = state.db.begin_write().await?;
        store::insert(&mut **tx, id, &event, &encode_streams(&m.streams)).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    match written {
        Ok(()) => {
            m.id = id;
            if live.paused.swap(false, Ordering::Relaxed) {
                live.since.store(id, Ordering::Relaxed);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "live: could not log an event");
            live.paused.store(true, Ordering::Relaxed);
            return;
        }
    }
    if live
        .written
        .fetch_add(1, Ordering::Relaxed)
        .is_multiple_of(PRUNE_EVERY)
    {
        let before = ids::compose(wall_ms() - RETENTION_MS, 0);
        let pruned = async {
            let mut tx = state.db.begin_write().await?;
            store::prune(&mut **tx, before).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = pruned {
            tracing::warn!(error = %e, "live: could not prune the log");
        }
    }
}

/// What a reconnecting page missed.
pub enum Replay {
    /// The events after its last id, oldest first.
    Events(Vec<Message>),
    /// The log cannot say (too old, too many, or a hole on this node): reload the page.
    Gap,
}

/// The newest event in the log: a new connection's starting point.
pub async fn head(state: &AppState) -> AppResult<Option<i64>> {
    Ok(store::newest(&state.db.pool).await?)
}

/// The events after `last` (a page's `Last-Event-ID`), or `Gap`.
pub async fn replay(state: &AppState, last: i64) -> AppResult<Replay> {
    let now = wall_ms();
    let live = &state.stream.live;
    if last < ids::compose(now - RETENTION_MS, 0) {
        return Ok(Replay::Gap);
    }
    if !clustered(state)
        && (live.paused.load(Ordering::Relaxed) || last < live.since.load(Ordering::Relaxed))
    {
        return Ok(Replay::Gap);
    }
    // Read from `last` itself: only an id the log still holds vouches that nothing after it
    // was pruned (an id's time alone cannot: ids run ahead of the wall clock after a burst,
    // and a forged one can say anything).
    let mut rows = store::after(&state.db.pool, last - 1, REPLAY_LIMIT + 2).await?;
    if rows.first().map(|(id, _, _)| *id) != Some(last) {
        return Ok(Replay::Gap);
    }
    rows.remove(0);
    if rows.len() as i64 > REPLAY_LIMIT {
        return Ok(Replay::Gap);
    }
    Ok(Replay::Events(
        rows.into_iter()
            .filter_map(|(id, event, streams)| {
                let event: Event = serde_json::from_str(&event).ok()?;
                Some(Message {
                    streams: decode_streams(&streams),
                    event,
                    id,
                })
            })
            .collect(),
    ))
}

/// Where a proposal's change goes: its own page and the proposals columns. While a proposal
/// hides its count (secret ballot, results hidden until the close), a ballot goes nowhere:
/// even an event with no count in it would tell when someone voted or changed their vote.
/// Its opening (no ballot yet) and its close do go out.
pub async fn proposal_message(state: &AppState, id: i64) -> AppResult<Option<Message>> {
    let db = &state.db.pool;
    let Some(row) = proposal_store::proposal_by_id(db, id).await? else {
        return Ok(None);
    };
    if row.state == "open"
        && crate::services::proposals::results_hidden_while_open(&row)
        && !proposal_store::voter_ids(db, id).await?.is_empty()
    {
        return Ok(None);
    }
    Ok(Some(Message {
        streams: vec![Stream::Proposal(id), Stream::Proposals],
        event: Event::Proposal(id),
        id: 0,
    }))
}

/// The stream a page's key names for `viewer` (`home`, `notifications`, `local`,
/// `federated`, `tag:NAME`, `list:ID`, `proposals`, `proposal:ID`, `thread:STATUS_ID`),
/// with the checks the Mastodon streams make (own lists only, the instance's feed access)
/// and the co-op's (members read proposals).
pub async fn page_stream(state: &AppState, viewer: i64, key: &str) -> AppResult<Stream> {
    let bad = || crate::error::AppError::bad_request(format!("Unknown live stream {key:?}"));
    let (kind, arg) = key.split_once(':').unwrap_or((key, ""));
    Ok(match kind {
        "home" => Stream::User(viewer),
        "notifications" => Stream::UserNotification(viewer),
        "local" => resolve_stream(state, viewer, "public:local", None, None).await?,
        "federated" => resolve_stream(state, viewer, "public", None, None).await?,
        "tag" => resolve_stream(state, viewer, "hashtag", Some(arg), None).await?,
        "list" => resolve_stream(state, viewer, "list", None, Some(arg)).await?,
        "proposals" => {
            crate::services::membership::require_reader(state, viewer).await?;
            Stream::Proposals
        }
        "proposal" => {
            let id: i64 = arg.parse().map_err(|_| bad())?;
            crate::services::proposals::show(state, viewer, id).await?;
            Stream::Proposal(id)
        }
        "thread" => {
            let id: i64 = arg.parse().map_err(|_| bad())?;
            let s = statuses::visible_by_id(&state.db.pool, id, viewer)
                .await?
                .ok_or_else(crate::error::AppError::not_found)?;
            Stream::Thread(s.thread_root_id)
        }
        _ => return Err(bad()),
    })
}
