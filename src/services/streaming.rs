//! Live events for the streaming API (WebSocket and server-sent events).
//!
//! Write transactions record what they changed (`storage::Change`); once one commits, the
//! changes go to a single dispatcher task, which works out which logical streams each one
//! reaches and broadcasts it on an in-process channel (`Hub`). Every connection then decides
//! for its own viewer, with the same visibility, block and mute rules the timelines use, and
//! renders the status or notification for that viewer. A private or direct status therefore
//! reaches nobody outside its audience even if it was routed too widely.
//!
//! On PostgreSQL the routed events also go to the other nodes of a cluster through
//! `LISTEN/NOTIFY` (services/cluster_events.rs); each node renders them for its own viewers.

use std::sync::{Arc, Weak};

use tokio::sync::{broadcast, mpsc};

use crate::error::{AppError, AppResult};
use crate::paging::Page;
use crate::services::conversations;
use crate::services::read_cache;
use crate::services::render::{self, Viewer};
use crate::state::{App, AppState};
use crate::storage::notifications as notes;
use crate::storage::timelines;
use crate::storage::{lists, statuses, Change, WriteTx};

/// A logical stream, as clients name it (`user`, `public:local`, `hashtag` + tag …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    User(i64),
    UserNotification(i64),
    Public,
    PublicLocal,
    PublicRemote,
    Hashtag(String),
    HashtagLocal(String),
    List(i64),
    Direct(i64),
    /// `public:media`, `public:local:media`, `public:remote:media`: public posts with media.
    Media(&'static str),
    /// Replies in the thread under this root status (pages only: a proposal's discussion).
    Thread(i64),
    /// One proposal's count and state (pages only).
    Proposal(i64),
    /// Proposals opened and closed (pages only: the deck's proposals column).
    Proposals,
}

impl Stream {
    /// The `stream` array of an event: `["user"]`, `["hashtag", "tag"]`, `["list", "id"]`.
    pub fn names(&self) -> Vec<String> {
        match self {
            Stream::User(_) => vec!["user".into()],
            Stream::UserNotification(_) => vec!["user:notification".into()],
            Stream::Public => vec!["public".into()],
            Stream::PublicLocal => vec!["public:local".into()],
            Stream::PublicRemote => vec!["public:remote".into()],
            Stream::Hashtag(t) => vec!["hashtag".into(), t.clone()],
            Stream::HashtagLocal(t) => vec!["hashtag:local".into(), t.clone()],
            Stream::List(id) => vec!["list".into(), id.to_string()],
            Stream::Direct(_) => vec!["direct".into()],
            Stream::Media(name) => vec![(*name).into()],
            Stream::Thread(id) => vec!["thread".into(), id.to_string()],
            Stream::Proposal(id) => vec!["proposal".into(), id.to_string()],
            Stream::Proposals => vec!["proposals".into()],
        }
    }

    /// The scope a token needs for this stream.
    fn scope(&self) -> &'static str {
        match self {
            Stream::UserNotification(_) => "read:notifications",
            Stream::List(_) => "read:lists",
            _ => "read:statuses",
        }
    }
}

/// Parses a stream name for `viewer`, checking that it may open it (its own lists only) and
/// that the token's scopes allow it.
pub async fn parse_stream(
    state: &AppState,
    auth: &crate::http::auth::Auth,
    viewer: i64,
    name: &str,
    tag: Option<&str>,
    list: Option<&str>,
) -> AppResult<Stream> {
    let stream = resolve_stream(state, viewer, name, tag, list).await?;
    auth.require(stream.scope())?;
    Ok(stream)
}

