//! Quote posts (Mastodon 4.5): who may quote a post, quoting one, the `quote` and
//! `quote_approval` of a rendered status, listing and revoking the quotes of one's post, and
//! changing a post's policy. The API and the pages meet here; what goes over ActivityPub
//! (FEP-044f) is in `services::quote_federation`.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::paging::Page;
use crate::services::notify::notify;
use crate::services::quote_federation as qfed;
use crate::services::render::{self, Viewer};
use crate::state::AppState;
use crate::storage::quotes::{self as store, QuoteRow};
use crate::storage::statuses::{self as statuses_store, StatusRow};
use crate::storage::WriteTx;

/// Mastodon's `quote_approval_policy` values.
pub const POLICIES: &[&str] = &["public", "followers", "nobody"];

/// A policy from a request, or 422 naming the allowed values.
pub fn parse_policy(s: &str) -> AppResult<&'static str> {
    POLICIES
        .iter()
        .find(|p| **p == s.trim())
        .copied()
        .ok_or_else(|| {
            AppError::unprocessable(format!(
                "Validation failed: Quote approval policy {s:?} is not one of public, followers, nobody"
            ))
        })
}

/// Whether a viewer may quote a post (Mastodon's `current_user`): `automatic`, `denied`, or
/// `unknown` (a remote post that published no policy; its server decides on request).
/// A private or direct post can never be quoted, nor a post by a viewer-unknown policy
/// turned to anyone but its author.
pub fn decide(
    policy: Option<&str>,
    visibility: &str,
    is_author: bool,
    follows_author: bool,
) -> &'static str {
    if !matches!(visibility, "public" | "unlisted") {
        return "denied";
    }
    if is_author {
        return "automatic";
    }
    match policy {
        Some("public") => "automatic",
        Some("followers") if follows_author => "automatic",
        Some(_) => "denied",
        None => "unknown",
    }
}

/// The policy a post has: its row; a local post without one (written before quotes existed)
/// may be quoted by nobody, as in Mastodon; a remote one without one did not say.
fn policy_of<'a>(l: &'a Loaded, row: &StatusRow) -> Option<&'a str> {
    match l.policies.get(&row.id) {
        Some(p) => Some(p.as_str()),
        None if row.local != 0 => Some("nobody"),
        None => None,
    }
}

/// What rendering a page needs for its quotes, loaded in a fixed number of queries.
#[derive(Debug, Default)]
pub struct Loaded {
    quotes: HashMap<i64, QuoteRow>,
    /// Quoted posts the viewer may see.
    visible: HashSet<i64>,
    /// Quoted authors the viewer blocks, mutes or is blocked by, with the state to show.
    hidden: HashMap<i64, String>,
    policies: HashMap<i64, String>,
    counts: HashMap<i64, i64>,
    /// Authors on the page the viewer follows.
    followed: HashSet<i64>,
    /// The statuses' ready link cards (read with the facts: no query of their own).
    cards: HashMap<i64, crate::storage::cards::CardRow>,
}

impl Loaded {
    pub fn count(&self, id: i64) -> i64 {
        self.counts.get(&id).copied().unwrap_or(0)
    }

    fn absorb(&mut self, f: &store::QuoteFacts, statuses: &HashMap<i64, StatusRow>) {
        if let Some(p) = &f.policy {
            self.policies.insert(f.id, p.clone());
        }
        if f.quotes_count > 0 {
            self.counts.insert(f.id, f.quotes_count);
        }
        if f.author_followed != 0 {
            if let Some(s) = statuses.get(&f.id) {
                self.followed.insert(s.account_id);
            }
        }
        if let Some(card) = &f.card.0 {
            self.cards.insert(f.id, card.clone());
        }
    }

    /// The link cards read with the facts, by status id.
    pub fn take_cards(&mut self) -> HashMap<i64, crate::storage::cards::CardRow> {
        std::mem::take(&mut self.cards)
    }
}

