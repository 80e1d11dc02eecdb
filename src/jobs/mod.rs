//! The durable job queue: work that must not be lost and need not delay the request that made
//! it (fan-out of a post to home feeds; later deliveries, remote fetches, mails). A job is a
//! row written in the same transaction as the change that needs it; a worker claims due jobs
//! by lease, runs them, and reschedules failures with exponential backoff and jitter.
//! Tests drive it with `run_pending`, and the injectable clock makes schedules instant.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use tokio::sync::Notify;

use crate::ids;
use crate::state::AppState;
use crate::storage::jobs as store;
use crate::time::{MICROS_PER_MINUTE, MICROS_PER_SECOND};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Put a new status into the home feeds of its audience.
    FanOut { status_id: i64 },
    /// Close a poll at its expiry and notify its voters and author.
    ClosePoll { poll_id: i64 },
    /// Publish a scheduled status when its time comes (a no-op if it was moved or cancelled).
    PublishScheduled { scheduled_status_id: i64 },
    /// Expand an activity to its inboxes (remote followers' shared inboxes plus `inboxes`).
    Distribute {
        activity: String,
        key_owner: String,
        followers_of: Option<i64>,
        inboxes: Vec<String>,
    },
    /// Federate a suspension made or lifted here (moderation).
    SuspensionChanged { account_id: i64, suspended: bool },
    /// Sign and POST one activity to one inbox.
    Deliver {
        inbox: String,
        activity: String,
        key_owner: String,
    },
    /// Close a proposal at its `closes_at`: tally, result, enactment, the result post and mails.
    CloseProposal { id: i64 },
    /// Mail the members who have not voted, 24 hours before a proposal closes.
    RemindProposal { id: i64 },
    /// Delete uploads that have been free (attached to nothing) for 24 hours.
    SweepMedia,
    /// Fetch the unknown ancestors of an incoming reply (federation), then link it to its parent.
    FetchThread { status_id: i64, parent_uri: String },
    /// Send a local poll's new counts (`Update(Question)`), once for the votes of a minute.
    PollUpdate { status_id: i64 },
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::FanOut { .. } => "fan_out",
            Job::ClosePoll { .. } => "close_poll",
            Job::PublishScheduled { .. } => "publish_scheduled",
            Job::Distribute { .. } => "distribute",
            Job::Deliver { .. } => "deliver",
            Job::SuspensionChanged { .. } => "suspension_changed",
            Job::CloseProposal { .. } => "close_proposal",
            Job::RemindProposal { .. } => "remind_proposal",
            Job::SweepMedia => "sweep_media",
            Job::FetchThread { .. } => "fetch_thread",
            Job::PollUpdate { .. } => "poll_update",
        }
    }

    /// How many attempts before the job is dropped (and logged).
    fn max_attempts(&self) -> i64 {
        match self {
            // 15 s doubling to a 6 h cap: 17 attempts span about two days.
            Job::Deliver { .. } => 17,
            _ => 8,
        }
    }
}

const LEASE: i64 = 5 * MICROS_PER_MINUTE;

/// Queues `job` inside the caller's transaction; it runs once that commits.
pub async fn enqueue(conn: &mut AnyConnection, job: &Job, now: i64) -> sqlx::Result<()> {
    enqueue_at(conn, job, now, now).await
}

