//! The co-op's JSON API under `/api/v1/coop/` (DESIGN §7): members and membership, proposals and
//! votes, the governance log, policies. Mastodon conventions: string ids, `Link` paging,
//! `{"error"}` bodies, `read` / `write` scopes.

pub mod body;
pub mod candidacy;
pub mod finance_bodies;
pub mod ledger;
pub mod members;
pub mod moderation;
pub mod policies;
pub mod proposals;

use axum::http::header::LINK;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;

use crate::http::pagination::link_header;
use crate::paging::Page;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/coop/members", get(members::list))
        .route("/api/v1/coop/members/{account_id}", get(members::get))
        .route(
            "/api/v1/coop/members/{account_id}/admit",
            post(members::admit),
        )
        .route(
            "/api/v1/coop/membership",
            get(members::mine)
                .post(members::apply)
                .delete(members::withdraw),
        )
        .route(
            "/api/v1/coop/preferences",
            get(members::preferences).patch(members::update_preferences),
        )
        .route(
            "/api/v1/coop/proposals",
            get(proposals::list).post(proposals::create),
        )
        .route("/api/v1/coop/proposals/{id}", get(proposals::get))
        .route("/api/v1/coop/proposals/{id}/votes", post(proposals::vote))
        .route("/api/v1/coop/events", get(proposals::events))
        .route("/api/v1/coop/policies", get(policies::list))
        .route("/api/v1/coop/policies/{slug}", get(policies::get))
        .route(
            "/api/v1/coop/policies/{slug}/versions",
            get(policies::versions),
        )
        .route(
            "/api/v1/coop/policies/{slug}/versions/{n}",
            get(policies::version),
        )
        .route("/api/v1/coop/policies/{slug}/diff", get(policies::diff))
        // Moderation: strikes, appeals, the log.
        .route("/api/v1/coop/moderation/strikes", get(moderation::strikes))
        .route(
            "/api/v1/coop/moderation/strikes/{id}/appeal",
            post(moderation::appeal),
        )
        .route("/api/v1/coop/moderation/appeals", get(moderation::appeals))
        .route(
            "/api/v1/coop/moderation/appeals/{id}/approve",
            post(moderation::approve),
        )
        .route(
            "/api/v1/coop/moderation/appeals/{id}/reject",
            post(moderation::reject),
        )
        .route("/api/v1/coop/moderation/log", get(moderation::log))
        // Finances: the ledger, expenses, dues and Stripe (issue 7).
        .route("/api/v1/coop/ledger/accounts", get(ledger::accounts))
        .route(
            "/api/v1/coop/ledger/transactions",
            get(ledger::transactions).post(ledger::create_transaction),
        )
        .route(
            "/api/v1/coop/ledger/transactions/{id}",
            get(ledger::transaction)
                .put(ledger::posted_is_final)
                .patch(ledger::posted_is_final)
                .delete(ledger::posted_is_final),
        )
        .route(
            "/api/v1/coop/ledger/transactions/{id}/attachments/{aid}",
            get(ledger::attachment),
        )
        .route(
            "/api/v1/coop/ledger/budgets",
            get(ledger::budgets).put(ledger::set_budgets),
        )
        .route("/api/v1/coop/ledger/report", get(ledger::report))
        .route("/api/v1/coop/ledger/verify", get(ledger::verify))
        .route("/api/v1/coop/ledger.csv", get(ledger::csv))
        .route(
            "/api/v1/coop/expenses",
            get(ledger::list_expenses).post(ledger::submit_expense),
        )
        .route("/api/v1/coop/expenses/{id}", get(ledger::get_expense))
        .route(
            "/api/v1/coop/expenses/{id}/approve",
            post(ledger::approve_expense),
        )
        .route(
            "/api/v1/coop/expenses/{id}/reject",
            post(ledger::reject_expense),
        )
        .route("/api/v1/coop/expenses/{id}/pay", post(ledger::pay_expense))
        .route(
            "/api/v1/coop/expenses/{id}/proposal",
            post(ledger::propose_expense),
        )
        .route(
            "/api/v1/coop/expenses/{id}/receipts/{rid}",
            get(ledger::receipt),
        )
        .route(
            "/api/v1/coop/members/{account_id}/dues",
            post(ledger::record_dues),
        )
        .route(
            "/api/v1/coop/members/{account_id}/share",
            post(ledger::record_share),
        )
        .route("/api/v1/coop/membership/dues", get(ledger::my_dues))
        .route("/api/v1/coop/stripe/webhook", post(ledger::stripe_webhook))
        .route("/api/v1/coop/dues/checkout", post(ledger::dues_checkout))
}

/// The `Link` header for a page of items with these cursor ids.
pub fn paging_headers(
    state: &AppState,
    uri: &axum::http::Uri,
    page: &Page,
    cursors: &[i64],
) -> HeaderMap {
    let mut h = HeaderMap::new();
    let url = format!("{}{}", state.base_url(), uri.path());
    if let Some(v) = link_header(&url, uri.query().unwrap_or(""), page, cursors) {
        h.insert(LINK, v);
    }
    h
}

/// Path ids are strings of digits; anything else is a 404, as Mastodon answers.
pub fn parse_id(s: &str) -> Result<i64, crate::error::AppError> {
    s.parse().map_err(|_| crate::error::AppError::not_found())
}
