//! The ActivityPub documents this server serves to other servers: local actors (accounts, the
//! instance actor, the co-op's Group), their outbox, followers, following and featured
//! collections, and public Notes. The endpoints in `federation/actors.rs` check the request
//! (authorized fetch, content negotiation) and call these; the archive export and the profile
//! pages' content negotiation serve the same documents.

use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::federation::protocol::context;
use crate::federation::{actor_uri, coop_actor_uri, instance_actor_uri, keys, shared_inbox};
use crate::paging::Page;
use crate::services::federation::note_for;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::federation as store;
use crate::storage::statuses::{self, StatusRow};
use crate::time;

/// Items per collection page (Mastodon's).
const PAGE: i64 = 20;

/// A local account as the federation endpoints name it.
pub struct LocalActor(AccountRow);

impl LocalActor {
    pub fn username(&self) -> &str {
        &self.0.username
    }
    /// Its profile page (where a browser is sent).
    pub fn url(&self) -> &str {
        &self.0.url
    }
}

/// The local account `username`, if there is one.
pub async fn find_local(state: &AppState, username: &str) -> AppResult<Option<LocalActor>> {
    Ok(
        accounts::local_account_by_username(&state.db.pool, username)
            .await?
            .map(LocalActor),
    )
}

/// The local account `username`, or 404.
pub async fn local(state: &AppState, username: &str) -> AppResult<LocalActor> {
    find_local(state, username)
        .await?
        .ok_or_else(AppError::not_found)
}

/// NodeInfo's usage figures: local users and local posts.
pub async fn usage(state: &AppState) -> AppResult<(i64, i64)> {
    Ok(store::usage(&state.db.pool).await?)
}

/// A local account's actor document as served (the co-op's account is the Group actor).
pub async fn actor(state: &AppState, a: &LocalActor) -> AppResult<Value> {
    actor_of_row(state, &a.0).await
}

/// The same for an account row a service already holds (the archive export).
pub async fn actor_of_row(state: &AppState, a: &AccountRow) -> AppResult<Value> {
    if a.username == "coop" && a.actor_type == "Group" {
        // The co-op's account (author of proposal posts) is the `/coop` Group actor.
        return coop(state).await;
    }
    let key = keys::signing_key(state, &a.id.to_string()).await?;
    let mut conn = state.db.pool.acquire().await?;
    Ok(
        crate::services::federation::person_document(&mut conn, state, a, Some(&key.public_pem))
            .await?,
    )
}

/// A local account's actor document. A suspended account shows `suspended: true` and none of
/// its profile (as Mastodon serves it).
pub(crate) fn person_json(state: &AppState, a: &AccountRow, public_pem: Option<&str>) -> Value {
    let id = actor_uri(state, &a.username);
    let fields: Vec<Value> = serde_json::from_str::<Vec<Value>>(&a.fields_json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            let value = f.get("value")?.as_str()?.to_string();
            Some(json!({"type": "PropertyValue", "name": name, "value": crate::text::escape(&value)}))
        })
        .collect();
    let mut doc = json!({
        "@context": context(),
        "id": id,
        "type": a.actor_type,
        "preferredUsername": a.username,
        "name": a.display_name,
        "summary": crate::text::plain_to_html(&a.note),
        "url": a.url,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "featured": format!("{id}/collections/featured"),
        "featuredTags": format!("{id}/collections/tags"),
        "endpoints": {"sharedInbox": shared_inbox(state)},
        "manuallyApprovesFollowers": a.locked != 0,
        "discoverable": a.discoverable != 0,
        "indexable": a.discoverable != 0,
        "published": time::iso_midnight(a.created_at),
        "memorial": false,
        "attachment": fields,
        "tag": [],
        "alsoKnownAs": [],
        "webfinger": format!("{}@{}", a.username, state.config.domain),
        "suspended": a.suspended_at.is_some(),
    });
    // The avatar and header when the account has them (Mastodon omits both otherwise).
    for (key, file) in [("icon", &a.avatar_file), ("image", &a.header_file)] {
        if file.is_empty() {
            continue;
        }
        let media_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
            Some("jpg") => "image/jpeg",
            Some("webp") => "image/webp",
            _ => "image/png",
        };
        doc[key] = json!({
            "type": "Image",
            "mediaType": media_type,
            "url": crate::entities::media::file_url(state, file),
        });
    }
    if a.bot != 0 && a.actor_type == "Person" {
        doc["type"] = json!("Service");
    }
    if let Some(pem) = public_pem {
        doc["publicKey"] = key_block(&id, pem);
    }
    if a.suspended_at.is_some() {
        doc["name"] = json!(a.username);
        doc["summary"] = json!("");
        doc["attachment"] = json!([]);
        if let Some(o) = doc.as_object_mut() {
            o.remove("icon");
            o.remove("image");
        }
    }
    doc
}

