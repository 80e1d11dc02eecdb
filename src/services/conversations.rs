//! Direct-message conversations: one per participant and thread, kept up to date when a
//! direct status is posted (unread for its recipients), read, or removed.

use crate::entities::Conversation;
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::ids;
use crate::paging::Page;
use crate::services::render::{self, Viewer};
use crate::state::AppState;
use crate::storage::conversations::{self as store, ConversationRow};
use crate::storage::statuses::{self, StatusRow};
use crate::storage::{Change, WriteTx};

/// Inside the posting transaction: the direct status `s` joins the conversation of its
/// author and of each local account it mentions, except those whose notification policy
/// `held_back` the mention: a stranger's direct message waits behind its notification
/// request (as in Mastodon) and joins their conversations when the request is accepted.
pub async fn on_direct_status(
    tx: &mut WriteTx,
    s: &StatusRow,
    mentioned: &[i64],
    held_back: &[i64],
    now: i64,
) -> AppResult<()> {
    let mut participants = vec![s.account_id];
    participants.extend_from_slice(mentioned);
    participants.sort_unstable();
    participants.dedup();
    for account in participants.iter().filter(|a| !held_back.contains(a)) {
        let id = store::upsert(
            tx,
            ids::next_id_at(now / 1000),
            *account,
            s.thread_root_id,
            &participants,
            s.id,
            *account != s.account_id,
            now,
        )
        .await?;
        tx.record(Change::Conversation {
            account_id: *account,
            conversation_id: id,
        });
    }
    Ok(())
}

/// Inside the accepting transaction: the direct statuses among `status_ids` (whose
/// mentions of `account` were held back) join `account`'s conversations, unread.
pub async fn on_request_accepted(
    tx: &mut WriteTx,
    account: i64,
    status_ids: &[i64],
    now: i64,
) -> AppResult<()> {
    let rows = statuses::by_ids(&mut ***tx, status_ids).await?;
    let direct: Vec<&StatusRow> = rows.iter().filter(|s| s.visibility == "direct").collect();
    let direct_ids: Vec<i64> = direct.iter().map(|s| s.id).collect();
    let mentions = statuses::mentions_of(&mut ***tx, &direct_ids).await?;
    for s in direct {
        let mut participants = vec![s.account_id];
        participants.extend(
            mentions
                .iter()
                .filter(|(status, _)| *status == s.id)
                .map(|(_, a)| *a),
        );
        let id = store::upsert(
            tx,
            ids::next_id_at(now / 1000),
            account,
            s.thread_root_id,
            &participants,
            s.id,
            true,
            now,
        )
        .await?;
        tx.record(Change::Conversation {
            account_id: account,
            conversation_id: id,
        });
    }
    Ok(())
}

/// Renders conversations for their owner; one whose last status is no longer visible drops.
pub async fn render(
    state: &AppState,
    viewer: i64,
    rows: &[ConversationRow],
) -> AppResult<Vec<Conversation>> {
    let mut out = Vec::with_capacity(rows.len());
    // Filters v2: a conversation's last status is marked for the `thread` context (Mastodon's
    // "Conversations"), not dropped: the conversation stays in the list.
    let filters = crate::services::filters::Active::load(state, viewer).await?;
    for row in rows {
        let Some(last) =
            statuses::visible_by_id(&state.db.pool, row.last_status_id, viewer).await?
        else {
            continue;
        };
        let last_status = filters.annotate(
            "thread",
            render::status(state, Viewer(Some(viewer)), &last).await?,
        );
        out.push(Conversation {
            id: row.id.to_string(),
            unread: row.unread != 0,
            accounts: render::account_list(state, &row.participants()).await?,
            last_status: Some(last_status),
        });
    }
    Ok(out)
}

pub async fn one(state: &AppState, viewer: i64, id: i64) -> AppResult<Option<Conversation>> {
    match store::get(&state.db.pool, viewer, id).await? {
        Some(row) => Ok(render(state, viewer, &[row]).await?.pop()),
        None => Ok(None),
    }
}

/// `GET /api/v1/conversations`: the page and its cursors (last status ids).
pub async fn list(
    state: &AppState,
    me: &CurrentUser,
    cursor: &Page,
) -> AppResult<(Vec<Conversation>, Vec<i64>)> {
    let rows = store::list(&state.db.pool, me.account.id, cursor).await?;
    let cursors = rows.iter().map(|r| r.last_status_id).collect();
    Ok((render(state, me.account.id, &rows).await?, cursors))
}

fn parse(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::not_found())
}

/// `DELETE /api/v1/conversations/:id`: removes it from the caller's list (the statuses stay).
pub async fn remove(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<()> {
    let id = parse(id)?;
    let mut tx = state.db.begin_write().await?;
    if !store::delete(&mut **tx, me.account.id, id).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /api/v1/conversations/:id/read`
pub async fn read(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<Conversation> {
    mark(state, me, id, false).await
}

/// Marks one of the viewer's conversations unread again (Mastodon 4.5).
pub async fn unread(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<Conversation> {
    mark(state, me, id, true).await
}

async fn mark(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    unread: bool,
) -> AppResult<Conversation> {
    let id = parse(id)?;
    store::get(&state.db.pool, me.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut tx = state.db.begin_write().await?;
    store::set_unread(&mut **tx, me.account.id, id, unread).await?;
    tx.commit().await?;
    one(state, me.account.id, id)
        .await?
        .ok_or_else(AppError::not_found)
}
