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
use tracing::Instrument;

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
    /// Fetch and check the stamp (and the quoted post) of a remote quote (`services::quote_federation`).
    VerifyQuote { status_id: i64 },
    /// Send a local poll's new counts (`Update(Question)`), once for the votes of a minute.
    PollUpdate { status_id: i64 },
    /// Fetch a remote attachment and cache its preview (`services::remote_media`).
    CacheRemoteMedia { media_id: i64 },
    /// Process a video, audio or GIF upload: preview frame, MP4 of a GIF (`services::media`).
    ProcessMedia { media_id: i64 },
    /// Fetch the link preview card of a status's first link (`services::cards`).
    FetchCard { status_id: i64, url: String },
    /// Delete media files whose rows are gone (previews of replaced remote attachments).
    DeleteMediaFiles { keys: Vec<String> },
    /// Expand a proposal's mail to the members it goes to (chosen when this runs) into one
    /// `MailMember` job each, as `Distribute` expands into `Deliver`.
    MailMembers {
        proposal_id: i64,
        mailing: crate::services::proposals::Mailing,
    },
    /// Send a proposal's mail to one member (in a mail lane).
    MailMember {
        proposal_id: i64,
        mailing: crate::services::proposals::Mailing,
        account_id: i64,
    },
    /// A role's term ends: the grant expires, or its holder holds over as the role's last holder.
    RoleTermEnd { grant_id: i64 },
    /// Mail the holder and the members that a role's term ends soon (bylaws `roles.notice_days`).
    RoleTermNotice { grant_id: i64 },
    /// Work through a batch of an import's rows (`services::imports`), queueing the next.
    Import { import_id: i64 },
    /// A finished import, a week later.
    ForgetImport { import_id: i64 },
    /// Send one mail: a confirmation, a password reset, an expense decision (in a mail lane).
    Mail {
        to: String,
        subject: String,
        body: String,
        /// An optional mail's kind (`services::mail_prefs::KINDS`): not sent to a member who
        /// turned it off, and sent with the one-click unsubscribe. None: always sent.
        #[serde(default)]
        mail_kind: Option<String>,
    },
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
            Job::VerifyQuote { .. } => "verify_quote",
            Job::PollUpdate { .. } => "poll_update",
            Job::CacheRemoteMedia { .. } => "cache_remote_media",
            Job::ProcessMedia { .. } => "process_media",
            Job::FetchCard { .. } => "fetch_card",
            Job::DeleteMediaFiles { .. } => "delete_media_files",
            Job::MailMembers { .. } => "mail_members",
            Job::MailMember { .. } => "mail_member",
            Job::RoleTermEnd { .. } => "role_term_end",
            Job::RoleTermNotice { .. } => "role_term_notice",
            Job::Mail { .. } => "mail",
            Job::Import { .. } => "import",
            Job::ForgetImport { .. } => "forget_import",
        }
    }

    /// Whether a successful run deleted its own row (fenced by its claim) in the transaction
    /// that queued what it expands to, so it never expands twice.
    fn deletes_itself(&self) -> bool {
        matches!(self, Job::MailMembers { .. } | Job::RoleTermNotice { .. })
    }

    /// How many attempts before the job is dropped (and logged).
    fn max_attempts(&self) -> i64 {
        match self {
            // 15 s doubling to a 6 h cap: 17 attempts span about two days.
            Job::Deliver { .. } => 17,
            // 14 attempts span about a day (the last waits 6 h), long enough for an SMTP
            // server's outage; after that a confirmation or reset link would be stale anyway.
            Job::Mail { .. } | Job::MailMember { .. } => 14,
            // It counts its own transient failures and gives up after a few (no retry storm).
            Job::CacheRemoteMedia { .. } => crate::services::remote_media::MAX_ATTEMPTS,
            // A failed fetch is remembered and not retried; only a database error comes back.
            Job::FetchCard { .. } => 3,
            _ => 8,
        }
    }
}

/// A claimed job is leased for this long and its lease extended every `HEARTBEAT` while it
/// runs, so a node that dies frees its jobs a minute later while a slow job keeps its own.
const LEASE: i64 = MICROS_PER_MINUTE;
const HEARTBEAT: Duration = Duration::from_secs(20);

