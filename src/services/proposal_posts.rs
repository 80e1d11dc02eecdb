//! Proposals in the social timeline: the co-op's actor (the local `Group` account `coop`)
//! posts each proposal when it opens, with a Mastodon poll where the method fits, counts that
//! poll's votes as ballots, and replies with the result when it closes.
//!
//! Who sees the posts is the bylaws' `governance.proposal_visibility` (default `members`).
//! Members-only: `@coop` is locked and its followers are active members only (a member's
//! follow is accepted at once, anyone else's refused, a remote one with a `Reject`); the posts
//! are followers-only and local-only, so no public surface shows them and they never leave the
//! server; a reply in their thread ([`reply_audience`]) is followers-only and local-only too,
//! and bound to `@coop`'s followers (`status_audiences`) rather than its author's, so the
//! discussion reaches neither the member's other followers nor other servers. Public: the
//! posts are public, as they were before, and anyone may follow `@coop`.
//!
//! Choices made where the issue is silent:
//! - The co-op's account is a local account row (username `coop`, `actor_type` Group, uri the
//!   `/coop` actor) made at start-up, with no login. Every member follows it automatically
//!   when they become active (bootstrap, admission by an admin or by a proposal, reinstatement
//!   after lapsing), so proposals and results reach their home timelines; a member may
//!   unfollow it like any account (and follow it again). When the posts are members-only, a
//!   member who lapses, withdraws or is expelled stops following it, and the posts and their
//!   discussion leave their home feed; when public, leaving changes nothing. Members who were
//!   active before the account existed follow it when it is made.
//! - The bylaws in force are applied to `@coop` at every start and when a bylaws amendment is
//!   enacted ([`apply_bylaws`]): locked or not, and, members-only, every follower who is not
//!   an active member removed (a remote one gets a `Reject`) and its followers and following
//!   lists hidden (`hide_collections`: the followers are the roster, which members alone read). Posts keep the visibility they
//!   were made with: those published while public stay public (they were already federated;
//!   hiding them here would not recall the copies elsewhere), and members-only ones do not
//!   become public if the bylaws later say `public`. A result reply takes its proposal post's
//!   audience.
//! - A reply asking for `direct` in a members-only thread stays direct (its audience is the
//!   people it names, narrower than the members) but is local-only; every other visibility
//!   becomes followers-only of `@coop`. Such replies cannot be boosted.
//! - A poll is attached for consent (agree / abstain / disagree / block), majority and
//!   supermajority (yes / no / abstain) and approval (the options, several answers allowed),
//!   expiring at `closes_at`, with totals hidden until then when the proposal hides results.
//!   Secret proposals (elections and membership decisions by default) get no poll: a poll
//!   records who answered what, which a secret ballot must not; the post says to vote through
//!   the co-op API. Nor do ranked choice, score and dot votes, which a poll cannot express.
//! - A poll vote is a ballot cast `via = "poll"` through [`proposals::vote`] (the same checks,
//!   receipt, history and log). Mastodon polls take one answer per account; a member who
//!   wants to change their vote does so through the co-op API, and the latest ballot counts
//!   either way. A ballot cast through the co-op API is mirrored into the poll (their answer
//!   is replaced), so the poll shows what counts and a later poll vote is refused with a
//!   message that points to the co-op API. The tally always comes from the ballots, so a
//!   member counts once, with their last ballot.

use std::future::Future;
use std::pin::Pin;

use herd_governance::ballot::Ballot;
use herd_governance::bylaws::{self as rules, Method, ProposalKind, ProposalVisibility};
use serde_json::Value;
use sqlx::AnyConnection;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::jobs::{self, Job};
use crate::services::federation::{self as fed, StatusEvent};
use crate::services::polls::{self, PollSpec, VoteAttempt};
use crate::services::render::{status_uri, status_url, tag_url};
use crate::services::statuses::Visibility;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountCounter, AccountRow};
use crate::storage::audiences;
use crate::storage::governance as gov_store;
use crate::storage::proposals::{self as store, ProposalRow};
use crate::storage::social::{self, Relation};
use crate::storage::statuses::{self as statuses, Counter, StatusRow};
use crate::storage::Db;
use crate::storage::{notifications, timelines, Change, WriteTx};
use crate::time;

