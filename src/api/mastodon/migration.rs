//! Account migration (Herd's API; Mastodon keeps these on its settings pages):
//! `GET|POST|DELETE /api/v1/herd/aliases` (`{acct}`) and `POST /api/v1/herd/migration`
//! (`{target_acct, current_password}`).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::entities::Account;
use crate::error::AppResult;
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::services::federation as fed;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct AliasParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    acct: Option<String>,
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:accounts").await?;
    Ok(Json(
        json!({"also_known_as": fed::aliases(&state, &me).await?}),
    ))
}

pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<AliasParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:accounts").await?;
    let acct = body.data.acct.unwrap_or_default();
    let list = fed::set_alias(&state, &me, &acct, true).await?;
    Ok(Json(json!({"also_known_as": list})))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<AliasParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:accounts").await?;
    let acct = body.data.acct.unwrap_or_default();
    let list = fed::set_alias(&state, &me, &acct, false).await?;
    Ok(Json(json!({"also_known_as": list})))
}

#[derive(Debug, Deserialize)]
pub struct MoveParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    target_acct: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    current_password: Option<String>,
}

/// Answers the moved account (with `moved` set).
pub async fn migrate(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<MoveParams>,
) -> AppResult<Json<Account>> {
    let me = auth.user(&state, "write:accounts").await?;
    let p = body.data;
    fed::move_account(
        &state,
        &me,
        &p.target_acct.unwrap_or_default(),
        &p.current_password.unwrap_or_default(),
    )
    .await?;
    Ok(Json(fed::account_entity(&state, me.account.id).await?))
}