/// What this node's workers did, for metrics and the cluster tests.
#[derive(Default, Debug)]
pub struct Stats {
    /// The worker runs (readiness).
    pub running: std::sync::atomic::AtomicBool,
    /// Jobs claimed (a job retried counts once per claim).
    pub claims: std::sync::atomic::AtomicU64,
    /// Finishes (done, retried, postponed) refused because the lease had run out and another
    /// node held the job by then.
    pub fenced: std::sync::atomic::AtomicU64,
    /// Leases found taken by another node while the job still ran (the heartbeat's extension
    /// refused): the job's finish will be fenced too, but this counts the moment it was seen.
    pub leases_lost: std::sync::atomic::AtomicU64,
    /// Deliveries by outcome: delivered; failed and to be retried; failed for good after the
    /// last attempt (dropped); given up at once (refused: the remote answered a 4xx that
    /// retrying cannot change, or the host is blocked, unavailable or not allowed).
    pub deliveries_ok: std::sync::atomic::AtomicU64,
    pub deliveries_failed: std::sync::atomic::AtomicU64,
    pub deliveries_dropped: std::sync::atomic::AtomicU64,
    pub deliveries_refused: std::sync::atomic::AtomicU64,
    /// The job table's statements this node's workers ran, by `Statement` (waiting for the
    /// SQLite writer included: that wait is what a burst makes long).
    pub statements: [StatementTimes; Statement::ALL.len()],
    /// Statements and job runs that failed because the database was busy ("database is
    /// locked" on SQLite), which a burst must not cause.
    pub busy: std::sync::atomic::AtomicU64,
}

/// The job table's hot statements, as `Stats::statements` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    /// One job claimed by the main loop or a media or mail lane.
    Claim,
    /// A batch of deliveries claimed at once.
    ClaimMany,
    /// Finished jobs deleted (fenced by their claim).
    Finish,
    /// A job put back without counting the attempt (its host had no free slot).
    Postpone,
    /// A failed job rescheduled.
    Retry,
    /// A running job's lease extended.
    Extend,
}

impl Statement {
    pub const ALL: [Statement; 6] = [
        Statement::Claim,
        Statement::ClaimMany,
        Statement::Finish,
        Statement::Postpone,
        Statement::Retry,
        Statement::Extend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Statement::Claim => "claim",
            Statement::ClaimMany => "claim_many",
            Statement::Finish => "finish",
            Statement::Postpone => "postpone",
            Statement::Retry => "retry",
            Statement::Extend => "extend",
        }
    }
}

/// How often one kind of statement ran and how long it took.
#[derive(Default, Debug)]
pub struct StatementTimes {
    pub count: std::sync::atomic::AtomicU64,
    pub total_micros: std::sync::atomic::AtomicU64,
    pub max_micros: std::sync::atomic::AtomicU64,
    /// Runs that took 100 ms or more.
    pub slow: std::sync::atomic::AtomicU64,
}

impl Stats {
    fn add(counter: &std::sync::atomic::AtomicU64, n: u64) {
        counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn statement(&self, s: Statement) -> &StatementTimes {
        &self.statements[s as usize]
    }
}

/// Whether `e` is the database refusing for being busy (SQLite's "database is locked", code 5
/// or an extended code of it).
pub fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("5" | "261" | "517" | "773"))
                || db.message().contains("database is locked")
        }
        _ => false,
    }
}

fn is_busy_any(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<sqlx::Error>().is_some_and(is_busy)
            || c.to_string().contains("database is locked")
    })
}

/// Runs one job-table statement, counting its time in `stats` (and a busy refusal).
async fn timed<T>(
    stats: &Stats,
    statement: Statement,
    run: impl std::future::Future<Output = sqlx::Result<T>>,
) -> sqlx::Result<T> {
    use std::sync::atomic::Ordering::Relaxed;
    let started = std::time::Instant::now();
    let result = run.await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let t = stats.statement(statement);
    t.count.fetch_add(1, Relaxed);
    t.total_micros.fetch_add(micros, Relaxed);
    t.max_micros.fetch_max(micros, Relaxed);
    if micros >= 100_000 {
        t.slow.fetch_add(1, Relaxed);
    }
    if let Err(e) = &result {
        if is_busy(e) {
            Stats::add(&stats.busy, 1);
        }
    }
    result
}

/// A claim made now by this node (a fresh fence token; the database's clock decides leases).
fn new_claim(state: &AppState) -> store::Claim {
    store::Claim {
        now: state.clock.now_micros(),
        lease: LEASE,
        skew: state.clock.offset_micros(),
        token: ids::next_id(),
    }
}

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

