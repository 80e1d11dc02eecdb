//! Polls: validation of a new poll, attaching one to a status (also for other services, such
//! as governance posting a proposal), voting, closing at expiry (a queued job that notifies
//! voters and author), and the Mastodon entity.
//!
//! Choices made where Mastodon leaves room or Herd differs:
//! - The author cannot vote in their own poll (Mastodon's rule: "You cannot vote in your own
//!   polls"); the author's view shows `voted: true, own_votes: []`, as Mastodon's does.
//! - A vote is final: a second vote is refused with 422 "You have already voted on this poll".
//! - With `hide_totals`, option counts are `null` for everyone (the author too) until the poll
//!   ends; the poll-level `votes_count` and `voters_count` stay visible, as in Mastodon.
//!
//! Refusing a vote from elsewhere: add a [`VoteGuard`] to [`VOTE_GUARDS`]. Each guard sees the
//! poll, its status and the voter, and may return an error (its message reaches the client
//! as given, e.g. `AppError::unprocessable("Only active members may vote on proposals")`).
//! Guards run after Herd's own checks, inside the vote's transaction and before the vote is
//! written: whatever a guard writes in that transaction (governance casts the ballot there)
//! commits with the poll answer or not at all. A guard should return `Ok(())` quickly for polls
//! it does not own.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use serde::Deserialize;
use serde_json::Value;
use sqlx::AnyConnection;

use crate::entities::media::{Poll, PollOption};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::http::lenient;
use crate::ids;
use crate::jobs::{self, Job};
use crate::services::notify::notify;
use crate::state::AppState;
use crate::storage::polls::{self as store, PollRow};
use crate::storage::statuses::{self as statuses, StatusRow};
use crate::storage::{is_unique_violation, notifications, WriteTx};
use crate::time::{self, MICROS_PER_SECOND};

/// Shortest and longest poll durations, in seconds (Mastodon's: 5 minutes, one month).
pub const MIN_EXPIRATION: i64 = 300;
pub const MAX_EXPIRATION: i64 = 2_629_746;