/// A stream name as `viewer` may open it: their own lists only, the public streams as the
/// instance's feed access allows (the live pages, signed in by cookie, call this too).
pub async fn resolve_stream(
    state: &AppState,
    viewer: i64,
    name: &str,
    tag: Option<&str>,
    list: Option<&str>,
) -> AppResult<Stream> {
    let tag_name = || -> AppResult<String> {
        let t = tag.map(|t| t.trim().trim_start_matches('#').to_lowercase());
        match t {
            Some(t) if !t.is_empty() => Ok(t),
            _ => Err(AppError::bad_request("Missing tag name parameter")),
        }
    };
    let stream = match name {
        "user" => Stream::User(viewer),
        "user:notification" => Stream::UserNotification(viewer),
        "public" => Stream::Public,
        "public:local" => Stream::PublicLocal,
        "public:remote" => Stream::PublicRemote,
        "public:media" => Stream::Media("public:media"),
        "public:local:media" => Stream::Media("public:local:media"),
        "public:remote:media" => Stream::Media("public:remote:media"),
        "hashtag" => Stream::Hashtag(tag_name()?),
        "hashtag:local" => Stream::HashtagLocal(tag_name()?),
        "direct" => Stream::Direct(viewer),
        "list" => {
            let id: i64 = list
                .and_then(|l| l.parse().ok())
                .ok_or_else(|| AppError::bad_request("Missing list parameter"))?;
            lists::get(&state.db.pool, viewer, id)
                .await?
                .ok_or_else(AppError::not_found)?;
            Stream::List(id)
        }
        _ => return Err(AppError::bad_request("Unknown stream type")),
    };
    crate::services::feed_access::check_stream(state, &stream, Some(viewer).filter(|v| *v > 0))
        .await?;
    Ok(stream)
}

/// What happened, by id; rendered per viewer by each connection.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Event {
    Update(i64),
    StatusUpdate(i64),
    Delete(i64),
    Notification(i64),
    Conversation(i64),
    FiltersChanged,
    NotificationsMerged,
    /// A proposal's count or state changed (pages only).
    Proposal(i64),
}

#[derive(Debug)]
pub struct Message {
    pub streams: Vec<Stream>,
    pub event: Event,
    /// Its id in the live log (services/live.rs), the pages' SSE `id:`; 0 when not logged.
    pub id: i64,
}

/// The in-process broadcast every connection listens to, fed by this node's writes and, on
/// PostgreSQL, by other nodes' (services/cluster_events.rs).
pub struct Hub {
    sender: broadcast::Sender<Arc<Message>>,
    /// This node's id (services/cluster.rs `claim_node`): a node skips its own events on the
    /// cluster channel.
    node: &'static str,
    pub cluster: crate::services::cluster_events::ClusterStats,
    /// The live log's state on this node (services/live.rs).
    pub live: crate::services::live::LogState,
}

impl Hub {
    pub fn new(node: &'static str) -> Hub {
        Hub {
            sender: broadcast::channel(1024).0,
            node,
            cluster: Default::default(),
            live: Default::default(),
        }
    }

    pub(crate) fn send(&self, m: Message) {
        if !m.streams.is_empty() {
            let _ = self.sender.send(Arc::new(m));
        }
    }

    pub fn listeners(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Every routed message from now on (a live page or a streaming connection filters
    /// them by stream and renders them for its viewer, as `Subscriber` does).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Message>> {
        self.sender.subscribe()
    }

    pub fn node(&self) -> &'static str {
        self.node
    }
}

/// The most commits the dispatcher takes up at once.
const DISPATCH_BATCH: usize = 64;