/// Queues several jobs to run now inside the caller's transaction, in that order, with
/// few statements (a post's deliveries).
pub async fn enqueue_many(conn: &mut AnyConnection, jobs: &[Job], now: i64) -> sqlx::Result<()> {
    let mut rows = Vec::with_capacity(jobs.len());
    for job in jobs {
        let payload = serde_json::to_string(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        rows.push((ids::next_id_at(now / 1000), job.kind(), payload, now));
    }
    store::insert_many(conn, &rows, now).await
}

/// Wakes the worker after a commit that queued work (its main loop, its delivery claimer,
/// its media lanes and its mail lanes).
/// On PostgreSQL it also tells the other nodes (`NOTIFY herd_jobs`), so their idle workers
/// claim at once instead of at their next poll.
#[derive(Default)]
pub struct Waker(
    Notify,
    Notify,
    Notify,
    Notify,
    std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<()>>,
);

impl Waker {
    pub fn wake(&self) {
        self.wake_here();
        if let Some(tx) = self.4.get() {
            let _ = tx.send(());
        }
    }

    /// Wakes this node's workers only (a wake-up heard from another node).
    fn wake_here(&self) {
        self.0.notify_one();
        self.1.notify_one();
        self.2.notify_one();
        self.3.notify_one();
    }
}

/// The channel other nodes' wake-ups arrive on.
const WAKE_CHANNEL: &str = "herd_jobs";

/// PostgreSQL: sends this node's wake-ups to the others (after the commit, as a statement of
/// its own, coalescing a burst into one NOTIFY) and wakes this node's workers on theirs.
/// Wake-ups are hints: the one-second poll still finds any that a lost connection dropped.
fn spawn_cross_node_wakeups(state: &AppState, lanes: &mut tokio::task::JoinSet<()>) {
    if state.db.backend() != crate::storage::Backend::Postgres {
        return;
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    if state.jobs.4.set(tx).is_err() {
        // Another worker of this process (tests) already sends them.
        return;
    }
    let sender = state.clone();
    lanes.spawn(Instrument::in_current_span(async move {
        while rx.recv().await.is_some() {
            while rx.try_recv().is_ok() {}
            let sent =
                crate::storage::pubsub::notify(&sender.db.pool, WAKE_CHANNEL, sender.holder).await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "telling the other nodes about new jobs failed");
            }
        }
    }));
    let listener = state.clone();
    lanes.spawn(Instrument::in_current_span(async move {
        loop {
            let connected: anyhow::Result<()> = async {
                let mut l = crate::storage::pubsub::Listener::connect(
                    &listener.config.database_url(),
                    WAKE_CHANNEL,
                )
                .await?;
                loop {
                    match l.next().await? {
                        Some(from) if from != listener.holder => listener.jobs.wake_here(),
                        Some(_) => {}
                        // The connection was lost: listen again on a fresh one.
                        None => anyhow::bail!("the listening connection was lost"),
                    }
                }
            }
            .await;
            if let Err(e) = connected {
                tracing::warn!(error = %e, "job wake-up listener lost; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }));
}

/// Remote media previews and link cards (fetch and decode) run in this many lanes of their own, so a slow
/// media host never holds up fan-out, polls or proposals in the main loop.
pub const MEDIA_LANES: usize = 2;

/// Mails are sent in this many lanes of their own, so a slow or unreachable SMTP server holds
/// up neither federation (deliveries have their own lanes) nor fan-out, polls and proposals
/// (the main loop), and a burst of deliveries does not delay a password reset. Four
/// connections at once is polite to an SMTP relay and sends a thousand members' mails in
/// a few minutes even when each takes a second.
pub const MAIL_LANES: usize = 4;

/// The kinds the mail lanes send (a mass mail's expansion is quick and stays in the main loop).
const MAIL_KINDS: &[&str] = &["mail", "mail_member"];

/// The kinds the main loop leaves to their own lanes.
const LANED: &[&str] = &[
    "deliver",
    "cache_remote_media",
    "process_media",
    "fetch_card",
    "mail",
    "mail_member",
];

/// The kinds the media lanes run: remote fetches that may be slow (previews, link cards) and
/// the processing of uploads (ffmpeg).
const MEDIA_KINDS: &[&str] = &["cache_remote_media", "process_media", "fetch_card"];

/// Deliveries run in this many concurrent lanes, so a slow or hanging inbox holds up one lane
/// (and at most `federation::health::MAX_IN_FLIGHT` of them per host), not the queue.
/// 32: two hanging hosts (each held to `MAX_IN_FLIGHT`) still leave most lanes to the rest.
pub const DELIVERY_LANES: usize = 32;

/// A job that could not start now (e.g. its host has every delivery slot taken) asks to run
/// again after this many microseconds; the attempt is not counted.
#[derive(Debug)]
pub struct Postpone(pub i64);

impl std::fmt::Display for Postpone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "postponed by {} µs", self.0)
    }
}

impl std::error::Error for Postpone {}

/// Backoff after `attempts` failures: 15 s, 30 s, 1 min … capped at 6 h, plus up to 50 % jitter.
fn backoff(attempts: i64) -> i64 {
    let base = (15 * MICROS_PER_SECOND).saturating_mul(1i64 << (attempts - 1).clamp(0, 20));
    let base = base.min(6 * 60 * MICROS_PER_MINUTE);
    base + rand::thread_rng().gen_range(0..=base / 2)
}

/// Runs `job` (row `id`: an expansion deletes its own row in the transaction that queues what
/// it expands to, so it never expands twice).
async fn run(state: &AppState, id: i64, token: i64, job: &Job) -> anyhow::Result<()> {
    match job {
        Job::FanOut { status_id } => crate::services::feeds::fan_out(state, *status_id).await,
        Job::PollUpdate { status_id } => {
            crate::services::federation::send_poll_update(state, *status_id).await
        }
        Job::FetchThread {
            status_id,
            parent_uri,
        } => crate::services::inbox::resolve_thread(state, *status_id, parent_uri).await,
        Job::VerifyQuote { status_id } => {
            crate::services::quote_federation::verify(state, *status_id).await
        }
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
        Job::CacheRemoteMedia { media_id } => {
            crate::services::remote_media::cache(state, *media_id).await
        }
        Job::ProcessMedia { media_id } => crate::services::media::process(state, *media_id).await,
        Job::FetchCard { status_id, url } => {
            crate::services::cards::fetch_for_status(state, *status_id, url).await
        }
        Job::DeleteMediaFiles { keys } => {
            crate::services::remote_media::delete_files(state, keys).await
        }
        Job::MailMembers {
            proposal_id,
            mailing,
        } => {
            crate::services::proposals::expand_mailing(state, id, token, *proposal_id, *mailing)
                .await
        }
        Job::MailMember {
            proposal_id,
            mailing,
            account_id,
        } => {
            crate::services::proposals::mail_member(state, *proposal_id, *mailing, *account_id)
                .await
        }
        Job::RoleTermEnd { grant_id } => {
            crate::services::roles::end_term_job(state, *grant_id).await
        }
        Job::RoleTermNotice { grant_id } => {
            crate::services::roles::notice_job(state, id, token, *grant_id).await
        }
        Job::Import { import_id } => crate::services::imports::run(state, *import_id).await,
        Job::ForgetImport { import_id } => {
            crate::services::imports::forget(state, *import_id).await
        }
        Job::Mail {
            to,
            subject,
            body,
            mail_kind: None,
        } => crate::mail::deliver(&state.mailer, to, subject, body.clone()).await,
        Job::Mail {
            to,
            subject,
            body,
            mail_kind: Some(kind),
        } => crate::services::mail_prefs::deliver(state, to, subject, body.clone(), kind).await,
    }
}

/// Claims and runs one due job. Returns false when none is due.
pub async fn run_one(state: &AppState) -> anyhow::Result<bool> {
    run_one_of(state, store::Kinds::Any).await
}

/// Claims and runs one due job of `kinds`.
async fn run_one_of(state: &AppState, kinds: store::Kinds<'_>) -> anyhow::Result<bool> {
    let claim = new_claim(state);
    let backend = state.db.backend();
    // SQLite: the single writer's lock is taken only when a read found something to claim,
    // so the wake-ups of a burst cost the idle lanes no writes.
    if backend == crate::storage::Backend::Sqlite
        && !store::any_due(&state.db.pool, backend, claim, kinds).await?
    {
        return Ok(false);
    }
    let claimed = timed(&state.job_stats, Statement::Claim, async {
        match backend {
            // One autocommit statement: SKIP LOCKED keeps nodes off each other's rows.
            crate::storage::Backend::Postgres => {
                store::claim_kinds(&state.db.pool, backend, claim, kinds).await
            }
            // The single writer's path (the process-wide write lock, BEGIN IMMEDIATE).
            crate::storage::Backend::Sqlite => {
                let mut tx = state.db.begin_write().await?;
                let row = store::claim_kinds(&mut **tx, backend, claim, kinds).await?;
                tx.commit().await?;
                Ok(row)
            }
        }
    })
    .await?;
    let Some(row) = claimed else { return Ok(false) };
    Stats::add(&state.job_stats.claims, 1);
    run_claimed(state, row, None).await?;
    Ok(true)
}

/// One statement's future on a connection (`write`'s argument).
type OnConn<'c, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = sqlx::Result<T>> + Send + 'c>>;

/// Runs one job-table write. On SQLite it takes the single writer's lock, so it queues in
/// turn with every other write transaction: as an autocommit statement beside them it would
/// poll SQLite's busy handler and, under a burst of writes, could wait out its 10 s timeout
/// ("database is locked"). On PostgreSQL it is one autocommit statement.
async fn write<T>(
    state: &AppState,
    statement: impl for<'c> FnOnce(&'c mut AnyConnection) -> OnConn<'c, T>,
) -> sqlx::Result<T> {
    match state.db.backend() {
        crate::storage::Backend::Postgres => {
            let mut conn = state.db.pool.acquire().await?;
            statement(&mut conn).await
        }
        crate::storage::Backend::Sqlite => {
            let mut tx = state.db.begin_write().await?;
            let out = statement(&mut tx).await?;
            tx.commit().await?;
            Ok(out)
        }
    }
}

/// Extends `row`'s lease every `HEARTBEAT` for as long as it is polled (beside the job).
async fn keep_leased(state: &AppState, id: i64, token: i64) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let (backend, skew) = (state.db.backend(), state.clock.offset_micros());
        let extended = write(state, |c| {
            Box::pin(store::extend(c, backend, id, token, LEASE, skew))
        });
        match timed(&state.job_stats, Statement::Extend, extended).await {
            Ok(true) => {}
            Ok(false) => {
                Stats::add(&state.job_stats.leases_lost, 1);
                tracing::warn!(
                    job = id,
                    "lease lost while the job ran; another node has it"
                );
                std::future::pending::<()>().await;
            }
            Err(e) => tracing::warn!(job = id, error = %e, "extending a job's lease failed"),
        }
    }
}

