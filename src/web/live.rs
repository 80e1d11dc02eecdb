//! The pages' live connection (DESIGN §10): `GET /live?streams=home,notifications,…`, one
//! server-sent event stream per tab, signed in by the session cookie (401 without one).
//!
//! Each event is a rendered fragment for this viewer: the same `streaming::Subscriber` as the
//! Mastodon streams decides what they may see (visibility, blocks, mutes, filters) and hands
//! over the entities; here they go through the pages' own partials (status, notification,
//! a proposal's count). Every event carries `id:`, its id in the live log; a reconnect with
//! `Last-Event-ID` (or `last_event_id=` in the query, from a page the browser shows again
//! after "back": the page closes its connection when left, so as not to hold one of the six
//! a browser allows per server) first replays what the log holds after it, or sends `gap`
//! when it cannot (services/live.rs), and the page offers a reload.
//!
//! Events: `status` and `edit` (`{"col","id","html"}`), `delete` (`{"col","id"}`),
//! `notification` (`{"col","html"}`), `tally` (`{"col","html"}`: a proposal's count section),
//! `proposal` (`{"col","id","html"}`: a proposals column's entry), `gap`, and `hello` (`{}`,
//! first on a connection without a last id: its `id:` is the newest event in the log).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::templates::page_context;
use crate::error::AppError;
use crate::http::session::WebSession;
use crate::services::live::{self, Replay};
use crate::services::streaming::{Delivery, Item, Message, Received, Stream, Subscriber};
use crate::state::AppState;

/// The live connection's and the deck's templates (merged into every locale's Tera).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "live/deck.html",
        include_str!("../../templates/live/deck.html"),
    ),
    (
        "partials/proposal_count.html",
        include_str!("../../templates/partials/proposal_count.html"),
    ),
    (
        "partials/live_proposal.html",
        include_str!("../../templates/partials/live_proposal.html"),
    ),
];

/// The live connection and the deck, merged into `web::routes` with one line.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/live", get(live))
        .route("/deck", get(super::deck::show))
        .route("/deck/columns", post(super::deck::add))
        .route("/deck/columns/{index}/{change}", post(super::deck::change))
}

const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A page follows at most this many streams (a deck holds eight columns).
const MAX_STREAMS: usize = 16;

#[derive(Debug, Default, Deserialize)]
pub struct LiveQuery {
    #[serde(default)]
    streams: String,
    /// Set by the deck: its columns' ids are prefixed by their place (`c2-s-ID`), so a post
    /// in two columns does not repeat an id.
    #[serde(default)]
    deck: Option<String>,
    /// The last event a page shown again from the browser's back/forward cache had (its
    /// connection was closed on leaving, and a new `EventSource` cannot set the header).
    #[serde(default)]
    last_event_id: Option<String>,
}

/// What a connection renders with: the viewer's session and the page's stream keys.
struct Renderer {
    state: AppState,
    session: WebSession,
    viewer: i64,
    username: String,
    keys: Vec<(Stream, String)>,
    deck: bool,
}

impl Renderer {
    fn key_of(&self, s: &Stream) -> &str {
        self.keys
            .iter()
            .find(|(k, _)| k == s)
            .map(|(_, key)| key.as_str())
            .unwrap_or("")
    }

    /// The page a column's actions come back to (`return_to`).
    fn here(key: &str) -> String {
        match key.split_once(':') {
            Some(("tag", t)) => format!("/tags/{t}"),
            Some(("list", l)) => format!("/lists/{l}"),
            Some(("proposal", p)) => format!("/proposals/{p}"),
            Some(_) => "/deck".into(),
            None => format!("/{key}"),
        }
    }

    fn context(&self, key: &str) -> tera::Context {
        let mut ctx = page_context(&self.state, &self.session, Some(&self.username));
        ctx.insert("here", &Self::here(key));
        if key.starts_with("thread:") {
            // Shown inside its thread, a reply needs no "in reply to" line.
            ctx.insert("thread", &true);
        }
        if self.deck {
            if let Some(i) = self.keys.iter().position(|(_, k)| k == key) {
                ctx.insert("sp", &format!("c{}-", i + 1));
            }
        }
        ctx
    }

    fn render(&self, name: &str, ctx: &tera::Context) -> Option<String> {
        match super::templates::render(&self.state, name, ctx) {
            Ok(html) => Some(html.0),
            Err(e) => {
                tracing::warn!(error = %e, template = name, "live: could not render");
                None
            }
        }
    }

    /// One delivery as an SSE event's name and data, or None when the page shows nothing.
    async fn event(&self, d: Delivery) -> Option<(&'static str, String)> {
        let key = self.key_of(&d.stream).to_string();
        match d.item {
            Item::Status(s) => {
                let mut ctx = self.context(&key);
                let id = s.id.clone();
                ctx.insert("s", &s);
                let html = self.render("partials/status.html", &ctx)?;
                let name = if d.event == "update" {
                    "status"
                } else {
                    "edit"
                };
                Some((
                    name,
                    json!({"col": key, "id": id, "html": html}).to_string(),
                ))
            }
            // Mastodon's user stream carries notifications too; a page shows them only in
            // its notifications column (and counts them once).
            Item::Notification(_) if !matches!(d.stream, Stream::UserNotification(_)) => None,
            Item::Notification(n) => {
                let mut ctx = self.context(&key);
                ctx.insert(
                    "n",
                    &super::client::notification_view(self.session.locale, *n),
                );
                let html = self.render("partials/notification.html", &ctx)?;
                Some((
                    "notification",
                    json!({"col": key, "html": html}).to_string(),
                ))
            }
            Item::Plain(Some(id)) if d.event == "delete" => {
                Some(("delete", json!({"col": key, "id": id}).to_string()))
            }
            Item::Plain(_) => None,
            Item::Proposal(id) => self.proposal(&key, &d.stream, id).await,
        }
    }

