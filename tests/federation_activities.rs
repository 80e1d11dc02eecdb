//! Federation beyond the core (issue 4): authorized fetch, polls over ActivityPub, profile
//! updates, account migration (Move), pins (Add/Remove), paged follower collections and
//! thread parents fetched on demand. Two Herd instances in one process, over HTTP, on each
//! backend; each feature also meets its bad inputs.

mod common;

use common::federation::{domain, settle_in, signed_post};

use common::{Backend, TestApp};
use herd::federation::{keys, signatures};
use serde_json::{json, Value};

/// Runs one two-instance test body on SQLite and on PostgreSQL.
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

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// `who` (a token on `from`) looks up `acct` and follows it; returns the remote account's id.
async fn follow(from: &TestApp, token: &str, acct: &str) -> String {
    let (status, found) = from
        .get_json(&format!("/api/v1/accounts/lookup?acct={acct}"), Some(token))
        .await;
    assert_eq!(status, 200, "{found}");
    let id = found["id"].as_str().expect("id").to_string();
    let (status, rel) = from
        .post_json(&format!("/api/v1/accounts/{id}/follow"), token, json!({}))
        .await;
    assert_eq!(status, 200, "{rel}");
    id
}

/// The status on `app` whose content contains `needle`, from the home timeline.
async fn find_in_home(app: &TestApp, token: &str, needle: &str) -> Option<Value> {
    let (_, v) = app.get_json("/api/v1/timelines/home", Some(token)).await;
    v.as_array()?
        .iter()
        .find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle)))
        .cloned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

// ---------------------------------------------------------------------------------------
// 1. Authorized fetch.

/// A GET of `path` on `to` with an ActivityPub Accept and the given Signature/Date headers.
async fn ap_get(to: &TestApp, path: &str, date: Option<&str>, signature: Option<&str>) -> u16 {
    let mut req = to
        .client
        .get(to.url(path))
        .header("accept", "application/activity+json");
    if let Some(d) = date {
        req = req.header("date", d);
    }
    if let Some(s) = signature {
        req = req.header("signature", s);
    }
    req.send().await.expect("GET").status().as_u16()
}

/// A GET of `path` on `to` signed by `from`'s instance actor over `headers_list`.
async fn instance_signed_get(
    from: &TestApp,
    to: &TestApp,
    path: &str,
    headers_list: &str,
    age_secs: i64,
) -> u16 {
    use base64::Engine;
    let key = keys::signing_key(&from.state, "instance")
        .await
        .expect("key");
    let date = signatures::http_date(from.state.clock.now_micros() - age_secs * 1_000_000);
    let lines: Vec<String> = headers_list
        .split(' ')
        .map(|h| match h {
            "(request-target)" => format!("(request-target): get {path}"),
            "host" => format!("host: {}", domain(to)),
            "date" => format!("date: {date}"),
            other => panic!("{other}"),
        })
        .collect();
    let sig = key.sign(lines.join("\n").as_bytes()).expect("sign");
    let header = format!(
        "keyId=\"http://{}/actor#main-key\",algorithm=\"rsa-sha256\",headers=\"{headers_list}\",signature=\"{}\"",
        domain(from),
        base64::engine::general_purpose::STANDARD.encode(sig)
    );
    ap_get(to, path, Some(&date), Some(&header)).await
}

