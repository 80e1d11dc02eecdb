//! Visibility holds on every read path (issue 12, item 2): a boost of a followers-only post
//! stays followers-only (its author's own boost) or is refused (anyone else's, as Mastodon's
//! `StatusPolicy#reblog?`), and every path that shows a boost checks that the viewer may see
//! the boosted post too: statuses/:id, account statuses, the public, local and hashtag
//! timelines, home and list timelines, the streams, the ActivityPub outbox and documents and
//! the archive. An edit that drops a mention of a direct or private post takes it away from
//! the dropped person's home, conversations and notifications.

mod common;

use std::time::Duration;

use common::TestApp;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "secret-for-followers";

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn follow(app: &TestApp, token: &str, target: i64) {
    let (status, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{target}/follow"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["following"], true, "{rel}");
}

async fn boost(app: &TestApp, token: &str, status_id: &str, body: Value) -> (u16, Value) {
    app.post_json(&format!("/api/v1/statuses/{status_id}/reblog"), token, body)
        .await
}

/// Whether a page of statuses (or one status) shows `needle` anywhere: in a status, the
/// status it boosts, or under `id`.
fn shows(page: &Value, needle: &str) -> bool {
    page.to_string().contains(needle)
}

/// Alice (the author), Bob (her follower), Carol (signed in, follows nobody). Alice posts a
/// followers-only post with a tag. Returns (alice, bob, carol, alice_id, the post's id).
async fn scene(app: &TestApp) -> (String, String, String, i64, String) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    follow(app, &bob, alice_id).await;
    let private = post(
        app,
        &alice,
        json!({"status": format!("{SECRET} #hush"), "visibility": "private"}),
    )
    .await;
    app.run_jobs().await;
    (alice, bob, carol, alice_id, id(&private))
}