/// Hooks the hub to committed writes: one dispatcher task, in commit order.
pub fn start(state: &AppState) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<Change>, read_cache::Forget)>();
    let weak: Weak<App> = Arc::downgrade(state);
    let at_commit = weak.clone();
    state.db.on_commit(Box::new(move |changes| {
        // The caches forget before the writer's answer leaves, so its next read is fresh.
        let forget = read_cache::Forget::of(&changes);
        if let Some(state) = at_commit.upgrade() {
            state.read_cache.forget(&forget);
        }
        let _ = tx.send((changes, forget));
    }));
    let cluster = crate::services::cluster_events::enabled(state);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let Some(state) = weak.upgrade() else { break };
            // Whatever else has committed meanwhile goes with it: the other nodes hear one
            // cache message for the batch rather than one per commit, so a burst of posts
            // (each bumps its author's counters) does not queue a notification per post
            // ahead of the posts' own events.
            let mut batch = vec![first];
            while batch.len() < DISPATCH_BATCH {
                match rx.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            if cluster {
                let forget = read_cache::Forget::merged(batch.iter().map(|(_, f)| f));
                if !forget.is_empty() {
                    crate::services::cluster_events::publish_forget(&state, &forget).await;
                }
            }
            let logging = crate::services::live::log_wanted(&state);
            if !logging {
                crate::services::live::skipped(&state);
            }
            if state.stream.listeners() == 0 && !cluster && !logging {
                continue; // nobody is listening: nothing to work out
            }
            for change in batch.into_iter().flat_map(|(changes, _)| changes) {
                match dispatch(&state, change).await {
                    Ok(Some(mut m)) if !m.streams.is_empty() => {
                        // Logged first, so the id travels with the event to every node.
                        if logging {
                            crate::services::live::log(&state, &mut m).await;
                        }
                        if cluster {
                            crate::services::cluster_events::publish(&state, &m).await;
                        }
                        state.stream.send(m);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "streaming: could not route a change"),
                }
            }
        }
    });
    crate::services::cluster_events::start_listener(state);
}

fn public_streams(local: bool, with_media: bool, tags: &[String], out: &mut Vec<Stream>) {
    out.push(Stream::Public);
    out.push(if local {
        Stream::PublicLocal
    } else {
        Stream::PublicRemote
    });
    if with_media {
        out.push(Stream::Media("public:media"));
        out.push(Stream::Media(if local {
            "public:local:media"
        } else {
            "public:remote:media"
        }));
    }
    for t in tags {
        let t = t.to_lowercase();
        out.push(Stream::Hashtag(t.clone()));
        if local {
            out.push(Stream::HashtagLocal(t));
        }
    }
}

async fn list_streams(state: &AppState, author: i64, out: &mut Vec<Stream>) -> AppResult<()> {
    for (list, _owner) in lists::containing(&state.db.pool, author).await? {
        out.push(Stream::List(list));
    }
    Ok(())
}

async fn status_streams(
    state: &AppState,
    s: &statuses::StatusRow,
    out: &mut Vec<Stream>,
) -> AppResult<()> {
    if s.visibility == "public" && s.reblog_of_id.is_none() {
        let tags: Vec<String> = statuses::tags_of(&state.db.pool, &[s.id])
            .await?
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let with_media = !crate::storage::media::of_statuses(&state.db.pool, &[s.id])
            .await?
            .is_empty();
        public_streams(s.local != 0, with_media, &tags, out);
    }
    list_streams(state, s.account_id, out).await
}