async fn secure_mode(backend: Backend) {
    let Some(a) = TestApp::spawn_with(backend, |c| c.federation.secure_mode = true).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (da, db) = (domain(&a), domain(&b));
    let status = post(&a, &alice, json!({"status": "behind authorized fetch"})).await;
    let sid = status["id"].as_str().expect("id");

    // Unsigned GETs of documents are refused with a Mastodon-shaped 401.
    for path in [
        "/users/alice".to_string(),
        "/users/alice/outbox".to_string(),
        "/users/alice/outbox?page=true".to_string(),
        "/users/alice/followers".to_string(),
        "/users/alice/following".to_string(),
        "/users/alice/collections/featured".to_string(),
        "/users/alice/collections/tags".to_string(),
        format!("/users/alice/statuses/{sid}"),
        "/coop".to_string(),
        "/coop/followers".to_string(),
    ] {
        let res = a
            .client
            .get(a.url(&path))
            .header("accept", "application/activity+json")
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), 401, "{path}");
        let body: Value = res.json().await.expect("json");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // The instance actor (whose key signs fetches) and discovery stay open; browsers are
    // still redirected to the profile.
    assert_eq!(ap_get(&a, "/actor", None, None).await, 200);
    let (code, _) = a
        .get_json(
            &format!("/.well-known/webfinger?resource=acct:alice@{da}"),
            None,
        )
        .await;
    assert_eq!(code, 200);
    let res = a
        .client
        .get(a.url("/users/alice"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 302);

    // Bad signatures: garbage, too old, host not covered, a key of A itself → 401.
    assert_eq!(
        ap_get(
            &a,
            "/users/alice",
            None,
            Some("keyId=\"x\",signature=\"!!\"")
        )
        .await,
        401
    );
    assert_eq!(
        instance_signed_get(&b, &a, "/users/alice", "(request-target) host date", 7200).await,
        401
    );
    assert_eq!(
        instance_signed_get(&b, &a, "/users/alice", "(request-target) date", 0).await,
        401
    );
    assert_eq!(
        instance_signed_get(&a, &a, "/users/alice", "(request-target) host date", 0).await,
        401
    );
    // Signed by B's instance actor: 200.
    assert_eq!(
        instance_signed_get(&b, &a, "/users/alice", "(request-target) host date", 0).await,
        200
    );
    assert_eq!(
        instance_signed_get(
            &b,
            &a,
            "/users/alice/outbox",
            "(request-target) host date",
            0
        )
        .await,
        200
    );

    // Herd's own fetches are signed with its instance actor's key: B resolves alice by handle
    // and A has verified (and so stored) B's instance actor.
    let doc = herd::federation::fetch::get_object(&b.state, &format!("http://{da}/users/alice"))
        .await
        .expect("a signed fetch succeeds");
    assert_eq!(doc["preferredUsername"], "alice");
    let known: i64 = count(
        &a,
        &format!("SELECT COUNT(*) FROM accounts WHERE uri = 'http://{db}/actor'"),
    )
    .await;
    assert_eq!(known, 1, "A knows the signer: B's instance actor");

    // Federation works both ways with one side in secure mode.
    follow(&b, &bob, &format!("alice@{da}")).await;
    follow(&a, &alice, &format!("bob@{db}")).await;
    settle_in(&a, &b, 12).await;
    post(
        &a,
        &alice,
        json!({"status": "from the secure side", "visibility": "private"}),
    )
    .await;
    post(&b, &bob, json!({"status": "from the open side"})).await;
    settle_in(&a, &b, 12).await;
    assert!(find_in_home(&b, &bob, "from the secure side")
        .await
        .is_some());
    assert!(find_in_home(&a, &alice, "from the open side")
        .await
        .is_some());

    a.stop().await;
    b.stop().await;
}

pair_test!(authorized_fetch_requires_signed_gets, secure_mode);

// ---------------------------------------------------------------------------------------
// 2. Polls as Question, votes as Notes with `name`, Update(Question) with new counts.

async fn poll_of(app: &TestApp, token: &str, needle: &str) -> Value {
    find_in_home(app, token, needle).await.expect("status")["poll"].clone()
}

fn counts(poll: &Value) -> Vec<i64> {
    poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["votes_count"].as_i64().expect("count"))
        .collect()
}

