//! Scheduled statuses: a status posted with `scheduled_at` (at least five minutes ahead) is
//! validated now, stored with its parameters (its media reserved), and published by a queued
//! job at that time through the same `statuses::create` path as any post. Moving it queues a
//! job for the new time; a job that finds its row gone or not yet due does nothing.

use serde::{Deserialize, Serialize};

use crate::entities::media::{ScheduledParamsEntity, ScheduledPollEntity, ScheduledStatus};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::ids;
use crate::jobs::{self, Job};
use crate::paging::Page;
use crate::services::media;
use crate::services::polls::NewPoll;
use crate::services::statuses::{self, NewStatus};
use crate::state::AppState;
use crate::storage::media as media_store;
use crate::storage::scheduled::{self as store, ScheduledRow};
use crate::storage::{accounts, WriteTx};
use crate::time::{self, MICROS_PER_MINUTE};

/// Mastodon's limits: at least 5 minutes ahead, at most 300 waiting per account.
pub const MIN_LEAD: i64 = 5 * MICROS_PER_MINUTE;
pub const MAX_PER_ACCOUNT: i64 = 300;

/// What is stored for a scheduled status: the request as the client made it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScheduledParams {
    pub text: String,
    #[serde(default)]
    pub spoiler_text: String,
    #[serde(default)]
    pub sensitive: bool,
    pub visibility: String,
    #[serde(default)]
    pub local_only: bool,
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub idempotency: Option<String>,
    #[serde(default)]
    pub media_ids: Vec<String>,
    #[serde(default)]
    pub poll: Option<NewPoll>,
}

/// Parses `scheduled_at` (RFC 3339) and checks it is far enough ahead.
pub fn parse_time(state: &AppState, s: &str) -> AppResult<i64> {
    let at = chrono::DateTime::parse_from_rfc3339(s.trim())
        .map_err(|_| {
            AppError::unprocessable(
                "Validation failed: Scheduled at is not a valid date (use ISO 8601, e.g. 2030-01-31T12:00:00Z)",
            )
        })?
        .timestamp_micros();
    if at < state.clock.now_micros() + MIN_LEAD {
        return Err(AppError::unprocessable(
            "Validation failed: Scheduled at the scheduled date must be in the future",
        ));
    }
    Ok(at)
}

/// Stores a checked status for later (called by `statuses::post`).
pub async fn schedule(
    state: &AppState,
    me: &CurrentUser,
    app_id: i64,
    new: &NewStatus,
    visibility: &str,
    media_ids: &[i64],
    at: i64,
) -> AppResult<ScheduledRow> {
    if store::count_of_account(&state.db.pool, me.account.id).await? >= MAX_PER_ACCOUNT {
        return Err(AppError::unprocessable(format!(
            "Validation failed: You cannot schedule more than {MAX_PER_ACCOUNT} posts"
        )));
    }
    let params = ScheduledParams {
        text: new.text.clone(),
        spoiler_text: new.spoiler_text.clone(),
        sensitive: new.sensitive,
        visibility: visibility.to_string(),
        local_only: new.local_only,
        in_reply_to_id: new.in_reply_to_id.clone().filter(|s| !s.is_empty()),
        language: new.language.clone().filter(|s| !s.is_empty()),
        idempotency: new.idempotency_key.clone().filter(|s| !s.is_empty()),
        media_ids: media_ids.iter().map(|i| i.to_string()).collect(),
        poll: new.poll.clone(),
    };
    let now = state.clock.now_micros();
    let row = ScheduledRow {
        id: ids::next_id_at(now / 1000),
        account_id: me.account.id,
        application_id: Some(app_id),
        scheduled_at: at,
        params: serde_json::to_string(&params).map_err(AppError::internal)?,
        created_at: now,
    };
    let mut tx = state.db.begin_write().await?;
    store::insert(&mut **tx, &row).await?;
    for (position, id) in media_ids.iter().enumerate() {
        if !media_store::reserve(&mut **tx, *id, me.account.id, row.id, position as i64).await? {
            return Err(AppError::unprocessable(format!(
                "Validation failed: Media {id} not found or already attached to another post"
            )));
        }
    }
    jobs::enqueue_at(
        &mut tx,
        &Job::PublishScheduled {
            scheduled_status_id: row.id,
        },
        at,
        now,
    )
    .await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(row)
}

async fn own(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<ScheduledRow> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    match store::by_id(&state.db.pool, id).await? {
        Some(s) if s.account_id == me.account.id => Ok(s),
        _ => Err(AppError::not_found()),
    }
}

