//! `GET /search?q=&type=`: accounts, hashtags and posts through the service behind
//! `GET /api/v2/search`, with `resolve` on (a signed-in reader), so `user@host` and a post's or
//! profile's URL are looked up on their server as Mastodon does.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::super::form::SignedIn;
use super::super::templates::{page_context, render_status};
use crate::entities::SearchResults;
use crate::services::search;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    kind: String,
}

/// The tabs of the results: (type, label key).
const KINDS: &[(&str, &str)] = &[
    ("", "search-all"),
    ("accounts", "search-accounts"),
    ("hashtags", "search-hashtags"),
    ("statuses", "search-statuses"),
];

pub async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(form): Query<SearchForm>,
) -> Response {
    let me = signed.account_id();
    let mut errors: HashMap<&str, String> = HashMap::new();
    let mut status = axum::http::StatusCode::OK;
    let results = if form.q.trim().is_empty() {
        None
    } else {
        let q = search::Query {
            q: form.q.clone(),
            kind: Some(form.kind.clone()).filter(|k| !k.is_empty()),
            limit: Some(20),
            offset: None,
            following: false,
            account_id: None,
            resolve: true,
        };
        match search::search(&state, Some(me), q).await {
            Ok(r) => Some(r),
            Err(e) if e.status.is_client_error() => {
                status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                errors.insert("q", e.message.clone());
                None
            }
            Err(e) => return signed.error(&state, e),
        }
    };
    let mut ctx = page_context(&state, &signed.session, Some(&signed.me.account.username));
    let here = format!(
        "/search?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &form.q)
            .append_pair("type", &form.kind)
            .finish()
    );
    let tabs: Vec<(String, &str, bool)> = KINDS
        .iter()
        .map(|(k, label)| {
            let href = format!(
                "/search?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("q", &form.q)
                    .append_pair("type", k)
                    .finish()
            );
            (href, *label, *k == form.kind)
        })
        .collect();
    let empty = results.as_ref().is_some_and(|r: &SearchResults| {
        r.accounts.is_empty() && r.hashtags.is_empty() && r.statuses.is_empty()
    });
    ctx.insert("form", &form);
    ctx.insert("errors", &errors);
    ctx.insert("results", &results);
    ctx.insert("empty", &empty);
    ctx.insert("tabs", &tabs);
    ctx.insert("here", &here);
    render_status(&state, status, "social/search.html", &ctx)
}
