//! What the members' site had still lacked (issue 14): a private note on an account and
//! featuring it on one's profile (`accounts`), following a hashtag (`tags`), the settings
//! lists of muted and blocked accounts and blocked domains (`hidden`), and the service's
//! validation messages in the page's language (`messages`). Each form posts the API's field
//! names, is checked for CSRF, calls the service behind the same API call and answers 303
//! back; a refused value shows the form again (422) with the message beside its field.

pub mod accounts;
pub mod hidden;
pub mod messages;
pub mod tags;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::http::session;
use crate::state::AppState;

/// These pages' templates, added to every locale's Tera after the site's own.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "member_tools/note.html",
        include_str!("../../../templates/member_tools/note.html"),
    ),
    (
        "member_tools/featured.html",
        include_str!("../../../templates/member_tools/featured.html"),
    ),
    (
        "member_tools/card.html",
        include_str!("../../../templates/member_tools/card.html"),
    ),
    (
        "member_tools/hidden.html",
        include_str!("../../../templates/member_tools/hidden.html"),
    ),
    (
        "member_tools/shortcuts.html",
        include_str!("../../../templates/member_tools/shortcuts.html"),
    ),
];

/// The routes of these pages, merged into `web::routes` with one line.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/web/accounts/{id}/note",
            get(accounts::note_page).post(accounts::save_note),
        )
        .route("/web/accounts/{id}/pin", post(accounts::feature))
        .route("/web/accounts/{id}/unpin", post(accounts::feature))
        .route("/web/tags/{tag}/follow", post(tags::follow))
        .route("/web/tags/{tag}/unfollow", post(tags::follow))
        .route("/settings/mutes", get(hidden::mutes))
        .route("/settings/blocks", get(hidden::blocks))
        .route(
            "/settings/domain_blocks",
            get(hidden::domain_blocks).post(hidden::block_domain),
        )
        .route(
            "/settings/domain_blocks/delete",
            post(hidden::unblock_domain),
        )
        .layer(middleware::from_fn_with_state(state, session::ensure_csrf))
}
