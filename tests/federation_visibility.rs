//! Visibility across servers (issue 12, item 2): an Announce of a followers-only post is
//! addressed to the booster's followers, never Public; a remote Announce of a local-only,
//! followers-only or direct post of ours is refused with nothing stored; an edit that drops a
//! remote mention is not delivered to the dropped person, and an incoming edit that drops a
//! local recipient takes the post away from them. Two Herd instances over HTTP, each backend.

mod common;

use common::federation::{domain, settle, signed_post};
use common::{Backend, TestApp};
use serde_json::{json, Value};

macro_rules! pair_test {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body(Backend::Postgres).await;
            }
        }
    };
}

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn pair(backend: Backend) -> Option<(TestApp, TestApp)> {
    let a = TestApp::spawn(backend).await?;
    let b = TestApp::spawn(backend).await?;
    Some((a, b))
}

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// `token` on `from` looks up `acct` and follows it.
async fn follow(from: &TestApp, token: &str, acct: &str) {
    let (status, found) = from
        .get_json(&format!("/api/v1/accounts/lookup?acct={acct}"), Some(token))
        .await;
    assert_eq!(status, 200, "{found}");
    let (status, rel) = from
        .post_json(
            &format!("/api/v1/accounts/{}/follow", id(&found)),
            token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
}

/// The activities queued for delivery on `app` (Distribute jobs): (activity, inboxes,
/// followers_of).
async fn queued(app: &TestApp) -> Vec<(Value, Vec<String>, Value)> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT payload FROM jobs WHERE kind = 'distribute'")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("jobs");
    rows.into_iter()
        .map(|(p,)| {
            let job: Value = serde_json::from_str(&p).expect("payload");
            let activity: Value =
                serde_json::from_str(job["activity"].as_str().expect("activity")).expect("json");
            let inboxes = job["inboxes"]
                .as_array()
                .expect("inboxes")
                .iter()
                .map(|i| i.as_str().expect("inbox").to_string())
                .collect();
            (activity, inboxes, job["followers_of"].clone())
        })
        .collect()
}

