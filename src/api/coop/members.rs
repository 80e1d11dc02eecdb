//! `GET /api/v1/coop/members`, `/members/:account_id`, `POST /members/:account_id/admit`,
//! `GET|POST|DELETE /api/v1/coop/membership`, `GET|PATCH /api/v1/coop/preferences`.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::body::Body;
use super::finance_bodies::CheckoutBody;
use super::{paging_headers, parse_id};
use crate::entities::coop::{Member, Preferences};
use crate::error::{AppError, AppResult};
use crate::http::auth::Auth;
use crate::http::lenient;
use crate::http::pagination::PageParams;
use crate::services::{dues, membership};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct RosterQuery {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    state: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<RosterQuery>,
) -> AppResult<(HeaderMap, Json<Vec<Member>>)> {
    let me = auth.user(&state, "read").await?;
    let page = q.page.page(40, 80);
    let (list, cursors) =
        membership::roster(&state, me.account.id, q.state.as_deref(), &page).await?;
    Ok((paging_headers(&state, &uri, &page, &cursors), Json(list)))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
) -> AppResult<Json<Member>> {
    let me = auth.user(&state, "read").await?;
    Ok(Json(
        membership::member(&state, me.account.id, parse_id(&account_id)?).await?,
    ))
}

pub async fn admit(
    State(state): State<AppState>,
    auth: Auth,
    Path(account_id): Path<String>,
) -> AppResult<Json<Member>> {
    let me = auth.user(&state, "write").await?;
    let m = membership::admit_by_admin(&state, me.account.id, parse_id(&account_id)?).await?;
    Ok(Json(Member::from_data(&state, &m)))
}

/// The caller's own membership (404 when they never applied).
pub async fn mine(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Member>> {
    let me = auth.user(&state, "read").await?;
    let m = membership::get(&state, me.account.id).await?;
    Ok(Json(Member::from_data(&state, &m)))
}

#[derive(Debug, Deserialize)]
pub struct Application {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    note: Option<String>,
    /// DESIGN §7's "apply (or pay dues)": `{dues: {mode, amount?, periods?}}` starts a Stripe
    /// Checkout for the caller's dues, as `POST dues/checkout` does.
    #[serde(default)]
    dues: Option<CheckoutBody>,
}

pub async fn apply(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<Application>,
) -> AppResult<Response> {
    let me = auth.user(&state, "write").await?;
    let body = body.data;
    if let Some(dues) = body.dues {
        let session = dues::checkout(&state, me.account.id, dues.validate()?).await?;
        return Ok(Json(session).into_response());
    }
    let m = membership::apply(&state, me.account.id, body.note.as_deref().unwrap_or("")).await?;
    Ok(Json(Member::from_data(&state, &m)).into_response())
}

pub async fn withdraw(State(state): State<AppState>, auth: Auth) -> AppResult<Json<Member>> {
    let me = auth.user(&state, "write").await?;
    let m = membership::withdraw(&state, me.account.id).await?;
    Ok(Json(Member::from_data(&state, &m)))
}

pub async fn preferences(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<Preferences>> {
    let me = auth.user(&state, "read").await?;
    let m = membership::get(&state, me.account.id).await?;
    Ok(Json(Preferences {
        email_proposals: m.membership.email_proposals != 0,
    }))
}

#[derive(Debug, Deserialize)]
pub struct PreferencesUpdate {
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    email_proposals: Option<bool>,
}

impl PreferencesUpdate {
    /// Whether the member wants proposal mails (the one preference, so it is required).
    pub fn validate(self) -> AppResult<bool> {
        self.email_proposals
            .ok_or_else(|| AppError::validation("email_proposals", "ERR_BLANK", "can't be blank"))
    }
}

pub async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth,
    body: Body<PreferencesUpdate>,
) -> AppResult<Json<Preferences>> {
    let me = auth.user(&state, "write").await?;
    let on = body.data.validate()?;
    let m = membership::set_email_proposals(&state, me.account.id, on).await?;
    Ok(Json(Preferences {
        email_proposals: m.membership.email_proposals != 0,
    }))
}