/// A poll as a client asks for it (`poll[options][]`, `poll[expires_in]`, …).
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct NewPoll {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

#[derive(Debug, Deserialize)]
struct PollParams {
    #[serde(default, deserialize_with = "lenient::strings")]
    options: Vec<String>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    multiple: Option<bool>,
    #[serde(default, deserialize_with = "lenient::bool_opt")]
    hide_totals: Option<bool>,
}

/// Reads the `poll` object of a request body (form, JSON or multipart alike).
pub fn parse(v: &Value) -> AppResult<NewPoll> {
    let p: PollParams = serde_json::from_value(v.clone())
        .map_err(|e| AppError::unprocessable(format!("Validation failed: Poll {e}")))?;
    let expires_in = p.expires_in.ok_or_else(|| {
        AppError::unprocessable("Validation failed: Poll expires in can't be blank")
    })?;
    Ok(NewPoll {
        options: p.options,
        expires_in: i64::try_from(expires_in).unwrap_or(i64::MAX),
        multiple: p.multiple.unwrap_or(false),
        hide_totals: p.hide_totals.unwrap_or(false),
    })
}

/// Mastodon's poll validation against the instance limits.
pub fn validate(state: &AppState, p: &NewPoll) -> AppResult<()> {
    let l = &state.config.limits;
    if p.options.len() < 2 {
        return Err(AppError::unprocessable(
            "Validation failed: Poll options must have more than one item",
        ));
    }
    if p.options.len() > l.max_poll_options as usize {
        return Err(AppError::unprocessable(format!(
            "Validation failed: Poll options can't contain more than {} items",
            l.max_poll_options
        )));
    }
    check_options(&p.options)?;
    let max = l.max_poll_option_characters as usize;
    if p.options.iter().any(|o| o.chars().count() > max) {
        return Err(AppError::unprocessable(format!(
            "Validation failed: Poll options cannot be longer than {max} characters each"
        )));
    }
    if p.expires_in < MIN_EXPIRATION {
        return Err(AppError::unprocessable(
            "Validation failed: Poll expires at is too soon",
        ));
    }
    if p.expires_in > MAX_EXPIRATION {
        return Err(AppError::unprocessable(
            "Validation failed: Poll expires at is too far into the future",
        ));
    }
    Ok(())
}

/// The checks every poll passes, whoever creates it: no blank option, no duplicate.
fn check_options(options: &[String]) -> AppResult<()> {
    if options.len() < 2 {
        return Err(AppError::unprocessable(
            "Validation failed: Poll options must have more than one item",
        ));
    }
    if options.iter().any(|o| o.trim().is_empty()) {
        return Err(AppError::unprocessable(
            "Validation failed: Poll options can't be blank",
        ));
    }
    let mut seen = HashSet::new();
    if !options.iter().all(|o| seen.insert(o.trim())) {
        return Err(AppError::unprocessable(
            "Validation failed: Poll options contain duplicate items",
        ));
    }
    Ok(())
}

/// What [`create_for_status`] needs; `expires_at` in epoch microseconds (`None`: never closes).
#[derive(Debug, Clone)]
pub struct PollSpec {
    pub options: Vec<String>,
    pub expires_at: Option<i64>,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// Attaches a poll to a status inside the caller's transaction and queues its closing at
/// `expires_at`. For other services (governance posts proposals as statuses with polls):
/// it checks only that options are at least two, not blank, and distinct; the instance's
/// limits on option count, length and duration apply to client requests (see [`validate`]).
pub async fn create_for_status(
    conn: &mut AnyConnection,
    status_id: i64,
    spec: &PollSpec,
    now: i64,
) -> AppResult<PollRow> {
    check_options(&spec.options)?;
    let status = statuses::by_id(&mut *conn, status_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let row = PollRow {
        id: ids::next_id_at(now / 1000),
        status_id,
        account_id: status.account_id,
        options: serde_json::to_string(&spec.options).map_err(AppError::internal)?,
        multiple: i64::from(spec.multiple),
        hide_totals: i64::from(spec.hide_totals),
        expires_at: spec.expires_at,
        closed: 0,
        created_at: now,
    };
    store::insert(&mut *conn, &row).await?;
    if let Some(at) = spec.expires_at {
        jobs::enqueue_at(conn, &Job::ClosePoll { poll_id: row.id }, at, now).await?;
    }
    Ok(row)
}

/// What a [`VoteGuard`] sees.
pub struct VoteAttempt<'a> {
    pub poll: &'a PollRow,
    pub status: &'a StatusRow,
    pub voter: &'a CurrentUser,
    pub choices: &'a [i64],
}

/// A check another part of Herd adds to refuse some votes with a clear error (or to write
/// with the vote, in its transaction).
pub type VoteGuard = for<'a> fn(
    &'a AppState,
    &'a mut WriteTx,
    &'a VoteAttempt<'a>,
) -> Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>>;

/// The guards every vote passes (in order). Governance adds its membership check here.
pub const VOTE_GUARDS: &[VoteGuard] = &[crate::services::proposal_posts::poll_guard];

/// A poll whose status the viewer may see, or 404.
async fn visible(
    state: &AppState,
    id: &str,
    viewer: Option<i64>,
) -> AppResult<(PollRow, StatusRow)> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let poll = store::by_id(&state.db.pool, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let status = statuses::visible_by_id(&state.db.pool, poll.status_id, viewer.unwrap_or(-1))
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((poll, status))
}

/// `GET /api/v1/polls/:id`.
pub async fn get(state: &AppState, viewer: Option<i64>, id: &str) -> AppResult<Poll> {
    let (poll, _) = visible(state, id, viewer).await?;
    one(state, viewer, poll).await
}

async fn one(state: &AppState, viewer: Option<i64>, poll: PollRow) -> AppResult<Poll> {
    let status_id = poll.status_id;
    entities(state, viewer, vec![poll])
        .await?
        .remove(&status_id)
        .ok_or_else(AppError::not_found)
}

fn invalid_choice() -> AppError {
    AppError::unprocessable("Validation failed: The chosen vote option does not exist")
}

/// `POST /api/v1/polls/:id/votes` with `choices[]` (option indices).
pub async fn vote(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    choices: &[String],
) -> AppResult<Poll> {
    let (poll, status) = visible(state, id, Some(me.account.id)).await?;
    let now = state.clock.now_micros();
    if poll.expired(now) {
        return Err(AppError::unprocessable(
            "Validation failed: The poll has already ended",
        ));
    }
    let count = poll.titles().len() as i64;
    let mut picked: Vec<i64> = Vec::with_capacity(choices.len());
    for c in choices {
        let i: i64 = c.trim().parse().map_err(|_| invalid_choice())?;
        if !(0..count).contains(&i) || picked.contains(&i) {
            return Err(invalid_choice());
        }
        picked.push(i);
    }
    if picked.is_empty() {
        return Err(invalid_choice());
    }
    if poll.multiple == 0 && picked.len() > 1 {
        return Err(AppError::unprocessable(
            "Validation failed: This poll allows only one choice",
        ));
    }
    if poll.account_id == me.account.id {
        return Err(AppError::unprocessable(
            "Validation failed: You cannot vote in your own polls",
        ));
    }
    let attempt = VoteAttempt {
        poll: &poll,
        status: &status,
        voter: me,
        choices: &picked,
    };
    let already =
        || AppError::unprocessable("Validation failed: You have already voted on this poll");
    let mut tx = state.db.begin_write().await?;
    for guard in VOTE_GUARDS {
        guard(state, &mut tx, &attempt).await?;
    }
    store::insert_voter(&mut **tx, poll.id, me.account.id, now)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                already()
            } else {
                e.into()
            }
        })?;
    for choice in &picked {
        store::insert_vote(
            &mut **tx,
            ids::next_id_at(now / 1000),
            poll.id,
            me.account.id,
            *choice,
            now,
        )
        .await?;
    }
    // A remote poll: the vote goes to its author's server.
    crate::services::federation::poll_voted(
        &mut tx,
        state,
        &me.account,
        &status,
        &poll,
        &picked,
        now,
    )
    .await?;
    tx.commit().await?;
    state.jobs.wake();
    one(state, Some(me.account.id), poll).await
}

