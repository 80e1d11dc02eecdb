//! Hashtags as users meet them: the Tag entity with a week of usage, followed tags (which feed
//! the home timeline through the fan-out job) and featured tags on profiles.

use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::paging::Page;
use crate::services::render;
use crate::state::AppState;
use crate::storage::statuses;
use crate::storage::tags::{self as store, FeaturedRow, FollowedTag};
use crate::time;

const MICROS_PER_DAY: i64 = 86_400_000_000;
const MAX_FEATURED: i64 = 10;

/// A tag name as written (`#` optional); 404 for anything that is not a hashtag.
pub fn normalise(name: &str) -> AppResult<String> {
    let name = name.trim().trim_start_matches('#');
    match crate::text::hashtags(&format!("#{name}")).as_slice() {
        [one] if one.as_str() == name => Ok(name.to_string()),
        _ => Err(AppError::not_found()),
    }
}

/// The last seven days of uses, newest first, as Mastodon's `history`.
async fn history(state: &AppState, tag: Option<i64>) -> AppResult<Vec<Value>> {
    let now = state.clock.now_micros();
    let today = now.div_euclid(MICROS_PER_DAY);
    let since = (today - 6) * MICROS_PER_DAY;
    let rows = match tag {
        Some(t) => store::daily_uses(&state.db.pool, t, since).await?,
        None => Vec::new(),
    };
    let mut out = Vec::with_capacity(7);
    for back in 0..7 {
        let day = today - back;
        let mut uses = 0;
        let mut accounts: Vec<i64> = Vec::new();
        for (at, account) in &rows {
            if at.div_euclid(MICROS_PER_DAY) == day {
                uses += 1;
                accounts.push(*account);
            }
        }
        accounts.sort_unstable();
        accounts.dedup();
        out.push(json!({
            "day": (day * 86_400).to_string(),
            "uses": uses.to_string(),
            "accounts": accounts.len().to_string(),
        }));
    }
    Ok(out)
}

async fn entity(
    state: &AppState,
    viewer: Option<i64>,
    id: Option<i64>,
    name: &str,
) -> AppResult<Value> {
    let mut tag = json!({
        "id": id.map(|i| i.to_string()).unwrap_or_default(),
        "name": name.to_lowercase(),
        "url": render::tag_url(state, name),
        "history": history(state, id).await?,
    });
    if let Some(v) = viewer {
        let db = &state.db.pool;
        let (following, featuring) = match id {
            Some(t) => (
                store::follows(db, v, t).await?,
                store::featured_one(db, v, t).await?.is_some(),
            ),
            None => (false, false),
        };
        tag["following"] = json!(following);
        tag["featuring"] = json!(featuring);
    }
    Ok(tag)
}

/// `GET /api/v1/tags/:name`: known or not, a valid name has a Tag.
pub async fn show(state: &AppState, viewer: Option<i64>, name: &str) -> AppResult<Value> {
    let name = normalise(name)?;
    match statuses::tag_by_name(&state.db.pool, &name).await? {
        Some((id, stored)) => entity(state, viewer, Some(id), &stored).await,
        None => entity(state, viewer, None, &name).await,
    }
}

pub async fn follow(state: &AppState, viewer: i64, name: &str) -> AppResult<Value> {
    let name = normalise(name)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let tag = statuses::tag_id(&mut tx, &name, ids::next_id(), now).await?;
    store::follow(&mut tx, ids::next_id(), viewer, tag, now).await?;
    tx.commit().await?;
    show(state, Some(viewer), &name).await
}

pub async fn unfollow(state: &AppState, viewer: i64, name: &str) -> AppResult<Value> {
    let name = normalise(name)?;
    if let Some((tag, _)) = statuses::tag_by_name(&state.db.pool, &name).await? {
        let mut tx = state.db.begin_write().await?;
        store::unfollow(&mut tx, viewer, tag).await?;
        tx.commit().await?;
    }
    show(state, Some(viewer), &name).await
}