async fn polls(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (alice_id, alice) = a.user_with_token("alice").await;
    let (carol_id, carol) = a.user_with_token("carol").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (da, db) = (domain(&a), domain(&b));
    follow(&a, &alice, &format!("bob@{db}")).await;
    follow(&a, &carol, &format!("bob@{db}")).await;
    settle_in(&a, &b, 12).await;
    let single = post(
        &b,
        &bob,
        json!({"status": "tea or coffee?", "poll": {"options": ["tea", "coffee"], "expires_in": 600}}),
    )
    .await;
    let multi = post(
        &b,
        &bob,
        json!({"status": "which fruits?", "poll": {"options": ["apple", "pear", "plum"], "expires_in": 600, "multiple": true}}),
    )
    .await;
    settle_in(&a, &b, 12).await;

    // The outgoing shape: a Question with oneOf/anyOf, endTime, votersCount, counts.
    let sid = single["id"].as_str().expect("id");
    let doc: Value = b
        .client
        .get(b.url(&format!("/users/bob/statuses/{sid}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["type"], "Question", "{doc}");
    assert_eq!(doc["oneOf"][1]["name"], "coffee", "{doc}");
    assert_eq!(doc["oneOf"][1]["replies"]["totalItems"], 0, "{doc}");
    assert!(doc["endTime"].is_string(), "{doc}");
    assert_eq!(doc["votersCount"], 0, "{doc}");
    assert!(doc.get("closed").is_none(), "{doc}");

    // The incoming side: a local poll on A.
    let poll = poll_of(&a, &alice, "tea or coffee").await;
    assert_eq!(poll["options"][0]["title"], "tea", "{poll}");
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);
    assert!(poll["expires_at"].is_string(), "{poll}");
    let poll_a = poll["id"].as_str().expect("id").to_string();
    let multi_a = poll_of(&a, &alice, "which fruits").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(poll_of(&a, &alice, "which fruits").await["multiple"], true);

    // Local votes on the remote poll: shown at once, sent to B, counted there once each.
    let (status, voted) = a
        .post_json(
            &format!("/api/v1/polls/{poll_a}/votes"),
            &alice,
            json!({"choices": ["1"]}),
        )
        .await;
    assert_eq!(status, 200, "{voted}");
    assert_eq!(voted["own_votes"], json!([1]));
    assert_eq!(counts(&voted), vec![0, 1]);
    let (status, _) = a
        .post_json(
            &format!("/api/v1/polls/{poll_a}/votes"),
            &alice,
            json!({"choices": ["0"]}),
        )
        .await;
    assert_eq!(status, 422);
    a.post_json(
        &format!("/api/v1/polls/{poll_a}/votes"),
        &carol,
        json!({"choices": ["0"]}),
    )
    .await;
    let (status, _) = a
        .post_json(
            &format!("/api/v1/polls/{multi_a}/votes"),
            &alice,
            json!({"choices": ["0", "2"]}),
        )
        .await;
    assert_eq!(status, 200);
    settle_in(&a, &b, 12).await;
    let poll_b = single["poll"]["id"].as_str().expect("id");
    let multi_b = multi["poll"]["id"].as_str().expect("id");
    let (_, on_b) = b
        .get_json(&format!("/api/v1/polls/{poll_b}"), Some(&bob))
        .await;
    assert_eq!(counts(&on_b), vec![1, 1], "{on_b}");
    assert_eq!(on_b["voters_count"], 2, "{on_b}");
    let (_, multi_on_b) = b
        .get_json(&format!("/api/v1/polls/{multi_b}"), Some(&bob))
        .await;
    assert_eq!(counts(&multi_on_b), vec![1, 0, 1], "{multi_on_b}");
    assert_eq!(multi_on_b["voters_count"], 1, "{multi_on_b}");
    // A shows the votes cast here at once (its own count until B's update comes).
    let (_, on_a) = a
        .get_json(&format!("/api/v1/polls/{poll_a}"), Some(&carol))
        .await;
    assert_eq!(counts(&on_a), vec![1, 1], "{on_a}");
    assert_eq!(on_a["voters_count"], 2, "{on_a}");
    assert_eq!(on_a["own_votes"], json!([0]), "{on_a}");
    let (_, multi_on_a) = a
        .get_json(&format!("/api/v1/polls/{multi_a}"), Some(&carol))
        .await;
    assert_eq!(counts(&multi_on_a), vec![1, 0, 1], "{multi_on_a}");

    // Bad votes: a second vote on a single-choice poll, an unknown option, a repeat of an
    // option already chosen → accepted (202), nothing counted, nothing stored as a status.
    let statuses_before = count(&b, "SELECT COUNT(*) FROM statuses").await;
    let alice_uri = format!("http://{da}/users/alice");
    let bob_uri = format!("http://{db}/users/bob");
    let vote = |n: &str, name: &str, on: &Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{alice_uri}#forged/{n}/activity"),
            "type": "Create",
            "actor": alice_uri,
            "to": [bob_uri],
            "object": {
                "id": format!("{alice_uri}#forged/{n}"),
                "type": "Note",
                "name": name,
                "attributedTo": alice_uri,
                "inReplyTo": on["uri"],
                "to": [bob_uri],
            }
        })
    };
    for (n, name, on) in [
        ("1", "tea", &single),
        ("2", "cocoa", &single),
        ("3", "apple", &multi),
    ] {
        assert_eq!(
            signed_post(&a, alice_id, "alice", &b, &vote(n, name, on)).await,
            202
        );
    }
    let (_, on_b) = b
        .get_json(&format!("/api/v1/polls/{poll_b}"), Some(&bob))
        .await;
    assert_eq!(counts(&on_b), vec![1, 1], "{on_b}");
    let (_, multi_on_b) = b
        .get_json(&format!("/api/v1/polls/{multi_b}"), Some(&bob))
        .await;
    assert_eq!(counts(&multi_on_b), vec![1, 0, 1], "{multi_on_b}");
    // A second option of the multiple-choice poll does count.
    assert_eq!(
        signed_post(&a, alice_id, "alice", &b, &vote("4", "pear", &multi)).await,
        202
    );
    let (_, multi_on_b) = b
        .get_json(&format!("/api/v1/polls/{multi_b}"), Some(&bob))
        .await;
    assert_eq!(counts(&multi_on_b), vec![1, 1, 1], "{multi_on_b}");
    assert_eq!(multi_on_b["voters_count"], 1, "{multi_on_b}");
    assert_eq!(
        count(&b, "SELECT COUNT(*) FROM statuses").await,
        statuses_before
    );
    // B's Update(Question), a minute later, carries that count to A (A's own bookkeeping
    // could not know it): one update for the votes of that minute.
    settle_in(&a, &b, 12).await;
    let updates = count(&b, "SELECT COUNT(*) FROM jobs WHERE kind = 'poll_update'").await;
    assert_eq!(updates, 2, "one pending update per poll");
    for app in [&a, &b] {
        app.state.clock.advance(std::time::Duration::from_secs(61));
    }
    settle_in(&a, &b, 12).await;
    let (_, multi_on_a) = a
        .get_json(&format!("/api/v1/polls/{multi_a}"), Some(&carol))
        .await;
    assert_eq!(counts(&multi_on_a), vec![1, 1, 1], "{multi_on_a}");

    // Closing: B's job ends the poll and sends Update(Question); A shows it ended.
    for app in [&a, &b] {
        app.state.clock.advance(std::time::Duration::from_secs(700));
    }
    settle_in(&a, &b, 12).await;
    let (_, on_a) = a
        .get_json(&format!("/api/v1/polls/{poll_a}"), Some(&alice))
        .await;
    assert_eq!(on_a["expired"], true, "{on_a}");
    let doc: Value = b
        .client
        .get(b.url(&format!("/users/bob/statuses/{sid}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert!(doc["closed"].is_string(), "{doc}");
    let closed: i64 = count(&a, &format!("SELECT closed FROM polls WHERE id = {poll_a}")).await;
    assert_eq!(closed, 1, "A's copy is closed");
    // A vote after the end is dropped.
    let late = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("http://{da}/users/carol#late/activity"),
        "type": "Create",
        "actor": format!("http://{da}/users/carol"),
        "to": [bob_uri],
        "object": {
            "id": format!("http://{da}/users/carol#late"),
            "type": "Note",
            "name": "apple",
            "attributedTo": format!("http://{da}/users/carol"),
            "inReplyTo": multi["uri"],
            "to": [bob_uri],
        }
    });
    assert_eq!(signed_post(&a, carol_id, "carol", &b, &late).await, 202);
    let (_, multi_on_b) = b
        .get_json(&format!("/api/v1/polls/{multi_b}"), Some(&bob))
        .await;
    assert_eq!(counts(&multi_on_b), vec![1, 1, 1], "{multi_on_b}");
    a.stop().await;
    b.stop().await;
}