/// Makes the co-op's account on first start (and has every active member follow it).
pub async fn ensure_coop_account(db: &Db, config: &Config, now: i64) -> anyhow::Result<()> {
    if store::coop_account_id(&db.pool).await?.is_some() {
        return Ok(());
    }
    let base = config.base_url();
    let id = ids::next_id_at(now / 1000);
    let mut tx = db.begin_write().await?;
    store::insert_coop_account(
        &mut **tx,
        id,
        &config.instance.title,
        "The co-operative that runs this server: its proposals and their results.",
        &format!("{base}/coop"),
        &format!("{base}/@coop"),
        now,
    )
    .await?;
    for m in store::active_members(&mut **tx).await? {
        follow(&mut tx, m.account_id, id, now).await?;
    }
    tx.commit().await?;
    tracing::info!("the co-op's account @coop was made");
    Ok(())
}

async fn follow(tx: &mut WriteTx, account_id: i64, coop: i64, now: i64) -> sqlx::Result<()> {
    if account_id == coop {
        return Ok(());
    }
    let new = social::upsert_follow(
        &mut ***tx,
        Relation::Follow,
        ids::next_id_at(now / 1000),
        account_id,
        coop,
        true,
        false,
        now,
    )
    .await?;
    if new {
        accounts::bump(tx, account_id, AccountCounter::Following, 1).await?;
        accounts::bump(tx, coop, AccountCounter::Followers, 1).await?;
        timelines::backfill_feed(&mut ***tx, account_id, coop).await?;
    }
    Ok(())
}

/// A member who becomes active follows the co-op's account (inside the caller's transaction).
pub async fn follow_coop(tx: &mut WriteTx, account_id: i64, now: i64) -> sqlx::Result<()> {
    match store::coop_account_id(&mut ***tx).await? {
        Some(coop) => follow(tx, account_id, coop, now).await,
        None => Ok(()),
    }
}

/// A membership changed state (inside its transaction): an active member follows the co-op's
/// account; one who is no longer active stops following it when its posts are members-only.
pub async fn membership_changed(
    tx: &mut WriteTx,
    account_id: i64,
    active: bool,
    now: i64,
) -> sqlx::Result<()> {
    let Some(coop) = coop_row(tx).await? else {
        return Ok(());
    };
    if active {
        follow(tx, account_id, coop.id, now).await
    } else if coop.locked != 0 {
        leave(tx, account_id, coop.id).await
    } else {
        Ok(())
    }
}

/// Ends an account's follow of (or request to follow) the co-op's account, and takes the
/// posts bound to its audience out of the account's home feed.
async fn leave(tx: &mut WriteTx, account_id: i64, coop: i64) -> sqlx::Result<()> {
    if social::remove(&mut ***tx, Relation::Follow, account_id, coop).await? {
        accounts::bump(tx, account_id, AccountCounter::Following, -1).await?;
        accounts::bump(tx, coop, AccountCounter::Followers, -1).await?;
        timelines::remove_author_from_feed(&mut ***tx, account_id, coop).await?;
        crate::storage::lists::remove_from_owner_lists(&mut ***tx, account_id, coop).await?;
        notifications::retract(&mut ***tx, coop, account_id, "follow", None).await?;
    }
    if social::remove(&mut ***tx, Relation::FollowRequest, account_id, coop).await? {
        notifications::retract(&mut ***tx, coop, account_id, "follow_request", None).await?;
    }
    audiences::drop_from_feed(&mut ***tx, account_id, coop).await
}

/// Whether an account is the co-op's own (`@coop`, a local Group).
pub fn is_coop(a: &AccountRow) -> bool {
    a.domain.is_empty() && a.actor_type == "Group" && a.username.eq_ignore_ascii_case("coop")
}