/// The viewer's followed tags (entities) and their follow ids, for paging.
pub async fn followed(
    state: &AppState,
    viewer: i64,
    cursor: &Page,
) -> AppResult<(Vec<Value>, Vec<i64>)> {
    let rows: Vec<FollowedTag> = store::followed(&state.db.pool, viewer, cursor).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(entity(state, Some(viewer), Some(r.tag_id), &r.name).await?);
    }
    Ok((out, rows.iter().map(|r| r.id).collect()))
}

fn featured_entity(state: &AppState, username: &str, f: &FeaturedRow) -> Value {
    json!({
        "id": f.id.to_string(),
        "name": f.name,
        "url": format!("{}/@{}/tagged/{}", state.base_url(), username, f.name.to_lowercase()),
        "statuses_count": f.statuses_count.to_string(),
        "last_status_at": f.last_status_at.and_then(|t| time::iso_midnight(t).get(..10).map(String::from)),
    })
}

async fn username(state: &AppState, account: i64) -> AppResult<String> {
    crate::storage::accounts::account_by_id(&state.db.pool, account)
        .await?
        .map(|a| a.username)
        .ok_or_else(AppError::not_found)
}

pub async fn featured(state: &AppState, account: i64) -> AppResult<Vec<Value>> {
    let user = username(state, account).await?;
    Ok(store::featured_of(&state.db.pool, account)
        .await?
        .iter()
        .map(|f| featured_entity(state, &user, f))
        .collect())
}

pub async fn feature(state: &AppState, viewer: i64, name: &str) -> AppResult<Value> {
    let name = normalise(name)
        .map_err(|_| AppError::unprocessable("Validation failed: Name is not a valid hashtag"))?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if store::count_featured(&mut tx, viewer).await? >= MAX_FEATURED {
        return Err(AppError::unprocessable(
            "Validation failed: You have reached the maximum number of featured hashtags",
        ));
    }
    let tag = statuses::tag_id(&mut tx, &name, ids::next_id(), now).await?;
    if !store::feature(&mut tx, ids::next_id(), viewer, tag, now).await? {
        return Err(AppError::unprocessable(
            "Validation failed: Name has already been taken",
        ));
    }
    tx.commit().await?;
    let user = username(state, viewer).await?;
    let row = store::featured_one(&state.db.pool, viewer, tag)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(featured_entity(state, &user, &row))
}

pub async fn unfeature(state: &AppState, viewer: i64, id: &str) -> AppResult<()> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let mut tx = state.db.begin_write().await?;
    if !store::unfeature(&mut tx, viewer, id).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /api/v1/tags/:name/feature` (4.4): features the tag (once) and answers the Tag.
pub async fn feature_by_name(state: &AppState, viewer: i64, name: &str) -> AppResult<Value> {
    let name = normalise(name)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let tag = statuses::tag_id(&mut tx, &name, ids::next_id(), now).await?;
    if store::featured_one(&mut **tx, viewer, tag).await?.is_none() {
        if store::count_featured(&mut tx, viewer).await? >= MAX_FEATURED {
            return Err(AppError::unprocessable(
                "Validation failed: You have reached the maximum number of featured hashtags",
            ));
        }
        store::feature(&mut tx, ids::next_id(), viewer, tag, now).await?;
    }
    tx.commit().await?;
    show(state, Some(viewer), &name).await
}

/// `POST /api/v1/tags/:name/unfeature` (4.4).
pub async fn unfeature_by_name(state: &AppState, viewer: i64, name: &str) -> AppResult<Value> {
    let name = normalise(name)?;
    if let Some((tag, _)) = statuses::tag_by_name(&state.db.pool, &name).await? {
        if let Some(f) = store::featured_one(&state.db.pool, viewer, tag).await? {
            let mut tx = state.db.begin_write().await?;
            store::unfeature(&mut tx, viewer, f.id).await?;
            tx.commit().await?;
        }
    }
    show(state, Some(viewer), &name).await
}

/// Tags the viewer used most and has not featured yet (Tag entities).
pub async fn suggestions(state: &AppState, viewer: i64) -> AppResult<Vec<Value>> {
    let mut out = Vec::new();
    for (id, name) in store::most_used(&state.db.pool, viewer, 10).await? {
        out.push(entity(state, Some(viewer), Some(id), &name).await?);
    }
    Ok(out)
}
