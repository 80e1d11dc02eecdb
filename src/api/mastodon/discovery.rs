//! `/api/v1/directory`, `/api/v2/suggestions` and `DELETE /api/v1/suggestions/:id`.

use axum::extract::{Path, Query, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::lenient;
use crate::services::discovery::{self, DirectoryOrder, Suggestion};
use crate::services::social;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/directory", get(directory))
        .route("/api/v2/suggestions", get(suggestions))
        .route("/api/v1/suggestions", get(suggestions_v1))
        .route("/api/v1/suggestions/{id}", delete(dismiss))
}

#[derive(Debug, Deserialize, Default)]
struct DirectoryParams {
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    offset: Option<u64>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    order: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    local: Option<bool>,
}

/// The profile directory: discoverable accounts, `order=active` (default) or `new`,
/// `local=true` for this server's only; 40 a page, at most 80, paged by `offset`.
async fn directory(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Query(p): Query<DirectoryParams>,
) -> AppResult<Json<Vec<Account>>> {
    let viewer = match &auth {
        Some(a) => {
            a.require("read:accounts")?;
            a.account_id
        }
        None => None,
    };
    let order = match p.order.as_deref() {
        None | Some("active") => DirectoryOrder::Active,
        Some("new") => DirectoryOrder::New,
        Some(other) => {
            return Err(AppError::bad_request(format!(
                "Invalid value for 'order': '{other}', allowed values are 'active' and 'new'"
            )))
        }
    };
    let limit = p.limit.unwrap_or(40).clamp(1, 80) as i64;
    let offset = p.offset.unwrap_or(0).min(i64::MAX as u64) as i64;
    Ok(Json(
        discovery::directory(
            &state,
            viewer,
            p.local.unwrap_or(false),
            order,
            offset,
            limit,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, Default)]
struct SuggestionParams {
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    limit: Option<u64>,
}

async fn suggestions(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SuggestionParams>,
) -> AppResult<Json<Vec<Suggestion>>> {
    let me = auth.user(&state, "read").await?;
    let limit = p.limit.unwrap_or(40).clamp(1, 80) as i64;
    Ok(Json(
        discovery::suggestions(&state, me.account.id, limit).await?,
    ))
}

/// `GET /api/v1/suggestions` (deprecated by v2): the same suggestions as bare accounts.
async fn suggestions_v1(
    state: State<AppState>,
    auth: Auth,
    query: Query<SuggestionParams>,
) -> AppResult<Json<Vec<crate::entities::Account>>> {
    let Json(found) = suggestions(state, auth, query).await?;
    Ok(Json(found.into_iter().map(|s| s.account).collect()))
}

async fn dismiss(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read").await?;
    let target = social::target(&state, &id).await?;
    discovery::dismiss(&state, me.account.id, target.id).await?;
    Ok(Json(json!({})))
}
