//! `/settings/security`: the password (with the current one; every other session and token
//! signed out), the email address (changed once the link mailed to the new one is
//! followed) and search engines (`noindex`), through `services::account_settings`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AppError;
use crate::http::session::WebSession;
use crate::http::ClientIp;
use crate::i18n::text;
use crate::services::account_settings::{self as svc, Keep};
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::settings::{field_errors, settings_context, ticked, SavedQuery};
use crate::web::templates::{error_page, page_context, render_status};

#[derive(Debug, Default, Serialize)]
struct Typed {
    email: String,
}

async fn draw(
    state: &AppState,
    me: &SignedIn,
    form: &str,
    typed: &Typed,
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let email = svc::email_state(state, me.account_id()).await?;
        let noindex = svc::noindex(state, me.account_id()).await?;
        let two_factor = crate::services::two_factor::enabled(state, me.account_id()).await?;
        Ok::<_, AppError>((email, noindex, two_factor))
    }
    .await;
    match loaded {
        Ok((email, noindex, two_factor)) => {
            let mut ctx = settings_context(state, me, "security");
            ctx.insert("email", &email);
            ctx.insert("noindex", &noindex);
            ctx.insert("two_factor_on", &two_factor);
            ctx.insert("failed_form", form);
            ctx.insert("typed", typed);
            ctx.insert("errors", errors);
            ctx.insert("saved", &saved);
            render_status(state, status, "account/security.html", &ctx)
        }
        Err(e) => me.error(state, e),
    }
}

/// `GET /settings/security`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    draw(
        &state,
        &me,
        "",
        &Typed::default(),
        &HashMap::new(),
        q.is_saved(),
        StatusCode::OK,
    )
    .await
}

async fn refused(
    state: &AppState,
    me: &SignedIn,
    form: &str,
    typed: &Typed,
    e: AppError,
    fallback: &str,
) -> Response {
    match e.status {
        StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = field_errors(&e, fallback);
            draw(state, me, form, typed, &errors, false, e.status).await
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let errors = HashMap::from([(
                fallback.to_string(),
                text(me.session.locale, "sign-in-too-many"),
            )]);
            draw(state, me, form, typed, &errors, false, e.status).await
        }
        _ => me.error(state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// `POST /settings/password`.
pub async fn change_password(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(ip): ClientIp,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    let typed = Typed::default();
    if f.password != f.password_confirmation {
        let errors = HashMap::from([(
            "password_confirmation".to_string(),
            text(me.session.locale, "passwords-differ"),
        )]);
        return draw(
            &state,
            &me,
            "password",
            &typed,
            &errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let keep = Keep {
        session_hash: me.session.session_hash.as_deref(),
    };
    match svc::change_password(
        &state,
        me.account_id(),
        &f.current_password,
        &f.password,
        keep,
        ip,
    )
    .await
    {
        Ok(()) => Redirect::to("/settings/security?saved=1").into_response(),
        Err(e) => refused(&state, &me, "password", &typed, e, "current_password").await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

/// `POST /settings/email`: mails the link to the new address.
pub async fn change_email(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(ip): ClientIp,
    CsrfForm(f): CsrfForm<EmailForm>,
) -> Response {
    let typed = Typed {
        email: f.email.clone(),
    };
    match svc::request_email_change(&state, me.account_id(), &f.email, &f.current_password, ip)
        .await
    {
        Ok(()) => Redirect::to("/settings/security?saved=1").into_response(),
        Err(e) => refused(&state, &me, "email", &typed, e, "email").await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmQuery {
    #[serde(default)]
    token: String,
}

/// `GET /settings/email/confirm?token=`: the link in the mail; works without a session (the
/// token is the proof).
pub async fn confirm_email(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ConfirmQuery>,
) -> Response {
    match svc::confirm_email_change(&state, &q.token).await {
        Ok(Some(_)) => {
            let mut ctx = page_context(&state, &session, None);
            ctx.insert("heading", &text(session.locale, "account-email-changed"));
            ctx.insert(
                "message",
                &text(session.locale, "account-email-changed-message"),
            );
            ctx.insert("is_error", &false);
            ctx.insert("link_href", &Some("/settings/security"));
            ctx.insert(
                "link_text",
                &Some(text(session.locale, "settings-nav-security")),
            );
            render_status(&state, StatusCode::OK, "auth/message.html", &ctx)
        }
        Ok(None) => error_page(
            &state,
            &session,
            AppError::unprocessable(text(session.locale, "account-email-link-invalid")),
        ),
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    noindex: Option<Value>,
}

/// `POST /settings/search_engines`: Mastodon's "opt out of search engine indexing".
pub async fn search_engines(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<SearchForm>,
) -> Response {
    match svc::set_noindex(&state, me.account_id(), ticked(&f.noindex)).await {
        Ok(()) => Redirect::to("/settings/security?saved=1").into_response(),
        Err(e) => me.error(&state, e),
    }
}