fn addressed(activity: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["to", "cc"] {
        if let Some(list) = activity[key].as_array() {
            out.extend(list.iter().filter_map(|v| v.as_str()).map(String::from));
        }
    }
    out
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

/// Alice (on A) boosts her own followers-only post: the Announce goes to her followers
/// only (never Public), and her follower on B sees a followers-only boost that nobody else
/// there can open.
async fn announce_of_private_goes_to_followers(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (da, db) = (domain(&a), domain(&b));
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (_, carol) = b.user_with_token("carol").await;
    follow(&b, &bob, &format!("alice@{da}")).await;
    settle(&a, &b).await;
    let private = post(
        &a,
        &alice,
        json!({"status": "secret-for-followers", "visibility": "private"}),
    )
    .await;
    settle(&a, &b).await;
    let (status, wrapper) = a
        .post_json(
            &format!("/api/v1/statuses/{}/reblog", id(&private)),
            &alice,
            json!({"visibility": "public"}),
        )
        .await;
    assert_eq!(status, 200, "{wrapper}");
    let announces: Vec<_> = queued(&a)
        .await
        .into_iter()
        .filter(|(act, _, _)| act["type"] == "Announce")
        .collect();
    assert_eq!(announces.len(), 1, "{announces:?}");
    let (announce, _, followers_of) = &announces[0];
    let followers = format!("http://{da}/users/alice/followers");
    assert_eq!(announce["to"], json!([followers]), "{announce}");
    let audience = addressed(announce);
    assert!(
        !audience
            .iter()
            .any(|u| u == PUBLIC || u == "as:Public" || u == "Public"),
        "never Public: {announce}"
    );
    assert_eq!(announce["object"], private["uri"], "{announce}");
    assert!(followers_of.is_number(), "to followers: {followers_of}");
    settle(&a, &b).await;

    // On B: Bob's home shows a followers-only boost; Carol and anonymous cannot open it.
    let (_, home) = b.get_json("/api/v1/timelines/home", Some(&bob)).await;
    let boost = home
        .as_array()
        .expect("home")
        .iter()
        .find(|s| s["reblog"].is_object())
        .cloned()
        .unwrap_or_else(|| panic!("the boost reaches the follower on B: {home}"));
    assert_eq!(boost["visibility"], "private", "{boost}");
    assert!(
        boost["reblog"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("secret-for-followers")),
        "{boost}"
    );
    let path = format!("/api/v1/statuses/{}", id(&boost));
    let (status, body) = b.get_json(&path, None).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = b.get_json(&path, Some(&carol)).await;
    assert_eq!(status, 404, "{body}");
    let (_, alice_on_b) = b
        .get_json(&format!("/api/v1/accounts/lookup?acct=alice@{da}"), None)
        .await;
    let (_, statuses) = b
        .get_json(
            &format!("/api/v1/accounts/{}/statuses", id(&alice_on_b)),
            None,
        )
        .await;
    assert!(
        !statuses.to_string().contains("secret-for-followers"),
        "{statuses}"
    );
    let _ = db;
    a.stop().await;
    b.stop().await;
}
pair_test!(
    announce_of_private_goes_to_followers,
    announce_of_private_goes_to_followers
);

/// A remote Announce of a local-only, followers-only or direct post of ours, of a boost, or
/// of a post we do not have, is refused (403) with nothing stored; a public one is taken.
async fn remote_announce_of_hidden_posts_is_refused(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (da, db) = (domain(&a), domain(&b));
    let (_, alice) = a.user_with_token("alice").await;
    let _ = a.user_with_token("dave").await;
    let (carol_id, _) = b.user_with_token("carol").await;
    let private = post(
        &a,
        &alice,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    let direct = post(
        &a,
        &alice,
        json!({"status": "@dave just you", "visibility": "direct"}),
    )
    .await;
    let local_only = post(
        &a,
        &alice,
        json!({"status": "members here only", "local_only": true}),
    )
    .await;
    let public = post(&a, &alice, json!({"status": "for everyone"})).await;
    let (status, own_boost) = a
        .post_json(
            &format!("/api/v1/statuses/{}/reblog", id(&public)),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{own_boost}");
    a.run_jobs().await;
    let carol_uri = format!("http://{db}/users/carol");
    let announce = |n: usize, object: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{carol_uri}/statuses/{n}/activity"),
            "type": "Announce",
            "actor": carol_uri,
            "published": "2026-01-01T00:00:00Z",
            "to": [PUBLIC],
            "cc": [format!("{carol_uri}/followers")],
            "object": object,
        })
    };
    let wrappers = "SELECT COUNT(*) FROM statuses WHERE reblog_of_id IS NOT NULL";
    let before = count(&a, wrappers).await;
    let refused = [
        private["uri"].as_str().unwrap().to_string(),
        direct["uri"].as_str().unwrap().to_string(),
        local_only["uri"].as_str().unwrap().to_string(),
        own_boost["uri"].as_str().unwrap().to_string(),
        format!("http://{da}/users/alice/statuses/1234567"),
    ];
    for (n, uri) in refused.iter().enumerate() {
        let status = signed_post(&b, carol_id, "carol", &a, &announce(n + 1, uri)).await;
        assert_eq!(status, 403, "{uri}");
    }
    assert_eq!(count(&a, wrappers).await, before, "no boost stored");
    assert_eq!(
        count(
            &a,
            &format!(
                "SELECT COUNT(*) FROM inbox_activities WHERE actor = '{carol_uri}' \
                 AND activity_id LIKE '%/activity'"
            )
        )
        .await,
        0,
        "no activity remembered"
    );
    let (_, notes) = a.get_json("/api/v1/notifications", Some(&alice)).await;
    assert_eq!(notes, json!([]), "nobody told");
    for s in [&private, &direct, &local_only] {
        let (_, seen) = a
            .get_json(&format!("/api/v1/statuses/{}", id(s)), Some(&alice))
            .await;
        assert_eq!(seen["reblogs_count"], 0, "{seen}");
    }

    // A public post: the boost is taken and Alice told.
    let status = signed_post(
        &b,
        carol_id,
        "carol",
        &a,
        &announce(9, public["uri"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(count(&a, wrappers).await, before + 1);
    let (_, notes) = a.get_json("/api/v1/notifications", Some(&alice)).await;
    assert_eq!(notes[0]["type"], "reblog", "{notes}");
    a.stop().await;
    b.stop().await;
}
pair_test!(
    remote_announce_of_hidden_posts_is_refused,
    remote_announce_of_hidden_posts_is_refused
);

/// An edit that drops a remote mention of a direct post is not delivered to the dropped
/// person: the Update goes to nobody on their server.
async fn edit_dropping_a_remote_mention_is_not_delivered(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let db = domain(&b);
    let (_, alice) = a.user_with_token("alice").await;
    let _ = a.user_with_token("dave").await;
    let (_, bob) = b.user_with_token("bob").await;
    // Bob lets strangers' private mentions through (Mastodon's default policy filters them).
    b.client
        .patch(b.url("/api/v2/notifications/policy"))
        .bearer_auth(&bob)
        .json(&json!({"for_private_mentions": "accept"}))
        .send()
        .await
        .expect("PATCH policy");
    let direct = post(
        &a,
        &alice,
        json!({"status": format!("@bob@{db} @dave meet at noon"), "visibility": "direct"}),
    )
    .await;
    settle(&a, &b).await;
    let (_, notes) = b.get_json("/api/v1/notifications", Some(&bob)).await;
    assert!(notes.to_string().contains("meet at noon"), "{notes}");
    // A direct message from another server opens a conversation, as a local one does.
    let (_, convs) = b.get_json("/api/v1/conversations", Some(&bob)).await;
    assert!(
        convs[0]["last_status"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("meet at noon")),
        "{convs}"
    );
    assert_eq!(convs[0]["unread"], true, "{convs}");

    let res = a
        .client
        .put(a.url(&format!("/api/v1/statuses/{}", id(&direct))))
        .bearer_auth(&alice)
        .json(&json!({"status": "@dave meet at noon, just us"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    let updates: Vec<_> = queued(&a)
        .await
        .into_iter()
        .filter(|(act, _, _)| act["type"] == "Update")
        .collect();
    for (update, inboxes, followers_of) in &updates {
        assert!(
            !inboxes.iter().any(|i| i.contains(&db)),
            "not to B: {inboxes:?}"
        );
        assert!(followers_of.is_null(), "{followers_of}");
        assert!(
            !addressed(update).iter().any(|u| u.contains(&db)),
            "{update}"
        );
    }
    settle(&a, &b).await;
    let (_, notes) = b.get_json("/api/v1/notifications", Some(&bob)).await;
    assert!(!notes.to_string().contains("just us"), "{notes}");
    a.stop().await;
    b.stop().await;
}
pair_test!(
    edit_dropping_a_remote_mention_is_not_delivered,
    edit_dropping_a_remote_mention_is_not_delivered
);

/// An incoming edit (Update) of a followers-only post that no longer mentions Bob, who does
/// not follow its author: Bob loses it (notification, status) on his server; Carol, a
/// follower there, reads the new text.
async fn incoming_edit_dropping_a_local_mention(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (da, db) = (domain(&a), domain(&b));
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (_, carol) = b.user_with_token("carol").await;
    follow(&b, &carol, &format!("alice@{da}")).await;
    settle(&a, &b).await;
    let private = post(
        &a,
        &alice,
        json!({"status": format!("@bob@{db} the plan"), "visibility": "private"}),
    )
    .await;
    settle(&a, &b).await;
    let (_, notes) = b.get_json("/api/v1/notifications", Some(&bob)).await;
    let on_b = notes[0]["status"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("Bob was told: {notes}"))
        .to_string();
    let (status, _) = b
        .get_json(&format!("/api/v1/statuses/{on_b}"), Some(&bob))
        .await;
    assert_eq!(status, 200);

    let res = a
        .client
        .put(a.url(&format!("/api/v1/statuses/{}", id(&private))))
        .bearer_auth(&alice)
        .json(&json!({"status": "the plan, for followers only"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    settle(&a, &b).await;

    let (status, body) = b
        .get_json(&format!("/api/v1/statuses/{on_b}"), Some(&bob))
        .await;
    assert_eq!(status, 404, "{body}");
    let (_, notes) = b.get_json("/api/v1/notifications", Some(&bob)).await;
    assert!(!notes.to_string().contains("the plan"), "{notes}");
    let (status, unread) = b
        .get_json("/api/v1/notifications/unread_count", Some(&bob))
        .await;
    assert_eq!(status, 200);
    assert_eq!(unread["count"], 0, "{unread}");
    let (status, seen) = b
        .get_json(&format!("/api/v1/statuses/{on_b}"), Some(&carol))
        .await;
    assert_eq!(status, 200, "{seen}");
    assert!(
        seen["content"]
            .as_str()
            .is_some_and(|c| c.contains("for followers only")),
        "{seen}"
    );
    a.stop().await;
    b.stop().await;
}
pair_test!(
    incoming_edit_dropping_a_local_mention,
    incoming_edit_dropping_a_local_mention
);

/// A post that reaches no other server queues no delivery: alice, whom nobody elsewhere
/// follows, posts without a job; once bob on B follows her, her next post is queued for his
/// server, and a post naming a remote account is queued for it even with no follower there.
async fn no_delivery_without_a_remote_audience(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (da, db) = (domain(&a), domain(&b));
    let (_, alice) = a.user_with_token("alice").await;
    let (_, dave) = a.user_with_token("dave").await;
    let (_, bob) = b.user_with_token("bob").await;
    let creates = |q: Vec<(Value, Vec<String>, Value)>| -> Vec<Value> {
        q.into_iter()
            .filter(|(act, _, _)| act["type"] == "Create")
            .map(|(act, _, _)| act)
            .collect()
    };

    post(&a, &alice, json!({"status": "to nobody out there"})).await;
    assert_eq!(creates(queued(&a).await), Vec::<Value>::new());

    follow(&b, &bob, &format!("alice@{da}")).await;
    settle(&a, &b).await;
    let seen = post(&a, &alice, json!({"status": "now bob reads this"})).await;
    let queued_now = creates(queued(&a).await);
    assert_eq!(queued_now.len(), 1, "{queued_now:?}");
    assert_eq!(queued_now[0]["object"]["id"], seen["uri"]);
    settle(&a, &b).await;
    let (_, home) = b.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(home.to_string().contains("now bob reads this"), "{home}");

    // dave has no follower on B, but he names bob there.
    let (_, found) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{db}"),
            Some(&dave),
        )
        .await;
    assert_eq!(found["acct"], format!("bob@{db}"), "{found}");
    post(&a, &dave, json!({"status": format!("hello @bob@{db}")})).await;
    assert_eq!(creates(queued(&a).await).len(), 1);
    a.stop().await;
    b.stop().await;
}
pair_test!(
    no_delivery_without_a_remote_audience,
    no_delivery_without_a_remote_audience
);