pub fn key_block(id: &str, pem: &str) -> Value {
    json!({"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem})
}

/// The instance actor (signs fetches; always readable unsigned).
pub async fn instance_actor(state: &AppState) -> AppResult<Value> {
    let key = keys::signing_key(state, "instance").await?;
    let id = instance_actor_uri(state);
    Ok(json!({
        "@context": context(),
        "id": id,
        "type": "Application",
        "preferredUsername": state.config.domain,
        "name": crate::services::instance_settings::title(state),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "endpoints": {"sharedInbox": shared_inbox(state)},
        "manuallyApprovesFollowers": true,
        "url": format!("{}/about", state.base_url()),
        "publicKey": key_block(&id, &key.public_pem),
    }))
}

/// The co-op's own actor, a Group.
pub async fn coop(state: &AppState) -> AppResult<Value> {
    let key = keys::signing_key(state, "coop").await?;
    let id = coop_actor_uri(state);
    // Locked while the bylaws keep the proposal posts for members.
    let locked = accounts::local_account_by_username(&state.db.pool, "coop")
        .await?
        .is_some_and(|a| a.locked != 0);
    Ok(json!({
        "@context": context(),
        "id": id,
        "type": "Group",
        "preferredUsername": "coop",
        "name": crate::services::instance_settings::title(state),
        "summary": crate::text::escape(&crate::services::instance_settings::description(state)),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": {"sharedInbox": shared_inbox(state)},
        "manuallyApprovesFollowers": locked,
        "discoverable": true,
        "url": format!("{}/about", state.base_url()),
        "publicKey": key_block(&id, &key.public_pem),
    }))
}

/// An empty ordered collection (the instance and co-op actors' outboxes, featured tags).
pub fn empty_collection(id: String) -> Value {
    json!({"@context": context(), "id": id, "type": "OrderedCollection", "totalItems": 0, "orderedItems": []})
}

/// Which part of a collection is asked for: the collection itself, or a page below `max_id`.
#[derive(Debug, Clone, Copy)]
pub struct CollectionPart {
    pub paged: bool,
    pub max_id: Option<i64>,
}

impl CollectionPart {
    fn is_collection(&self) -> bool {
        !self.paged && self.max_id.is_none()
    }
    fn page_id(&self, id: &str) -> String {
        format!(
            "{id}?page=true{}",
            self.max_id
                .map(|m| format!("&max_id={m}"))
                .unwrap_or_default()
        )
    }
    fn page(&self) -> Page {
        Page {
            max_id: self.max_id,
            ..Page::first(PAGE)
        }
    }
}

/// The outbox: Create activities of public and unlisted statuses, paged.
pub async fn outbox(state: &AppState, a: &LocalActor, part: CollectionPart) -> AppResult<Value> {
    let a = &a.0;
    let id = format!("{}/outbox", actor_uri(state, &a.username));
    if part.is_collection() {
        let total = store::count_outbox(&state.db.pool, a.id).await?;
        return Ok(json!({
            "@context": context(),
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=true"),
            "last": format!("{id}?min_id=0&page=true"),
        }));
    }
    let rows = store::outbox_page(&state.db.pool, a.id, &part.page()).await?;
    let mut items = Vec::new();
    let mut conn = state.db.pool.acquire().await?;
    for s in &rows {
        if s.reblog_of_id.is_some() {
            continue;
        }
        if let Some(note) = note_for(&mut conn, state, s).await? {
            items.push(crate::federation::protocol::wrap(
                "Create",
                &format!("{}/activity", s.uri),
                &actor_uri(state, &a.username),
                note,
            ));
        }
    }
    for item in &mut items {
        if let Some(o) = item.as_object_mut() {
            o.remove("@context");
        }
    }
    let mut page = json!({
        "@context": context(),
        "id": part.page_id(&id),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "orderedItems": items,
    });
    if rows.len() as i64 == PAGE {
        if let Some(last) = rows.last() {
            page["next"] = json!(format!("{id}?page=true&max_id={}", last.id));
        }
    }
    Ok(page)
}

/// Followers (`followers`) or following: an `OrderedCollection` with `totalItems` and `first`;
/// pages are `OrderedCollectionPage`s of actor ids, newest first, with `next`. An account with
/// hide_collections shows only the count, and its pages answer 403 (as Mastodon's).
pub async fn follow_collection(
    state: &AppState,
    a: &LocalActor,
    followers: bool,
    part: CollectionPart,
) -> AppResult<Value> {
    let a = &a.0;
    let name = if followers { "followers" } else { "following" };
    let id = format!("{}/{name}", actor_uri(state, &a.username));
    let total = if followers {
        a.followers_count
    } else {
        a.following_count
    };
    let hidden = crate::services::federation::collections_hidden(state, a.id).await?;
    if part.is_collection() {
        let mut doc = json!({
            "@context": context(),
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
        });
        if !hidden {
            doc["first"] = json!(format!("{id}?page=true"));
        }
        return Ok(doc);
    }
    if hidden {
        return Err(AppError::forbidden("This account hides its network"));
    }
    let rows = store::follow_page(&state.db.pool, a.id, followers, &part.page()).await?;
    let mut page = json!({
        "@context": context(),
        "id": part.page_id(&id),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "totalItems": total,
        "orderedItems": rows.iter().map(|(_, u)| u.clone()).collect::<Vec<_>>(),
    });
    if rows.len() as i64 == PAGE {
        if let Some((last, _)) = rows.last() {
            page["next"] = json!(format!("{id}?page=true&max_id={last}"));
        }
    }
    Ok(page)
}

/// The featured collection: pinned public and unlisted statuses inline.
pub async fn featured(state: &AppState, a: &LocalActor) -> AppResult<Value> {
    let a = &a.0;
    let pinned: Vec<(i64,)> = store::pinned_ids(&state.db.pool, a.id).await?;
    let mut conn = state.db.pool.acquire().await?;
    let mut items = Vec::new();
    for (sid,) in pinned {
        if let Some(s) = statuses::by_id(&mut *conn, sid).await? {
            if (s.visibility == "public" || s.visibility == "unlisted") && s.local_only == 0 {
                if let Some(n) = note_for(&mut conn, state, &s).await? {
                    items.push(n);
                }
            }
        }
    }
    Ok(json!({
        "@context": context(),
        "id": format!("{}/collections/featured", actor_uri(state, &a.username)),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    }))
}

/// A status another server may read: public or unlisted, federated, by this account, not a
/// boost.
pub struct PublicStatus(StatusRow);

impl PublicStatus {
    /// Where a browser is sent.
    pub fn url(&self) -> String {
        self.0.url.clone().unwrap_or_else(|| self.0.uri.clone())
    }
}

/// The status `id` of `a` when another server may read it, else 404.
pub async fn public_status(state: &AppState, a: &LocalActor, id: &str) -> AppResult<PublicStatus> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    statuses::by_id(&state.db.pool, id)
        .await?
        .filter(|s| s.account_id == a.0.id && s.reblog_of_id.is_none() && s.local_only == 0)
        .filter(|s| s.visibility == "public" || s.visibility == "unlisted")
        .map(PublicStatus)
        .ok_or_else(AppError::not_found)
}

/// Its Note, with its `@context`.
pub async fn note(state: &AppState, s: &PublicStatus) -> AppResult<Value> {
    let mut conn = state.db.pool.acquire().await?;
    let mut note = note_for(&mut conn, state, &s.0)
        .await?
        .ok_or_else(AppError::not_found)?;
    note["@context"] = context();
    Ok(note)
}
