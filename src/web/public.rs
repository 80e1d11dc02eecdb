//! The public pages the fediverse links to: a profile (`/@NAME`, `/@user@host`), a post in
//! its thread (`/@NAME/ID`), followers and following, a hashtag. Each shows what the client
//! API shows the same reader (an anonymous one sees public and unlisted posts only), and
//! `/@NAME` and `/@NAME/ID` answer ActivityPub clients with the documents of `/users/NAME…`.

use axum::extract::{Path, Query, State};
use axum::http::header::VARY;
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tera::Context;

use super::templates::{error_page, page_context, render};
use crate::entities::Status;
use crate::error::{AppError, AppResult};
use crate::federation::actors;
use crate::http::pagination::PageParams;
use crate::http::session::WebSession;
use crate::i18n::{text_with, Locale};
use crate::paging::Page;
use crate::services::reading::{self, Profile, Tab};
use crate::services::timelines::{self, Scope, Tags};
use crate::state::AppState;

/// OpenGraph, Twitter card, robots and the ActivityPub alternate of a page.
#[derive(Serialize, Default)]
struct Meta {
    title: String,
    description: String,
    url: String,
    og_type: &'static str,
    image: Option<String>,
    activity: Option<String>,
    noindex: bool,
}

/// The text of a fragment of sanitised HTML (for meta descriptions): tags dropped, the
/// entities the sanitiser writes decoded, at most `max` characters.
fn plain_text(html: &str, max: usize) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > max {
        let cut: String = joined.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// Older and newer links of a page of `cursors` (newest first), on `path`.
pub(super) fn pager(ctx: &mut Context, path: &str, page: &Page, cursors: &[i64]) {
    let older = match cursors.iter().min() {
        Some(oldest) if cursors.len() as i64 >= page.limit => format!("{path}?max_id={oldest}"),
        _ => String::new(),
    };
    let newer = match cursors.iter().max() {
        Some(newest) if page.max_id.is_some() => format!("{path}?min_id={newest}"),
        _ if page.max_id.is_some() => path.to_string(),
        _ => String::new(),
    };
    ctx.insert("older", &older);
    ctx.insert("newer", &newer);
}

fn with_vary(mut r: Response) -> Response {
    // The same URL answers HTML or ActivityStreams: caches must key on Accept.
    r.headers_mut()
        .insert(VARY, HeaderValue::from_static("Accept"));
    r
}

async fn signed_in_name(state: &AppState, session: &WebSession) -> AppResult<Option<String>> {
    super::auth::username_of(state, session).await
}

fn profile_meta(state: &AppState, p: &Profile) -> Meta {
    let a = &p.account;
    let name = if a.display_name.is_empty() {
        a.username.clone()
    } else {
        a.display_name.clone()
    };
    let local = !a.acct.contains('@');
    Meta {
        title: format!("{name} (@{})", handle_of(state, &a.acct)),
        description: plain_text(&a.note, 200),
        url: a.url.clone(),
        og_type: "profile",
        image: Some(a.avatar_static.clone()),
        activity: local.then(|| a.uri.clone()),
        noindex: a.noindex.unwrap_or(false) || a.suspended.unwrap_or(false),
    }
}

/// The full handle shown on a page: `alice@this.domain` for a local account.
fn handle_of(state: &AppState, acct: &str) -> String {
    if acct.contains('@') {
        acct.to_string()
    } else {
        format!("{acct}@{}", state.config.domain)
    }
}

const PAGE_SIZE: u64 = 20;

async fn profile_page(
    state: &AppState,
    session: &WebSession,
    name: &str,
    tab: Tab,
    p: &PageParams,
) -> AppResult<Response> {
    let profile = reading::account_by_handle(state, name).await?;
    let page = p.page(PAGE_SIZE, 40);
    let me = signed_in_name(state, session).await?;
    let mut ctx = page_context(state, session, me.as_deref());
    let suspended = profile.account.suspended.unwrap_or(false);
    let (statuses, cursors, pinned) = if suspended {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let t = reading::account_posts(state, session.account_id, profile.id, tab, &page).await?;
        let pinned = if tab == Tab::Posts && page.max_id.is_none() && page.min_id.is_none() {
            reading::pinned(state, session.account_id, profile.id).await?
        } else {
            Vec::new()
        };
        (t.statuses, t.cursors, pinned)
    };
    let (tab_name, path) = match tab {
        Tab::Posts => ("posts", format!("/@{}", profile.account.acct)),
        Tab::WithReplies => (
            "with_replies",
            format!("/@{}/with_replies", profile.account.acct),
        ),
        Tab::Media => ("media", format!("/@{}/media", profile.account.acct)),
    };
    pager(&mut ctx, &path, &page, &cursors);
    let name = if profile.account.display_name.is_empty() {
        profile.account.username.clone()
    } else {
        profile.account.display_name.clone()
    };
    let relationship = match session.account_id {
        Some(viewer) if viewer != profile.id && !suspended => {
            Some(crate::services::social::relationship(state, viewer, profile.id).await?)
        }
        _ => None,
    };
    ctx.insert("relationship", &relationship);
    // The accounts it features, public as the profile is (`GET /api/v1/accounts/:id/endorsements`).
    let featured = if suspended || tab != Tab::Posts {
        Vec::new()
    } else {
        let first = PageParams::default().page(12, 40);
        crate::services::endorsements::endorsed(state, profile.id, &first)
            .await?
            .0
    };
    ctx.insert("featured", &featured);
    ctx.insert("meta", &profile_meta(state, &profile));
    ctx.insert("name", &name);
    ctx.insert("handle", &handle_of(state, &profile.account.acct));
    ctx.insert("account", &profile.account);
    ctx.insert("tab", tab_name);
    ctx.insert("here", &path);
    ctx.insert("statuses", &statuses);
    ctx.insert("pinned", &pinned);
    Ok(render(state, "pages/profile.html", &ctx)?.into_response())
}

/// `GET /@NAME`: the profile, or the actor document for an ActivityPub client.
pub async fn profile(
    State(state): State<AppState>,
    session: WebSession,
    Path(name): Path<String>,
    Query(p): Query<PageParams>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if actors::wants_ap(&headers) && !name.contains('@') {
        let doc = actors::actor(State(state), Path(name), uri, headers).await;
        return with_vary(doc.unwrap_or_else(IntoResponse::into_response));
    }
    let r = profile_page(&state, &session, &name, Tab::Posts, &p).await;
    with_vary(r.unwrap_or_else(|e| error_page(&state, &session, e)))
}

/// `GET /@NAME/with_replies` and `/@NAME/media` (the last segment decides).
pub async fn profile_tab(
    State(state): State<AppState>,
    session: WebSession,
    Path(name): Path<String>,
    Query(p): Query<PageParams>,
    uri: Uri,
) -> Response {
    let tab = if uri.path().ends_with("/media") {
        Tab::Media
    } else {
        Tab::WithReplies
    };
    profile_page(&state, &session, &name, tab, &p)
        .await
        .unwrap_or_else(|e| error_page(&state, &session, e))
}

fn status_meta(state: &AppState, s: &Status, locale: Locale) -> Meta {
    let a = &s.account;
    let name = if a.display_name.is_empty() {
        a.username.clone()
    } else {
        a.display_name.clone()
    };
    // Behind a content warning, only the warning is quoted.
    let description = if s.spoiler_text.is_empty() {
        plain_text(&s.content, 200)
    } else {
        s.spoiler_text.clone()
    };
    let local = !a.acct.contains('@');
    let image = s
        .media_attachments
        .iter()
        .find(|m| m["type"] == "image")
        .and_then(|m| m["preview_url"].as_str())
        .filter(|_| !s.sensitive)
        .map(String::from)
        .or_else(|| Some(a.avatar_static.clone()));
    Meta {
        title: text_with(
            locale,
            "status-page-title",
            &[("name", &name), ("handle", &handle_of(state, &a.acct))],
        ),
        description,
        url: format!("{}/@{}/{}", state.base_url(), a.acct, s.id),
        og_type: "article",
        image,
        activity: local.then(|| s.uri.clone()),
        noindex: a.noindex.unwrap_or(false),
    }
}

/// Whether `name` from a URL names the account `acct` (`alice`, `alice@this.domain`).
fn same_account(state: &AppState, name: &str, acct: &str) -> bool {
    let name = name.trim_start_matches('@');
    let local = format!("@{}", state.config.domain);
    let name = name.strip_suffix(local.as_str()).unwrap_or(name);
    name.eq_ignore_ascii_case(acct)
}

async fn status_page(
    state: &AppState,
    session: &WebSession,
    name: &str,
    id: &str,
) -> AppResult<Response> {
    let thread = reading::thread(state, session.account_id, id).await?;
    if !same_account(state, name, &thread.status.account.acct) {
        return Err(AppError::not_found());
    }
    let me = signed_in_name(state, session).await?;
    let mut ctx = page_context(state, session, me.as_deref());
    ctx.insert("meta", &status_meta(state, &thread.status, session.locale));
    ctx.insert(
        "here",
        &format!("/@{}/{}", thread.status.account.acct, thread.status.id),
    );
    ctx.insert("ancestors", &thread.ancestors);
    ctx.insert("status", &thread.status);
    ctx.insert("descendants", &thread.descendants);
    Ok(render(state, "pages/status.html", &ctx)?.into_response())
}

/// `GET /@NAME/ID`: the post in its thread, or the Note for an ActivityPub client.
pub async fn status(
    State(state): State<AppState>,
    session: WebSession,
    Path((name, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if actors::wants_ap(&headers) && !name.contains('@') {
        let doc = actors::status(State(state), Path((name, id)), uri, headers).await;
        return with_vary(doc.unwrap_or_else(IntoResponse::into_response));
    }
    let r = status_page(&state, &session, &name, &id).await;
    with_vary(r.unwrap_or_else(|e| error_page(&state, &session, e)))
}

async fn relations_page(
    state: &AppState,
    session: &WebSession,
    name: &str,
    followers: bool,
    p: &PageParams,
) -> AppResult<Response> {
    let profile = reading::account_by_handle(state, name).await?;
    let page = p.page(40, 80);
    let listed = if profile.account.suspended.unwrap_or(false) {
        Some((Vec::new(), Vec::new()))
    } else {
        reading::relations(state, session.account_id, profile.id, followers, &page).await?
    };
    let me = signed_in_name(state, session).await?;
    let mut ctx = page_context(state, session, me.as_deref());
    let who = if profile.account.display_name.is_empty() {
        profile.account.username.clone()
    } else {
        profile.account.display_name.clone()
    };
    let key = if followers {
        "followers-heading"
    } else {
        "following-heading"
    };
    ctx.insert(
        "heading",
        &text_with(session.locale, key, &[("name", &who)]),
    );
    ctx.insert("account", &profile.account);
    ctx.insert("noindex", &profile.account.noindex.unwrap_or(false));
    let path = format!(
        "/@{}/{}",
        profile.account.acct,
        if followers { "followers" } else { "following" }
    );
    match listed {
        Some((accounts, cursors)) => {
            pager(&mut ctx, &path, &page, &cursors);
            ctx.insert("hidden", &false);
            ctx.insert("accounts", &accounts);
        }
        None => {
            pager(&mut ctx, &path, &page, &[]);
            ctx.insert("hidden", &true);
            ctx.insert("accounts", &Vec::<()>::new());
        }
    }
    Ok(render(state, "pages/accounts.html", &ctx)?.into_response())
}

/// `GET /@NAME/followers` and `/@NAME/following` (the second segment decides).
pub async fn relations(
    State(state): State<AppState>,
    session: WebSession,
    Path(name): Path<String>,
    Query(p): Query<PageParams>,
    uri: Uri,
) -> Response {
    let followers = uri.path().ends_with("/followers");
    relations_page(&state, &session, &name, followers, &p)
        .await
        .unwrap_or_else(|e| error_page(&state, &session, e))
}

/// `GET /tags/TAG`: public posts with the hashtag.
pub async fn tag(
    State(state): State<AppState>,
    session: WebSession,
    Path(tag): Path<String>,
    Query(p): Query<PageParams>,
) -> Response {
    let result = async {
        let name = crate::services::tags::normalise(&tag)?;
        let page = p.page(PAGE_SIZE, 40);
        let tags = Tags {
            tag: &name,
            any: &[],
            all: &[],
            none: &[],
        };
        let t =
            timelines::tagged(&state, session.account_id, tags, Scope::default(), &page).await?;
        let me = signed_in_name(&state, &session).await?;
        let mut ctx = page_context(&state, &session, me.as_deref());
        let path = format!("/tags/{}", name.to_lowercase());
        pager(&mut ctx, &path, &page, &t.cursors);
        ctx.insert("tag", &name);
        // Whether the member follows it (the Tag entity's `following`), for the follow form.
        let following = match session.account_id {
            Some(viewer) => crate::services::tags::show(&state, Some(viewer), &name).await?
                ["following"]
                .as_bool()
                .unwrap_or(false),
            None => false,
        };
        ctx.insert("tag_following", &following);
        ctx.insert("here", &path);
        ctx.insert("statuses", &t.statuses);
        Ok::<_, AppError>(render(&state, "pages/tag.html", &ctx)?.into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&state, &session, e))
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn plain_text_drops_tags_and_cuts() {
        assert_eq!(
            plain_text("<p>Hello &amp; <a href=\"x\">you</a></p><p>there</p>", 100),
            "Hello & you there"
        );
        assert_eq!(plain_text("abcdef", 4), "abc…");
    }
}
