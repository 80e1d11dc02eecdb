//! A profile's actions beyond follow: mute (for a while, notifications too), unmute, block,
//! unblock, notify on posts (the follow's `notify`), the lists that hold the account; and the
//! follow requests waiting for the member. Each through the service behind the same API call
//! (`POST /api/v1/accounts/:id/{mute,unmute,block,unblock,follow}`, `…/lists`,
//! `POST /api/v1/follow_requests/:id/{authorize,reject}`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::super::form::{CsrfForm, SignedIn};
use super::super::templates::{page_context, render_status};
use super::{back, BackForm};
use crate::entities::{Account, List};
use crate::error::{AppError, AppResult};
use crate::http::pagination::PageParams;
use crate::services::{lists, social};
use crate::state::AppState;

/// The durations the mute form offers, in seconds (0: until unmuted), as Mastodon's.
const DURATIONS: &[(u64, &str)] = &[
    (0, "mute-duration-forever"),
    (1800, "mute-duration-30m"),
    (3600, "mute-duration-1h"),
    (21600, "mute-duration-6h"),
    (86400, "mute-duration-1d"),
    (259200, "mute-duration-3d"),
    (604800, "mute-duration-7d"),
];

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct MuteForm {
    #[serde(default)]
    duration: String,
    #[serde(default)]
    notifications: Option<String>,
    #[serde(default)]
    return_to: String,
}

async fn mute_form(
    state: &AppState,
    signed: &SignedIn,
    id: &str,
    form: &MuteForm,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let target = social::target(state, id).await?;
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("account", &Account::from_row(state, &target, &[]));
    ctx.insert("durations", DURATIONS);
    ctx.insert("form", form);
    ctx.insert("errors", errors);
    Ok(render_status(state, status, "social/mute.html", &ctx))
}

/// `GET /web/accounts/{id}/mute`: how long, and whether notifications too.
pub async fn mute_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(back_to): Query<BackForm>,
) -> Response {
    let form = MuteForm {
        duration: "0".into(),
        notifications: Some("true".into()),
        return_to: back_to.return_to,
    };
    mute_form(&state, &signed, &id, &form, &HashMap::new(), StatusCode::OK)
        .await
        .unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/accounts/{id}/mute`
pub async fn mute(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MuteForm>,
) -> Response {
    let result = async {
        let target = social::target(&state, &id).await?;
        let duration = match form.duration.trim() {
            "" => None,
            d => Some(d.parse::<u64>().map_err(|_| {
                AppError::validation("duration", "invalid", "must be a number of seconds")
            })?),
        };
        let notifications = form.notifications.as_deref().is_some_and(|v| !v.is_empty());
        social::mute(&state, &signed.me, &target, notifications, duration).await?;
        Ok::<_, AppError>(target)
    }
    .await;
    match result {
        Ok(target) => back(
            &state,
            &form.return_to,
            &profile_path(&target.username, &target.domain),
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = super::errors_of(signed.session.locale, &e, &["duration"], "duration");
            mute_form(
                &state,
                &signed,
                &id,
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

/// An account's page on this site.
fn profile_path(username: &str, domain: &str) -> String {
    if domain.is_empty() {
        format!("/@{username}")
    } else {
        format!("/@{username}@{domain}")
    }
}

/// `POST /web/accounts/{id}/{unmute,block,unblock,notify,unnotify}` (the path decides).
pub async fn act(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    uri: Uri,
    CsrfForm(form): CsrfForm<BackForm>,
) -> Response {
    let action = uri.path().rsplit('/').next().unwrap_or("").to_string();
    let result = async {
        let target = social::target(&state, &id).await?;
        let me = &signed.me;
        match action.as_str() {
            "unmute" => social::unmute(&state, me, &target).await?,
            "block" => social::block(&state, me, &target).await?,
            "unblock" => social::unblock(&state, me, &target).await?,
            "notify" => social::follow(&state, me, &target, None, Some(true)).await?,
            "unnotify" => social::follow(&state, me, &target, None, Some(false)).await?,
            _ => return Err(AppError::not_found()),
        }
        Ok(profile_path(&target.username, &target.domain))
    }
    .await;
    match result {
        Ok(profile) => back(&state, &form.return_to, &profile),
        Err(e) => signed.error(&state, e),
    }
}

#[derive(Serialize)]
struct ListChoice {
    list: List,
    holds: bool,
}

/// `GET /web/accounts/{id}/lists`: the member's lists, each with add or remove for the account.
pub async fn lists_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let target = social::target(&state, &id).await?;
        let holding = lists::holding(&state, &signed.me, &id).await?;
        let choices: Vec<ListChoice> = lists::all(&state, &signed.me)
            .await?
            .iter()
            .map(|row| ListChoice {
                list: List::from_row(row),
                holds: holding.iter().any(|h| h.id == row.id),
            })
            .collect();
        let relationship = social::relationship(&state, signed.account_id(), target.id).await?;
        let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
        ctx.insert("account", &Account::from_row(&state, &target, &[]));
        ctx.insert("choices", &choices);
        ctx.insert("following", &relationship.following);
        ctx.insert("here", &format!("/web/accounts/{id}/lists"));
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "social/account_lists.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// `GET /follow_requests`: who asks to follow the member.
pub async fn follow_requests(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    let result = async {
        let page = p.page(40, 80);
        let found = social::follow_requests(&state, signed.account_id(), &page).await?;
        let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
        super::super::public::pager(&mut ctx, "/follow_requests", &page, &found.cursors);
        ctx.insert("accounts", &found.accounts);
        ctx.insert("here", "/follow_requests");
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "social/follow_requests.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// `POST /web/follow_requests/{id}/{authorize,reject}`
pub async fn answer_request(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((id, answer)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<BackForm>,
) -> Response {
    let result = async {
        let accept = match answer.as_str() {
            "authorize" => true,
            "reject" => false,
            _ => return Err(AppError::not_found()),
        };
        let requester = social::target(&state, &id).await?;
        social::answer_request(&state, &signed.me, &requester, accept).await
    }
    .await;
    match result {
        Ok(()) => back(&state, &form.return_to, "/follow_requests"),
        Err(e) => signed.error(&state, e),
    }
}
