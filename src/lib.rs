//! Herd: a fediverse server its members own and govern.
//!
//! Module map (calls go one way: surfaces → services → governance / storage):
//! - [`cli`]: the `herd` command (serve, migrate, admin …)
//! - [`config`]: defaults, TOML file, `HERD_*` environment, validation
//! - [`state`]: the shared `App` (config, db, mailer, templates, clock, limiter)
//! - [`router`]: every route, grouped by surface
//! - [`http`]: extractors (token and scopes, web session and CSRF, any-encoding bodies),
//!   paging, rate limits
//! - [`api`]: the Mastodon client API and OAuth (later the co-op API)
//! - [`web`]: HTML pages (Tera)
//! - [`entities`]: the view model (Mastodon entity types) both surfaces render; services
//!   build them
//! - [`federation`]: ActivityPub: discovery, actors, signatures, the guarded fetcher, inbox
//! - [`services`]: use cases, each committing its writes in one transaction
//! - [`storage`]: all SQL, one code path for SQLite and PostgreSQL
//! - [`paging`]: a page of a list (Mastodon's cursor semantics), taken by every layer
//! - [`admin_queries`]: the filters of the moderators' lists, taken by every layer
//! - [`i18n`]: the Fluent catalogues (`locales/`) and the reader's locale;
//!   [`error_messages`]: an error's English message in the reader's language
//! - [`mail`], [`secrets`], [`scopes`], [`ids`], [`time`], [`error`]: small shared pieces
//!
//! Where a change goes (docs/architecture.md has the long form):
//! - A new endpoint: its route in [`router`]; a handler in [`api`] or [`web`] that extracts,
//!   calls one function of [`services`] and maps the result to its wire type ([`entities`] or
//!   `entities::coop`); the SQL in [`storage`] (a schema change is a new file in
//!   `migrations/`); a test over HTTP in `tests/`.
//! - A new proposal kind: `ProposalKind` and its bylaws `decisions` rule in the governance
//!   crate (`herd_governance::bylaws`), a rule in every bylaws document (`bylaws/bylaws.md`),
//!   its payload check and enactment in `services::proposals` (`create`, `enact`).
//! - A new sanction: `Sanction` in `herd_governance::bylaws`, the clauses that permit it in the
//!   policies' front matter (`bylaws/*.md`), its effect in `services::moderation`.

pub mod admin_queries;
pub mod api;
pub mod bench;
pub mod bench_cluster;
pub mod bench_compression;
pub mod bench_drivers;
pub mod bench_federation;
pub mod bench_jobs;
pub mod bench_web;
pub mod cli;
pub mod config;
pub mod entities;
pub mod error;
pub mod error_messages;
pub mod federation;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod paging;
pub mod router;
pub mod scopes;
pub mod secrets;
pub mod services;
pub mod state;
pub mod storage;
pub mod text;
pub mod time;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::Request;
use axum::ServiceExt;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::state::AppState;

/// The application router with its outer layers (request ids, tracing).
pub fn app(state: AppState) -> axum::Router {
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let node = state.node.clone();
    router::router(state)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(move |req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", node = %node, method = %req.method(), path = %req.uri().path(), request_id = %id)
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Trailing slashes are trimmed before routing (Mastodon.py calls `/api/v1/instance/`).
    let service = NormalizePathLayer::trim_trailing_slash().layer(app(state));
    axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