    /// A proposal's count section (its page) or its entry (a proposals column), read again
    /// through the proposal's service: the count is in it only when the rules show it.
    async fn proposal(
        &self,
        key: &str,
        stream: &Stream,
        id: i64,
    ) -> Option<(&'static str, String)> {
        let mut ctx = self.context(key);
        if *stream == Stream::Proposals {
            let p = crate::services::proposals::show(&self.state, self.viewer, id)
                .await
                .ok()?;
            ctx.insert("p", &p);
            let html = self.render("partials/live_proposal.html", &ctx)?;
            return Some((
                "proposal",
                json!({"col": key, "id": id.to_string(), "html": html}).to_string(),
            ));
        }
        super::proposals::count_context(&self.state, self.viewer, id, &mut ctx)
            .await
            .ok()?;
        let html = self.render("partials/proposal_count.html", &ctx)?;
        Some(("tally", json!({"col": key, "html": html}).to_string()))
    }

    /// The SSE text of every event `m` makes for this viewer (empty when none).
    async fn message(&self, sub: &Subscriber, m: &Message) -> String {
        let mut out = String::new();
        for d in sub.deliveries(m).await {
            if let Some((name, data)) = self.event(d).await {
                if m.id > 0 {
                    out.push_str(&format!("id: {}\n", m.id));
                }
                out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
            }
        }
        out
    }
}

const GAP: &str = "event: gap\ndata: {}\n\n";

/// `GET /live`: the viewer's live events for the streams the page names.
pub async fn live(
    State(state): State<AppState>,
    session: WebSession,
    headers: HeaderMap,
    Query(q): Query<LiveQuery>,
) -> Response {
    match open(state, session, headers, q).await {
        Ok(r) => r,
        Err(e) => (e.status, e.message).into_response(),
    }
}

async fn open(
    state: AppState,
    session: WebSession,
    headers: HeaderMap,
    q: LiveQuery,
) -> Result<Response, AppError> {
    let viewer = session
        .account_id
        .ok_or_else(|| AppError::unauthorized("Sign in to follow live updates"))?;
    let me = crate::services::accounts::session_user(&state, viewer)
        .await
        .map_err(|_| AppError::unauthorized("Sign in to follow live updates"))?;
    // Subscribed before the log is read, so nothing falls between the replay and the live
    // events (an event in both is sent once: see `after` below).
    let mut sub = Subscriber::new(&state, viewer);
    let mut keys = Vec::new();
    for key in q
        .streams
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        if keys.len() == MAX_STREAMS {
            return Err(AppError::bad_request("Too many live streams"));
        }
        let stream = live::page_stream(&state, viewer, key).await?;
        sub.subscribe(stream.clone());
        keys.push((stream, key.to_string()));
    }
    if keys.is_empty() {
        return Err(AppError::bad_request("Name the streams to follow"));
    }
    let last: Option<i64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.last_event_id.as_deref())
        .and_then(|v| v.trim().parse().ok());
    let watching = live::watching(&state);
    let renderer = Arc::new(Renderer {
        state: state.clone(),
        session,
        viewer,
        username: me.account.username.clone(),
        keys,
        deck: q.deck.is_some(),
    });
    // What opens the stream: the reconnection delay, then the replay or the gap.
    let mut first = String::from("retry: 3000\n\n");
    let mut after = last.unwrap_or(0);
    let mut closed = false;
    match last {
        // Where the log stands: the page's starting point should it come back from the
        // browser's "back" cache without having had an event meanwhile.
        None => {
            if let Some(head) = live::head(&state).await? {
                first.push_str(&format!("event: hello\nid: {head}\ndata: {{}}\n\n"));
            }
        }
        Some(last) => match live::replay(&state, last).await? {
            Replay::Gap => {
                first.push_str(GAP);
                closed = true;
            }
            Replay::Events(list) => {
                for m in &list {
                    first.push_str(&renderer.message(&sub, m).await);
                    after = after.max(m.id);
                }
            }
        },
    }
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.reset();
    let init = (
        sub,
        renderer,
        keep_alive,
        Some(first),
        after,
        closed,
        watching,
    );
    let stream = futures_util::stream::unfold(
        init,
        |(mut sub, renderer, mut keep_alive, first, after, closed, watching)| async move {
            if let Some(text) = first {
                let next = (sub, renderer, keep_alive, None, after, closed, watching);
                return Some((Ok::<_, Infallible>(Bytes::from(text)), next));
            }
            if closed {
                // After a gap the page reloads; the connection has nothing more to say.
                return None;
            }
            loop {
                tokio::select! {
                    received = sub.recv() => match received {
                        Received::Message(m) => {
                            // Already sent in the replay.
                            if m.id != 0 && m.id <= after {
                                continue;
                            }
                            let text = renderer.message(&sub, &m).await;
                            if text.is_empty() {
                                continue;
                            }
                            let next = (sub, renderer, keep_alive, None, after, false, watching);
                            return Some((Ok(Bytes::from(text)), next));
                        }
                        Received::Lagged(_) => {
                            // Events were dropped for this connection: the page reloads.
                            let next = (sub, renderer, keep_alive, None, after, true, watching);
                            return Some((Ok(Bytes::from_static(GAP.as_bytes())), next));
                        }
                        Received::Closed => return None,
                    },
                    _ = keep_alive.tick() => {
                        let next = (sub, renderer, keep_alive, None, after, false, watching);
                        return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), next));
                    }
                }
            }
        },
    );
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    // nginx would otherwise buffer the stream (docs/web.md).
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}
