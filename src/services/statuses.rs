//! Posting, editing, deleting, and acting on statuses (reblog, favourite, bookmark, pin, mute).
//! Each use case checks what the viewer may see and do, then commits all its rows, counters,
//! notifications and queued fan-out in one transaction.

use std::collections::HashMap;

use crate::entities::{Account, StatusEdit};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::ids;
use crate::jobs::{self, Job};
use crate::paging::Page;
use crate::services::federation::{self as fed, StatusEvent};
use crate::services::notify::notify;
use crate::services::polls::{self, NewPoll, PollSpec};
use crate::services::render::{self, status_uri, status_url, tag_url};
use crate::services::{media, scheduled};
use crate::state::AppState;
use crate::storage::accounts::{self, AccountCounter};
use crate::storage::interactions::{self, Mark};
use crate::storage::scheduled::ScheduledRow;
use crate::storage::statuses::{self as store, Counter, StatusRow};
use crate::storage::{
    media as media_store, notifications, polls as poll_store, timelines, WriteTx,
};
use crate::text::{self, ResolvedMention};
use crate::time::MICROS_PER_SECOND;

const IDEMPOTENCY_WINDOW: i64 = 3600 * MICROS_PER_SECOND;
const MAX_PINS: i64 = 5;
const SPOILER_MAX: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Self::Public),
            "unlisted" => Some(Self::Unlisted),
            "private" => Some(Self::Private),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unlisted => "unlisted",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Option<String>,
    pub local_only: bool,
    pub in_reply_to_id: Option<String>,
    pub language: Option<String>,
    pub idempotency_key: Option<String>,
    pub media_ids: Vec<String>,
    pub poll: Option<NewPoll>,
    /// RFC 3339; set, the status is stored and published later (see [`post`]).
    pub scheduled_at: Option<String>,
    /// Mastodon 4.5: the post this one quotes, and who may quote this one.
    pub quoted_status_id: Option<String>,
    pub quote_approval_policy: Option<String>,
    /// Set when a scheduled status is being published: its reserved media may be attached,
    /// and its row is removed in the same transaction.
    pub scheduled_status_id: Option<i64>,
}

/// What posting produced: a status, or a scheduled status to be published later.
#[derive(Debug)]
pub enum Posted {
    Status(Box<StatusRow>),
    Scheduled(ScheduledRow),
}

/// The checked parts of a new status.
struct Checked {
    visibility: Visibility,
    language: Option<String>,
    parent: Option<StatusRow>,
    media: Vec<i64>,
    quoted: Option<StatusRow>,
    quote_policy: &'static str,
}

async fn check_new(state: &AppState, me: &CurrentUser, new: &NewStatus) -> AppResult<Checked> {
    let media = media::check_ids(
        state,
        me.account.id,
        &new.media_ids,
        None,
        new.scheduled_status_id,
    )
    .await?;
    if !media.is_empty() && new.poll.is_some() {
        return Err(AppError::unprocessable(
            "Validation failed: A post cannot have both media attachments and a poll",
        ));
    }
    if new.text.trim().is_empty() && media.is_empty() {
        return Err(AppError::validation("text", "ERR_BLANK", "can't be blank"));
    }
    check_length(state, &new.text, &new.spoiler_text)?;
    let visibility = match new.visibility.as_deref() {
        None | Some("") => Visibility::parse(&me.user.default_privacy).unwrap_or(Visibility::Public),
        Some(v) => Visibility::parse(v)
            .ok_or_else(|| AppError::unprocessable(format!("Validation failed: Visibility {v:?} is not one of public, unlisted, private, direct")))?,
    };
    let language = check_language(&new.language)?;
    if let Some(p) = &new.poll {
        polls::validate(state, p)?;
    }
    let parent = match new.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(visible(state, id, Some(me.account.id)).await?),
        None => None,
    };
    let quoted = match new.quoted_status_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(crate::services::quotes::check(state, me, id).await?),
        None => None,
    };
    let quote_policy = crate::services::quotes::policy_for_new(
        state,
        me,
        new.quote_approval_policy.as_deref(),
        visibility.as_str(),
    )
    .await?;
    Ok(Checked {
        visibility,
        language,
        parent,
        media,
        quoted,
        quote_policy,
    })
}

