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
use crate::federation::{actor_uri, coop_actor_uri, instance_actor_uri};
use crate::services::documents::{self as docs, CollectionPart, LocalActor};
use crate::state::AppState;

const AP_TYPE: &str = "application/activity+json; charset=utf-8";

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
/// signature, 403 when the signer's domain is suspended here); outside it, nothing to check.
pub async fn signed_fetch(state: &AppState, uri: &Uri, headers: &HeaderMap) -> AppResult<()> {
    if !state.config.federation.secure_mode {
        return Ok(());
    }
    let key_id = crate::federation::verify::claimed_key_id(headers);
    if let Some(k) = key_id {
        if crate::services::federation::domain_suspended(state, &k).await? {
            return Err(AppError::forbidden("Your domain is blocked by this server"));
        }
    }
    crate::federation::verify::verify(state, "GET", uri.path(), uri.query(), headers, &[]).await?;
    Ok(())
}

/// Which local actor a WebFinger resource names.
enum Named {
    Account(Box<LocalActor>),
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
    if let Some(a) = docs::find_local(state, &username).await? {
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
            format!("acct:{}@{domain}", a.username()),
            actor_uri(&state, a.username()),
            a.url().to_string(),
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
    let (users, posts) = docs::usage(&state).await?;
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
            "nodeName": crate::services::instance_settings::title(&state),
            "nodeDescription": crate::services::instance_settings::description(&state),
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

/// `GET /users/:username`: the actor document for ActivityPub clients, a redirect otherwise.
pub async fn actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    if !wants_ap(&headers) {
        return Ok((StatusCode::FOUND, [(LOCATION, a.url().to_string())]).into_response());
    }
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(docs::actor(&state, &a).await?))
}

/// `GET /actor`: the instance actor (signs fetches; always readable unsigned).
pub async fn instance_actor(State(state): State<AppState>) -> AppResult<Response> {
    Ok(ap_json(docs::instance_actor(&state).await?))
}

/// `GET /coop`: the co-op's own actor, a Group.
pub async fn coop_actor(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(docs::coop(&state).await?))
}

pub async fn instance_outbox(State(state): State<AppState>) -> Response {
    ap_json(docs::empty_collection(format!(
        "{}/outbox",
        instance_actor_uri(&state)
    )))
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
    Ok(ap_json(docs::empty_collection(format!(
        "{}/{name}",
        coop_actor_uri(&state)
    ))))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

impl PageQuery {
    fn part(&self) -> CollectionPart {
        CollectionPart {
            paged: self.page.is_some(),
            max_id: self.max_id,
        }
    }
}

/// `GET /users/:username/outbox`: Create activities of public and unlisted statuses, paged.
pub async fn outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(docs::outbox(&state, &a, q.part()).await?))
}

/// `GET /users/:username/followers` (see `services::documents::follow_collection`).
pub async fn followers(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(
        docs::follow_collection(&state, &a, true, q.part()).await?,
    ))
}

/// `GET /users/:username/following`.
pub async fn following(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(
        docs::follow_collection(&state, &a, false, q.part()).await?,
    ))
}

/// `GET /users/:username/collections/featured`: pinned statuses inline.
pub async fn featured(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(docs::featured(&state, &a).await?))
}

pub async fn featured_tags(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(docs::empty_collection(format!(
        "{}/collections/tags",
        actor_uri(&state, a.username())
    ))))
}

/// `GET /users/:username/statuses/:id`: a public or unlisted status as a Note.
/// A stamp approving a quote of a local post (FEP-044f), while the approval stands.
pub async fn quote_authorization(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(
        crate::services::quote_federation::stamp_document(&state, &username, &id).await?,
    ))
}

pub async fn status(
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = docs::local(&state, &username).await?;
    let s = docs::public_status(&state, &a, &id).await?;
    if !wants_ap(&headers) {
        return Ok((StatusCode::FOUND, [(LOCATION, s.url())]).into_response());
    }
    signed_fetch(&state, &uri, &headers).await?;
    Ok(ap_json(docs::note(&state, &s).await?))
}
