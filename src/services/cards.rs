//! Link preview cards (Mastodon's PreviewCard). When a status is created or edited here, or
//! a remote one is ingested or updated, [`queue`] (in that transaction) finds its first link
//! that is not a mention or a hashtag and queues [`Job::FetchCard`]. The job fetches the page
//! through the SSRF-guarded fetcher (same address rules as federation), at most
//! [`PAGE_CAP`] bytes of HTML within `link_previews.timeout_seconds`, reads its OpenGraph /
//! Twitter metadata and its JSON oEmbed (a `rich` / `video` embed kept only as a sanitised
//! https iframe), makes the image a local preview as remote attachments' are (`imaging`),
//! and stores the card once per URL. The status then shows it (`card`, and the deprecated
//! `GET /api/v1/statuses/:id/card`), and its streams hear `status.update`, as Mastodon's do.
//!
//! A post linking a page whose card is cached shows it at once; one linking a page being
//! fetched for another post waits for that fetch (linked to its `pending` card), so a burst of
//! posts linking one page makes one fetch, and each hears `status.update` when it is ready.
//!
//! A page that cannot be fetched, is not HTML, is over the cap or too slow gives no card: the
//! URL is remembered as failed and not fetched again for a day, and the job is not retried.
//! A ready card is reused for two weeks, then fetched again for the next status that links it.
//! Cards are not federated: each server fetches its own, as Mastodon does.

use std::time::Duration;

use url::Url;

use crate::entities::card::{PreviewCard, PreviewCardAuthor};
use crate::entities::media::file_url;
use crate::entities::Account;
use crate::error::AppResult;
use crate::federation::fetch;
use crate::ids;
use crate::jobs::{self, Job};
use crate::services::card_pages::{self, PageMeta};
use crate::services::imaging;
use crate::state::AppState;
use crate::storage::accounts::AccountRow;
use crate::storage::cards::{self as store, CardRow};
use crate::storage::WriteTx;
use crate::time::MICROS_PER_MINUTE;

/// The most HTML read from a page.
pub const PAGE_CAP: usize = 1024 * 1024;
/// The most read of an oEmbed answer.
const OEMBED_CAP: usize = 64 * 1024;
/// The most read of a card's image (and never more than `limits.image_size_limit`).
const IMAGE_CAP: u64 = 8 * 1024 * 1024;
const DAY: i64 = 24 * 60 * MICROS_PER_MINUTE;
/// A ready card is reused this long.
const FRESH_FOR: i64 = 14 * DAY;
/// A URL that gave no card is not fetched again before this.
const RETRY_FAILED_AFTER: i64 = DAY;

/// Whether the status [`queue`] is called for was just created (it shows no card yet) or
/// edited (it may show one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Edited,
}

/// In the transaction that stores a status's new content: gives it the card of its first
/// link when that link changed, and drops the card it showed when the link went. A card
/// cached fresh is linked at once and a link that failed lately is left alone; only a URL
/// with no usable card queues a fetch, so a popular link costs one lookup per post, not a job.
pub async fn queue(
    state: &AppState,
    tx: &mut WriteTx,
    status_id: i64,
    content: &str,
    written: Written,
    now: i64,
) -> sqlx::Result<()> {
    let link = card_pages::first_link(content);
    if written == Written::Edited {
        let current = store::linked_url(&mut ***tx, status_id).await?;
        if link.is_some() && link == current {
            return Ok(());
        }
        if current.is_some() {
            store::unlink(&mut ***tx, status_id).await?;
        }
    }
    let Some(url) = link else {
        return Ok(());
    };
    if !crate::services::instance_settings::current(state).link_previews {
        return Ok(());
    }
    // A fresh card, or another post's fetch of this page under way (the post waits for it,
    // linked to the card that becomes ready: a burst of posts linking one page makes one
    // fetch).
    if store::link_if_usable(
        &mut ***tx,
        status_id,
        &url,
        now - FRESH_FOR,
        now - PENDING_FOR,
    )
    .await?
    {
        return Ok(());
    }
    match store::by_url(&mut ***tx, &url).await? {
        Some(c) if failed_lately(&c, now) => Ok(()),
        Some(c) if c.state == "ready" => {
            // Stale: shown until the fetch replaces it.
            store::link(&mut ***tx, status_id, c.id, &url).await?;
            jobs::enqueue(tx, &Job::FetchCard { status_id, url }, now).await
        }
        cached => {
            let pending = CardRow {
                id: cached.map_or_else(|| ids::next_id_at(now / 1000), |c| c.id),
                url: url.clone(),
                state: PENDING.into(),
                kind: "link".into(),
                fetched_at: now,
                created_at: now,
                ..CardRow::default()
            };
            let card_id = store::upsert(&mut ***tx, &pending).await?;
            store::link(&mut ***tx, status_id, card_id, &url).await?;
            jobs::enqueue(tx, &Job::FetchCard { status_id, url }, now).await
        }
    }
}