pub async fn get(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<ScheduledRow> {
    own(state, me, id).await
}

pub async fn list(state: &AppState, me: &CurrentUser, c: &Page) -> AppResult<Vec<ScheduledRow>> {
    Ok(store::of_account(&state.db.pool, me.account.id, c).await?)
}

/// `PUT /api/v1/scheduled_statuses/:id` with `scheduled_at`.
pub async fn reschedule(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    scheduled_at: Option<&str>,
) -> AppResult<ScheduledRow> {
    let row = own(state, me, id).await?;
    let Some(s) = scheduled_at.filter(|s| !s.trim().is_empty()) else {
        return Ok(row);
    };
    let at = parse_time(state, s)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_time(&mut **tx, row.id, at).await?;
    jobs::enqueue_at(
        &mut tx,
        &Job::PublishScheduled {
            scheduled_status_id: row.id,
        },
        at,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ScheduledRow {
        scheduled_at: at,
        ..row
    })
}

/// `DELETE /api/v1/scheduled_statuses/:id`: cancels it; its media become free again.
pub async fn cancel(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<()> {
    let row = own(state, me, id).await?;
    let mut tx = state.db.begin_write().await?;
    drop_row(&mut tx, row.id, state.clock.now_micros()).await?;
    tx.commit().await?;
    Ok(())
}

async fn drop_row(tx: &mut WriteTx, id: i64, now: i64) -> sqlx::Result<bool> {
    // Publishing attaches the released media again in the same transaction; a cancelled
    // scheduled status leaves them free, for the media sweep.
    if media_store::release_scheduled(&mut ***tx, id, now).await? > 0 {
        crate::services::media::schedule_sweep(tx, now).await?;
    }
    store::delete(&mut ***tx, id).await
}

/// Removes a scheduled status inside the publishing transaction; false if it is gone already
/// (cancelled or published by a concurrent run), in which case the caller must not publish.
pub async fn consume(tx: &mut WriteTx, id: i64, now: i64) -> sqlx::Result<bool> {
    drop_row(tx, id, now).await
}

/// The queued publication.
pub async fn publish(state: &AppState, id: i64) -> anyhow::Result<()> {
    let Some(row) = store::by_id(&state.db.pool, id).await? else {
        return Ok(()); // cancelled, or already published
    };
    if row.scheduled_at > state.clock.now_micros() {
        return Ok(()); // moved later: the job queued for the new time publishes it
    }
    let params: ScheduledParams = serde_json::from_str(&row.params)?;
    let account = accounts::account_by_id(&state.db.pool, row.account_id).await?;
    let user = accounts::user_by_account(&state.db.pool, row.account_id).await?;
    let me = match (account, user) {
        (Some(account), Some(user)) if user.disabled == 0 => CurrentUser { account, user },
        _ => {
            let mut tx = state.db.begin_write().await?;
            drop_row(&mut tx, id, state.clock.now_micros()).await?;
            tx.commit().await?;
            return Ok(());
        }
    };
    let new = NewStatus {
        text: params.text,
        spoiler_text: params.spoiler_text,
        sensitive: params.sensitive,
        visibility: Some(params.visibility),
        local_only: params.local_only,
        in_reply_to_id: params.in_reply_to_id,
        language: params.language,
        idempotency_key: params.idempotency,
        media_ids: params.media_ids,
        poll: params.poll,
        scheduled_at: None,
        quoted_status_id: None,
        quote_approval_policy: None,
        scheduled_status_id: Some(id),
    };
    match statuses::create(state, &me, row.application_id.unwrap_or(0), new).await {
        Ok(_) => Ok(()),
        Err(e) if e.status.is_client_error() => {
            // What was valid then is not now (the replied-to post was deleted …): drop it.
            tracing::warn!(scheduled_status = id, error = %e, "scheduled status could not be published; dropped");
            let mut tx = state.db.begin_write().await?;
            drop_row(&mut tx, id, state.clock.now_micros()).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// The Mastodon entity, with the media it holds.
pub async fn entities(state: &AppState, rows: &[ScheduledRow]) -> AppResult<Vec<ScheduledStatus>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let held = media_store::of_scheduled(&state.db.pool, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let p: ScheduledParams = serde_json::from_str(&r.params).map_err(AppError::internal)?;
        out.push(ScheduledStatus {
            id: r.id.to_string(),
            scheduled_at: time::iso(r.scheduled_at),
            params: ScheduledParamsEntity {
                text: p.text,
                poll: p.poll.map(|poll| ScheduledPollEntity {
                    options: poll.options,
                    expires_in: poll.expires_in.to_string(),
                    multiple: poll.multiple,
                    hide_totals: poll.hide_totals,
                }),
                media_ids: (!p.media_ids.is_empty()).then_some(p.media_ids),
                sensitive: Some(p.sensitive),
                spoiler_text: Some(p.spoiler_text),
                visibility: p.visibility,
                in_reply_to_id: p.in_reply_to_id,
                language: p.language,
                application_id: r.application_id,
                scheduled_at: None,
                idempotency: p.idempotency,
                with_rate_limit: false,
            },
            media_attachments: held
                .iter()
                .filter(|m| m.scheduled_status_id == Some(r.id))
                .map(|m| media::entity(state, m))
                .collect(),
        });
    }
    Ok(out)
}

/// One scheduled status as the client API shows it (moved here from
/// `api/mastodon/scheduled.rs`).
pub async fn entity(state: &AppState, row: ScheduledRow) -> AppResult<ScheduledStatus> {
    entities(state, std::slice::from_ref(&row))
        .await?
        .pop()
        .ok_or_else(AppError::not_found)
}