async fn coop_row(tx: &mut WriteTx) -> sqlx::Result<Option<AccountRow>> {
    match store::coop_account_id(&mut ***tx).await? {
        Some(id) => accounts::account_by_id(&mut ***tx, id).await,
        None => Ok(None),
    }
}

/// Who the bylaws in force (read in the caller's transaction) let see the proposal posts.
async fn visibility_in_force(tx: &mut WriteTx, now: i64) -> AppResult<ProposalVisibility> {
    let row = gov_store::policy_in_force(&mut ***tx, rules::BYLAWS_SLUG, now)
        .await?
        .ok_or_else(|| AppError::internal_msg("no bylaws in force"))?;
    let doc = rules::parse_document(&row.source).map_err(AppError::internal)?;
    Ok(doc.governance_rules().proposal_visibility)
}

/// Brings the co-op's account in line with the bylaws in force, in its own transaction (at
/// start-up: an upgraded instance whose bylaws say nothing gets the default, members-only).
pub async fn apply_bylaws(state: &AppState) -> AppResult<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    apply_rules(&mut tx, state, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Locks `@coop` when the proposal posts are members-only (unlocks it otherwise) and removes
/// every follower and request that is not an active member's; a remote one is sent a `Reject`.
async fn apply_rules(tx: &mut WriteTx, state: &AppState, now: i64) -> AppResult<()> {
    let Some(coop) = coop_row(tx).await? else {
        return Ok(());
    };
    let members_only = visibility_in_force(tx, now).await? == ProposalVisibility::Members;
    if (coop.locked != 0) != members_only {
        audiences::set_locked(&mut ***tx, coop.id, members_only).await?;
        tx.record(crate::storage::Change::AccountChanged(coop.id));
        tracing::info!(
            members_only,
            "@coop follows the bylaws' proposal_visibility"
        );
    }
    // Its followers are then the roster, which only members read: the lists are hidden.
    crate::storage::federation::set_hide_collections(&mut ***tx, coop.id, members_only).await?;
    if !members_only {
        return Ok(());
    }
    let outsiders = audiences::followers_not_active(&mut ***tx, coop.id).await?;
    let requests = audiences::requesters(&mut ***tx, coop.id).await?;
    for (id, request) in outsiders
        .into_iter()
        .map(|id| (id, false))
        .chain(requests.into_iter().map(|id| (id, true)))
    {
        let Some(who) = accounts::account_by_id(&mut ***tx, id).await? else {
            continue;
        };
        if request && follow_policy(tx, &coop, &who).await? == CoopFollow::Accept {
            social::remove(&mut ***tx, Relation::FollowRequest, id, coop.id).await?;
            follow(tx, id, coop.id, now).await?;
            continue;
        }
        if !who.domain.is_empty() {
            let uri =
                crate::storage::federation::follow_uri(&mut ***tx, request, id, coop.id).await?;
            fed::follow_answered(tx, state, &coop, &who, uri.as_deref(), false, now).await?;
        }
        leave(tx, id, coop.id).await?;
    }
    Ok(())
}

/// What the co-op's account does with a follow (local or remote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoopFollow {
    /// Not `@coop`, or its posts are public: as any account.
    Ordinary,
    /// An active member: followed at once, although the account is locked.
    Accept,
    /// Anyone else, while the posts are members-only.
    Refuse,
}

/// The refusal a follow of a members-only `@coop` gets.
pub const FOLLOW_REFUSED: &str =
    "Only active members of the co-op can follow its account: its proposal posts are for members";

/// How a follow of `target` by `follower` is answered when `target` is the co-op's account
/// (read in the caller's transaction, so a membership or bylaws change is seen).
pub async fn follow_policy(
    conn: &mut AnyConnection,
    target: &AccountRow,
    follower: &AccountRow,
) -> sqlx::Result<CoopFollow> {
    if !is_coop(target) {
        return Ok(CoopFollow::Ordinary);
    }
    let locked = accounts::account_by_id(&mut *conn, target.id)
        .await?
        .is_some_and(|a| a.locked != 0);
    if !locked {
        return Ok(CoopFollow::Ordinary);
    }
    if !follower.domain.is_empty() {
        return Ok(CoopFollow::Refuse);
    }
    Ok(match store::membership(&mut *conn, follower.id).await? {
        Some(m) if m.state == "active" => CoopFollow::Accept,
        _ => CoopFollow::Refuse,
    })
}