/// A card being fetched: its statuses wait for it, linked but shown nothing.
const PENDING: &str = "pending";
/// A fetch pending longer than this (its job lost to a crash past its retries) is queued
/// again by the next post that links the page.
const PENDING_FOR: i64 = 10 * MICROS_PER_MINUTE;
/// The most statuses told that the card they waited for is ready.
const ANNOUNCED_WAITERS: i64 = 200;

fn fresh(c: &CardRow, now: i64) -> bool {
    c.state == "ready" && c.fetched_at > now - FRESH_FOR
}

fn failed_lately(c: &CardRow, now: i64) -> bool {
    c.state == "failed" && c.fetched_at > now - RETRY_FAILED_AFTER
}

/// The job: the card of `url` for `status_id` (cached, or fetched now).
pub async fn fetch_for_status(state: &AppState, status_id: i64, url: &str) -> anyhow::Result<()> {
    if !crate::services::instance_settings::current(state).link_previews {
        return Ok(());
    }
    let now = state.clock.now_micros();
    let cached = store::by_url(&state.db.pool, url).await?;
    match &cached {
        // A job queued before a fetch of the same page finished.
        Some(c) if fresh(c, now) => return show(state, status_id, c.id, url, false).await,
        Some(c) if failed_lately(c, now) => return Ok(()),
        _ => {}
    }
    let limit = Duration::from_secs(state.config.link_previews.timeout_seconds.max(1));
    let fetched = match tokio::time::timeout(limit, build(state, url)).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} s", limit.as_secs())),
    };
    let id = cached
        .as_ref()
        .map(|c| c.id)
        .unwrap_or_else(|| ids::next_id_at(now / 1000));
    let (mut card, image) = match fetched {
        Ok(made) => made,
        Err(why) => {
            tracing::info!(url = %url, reason = %why, "no link preview");
            if let Some(c) = cached.filter(|c| c.state == "ready") {
                // The page is away for now: the card it had stays.
                return show(state, status_id, c.id, url, false).await;
            }
            let failed = CardRow {
                id,
                url: url.to_string(),
                state: "failed".into(),
                kind: "link".into(),
                fetched_at: now,
                created_at: now,
                ..CardRow::default()
            };
            store::upsert(&state.db.pool, &failed).await?;
            return Ok(());
        }
    };
    card.id = id;
    card.fetched_at = now;
    card.created_at = cached.as_ref().map_or(now, |c| c.created_at);
    let image = match image {
        Some(bytes) => image_preview(state, bytes).await,
        None => None,
    };
    if let Some(p) = image {
        let key = format!("{}/card.{}", uuid::Uuid::new_v4().simple(), p.extension);
        match state.media.put(&key, p.thumbnail).await {
            Ok(()) => {
                card.image_key = key;
                card.image_width = i64::from(p.thumb_width);
                card.image_height = i64::from(p.thumb_height);
                card.blurhash = Some(p.blurhash);
                if card.kind == "link" {
                    card.width = card.image_width;
                    card.height = card.image_height;
                }
            }
            Err(e) => tracing::warn!(url = %url, error = %e, "could not store a card's image"),
        }
    }
    // Statuses that waited for a first card (not a refresh) hear that it is ready.
    let waited = cached.as_ref().is_none_or(|c| c.state != "ready");
    let stored = async {
        let card_id = store::upsert(&state.db.pool, &card).await?;
        show(state, status_id, card_id, url, waited).await
    }
    .await;
    let replaced = cached
        .map(|c| c.image_key)
        .filter(|k| !k.is_empty() && *k != card.image_key);
    let orphan = if stored.is_ok() {
        replaced
    } else {
        Some(card.image_key.clone()).filter(|k| !k.is_empty())
    };
    if let Some(key) = orphan {
        if let Err(e) = state.media.delete(&key).await {
            tracing::warn!(key = %key, error = %e, "could not delete a card's old image");
        }
    }
    stored
}

