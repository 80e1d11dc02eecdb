//! `/settings/mutes`, `/settings/blocks` and `/settings/domain_blocks`: who and what the
//! member hides, each with its undoing, through the services behind `GET /api/v1/mutes`,
//! `/blocks` and `/domain_blocks` (and `POST …/unmute`, `…/unblock`, `DELETE
//! /api/v1/domain_blocks`). Unmute and unblock post to the profile actions' own routes with
//! this page as `return_to`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::messages;
use crate::entities::Account;
use crate::error::AppError;
use crate::http::pagination::PageParams;
use crate::services::social;
use crate::state::AppState;
use crate::web::form::{CsrfForm, SignedIn};
use crate::web::public::pager;
use crate::web::templates::{page_context, render_status};

const PAGE_SIZE: u64 = 40;

#[derive(Serialize)]
struct Hidden {
    account: Account,
    /// When a timed mute ends (ISO 8601), none for blocks and open-ended mutes.
    until: Option<String>,
}

fn context(signed: &SignedIn, state: &AppState, section: &str) -> Context {
    let mut ctx = page_context(state, &signed.session, Some(&signed.me.account.username));
    ctx.insert("section", section);
    ctx.insert("here", &format!("/settings/{section}"));
    ctx.insert("errors", &HashMap::<String, String>::new());
    ctx
}

/// `GET /settings/mutes`.
pub async fn mutes(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    let result = async {
        let page = p.page(PAGE_SIZE, 80);
        let (muted, cursors) = social::mutes(&state, signed.account_id(), &page).await?;
        let mut ctx = context(&signed, &state, "mutes");
        pager(&mut ctx, "/settings/mutes", &page, &cursors);
        let rows: Vec<Hidden> = muted
            .into_iter()
            .map(|m| Hidden {
                account: m.account,
                until: m.expires_at.map(crate::time::iso),
            })
            .collect();
        ctx.insert("accounts", &rows);
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "member_tools/hidden.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

/// `GET /settings/blocks`.
pub async fn blocks(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    let result = async {
        let page = p.page(PAGE_SIZE, 80);
        let found = social::blocks(&state, signed.account_id(), &page).await?;
        let mut ctx = context(&signed, &state, "blocks");
        pager(&mut ctx, "/settings/blocks", &page, &found.cursors);
        let rows: Vec<Hidden> = found
            .accounts
            .into_iter()
            .map(|account| Hidden {
                account,
                until: None,
            })
            .collect();
        ctx.insert("accounts", &rows);
        Ok::<_, AppError>(render_status(
            &state,
            StatusCode::OK,
            "member_tools/hidden.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}

async fn domain_page(
    state: &AppState,
    signed: &SignedIn,
    p: &PageParams,
    typed: &str,
    errors: &HashMap<&str, String>,
    status: StatusCode,
) -> Response {
    let result = async {
        let page = p.page(PAGE_SIZE, 80);
        let (domains, cursors) = social::blocked_domains(state, signed.account_id(), &page).await?;
        let mut ctx = context(signed, state, "domain_blocks");
        pager(&mut ctx, "/settings/domain_blocks", &page, &cursors);
        ctx.insert("domains", &domains);
        ctx.insert("errors", errors);
        ctx.insert("typed", typed);
        Ok::<_, AppError>(render_status(
            state,
            status,
            "member_tools/hidden.html",
            &ctx,
        ))
    }
    .await;
    result.unwrap_or_else(|e| signed.error(state, e))
}

/// `GET /settings/domain_blocks`: the blocked domains and a form to block one more.
pub async fn domain_blocks(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(p): Query<PageParams>,
) -> Response {
    domain_page(&state, &signed, &p, "", &HashMap::new(), StatusCode::OK).await
}

/// The domain form's one field, the API's `domain`.
#[derive(Debug, Default, Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    domain: String,
}

/// `POST /settings/domain_blocks` (`domain`), as `POST /api/v1/domain_blocks`.
pub async fn block_domain(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<DomainForm>,
) -> Response {
    match social::block_domain(&state, &signed.me, &form.domain).await {
        Ok(()) => Redirect::to("/settings/domain_blocks").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors =
                HashMap::from([("domain", messages::localized(signed.session.locale, &e))]);
            domain_page(
                &state,
                &signed,
                &PageParams::default(),
                &form.domain,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => signed.error(&state, e),
    }
}

/// `POST /settings/domain_blocks/delete` (`domain`), as `DELETE /api/v1/domain_blocks`.
pub async fn unblock_domain(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(form): CsrfForm<DomainForm>,
) -> Response {
    match social::unblock_domain(&state, &signed.me, &form.domain).await {
        Ok(()) => Redirect::to("/settings/domain_blocks").into_response(),
        Err(e) => signed.error(&state, e),
    }
}