/// The audience a new status gets: what was asked, unless it replies in the thread of a
/// members-only proposal post (the post itself, or a reply bound to its audience).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub visibility: Visibility,
    pub local_only: bool,
    /// The account whose followers the status is for, instead of its author's.
    pub bound_to: Option<i64>,
}

/// A reply in a members-only proposal thread takes the thread's audience (`@coop`'s
/// followers, this server only) whatever the app asked; a direct reply stays direct (a
/// narrower audience) but local-only. Anything else keeps what was asked.
pub async fn reply_audience(
    state: &AppState,
    parent: Option<&StatusRow>,
    visibility: Visibility,
    local_only: bool,
) -> AppResult<Audience> {
    let asked = Audience {
        visibility,
        local_only,
        bound_to: None,
    };
    let Some(p) = parent else {
        return Ok(asked);
    };
    let db = &state.db.pool;
    let bound = match audiences::of_status(db, p.id).await? {
        Some(a) => Some(a),
        None if p.visibility == "private" && p.local_only != 0 && p.local != 0 => {
            store::coop_account_id(db)
                .await?
                .filter(|c| *c == p.account_id)
        }
        None => None,
    };
    Ok(match (bound, visibility) {
        (None, _) => asked,
        (Some(_), Visibility::Direct) => Audience {
            local_only: true,
            ..asked
        },
        (Some(to), _) => Audience {
            visibility: Visibility::Private,
            local_only: true,
            bound_to: Some(to),
        },
    })
}

/// Records a new status's audience (in its posting transaction).
pub async fn bind_audience(tx: &mut WriteTx, status_id: i64, a: &Audience) -> sqlx::Result<()> {
    match a.bound_to {
        Some(to) => audiences::insert(&mut ***tx, status_id, to).await,
        None => Ok(()),
    }
}

/// Whether an account is in a new status's audience (to be told of a mention of it): always,
/// unless the status is bound to another account's followers.
pub async fn in_audience(tx: &mut WriteTx, a: &Audience, account_id: i64) -> sqlx::Result<bool> {
    match a.bound_to {
        None => Ok(true),
        Some(to) => Ok(account_id == to
            || social::exists(&mut ***tx, Relation::Follow, account_id, to).await?),
    }
}

/// A status bound to an audience stays with it: nobody boosts it, its author included.
pub async fn check_boost(state: &AppState, s: &StatusRow) -> AppResult<()> {
    if audiences::of_status(&state.db.pool, s.id).await?.is_some() {
        return Err(AppError::forbidden(
            "This reply belongs to a members-only proposal thread: it cannot be boosted",
        ));
    }
    Ok(())
}

/// The poll's answers for a method, or None when a poll cannot carry the vote.
fn poll_titles(row: &ProposalRow, method: Method, options: &[String]) -> Option<Vec<String>> {
    if row.secret != 0 {
        return None;
    }
    let titles = match method {
        Method::Consent | Method::Majority | Method::Supermajority => {
            crate::services::proposals::display_options(method, options)
        }
        Method::Approval => options.to_vec(),
        _ => return None,
    };
    // What every poll must be: two answers at least, none blank, all distinct.
    let mut seen = std::collections::HashSet::new();
    let ok = titles.len() >= 2
        && titles
            .iter()
            .all(|t| !t.trim().is_empty() && seen.insert(t.trim()));
    ok.then_some(titles)
}

