//! Every route, grouped by surface.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, VARY};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::Router;
use tower_http::cors::{Any, CorsLayer};

use crate::api::mastodon::{
    accounts, apps, exports, filters, instance, media, migration, misc, notifications, oauth,
    polls, relationships as rel, scheduled, statuses, tags, timelines,
};
use crate::error::AppError;
use crate::http::{rate_limit, session};
use crate::state::AppState;
use crate::web;

pub fn router(state: AppState) -> Router {
    let upload_limit = crate::services::media::body_limit(&state);
    let api = Router::new()
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route(
            "/api/v1/accounts",
            get(accounts::several).post(accounts::create),
        )
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        // Avatars and headers: update_credentials takes both files in one body.
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials)
                .layer(DefaultBodyLimit::max(upload_limit.saturating_mul(2))),
        )
        .route("/api/v1/profile/avatar", delete(accounts::delete_avatar))
        .route("/api/v1/profile/header", delete(accounts::delete_header))
        .route("/api/v1/accounts/relationships", get(rel::relationships))
        .route(
            "/api/v1/accounts/familiar_followers",
            get(rel::familiar_followers),
        )
        .route("/api/v1/accounts/search", get(rel::search))
        .route("/api/v1/accounts/{id}", get(accounts::get))
        .route("/api/v1/accounts/{id}/statuses", get(rel::statuses))
        .route("/api/v1/accounts/{id}/followers", get(rel::followers))
        .route("/api/v1/accounts/{id}/following", get(rel::following))
        .route("/api/v1/accounts/{id}/follow", post(rel::follow))
        .route("/api/v1/accounts/{id}/unfollow", post(rel::unfollow))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(rel::remove_from_followers),
        )
        .route("/api/v1/accounts/{id}/block", post(rel::block))
        .route("/api/v1/accounts/{id}/unblock", post(rel::unblock))
        .route("/api/v1/accounts/{id}/mute", post(rel::mute))
        .route("/api/v1/accounts/{id}/unmute", post(rel::unmute))
        .route("/api/v1/follow_requests", get(rel::follow_requests))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(rel::authorize_request),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(rel::reject_request),
        )
        .route("/api/v1/blocks", get(rel::blocks))
        .route("/api/v1/mutes", get(rel::mutes))
        .route(
            "/api/v1/domain_blocks",
            get(rel::domain_blocks)
                .post(rel::block_domain)
                .delete(rel::unblock_domain),
        )
        .route(
            "/api/v1/statuses",
            get(statuses::several).post(statuses::create),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::get)
                .delete(statuses::delete)
                .put(statuses::edit),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog))
        .route("/api/v1/statuses/{id}/favourite", post(statuses::favourite))
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(statuses::unfavourite),
        )
        .route("/api/v1/statuses/{id}/bookmark", post(statuses::bookmark))
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            post(statuses::unbookmark),
        )
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route("/api/v1/statuses/{id}/mute", post(statuses::mute))
        .route("/api/v1/statuses/{id}/unmute", post(statuses::unmute))
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(statuses::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(statuses::reblogged_by),
        )
        // Media, polls and scheduled statuses (issue 3).
        .route(
            "/api/v2/media",
            post(media::upload_v2).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/api/v1/media",
            post(media::upload_v1).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/api/v1/media/{id}",
            get(media::get).put(media::update).delete(media::delete),
        )
        .route("/api/v1/polls/{id}", get(polls::get))
        .route("/api/v1/polls/{id}/votes", post(polls::vote))
        .route("/api/v1/scheduled_statuses", get(scheduled::list))
        .route(
            "/api/v1/scheduled_statuses/{id}",
            get(scheduled::get)
                .put(scheduled::update)
                .delete(scheduled::delete),
        )
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{tag}", get(timelines::tag))
        .route("/api/v1/timelines/link", get(timelines::link))
        .route("/api/v1/bookmarks", get(timelines::bookmarks))
        .route("/api/v1/favourites", get(timelines::favourites))
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/clear", post(notifications::clear))
        .route("/api/v2/notifications/clear", post(notifications::clear))
        .route(
            "/api/v1/notifications/unread_count",
            get(notifications::unread_count),
        )
        .route("/api/v1/notifications/{id}", get(notifications::get))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss),
        )
        .route(
            "/api/v1/markers",
            get(misc::get_markers).post(misc::set_markers),
        )
        .route("/api/v1/preferences", get(misc::preferences))
        .route("/api/v1/custom_emojis", get(misc::empty_list))
        .route("/api/v1/announcements", get(misc::empty_list_for_user))
        .route("/api/v1/trends", get(misc::empty_public_list))
        .route("/api/v1/trends/tags", get(misc::empty_public_list))
        .route("/api/v1/trends/statuses", get(misc::empty_public_list))
        .route("/api/v1/trends/links", get(misc::empty_public_list))
        // Filters (v2, and the v1 projection), tags, followed and featured tags.
        .route("/api/v1/filters", get(filters::index_v1))
        .route("/api/v1/filters/{id}", get(filters::show_v1))
        .route("/api/v2/filters", get(filters::index).post(filters::create))
        .route(
            "/api/v2/filters/{id}",
            get(filters::show)
                .put(filters::update)
                .delete(filters::destroy),
        )
        .route(
            "/api/v2/filters/{id}/keywords",
            get(filters::keywords).post(filters::add_keyword),
        )
        .route(
            "/api/v2/filters/keywords/{id}",
            get(filters::keyword)
                .put(filters::update_keyword)
                .delete(filters::delete_keyword),
        )
        .route(
            "/api/v2/filters/{id}/statuses",
            get(filters::statuses).post(filters::add_status),
        )
        .route(
            "/api/v2/filters/statuses/{id}",
            get(filters::filter_status).delete(filters::delete_status),
        )
        .route("/api/v1/tags/{name}", get(tags::show))
        .route("/api/v1/tags/{name}/follow", post(tags::follow))
        .route("/api/v1/tags/{name}/unfollow", post(tags::unfollow))
        .route("/api/v1/tags/{name}/feature", post(tags::feature_tag))
        .route("/api/v1/tags/{name}/unfeature", post(tags::unfeature_tag))
        .route("/api/v1/followed_tags", get(tags::followed))
        .route(
            "/api/v1/featured_tags",
            get(tags::featured).post(tags::feature),
        )
        .route("/api/v1/featured_tags/{id}", delete(tags::unfeature))
        .route("/api/v1/featured_tags/suggestions", get(tags::suggestions))
        .route("/api/v1/accounts/{id}/featured_tags", get(tags::of_account))
        // Your data, yours to take: CSV exports and imports in Mastodon's formats.
        .route("/api/v1/herd/exports/{file}", get(exports::export))
        .route(
            "/api/v1/herd/imports",
            get(exports::list).post(exports::import),
        )
        .route("/api/v1/herd/imports/{id}", get(exports::show))
        // Account migration (federation): aliases (alsoKnownAs) and Move.
        .route(
            "/api/v1/herd/aliases",
            get(migration::list)
                .post(migration::add)
                .delete(migration::remove),
        )
        .route("/api/v1/herd/migration", post(migration::migrate))
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
        .merge(crate::api::coop::candidacy::routes())
        .merge(crate::api::mastodon::cards::routes())
        .merge(instance::routes())
        .merge(stream_lists_search())
        .merge(moderation_routes())
        .merge(crate::api::mastodon::notifications_v2::routes())
        .merge(crate::api::mastodon::endorsements::routes())
        .merge(crate::api::mastodon::discovery::routes())
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
        .route(
            "/avatars/original/missing.png",
            get(web::pages::missing_image),
        )
        .route(
            "/headers/original/missing.png",
            get(web::pages::missing_image),
        )
        .route("/health", get(instance::health))
        .route("/health/ready", get(crate::metrics::ready))
        // Files are served whole or by byte range, never encoded (http::compression).
        .route(
            "/system/media/{dir}/{file}",
            get(media::file).layer(middleware::map_response(uncompressed)),
        );

    // ActivityPub federation: discovery, actor documents, collections, inboxes.
    let federation = {
        use crate::federation::{actors as ap, inbox};
        Router::new()
            .route("/.well-known/webfinger", get(ap::webfinger))
            .route("/.well-known/host-meta", get(ap::host_meta))
            .route("/.well-known/nodeinfo", get(ap::nodeinfo_links))
            .route("/nodeinfo/{version}", get(ap::nodeinfo))
            .route("/actor", get(ap::instance_actor))
            .route("/actor/outbox", get(ap::instance_outbox))
            .route("/actor/inbox", post(inbox::shared_inbox))
            // GET /coop (the actor for ActivityPub, the page for browsers): web::coop_home.
            .route("/coop/inbox", post(inbox::shared_inbox))
            .route("/coop/{collection}", get(ap::coop_collection))
            .route("/inbox", post(inbox::shared_inbox))
            .route("/users/{username}", get(ap::actor))
            .route("/users/{username}/inbox", post(inbox::user_inbox))
            .route("/users/{username}/outbox", get(ap::outbox))
            .route("/users/{username}/followers", get(ap::followers))
            .route("/users/{username}/following", get(ap::following))
            .route("/users/{username}/collections/featured", get(ap::featured))
            .route("/users/{username}/collections/tags", get(ap::featured_tags))
            .route("/users/{username}/statuses/{id}", get(ap::status))
            .route(
                "/users/{username}/quote_authorizations/{id}",
                get(ap::quote_authorization),
            )
    };

    let router = Router::new()
        .merge(api)
        .merge(federation)
        .merge(pages)
        .merge(assets)
        .merge(web::routes::routes(state.clone()))
        .merge(crate::api::mastodon::quotes::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(
            crate::http::error_language::localize_errors,
        ))
        .layer(crate::http::compression::layer());
    // Requests are counted and timed only when something scrapes them (HERD_METRICS_LISTEN).
    let router = if state.config.cluster.metrics_listen.is_empty() {
        router
    } else {
        router.layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
    };
    router.with_state(state)
}

