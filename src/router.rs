//! Every route, grouped by surface.

use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, VARY};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{Any, CorsLayer};

use crate::api::mastodon::{accounts, apps, instance, oauth};
use crate::error::AppError;
use crate::http::{rate_limit, session};
use crate::state::AppState;
use crate::web;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route("/api/v1/accounts", post(accounts::create))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route("/api/v1/accounts/{id}", get(accounts::get))
        .route(
            "/api/v1/emails/confirmations",
            post(accounts::resend_confirmation),
        )
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v1/instance/rules", get(instance::rules))
        .route("/api/v2/instance", get(instance::v2))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .merge(crate::api::coop::routes())
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .layer(middleware::from_fn(api_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::api_limit,
        ))
        .layer(cors());

    let pages = Router::new()
        .route("/", get(web::pages::index))
        .route("/about", get(web::pages::index))
        .route(
            "/auth/sign_in",
            get(web::auth::sign_in_page).post(web::auth::sign_in),
        )
        .route("/auth/sign_out", post(web::auth::sign_out))
        .route(
            "/auth/sign_up",
            get(web::auth::sign_up_page).post(web::auth::sign_up),
        )
        .route("/auth/confirmation", get(web::auth::confirmation))
        .route("/auth/password/new", get(web::auth::password_new))
        .route("/auth/password", post(web::auth::password_request))
        .route(
            "/auth/password/edit",
            get(web::auth::password_edit).post(web::auth::password_update),
        )
        .route(
            "/oauth/authorize",
            get(web::oauth::authorize_page).post(web::oauth::authorize),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::ensure_csrf,
        ));

    let assets = Router::new()
        .route("/static/herd.css", get(web::pages::css))
        .route(
            "/avatars/original/missing.png",
            get(web::pages::missing_image),
        )
        .route(
            "/headers/original/missing.png",
            get(web::pages::missing_image),
        )
        .route("/health", get(instance::health));

    Router::new()
        .merge(api)
        .merge(pages)
        .merge(assets)
        .fallback(not_found)
        .with_state(state)
}

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            axum::http::header::LINK,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderName::from_static("x-request-id"),
        ])
}

/// Authenticated answers must never be cached by a shared cache.
async fn api_headers(req: Request, next: Next) -> Response {
    let authed = req.headers().contains_key(AUTHORIZATION);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if authed {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    h.insert(VARY, HeaderValue::from_static("Authorization, Origin"));
    response
}

/// Unknown API paths get Mastodon's JSON error; anything else a small page.
async fn not_found(req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/oauth/") {
        return AppError::new(StatusCode::NOT_FOUND, "Record not found").into_response();
    }
    (
        StatusCode::NOT_FOUND,
        axum::response::Html("<!doctype html><title>Not found</title><h1>Not found</h1><p><a href=\"/\">Front page</a></p>"),
    )
        .into_response()
}
