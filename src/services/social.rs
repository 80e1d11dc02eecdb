//! Following, follow requests, blocks and mutes, and the relationship they add up to.

use crate::entities::{Account, Relationship};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::ids;
use crate::paging::Page;
use crate::services::federation as fed;
use crate::services::notify::notify;
use crate::services::proposal_posts::{self, CoopFollow};
use crate::state::AppState;
use crate::storage::account_domain_blocks as domain_blocks;
use crate::storage::accounts::{self, AccountCounter, AccountRow};
use crate::storage::social::{self, Relation};
use crate::storage::{notifications, timelines, WriteTx};
use crate::time;

/// The other account of a relationship call; 404 for an unknown id.
pub async fn target(state: &AppState, id: &str) -> AppResult<AccountRow> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    accounts::account_by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)
}

pub async fn relationship(state: &AppState, viewer: i64, target: i64) -> AppResult<Relationship> {
    let now = state.clock.now_micros();
    let r = social::relationship(&state.db.pool, viewer, target, now).await?;
    let (note, endorsed) =
        crate::storage::account_notes::note_and_endorsed(&state.db.pool, viewer, target).await?;
    Ok(Relationship {
        id: target.to_string(),
        following: r.following.is_some(),
        showing_reblogs: r.following.as_ref().is_some_and(|f| f.show_reblogs != 0),
        notifying: r.following.as_ref().is_some_and(|f| f.notify != 0),
        languages: None,
        followed_by: r.followed_by,
        blocking: r.blocking,
        blocked_by: r.blocked_by,
        muting: r.muting.is_some(),
        muting_notifications: r.muting.is_some_and(|(n, _)| n),
        muting_expires_at: r.muting.and_then(|(_, e)| e).map(time::iso),
        requested: r.requested,
        requested_by: r.requested_by,
        domain_blocking: r.domain_blocking,
        endorsed,
        note: note.unwrap_or_default(),
    })
}