/// Posts `text` as `@coop` for the members inside `tx` (the treasurers' quarterly report):
/// public when `public`; otherwise followers-only and local-only, which reaches the members
/// alone only while `@coop`'s posts are members-only (then its followers are the active
/// members). When they are public, anyone may follow `@coop`, so a members-only text gets no
/// post (`None`): the caller's mail still reaches the members.
pub async fn post_for_members(
    tx: &mut WriteTx,
    state: &AppState,
    text: String,
    public: bool,
    now: i64,
) -> AppResult<Option<StatusRow>> {
    let Some(coop) = store::coop_account_id(&mut ***tx).await? else {
        return Ok(None);
    };
    if public {
        return post_status(tx, state, coop, text, None, false, now)
            .await
            .map(Some);
    }
    if visibility_in_force(tx, now).await? != ProposalVisibility::Members {
        return Ok(None);
    }
    post_status(tx, state, coop, text, None, true, now)
        .await
        .map(Some)
}

/// Writes a status by the co-op inside `tx` (feeds, counters, fan-out, federation): public,
/// or followers-only and local-only when `members_only`.
async fn post_status(
    tx: &mut WriteTx,
    state: &AppState,
    coop: i64,
    text: String,
    parent: Option<&StatusRow>,
    members_only: bool,
    now: i64,
) -> AppResult<StatusRow> {
    let id = ids::next_id_at(now / 1000);
    let content = crate::text::render(&text, &[], |t| tag_url(state, t));
    let row = StatusRow {
        id,
        account_id: coop,
        uri: status_uri(state, "coop", id),
        url: Some(status_url(state, "coop", id)),
        text,
        content,
        spoiler_text: String::new(),
        sensitive: 0,
        visibility: if members_only { "private" } else { "public" }.into(),
        local_only: i64::from(members_only),
        language: None,
        in_reply_to_id: parent.map(|p| p.id),
        in_reply_to_account_id: parent.map(|p| p.account_id),
        reblog_of_id: None,
        thread_root_id: parent.map(|p| p.thread_root_id).unwrap_or(id),
        application_id: None,
        local: 1,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
    };
    statuses::insert(tx, &row).await?;
    timelines::insert_feed(&mut ***tx, coop, id, coop).await?;
    accounts::bump(tx, coop, AccountCounter::Statuses, 1).await?;
    accounts::set_last_status_at(tx, coop, now).await?;
    if let Some(p) = parent {
        statuses::bump(&mut ***tx, p.id, Counter::Replies, 1).await?;
    }
    tx.record(Change::StatusCreated(id));
    jobs::enqueue(tx, &Job::FanOut { status_id: id }, now).await?;
    fed::status_changed(tx, state, &row, StatusEvent::Created, now).await?;
    Ok(row)
}

fn proposal_link(state: &AppState, id: i64) -> String {
    format!("{}/api/v1/coop/proposals/{id}", state.base_url())
}

/// Posts a proposal that opens now (inside its opening transaction), with a poll where the
/// method fits, links them to the proposal, and queues its closing and reminder. Returns the
/// status and poll ids.
pub async fn on_open(
    tx: &mut WriteTx,
    state: &AppState,
    row: &ProposalRow,
    method: Method,
    options: &[String],
    now: i64,
) -> AppResult<(Option<i64>, Option<i64>)> {
    jobs::enqueue_at(tx, &Job::CloseProposal { id: row.id }, row.closes_at, now).await?;
    let remind_at = row.closes_at - time::MICROS_PER_DAY;
    if remind_at > now {
        jobs::enqueue_at(tx, &Job::RemindProposal { id: row.id }, remind_at, now).await?;
    }
    let Some(coop) = store::coop_account_id(&mut ***tx).await? else {
        return Ok((None, None));
    };
    let titles = poll_titles(row, method, options);
    let how = match &titles {
        Some(_) if method == Method::Approval => {
            "Members vote in the poll below (choose every option you approve of) or through the co-op API."
        }
        Some(_) => "Members vote in the poll below or through the co-op API.",
        None if row.secret != 0 => "Secret ballot: members vote through the co-op API.",
        None => "Members vote through the co-op API.",
    };
    let text = format!(
        "New {} proposal: {}\n\n{how} Voting closes at {} ({}).\n\n{}",
        row.kind.replace('_', " "),
        row.title,
        time::iso(row.closes_at),
        method,
        proposal_link(state, row.id)
    );
    let members_only = visibility_in_force(tx, now).await? == ProposalVisibility::Members;
    let status = post_status(tx, state, coop, text, None, members_only, now).await?;
    let poll_id = match titles {
        Some(options) => Some(
            polls::create_for_status(
                tx,
                status.id,
                &PollSpec {
                    options,
                    expires_at: Some(row.closes_at),
                    multiple: method == Method::Approval,
                    hide_totals: crate::services::proposals::results_hidden_while_open(row),
                },
                now,
            )
            .await?
            .id,
        ),
        None => None,
    };
    store::set_post(&mut ***tx, row.id, status.id, poll_id).await?;
    Ok((Some(status.id), poll_id))
}

