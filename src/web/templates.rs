//! The page templates (Tera), embedded in the binary, and the context every page shares.
//! Mail templates live with mail (`crate::mail`).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tera::{Context, Tera};

use crate::config::RegistrationMode;
use crate::error::AppError;
use crate::state::AppState;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("error.html", include_str!("../../templates/error.html")),
    (
        "auth/sign_in.html",
        include_str!("../../templates/auth/sign_in.html"),
    ),
    (
        "auth/sign_up.html",
        include_str!("../../templates/auth/sign_up.html"),
    ),
    (
        "auth/message.html",
        include_str!("../../templates/auth/message.html"),
    ),
    (
        "auth/password_new.html",
        include_str!("../../templates/auth/password_new.html"),
    ),
    (
        "auth/password_edit.html",
        include_str!("../../templates/auth/password_edit.html"),
    ),
    (
        "oauth/authorize.html",
        include_str!("../../templates/oauth/authorize.html"),
    ),
    (
        "oauth/code.html",
        include_str!("../../templates/oauth/code.html"),
    ),
];

pub fn load() -> anyhow::Result<Tera> {
    let mut tera = Tera::default();
    tera.add_raw_templates(TEMPLATES.iter().copied())?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

/// The context of every page: instance, CSRF token, who is signed in.
pub fn page_context(state: &AppState, csrf: &str, signed_in: Option<&str>) -> Context {
    let mut ctx = Context::new();
    ctx.insert("instance_title", &state.config.instance.title);
    ctx.insert("instance_description", &state.config.instance.description);
    ctx.insert("domain", &state.config.domain);
    ctx.insert("herd_version", env!("CARGO_PKG_VERSION"));
    ctx.insert("csrf_token", csrf);
    ctx.insert("signed_in", &signed_in);
    ctx.insert(
        "registrations_open",
        &(state.config.registrations.mode != RegistrationMode::Closed),
    );
    ctx.insert(
        "approval_required",
        &(state.config.registrations.mode == RegistrationMode::Approval),
    );
    ctx.insert("registrations_message", &state.config.registrations.message);
    ctx
}

pub fn render(state: &AppState, name: &str, ctx: &Context) -> Result<Html<String>, AppError> {
    Ok(Html(state.templates.render(name, ctx)?))
}

pub fn render_status(state: &AppState, status: StatusCode, name: &str, ctx: &Context) -> Response {
    match state.templates.render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// An error as an HTML page (the web surface's renderer of `AppError`).
pub fn error_page(state: &AppState, csrf: &str, err: AppError) -> Response {
    let mut ctx = page_context(state, csrf, None);
    let heading = match err.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        s if s.is_server_error() => "Something went wrong",
        _ => "That did not work",
    };
    if err.status.is_server_error() {
        tracing::error!(error = %err, "web request failed");
    }
    ctx.insert("status", &err.status.as_u16());
    ctx.insert("heading", heading);
    ctx.insert(
        "message",
        err.description.as_deref().unwrap_or(&err.message),
    );
    render_status(state, err.status, "error.html", &ctx)
}