/// What the deliveries of one claimed batch share: the batch's lookups, and the way to the
/// delivery worker's settler, which writes their finishes and postponements in batches.
struct Batch {
    ctx: crate::services::federation::DeliveryContext,
    settle: tokio::sync::mpsc::UnboundedSender<Settled>,
}

/// A delivery's outcome, for the settler to write.
enum Settled {
    /// Done (or given up): its row goes.
    Finished { id: i64, token: i64 },
    /// Its host had no free slot: its row runs again at `run_at`, the attempt not counted.
    Postponed { id: i64, token: i64, run_at: i64 },
}

/// Runs a claimed job and records its outcome (deleted, postponed, retried or dropped), each
/// fenced by the claim's token. A delivery claimed with others uses `batch`'s lookups and
/// leaves a finish or postponement to the settler.
async fn run_claimed(
    state: &AppState,
    row: store::JobRow,
    batch: Option<&Batch>,
) -> anyhow::Result<()> {
    let token = row.claim_token.unwrap_or_default();
    let job: Job = match serde_json::from_str(&row.payload) {
        Ok(j) => j,
        Err(e) => {
            tracing::error!(job = row.id, kind = %row.kind, error = %e, "dropping a job that does not parse");
            let finish = write(state, |c| Box::pin(store::finish(c, row.id, token)));
            timed(&state.job_stats, Statement::Finish, finish).await?;
            return Ok(());
        }
    };
    let work = async {
        match (&job, batch.map(|b| &b.ctx)) {
            (
                Job::Deliver {
                    inbox,
                    activity,
                    key_owner,
                },
                Some(ctx),
            ) => crate::services::federation::deliver_in(state, inbox, activity, key_owner, ctx)
                .await
                .map(|d| matches!(d, crate::services::federation::Delivered::GaveUp(_))),
            _ => run(state, row.id, token, &job).await.map(|()| false),
        }
    };
    let outcome = tokio::select! {
        outcome = work => outcome,
        // The heartbeat never ends; should it, the job is retried like a failure.
        _ = keep_leased(state, row.id, token) => Err(anyhow::anyhow!("the lease heartbeat stopped")),
    };
    let delivery = matches!(job, Job::Deliver { .. });
    let stats = &state.job_stats;
    let ours = match outcome {
        Ok(refused) => {
            if delivery && refused {
                Stats::add(&stats.deliveries_refused, 1);
            } else if delivery {
                Stats::add(&stats.deliveries_ok, 1);
            }
            let id = row.id;
            if let Some(settle) = batch.map(|b| &b.settle) {
                if settle.send(Settled::Finished { id, token }).is_ok() {
                    return Ok(());
                }
            }
            // An expansion deleted its own row (fenced) with what it queued.
            job.deletes_itself() || {
                let finish = write(state, |c| Box::pin(store::finish(c, id, token)));
                timed(stats, Statement::Finish, finish).await?
            }
        }
        Err(e) if e.downcast_ref::<Postpone>().is_some() => {
            let by = e.downcast_ref::<Postpone>().map_or(0, |p| p.0);
            let (id, run_at) = (row.id, state.clock.now_micros() + by);
            if let Some(settle) = batch.map(|b| &b.settle) {
                if settle
                    .send(Settled::Postponed { id, token, run_at })
                    .is_ok()
                {
                    return Ok(());
                }
            }
            let postpone = write(state, |c| Box::pin(store::postpone(c, id, token, run_at)));
            timed(stats, Statement::Postpone, postpone).await?
        }
        Err(e) if row.attempts >= job.max_attempts() => {
            if is_busy_any(&e) {
                Stats::add(&stats.busy, 1);
            }
            tracing::error!(job = row.id, kind = %row.kind, attempts = row.attempts, error = %e, "job failed for good; dropped");
            if delivery {
                Stats::add(&stats.deliveries_dropped, 1);
            }
            let id = row.id;
            let finish = write(state, |c| Box::pin(store::finish(c, id, token)));
            timed(stats, Statement::Finish, finish).await?
        }
        Err(e) => {
            if is_busy_any(&e) {
                Stats::add(&stats.busy, 1);
            }
            tracing::warn!(job = row.id, kind = %row.kind, attempts = row.attempts, error = %e, "job failed; will retry");
            if delivery {
                Stats::add(&stats.deliveries_failed, 1);
            }
            let at = state.clock.now_micros() + backoff(row.attempts);
            let (id, error) = (row.id, format!("{e:#}"));
            let retry = write(state, |c| {
                Box::pin(async move { store::retry_at(c, id, token, at, &error).await })
            });
            timed(stats, Statement::Retry, retry).await?
        }
    };
    if !ours {
        Stats::add(&stats.fenced, 1);
        tracing::warn!(job = row.id, kind = %row.kind, "finish refused: the lease ran out and another node claimed the job");
    }
    Ok(())
}