/// Replies to the proposal's post with its result (inside the closing transaction).
pub async fn on_close(
    tx: &mut WriteTx,
    state: &AppState,
    row: &ProposalRow,
    state_name: &str,
    result: &Value,
    now: i64,
) -> AppResult<()> {
    let Some(coop) = store::coop_account_id(&mut ***tx).await? else {
        return Ok(());
    };
    let parent = match row.status_id {
        Some(id) => statuses::by_id(&mut ***tx, id).await?,
        None => None,
    };
    let mut counts: Vec<String> = Vec::new();
    if let Some(tally) = result.get("tally").and_then(Value::as_object) {
        for key in ["agree", "yes", "no", "disagree", "abstain", "block"] {
            if let Some(n) = tally.get(key).and_then(Value::as_u64) {
                counts.push(format!("{key} {n}"));
            }
        }
        if let Some(options) = tally.get("options").and_then(Value::as_array) {
            for o in options {
                if let (Some(name), Some(n)) = (o["option"].as_str(), o["total"].as_u64()) {
                    counts.push(format!("{name} {n}"));
                }
            }
        }
    }
    let winners: Vec<String> = result
        .get("winners")
        .and_then(Value::as_array)
        .map(|w| {
            w.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut text = format!(
        "Result: \"{}\" {} ({} of {} members voted; counted under {}).",
        row.title, state_name, result["voted"], result["eligible"], row.rule_source
    );
    if !counts.is_empty() {
        text.push_str(&format!("\nTally: {}.", counts.join(", ")));
    }
    if !winners.is_empty() && kind_is(row, ProposalKind::RoleElection) {
        let mut names = Vec::new();
        for w in &winners {
            let acct = match w.parse::<i64>() {
                Ok(id) => accounts::account_by_id(&mut ***tx, id)
                    .await?
                    .map(|a| format!("@{}", a.username)),
                Err(_) => None,
            };
            names.push(acct.unwrap_or_else(|| w.clone()));
        }
        text.push_str(&format!("\nElected: {}.", names.join(", ")));
    } else if !winners.is_empty() {
        text.push_str(&format!("\nChosen: {}.", winners.join(", ")));
    }
    // Why is in the result members read (it may name an account); the post only says so.
    if result.get("enactment_error").is_some() {
        text.push_str("\nNot enacted: see the proposal's result for why.");
    }
    text.push_str(&format!("\n\n{}", proposal_link(state, row.id)));
    // The result goes to the proposal post's audience.
    let members_only = match &parent {
        Some(p) => p.visibility == "private" && p.local_only != 0,
        None => visibility_in_force(tx, now).await? == ProposalVisibility::Members,
    };
    post_status(tx, state, coop, text, parent.as_ref(), members_only, now).await?;
    if kind_is(row, ProposalKind::BylawsAmendment) && state_name == "enacted" {
        // New bylaws may change who sees the proposal posts.
        apply_rules(tx, state, now).await?;
    }
    Ok(())
}

fn kind_is(row: &ProposalRow, kind: ProposalKind) -> bool {
    row.kind == kind.as_str()
}

/// The poll answers a ballot amounts to, when the proposal has a poll that can show it.
pub fn poll_choices(method: Method, options: &[String], ballot: &Value) -> Option<Vec<i64>> {
    let titles = match method {
        Method::Consent | Method::Majority | Method::Supermajority => {
            crate::services::proposals::display_options(method, options)
        }
        Method::Approval => options.to_vec(),
        _ => return None,
    };
    let index = |s: &str| titles.iter().position(|t| t == s).map(|i| i as i64);
    if let Some(c) = ballot.get("choice").and_then(Value::as_str) {
        return index(c).map(|i| vec![i]);
    }
    let chosen = ballot.get("choices").and_then(Value::as_array)?;
    chosen
        .iter()
        .map(|c| c.as_str().and_then(index))
        .collect::<Option<Vec<i64>>>()
}

/// Mirrors a ballot cast through the co-op API into the proposal's poll (in the ballot's
/// transaction).
pub async fn mirror_ballot(
    conn: &mut AnyConnection,
    row: &ProposalRow,
    voter: i64,
    method: Method,
    options: &[String],
    ballot: &Value,
    now: i64,
) -> sqlx::Result<()> {
    let Some(poll_id) = row.poll_id else {
        return Ok(());
    };
    if row.secret != 0 {
        return Ok(());
    }
    let Some(choices) = poll_choices(method, options, ballot) else {
        return Ok(());
    };
    store::replace_poll_answer(
        conn,
        poll_id,
        voter,
        ids::next_id_at(now / 1000),
        &choices,
        now,
    )
    .await
}

/// The [`polls::VoteGuard`] for proposals' polls: only active members vote, and their answer
/// is cast as a ballot in the poll vote's transaction, so the ballot counts exactly when the
/// poll answer is written.
pub fn poll_guard<'a>(
    state: &'a AppState,
    tx: &'a mut WriteTx,
    attempt: &'a VoteAttempt<'a>,
) -> Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>> {
    Box::pin(async move {
        let Some(row) = store::proposal_by_poll(&mut ***tx, attempt.poll.id).await? else {
            return Ok(());
        };
        let voter = attempt.voter.account.id;
        match store::membership(&mut ***tx, voter).await? {
            Some(m) if m.state == "active" => {}
            Some(m) => {
                return Err(AppError::forbidden(format!(
                    "Only active members of the co-op can vote on proposals; your membership is {}",
                    m.state
                )))
            }
            None => {
                return Err(AppError::forbidden(
                    "Only active members of the co-op can vote on proposals; you are not a member",
                ))
            }
        }
        let titles = attempt.poll.titles();
        let picked: Vec<String> = attempt
            .choices
            .iter()
            .filter_map(|i| {
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| titles.get(i))
                    .cloned()
            })
            .collect();
        let method = crate::services::proposals::rule_of(&row)?.method;
        let ballot = match method {
            Method::Approval => Ballot::Choices { choices: picked },
            _ => Ballot::Choice {
                choice: picked.into_iter().next().unwrap_or_default(),
            },
        };
        crate::services::proposals::vote_from_poll(tx, state, voter, &row, ballot).await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ballots_map_to_poll_answers() {
        let none: Vec<String> = Vec::new();
        assert_eq!(
            poll_choices(Method::Consent, &none, &json!({ "choice": "block" })),
            Some(vec![3])
        );
        assert_eq!(
            poll_choices(Method::Majority, &none, &json!({ "choice": "no" })),
            Some(vec![1])
        );
        let opts = vec!["red".to_string(), "green".into(), "blue".into()];
        assert_eq!(
            poll_choices(
                Method::Approval,
                &opts,
                &json!({ "choices": ["blue", "red"] })
            ),
            Some(vec![2, 0])
        );
        assert_eq!(
            poll_choices(Method::Approval, &opts, &json!({ "choices": ["pink"] })),
            None
        );
        assert_eq!(
            poll_choices(Method::RankedChoice, &opts, &json!({ "ranking": ["red"] })),
            None
        );
    }
}
