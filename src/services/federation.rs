//! Federation use cases on our side: resolving remote actors (by URI or handle) into accounts
//! rows, rendering local statuses as Notes, queuing deliveries inside the caller's transaction
//! (the hooks below are called by the status and social services), and running deliveries.

use serde_json::{json, Value};
use sqlx::AnyConnection;
use url::Url;

use crate::error::{AppError, AppResult};
use crate::federation::fetch::{self, authority, same_origin, FetchError};
use crate::federation::protocol::{self, id_of, ids_of, type_of};
use crate::federation::{actor_uri, keys};
use crate::ids;
use crate::jobs::{self, Job};
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::federation as store;
use crate::storage::statuses::{self, StatusRow};
use crate::storage::WriteTx;

/// How a remote document failed us: a client-facing error that is never a 500.
fn remote_error(e: FetchError) -> AppError {
    tracing::info!(error = %e, "remote fetch failed");
    AppError::unprocessable(format!("Could not fetch the remote resource: {e}"))
}

fn valid_username(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 100
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

/// Reads an actor document into what we store. `doc` must already be the origin's copy.
fn parse_actor(doc: &Value) -> Result<ParsedActor, String> {
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .ok_or("actor has no id")?;
    let id_url = Url::parse(id).map_err(|_| "actor id is not a URL")?;
    let kind = type_of(doc);
    if !["Person", "Service", "Application", "Group", "Organization"].contains(&kind) {
        return Err(format!("{kind:?} is not an actor type"));
    }
    // An instance actor (Mastodon's, Herd's) is named after its domain, port included. An
    // actor without `preferredUsername` (optional in ActivityPub; fediverse-pasture's emily
    // and frank) is named after the last segment of its id's path, when that is a valid name.
    let username = match doc.get("preferredUsername") {
        None | Some(Value::Null) => id_url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .filter(|u| valid_username(u)),
        Some(v) => v.as_str().filter(|u| {
            valid_username(u)
                || kind == "Application" && u.eq_ignore_ascii_case(&authority(&id_url))
        }),
    }
    .ok_or("actor has no valid preferredUsername")?;
    let same = |v: Option<&Value>| -> Option<String> {
        let s = v.and_then(id_of)?;
        let u = Url::parse(s).ok()?;
        same_origin(&u, &id_url).then(|| s.to_string())
    };
    let inbox = same(doc.get("inbox")).ok_or("actor has no inbox on its origin")?;
    let shared_inbox = same(doc.get("endpoints").and_then(|e| e.get("sharedInbox")));
    let keys: Vec<&Value> = match doc.get("publicKey") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let key = keys
        .into_iter()
        .find(|k| {
            k.get("owner").and_then(Value::as_str) == Some(id)
                && k.get("publicKeyPem")
                    .and_then(Value::as_str)
                    .and_then(keys::public_der)
                    .is_some()
        })
        .ok_or("actor has no RSA public key it owns")?;
    let url = match doc.get("url") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("href").and_then(Value::as_str),
        Some(Value::Array(a)) => a
            .iter()
            .find_map(|v| v.as_str().or_else(|| v.get("href").and_then(Value::as_str))),
        _ => None,
    }
    .filter(|u| Url::parse(u).is_ok_and(|u| same_origin(&u, &id_url)))
    .unwrap_or(id);
    Ok(ParsedActor {
        uri: id.to_string(),
        url: url.to_string(),
        username: username.to_string(),
        domain: authority(&id_url).to_ascii_lowercase(),
        display_name: protocol::plain(doc.get("name").and_then(Value::as_str).unwrap_or(""), 100),
        note: protocol::plain(
            &protocol::to_text(doc.get("summary").and_then(Value::as_str).unwrap_or("")),
            5000,
        ),
        actor_type: kind.to_string(),
        locked: doc
            .get("manuallyApprovesFollowers")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        bot: kind == "Service" || kind == "Application",
        discoverable: doc
            .get("discoverable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        inbox,
        shared_inbox,
        followers: same(doc.get("followers")),
        outbox: same(doc.get("outbox")),
        key_id: key
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string(),
        public_key_pem: key
            .get("publicKeyPem")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        suspended: doc
            .get("suspended")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        avatar_url: image_url(doc.get("icon")),
        header_url: image_url(doc.get("image")),
        also_known_as: ids_of(doc.get("alsoKnownAs"))
            .into_iter()
            .filter(|u| {
                u.len() <= 2000
                    && Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            })
            .take(20)
            .map(String::from)
            .collect(),
        attribution_domains: doc
            .get("attributionDomains")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(crate::services::profile::attribution_domain)
            .take(crate::services::profile::MAX_ATTRIBUTION_DOMAINS)
            .collect(),
        featured: same(doc.get("featured")),
    })
}

/// The URL of an actor's `icon` or `image`: an Image (or the first of several) whose `url` is a
/// string, a Link or a list of them; only http(s) URLs of sane length, as clients load them.
fn image_url(v: Option<&Value>) -> Option<String> {
    let image = match v? {
        Value::Array(a) => a.first()?,
        other => other,
    };
    let url = match image {
        Value::String(s) => s.as_str(),
        Value::Object(o) => match o.get("url")? {
            Value::String(s) => s.as_str(),
            Value::Object(link) => link.get("href").and_then(Value::as_str)?,
            Value::Array(a) => a
                .iter()
                .find_map(|v| v.as_str().or_else(|| v.get("href").and_then(Value::as_str)))?,
            _ => return None,
        },
        _ => return None,
    };
    (url.len() <= 2000 && Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
        .then(|| url.to_string())
}

struct ParsedActor {
    uri: String,
    url: String,
    username: String,
    domain: String,
    display_name: String,
    note: String,
    actor_type: String,
    locked: bool,
    bot: bool,
    discoverable: bool,
    inbox: String,
    shared_inbox: Option<String>,
    followers: Option<String>,
    outbox: Option<String>,
    key_id: String,
    public_key_pem: String,
    suspended: bool,
    avatar_url: Option<String>,
    header_url: Option<String>,
    also_known_as: Vec<String>,
    attribution_domains: Vec<String>,
    featured: Option<String>,
}

/// Fetch-to-verify: the document at `uri` as its origin serves it. When the answer's `id`
/// differs (a key URL answered with its actor), the `id` must be on the same origin and is
/// fetched once more so that what we keep is the document at its own id.
pub async fn fetch_verified(state: &AppState, uri: &str) -> Result<Value, FetchError> {
    match domain_suspended(state, uri).await {
        Ok(false) => {}
        Ok(true) => return Err(FetchError::Refused("the domain is blocked here".into())),
        Err(_) => return Err(FetchError::Transport("domain block lookup failed".into())),
    }
    let doc = fetch::get_object(state, uri).await?;
    let Some(id) = doc.get("id").and_then(Value::as_str) else {
        return Err(FetchError::Refused("document has no id".into()));
    };
    if id == uri {
        return Ok(doc);
    }
    let (a, b) = (
        Url::parse(uri).map_err(|_| FetchError::Refused("bad URL".into()))?,
        Url::parse(id).map_err(|_| FetchError::Refused("bad id".into()))?,
    );
    if !same_origin(&a, &b) {
        return Err(FetchError::Refused("document id on another origin".into()));
    }
    let again = fetch::get_object(state, id).await?;
    if again.get("id").and_then(Value::as_str) != Some(id) {
        return Err(FetchError::Refused("document id does not match".into()));
    }
    Ok(again)
}

/// Fetches (or refreshes) the actor at `uri` and stores it; returns its account.
pub async fn refresh_actor(state: &AppState, uri: &str) -> Result<AccountRow, FetchError> {
    if crate::federation::is_local(state, uri) {
        return Err(FetchError::Refused("a local URI".into()));
    }
    let doc = fetch_verified(state, uri).await?;
    store_actor(state, &doc).await
}

async fn store_actor(state: &AppState, doc: &Value) -> Result<AccountRow, FetchError> {
    let a = parse_actor(doc).map_err(FetchError::Refused)?;
    let now = state.clock.now_micros();
    let block = crate::services::moderation::domain_block_for(state, &a.domain)
        .await
        .map_err(|_| FetchError::Transport("domain block lookup failed".into()))?;
    if block.as_ref().is_some_and(|b| b.severity == "suspend") {
        return Err(FetchError::Refused("the domain is blocked here".into()));
    }
    let stored = async {
        let mut tx = state.db.begin_write().await?;
        let id = store::upsert_remote(
            &mut tx,
            ids::next_id_at(now / 1000),
            &store::RemoteActor {
                uri: &a.uri,
                url: &a.url,
                username: &a.username,
                domain: &a.domain,
                display_name: &a.display_name,
                note: &a.note,
                actor_type: &a.actor_type,
                locked: a.locked,
                bot: a.bot,
                discoverable: a.discoverable,
                inbox: &a.inbox,
                shared_inbox: a.shared_inbox.as_deref(),
                followers: a.followers.as_deref(),
                outbox: a.outbox.as_deref(),
                key_id: &a.key_id,
                public_key_pem: &a.public_key_pem,
                avatar_url: a.avatar_url.as_deref(),
                header_url: a.header_url.as_deref(),
            },
            now,
        )
        .await?;
        // The row, its suspension, aliases and attribution domains all change here.
        tx.record(crate::storage::Change::AccountChanged(id));
        store::set_remote_suspension(&mut **tx, id, a.suspended, now).await?;
        store::set_aliases(&mut **tx, id, &a.also_known_as).await?;
        store::set_attribution_domains(&mut **tx, id, &a.attribution_domains).await?;
        store::set_featured_collection(&mut **tx, id, a.featured.as_deref()).await?;
        if let Some(b) = block.as_ref().filter(|b| b.severity == "silence") {
            // A newcomer from a silenced domain is silenced like the rest of it.
            store::sanction_domain(&mut **tx, &b.domain, false, b.created_at).await?;
            tx.record(crate::storage::Change::DomainAccountsChanged);
        }
        let row = accounts::account_by_id(&mut **tx, id).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(row)
    }
    .await;
    match stored {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(FetchError::Transport("account vanished".into())),
        Err(e) if crate::storage::is_unique_violation(&e) => Err(FetchError::Refused(
            "another actor holds this username on that domain".into(),
        )),
        Err(e) => Err(FetchError::Transport(e.to_string())),
    }
}

/// A known remote account by URI, or fetched and stored.
pub async fn actor_by_uri(state: &AppState, uri: &str) -> Result<AccountRow, FetchError> {
    if let Some(a) = store::account_by_uri(&state.db.pool, uri)
        .await
        .map_err(|e| FetchError::Transport(e.to_string()))?
    {
        return Ok(a);
    }
    refresh_actor(state, uri).await
}

/// Checks a handle's domain: lower-case, no path, query, fragment or userinfo.
pub fn clean_domain(domain: &str) -> Option<String> {
    let d = domain.trim().to_ascii_lowercase();
    let d = d.strip_suffix('.').unwrap_or(&d).to_string();
    if d.is_empty()
        || d.chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\' | ' ') || c.is_control())
    {
        return None;
    }
    let url = Url::parse(&format!("http://{d}/")).ok()?;
    (authority(&url) == d || url.port().is_none() && url.host_str() == Some(d.as_str()))
        .then_some(d)
}

/// `user@domain` to an account: known rows first, then WebFinger and the actor document.
/// The actor must live on the handle's domain.
pub async fn resolve_acct(state: &AppState, username: &str, domain: &str) -> AppResult<AccountRow> {
    let domain = clean_domain(domain).ok_or_else(AppError::not_found)?;
    if !valid_username(username) {
        return Err(AppError::not_found());
    }
    if let Some(a) = store::remote_account_by_acct(&state.db.pool, username, &domain).await? {
        return Ok(a);
    }
    // https unless this instance itself runs on http (tests, local development).
    let scheme = if state.config.scheme == "http" {
        "http"
    } else {
        "https"
    };
    let resource = format!("acct:{username}@{domain}");
    let jrd = fetch::get_jrd(
        state,
        &format!(
            "{scheme}://{domain}/.well-known/webfinger?resource={}",
            url::form_urlencoded::byte_serialize(resource.as_bytes()).collect::<String>()
        ),
    )
    .await
    .map_err(|e| {
        tracing::info!(error = %e, "webfinger failed");
        AppError::not_found()
    })?;
    let href = jrd
        .get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|l| {
            l.get("rel").and_then(Value::as_str) == Some("self")
                && l.get("type").and_then(Value::as_str).is_some_and(|t| {
                    t.starts_with("application/activity+json")
                        || t.starts_with("application/ld+json")
                })
        })
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str)
        .ok_or_else(AppError::not_found)?
        .to_string();
    let account = refresh_actor(state, &href).await.map_err(remote_error)?;
    if account.domain != domain {
        return Err(AppError::unprocessable(
            "The actor does not live on the domain of the handle",
        ));
    }
    Ok(account)
}

