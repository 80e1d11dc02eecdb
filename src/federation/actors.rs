//! Discovery and documents: WebFinger, host-meta, NodeInfo 2.0/2.1, actor documents (local
//! accounts, the instance actor, the co-op's Group), outbox/followers/following/featured
//! collections and Notes. With `federation.secure_mode` (authorized fetch) every ActivityPub
//! document except the instance actor (and its empty outbox) needs a GET signed by a remote
//! actor's key (401 otherwise; 403 for a suspended domain): the instance actor stays readable
//! unsigned so that a peer can fetch the key that signs our own GETs, and theirs can be
//! verified (no deadlock). Discovery (WebFinger, NodeInfo, host-meta) is always open.

use axum::extract::{Path, Query, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::federation::protocol::context;
use crate::federation::{actor_uri, coop_actor_uri, instance_actor_uri, keys, shared_inbox};
use crate::services::federation::note_for;
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::federation as store;
use crate::storage::statuses;
use crate::time;

const AP_TYPE: &str = "application/activity+json; charset=utf-8";
const PAGE: i64 = 20;

fn ap_json(v: Value) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static(AP_TYPE))],
        v.to_string(),
    )
        .into_response()
}

/// Whether a request asks for ActivityStreams (`/@NAME` pages answer such clients too).
pub fn wants_ap(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|a| a.contains("application/activity+json") || a.contains("application/ld+json"))
}

#[derive(Debug, Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// Authorized fetch: in secure mode, the verified signer of this GET (401 without a valid
/// signature, 403 when the signer's domain is suspended here); outside it, `None`.
pub async fn signed_fetch(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
) -> AppResult<Option<AccountRow>> {
    if !state.config.federation.secure_mode {
        return Ok(None);
    }
    let key_id = crate::federation::inbox::claimed_key_id(headers);
    if let Some(k) = key_id {
        if crate::services::federation::domain_suspended(state, &k).await? {
            return Err(AppError::forbidden("Your domain is blocked by this server"));
        }
    }
    let signer =
        crate::federation::inbox::verify(state, "GET", uri.path(), uri.query(), headers, &[])
            .await?;
    Ok(Some(signer))
}

/// Which local actor a WebFinger resource names.
enum Named {
    Account(Box<AccountRow>),
    Instance,
    Coop,
}

async fn named(state: &AppState, resource: &str) -> AppResult<Option<Named>> {
    let domain = &state.config.domain;
    let base = state.base_url();
    let username = if let Some(acct) = resource.strip_prefix("acct:") {
        let Some((user, host)) = acct.trim_start_matches('@').rsplit_once('@') else {
            return Ok(None);
        };
        if !host.eq_ignore_ascii_case(domain) {
            return Ok(None);
        }
        if user.eq_ignore_ascii_case(domain) {
            return Ok(Some(Named::Instance));
        }
        user.to_string()
    } else if resource == instance_actor_uri(state) {
        return Ok(Some(Named::Instance));
    } else if resource == coop_actor_uri(state) {
        return Ok(Some(Named::Coop));
    } else if let Some(u) = resource
        .strip_prefix(&format!("{base}/users/"))
        .or_else(|| resource.strip_prefix(&format!("{base}/@")))
    {
        u.to_string()
    } else {
        return Ok(None);
    };
    // The co-op's account (which authors proposal posts) is the `/coop` Group actor.
    if username.eq_ignore_ascii_case("coop") {
        return Ok(Some(Named::Coop));
    }
    if let Some(a) = accounts::local_account_by_username(&state.db.pool, &username).await? {
        return Ok(Some(Named::Account(Box::new(a))));
    }
    Ok(None)
}