/// The streams `change` reaches and what to tell them, or None when nothing is to be told.
async fn dispatch(state: &AppState, change: Change) -> AppResult<Option<Message>> {
    Ok(match change {
        Change::StatusCreated(id) => {
            let Some(s) = statuses::by_id(&state.db.pool, id).await? else {
                return Ok(None);
            };
            let mut streams = vec![Stream::User(s.account_id)];
            if s.in_reply_to_id.is_some() {
                // A reply reaches pages showing its thread (each viewer's visibility is
                // checked when it is rendered, as for every stream).
                streams.push(Stream::Thread(s.thread_root_id));
            }
            status_streams(state, &s, &mut streams).await?;
            Some(Message {
                streams,
                event: Event::Update(id),
                id: 0,
            })
        }
        Change::FedTo {
            status_id,
            accounts,
        } => Some(Message {
            streams: accounts.into_iter().map(Stream::User).collect(),
            event: Event::Update(status_id),
            id: 0,
        }),
        Change::StatusEdited(id) => {
            let Some(s) = statuses::by_id(&state.db.pool, id).await? else {
                return Ok(None);
            };
            let mut streams: Vec<Stream> = timelines::feed_holders(&state.db.pool, id)
                .await?
                .into_iter()
                .map(Stream::User)
                .collect();
            status_streams(state, &s, &mut streams).await?;
            Some(Message {
                streams,
                event: Event::StatusUpdate(id),
                id: 0,
            })
        }
        Change::StatusDeleted {
            status_id,
            author_id,
            public,
            local,
            tags,
            audience,
        } => {
            let mut streams: Vec<Stream> = audience.into_iter().map(Stream::User).collect();
            streams.push(Stream::User(author_id));
            if public {
                // Its attachments are gone with it; a delete of an id a media stream never
                // showed is ignored by clients, as Mastodon's broadcast deletes are.
                public_streams(local, true, &tags, &mut streams);
            }
            list_streams(state, author_id, &mut streams).await?;
            Some(Message {
                streams,
                event: Event::Delete(status_id),
                id: 0,
            })
        }
        Change::StatusRetracted {
            status_id,
            accounts,
        } => Some(Message {
            streams: accounts.into_iter().map(Stream::User).collect(),
            event: Event::Delete(status_id),
            id: 0,
        }),
        Change::Notification(id) => {
            let row: Option<(i64,)> = notes::recipient(&state.db.pool, id).await?;
            row.map(|(recipient,)| Message {
                streams: vec![Stream::User(recipient), Stream::UserNotification(recipient)],
                event: Event::Notification(id),
                id: 0,
            })
        }
        Change::Conversation {
            account_id,
            conversation_id,
        } => Some(Message {
            streams: vec![Stream::Direct(account_id)],
            event: Event::Conversation(conversation_id),
            id: 0,
        }),
        Change::FiltersChanged(account_id) => Some(Message {
            streams: vec![Stream::User(account_id)],
            event: Event::FiltersChanged,
            id: 0,
        }),
        Change::NotificationsMerged(account_id) => Some(Message {
            streams: vec![
                Stream::User(account_id),
                Stream::UserNotification(account_id),
            ],
            event: Event::NotificationsMerged,
            id: 0,
        }),
        Change::Proposal(id) => crate::services::live::proposal_message(state, id).await?,
        // Only the read caches hear of these (at commit, in `start`).
        Change::AccountChanged(_)
        | Change::DomainAccountsChanged
        | Change::DomainBlocksChanged
        | Change::TokensRevoked => None,
    })
}

/// Records, inside the deleting transaction, who must hear that a status is gone.
pub async fn record_delete(tx: &mut WriteTx, s: &statuses::StatusRow) -> AppResult<()> {
    let mut audience = timelines::feed_holders(&mut ***tx, s.id).await?;
    audience.extend(
        statuses::mentions_of(&mut ***tx, &[s.id])
            .await?
            .into_iter()
            .map(|(_, a)| a),
    );
    audience.sort_unstable();
    audience.dedup();
    let public = s.visibility == "public" && s.reblog_of_id.is_none();
    let tags = if public {
        statuses::tags_of(&mut ***tx, &[s.id])
            .await?
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    } else {
        Vec::new()
    };
    tx.record(Change::StatusDeleted {
        status_id: s.id,
        author_id: s.account_id,
        public,
        local: s.local != 0,
        tags,
        audience,
    });
    Ok(())
}

/// One event as a client receives it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub stream: Vec<String>,
    pub event: &'static str,
    /// The JSON of the entity (or the bare id for `delete`).
    pub payload: Option<String>,
}

/// One event for one viewer on one of its streams, visibility, blocks, mutes and filters
/// applied, before any surface's wire format: the Mastodon streams write it as JSON
/// (`Outgoing`), the live pages render it with the pages' partials (web/live.rs).
pub struct Delivery {
    pub stream: Stream,
    pub event: &'static str,
    pub item: Item,
}