pair_test!(polls_and_votes_travel_as_questions, polls);

// ---------------------------------------------------------------------------------------
// 3. Profile edits go out as Update(Person); incoming ones take the origin's copy.

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PATCH");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn profile_updates(backend: Backend) {
    // A's read caches trust an entry for an hour: only the Update's invalidation refreshes
    // the author on alice's home timeline.
    let Some(a) = TestApp::spawn_with(backend, |c| c.cache.ttl_seconds = 3600).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (bob_id, bob) = b.user_with_token("bob").await;
    b.create_user("mallory", "correct horse battery").await;
    let db = domain(&b);
    let bob_on_a = follow(&a, &alice, &format!("bob@{db}")).await;
    let (_, mallory_on_a) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=mallory@{db}"),
            Some(&alice),
        )
        .await;
    settle_in(&a, &b, 12).await;
    let (status, hello) = b
        .post_json("/api/v1/statuses", &bob, json!({"status": "hello from B"}))
        .await;
    assert_eq!(status, 200, "{hello}");
    settle_in(&a, &b, 12).await;
    let author_on_home = || async {
        let (_, home) = a.get_json("/api/v1/timelines/home", Some(&alice)).await;
        home.as_array()
            .and_then(|l| {
                l.iter()
                    .find(|s| s["content"].to_string().contains("hello from B"))
            })
            .map(|s| s["account"].clone())
            .unwrap_or_else(|| panic!("bob's post is on alice's home: {home}"))
    };
    assert_eq!(
        author_on_home().await["display_name"],
        "",
        "warm, before the Update"
    );

    let (status, me) = patch(
        &b,
        &bob,
        "/api/v1/accounts/update_credentials",
        json!({"display_name": "Bobby", "note": "a new bio", "fields_attributes": [{"name": "site", "value": "bob.example"}]}),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    settle_in(&a, &b, 12).await;
    let (_, seen) = a
        .get_json(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice))
        .await;
    assert_eq!(seen["display_name"], "Bobby", "{seen}");
    assert!(
        seen["note"].as_str().expect("note").contains("a new bio"),
        "{seen}"
    );
    let author = author_on_home().await;
    assert_eq!(
        author["display_name"], "Bobby",
        "at once on the home timeline: {author}"
    );

    // An Update whose embedded actor differs from the origin's: the origin's copy is kept.
    // An Update of another actor (mallory) signed by bob: ignored.
    let bob_uri = format!("http://{db}/users/bob");
    let mallory_uri = format!("http://{db}/users/mallory");
    for (n, object) in [
        (
            "1",
            json!({"id": bob_uri, "type": "Person", "name": "Evil", "preferredUsername": "bob"}),
        ),
        (
            "2",
            json!({"id": mallory_uri, "type": "Person", "name": "Evil", "preferredUsername": "mallory"}),
        ),
    ] {
        let update = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{bob_uri}#forged-update/{n}"),
            "type": "Update",
            "actor": bob_uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": object,
        });
        assert_eq!(signed_post(&b, bob_id, "bob", &a, &update).await, 202);
    }
    let (_, seen) = a
        .get_json(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice))
        .await;
    assert_eq!(seen["display_name"], "Bobby", "{seen}");
    let (_, mallory) = a
        .get_json(
            &format!(
                "/api/v1/accounts/{}",
                mallory_on_a["id"].as_str().expect("id")
            ),
            Some(&alice),
        )
        .await;
    assert_eq!(mallory["display_name"], "", "{mallory}");
    a.stop().await;
    b.stop().await;
}