/// Runs a job claimed earlier with `token` to its fenced finish (tests: a node whose lease
/// ran out finishing late). True when the finish was accepted.
pub async fn finish_claimed(state: &AppState, id: i64, token: i64) -> anyhow::Result<bool> {
    let ours = write(state, |c| Box::pin(store::finish(c, id, token))).await?;
    if !ours {
        Stats::add(&state.job_stats.fenced, 1);
    }
    Ok(ours)
}

/// Claims one due job for this node without running it: (id, fence token). Tests use it to
/// stand for a node that dies holding a lease.
pub async fn claim_only(state: &AppState) -> anyhow::Result<Option<(i64, i64)>> {
    let claim = new_claim(state);
    let backend = state.db.backend();
    let mut tx = state.db.begin_write().await?;
    let row = store::claim_kinds(&mut **tx, backend, claim, store::Kinds::Any).await?;
    tx.commit().await?;
    Ok(row.map(|r| {
        Stats::add(&state.job_stats.claims, 1);
        (r.id, claim.token)
    }))
}

/// Runs every due job (including those the jobs themselves queue). Returns how many ran.
pub async fn run_pending(state: &AppState) -> anyhow::Result<usize> {
    let mut n = 0;
    while run_one(state).await? {
        n += 1;
    }
    Ok(n)
}

