//! `GET /api/v1/instance`, `/api/v2/instance`, `/api/v1/instance/rules`, and `/health`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::config::RegistrationMode;
use crate::entities::{version_string, Rule};
use crate::error::AppResult;
use crate::services::policies;
use crate::state::AppState;

/// The code of conduct in force, as Mastodon rules: each top-level clause is a rule (its
/// title the rule, its text the hint), and its id is the clause id reports cite.
pub async fn rules_in_force(state: &AppState) -> AppResult<Vec<Rule>> {
    let coc = policies::in_force(
        &state.db,
        herd_governance::bylaws::CODE_OF_CONDUCT_SLUG,
        state.clock.now_micros(),
    )
    .await?;
    Ok(coc
        .map(|doc| {
            doc.top_level_clauses()
                .map(|c| Rule {
                    id: c.id.clone(),
                    text: c.title.clone(),
                    hint: c.text.trim().to_string(),
                    translations: Default::default(),
                })
                .collect()
        })
        .unwrap_or_default())
}

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
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "description_limit": 1500,
            "image_size_limit": l.image_size_limit,
            "image_matrix_limit": l.image_matrix_limit,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
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

pub async fn v1(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let cfg = &state.config;
    let users = crate::services::accounts::local_user_count(&state).await?;
    let rules = rules_in_force(&state).await?;
    let mut configuration = configuration(&state);
    configuration["urls"] = json!({ "streaming": streaming_url(&state) });
    Ok(Json(json!({
        "uri": cfg.domain,
        "title": cfg.instance.title,
        "short_description": cfg.instance.description,
        "description": cfg.instance.description,
        "email": cfg.instance.contact_email,
        "version": version_string(),
        "urls": { "streaming_api": streaming_url(&state) },
        "stats": { "user_count": users, "status_count": 0, "domain_count": 0 },
        "thumbnail": format!("{}/avatars/original/missing.png", state.base_url()),
        "languages": cfg.instance.languages,
        "registrations": cfg.registrations.mode != RegistrationMode::Closed,
        "approval_required": cfg.registrations.mode == RegistrationMode::Approval,
        "invites_enabled": true,
        "configuration": configuration,
        "contact_account": null,
        "rules": rules,
    })))
}

pub async fn v2(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let cfg = &state.config;
    let rules = rules_in_force(&state).await?;
    let mut configuration = configuration(&state);
    configuration["urls"] = json!({
        "streaming": streaming_url(&state),
        "status": null,
        "about": format!("{}/about", state.base_url()),
        "privacy_policy": null,
        "terms_of_service": null,
    });
    configuration["vapid"] = json!({ "public_key": "" });
    configuration["translation"] = json!({ "enabled": false });
    let message =
        (!cfg.registrations.message.is_empty()).then(|| cfg.registrations.message.clone());
    Ok(Json(json!({
        "domain": cfg.domain,
        "title": cfg.instance.title,
        "version": version_string(),
        "source_url": "https://github.com/herd-coop/herd",
        "description": cfg.instance.description,
        "usage": { "users": { "active_month": crate::services::accounts::local_user_count(&state).await? } },
        "thumbnail": {
            "url": format!("{}/avatars/original/missing.png", state.base_url()),
            "blurhash": null,
            "versions": {
                "@1x": format!("{}/avatars/original/missing.png", state.base_url()),
                "@2x": format!("{}/avatars/original/missing.png", state.base_url()),
            },
        },
        "icon": [],
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
        "contact": { "email": cfg.instance.contact_email, "account": null },
        "rules": rules,
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
