//! Sign in, sign out, sign up, email confirmation and password reset pages.

use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::templates::{error_page, page_context, render, render_status};
use crate::error::{AppError, AppResult};
use crate::http::auth::functional;
use crate::http::session::{self, WebSession};
use crate::http::ClientIp;
use crate::i18n::{text, text_with};
use crate::services::accounts::{self, Origin, SignUp};
use crate::state::AppState;

/// Where the browser goes after sign-in: `return_to` only if, read as a browser reads a
/// `Location` header, it names a page on this site; `/` otherwise. Browsers parse it with the
/// WHATWG URL parser (which the url crate implements): tabs and newlines anywhere are dropped,
/// leading and trailing spaces and control characters trimmed, and `\` read as `/`, so
/// `/\t/evil.example` or ` \\evil.example` means `//evil.example`, another host. The answer
/// is the parser's own serialisation of the path, query and fragment (percent-encoded, free of
/// those characters), so the browser reads back exactly what was checked.
pub fn safe_return_to(state: &AppState, return_to: &str) -> String {
    let Ok(site) = url::Url::parse(&format!("{}/", state.config.base_url())) else {
        return "/".into();
    };
    let target = match site.join(return_to) {
        Ok(t) if t.origin() == site.origin() => t,
        _ => return "/".into(),
    };
    // `/.//evil.example` resolves to the path `//evil.example` on this site, which written
    // alone would again name another host: leading slashes are collapsed to one.
    let mut out = format!("/{}", target.path().trim_start_matches('/'));
    if let Some(q) = target.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = target.fragment() {
        out.push('#');
        out.push_str(f);
    }
    out
}

pub async fn username_of(state: &AppState, session: &WebSession) -> AppResult<Option<String>> {
    Ok(match session.account_id {
        Some(id) => crate::services::accounts::username(state, id).await?,
        None => None,
    })
}