// ---------------------------------------------------------------------------------------
// Outgoing: Notes, audiences and the hooks the services call inside their transactions.

/// A local status as a Note (mentions, parent and addressing loaded on `conn`).
pub async fn note_for(
    conn: &mut AnyConnection,
    state: &AppState,
    s: &StatusRow,
) -> sqlx::Result<Option<Value>> {
    let Some(author) = accounts::account_by_id(&mut *conn, s.account_id).await? else {
        return Ok(None);
    };
    let mention_ids: Vec<i64> = statuses::mentions_of(&mut *conn, &[s.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mentioned: Vec<(String, String)> = accounts::accounts_by_ids(&mut *conn, &mention_ids)
        .await?
        .into_iter()
        .map(|a| {
            let acct = if a.domain.is_empty() {
                format!("{}@{}", a.username, state.config.domain)
            } else {
                format!("{}@{}", a.username, a.domain)
            };
            (a.uri, acct)
        })
        .collect();
    let parent_uri = match s.in_reply_to_id {
        Some(p) => statuses::by_id(&mut *conn, p).await?.map(|p| p.uri),
        None => None,
    };
    let mut note = protocol::note(state, &author, s, &mentioned, parent_uri.as_deref());
    let media = crate::storage::media::of_statuses(&mut *conn, &[s.id]).await?;
    note["attachment"] = media
        .iter()
        .map(|m| {
            let entity = crate::services::media::entity(state, m);
            protocol::Attachment {
                url: entity.url.unwrap_or_default(),
                media_type: m.content_type.clone(),
                kind: m.kind.clone(),
                description: m.description.clone(),
                blurhash: m.blurhash.clone(),
                width: m.width,
                height: m.height,
                focus: (m.focus_x, m.focus_y),
                // A video's preview frame travels as its `icon`, as Mastodon sends a
                // thumbnail; an image is its own preview.
                icon: entity.preview_url.filter(|_| m.kind != "image"),
            }
            .document()
        })
        .collect();
    let tags = crate::storage::statuses::tags_of(&mut *conn, &[s.id]).await?;
    if let Some(list) = note["tag"].as_array_mut() {
        list.extend(tags.into_iter().map(|(_, name)| {
            json!({
                "type": "Hashtag",
                "href": crate::services::render::tag_url(state, &name),
                "name": format!("#{}", name.to_lowercase()),
            })
        }));
    }
    if let Some(poll) = crate::storage::polls::of_statuses(&mut *conn, &[s.id])
        .await?
        .into_iter()
        .next()
    {
        question_fields(conn, state, &poll, &mut note).await?;
    }
    crate::services::quote_federation::decorate_note(&mut *conn, state, s, &author, &mut note)
        .await?;
    // The parent's author is addressed too, so a reply reaches them.
    if let Some(pa) = s.in_reply_to_account_id.filter(|a| *a != author.id) {
        if let Some(p) = accounts::account_by_id(&mut *conn, pa).await? {
            if !mentioned.iter().any(|(u, _)| *u == p.uri) && s.visibility != "direct" {
                if let Some(cc) = note["cc"].as_array_mut() {
                    cc.push(json!(p.uri));
                }
            }
        }
    }
    Ok(Some(note))
}

/// Makes a Note with a local poll a `Question`: options in `oneOf` (or `anyOf` when several
/// answers are allowed) with their counts as `replies.totalItems` (zero while the totals are
/// hidden and the poll runs), `endTime`, `closed` once it ended, and `votersCount`.
async fn question_fields(
    conn: &mut AnyConnection,
    state: &AppState,
    poll: &crate::storage::polls::PollRow,
    note: &mut Value,
) -> sqlx::Result<()> {
    use crate::storage::polls as polls_store;
    let now = state.clock.now_micros();
    let tallies = polls_store::tallies(&mut *conn, &[poll.id]).await?;
    let voters = polls_store::voter_counts(&mut *conn, &[poll.id])
        .await?
        .first()
        .map_or(0, |v| v.1);
    let expired = poll.expired(now);
    let show = expired || poll.hide_totals == 0;
    let options: Vec<Value> = poll
        .titles()
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let n = tallies
                .iter()
                .find(|(_, c, _)| *c == i as i64)
                .map_or(0, |t| t.2);
            json!({"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": if show { n } else { 0 }}})
        })
        .collect();
    note["type"] = json!("Question");
    note[if poll.multiple != 0 { "anyOf" } else { "oneOf" }] = Value::Array(options);
    if let Some(at) = poll.expires_at {
        note["endTime"] = json!(crate::time::iso(at));
    }
    if expired {
        note["closed"] = json!(crate::time::iso(poll.expires_at.unwrap_or(now).min(now)));
    }
    note["votersCount"] = json!(voters);
    Ok(())
}