/// Streaming, lists, conversations and search (issue 3's streaming slice).
fn stream_lists_search() -> Router<AppState> {
    use crate::api::mastodon::{conversations, lists, search, streaming};
    let mut r = Router::new()
        .route("/api/v1/streaming", get(streaming::websocket))
        .route("/api/v1/streaming/health", get(streaming::health));
    for path in [
        "user",
        "user/notification",
        "public",
        "public/local",
        "public/remote",
        "public/media",
        "public/local/media",
        "public/remote/media",
        "hashtag",
        "hashtag/local",
        "list",
        "direct",
    ] {
        r = r.route(&format!("/api/v1/streaming/{path}"), get(streaming::sse));
    }
    r.route("/api/v1/lists", get(lists::index).post(lists::create))
        .route(
            "/api/v1/lists/{id}",
            get(lists::show).put(lists::update).delete(lists::destroy),
        )
        .route(
            "/api/v1/lists/{id}/accounts",
            get(lists::accounts)
                .post(lists::add_accounts)
                .delete(lists::remove_accounts),
        )
        .route("/api/v1/accounts/{id}/lists", get(lists::of_account))
        .route("/api/v1/timelines/list/{id}", get(lists::timeline))
        .route("/api/v1/conversations", get(conversations::index))
        .route("/api/v1/conversations/{id}", delete(conversations::destroy))
        .route("/api/v1/conversations/{id}/read", post(conversations::read))
        .route(
            "/api/v1/conversations/{id}/unread",
            post(conversations::unread),
        )
        .route("/api/v2/search", get(search::v2))
}