pub enum Item {
    Status(Box<crate::entities::Status>),
    Notification(Box<crate::entities::Notification>),
    /// A bare id (`delete`), JSON already (`conversation`), or nothing (`filters_changed`).
    Plain(Option<String>),
    /// A proposal's count or state changed: the page reads it again through the proposal's
    /// service, which shows the count only when the proposal's rules allow.
    Proposal(i64),
}

impl Delivery {
    fn into_outgoing(self) -> Option<Outgoing> {
        let payload = match self.item {
            Item::Status(s) => Some(to_json(&s).ok()?),
            Item::Notification(n) => Some(to_json(&n).ok()?),
            Item::Plain(p) => p,
            Item::Proposal(_) => return None,
        };
        Some(Outgoing {
            stream: self.stream.names(),
            event: self.event,
            payload,
        })
    }
}

/// What the hub handed a connection.
pub enum Received {
    Message(Arc<Message>),
    /// The connection fell behind and this many messages were dropped for it.
    Lagged(u64),
    /// The hub is gone.
    Closed,
}

/// One connection's view of the hub: its viewer and the streams it subscribed to.
pub struct Subscriber {
    state: AppState,
    viewer: i64,
    subs: Vec<Stream>,
    rx: broadcast::Receiver<Arc<Message>>,
}

impl Subscriber {
    pub fn new(state: &AppState, viewer: i64) -> Subscriber {
        Subscriber {
            rx: state.stream.subscribe(),
            state: state.clone(),
            viewer,
            subs: Vec::new(),
        }
    }

    pub fn subscribe(&mut self, s: Stream) {
        if !self.subs.contains(&s) {
            self.subs.push(s);
        }
    }

    pub fn unsubscribe(&mut self, s: &Stream) {
        self.subs.retain(|x| x != s);
    }

    /// The next message of the hub, whatever its streams.
    pub async fn recv(&mut self) -> Received {
        match self.rx.recv().await {
            Ok(m) => Received::Message(m),
            Err(broadcast::error::RecvError::Lagged(n)) => Received::Lagged(n),
            Err(broadcast::error::RecvError::Closed) => Received::Closed,
        }
    }

    /// The next events for this connection (possibly none for a message it may not see);
    /// `None` once the hub is gone.
    pub async fn next(&mut self) -> Option<Vec<Outgoing>> {
        let m = loop {
            match self.recv().await {
                Received::Message(m) => break m,
                Received::Lagged(n) => {
                    tracing::warn!(skipped = n, "streaming: a slow connection missed events");
                }
                Received::Closed => return None,
            }
        };
        Some(
            self.deliveries(&m)
                .await
                .into_iter()
                .filter_map(Delivery::into_outgoing)
                .collect(),
        )
    }