/// Loads the quotes of `statuses` and adds the quoted posts to it (so they render with it):
/// one query for a page that quotes nothing; when it quotes, up to four more (the quoted posts
/// not on the page and their facts, which quoted posts the viewer may see, and whose authors
/// the viewer blocks or mutes).
pub async fn load(
    state: &AppState,
    viewer: Viewer,
    statuses: &mut HashMap<i64, StatusRow>,
) -> AppResult<Loaded> {
    let db = &state.db.pool;
    let mut l = Loaded::default();
    let ids: Vec<i64> = statuses.keys().copied().collect();
    for f in store::facts(db, viewer.id(), &ids).await? {
        if let Some(q) = f.quote() {
            l.quotes.insert(f.id, q);
        }
        l.absorb(&f, statuses);
    }
    let quoted: Vec<i64> = l
        .quotes
        .values()
        .filter_map(|q| q.quoted_status_id)
        .collect();
    if quoted.is_empty() {
        return Ok(l);
    }
    let missing: Vec<i64> = quoted
        .iter()
        .copied()
        .filter(|id| !statuses.contains_key(id))
        .collect();
    for r in statuses_store::by_ids(db, &missing).await? {
        statuses.insert(r.id, r);
    }
    // The quoted posts' own quotes are only named (a ShallowQuote), so not loaded.
    for f in store::facts(db, viewer.id(), &missing).await? {
        l.absorb(&f, statuses);
    }
    l.visible = statuses_store::visible_ids(db, &quoted, viewer.id())
        .await?
        .into_iter()
        .collect();
    if let Some(v) = viewer.0 {
        let mut authors: Vec<i64> = quoted
            .iter()
            .filter_map(|id| statuses.get(id))
            .map(|s| s.account_id)
            .filter(|a| *a != v)
            .collect();
        authors.sort_unstable();
        authors.dedup();
        l.hidden = store::hidden_authors(db, v, &authors, state.clock.now_micros())
            .await?
            .into_iter()
            .collect();
    }
    Ok(l)
}

/// The state a viewer is shown for a quote, and the quoted post when it may be shown.
fn shown(
    l: &Loaded,
    q: &QuoteRow,
    author_of: impl Fn(i64) -> Option<i64>,
) -> (String, Option<i64>) {
    if q.state != "accepted" {
        return (q.state.clone(), None);
    }
    let Some(id) = q.quoted_status_id else {
        return ("deleted".into(), None);
    };
    let Some(author) = author_of(id) else {
        return ("deleted".into(), None);
    };
    if let Some(why) = l.hidden.get(&author) {
        return (why.clone(), None);
    }
    if !l.visible.contains(&id) {
        return ("unauthorized".into(), None);
    }
    ("accepted".into(), Some(id))
}

/// The `quote` of a rendered status: a `Quote` with the quoted post built by `build`, or
/// inside a quoted post (`shallow`) a `ShallowQuote` naming it.
pub fn entity(
    l: &Loaded,
    statuses: &HashMap<i64, StatusRow>,
    row: &StatusRow,
    shallow: bool,
    build: impl Fn(&StatusRow) -> Option<Value>,
) -> Option<Value> {
    if row.reblog_of_id.is_some() {
        return None;
    }
    let q = l.quotes.get(&row.id)?;
    let (state, id) = shown(l, q, |id| statuses.get(&id).map(|s| s.account_id));
    Some(if shallow {
        json!({ "state": state, "quoted_status_id": id.map(|i| i.to_string()) })
    } else {
        let quoted = id.and_then(|i| statuses.get(&i)).and_then(build);
        // A post that cannot be built (its author is gone) is not shown either.
        let state = if id.is_some() && quoted.is_none() {
            "deleted".to_string()
        } else {
            state
        };
        json!({ "state": state, "quoted_status": quoted })
    })
}

