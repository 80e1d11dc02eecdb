//! `/api/v2/filters` (filters, their keywords and statuses) and the read-only v1 projection
//! `/api/v1/filters`.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::services::filters::{self, Expiry, FilterInput, KeywordInput};
use crate::state::AppState;

#[derive(Debug, Deserialize, Default)]
pub struct FilterParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    title: Option<String>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    filter_action: Option<String>,
    #[serde(default)]
    expires_in: Option<Value>,
    #[serde(default)]
    keywords_attributes: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
pub struct KeywordParams {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    whole_word: Option<bool>,
    #[serde(default, rename = "_destroy", deserialize_with = "lenient::bool_opt")]
    destroy: Option<bool>,
}

impl From<KeywordParams> for KeywordInput {
    fn from(p: KeywordParams) -> KeywordInput {
        KeywordInput {
            id: p.id.and_then(|v| match v {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
            keyword: p.keyword,
            whole_word: p.whole_word,
            destroy: p.destroy.unwrap_or(false),
        }
    }
}

fn strings(v: Value) -> AppResult<Vec<String>> {
    let bad = || AppError::unprocessable("Validation failed: context must be a list of strings");
    match v {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .into_iter()
            .map(|i| i.as_str().map(String::from).ok_or_else(bad))
            .collect(),
        // `context[0]=home` arrives as an object keyed by index.
        Value::Object(map) => map
            .into_values()
            .map(|i| i.as_str().map(String::from).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

impl TryFrom<FilterParams> for FilterInput {
    type Error = AppError;

    fn try_from(p: FilterParams) -> AppResult<FilterInput> {
        let expires_in = match p.expires_in {
            None => Expiry::Keep,
            Some(Value::Number(n)) => Expiry::In(n.as_u64().ok_or_else(|| {
                AppError::unprocessable("Validation failed: expires_in must be a positive number")
            })?),
            Some(Value::String(s)) if s.trim().is_empty() => Expiry::Never,
            Some(Value::String(s)) => Expiry::In(s.trim().parse().map_err(|_| {
                AppError::unprocessable("Validation failed: expires_in must be a positive number")
            })?),
            Some(_) => {
                return Err(AppError::unprocessable(
                    "Validation failed: expires_in must be a positive number",
                ))
            }
        };
        // Arrays of objects (JSON, `keywords_attributes[][keyword]`) or objects keyed by index
        // (`keywords_attributes[0][keyword]`).
        let items: Vec<Value> = match p.keywords_attributes {
            None => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(Value::Object(m)) => m.into_values().collect(),
            Some(_) => {
                return Err(AppError::unprocessable(
                    "Validation failed: keywords_attributes must be a list",
                ))
            }
        };
        let keywords = items
            .into_iter()
            .map(|v| {
                KeywordParams::deserialize(v)
                    .map(KeywordInput::from)
                    .map_err(|e| AppError::unprocessable(format!("Validation failed: {e}")))
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(FilterInput {
            title: p.title,
            context: p.context.map(strings).transpose()?,
            action: p.filter_action,
            expires_in,
            keywords,
        })
    }
}

pub async fn index(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "read:filters").await?;
    let all = filters::all(&state, me.account.id).await?;
    Ok(Json(all.iter().map(|f| f.entity()).collect()))
}

pub async fn index_v1(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "read:filters").await?;
    let all = filters::all(&state, me.account.id).await?;
    Ok(Json(filters::v1_entities(&all)))
}

pub async fn show_v1(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:filters").await?;
    let all = filters::all(&state, me.account.id).await?;
    filters::v1_entities(&all)
        .into_iter()
        .find(|f| f["id"] == id.as_str())
        .map(Json)
        .ok_or_else(AppError::not_found)
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: Payload<FilterParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    let f = filters::create(&state, me.account.id, body.data.try_into()?).await?;
    Ok(Json(f.entity()))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:filters").await?;
    Ok(Json(
        filters::get(&state, me.account.id, &id).await?.entity(),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<FilterParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    let f = filters::update(&state, me.account.id, &id, body.data.try_into()?).await?;
    Ok(Json(f.entity()))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    filters::delete(&state, me.account.id, &id).await?;
    Ok(Json(json!({})))
}

pub async fn keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "read:filters").await?;
    let f = filters::get(&state, me.account.id, &id).await?;
    Ok(Json(
        f.keywords.iter().map(filters::keyword_entity).collect(),
    ))
}

pub async fn add_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<KeywordParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    let k = filters::add_keyword(&state, me.account.id, &id, body.data.into()).await?;
    Ok(Json(filters::keyword_entity(&k)))
}

pub async fn keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:filters").await?;
    let k = filters::keyword(&state, me.account.id, &id).await?;
    Ok(Json(filters::keyword_entity(&k)))
}

pub async fn update_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<KeywordParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    let k = filters::update_keyword(&state, me.account.id, &id, body.data.into()).await?;
    Ok(Json(filters::keyword_entity(&k)))
}

pub async fn delete_keyword(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    filters::delete_keyword(&state, me.account.id, &id).await?;
    Ok(Json(json!({})))
}

pub async fn statuses(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Value>>> {
    let me = auth.user(&state, "read:filters").await?;
    let f = filters::get(&state, me.account.id, &id).await?;
    Ok(Json(
        f.statuses.iter().map(filters::status_entity).collect(),
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct StatusParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    status_id: Option<String>,
}

pub async fn add_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Payload<StatusParams>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    let sid = body.data.status_id.unwrap_or_default();
    let s = filters::add_status(&state, me.account.id, &id, &sid).await?;
    Ok(Json(filters::status_entity(&s)))
}

pub async fn filter_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "read:filters").await?;
    let s = filters::filter_status(&state, me.account.id, &id).await?;
    Ok(Json(filters::status_entity(&s)))
}

pub async fn delete_status(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let me = auth.user(&state, "write:filters").await?;
    filters::delete_status(&state, me.account.id, &id).await?;
    Ok(Json(json!({})))
}