/// `POST /api/v1/statuses`: publishes now, or with `scheduled_at` stores it for later.
pub async fn post(
    state: &AppState,
    me: &CurrentUser,
    app_id: i64,
    new: NewStatus,
) -> AppResult<Posted> {
    match new.scheduled_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(at) => {
            if new
                .quoted_status_id
                .as_deref()
                .is_some_and(|q| !q.is_empty())
            {
                return Err(AppError::unprocessable(
                    "Validation failed: A scheduled post cannot quote another post",
                ));
            }
            let at = scheduled::parse_time(state, at)?;
            let checked = check_new(state, me, &new).await?;
            let row = scheduled::schedule(
                state,
                me,
                app_id,
                &new,
                checked.visibility.as_str(),
                &checked.media,
                at,
            )
            .await?;
            Ok(Posted::Scheduled(row))
        }
        None => Ok(Posted::Status(Box::new(
            create(state, me, app_id, new).await?,
        ))),
    }
}

fn media_taken(id: i64) -> AppError {
    AppError::unprocessable(format!(
        "Validation failed: Media {id} not found or already attached to another post"
    ))
}

/// A status the viewer may see, or 404 (never 403: existence is not revealed).
pub async fn visible(state: &AppState, id: &str, viewer: Option<i64>) -> AppResult<StatusRow> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    store::visible_by_id(&state.db.pool, id, viewer.unwrap_or(-1))
        .await?
        .ok_or_else(AppError::not_found)
}

/// The statuses among `ids` that `viewer` may see, in the order given.
pub async fn visible_many(
    state: &AppState,
    ids: &[i64],
    viewer: Option<i64>,
) -> AppResult<Vec<StatusRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = store::visible_by_id(&state.db.pool, *id, viewer.unwrap_or(-1)).await? {
            out.push(row);
        }
    }
    Ok(out)
}

fn check_length(state: &AppState, text: &str, spoiler: &str) -> AppResult<()> {
    let max = state.config.limits.max_characters as usize;
    if text::length(text) + spoiler.chars().count() > max {
        return Err(AppError::unprocessable(format!(
            "Validation failed: Text character limit of {max} exceeded"
        )));
    }
    if spoiler.chars().count() > SPOILER_MAX {
        return Err(AppError::unprocessable(
            "Validation failed: Spoiler text is too long",
        ));
    }
    Ok(())
}

fn check_language(lang: &Option<String>) -> AppResult<Option<String>> {
    match lang.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(l) if l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Ok(Some(l.to_string()))
        }
        Some(_) => Err(AppError::unprocessable(
            "Validation failed: Language is not a valid language code",
        )),
    }
}

/// Resolves the local accounts a text mentions (remote ones come with federation).
async fn resolve_mentions(state: &AppState, text: &str) -> AppResult<Vec<(ResolvedMention, i64)>> {
    let mut out = Vec::new();
    for m in text::mentions(text) {
        let local = m
            .domain
            .as_deref()
            .is_none_or(|d| d.eq_ignore_ascii_case(&state.config.domain));
        if !local {
            // Remote: a known account, or resolved through WebFinger (federation).
            if let Some(domain) = m.domain.as_deref() {
                // An unknown or unreachable account stays plain text; a failure of ours
                // (the database) is an error, not a silent drop of the mention.
                match fed::resolve_acct(state, &m.username, domain).await {
                    Ok(a) => out.push((
                        ResolvedMention {
                            reference: m.clone(),
                            url: a.url.clone(),
                        },
                        a.id,
                    )),
                    Err(e) if e.status.is_client_error() => {}
                    Err(e) => return Err(e),
                }
            }
            continue;
        }
        if let Some(a) = accounts::local_account_by_username(&state.db.pool, &m.username).await? {
            out.push((
                ResolvedMention {
                    reference: m,
                    url: a.url.clone(),
                },
                a.id,
            ));
        }
    }
    Ok(out)
}

async fn write_mentions_and_tags(
    tx: &mut WriteTx,
    status_id: i64,
    mentioned: &[(ResolvedMention, i64)],
    text: &str,
    now: i64,
) -> AppResult<()> {
    for (_, account_id) in mentioned {
        store::insert_mention(&mut ***tx, status_id, *account_id).await?;
    }
    for name in text::hashtags(text) {
        let tag = store::tag_id(tx, &name, ids::next_id_at(now / 1000), now).await?;
        store::insert_status_tag(&mut ***tx, status_id, tag).await?;
    }
    Ok(())
}