/// The `quote_approval` (QuoteApproval) of a rendered status.
pub fn approval(l: &Loaded, viewer: Viewer, row: &StatusRow) -> Value {
    let policy = if row.reblog_of_id.is_some()
        || !matches!(row.visibility.as_str(), "public" | "unlisted")
    {
        Some("nobody")
    } else {
        policy_of(l, row)
    };
    let automatic: Vec<&str> = match policy {
        Some("public") => vec!["public"],
        Some("followers") => vec!["followers"],
        Some(_) => vec![],
        None => vec!["unsupported_policy"],
    };
    let current_user = match viewer.0 {
        None => "unknown",
        Some(v) => decide(
            policy,
            &row.visibility,
            v == row.account_id,
            l.followed.contains(&row.account_id),
        ),
    };
    json!({ "automatic": automatic, "manual": [], "current_user": current_user })
}

/// The post `me` asks to quote: one they may see (else 404), not a boost, and one whose
/// policy lets them (else 422, as Mastodon).
pub async fn check(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<StatusRow> {
    let quoted = crate::services::statuses::visible(state, id, Some(me.account.id)).await?;
    if quoted.reblog_of_id.is_some() {
        return Err(AppError::unprocessable(
            "Validation failed: A boost cannot be quoted",
        ));
    }
    let db = &state.db.pool;
    let policy = store::policies_of(db, &[quoted.id])
        .await?
        .pop()
        .map(|(_, p)| p);
    let policy = policy.or_else(|| (quoted.local != 0).then(|| "nobody".to_string()));
    let follows = !store::followed_among(db, me.account.id, &[quoted.account_id])
        .await?
        .is_empty();
    let blocked = !store::hidden_authors(
        db,
        me.account.id,
        &[quoted.account_id],
        state.clock.now_micros(),
    )
    .await?
    .iter()
    .all(|(_, why)| why == "muted_account");
    let is_author = quoted.account_id == me.account.id;
    if blocked || decide(policy.as_deref(), &quoted.visibility, is_author, follows) == "denied" {
        return Err(AppError::unprocessable(
            "Validation failed: Quoted post is not allowed to be quoted by you",
        ));
    }
    Ok(quoted)
}

/// The policy a new post gets: the one asked for, else the author's default; a private or
/// direct post is never quotable.
pub async fn policy_for_new(
    state: &AppState,
    me: &CurrentUser,
    requested: Option<&str>,
    visibility: &str,
) -> AppResult<&'static str> {
    let chosen = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => parse_policy(p)?,
        None => match store::account_default(&state.db.pool, me.account.id).await? {
            Some(p) => parse_policy(&p).unwrap_or("public"),
            None => "public",
        },
    };
    Ok(if matches!(visibility, "public" | "unlisted") {
        chosen
    } else {
        "nobody"
    })
}

/// Writes a new local post's quote (in its transaction): a local post is approved at once
/// by its policy (checked in [`check`]) with a stamp, and its author told; a remote one
/// waits for its server's answer to a QuoteRequest.
pub async fn attach(
    tx: &mut WriteTx,
    state: &AppState,
    row: &StatusRow,
    quoted: &StatusRow,
    now: i64,
) -> AppResult<()> {
    let mut q = QuoteRow {
        status_id: row.id,
        account_id: row.account_id,
        quoted_status_id: Some(quoted.id),
        quoted_account_id: Some(quoted.account_id),
        quoted_uri: quoted.uri.clone(),
        state: "pending".into(),
        authorization_uri: None,
        request_uri: None,
        created_at: now,
        updated_at: now,
    };
    if quoted.local != 0 {
        q.state = "accepted".into();
        if quoted.account_id != row.account_id {
            q.authorization_uri =
                Some(qfed::issue_stamp(tx, state, quoted, &row.uri, row.account_id, now).await?);
        }
        store::insert(tx, &q).await?;
        notify(
            tx,
            quoted.account_id,
            row.account_id,
            "quote",
            Some(row.id),
            now,
        )
        .await?;
    } else {
        q.request_uri = Some(format!("{}#quote_request", row.uri));
        store::insert(tx, &q).await?;
        qfed::request(tx, state, row, quoted, now).await?;
    }
    Ok(())
}

