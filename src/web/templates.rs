//! The page templates (Tera), embedded in the binary, one set per locale, and the context
//! every page shares. Mail templates live with mail (`crate::mail`).
//!
//! Each locale's Tera instance has its own `t(key=…, …)` function, bound to that locale's
//! Fluent catalogue, so a template never names its language; `asset(name=…)` gives a static
//! file's content-hashed URL.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use fluent_bundle::{FluentArgs, FluentValue};
use tera::{Context, Tera, Value};

use crate::config::RegistrationMode;
use crate::error::AppError;
use crate::http::session::WebSession;
use crate::i18n::{self, Locale};
use crate::state::AppState;

/// Every page template and partial, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
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
    (
        "partials/status.html",
        include_str!("../../templates/partials/status.html"),
    ),
    (
        "partials/quote.html",
        include_str!("../../templates/partials/quote.html"),
    ),
    (
        "partials/status_actions.html",
        include_str!("../../templates/partials/status_actions.html"),
    ),
    (
        "partials/account_card.html",
        include_str!("../../templates/partials/account_card.html"),
    ),
    (
        "partials/meta.html",
        include_str!("../../templates/partials/meta.html"),
    ),
    (
        "partials/pager.html",
        include_str!("../../templates/partials/pager.html"),
    ),
    (
        "pages/profile.html",
        include_str!("../../templates/pages/profile.html"),
    ),
    (
        "pages/status.html",
        include_str!("../../templates/pages/status.html"),
    ),
    (
        "pages/accounts.html",
        include_str!("../../templates/pages/accounts.html"),
    ),
    (
        "pages/home.html",
        include_str!("../../templates/pages/home.html"),
    ),
    (
        "pages/confirm_delete.html",
        include_str!("../../templates/pages/confirm_delete.html"),
    ),
    (
        "partials/compose.html",
        include_str!("../../templates/partials/compose.html"),
    ),
    (
        "pages/timeline.html",
        include_str!("../../templates/pages/timeline.html"),
    ),
    (
        "pages/notifications.html",
        include_str!("../../templates/pages/notifications.html"),
    ),
    (
        "partials/notification.html",
        include_str!("../../templates/partials/notification.html"),
    ),
    (
        "pages/tag.html",
        include_str!("../../templates/pages/tag.html"),
    ),
    (
        "proposals/show.html",
        include_str!("../../templates/proposals/show.html"),
    ),
    (
        "proposals/list.html",
        include_str!("../../templates/proposals/list.html"),
    ),
    (
        "proposals/coop.html",
        include_str!("../../templates/proposals/coop.html"),
    ),
    (
        "proposals/new.html",
        include_str!("../../templates/proposals/new.html"),
    ),
    (
        "partials/ballot.html",
        include_str!("../../templates/partials/ballot.html"),
    ),
    (
        "partials/tally.html",
        include_str!("../../templates/partials/tally.html"),
    ),
    (
        "social/search.html",
        include_str!("../../templates/social/search.html"),
    ),
    (
        "social/edit.html",
        include_str!("../../templates/social/edit.html"),
    ),
    (
        "social/history.html",
        include_str!("../../templates/social/history.html"),
    ),
    (
        "social/report.html",
        include_str!("../../templates/social/report.html"),
    ),
    (
        "social/report_sent.html",
        include_str!("../../templates/social/report_sent.html"),
    ),
    (
        "social/mute.html",
        include_str!("../../templates/social/mute.html"),
    ),
    (
        "social/account_lists.html",
        include_str!("../../templates/social/account_lists.html"),
    ),
    (
        "social/follow_requests.html",
        include_str!("../../templates/social/follow_requests.html"),
    ),
    (
        "social/lists.html",
        include_str!("../../templates/social/lists.html"),
    ),
    (
        "social/list_fields.html",
        include_str!("../../templates/social/list_fields.html"),
    ),
    (
        "social/list.html",
        include_str!("../../templates/social/list.html"),
    ),
    (
        "social/conversations.html",
        include_str!("../../templates/social/conversations.html"),
    ),
    (
        "social/profile_actions.html",
        include_str!("../../templates/social/profile_actions.html"),
    ),
    (
        "moderation/queue.html",
        include_str!("../../templates/moderation/queue.html"),
    ),
    (
        "moderation/report.html",
        include_str!("../../templates/moderation/report.html"),
    ),
    (
        "moderation/account.html",
        include_str!("../../templates/moderation/account.html"),
    ),
    (
        "moderation/appeals.html",
        include_str!("../../templates/moderation/appeals.html"),
    ),
    (
        "moderation/log.html",
        include_str!("../../templates/moderation/log.html"),
    ),
    (
        "moderation/strikes.html",
        include_str!("../../templates/moderation/strikes.html"),
    ),
    (
        "moderation/admin.html",
        include_str!("../../templates/moderation/admin.html"),
    ),
    (
        "moderation/cite.html",
        include_str!("../../templates/moderation/cite.html"),
    ),
    (
        "govadmin/candidacy.html",
        include_str!("../../templates/govadmin/candidacy.html"),
    ),
    (
        "govadmin/report_notes.html",
        include_str!("../../templates/govadmin/report_notes.html"),
    ),
    (
        "govadmin/admin.html",
        include_str!("../../templates/govadmin/admin.html"),
    ),
    (
        "moderation/entry.html",
        include_str!("../../templates/moderation/entry.html"),
    ),
    (
        "partials/report.html",
        include_str!("../../templates/partials/report.html"),
    ),
    (
        "partials/action_form.html",
        include_str!("../../templates/partials/action_form.html"),
    ),
];