/// `POST /api/v1/statuses`.
pub async fn create(
    state: &AppState,
    me: &CurrentUser,
    app_id: i64,
    new: NewStatus,
) -> AppResult<StatusRow> {
    let now = state.clock.now_micros();
    let author = &me.account;
    if let Some(key) = new.idempotency_key.as_deref().filter(|k| !k.is_empty()) {
        if let Some(id) =
            store::idempotent_status(&state.db.pool, author.id, key, now - IDEMPOTENCY_WINDOW)
                .await?
        {
            if let Some(existing) = store::by_id(&state.db.pool, id).await? {
                return Ok(existing);
            }
        }
    }
    if new
        .scheduled_at
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
    {
        // Only `post` schedules; a caller that means "now" must not pass a time.
        return Err(AppError::unprocessable(
            "Validation failed: Scheduled at must go through statuses::post",
        ));
    }
    let Checked {
        visibility,
        language,
        parent,
        media,
        quoted,
        quote_policy,
    } = check_new(state, me, &new).await?;
    // A reply in a members-only proposal thread takes the thread's audience.
    let audience = crate::services::proposal_posts::reply_audience(
        state,
        parent.as_ref(),
        visibility,
        new.local_only,
    )
    .await?;
    let visibility = audience.visibility;
    let mentioned = resolve_mentions(state, &new.text).await?;
    let resolved: Vec<ResolvedMention> = mentioned.iter().map(|(m, _)| m.clone()).collect();
    let content = text::render(&new.text, &resolved, |t| tag_url(state, t));
    let id = ids::next_id_at(now / 1000);
    let row = StatusRow {
        id,
        account_id: author.id,
        uri: status_uri(state, &author.username, id),
        url: Some(status_url(state, &author.username, id)),
        text: new.text.clone(),
        content,
        spoiler_text: new.spoiler_text.trim().to_string(),
        sensitive: i64::from(
            new.sensitive || me.user.default_sensitive != 0 || !new.spoiler_text.trim().is_empty(),
        ),
        visibility: visibility.as_str().to_string(),
        local_only: i64::from(audience.local_only),
        language,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        thread_root_id: parent.as_ref().map(|p| p.thread_root_id).unwrap_or(id),
        application_id: Some(app_id),
        local: 1,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
    };

    let mut tx = state.db.begin_write().await?;
    if let Some(key) = new.idempotency_key.as_deref().filter(|k| !k.is_empty()) {
        // Claimed first, so a retry racing its original (on this node or another) waits for
        // it and then answers with its status instead of writing a second one.
        let not_before = now - IDEMPOTENCY_WINDOW;
        if !store::claim_idempotency(&mut **tx, author.id, key, id, now, not_before).await? {
            if let Some(existing) =
                store::idempotent_status(&mut **tx, author.id, key, not_before).await?
            {
                if let Some(row) = store::by_id(&mut **tx, existing).await? {
                    return Ok(row);
                }
            }
            // The status that held the key is gone: the key is this one's now.
            store::remember_idempotency(&mut **tx, author.id, key, id, now).await?;
        }
    }
    store::insert(&mut tx, &row).await?;
    crate::storage::quotes::set_policy(&mut **tx, id, quote_policy).await?;
    if let Some(q) = &quoted {
        crate::services::quotes::attach(&mut tx, state, &row, q, now).await?;
    }
    crate::services::proposal_posts::bind_audience(&mut tx, id, &audience).await?;
    for (position, mid) in media.iter().enumerate() {
        let attached = media_store::attach(
            &mut **tx,
            *mid,
            author.id,
            id,
            position as i64,
            new.scheduled_status_id,
        )
        .await?;
        if !attached {
            return Err(media_taken(*mid));
        }
    }
    if let Some(p) = &new.poll {
        let spec = PollSpec {
            options: p.options.clone(),
            expires_at: Some(polls::expires_at(now, p)),
            multiple: p.multiple,
            hide_totals: p.hide_totals,
        };
        polls::create_for_status(&mut tx, id, &spec, now).await?;
    }
    if let Some(sid) = new.scheduled_status_id {
        if !scheduled::consume(&mut tx, sid, now).await? {
            return Err(AppError::not_found()); // cancelled meanwhile
        }
    }
    write_mentions_and_tags(&mut tx, id, &mentioned, &new.text, now).await?;
    timelines::insert_feed(&mut **tx, author.id, id, author.id).await?;
    if visibility != Visibility::Direct {
        accounts::bump(&mut tx, author.id, AccountCounter::Statuses, 1).await?;
    }
    accounts::set_last_status_at(&mut tx, author.id, now).await?;
    if let Some(p) = &parent {
        store::bump(&mut **tx, p.id, Counter::Replies, 1).await?;
    }
    let mut held_back = Vec::new();
    for (_, account_id) in &mentioned {
        if !muted_thread(&mut tx, *account_id, row.thread_root_id).await?
            && crate::services::proposal_posts::in_audience(&mut tx, &audience, *account_id).await?
            && notify(&mut tx, *account_id, author.id, "mention", Some(id), now).await?
        {
            held_back.push(*account_id);
        }
    }
    if visibility == Visibility::Direct {
        let ids: Vec<i64> = mentioned.iter().map(|(_, a)| *a).collect();
        crate::services::conversations::on_direct_status(&mut tx, &row, &ids, &held_back, now)
            .await?;
    }
    tx.record(crate::storage::Change::StatusCreated(id));
    jobs::enqueue(&mut tx, &Job::FanOut { status_id: id }, now).await?;
    crate::services::cards::queue(
        state,
        &mut tx,
        id,
        &row.content,
        crate::services::cards::Written::Created,
        now,
    )
    .await?;
    fed::status_changed(&mut tx, state, &row, StatusEvent::Created, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(row)
}

async fn muted_thread(tx: &mut WriteTx, account_id: i64, root: i64) -> sqlx::Result<bool> {
    Ok(
        !interactions::muted_threads(&mut ***tx, account_id, &[root])
            .await?
            .is_empty(),
    )
}

fn own(me: &CurrentUser, s: &StatusRow) -> AppResult<()> {
    if s.account_id == me.account.id {
        Ok(())
    } else {
        Err(AppError::forbidden("This action is not allowed"))
    }
}

/// `DELETE /api/v1/statuses/:id`: returns the status with its source text, for redrafting.
pub async fn delete(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
) -> AppResult<crate::entities::Status> {
    let s = visible(state, id, Some(me.account.id)).await?;
    own(me, &s)?;
    let mut rendered = render::status(state, render::Viewer(Some(me.account.id)), &s).await?;
    rendered.text = Some(s.text.clone());
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    fed::status_changed(&mut tx, state, &s, StatusEvent::Deleted, now).await?;
    remove(&mut tx, &s, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(rendered)
}

/// Deletes a status with its reblogs, fixing the counters they touched (also moderation's
/// `delete_status`).
pub(crate) async fn remove(tx: &mut WriteTx, s: &StatusRow, now: i64) -> AppResult<()> {
    for wrapper in store::reblogs_of(&mut ***tx, s.id).await? {
        crate::services::streaming::record_delete(tx, &wrapper).await?;
        store::delete(tx, &wrapper, now).await?;
    }
    crate::services::streaming::record_delete(tx, s).await?;
    poll_store::delete_for_status(tx, s.id).await?;
    // Its media go back to the uploader, free to attach again (delete and redraft).
    if media_store::detach_status(&mut ***tx, s.id, now).await? > 0 {
        crate::services::media::schedule_sweep(tx, now).await?;
    }
    store::delete(tx, s, now).await?;
    if s.visibility == "direct" {
        crate::storage::conversations::forget_status(tx, s.id).await?;
    }
    if s.visibility != "direct" && s.reblog_of_id.is_none() {
        accounts::bump(tx, s.account_id, AccountCounter::Statuses, -1).await?;
    }
    if let Some(parent) = s.in_reply_to_id {
        store::bump(&mut ***tx, parent, Counter::Replies, -1).await?;
    }
    if let Some(original) = s.reblog_of_id {
        store::bump(&mut ***tx, original, Counter::Reblogs, -1).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub text: Option<String>,
    pub spoiler_text: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// `None` keeps the attachments; `Some` sets them (in this order).
    pub media_ids: Option<Vec<String>>,
    /// `None` keeps the poll; a different poll replaces it (and its votes).
    pub poll: Option<NewPoll>,
    /// New descriptions and focal points for attachments the status keeps or gains.
    pub media_attributes: Vec<media::MediaAttributes>,
}

/// `PUT /api/v1/statuses/:id`: keeps the previous version in the history.
pub async fn edit(state: &AppState, me: &CurrentUser, id: &str, e: Edit) -> AppResult<StatusRow> {
    let s = visible(state, id, Some(me.account.id)).await?;
    own(me, &s)?;
    if s.reblog_of_id.is_some() {
        return Err(AppError::unprocessable("A reblog cannot be edited"));
    }
    let media = match &e.media_ids {
        Some(ids) => Some(media::check_ids(state, me.account.id, ids, Some(s.id), None).await?),
        None => None,
    };
    let holding: Vec<i64> = match &media {
        Some(m) => m.clone(),
        None => media_store::of_statuses(&state.db.pool, &[s.id])
            .await?
            .iter()
            .map(|m| m.id)
            .collect(),
    };
    let has_media = !holding.is_empty();
    let attributes = media::check_attributes(&e.media_attributes, &holding)?;
    let current_poll = poll_store::of_statuses(&state.db.pool, &[s.id])
        .await?
        .pop();
    if has_media && (e.poll.is_some() || current_poll.is_some()) {
        return Err(AppError::unprocessable(
            "Validation failed: A post cannot have both media attachments and a poll",
        ));
    }
    if let Some(p) = &e.poll {
        polls::validate(state, p)?;
    }
    let text = e.text.unwrap_or_else(|| s.text.clone());
    let spoiler = e.spoiler_text.unwrap_or_else(|| s.spoiler_text.clone());
    if text.trim().is_empty() && !has_media {
        return Err(AppError::validation("text", "ERR_BLANK", "can't be blank"));
    }
    check_length(state, &text, &spoiler)?;
    let language = match e.language {
        Some(l) => check_language(&Some(l))?,
        None => s.language.clone(),
    };
    let sensitive = e.sensitive.unwrap_or(s.sensitive != 0) || !spoiler.trim().is_empty();
    let mentioned = resolve_mentions(state, &text).await?;
    let resolved: Vec<ResolvedMention> = mentioned.iter().map(|(m, _)| m.clone()).collect();
    let content = text::render(&text, &resolved, |t| tag_url(state, t));
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    // The history starts with the original version, as Mastodon's does.
    if store::edits(&mut **tx, s.id).await?.is_empty() {
        let original = ids::next_id_at(now / 1000);
        store::insert_edit(&mut **tx, original, &s, s.created_at).await?;
        store::snapshot_edit_media(&mut **tx, original, s.id).await?;
    }
    store::update_text(
        &mut **tx,
        s.id,
        &text,
        &content,
        spoiler.trim(),
        sensitive,
        language.as_deref(),
        now,
    )
    .await?;
    let updated = store::by_id(&mut **tx, s.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Some(media) = &media {
        if media_store::detach_others(&mut **tx, s.id, media, now).await? > 0 {
            media::schedule_sweep(&mut tx, now).await?;
        }
        for (position, mid) in media.iter().enumerate() {
            if !media_store::attach(&mut **tx, *mid, me.account.id, s.id, position as i64, None)
                .await?
            {
                return Err(media_taken(*mid));
            }
        }
    }
    media::apply_attributes(&mut tx, &attributes).await?;
    // The new version, with the attachments it has (the history shows media changes too).
    let version = ids::next_id_at(now / 1000);
    store::insert_edit(&mut **tx, version, &updated, now).await?;
    store::snapshot_edit_media(&mut **tx, version, s.id).await?;
    if let Some(p) = &e.poll {
        let same = current_poll.as_ref().is_some_and(|c| {
            c.titles() == p.options
                && (c.multiple != 0) == p.multiple
                && (c.hide_totals != 0) == p.hide_totals
        });
        if !same {
            // Changed options void the votes cast on the old ones, as in Mastodon.
            poll_store::delete_for_status(&mut tx, s.id).await?;
            let spec = PollSpec {
                options: p.options.clone(),
                expires_at: Some(polls::expires_at(now, p)),
                multiple: p.multiple,
                hide_totals: p.hide_totals,
            };
            polls::create_for_status(&mut tx, s.id, &spec, now).await?;
        }
    }
    let previously: Vec<i64> = store::mentions_of(&mut **tx, &[s.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    store::delete_mentions(&mut **tx, s.id).await?;
    store::delete_status_tags(&mut **tx, s.id).await?;
    write_mentions_and_tags(&mut tx, s.id, &mentioned, &text, now).await?;
    let dropped: Vec<i64> = previously
        .iter()
        .copied()
        .filter(|a| !mentioned.iter().any(|(_, m)| m == a))
        .collect();
    mentions_dropped(&mut tx, &updated, &dropped).await?;
    for (_, account_id) in &mentioned {
        if !previously.contains(account_id) {
            notify(
                &mut tx,
                *account_id,
                me.account.id,
                "mention",
                Some(s.id),
                now,
            )
            .await?;
        }
    }
    // Those who boosted it are told it changed.
    for wrapper in store::reblogs_of(&mut **tx, s.id).await? {
        notify(
            &mut tx,
            wrapper.account_id,
            me.account.id,
            "update",
            Some(s.id),
            now,
        )
        .await?;
    }
    crate::services::quotes::quoted_edited(&mut tx, &updated, now).await?;
    tx.record(crate::storage::Change::StatusEdited(s.id));
    crate::services::cards::queue(
        state,
        &mut tx,
        s.id,
        &updated.content,
        crate::services::cards::Written::Edited,
        now,
    )
    .await?;
    fed::status_changed(&mut tx, state, &updated, StatusEvent::Updated, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(updated)
}

/// Inside an edit's transaction (ours or a remote author's), once its mentions are rewritten:
/// the accounts it no longer mentions lose the mention notification, and those who may no
/// longer see it at all (a direct post, or a followers-only one they do not follow) lose it
/// from their home feed and conversations, and their user streams hear it is gone. A remote
/// account dropped from one of our posts has nothing here; the edit's Update goes to the new
/// audience only (`federation::status_changed`).
pub(crate) async fn mentions_dropped(
    tx: &mut WriteTx,
    s: &StatusRow,
    dropped: &[i64],
) -> AppResult<()> {
    let mut gone = Vec::new();
    for account in dropped {
        notifications::retract(&mut ***tx, *account, s.account_id, "mention", Some(s.id)).await?;
        if store::visible_by_id(&mut ***tx, s.id, *account)
            .await?
            .is_none()
        {
            timelines::remove_from_feed(&mut ***tx, *account, s.id).await?;
            gone.push(*account);
        }
    }
    if !gone.is_empty() {
        if s.visibility == "direct" {
            // Each participant's conversation falls back to their previous direct post in
            // the thread, or goes; those still addressed keep this one.
            crate::storage::conversations::forget_status(tx, s.id).await?;
        }
        tx.record(crate::storage::Change::StatusRetracted {
            status_id: s.id,
            accounts: gone,
        });
    }
    Ok(())
}

/// `POST /api/v1/statuses/:id/reblog`: the wrapper status.
pub async fn reblog(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    visibility: Option<&str>,
) -> AppResult<StatusRow> {
    let original = visible(state, id, Some(me.account.id)).await?;
    let original = match original.reblog_of_id {
        Some(inner) => store::by_id(&state.db.pool, inner)
            .await?
            .ok_or_else(AppError::not_found)?,
        None => original,
    };
    let can = match original.visibility.as_str() {
        "public" | "unlisted" => true,
        "private" => original.account_id == me.account.id,
        _ => false,
    };
    if !can {
        return Err(AppError::forbidden("This action is not allowed"));
    }
    crate::services::proposal_posts::check_boost(state, &original).await?;
    if let Some(existing) = store::reblog_by(&state.db.pool, me.account.id, original.id).await? {
        return Ok(existing);
    }
    // As Mastodon: a boost of a followers-only post (only its author may make one) keeps the
    // post's audience, whatever the app asked for; other boosts take the visibility asked.
    let requested = if original.visibility == "private" {
        Some("private")
    } else {
        visibility
    };
    let visibility = match requested.filter(|v| !v.is_empty()) {
        None => Visibility::Public,
        Some(v) => match Visibility::parse(v) {
            Some(Visibility::Direct) | None => {
                return Err(AppError::unprocessable(
                    "Validation failed: Visibility must be public, unlisted or private",
                ))
            }
            Some(v) => v,
        },
    };
    let now = state.clock.now_micros();
    let wid = ids::next_id_at(now / 1000);
    let wrapper = StatusRow {
        id: wid,
        account_id: me.account.id,
        uri: format!("{}/activity", status_uri(state, &me.account.username, wid)),
        url: None,
        text: String::new(),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: 0,
        visibility: visibility.as_str().into(),
        local_only: original.local_only,
        language: None,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(original.id),
        thread_root_id: wid,
        application_id: None,
        local: 1,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
    };
    let mut tx = state.db.begin_write().await?;
    store::insert(&mut tx, &wrapper).await.map_err(|e| {
        if crate::storage::is_unique_violation(&e) {
            AppError::unprocessable("Validation failed: Reblog of status already exists")
        } else {
            e.into()
        }
    })?;
    store::bump(&mut **tx, original.id, Counter::Reblogs, 1).await?;
    timelines::insert_feed(&mut **tx, me.account.id, wid, me.account.id).await?;
    notify(
        &mut tx,
        original.account_id,
        me.account.id,
        "reblog",
        Some(original.id),
        now,
    )
    .await?;
    tx.record(crate::storage::Change::StatusCreated(wid));
    jobs::enqueue(&mut tx, &Job::FanOut { status_id: wid }, now).await?;
    fed::status_changed(&mut tx, state, &wrapper, StatusEvent::Created, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(wrapper)
}

/// `POST /api/v1/statuses/:id/unreblog`: the original status.
pub async fn unreblog(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<StatusRow> {
    let original = visible(state, id, Some(me.account.id)).await?;
    let now = state.clock.now_micros();
    if let Some(wrapper) = store::reblog_by(&state.db.pool, me.account.id, original.id).await? {
        let mut tx = state.db.begin_write().await?;
        fed::status_changed(&mut tx, state, &wrapper, StatusEvent::Deleted, now).await?;
        remove(&mut tx, &wrapper, now).await?;
        notifications::retract(
            &mut **tx,
            original.account_id,
            me.account.id,
            "reblog",
            Some(original.id),
        )
        .await?;
        tx.commit().await?;
    }
    store::by_id(&state.db.pool, original.id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Favourite, bookmark or pin (`on`), or undo it; returns the status afterwards.
pub async fn mark(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    mark: Mark,
    on: bool,
) -> AppResult<StatusRow> {
    let s = visible(state, id, Some(me.account.id)).await?;
    let s = match (mark, s.reblog_of_id) {
        (Mark::Pin, _) => s,
        (_, Some(inner)) => store::by_id(&state.db.pool, inner)
            .await?
            .ok_or_else(AppError::not_found)?,
        (_, None) => s,
    };
    if mark == Mark::Pin && on {
        own(me, &s)?;
        if s.reblog_of_id.is_some() || s.visibility == "direct" {
            return Err(AppError::unprocessable(
                "Validation failed: Only your own public, unlisted or private posts can be pinned",
            ));
        }
        if interactions::count(&state.db.pool, Mark::Pin, me.account.id).await? >= MAX_PINS {
            return Err(AppError::unprocessable(
                "Validation failed: You have already pinned the maximum number of posts",
            ));
        }
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let changed = if on {
        interactions::add(
            &mut **tx,
            mark,
            ids::next_id_at(now / 1000),
            me.account.id,
            s.id,
            now,
        )
        .await?
    } else {
        interactions::remove(&mut **tx, mark, me.account.id, s.id).await?
    };
    if changed && mark == Mark::Pin {
        fed::pinned(&mut tx, state, &me.account, &s, on, now).await?;
    }
    if changed && mark == Mark::Favourite {
        store::bump(
            &mut **tx,
            s.id,
            Counter::Favourites,
            if on { 1 } else { -1 },
        )
        .await?;
        fed::liked(&mut tx, state, &me.account, &s, on, now).await?;
        if on {
            notify(
                &mut tx,
                s.account_id,
                me.account.id,
                "favourite",
                Some(s.id),
                now,
            )
            .await?;
        } else {
            notifications::retract(
                &mut **tx,
                s.account_id,
                me.account.id,
                "favourite",
                Some(s.id),
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.jobs.wake();
    store::by_id(&state.db.pool, s.id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Mutes (or unmutes) notifications from a thread the viewer takes part in.
pub async fn mute_thread(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    on: bool,
) -> AppResult<StatusRow> {
    let s = visible(state, id, Some(me.account.id)).await?;
    if on {
        interactions::mute_thread(&state.db.pool, me.account.id, s.thread_root_id).await?;
    } else {
        interactions::unmute_thread(&state.db.pool, me.account.id, s.thread_root_id).await?;
    }
    Ok(s)
}

/// `GET /api/v1/statuses/:id/context`: ancestors oldest first, descendants in thread order.
pub async fn context(
    state: &AppState,
    viewer: Option<i64>,
    id: &str,
) -> AppResult<(Vec<StatusRow>, Vec<StatusRow>)> {
    let s = visible(state, id, viewer).await?;
    let thread = timelines::thread(
        &state.db.pool,
        s.thread_root_id,
        viewer.unwrap_or(-1),
        state.clock.now_micros(),
    )
    .await?;
    let by_id: HashMap<i64, &StatusRow> = thread.iter().map(|r| (r.id, r)).collect();
    let mut ancestors = Vec::new();
    let mut cursor = s.in_reply_to_id;
    while let Some(pid) = cursor {
        match by_id.get(&pid) {
            Some(p) => {
                ancestors.push((*p).clone());
                cursor = p.in_reply_to_id;
            }
            None => break, // not visible: the chain stops here
        }
        if ancestors.len() > 4000 {
            break;
        }
    }
    ancestors.reverse();
    let mut children: HashMap<i64, Vec<&StatusRow>> = HashMap::new();
    for r in &thread {
        if let Some(p) = r.in_reply_to_id {
            children.entry(p).or_default().push(r);
        }
    }
    // Depth-first, oldest reply first, as Mastodon orders a thread.
    let mut descendants = Vec::new();
    let mut stack: Vec<&StatusRow> = children
        .get(&s.id)
        .map(|k| k.iter().rev().copied().collect())
        .unwrap_or_default();
    while let Some(k) = stack.pop() {
        descendants.push(k.clone());
        if let Some(grand) = children.get(&k.id) {
            stack.extend(grand.iter().rev().copied());
        }
    }
    Ok((ancestors, descendants))
}

/// What a viewer can do to a status from the client API: favourite, bookmark, pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    Favourite,
    Bookmark,
    Pin,
}

/// Sets or clears one of the viewer's interactions with a status ([`mark`]).
pub async fn interact(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    which: Interaction,
    on: bool,
) -> AppResult<StatusRow> {
    let m = match which {
        Interaction::Favourite => Mark::Favourite,
        Interaction::Bookmark => Mark::Bookmark,
        Interaction::Pin => Mark::Pin,
    };
    mark(state, me, id, m, on).await
}

/// Who favourited (or, with `favourites` false, boosted) a status the viewer can see: one
/// page of accounts and their cursor ids (moved here from `api/mastodon/statuses.rs`).
pub async fn interacted_by(
    state: &AppState,
    viewer: Option<i64>,
    id: &str,
    favourites: bool,
    page: &Page,
) -> AppResult<(Vec<Account>, Vec<i64>)> {
    let row = visible(state, id, viewer).await?;
    let rows = if favourites {
        interactions::favourited_by(&state.db.pool, row.id, page).await?
    } else {
        interactions::reblogged_by(&state.db.pool, row.id, page).await?
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let cursors: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let accounts = render::account_list(state, &ids).await?;
    Ok((accounts, cursors))
}

/// The edit history of a status the viewer can see, oldest first, each version with its
/// attachments as they were then (moved here from `api/mastodon/statuses.rs`).
pub async fn history(
    state: &AppState,
    viewer: Option<i64>,
    id: &str,
) -> AppResult<Vec<StatusEdit>> {
    let row = visible(state, id, viewer).await?;
    let account = render::account_list(state, &[row.account_id])
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    let mut edits = store::edits(&state.db.pool, row.id).await?;
    // Each version's attachments, as they were then (description and focus included).
    let snapshots = store::edit_media(&state.db.pool, row.id).await?;
    let ids: Vec<i64> = snapshots.iter().map(|m| m.media_id).collect();
    let rows = media_store::by_ids(&state.db.pool, &ids).await?;
    let mut by_edit: HashMap<i64, Vec<serde_json::Value>> = Default::default();
    for snap in &snapshots {
        let Some(m) = rows.iter().find(|m| m.id == snap.media_id) else {
            continue;
        };
        let mut entity = media::entity(state, m);
        entity.description = snap.description.clone();
        entity.meta.focus = Some(crate::entities::media::Focus {
            x: snap.focus_x,
            y: snap.focus_y,
        });
        by_edit
            .entry(snap.edit_id)
            .or_default()
            .push(serde_json::to_value(entity).map_err(AppError::internal)?);
    }
    if edits.is_empty() {
        // Never edited: the one version is the status as it is.
        let current = media_store::of_statuses(&state.db.pool, &[row.id]).await?;
        let media = current
            .iter()
            .map(|m| serde_json::to_value(media::entity(state, m)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(AppError::internal)?;
        by_edit.insert(0, media);
        edits.push(store::EditRow {
            id: 0,
            text: row.text.clone(),
            content: row.content.clone(),
            spoiler_text: row.spoiler_text.clone(),
            sensitive: row.sensitive,
            created_at: row.created_at,
        });
    }
    Ok(edits
        .into_iter()
        .map(|e| StatusEdit {
            media_attachments: by_edit.remove(&e.id).unwrap_or_default(),
            content: e.content,
            spoiler_text: e.spoiler_text,
            sensitive: e.sensitive != 0,
            created_at: crate::time::iso(e.created_at),
            account: account.clone(),
            poll: None,
            emojis: Vec::new(),
        })
        .collect())
}