/// The delivery half of the worker: whenever lanes are free, it claims as many due
/// deliveries as there are free lanes in one statement, and runs each in its own lane (a task
/// holding one of `DELIVERY_LANES` permits), with the batch's lookups shared. Dropping it
/// aborts the deliveries in flight (their jobs keep their lease and run again after it).
async fn delivery_worker(state: AppState) {
    let lanes = Arc::new(tokio::sync::Semaphore::new(DELIVERY_LANES));
    let mut running = tokio::task::JoinSet::new();
    let waker: Arc<Waker> = state.jobs.clone();
    let (settle, settled) = tokio::sync::mpsc::unbounded_channel();
    // Aborted with the worker (its unwritten finishes run again after their lease).
    let mut settler = tokio::task::JoinSet::new();
    settler.spawn(settle_deliveries(state.clone(), settled).in_current_span());
    loop {
        while running.try_join_next().is_some() {}
        // One free lane at least; a moment's wait for a few more lets one claim serve several.
        let mut held = match tokio::time::timeout(
            CLAIM_GATHER,
            lanes.clone().acquire_many_owned(CLAIM_AT_LEAST),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return,
            Err(_) => match lanes.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let more = lanes.available_permits() as u32;
        if more > 0 {
            if let Ok(p) = lanes.clone().try_acquire_many_owned(more) {
                held.merge(p);
            }
        }
        let claim = new_claim(&state);
        let free = held.num_permits() as i64;
        let backend = state.db.backend();
        // SQLite: the writer's lock only when a read found a due delivery.
        let due = match backend {
            crate::storage::Backend::Postgres => Ok(true),
            crate::storage::Backend::Sqlite => {
                let deliveries = store::Kinds::Only("deliver");
                store::any_due(&state.db.pool, backend, claim, deliveries).await
            }
        };
        let claim_many = async {
            if backend == crate::storage::Backend::Postgres {
                return store::claim_many(&state.db.pool, backend, claim, "deliver", free).await;
            }
            let mut tx = state.db.begin_write().await?;
            let rows = store::claim_many(&mut **tx, backend, claim, "deliver", free).await?;
            tx.commit().await?;
            Ok(rows)
        };
        let claimed = match due {
            Ok(true) => timed(&state.job_stats, Statement::ClaimMany, claim_many).await,
            Ok(false) => Ok(Vec::new()),
            Err(e) => Err(e),
        };
        if let Ok(rows) = &claimed {
            Stats::add(&state.job_stats.claims, rows.len() as u64);
        }
        let rows = match claimed {
            Ok(rows) if !rows.is_empty() => rows,
            other => {
                if let Err(e) = other {
                    tracing::error!(error = %e, "delivery worker");
                }
                drop(held);
                tokio::select! {
                    _ = waker.1.notified() => {},
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                }
                continue;
            }
        };
        let batch = Arc::new(Batch {
            ctx: crate::services::federation::DeliveryContext::default(),
            settle: settle.clone(),
        });
        for row in rows {
            // `claim_many` returned at most `free` rows: a permit is left for each.
            let lane = held.split(1);
            let (state, batch) = (state.clone(), batch.clone());
            running.spawn(async move {
                let _lane = lane;
                if let Err(e) = run_claimed(&state, row, Some(&batch)).await {
                    tracing::error!(error = %e, "delivery lane");
                }
            });
        }
    }
}

/// Writes the outcomes of deliveries as they come: whatever arrived while the last write
/// waited for the database goes in the next (up to `store::BATCH`), so a burst costs one
/// DELETE (and one UPDATE for postponements) per batch of deliveries, not one per delivery,
/// each row still fenced by its own claim's token.
async fn settle_deliveries(
    state: AppState,
    mut settled: tokio::sync::mpsc::UnboundedReceiver<Settled>,
) {
    let mut pending = Vec::new();
    while let Some(first) = settled.recv().await {
        pending.push(first);
        while pending.len() < store::BATCH {
            match settled.try_recv() {
                Ok(s) => pending.push(s),
                Err(_) => break,
            }
        }
        let mut finished = Vec::new();
        let mut postponed = Vec::new();
        let mut run_at = 0;
        for s in pending.drain(..) {
            match s {
                Settled::Finished { id, token } => finished.push((id, token)),
                Settled::Postponed {
                    id,
                    token,
                    run_at: at,
                } => {
                    postponed.push((id, token));
                    run_at = run_at.max(at);
                }
            }
        }
        // A refused write is tried again; given up, its rows run again after their lease
        // (a delivery made twice, never one lost).
        for attempt in 1.. {
            match settle(&state, &finished, &postponed, run_at).await {
                Ok(()) => break,
                Err(e) if attempt < 5 => {
                    tracing::warn!(error = %e, attempt, "writing finished deliveries failed; trying again");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, jobs = finished.len() + postponed.len(), "writing finished deliveries failed; they run again after their lease");
                    break;
                }
            }
        }
    }
}