pair_test!(profile_edits_send_update_person, profile_updates);

// ---------------------------------------------------------------------------------------
// 4. Account migration: aliases, Move out and in, followers moved.

/// An ActivityPub document served by `app` (unsigned GET).
async fn ap_doc(app: &TestApp, path: &str) -> Value {
    app.client
        .get(app.url(path))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json")
}

async fn relationship(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, rels) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(token),
        )
        .await;
    rels[0].clone()
}

async fn lookup(app: &TestApp, token: &str, acct: &str) -> Value {
    let (status, v) = app
        .get_json(&format!("/api/v1/accounts/lookup?acct={acct}"), Some(token))
        .await;
    assert_eq!(status, 200, "{acct}: {v}");
    v
}

async fn moves(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (da, db) = (domain(&a), domain(&b));
    let (_, olda) = a.user_with_token("olda").await;
    let (_, dave) = a.user_with_token("dave").await;
    let (_, erin) = a.user_with_token("erin").await;
    let (_, newb) = b.user_with_token("newb").await;
    let (_, carol) = b.user_with_token("carol").await;
    let (_, oldb) = b.user_with_token("oldb").await;
    let (mallory_id, _) = b.user_with_token("mallory").await;
    // dave@A and carol@B follow olda@A; erin@A follows oldb@B and mallory@B.
    let (_, olda_local) = a
        .get_json("/api/v1/accounts/lookup?acct=olda", Some(&dave))
        .await;
    a.post_json(
        &format!(
            "/api/v1/accounts/{}/follow",
            olda_local["id"].as_str().expect("id")
        ),
        &dave,
        json!({}),
    )
    .await;
    let olda_on_b = follow(&b, &carol, &format!("olda@{da}")).await;
    let oldb_on_a = follow(&a, &erin, &format!("oldb@{db}")).await;
    follow(&a, &erin, &format!("mallory@{db}")).await;
    settle_in(&a, &b, 12).await;

    // newb@B says it is also olda@A and oldb (both ways of naming an account).
    let (status, v) = b
        .post_json(
            "/api/v1/herd/aliases",
            &newb,
            json!({"acct": format!("olda@{da}")}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = b
        .post_json("/api/v1/herd/aliases", &newb, json!({"acct": "oldb"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["also_known_as"],
        json!([
            format!("http://{da}/users/olda"),
            format!("http://{db}/users/oldb")
        ])
    );
    let newb_doc = ap_doc(&b, "/users/newb").await;
    assert_eq!(newb_doc["alsoKnownAs"], v["also_known_as"], "{newb_doc}");
    let (status, _) = b
        .post_json(
            "/api/v1/herd/aliases",
            &newb,
            json!({"acct": "nobody@nowhere.invalid"}),
        )
        .await;
    assert_eq!(status, 404);

    // Refused moves write nothing: wrong password, a target without the alias, an unknown one.
    for (body, code) in [
        (
            json!({"target_acct": format!("newb@{db}"), "current_password": "wrong"}),
            422,
        ),
        (
            json!({"target_acct": format!("mallory@{db}"), "current_password": "correct horse battery"}),
            422,
        ),
        (
            json!({"target_acct": "ghost@nowhere.invalid", "current_password": "correct horse battery"}),
            404,
        ),
        (
            json!({"target_acct": "olda", "current_password": "correct horse battery"}),
            422,
        ),
    ] {
        let (status, v) = a
            .post_json("/api/v1/herd/migration", &olda, body.clone())
            .await;
        assert_eq!(status, code, "{body}: {v}");
        assert!(v["error"].is_string(), "{v}");
    }
    assert!(lookup(&a, &dave, "olda").await["moved"].is_null());

    // olda@A moves to newb@B.
    let (status, moved) = a
        .post_json(
            "/api/v1/herd/migration",
            &olda,
            json!({"target_acct": format!("newb@{db}"), "current_password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["moved"]["acct"], format!("newb@{db}"), "{moved}");
    settle_in(&a, &b, 12).await;
    let olda_doc = ap_doc(&a, "/users/olda").await;
    assert_eq!(olda_doc["movedTo"], format!("http://{db}/users/newb"));
    // dave (local follower) follows newb@B now, not olda.
    let newb_on_a = lookup(&a, &dave, &format!("newb@{db}")).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(relationship(&a, &dave, &newb_on_a).await["following"], true);
    assert_eq!(
        relationship(&a, &dave, olda_local["id"].as_str().expect("id")).await["following"],
        false
    );
    // B took the Move: carol follows newb and not olda; B shows olda as moved.
    let newb_local = lookup(&b, &carol, "newb").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        relationship(&b, &carol, &newb_local).await["following"],
        true
    );
    assert_eq!(
        relationship(&b, &carol, &olda_on_b).await["following"],
        false
    );
    let (_, olda_seen) = b
        .get_json(&format!("/api/v1/accounts/{olda_on_b}"), Some(&carol))
        .await;
    assert_eq!(olda_seen["moved"]["acct"], "newb", "{olda_seen}");
    assert_eq!(lookup(&a, &dave, "olda").await["followers_count"], 0);

    // The other direction: oldb@B moves to newb@B; erin@A follows newb instead.
    let (status, v) = b
        .post_json(
            "/api/v1/herd/migration",
            &oldb,
            json!({"target_acct": "newb", "current_password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    settle_in(&a, &b, 12).await;
    assert_eq!(relationship(&a, &erin, &newb_on_a).await["following"], true);
    assert_eq!(
        relationship(&a, &erin, &oldb_on_a).await["following"],
        false
    );
    let (_, oldb_seen) = a
        .get_json(&format!("/api/v1/accounts/{oldb_on_a}"), Some(&erin))
        .await;
    assert_eq!(
        oldb_seen["moved"]["acct"],
        format!("newb@{db}"),
        "{oldb_seen}"
    );

    // Forged moves: mallory claims to be newb's old account (newb does not list her) → 422;
    // mallory moving oldb → 401. erin still follows mallory; nothing else changed.
    let follows_before = count(&a, "SELECT COUNT(*) FROM follows").await;
    let requests_before = count(&a, "SELECT COUNT(*) FROM follow_requests").await;
    let mallory_uri = format!("http://{db}/users/mallory");
    let newb_uri = format!("http://{db}/users/newb");
    for (n, object, code) in [
        ("1", mallory_uri.clone(), 422),
        ("2", format!("http://{db}/users/oldb"), 401),
    ] {
        let mv = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{mallory_uri}#moves/{n}"),
            "type": "Move",
            "actor": mallory_uri,
            "object": object,
            "target": newb_uri,
        });
        assert_eq!(signed_post(&b, mallory_id, "mallory", &a, &mv).await, code);
    }
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM follows").await,
        follows_before
    );
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM follow_requests").await,
        requests_before
    );
    let mallory_on_a = lookup(&a, &erin, &format!("mallory@{db}")).await;
    assert!(mallory_on_a["moved"].is_null(), "{mallory_on_a}");
    a.stop().await;
    b.stop().await;
}

pair_test!(move_migrates_followers_both_ways, moves);

// ---------------------------------------------------------------------------------------
// 5. Pins: Add/Remove to the featured collection.

async fn pinned_texts(app: &TestApp, token: &str, account: &str) -> Vec<String> {
    let (status, v) = app
        .get_json(
            &format!("/api/v1/accounts/{account}/statuses?pinned=true"),
            Some(token),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s["content"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn pins(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (bob_id, bob) = b.user_with_token("bob").await;
    let (_, mallory) = b.user_with_token("mallory").await;
    let db = domain(&b);
    // Posted before anyone on A follows bob: A learns of it only through the pin.
    let older = post(&b, &bob, json!({"status": "an older post"})).await;
    let bob_on_a = follow(&a, &alice, &format!("bob@{db}")).await;
    settle_in(&a, &b, 12).await;
    let fresh = post(&b, &bob, json!({"status": "pin me"})).await;
    settle_in(&a, &b, 12).await;
    for s in [&fresh, &older] {
        let (status, v) = b
            .post_json(
                &format!("/api/v1/statuses/{}/pin", s["id"].as_str().expect("id")),
                &bob,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    settle_in(&a, &b, 12).await;
    let pinned = pinned_texts(&a, &alice, &bob_on_a).await;
    assert_eq!(pinned.len(), 2, "{pinned:?}");
    assert!(pinned.iter().any(|c| c.contains("pin me")), "{pinned:?}");
    assert!(
        pinned.iter().any(|c| c.contains("an older post")),
        "{pinned:?}"
    );
    // The featured collection on B shows both.
    let featured = ap_doc(&b, "/users/bob/collections/featured").await;
    assert_eq!(featured["totalItems"], 2, "{featured}");
    // Unpin travels too.
    b.post_json(
        &format!(
            "/api/v1/statuses/{}/unpin",
            fresh["id"].as_str().expect("id")
        ),
        &bob,
        json!({}),
    )
    .await;
    settle_in(&a, &b, 12).await;
    let pinned = pinned_texts(&a, &alice, &bob_on_a).await;
    assert_eq!(pinned.len(), 1, "{pinned:?}");
    assert!(pinned[0].contains("an older post"), "{pinned:?}");

    // Bad Adds: someone else's status (refused, 401), another collection (ignored).
    let theirs = post(&b, &mallory, json!({"status": "mallory's own"})).await;
    let mine = post(&a, &alice, json!({"status": "alice's own"})).await;
    let pins_before = count(&a, "SELECT COUNT(*) FROM status_pins").await;
    let bob_uri = format!("http://{db}/users/bob");
    for (n, object, target, code) in [
        (
            "1",
            theirs["uri"].clone(),
            format!("{bob_uri}/collections/featured"),
            401,
        ),
        (
            "2",
            mine["uri"].clone(),
            format!("{bob_uri}/collections/featured"),
            401,
        ),
        (
            "3",
            fresh["uri"].clone(),
            format!("{bob_uri}/collections/other"),
            202,
        ),
    ] {
        let add = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{bob_uri}#forged-add/{n}"),
            "type": "Add",
            "actor": bob_uri,
            "object": object,
            "target": target,
        });
        assert_eq!(
            signed_post(&b, bob_id, "bob", &a, &add).await,
            code,
            "{add}"
        );
    }
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM status_pins").await,
        pins_before
    );
    a.stop().await;
    b.stop().await;
}

pair_test!(pins_travel_as_add_and_remove, pins);

// ---------------------------------------------------------------------------------------
// 6. Followers / following collections with pages; hide_collections.

async fn collections(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (alice_id, alice) = a.user_with_token("alice").await;
    let (_, carol) = a.user_with_token("carol").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (da, db) = (domain(&a), domain(&b));
    // bob@B follows alice through federation; 20 local accounts follow her too.
    follow(&b, &bob, &format!("alice@{da}")).await;
    settle_in(&a, &b, 12).await;
    for i in 0..20 {
        let id = a
            .create_user(&format!("fan{i}"), "correct horse battery")
            .await;
        sqlx::query(
            "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, created_at) \
             VALUES ($1, $2, $3, 1, 0, 0)",
        )
        .bind(herd::ids::next_id_at(1_700_000_000_000 + i))
        .bind(id)
        .bind(alice_id)
        .execute(&a.state.db.pool)
        .await
        .expect("follow");
    }
    sqlx::query("UPDATE accounts SET followers_count = 21 WHERE id = $1")
        .bind(alice_id)
        .execute(&a.state.db.pool)
        .await
        .expect("count");

    let coll = ap_doc(&a, "/users/alice/followers").await;
    assert_eq!(coll["type"], "OrderedCollection", "{coll}");
    assert_eq!(coll["totalItems"], 21, "{coll}");
    let first = coll["first"].as_str().expect("first").to_string();
    // Pages, fetched the way a peer does (signed GETs through the fetcher).
    let page1 = herd::federation::fetch::get_object(&b.state, &first)
        .await
        .expect("page 1");
    assert_eq!(page1["type"], "OrderedCollectionPage", "{page1}");
    assert_eq!(page1["partOf"], coll["id"]);
    let mut items: Vec<String> = page1["orderedItems"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v.as_str().expect("uri").to_string())
        .collect();
    assert_eq!(items.len(), 20);
    let next = page1["next"].as_str().expect("next").to_string();
    let page2 = herd::federation::fetch::get_object(&b.state, &next)
        .await
        .expect("page 2");
    assert!(page2.get("next").is_none(), "{page2}");
    items.extend(
        page2["orderedItems"]
            .as_array()
            .expect("items")
            .iter()
            .map(|v| v.as_str().expect("uri").to_string()),
    );
    items.sort();
    items.dedup();
    assert_eq!(items.len(), 21, "{items:?}");
    assert!(
        items.contains(&format!("http://{db}/users/bob")),
        "{items:?}"
    );
    assert!(
        items.contains(&format!("http://{da}/users/fan7")),
        "{items:?}"
    );
    // bob's following collection on B lists alice.
    let following = herd::federation::fetch::get_object(
        &a.state,
        &format!("http://{db}/users/bob/following?page=true"),
    )
    .await
    .expect("following page");
    assert_eq!(
        following["orderedItems"],
        json!([format!("http://{da}/users/alice")])
    );

    // hide_collections: the count stays, the lists go (403 for pages, [] for others' API).
    let (status, me) = patch(
        &a,
        &alice,
        "/api/v1/accounts/update_credentials",
        json!({"hide_collections": true}),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["hide_collections"], true, "{me}");
    assert_eq!(me["source"]["hide_collections"], true, "{me}");
    let coll = ap_doc(&a, "/users/alice/followers").await;
    assert_eq!(coll["totalItems"], 21, "{coll}");
    assert!(coll.get("first").is_none(), "{coll}");
    let res = a
        .client
        .get(a.url("/users/alice/followers?page=true"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 403);
    assert!(res.json::<Value>().await.expect("json")["error"].is_string());
    let (_, list) = a
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/followers"),
            Some(&carol),
        )
        .await;
    assert_eq!(list, json!([]));
    let (_, list) = a
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/followers"),
            Some(&alice),
        )
        .await;
    assert!(!list.as_array().expect("array").is_empty());
    a.stop().await;
    b.stop().await;
}

pair_test!(follower_collections_page_and_hide, collections);

// ---------------------------------------------------------------------------------------
// 7. Unknown thread parents are fetched, up to federation.thread_fetch_depth.

async fn context_texts(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let (status, v) = app
        .get_json(&format!("/api/v1/statuses/{id}/context"), Some(token))
        .await;
    assert_eq!(status, 200, "{v}");
    v["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .map(|s| s["content"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn threads(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(c) = TestApp::spawn_with(backend, |cfg| cfg.federation.thread_fetch_depth = 1).await
    else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (bob_id, bob) = b.user_with_token("bob").await;
    let (_, carol) = b.user_with_token("carol").await;
    let (_, cat) = c.user_with_token("cat").await;
    let db = domain(&b);
    // A thread on B that neither A nor C has seen.
    let root = post(&b, &bob, json!({"status": "root post"})).await;
    let middle = post(
        &b,
        &carol,
        json!({"status": "middle post", "in_reply_to_id": root["id"]}),
    )
    .await;
    follow(&a, &alice, &format!("bob@{db}")).await;
    follow(&c, &cat, &format!("bob@{db}")).await;
    let settle3 = || async {
        for _ in 0..12 {
            if a.run_jobs().await + b.run_jobs().await + c.run_jobs().await == 0 {
                return;
            }
        }
        panic!("the queues did not settle");
    };
    settle3().await;
    post(
        &b,
        &bob,
        json!({"status": "leaf post", "in_reply_to_id": middle["id"]}),
    )
    .await;
    settle3().await;
    let leaf_a = find_in_home(&a, &alice, "leaf post")
        .await
        .expect("leaf on A");
    let ancestors = context_texts(&a, &alice, leaf_a["id"].as_str().expect("id")).await;
    assert_eq!(ancestors.len(), 2, "{ancestors:?}");
    assert!(ancestors[0].contains("root post"), "{ancestors:?}");
    assert!(ancestors[1].contains("middle post"), "{ancestors:?}");
    let leaf_c = find_in_home(&c, &cat, "leaf post")
        .await
        .expect("leaf on C");
    let ancestors = context_texts(&c, &cat, leaf_c["id"].as_str().expect("id")).await;
    assert_eq!(ancestors.len(), 1, "depth 1: {ancestors:?}");
    assert!(ancestors[0].contains("middle post"), "{ancestors:?}");

    // Parents on private or link-local addresses are never fetched: the reply is kept alone.
    let before = count(&a, "SELECT COUNT(*) FROM statuses").await;
    let bob_uri = format!("http://{db}/users/bob");
    for (n, parent) in [
        ("1", "http://10.1.2.3/users/x/statuses/1"),
        ("2", "http://169.254.169.254/latest/meta-data"),
        ("3", "http://[::1]/statuses/1"),
    ] {
        let create = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{bob_uri}/statuses/ssrf{n}/activity"),
            "type": "Create",
            "actor": bob_uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": format!("{bob_uri}/statuses/ssrf{n}"),
                "type": "Note",
                "attributedTo": bob_uri,
                "content": format!("<p>guarded {n}</p>"),
                "inReplyTo": parent,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            }
        });
        assert_eq!(signed_post(&b, bob_id, "bob", &a, &create).await, 202);
    }
    settle3().await;
    assert_eq!(count(&a, "SELECT COUNT(*) FROM statuses").await, before + 3);
    let orphans = count(
        &a,
        "SELECT COUNT(*) FROM statuses WHERE content LIKE '%guarded%' AND in_reply_to_id IS NULL",
    )
    .await;
    assert_eq!(orphans, 3);
    a.stop().await;
    b.stop().await;
    c.stop().await;
}

pair_test!(reply_parents_fetched_up_to_depth, threads);
