//! The front page, the about page and static files.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::templates::{error_page, page_context, render};
use crate::http::session::WebSession;
use crate::services::instance::rules_in_force;
use crate::state::AppState;

pub async fn index(State(state): State<AppState>, session: WebSession) -> Response {
    let result = async {
        let signed_in = match session.account_id {
            Some(id) => crate::services::accounts::username(&state, id).await?,
            None => None,
        };
        let mut ctx = page_context(&state, &session, signed_in.as_deref());
        ctx.insert("rules", &rules_in_force(&state).await?);
        ctx.insert(
            "finances",
            &crate::services::ledger::public_summary(&state).await?,
        );
        render(&state, "index.html", &ctx)
    }
    .await;
    match result {
        Ok(html) => html.into_response(),
        Err(e) => error_page(&state, &session, e),
    }
}

/// Mastodon's default avatar and header: apps expect a URL, never null.
pub async fn missing_image() -> Response {
    (
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_bytes!("../../static/missing.png").as_slice(),
    )
        .into_response()
}