/// The templates, once per locale.
pub struct Pages {
    by_locale: Vec<(Locale, Tera)>,
}

impl Pages {
    pub fn get(&self, locale: Locale) -> &Tera {
        self.by_locale
            .iter()
            .find(|(l, _)| *l == locale)
            .or_else(|| self.by_locale.first())
            .map(|(_, t)| t)
            .unwrap_or_else(|| unreachable!("load() builds every locale"))
    }
}

/// `t(key="…", name=…)`: the message in this instance's locale; a missing key is an error,
/// so a page that names one fails its tests instead of showing the key.
struct Translate(Locale);

impl tera::Function for Translate {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = args
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("t() needs key=\"…\""))?;
        let mut fa = FluentArgs::new();
        for (name, v) in args.iter().filter(|(n, _)| n.as_str() != "key") {
            let value = match v {
                Value::Number(n) => match n.as_i64() {
                    Some(i) => FluentValue::from(i),
                    None => FluentValue::from(n.as_f64().unwrap_or(0.0)),
                },
                Value::String(s) => FluentValue::from(s.clone()),
                Value::Null => FluentValue::from(""),
                other => FluentValue::from(other.to_string()),
            };
            fa.set(name.clone(), value);
        }
        i18n::format(i18n::bundle_of(self.0), key, Some(&fa))
            .map(Value::String)
            .ok_or_else(|| tera::Error::msg(format!("no message {key} in {}", self.0.tag())))
    }
}

/// `asset(name="herd.css")`: the content-hashed URL of a static file.
struct Asset;

impl tera::Function for Asset {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let name = args
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("asset() needs name=\"…\""))?;
        super::assets::url(name)
            .map(Value::String)
            .ok_or_else(|| tera::Error::msg(format!("no asset {name}")))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

pub fn load() -> anyhow::Result<Pages> {
    let parsed = parsed().map_err(|e| anyhow::anyhow!("{e}"))?;
    let by_locale = Locale::ALL
        .into_iter()
        .map(|locale| {
            let mut tera = parsed.clone();
            tera.register_function("t", Translate(locale));
            (locale, tera)
        })
        .collect();
    Ok(Pages { by_locale })
}