/// Queues `job` to run at `run_at` (epoch microseconds), inside the caller's transaction.
pub async fn enqueue_at(
    conn: &mut AnyConnection,
    job: &Job,
    run_at: i64,
    now: i64,
) -> sqlx::Result<()> {
    let payload = serde_json::to_string(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    store::insert(
        conn,
        ids::next_id_at(now / 1000),
        job.kind(),
        &payload,
        run_at.max(now),
        now,
    )
    .await
}

/// Wakes the worker after a commit that queued work.
#[derive(Default)]
pub struct Waker(Notify);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// Backoff after `attempts` failures: 15 s, 30 s, 1 min … capped at 6 h, plus up to 50 % jitter.
fn backoff(attempts: i64) -> i64 {
    let base = (15 * MICROS_PER_SECOND).saturating_mul(1i64 << attempts.clamp(0, 20));
    let base = base.min(6 * 60 * MICROS_PER_MINUTE);
    base + rand::thread_rng().gen_range(0..=base / 2)
}

async fn run(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job {
        Job::FanOut { status_id } => crate::services::feeds::fan_out(state, *status_id).await,
        Job::PollUpdate { status_id } => {
            crate::services::federation::send_poll_update(state, *status_id).await
        }
        Job::FetchThread {
            status_id,
            parent_uri,
        } => crate::services::inbox::resolve_thread(state, *status_id, parent_uri).await,
        Job::ClosePoll { poll_id } => crate::services::polls::close(state, *poll_id).await,
        Job::PublishScheduled {
            scheduled_status_id,
        } => crate::services::scheduled::publish(state, *scheduled_status_id).await,
        Job::Distribute {
            activity,
            key_owner,
            followers_of,
            inboxes,
        } => {
            crate::services::federation::distribute(
                state,
                activity,
                key_owner,
                *followers_of,
                inboxes,
            )
            .await
        }
        Job::SuspensionChanged {
            account_id,
            suspended,
        } => crate::services::federation::suspension_changed(state, *account_id, *suspended).await,
        Job::Deliver {
            inbox,
            activity,
            key_owner,
        } => crate::services::federation::deliver(state, inbox, activity, key_owner)
            .await
            .map(|_| ()),
        Job::CloseProposal { id } => crate::services::proposals::close_job(state, *id).await,
        Job::RemindProposal { id } => crate::services::proposals::remind_job(state, *id).await,
        Job::SweepMedia => crate::services::media::sweep(state).await,
    }
}

/// Claims and runs one due job. Returns false when none is due.
pub async fn run_one(state: &AppState) -> anyhow::Result<bool> {
    let now = state.clock.now_micros();
    let claimed = {
        let mut tx = state.db.begin_write().await?;
        let row = store::claim(&mut **tx, now, LEASE).await?;
        tx.commit().await?;
        row
    };
    let Some(row) = claimed else { return Ok(false) };
    let job: Job = match serde_json::from_str(&row.payload) {
        Ok(j) => j,
        Err(e) => {
            tracing::error!(job = row.id, kind = %row.kind, error = %e, "dropping a job that does not parse");
            store::delete(&state.db.pool, row.id).await?;
            return Ok(true);
        }
    };
    match run(state, &job).await {
        Ok(()) => store::delete(&state.db.pool, row.id).await?,
        Err(e) if row.attempts >= job.max_attempts() => {
            tracing::error!(job = row.id, kind = %row.kind, attempts = row.attempts, error = %e, "job failed for good; dropped");
            store::delete(&state.db.pool, row.id).await?;
        }
        Err(e) => {
            tracing::warn!(job = row.id, kind = %row.kind, attempts = row.attempts, error = %e, "job failed; will retry");
            let at = state.clock.now_micros() + backoff(row.attempts);
            store::retry_at(&state.db.pool, row.id, at, &format!("{e:#}")).await?;
        }
    }
    Ok(true)
}

/// Runs every due job (including those the jobs themselves queue). Returns how many ran.
pub async fn run_pending(state: &AppState) -> anyhow::Result<usize> {
    let mut n = 0;
    while run_one(state).await? {
        n += 1;
    }
    Ok(n)
}

/// The background worker: runs due jobs, then sleeps until woken or a second passes.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    let waker: Arc<Waker> = state.jobs.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_pending(&state).await {
                tracing::error!(error = %e, "job worker");
            }
            tokio::select! {
                _ = waker.0.notified() => {},
                _ = tokio::time::sleep(Duration::from_secs(1)) => {},
            }
        }
    })
}
