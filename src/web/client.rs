//! The signed-in pages: `/home` (compose at the top, then the home timeline) and the status
//! actions as plain forms (favourite, boost, bookmark, delete with a confirmation page). Each
//! form posts the API's field names, is checked for CSRF, calls the service the API calls,
//! and answers 303 back (post/redirect/get); an error shows the form again with the message
//! beside its field (422) and what was typed kept.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::auth::safe_return_to;
use super::templates::{error_page, page_context, render, render_status};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::http::pagination::PageParams;
use crate::http::session::WebSession;
use crate::services::statuses::{self, Interaction, NewStatus};
use crate::services::{accounts, reading, timelines};
use crate::state::AppState;

const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// The signed-in user, or the sign-in page (returning here) for an anonymous reader.
async fn member(
    state: &AppState,
    session: &WebSession,
    back: &str,
) -> Result<CurrentUser, Response> {
    let Some(id) = session.account_id else {
        let target = format!(
            "/auth/sign_in?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", back)
                .finish()
        );
        return Err(Redirect::to(&target).into_response());
    };
    accounts::session_user(state, id)
        .await
        .map_err(|e| error_page(state, session, e))
}

/// What the compose form holds (the API's parameter names).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ComposeForm {
    #[serde(default, skip_serializing)]
    csrf_token: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    in_reply_to_id: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    sensitive: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyQuery {
    #[serde(default)]
    in_reply_to_id: Option<String>,
}

async fn home_page(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    form: &ComposeForm,
    errors: &HashMap<&str, String>,
    page: &PageParams,
    status: StatusCode,
) -> AppResult<Response> {
    let page = page.page(20, 40);
    let t = timelines::home(state, me.account.id, &page).await?;
    let replying = match form.in_reply_to_id.as_str() {
        "" => None,
        id => Some(
            reading::thread(state, Some(me.account.id), id)
                .await?
                .status,
        ),
    };
    let mut ctx = page_context(state, session, Some(&me.account.username));
    super::public::pager(&mut ctx, "/home", &page, &t.cursors);
    ctx.insert("statuses", &t.statuses);
    ctx.insert("here", "/home");
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    ctx.insert("replying", &replying);
    ctx.insert("visibilities", &VISIBILITIES);
    ctx.insert("max_characters", &state.config.limits.max_characters);
    Ok(render_status(state, status, "pages/home.html", &ctx))
}

/// `GET /home`.
pub async fn home(
    State(state): State<AppState>,
    session: WebSession,
    Query(p): Query<PageParams>,
    Query(reply): Query<ReplyQuery>,
) -> Response {
    let me = match member(&state, &session, "/home").await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut form = ComposeForm {
        visibility: me.user.default_privacy.clone(),
        language: me.user.default_language.clone(),
        ..ComposeForm::default()
    };
    if let Some(id) = reply.in_reply_to_id.filter(|s| !s.is_empty()) {
        form.in_reply_to_id = id;
    }
    let result = async {
        let mut form = form;
        // A reply starts with the author's handle, as Mastodon's compose box does.
        if !form.in_reply_to_id.is_empty() {
            let parent = reading::thread(&state, Some(me.account.id), &form.in_reply_to_id)
                .await?
                .status;
            if parent.account.acct != me.account.username {
                form.status = format!("@{} ", parent.account.acct);
            }
            if parent.visibility != "public" {
                form.visibility = parent.visibility.clone();
            }
        }
        home_page(
            &state,
            &session,
            &me,
            &form,
            &HashMap::new(),
            &p,
            StatusCode::OK,
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

/// Which field of the compose form a service's validation message is about.
fn field_of(err: &AppError) -> &'static str {
    let m = err.message.as_str();
    if m.contains("Spoiler") {
        "spoiler_text"
    } else if m.contains("Visibility") {
        "visibility"
    } else if m.contains("Language") {
        "language"
    } else {
        "status"
    }
}

/// `POST /web/statuses`: publishes through the service behind `POST /api/v1/statuses`.
pub async fn compose(
    State(state): State<AppState>,
    session: WebSession,
    Form(form): Form<ComposeForm>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    let me = match member(&state, &session, "/home").await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let new = NewStatus {
        text: form.status.clone(),
        spoiler_text: form.spoiler_text.clone(),
        sensitive: form.sensitive.as_deref().is_some_and(|v| !v.is_empty()),
        visibility: Some(form.visibility.clone()).filter(|v| !v.is_empty()),
        local_only: false,
        in_reply_to_id: Some(form.in_reply_to_id.clone()).filter(|v| !v.is_empty()),
        language: Some(form.language.clone()).filter(|v| !v.is_empty()),
        idempotency_key: None,
        media_ids: Vec::new(),
        poll: None,
        scheduled_at: None,
        scheduled_status_id: None,
    };
    // Posts from the pages name no app (Mastodon's web client shows none either).
    match statuses::post(&state, &me, 0, new).await {
        Ok(_) => (StatusCode::SEE_OTHER, [("location", "/home")]).into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = HashMap::new();
            let text = e
                .message
                .trim_start_matches("Validation failed: ")
                .to_string();
            errors.insert(field_of(&e), text);
            home_page(
                &state,
                &session,
                &me,
                &form,
                &errors,
                &PageParams::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
            .unwrap_or_else(|e| error_page(&state, &session, e))
        }
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    return_to: String,
}

/// `POST /web/statuses/{id}/{action}`: favourite, boost, bookmark and their undoing, or
/// delete (after its confirmation page), each through the service the API calls.
pub async fn act(
    State(state): State<AppState>,
    session: WebSession,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    act_on(&state, &session, &id, &action, &form).await
}

/// `POST /web/statuses/{id}/delete`, the form of the confirmation page.
pub async fn delete(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    act_on(&state, &session, &id, "delete", &form).await
}

async fn act_on(
    state: &AppState,
    session: &WebSession,
    id: &str,
    action: &str,
    form: &ActionForm,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(state, session, e);
    }
    let me = match member(state, session, "/home").await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let done: AppResult<()> = match action {
        "favourite" | "unfavourite" => statuses::interact(
            state,
            &me,
            id,
            Interaction::Favourite,
            action == "favourite",
        )
        .await
        .map(drop),
        "bookmark" | "unbookmark" => {
            statuses::interact(state, &me, id, Interaction::Bookmark, action == "bookmark")
                .await
                .map(drop)
        }
        "reblog" => statuses::reblog(state, &me, id, None).await.map(drop),
        "unreblog" => statuses::unreblog(state, &me, id).await.map(drop),
        "delete" => statuses::delete(state, &me, id).await.map(drop),
        _ => Err(AppError::not_found()),
    };
    match done {
        Ok(()) if action == "delete" => {
            Redirect::to(&format!("/@{}", me.account.username)).into_response()
        }
        Ok(()) => {
            let back = if form.return_to.is_empty() {
                "/home".to_string()
            } else {
                safe_return_to(state, &form.return_to)
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => error_page(state, session, e),
    }
}

/// `GET /web/statuses/{id}/delete`: the confirmation page (a plain form works without
/// scripts; the author alone may delete).
pub async fn confirm_delete(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
) -> Response {
    let me = match member(&state, &session, &format!("/web/statuses/{id}/delete")).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let result = async {
        let thread = reading::thread(&state, Some(me.account.id), &id).await?;
        if thread.status.account.id != me.account.id.to_string() {
            return Err(AppError::not_found());
        }
        let mut ctx = page_context(&state, &session, Some(&me.account.username));
        ctx.insert("status", &thread.status);
        Ok(render(&state, "pages/confirm_delete.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}
