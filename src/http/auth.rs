//! Bearer-token authentication for the APIs. `Auth` requires a valid token, `MaybeAuth`
//! accepts anonymous requests (but still refuses a bad token, as Mastodon does). On the API
//! routes the rate-limit gate has already looked the token up (and refused a bad one on every
//! endpoint); the extractors reuse its answer.
//! Scope and account checks live here so every endpoint enforces them the same way.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};

use std::sync::Arc;

use crate::error::{AppError, AppResult};
use crate::scopes::Scopes;
use crate::services::read_cache::Grant;
use crate::state::AppState;
use crate::storage::accounts::{AccountRow, UserRow};
use crate::storage::oauth;

#[derive(Debug, Clone)]
pub struct Auth {
    pub token_id: i64,
    pub app_id: i64,
    pub account_id: Option<i64>,
    pub scopes: Scopes,
    /// The token's account and login as read with the token (one query per request).
    signed_in: Option<Arc<CurrentUser>>,
}

/// A signed-in local user: the account and its login.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: AccountRow,
    pub user: UserRow,
}

pub struct MaybeAuth(pub Option<Auth>);

/// The token a request presents: `Authorization: Bearer …`, else `?access_token=` (Mastodon
/// accepts the query parameter too: streaming, some clients).
pub fn presented_token(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(v) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if v.len() > 7 && v.is_char_boundary(7) && v[..7].eq_ignore_ascii_case("bearer ") {
            return Some(v[7..].trim().to_string());
        }
    }
    uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    })
}

/// A presented token the API gate (`rate_limit::api_limit`) has looked up: the extractors
/// below take it from the request instead of reading the database again.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    auth: Auth,
    suspended: bool,
}

impl VerifiedToken {
    /// The user the token acts for (none for an app's own token).
    pub fn account_id(&self) -> Option<i64> {
        self.auth.account_id
    }
}

/// Looks up the token a request presents: `None` without one, 401 for a token that is not
/// (or no longer) valid.
pub async fn verify_presented(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> AppResult<Option<VerifiedToken>> {
    let Some(token) = presented_token(headers, uri) else {
        return Ok(None);
    };
    let (auth, suspended) = Auth::lookup(state, &token).await?;
    Ok(Some(VerifiedToken { auth, suspended }))
}

async fn resolve(parts: &Parts, state: &AppState) -> AppResult<Option<Auth>> {
    let (auth, suspended) = match parts.extensions.get::<VerifiedToken>() {
        Some(v) => (v.auth.clone(), v.suspended),
        None => {
            let Some(token) = presented_token(&parts.headers, &parts.uri) else {
                return Ok(None);
            };
            Auth::lookup(state, &token).await?
        }
    };
    // A suspended account's tokens stop working (Mastodon's `require_not_suspended!`), except
    // to read its strikes and appeal them.
    if suspended && !open_while_suspended(parts.uri.path()) {
        return Err(suspended_error());
    }
    Ok(Some(auth))
}

impl Auth {
    /// The token's grant, its account and login, and whether the account is suspended: from
    /// the read cache, else in one round trip (services/read_cache.rs says when the cache
    /// forgets).
    async fn lookup(state: &AppState, token: &str) -> AppResult<(Auth, bool)> {
        let hash = crate::secrets::token_hash(token);
        let cache = &state.read_cache;
        if let Some(grant) = cache.grant(&hash) {
            let user = match grant.account_id {
                Some(id) => cache.user(id),
                None => None,
            };
            if grant.account_id.is_none() || user.is_some() {
                return Ok(Auth::granted(grant, user));
            }
        }
        let ticket = cache.ticket();
        let row = oauth::token_by_hash(&state.db.pool, &hash).await?;
        let row = match row {
            Some(r) if r.token.revoked_at.is_none() => r,
            _ => return Err(AppError::unauthorized("The access token is invalid")),
        };
        let grant = Grant {
            token_id: row.token.id,
            app_id: row.token.app_id,
            account_id: row.token.account_id,
            scopes: Scopes::parse(&row.token.scopes).map_err(AppError::internal_msg)?,
        };
        let user = match (row.account, row.user) {
            (Some(account), Some(user)) => Some(Arc::new(CurrentUser { account, user })),
            _ => None,
        };
        cache.put_token(ticket, &hash, grant.clone(), user.clone());
        Ok(Auth::granted(grant, user))
    }

    fn granted(grant: Grant, user: Option<Arc<CurrentUser>>) -> (Auth, bool) {
        let suspended = user
            .as_ref()
            .is_some_and(|u| u.account.suspended_at.is_some());
        let auth = Auth {
            token_id: grant.token_id,
            app_id: grant.app_id,
            account_id: grant.account_id,
            scopes: grant.scopes,
            signed_in: user,
        };
        (auth, suspended)
    }

    /// Resolves a raw token (the streaming API also takes it from `Sec-WebSocket-Protocol`).
    pub async fn from_token(state: &AppState, token: &str) -> AppResult<Auth> {
        match Auth::lookup(state, token).await? {
            (_, true) => Err(suspended_error()),
            (auth, false) => Ok(auth),
        }
    }
}

fn suspended_error() -> AppError {
    AppError::forbidden("Your login is currently disabled")
}

/// What a suspended account may still reach: its strikes and their appeals.
fn open_while_suspended(path: &str) -> bool {
    path.trim_end_matches('/') == "/api/v1/coop/moderation/strikes"
        || path.starts_with("/api/v1/coop/moderation/strikes/")
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        resolve(parts, state)
            .await?
            .ok_or_else(|| AppError::unauthorized("Missing access token"))
    }
}

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(resolve(parts, state).await?))
    }
}

