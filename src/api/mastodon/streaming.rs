//! The streaming API: WebSocket `GET /api/v1/streaming` (streams chosen by `stream` in the
//! query or by `subscribe` / `unsubscribe` messages) and server-sent events under
//! `/api/v1/streaming/*`. A user token is required (as Mastodon since 4.2), from the
//! `Authorization` header, the `access_token` query parameter or, for WebSockets, the
//! `Sec-WebSocket-Protocol` header (echoed back in the handshake, as masto expects).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SEC_WEBSOCKET_PROTOCOL};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::lenient;
use crate::services::streaming::{parse_stream, Outgoing, Subscriber};
use crate::state::AppState;

const HEARTBEAT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize, Default)]
pub struct StreamQuery {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    stream: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    tag: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    list: Option<String>,
}

/// `GET /api/v1/streaming/health`
pub async fn health() -> &'static str {
    "OK"
}

/// The signed-in viewer of a streaming request, or 401. Each stream then checks its own scope.
async fn viewer(state: &AppState, auth: Option<Auth>) -> AppResult<(Auth, i64)> {
    let auth = auth.ok_or_else(|| AppError::unauthorized("Missing access token"))?;
    let scope = if auth.scopes.allows("read:statuses") {
        "read:statuses"
    } else {
        "read:notifications"
    };
    let me = auth.user(state, scope).await?;
    Ok((auth, me.account.id))
}

/// `GET /api/v1/streaming`: a WebSocket, or server-sent events when it is not an upgrade.
pub async fn websocket(
    State(state): State<AppState>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    headers: HeaderMap,
    MaybeAuth(auth): MaybeAuth,
    Query(q): Query<StreamQuery>,
) -> Response {
    match websocket_inner(state, ws, headers, auth, q).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn websocket_inner(
    state: AppState,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    headers: HeaderMap,
    auth: Option<Auth>,
    q: StreamQuery,
) -> AppResult<Response> {
    // masto sends the token as the subprotocol; it must come back in the handshake.
    let protocol = headers
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or("").trim().to_string())
        .filter(|v| !v.is_empty());
    let auth = match (auth, &protocol) {
        (Some(a), _) => Some(a),
        (None, Some(token)) => Some(Auth::from_token(&state, token).await?),
        (None, None) => None,
    };
    let (auth, me) = viewer(&state, auth).await?;
    let mut sub = Subscriber::new(&state, me);
    if let Some(name) = q.stream.as_deref().filter(|s| !s.is_empty()) {
        let stream =
            parse_stream(&state, &auth, me, name, q.tag.as_deref(), q.list.as_deref()).await?;
        sub.subscribe(stream);
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(_) if q.stream.is_some() => return Ok(sse_response(sub)),
        Err(rejection) => return Ok(rejection.into_response()),
    };
    let ws = match protocol {
        Some(p) => ws.protocols([p]),
        None => ws,
    };
    Ok(ws
        .on_upgrade(move |socket| run_socket(state, auth, me, sub, socket))
        .into_response())
}

#[derive(Debug, Deserialize)]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    list: Option<serde_json::Value>,
}

async fn command(
    state: &AppState,
    auth: &Auth,
    me: i64,
    sub: &mut Subscriber,
    text: &str,
) -> AppResult<()> {
    let c: Command = serde_json::from_str(text)
        .map_err(|_| AppError::bad_request("Could not parse the message"))?;
    let list = c.list.map(|l| match l {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    });
    let stream = parse_stream(
        state,
        auth,
        me,
        &c.stream,
        c.tag.as_deref(),
        list.as_deref(),
    )
    .await?;
    match c.kind.as_str() {
        "subscribe" => sub.subscribe(stream),
        "unsubscribe" => sub.unsubscribe(&stream),
        _ => return Err(AppError::bad_request("Unknown message type")),
    }
    Ok(())
}

fn ws_json(o: &Outgoing) -> String {
    match &o.payload {
        Some(p) => json!({"stream": o.stream, "event": o.event, "payload": p}).to_string(),
        None => json!({"stream": o.stream, "event": o.event}).to_string(),
    }
}

async fn run_socket(
    state: AppState,
    auth: Auth,
    me: i64,
    mut sub: Subscriber,
    mut socket: WebSocket,
) {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Err(e) = command(&state, &auth, me, &mut sub, text.as_str()).await {
                        let body = json!({"error": e.message, "status": e.status.as_u16()}).to_string();
                        if socket.send(WsMessage::Text(body.into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            events = sub.next() => match events {
                Some(events) => {
                    for o in events {
                        if socket.send(WsMessage::Text(ws_json(&o).into())).await.is_err() {
                            return;
                        }
                    }
                }
                None => break,
            },
            _ = heartbeat.tick() => {
                if socket.send(WsMessage::Ping(Bytes::new())).await.is_err() {
                    break;
                }
            }
        }
    }
}

fn sse_text(o: &Outgoing) -> String {
    // Payloads are single-line JSON (or an id), so one `data:` line each.
    match &o.payload {
        Some(p) => format!("event: {}\ndata: {}\n\n", o.event, p),
        None => format!("event: {}\ndata: \n\n", o.event),
    }
}

/// `text/event-stream`: `:)` first, an event per block, a `:thump` comment every 30 seconds.
fn sse_response(sub: Subscriber) -> Response {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.reset();
    let stream = futures_util::stream::unfold(
        (sub, heartbeat, true),
        |(mut sub, mut heartbeat, first)| async move {
            if first {
                return Some((
                    Ok::<_, Infallible>(Bytes::from_static(b":)\n\n")),
                    (sub, heartbeat, false),
                ));
            }
            loop {
                tokio::select! {
                    events = sub.next() => match events {
                        None => return None,
                        Some(events) if events.is_empty() => continue,
                        Some(events) => {
                            let text: String = events.iter().map(sse_text).collect();
                            return Some((Ok(Bytes::from(text)), (sub, heartbeat, false)));
                        }
                    },
                    _ = heartbeat.tick() => {
                        return Some((Ok(Bytes::from_static(b":thump\n\n")), (sub, heartbeat, false)));
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
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// `GET /api/v1/streaming/{user,public,…}`: the stream named by the path, as server-sent events.
pub async fn sse(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<StreamQuery>,
) -> AppResult<Response> {
    let (auth, me) = viewer(&state, auth).await?;
    let name = uri
        .path()
        .trim_start_matches("/api/v1/streaming/")
        .trim_end_matches('/')
        .replace('/', ":");
    let stream = parse_stream(
        &state,
        &auth,
        me,
        &name,
        q.tag.as_deref(),
        q.list.as_deref(),
    )
    .await?;
    let mut sub = Subscriber::new(&state, me);
    sub.subscribe(stream);
    Ok(sse_response(sub))
}
