//! `/settings/filters`: the member's keyword filters listed, made, changed and deleted through
//! `services::filters` (the functions behind `/api/v2/filters`). The form has a fixed number of
//! keyword rows, so it works without scripts: a new row left blank is ignored, an existing row
//! emptied or ticked "remove" is deleted.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{field_errors, settings_context, ticked, SavedQuery};
use crate::error::{AppError, AppResult};
use crate::services::filters::{self, Expiry, FilterInput, FullFilter, KeywordInput, CONTEXTS};
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::templates::render_status;

/// The expiry choices (seconds; "" never expires, "keep" leaves an edited filter's as it is).
const EXPIRIES: [&str; 7] = ["", "1800", "3600", "21600", "43200", "86400", "604800"];
/// The actions a filter can take (`blur` is for media, which these pages do not offer yet).
const ACTIONS: [&str; 2] = ["warn", "hide"];
/// Blank keyword rows offered beyond the filter's own.
const NEW_ROWS: usize = 3;

#[derive(Debug, Default, Deserialize)]
pub struct FilterForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    filter_action: String,
    #[serde(default)]
    expires_in: String,
    #[serde(default)]
    keywords_attributes: Option<Value>,
}

#[derive(Debug, Default, Serialize)]
struct KeywordView {
    id: String,
    keyword: String,
    whole_word: bool,
    destroy: bool,
}

#[derive(Debug, Serialize)]
struct FilterView {
    title: String,
    context: Vec<String>,
    filter_action: String,
    expires_in: String,
    expires_at: Option<String>,
    keywords: Vec<KeywordView>,
}

/// A filter as the list shows it.
#[derive(Debug, Serialize)]
struct FilterItem {
    id: String,
    title: String,
    context: Vec<String>,
    filter_action: String,
    expires_at: Option<String>,
    expired: bool,
    keywords: Vec<String>,
}

fn padded(mut rows: Vec<KeywordView>) -> Vec<KeywordView> {
    for _ in 0..NEW_ROWS {
        rows.push(KeywordView {
            whole_word: true,
            ..KeywordView::default()
        });
    }
    rows
}

fn view_of(f: &FullFilter) -> FilterView {
    FilterView {
        title: f.row.title.clone(),
        context: f.contexts().into_iter().map(String::from).collect(),
        filter_action: f.row.action.clone(),
        expires_in: if f.row.expires_at.is_some() {
            "keep".into()
        } else {
            String::new()
        },
        expires_at: f.row.expires_at.map(crate::time::iso),
        keywords: padded(
            f.keywords
                .iter()
                .map(|k| KeywordView {
                    id: k.id.to_string(),
                    keyword: k.keyword.clone(),
                    whole_word: k.whole_word != 0,
                    destroy: false,
                })
                .collect(),
        ),
    }
}

/// The strings of `context[]` (a list, or one value).
fn strings(v: &Option<Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        Some(Value::Object(m)) => m
            .values()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// The keyword rows as typed, in order.
fn typed_keywords(v: &Option<Value>) -> Vec<KeywordView> {
    let items: Vec<&Value> = match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(m)) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or(u32::MAX));
            entries.into_iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    };
    let text = |item: &Value, key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    items
        .into_iter()
        .map(|item| KeywordView {
            id: text(item, "id"),
            keyword: text(item, "keyword"),
            whole_word: ticked(&item.get("whole_word").cloned()),
            destroy: ticked(&item.get("_destroy").cloned()),
        })
        .collect()
}

fn typed_view(f: &FilterForm) -> FilterView {
    FilterView {
        title: f.title.clone(),
        context: strings(&f.context),
        filter_action: f.filter_action.clone(),
        expires_in: f.expires_in.clone(),
        expires_at: None,
        keywords: typed_keywords(&f.keywords_attributes),
    }
}

/// The service's input for what the form holds.
fn input_of(view: &FilterView) -> AppResult<FilterInput> {
    let expires_in = match view.expires_in.trim() {
        "keep" => Expiry::Keep,
        "" => Expiry::Never,
        s => Expiry::In(s.parse().map_err(|_| {
            AppError::validation("expires_in", "ERR_INVALID", "is not one of the choices")
        })?),
    };
    let keywords = view
        .keywords
        .iter()
        .filter(|k| !(k.id.is_empty() && k.keyword.trim().is_empty()))
        .map(|k| KeywordInput {
            id: Some(k.id.clone()).filter(|i| !i.is_empty()),
            keyword: Some(k.keyword.clone()),
            whole_word: Some(k.whole_word),
            destroy: k.destroy || k.keyword.trim().is_empty(),
        })
        .collect();
    Ok(FilterInput {
        title: Some(view.title.clone()),
        context: Some(view.context.clone()),
        action: Some(view.filter_action.clone()),
        expires_in,
        keywords,
    })
}