impl Auth {
    /// 403 unless the token carries `scope` (or a scope that includes it).
    pub fn require(&self, scope: &str) -> AppResult<()> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "This action is outside the authorized scopes",
            ))
        }
    }

    /// The token's user, who must be allowed to use the API: confirmed, approved, enabled.
    pub async fn user(&self, state: &AppState, scope: &str) -> AppResult<CurrentUser> {
        let me = self.signed_in_user(scope)?;
        functional(state, &me.user)?;
        Ok(me)
    }

    /// The token's user for the only things a disabled login may still do: read its strikes
    /// and appeal them (as Mastodon lets a disabled user see and appeal a warning). Everything
    /// else of [`functional`] (confirmed, approved) still applies.
    pub async fn user_even_if_disabled(
        &self,
        state: &AppState,
        scope: &str,
    ) -> AppResult<CurrentUser> {
        let me = self.signed_in_user(scope)?;
        let mut enabled = me.user.clone();
        enabled.disabled = 0;
        functional(state, &enabled)?;
        Ok(me)
    }

    fn signed_in_user(&self, scope: &str) -> AppResult<CurrentUser> {
        self.require(scope)?;
        let account_id = self
            .account_id
            .ok_or_else(|| AppError::unprocessable("This method requires an authenticated user"))?;
        let signed_in = self
            .signed_in
            .as_ref()
            .filter(|u| u.account.id == account_id)
            .ok_or_else(|| AppError::unauthorized("The access token is invalid"))?;
        Ok(CurrentUser::clone(signed_in))
    }
}

/// Mastodon's `require_user!`: the messages apps show when a login cannot be used yet.
pub fn functional(state: &AppState, user: &UserRow) -> AppResult<()> {
    if user.disabled != 0 {
        return Err(AppError::forbidden("Your login is currently disabled"));
    }
    if user.confirmed_at.is_none() && state.config.registrations.require_email_confirmation {
        return Err(AppError::forbidden(
            "Your login is missing a confirmed e-mail address",
        ));
    }
    if user.approved == 0 {
        return Err(AppError::forbidden(
            "Your login is currently pending approval",
        ));
    }
    Ok(())
}
