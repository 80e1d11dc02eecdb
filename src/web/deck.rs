//! `/deck`: several columns side by side (home, notifications, local, federated, a hashtag,
//! one of the member's lists, the co-op's open proposals), chosen, removed and moved by plain
//! forms and saved on the server (services/deck.rs). Each column is read through its feed's
//! own service, so it shows what that page shows; with scripts on, the one live connection
//! (web/live.rs) feeds every column.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::form::{CsrfForm, SignedIn};
use super::templates::{page_context, render_status};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::paging::Page;
use crate::services::deck::{self, Column};
use crate::services::render::{self, Viewer};
use crate::services::{lists, timelines};
use crate::state::AppState;

/// One column as the page draws it.
#[derive(Serialize, Default)]
struct ColumnView {
    key: String,
    kind: String,
    title: String,
    statuses: Vec<crate::entities::Status>,
    notifications: Vec<super::client::NotificationView>,
    proposals: Vec<crate::entities::coop::Proposal>,
    /// Why the column shows nothing (a list deleted since, proposals for members only).
    error: Option<String>,
}

fn column_title(locale: Locale, c: &Column, list_title: Option<&str>) -> String {
    match c.kind.as_str() {
        "tag" => format!("#{}", c.arg),
        "list" => list_title.unwrap_or(&c.arg).to_string(),
        k => i18n::text(locale, &format!("deck-kind-{k}")),
    }
}

/// A column's first page, through the service its own page calls.
async fn fill(state: &AppState, signed: &SignedIn, c: &Column) -> AppResult<ColumnView> {
    let me = signed.account_id();
    let locale = signed.session.locale;
    let page = Page::first(20);
    let mut view = ColumnView {
        key: c.key(),
        kind: c.kind.clone(),
        ..ColumnView::default()
    };
    let mut list_title = None;
    match c.kind.as_str() {
        "home" => view.statuses = timelines::home(state, me, &page).await?.statuses,
        "local" | "federated" => {
            let scope = timelines::Scope {
                local: c.kind == "local",
                ..timelines::Scope::default()
            };
            view.statuses = timelines::public(state, Some(me), scope, &page)
                .await?
                .statuses;
        }
        "tag" => {
            let tags = timelines::Tags {
                tag: &c.arg,
                any: &[],
                all: &[],
                none: &[],
            };
            view.statuses =
                timelines::tagged(state, Some(me), tags, timelines::Scope::default(), &page)
                    .await?
                    .statuses;
        }
        "list" => {
            let row = lists::get(state, &signed.me, &c.arg).await?;
            list_title = Some(row.title.clone());
            let rows = lists::timeline(state, &signed.me, &c.arg, &page).await?;
            let viewer = Viewer(Some(me));
            let statuses = render::statuses(state, viewer, &rows).await?;
            view.statuses =
                crate::services::filters::apply(state, viewer, "home", statuses).await?;
        }
        "notifications" => {
            let choice = crate::services::notifications::Choice {
                types: &[],
                exclude: &[],
                from_account: None,
                include_filtered: false,
            };
            let (items, _) =
                crate::services::notifications::list(state, me, choice, &Page::first(20)).await?;
            view.notifications = items
                .into_iter()
                .map(|n| super::client::notification_view(locale, n))
                .collect();
        }
        "proposals" => {
            let (list, _) =
                crate::services::proposals::proposals_page(state, me, Some("open"), &page).await?;
            view.proposals = list;
        }
        _ => return Err(AppError::not_found()),
    }
    view.title = column_title(locale, c, list_title.as_deref());
    Ok(view)
}

/// The add form's choices: the plain kinds, then each of the member's lists.
#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

/// What the add form holds.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AddForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    arg: String,
}

async fn deck_page(
    state: &AppState,
    signed: &SignedIn,
    form: &AddForm,
    errors: &HashMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let locale = signed.session.locale;
    let mut columns = Vec::new();
    for c in deck::columns(state, signed.account_id()).await? {
        let view = match fill(state, signed, &c).await {
            Ok(v) => v,
            Err(e) => ColumnView {
                key: c.key(),
                kind: c.kind.clone(),
                title: column_title(locale, &c, None),
                error: Some(e.description.clone().unwrap_or(e.message)),
                ..ColumnView::default()
            },
        };
        columns.push(view);
    }
    let mut choices: Vec<Choice> = deck::KINDS
        .iter()
        .filter(|k| **k != "list")
        .map(|k| Choice {
            value: (*k).to_string(),
            label: i18n::text(locale, &format!("deck-kind-{k}")),
        })
        .collect();
    for l in lists::all(state, &signed.me).await? {
        choices.push(Choice {
            value: format!("list:{}", l.id),
            label: i18n::text_with(locale, "deck-kind-list", &[("title", &l.title)]),
        });
    }
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("columns", &columns);
    ctx.insert("choices", &choices);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert("here", "/deck");
    ctx.insert("max_columns", &deck::MAX_COLUMNS);
    Ok(render_status(state, status, "live/deck.html", &ctx))
}

/// `GET /deck`.
pub async fn show(State(state): State<AppState>, signed: SignedIn) -> Response {
    deck_page(
        &state,
        &signed,
        &AddForm::default(),
        &HashMap::new(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /deck/columns`: adds a column (`kind`; a hashtag in `arg`; a list as `list:ID`).
pub async fn add(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Response {
    let (kind, arg) = match form.kind.split_once(':') {
        Some((k, a)) => (k.to_string(), a.to_string()),
        None => (form.kind.clone(), form.arg.clone()),
    };
    match deck::add(&state, &signed.me, &kind, &arg).await {
        Ok(_) => Redirect::to("/deck").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let (field, text) = field_message(&e);
            let errors = HashMap::from([(field, text)]);
            deck_page(
                &state,
                &signed,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| signed.error(&state, e))
        }
        Err(e) => signed.error(&state, e),
    }
}

/// A validation error's field and message ("arg is not a hashtag …").
fn field_message(e: &AppError) -> (String, String) {
    e.details
        .as_ref()
        .and_then(serde_json::Value::as_object)
        .and_then(|m| m.iter().next())
        .map(|(k, v)| {
            let text = v[0]["description"].as_str().unwrap_or_default();
            (k.clone(), text.to_string())
        })
        .unwrap_or_else(|| ("kind".into(), e.message.clone()))
}

#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// `POST /deck/columns/{index}/{remove|left|right}`.
pub async fn change(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((index, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Response {
    let change = match action.as_str() {
        "remove" => deck::Change::Remove,
        "left" => deck::Change::Left,
        "right" => deck::Change::Right,
        _ => return signed.error(&state, AppError::not_found()),
    };
    let Ok(index) = index.parse::<usize>() else {
        return signed.error(&state, AppError::not_found());
    };
    match deck::change(&state, signed.account_id(), index, change).await {
        Ok(_) => Redirect::to("/deck").into_response(),
        Err(e) => signed.error(&state, e),
    }
}