    /// What `m` is for this viewer on each of its streams that `m` reaches: nothing for an
    /// event they may not see (visibility, blocks, mutes) or that their filters hide there.
    pub async fn deliveries(&self, m: &Message) -> Vec<Delivery> {
        let matched: Vec<&Stream> = self.subs.iter().filter(|s| m.streams.contains(s)).collect();
        if matched.is_empty() {
            return Vec::new();
        }
        let rendered = match self.render(&m.event).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = ?e, "streaming: could not render an event");
                None
            }
        };
        let Some((event, payload)) = rendered else {
            return Vec::new();
        };
        let filters = match payload {
            Rendered::Filterable(_) | Rendered::Note(_) => {
                match crate::services::filters::Active::load(&self.state, self.viewer).await {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::warn!(error = ?e, "streaming: could not load filters");
                        return Vec::new();
                    }
                }
            }
            _ => Default::default(),
        };
        matched
            .into_iter()
            .filter_map(|s| {
                let item = match &payload {
                    Rendered::Plain(p) => Item::Plain(p.clone()),
                    Rendered::Proposal(id) => Item::Proposal(*id),
                    Rendered::Filterable(status) => Item::Status(Box::new(
                        filters.apply_one(s.filter_context(), (**status).clone())?,
                    )),
                    Rendered::Note(n) => Item::Notification(Box::new(
                        filters.apply_notifications(vec![(**n).clone()]).pop()?,
                    )),
                };
                Some(Delivery {
                    stream: s.clone(),
                    event,
                    item,
                })
            })
            .collect()
    }

    async fn visible_status(&self, id: i64) -> AppResult<Option<statuses::StatusRow>> {
        let db = &self.state.db.pool;
        let Some(s) = statuses::visible_by_id(db, id, self.viewer).await? else {
            return Ok(None);
        };
        let mut authors = vec![s.account_id];
        if let Some(inner) = s.reblog_of_id {
            match statuses::visible_by_id(db, inner, self.viewer).await? {
                Some(o) => authors.push(o.account_id),
                None => return Ok(None),
            }
        }
        let now = self.state.clock.now_micros();
        if s.account_id != self.viewer
            && timelines::silenced(db, self.viewer, &authors, now).await?
        {
            return Ok(None);
        }
        Ok(Some(s))
    }

    /// The event name and payload for this viewer, or None when they may not see it.
    async fn render(&self, event: &Event) -> AppResult<Option<(&'static str, Rendered)>> {
        let state = &self.state;
        let viewer = Viewer(Some(self.viewer));
        Ok(match event {
            Event::Update(id) | Event::StatusUpdate(id) => {
                let name = if matches!(event, Event::Update(_)) {
                    "update"
                } else {
                    "status.update"
                };
                match self.visible_status(*id).await? {
                    Some(s) => {
                        let rendered = render::status(state, viewer, &s).await?;
                        Some((name, Rendered::Filterable(Box::new(rendered))))
                    }
                    None => None,
                }
            }
            Event::Delete(id) => Some(("delete", Rendered::Plain(Some(id.to_string())))),
            Event::FiltersChanged => Some(("filters_changed", Rendered::Plain(None))),
            Event::NotificationsMerged => {
                Some(("notifications_merged", Rendered::Plain(Some("1".into()))))
            }
            Event::Proposal(id) => Some(("proposal", Rendered::Proposal(*id))),
            Event::Notification(id) => {
                // The same filter as the notifications list (mutes, blocks), for this one row.
                let cursor = Page {
                    max_id: Some(id.saturating_add(1)),
                    since_id: Some(id.saturating_sub(1)),
                    min_id: None,
                    limit: 1,
                };
                let rows = notes::list(
                    &state.db.pool,
                    &notes::Selection {
                        account_id: self.viewer,
                        types: &[],
                        exclude: &[],
                        from_account: None,
                        // A filtered notification is never streamed.
                        include_filtered: false,
                        now: state.clock.now_micros(),
                    },
                    &cursor,
                )
                .await?;
                match render::notifications(state, self.viewer, &rows)
                    .await?
                    .pop()
                {
                    Some(n) => Some(("notification", Rendered::Note(Box::new(n)))),
                    None => None,
                }
            }
            Event::Conversation(id) => match conversations::one(state, self.viewer, *id).await? {
                Some(c) => Some(("conversation", Rendered::Plain(Some(to_json(&c)?)))),
                None => None,
            },
        })
    }
}

/// An event's payload before the connection's filters are applied per stream.
enum Rendered {
    Plain(Option<String>),
    Proposal(i64),
    Filterable(Box<crate::entities::Status>),
    Note(Box<crate::entities::Notification>),
}

impl Stream {
    /// The filter context of statuses arriving on this stream.
    fn filter_context(&self) -> &'static str {
        match self {
            Stream::User(_) | Stream::List(_) | Stream::Direct(_) => "home",
            Stream::UserNotification(_) => "notifications",
            Stream::Thread(_) => "thread",
            _ => "public",
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| AppError::internal_msg(e.to_string()))
}
