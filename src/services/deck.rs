//! A member's deck (`/deck`): the columns they chose, in their order, saved on the server so
//! every browser shows the same. Each column is a feed the pages already have (home,
//! notifications, local, federated, a hashtag, one of their lists, the co-op's proposals),
//! read through that feed's own service and followed live through the one live connection.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::state::AppState;
use crate::storage::live_events as store;

/// The kinds of column, in the order the add form offers them.
pub const KINDS: [&str; 7] = [
    "home",
    "notifications",
    "local",
    "federated",
    "tag",
    "list",
    "proposals",
];

/// More columns than this do not fit a screen, and each one costs a query per visit.
pub const MAX_COLUMNS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub kind: String,
    /// The hashtag (without `#`, lower-cased) or the list's id; empty for the others.
    #[serde(default)]
    pub arg: String,
}

impl Column {
    fn plain(kind: &str) -> Column {
        Column {
            kind: kind.into(),
            arg: String::new(),
        }
    }

    /// Its live stream's key (services/live.rs `page_stream`): `home`, `tag:rust`, `list:7`.
    pub fn key(&self) -> String {
        if self.arg.is_empty() {
            self.kind.clone()
        } else {
            format!("{}:{}", self.kind, self.arg)
        }
    }
}

/// What a member who never changed their deck sees.
pub fn default_columns() -> Vec<Column> {
    vec![
        Column::plain("home"),
        Column::plain("notifications"),
        Column::plain("local"),
    ]
}

/// The member's columns, in order.
pub async fn columns(state: &AppState, viewer: i64) -> AppResult<Vec<Column>> {
    Ok(match store::deck(&state.db.pool, viewer).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|_| default_columns()),
        None => default_columns(),
    })
}

async fn save(state: &AppState, viewer: i64, columns: &[Column]) -> AppResult<()> {
    let json = serde_json::to_string(columns).map_err(AppError::internal)?;
    let mut tx = state.db.begin_write().await?;
    store::set_deck(&mut **tx, viewer, &json, state.clock.now_micros()).await?;
    tx.commit().await?;
    Ok(())
}

/// A hashtag as a column takes it: `#Rust` → `rust`; letters, digits and `_` only.
fn tag_name(arg: &str) -> Option<String> {
    let t = arg.trim().trim_start_matches('#').to_lowercase();
    let ok = !t.is_empty()
        && t.chars().count() <= 100
        && t.chars().all(|c| c.is_alphanumeric() || c == '_');
    ok.then_some(t)
}

/// Adds a column at the end. Refused (422, with the field): an unknown kind, a hashtag that
/// is not one, a list that is not the member's, a column already there, a ninth column.
pub async fn add(
    state: &AppState,
    me: &CurrentUser,
    kind: &str,
    arg: &str,
) -> AppResult<Vec<Column>> {
    let viewer = me.account.id;
    if !KINDS.contains(&kind) {
        return Err(AppError::validation(
            "kind",
            "ERR_INCLUSION",
            "is not a kind of column",
        ));
    }
    let arg = match kind {
        "tag" => tag_name(arg).ok_or_else(|| {
            AppError::validation(
                "arg",
                "ERR_INVALID",
                "is not a hashtag (letters, digits and _)",
            )
        })?,
        "list" => {
            let list = crate::services::lists::get(state, me, arg.trim())
                .await
                .map_err(|_| {
                    AppError::validation("arg", "ERR_INVALID", "is not one of your lists")
                })?;
            list.id.to_string()
        }
        _ => String::new(),
    };
    let column = Column {
        kind: kind.into(),
        arg,
    };
    let mut all = columns(state, viewer).await?;
    if all.contains(&column) {
        return Err(AppError::validation(
            "kind",
            "ERR_TAKEN",
            "is already a column",
        ));
    }
    if all.len() >= MAX_COLUMNS {
        return Err(AppError::validation(
            "kind",
            "ERR_TOO_MANY",
            &format!("cannot be added: a deck holds at most {MAX_COLUMNS} columns"),
        ));
    }
    all.push(column);
    save(state, viewer, &all).await?;
    Ok(all)
}

/// What a column's buttons do: take it away, or move it one place left or right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Remove,
    Left,
    Right,
}

/// Applies `change` to the column at `index` (0-based); 404 for a column that is not there.
pub async fn change(
    state: &AppState,
    viewer: i64,
    index: usize,
    change: Change,
) -> AppResult<Vec<Column>> {
    let mut all = columns(state, viewer).await?;
    if index >= all.len() {
        return Err(AppError::not_found());
    }
    match change {
        Change::Remove => {
            all.remove(index);
        }
        Change::Left if index > 0 => all.swap(index, index - 1),
        Change::Right if index + 1 < all.len() => all.swap(index, index + 1),
        // Already at that end: nothing moves.
        Change::Left | Change::Right => return Ok(all),
    }
    save(state, viewer, &all).await?;
    Ok(all)
}