/// The queued closing: marks the poll ended and notifies its voters and its author, once.
pub async fn close(state: &AppState, poll_id: i64) -> anyhow::Result<()> {
    let Some(poll) = store::by_id(&state.db.pool, poll_id).await? else {
        return Ok(()); // its status was deleted
    };
    let now = state.clock.now_micros();
    if poll.expires_at.is_none_or(|at| at > now) {
        return Ok(()); // not due (its expiry moved; a later job closes it)
    }
    let mut tx = state.db.begin_write().await?;
    if !store::close(&mut **tx, poll.id).await? {
        return Ok(());
    }
    for voter in store::voters(&mut **tx, poll.id).await? {
        notify(
            &mut tx,
            voter,
            poll.account_id,
            "poll",
            Some(poll.status_id),
            now,
        )
        .await?;
    }
    // The author hears of their own poll's end too (`notify` skips one's own doing).
    notifications::insert(
        &mut **tx,
        ids::next_id_at(now / 1000),
        poll.account_id,
        poll.account_id,
        "poll",
        Some(poll.status_id),
        now,
    )
    .await?;
    // A local poll's followers and voters elsewhere learn that it closed.
    if let Some(status) = statuses::by_id(&mut **tx, poll.status_id).await? {
        crate::services::federation::poll_changed(&mut tx, state, &status, now).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Renders polls for one viewer, keyed by status id, in a fixed number of queries.
pub async fn entities(
    state: &AppState,
    viewer: Option<i64>,
    polls: Vec<PollRow>,
) -> AppResult<HashMap<i64, Poll>> {
    if polls.is_empty() {
        return Ok(HashMap::new());
    }
    let db = &state.db.pool;
    let ids: Vec<i64> = polls.iter().map(|p| p.id).collect();
    let mut tallies: HashMap<(i64, i64), i64> = HashMap::new();
    for (poll, choice, n) in store::tallies(db, &ids).await? {
        tallies.insert((poll, choice), n);
    }
    let voters: HashMap<i64, i64> = store::voter_counts(db, &ids).await?.into_iter().collect();
    // Remote polls show the counts their origin reported.
    let remote: HashMap<i64, (Vec<i64>, Option<i64>)> =
        crate::storage::federation::remote_poll_counts(db, &ids)
            .await?
            .into_iter()
            .map(|(id, counts, voters)| {
                (
                    id,
                    (serde_json::from_str(&counts).unwrap_or_default(), voters),
                )
            })
            .collect();
    let mut mine: HashMap<i64, Vec<i64>> = HashMap::new();
    if let Some(v) = viewer {
        for (poll, choice) in store::votes_of(db, v, &ids).await? {
            mine.entry(poll).or_default().push(choice);
        }
    }
    let now = state.clock.now_micros();
    Ok(polls
        .into_iter()
        .map(|p| {
            let expired = p.expired(now);
            let show = expired || p.hide_totals == 0;
            let titles = p.titles();
            let remote_counts = remote.get(&p.id);
            let count = |i: i64| match remote_counts {
                Some((counts, _)) => usize::try_from(i)
                    .ok()
                    .and_then(|i| counts.get(i))
                    .copied()
                    .unwrap_or(0),
                None => tallies.get(&(p.id, i)).copied().unwrap_or(0),
            };
            let votes_count: i64 = (0..titles.len() as i64).map(count).sum();
            let voters_count = match remote_counts {
                Some((_, Some(v))) => *v,
                Some((_, None)) if p.multiple == 0 => votes_count,
                Some((_, None)) => voters.get(&p.id).copied().unwrap_or(0),
                None => voters.get(&p.id).copied().unwrap_or(0),
            };
            let options = titles
                .into_iter()
                .enumerate()
                .map(|(i, title)| PollOption {
                    title,
                    votes_count: show.then(|| count(i as i64)),
                })
                .collect();
            let own = mine.remove(&p.id);
            let entity = Poll {
                id: p.id.to_string(),
                expires_at: p.expires_at.map(time::iso),
                expired,
                multiple: p.multiple != 0,
                votes_count,
                voters_count: Some(voters_count),
                options,
                emojis: Vec::new(),
                voted: viewer.map(|v| v == p.account_id || own.is_some()),
                own_votes: viewer.map(|_| own.unwrap_or_default()),
            };
            (p.status_id, entity)
        })
        .collect())
}

/// When a poll asked for now ends.
pub fn expires_at(now: i64, p: &NewPoll) -> i64 {
    now.saturating_add(p.expires_in.saturating_mul(MICROS_PER_SECOND))
}