/// The templates, parsed once per process (they are compiled in, so every server a process
/// starts, as the tests do, has the same) and in one call (each call re-links every
/// template's inheritance); each language's copy differs only in its `t` function.
fn parsed() -> Result<&'static Tera, String> {
    static PARSED: std::sync::OnceLock<Result<Tera, String>> = std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| {
            let all: Vec<(&str, &str)> = [
                TEMPLATES,
                super::settings::TEMPLATES,
                super::coop_site::TEMPLATES,
                super::member_tools::TEMPLATES,
                super::treasurer::TEMPLATES,
                super::account::TEMPLATES,
                super::live::TEMPLATES,
                super::admin_settings::TEMPLATES,
                super::fragments::TEMPLATES,
            ]
            .iter()
            .flat_map(|list| list.iter().copied())
            .collect();
            let mut tera = Tera::default();
            tera.register_function("asset", Asset);
            tera.autoescape_on(vec![".html"]);
            tera.add_raw_templates(all)
                .map(|()| tera)
                .map_err(|e| format!("{e:?}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The context of every page: instance, language, CSRF token, who is signed in.
pub fn page_context(state: &AppState, session: &WebSession, signed_in: Option<&str>) -> Context {
    let mut ctx = base_context(state, session.locale, &session.csrf, signed_in);
    // The member's theme and motion preferences (base.html puts them on <html>).
    ctx.insert("theme", &session.look.theme);
    ctx.insert("reduce_motion", &session.look.reduce_motion);
    ctx.insert("shortcuts", &session.look.shortcuts);
    ctx
}

fn base_context(state: &AppState, locale: Locale, csrf: &str, signed_in: Option<&str>) -> Context {
    let mut ctx = Context::new();
    ctx.insert("lang", locale.tag());
    // What an admin set on /admin, over the config's defaults.
    let settings = crate::services::instance_settings::current(state);
    ctx.insert("instance_title", &settings.title);
    ctx.insert("instance_description", &settings.description);
    ctx.insert("domain", &state.config.domain);
    ctx.insert("herd_version", env!("CARGO_PKG_VERSION"));
    // Masked afresh on every render: compressed pages must not carry the token as it is.
    ctx.insert("csrf_token", &crate::http::session::masked(csrf));
    ctx.insert("signed_in", &signed_in);
    ctx.insert("theme", "auto");
    ctx.insert("reduce_motion", &false);
    ctx.insert("shortcuts", &false);
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

/// The locale a context was built for (its `lang`).
fn locale_of(ctx: &Context) -> Locale {
    ctx.get("lang")
        .and_then(Value::as_str)
        .and_then(Locale::parse)
        .unwrap_or_default()
}

pub fn render(state: &AppState, name: &str, ctx: &Context) -> Result<Html<String>, AppError> {
    Ok(Html(state.templates.get(locale_of(ctx)).render(name, ctx)?))
}

pub fn render_status(state: &AppState, status: StatusCode, name: &str, ctx: &Context) -> Response {
    match render(state, name, ctx) {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// An error as an HTML page (the web surface's renderer of `AppError`).
pub fn error_page(state: &AppState, session: &WebSession, err: AppError) -> Response {
    error_page_in(state, session.locale, &session.csrf, err)
}

/// An error page for a request without a session (no form on it needs a CSRF token).
pub fn error_page_in(state: &AppState, locale: Locale, csrf: &str, err: AppError) -> Response {
    let mut ctx = base_context(state, locale, csrf, None);
    let heading = match err.status {
        StatusCode::NOT_FOUND => "error-not-found",
        StatusCode::FORBIDDEN => "error-forbidden",
        StatusCode::TOO_MANY_REQUESTS => "error-too-many",
        s if s.is_server_error() => "error-server",
        _ => "error-other",
    };
    if err.status.is_server_error() {
        tracing::error!(error = %err, "web request failed");
    }
    ctx.insert("status", &err.status.as_u16());
    ctx.insert("heading", &i18n::text(locale, heading));
    ctx.insert(
        "message",
        err.description.as_deref().unwrap_or(&err.message),
    );
    render_status(state, err.status, "error.html", &ctx)
}