/// Links the status to its card, if it still links that page, and tells its streams
/// (`status.update`); with `waiters`, tells those of the other statuses linked to the card too.
async fn show(
    state: &AppState,
    status_id: i64,
    card_id: i64,
    url: &str,
    waiters: bool,
) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    let status = crate::storage::statuses::by_id(&mut **tx, status_id).await?;
    if status.is_some_and(|s| card_pages::first_link(&s.content).as_deref() == Some(url)) {
        store::link(&mut **tx, status_id, card_id, url).await?;
        tx.record(crate::storage::Change::StatusEdited(status_id));
    }
    if waiters {
        for id in store::linked_statuses(&mut **tx, card_id, ANNOUNCED_WAITERS).await? {
            if id != status_id {
                tx.record(crate::storage::Change::StatusEdited(id));
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Fetches the page behind `url` and makes its card (without id or times); fetches its image
/// too (the time limit covers the fetches; decoding comes after).
async fn build(state: &AppState, url: &str) -> Result<(CardRow, Option<Vec<u8>>), String> {
    let page = fetch::get_page(
        state,
        url,
        "text/html, application/xhtml+xml;q=0.9",
        PAGE_CAP,
    )
    .await
    .map_err(|e| e.to_string())?;
    let html_type = page.content_type.starts_with("text/html")
        || page.content_type.starts_with("application/xhtml+xml");
    if !html_type {
        return Err(format!("content type {:?}", page.content_type));
    }
    let html = String::from_utf8_lossy(&page.body);
    let meta = card_pages::parse_page(&html, &page.url);
    let oembed = match &meta.oembed {
        Some(endpoint) => oembed(state, endpoint).await,
        None => None,
    };
    let mut card = card_of(url, &page.url, &meta, oembed.as_ref());
    card.author_account_id = creator(state, &meta, &page.url).await;
    let image_url = oembed
        .as_ref()
        .map(|o| {
            if o.kind == "photo" {
                o.url.as_str()
            } else {
                o.thumbnail_url.as_str()
            }
        })
        .filter(|u| !u.is_empty())
        .or_else(|| {
            meta.first(&[
                "og:image:secure_url",
                "og:image:url",
                "og:image",
                "twitter:image",
                "twitter:image:src",
            ])
        })
        .and_then(|u| page.url.join(u).ok());
    let image = match image_url {
        Some(u) => image_bytes(state, u.as_str()).await,
        None => None,
    };
    Ok((card, image))
}

/// The JSON oEmbed answer at `endpoint`, or None for anything else.
async fn oembed(state: &AppState, endpoint: &Url) -> Option<card_pages::OEmbed> {
    let res = fetch::get_page(state, endpoint.as_str(), "application/json", OEMBED_CAP)
        .await
        .ok()?;
    if !(res.content_type.contains("json") || res.content_type.is_empty()) {
        return None;
    }
    card_pages::parse_oembed(&res.body)
}

/// The fields of a card from what the page (and its oEmbed) say.
fn card_of(
    url: &str,
    page_url: &Url,
    meta: &PageMeta,
    oembed: Option<&card_pages::OEmbed>,
) -> CardRow {
    let text = |s: Option<&str>, max: usize| card_pages::plain(s.unwrap_or(""), max);
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let o = oembed.cloned().unwrap_or_default();
    let mut kind = "link".to_string();
    let mut html = String::new();
    let mut embed_url = String::new();
    let (mut width, mut height) = (0, 0);
    match o.kind.as_str() {
        "rich" | "video" => {
            if let Some(clean) = card_pages::sanitize_embed(&o.html) {
                kind = o.kind.clone();
                html = clean;
                width = o.width;
                height = o.height;
            }
        }
        "photo" if !o.url.is_empty() => {
            kind = "photo".into();
            embed_url = page_url.join(&o.url).map(String::from).unwrap_or_default();
            width = o.width;
            height = o.height;
        }
        _ => {}
    }
    let title = nonempty(&o.title)
        .or_else(|| meta.first(&["og:title", "twitter:title"]).map(String::from))
        .unwrap_or_else(|| meta.title.clone());
    let provider_name = nonempty(&o.provider_name)
        .or_else(|| {
            meta.first(&["og:site_name", "application-name"])
                .map(String::from)
        })
        .unwrap_or_default();
    let author_name = nonempty(&o.author_name)
        .or_else(|| {
            meta.first(&["author", "article:author", "twitter:creator"])
                .filter(|a| Url::parse(a).is_err())
                .map(String::from)
        })
        .unwrap_or_default();
    let language = meta
        .lang
        .clone()
        .or_else(|| meta.get("og:locale").map(|l| l.replace('_', "-")))
        .and_then(|l| l.split('-').next().map(str::to_ascii_lowercase))
        .filter(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    let published_at = meta
        .first(&["article:published_time", "og:published_time"])
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_micros());
    let http_url = |s: &str| {
        Url::parse(s)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from)
            .unwrap_or_default()
    };
    CardRow {
        url: url.to_string(),
        state: "ready".into(),
        kind,
        title: text(Some(&title), 300),
        description: text(
            meta.first(&["og:description", "twitter:description", "description"]),
            1000,
        ),
        author_name: text(Some(&author_name), 300),
        author_url: http_url(&o.author_url),
        provider_name: text(Some(&provider_name), 300),
        provider_url: http_url(&o.provider_url),
        html,
        width,
        height,
        image_description: text(meta.first(&["og:image:alt", "twitter:image:alt"]), 1500),
        embed_url,
        language,
        published_at,
        ..CardRow::default()
    }
}

/// The account a page credits with `fediverse:creator` (4.3), when it is known here and may
/// be credited for a page of that host: the page's host is the account's domain, or one of
/// the account's `attribution_domains` (4.4), or under one of them. A page elsewhere credits
/// nobody rather than anyone it names.
async fn creator(state: &AppState, meta: &PageMeta, page_url: &Url) -> Option<i64> {
    let named = meta
        .get("fediverse:creator")?
        .trim()
        .trim_start_matches('@');
    let (username, domain) = named.split_once('@')?;
    let domain = domain.to_ascii_lowercase();
    let host_of = |authority: &str| -> String {
        Url::parse(&format!("http://{authority}/"))
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default()
    };
    let page_host = page_url.host_str()?.to_ascii_lowercase();
    let local = domain == state.config.domain.to_ascii_lowercase();
    let account = if local {
        crate::storage::accounts::local_account_by_username(&state.db.pool, username).await
    } else {
        crate::storage::federation::remote_account_by_acct(&state.db.pool, username, &domain).await
    }
    .ok()??;
    let under = |credited: &str| {
        !credited.is_empty()
            && (page_host == credited || page_host.ends_with(&format!(".{credited}")))
    };
    let may = under(&host_of(&domain))
        || crate::services::federation::attribution_domains(state, account.id)
            .await
            .ok()?
            .iter()
            .any(|d| under(d));
    (may && account.suspended_at.is_none()).then_some(account.id)
}

/// The card's image file, or None.
async fn image_bytes(state: &AppState, url: &str) -> Option<Vec<u8>> {
    let cap = usize::try_from(state.config.limits.image_size_limit.min(IMAGE_CAP)).ok()?;
    match fetch::get_media(state, url, cap).await {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::info!(url = %url, error = %e, "a card's image was not fetched");
            None
        }
    }
}

/// The card's image as a preview made like a remote attachment's, or None.
async fn image_preview(state: &AppState, bytes: Vec<u8>) -> Option<imaging::Preview> {
    let permit = crate::services::media::decode_permits()
        .acquire()
        .await
        .ok()?;
    let matrix = state.config.limits.image_matrix_limit;
    let made = tokio::task::spawn_blocking(move || imaging::preview_of(&bytes, matrix))
        .await
        .ok()?;
    drop(permit);
    made.ok()
}

/// The wire card; `author` is its credited author's account when there is one.
pub fn entity(state: &AppState, c: &CardRow, author: Option<&AccountRow>) -> PreviewCard {
    let account = author.filter(|a| a.suspended_at.is_none());
    let mut authors = Vec::new();
    if !c.author_name.is_empty() || account.is_some() {
        authors.push(PreviewCardAuthor {
            name: if c.author_name.is_empty() {
                account
                    .map(|a| {
                        if a.display_name.is_empty() {
                            a.username.clone()
                        } else {
                            a.display_name.clone()
                        }
                    })
                    .unwrap_or_default()
            } else {
                c.author_name.clone()
            },
            url: if c.author_url.is_empty() {
                account.map(|a| a.url.clone()).unwrap_or_default()
            } else {
                c.author_url.clone()
            },
            account: account.map(|a| Account::from_row(state, a, &[])),
        });
    }
    PreviewCard {
        url: c.url.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        language: c.language.clone(),
        kind: c.kind.clone(),
        author_name: c.author_name.clone(),
        author_url: c.author_url.clone(),
        provider_name: c.provider_name.clone(),
        provider_url: c.provider_url.clone(),
        html: c.html.clone(),
        width: c.width,
        height: c.height,
        image: (!c.image_key.is_empty()).then(|| file_url(state, &c.image_key)),
        image_description: c.image_description.clone(),
        embed_url: c.embed_url.clone(),
        blurhash: c.blurhash.clone(),
        published_at: c.published_at.map(crate::time::iso),
        authors,
    }
}

/// `GET /api/v1/statuses/:id/card` (deprecated): the card of a status the viewer may see, or
/// `{}` when it has none.
pub async fn of_status(
    state: &AppState,
    viewer: Option<i64>,
    id: &str,
) -> AppResult<serde_json::Value> {
    let row = crate::services::statuses::visible(state, id, viewer).await?;
    let status =
        crate::services::render::status(state, crate::services::render::Viewer(viewer), &row)
            .await?;
    Ok(status
        .card
        .unwrap_or_else(|| serde_json::Value::Object(Default::default())))
}

/// Drops the preview images of cards fetched longer ago than `image_retention_days` (the
/// row first, then its file), so card images do not grow without end; part of the media
/// sweep.
pub async fn evict_old_images(state: &AppState) -> anyhow::Result<()> {
    let days = state.config.link_previews.image_retention_days;
    if days == 0 {
        return Ok(());
    }
    let age = i64::try_from(days.saturating_mul(86_400_000_000)).unwrap_or(i64::MAX);
    let cutoff = state.clock.now_micros().saturating_sub(age);
    loop {
        let old = store::with_images_before(&state.db.pool, cutoff, 100).await?;
        let mut dropped = Vec::new();
        let mut tx = state.db.begin_write().await?;
        for (id, key) in &old {
            if store::drop_image(&mut **tx, *id, key).await? {
                dropped.push(key);
            }
        }
        tx.commit().await?;
        for key in &dropped {
            if let Err(e) = state.media.delete(key).await {
                tracing::warn!(key = %key, error = %e, "could not delete an old card image");
            }
        }
        if !dropped.is_empty() {
            tracing::info!(count = dropped.len(), "dropped old link preview images");
        }
        if old.len() < 100 || dropped.is_empty() {
            return Ok(());
        }
    }
}
