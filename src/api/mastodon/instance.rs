//! `GET /api/v1/instance`, `/api/v2/instance`, `/api/v1/instance/rules`, the instance's
//! other documents (peers, activity, languages, extended description, privacy policy, terms
//! of service, translation languages), and `/health`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::config::RegistrationMode;
use crate::entities::{version_string, Rule, MASTODON_COMPAT};
use crate::error::{AppError, AppResult};
use crate::services::instance::{
    self as info, rules_in_force, PRIVACY_POLICY_SLUGS, TERMS_OF_SERVICE_SLUGS,
};
use crate::services::instance_settings as settings;
use crate::state::AppState;

pub async fn rules(State(state): State<AppState>) -> AppResult<Json<Vec<Rule>>> {
    Ok(Json(rules_in_force(&state).await?))
}

fn configuration(state: &AppState) -> Value {
    let l = &state.config.limits;
    json!({
        "accounts": {
            "max_featured_tags": 10,
            "max_pinned_statuses": 5,
            "max_display_name_length": l.max_display_name_length,
            "max_note_length": l.max_note_length,
            "max_profile_fields": l.max_profile_fields,
        },
        "statuses": {
            "max_characters": l.max_characters,
            "max_media_attachments": l.max_media_attachments,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": [
                "image/jpeg", "image/png", "image/gif", "image/webp",
                "video/mp4", "video/webm", "video/quicktime",
                "audio/mpeg", "audio/mp3", "audio/ogg", "audio/wav", "audio/wave", "audio/x-wav",
                "audio/mp4", "audio/x-m4a", "audio/flac", "audio/x-flac", "audio/webm",
            ],
            "description_limit": 1500,
            "image_size_limit": l.image_size_limit,
            "image_matrix_limit": l.image_matrix_limit,
            "video_size_limit": l.video_size_limit,
            "video_frame_rate_limit": crate::services::av::VIDEO_FRAME_RATE_LIMIT as u64,
            "video_matrix_limit": crate::services::av::VIDEO_MATRIX_LIMIT,
            "audio_size_limit": l.audio_size_limit,
        },
        "polls": {
            "max_options": l.max_poll_options,
            "max_characters_per_option": l.max_poll_option_characters,
            "min_expiration": 300,
            "max_expiration": 2_629_746,
        },
    })
}

fn streaming_url(state: &AppState) -> String {
    let scheme = if state.config.scheme == "https" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{}", state.config.domain)
}

/// The contact account as an Account entity, when an admin named one.
async fn contact_account(state: &AppState) -> AppResult<Value> {
    let id = settings::contact_account_id(state).await?;
    Ok(
        match crate::services::moderation::account_entity(state, id).await? {
            Some(a) => serde_json::to_value(a).map_err(AppError::internal)?,
            None => Value::Null,
        },
    )
}

pub async fn v1(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let cfg = &state.config;
    // Title, descriptions and contact: what an admin set on /admin, over the config's.
    let s = settings::current(&state);
    let users = crate::services::accounts::local_user_count(&state).await?;
    let rules = rules_in_force(&state).await?;
    let mut configuration = configuration(&state);
    configuration["urls"] = json!({ "streaming": streaming_url(&state) });
    Ok(Json(json!({
        "uri": cfg.domain,
        "title": s.title,
        "short_description": s.description,
        "description": s.description,
        "email": s.contact_email,
        "version": version_string(),
        "urls": { "streaming_api": streaming_url(&state) },
        "stats": { "user_count": users, "status_count": 0, "domain_count": 0 },
        "thumbnail": format!("{}/avatars/original/missing.png", state.base_url()),
        "languages": cfg.instance.languages,
        "registrations": cfg.registrations.mode != RegistrationMode::Closed,
        "approval_required": cfg.registrations.mode == RegistrationMode::Approval,
        "invites_enabled": true,
        "configuration": configuration,
        "contact_account": contact_account(&state).await?,
        "rules": rules,
    })))
}