/// Alice boosts her own followers-only post: the boost is followers-only whatever visibility
/// the app asked for, and it reaches her followers only.
async fn own_private_boost_stays_private(app: &TestApp) {
    let (alice, bob, carol, _, private) = scene(app).await;
    let (status, wrapper) = boost(app, &alice, &private, json!({"visibility": "public"})).await;
    assert_eq!(status, 200, "{wrapper}");
    assert_eq!(wrapper["visibility"], "private", "{wrapper}");
    assert_eq!(wrapper["reblog"]["id"], private.as_str(), "{wrapper}");
    let wid = id(&wrapper);
    // Without a visibility too (the default would be public).
    let (status, again) = app
        .post_json(
            &format!("/api/v1/statuses/{private}/unreblog"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    let (status, wrapper) = boost(app, &alice, &private, json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    assert_eq!(wrapper["visibility"], "private", "{wrapper}");
    let wid2 = id(&wrapper);
    assert_ne!(wid, wid2);
    app.run_jobs().await;

    // GET /api/v1/statuses/:id of the boost: nobody outside her followers.
    let path = format!("/api/v1/statuses/{wid2}");
    let (status, body) = app.get_json(&path, None).await;
    assert_eq!(status, 404, "anonymous: {body}");
    let (status, body) = app.get_json(&path, Some(&carol)).await;
    assert_eq!(status, 404, "a non-follower: {body}");
    let (status, body) = app.get_json(&path, Some(&bob)).await;
    assert_eq!(status, 200, "a follower: {body}");
    assert!(shows(&body["reblog"], SECRET), "{body}");
    // The follower's home has it, as a followers-only boost.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    let boosted = home
        .as_array()
        .expect("home")
        .iter()
        .find(|s| s["id"] == wid2.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the boost reaches the follower: {home}"));
    assert_eq!(boosted["visibility"], "private");
    // A non-follower's home stays empty of it.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&carol)).await;
    assert!(!shows(&home, SECRET), "{home}");
}
on_both_backends!(
    own_private_boost_stays_private,
    own_private_boost_stays_private
);

/// Boosting someone else's followers-only or direct post, or one's own direct post, is
/// refused as in Mastodon (403 "This action is not allowed"), with nothing written.
async fn others_private_boost_is_refused(app: &TestApp) {
    let (alice, bob, _, _, private) = scene(app).await;
    let (status, body) = boost(app, &bob, &private, json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "This action is not allowed");
    let (status, body) = boost(app, &bob, &private, json!({"visibility": "private"})).await;
    assert_eq!(status, 403, "{body}");
    let direct = post(
        app,
        &alice,
        json!({"status": "@bob a word in private", "visibility": "direct"}),
    )
    .await;
    let (status, body) = boost(app, &bob, &id(&direct), json!({})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = boost(app, &alice, &id(&direct), json!({})).await;
    assert_eq!(status, 403, "{body}");
    // Nothing was written: no count, no notification, no boost in Bob's statuses.
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{private}"), Some(&alice))
        .await;
    assert_eq!(s["reblogs_count"], 0, "{s}");
    let (_, notes) = app
        .get_json("/api/v1/notifications?types[]=reblog", Some(&alice))
        .await;
    assert_eq!(notes, json!([]));
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&bob))
        .await;
    let (_, statuses) = app
        .get_json(
            &format!("/api/v1/accounts/{}/statuses", me["id"].as_str().unwrap()),
            Some(&bob),
        )
        .await;
    assert_eq!(statuses, json!([]));
}
on_both_backends!(
    others_private_boost_is_refused,
    others_private_boost_is_refused
);

/// An account's statuses (`/api/v1/accounts/:id/statuses`) show the boost of a
/// followers-only post to followers only.
async fn account_statuses_hide_private_boosts(app: &TestApp) {
    let (alice, bob, carol, alice_id, private) = scene(app).await;
    let (status, wrapper) = boost(app, &alice, &private, json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    let path = format!("/api/v1/accounts/{alice_id}/statuses");
    for (who, token) in [("anonymous", None), ("a non-follower", Some(&carol))] {
        let (status, page) = app.get_json(&path, token.map(String::as_str)).await;
        assert_eq!(status, 200, "{page}");
        assert!(!shows(&page, SECRET), "{who}: {page}");
        assert!(!shows(&page, &id(&wrapper)), "{who}: {page}");
    }
    let (_, page) = app.get_json(&path, Some(&bob)).await;
    assert!(shows(&page, &id(&wrapper)), "the follower sees it: {page}");
}
on_both_backends!(
    account_statuses_hide_private_boosts,
    account_statuses_hide_private_boosts
);

/// The public timeline (all, local) and the hashtag timeline never carry the boost of a
/// followers-only post (nor the post).
async fn public_and_tag_timelines_hide_private_boosts(app: &TestApp) {
    let (alice, _, carol, _, private) = scene(app).await;
    let (status, wrapper) = boost(app, &alice, &private, json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    post(app, &alice, json!({"status": "a public word #hush"})).await;
    app.run_jobs().await;
    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
        "/api/v1/timelines/tag/hush",
        "/api/v1/timelines/tag/hush?local=true",
    ] {
        for token in [None, Some(carol.as_str())] {
            let (status, page) = app.get_json(path, token).await;
            assert_eq!(status, 200, "{path}: {page}");
            assert!(shows(&page, "a public word"), "{path}: {page}");
            assert!(!shows(&page, SECRET), "{path} ({token:?}): {page}");
        }
    }
}
on_both_backends!(
    public_and_tag_timelines_hide_private_boosts,
    public_and_tag_timelines_hide_private_boosts
);

/// A boost row whose original is (now) followers-only, as rows written before boosts took
/// their original's visibility are, or a remote server's boost: every read path checks the
/// boosted post for the viewer, not only the boost. Dave boosted Alice's post publicly; the
/// post is followers-only now. Carol follows Dave (not Alice) and lists him.
async fn read_paths_check_the_boosted_post(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    let (dave_id, dave) = app.user_with_token("dave").await;
    follow(app, &bob, alice_id).await;
    follow(app, &carol, dave_id).await;
    let (status, list) = app
        .post_json("/api/v1/lists", &carol, json!({"title": "Dave"}))
        .await;
    assert_eq!(status, 200, "{list}");
    let list_id = id(&list);
    let (status, body) = app
        .post_json(
            &format!("/api/v1/lists/{list_id}/accounts"),
            &carol,
            json!({"account_ids": [dave_id.to_string()]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let original = post(app, &alice, json!({"status": format!("{SECRET} #hush")})).await;
    let (status, wrapper) = boost(app, &dave, &id(&original), json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    let wid = id(&wrapper);
    app.run_jobs().await;
    // Carol's home has Dave's boost now; then the original becomes followers-only.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&carol)).await;
    assert!(shows(&home, SECRET), "the fan-out ran: {home}");
    sqlx::query("UPDATE statuses SET visibility = 'private' WHERE id = $1")
        .bind(original["id"].as_str().unwrap().parse::<i64>().unwrap())
        .execute(&app.state.db.pool)
        .await
        .expect("update");

    let (status, body) = app.get_json(&format!("/api/v1/statuses/{wid}"), None).await;
    assert_eq!(status, 404, "statuses/:id, anonymous: {body}");
    let (status, body) = app
        .get_json(&format!("/api/v1/statuses/{wid}"), Some(&carol))
        .await;
    assert_eq!(status, 404, "statuses/:id, a non-follower: {body}");
    let (status, body) = app
        .get_json(&format!("/api/v1/statuses/{wid}"), Some(&bob))
        .await;
    assert_eq!(
        status, 200,
        "statuses/:id, a follower of the author: {body}"
    );
    for (path, token) in [
        (format!("/api/v1/accounts/{dave_id}/statuses"), None),
        (
            format!("/api/v1/accounts/{dave_id}/statuses"),
            Some(carol.as_str()),
        ),
        ("/api/v1/timelines/home".to_string(), Some(carol.as_str())),
        (
            format!("/api/v1/timelines/list/{list_id}"),
            Some(carol.as_str()),
        ),
        ("/api/v1/timelines/public".to_string(), None),
        ("/api/v1/timelines/tag/hush".to_string(), None),
    ] {
        let (status, page) = app.get_json(&path, token).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(!shows(&page, SECRET), "{path} ({token:?}): {page}");
        assert!(!shows(&page, &wid), "{path} ({token:?}): {page}");
    }
    // Bob, who follows Alice, still sees Dave's boost on Dave's profile.
    let (_, page) = app
        .get_json(&format!("/api/v1/accounts/{dave_id}/statuses"), Some(&bob))
        .await;
    assert!(shows(&page, &wid), "{page}");
    // Favouriting through the boost, or boosting it again, reaches nothing.
    let (status, body) = app
        .post_json(
            &format!("/api/v1/statuses/{wid}/favourite"),
            &carol,
            json!({}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
}
on_both_backends!(
    read_paths_check_the_boosted_post,
    read_paths_check_the_boosted_post
);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, query: &str) -> Ws {
    let url = format!(
        "{}/api/v1/streaming?{query}",
        app.base.replacen("http://", "ws://", 1)
    );
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    ws
}

/// The next event (JSON); panics if none comes within ten seconds.
async fn event(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an event arrives")
            .expect("the socket stays open");
        if let Ok(Message::Text(t)) = msg {
            return serde_json::from_str(t.as_str()).expect("event is JSON");
        }
    }
}

/// The streams: the public stream and a non-follower's user stream do not carry Alice's
/// boost of her followers-only post; her follower's user stream does, as followers-only.
async fn streams_keep_private_boosts_private(app: &TestApp) {
    let (alice, bob, carol, _, private) = scene(app).await;
    let mut public = connect(app, &format!("access_token={carol}&stream=public")).await;
    let mut local = connect(app, &format!("access_token={carol}&stream=public:local")).await;
    let mut carol_user = connect(app, &format!("access_token={carol}&stream=user")).await;
    let mut bob_user = connect(app, &format!("access_token={bob}&stream=user")).await;
    let (status, wrapper) = boost(app, &alice, &private, json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    app.run_jobs().await;
    let ev = event(&mut bob_user).await;
    assert_eq!(ev["event"], "update", "{ev}");
    let payload: Value = serde_json::from_str(ev["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["id"], wrapper["id"], "{payload}");
    assert_eq!(payload["visibility"], "private", "{payload}");
    // A public post afterwards: the first thing the other streams carry.
    let marker = post(app, &alice, json!({"status": "after the boost"})).await;
    app.run_jobs().await;
    for ws in [&mut public, &mut local] {
        let ev = event(ws).await;
        assert!(!ev.to_string().contains(SECRET), "{ev}");
        let payload: Value = serde_json::from_str(ev["payload"].as_str().unwrap()).unwrap();
        assert_eq!(payload["id"], marker["id"], "{ev}");
    }
    // Carol's user stream: nothing of Alice's (she follows nobody); a notification of her
    // own is the first event it carries.
    let (_, carol_me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&carol))
        .await;
    let carol_id: i64 = carol_me["id"].as_str().unwrap().parse().unwrap();
    follow(app, &bob, carol_id).await;
    let ev = event(&mut carol_user).await;
    assert!(!ev.to_string().contains(SECRET), "{ev}");
    assert_eq!(ev["event"], "notification", "{ev}");
}
on_both_backends!(
    streams_keep_private_boosts_private,
    streams_keep_private_boosts_private
);

/// ActivityPub: the outbox neither counts nor lists the boost of a followers-only post, and
/// no document serves it.
async fn outbox_and_documents_hide_private_boosts(app: &TestApp) {
    let (alice, _, _, _, private) = scene(app).await;
    post(app, &alice, json!({"status": "a public word"})).await;
    let (status, wrapper) = boost(app, &alice, &private, json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    let wid = id(&wrapper);
    let ap = |path: String| {
        app.client
            .get(app.url(&path))
            .header("accept", "application/activity+json")
            .send()
    };
    let res = ap("/users/alice/outbox".into()).await.expect("GET");
    assert_eq!(res.status(), 200);
    let outbox: Value = res.json().await.expect("json");
    assert_eq!(outbox["totalItems"], 1, "only the public post: {outbox}");
    let res = ap("/users/alice/outbox?page=true".into())
        .await
        .expect("GET");
    let page: Value = res.json().await.expect("json");
    assert_eq!(
        page["orderedItems"].as_array().map(Vec::len),
        Some(1),
        "{page}"
    );
    assert!(!shows(&page, SECRET), "{page}");
    assert!(!shows(&page, "Announce"), "{page}");
    for path in [
        format!("/users/alice/statuses/{wid}"),
        format!("/users/alice/statuses/{wid}/activity"),
        format!("/users/alice/statuses/{private}"),
    ] {
        let res = ap(path.clone()).await.expect("GET");
        assert_eq!(res.status(), 404, "{path}");
    }
}
on_both_backends!(
    outbox_and_documents_hide_private_boosts,
    outbox_and_documents_hide_private_boosts
);

/// The archive's outbox does not carry the boost of a followers-only post.
async fn archive_hides_private_boosts(app: &TestApp) {
    let (alice, _, _, _, private) = scene(app).await;
    post(app, &alice, json!({"status": "a public word"})).await;
    let (status, wrapper) = boost(app, &alice, &private, json!({})).await;
    assert_eq!(status, 200, "{wrapper}");
    let res = app
        .client
        .get(app.url("/api/v1/herd/exports/archive.zip"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.expect("bytes");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let outbox: Value =
        serde_json::from_reader(zip.by_name("outbox.json").expect("outbox.json")).expect("json");
    assert_eq!(outbox["totalItems"], 1, "{outbox}");
    assert!(!shows(&outbox, SECRET), "{outbox}");
    assert!(!shows(&outbox, "Announce"), "{outbox}");
    assert!(!shows(&outbox, &id(&wrapper)), "{outbox}");
}
on_both_backends!(archive_hides_private_boosts, archive_hides_private_boosts);

async fn unread(app: &TestApp, token: &str) -> i64 {
    let (status, v) = app
        .get_json("/api/v1/notifications/unread_count", Some(token))
        .await;
    assert_eq!(status, 200, "{v}");
    v["count"].as_i64().expect("count")
}

/// An edit of a direct post that drops a mention: the dropped person loses it from their
/// home, conversations and notifications (and their stream hears it is gone); the one still
/// mentioned reads the new text.
async fn edit_dropping_a_direct_mention(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    follow(app, &bob, alice_id).await;
    // Carol does not follow Alice: she lets strangers' private mentions through (Mastodon's
    // default policy filters them).
    app.client
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&carol)
        .json(&json!({"for_private_mentions": "accept"}))
        .send()
        .await
        .expect("PATCH policy");
    let direct = post(
        app,
        &alice,
        json!({"status": "@bob @carol meet at noon", "visibility": "direct"}),
    )
    .await;
    let sid = id(&direct);
    app.run_jobs().await;
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(shows(&home, "meet at noon"), "{home}");
    let (_, conversations) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    assert!(shows(&conversations, "meet at noon"), "{conversations}");
    assert_eq!(unread(app, &bob).await, 1);
    let mut bob_ws = connect(app, &format!("access_token={bob}&stream=user")).await;
    let mut bob_direct = connect(app, &format!("access_token={bob}&stream=direct")).await;

    let (status, body) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{sid}"),
            &alice,
            json!({"status": "@carol meet at noon, just us"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.run_jobs().await;

    // Bob: gone from his home, conversations, notifications and the unread count.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(!shows(&home, "meet at noon"), "home: {home}");
    assert!(!shows(&home, &sid), "home: {home}");
    let (_, conversations) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    assert_eq!(conversations, json!([]), "conversations");
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&bob)).await;
    assert!(!shows(&notes, &sid), "notifications: {notes}");
    assert_eq!(unread(app, &bob).await, 0, "unread count");
    let (status, body) = app
        .get_json(&format!("/api/v1/statuses/{sid}"), Some(&bob))
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app
        .get_json(&format!("/api/v1/statuses/{sid}/context"), Some(&bob))
        .await;
    assert_eq!(status, 404, "{body}");
    // His user stream hears that it is gone, never the new text.
    let ev = event(&mut bob_ws).await;
    assert!(!shows(&ev, "just us"), "{ev}");
    assert_eq!(ev["event"], "delete", "{ev}");
    assert_eq!(ev["payload"], sid.as_str(), "{ev}");
    // A direct message to Bob afterwards is the first his direct stream carries (Bob lets
    // strangers' private mentions through, or Carol's would wait behind its request).
    let res = app
        .client
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&bob)
        .json(&json!({"for_private_mentions": "accept"}))
        .send()
        .await
        .expect("PATCH policy");
    assert_eq!(res.status(), 200);
    let later = post(
        app,
        &carol,
        json!({"status": "@bob hello", "visibility": "direct"}),
    )
    .await;
    let ev = event(&mut bob_direct).await;
    assert!(!shows(&ev, "just us"), "{ev}");
    assert!(shows(&ev, &id(&later)), "{ev}");

    // Carol, still mentioned, reads the new text everywhere.
    let (_, conversations) = app.get_json("/api/v1/conversations", Some(&carol)).await;
    assert!(shows(&conversations, "just us"), "{conversations}");
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&carol)).await;
    assert!(shows(&notes, "just us"), "{notes}");
    // Alice keeps her own conversation.
    let (_, conversations) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert!(shows(&conversations, "just us"), "{conversations}");
}
on_both_backends!(
    edit_dropping_a_direct_mention,
    edit_dropping_a_direct_mention
);

/// An edit of a followers-only post that drops a mention: a dropped non-follower loses it
/// (notification and all); a dropped follower keeps it in their home as a follower but is no
/// longer told they were mentioned.
async fn edit_dropping_a_private_mention(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    follow(app, &bob, alice_id).await;
    let private = post(
        app,
        &alice,
        json!({"status": "@bob @carol the plan", "visibility": "private"}),
    )
    .await;
    let sid = id(&private);
    app.run_jobs().await;
    assert_eq!(unread(app, &carol).await, 1);
    let (status, _) = app
        .get_json(&format!("/api/v1/statuses/{sid}"), Some(&carol))
        .await;
    assert_eq!(status, 200);

    let (status, body) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{sid}"),
            &alice,
            json!({"status": "the plan, for followers only"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.run_jobs().await;

    // Carol: not a follower, no longer mentioned: nothing left.
    let (status, body) = app
        .get_json(&format!("/api/v1/statuses/{sid}"), Some(&carol))
        .await;
    assert_eq!(status, 404, "{body}");
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&carol)).await;
    assert!(!shows(&notes, &sid), "{notes}");
    assert_eq!(unread(app, &carol).await, 0);
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&carol)).await;
    assert!(!shows(&home, "the plan"), "{home}");
    // Bob follows Alice: the post stays in his home, with the new text; the mention is gone.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(shows(&home, "for followers only"), "{home}");
    let (_, notes) = app
        .get_json("/api/v1/notifications?types[]=mention", Some(&bob))
        .await;
    assert_eq!(notes, json!([]), "{notes}");
}
on_both_backends!(
    edit_dropping_a_private_mention,
    edit_dropping_a_private_mention
);

/// The read caches (tokens, logins, filters) never show what a change hides: each change
/// below is followed at once by a read with caches warmed by the reads before it, and the
/// caches are trusted for an hour, so only their invalidation can make these pass.
async fn a_warm_cache_hides_at_once(app: &TestApp) {
    use common::moderation::{action, user};
    let (_, moderator) = user(app, "mod", Some("moderator"), true).await;
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    follow(app, &bob, alice_id).await;
    let zebra = id(&post(app, &alice, json!({ "status": "a zebra crossing" })).await);
    let private = id(&post(
        app,
        &alice,
        json!({ "status": SECRET, "visibility": "private" }),
    )
    .await);
    app.run_jobs().await;
    let home = |token: String| async move {
        let (status, v) = app.get_json("/api/v1/timelines/home", Some(&token)).await;
        assert_eq!(status, 200, "{v}");
        v
    };
    let shown = home(bob.clone()).await;
    assert!(shows(&shown, &zebra) && shows(&shown, &private), "{shown}");
    assert!(app.state.read_cache.sizes()[0].0 > 0, "the token is cached");

    // A filter, then its removal.
    let (status, filter) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({ "title": "stripes", "context": ["home"], "filter_action": "hide",
                    "keywords_attributes": [{ "keyword": "zebra" }] }),
        )
        .await;
    assert_eq!(status, 200, "{filter}");
    assert!(!shows(&home(bob.clone()).await, &zebra), "filtered at once");
    let filter_id = filter["id"].as_str().expect("filter id");
    let res = app
        .client
        .delete(app.url(&format!("/api/v2/filters/{filter_id}")))
        .bearer_auth(&bob)
        .send()
        .await
        .expect("DELETE filter");
    assert_eq!(res.status(), 200);
    assert!(
        shows(&home(bob.clone()).await, &zebra),
        "unfiltered at once"
    );

    // A mute, then a block (which also ends the follow: the private post is gone).
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/mute"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!shows(&home(bob.clone()).await, &zebra), "muted at once");
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/unmute"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(shows(&home(bob.clone()).await, &zebra));
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/block"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let after = home(bob.clone()).await;
    assert!(
        !shows(&after, &zebra) && !shows(&after, &private),
        "{after}"
    );
    let (status, _) = app
        .get_json(&format!("/api/v1/statuses/{private}"), Some(&bob))
        .await;
    assert_eq!(
        status, 404,
        "a blocked reader loses the followers-only post at once"
    );

    // A suspension: the warm token stops working at once.
    let (status, body) = action(
        app,
        &moderator,
        bob_id,
        json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#3.2",
                "text": "Spam" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert_eq!(status, 403, "suspended at once: {body}");

    // A revoked token stops working at once; another token of the same user goes on, until
    // the login is disabled.
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (client_id, secret) = app.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let grant = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("username", "carol"),
            ("password", "correct horse battery"),
            ("scope", "read"),
        ])
        .send()
        .await
        .expect("POST /oauth/token");
    let grant: Value = grant.json().await.expect("token JSON");
    let revoked = grant["access_token"].as_str().expect("token").to_string();
    for token in [&carol, &revoked] {
        let (status, _) = app.get_json("/api/v1/timelines/home", Some(token)).await;
        assert_eq!(status, 200);
    }
    let res = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("token", revoked.as_str()),
        ])
        .send()
        .await
        .expect("POST /oauth/revoke");
    assert_eq!(res.status(), 200);
    let (status, _) = app.get_json("/api/v1/timelines/home", Some(&revoked)).await;
    assert_eq!(status, 401, "revoked at once");
    let (status, _) = app.get_json("/api/v1/timelines/home", Some(&carol)).await;
    assert_eq!(status, 200, "the other token goes on");
    let (status, body) = action(
        app,
        &moderator,
        carol_id,
        json!({ "type": "disable", "policy_clause": "code-of-conduct@1#3.2",
                "text": "Automated posting" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.get_json("/api/v1/timelines/home", Some(&carol)).await;
    assert_eq!(status, 403, "disabled at once: {body}");
}

/// The account and status-parts caches (a page's authors, mentions and tags) show each change
/// at once: a profile edit, the counters, a moderator's `sensitive`, and an edit's new mentions
/// and tags. The caches are trusted for an hour and warmed by the read before each change.
async fn a_warm_cache_shows_changes_at_once(app: &TestApp) {
    use common::moderation::{action, user};
    let (_, moderator) = user(app, "mod", Some("moderator"), true).await;
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    app.user_with_token("dave").await;
    follow(app, &bob, alice_id).await;
    let first = id(&post(app, &alice, json!({ "status": "hello @carol #zebra" })).await);
    app.run_jobs().await;
    let entry = |token: String| {
        let first = first.clone();
        async move {
            let (status, page) = app.get_json("/api/v1/timelines/home", Some(&token)).await;
            assert_eq!(status, 200, "{page}");
            page.as_array()
                .and_then(|a| a.iter().find(|s| s["id"] == first.as_str()))
                .cloned()
                .unwrap_or_else(|| panic!("the post is on the page: {page}"))
        }
    };
    let names = |list: &Value, key: &str| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m[key].as_str().map(str::to_string))
            .collect()
    };
    // Reads until the author and the post's parts are on their shelves (a read that raced a
    // background commit is not kept), so each change below meets a warm cache.
    let first_id: i64 = first.parse().expect("id");
    let warm = || async {
        for _ in 0..50 {
            entry(bob.clone()).await;
            let cache = &app.state.read_cache;
            if cache.accounts(&[alice_id]).1.is_empty() && cache.parts(&[first_id]).1.is_empty() {
                return;
            }
        }
        panic!("the author and the post never stayed cached");
    };
    warm().await;
    let seen = entry(bob.clone()).await;
    assert_eq!(seen["account"]["statuses_count"], 1, "{seen}");
    assert_eq!(seen["account"]["followers_count"], 1, "{seen}");
    assert_eq!(names(&seen["mentions"], "username"), ["carol"], "{seen}");
    assert_eq!(names(&seen["tags"], "name"), ["zebra"], "{seen}");

    warm().await;
    let (status, body) = app
        .send_json(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            &alice,
            json!({ "display_name": "Alice Liddell" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = entry(bob.clone()).await;
    assert_eq!(seen["account"]["display_name"], "Alice Liddell", "{seen}");

    warm().await;
    follow(app, &carol, alice_id).await;
    let seen = entry(bob.clone()).await;
    assert_eq!(seen["account"]["followers_count"], 2, "{seen}");
    warm().await;
    post(app, &alice, json!({ "status": "a second post" })).await;
    let seen = entry(bob.clone()).await;
    assert_eq!(seen["account"]["statuses_count"], 2, "{seen}");

    warm().await;
    let (status, body) = action(
        app,
        &moderator,
        alice_id,
        json!({ "type": "sensitive", "policy_clause": "code-of-conduct@1#3.1", "text": "cw" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let seen = entry(bob.clone()).await;
    assert_eq!(seen["sensitive"], true, "{seen}");

    warm().await;
    let (status, body) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{first}"),
            &alice,
            json!({ "status": "hello @dave #stripes" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = entry(bob.clone()).await;
    assert_eq!(names(&seen["mentions"], "username"), ["dave"], "{seen}");
    assert_eq!(names(&seen["tags"], "name"), ["stripes"], "{seen}");
}

on_both_backends!(
    warm_cache_shows_changes_at_once,
    a_warm_cache_shows_changes_at_once,
    |c: &mut herd::config::Config| c.cache.ttl_seconds = 3600
);

on_both_backends!(
    warm_cache_hides_at_once,
    a_warm_cache_hides_at_once,
    |c: &mut herd::config::Config| c.cache.ttl_seconds = 3600
);
