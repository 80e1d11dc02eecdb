//! The inbox (`POST /users/:username/inbox`) and shared inbox (`POST /inbox`), in the order of
//! research A12: size cap (413) → parse (400) → verify the HTTP signature and that its key's
//! owner is the activity's actor (401) → origin checks and effects (`services::inbox`), one
//! transaction, idempotent by activity id. A domain under a `suspend` block is answered 403
//! before its key is fetched (Mastodon's choice; nothing of it is stored). RFC 9421
//! signatures are not verified yet: they get 401 so that peers (Fedify) retry with
//! draft-cavage.

use axum::body::{to_bytes, Body};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::federation::fetch::MAX_BODY;
use crate::federation::protocol::{has_as_context, id_of};
use crate::federation::{keys, signatures};
use crate::services::federation as fed;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::federation as store;
use crate::time::MICROS_PER_MINUTE;

const REFETCH_EVERY: i64 = 10 * MICROS_PER_MINUTE;

pub async fn user_inbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    req: Request,
) -> Response {
    match accounts::local_account_by_username(&state.db.pool, &username).await {
        Ok(Some(_)) => receive(state, req).await,
        Ok(None) => AppError::not_found().into_response(),
        Err(e) => AppError::from(e).into_response(),
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
    let key_host = parts
        .headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| signatures::parse(h).ok())
        .map(|p| p.key_id);
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

/// Verifies a request's draft-cavage signature and returns the signing actor's account.
pub async fn verify(
    state: &AppState,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<AccountRow> {
    let unauthorized = |m: String| AppError::unauthorized(m);
    if headers.contains_key("signature-input") {
        return Err(unauthorized(
            "RFC 9421 signatures are not supported here; sign with draft-cavage-http-signatures-12"
                .into(),
        ));
    }
    let header = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("Request is not signed".into()))?;
    let params = signatures::parse(header).map_err(|e| unauthorized(e.0))?;
    let now = state.clock.now_micros();
    let body = (!method.eq_ignore_ascii_case("get")).then_some(body);
    let strings = signatures::signing_strings(&params, method, path, query, headers, body, now)
        .map_err(|e| unauthorized(e.0))?;
    let key_url = params.key_id.split('#').next().unwrap_or("");
    if crate::federation::is_local(state, key_url) {
        return Err(unauthorized(
            "A local key cannot sign remote activities".into(),
        ));
    }
    let matches = |pem: &str| -> bool {
        keys::verifier(pem).is_some_and(|key| {
            strings
                .iter()
                .any(|s| keys::verify_parsed(&key, s.as_bytes(), &params.signature))
        })
    };
    // The cached key first; on failure one refetch of the actor (rate-limited per key).
    if let Some((account, pem)) = store::signer_by_key(&state.db.pool, &params.key_id).await? {
        if matches(&pem) {
            return Ok(account);
        }
        let allowed = {
            let mut last = state
                .federation
                .refetched
                .lock()
                .map_err(|_| AppError::internal_msg("refetch map poisoned"))?;
            let due = last
                .get(&params.key_id)
                .is_none_or(|t| now - *t >= REFETCH_EVERY);
            if due {
                last.insert(params.key_id.clone(), now);
            }
            due
        };
        if !allowed {
            return Err(unauthorized("Signature does not verify".into()));
        }
        let fresh = fed::refresh_actor(state, &account.uri)
            .await
            .map_err(|e| unauthorized(format!("Could not refresh the signer's key: {e}")))?;
        return check_fresh(state, fresh, &params.key_id, &matches).await;
    }
    // An unknown key: one fetch however many requests carry it at once. The others wait for
    // it, then find the key stored.
    let gate = state
        .federation
        .fetching
        .lock()
        .map_err(|_| AppError::internal_msg("key fetch map poisoned"))?
        .entry(key_url.to_string())
        .or_default()
        .clone();
    let _turn = gate.lock().await;
    if let Some((account, pem)) = store::signer_by_key(&state.db.pool, &params.key_id).await? {
        if !matches(&pem) {
            return Err(unauthorized("Signature does not verify".into()));
        }
        return Ok(account);
    }
    let fresh = fed::refresh_actor(state, key_url).await;
    if let Ok(mut map) = state.federation.fetching.lock() {
        map.remove(key_url);
    }
    let fresh =
        fresh.map_err(|e| unauthorized(format!("Could not fetch the signer's key: {e}")))?;
    check_fresh(state, fresh, &params.key_id, &matches).await
}

async fn check_fresh(
    state: &AppState,
    account: AccountRow,
    key_id: &str,
    matches: &(dyn Fn(&str) -> bool + Sync),
) -> AppResult<AccountRow> {
    let remote = store::remote_actor(&state.db.pool, account.id)
        .await?
        .ok_or_else(|| AppError::unauthorized("Unknown signer"))?;
    if remote.key_id != key_id {
        return Err(AppError::unauthorized("The key is not the actor's own key"));
    }
    if !matches(&remote.public_key_pem) {
        return Err(AppError::unauthorized("Signature does not verify"));
    }
    Ok(account)
}
