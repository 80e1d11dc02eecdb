//! Lists: `/lists` (the member's lists and a form to make one), `/lists/ID` (the list's
//! timeline, its settings, its members, and a search among followed accounts to add more).
//! Each change goes through the service behind the API's `/api/v1/lists…` call.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::super::form::{CsrfForm, SignedIn};
use super::super::templates::{page_context, render_status};
use super::{back, errors_of};
use crate::entities::{Account, List};
use crate::error::{AppError, AppResult};
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::paging::Page;
use crate::services::lists::{self, ListInput};
use crate::services::render::{self, Viewer};
use crate::services::search::{self, AccountSearch};
use crate::state::AppState;

const POLICIES: &[&str] = &["list", "followed", "none"];
const FIELDS: &[&str] = &["title", "replies_policy"];

/// A list's settings, as the API names them.
#[derive(Debug, Deserialize, Serialize)]
pub struct ListForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    replies_policy: String,
    #[serde(default)]
    exclusive: Option<String>,
}

impl Default for ListForm {
    fn default() -> Self {
        ListForm {
            title: String::new(),
            replies_policy: "list".into(),
            exclusive: None,
        }
    }
}

impl ListForm {
    fn input(&self) -> ListInput {
        ListInput {
            title: Some(self.title.clone()),
            replies_policy: Some(self.replies_policy.clone()).filter(|p| !p.is_empty()),
            exclusive: Some(self.exclusive.as_deref().is_some_and(|v| !v.is_empty())),
        }
    }
}

async fn index_page(
    state: &AppState,
    signed: &SignedIn,
    form: &ListForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let all: Vec<List> = lists::all(state, &signed.me)
        .await?
        .iter()
        .map(List::from_row)
        .collect();
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("lists", &all);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert("policies", POLICIES);
    Ok(render_status(state, status, "social/lists.html", &ctx))
}

/// `GET /lists`
pub async fn index(State(state): State<AppState>, signed: SignedIn) -> Response {
    index_page(
        &state,
        &signed,
        &ListForm::default(),
        &HashMap::new(),
        StatusCode::OK,
    )
    .await
    .unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/lists`: a new list, then its page.
pub async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<ListForm>,
) -> Response {
    match lists::create(&state, &signed.me, form.input()).await {
        Ok(row) => Redirect::to(&format!("/lists/{}", row.id)).into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = errors_of(signed.session.locale, &e, FIELDS, "title");
            index_page(
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

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    q: String,
}

/// A settings form that failed: what was typed and the message by field.
struct Failed<'a> {
    form: &'a ListForm,
    errors: HashMap<&'static str, String>,
}

/// The list page: its settings as stored, or as typed with errors (`failed`, a 422).
async fn show_page(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    p: &PageParams,
    q: &str,
    failed: Option<Failed<'_>>,
) -> AppResult<Response> {
    let me = &signed.me;
    let row = lists::get(state, me, id).await?;
    let list = List::from_row(&row);
    let page = p.page(20, 40);
    let rows = lists::timeline(state, me, id, &page).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let viewer = Viewer(Some(me.account.id));
    let statuses = render::statuses(state, viewer, &rows).await?;
    let statuses = crate::services::filters::apply(state, viewer, "home", statuses).await?;
    let members: Vec<Account> = lists::members(state, me, id, &Page::first(0))
        .await?
        .iter()
        .map(|a| Account::from_row(state, a, &[]))
        .collect();
    // Candidates: accounts the member follows, not yet on the list.
    let candidates: Vec<Account> = if q.trim().is_empty() {
        Vec::new()
    } else {
        let found = search::accounts_v1(
            state,
            me.account.id,
            &AccountSearch {
                q: q.to_string(),
                limit: Some(20),
                offset: None,
                following: true,
            },
        )
        .await?;
        found
            .into_iter()
            .filter(|a| !members.iter().any(|m| m.id == a.id))
            .collect()
    };
    let own = ListForm {
        title: list.title.clone(),
        replies_policy: list.replies_policy.clone(),
        exclusive: list.exclusive.then(|| "true".to_string()),
    };
    let path = format!("/lists/{}", list.id);
    let mut ctx = page_context(state, &signed.session, Some(&me.account.username));
    super::super::public::pager(&mut ctx, &path, &page, &cursors);
    ctx.insert("list", &list);
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match &failed {
        Some(f) => {
            ctx.insert("form", f.form);
            ctx.insert("errors", &f.errors);
        }
        None => {
            ctx.insert("form", &own);
            ctx.insert("errors", &HashMap::<&str, String>::new());
        }
    }
    ctx.insert("policies", POLICIES);
    ctx.insert("statuses", &statuses);
    ctx.insert("members", &members);
    ctx.insert("candidates", &candidates);
    ctx.insert("q", q);
    ctx.insert("searched", &!q.trim().is_empty());
    ctx.insert("here", &path);
    Ok(render_status(state, status, "social/list.html", &ctx))
}

/// `GET /lists/{id}` (`?q=` searches followed accounts to add).
pub async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
    Query(q): Query<ShowQuery>,
) -> Response {
    show_page(&state, &signed, &id, &p, &q.q, None)
        .await
        .unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/lists/{id}`: rename, replies policy, exclusive.
pub async fn update(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ListForm>,
) -> Response {
    match lists::update(&state, &signed.me, &id, form.input()).await {
        Ok(row) => Redirect::to(&format!("/lists/{}", row.id)).into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let failed = Failed {
                form: &form,
                errors: errors_of(signed.session.locale, &e, FIELDS, "title"),
            };
            show_page(
                &state,
                &signed,
                &id,
                &PageParams::default(),
                "",
                Some(failed),
            )
            .await
            .unwrap_or_else(|e| signed.error(&state, e))
        }
        Err(e) => signed.error(&state, e),
    }
}

/// `POST /web/lists/{id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::BackForm>,
) -> Response {
    match lists::delete(&state, &signed.me, &id).await {
        Ok(()) => Redirect::to("/lists").into_response(),
        Err(e) => signed.error(&state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MembersForm {
    #[serde(default, deserialize_with = "lenient::strings")]
    account_ids: Vec<String>,
    #[serde(default)]
    return_to: String,
}

/// `POST /web/lists/{id}/add` and `/remove` (`account_ids[]`, as the API).
pub async fn members(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    uri: Uri,
    CsrfForm(form): CsrfForm<MembersForm>,
) -> Response {
    let result: AppResult<()> = if uri.path().ends_with("/add") {
        lists::add(&state, &signed.me, &id, &form.account_ids).await
    } else if uri.path().ends_with("/remove") {
        lists::remove(&state, &signed.me, &id, &form.account_ids).await
    } else {
        Err(AppError::not_found())
    };
    match result {
        Ok(()) => back(&state, &form.return_to, &format!("/lists/{id}")),
        Err(e) => signed.error(&state, e),
    }
}