/// `POST /api/v1/accounts/:id/follow`: follows at once, or asks when the account is locked.
/// Following again updates the reblogs and notify options.
pub async fn follow(
    state: &AppState,
    me: &CurrentUser,
    target: &AccountRow,
    reblogs: Option<bool>,
    notify_on: Option<bool>,
) -> AppResult<()> {
    if target.id == me.account.id {
        return Err(AppError::forbidden("You cannot follow yourself"));
    }
    let db = &state.db.pool;
    if social::exists(db, Relation::Block, target.id, me.account.id).await?
        || social::exists(db, Relation::Block, me.account.id, target.id).await?
        || domain_blocks::exists(db, me.account.id, &target.domain).await?
    {
        return Err(AppError::forbidden("This action is not allowed"));
    }
    let existing = social::follow_row(db, Relation::Follow, me.account.id, target.id).await?;
    let show_reblogs = reblogs.unwrap_or(existing.as_ref().is_none_or(|f| f.show_reblogs != 0));
    let notify_flag = notify_on.unwrap_or(existing.as_ref().is_some_and(|f| f.notify != 0));
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    // The co-op's account, when its posts are members-only: active members only, at once.
    let coop = proposal_posts::follow_policy(&mut tx, target, &me.account).await?;
    if coop == CoopFollow::Refuse {
        return Err(AppError::forbidden(proposal_posts::FOLLOW_REFUSED));
    }
    let id = ids::next_id_at(now / 1000);
    // A remote account is only followed once its server Accepts: until then, a request.
    let remote = !target.domain.is_empty();
    if existing.is_some() || coop == CoopFollow::Accept || (target.locked == 0 && !remote) {
        let new = social::upsert_follow(
            &mut **tx,
            Relation::Follow,
            id,
            me.account.id,
            target.id,
            show_reblogs,
            notify_flag,
            now,
        )
        .await?;
        if new {
            accounts::bump(&mut tx, me.account.id, AccountCounter::Following, 1).await?;
            accounts::bump(&mut tx, target.id, AccountCounter::Followers, 1).await?;
            timelines::backfill_feed(&mut **tx, me.account.id, target.id).await?;
            notify(&mut tx, target.id, me.account.id, "follow", None, now).await?;
        }
    } else {
        let new = social::upsert_follow(
            &mut **tx,
            Relation::FollowRequest,
            id,
            me.account.id,
            target.id,
            show_reblogs,
            notify_flag,
            now,
        )
        .await?;
        if new {
            notify(
                &mut tx,
                target.id,
                me.account.id,
                "follow_request",
                None,
                now,
            )
            .await?;
        }
        if remote {
            fed::follow_requested(&mut tx, state, &me.account, target, now).await?;
        }
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

async fn drop_follow(tx: &mut WriteTx, follower: i64, followed: i64) -> AppResult<()> {
    if social::remove(&mut ***tx, Relation::Follow, follower, followed).await? {
        accounts::bump(tx, follower, AccountCounter::Following, -1).await?;
        accounts::bump(tx, followed, AccountCounter::Followers, -1).await?;
        timelines::remove_author_from_feed(&mut ***tx, follower, followed).await?;
        crate::storage::lists::remove_from_owner_lists(&mut ***tx, follower, followed).await?;
        notifications::retract(&mut ***tx, followed, follower, "follow", None).await?;
    }
    Ok(())
}

/// `POST /api/v1/accounts/:id/unfollow` (also withdraws a pending request).
pub async fn unfollow(state: &AppState, me: &CurrentUser, target: &AccountRow) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    fed::unfollowed(
        &mut tx,
        state,
        &me.account,
        target,
        state.clock.now_micros(),
    )
    .await?;
    drop_follow(&mut tx, me.account.id, target.id).await?;
    if social::remove(&mut **tx, Relation::FollowRequest, me.account.id, target.id).await? {
        notifications::retract(&mut **tx, target.id, me.account.id, "follow_request", None).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// `POST /api/v1/accounts/:id/remove_from_followers`.
pub async fn remove_follower(
    state: &AppState,
    me: &CurrentUser,
    follower: &AccountRow,
) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    drop_follow(&mut tx, follower.id, me.account.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Accepts (or rejects) a pending follow request.
pub async fn answer_request(
    state: &AppState,
    me: &CurrentUser,
    requester: &AccountRow,
    accept: bool,
) -> AppResult<()> {
    let req = social::follow_row(
        &state.db.pool,
        Relation::FollowRequest,
        requester.id,
        me.account.id,
    )
    .await?
    .ok_or_else(AppError::not_found)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let follow_uri =
        crate::storage::federation::follow_uri(&mut **tx, true, requester.id, me.account.id)
            .await?;
    fed::follow_answered(
        &mut tx,
        state,
        &me.account,
        requester,
        follow_uri.as_deref(),
        accept,
        now,
    )
    .await?;
    social::remove(
        &mut **tx,
        Relation::FollowRequest,
        requester.id,
        me.account.id,
    )
    .await?;
    notifications::retract(
        &mut **tx,
        me.account.id,
        requester.id,
        "follow_request",
        None,
    )
    .await?;
    if accept {
        let new = social::upsert_follow(
            &mut **tx,
            Relation::Follow,
            ids::next_id_at(now / 1000),
            requester.id,
            me.account.id,
            req.show_reblogs != 0,
            req.notify != 0,
            now,
        )
        .await?;
        if new {
            accounts::bump(&mut tx, requester.id, AccountCounter::Following, 1).await?;
            accounts::bump(&mut tx, me.account.id, AccountCounter::Followers, 1).await?;
            timelines::backfill_feed(&mut **tx, requester.id, me.account.id).await?;
            notify(&mut tx, me.account.id, requester.id, "follow", None, now).await?;
        }
        if let Some(uri) = &follow_uri {
            crate::storage::federation::set_follow_uri(
                &mut **tx,
                false,
                requester.id,
                me.account.id,
                uri,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// `POST /api/v1/accounts/:id/block`: also ends follows both ways and pending requests.
pub async fn block(state: &AppState, me: &CurrentUser, target: &AccountRow) -> AppResult<()> {
    if target.id == me.account.id {
        return Err(AppError::forbidden("You cannot block yourself"));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    social::insert_block(
        &mut **tx,
        ids::next_id_at(now / 1000),
        me.account.id,
        target.id,
        now,
    )
    .await?;
    drop_follow(&mut tx, me.account.id, target.id).await?;
    drop_follow(&mut tx, target.id, me.account.id).await?;
    social::remove(&mut **tx, Relation::FollowRequest, me.account.id, target.id).await?;
    social::remove(&mut **tx, Relation::FollowRequest, target.id, me.account.id).await?;
    crate::services::federation::blocked(&mut tx, state, &me.account, target, true, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

pub async fn unblock(state: &AppState, me: &CurrentUser, target: &AccountRow) -> AppResult<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if social::remove(&mut **tx, Relation::Block, me.account.id, target.id).await? {
        crate::services::federation::blocked(&mut tx, state, &me.account, target, false, now)
            .await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// `POST /api/v1/accounts/:id/mute`, optionally for `duration` seconds.
pub async fn mute(
    state: &AppState,
    me: &CurrentUser,
    target: &AccountRow,
    notifications_too: bool,
    duration: Option<u64>,
) -> AppResult<()> {
    if target.id == me.account.id {
        return Err(AppError::forbidden("You cannot mute yourself"));
    }
    let now = state.clock.now_micros();
    let expires = duration
        .filter(|d| *d > 0)
        .map(|d| now + (d.min(u64::from(u32::MAX)) as i64) * time::MICROS_PER_SECOND);
    social::upsert_mute(
        &state.db.pool,
        ids::next_id_at(now / 1000),
        me.account.id,
        target.id,
        notifications_too,
        expires,
        now,
    )
    .await?;
    Ok(())
}

pub async fn unmute(state: &AppState, me: &CurrentUser, target: &AccountRow) -> AppResult<()> {
    social::remove(&state.db.pool, Relation::Mute, me.account.id, target.id).await?;
    Ok(())
}

/// A domain as accounts store it: lower-case ASCII (IDNA) host, with the port if any.
pub fn normalize_domain(raw: &str) -> AppResult<String> {
    let raw = raw.trim().trim_end_matches('.');
    if raw.is_empty() {
        return Err(AppError::unprocessable(
            "Validation failed: Domain can't be blank",
        ));
    }
    let invalid = || AppError::unprocessable(format!("Validation failed: {raw:?} is not a domain"));
    if raw.contains(['/', '@', '?', '#']) || raw.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let url = url::Url::parse(&format!("https://{raw}/")).map_err(|_| invalid())?;
    let host = url.host_str().ok_or_else(invalid)?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// `POST /api/v1/domain_blocks`, as Mastodon does it: the domain's accounts leave the member's
/// timelines and notifications, follows both ways end (remote followers get a Reject), and
/// pending requests from there are rejected. All in one transaction.
pub async fn block_domain(state: &AppState, me: &CurrentUser, raw: &str) -> AppResult<()> {
    let domain = normalize_domain(raw)?;
    if domain.eq_ignore_ascii_case(&state.config.domain) {
        return Err(AppError::unprocessable(
            "Validation failed: You cannot block your own server",
        ));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let id = ids::next_id_at(now / 1000);
    if !domain_blocks::insert(&mut **tx, id, me.account.id, &domain, now).await? {
        return Ok(());
    }
    for target in
        domain_blocks::related_on_domain(&mut **tx, me.account.id, &domain, false, false).await?
    {
        fed::unfollowed(&mut tx, state, &me.account, &target, now).await?;
        drop_follow(&mut tx, me.account.id, target.id).await?;
    }
    for requests in [false, true] {
        for follower in
            domain_blocks::related_on_domain(&mut **tx, me.account.id, &domain, true, requests)
                .await?
        {
            let uri = crate::storage::federation::follow_uri(
                &mut **tx,
                requests,
                follower.id,
                me.account.id,
            )
            .await?;
            fed::follow_answered(
                &mut tx,
                state,
                &me.account,
                &follower,
                uri.as_deref(),
                false,
                now,
            )
            .await?;
            if requests {
                social::remove(
                    &mut **tx,
                    Relation::FollowRequest,
                    follower.id,
                    me.account.id,
                )
                .await?;
            } else {
                drop_follow(&mut tx, follower.id, me.account.id).await?;
            }
        }
    }
    notifications::delete_from_domain(&mut **tx, me.account.id, &domain).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// `DELETE /api/v1/domain_blocks`.
pub async fn unblock_domain(state: &AppState, me: &CurrentUser, raw: &str) -> AppResult<()> {
    let domain = normalize_domain(raw)?;
    domain_blocks::remove(&state.db.pool, me.account.id, &domain).await?;
    Ok(())
}

/// One page of the viewer's blocked domains, newest first, with their cursor ids (moved here
/// from `api/mastodon/relationships.rs`).
pub async fn blocked_domains(
    state: &AppState,
    viewer: i64,
    page: &Page,
) -> AppResult<(Vec<String>, Vec<i64>)> {
    let rows = domain_blocks::page(&state.db.pool, viewer, page).await?;
    let cursors: Vec<i64> = rows.iter().map(|r| r.0).collect();
    Ok((rows.into_iter().map(|r| r.1).collect(), cursors))
}

/// `GET /api/v1/accounts/relationships?id[]=…`: the viewer's relationship to each known account
/// among the first 80 ids (unknown or malformed ids are left out, as Mastodon does).
pub async fn relationships(
    state: &AppState,
    viewer: i64,
    ids: &[String],
) -> AppResult<Vec<Relationship>> {
    let mut out = Vec::new();
    for id in ids.iter().take(80) {
        if let Ok(target) = id.parse::<i64>() {
            if accounts::account_by_id(&state.db.pool, target)
                .await?
                .is_some()
            {
                out.push(relationship(state, viewer, target).await?);
            }
        }
    }
    Ok(out)
}

/// One page of accounts and the cursor ids of the rows read.
pub struct AccountPage {
    pub accounts: Vec<Account>,
    pub cursors: Vec<i64>,
}

impl AccountPage {
    fn empty() -> Self {
        AccountPage {
            accounts: Vec::new(),
            cursors: Vec::new(),
        }
    }
}

/// The rows of one relation list (the page's bounds as Mastodon reads them: `min_id` or else
/// `since_id`) with their cursor ids and, for mutes, the expiry.
async fn relation_rows(
    state: &AppState,
    rel: Relation,
    account_id: i64,
    incoming: bool,
    page: &Page,
) -> AppResult<Vec<(i64, AccountRow, Option<i64>)>> {
    Ok(social::list(
        &state.db.pool,
        rel,
        account_id,
        incoming,
        page,
        state.clock.now_micros(),
    )
    .await?)
}

async fn relation_page(
    state: &AppState,
    rel: Relation,
    account_id: i64,
    incoming: bool,
    page: &Page,
) -> AppResult<AccountPage> {
    let rows = relation_rows(state, rel, account_id, incoming, page).await?;
    Ok(AccountPage {
        cursors: rows.iter().map(|r| r.0).collect(),
        accounts: rows
            .iter()
            .map(|(_, a, _)| Account::from_row(state, a, &[]))
            .collect(),
    })
}

/// Followers (`incoming`) or followed accounts of `target`, as `viewer` may see them:
/// with `hide_collections` only the account itself sees its lists (Mastodon answers others []).
async fn follow_list(
    state: &AppState,
    viewer: Option<i64>,
    target: i64,
    incoming: bool,
    page: &Page,
) -> AppResult<AccountPage> {
    if fed::collections_hidden(state, target).await? && viewer != Some(target) {
        return Ok(AccountPage::empty());
    }
    relation_page(state, Relation::Follow, target, incoming, page).await
}

/// `GET /api/v1/accounts/:id/followers` (and the profile's followers page).
pub async fn followers(
    state: &AppState,
    viewer: Option<i64>,
    target: i64,
    page: &Page,
) -> AppResult<AccountPage> {
    follow_list(state, viewer, target, true, page).await
}

/// `GET /api/v1/accounts/:id/following` (and the profile's following page).
pub async fn following(
    state: &AppState,
    viewer: Option<i64>,
    target: i64,
    page: &Page,
) -> AppResult<AccountPage> {
    follow_list(state, viewer, target, false, page).await
}

/// The accounts asking to follow `viewer`.
pub async fn follow_requests(state: &AppState, viewer: i64, page: &Page) -> AppResult<AccountPage> {
    relation_page(state, Relation::FollowRequest, viewer, true, page).await
}

/// The accounts `viewer` blocks.
pub async fn blocks(state: &AppState, viewer: i64, page: &Page) -> AppResult<AccountPage> {
    relation_page(state, Relation::Block, viewer, false, page).await
}

/// A muted account and when the mute ends (`None`: never).
pub struct Muted {
    pub account: Account,
    pub expires_at: Option<i64>,
}

/// The accounts `viewer` mutes, with the cursor ids of the rows read.
pub async fn mutes(
    state: &AppState,
    viewer: i64,
    page: &Page,
) -> AppResult<(Vec<Muted>, Vec<i64>)> {
    let rows = relation_rows(state, Relation::Mute, viewer, false, page).await?;
    let cursors = rows.iter().map(|r| r.0).collect();
    let muted = rows
        .iter()
        .map(|(_, a, expires_at)| Muted {
            account: Account::from_row(state, a, &[]),
            expires_at: *expires_at,
        })
        .collect();
    Ok((muted, cursors))
}

/// `GET /api/v1/accounts/familiar_followers?id[]=…`: for each of the first 80 ids, the accounts
/// `viewer` follows that follow it.
pub async fn familiar_followers(
    state: &AppState,
    viewer: i64,
    ids: &[String],
) -> AppResult<Vec<(String, Vec<Account>)>> {
    let mut out = Vec::new();
    for id in ids.iter().take(80) {
        let Ok(target) = id.parse::<i64>() else {
            continue;
        };
        let rows = social::familiar_followers(&state.db.pool, viewer, target).await?;
        let accounts = rows
            .iter()
            .map(|a| Account::from_row(state, a, &[]))
            .collect();
        out.push((id.clone(), accounts));
    }
    Ok(out)
}