pub async fn v2(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let cfg = &state.config;
    let s = settings::current(&state);
    let rules = rules_in_force(&state).await?;
    let mut configuration = configuration(&state);
    // A co-op document serves as a policy when one is in force under a fitting slug; its URL
    // is the policy's page (its clauses, versions and the proposal that adopted it).
    let policy_url =
        |slug: Option<String>| slug.map(|s| format!("{}/policies/{s}", state.base_url()));
    configuration["urls"] = json!({
        "streaming": streaming_url(&state),
        "status": null,
        "about": format!("{}/about", state.base_url()),
        "privacy_policy": policy_url(info::policy_slug(&state, PRIVACY_POLICY_SLUGS).await?),
        "terms_of_service": policy_url(info::policy_slug(&state, TERMS_OF_SERVICE_SLUGS).await?),
    });
    configuration["vapid"] = json!({ "public_key": "" });
    configuration["translation"] = json!({ "enabled": false });
    configuration["limited_federation"] = json!(false);
    let access = &s.timelines_access;
    let pair = |p: &crate::config::FeedAccessPair| json!({ "local": p.local.as_str(), "remote": p.remote.as_str() });
    configuration["timelines_access"] = json!({
        "live_feeds": pair(&access.live_feeds),
        "hashtag_feeds": pair(&access.hashtag_feeds),
        "trending_link_feeds": pair(&access.trending_link_feeds),
    });
    let message =
        (!cfg.registrations.message.is_empty()).then(|| cfg.registrations.message.clone());
    let mut v2 = json!({
        "domain": cfg.domain,
        "title": s.title,
        "version": version_string(),
        "source_url": "https://github.com/herd-coop/herd",
        "description": s.description,
        "usage": { "users": { "active_month": crate::services::accounts::local_user_count(&state).await? } },
        "thumbnail": {
            "url": format!("{}/avatars/original/missing.png", state.base_url()),
            "blurhash": null,
            "versions": {
                "@1x": format!("{}/avatars/original/missing.png", state.base_url()),
                "@2x": format!("{}/avatars/original/missing.png", state.base_url()),
            },
        },
        "icon": [{
            "src": format!("{}/avatars/original/missing.png", state.base_url()),
            "size": "120x120",
        }],
        "languages": cfg.instance.languages,
        "configuration": configuration,
        "registrations": {
            "enabled": cfg.registrations.mode != RegistrationMode::Closed,
            "approval_required": cfg.registrations.mode == RegistrationMode::Approval,
            "reason_required": cfg.registrations.mode == RegistrationMode::Approval,
            "message": message,
            "url": null,
            "min_age": null,
        },
        "contact": { "email": s.contact_email, "account": contact_account(&state).await? },
        "rules": rules,
    });
    if let Some(level) = api_level(MASTODON_COMPAT) {
        v2["api_versions"] = json!({ "mastodon": level });
    }
    Ok(Json(v2))
}

/// The Mastodon API level Herd serves (`api_versions.mastodon`, 4.3+): 2 is 4.3's grouped
/// notifications, 7 4.5's quote posts (docs/mastodon-api-routes.md lists what is served).
/// Raise it with the version claim.
pub const MASTODON_API_LEVEL: u32 = 7;

/// `api_versions` exists from 4.3 on: a 4.2 claim carries none (clients read its absence).
fn api_level(claim: &str) -> Option<u32> {
    let mut parts = claim.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next()?, parts.next().unwrap_or(0));
    (major > 4 || (major == 4 && minor >= 3)).then_some(MASTODON_API_LEVEL)
}

/// The instance's documents besides v1, v2 and rules (merged into the router in one line).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/instance/peers", get(peers))
        .route("/api/v1/instance/activity", get(activity))
        .route("/api/v1/instance/languages", get(languages))
        .route(
            "/api/v1/instance/extended_description",
            get(extended_description),
        )
        .route(
            "/api/v1/instance/translation_languages",
            get(translation_languages),
        )
        .route("/api/v1/instance/privacy_policy", get(privacy_policy))
        .route("/api/v1/instance/terms_of_service", get(terms_of_service))
}

pub async fn peers(State(state): State<AppState>) -> AppResult<Json<Vec<String>>> {
    Ok(Json(info::peers(&state).await?))
}

pub async fn activity(State(state): State<AppState>) -> AppResult<Json<Vec<info::WeekActivity>>> {
    Ok(Json(info::activity(&state).await?))
}

pub async fn languages() -> Json<Value> {
    Json(Value::Array(
        info::languages()
            .into_iter()
            .map(|(code, name)| json!({ "code": code, "name": name }))
            .collect(),
    ))
}

pub async fn extended_description(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let d = info::extended_description(&state).await?;
    Ok(Json(json!({
        "updated_at": crate::time::iso(d.effective_at),
        "content": d.html,
    })))
}

/// No translation service: an empty map, as Mastodon answers without one.
pub async fn translation_languages() -> Json<Value> {
    Json(json!({}))
}

/// The co-op's privacy policy in force, or 404 when it has adopted none.
pub async fn privacy_policy(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let d = info::policy_document(&state, PRIVACY_POLICY_SLUGS)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(json!({
        "updated_at": crate::time::iso(d.effective_at),
        "content": d.html,
    })))
}

/// The co-op's terms of service in force (4.4's entity), or 404 when it has adopted none.
pub async fn terms_of_service(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let d = info::policy_document(&state, TERMS_OF_SERVICE_SLUGS)
        .await?
        .ok_or_else(AppError::not_found)?;
    let date = crate::time::iso(d.effective_at);
    Ok(Json(json!({
        "effective_date": date.get(..10).unwrap_or(&date),
        "effective": true,
        "content": d.html,
        "succeeded_by": null,
    })))
}

/// `GET /health`: 200 "OK" when the database answers.
pub async fn health(State(state): State<AppState>) -> (axum::http::StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(_) => (axum::http::StatusCode::OK, "OK"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_versions_come_with_a_4_3_claim() {
        assert_eq!(super::api_level("4.2.0"), None);
        assert_eq!(super::api_level("4.3.2"), Some(super::MASTODON_API_LEVEL));
        assert_eq!(super::api_level("4.5.0"), Some(super::MASTODON_API_LEVEL));
    }
}
