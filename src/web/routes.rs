//! The routes of the pages (issue 14): merged into `router.rs` with one line. Every page
//! route gets the CSRF cookie and the security headers (`ensure_csrf`).

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use super::{assets, client, public, social};
use crate::http::session;
use crate::state::AppState;

pub fn routes(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/@{name}", get(public::profile))
        .route("/@{name}/followers", get(public::relations))
        .route("/@{name}/following", get(public::relations))
        .route("/@{name}/with_replies", get(public::profile_tab))
        .route("/@{name}/media", get(public::profile_tab))
        .route("/@{name}/{id}", get(public::status))
        .route("/tags/{tag}", get(public::tag))
        .route("/home", get(client::home))
        .route("/local", get(client::local))
        .route("/federated", get(client::federated))
        .route("/notifications", get(client::notifications))
        .route("/bookmarks", get(client::marked))
        .route("/favourites", get(client::marked))
        .route("/web/accounts/{id}/{action}", post(client::account_act))
        .route(
            "/web/statuses",
            post(client::compose).layer(axum::extract::DefaultBodyLimit::max(
                crate::services::media::body_limit(&state),
            )),
        )
        .route(
            "/web/statuses/{id}/delete",
            get(client::confirm_delete).post(client::delete),
        )
        .route("/web/statuses/{id}/{action}", post(client::act))
        .merge(super::proposals::routes())
        .merge(super::settings::routes(&state))
        .merge(super::coop_site::routes())
        .merge(super::moderation::routes())
        .merge(super::treasurer::routes())
        .merge(super::govadmin::routes())
        .merge(super::admin_settings::routes())
        .merge(super::account::routes())
        .merge(super::live::routes())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::ensure_csrf,
        ));
    Router::new()
        .merge(pages)
        .merge(social::routes(state.clone()))
        .merge(super::member_tools::routes(state))
        .route("/static/{file}", get(assets::serve))
}