/// `GET /.well-known/webfinger?resource=acct:user@domain` (or an actor URL).
pub async fn webfinger(
    State(state): State<AppState>,
    Query(q): Query<WebfingerQuery>,
) -> AppResult<Response> {
    let resource = q
        .resource
        .filter(|r| !r.is_empty())
        .ok_or_else(|| AppError::bad_request("resource is required"))?;
    let domain = &state.config.domain;
    let (subject, href, profile) = match named(&state, &resource)
        .await?
        .ok_or_else(AppError::not_found)?
    {
        Named::Account(a) => (
            format!("acct:{}@{domain}", a.username),
            actor_uri(&state, &a.username),
            a.url.clone(),
        ),
        Named::Instance => (
            format!("acct:{domain}@{domain}"),
            instance_actor_uri(&state),
            format!("{}/about", state.base_url()),
        ),
        Named::Coop => (
            format!("acct:coop@{domain}"),
            coop_actor_uri(&state),
            format!("{}/about", state.base_url()),
        ),
    };
    let body = json!({
        "subject": subject,
        "aliases": [profile, href],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile},
            {"rel": "self", "type": "application/activity+json", "href": href},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{}/authorize_interaction?uri={{uri}}", state.base_url())}
        ]
    });
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/jrd+json; charset=utf-8"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("max-age=259200, public"),
            ),
            (
                axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        body.to_string(),
    )
        .into_response())
}

/// `GET /.well-known/host-meta`: XRD, or JSON when asked for.
pub async fn host_meta(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        state.base_url()
    );
    let json_wanted = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"));
    if json_wanted {
        return (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            json!({"links": [{"rel": "lrdd", "template": template}]}).to_string(),
        )
            .into_response();
    }
    let template = crate::text::escape(&template);
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/xrd+xml; charset=utf-8"))],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
        ),
    )
        .into_response()
}

/// `GET /.well-known/nodeinfo`.
pub async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    let base = state.base_url();
    axum::Json(json!({"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0")},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1")}
    ]}))
    .into_response()
}

/// `GET /nodeinfo/2.0` and `/nodeinfo/2.1`.
pub async fn nodeinfo(
    State(state): State<AppState>,
    Path(version): Path<String>,
) -> AppResult<Response> {
    if version != "2.0" && version != "2.1" {
        return Err(AppError::not_found());
    }
    let (users, posts) = store::usage(&state.db.pool).await?;
    let mut software = json!({"name": "herd", "version": env!("CARGO_PKG_VERSION")});
    if version == "2.1" {
        software["homepage"] = json!(state.base_url());
    }
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "usage": {"users": {"total": users, "activeMonth": users, "activeHalfyear": users}, "localPosts": posts},
        "openRegistrations": state.config.registrations.mode == crate::config::RegistrationMode::Open,
        "metadata": {
            "nodeName": state.config.instance.title,
            "nodeDescription": state.config.instance.description,
            "upstream": {"name": "mastodon"}
        }
    });
    let ctype = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok((
        [(
            CONTENT_TYPE,
            HeaderValue::from_str(&ctype).unwrap_or(HeaderValue::from_static("application/json")),
        )],
        body.to_string(),
    )
        .into_response())
}

