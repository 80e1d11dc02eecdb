//! `/settings/delete`: deleting one's own account with the password, through
//! `services::account_deletion`. What goes and what stays is said on the page first.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::http::session;
use crate::http::ClientIp;
use crate::i18n::text;
use crate::services::account_deletion as svc;
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::settings::{field_errors, settings_context};
use crate::web::templates::{page_context, render_status};

fn draw(
    state: &AppState,
    me: &SignedIn,
    errors: &HashMap<String, String>,
    status: StatusCode,
) -> Response {
    let mut ctx = settings_context(state, me, "delete");
    ctx.insert("errors", errors);
    ctx.insert("saved", &false);
    render_status(state, status, "account/delete.html", &ctx)
}

/// `GET /settings/delete`.
pub async fn show(State(state): State<AppState>, me: SignedIn) -> Response {
    draw(&state, &me, &HashMap::new(), StatusCode::OK)
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    current_password: String,
}

/// `POST /settings/delete`: gone; this browser is signed out and told so.
pub async fn delete(
    State(state): State<AppState>,
    me: SignedIn,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> Response {
    match svc::delete_own(&state, me.account_id(), &f.current_password, ip).await {
        Ok(()) => {
            let mut out = HeaderMap::new();
            if let Ok(Some(c)) = session::end(&state, &headers).await {
                out.insert(SET_COOKIE, c);
            }
            let mut ctx = page_context(&state, &me.session, None);
            ctx.insert("heading", &text(me.session.locale, "account-deleted"));
            ctx.insert(
                "message",
                &text(me.session.locale, "account-deleted-message"),
            );
            ctx.insert("is_error", &false);
            ctx.insert("link_href", &Some("/"));
            ctx.insert("link_text", &Some(text(me.session.locale, "account-home")));
            (
                out,
                render_status(&state, StatusCode::OK, "auth/message.html", &ctx),
            )
                .into_response()
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => draw(
            &state,
            &me,
            &field_errors(&e, "current_password"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => draw(
            &state,
            &me,
            &HashMap::from([(
                "current_password".to_string(),
                text(me.session.locale, "sign-in-too-many"),
            )]),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => me.error(&state, e),
    }
}
