//! Who signed a request: HTTP signatures (RFC 9421 when `Signature-Input` is present, as
//! Mastodon chooses; else draft-cavage) checked against the signer's stored key, refetched once
//! when it fails (rate-limited per key), and the key's owner returned. The inbox and authorized
//! fetch call this; it is protocol machinery below the endpoints.

use axum::http::HeaderMap;

use crate::error::{AppError, AppResult};
use crate::federation::{keys, rfc9421, signatures};
use crate::services::federation as fed;
use crate::state::AppState;
use crate::storage::accounts::AccountRow;
use crate::storage::federation as store;
use crate::time::MICROS_PER_MINUTE;

const REFETCH_EVERY: i64 = 10 * MICROS_PER_MINUTE;

/// The key id a request's signature names (RFC 9421 when `Signature-Input` is present, else
/// draft-cavage), unverified: for checks made before any key is fetched.
pub fn claimed_key_id(headers: &HeaderMap) -> Option<String> {
    if headers.contains_key("signature-input") {
        return rfc9421::parse(headers).ok().map(|p| p.key_id);
    }
    headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| signatures::parse(h).ok())
        .map(|p| p.key_id)
}

/// Verifies a request's signature (RFC 9421 when `Signature-Input` is present, as Mastodon
/// chooses; else draft-cavage) and returns the signing actor's account.
pub async fn verify(
    state: &AppState,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> AppResult<AccountRow> {
    let unauthorized = |m: String| AppError::unauthorized(m);
    let now = state.clock.now_micros();
    let body = (!method.eq_ignore_ascii_case("get") && !method.eq_ignore_ascii_case("head"))
        .then_some(body);
    if headers.contains_key("signature-input") {
        let parsed = rfc9421::parse(headers).map_err(|e| unauthorized(e.0))?;
        let base_url = state.base_url();
        let req = rfc9421::Request {
            method,
            path,
            query,
            headers,
            body,
            base_url: &base_url,
        };
        let bases = rfc9421::signature_bases(&parsed, &req, now).map_err(|e| unauthorized(e.0))?;
        let signer = signer_of(state, &parsed.key_id, &bases, &parsed.signature, now).await?;
        tracing::debug!(key_id = %parsed.key_id, %method, %path, "verified rfc9421 signature");
        return Ok(signer);
    }
    let header = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("Request is not signed".into()))?;
    let params = signatures::parse(header).map_err(|e| unauthorized(e.0))?;
    let strings = signatures::signing_strings(&params, method, path, query, headers, body, now)
        .map_err(|e| unauthorized(e.0))?;
    signer_of(state, &params.key_id, &strings, &params.signature, now).await
}

/// The account whose key `key_id` made `signature` over one of `messages`: the stored key
/// first; on failure one refetch of the actor (rate-limited per key); an unknown key fetched
/// once however many requests carry it at once.
async fn signer_of(
    state: &AppState,
    key_id: &str,
    messages: &[String],
    signature: &[u8],
    now: i64,
) -> AppResult<AccountRow> {
    let unauthorized = |m: String| AppError::unauthorized(m);
    let key_url = key_id.split('#').next().unwrap_or("");
    if crate::federation::is_local(state, key_url) {
        return Err(unauthorized(
            "A local key cannot sign remote activities".into(),
        ));
    }
    let matches = |pem: &str| -> bool {
        keys::verifier(pem).is_some_and(|key| {
            messages
                .iter()
                .any(|s| keys::verify_parsed(&key, s.as_bytes(), signature))
        })
    };
    // The cached key first; on failure one refetch of the actor (rate-limited per key).
    if let Some((account, pem)) = store::signer_by_key(&state.db.pool, key_id).await? {
        if matches(&pem) {
            return Ok(account);
        }
        let allowed = {
            let mut last = state
                .federation
                .refetched
                .lock()
                .map_err(|_| AppError::internal_msg("refetch map poisoned"))?;
            let due = last.get(key_id).is_none_or(|t| now - *t >= REFETCH_EVERY);
            if due {
                last.insert(key_id.to_string(), now);
            }
            due
        };
        if !allowed {
            return Err(unauthorized("Signature does not verify".into()));
        }
        let fresh = fed::refresh_actor(state, &account.uri)
            .await
            .map_err(|e| unauthorized(format!("Could not refresh the signer's key: {e}")))?;
        return check_fresh(state, fresh, key_id, &matches).await;
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
    if let Some((account, pem)) = store::signer_by_key(&state.db.pool, key_id).await? {
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
    check_fresh(state, fresh, key_id, &matches).await
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