/// The finished deliveries deleted and the postponed ones put back (a write each), every row
/// only if its claim is still the one it ran under (the others are counted as fenced).
async fn settle(
    state: &AppState,
    finished: &[(i64, i64)],
    postponed: &[(i64, i64)],
    run_at: i64,
) -> sqlx::Result<()> {
    let stats = &state.job_stats;
    let mut kept = 0;
    if !finished.is_empty() {
        let jobs = finished.to_vec();
        let deleted = write(state, |c| {
            Box::pin(async move { store::finish_many(c, &jobs).await })
        });
        kept += timed(stats, Statement::Finish, deleted).await?.len();
    }
    if !postponed.is_empty() {
        let jobs = postponed.to_vec();
        let put_back = write(state, |c| {
            Box::pin(async move { store::postpone_many(c, &jobs, run_at).await })
        });
        kept += timed(stats, Statement::Postpone, put_back).await?.len();
    }
    let fenced = finished.len() + postponed.len() - kept;
    if fenced > 0 {
        Stats::add(&stats.fenced, fenced as u64);
        tracing::warn!(
            jobs = fenced,
            "finish refused: the lease ran out and another node claimed the job"
        );
    }
    Ok(())
}

/// One lane of remote media previews: runs due previews, waking the other lanes while there
/// is work, then sleeps until woken or a second passes.
async fn media_lane(state: AppState) {
    let waker: Arc<Waker> = state.jobs.clone();
    loop {
        loop {
            match run_one_of(&state, store::Kinds::Among(MEDIA_KINDS)).await {
                Ok(true) => waker.2.notify_one(),
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(error = %e, "media lane");
                    break;
                }
            }
        }
        tokio::select! {
            _ = waker.2.notified() => {},
            _ = tokio::time::sleep(Duration::from_secs(1)) => {},
        }
    }
}