fn draw_form(
    state: &AppState,
    me: &SignedIn,
    id: Option<&str>,
    view: &FilterView,
    errors: &HashMap<String, String>,
    status: StatusCode,
) -> Response {
    let mut ctx = settings_context(state, me, "filters");
    ctx.insert("filter_id", &id);
    ctx.insert("form", view);
    ctx.insert("errors", errors);
    ctx.insert("contexts", CONTEXTS);
    ctx.insert("actions", &ACTIONS);
    ctx.insert("expiries", &EXPIRIES);
    render_status(state, status, "settings/filter_edit.html", &ctx)
}

/// `GET /settings/filters`.
pub async fn index(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    let result = async {
        let now = state.clock.now_micros();
        let items: Vec<FilterItem> = filters::all(&state, me.account_id())
            .await?
            .iter()
            .map(|f| FilterItem {
                id: f.row.id.to_string(),
                title: f.row.title.clone(),
                context: f.contexts().into_iter().map(String::from).collect(),
                filter_action: f.row.action.clone(),
                expires_at: f.row.expires_at.map(crate::time::iso),
                expired: f.row.expires_at.is_some_and(|t| t <= now),
                keywords: f.keywords.iter().map(|k| k.keyword.clone()).collect(),
            })
            .collect();
        let mut ctx = settings_context(&state, &me, "filters");
        ctx.insert("filters", &items);
        ctx.insert("saved", &q.is_saved());
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "settings/filters.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| me.error(&state, e))
}

/// `GET /settings/filters/new`.
pub async fn new(State(state): State<AppState>, me: SignedIn) -> Response {
    let view = FilterView {
        title: String::new(),
        context: vec![
            "home".into(),
            "notifications".into(),
            "public".into(),
            "thread".into(),
        ],
        filter_action: "warn".into(),
        expires_in: String::new(),
        expires_at: None,
        keywords: padded(Vec::new()),
    };
    draw_form(&state, &me, None, &view, &HashMap::new(), StatusCode::OK)
}

/// `GET /settings/filters/{id}` (another member's filter is not found).
pub async fn edit(State(state): State<AppState>, me: SignedIn, Path(id): Path<String>) -> Response {
    match filters::get(&state, me.account_id(), &id).await {
        Ok(f) => draw_form(
            &state,
            &me,
            Some(&id),
            &view_of(&f),
            &HashMap::new(),
            StatusCode::OK,
        ),
        Err(e) => me.error(&state, e),
    }
}

fn refused(
    state: &AppState,
    me: &SignedIn,
    id: Option<&str>,
    view: &FilterView,
    e: AppError,
) -> Response {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return me.error(state, e);
    }
    let mut errors = field_errors(&e, "form");
    // Beside its field in the reader's language.
    for text in errors.values_mut() {
        *text = crate::web::member_tools::messages::localized_text(me.session.locale, text);
    }
    if let Some(m) = errors.remove("keyword") {
        errors.insert("keywords".into(), m);
    }
    draw_form(
        state,
        me,
        id,
        view,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// `POST /settings/filters`: a new filter, as `POST /api/v2/filters`.
pub async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<FilterForm>,
) -> Response {
    let view = typed_view(&f);
    let done = match input_of(&view) {
        Ok(input) => filters::create(&state, me.account_id(), input)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to("/settings/filters?saved=1").into_response(),
        Err(e) => refused(&state, &me, None, &view, e),
    }
}

/// `POST /settings/filters/{id}`: a change, as `PUT /api/v2/filters/{id}`.
pub async fn update(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<FilterForm>,
) -> Response {
    let view = typed_view(&f);
    let done = match input_of(&view) {
        Ok(input) => filters::update(&state, me.account_id(), &id, input)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to("/settings/filters?saved=1").into_response(),
        Err(e) => refused(&state, &me, Some(&id), &view, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /settings/filters/{id}/delete`, as `DELETE /api/v2/filters/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match filters::delete(&state, me.account_id(), &id).await {
        Ok(()) => Redirect::to("/settings/filters?saved=1").into_response(),
        Err(e) => me.error(&state, e),
    }
}
