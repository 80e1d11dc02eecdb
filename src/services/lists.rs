//! Lists: an owner's hand-picked accounts (among those they follow) and their timeline.
//! An `exclusive` list keeps its members' posts out of the owner's home feed.

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::ids;
use crate::paging::Page;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::lists::{self as store, ListRow};
use crate::storage::social::{self, Relation};
use crate::storage::statuses::StatusRow;
use crate::storage::timelines;

const POLICIES: &[&str] = &["followed", "list", "none"];
const MAX_TITLE: usize = 256;
const MAX_LISTS: usize = 50;

/// Fields of a create or update; `None` keeps what is there (or the default).
#[derive(Debug, Clone, Default)]
pub struct ListInput {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

fn check(input: &ListInput, row: &mut ListRow) -> AppResult<()> {
    if let Some(t) = &input.title {
        let t = t.trim();
        if t.is_empty() {
            return Err(AppError::validation("title", "ERR_BLANK", "can't be blank"));
        }
        if t.chars().count() > MAX_TITLE {
            return Err(AppError::unprocessable(
                "Validation failed: Title is too long",
            ));
        }
        row.title = t.to_string();
    }
    if let Some(p) = input.replies_policy.as_deref().filter(|p| !p.is_empty()) {
        if !POLICIES.contains(&p) {
            return Err(AppError::unprocessable(format!(
                "Validation failed: Replies policy {p:?} is not one of followed, list, none"
            )));
        }
        row.replies_policy = p.to_string();
    }
    if let Some(e) = input.exclusive {
        row.exclusive = i64::from(e);
    }
    Ok(())
}

pub async fn get(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<ListRow> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    store::get(&state.db.pool, me.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)
}

pub async fn all(state: &AppState, me: &CurrentUser) -> AppResult<Vec<ListRow>> {
    Ok(store::by_owner(&state.db.pool, me.account.id).await?)
}

pub async fn create(state: &AppState, me: &CurrentUser, input: ListInput) -> AppResult<ListRow> {
    if input.title.is_none() {
        return Err(AppError::validation("title", "ERR_BLANK", "can't be blank"));
    }
    let now = state.clock.now_micros();
    let mut row = ListRow {
        id: ids::next_id_at(now / 1000),
        account_id: me.account.id,
        title: String::new(),
        replies_policy: "list".into(),
        exclusive: 0,
        created_at: now,
    };
    check(&input, &mut row)?;
    if store::by_owner(&state.db.pool, me.account.id).await?.len() >= MAX_LISTS {
        return Err(AppError::unprocessable(
            "Validation failed: You have reached the maximum number of lists",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    store::insert(&mut **tx, &row).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn update(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    input: ListInput,
) -> AppResult<ListRow> {
    let mut row = get(state, me, id).await?;
    let was_exclusive = row.exclusive != 0;
    check(&input, &mut row)?;
    let mut tx = state.db.begin_write().await?;
    store::update(&mut **tx, &row).await?;
    if row.exclusive != 0 && !was_exclusive {
        // Limit 0: every member.
        for member in store::members(&mut **tx, row.id, &Page::first(0)).await? {
            timelines::remove_author_from_feed(&mut **tx, me.account.id, member.id).await?;
        }
    }
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<()> {
    let row = get(state, me, id).await?;
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, row.id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn members(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    c: &Page,
) -> AppResult<Vec<AccountRow>> {
    let row = get(state, me, id).await?;
    Ok(store::members(&state.db.pool, row.id, c).await?)
}

fn parse_ids(ids: &[String]) -> AppResult<Vec<i64>> {
    if ids.is_empty() {
        return Err(AppError::unprocessable(
            "Validation failed: account_ids can't be blank",
        ));
    }
    if ids.len() > 100 {
        return Err(AppError::unprocessable(
            "Validation failed: Too many account_ids",
        ));
    }
    ids.iter()
        .map(|i| i.parse::<i64>().map_err(|_| AppError::not_found()))
        .collect()
}

/// `POST /api/v1/lists/:id/accounts`: only accounts the owner follows, as Mastodon.
pub async fn add(state: &AppState, me: &CurrentUser, id: &str, ids: &[String]) -> AppResult<()> {
    let row = get(state, me, id).await?;
    let wanted = parse_ids(ids)?;
    let db = &state.db.pool;
    for a in &wanted {
        if accounts::account_by_id(db, *a).await?.is_none() {
            return Err(AppError::not_found());
        }
        if !social::exists(db, Relation::Follow, me.account.id, *a).await? {
            return Err(AppError::unprocessable(
                "Validation failed: Account must be followed to be added to a list",
            ));
        }
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    for a in &wanted {
        store::add_account(&mut **tx, row.id, *a, now).await?;
        if row.exclusive != 0 {
            timelines::remove_author_from_feed(&mut **tx, me.account.id, *a).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

pub async fn remove(state: &AppState, me: &CurrentUser, id: &str, ids: &[String]) -> AppResult<()> {
    let row = get(state, me, id).await?;
    let wanted = parse_ids(ids)?;
    let mut tx = state.db.begin_write().await?;
    for a in &wanted {
        store::remove_account(&mut **tx, row.id, *a).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `GET /api/v1/accounts/:id/lists`: the caller's lists that hold that account.
pub async fn holding(state: &AppState, me: &CurrentUser, account: &str) -> AppResult<Vec<ListRow>> {
    let account: i64 = account.parse().map_err(|_| AppError::not_found())?;
    accounts::account_by_id(&state.db.pool, account)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(store::holding(&state.db.pool, me.account.id, account).await?)
}

/// `GET /api/v1/timelines/list/:id`
pub async fn timeline(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    c: &Page,
) -> AppResult<Vec<StatusRow>> {
    let row = get(state, me, id).await?;
    Ok(timelines::list(
        &state.db.pool,
        row.id,
        me.account.id,
        &row.replies_policy,
        c,
        state.clock.now_micros(),
    )
    .await?)
}