/// Moderation (issue 6): reports, Mastodon's admin API with `policy_clause`, the public list of
/// blocked domains.
fn moderation_routes() -> Router<AppState> {
    use crate::api::mastodon::admin;
    use axum::routing::delete;
    Router::new()
        .route("/api/v1/reports", post(admin::create_report))
        .route(
            "/api/v1/instance/domain_blocks",
            get(admin::public_domain_blocks),
        )
        .route("/api/v1/admin/reports", get(admin::reports))
        .route("/api/v1/admin/reports/{id}", get(admin::report))
        .route(
            "/api/v1/admin/reports/{id}/assign_to_self",
            post(admin::assign_to_self),
        )
        .route("/api/v1/admin/reports/{id}/unassign", post(admin::unassign))
        .route("/api/v1/admin/reports/{id}/resolve", post(admin::resolve))
        .route("/api/v1/admin/reports/{id}/reopen", post(admin::reopen))
        .route("/api/v1/admin/accounts", get(admin::accounts_v1))
        .route("/api/v2/admin/accounts", get(admin::accounts_v2))
        .route("/api/v1/admin/accounts/{id}", get(admin::account))
        .route("/api/v1/admin/accounts/{id}/action", post(admin::action))
        .route(
            "/api/v1/admin/accounts/{id}/unsilence",
            post(admin::unsilence),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsuspend",
            post(admin::unsuspend),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsensitive",
            post(admin::unsensitive),
        )
        .route("/api/v1/admin/accounts/{id}/enable", post(admin::enable))
        .route("/api/v1/admin/accounts/{id}/approve", post(admin::approve))
        .route("/api/v1/admin/accounts/{id}/reject", post(admin::reject))
        .route("/api/v1/admin/statuses/{id}", delete(admin::delete_status))
        .route(
            "/api/v1/admin/statuses/{id}/delete",
            post(admin::delete_status),
        )
        .route(
            "/api/v1/admin/domain_blocks",
            get(admin::domain_blocks).post(admin::create_domain_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(admin::domain_block)
                .put(admin::update_domain_block)
                .delete(admin::delete_domain_block),
        )
        .route(
            "/api/v1/admin/domain_allows",
            get(admin::domain_allows).post(admin::create_domain_allow),
        )
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(admin::domain_allow).delete(admin::delete_domain_allow),
        )
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

async fn uncompressed(mut response: Response) -> Response {
    response
        .extensions_mut()
        .insert(crate::http::compression::Uncompressed);
    response
}

/// Unknown API paths get Mastodon's JSON error; anything else the site's error page.
async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/oauth/") {
        return AppError::new(StatusCode::NOT_FOUND, "Record not found").into_response();
    }
    // No form on this page needs a CSRF token (it shows nobody as signed in).
    let locale = crate::i18n::Locale::from_headers(req.headers());
    web::templates::error_page_in(
        &state,
        locale,
        "",
        AppError::new(
            StatusCode::NOT_FOUND,
            crate::i18n::text(locale, "error-no-page"),
        ),
    )
}
