//! The account's security and lifecycle pages (issue 14's settings, issue 15's admin reset):
//! two-factor sign-in (`two_factor`: set-up, recovery codes, the sign-in's code step, an
//! admin's reset), password, email and search engines (`security`), which mails to receive
//! and the one-click unsubscribe link (`mails`), and deleting the account (`deletion`). Each
//! form posts to one service function; a refusal shows the form again with the message
//! beside the field (422).

pub mod deletion;
pub mod mails;
pub mod security;
pub mod two_factor;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The templates of these pages, added to every locale's Tera after the site's own.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "account/two_factor.html",
        include_str!("../../../templates/account/two_factor.html"),
    ),
    (
        "account/sign_in_code.html",
        include_str!("../../../templates/account/sign_in_code.html"),
    ),
    (
        "account/admin_two_factor.html",
        include_str!("../../../templates/account/admin_two_factor.html"),
    ),
    (
        "account/delete.html",
        include_str!("../../../templates/account/delete.html"),
    ),
    (
        "account/mails.html",
        include_str!("../../../templates/account/mails.html"),
    ),
    (
        "account/unsubscribe.html",
        include_str!("../../../templates/account/unsubscribe.html"),
    ),
    (
        "account/security.html",
        include_str!("../../../templates/account/security.html"),
    ),
];

/// The routes (merged under the page middleware in `web/routes.rs`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sign_in/two_factor", post(two_factor::answer))
        .route("/settings/two_factor", get(two_factor::show))
        .route("/settings/two_factor/setup", post(two_factor::setup))
        .route("/settings/two_factor/confirm", post(two_factor::confirm))
        .route("/settings/two_factor/disable", post(two_factor::disable))
        .route("/admin/two_factor", get(two_factor::admin_list))
        .route(
            "/admin/two_factor/{id}/reset",
            post(two_factor::admin_reset),
        )
        .route("/settings/security", get(security::show))
        .route("/settings/password", post(security::change_password))
        .route("/settings/email", post(security::change_email))
        .route("/settings/email/confirm", get(security::confirm_email))
        .route("/settings/search_engines", post(security::search_engines))
        .route("/settings/mails", get(mails::show).post(mails::save))
        .route(
            "/settings/delete",
            get(deletion::show).post(deletion::delete),
        )
        .route(
            "/unsubscribe",
            get(mails::confirm_page).post(mails::unsubscribe),
        )
}
