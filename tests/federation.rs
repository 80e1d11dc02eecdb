//! Federation over loopback: two Herd instances in one process (each its own 127.0.0.1:port
//! domain), driving each other through signed ActivityPub requests; plus the bad inputs of
//! research part B against a real inbox, and the SSRF guard.

mod common;

use common::federation::{domain, settle};

use common::{Backend, TestApp};
use herd::federation::{keys, signatures};
use serde_json::{json, Value};

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

async fn home_texts(app: &TestApp, token: &str) -> Vec<String> {
    let (status, v) = app.get_json("/api/v1/timelines/home", Some(token)).await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| {
            let s = if s["reblog"].is_object() {
                &s["reblog"]
            } else {
                s
            };
            s["content"].as_str().unwrap_or("").to_string()
        })
        .collect()
}

/// The remote status on `app` whose content contains `needle`, via the home timeline.
async fn find_in_home(app: &TestApp, token: &str, needle: &str) -> Option<Value> {
    let (_, v) = app.get_json("/api/v1/timelines/home", Some(token)).await;
    v.as_array()?
        .iter()
        .find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle)))
        .cloned()
}

async fn discovery(a: &TestApp) {
    let _ = a.create_user("alice", "correct horse battery").await;
    let d = domain(a);
    let (status, jrd) = a
        .get_json(
            &format!("/.well-known/webfinger?resource=acct:alice@{d}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(jrd["subject"], format!("acct:alice@{d}"));
    let actor = format!("http://{d}/users/alice");
    assert!(jrd["links"]
        .as_array()
        .expect("links")
        .iter()
        .any(|l| l["rel"] == "self" && l["href"] == actor.as_str()));
    // The actor URL as a resource works too; a missing resource is 400, an unknown user 404.
    let (status, _) = a
        .get_json(&format!("/.well-known/webfinger?resource={actor}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(a.get_json("/.well-known/webfinger", None).await.0, 400);
    assert_eq!(
        a.get_json(
            &format!("/.well-known/webfinger?resource=acct:nobody@{d}"),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        a.get_json(
            "/.well-known/webfinger?resource=acct:alice@elsewhere.example",
            None
        )
        .await
        .0,
        404
    );

    // The actor document, by content negotiation.
    let res = a
        .client
        .get(&actor)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET actor");
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("ctype")
        .starts_with("application/activity+json"));
    let doc: Value = res.json().await.expect("json");
    assert_eq!(doc["id"], actor.as_str());
    assert_eq!(doc["type"], "Person");
    assert_eq!(doc["preferredUsername"], "alice");
    assert_eq!(doc["inbox"], format!("{actor}/inbox"));
    assert_eq!(doc["endpoints"]["sharedInbox"], format!("http://{d}/inbox"));
    assert_eq!(doc["publicKey"]["id"], format!("{actor}#main-key"));
    assert_eq!(doc["publicKey"]["owner"], actor.as_str());
    assert!(doc["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("pem")
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(doc["@context"][0] == "https://www.w3.org/ns/activitystreams");
    // The same key on a second fetch (stored, not regenerated).
    let again: Value = a
        .client
        .get(&actor)
        .header(
            "accept",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
        )
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(again["publicKey"], doc["publicKey"]);
    // A browser is sent to the profile page.
    let res = a
        .client
        .get(&actor)
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 302);

    // Instance actor, co-op Group, NodeInfo, host-meta, collections.
    let inst: Value = a
        .client
        .get(a.url("/actor"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(inst["type"], "Application");
    assert_eq!(inst["preferredUsername"], d.as_str());
    let group: Value = a
        .client
        .get(a.url("/coop"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(group["type"], "Group");
    let (status, links) = a.get_json("/.well-known/nodeinfo", None).await;
    assert_eq!(status, 200);
    assert_eq!(links["links"].as_array().expect("links").len(), 2);
    for v in ["2.0", "2.1"] {
        let (status, ni) = a.get_json(&format!("/nodeinfo/{v}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(ni["software"]["name"], "herd");
        assert_eq!(ni["metadata"]["upstream"]["name"], "mastodon");
        assert_eq!(ni["protocols"][0], "activitypub");
    }
    let xrd = a
        .client
        .get(a.url("/.well-known/host-meta"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    assert!(xrd.contains("lrdd"), "{xrd}");
    let (status, outbox) = a.get_json("/users/alice/outbox", None).await;
    assert_eq!(status, 200);
    assert_eq!(outbox["type"], "OrderedCollection");
    let (status, followers) = a.get_json("/users/alice/followers", None).await;
    assert_eq!(status, 200);
    assert_eq!(followers["totalItems"], 0);
}

on_both_backends!(webfinger_actor_and_nodeinfo, discovery);

/// alice@A follows bob@B; bob's posts of each visibility reach exactly the right places;
/// a reply, a like and a boost go back; an edit and a delete follow.
async fn conversation(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, carol) = a.user_with_token("carol").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (db, da) = (domain(&b), domain(&a));

    // Resolve bob on A by handle, follow: pending until B's Accept arrives.
    let (status, remote_bob) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{db}"),
            Some(&alice),
        )
        .await;
    assert_eq!(status, 200, "{remote_bob}");
    assert_eq!(remote_bob["acct"], format!("bob@{db}"));
    let bob_on_a = remote_bob["id"].as_str().expect("id").to_string();
    let (status, rel) = a
        .post_json(
            &format!("/api/v1/accounts/{bob_on_a}/follow"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["requested"], true);
    assert_eq!(rel["following"], false);
    settle(&a, &b).await;
    let (_, rels) = a
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={bob_on_a}"),
            Some(&alice),
        )
        .await;
    assert_eq!(rels[0]["following"], true, "{rels}");
    assert_eq!(rels[0]["requested"], false, "{rels}");
    // B counts alice as bob's follower.
    let (_, bob_self) = b
        .get_json("/api/v1/accounts/verify_credentials", Some(&bob))
        .await;
    assert_eq!(bob_self["followers_count"], 1, "{bob_self}");

    // bob posts in every visibility.
    let public = post(
        &b,
        &bob,
        json!({"status": "hello fediverse", "visibility": "public"}),
    )
    .await;
    post(
        &b,
        &bob,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    post(
        &b,
        &bob,
        json!({"status": format!("@alice@{da} psst"), "visibility": "direct"}),
    )
    .await;
    post(
        &b,
        &bob,
        json!({"status": "only on B", "visibility": "public", "local_only": true}),
    )
    .await;
    settle(&a, &b).await;

    let home = home_texts(&a, &alice).await;
    let has = |s: &str| home.iter().any(|c| c.contains(s));
    assert!(has("hello fediverse"), "{home:?}");
    assert!(has("for followers"), "{home:?}");
    assert!(has("psst"), "{home:?}");
    assert!(!has("only on B"), "{home:?}");
    // carol follows nobody: nothing reaches her home, and the private posts stay hidden.
    assert!(home_texts(&a, &carol).await.is_empty());
    let private_on_a = find_in_home(&a, &alice, "for followers")
        .await
        .expect("private");
    let (status, _) = a
        .get_json(
            &format!(
                "/api/v1/statuses/{}",
                private_on_a["id"].as_str().expect("id")
            ),
            Some(&carol),
        )
        .await;
    assert_eq!(status, 404);
    let direct_on_a = find_in_home(&a, &alice, "psst").await.expect("direct");
    assert_eq!(direct_on_a["visibility"], "direct");
    assert_eq!(private_on_a["visibility"], "private");
    // alice was notified of the mention.
    let (_, notes) = a.get_json("/api/v1/notifications", Some(&alice)).await;
    assert!(
        notes
            .as_array()
            .expect("array")
            .iter()
            .any(|n| n["type"] == "mention"),
        "{notes}"
    );

    // The public post on A: reply, like and boost travel back to B.
    let public_on_a = find_in_home(&a, &alice, "hello fediverse")
        .await
        .expect("public");
    let pid = public_on_a["id"].as_str().expect("id").to_string();
    assert_eq!(public_on_a["account"]["acct"], format!("bob@{db}"));
    assert_eq!(public_on_a["uri"], public["uri"]);
    post(
        &a,
        &alice,
        json!({"status": format!("@bob@{db} nice to meet you"), "in_reply_to_id": pid}),
    )
    .await;
    let (status, _) = a
        .post_json(
            &format!("/api/v1/statuses/{pid}/favourite"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = a
        .post_json(&format!("/api/v1/statuses/{pid}/reblog"), &alice, json!({}))
        .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;
    let public_id = public["id"].as_str().expect("id");
    let (_, on_b) = b
        .get_json(&format!("/api/v1/statuses/{public_id}"), Some(&bob))
        .await;
    assert_eq!(on_b["replies_count"], 1, "{on_b}");
    assert_eq!(on_b["favourites_count"], 1, "{on_b}");
    assert_eq!(on_b["reblogs_count"], 1, "{on_b}");
    let (_, context) = b
        .get_json(&format!("/api/v1/statuses/{public_id}/context"), Some(&bob))
        .await;
    assert!(
        context["descendants"][0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("nice to meet you")),
        "{context}"
    );
    let (_, notes) = b.get_json("/api/v1/notifications", Some(&bob)).await;
    let types: Vec<&str> = notes
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    for t in ["follow", "mention", "favourite", "reblog"] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    // Un-favourite travels too.
    a.post_json(
        &format!("/api/v1/statuses/{pid}/unfavourite"),
        &alice,
        json!({}),
    )
    .await;
    settle(&a, &b).await;
    let (_, on_b) = b
        .get_json(&format!("/api/v1/statuses/{public_id}"), Some(&bob))
        .await;
    assert_eq!(on_b["favourites_count"], 0, "{on_b}");

    // An edit updates A's copy (its tags too, though A has them cached from this read);
    // a delete removes it.
    let (_, before) = a
        .get_json(&format!("/api/v1/statuses/{pid}"), Some(&alice))
        .await;
    assert_eq!(before["tags"], json!([]), "{before}");
    let res = b
        .client
        .put(b.url(&format!("/api/v1/statuses/{public_id}")))
        .bearer_auth(&bob)
        .json(&json!({"status": "hello fediverse, edited #revised"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    settle(&a, &b).await;
    let (_, edited) = a
        .get_json(&format!("/api/v1/statuses/{pid}"), Some(&alice))
        .await;
    assert!(
        edited["content"]
            .as_str()
            .expect("content")
            .contains("edited"),
        "{edited}"
    );
    assert!(edited["edited_at"].is_string(), "{edited}");
    assert_eq!(edited["tags"][0]["name"], "revised", "{edited}");
    let res = b
        .client
        .delete(b.url(&format!("/api/v1/statuses/{public_id}")))
        .bearer_auth(&bob)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(res.status(), 200);
    settle(&a, &b).await;
    assert_eq!(
        a.get_json(&format!("/api/v1/statuses/{pid}"), Some(&alice))
            .await
            .0,
        404
    );

    // Unfollow: bob's next post no longer reaches alice.
    a.post_json(
        &format!("/api/v1/accounts/{bob_on_a}/unfollow"),
        &alice,
        json!({}),
    )
    .await;
    settle(&a, &b).await;
    let (_, bob_self) = b
        .get_json("/api/v1/accounts/verify_credentials", Some(&bob))
        .await;
    assert_eq!(bob_self["followers_count"], 0, "{bob_self}");
    post(&b, &bob, json!({"status": "after the unfollow"})).await;
    settle(&a, &b).await;
    assert!(!home_texts(&a, &alice)
        .await
        .iter()
        .any(|c| c.contains("after the unfollow")));

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_post_reply_like_boost_edit_delete_sqlite() {
    conversation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_post_reply_like_boost_edit_delete_postgres() {
    conversation(Backend::Postgres).await;
}

/// A locked account gets a follow request, and the Accept goes out when it is authorized.
async fn locked(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let res = b
        .client
        .patch(b.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&bob)
        .json(&json!({"locked": true}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(res.status(), 200);
    let (_, remote_bob) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", domain(&b)),
            Some(&alice),
        )
        .await;
    assert_eq!(remote_bob["locked"], true, "{remote_bob}");
    let id = remote_bob["id"].as_str().expect("id");
    a.post_json(&format!("/api/v1/accounts/{id}/follow"), &alice, json!({}))
        .await;
    settle(&a, &b).await;
    let (_, reqs) = b.get_json("/api/v1/follow_requests", Some(&bob)).await;
    assert_eq!(reqs.as_array().expect("array").len(), 1, "{reqs}");
    // No followers-only post reaches a pending follower.
    post(
        &b,
        &bob,
        json!({"status": "not for pending eyes", "visibility": "private"}),
    )
    .await;
    settle(&a, &b).await;
    assert!(home_texts(&a, &alice).await.is_empty());
    let alice_on_b = reqs[0]["id"].as_str().expect("id");
    let (status, _) = b
        .post_json(
            &format!("/api/v1/follow_requests/{alice_on_b}/authorize"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;
    let (_, rels) = a
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(rels[0]["following"], true, "{rels}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_account_request_then_authorize_sqlite() {
    locked(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_account_request_then_authorize_postgres() {
    locked(Backend::Postgres).await;
}

/// A signed POST from `signer` (a local user of `from`) to `to`'s shared inbox.
struct Signer<'a> {
    from: &'a TestApp,
    owner: String,
    key_id: String,
}

impl Signer<'_> {
    async fn post(
        &self,
        to: &TestApp,
        body: &[u8],
        tweak: impl FnOnce(&mut reqwest::header::HeaderMap),
        date_offset_secs: i64,
    ) -> u16 {
        let key = keys::signing_key(&self.from.state, &self.owner)
            .await
            .expect("key");
        let now = self.from.state.clock.now_micros() + date_offset_secs * 1_000_000;
        let signed = signatures::sign(
            &key,
            &self.key_id,
            "post",
            &domain(to),
            "/inbox",
            Some(body),
            now,
        )
        .expect("sign");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "content-type",
            "application/activity+json".parse().expect("h"),
        );
        headers.insert("date", signed.date.parse().expect("h"));
        headers.insert(
            "digest",
            signed.digest.unwrap_or_default().parse().expect("h"),
        );
        headers.insert("signature", signed.signature.parse().expect("h"));
        tweak(&mut headers);
        to.client
            .post(to.url("/inbox"))
            .headers(headers)
            .body(body.to_vec())
            .send()
            .await
            .expect("POST")
            .status()
            .as_u16()
    }
}

async fn count_statuses(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

async fn bad_input(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    a.create_user("alice", "correct horse battery").await;
    let bob_id = b.create_user("bob", "correct horse battery").await;
    b.create_user("mallory", "correct horse battery").await;
    let (da, db) = (domain(&a), domain(&b));
    let bob = format!("http://{db}/users/bob");
    let signer = Signer {
        from: &b,
        owner: bob_id.to_string(),
        key_id: format!("{bob}#main-key"),
    };
    let create = |id: &str, object_id: &str, actor: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": "Create",
            "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": object_id,
                "type": "Note",
                "attributedTo": actor,
                "content": "<p>hi <script>alert(1)</script></p>",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            }
        })
        .to_string()
    };
    let good = create(
        &format!("{bob}/statuses/1/activity"),
        &format!("{bob}/statuses/1"),
        &bob,
    );

    // Unsigned, garbage signature, RFC 9421 → 401.
    let res = a
        .client
        .post(a.url("/inbox"))
        .header("content-type", "application/activity+json")
        .body(good.clone())
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 401);
    assert!(res.json::<Value>().await.expect("json")["error"].is_string());
    let garbage = signer
        .post(
            &a,
            good.as_bytes(),
            |h| {
                h.insert("signature", "keyId=nope,signature=!!!".parse().expect("h"));
            },
            0,
        )
        .await;
    assert_eq!(garbage, 401);
    let rfc9421 = signer
        .post(
            &a,
            good.as_bytes(),
            |h| {
                h.insert(
                    "signature-input",
                    "sig1=(\"@method\");created=1".parse().expect("h"),
                );
            },
            0,
        )
        .await;
    assert_eq!(rfc9421, 401);
    // Body changed after signing (Digest mismatch) → 401.
    let sign_then_swap = {
        let key = keys::signing_key(&b.state, &bob_id.to_string())
            .await
            .expect("key");
        let signed = signatures::sign(
            &key,
            &signer.key_id,
            "post",
            &da,
            "/inbox",
            Some(good.as_bytes()),
            b.state.clock.now_micros(),
        )
        .expect("sign");
        a.client
            .post(a.url("/inbox"))
            .header("content-type", "application/activity+json")
            .header("date", signed.date)
            .header("digest", signed.digest.unwrap_or_default())
            .header("signature", signed.signature)
            .body(good.replace("hi", "ho"))
            .send()
            .await
            .expect("POST")
            .status()
    };
    assert_eq!(sign_then_swap, 401);
    // Date outside the window → 401 (2 h old, 2 h ahead).
    assert_eq!(signer.post(&a, good.as_bytes(), |_| {}, -7200).await, 401);
    assert_eq!(signer.post(&a, good.as_bytes(), |_| {}, 7200).await, 401);
    // Signed by bob, claiming to be mallory → 401.
    let mallory = format!("http://{db}/users/mallory");
    let forged = create(
        &format!("{mallory}/statuses/2/activity"),
        &format!("{mallory}/statuses/2"),
        &mallory,
    );
    assert_eq!(signer.post(&a, forged.as_bytes(), |_| {}, 0).await, 401);
    // Too large → 413; malformed JSON → 400.
    let huge = vec![b' '; 1024 * 1024 + 10];
    assert_eq!(signer.post(&a, &huge, |_| {}, 0).await, 413);
    assert_eq!(signer.post(&a, b"{not json", |_| {}, 0).await, 400);
    // A Create whose object lives on another origin (A's own, or another port) → refused.
    let spoof = create(
        &format!("{bob}/statuses/3/activity"),
        &format!("http://{da}/users/alice/statuses/3"),
        &bob,
    );
    let code = signer.post(&a, spoof.as_bytes(), |_| {}, 0).await;
    assert!(code == 401 || code == 400, "{code}");
    // attributedTo someone else → refused.
    let mut other: Value = serde_json::from_str(&create(
        &format!("{bob}/statuses/4/activity"),
        &format!("{bob}/statuses/4"),
        &bob,
    ))
    .expect("json");
    other["object"]["attributedTo"] = json!(format!("http://{da}/users/alice"));
    let code = signer
        .post(&a, other.to_string().as_bytes(), |_| {}, 0)
        .await;
    assert!(code == 401 || code == 400, "{code}");
    assert_eq!(
        count_statuses(&a).await,
        0,
        "nothing was written by refused requests"
    );

    // The good one is accepted once, sanitised; its replay is accepted and ignored.
    assert_eq!(signer.post(&a, good.as_bytes(), |_| {}, 0).await, 202);
    assert_eq!(signer.post(&a, good.as_bytes(), |_| {}, 0).await, 202);
    assert_eq!(count_statuses(&a).await, 1);
    let (content,): (String,) = sqlx::query_as("SELECT content FROM statuses")
        .fetch_one(&a.state.db.pool)
        .await
        .expect("row");
    assert!(!content.contains("script"), "{content}");
    // An unknown activity type → 202, nothing written; a bare-string object → never 500.
    let odd = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{bob}#x1"), "type": "Wiggle", "actor": bob, "object": "x"}).to_string();
    assert_eq!(signer.post(&a, odd.as_bytes(), |_| {}, 0).await, 202);
    let bare = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{bob}#x2"), "type": "Create", "actor": bob, "object": format!("{bob}/statuses/9")}).to_string();
    assert_eq!(signer.post(&a, bare.as_bytes(), |_| {}, 0).await, 202);
    // Delete then a late Create of the same note: the tombstone wins.
    let del = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{bob}#d5"), "type": "Delete", "actor": bob, "object": {"id": format!("{bob}/statuses/5"), "type": "Tombstone"}}).to_string();
    assert_eq!(signer.post(&a, del.as_bytes(), |_| {}, 0).await, 202);
    let late = create(
        &format!("{bob}/statuses/5/activity"),
        &format!("{bob}/statuses/5"),
        &bob,
    );
    assert_eq!(signer.post(&a, late.as_bytes(), |_| {}, 0).await, 202);
    assert_eq!(count_statuses(&a).await, 1);
    // A user inbox of nobody → 404.
    let res = a
        .client
        .post(a.url("/users/nobody/inbox"))
        .body("{}")
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 404);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_refuses_bad_input_sqlite() {
    bad_input(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_refuses_bad_input_postgres() {
    bad_input(Backend::Postgres).await;
}

/// Without the loopback allow-list, the fetcher refuses to reach a private address, by
/// IP literal and by a name that resolves to one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssrf_guard_refuses_private_addresses() {
    let b = TestApp::spawn(Backend::Sqlite).await.expect("app");
    b.create_user("bob", "correct horse battery").await;
    let a = TestApp::spawn_with(Backend::Sqlite, |c| c.federation.allow_private.clear())
        .await
        .expect("app");
    let (_, alice) = a.user_with_token("alice").await;
    let port = b
        .state
        .config
        .domain
        .rsplit(':')
        .next()
        .expect("port")
        .to_string();
    for url in [
        format!("http://127.0.0.1:{port}/users/bob"),
        format!("http://localhost:{port}/users/bob"),
        format!("http://[::1]:{port}/users/bob"),
        "http://169.254.169.254/latest/meta-data".to_string(),
    ] {
        let err = herd::federation::fetch::get_object(&a.state, &url).await;
        assert!(
            matches!(
                err,
                Err(herd::federation::fetch::FetchError::Refused(_))
                    | Err(herd::federation::fetch::FetchError::Transport(_))
            ),
            "{url}: {err:?}"
        );
        assert!(err.is_err(), "{url} must be refused");
    }
    // Resolving a handle on a private address is refused too (404, nothing stored).
    let (status, _) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", domain(&b)),
            Some(&alice),
        )
        .await;
    assert_eq!(status, 404);
    // With the allow-list (the default test config) the same fetch works.
    let c = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let doc = herd::federation::fetch::get_object(
        &c.state,
        &format!("http://127.0.0.1:{port}/users/bob"),
    )
    .await
    .expect("allowed");
    assert_eq!(doc["preferredUsername"], "bob");
    a.stop().await;
    b.stop().await;
    c.stop().await;
}
