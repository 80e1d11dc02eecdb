//! Endpoints apps call right after login: preferences, markers, and lists Herd has nothing
//! for yet (empty, never 404, as Mastodon's own empty answers).

use axum::extract::{OriginalUri, State};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::error::{AppError, AppResult};
use crate::http::auth::{Auth, MaybeAuth};
use crate::http::body::{parse_form, Payload};
use crate::services::notifications as service;
use crate::state::AppState;
use crate::time;

pub async fn empty_list() -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// Empty lists that still need a user token, so a bad token gets its 401.
pub async fn empty_list_for_user(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Vec<Value>>> {
    auth.user(&state, "read").await?;
    Ok(Json(Vec::new()))
}

pub async fn empty_public_list(MaybeAuth(_): MaybeAuth) -> Json<Vec<Value>> {
    Json(Vec::new())
}

pub async fn preferences(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:accounts").await?;
    let language = (!me.user.default_language.is_empty()).then(|| me.user.default_language.clone());
    Ok(Json(json!({
        "posting:default:visibility": me.user.default_privacy,
        "posting:default:sensitive": me.user.default_sensitive != 0,
        "posting:default:language": language,
        "posting:default:quote_policy":
            crate::services::quotes::default_policy(&state, me.account.id).await?,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
        "reading:autoplay:gifs": false,
    })))
}

const TIMELINES: &[&str] = &["home", "notifications"];

/// `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`
pub async fn get_markers(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:statuses").await?;
    let q = parse_form(uri.query().unwrap_or("").as_bytes())?;
    let wanted: Vec<String> = match &q["timeline"] {
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => TIMELINES.iter().map(|s| s.to_string()).collect(),
    };
    let mut out = Map::new();
    for (timeline, last_read_id, version, updated_at) in
        service::markers(&state, me.account.id).await?
    {
        if wanted.contains(&timeline) {
            out.insert(
                timeline,
                json!({ "last_read_id": last_read_id.to_string(), "version": version, "updated_at": time::iso(updated_at) }),
            );
        }
    }
    Ok(Json(Value::Object(out)))
}

/// `POST /api/v1/markers` with `home[last_read_id]` / `notifications[last_read_id]`.
pub async fn set_markers(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<Value>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:statuses").await?;
    let mut marks = Vec::new();
    for timeline in TIMELINES {
        let Some(id) = body.data.get(*timeline).and_then(|t| t.get("last_read_id")) else {
            continue;
        };
        let id = id
            .as_str()
            .map(String::from)
            .or_else(|| id.as_i64().map(|i| i.to_string()))
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| {
                AppError::unprocessable(format!(
                    "Validation failed: {timeline}.last_read_id is not an id"
                ))
            });
        marks.push((*timeline, id));
    }
    if marks.is_empty() {
        return Err(AppError::unprocessable(
            "Validation failed: give home[last_read_id] or notifications[last_read_id]",
        ));
    }
    let mut out = Map::new();
    for (timeline, last_read_id, version, updated_at) in
        service::set_markers(&state, me.account.id, marks).await?
    {
        out.insert(timeline, json!({ "last_read_id": last_read_id.to_string(), "version": version, "updated_at": time::iso(updated_at) }));
    }
    Ok(Json(Value::Object(out)))
}
