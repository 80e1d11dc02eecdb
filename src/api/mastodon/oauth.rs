//! `POST /oauth/token`, `POST /oauth/revoke`, `/.well-known/oauth-authorization-server`.
//! The HTML authorize pages are in `web::oauth`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::entities::Token;
use crate::error::AppResult;
use crate::http::body::Payload;
use crate::http::ClientIp;
use crate::scopes;
use crate::services::oauth::{self, TokenParams};
use crate::state::AppState;

pub async fn token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: Payload<TokenParams>,
) -> AppResult<Json<Token>> {
    let issued = oauth::token(&state, body.data, ip).await?;
    Ok(Json(Token {
        access_token: issued.access_token,
        token_type: "Bearer",
        scope: issued.scopes.to_string(),
        created_at: issued.created_at / 1_000_000,
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    body: Payload<TokenParams>,
) -> AppResult<Json<Value>> {
    oauth::revoke(&state, body.data).await?;
    Ok(Json(json!({})))
}

/// RFC 8414 metadata. Mastodon.py reads it before logging in and checks the grant types.
pub async fn metadata(State(state): State<AppState>) -> Json<Value> {
    let base = state.base_url();
    let mut grants = vec!["authorization_code", "client_credentials"];
    if state.config.auth.password_grant {
        grants.push("password");
    }
    Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": scopes::all(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
    }))
}
