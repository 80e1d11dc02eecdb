//! The signed-in pages: `/home` (compose at the top, then the home timeline) and the status
//! actions as plain forms (favourite, boost, bookmark, delete with a confirmation page). Each
//! form posts the API's field names, is checked for CSRF, calls the service the API calls,
//! and answers 303 back (post/redirect/get); an error shows the form again with the message
//! beside its field (422) and what was typed kept.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::auth::safe_return_to;
use super::form::CsrfUpload;
use super::form::{CsrfForm, SignedIn};
use super::templates::{error_page, page_context, render, render_status};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::http::pagination::PageParams;
use crate::http::session::WebSession;
use crate::services::statuses::{self, Interaction, NewStatus};
use crate::services::{reading, timelines};
use crate::state::AppState;

/// `local` is public and `local_only` (never federated), as Mastodon forks offer it.
const VISIBILITIES: [&str; 5] = ["public", "local", "unlisted", "private", "direct"];

/// The poll durations the compose form offers, in seconds.
const POLL_DURATIONS: [u64; 7] = [300, 1800, 3600, 21600, 86400, 259200, 604800];

/// What the compose form holds (the API's parameter names).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ComposeForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    in_reply_to_id: String,
    /// The post being quoted (Mastodon 4.5's `quoted_status_id`).
    #[serde(default)]
    quoted_status_id: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    sensitive: Option<String>,
    /// `poll[options][]`, `poll[expires_in]`, `poll[multiple]`, as the API reads them.
    #[serde(default)]
    poll: Option<serde_json::Value>,
    /// A `datetime-local` value, read as UTC.
    #[serde(default)]
    scheduled_at: String,
    /// Images already uploaded (kept when the form comes back with an error).
    #[serde(default, deserialize_with = "crate::http::lenient::strings")]
    media_ids: Vec<String>,
    /// The alt text and focal point of the image in `file` (the upload's fields).
    #[serde(default)]
    description: String,
    #[serde(default)]
    focus_x: String,
    #[serde(default)]
    focus_y: String,
    /// The other fields: the alt texts of the further images (`description_2` goes with
    /// `file_2`, …).
    #[serde(flatten, skip_serializing)]
    more: HashMap<String, serde_json::Value>,
}