fn message_page(
    state: &AppState,
    session: &WebSession,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response {
    let mut ctx = page_context(state, session, None);
    ctx.insert("heading", heading);
    ctx.insert("message", message);
    ctx.insert("is_error", &false);
    ctx.insert("link_href", &link.map(|l| l.0));
    ctx.insert("link_text", &link.map(|l| l.1));
    match render(state, "auth/message.html", &ctx) {
        Ok(h) => h.into_response(),
        Err(e) => error_page(state, session, e),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    return_to: Option<String>,
}

fn sign_in_form(
    state: &AppState,
    session: &WebSession,
    login: &str,
    return_to: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, session, None);
    ctx.insert("login", login);
    ctx.insert("return_to", &safe_return_to(state, return_to));
    ctx.insert("error", &error);
    ctx.insert("notice", &None::<String>);
    render_status(state, status, "auth/sign_in.html", &ctx)
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<SignInQuery>,
) -> Response {
    let return_to = q.return_to.unwrap_or_else(|| "/".into());
    if session.account_id.is_some() {
        return Redirect::to(&safe_return_to(&state, &return_to)).into_response();
    }
    sign_in_form(&state, &session, "", &return_to, None, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    return_to: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    session: WebSession,
    ClientIp(ip): ClientIp,
    Form(form): Form<SignInForm>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    let user = match accounts::authenticate(&state, &form.login, &form.password, ip).await {
        Ok(u) => u,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            return sign_in_form(
                &state,
                &session,
                &form.login,
                &form.return_to,
                Some(&text(session.locale, "sign-in-invalid")),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            return sign_in_form(
                &state,
                &session,
                &form.login,
                &form.return_to,
                Some(&text(session.locale, "sign-in-too-many")),
                StatusCode::TOO_MANY_REQUESTS,
            )
        }
        Err(e) => return error_page(&state, &session, e),
    };
    finish_sign_in(
        &state,
        &session,
        user.account_id,
        ip,
        &form.login,
        &form.return_to,
        true,
    )
    .await
}

/// The end of a sign-in whose password (and, with `ask_code`, nothing more yet) was right:
/// refused for a login that may not act; the code form for an account with two-factor
/// sign-in on (`web::account::two_factor` answers it and comes back here with `ask_code`
/// false); otherwise a session and the way back.
pub(crate) async fn finish_sign_in(
    state: &AppState,
    session: &WebSession,
    account_id: i64,
    ip: std::net::IpAddr,
    login: &str,
    return_to: &str,
    ask_code: bool,
) -> Response {
    let user = match accounts::user(state, account_id).await {
        Ok(u) => u,
        Err(e) => return error_page(state, session, e),
    };
    let mut enabled = user.clone();
    enabled.disabled = 0;
    // A disabled login may still read and appeal its strikes (as its token may): it gets a
    // session, which every page but /strikes refuses, and is sent there.
    let strikes_only = user.disabled != 0 && functional(state, &enabled).is_ok();
    if let (Err(e), false) = (functional(state, &user), strikes_only) {
        return sign_in_form(
            state,
            session,
            login,
            return_to,
            Some(&e.message),
            StatusCode::FORBIDDEN,
        );
    }
    if ask_code {
        match crate::services::two_factor::enabled(state, user.account_id).await {
            Ok(true) => {
                return super::account::two_factor::code_form(
                    state,
                    session,
                    user.account_id,
                    return_to,
                )
                .await
            }
            Ok(false) => {}
            Err(e) => return error_page(state, session, e),
        }
    }
    match session.start(state, user.account_id, &ip.to_string()).await {
        Ok(cookie) => {
            let mut headers = HeaderMap::new();
            headers.insert(SET_COOKIE, cookie);
            let to = if strikes_only {
                "/strikes".to_string()
            } else {
                safe_return_to(state, return_to)
            };
            (headers, Redirect::to(&to)).into_response()
        }
        Err(e) => error_page(state, session, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    session: WebSession,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    match session::end(&state, &headers).await {
        Ok(cookie) => {
            let mut h = HeaderMap::new();
            if let Some(c) = cookie {
                h.insert(SET_COOKIE, c);
            }
            h.insert(LOCATION, axum::http::HeaderValue::from_static("/"));
            (StatusCode::SEE_OTHER, h).into_response()
        }
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    agreement: Option<String>,
    #[serde(default)]
    invite_code: String,
}

fn sign_up_form(
    state: &AppState,
    session: &WebSession,
    form: &SignUpForm,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, session, None);
    ctx.insert("username", &form.username);
    ctx.insert("email", &form.email);
    ctx.insert("reason", &form.reason);
    ctx.insert("invite_code", &form.invite_code);
    // An invite opens the form even when sign-ups are closed.
    if !form.invite_code.is_empty() {
        ctx.insert("registrations_open", &true);
        ctx.insert("approval_required", &false);
    }
    ctx.insert("error", &error);
    render_status(state, status, "auth/sign_up.html", &ctx)
}

#[derive(Debug, Deserialize, Default)]
pub struct SignUpQuery {
    #[serde(default)]
    invite: String,
}

pub async fn sign_up_page(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<SignUpQuery>,
) -> Response {
    let form = SignUpForm {
        invite_code: q.invite,
        ..SignUpForm::default()
    };
    sign_up_form(&state, &session, &form, None, StatusCode::OK)
}

pub async fn sign_up(
    State(state): State<AppState>,
    session: WebSession,
    ClientIp(ip): ClientIp,
    Form(form): Form<SignUpForm>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    if form.password != form.password_confirmation {
        return sign_up_form(
            &state,
            &session,
            &form,
            Some(&text(session.locale, "passwords-differ")),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match accounts::count_sign_up(&state, ip).await {
        Ok(()) => {}
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            return sign_up_form(
                &state,
                &session,
                &form,
                Some(&text(session.locale, "sign-up-too-many")),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Err(e) => return error_page(&state, &session, e),
    }
    let result = accounts::register(
        &state,
        SignUp {
            username: form.username.clone(),
            email: form.email.clone(),
            password: form.password.clone(),
            agreement: form.agreement.is_some(),
            locale: session.locale.tag().into(),
            reason: form.reason.clone(),
            invite_code: form.invite_code.clone(),
        },
        Origin::Public,
    )
    .await;
    match result {
        Ok(r) => {
            let mut message = String::new();
            if r.needs_confirmation {
                message.push_str(&text_with(
                    session.locale,
                    "sign-up-confirm-sent",
                    &[("email", form.email.trim())],
                ));
                message.push(' ');
            }
            if r.needs_approval {
                message.push_str(&text(session.locale, "sign-up-review"));
            }
            if message.is_empty() {
                message.push_str(&text(session.locale, "sign-up-ready"));
            }
            message_page(
                &state,
                &session,
                &text(session.locale, "sign-up-welcome"),
                message.trim(),
                Some((
                    "/auth/sign_in",
                    text(session.locale, "nav-sign-in").as_str(),
                )),
            )
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let text = e
                .message
                .trim_start_matches("Validation failed: ")
                .to_string();
            sign_up_form(
                &state,
                &session,
                &form,
                Some(&format!("{text}.")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => sign_up_form(
            &state,
            &session,
            &form,
            Some(&e.message),
            StatusCode::FORBIDDEN,
        ),
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfirmationQuery {
    #[serde(default)]
    confirmation_token: String,
}

pub async fn confirmation(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ConfirmationQuery>,
) -> Response {
    match accounts::confirm(&state, &q.confirmation_token).await {
        Ok(Some(_)) => message_page(
            &state,
            &session,
            &text(session.locale, "confirmed-heading"),
            &text(session.locale, "confirmed-message"),
            Some((
                "/auth/sign_in",
                text(session.locale, "nav-sign-in").as_str(),
            )),
        ),
        Ok(None) => error_page(
            &state,
            &session,
            AppError::unprocessable(text(session.locale, "confirmation-invalid")),
        ),
        Err(e) => error_page(&state, &session, e),
    }
}

pub async fn password_new(State(state): State<AppState>, session: WebSession) -> Response {
    match render(
        &state,
        "auth/password_new.html",
        &page_context(&state, &session, None),
    ) {
        Ok(h) => h.into_response(),
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordRequestForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
}

pub async fn password_request(
    State(state): State<AppState>,
    session: WebSession,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordRequestForm>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    // Mastodon: 5 resets per 30 minutes per address.
    if let Err(e) = accounts::count_reset_request(&state, &form.email, ip).await {
        return error_page(&state, &session, e);
    }
    if let Err(e) = accounts::request_reset(&state, &form.email).await {
        return error_page(&state, &session, e);
    }
    message_page(
        &state,
        &session,
        &text(session.locale, "password-check-email"),
        &text(session.locale, "password-link-sent"),
        None,
    )
}

#[derive(Debug, Deserialize)]
pub struct ResetQuery {
    #[serde(default)]
    reset_password_token: String,
}

fn password_edit_form(
    state: &AppState,
    session: &WebSession,
    token: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut ctx = page_context(state, session, None);
    ctx.insert("token", token);
    ctx.insert("error", &error);
    render_status(state, status, "auth/password_edit.html", &ctx)
}

pub async fn password_edit(
    State(state): State<AppState>,
    session: WebSession,
    Query(q): Query<ResetQuery>,
) -> Response {
    match accounts::reset_token_user(&state, &q.reset_password_token).await {
        Ok(Some(_)) => password_edit_form(
            &state,
            &session,
            &q.reset_password_token,
            None,
            StatusCode::OK,
        ),
        Ok(None) => error_page(
            &state,
            &session,
            AppError::unprocessable(text(session.locale, "password-link-invalid")),
        ),
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordEditForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    reset_password_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

pub async fn password_update(
    State(state): State<AppState>,
    session: WebSession,
    Form(form): Form<PasswordEditForm>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    if form.password != form.password_confirmation {
        return password_edit_form(
            &state,
            &session,
            &form.reset_password_token,
            Some(&text(session.locale, "passwords-differ")),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match accounts::reset_password(&state, &form.reset_password_token, &form.password).await {
        Ok(()) => message_page(
            &state,
            &session,
            &text(session.locale, "password-changed"),
            &text(session.locale, "password-changed-message"),
            Some((
                "/auth/sign_in",
                text(session.locale, "nav-sign-in").as_str(),
            )),
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let text = e
                .message
                .trim_start_matches("Validation failed: ")
                .to_string();
            password_edit_form(
                &state,
                &session,
                &form.reset_password_token,
                Some(&text),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => error_page(&state, &session, e),
    }
}
