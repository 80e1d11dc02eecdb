//! Effects of verified incoming activities (research A9), each in one transaction that also
//! records the activity id, so a replay does nothing. Called by `federation::inbox` once the
//! signature is checked and the signer is the activity's actor. Unknown or irrelevant
//! activities are accepted and ignored; malformed ones are 400; none is ever a 500 by design.

use serde_json::Value;
use url::Url;

use crate::error::{AppError, AppResult};
use crate::federation::fetch::same_origin;
use crate::federation::protocol::{self, id_of, ids_of, type_of};
use crate::federation::{is_local, local_username};
use crate::ids;
use crate::jobs::{self, Job};
use crate::services::federation as fed;
use crate::services::notify::notify;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountCounter, AccountRow};
use crate::storage::federation as store;
use crate::storage::interactions::{self, Mark};
use crate::storage::social::{self, Relation};
use crate::storage::statuses::{self, Counter, StatusRow};
use crate::storage::{notifications, timelines, WriteTx};

const NOTE_TYPES: &[&str] = &["Note", "Article", "Page", "Question"];

fn origin_ok(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => same_origin(&a, &b),
        _ => false,
    }
}

/// Processes one activity from `actor` (the verified signer).
pub async fn process(state: &AppState, actor: &AccountRow, activity: &Value) -> AppResult<()> {
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::bad_request("Activity has no id"))?;
    if !origin_ok(id, &actor.uri) {
        return Err(AppError::bad_request(
            "Activity id is not on the actor's origin",
        ));
    }
    if type_of(activity) == "Create" {
        return grouped_create(state, actor, activity).await;
    }
    process_one(state, actor, activity, id).await
}