impl ComposeForm {
    /// The poll's non-empty options, or `None` without any.
    fn poll_options(&self) -> Vec<String> {
        let options = self.poll.as_ref().and_then(|p| p.get("options"));
        let list: Vec<String> = match options {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        list.into_iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect()
    }

    /// The poll to post: options typed, else none.
    fn new_poll(&self) -> AppResult<Option<crate::services::polls::NewPoll>> {
        let options = self.poll_options();
        let Some(mut poll) = self.poll.clone().filter(|_| !options.is_empty()) else {
            return Ok(None);
        };
        if let Some(o) = poll.as_object_mut() {
            o.insert("options".into(), serde_json::json!(options));
        }
        crate::services::polls::parse(&poll).map(Some)
    }

    /// `scheduled_at` as RFC 3339: a browser's `2030-01-31T12:00` is taken as UTC.
    fn scheduled(&self) -> Option<String> {
        let s = self.scheduled_at.trim();
        match s.len() {
            0 => None,
            16 => Some(format!("{s}:00Z")),
            19 => Some(format!("{s}Z")),
            _ => Some(s.to_string()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyQuery {
    #[serde(default)]
    in_reply_to_id: Option<String>,
    #[serde(default)]
    quoted_status_id: Option<String>,
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
    // The quoted post, as this reader may see it (404 otherwise, as the API).
    let quoting = match form.quoted_status_id.as_str() {
        "" => None,
        id => Some(
            reading::thread(state, Some(me.account.id), id)
                .await?
                .status,
        ),
    };
    ctx.insert("quoting", &quoting);
    ctx.insert("visibilities", &VISIBILITIES);
    let mut options = form.poll_options();
    options.resize(4, String::new());
    ctx.insert("poll_options", &options);
    ctx.insert("poll_durations", &POLL_DURATIONS);
    ctx.insert(
        "poll_expires_in",
        &form
            .poll
            .as_ref()
            .and_then(|p| p.get("expires_in"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "86400".into()),
    );
    ctx.insert(
        "poll_multiple",
        &form
            .poll
            .as_ref()
            .and_then(|p| p.get("multiple"))
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())),
    );
    ctx.insert("max_characters", &state.config.limits.max_characters);
    // The further image slots the form offers (slot 1 is `file`): up to the instance's limit.
    let free =
        (state.config.limits.max_media_attachments as usize).saturating_sub(form.media_ids.len());
    let slots: Vec<usize> = (2..=free).collect();
    ctx.insert("media_slots", &slots);
    Ok(render_status(state, status, "pages/home.html", &ctx))
}

/// `GET /home`.
pub async fn home(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Query(p): Query<PageParams>,
    Query(reply): Query<ReplyQuery>,
) -> Response {
    let mut form = ComposeForm {
        visibility: me.user.default_privacy.clone(),
        language: me.user.default_language.clone(),
        ..ComposeForm::default()
    };
    if let Some(id) = reply.in_reply_to_id.filter(|s| !s.is_empty()) {
        form.in_reply_to_id = id;
    }
    if let Some(id) = reply.quoted_status_id.filter(|s| !s.is_empty()) {
        form.quoted_status_id = id;
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
    } else if m.contains("Description") {
        "description"
    } else if m.contains("Focus") {
        "focus_x"
    } else if m.contains("File") || m.contains("image") || m.contains("Media") {
        "file"
    } else if m.contains("Poll") || m.contains("poll") {
        "poll"
    } else if m.contains("Scheduled") {
        "scheduled_at"
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
    SignedIn { session, me }: SignedIn,
    CsrfUpload {
        data: mut form,
        files,
    }: CsrfUpload<ComposeForm>,
) -> Response {
    let local_only = form.visibility == "local";
    // An image chosen in the form is uploaded first, through the service behind
    // `POST /api/v2/media`; its id then rides in the form, so an error later keeps it.
    let file = files
        .iter()
        .find(|f| f.field == "file" && !f.bytes.is_empty());
    if let Some(file) = file {
        let focus = match (form.focus_x.trim(), form.focus_y.trim()) {
            ("", "") => None,
            (x, y) => Some(format!(
                "{},{}",
                if x.is_empty() { "0" } else { x },
                if y.is_empty() { "0" } else { y }
            )),
        };
        match crate::services::media::upload(
            &state,
            &me,
            Some(file),
            Some(form.description.as_str()),
            focus.as_deref(),
            // The page posts at once: a video is processed before it answers.
            true,
        )
        .await
        {
            Ok(row) => {
                form.media_ids.push(row.id.to_string());
                form.description.clear();
                form.focus_x.clear();
                form.focus_y.clear();
            }
            Err(e) => return compose_error(&state, &session, &me, &form, e).await,
        }
    }
    // Further images (`file_2` … up to the instance's limit), each with its own alt text;
    // the service refuses one too many as it does for the API.
    let extra = (2..=state.config.limits.max_media_attachments.max(1))
        .filter_map(|n| {
            let name = format!("file_{n}");
            let file = files
                .iter()
                .find(|f| f.field == name && !f.bytes.is_empty())?;
            let description = form
                .more
                .get(&format!("description_{n}"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            Some((file, description))
        })
        .collect::<Vec<_>>();
    for (file, description) in extra {
        if form.media_ids.len() >= state.config.limits.max_media_attachments as usize {
            let e = AppError::unprocessable(format!(
                "Validation failed: Cannot attach more than {} files",
                state.config.limits.max_media_attachments
            ));
            return compose_error(&state, &session, &me, &form, e).await;
        }
        match crate::services::media::upload(
            &state,
            &me,
            Some(file),
            Some(&description),
            None,
            true,
        )
        .await
        {
            Ok(row) => form.media_ids.push(row.id.to_string()),
            Err(e) => return compose_error(&state, &session, &me, &form, e).await,
        }
    }
    let posted = async {
        let new = NewStatus {
            text: form.status.clone(),
            spoiler_text: form.spoiler_text.clone(),
            sensitive: form.sensitive.as_deref().is_some_and(|v| !v.is_empty()),
            visibility: if local_only {
                Some("public".into())
            } else {
                Some(form.visibility.clone()).filter(|v| !v.is_empty())
            },
            local_only,
            in_reply_to_id: Some(form.in_reply_to_id.clone()).filter(|v| !v.is_empty()),
            language: Some(form.language.clone()).filter(|v| !v.is_empty()),
            idempotency_key: None,
            media_ids: form.media_ids.clone(),
            poll: form.new_poll()?,
            scheduled_at: form.scheduled(),
            quoted_status_id: Some(form.quoted_status_id.clone()).filter(|v| !v.is_empty()),
            quote_approval_policy: None,
            scheduled_status_id: None,
        };
        // Posts from the pages name no app (Mastodon's web client shows none either).
        statuses::post(&state, &me, 0, new).await
    };
    match posted.await {
        Ok(_) => (StatusCode::SEE_OTHER, [("location", "/home")]).into_response(),
        Err(e) => compose_error(&state, &session, &me, &form, e).await,
    }
}

/// The compose form again with the service's message beside its field (422), or the error
/// page for anything else.
async fn compose_error(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    form: &ComposeForm,
    e: AppError,
) -> Response {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return error_page(state, session, e);
    }
    let mut errors = HashMap::new();
    // Beside its field in the reader's language (`member_tools::messages`).
    let text = super::member_tools::messages::localized(session.locale, &e);
    errors.insert(field_of(&e), text);
    home_page(
        state,
        session,
        me,
        form,
        &errors,
        &PageParams::default(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
    .unwrap_or_else(|e| error_page(state, session, e))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    return_to: String,
}

/// `POST /web/statuses/{id}/{action}`: favourite, boost, bookmark and their undoing, or
/// delete (after its confirmation page), each through the service the API calls.
pub async fn act(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path((id, action)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    if super::fragments::wanted(&headers) && action != "delete" {
        // DESIGN §10: the changed fragment only (the status as this reader now sees it), for
        // herd.js to swap in place; plain post/redirect/get stays the answer otherwise.
        return match act_on_status(&state, &me, &id, &action).await {
            Ok(()) => status_fragment(&state, &session, &me, &id, &form.return_to).await,
            Err(e) => error_page(&state, &session, e),
        };
    }
    act_on(&state, &session, &me, &id, &action, &form).await
}

/// The status partial for `id` as `me` sees it now (an `X-Herd-Fragment` answer).
async fn status_fragment(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    id: &str,
    return_to: &str,
) -> Response {
    let result = async {
        let status = reading::thread(state, Some(me.account.id), id)
            .await?
            .status;
        let mut ctx = page_context(state, session, Some(&me.account.username));
        ctx.insert("s", &status);
        ctx.insert("here", &safe_return_to(state, return_to));
        render(state, "partials/status.html", &ctx)
    }
    .await;
    match result {
        Ok(html) => html.into_response(),
        Err(e) => error_page(state, session, e),
    }
}

/// `POST /web/statuses/{id}/delete`, the form of the confirmation page.
pub async fn delete(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    act_on(&state, &session, &me, &id, "delete", &form).await
}

async fn act_on(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    id: &str,
    action: &str,
    form: &ActionForm,
) -> Response {
    match act_on_status(state, me, id, action).await {
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

/// One status action through the service the API calls.
async fn act_on_status(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    action: &str,
) -> AppResult<()> {
    match action {
        "favourite" | "unfavourite" => {
            statuses::interact(state, me, id, Interaction::Favourite, action == "favourite")
                .await
                .map(drop)
        }
        "bookmark" | "unbookmark" => {
            statuses::interact(state, me, id, Interaction::Bookmark, action == "bookmark")
                .await
                .map(drop)
        }
        "reblog" => statuses::reblog(state, me, id, None).await.map(drop),
        "unreblog" => statuses::unreblog(state, me, id).await.map(drop),
        "delete" => statuses::delete(state, me, id).await.map(drop),
        _ => Err(AppError::not_found()),
    }
}

/// `GET /web/statuses/{id}/delete`: the confirmation page (a plain form works without
/// scripts; the author alone may delete).
pub async fn confirm_delete(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path(id): Path<String>,
) -> Response {
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

async fn timeline_page(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    local: bool,
    p: &PageParams,
) -> Response {
    let path = if local { "/local" } else { "/federated" };
    let result = async {
        let page = p.page(20, 40);
        let scope = timelines::Scope {
            local,
            ..timelines::Scope::default()
        };
        let t = timelines::public(state, Some(me.account.id), scope, &page).await?;
        let mut ctx = page_context(state, session, Some(&me.account.username));
        super::public::pager(&mut ctx, path, &page, &t.cursors);
        let heading = if local {
            "local-heading"
        } else {
            "federated-heading"
        };
        ctx.insert("heading", &crate::i18n::text(session.locale, heading));
        ctx.insert("statuses", &t.statuses);
        ctx.insert("here", path);
        Ok::<_, AppError>(render(state, "pages/timeline.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(state, session, e))
}

/// `GET /local`: this server's public posts.
pub async fn local(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    timeline_page(&state, &session, &me, true, &p).await
}

/// `GET /federated`: public posts from everywhere this server knows.
pub async fn federated(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    timeline_page(&state, &session, &me, false, &p).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NotificationQuery {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// The filter tabs of /notifications: (type, label key, the API types it selects).
const NOTIFICATION_FILTERS: &[(&str, &str, &[&str])] = &[
    ("", "notifications-all", &[]),
    ("mention", "notifications-mentions", &["mention"]),
    ("favourite", "notifications-favourites", &["favourite"]),
    ("reblog", "notifications-boosts", &["reblog"]),
    (
        "follow",
        "notifications-follows",
        &["follow", "follow_request"],
    ),
];

#[derive(Serialize)]
struct Filter {
    kind: &'static str,
    label: String,
}

#[derive(Serialize)]
pub struct NotificationView {
    label: String,
    item: crate::entities::Notification,
}

/// A notification with what happened in the reader's language, as the notification partial
/// shows it (this page, and the live connection's fragments).
pub fn notification_view(
    locale: crate::i18n::Locale,
    n: crate::entities::Notification,
) -> NotificationView {
    let name = if n.account.display_name.is_empty() {
        n.account.username.clone()
    } else {
        n.account.display_name.clone()
    };
    NotificationView {
        label: crate::i18n::text_with(locale, notification_key(&n.kind), &[("name", &name)]),
        item: n,
    }
}

/// The message key of a notification type (one the catalogue has, whatever the type).
fn notification_key(kind: &str) -> &'static str {
    match kind {
        "mention" => "notification-mention",
        "status" => "notification-status",
        "reblog" => "notification-reblog",
        "follow" => "notification-follow",
        "follow_request" => "notification-follow_request",
        "favourite" => "notification-favourite",
        "poll" => "notification-poll",
        "update" => "notification-update",
        _ => "notification-other",
    }
}

/// `GET /notifications` (`?type=mention|favourite|reblog|follow` filters).
pub async fn notifications(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Query(p): Query<PageParams>,
    Query(q): Query<NotificationQuery>,
) -> Response {
    let result = async {
        let current = q.kind.unwrap_or_default();
        let (kind, _, types) = NOTIFICATION_FILTERS
            .iter()
            .find(|(k, _, _)| *k == current)
            .ok_or_else(AppError::not_found)?;
        let types: Vec<String> = types.iter().map(|t| t.to_string()).collect();
        let page = p.page(40, 80);
        let choice = crate::services::notifications::Choice {
            types: &types,
            exclude: &[],
            from_account: None,
            include_filtered: false,
        };
        let (items, cursors) =
            crate::services::notifications::list(&state, me.account.id, choice, &page).await?;
        let items: Vec<NotificationView> = items
            .into_iter()
            .map(|n| notification_view(session.locale, n))
            .collect();
        let filters: Vec<Filter> = NOTIFICATION_FILTERS
            .iter()
            .map(|(k, label, _)| Filter {
                kind: k,
                label: crate::i18n::text(session.locale, label),
            })
            .collect();
        let mut ctx = page_context(&state, &session, Some(&me.account.username));
        let path = if kind.is_empty() {
            "/notifications".to_string()
        } else {
            format!("/notifications?type={kind}")
        };
        super::public::pager(&mut ctx, "/notifications", &page, &cursors);
        if !kind.is_empty() {
            // Keep the filter on the pager's links.
            for key in ["older", "newer"] {
                if let Some(v) = ctx.get(key).and_then(|v| v.as_str()).map(String::from) {
                    if !v.is_empty() {
                        let joined = if v.contains('?') {
                            format!("{v}&type={kind}")
                        } else {
                            format!("{v}?type={kind}")
                        };
                        ctx.insert(key, &joined);
                    }
                }
            }
        }
        ctx.insert("items", &items);
        ctx.insert("filters", &filters);
        ctx.insert("current", kind);
        ctx.insert("here", &path);
        Ok::<_, AppError>(render(&state, "pages/notifications.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

/// `POST /web/accounts/{id}/{follow,unfollow}`: the profile's button, through the services
/// behind the API's follow and unfollow (a locked account gets a request; unfollow also
/// withdraws one).
pub async fn account_act(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Path((id, action)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Response {
    let result = async {
        let target = crate::services::social::target(&state, &id).await?;
        match action.as_str() {
            "follow" => crate::services::social::follow(&state, &me, &target, None, None).await,
            "unfollow" => crate::services::social::unfollow(&state, &me, &target).await,
            _ => Err(AppError::not_found()),
        }
    }
    .await;
    match result {
        // The profile's relationship buttons as they now are, for herd.js to swap in place.
        Ok(()) if super::fragments::wanted(&headers) => {
            super::fragments::relationship(&state, &session, &me, &id, &form.return_to)
                .await
                .unwrap_or_else(|e| error_page(&state, &session, e))
        }
        Ok(()) => Redirect::to(&safe_return_to(&state, &form.return_to)).into_response(),
        Err(e) => error_page(&state, &session, e),
    }
}

/// `GET /bookmarks` and `/favourites`: the member's marked posts, newest mark first.
pub async fn marked(
    State(state): State<AppState>,
    SignedIn { session, me }: SignedIn,
    Query(p): Query<PageParams>,
    uri: axum::http::Uri,
) -> Response {
    let bookmarks = uri.path() == "/bookmarks";
    let path = if bookmarks {
        "/bookmarks"
    } else {
        "/favourites"
    };
    let result = async {
        let page = p.page(20, 40);
        let which = if bookmarks {
            timelines::Marked::Bookmarks
        } else {
            timelines::Marked::Favourites
        };
        let t = timelines::marked(&state, me.account.id, which, &page).await?;
        let mut ctx = page_context(&state, &session, Some(&me.account.username));
        super::public::pager(&mut ctx, path, &page, &t.cursors);
        let heading = if bookmarks {
            "nav-bookmarks"
        } else {
            "nav-favourites"
        };
        ctx.insert("heading", &crate::i18n::text(session.locale, heading));
        ctx.insert("statuses", &t.statuses);
        ctx.insert("here", path);
        Ok::<_, AppError>(render(&state, "pages/timeline.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}
