//! Quote posts over ActivityPub, by FEP-044f as Mastodon 4.5 speaks it: a quote of a remote
//! post asks its server with a `QuoteRequest` and carries the `QuoteAuthorization` (stamp)
//! it answers with; a `QuoteRequest` for a local post is answered by the post's policy; an
//! incoming quote counts as approved only with a stamp from the quoted post's own origin
//! that names both posts; revoking deletes the stamp (`Delete`).

use serde_json::{json, Value};
use url::Url;

use crate::error::{AppError, AppResult};
use crate::federation::fetch::same_origin;
use crate::federation::protocol::{self, id_of, ids_of, type_of};
use crate::federation::{actor_uri, is_local, PUBLIC};
use crate::jobs::{self, Job};
use crate::services::federation as fed;
use crate::services::notify::notify;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::federation as fed_store;
use crate::storage::quotes::{self as store, QuoteRow};
use crate::storage::statuses::{self as statuses_store, StatusRow};
use crate::storage::WriteTx;

fn origin_ok(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => same_origin(&a, &b),
        _ => false,
    }
}

fn stamp_uri(state: &AppState, username: &str, id: i64) -> String {
    format!(
        "{}/users/{username}/quote_authorizations/{id}",
        state.base_url()
    )
}

/// Issues (or finds) the stamp approving `quoting_uri` as a quote of the local `quoted`;
/// returns its URI.
pub async fn issue_stamp(
    tx: &mut WriteTx,
    state: &AppState,
    quoted: &StatusRow,
    quoting_uri: &str,
    quoting_account_id: i64,
    now: i64,
) -> AppResult<String> {
    let author = accounts::account_by_id(&mut ***tx, quoted.account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let id = store::issue_stamp(
        tx,
        crate::ids::next_id_at(now / 1000),
        quoted.id,
        quoting_uri,
        quoting_account_id,
        now,
    )
    .await?;
    Ok(stamp_uri(state, &author.username, id))
}

/// The stamp at `/users/:username/quote_authorizations/:id`, while it stands.
pub async fn stamp_document(state: &AppState, username: &str, id: &str) -> AppResult<Value> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let db = &state.db.pool;
    let stamp = store::stamp(db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let quoted = statuses_store::by_id(db, stamp.quoted_status_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let author = accounts::account_by_id(db, quoted.account_id)
        .await?
        .filter(|a| a.domain.is_empty() && a.username == username)
        .ok_or_else(AppError::not_found)?;
    Ok(json!({
        "@context": [protocol::CONTEXT, context_terms()],
        "type": "QuoteAuthorization",
        "id": stamp_uri(state, &author.username, stamp.id),
        "attributedTo": actor_uri(state, &author.username),
        "interactingObject": stamp.quoting_uri,
        "interactionTarget": quoted.uri,
    }))
}

/// The JSON-LD terms of FEP-044f and GoToSocial's interaction policies (the stamps,
/// requests and their answers carry them beside the ActivityStreams context).
pub fn context_terms() -> Value {
    protocol::quote_terms()
}

/// Adds a local status's quote (`quote`, and `quoteUri` and `_misskey_quote` for older
/// readers; `quoteAuthorization` once approved) and its `interactionPolicy.canQuote`.
pub async fn decorate_note(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    s: &StatusRow,
    author: &AccountRow,
    note: &mut Value,
) -> sqlx::Result<()> {
    if let Some(q) = store::by_status(&mut *conn, s.id).await? {
        if !matches!(q.state.as_str(), "rejected" | "revoked") {
            note["quote"] = json!(q.quoted_uri);
            note["quoteUri"] = json!(q.quoted_uri);
            note["_misskey_quote"] = json!(q.quoted_uri);
            if let Some(a) = q.authorization_uri.filter(|_| q.state == "accepted") {
                note["quoteAuthorization"] = json!(a);
            }
        }
    }
    let actor = actor_uri(state, &author.username);
    let policy = store::policies_of(&mut *conn, &[s.id])
        .await?
        .pop()
        .map(|(_, p)| p)
        .unwrap_or_else(|| "nobody".into());
    let automatic = match policy.as_str() {
        _ if !matches!(s.visibility.as_str(), "public" | "unlisted") => json!([actor]),
        "public" => json!([PUBLIC]),
        "followers" => json!([format!("{actor}/followers")]),
        _ => json!([actor]),
    };
    note["interactionPolicy"] = json!({
        "canQuote": { "automaticApproval": automatic, "manualApproval": [] }
    });
    Ok(())
}

/// The quoted post's author, for delivery: a quote reaches the one it quotes.
pub async fn quoted_author(
    conn: &mut sqlx::AnyConnection,
    status_id: i64,
) -> sqlx::Result<Option<i64>> {
    Ok(store::by_status(conn, status_id)
        .await?
        .and_then(|q| q.quoted_account_id))
}

/// Sends the QuoteRequest for a local quote of a remote post.
pub async fn request(
    tx: &mut WriteTx,
    state: &AppState,
    row: &StatusRow,
    quoted: &StatusRow,
    now: i64,
) -> AppResult<()> {
    if row.local_only != 0 {
        return Ok(());
    }
    let (Some(me), Some(them)) = (
        accounts::account_by_id(&mut ***tx, row.account_id).await?,
        accounts::account_by_id(&mut ***tx, quoted.account_id).await?,
    ) else {
        return Ok(());
    };
    let mut instrument = fed::note_for(tx, state, row)
        .await?
        .unwrap_or_else(|| json!(row.uri));
    if let Some(o) = instrument.as_object_mut() {
        o.remove("@context");
    }
    let actor = actor_uri(state, &me.username);
    let mut req = protocol::activity(
        "QuoteRequest",
        &format!("{}#quote_request", row.uri),
        &actor,
        json!(quoted.uri),
        &[&them.uri],
    );
    req["@context"] = json!([protocol::CONTEXT, context_terms()]);
    req["instrument"] = instrument;
    fed::to_one(tx, &me, &them, &req, now).await?;
    Ok(())
}

/// A local author revoked `quoting`'s quote of their `quoted`: the stamp is withdrawn, and
/// its Delete goes to the quoting author (remote) or to the quoting post's followers (local).
pub async fn revoked(
    tx: &mut WriteTx,
    state: &AppState,
    quoted: &StatusRow,
    quoting: &StatusRow,
    stamp: &str,
    now: i64,
) -> AppResult<()> {
    if let Some(id) = store::stamp_for(&mut ***tx, quoted.id, &quoting.uri).await? {
        store::delete_stamp(&mut ***tx, id).await?;
    }
    let Some(me) = accounts::account_by_id(&mut ***tx, quoted.account_id).await? else {
        return Ok(());
    };
    let actor = actor_uri(state, &me.username);
    let mut delete = protocol::activity(
        "Delete",
        &format!("{stamp}#delete"),
        &actor,
        json!({"id": stamp, "type": "QuoteAuthorization"}),
        &[PUBLIC],
    );
    delete["@context"] = json!([protocol::CONTEXT, context_terms()]);
    if quoting.local == 0 {
        if let Some(them) = accounts::account_by_id(&mut ***tx, quoting.account_id).await? {
            fed::to_one(tx, &me, &them, &delete, now).await?;
        }
    } else if quoting.local_only == 0 {
        jobs::enqueue(
            tx,
            &Job::Distribute {
                activity: delete.to_string(),
                key_owner: me.id.to_string(),
                followers_of: Some(quoting.account_id),
                inboxes: Vec::new(),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Incoming.

/// The post a Note quotes, under any of the names Mastodon 4.5 reads.
fn quoted_uri_of(obj: &Value) -> Option<&str> {
    ["quote", "quoteUrl", "quoteUri", "_misskey_quote"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(id_of))
}

/// Whether `remote_actor` follows the local `author` (a `followers` policy).
async fn follows(tx: &mut WriteTx, follower: i64, author: i64) -> sqlx::Result<bool> {
    Ok(!store::followed_among(&mut ***tx, follower, &[author])
        .await?
        .is_empty())
}

/// Decides a QuoteRequest for a local post by its policy.
async fn approves(
    tx: &mut WriteTx,
    state: &AppState,
    quoted: &StatusRow,
    requester: &AccountRow,
) -> sqlx::Result<bool> {
    let policy = store::policies_of(&mut ***tx, &[quoted.id])
        .await?
        .pop()
        .map(|(_, p)| p)
        .unwrap_or_else(|| "nobody".into());
    let blocked = !store::hidden_authors(
        &mut ***tx,
        quoted.account_id,
        &[requester.id],
        state.clock.now_micros(),
    )
    .await?
    .iter()
    .all(|(_, why)| why == "muted_account");
    let follows = follows(tx, requester.id, quoted.account_id).await?;
    Ok(!blocked
        && crate::services::quotes::decide(
            Some(&policy),
            &quoted.visibility,
            quoted.account_id == requester.id,
            follows,
        ) == "automatic")
}

/// A stored quote of a local post was approved: record it and tell the author.
async fn accept_local(tx: &mut WriteTx, q: &QuoteRow, stamp: &str, now: i64) -> sqlx::Result<()> {
    let was = q.state.clone();
    store::set_state(&mut ***tx, q.status_id, "accepted", Some(stamp), now).await?;
    if was != "accepted" {
        if let Some(author) = q.quoted_account_id {
            notify(tx, author, q.account_id, "quote", Some(q.status_id), now).await?;
        }
    }
    Ok(())
}

/// `QuoteRequest` from `actor` for one of our posts: Accept with a stamp, or Reject.
pub async fn quote_request(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    activity: &Value,
    now: i64,
) -> AppResult<()> {
    let request_id = id_of(activity).unwrap_or_default().to_string();
    let Some(quoted_uri) = activity.get("object").and_then(id_of) else {
        return Err(AppError::bad_request("QuoteRequest without an object"));
    };
    let instrument = activity.get("instrument").unwrap_or(&Value::Null);
    let Some(quoting_uri) = id_of(instrument) else {
        return Err(AppError::bad_request("QuoteRequest without an instrument"));
    };
    // Only the quoting post's own author may ask for it.
    if !origin_ok(quoting_uri, &actor.uri)
        || (instrument.is_object()
            && ids_of(instrument.get("attributedTo")).first() != Some(&actor.uri.as_str()))
    {
        return Err(AppError::unauthorized(
            "The quoting post is not the actor's",
        ));
    }
    if !is_local(state, quoted_uri) {
        return Ok(());
    }
    let Some(quoted_id) = fed_store::status_id_by_uri(&mut ***tx, quoted_uri).await? else {
        return Ok(());
    };
    let Some(quoted) = statuses_store::by_id(&mut ***tx, quoted_id).await? else {
        return Ok(());
    };
    let Some(author) = accounts::account_by_id(&mut ***tx, quoted.account_id).await? else {
        return Ok(());
    };
    let author_uri = actor_uri(state, &author.username);
    let approved = quoted.reblog_of_id.is_none() && approves(tx, state, &quoted, actor).await?;
    let known = match fed_store::status_id_by_uri(&mut ***tx, quoting_uri).await? {
        Some(id) => store::by_status(&mut ***tx, id)
            .await?
            .filter(|q| q.quoted_status_id == Some(quoted.id)),
        None => None,
    };
    let echoed = json!({
        "id": request_id,
        "type": "QuoteRequest",
        "actor": actor.uri,
        "object": quoted.uri,
        "instrument": quoting_uri,
    });
    let mut answer = if approved {
        let stamp = issue_stamp(tx, state, &quoted, quoting_uri, actor.id, now).await?;
        if let Some(q) = &known {
            accept_local(tx, q, &stamp, now).await?;
        }
        let mut a = protocol::activity(
            "Accept",
            &protocol::new_activity_id(state),
            &author_uri,
            echoed,
            &[&actor.uri],
        );
        a["result"] = json!(stamp);
        a
    } else {
        if let Some(q) = &known {
            store::set_state(&mut ***tx, q.status_id, "rejected", None, now).await?;
        }
        protocol::activity(
            "Reject",
            &protocol::new_activity_id(state),
            &author_uri,
            echoed,
            &[&actor.uri],
        )
    };
    answer["@context"] = json!([protocol::CONTEXT, context_terms()]);
    fed::to_one(tx, &author, actor, &answer, now).await?;
    Ok(())
}

/// Accept or Reject of a QuoteRequest we sent; false when `object` is not one.
pub async fn answered(
    tx: &mut WriteTx,
    state: &AppState,
    actor: &AccountRow,
    activity: &Value,
    accepted: bool,
    now: i64,
) -> AppResult<bool> {
    let object = activity.get("object").unwrap_or(&Value::Null);
    let Some(request) = id_of(object) else {
        return Ok(false);
    };
    if object.is_object() && type_of(object) != "QuoteRequest" {
        return Ok(false);
    }
    let Some(q) = store::by_request(&mut ***tx, request).await? else {
        return Ok(type_of(object) == "QuoteRequest");
    };
    // Only the quoted post's author answers for it.
    if q.quoted_account_id != Some(actor.id) {
        return Ok(true);
    }
    if accepted {
        let Some(stamp) = activity.get("result").and_then(id_of) else {
            return Err(AppError::bad_request(
                "Accept of a QuoteRequest without a result",
            ));
        };
        if !origin_ok(stamp, &actor.uri) {
            return Err(AppError::unauthorized(
                "The stamp is not on the actor's origin",
            ));
        }
        store::set_state(&mut ***tx, q.status_id, "accepted", Some(stamp), now).await?;
    } else {
        store::set_state(&mut ***tx, q.status_id, "rejected", None, now).await?;
    }
    // Our followers (and the quoted author) learn the outcome: the Note again, with or
    // without its authorization.
    if let Some(s) = statuses_store::by_id(&mut ***tx, q.status_id).await? {
        fed::status_changed(tx, state, &s, fed::StatusEvent::Updated, now).await?;
    }
    Ok(true)
}

/// A remote Note (new or updated) quoting a post: records the quote in the state its
/// authorization proves. A stamp of ours is checked here; one from elsewhere is fetched and
/// checked by a queued job ([`verify`]) before the quote shows.
pub async fn incoming(
    tx: &mut WriteTx,
    state: &AppState,
    author: &AccountRow,
    status_id: i64,
    uri: &str,
    obj: &Value,
    now: i64,
) -> AppResult<()> {
    remember_policy(tx, author, status_id, obj).await?;
    let Some(quoted_uri) = quoted_uri_of(obj) else {
        return Ok(());
    };
    let existing = store::by_status(&mut ***tx, status_id).await?;
    if existing
        .as_ref()
        .is_some_and(|q| matches!(q.state.as_str(), "accepted" | "revoked" | "rejected"))
    {
        return Ok(()); // decided; a revoked quote is not revived by a replayed stamp
    }
    let claimed = obj.get("quoteAuthorization").and_then(id_of);
    let quoted = match fed_store::status_id_by_uri(&mut ***tx, quoted_uri).await? {
        Some(id) => statuses_store::by_id(&mut ***tx, id).await?,
        None => None,
    };
    let mut q = existing.unwrap_or(QuoteRow {
        status_id,
        account_id: author.id,
        quoted_status_id: quoted.as_ref().map(|s| s.id),
        quoted_account_id: quoted.as_ref().map(|s| s.account_id),
        quoted_uri: quoted_uri.to_string(),
        state: "pending".into(),
        authorization_uri: None,
        request_uri: None,
        created_at: now,
        updated_at: now,
    });
    let fresh = store::by_status(&mut ***tx, status_id).await?.is_none();
    match &quoted {
        Some(s) if s.local != 0 => {
            // Ours: the stamp must be one we issued for exactly this pair.
            let stamp = store::stamp_for(&mut ***tx, s.id, uri).await?;
            let author_row = accounts::account_by_id(&mut ***tx, s.account_id).await?;
            let valid = match (stamp, author_row) {
                (Some(id), Some(a)) => Some(stamp_uri(state, &a.username, id)),
                _ => None,
            };
            if fresh {
                store::insert(tx, &q).await?;
            }
            if let Some(v) = valid.filter(|v| claimed.is_none_or(|c| c == v)) {
                accept_local(tx, &q, &v, now).await?;
            }
        }
        Some(s) if s.account_id == author.id => {
            // A quote of one's own post needs no stamp.
            q.state = "accepted".into();
            if fresh {
                store::insert(tx, &q).await?;
            } else {
                store::set_state(&mut ***tx, status_id, "accepted", None, now).await?;
            }
        }
        _ => {
            // Someone else's post elsewhere: the claimed stamp is kept aside (the state stays
            // pending) until the job has fetched it from the quoted post's origin.
            let claimed = claimed.filter(|c| origin_ok(c, quoted_uri));
            q.authorization_uri = claimed.map(String::from);
            if fresh {
                store::insert(tx, &q).await?;
            } else {
                store::set_state(&mut ***tx, status_id, "pending", claimed, now).await?;
            }
            if claimed.is_some() || quoted.is_none() {
                jobs::enqueue(tx, &Job::VerifyQuote { status_id }, now).await?;
            }
        }
    }
    Ok(())
}

/// A remote post's `interactionPolicy.canQuote`, as one of our three policies: Public
/// approved automatically is `public`, the author's followers `followers`, anything else
/// (the author alone, or approval by hand, which Herd does not ask for) `nobody`. A post
/// without a policy keeps none: its server decides when asked.
async fn remember_policy(
    tx: &mut WriteTx,
    author: &AccountRow,
    status_id: i64,
    obj: &Value,
) -> sqlx::Result<()> {
    let Some(can_quote) = obj.get("interactionPolicy").and_then(|p| p.get("canQuote")) else {
        return Ok(());
    };
    let automatic = ids_of(can_quote.get("automaticApproval"));
    let followers = fed_store::remote_actor(&mut ***tx, author.id)
        .await?
        .and_then(|r| r.followers)
        .unwrap_or_else(|| format!("{}/followers", author.uri));
    let policy = if automatic.iter().any(|u| protocol::is_public(u)) {
        "public"
    } else if automatic.iter().any(|u| *u == followers) {
        "followers"
    } else {
        "nobody"
    };
    store::set_policy(&mut ***tx, status_id, policy).await
}

/// `Delete` of a stamp by its issuer: the quotes it approved are revoked. False when `uri`
/// is no stamp we know of.
pub async fn stamp_deleted(
    tx: &mut WriteTx,
    actor: &AccountRow,
    uri: &str,
    now: i64,
) -> AppResult<bool> {
    let quotes = store::by_authorization(&mut ***tx, uri).await?;
    if quotes.is_empty() {
        return Ok(false);
    }
    for q in quotes {
        if q.quoted_account_id == Some(actor.id) {
            store::set_state(&mut ***tx, q.status_id, "revoked", None, now).await?;
        }
    }
    Ok(true)
}

/// The queued check of a remote quote of a post elsewhere: fetches the quoted post when it
/// is unknown here, then the claimed stamp from the quoted post's origin (signed, through
/// the SSRF-guarded fetcher), and accepts the quote only if the stamp is the quoted author's
/// and names both posts. A stamp that does not prove it leaves the quote unapproved.
pub async fn verify(state: &AppState, status_id: i64) -> anyhow::Result<()> {
    let db = &state.db.pool;
    let Some(q) = store::by_status(db, status_id).await? else {
        return Ok(());
    };
    if q.state != "pending" {
        return Ok(());
    }
    let Some(quoting) = statuses_store::by_id(db, status_id).await? else {
        return Ok(());
    };
    let mut quoted_id = q.quoted_status_id;
    if quoted_id.is_none() && !is_local(state, &q.quoted_uri) {
        if let Some((author, doc)) =
            crate::services::inbox::fetch_public_note(state, &q.quoted_uri).await
        {
            let mut tx = state.db.begin_write().await?;
            crate::services::inbox::insert_note(
                &mut tx,
                state,
                &author,
                &doc,
                &q.quoted_uri,
                state.clock.now_micros(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            if let Some(id) = fed_store::status_id_by_uri(&mut **tx, &q.quoted_uri).await? {
                store::link_quoted(&mut **tx, &q.quoted_uri, id, author.id).await?;
                quoted_id = Some(id);
            }
            tx.commit().await?;
        }
    }
    let Some(quoted) = (match quoted_id {
        Some(id) => statuses_store::by_id(db, id).await?,
        None => None,
    }) else {
        return Ok(());
    };
    if quoted.account_id == quoting.account_id {
        // A quote of one's own post needs no stamp, as `incoming` decides for a post already
        // here; this one was only just fetched.
        let mut tx = state.db.begin_write().await?;
        store::set_state(
            &mut **tx,
            status_id,
            "accepted",
            None,
            state.clock.now_micros(),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let Some(claimed) = q.authorization_uri.clone() else {
        return Ok(());
    };
    let Some(quoted_author) = accounts::account_by_id(db, quoted.account_id).await? else {
        return Ok(());
    };
    let doc = match fed::fetch_verified(state, &claimed).await {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!(error = ?e, stamp = %claimed, "quote authorization not fetched");
            return Ok(());
        }
    };
    let valid = type_of(&doc) == "QuoteAuthorization"
        && id_of(&doc) == Some(claimed.as_str())
        && origin_ok(&claimed, &quoted_author.uri)
        && ids_of(doc.get("attributedTo")).first() == Some(&quoted_author.uri.as_str())
        && doc.get("interactingObject").and_then(id_of) == Some(quoting.uri.as_str())
        && doc.get("interactionTarget").and_then(id_of) == Some(quoted.uri.as_str());
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if valid {
        store::set_state(&mut **tx, status_id, "accepted", Some(&claimed), now).await?;
    } else {
        store::set_state(&mut **tx, status_id, "pending", None, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
