//! The inbox (`POST /users/:username/inbox`) and shared inbox (`POST /inbox`), in the order of
//! research A12: size cap (413) → parse (400) → verify the HTTP signature and that its key's
//! owner is the activity's actor (401) → origin checks and effects (`services::inbox`), one
//! transaction, idempotent by activity id. A domain under a `suspend` block is answered 403
//! before its key is fetched (Mastodon's choice; nothing of it is stored). Both draft-cavage
//! and RFC 9421 signatures are verified; a request with `Signature-Input` is taken as RFC 9421
//! (as Mastodon does), and one we cannot verify gets 401 so that peers (Fedify) retry with
//! draft-cavage.

use axum::body::{to_bytes, Body};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::federation::fetch::MAX_BODY;
use crate::federation::protocol::{has_as_context, id_of};
use crate::federation::verify::{claimed_key_id, verify};
use crate::services::federation as fed;
use crate::state::AppState;

pub async fn user_inbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    req: Request,
) -> Response {
    match crate::services::documents::find_local(&state, &username).await {
        Ok(Some(_)) => receive(state, req).await,
        Ok(None) => AppError::not_found().into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn shared_inbox(State(state): State<AppState>, req: Request) -> Response {
    receive(state, req).await
}

async fn receive(state: AppState, req: Request) -> Response {
    match handle(&state, req).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn handle(state: &AppState, req: Request) -> AppResult<()> {
    let (parts, body): (_, Body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "Body is too large"))?;
    let activity: Value =
        serde_json::from_slice(&bytes).map_err(|_| AppError::bad_request("Body is not JSON"))?;
    if !activity.is_object() {
        return Err(AppError::bad_request("Body is not an object"));
    }
    for k in ["@graph", "@reverse", "@included"] {
        if activity.get(k).is_some() {
            return Err(AppError::bad_request("JSON-LD graphs are not accepted"));
        }
    }
    // A suspended domain is answered 403 before anything is fetched or stored (Mastodon does
    // the same): both the activity's actor and the signing key's host are checked.
    let key_host = claimed_key_id(&parts.headers);
    let mut hosts: Vec<String> = [activity.get("actor").and_then(id_of), key_host.as_deref()]
        .into_iter()
        .flatten()
        .map(fed::host_of)
        .collect();
    hosts.dedup(); // the actor and its key are usually on one host: one lookup
    for host in &hosts {
        if fed::domain_suspended(state, host).await? {
            return Err(AppError::forbidden("Your domain is blocked by this server"));
        }
    }
    let signer = verify(
        state,
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
        &bytes,
    )
    .await?;
    let actor = activity.get("actor").and_then(id_of);
    if actor != Some(signer.uri.as_str()) {
        return Err(AppError::unauthorized(
            "The signature's key does not belong to the activity's actor",
        ));
    }
    // The host talks to us: any unavailability recorded for it ends.
    if let Err(e) = fed::host_succeeded(state, &fed::host_of(&signer.uri)).await {
        tracing::warn!(error = %e, "could not clear a host's delivery failures");
    }
    if !has_as_context(&activity) {
        return Err(AppError::bad_request("Unsupported @context"));
    }
    crate::services::inbox::process(state, &signer, &activity).await
}
