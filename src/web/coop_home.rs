//! `/coop`: what needs me. Open proposals I have not voted on (closing soonest first), my
//! membership and dues, recent decisions with their outcomes, and the balances when the
//! bylaws let me read the ledger. A non-member sees how to join instead of a 403.
//!
//! `/coop` is also the co-op's ActivityPub actor: a request that does not ask for HTML (an
//! ActivityPub client, or one that names no type) gets the actor document, as before.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::form::SignedIn;
use super::templates::{page_context, render};
use crate::entities::coop::Proposal;
use crate::error::AppError;
use crate::paging::Page;
use crate::services::{ledger, membership, proposals as svc};
use crate::state::AppState;

#[derive(Serialize)]
struct Balance {
    name: String,
    code: String,
    amounts: Vec<String>,
}

/// Whether the request asks for a page rather than the actor document.
fn wants_html(headers: &HeaderMap) -> bool {
    !crate::federation::actors::wants_ap(headers)
        && headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("text/html"))
}

/// `GET /coop`: the page for a browser, the co-op's actor for anyone else.
pub async fn coop(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    if !wants_html(&parts.headers) {
        let r = crate::federation::actors::coop_actor(
            State(state),
            parts.uri.clone(),
            parts.headers.clone(),
        )
        .await;
        return with_vary(r.unwrap_or_else(IntoResponse::into_response));
    }
    with_vary(
        match SignedIn::from_request_parts(&mut parts, &state).await {
            Ok(signed) => coop_page(state, signed).await,
            Err(r) => r,
        },
    )
}

/// The same URL answers HTML or ActivityStreams: caches must key on Accept.
fn with_vary(mut r: Response) -> Response {
    r.headers_mut()
        .insert(VARY, axum::http::HeaderValue::from_static("Accept"));
    r
}

async fn coop_page(state: AppState, signed: SignedIn) -> Response {
    let me = signed.account_id();
    let result = async {
        let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
        ctx.insert("here", "/coop");
        let member = match membership::member(&state, me, me).await {
            Ok(m) => Some(m),
            Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
                None
            }
            Err(e) => return Err(e),
        };
        ctx.insert("member", &member);
        let paid_until = membership::dues_paid_until(&state, me)
            .await?
            .map(crate::time::iso);
        ctx.insert("dues_paid_until", &paid_until);
        let reader = member
            .as_ref()
            .is_some_and(|m| m.state == "active" || m.state == "lapsed");
        let (mut open, recent): (Vec<Proposal>, Vec<Proposal>) = if reader {
            let page = Page::first(40);
            let (open, _) = svc::proposals_page(&state, me, Some("open"), &page).await?;
            let (all, _) = svc::proposals_page(&state, me, None, &page).await?;
            let recent = all
                .into_iter()
                .filter(|p| p.result.is_some())
                .take(5)
                .collect();
            (open, recent)
        } else {
            (Vec::new(), Vec::new())
        };
        let active = member.as_ref().is_some_and(|m| m.state == "active");
        open.retain(|p| active && p.my_vote.is_none());
        open.sort_by(|a, b| a.closes_at.cmp(&b.closes_at));
        ctx.insert("needs_vote", &open);
        ctx.insert("recent", &recent);
        let balances = match ledger::chart_of_accounts(&state, Some(me)).await {
            Ok(accounts) => Some(
                accounts
                    .into_iter()
                    .filter(|a| a.kind == "asset" && a.balances.values().any(|v| *v != 0))
                    .map(|a| Balance {
                        amounts: a
                            .balances
                            .iter()
                            .map(|(c, v)| {
                                format!("{} {c}", herd_governance::ledger::format_amount(*v, c))
                            })
                            .collect(),
                        name: a.name,
                        code: a.code,
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(e) if e.status == StatusCode::FORBIDDEN || e.status == StatusCode::NOT_FOUND => {
                None
            }
            Err(e) => return Err(e),
        };
        ctx.insert("balances", &balances);
        Ok::<_, AppError>(render(&state, "proposals/coop.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| signed.error(&state, e))
}
