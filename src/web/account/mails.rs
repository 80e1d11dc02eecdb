//! `/settings/mails` (which kinds of mail to receive) and `/unsubscribe` (the link every
//! optional mail carries: a page with one button, and RFC 8058's one-click POST from a mail
//! client), through `services::mail_prefs`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::http::session::WebSession;
use crate::services::mail_prefs as svc;
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::settings::{field_errors, settings_context, SavedQuery};
use crate::web::templates::{error_page, page_context, render_status};

/// `GET /settings/mails`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    draw(&state, &me, &HashMap::new(), q.is_saved(), StatusCode::OK).await
}

async fn draw(
    state: &AppState,
    me: &SignedIn,
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> Response {
    match svc::choices(state, me.account_id()).await {
        Ok(choices) => {
            let mut ctx = settings_context(state, me, "mails");
            ctx.insert("choices", &choices);
            ctx.insert("errors", errors);
            ctx.insert("saved", &saved);
            render_status(state, status, "account/mails.html", &ctx)
        }
        Err(e) => me.error(state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MailsForm {
    /// The kinds ticked (`mails[]`); a single one may arrive as a string.
    #[serde(default)]
    mails: Option<Value>,
}

/// `POST /settings/mails`.
pub async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<MailsForm>,
) -> Response {
    let on: Vec<String> = match f.mails {
        Some(Value::Array(a)) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s],
        _ => Vec::new(),
    };
    match svc::save(&state, me.account_id(), &on).await {
        Ok(()) => Redirect::to("/settings/mails?saved=1").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = field_errors(&e, "mails");
            draw(&state, &me, &errors, false, e.status).await
        }
        Err(e) => me.error(&state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /unsubscribe?token=`: says what the link turns off, with one button (a GET changes
/// nothing: mail scanners open links).
pub async fn confirm_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<TokenQuery>,
) -> Response {
    match svc::read_token(&state, &q.token).await {
        Ok((_, what)) => {
            let mut ctx = page_context(&state, &session, None);
            ctx.insert("what", &what);
            ctx.insert("token", &q.token);
            ctx.insert("done", &false);
            render_status(&state, StatusCode::OK, "account/unsubscribe.html", &ctx)
        }
        Err(e) => error_page(&state, &session, e),
    }
}

/// `POST /unsubscribe?token=`: the page's button, or a mail client's one-click POST (body
/// `List-Unsubscribe=One-Click`, no cookie). No CSRF token is asked: the signed token is
/// the proof, it names one account and one kind, and all it can do is turn that kind off.
pub async fn unsubscribe(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<TokenQuery>,
) -> Response {
    match svc::unsubscribe(&state, &q.token).await {
        Ok(what) => {
            let mut ctx = page_context(&state, &session, None);
            ctx.insert("what", &what);
            ctx.insert("token", &q.token);
            ctx.insert("done", &true);
            render_status(&state, StatusCode::OK, "account/unsubscribe.html", &ctx)
        }
        Err(e) => error_page(&state, &session, e),
    }
}