fn key_block(id: &str, pem: &str) -> Value {
    json!({"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem})
}

/// `GET /users/:username`: the actor document for ActivityPub clients, a redirect otherwise.
pub async fn actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = accounts::local_account_by_username(&state.db.pool, &username)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !wants_ap(&headers) {
        return Ok((StatusCode::FOUND, [(LOCATION, a.url.clone())]).into_response());
    }
    signed_fetch(&state, &uri, &headers).await?;
    actor_document(&state, &a).await
}

/// A local account's actor document as served (no signature check: for our own use, such
/// as the archive export).
pub async fn actor_document(state: &AppState, a: &AccountRow) -> AppResult<Response> {
    if a.username == "coop" && a.actor_type == "Group" {
        // The co-op's account (author of proposal posts) is the `/coop` Group actor.
        return coop_document(state).await;
    }
    let key = keys::signing_key(state, &a.id.to_string()).await?;
    let mut conn = state.db.pool.acquire().await?;
    let doc =
        crate::services::federation::person_document(&mut conn, state, a, Some(&key.public_pem))
            .await?;
    Ok(ap_json(doc))
}

/// A local account's actor document. A suspended account shows `suspended: true` and none of
/// its profile (as Mastodon serves it).
pub fn person_json(state: &AppState, a: &accounts::AccountRow, public_pem: Option<&str>) -> Value {
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

/// `GET /actor`: the instance actor (signs fetches; always readable unsigned).
pub async fn instance_actor(State(state): State<AppState>) -> AppResult<Response> {
    let key = keys::signing_key(&state, "instance").await?;
    let id = instance_actor_uri(&state);
    Ok(ap_json(json!({
        "@context": context(),
        "id": id,
        "type": "Application",
        "preferredUsername": state.config.domain,
        "name": state.config.instance.title,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "endpoints": {"sharedInbox": shared_inbox(&state)},
        "manuallyApprovesFollowers": true,
        "url": format!("{}/about", state.base_url()),
        "publicKey": key_block(&id, &key.public_pem),
    })))
}

/// `GET /coop`: the co-op's own actor, a Group.
pub async fn coop_actor(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    signed_fetch(&state, &uri, &headers).await?;
    coop_document(&state).await
}

async fn coop_document(state: &AppState) -> AppResult<Response> {
    let state = state.clone();
    let key = keys::signing_key(&state, "coop").await?;
    let id = coop_actor_uri(&state);
    // Locked while the bylaws keep the proposal posts for members.
    let locked = accounts::local_account_by_username(&state.db.pool, "coop")
        .await?
        .is_some_and(|a| a.locked != 0);
    Ok(ap_json(json!({
        "@context": context(),
        "id": id,
        "type": "Group",
        "preferredUsername": "coop",
        "name": state.config.instance.title,
        "summary": crate::text::escape(&state.config.instance.description),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": {"sharedInbox": shared_inbox(&state)},
        "manuallyApprovesFollowers": locked,
        "discoverable": true,
        "url": format!("{}/about", state.base_url()),
        "publicKey": key_block(&id, &key.public_pem),
    })))
}

/// Empty ordered collections (the instance and co-op actors' outboxes, featured tags).
pub fn empty_collection(id: String) -> Response {
    ap_json(
        json!({"@context": context(), "id": id, "type": "OrderedCollection", "totalItems": 0, "orderedItems": []}),
    )
}

pub async fn instance_outbox(State(state): State<AppState>) -> Response {
    empty_collection(format!("{}/outbox", instance_actor_uri(&state)))
}

pub async fn coop_collection(
    State(state): State<AppState>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    signed_fetch(&state, &uri, &headers).await?;
    if !["outbox", "followers", "following"].contains(&name.as_str()) {
        return Err(AppError::not_found());
    }
    Ok(empty_collection(format!(
        "{}/{name}",
        coop_actor_uri(&state)
    )))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

async fn local(state: &AppState, username: &str) -> AppResult<AccountRow> {
    accounts::local_account_by_username(&state.db.pool, username)
        .await?
        .ok_or_else(AppError::not_found)
}

/// `GET /users/:username/outbox`: Create activities of public and unlisted statuses, paged.
pub async fn outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    let id = format!("{}/outbox", actor_uri(&state, &a.username));
    if q.page.is_none() && q.max_id.is_none() {
        let total = store::count_outbox(&state.db.pool, a.id).await?;
        return Ok(ap_json(json!({
            "@context": context(),
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=true"),
            "last": format!("{id}?min_id=0&page=true"),
        })));
    }
    let page = crate::paging::Page {
        max_id: q.max_id,
        ..crate::paging::Page::first(PAGE)
    };
    let rows = store::outbox_page(&state.db.pool, a.id, &page).await?;
    let mut items = Vec::new();
    let mut conn = state.db.pool.acquire().await?;
    for s in &rows {
        if s.reblog_of_id.is_some() {
            continue;
        }
        if let Some(note) = note_for(&mut conn, &state, s).await? {
            items.push(crate::federation::protocol::wrap(
                "Create",
                &format!("{}/activity", s.uri),
                &actor_uri(&state, &a.username),
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
        "id": format!("{id}?page=true{}", q.max_id.map(|m| format!("&max_id={m}")).unwrap_or_default()),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "orderedItems": items,
    });
    if rows.len() as i64 == PAGE {
        if let Some(last) = rows.last() {
            page["next"] = json!(format!("{id}?page=true&max_id={}", last.id));
        }
    }
    Ok(ap_json(page))
}

/// `GET /users/:username/followers` and `/following`: an `OrderedCollection` with
/// `totalItems` and `first`; pages (`?page=true[&max_id=…]`) are `OrderedCollectionPage`s of
/// actor ids, newest first, with `next`. An account with hide_collections shows only the
/// count, and its pages answer 403 (as Mastodon's).
pub async fn followers(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    follow_collection(&state, &a, true, &q).await
}

pub async fn following(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    follow_collection(&state, &a, false, &q).await
}

async fn follow_collection(
    state: &AppState,
    a: &AccountRow,
    followers: bool,
    q: &PageQuery,
) -> AppResult<Response> {
    let name = if followers { "followers" } else { "following" };
    let id = format!("{}/{name}", actor_uri(state, &a.username));
    let total = if followers {
        a.followers_count
    } else {
        a.following_count
    };
    let hidden = crate::services::federation::collections_hidden(state, a.id).await?;
    if q.page.is_none() && q.max_id.is_none() {
        let mut doc = json!({
            "@context": context(),
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
        });
        if !hidden {
            doc["first"] = json!(format!("{id}?page=true"));
        }
        return Ok(ap_json(doc));
    }
    if hidden {
        return Err(AppError::forbidden("This account hides its network"));
    }
    let page = crate::paging::Page {
        max_id: q.max_id,
        ..crate::paging::Page::first(PAGE)
    };
    let rows = store::follow_page(&state.db.pool, a.id, followers, &page).await?;
    let mut page = json!({
        "@context": context(),
        "id": format!("{id}?page=true{}", q.max_id.map(|m| format!("&max_id={m}")).unwrap_or_default()),
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
    Ok(ap_json(page))
}

/// `GET /users/:username/collections/featured`: pinned statuses inline.
pub async fn featured(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    let pinned: Vec<(i64,)> = store::pinned_ids(&state.db.pool, a.id).await?;
    let mut conn = state.db.pool.acquire().await?;
    let mut items = Vec::new();
    for (sid,) in pinned {
        if let Some(s) = statuses::by_id(&mut *conn, sid).await? {
            if (s.visibility == "public" || s.visibility == "unlisted") && s.local_only == 0 {
                if let Some(n) = note_for(&mut conn, &state, &s).await? {
                    items.push(n);
                }
            }
        }
    }
    Ok(ap_json(json!({
        "@context": context(),
        "id": format!("{}/collections/featured", actor_uri(&state, &a.username)),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}

pub async fn featured_tags(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    Ok(empty_collection(format!(
        "{}/collections/tags",
        actor_uri(&state, &a.username)
    )))
}

/// `GET /users/:username/statuses/:id`: a public or unlisted status as a Note.
pub async fn status(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = local(&state, &username).await?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let s = statuses::by_id(&state.db.pool, id)
        .await?
        .filter(|s| s.account_id == a.id && s.reblog_of_id.is_none() && s.local_only == 0)
        .filter(|s| s.visibility == "public" || s.visibility == "unlisted")
        .ok_or_else(AppError::not_found)?;
    if !wants_ap(&headers) {
        return Ok((
            StatusCode::FOUND,
            [(LOCATION, s.url.clone().unwrap_or(s.uri.clone()))],
        )
            .into_response());
    }
    signed_fetch(&state, &uri, &headers).await?;
    let mut conn = state.db.pool.acquire().await?;
    let mut note = note_for(&mut conn, &state, &s)
        .await?
        .ok_or_else(AppError::not_found)?;
    note["@context"] = context();
    Ok(ap_json(note))
}
