//! Two-factor sign-in pages: `/settings/two_factor` (set up with the secret as text and a QR
//! code, confirm with a code, see the recovery codes once, turn off with the password), the
//! sign-in's code step (`/auth/sign_in/two_factor`) and an admin's reset (`/admin/two_factor`),
//! each through `services::two_factor`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::compression::one_time_secret;
use crate::http::session::WebSession;
use crate::http::ClientIp;
use crate::i18n::text;
use crate::services::two_factor as svc;
use crate::state::AppState;
use crate::web::auth::{finish_sign_in, safe_return_to};
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::settings::{field_errors, settings_context, SavedQuery};
use crate::web::templates::{error_page, page_context, render_status};

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    otp_attempt: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

async fn draw(
    state: &AppState,
    me: &SignedIn,
    codes: Option<&[String]>,
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let label = text(me.session.locale, "account-2fa-qr-label");
    match svc::status(state, me.account_id(), &label).await {
        Ok(st) => {
            let mut ctx = settings_context(state, me, "security");
            ctx.insert("two_factor", &st);
            ctx.insert("recovery_codes", &codes);
            ctx.insert("errors", errors);
            ctx.insert("saved", &saved);
            // The pending secret and the recovery codes are shown on this page.
            one_time_secret(render_status(
                state,
                status,
                "account/two_factor.html",
                &ctx,
            ))
        }
        Err(e) => me.error(state, e),
    }
}

/// A refusal shown beside the code field (422); anything else is an error page.
fn refused(e: &AppError) -> Option<(HashMap<String, String>, StatusCode)> {
    (e.status == StatusCode::UNPROCESSABLE_ENTITY).then(|| {
        (
            field_errors(e, "otp_attempt"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    })
}

/// `GET /settings/two_factor`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    draw(
        &state,
        &me,
        None,
        &HashMap::new(),
        q.is_saved(),
        StatusCode::OK,
    )
    .await
}

/// `POST /settings/two_factor/setup`: a new secret to scan, not yet in force.
pub async fn setup(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    match svc::begin(&state, me.account_id()).await {
        Ok(()) => Redirect::to("/settings/two_factor").into_response(),
        Err(e) => match refused(&e) {
            Some((errors, status)) => draw(&state, &me, None, &errors, false, status).await,
            None => me.error(&state, e),
        },
    }
}

/// Too many wrong codes: the form again, saying so (429).
fn too_many(locale: crate::i18n::Locale) -> HashMap<String, String> {
    HashMap::from([(
        "otp_attempt".to_string(),
        text(locale, "account-2fa-too-many"),
    )])
}

/// `POST /settings/two_factor/confirm`: on with a right code; the recovery codes shown once.
pub async fn confirm(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    match svc::confirm(&state, me.account_id(), &f.otp_attempt).await {
        Ok(codes) => {
            draw(
                &state,
                &me,
                Some(&codes),
                &HashMap::new(),
                false,
                StatusCode::OK,
            )
            .await
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            let errors = too_many(me.session.locale);
            draw(
                &state,
                &me,
                None,
                &errors,
                false,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await
        }
        Err(e) => match refused(&e) {
            Some((errors, status)) => draw(&state, &me, None, &errors, false, status).await,
            None => me.error(&state, e),
        },
    }
}

/// `POST /settings/two_factor/disable`: off, with the password.
pub async fn disable(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(ip): ClientIp,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    match svc::disable(&state, me.account_id(), &f.current_password, ip).await {
        Ok(()) => Redirect::to("/settings/two_factor?saved=1").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = field_errors(&e, "current_password");
            draw(
                &state,
                &me,
                None,
                &errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => me.error(&state, e),
    }
}

/// The sign-in's second step: the code form, carrying a fresh challenge for `account_id`.
pub async fn code_form(
    state: &AppState,
    session: &WebSession,
    account_id: i64,
    return_to: &str,
) -> Response {
    match svc::open_challenge(state, account_id).await {
        Ok(challenge) => {
            draw_code_form(state, session, &challenge, return_to, None, StatusCode::OK)
        }
        Err(e) => error_page(state, session, e),
    }
}

fn draw_code_form(
    state: &AppState,
    session: &WebSession,
    challenge: &str,
    return_to: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, session, None);
    ctx.insert("challenge", challenge);
    ctx.insert("return_to", &safe_return_to(state, return_to));
    ctx.insert("error", &error);
    render_status(state, status, "account/sign_in_code.html", &ctx)
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    otp_attempt: String,
    #[serde(default)]
    return_to: String,
}

/// `POST /auth/sign_in/two_factor`: the code (or a recovery code) for a sign-in whose
/// password was right; a session on success, the form again otherwise.
pub async fn answer(
    State(state): State<AppState>,
    session: WebSession,
    ClientIp(ip): ClientIp,
    axum::Form(f): axum::Form<AnswerForm>,
) -> Response {
    if let Err(e) = session.verify_csrf(&f.csrf_token) {
        return error_page(&state, &session, e);
    }
    match svc::answer_challenge(&state, &f.challenge, &f.otp_attempt).await {
        Ok(account_id) => {
            finish_sign_in(&state, &session, account_id, ip, "", &f.return_to, false).await
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            // The challenge expired or was spent: start again from the password.
            let target = format!(
                "/auth/sign_in?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("return_to", &safe_return_to(&state, &f.return_to))
                    .finish()
            );
            Redirect::to(&target).into_response()
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => draw_code_form(
            &state,
            &session,
            &f.challenge,
            &f.return_to,
            Some(&text(session.locale, "account-2fa-too-many")),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => draw_code_form(
            &state,
            &session,
            &f.challenge,
            &f.return_to,
            Some(&text(session.locale, "account-2fa-wrong")),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => error_page(&state, &session, e),
    }
}

fn draw_admin(
    state: &AppState,
    me: &SignedIn,
    list: &[svc::Enrolled],
    errors: &HashMap<String, String>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, &me.session, Some(&me.me.account.username));
    ctx.insert("enrolled", list);
    ctx.insert("errors", errors);
    ctx.insert("saved", &saved);
    render_status(state, status, "account/admin_two_factor.html", &ctx)
}

/// `GET /admin/two_factor`: the members with two-factor on, each with a reset form (admins).
pub async fn admin_list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SavedQuery>,
) -> Response {
    match svc::enrolled(&state, me.account_id()).await {
        Ok(list) => draw_admin(
            &state,
            &me,
            &list,
            &HashMap::new(),
            q.is_saved(),
            StatusCode::OK,
        ),
        Err(e) => me.error(&state, e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    text: String,
}

/// `POST /admin/two_factor/{id}/reset`: the member's two-factor off, logged.
pub async fn admin_reset(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> Response {
    let Ok(target) = id.parse::<i64>() else {
        return me.error(&state, AppError::not_found());
    };
    match svc::admin_reset(&state, me.account_id(), target, &f.text).await {
        Ok(()) => Redirect::to("/admin/two_factor?saved=1").into_response(),
        Err(e) => me.error(&state, e),
    }
}