/// A local poll's counts changed (a remote vote) or it closed: `Update(Question)` to the
/// author's followers (unless direct), the people it addresses and the poll's remote voters.
pub async fn poll_changed(
    tx: &mut WriteTx,
    state: &AppState,
    s: &StatusRow,
    now: i64,
) -> sqlx::Result<()> {
    if s.local == 0 || s.local_only != 0 {
        return Ok(());
    }
    let Some(author) = accounts::account_by_id(&mut ***tx, s.account_id).await? else {
        return Ok(());
    };
    let Some(note) = note_for(tx, state, s).await? else {
        return Ok(());
    };
    let Some(poll_id) = crate::storage::polls::of_statuses(&mut ***tx, &[s.id])
        .await?
        .first()
        .map(|p| p.id)
    else {
        return Ok(());
    };
    let mut inboxes = personal_inboxes(tx, s).await?;
    inboxes.extend(store::poll_voter_inboxes(&mut ***tx, poll_id).await?);
    let actor = actor_uri(state, &author.username);
    let update = protocol::wrap("Update", &protocol::new_activity_id(state), &actor, note);
    enqueue_distribute(
        tx,
        &update,
        author.id,
        s.visibility != "direct",
        inboxes,
        now,
    )
    .await
}

/// How long remote votes on a local poll gather before one `Update(Question)` carries them
/// (Mastodon waits 3 minutes).
pub const POLL_UPDATE_DELAY: i64 = 60 * crate::time::MICROS_PER_SECOND;

