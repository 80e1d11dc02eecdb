//! Answers in place (DESIGN §10): a form posted with `X-Herd-Fragment: 1` gets only the part
//! of the page it changed, for herd.js to swap in; without the header the same form gets its
//! post/redirect/get or full page as before. The status actions (web/client.rs), the ballot
//! (web/proposals.rs, `partials/vote.html`) and the follow button (`partials/relationship.html`,
//! rendered here) answer this way. The fragment is the same partial the full page includes,
//! so the two never differ.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::auth::safe_return_to;
use super::templates::{page_context, render_status};
use crate::entities::Account;
use crate::error::AppResult;
use crate::http::auth::CurrentUser;
use crate::http::session::WebSession;
use crate::services::social;
use crate::state::AppState;

/// The partials that are also fragments (merged into every locale's Tera).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "partials/vote.html",
        include_str!("../../templates/partials/vote.html"),
    ),
    (
        "partials/relationship.html",
        include_str!("../../templates/partials/relationship.html"),
    ),
];

/// Whether the form asked for the changed fragment only.
pub fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get("x-herd-fragment")
        .is_some_and(|v| v.as_bytes() == b"1")
}

/// The relationship buttons of the profile of account `id` as `me` now sees them (the
/// answer to a follow or unfollow asked in place).
pub async fn relationship(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    id: &str,
    return_to: &str,
) -> AppResult<Response> {
    let target = social::target(state, id).await?;
    let relationship = social::relationship(state, me.account.id, target.id).await?;
    let mut ctx = page_context(state, session, Some(&me.account.username));
    ctx.insert("account", &Account::from_row(state, &target, &[]));
    ctx.insert("relationship", &relationship);
    ctx.insert("here", &safe_return_to(state, return_to));
    Ok(render_status(
        state,
        StatusCode::OK,
        "partials/relationship.html",
        &ctx,
    ))
}
