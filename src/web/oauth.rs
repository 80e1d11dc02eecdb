//! `/oauth/authorize`: sign in if needed, then the consent page; approving issues a code and
//! sends the browser back to the app (or shows the code for out-of-band apps).

use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::{Deserialize, Serialize};

use super::auth::username_of;
use super::templates::{error_page, page_context, render};
use crate::error::AppError;
use crate::http::auth::functional;
use crate::http::session::WebSession;
use crate::i18n::{self, Locale};
use crate::services::oauth::{self, AuthorizationParams, AuthorizationRequest};
use crate::state::AppState;

#[derive(Serialize)]
struct ScopeLine {
    name: String,
    text: String,
}

fn describe(locale: Locale, scope: &str) -> String {
    let key = match scope {
        "read" => "scope-read",
        "write" => "scope-write",
        "follow" => "scope-follow",
        "push" => "scope-push",
        "profile" => "scope-profile",
        "admin:read" => "scope-admin-read",
        "admin:write" => "scope-admin-write",
        s if s.starts_with("read:") => "scope-read-part",
        s if s.starts_with("write:") => "scope-write-part",
        _ => "scope-admin-part",
    };
    i18n::text(locale, key)
}

/// Hidden fields that carry the request from the consent page to its POST.
fn carried(req: &AuthorizationRequest) -> Vec<(String, String)> {
    let mut p = vec![
        ("response_type".to_string(), "code".to_string()),
        ("client_id".to_string(), req.app.client_id.clone()),
        ("redirect_uri".to_string(), req.redirect_uri.clone()),
        ("scope".to_string(), req.scopes.to_string()),
    ];
    if let Some(s) = &req.state {
        p.push(("state".into(), s.clone()));
    }
    if let Some(c) = &req.code_challenge {
        p.push(("code_challenge".into(), c.clone()));
        p.push(("code_challenge_method".into(), "S256".into()));
    }
    p
}

pub async fn authorize_page(
    State(state): State<AppState>,
    session: WebSession,
    RawQuery(raw): RawQuery,
    Query(params): Query<AuthorizationParams>,
) -> Response {
    let req = match oauth::check_authorization(&state, &params).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, &session, e),
    };
    let Some(account_id) = session.account_id else {
        let back = format!("/oauth/authorize?{}", raw.unwrap_or_default());
        let target = format!(
            "/auth/sign_in?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", &back)
                .finish()
        );
        return Redirect::to(&target).into_response();
    };
    let result = async {
        let user = crate::services::accounts::user(&state, account_id).await?;
        functional(&state, &user)?;
        let username = username_of(&state, &session).await?;
        let mut ctx = page_context(&state, &session, username.as_deref());
        ctx.insert("app_name", &req.app.name);
        ctx.insert("app_website", &req.app.website);
        ctx.insert(
            "scopes",
            &req.scopes
                .iter()
                .map(|s| ScopeLine {
                    name: s.to_string(),
                    text: describe(session.locale, s),
                })
                .collect::<Vec<_>>(),
        );
        ctx.insert("oob", &(req.redirect_uri == oauth::OOB));
        let host = url::Url::parse(&req.redirect_uri)
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(String::from)
                    .or_else(|| Some(u.scheme().to_string()))
            })
            .unwrap_or_default();
        ctx.insert("redirect_host", &host);
        ctx.insert("params", &carried(&req));
        render(&state, "oauth/authorize.html", &ctx)
    }
    .await;
    match result {
        Ok(h) => h.into_response(),
        Err(e) => error_page(&state, &session, e),
    }
}

#[derive(Debug, Deserialize)]
pub struct Decision {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    decision: String,
    #[serde(flatten)]
    params: AuthorizationParams,
}

pub async fn authorize(
    State(state): State<AppState>,
    session: WebSession,
    Form(form): Form<Decision>,
) -> Response {
    if let Err(e) = session.verify_csrf(&form.csrf_token) {
        return error_page(&state, &session, e);
    }
    let Some(account_id) = session.account_id else {
        return Redirect::to("/auth/sign_in").into_response();
    };
    let result = async {
        let req = oauth::check_authorization(&state, &form.params).await?;
        let user = crate::services::accounts::user(&state, account_id).await?;
        functional(&state, &user)?;
        if form.decision != "approve" {
            return Ok(
                match oauth::redirect_with(&req, &[("error", "access_denied")]) {
                    Some(url) => Redirect::to(&url).into_response(),
                    None => error_page(
                        &state,
                        &session,
                        AppError::forbidden(i18n::text(session.locale, "oauth-denied")),
                    ),
                },
            );
        }
        let code = oauth::issue_code(&state, &req, account_id).await?;
        Ok(match oauth::redirect_with(&req, &[("code", &code)]) {
            Some(url) => Redirect::to(&url).into_response(),
            None => {
                let username = username_of(&state, &session).await?;
                let mut ctx = page_context(&state, &session, username.as_deref());
                ctx.insert("app_name", &req.app.name);
                ctx.insert("code", &code);
                crate::http::compression::one_time_secret(
                    render(&state, "oauth/code.html", &ctx)?.into_response(),
                )
            }
        })
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => error_page(&state, &session, e),
    }
}
