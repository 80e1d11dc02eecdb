//! `POST /api/v1/apps`, `GET /api/v1/apps/verify_credentials`.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use crate::entities::{Application, CredentialApplication};
use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::body::Payload;
use crate::http::lenient;
use crate::services::oauth::{self, NewApp};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CreateApp {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    client_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::strings")]
    redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    scopes: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    website: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    body: Payload<CreateApp>,
) -> AppResult<Json<CredentialApplication>> {
    let p = body.data;
    let (app, secret) = oauth::create_app(
        &state,
        NewApp {
            name: p.client_name.unwrap_or_default(),
            redirect_uris: p.redirect_uris,
            scopes: p.scopes,
            website: p.website,
        },
    )
    .await?;
    Ok(Json(CredentialApplication {
        application: Application::from_row(&app),
        client_id: app.client_id,
        client_secret: secret,
        client_secret_expires_at: 0,
    }))
}

pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Application>> {
    let app = crate::services::oauth::app(&state, auth.app_id)
        .await?
        .ok_or_else(|| AppError::unauthorized("The access token is invalid"))?;
    Ok(Json(Application::from_row(&app)))
}