/// `GET /api/v1/statuses/:id/quotes`: the accepted quotes of one's own post.
pub async fn list(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    page: &Page,
) -> AppResult<(Vec<crate::entities::Status>, Vec<i64>)> {
    let s = crate::services::statuses::visible(state, id, Some(me.account.id)).await?;
    if s.account_id != me.account.id {
        return Err(AppError::forbidden("This action is not allowed"));
    }
    let ids = store::quoting(&state.db.pool, s.id, page).await?;
    let rows = statuses_store::by_ids(&state.db.pool, &ids).await?;
    let by_id: HashMap<i64, StatusRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    let ordered: Vec<StatusRow> = ids.iter().filter_map(|i| by_id.get(i).cloned()).collect();
    let rendered = render::statuses(state, Viewer(Some(me.account.id)), &ordered).await?;
    Ok((rendered, ids))
}

/// `POST /api/v1/statuses/:id/quotes/:quoting_status_id/revoke`: the author of a post
/// withdraws the approval of one quote of it; its stamp is deleted, here and over
/// ActivityPub.
pub async fn revoke(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    quoting_id: &str,
) -> AppResult<StatusRow> {
    let s = crate::services::statuses::visible(state, id, Some(me.account.id)).await?;
    if s.account_id != me.account.id {
        return Err(AppError::forbidden("This action is not allowed"));
    }
    let quoting_id: i64 = quoting_id.parse().map_err(|_| AppError::not_found())?;
    let q = store::by_status(&state.db.pool, quoting_id)
        .await?
        .filter(|q| q.quoted_status_id == Some(s.id))
        .ok_or_else(AppError::not_found)?;
    let quoting = statuses_store::by_id(&state.db.pool, quoting_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_state(&mut **tx, q.status_id, "revoked", None, now).await?;
    if let Some(stamp) = &q.authorization_uri {
        qfed::revoked(&mut tx, state, &s, &quoting, stamp, now).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(quoting)
}

/// `PUT /api/v1/statuses/:id/interaction_policy`: who may quote one's own post from now on.
pub async fn set_policy(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    policy: &str,
) -> AppResult<StatusRow> {
    let s = crate::services::statuses::visible(state, id, Some(me.account.id)).await?;
    if s.account_id != me.account.id {
        return Err(AppError::forbidden("This action is not allowed"));
    }
    if s.reblog_of_id.is_some() {
        return Err(AppError::unprocessable(
            "Validation failed: A boost has no quote policy",
        ));
    }
    let policy = parse_policy(policy)?;
    if policy != "nobody" && !matches!(s.visibility.as_str(), "public" | "unlisted") {
        return Err(AppError::unprocessable(
            "Validation failed: A private or direct post cannot be quoted",
        ));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_policy(&mut **tx, s.id, policy).await?;
    crate::services::federation::status_changed(
        &mut tx,
        state,
        &s,
        crate::services::federation::StatusEvent::Updated,
        now,
    )
    .await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(s)
}

/// A post was edited: the local authors of accepted quotes of it hear of it
/// (`quoted_update`, on their quoting post).
pub async fn quoted_edited(tx: &mut WriteTx, s: &StatusRow, now: i64) -> sqlx::Result<()> {
    for (status_id, account_id) in store::local_quoting(&mut ***tx, s.id).await? {
        notify(
            tx,
            account_id,
            s.account_id,
            "quoted_update",
            Some(status_id),
            now,
        )
        .await?;
    }
    Ok(())
}

/// `source.quote_policy`: the account's default for new posts.
pub async fn default_policy(state: &AppState, account_id: i64) -> AppResult<String> {
    Ok(store::account_default(&state.db.pool, account_id)
        .await?
        .unwrap_or_else(|| "public".into()))
}