/// A remote vote changed a local poll's counts: one `Update(Question)` a minute later, unless
/// one is already queued and not yet due (it will carry this vote too: it runs at least
/// `POLL_UPDATE_DELAY` after it was queued, so it cannot have read the counts yet).
pub async fn poll_update_soon(tx: &mut WriteTx, s: &StatusRow, now: i64) -> sqlx::Result<()> {
    let job = Job::PollUpdate { status_id: s.id };
    let payload = serde_json::to_string(&job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let margin = 5 * crate::time::MICROS_PER_SECOND;
    if store::job_queued_since(
        &mut ***tx,
        "poll_update",
        &payload,
        now - POLL_UPDATE_DELAY + margin,
    )
    .await?
    {
        return Ok(());
    }
    jobs::enqueue_at(tx, &job, now + POLL_UPDATE_DELAY, now).await
}

/// The queued `Update(Question)` of a local poll with its counts as they are now.
pub async fn send_poll_update(state: &AppState, status_id: i64) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    if let Some(s) = statuses::by_id(&mut **tx, status_id).await? {
        poll_changed(&mut tx, state, &s, now).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// A local account voted in a remote poll: each choice goes to the poll's author as a
/// `Create(Note)` whose `name` is the option's title, addressed to the author alone
/// (Mastodon's shape), and the counts shown here include the vote until the author's
/// `Update(Question)` brings theirs.
pub async fn poll_voted(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    s: &StatusRow,
    poll: &crate::storage::polls::PollRow,
    choices: &[i64],
    now: i64,
) -> sqlx::Result<()> {
    if s.local != 0 {
        return Ok(());
    }
    let Some(author) = accounts::account_by_id(&mut ***tx, s.account_id).await? else {
        return Ok(());
    };
    let titles = poll.titles();
    if let Some((_, counts, voters)) = store::remote_poll_counts(&mut ***tx, &[poll.id])
        .await?
        .into_iter()
        .next()
    {
        let mut counts: Vec<i64> = serde_json::from_str(&counts).unwrap_or_default();
        counts.resize(titles.len(), 0);
        for c in choices {
            if let Some(n) = usize::try_from(*c).ok().and_then(|c| counts.get_mut(c)) {
                *n += 1;
            }
        }
        store::set_remote_poll(&mut ***tx, poll.id, &counts, voters.map(|v| v + 1), now).await?;
    }
    let actor = actor_uri(state, &me.username);
    for c in choices {
        let Some(title) = usize::try_from(*c).ok().and_then(|c| titles.get(c)) else {
            continue;
        };
        let id = format!("{actor}#votes/{}/{c}", poll.id);
        let note = json!({
            "id": id,
            "type": "Note",
            "name": title,
            "attributedTo": actor,
            "inReplyTo": s.uri,
            "to": [author.uri],
        });
        let create = protocol::wrap("Create", &format!("{id}/activity"), &actor, note);
        to_one(tx, me, &author, &create, now).await?;
    }
    Ok(())
}

/// The remote inboxes a status goes to besides followers: mentioned accounts and the author
/// of the status it answers.
async fn personal_inboxes(conn: &mut AnyConnection, s: &StatusRow) -> sqlx::Result<Vec<String>> {
    let mut ids: Vec<i64> = statuses::mentions_of(&mut *conn, &[s.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    if let Some(pa) = s.in_reply_to_account_id {
        ids.push(pa);
    }
    ids.extend(crate::services::quote_federation::quoted_author(&mut *conn, s.id).await?);
    ids.retain(|id| *id != s.account_id);
    Ok(store::inboxes_of(&mut *conn, &ids)
        .await?
        .into_iter()
        .map(|(_, inbox, shared)| shared.unwrap_or(inbox))
        .collect())
}

/// Queues the delivery of `activity` by `author_id` to `inboxes` and, when `followers`, to its
/// remote followers' inboxes; nothing when that reaches nobody.
async fn enqueue_distribute(
    conn: &mut AnyConnection,
    activity: &Value,
    author_id: i64,
    followers: bool,
    inboxes: Vec<String>,
    now: i64,
) -> sqlx::Result<()> {
    if !reaches_anyone(conn, author_id, followers, &inboxes).await? {
        return Ok(());
    }
    queue_distribute(conn, activity, author_id, followers, inboxes, now).await
}

/// Whether an activity to `inboxes` (and the author's followers when `followers`) has anyone
/// to go to: the post of an account no other server follows, naming nobody there, queues no
/// job at all (a co-op whose members mostly talk among themselves writes no job per post).
async fn reaches_anyone(
    conn: &mut AnyConnection,
    author_id: i64,
    followers: bool,
    inboxes: &[String],
) -> sqlx::Result<bool> {
    Ok(!inboxes.is_empty() || (followers && store::has_remote_followers(conn, author_id).await?))
}

async fn queue_distribute(
    conn: &mut AnyConnection,
    activity: &Value,
    author_id: i64,
    followers: bool,
    inboxes: Vec<String>,
    now: i64,
) -> sqlx::Result<()> {
    jobs::enqueue(
        conn,
        &Job::Distribute {
            activity: activity.to_string(),
            key_owner: author_id.to_string(),
            followers_of: followers.then_some(author_id),
            inboxes,
        },
        now,
    )
    .await
}

/// A local account was deleted: a `Delete` of its actor to its followers' inboxes (as
/// Mastodon sends), after which they drop the account and its posts. Queued in the deletion's
/// transaction; the follows stay, so the delivery still finds the followers.
pub async fn account_deleted(
    tx: &mut WriteTx,
    state: &AppState,
    account: &AccountRow,
    now: i64,
) -> sqlx::Result<()> {
    let actor = crate::federation::actor_uri(state, &account.username);
    let activity = json!({
        "@context": protocol::context(),
        "id": format!("{actor}#delete"),
        "type": "Delete",
        "actor": actor,
        "object": actor,
        "to": [crate::federation::PUBLIC],
    });
    enqueue_distribute(tx, &activity, account.id, true, Vec::new(), now).await
}

/// Which verb a status change federates as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    Created,
    Updated,
    Deleted,
}

/// Queues Create, Update or Delete of a local status to its audience. Called inside the
/// service's transaction (before the rows go, for a delete). Local-only statuses and
/// remote ones never leave.
pub async fn status_changed(
    tx: &mut WriteTx,
    state: &AppState,
    s: &StatusRow,
    event: StatusEvent,
    now: i64,
) -> sqlx::Result<()> {
    if s.local == 0 || s.local_only != 0 {
        return Ok(());
    }
    let Some(author) = accounts::account_by_id(&mut ***tx, s.account_id).await? else {
        return Ok(());
    };
    let actor = actor_uri(state, &author.username);
    let inboxes = personal_inboxes(tx, s).await?;
    let followers = s.visibility != "direct";
    if let Some(original_id) = s.reblog_of_id {
        // A boost: Announce (or its Undo on delete) to followers and the original's author.
        let Some(original) = statuses::by_id(&mut ***tx, original_id).await? else {
            return Ok(());
        };
        let mut inboxes = inboxes;
        inboxes.extend(
            store::inboxes_of(&mut ***tx, &[original.account_id])
                .await?
                .into_iter()
                .map(|(_, i, s)| s.unwrap_or(i)),
        );
        let original_author = accounts::account_by_id(&mut ***tx, original.account_id)
            .await?
            .map(|a| a.uri)
            .unwrap_or_default();
        // Never wider than the boosted post (a row written before boosts took its audience).
        let visibility = if matches!(original.visibility.as_str(), "private" | "direct") {
            "private"
        } else {
            s.visibility.as_str()
        };
        let (to, cc) = announce_audience(visibility, &actor, &original_author);
        let announce = json!({
            "@context": protocol::context(),
            "id": s.uri,
            "type": "Announce",
            "actor": actor,
            "published": crate::time::iso(s.created_at),
            "to": to,
            "cc": cc,
            "object": original.uri,
        });
        let activity = match event {
            StatusEvent::Deleted => {
                let mut inner = announce.clone();
                if let Some(o) = inner.as_object_mut() {
                    o.remove("@context");
                }
                json!({
                    "@context": protocol::context(),
                    "id": format!("{}#undo", s.uri),
                    "type": "Undo",
                    "actor": actor,
                    "to": announce["to"],
                    "cc": announce["cc"],
                    "object": inner,
                })
            }
            _ => announce,
        };
        return enqueue_distribute(tx, &activity, author.id, true, inboxes, now).await;
    }
    if !reaches_anyone(tx, author.id, followers, &inboxes).await? {
        return Ok(());
    }
    let Some(note) = note_for(tx, state, s).await? else {
        return Ok(());
    };
    let activity = match event {
        StatusEvent::Created => {
            protocol::wrap("Create", &format!("{}/activity", s.uri), &actor, note)
        }
        StatusEvent::Updated => protocol::wrap(
            "Update",
            &format!("{}#updates/{}", s.uri, s.edited_at.unwrap_or(now)),
            &actor,
            note,
        ),
        StatusEvent::Deleted => {
            let mut a = protocol::wrap(
                "Delete",
                &format!("{}#delete", s.uri),
                &actor,
                json!({"id": s.uri, "type": "Tombstone"}),
            );
            a["to"] = note["to"].clone();
            a["cc"] = note["cc"].clone();
            a
        }
    };
    queue_distribute(tx, &activity, author.id, followers, inboxes, now).await
}

/// An Announce's `to` and `cc` by the boost's visibility, as Mastodon addresses one: public
/// to Public (cc the booster's followers), unlisted to the followers (cc Public), followers-only
/// to the followers alone; the boosted post's author is always in `cc`. A boost of a
/// followers-only post is itself followers-only (`statuses::reblog`), so its Announce never
/// names Public.
fn announce_audience(visibility: &str, actor: &str, original_author: &str) -> (Value, Value) {
    let followers = format!("{actor}/followers");
    let public = crate::federation::PUBLIC;
    match visibility {
        "public" => (json!([public]), json!([original_author, followers])),
        "unlisted" => (json!([followers]), json!([original_author, public])),
        _ => (json!([followers]), json!([original_author])),
    }
}

/// Queues an activity by a local account to one remote account's inbox.
pub(crate) async fn to_one(
    tx: &mut WriteTx,
    from: &AccountRow,
    to: &AccountRow,
    activity: &Value,
    now: i64,
) -> sqlx::Result<()> {
    let Some(r) = store::remote_actor(&mut ***tx, to.id).await? else {
        return Ok(());
    };
    jobs::enqueue(
        tx,
        &Job::Distribute {
            activity: activity.to_string(),
            // The co-op's account signs as the `/coop` actor, with that actor's key.
            key_owner: if crate::services::proposal_posts::is_coop(from) {
                "coop".into()
            } else {
                from.id.to_string()
            },
            followers_of: None,
            inboxes: vec![r.inbox],
        },
        now,
    )
    .await
}

/// A local account asked to follow a remote one: remember the Follow's id on the request
/// and send it.
pub async fn follow_requested(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    target: &AccountRow,
    now: i64,
) -> sqlx::Result<()> {
    let id = protocol::new_activity_id(state);
    store::set_follow_uri(&mut ***tx, true, me.id, target.id, &id).await?;
    let actor = actor_uri(state, &me.username);
    let follow = protocol::activity("Follow", &id, &actor, json!(target.uri), &[&target.uri]);
    to_one(tx, me, target, &follow, now).await
}

/// A local account stopped following (or asking to follow) a remote one: Undo(Follow).
pub async fn unfollowed(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    target: &AccountRow,
    now: i64,
) -> sqlx::Result<()> {
    if target.domain.is_empty() {
        return Ok(());
    }
    let uri = match store::follow_uri(&mut ***tx, false, me.id, target.id).await? {
        Some(u) => Some(u),
        None => store::follow_uri(&mut ***tx, true, me.id, target.id).await?,
    };
    let Some(uri) = uri else { return Ok(()) };
    let actor = actor_uri(state, &me.username);
    let undo = protocol::activity(
        "Undo",
        &format!("{uri}#undo"),
        &actor,
        json!({"id": uri, "type": "Follow", "actor": actor, "object": target.uri}),
        &[&target.uri],
    );
    to_one(tx, me, target, &undo, now).await
}

/// A local account answered a remote follow (Accept or Reject, embedding the Follow).
pub async fn follow_answered(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    follower: &AccountRow,
    follow_uri: Option<&str>,
    accept: bool,
    now: i64,
) -> sqlx::Result<()> {
    if follower.domain.is_empty() {
        return Ok(());
    }
    let actor = if crate::services::proposal_posts::is_coop(me) {
        crate::federation::coop_actor_uri(state)
    } else {
        actor_uri(state, &me.username)
    };
    let follow = json!({
        "id": follow_uri,
        "type": "Follow",
        "actor": follower.uri,
        "object": actor,
    });
    let kind = if accept { "Accept" } else { "Reject" };
    let answer = protocol::activity(
        kind,
        &protocol::new_activity_id(state),
        &actor,
        follow,
        &[&follower.uri],
    );
    to_one(tx, me, follower, &answer, now).await
}

/// A local account pinned (`on`) or unpinned one of its statuses: `Add` / `Remove` with the
/// featured collection as target, to its followers (public and unlisted statuses only: the
/// featured collection shows no others).
pub async fn pinned(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    s: &StatusRow,
    on: bool,
    now: i64,
) -> sqlx::Result<()> {
    if s.local == 0
        || s.local_only != 0
        || !(s.visibility == "public" || s.visibility == "unlisted")
    {
        return Ok(());
    }
    let actor = actor_uri(state, &me.username);
    let activity = json!({
        "@context": protocol::context(),
        "id": protocol::new_activity_id(state),
        "type": if on { "Add" } else { "Remove" },
        "actor": actor,
        "object": s.uri,
        "target": format!("{actor}/collections/featured"),
        "to": [crate::federation::PUBLIC],
        "cc": [format!("{actor}/followers")],
    });
    enqueue_distribute(tx, &activity, me.id, true, Vec::new(), now).await
}

/// A local account liked (or un-liked) a remote status: Like / Undo(Like) to its author.
pub async fn liked(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    s: &StatusRow,
    on: bool,
    now: i64,
) -> sqlx::Result<()> {
    if s.local != 0 {
        return Ok(());
    }
    let Some(author) = accounts::account_by_id(&mut ***tx, s.account_id).await? else {
        return Ok(());
    };
    let actor = actor_uri(state, &me.username);
    let like_id = format!("{actor}#likes/{}", s.id);
    let like = protocol::activity("Like", &like_id, &actor, json!(s.uri), &[&author.uri]);
    let activity = if on {
        like
    } else {
        let mut inner = like;
        if let Some(o) = inner.as_object_mut() {
            o.remove("@context");
        }
        protocol::activity(
            "Undo",
            &format!("{like_id}/undo/{now}"),
            &actor,
            inner,
            &[&author.uri],
        )
    };
    to_one(tx, me, &author, &activity, now).await
}

// ---------------------------------------------------------------------------------------
// Delivery jobs.

fn key_id_for(state: &AppState, owner: &str, username: Option<&str>) -> String {
    match (owner, username) {
        ("instance", _) => format!("{}#main-key", crate::federation::instance_actor_uri(state)),
        ("coop", _) => format!("{}#main-key", crate::federation::coop_actor_uri(state)),
        (_, Some(u)) => format!("{}#main-key", actor_uri(state, u)),
        _ => String::new(),
    }
}

/// Expands an activity to its inboxes (remote followers' shared inboxes, deduplicated, plus
/// the given ones) and queues one delivery each.
pub async fn distribute(
    state: &AppState,
    activity: &str,
    key_owner: &str,
    followers_of: Option<i64>,
    inboxes: &[String],
) -> anyhow::Result<()> {
    let mut all: Vec<String> = inboxes.to_vec();
    if let Some(author) = followers_of {
        all.extend(store::follower_inboxes(&state.db.pool, author).await?);
    }
    all.sort();
    all.dedup();
    all.retain(|inbox| !crate::federation::is_local(state, inbox));
    // Hosts under a suspend block or marked unavailable get no job at all (each looked up once).
    let mut hosts: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    // Per host, in order of first appearance.
    let mut by_host: Vec<(String, Vec<String>)> = Vec::new();
    for inbox in all {
        let host = host_of(&inbox);
        let ok = match hosts.get(&host) {
            Some(ok) => *ok,
            None => {
                let suspended = domain_suspended(state, &inbox)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let ok = !suspended && !store::is_unavailable(&state.db.pool, &host).await?;
                hosts.insert(host.clone(), ok);
                ok
            }
        };
        if ok {
            match by_host.iter_mut().find(|(h, _)| *h == host) {
                Some((_, list)) => list.push(inbox),
                None => by_host.push((host, vec![inbox])),
            }
        }
    }
    // Queued round-robin over the hosts: the worker claims jobs in queue order, and a batch
    // of one host's inboxes would mostly wait on its per-host cap instead of running.
    let mut wanted = Vec::new();
    let mut queues: Vec<std::vec::IntoIter<String>> =
        by_host.into_iter().map(|(_, l)| l.into_iter()).collect();
    while !queues.is_empty() {
        queues.retain_mut(|q| match q.next() {
            Some(inbox) => {
                wanted.push(inbox);
                true
            }
            None => false,
        });
    }
    let now = state.clock.now_micros();
    let deliveries: Vec<Job> = wanted
        .into_iter()
        .map(|inbox| Job::Deliver {
            inbox,
            activity: activity.to_string(),
            key_owner: key_owner.to_string(),
        })
        .collect();
    let mut tx = state.db.begin_write().await?;
    jobs::enqueue_many(&mut tx, &deliveries, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// What a delivery attempt came to.
#[derive(Debug)]
pub enum Delivered {
    Done,
    /// A 4xx other than 401/408/429: retrying will not help.
    GaveUp(u16),
}

/// Lookups shared by the deliveries of one claimed batch: the signing key id of each key
/// owner, and whether each host may be delivered to (not under a suspend block, not marked
/// unavailable). The batch was claimed at one moment, so an answer is as fresh as a lookup
/// made per delivery at claim time; a new batch looks again.
#[derive(Default)]
pub struct DeliveryContext {
    key_ids: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// host → why deliveries to it are dropped (None: they are not).
    hosts: std::sync::Mutex<std::collections::HashMap<String, Option<&'static str>>>,
}

impl DeliveryContext {
    async fn key_id(&self, state: &AppState, key_owner: &str) -> anyhow::Result<String> {
        if let Some(k) = self
            .key_ids
            .lock()
            .ok()
            .and_then(|m| m.get(key_owner).cloned())
        {
            return Ok(k);
        }
        let username = match key_owner.parse::<i64>() {
            Ok(id) => accounts::account_by_id(&state.db.pool, id)
                .await?
                .map(|a| a.username),
            Err(_) => None,
        };
        let key_id = key_id_for(state, key_owner, username.as_deref());
        if let Ok(mut m) = self.key_ids.lock() {
            m.insert(key_owner.to_string(), key_id.clone());
        }
        Ok(key_id)
    }

    async fn dropped(
        &self,
        state: &AppState,
        inbox: &str,
        host: &str,
    ) -> anyhow::Result<Option<&'static str>> {
        if let Some(why) = self.hosts.lock().ok().and_then(|m| m.get(host).copied()) {
            return Ok(why);
        }
        let why = if domain_suspended(state, inbox)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            Some("the domain is blocked")
        } else if store::is_unavailable(&state.db.pool, host).await? {
            Some("the host is unavailable")
        } else {
            None
        };
        if let Ok(mut m) = self.hosts.lock() {
            m.insert(host.to_string(), why);
        }
        Ok(why)
    }
}

/// Signs and sends one activity. Errors are retried by the queue with backoff.
pub async fn deliver(
    state: &AppState,
    inbox: &str,
    activity: &str,
    key_owner: &str,
) -> anyhow::Result<Delivered> {
    deliver_in(
        state,
        inbox,
        activity,
        key_owner,
        &DeliveryContext::default(),
    )
    .await
}

/// `deliver`, with the lookups of `ctx` (shared by the deliveries claimed together).
pub async fn deliver_in(
    state: &AppState,
    inbox: &str,
    activity: &str,
    key_owner: &str,
    ctx: &DeliveryContext,
) -> anyhow::Result<Delivered> {
    let key_id = ctx.key_id(state, key_owner).await?;
    if key_id.is_empty() {
        return Ok(Delivered::GaveUp(0));
    }
    let host = host_of(inbox);
    if let Some(why) = ctx.dropped(state, inbox, &host).await? {
        tracing::info!(inbox, why, "delivery dropped");
        return Ok(Delivered::GaveUp(0));
    }
    let now = state.clock.now_micros();
    let _slot = match state.federation.hosts.begin(&host) {
        Ok(slot) => slot,
        // Every slot for the host is taken: try again shortly, without counting an attempt.
        Err(crate::federation::health::Skip::Busy) => {
            let jitter = rand::random::<u64>() % 250_000;
            return Err(crate::jobs::Postpone(250_000 + jitter as i64).into());
        }
        Err(skip) => return Err(anyhow::anyhow!("{inbox}: not attempted ({skip:?})")),
    };
    let circuit = store::host_circuit(&state.db.pool, &host).await?;
    if !circuit_lets_through(state, &host, circuit, now).await? {
        let skip = crate::federation::health::Skip::CircuitOpen;
        return Err(anyhow::anyhow!("{inbox}: not attempted ({skip:?})"));
    }
    let key = keys::signing_key(state, key_owner).await?;
    let outcome = match fetch::post_activity(state, inbox, activity.as_bytes(), &key, &key_id).await
    {
        Ok(code) if (200..300).contains(&code) => Ok(Delivered::Done),
        Ok(code) if (400..500).contains(&code) && ![401, 408, 429].contains(&code) => {
            tracing::info!(inbox, code, "delivery refused for good");
            Ok(Delivered::GaveUp(code))
        }
        Ok(code) => Err(anyhow::anyhow!("{inbox} answered {code}")),
        Err(FetchError::Refused(why)) => {
            tracing::warn!(inbox, why, "delivery refused by the SSRF guard");
            Ok(Delivered::GaveUp(0))
        }
        Err(e) => Err(anyhow::anyhow!("{inbox}: {e}")),
    };
    match &outcome {
        Ok(Delivered::Done) if circuit.is_some() => clear_host(state, &host).await?,
        Ok(Delivered::Done) => {}
        // An answer that retrying cannot change is neither a failure nor a success (Mastodon).
        Ok(Delivered::GaveUp(_)) => {}
        Err(_) => {
            state.federation.hosts.failed(&host);
            let mut tx = state.db.begin_write().await?;
            let threshold = i64::from(crate::federation::health::BREAKER_THRESHOLD);
            let cool_down = crate::federation::health::BREAKER_COOL_DOWN;
            store::circuit_failed(&mut tx, &host, threshold, now + cool_down).await?;
            let days =
                store::record_failure(&mut tx, &host, now.div_euclid(crate::time::MICROS_PER_DAY))
                    .await?;
            if days >= UNAVAILABLE_AFTER_DAYS {
                tracing::warn!(
                    host,
                    days,
                    "host marked unavailable; deliveries to it are dropped"
                );
                store::mark_unavailable(&mut **tx, &host, now).await?;
            }
            tx.commit().await?;
        }
    }
    outcome
}

/// Distinct days of failed deliveries after which a host is marked unavailable (Mastodon's).
pub const UNAVAILABLE_AFTER_DAYS: i64 = 7;

/// Whether a delivery to `host`, whose circuit (in the database, shared by every node) is
/// `circuit`, goes now: a closed circuit lets everything through; an open one nothing until
/// its cool-down has passed, and then one trial, taken in the database so that one delivery
/// on one node decides (the others wait out a fresh cool-down meanwhile).
async fn circuit_lets_through(
    state: &AppState,
    host: &str,
    circuit: Option<(i64, i64)>,
    now: i64,
) -> anyhow::Result<bool> {
    let threshold = i64::from(crate::federation::health::BREAKER_THRESHOLD);
    match circuit {
        Some((failures, open_until)) if failures >= threshold => {
            if now < open_until {
                return Ok(false);
            }
            let cool_down = crate::federation::health::BREAKER_COOL_DOWN;
            let mut tx = state.db.begin_write().await?;
            let took = store::take_trial(&mut **tx, host, now, now + cool_down).await?;
            tx.commit().await?;
            Ok(took)
        }
        _ => Ok(true),
    }
}

/// The host answered (a delivery succeeded, or it sent us a verified activity): its circuit
/// closes and its recorded failures and unavailability are cleared, for every node (looked up
/// at most once a minute per host and node: see `health::CLEAR_CHECK_EVERY`).
pub async fn host_succeeded(state: &AppState, host: &str) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    if !state.federation.hosts.check_clear_due(host, now) {
        return Ok(());
    }
    if store::host_circuit(&state.db.pool, host).await?.is_some() {
        clear_host(state, host).await?;
    }
    Ok(())
}

/// (hosts whose circuit is open now, hosts marked unavailable), for `/metrics`.
pub async fn host_health_counts(state: &AppState) -> AppResult<(i64, i64)> {
    let threshold = i64::from(crate::federation::health::BREAKER_THRESHOLD);
    Ok(store::host_health_counts(&state.db.pool, threshold, state.clock.now_micros()).await?)
}

async fn clear_host(state: &AppState, host: &str) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    store::clear_failures(&mut tx, host).await?;
    tx.commit().await?;
    Ok(())
}

/// The `to`/`cc` ids of an activity or object.
pub fn audience(v: &Value) -> Vec<&str> {
    let mut a = ids_of(v.get("to"));
    a.extend(ids_of(v.get("cc")));
    a
}

// ---------------------------------------------------------------------------------------
// Moderation meets federation: domain blocks, suspensions, reports (Flag) and blocks.

/// The authority (host[:port], lower-case) of a URL, or the input itself when it is a bare
/// domain.
pub fn host_of(uri_or_domain: &str) -> String {
    match Url::parse(uri_or_domain) {
        Ok(u) if u.has_host() => authority(&u).to_ascii_lowercase(),
        _ => uri_or_domain.to_ascii_lowercase(),
    }
}

/// Whether the host of `uri` is under a domain block of severity `suspend`: nothing is
/// fetched from it, delivered to it, or accepted from it.
pub async fn domain_suspended(state: &AppState, uri: &str) -> AppResult<bool> {
    Ok(
        crate::services::moderation::domain_block_for(state, &host_of(uri))
            .await?
            .is_some_and(|b| b.severity == "suspend"),
    )
}

/// A domain block was created (`new`), changed (`old` and `new`) or lifted (`old`): the
/// accounts it covers are marked suspended or silenced with the block's `created_at` (so
/// lifting clears exactly those marks), and a suspension severs follows both ways, as
/// Mastodon's does. Runs inside the moderation action's transaction.
pub async fn domain_block_applied(
    tx: &mut WriteTx,
    old: Option<&crate::storage::moderation::DomainBlockRow>,
    new: Option<&crate::storage::moderation::DomainBlockRow>,
) -> AppResult<()> {
    tx.record(crate::storage::Change::DomainAccountsChanged);
    if let Some(o) = old {
        store::unsanction_domain(tx, &o.domain, o.created_at).await?;
    }
    let Some(n) = new else { return Ok(()) };
    match n.severity.as_str() {
        "suspend" => {
            store::sanction_domain(&mut ***tx, &n.domain, true, n.created_at).await?;
            for (follower, followed) in store::follows_with_domain(&mut ***tx, &n.domain).await? {
                crate::services::inbox::drop_follow(tx, follower, followed).await?;
            }
        }
        "silence" => store::sanction_domain(&mut ***tx, &n.domain, false, n.created_at).await?,
        _ => {}
    }
    Ok(())
}

/// A local account's actor document as an `Update` to every server that knows it (Mastodon
/// sends this, with `suspended: true`, when it suspends a local account, and again when the
/// suspension is lifted).
async fn update_actor(
    tx: &mut WriteTx,
    state: &AppState,
    account: &AccountRow,
    now: i64,
) -> AppResult<()> {
    let inboxes = store::reach_inboxes(&mut ***tx, account.id).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let pem = store::key(&mut ***tx, &account.id.to_string())
        .await?
        .map(|k| k.public_key_pem);
    let doc = person_document(tx, state, account, pem.as_deref()).await?;
    let actor = actor_uri(state, &account.username);
    let mut update = protocol::activity(
        "Update",
        &format!("{actor}#updates/{now}"),
        &actor,
        doc,
        &[crate::federation::PUBLIC],
    );
    if let Some(o) = update["object"].as_object_mut() {
        o.remove("@context");
    }
    jobs::enqueue(
        tx,
        &Job::Distribute {
            activity: update.to_string(),
            key_owner: account.id.to_string(),
            followers_of: None,
            inboxes,
        },
        now,
    )
    .await?;
    Ok(())
}

/// A local account's actor document with what lives outside its accounts row: `alsoKnownAs`
/// (its aliases) and `movedTo` (the account it moved to).
pub async fn person_document(
    conn: &mut AnyConnection,
    state: &AppState,
    account: &AccountRow,
    public_pem: Option<&str>,
) -> sqlx::Result<Value> {
    let mut doc = crate::services::documents::person_json(state, account, public_pem);
    if let Some(m) = store::migration(&mut *conn, account.id).await? {
        doc["alsoKnownAs"] = json!(m.aliases());
        let credited = m.attribution_domains();
        if !credited.is_empty() {
            doc["attributionDomains"] = json!(credited);
        }
        if let Some(to) = m.moved_to_account_id {
            if let Some(target) = accounts::account_by_id(&mut *conn, to).await? {
                doc["movedTo"] = json!(target.uri);
            }
        }
    }
    Ok(doc)
}

/// A member edited their profile: the new actor document as `Update(Person)` to every server
/// that follows or is followed by them.
pub async fn profile_updated(
    tx: &mut WriteTx,
    state: &AppState,
    account_id: i64,
    now: i64,
) -> AppResult<()> {
    let Some(account) = accounts::account_by_id(&mut ***tx, account_id).await? else {
        return Ok(());
    };
    if !account.domain.is_empty() || account.suspended_at.is_some() {
        return Ok(());
    }
    update_actor(tx, state, &account, now).await
}

/// Whether an account hides its followers and following lists (Mastodon's hide_collections).
pub async fn collections_hidden(state: &AppState, account_id: i64) -> AppResult<bool> {
    Ok(store::migration(&state.db.pool, account_id)
        .await?
        .is_some_and(|m| m.hide_collections != 0))
}

/// The sites whose pages may credit this account on a link preview card.
pub async fn attribution_domains(state: &AppState, account_id: i64) -> AppResult<Vec<String>> {
    Ok(store::migration(&state.db.pool, account_id)
        .await?
        .map(|m| m.attribution_domains())
        .unwrap_or_default())
}

/// Fills what an Account entity's row does not carry: `moved` (the account it moved to,
/// rendered one level deep) and `hide_collections`.
pub async fn decorate_account(
    state: &AppState,
    entity: &mut crate::entities::Account,
    account_id: i64,
) -> AppResult<()> {
    let Some(m) = store::migration(&state.db.pool, account_id).await? else {
        return Ok(());
    };
    entity.hide_collections = Some(m.hide_collections != 0);
    if let Some(to) = m.moved_to_account_id {
        if let Some(target) = accounts::account_by_id(&state.db.pool, to).await? {
            let moved = crate::entities::Account::from_row(state, &target, &[]);
            entity.moved = Some(serde_json::to_value(moved).map_err(AppError::internal)?);
        }
    }
    Ok(())
}

/// The job a suspension made or lifted here queues. Local account: its actor is re-sent with
/// `suspended`. Remote account suspended: its follows of local accounts are Rejected and
/// removed (it keeps no access to what they post; Mastodon's `reject_remote_follows!`, which
/// an unsuspension cannot undo). Nothing happens if the suspension changed again meanwhile.
pub async fn suspension_changed(
    state: &AppState,
    account_id: i64,
    suspended: bool,
) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    let Some(account) = accounts::account_by_id(&mut **tx, account_id).await? else {
        return Ok(());
    };
    if account.suspended_at.is_some() != suspended {
        return Ok(());
    }
    if account.domain.is_empty() {
        update_actor(&mut tx, state, &account, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    } else if suspended {
        for (target_id, follow_uri) in store::remote_follows_by(&mut **tx, account.id).await? {
            if let Some(target) = accounts::account_by_id(&mut **tx, target_id).await? {
                follow_answered(
                    &mut tx,
                    state,
                    &target,
                    &account,
                    follow_uri.as_deref(),
                    false,
                    now,
                )
                .await?;
            }
            crate::services::inbox::drop_follow(&mut tx, account.id, target_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// A report with `forward` about a remote account: a `Flag` from the instance actor to the
/// account's inbox, naming the account and the reported statuses that are its own.
pub async fn report_forwarded(
    tx: &mut WriteTx,
    state: &AppState,
    report: &crate::storage::moderation::ReportRow,
    now: i64,
) -> AppResult<()> {
    let Some(target) = accounts::account_by_id(&mut ***tx, report.target_account_id).await? else {
        return Ok(());
    };
    let Some(remote) = store::remote_actor(&mut ***tx, target.id).await? else {
        return Ok(());
    };
    let status_ids: Vec<i64> = serde_json::from_str(&report.status_ids_json).unwrap_or_default();
    let mut objects = vec![json!(target.uri)];
    for s in statuses::by_ids(&mut ***tx, &status_ids).await? {
        if s.account_id == target.id && s.local == 0 {
            objects.push(json!(s.uri));
        }
    }
    let flag = protocol::activity(
        "Flag",
        &protocol::new_activity_id(state),
        &crate::federation::instance_actor_uri(state),
        Value::Array(objects),
        &[&target.uri],
    );
    let mut flag = flag;
    flag["content"] = json!(report.comment);
    jobs::enqueue(
        tx,
        &Job::Distribute {
            activity: flag.to_string(),
            key_owner: "instance".into(),
            followers_of: None,
            inboxes: vec![remote.inbox],
        },
        now,
    )
    .await?;
    store::set_report_forwarded(&mut ***tx, report.id, now).await?;
    Ok(())
}

/// A local account blocked (`on`) or unblocked a remote one: `Block` / `Undo(Block)` to it.
pub async fn blocked(
    tx: &mut WriteTx,
    state: &AppState,
    me: &AccountRow,
    target: &AccountRow,
    on: bool,
    now: i64,
) -> AppResult<()> {
    if target.domain.is_empty() {
        return Ok(());
    }
    let actor = actor_uri(state, &me.username);
    let block_id = format!("{actor}#blocks/{}", target.id);
    let block = protocol::activity(
        "Block",
        &block_id,
        &actor,
        json!(target.uri),
        &[&target.uri],
    );
    let activity = if on {
        block
    } else {
        let mut inner = block;
        if let Some(o) = inner.as_object_mut() {
            o.remove("@context");
        }
        protocol::activity(
            "Undo",
            &format!("{block_id}/undo/{now}"),
            &actor,
            inner,
            &[&target.uri],
        )
    };
    to_one(tx, me, target, &activity, now).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Account migration: aliases (`alsoKnownAs`) and moving a local account (Move).

/// Aliases and moves are capped like Mastodon's settings pages.
const MAX_ALIASES: usize = 10;

/// The account an `acct` names (`user` or `user@this-domain` locally, `user@host` remotely,
/// resolved by WebFinger), 404 when nothing answers.
async fn account_for_acct(state: &AppState, acct: &str) -> AppResult<AccountRow> {
    let acct = acct.trim().trim_start_matches('@');
    match acct.rsplit_once('@') {
        Some((user, host)) if !host.eq_ignore_ascii_case(&state.config.domain) => {
            resolve_acct(state, user, host).await
        }
        _ if !acct.is_empty() => {
            let user = acct.split('@').next().unwrap_or(acct);
            accounts::local_account_by_username(&state.db.pool, user)
                .await?
                .ok_or_else(AppError::not_found)
        }
        _ => Err(AppError::unprocessable(
            "Validation failed: acct can't be blank",
        )),
    }
}

/// `GET /api/v1/herd/aliases`: the actor URIs the account says it is also known as.
pub async fn aliases(
    state: &AppState,
    me: &crate::http::auth::CurrentUser,
) -> AppResult<Vec<String>> {
    Ok(store::migration(&state.db.pool, me.account.id)
        .await?
        .map(|m| m.aliases())
        .unwrap_or_default())
}

/// Adds (`add`) or removes an alias: the actor of `acct` (resolved), so that it may Move its
/// followers here. The new actor document goes to the servers that know the account.
pub async fn set_alias(
    state: &AppState,
    me: &crate::http::auth::CurrentUser,
    acct: &str,
    add: bool,
) -> AppResult<Vec<String>> {
    let mut list = aliases(state, me).await?;
    if add {
        let other = account_for_acct(state, acct).await?;
        if other.id == me.account.id {
            return Err(AppError::unprocessable(
                "Validation failed: An account cannot be its own alias",
            ));
        }
        if list.contains(&other.uri) {
            return Ok(list);
        }
        if list.len() >= MAX_ALIASES {
            return Err(AppError::unprocessable(format!(
                "Validation failed: At most {MAX_ALIASES} aliases"
            )));
        }
        list.push(other.uri);
    } else {
        let before = list.len();
        let known = account_for_acct(state, acct).await.ok().map(|a| a.uri);
        list.retain(|u| Some(u) != known.as_ref() && u != acct);
        if list.len() == before {
            return Err(AppError::not_found());
        }
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_aliases(&mut **tx, me.account.id, &list).await?;
    tx.record(crate::storage::Change::AccountChanged(me.account.id));
    profile_updated(&mut tx, state, me.account.id, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(list)
}

/// `POST /api/v1/herd/migration`: moves the account to `target_acct`, which must already list
/// this account in `alsoKnownAs` (checked on a fresh copy of its actor) — Mastodon's
/// "Move to a different account", with the current password. The account shows `moved`;
/// its followers' servers get `Move` (and the actor with `movedTo`), and its local followers
/// follow the target instead.
pub async fn move_account(
    state: &AppState,
    me: &crate::http::auth::CurrentUser,
    target_acct: &str,
    password: &str,
) -> AppResult<AccountRow> {
    if !crate::secrets::verify_password(password, &me.user.password_hash) {
        return Err(AppError::validation(
            "current_password",
            "ERR_INVALID",
            "is invalid",
        ));
    }
    let mut target = account_for_acct(state, target_acct).await?;
    if target.id == me.account.id {
        return Err(AppError::unprocessable(
            "Validation failed: An account cannot move to itself",
        ));
    }
    if !target.domain.is_empty() {
        // Its aliases as its server says them now.
        target = refresh_actor(state, &target.uri)
            .await
            .map_err(remote_error)?;
    }
    let me_uri = actor_uri(state, &me.account.username);
    let target_aliases = store::migration(&state.db.pool, target.id)
        .await?
        .map(|m| m.aliases())
        .unwrap_or_default();
    if !target_aliases.contains(&me_uri) {
        return Err(AppError::unprocessable(
            "Validation failed: The target account must list this account as an alias (alsoKnownAs) first",
        ));
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_moved(&mut **tx, me.account.id, Some(target.id), now).await?;
    tx.record(crate::storage::Change::AccountChanged(me.account.id));
    profile_updated(&mut tx, state, me.account.id, now).await?;
    let move_activity = json!({
        "@context": protocol::context(),
        "id": format!("{me_uri}#moves/{now}"),
        "type": "Move",
        "actor": me_uri,
        "object": me_uri,
        "target": target.uri,
        "to": [format!("{me_uri}/followers")],
    });
    enqueue_distribute(
        &mut tx,
        &move_activity,
        me.account.id,
        true,
        Vec::new(),
        now,
    )
    .await?;
    crate::services::inbox::move_followers(&mut tx, state, &me.account, &target, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(target)
}

/// An account as the client API shows it after a move (moved here from
/// `api/mastodon/migration.rs`).
pub async fn account_entity(
    state: &AppState,
    account_id: i64,
) -> AppResult<crate::entities::Account> {
    let row = accounts::account_by_id(&state.db.pool, account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut entity = crate::entities::Account::from_row(state, &row, &[]);
    decorate_account(state, &mut entity, row.id).await?;
    Ok(entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_icon_and_image_in_their_shapes() {
        let u = "https://ex.example/a.png";
        for v in [
            json!({"type": "Image", "url": u}),
            json!({"type": "Image", "url": {"type": "Link", "href": u}}),
            json!({"type": "Image", "url": [u, "https://ex.example/b.png"]}),
            json!([{"type": "Image", "url": u}, {"type": "Image", "url": "https://x.example/"}]),
            json!(u),
        ] {
            assert_eq!(image_url(Some(&v)).as_deref(), Some(u), "{v}");
        }
        for v in [
            json!({"type": "Image", "url": "javascript:alert(1)"}),
            json!({"type": "Image", "url": "data:image/png;base64,AAAA"}),
            json!({"type": "Image"}),
            json!({"type": "Image", "url": format!("https://ex.example/{}", "a".repeat(2000))}),
            json!(7),
        ] {
            assert_eq!(image_url(Some(&v)), None, "{v}");
        }
        assert_eq!(image_url(None), None);
    }

    const PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu9uJuWqEYlgei7fW4iiD
UP0cICb2cLa3v+0m87KwDkAXSu9CdsH+nuv7uo3KENnob3/GUcAunlVTHvuEbRRQ
K3lf/XYSll9Itbp0uXIKBSUWXb29QhWguTuwdX2mrHwp90qm9ap7KXGvttA7WatT
LrdDpJ7sP05wjNI/SAfxUTyY/xmYcxZVSy0/Y54gtfH9RCVhkgRc2Lo/03RA6Lsj
h6LmlshgrXpF847gb8ODbVgjpjTZl/t+0E6TQRFCyHQCR9kWB812Ovbt0EkCvDny
A3TUJkSrhPsK6AzWhWrNH9mZDs3nsBDtScolNNK62drJsM8R0j0elSCSXH5qussb
AwIDAQAB
-----END PUBLIC KEY-----";

    fn actor(id: &str, username: Option<Value>) -> Value {
        let mut doc = json!({
            "id": id,
            "type": "Person",
            "inbox": format!("{id}/inbox"),
            "publicKey": {"id": format!("{id}#main"), "owner": id, "publicKeyPem": PEM},
        });
        if let Some(u) = username {
            doc["preferredUsername"] = u;
        }
        doc
    }

    #[test]
    fn an_actor_without_preferred_username_is_named_after_its_id() {
        let a = parse_actor(&actor("http://127.0.0.1:2909/emily", None)).expect("emily");
        assert_eq!(
            (a.username.as_str(), a.domain.as_str()),
            ("emily", "127.0.0.1:2909")
        );
        let a = parse_actor(&actor("https://x.example/u/frank", Some(Value::Null))).expect("null");
        assert_eq!(a.username, "frank");
        // Present but invalid, or an id whose last segment is no name: refused.
        assert!(parse_actor(&actor("https://x.example/u/f", Some(json!("a b")))).is_err());
        assert!(parse_actor(&actor("https://x.example/u/f", Some(json!(7)))).is_err());
        assert!(parse_actor(&actor("https://x.example/u/", None)).is_err());
        assert!(parse_actor(&actor("https://x.example/u/a%20b", None)).is_err());
    }
}