/// One lane of mails: sends due mails, waking the other lanes while there is work, then
/// sleeps until woken or a second passes.
async fn mail_lane(state: AppState) {
    let waker: Arc<Waker> = state.jobs.clone();
    loop {
        loop {
            match run_one_of(&state, store::Kinds::Among(MAIL_KINDS)).await {
                Ok(true) => waker.3.notify_one(),
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(error = %e, "mail lane");
                    break;
                }
            }
        }
        tokio::select! {
            _ = waker.3.notified() => {},
            _ = tokio::time::sleep(Duration::from_secs(1)) => {},
        }
    }
}

/// How long the delivery worker waits for `CLAIM_AT_LEAST` free lanes before it claims for
/// fewer (one claim per delivery would cost a write transaction each).
const CLAIM_GATHER: Duration = Duration::from_millis(2);
const CLAIM_AT_LEAST: u32 = 4;

/// The background worker: one loop for every kind of job but deliveries, remote media
/// previews and mails, the delivery worker (`DELIVERY_LANES` deliveries at once),
/// `MEDIA_LANES` loops for previews and `MAIL_LANES` loops for mails; each runs due jobs, then
/// sleeps until woken or a second passes. Aborting the returned task stops them all (jobs in
/// flight keep their lease and run again after it: nothing is lost).
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    state
        .job_stats
        .running
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let span = tracing::info_span!("worker", node = %state.node);
    tokio::spawn(Instrument::instrument(
        async move {
            let mut lanes = tokio::task::JoinSet::new();
            spawn_cross_node_wakeups(&state, &mut lanes);
            lanes.spawn(delivery_worker(state.clone()).in_current_span());
            for _ in 0..MEDIA_LANES {
                lanes.spawn(media_lane(state.clone()).in_current_span());
            }
            for _ in 0..MAIL_LANES {
                lanes.spawn(mail_lane(state.clone()).in_current_span());
            }
            let waker: Arc<Waker> = state.jobs.clone();
            loop {
                loop {
                    match run_one_of(&state, store::Kinds::AllBut(LANED)).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            tracing::error!(error = %e, "job worker");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = waker.0.notified() => {},
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                }
            }
        },
        span,
    ))
}