/// One activity in its own transaction (every type; Creates when their group failed).
async fn process_one(
    state: &AppState,
    actor: &AccountRow,
    activity: &Value,
    id: &str,
) -> AppResult<()> {
    let object = activity.get("object").unwrap_or(&Value::Null);
    // Network work (fetching a boosted post) happens before the transaction opens.
    let announced = if type_of(activity) == "Announce" {
        match id_of(object) {
            Some(uri) => announced_status(state, uri).await?,
            None => None,
        }
    } else {
        None
    };
    // Add/Remove of a pin: the status is fetched from its origin when unknown (Add only).
    let pin = if matches!(type_of(activity), "Add" | "Remove") {
        pin_target(state, actor, activity).await?
    } else {
        None
    };
    // A Move is checked against its target's current document before anything is written.
    let moved_to = if type_of(activity) == "Move" {
        Some(move_target(state, actor, activity).await?)
    } else {
        None
    };
    if type_of(activity) == "Update" && id_of(object) == Some(actor.uri.as_str()) {
        // Update of the actor itself: take the origin's copy, not the embedded one.
        let _ = fed::refresh_actor(state, &actor.uri).await;
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if !store::remember_activity(&mut **tx, id, &actor.uri, now).await? {
        return Ok(()); // a replay
    }
    let mut fan_out = None;
    match type_of(activity) {
        "Follow" => follow(&mut tx, state, actor, id, object, now).await?,
        "Accept" | "Reject" => {
            let accepted = type_of(activity) == "Accept";
            if !crate::services::quote_federation::answered(
                &mut tx, state, actor, activity, accepted, now,
            )
            .await?
            {
                accept(&mut tx, state, actor, object, accepted, now).await?;
            }
        }
        "QuoteRequest" => {
            crate::services::quote_federation::quote_request(&mut tx, state, actor, activity, now)
                .await?
        }
        "Undo" => undo(&mut tx, state, actor, object).await?,
        "Create" => fan_out = create(&mut tx, state, actor, object, now).await?,
        "Update" => update(&mut tx, state, actor, object, now).await?,
        "Delete" => delete(&mut tx, actor, object, now).await?,
        "Like" => like(&mut tx, actor, object, now).await?,
        "Block" => block(&mut tx, state, actor, object, now).await?,
        "Flag" => flag(&mut tx, state, actor, activity, now).await?,
        "Add" | "Remove" => {
            if let Some(status_id) = pin {
                if type_of(activity) == "Add" {
                    interactions::add(
                        &mut **tx,
                        Mark::Pin,
                        ids::next_id_at(now / 1000),
                        actor.id,
                        status_id,
                        now,
                    )
                    .await?;
                } else {
                    interactions::remove(&mut **tx, Mark::Pin, actor.id, status_id).await?;
                }
            }
        }
        "Move" => {
            if let Some(target) = &moved_to {
                store::set_moved(&mut **tx, actor.id, Some(target.id), now).await?;
                tx.record(crate::storage::Change::AccountChanged(actor.id));
                move_followers(&mut tx, state, actor, target, now).await?;
            }
        }
        "Announce" => match announced {
            Some(original) => {
                fan_out = announce(&mut tx, actor, id, activity, &original, now).await?;
            }
            // A post of ours that is not there to boost (or never was): the same refusal as
            // a hidden one, so the answer tells nothing of which posts exist.
            None if id_of(object).is_some_and(|u| is_local(state, u)) => {
                return Err(not_boostable());
            }
            None => {}
        },
        _ => {} // unknown types are accepted and ignored
    }
    if let Some(status_id) = fan_out {
        jobs::enqueue(&mut tx, &Job::FanOut { status_id }, now).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Creates waiting for the write lock, committed together: one transaction (and one
/// statement recording their activity ids) for all that queued while the previous group was
/// being written, instead of one each. Each Create's own statements are unchanged; a group
/// in which any Create fails is rolled back whole and each of its Creates then runs alone in
/// its own transaction, so a bad one is refused with its own error and nothing of it is kept.
#[derive(Default)]
pub struct CreateQueue(std::sync::Mutex<CreateQueueInner>);

#[derive(Default)]
struct CreateQueueInner {
    waiting: Vec<QueuedCreate>,
    /// A task is writing groups.
    writing: bool,
}

struct QueuedCreate {
    actor: AccountRow,
    activity: Value,
    /// Told once the group committed; dropped unanswered when it did not.
    done: tokio::sync::oneshot::Sender<()>,
}

/// At most this many Creates in one transaction.
const GROUP_MAX: usize = 64;

async fn grouped_create(state: &AppState, actor: &AccountRow, activity: &Value) -> AppResult<()> {
    let (done, committed) = tokio::sync::oneshot::channel();
    let start_writer = {
        let mut q = state
            .federation
            .creates
            .0
            .lock()
            .map_err(|_| AppError::internal_msg("create queue poisoned"))?;
        q.waiting.push(QueuedCreate {
            actor: actor.clone(),
            activity: activity.clone(),
            done,
        });
        !std::mem::replace(&mut q.writing, true)
    };
    if start_writer {
        // A task of its own: a client hanging up must not cancel the others' group.
        tokio::spawn(write_groups(state.clone()));
    }
    match committed.await {
        Ok(()) => Ok(()),
        // The group did not commit: this Create alone, with its own answer.
        Err(_) => {
            let id = activity.get("id").and_then(Value::as_str).unwrap_or("");
            process_one(state, actor, activity, id).await
        }
    }
}

/// Clears the writing flag if the writer ends early (a panic, a poisoned lock); Creates still
/// queued are dropped, so their requests run alone.
struct WriterGuard<'a> {
    state: &'a AppState,
    armed: bool,
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if let Ok(mut q) = self.state.federation.creates.0.lock() {
            q.writing = false;
            q.waiting.clear();
        }
    }
}

async fn write_groups(state: AppState) {
    let mut guard = WriterGuard {
        state: &state,
        armed: true,
    };
    loop {
        let group: Vec<QueuedCreate> = {
            let Ok(mut q) = state.federation.creates.0.lock() else {
                return;
            };
            if q.waiting.is_empty() {
                // Cleared under the lock the requests queue under: none is left unserved.
                q.writing = false;
                guard.armed = false;
                return;
            }
            let n = q.waiting.len().min(GROUP_MAX);
            q.waiting.drain(..n).collect()
        };
        match write_group(&state, &group).await {
            Ok(()) => {
                for c in group {
                    let _ = c.done.send(());
                }
            }
            Err(e) => {
                if group.len() > 1 {
                    tracing::debug!(error = ?e, n = group.len(), "a group of Creates failed; each runs alone");
                }
                drop(group); // unanswered: each request processes its Create alone
            }
        }
    }
}

async fn write_group(state: &AppState, group: &[QueuedCreate]) -> AppResult<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let ids: Vec<(&str, &str)> = group
        .iter()
        .map(|c| {
            (
                c.activity.get("id").and_then(Value::as_str).unwrap_or(""),
                c.actor.uri.as_str(),
            )
        })
        .collect();
    let mut fresh: std::collections::HashSet<String> =
        store::remember_activities(&mut tx, &ids, now)
            .await?
            .into_iter()
            .collect();
    let mut queued = false;
    for (c, (id, _)) in group.iter().zip(&ids) {
        if !fresh.remove(*id) {
            continue; // a replay (or a second copy in this group)
        }
        let object = c.activity.get("object").unwrap_or(&Value::Null);
        if let Some(status_id) = create(&mut tx, state, &c.actor, object, now).await? {
            jobs::enqueue(&mut tx, &Job::FanOut { status_id }, now).await?;
            queued = true;
        }
    }
    tx.commit().await?;
    if queued {
        state.jobs.wake();
    }
    Ok(())
}

async fn local_target(
    tx: &mut WriteTx,
    state: &AppState,
    uri: &str,
) -> AppResult<Option<AccountRow>> {
    // The co-op's account is the `/coop` actor.
    let username = if uri == crate::federation::coop_actor_uri(state) {
        Some("coop")
    } else {
        local_username(state, uri)
    };
    match username {
        Some(u) => Ok(accounts::local_account_by_username(&mut ***tx, u).await?),
        None => Ok(None),
    }
}

async fn follow(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    follow_id: &str,
    object: &Value,
    now: i64,
) -> AppResult<()> {
    let Some(target) = (match id_of(object) {
        Some(uri) => local_target(tx, state, uri).await?,
        None => None,
    }) else {
        return Ok(());
    };
    // Moved away, blocked, or from a domain the target blocked: rejected as Mastodon does;
    // so is any remote follow of the co-op's account while its posts are members-only.
    let moved = store::migration(&mut ***tx, target.id)
        .await?
        .is_some_and(|m| m.moved_to_account_id.is_some());
    if moved
        || crate::services::proposal_posts::follow_policy(tx, &target, actor).await?
            == crate::services::proposal_posts::CoopFollow::Refuse
        || social::exists(&mut ***tx, Relation::Block, target.id, actor.id).await?
        || crate::storage::account_domain_blocks::exists(&mut ***tx, target.id, &actor.domain)
            .await?
    {
        return fed::follow_answered(tx, state, &target, actor, Some(follow_id), false, now)
            .await
            .map_err(Into::into);
    }
    if social::exists(&mut ***tx, Relation::Follow, actor.id, target.id).await? {
        store::set_follow_uri(&mut ***tx, false, actor.id, target.id, follow_id).await?;
        return fed::follow_answered(tx, state, &target, actor, Some(follow_id), true, now)
            .await
            .map_err(Into::into);
    }
    let row_id = ids::next_id_at(now / 1000);
    if target.locked != 0 {
        let new = social::upsert_follow(
            &mut ***tx,
            Relation::FollowRequest,
            row_id,
            actor.id,
            target.id,
            true,
            false,
            now,
        )
        .await?;
        store::set_follow_uri(&mut ***tx, true, actor.id, target.id, follow_id).await?;
        if new {
            notify(tx, target.id, actor.id, "follow_request", None, now).await?;
        }
        return Ok(());
    }
    let new = social::upsert_follow(
        &mut ***tx,
        Relation::Follow,
        row_id,
        actor.id,
        target.id,
        true,
        false,
        now,
    )
    .await?;
    store::set_follow_uri(&mut ***tx, false, actor.id, target.id, follow_id).await?;
    if new {
        accounts::bump(tx, actor.id, AccountCounter::Following, 1).await?;
        accounts::bump(tx, target.id, AccountCounter::Followers, 1).await?;
        notify(tx, target.id, actor.id, "follow", None, now).await?;
    }
    fed::follow_answered(tx, state, &target, actor, Some(follow_id), true, now).await?;
    Ok(())
}

/// Accept or Reject of one of our Follows, sent by the followed actor.
async fn accept(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    object: &Value,
    accepted: bool,
    now: i64,
) -> AppResult<()> {
    // The follower: the embedded Follow's actor, or the request that Follow id made.
    let follower = match object.get("actor").and_then(id_of) {
        Some(uri) => {
            if object.get("object").and_then(id_of) != Some(actor.uri.as_str()) {
                return Ok(());
            }
            local_target(tx, state, uri).await?.map(|a| a.id)
        }
        None => match id_of(object) {
            Some(uri) => {
                let a = store::follow_by_uri(&mut ***tx, true, uri).await?;
                let b = store::follow_by_uri(&mut ***tx, false, uri).await?;
                a.or(b).filter(|(_, t)| *t == actor.id).map(|(f, _)| f)
            }
            None => None,
        },
    };
    let Some(follower) = follower else {
        return Ok(());
    };
    if accepted {
        let Some(req) =
            social::follow_row(&mut ***tx, Relation::FollowRequest, follower, actor.id).await?
        else {
            return Ok(());
        };
        let uri = store::follow_uri(&mut ***tx, true, follower, actor.id).await?;
        social::remove(&mut ***tx, Relation::FollowRequest, follower, actor.id).await?;
        let new = social::upsert_follow(
            &mut ***tx,
            Relation::Follow,
            ids::next_id_at(now / 1000),
            follower,
            actor.id,
            req.show_reblogs != 0,
            req.notify != 0,
            now,
        )
        .await?;
        if let Some(uri) = uri {
            store::set_follow_uri(&mut ***tx, false, follower, actor.id, &uri).await?;
        }
        if new {
            accounts::bump(tx, follower, AccountCounter::Following, 1).await?;
            accounts::bump(tx, actor.id, AccountCounter::Followers, 1).await?;
            timelines::backfill_feed(&mut ***tx, follower, actor.id).await?;
        }
    } else {
        social::remove(&mut ***tx, Relation::FollowRequest, follower, actor.id).await?;
        drop_follow(tx, follower, actor.id).await?;
    }
    Ok(())
}

/// Ends a follow (counters, feed, the follow notification); also used by moderation.
pub(crate) async fn drop_follow(tx: &mut WriteTx, follower: i64, followed: i64) -> AppResult<()> {
    if social::remove(&mut ***tx, Relation::Follow, follower, followed).await? {
        accounts::bump(tx, follower, AccountCounter::Following, -1).await?;
        accounts::bump(tx, followed, AccountCounter::Followers, -1).await?;
        timelines::remove_author_from_feed(&mut ***tx, follower, followed).await?;
        notifications::retract(&mut ***tx, followed, follower, "follow", None).await?;
    }
    Ok(())
}

async fn undo(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    object: &Value,
) -> AppResult<()> {
    // An embedded object must be the signer's own.
    if let Some(inner_actor) = object.get("actor").and_then(id_of) {
        if inner_actor != actor.uri {
            return Err(AppError::unauthorized("Undo of another actor's activity"));
        }
    }
    let uri = id_of(object).unwrap_or("");
    match type_of(object) {
        "Follow" | "" => {
            let target = match object.get("object").and_then(id_of) {
                Some(t) => local_target(tx, state, t).await?.map(|a| a.id),
                None => store::follow_by_uri(&mut ***tx, false, uri)
                    .await?
                    .or(store::follow_by_uri(&mut ***tx, true, uri).await?)
                    .filter(|(f, _)| *f == actor.id)
                    .map(|(_, t)| t),
            };
            if let Some(target) = target {
                drop_follow(tx, actor.id, target).await?;
                if social::remove(&mut ***tx, Relation::FollowRequest, actor.id, target).await? {
                    notifications::retract(&mut ***tx, target, actor.id, "follow_request", None)
                        .await?;
                }
            }
            if type_of(object).is_empty() {
                undo_announce(tx, actor, uri).await?;
            }
        }
        "Like" => {
            if let Some(s) = status_by_ref(tx, object.get("object")).await? {
                if interactions::remove(&mut ***tx, Mark::Favourite, actor.id, s.id).await? {
                    statuses::bump(&mut ***tx, s.id, Counter::Favourites, -1).await?;
                    notifications::retract(
                        &mut ***tx,
                        s.account_id,
                        actor.id,
                        "favourite",
                        Some(s.id),
                    )
                    .await?;
                }
            }
        }
        "Announce" => undo_announce(tx, actor, uri).await?,
        "Block" => {
            if let Some(t) = object.get("object").and_then(id_of) {
                if let Some(target) = local_target(tx, state, t).await? {
                    social::remove(&mut ***tx, Relation::Block, actor.id, target.id).await?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

async fn undo_announce(tx: &mut WriteTx, actor: &AccountRow, uri: &str) -> AppResult<()> {
    if let Some(id) = store::status_id_by_uri(&mut ***tx, uri).await? {
        if let Some(w) = statuses::by_id(&mut ***tx, id).await? {
            if w.account_id == actor.id && w.reblog_of_id.is_some() {
                if let Some(original) = w.reblog_of_id {
                    if let Some(o) = statuses::by_id(&mut ***tx, original).await? {
                        notifications::retract(
                            &mut ***tx,
                            o.account_id,
                            actor.id,
                            "reblog",
                            Some(o.id),
                        )
                        .await?;
                    }
                }
                crate::services::statuses::remove(tx, &w, 0).await?;
            }
        }
    }
    Ok(())
}

async fn status_by_ref(tx: &mut WriteTx, v: Option<&Value>) -> AppResult<Option<StatusRow>> {
    let Some(uri) = v.and_then(id_of) else {
        return Ok(None);
    };
    match store::status_id_by_uri(&mut ***tx, uri).await? {
        Some(id) => Ok(statuses::by_id(&mut ***tx, id).await?),
        None => Ok(None),
    }
}

/// Visibility from the addressing (A10): Public in `to` → public, in `cc` → unlisted; the
/// author's followers collection → private; otherwise direct.
async fn visibility_of(
    tx: &mut WriteTx,
    actor: &AccountRow,
    obj: &Value,
) -> AppResult<&'static str> {
    let to = ids_of(obj.get("to"));
    let cc = ids_of(obj.get("cc"));
    if to.iter().any(|u| protocol::is_public(u)) {
        return Ok("public");
    }
    if cc.iter().any(|u| protocol::is_public(u)) {
        return Ok("unlisted");
    }
    let followers = store::remote_actor(&mut ***tx, actor.id)
        .await?
        .and_then(|r| r.followers);
    if followers.is_some_and(|f| to.contains(&f.as_str()) || cc.contains(&f.as_str())) {
        return Ok("private");
    }
    Ok("direct")
}

fn published(obj: &Value, now: i64) -> i64 {
    obj.get("published")
        .and_then(Value::as_str)
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|t| t.timestamp_micros())
        .filter(|t| *t > 0)
        .map_or(now, |t| t.min(now))
}

/// Checks a remote Note's origin and owner: its id on the actor's origin, `attributedTo` the actor.
fn owned_note<'a>(actor: &AccountRow, obj: &'a Value) -> AppResult<&'a str> {
    if !NOTE_TYPES.contains(&type_of(obj)) {
        return Err(AppError::bad_request("Object is not a note"));
    }
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::bad_request("Object has no id"))?;
    if !origin_ok(id, &actor.uri) {
        return Err(AppError::unauthorized(
            "Object id is not on the actor's origin",
        ));
    }
    let owners = ids_of(obj.get("attributedTo"));
    if owners.first() != Some(&actor.uri.as_str()) {
        return Err(AppError::unauthorized(
            "Object is attributed to someone else",
        ));
    }
    Ok(id)
}

/// Stores a remote Note as a status of `author`; returns its id (None when it is not wanted).
pub(crate) async fn insert_note(
    tx: &mut WriteTx,
    state: &AppState,
    author: &AccountRow,
    obj: &Value,
    uri: &str,
    now: i64,
) -> AppResult<Option<i64>> {
    Ok(insert_note_with_audience(tx, state, author, obj, uri, now)
        .await?
        .map(|(id, _)| id))
}

/// The local accounts a note addresses or mentions.
async fn local_recipients(tx: &mut WriteTx, state: &AppState, obj: &Value) -> AppResult<Vec<i64>> {
    let mut local: Vec<i64> = Vec::new();
    let mut refs: Vec<&str> = fed::audience(obj);
    if let Some(Value::Array(tags)) = obj.get("tag") {
        refs.extend(
            tags.iter()
                .filter(|t| type_of(t) == "Mention")
                .filter_map(|t| t.get("href").and_then(Value::as_str)),
        );
    }
    for r in refs {
        if let Some(a) = local_target(tx, state, r).await? {
            if !local.contains(&a.id) {
                local.push(a.id);
            }
        }
    }
    Ok(local)
}

/// `insert_note`, also telling whether the new status has an audience here that the fan-out
/// job serves: a local follower of the author, or (public, with tags) a local follower of one
/// of its tags. Mentioned accounts are not part of it: they are notified here, directly.
async fn insert_note_with_audience(
    tx: &mut WriteTx,
    state: &AppState,
    author: &AccountRow,
    obj: &Value,
    uri: &str,
    now: i64,
) -> AppResult<Option<(i64, bool)>> {
    // One statement: already stored or tombstoned, and followed here at all.
    let (known, followed) = store::note_lookup(&mut ***tx, uri, author.id).await?;
    if known {
        return Ok(None);
    }
    let visibility = visibility_of(tx, author, obj).await?;
    let local = local_recipients(tx, state, obj).await?;
    if visibility == "direct" && local.is_empty() {
        return Ok(None); // nobody here may read it
    }
    let parent = status_by_ref(tx, obj.get("inReplyTo")).await?;
    let created = published(obj, now);
    let id = ids::next_id_at(created / 1000);
    let content = protocol::sanitize(obj.get("content").and_then(Value::as_str).unwrap_or(""));
    let spoiler = protocol::plain(
        obj.get("summary").and_then(Value::as_str).unwrap_or(""),
        1000,
    );
    let url = obj
        .get("url")
        .and_then(id_of)
        .filter(|u| origin_ok(u, uri))
        .unwrap_or(uri);
    let language = obj
        .get("contentMap")
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next().cloned())
        .filter(|l| l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let row = StatusRow {
        id,
        account_id: author.id,
        uri: uri.to_string(),
        url: Some(url.to_string()),
        text: String::new(),
        content,
        spoiler_text: spoiler.clone(),
        sensitive: i64::from(
            obj.get("sensitive")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || !spoiler.is_empty(),
        ),
        visibility: visibility.to_string(),
        local_only: 0,
        language,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        thread_root_id: parent.as_ref().map_or(id, |p| p.thread_root_id),
        application_id: None,
        local: 0,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: created,
        edited_at: None,
    };
    statuses::insert(tx, &row).await?;
    crate::services::quote_federation::incoming(tx, state, author, id, uri, obj, now).await?;
    store_attachments(tx, author, id, obj, now).await?;
    crate::services::cards::queue(
        state,
        tx,
        id,
        &row.content,
        crate::services::cards::Written::Created,
        now,
    )
    .await?;
    for a in &local {
        statuses::insert_mention(&mut ***tx, id, *a).await?;
    }
    let tag_ids = store_hashtags(tx, id, obj, now).await?;
    if let Some(q) = parse_question(obj, now) {
        let poll = crate::storage::polls::PollRow {
            id: ids::next_id_at(now / 1000),
            status_id: id,
            account_id: author.id,
            options: serde_json::to_string(&q.titles).map_err(AppError::internal)?,
            multiple: i64::from(q.multiple),
            hide_totals: 0,
            expires_at: q.expires_at,
            closed: i64::from(q.closed),
            created_at: now,
        };
        crate::storage::polls::insert(&mut ***tx, &poll).await?;
        store::set_remote_poll(&mut ***tx, poll.id, &q.counts, q.voters, now).await?;
        if let Some(at) = q.expires_at.filter(|_| !q.closed) {
            // Local voters hear of the end, as with local polls.
            jobs::enqueue_at(tx, &Job::ClosePoll { poll_id: poll.id }, at, now).await?;
        }
    }
    accounts::status_posted(tx, author.id, visibility != "direct", created).await?;
    if let Some(p) = &parent {
        statuses::bump(&mut ***tx, p.id, Counter::Replies, 1).await?;
    }
    let mut held_back = Vec::new();
    for a in &local {
        if notify(tx, *a, author.id, "mention", Some(id), now).await? {
            held_back.push(*a);
        }
    }
    if visibility == "direct" {
        if let Some(row) = statuses::by_id(&mut ***tx, id).await? {
            crate::services::conversations::on_direct_status(tx, &row, &local, &held_back, now)
                .await?;
        }
    }
    let audience = followed
        || (visibility == "public"
            && crate::storage::tags::followed_locally(&mut ***tx, &tag_ids).await?);
    Ok(Some((id, audience)))
}

/// A remote post's attachments, referenced at their origin (Mastodon's `remote_url`).
async fn store_attachments(
    tx: &mut WriteTx,
    author: &AccountRow,
    status_id: i64,
    obj: &Value,
    now: i64,
) -> AppResult<()> {
    for (position, a) in protocol::attachments(obj).into_iter().enumerate() {
        let row = crate::storage::media::MediaRow {
            id: ids::next_id_at(now / 1000),
            account_id: author.id,
            status_id: Some(status_id),
            scheduled_status_id: None,
            position: position as i64,
            kind: a.kind,
            file_key: String::new(),
            content_type: a.media_type,
            file_size: 0,
            width: a.width,
            height: a.height,
            thumb_key: String::new(),
            thumb_width: 0,
            thumb_height: 0,
            description: a.description,
            focus_x: a.focus.0,
            focus_y: a.focus.1,
            blurhash: a.blurhash,
            remote_url: Some(a.url),
            created_at: now,
            processing: 0,
            av_meta: crate::services::av::AvMeta {
                preview_remote_url: a.icon,
                ..Default::default()
            }
            .to_json(),
        };
        crate::storage::media::insert(&mut ***tx, &row).await?;
        crate::services::remote_media::queue(tx, &row, now).await?;
    }
    Ok(())
}

/// A remote `Question` read into a poll: at most 20 options (plain-text titles of at most
/// 200 characters, at least two, distinct), counts from `replies.totalItems`.
struct RemoteQuestion {
    titles: Vec<String>,
    counts: Vec<i64>,
    multiple: bool,
    expires_at: Option<i64>,
    closed: bool,
    voters: Option<i64>,
}

fn parse_question(obj: &Value, now: i64) -> Option<RemoteQuestion> {
    if type_of(obj) != "Question" {
        return None;
    }
    let (multiple, list) = match (obj.get("anyOf"), obj.get("oneOf")) {
        (Some(Value::Array(a)), _) => (true, a),
        (_, Some(Value::Array(a))) => (false, a),
        _ => return None,
    };
    let mut titles = Vec::new();
    let mut counts = Vec::new();
    for o in list.iter().take(20) {
        let title = protocol::plain(o.get("name").and_then(Value::as_str)?.trim(), 200);
        if title.is_empty() || titles.contains(&title) {
            return None;
        }
        titles.push(title);
        counts.push(
            o.get("replies")
                .and_then(|r| r.get("totalItems"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0),
        );
    }
    if titles.len() < 2 {
        return None;
    }
    let time = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .map(|t| t.timestamp_micros())
    };
    let closed_at = time("closed");
    let closed = closed_at.is_some() || obj.get("closed").and_then(Value::as_bool) == Some(true);
    Some(RemoteQuestion {
        titles,
        counts,
        multiple,
        expires_at: time("endTime").or(closed_at.map(|c| c.min(now))),
        closed,
        voters: obj
            .get("votersCount")
            .and_then(Value::as_i64)
            .map(|v| v.max(0)),
    })
}

/// A vote in a local poll (research A9): a Note with `name` (an option's title), no content,
/// answering the poll. One vote per remote actor; several options only when the poll allows
/// them (one Note each). Votes on ended polls, on one's own poll, for unknown options, or on
/// a co-op proposal's poll (ballots are for members, through the co-op) are dropped. Returns
/// whether the Note was a vote (then it is not stored as a status).
async fn poll_vote(
    tx: &mut WriteTx,
    actor: &AccountRow,
    object: &Value,
    now: i64,
) -> AppResult<bool> {
    let Some(name) = object.get("name").and_then(Value::as_str) else {
        return Ok(false);
    };
    if object
        .get("content")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.trim().is_empty())
    {
        return Ok(false);
    }
    let Some(parent) = status_by_ref(tx, object.get("inReplyTo")).await? else {
        return Ok(false);
    };
    if parent.local == 0 {
        return Ok(false);
    }
    let Some(poll) = crate::storage::polls::of_statuses(&mut ***tx, &[parent.id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(false);
    };
    if poll.expired(now)
        || poll.account_id == actor.id
        || crate::storage::proposals::proposal_by_poll(&mut ***tx, poll.id)
            .await?
            .is_some()
    {
        return Ok(true);
    }
    // Only someone who may see the poll votes in it.
    if statuses::visible_by_id(&mut ***tx, parent.id, actor.id)
        .await?
        .is_none()
    {
        return Ok(true);
    }
    let Some(choice) = poll.titles().iter().position(|t| t == name.trim()) else {
        return Ok(true);
    };
    let choice = choice as i64;
    let voted = store::has_voted(&mut ***tx, poll.id, actor.id).await?;
    if (voted && poll.multiple == 0)
        || store::has_vote(&mut ***tx, poll.id, actor.id, choice).await?
    {
        return Ok(true);
    }
    if !voted {
        crate::storage::polls::insert_voter(&mut ***tx, poll.id, actor.id, now).await?;
    }
    crate::storage::polls::insert_vote(
        &mut ***tx,
        ids::next_id_at(now / 1000),
        poll.id,
        actor.id,
        choice,
        now,
    )
    .await?;
    fed::poll_update_soon(tx, &parent, now).await?;
    Ok(true)
}

async fn create(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    object: &Value,
    now: i64,
) -> AppResult<Option<i64>> {
    if !object.is_object() {
        return Ok(None); // a bare reference: not fetched in this version
    }
    if !NOTE_TYPES.contains(&type_of(object)) {
        return Ok(None);
    }
    let uri = owned_note(actor, object)?;
    if poll_vote(tx, actor, object, now).await? {
        return Ok(None);
    }
    let Some((id, audience)) =
        insert_note_with_audience(tx, state, actor, object, uri, now).await?
    else {
        return Ok(None);
    };
    // A reply to a status unknown here: its thread is fetched later, by the job queue.
    if let Some(parent) = object.get("inReplyTo").and_then(id_of) {
        if state.config.federation.thread_fetch_depth > 0
            && !is_local(state, parent)
            && store::status_id_by_uri(&mut ***tx, parent).await?.is_none()
            && !store::tombstoned(&mut ***tx, parent).await?
        {
            jobs::enqueue(
                tx,
                &Job::FetchThread {
                    status_id: id,
                    parent_uri: parent.to_string(),
                },
                now,
            )
            .await?;
        }
    }
    // Nobody here follows the author or its tags: no home feed takes it, no job is queued.
    Ok(audience.then_some(id))
}

/// The queued thread fetch: the unknown ancestors of a reply, up to
/// `federation.thread_fetch_depth`, each fetched from its own origin through the SSRF-guarded
/// fetcher (public and unlisted only, owner checked as for announced statuses), stored from
/// the oldest down, then the reply is linked to its parent. Nothing fetchable ends the walk
/// quietly: the reply stays as it is.
pub async fn resolve_thread(
    state: &AppState,
    status_id: i64,
    parent_uri: &str,
) -> anyhow::Result<()> {
    let depth = state.config.federation.thread_fetch_depth as usize;
    let mut chain: Vec<(AccountRow, Value, String)> = Vec::new();
    let mut next = Some(parent_uri.to_string());
    while let Some(uri) = next.take() {
        if chain.len() >= depth
            || is_local(state, &uri)
            || chain.iter().any(|(_, _, u)| *u == uri)
            || store::status_id_by_uri(&state.db.pool, &uri)
                .await?
                .is_some()
            || store::tombstoned(&state.db.pool, &uri).await?
        {
            break;
        }
        let Some((author, doc)) = fetch_public_note(state, &uri).await else {
            break;
        };
        next = doc.get("inReplyTo").and_then(id_of).map(String::from);
        chain.push((author, doc, uri));
    }
    let now = state.clock.now_micros();
    for (author, doc, uri) in chain.iter().rev() {
        let mut tx = state.db.begin_write().await?;
        insert_note(&mut tx, state, author, doc, uri, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        tx.commit().await?;
    }
    let mut tx = state.db.begin_write().await?;
    if let Some(pid) = store::status_id_by_uri(&mut **tx, parent_uri).await? {
        if let Some(p) = statuses::by_id(&mut **tx, pid).await? {
            if store::link_parent(&mut tx, status_id, p.id, p.account_id, p.thread_root_id).await? {
                statuses::bump(&mut **tx, p.id, Counter::Replies, 1).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A public or unlisted Note at `uri`, fetched from its origin, with its (fetched) author.
pub(crate) async fn fetch_public_note(state: &AppState, uri: &str) -> Option<(AccountRow, Value)> {
    let doc = fed::fetch_verified(state, uri).await.ok()?;
    let author_uri = ids_of(doc.get("attributedTo")).first()?.to_string();
    if !origin_ok(&author_uri, uri) {
        return None;
    }
    let author = fed::actor_by_uri(state, &author_uri).await.ok()?;
    owned_note(&author, &doc).ok()?;
    if !["public", "unlisted"].contains(&visibility_by_addressing(&doc)) {
        return None;
    }
    Some((author, doc))
}

/// Public in `to` or `cc` (the followers-collection test needs the author's row; anything
/// else is not fetched into threads).
fn visibility_by_addressing(obj: &Value) -> &'static str {
    if ids_of(obj.get("to")).iter().any(|u| protocol::is_public(u)) {
        "public"
    } else if ids_of(obj.get("cc")).iter().any(|u| protocol::is_public(u)) {
        "unlisted"
    } else {
        "private"
    }
}

/// `Update(Question)`: the origin's new counts (and whether it closed) for a remote poll.
async fn refresh_poll(tx: &mut WriteTx, s: &StatusRow, object: &Value, now: i64) -> AppResult<()> {
    let Some(q) = parse_question(object, now) else {
        return Ok(());
    };
    let Some(poll) = crate::storage::polls::of_statuses(&mut ***tx, &[s.id])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    if poll.titles() != q.titles {
        return Ok(()); // the options changed: only an edit (with `updated`) may do that
    }
    store::set_remote_poll(&mut ***tx, poll.id, &q.counts, q.voters, now).await?;
    store::set_poll_closed(
        &mut ***tx,
        poll.id,
        q.closed || poll.closed != 0,
        q.expires_at,
    )
    .await?;
    Ok(())
}

async fn update(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    object: &Value,
    now: i64,
) -> AppResult<()> {
    if !NOTE_TYPES.contains(&type_of(object)) {
        return Ok(());
    }
    let uri = owned_note(actor, object)?;
    let Some(s) = status_by_ref(tx, Some(&Value::String(uri.to_string()))).await? else {
        return Ok(());
    };
    if s.account_id != actor.id {
        return Ok(());
    }
    if s.local == 0 && type_of(object) == "Question" {
        refresh_poll(tx, &s, object, now).await?;
    }
    // A quote's authorization arrives in an Update that edits nothing else.
    if s.local == 0 {
        crate::services::quote_federation::incoming(tx, state, actor, s.id, &s.uri, object, now)
            .await?;
    }
    let updated = object
        .get("updated")
        .and_then(Value::as_str)
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|t| t.timestamp_micros().min(now));
    let Some(updated) = updated else {
        return Ok(()); // edits carry `updated`
    };
    if s.edited_at.is_some_and(|e| e >= updated) {
        return Ok(()); // an older or repeated update
    }
    let content = protocol::sanitize(object.get("content").and_then(Value::as_str).unwrap_or(""));
    let spoiler = protocol::plain(
        object.get("summary").and_then(Value::as_str).unwrap_or(""),
        1000,
    );
    let sensitive = object
        .get("sensitive")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || !spoiler.is_empty();
    if statuses::edits(&mut ***tx, s.id).await?.is_empty() {
        statuses::insert_edit(&mut ***tx, ids::next_id_at(now / 1000), &s, s.created_at).await?;
    }
    statuses::update_text(
        &mut ***tx,
        s.id,
        "",
        &content,
        &spoiler,
        sensitive,
        s.language.as_deref(),
        updated,
    )
    .await?;
    let previews = crate::services::remote_media::held_by_status(tx, s.id).await?;
    crate::storage::media::delete_remote_of_status(&mut ***tx, s.id).await?;
    store_attachments(tx, actor, s.id, object, now).await?;
    crate::services::remote_media::carry_over(tx, s.id, previews, now).await?;
    // Its hashtags as they are now (Mastodon's edits re-tag too).
    statuses::delete_status_tags(&mut ***tx, s.id).await?;
    store_hashtags(tx, s.id, object, now).await?;
    crate::services::cards::queue(
        state,
        tx,
        s.id,
        &content,
        crate::services::cards::Written::Edited,
        now,
    )
    .await?;
    // The local accounts it addresses now: those it dropped lose it as after a local edit,
    // those it adds are told of the mention. An object without any addressing says nothing
    // of its audience: the mentions stay.
    let previously: Vec<i64> = statuses::mentions_of(&mut ***tx, &[s.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let addressed = object.get("to").is_some() || object.get("cc").is_some();
    let now_addressed = if addressed {
        let local = local_recipients(tx, state, object).await?;
        statuses::delete_mentions(&mut ***tx, s.id).await?;
        for a in &local {
            statuses::insert_mention(&mut ***tx, s.id, *a).await?;
        }
        local
    } else {
        previously.clone()
    };
    if let Some(new) = statuses::by_id(&mut ***tx, s.id).await? {
        statuses::insert_edit(&mut ***tx, ids::next_id_at(now / 1000), &new, updated).await?;
        let dropped: Vec<i64> = previously
            .iter()
            .copied()
            .filter(|a| !now_addressed.contains(a))
            .collect();
        crate::services::statuses::mentions_dropped(tx, &new, &dropped).await?;
    }
    for a in now_addressed.iter().filter(|a| !previously.contains(a)) {
        notify(tx, *a, actor.id, "mention", Some(s.id), now).await?;
    }
    for wrapper in statuses::reblogs_of(&mut ***tx, s.id).await? {
        notify(tx, wrapper.account_id, actor.id, "update", Some(s.id), now).await?;
    }
    crate::services::quotes::quoted_edited(tx, &s, now).await?;
    // Streams hear a remote edit as they hear a local one (`status.update`).
    tx.record(crate::storage::Change::StatusEdited(s.id));
    Ok(())
}

/// Tags the status with the object's well-formed `Hashtag`s; returns their ids.
async fn store_hashtags(
    tx: &mut WriteTx,
    status_id: i64,
    obj: &Value,
    now: i64,
) -> AppResult<Vec<i64>> {
    let mut tag_ids: Vec<i64> = Vec::new();
    if let Some(Value::Array(tags)) = obj.get("tag") {
        for name in tags
            .iter()
            .filter(|t| type_of(t) == "Hashtag")
            .filter_map(|t| t.get("name").and_then(Value::as_str))
        {
            let name = name.trim_start_matches('#');
            if !name.is_empty()
                && name.len() <= 100
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                let tag = statuses::tag_id(tx, name, ids::next_id_at(now / 1000), now).await?;
                statuses::insert_status_tag(&mut ***tx, status_id, tag).await?;
                tag_ids.push(tag);
            }
        }
    }
    Ok(tag_ids)
}

async fn delete(tx: &mut WriteTx, actor: &AccountRow, object: &Value, now: i64) -> AppResult<()> {
    let Some(uri) = id_of(object) else {
        return Err(AppError::bad_request("Delete without an object"));
    };
    if uri == actor.uri {
        // The actor is gone: its statuses and its follows go with it.
        for s in store::statuses_of(&mut ***tx, actor.id).await? {
            crate::services::statuses::remove(tx, &s, now).await?;
        }
        let made = crate::storage::social::follows_made_by(&mut ***tx, actor.id).await?;
        for (f, t) in made {
            drop_follow(tx, f, t).await?;
        }
        let received = crate::storage::social::follows_of(&mut ***tx, actor.id).await?;
        for (f, t) in received {
            drop_follow(tx, f, t).await?;
        }
        return Ok(());
    }
    if !origin_ok(uri, &actor.uri) {
        return Ok(());
    }
    if crate::services::quote_federation::stamp_deleted(tx, actor, uri, now).await? {
        return Ok(());
    }
    match status_by_ref(tx, Some(&Value::String(uri.to_string()))).await? {
        Some(s) if s.account_id == actor.id => {
            crate::services::statuses::remove(tx, &s, now).await?;
        }
        Some(_) => {} // someone else's: no change
        None => store::insert_tombstone(&mut ***tx, uri, actor.id, now).await?,
    }
    Ok(())
}

async fn like(tx: &mut WriteTx, actor: &AccountRow, object: &Value, now: i64) -> AppResult<()> {
    let Some(s) = status_by_ref(tx, Some(object)).await? else {
        return Ok(());
    };
    if s.local == 0 {
        return Ok(()); // likes of remote posts are their server's business
    }
    if interactions::add(
        &mut ***tx,
        Mark::Favourite,
        ids::next_id_at(now / 1000),
        actor.id,
        s.id,
        now,
    )
    .await?
    {
        statuses::bump(&mut ***tx, s.id, Counter::Favourites, 1).await?;
        notify(tx, s.account_id, actor.id, "favourite", Some(s.id), now).await?;
    }
    Ok(())
}

/// The status an Announce (or a search with `resolve`) points at: known, or fetched from its
/// origin (public or unlisted only; an embedded copy is never trusted). Runs before any
/// transaction.
pub(crate) async fn remote_status(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    announced_status(state, uri).await
}

async fn announced_status(state: &AppState, uri: &str) -> AppResult<Option<i64>> {
    if let Some(id) = store::status_id_by_uri(&state.db.pool, uri).await? {
        return Ok(Some(id));
    }
    if is_local(state, uri) {
        return Ok(None);
    }
    let Ok(doc) = fed::fetch_verified(state, uri).await else {
        return Ok(None);
    };
    let Some(author_uri) = ids_of(doc.get("attributedTo"))
        .first()
        .map(|s| s.to_string())
    else {
        return Ok(None);
    };
    if !origin_ok(&author_uri, uri) {
        return Ok(None);
    }
    let Ok(author) = fed::actor_by_uri(state, &author_uri).await else {
        return Ok(None);
    };
    let Ok(note_uri) = owned_note(&author, &doc) else {
        return Ok(None);
    };
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let vis = visibility_of(&mut tx, &author, &doc).await?;
    if vis != "public" && vis != "unlisted" {
        return Ok(None);
    }
    let id = insert_note(&mut tx, state, &author, &doc, note_uri, now).await?;
    tx.commit().await?;
    Ok(id)
}

fn not_boostable() -> AppError {
    AppError::forbidden("This post cannot be boosted")
}

/// A boost's visibility: what its Announce is addressed to, never wider than the boosted
/// post, and never direct (a boost of a followers-only post is followers-only).
fn boost_visibility(addressed: &str, original: &str) -> &'static str {
    let rank = |v: &str| match v {
        "public" => 0,
        "unlisted" => 1,
        _ => 2,
    };
    match rank(addressed).max(rank(original)) {
        0 => "public",
        1 => "unlisted",
        _ => "private",
    }
}

async fn announce(
    tx: &mut WriteTx,
    actor: &AccountRow,
    id: &str,
    activity: &Value,
    original_id: &i64,
    now: i64,
) -> AppResult<Option<i64>> {
    let Some(original) = statuses::by_id(&mut ***tx, *original_id).await? else {
        return Ok(None);
    };
    // As Mastodon's `announceable?`, and no wider: a public or unlisted post that may leave
    // its server, or the actor's own followers-only post; never a direct or local-only post,
    // nor a boost.
    let boostable = original.reblog_of_id.is_none()
        && original.local_only == 0
        && match original.visibility.as_str() {
            "public" | "unlisted" => true,
            "private" => original.account_id == actor.id,
            _ => false,
        };
    if !boostable {
        return Err(not_boostable());
    }
    if statuses::reblog_by(&mut ***tx, actor.id, original.id)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let visibility = visibility_of(tx, actor, activity).await?;
    let wid = ids::next_id_at(now / 1000);
    let wrapper = StatusRow {
        id: wid,
        account_id: actor.id,
        uri: id.to_string(),
        url: None,
        text: String::new(),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: 0,
        visibility: boost_visibility(visibility, &original.visibility).to_string(),
        local_only: 0,
        language: None,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(original.id),
        thread_root_id: wid,
        application_id: None,
        local: 0,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
    };
    statuses::insert(tx, &wrapper).await?;
    statuses::bump(&mut ***tx, original.id, Counter::Reblogs, 1).await?;
    notify(
        tx,
        original.account_id,
        actor.id,
        "reblog",
        Some(original.id),
        now,
    )
    .await?;
    Ok(Some(wid))
}

/// A remote actor blocks a local account: as a local block, follows both ways and pending
/// requests end, and the block row hides the blocker's posts from the blocked account.
async fn block(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    object: &Value,
    now: i64,
) -> AppResult<()> {
    let Some(target) = (match id_of(object) {
        Some(uri) => local_target(tx, state, uri).await?,
        None => None,
    }) else {
        return Ok(());
    };
    social::insert_block(
        &mut ***tx,
        ids::next_id_at(now / 1000),
        actor.id,
        target.id,
        now,
    )
    .await?;
    drop_follow(tx, actor.id, target.id).await?;
    drop_follow(tx, target.id, actor.id).await?;
    for (a, b) in [(actor.id, target.id), (target.id, actor.id)] {
        if social::remove(&mut ***tx, Relation::FollowRequest, a, b).await? {
            notifications::retract(&mut ***tx, b, a, "follow_request", None).await?;
        }
    }
    Ok(())
}

/// A `Flag` (a report forwarded by another server, usually from its instance actor): a report
/// in the moderators' queue about the local account it names, with the named statuses that are
/// that account's. Ignored when it names nobody here, or when the sender's domain is blocked
/// with `reject_reports`.
async fn flag(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    activity: &Value,
    now: i64,
) -> AppResult<()> {
    if crate::services::moderation::domain_block_for(state, &actor.domain)
        .await?
        .is_some_and(|b| b.reject_reports != 0)
    {
        return Ok(());
    }
    let mut target: Option<AccountRow> = None;
    let mut reported: Vec<StatusRow> = Vec::new();
    for uri in ids_of(activity.get("object")).into_iter().take(100) {
        if let Some(a) = local_target(tx, state, uri).await? {
            target.get_or_insert(a);
        } else if let Some(s) = status_by_ref(tx, Some(&Value::String(uri.to_string()))).await? {
            if s.local != 0 {
                reported.push(s);
            }
        }
    }
    if target.is_none() {
        if let Some(s) = reported.first() {
            target = accounts::account_by_id(&mut ***tx, s.account_id).await?;
        }
    }
    let Some(target) = target else {
        return Ok(());
    };
    let status_ids: Vec<i64> = reported
        .iter()
        .filter(|s| s.account_id == target.id)
        .map(|s| s.id)
        .collect();
    let comment = protocol::plain(
        &protocol::to_text(
            activity
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ),
        1000,
    );
    let row = crate::storage::moderation::ReportRow {
        id: ids::next_id_at(now / 1000),
        account_id: actor.id,
        target_account_id: target.id,
        category: "other".into(),
        comment,
        status_ids_json: serde_json::json!(status_ids).to_string(),
        rule_ids_json: "[]".into(),
        rule_citations_json: "[]".into(),
        forward: 0,
        forwarded_at: None,
        assigned_account_id: None,
        action_taken_at: None,
        action_taken_by_account_id: None,
        created_at: now,
        updated_at: now,
    };
    crate::storage::moderation::insert_report(&mut ***tx, &row).await?;
    Ok(())
}

/// The account a `Move` by `actor` goes to (research A9): the activity moves its own actor
/// (`object` = signer), and the target, fetched afresh from its origin (or local), lists the
/// actor in `alsoKnownAs`. Anything else is refused before a row is written.
async fn move_target(
    state: &AppState,
    actor: &AccountRow,
    activity: &Value,
) -> AppResult<AccountRow> {
    if activity.get("object").and_then(id_of) != Some(actor.uri.as_str()) {
        return Err(AppError::unauthorized("A Move may only move its own actor"));
    }
    let target_uri = activity
        .get("target")
        .and_then(id_of)
        .ok_or_else(|| AppError::bad_request("Move without a target"))?;
    if target_uri == actor.uri {
        return Err(AppError::bad_request("Move to the same actor"));
    }
    let target = if is_local(state, target_uri) {
        let username = local_username(state, target_uri)
            .ok_or_else(|| AppError::unprocessable("The Move target is not an account here"))?;
        accounts::local_account_by_username(&state.db.pool, username)
            .await?
            .ok_or_else(|| AppError::unprocessable("The Move target is not an account here"))?
    } else {
        fed::refresh_actor(state, target_uri)
            .await
            .map_err(|e| AppError::unprocessable(format!("Could not fetch the Move target: {e}")))?
    };
    let aliases = store::migration(&state.db.pool, target.id)
        .await?
        .map(|m| m.aliases())
        .unwrap_or_default();
    if !aliases.contains(&actor.uri) {
        return Err(AppError::unprocessable(
            "The Move target does not list the moved account in alsoKnownAs",
        ));
    }
    Ok(target)
}

/// Local followers of `origin` follow `target` instead (as Mastodon's MoveWorker does): a
/// follow at once when the target is local and unlocked, otherwise a request (and a Follow
/// to its server); then they leave `origin` (an Undo(Follow) when it is remote). Followers
/// blocked by or blocking the target stay where they are.
pub(crate) async fn move_followers(
    tx: &mut WriteTx,
    state: &AppState,
    origin: &AccountRow,
    target: &AccountRow,
    now: i64,
) -> AppResult<()> {
    for fid in store::local_followers(&mut ***tx, origin.id).await? {
        if fid == target.id
            || social::exists(&mut ***tx, Relation::Block, target.id, fid).await?
            || social::exists(&mut ***tx, Relation::Block, fid, target.id).await?
        {
            continue;
        }
        let Some(follower) = accounts::account_by_id(&mut ***tx, fid).await? else {
            continue;
        };
        let old = social::follow_row(&mut ***tx, Relation::Follow, fid, origin.id).await?;
        let (reblogs, notify_on) = old
            .as_ref()
            .map_or((true, false), |f| (f.show_reblogs != 0, f.notify != 0));
        if !social::exists(&mut ***tx, Relation::Follow, fid, target.id).await? {
            let remote = !target.domain.is_empty();
            let row_id = ids::next_id_at(now / 1000);
            if target.locked == 0 && !remote {
                if social::upsert_follow(
                    &mut ***tx,
                    Relation::Follow,
                    row_id,
                    fid,
                    target.id,
                    reblogs,
                    notify_on,
                    now,
                )
                .await?
                {
                    accounts::bump(tx, fid, AccountCounter::Following, 1).await?;
                    accounts::bump(tx, target.id, AccountCounter::Followers, 1).await?;
                    timelines::backfill_feed(&mut ***tx, fid, target.id).await?;
                    notify(tx, target.id, fid, "follow", None, now).await?;
                }
            } else {
                let new = social::upsert_follow(
                    &mut ***tx,
                    Relation::FollowRequest,
                    row_id,
                    fid,
                    target.id,
                    reblogs,
                    notify_on,
                    now,
                )
                .await?;
                if new && !remote {
                    notify(tx, target.id, fid, "follow_request", None, now).await?;
                }
                if remote {
                    fed::follow_requested(tx, state, &follower, target, now).await?;
                }
            }
        }
        fed::unfollowed(tx, state, &follower, origin, now).await?;
        drop_follow(tx, fid, origin.id).await?;
    }
    Ok(())
}

/// The status an `Add`/`Remove` pins or unpins (research A9): the target must be the actor's
/// featured collection and the object one of the actor's own statuses (on its origin).
/// Another target (a collection we do not track) is ignored; an object of someone else is
/// refused. An unknown status is fetched from its origin for an Add.
async fn pin_target(
    state: &AppState,
    actor: &AccountRow,
    activity: &Value,
) -> AppResult<Option<i64>> {
    let target = activity.get("target").and_then(id_of);
    let featured = store::featured_collection(&state.db.pool, actor.id).await?;
    if target.is_none() || target != featured.as_deref() {
        return Ok(None);
    }
    let uri = activity
        .get("object")
        .and_then(id_of)
        .ok_or_else(|| AppError::bad_request("Add without an object"))?;
    if !origin_ok(uri, &actor.uri) {
        return Err(AppError::unauthorized(
            "Object id is not on the actor's origin",
        ));
    }
    let id = match store::status_id_by_uri(&state.db.pool, uri).await? {
        Some(id) => Some(id),
        None if type_of(activity) == "Add" => announced_status(state, uri).await?,
        None => None,
    };
    let Some(id) = id else { return Ok(None) };
    let s = statuses::by_id(&state.db.pool, id).await?;
    if s.as_ref().is_none_or(|s| s.account_id != actor.id) {
        return Err(AppError::unauthorized(
            "Object is attributed to someone else",
        ));
    }
    Ok(Some(id))
}
