//! Where moderation meets federation, over two Herd instances on loopback: domain blocks
//! (suspend: 403 at the inbox, nothing ingested, nothing delivered, the domain's accounts shown
//! suspended, follows severed; silence: out of public timelines for non-followers), moderation
//! that federates (a status deletion's Delete, a suspension's actor Update, a remote account's
//! suspension Rejecting its follows, a forwarded report's Flag becoming a report there), blocks
//! both ways, and delivery hardening (give-up on 4xx, circuit breaker, hosts unavailable after
//! failures on several days) against a tiny local server, driven by the injectable clock.

mod common;

use common::federation::{domain, settle};
use common::moderation::send;

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Backend, TestApp};
use serde_json::{json, Value};

const PW: &str = "correct horse battery";
const ADMIN_SCOPES: &str = "read write follow admin:read admin:write";

async fn pair(backend: Backend) -> Option<(TestApp, TestApp)> {
    let a = TestApp::spawn(backend).await?;
    let b = TestApp::spawn(backend).await?;
    Some((a, b))
}

async fn moderator(app: &TestApp, name: &str) -> (i64, String) {
    let id = app
        .create_user_with(name, PW, Some("moderator"), true)
        .await;
    let token = herd::services::oauth::operator_token(&app.state, id, ADMIN_SCOPES)
        .await
        .expect("token");
    (id, token)
}

async fn post(app: &TestApp, token: &str, text: &str) -> Value {
    let (status, v) = app
        .post_json("/api/v1/statuses", token, json!({ "status": text }))
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Resolves `acct` on `app` and returns the account id there.
async fn lookup(app: &TestApp, token: &str, acct: &str) -> String {
    let (status, v) = app
        .get_json(&format!("/api/v1/accounts/lookup?acct={acct}"), Some(token))
        .await;
    assert_eq!(status, 200, "{acct}: {v}");
    v["id"].as_str().expect("id").to_string()
}

async fn follow(app: &TestApp, token: &str, id: &str) {
    let (status, v) = app
        .post_json(&format!("/api/v1/accounts/{id}/follow"), token, json!({}))
        .await;
    assert_eq!(status, 200, "{v}");
}

async fn following(app: &TestApp, token: &str, id: &str) -> bool {
    let (_, rels) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(token),
        )
        .await;
    rels[0]["following"] == json!(true)
}

async fn texts(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s["content"].as_str().unwrap_or("").to_string())
        .collect()
}

fn has(list: &[String], needle: &str) -> bool {
    list.iter().any(|c| c.contains(needle))
}

async fn count_content(app: &TestApp, needle: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses WHERE content LIKE $1")
        .bind(format!("%{needle}%"))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

/// A suspend block on B's domain, made on A.
async fn suspend_block(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, modr) = moderator(&a, "modr").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (da, db) = (domain(&a), domain(&b));
    let bob_on_a = lookup(&a, &alice, &format!("bob@{db}")).await;
    follow(&a, &alice, &bob_on_a).await;
    let alice_on_b = lookup(&b, &bob, &format!("alice@{da}")).await;
    follow(&b, &bob, &alice_on_b).await;
    settle(&a, &b).await;
    assert!(following(&a, &alice, &bob_on_a).await);
    post(&b, &bob, "before the block").await;
    settle(&a, &b).await;
    let home = texts(&a, &alice, "/api/v1/timelines/home").await;
    assert!(has(&home, "before the block"), "{home:?}");

    let (status, block) = a
        .post_json(
            "/api/v1/admin/domain_blocks",
            &modr,
            json!({ "domain": db, "severity": "suspend", "policy_clause": "federation-policy@1#2.1" }),
        )
        .await;
    assert_eq!(status, 200, "{block}");

    // Its accounts show as suspended, their posts leave timelines, follows are severed.
    let (status, acct) = a
        .get_json(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice))
        .await;
    assert_eq!(status, 200, "{acct}");
    assert_eq!(acct["suspended"], json!(true), "{acct}");
    let home = texts(&a, &alice, "/api/v1/timelines/home").await;
    assert!(!has(&home, "before the block"), "{home:?}");
    assert!(!following(&a, &alice, &bob_on_a).await);

    // Its inbox traffic is refused with 403 before any key is fetched…
    let res = a
        .client
        .post(a.url("/inbox"))
        .header("content-type", "application/activity+json")
        .body(
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("http://{db}/activities/x"),
                "type": "Create",
                "actor": format!("http://{db}/users/bob"),
            })
            .to_string(),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 403);
    // …and what B still sends (it does not know) is not ingested.
    post(&b, &bob, "after the block").await;
    settle(&a, &b).await;
    assert_eq!(count_content(&a, "after the block").await, 0);
    assert_eq!(count_content(&b, "after the block").await, 1);

    // Nothing is delivered to it: B's bob no longer gets alice's posts, and a delivery
    // queued before the block is dropped without a request.
    post(&a, &alice, "from A after the block").await;
    let dropped = herd::services::federation::deliver(
        &a.state,
        &format!("http://{db}/inbox"),
        &json!({"type": "Create"}).to_string(),
        "instance",
    )
    .await
    .expect("deliver");
    assert!(
        matches!(dropped, herd::services::federation::Delivered::GaveUp(0)),
        "{dropped:?}"
    );
    settle(&a, &b).await;
    assert_eq!(count_content(&b, "from A after the block").await, 0);
    // Nor is anything fetched from it.
    let (status, _) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=carol@{db}"),
            Some(&alice),
        )
        .await;
    assert_eq!(status, 404);

    // Lifting the block lifts the suspension it set.
    let block_id = block["id"].as_str().expect("id");
    let (status, res) = send(
        &a,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/domain_blocks/{block_id}"),
        &modr,
        json!({ "policy_clause": "federation-policy@1#2.1" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    let (_, acct) = a
        .get_json(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice))
        .await;
    assert_eq!(acct["suspended"], Value::Null, "{acct}");
    let (_, statuses) = a
        .get_json(
            &format!("/api/v1/accounts/{bob_on_a}/statuses"),
            Some(&alice),
        )
        .await;
    assert!(
        statuses.to_string().contains("before the block"),
        "{statuses}"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_domain_is_cut_off_sqlite() {
    suspend_block(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_domain_is_cut_off_postgres() {
    suspend_block(Backend::Postgres).await;
}

/// A silence block: the domain's posts reach followers, not the public timelines of others.
async fn silence_block(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, carol) = a.user_with_token("carol").await;
    let (_, modr) = moderator(&a, "modr").await;
    let (_, bob) = b.user_with_token("bob").await;
    b.user_with_token("dave").await;
    let db = domain(&b);
    let bob_on_a = lookup(&a, &alice, &format!("bob@{db}")).await;
    follow(&a, &alice, &bob_on_a).await;
    settle(&a, &b).await;
    let (status, block) = a
        .post_json(
            "/api/v1/admin/domain_blocks",
            &modr,
            json!({ "domain": db, "severity": "silence", "policy_clause": "federation-policy@1#3.2" }),
        )
        .await;
    assert_eq!(status, 200, "{block}");
    post(&b, &bob, "quiet please").await;
    settle(&a, &b).await;
    assert!(has(
        &texts(&a, &alice, "/api/v1/timelines/home").await,
        "quiet please"
    ));
    assert!(has(
        &texts(&a, &alice, "/api/v1/timelines/public").await,
        "quiet please"
    ));
    assert!(!has(
        &texts(&a, &carol, "/api/v1/timelines/public").await,
        "quiet please"
    ));
    // Accounts met after the block are silenced too.
    let dave_on_a = lookup(&a, &carol, &format!("dave@{db}")).await;
    let (_, dave) = a
        .get_json(&format!("/api/v1/accounts/{dave_on_a}"), Some(&alice))
        .await;
    assert_eq!(dave["limited"], json!(true), "{dave}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silenced_domain_stays_out_of_public_timelines_sqlite() {
    silence_block(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silenced_domain_stays_out_of_public_timelines_postgres() {
    silence_block(Backend::Postgres).await;
}

/// A moderator's status deletion, a suspension and its lifting, a forwarded report and a
/// block all reach the other instance.
async fn moderation_federates(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (alice_id, alice) = a.user_with_token("alice").await;
    let (_, mod_a) = moderator(&a, "moda").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (_, mod_b) = moderator(&b, "modb").await;
    let (da, db) = (domain(&a), domain(&b));
    let alice_on_b = lookup(&b, &bob, &format!("alice@{da}")).await;
    follow(&b, &bob, &alice_on_b).await;
    let bob_on_a = lookup(&a, &alice, &format!("bob@{db}")).await;
    follow(&a, &alice, &bob_on_a).await;
    settle(&a, &b).await;

    // A moderator deletes alice's post: Delete(Note) reaches B.
    let doomed = post(&a, &alice, "soon removed").await;
    settle(&a, &b).await;
    assert!(has(
        &texts(&b, &bob, "/api/v1/timelines/home").await,
        "soon removed"
    ));
    let (status, res) = a
        .post_json(
            &format!(
                "/api/v1/admin/statuses/{}/delete",
                doomed["id"].as_str().expect("id")
            ),
            &mod_a,
            json!({ "policy_clause": "code-of-conduct@1#4.1", "text": "Advertising" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    settle(&a, &b).await;
    assert!(!has(
        &texts(&b, &bob, "/api/v1/timelines/home").await,
        "soon removed"
    ));
    assert_eq!(count_content(&b, "soon removed").await, 0);

    // A suspension here: B sees alice suspended (her actor says so), then lifted.
    let (status, res) = a
        .post_json(
            &format!("/api/v1/admin/accounts/{alice_id}/action"),
            &mod_a,
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#2.1", "text": "abuse" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    settle(&a, &b).await;
    let (_, acct) = b
        .get_json(&format!("/api/v1/accounts/{alice_on_b}"), Some(&bob))
        .await;
    assert_eq!(acct["suspended"], json!(true), "{acct}");
    let (status, res) = a
        .post_json(
            &format!("/api/v1/admin/accounts/{alice_id}/unsuspend"),
            &mod_a,
            json!({ "policy_clause": "moderation-policy@1#2.2" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    settle(&a, &b).await;
    let (_, acct) = b
        .get_json(&format!("/api/v1/accounts/{alice_on_b}"), Some(&bob))
        .await;
    assert_eq!(acct["suspended"], Value::Null, "{acct}");

    // alice reports bob's post with forward: a Flag from A's instance actor becomes a report
    // in B's queue, naming bob and his post.
    let spam = post(&b, &bob, "buy my stuff").await;
    settle(&a, &b).await;
    let (_, bobs) = a
        .get_json(
            &format!("/api/v1/accounts/{bob_on_a}/statuses"),
            Some(&alice),
        )
        .await;
    let spam_on_a = bobs[0]["id"].as_str().expect("status on A").to_string();
    let (status, report) = a
        .post_json(
            "/api/v1/reports",
            &alice,
            json!({ "account_id": bob_on_a, "status_ids": [spam_on_a], "comment": "spam from over there",
                    "forward": true, "category": "spam" }),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    settle(&a, &b).await;
    let (status, queue) = b.get_json("/api/v1/admin/reports", Some(&mod_b)).await;
    assert_eq!(status, 200, "{queue}");
    let forwarded = queue
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["comment"] == json!("spam from over there"))
        .unwrap_or_else(|| panic!("no forwarded report: {queue}"));
    assert_eq!(
        forwarded["target_account"]["username"],
        json!("bob"),
        "{forwarded}"
    );
    let ids: Vec<&str> = forwarded["statuses"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![spam["id"].as_str().expect("id")], "{forwarded}");
    // The reporter on B is A's instance actor, never alice.
    assert!(!forwarded.to_string().contains("\"alice\""), "{forwarded}");

    // A block on A's domain with reject_reports (severity noop): B ignores A's Flags.
    let (status, res) = b
        .post_json(
            "/api/v1/admin/domain_blocks",
            &mod_b,
            json!({ "domain": da, "severity": "noop", "reject_reports": true,
                    "policy_clause": "federation-policy@1#2.1" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    let (status, report) = a
        .post_json(
            "/api/v1/reports",
            &alice,
            json!({ "account_id": bob_on_a, "comment": "again", "forward": true }),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    settle(&a, &b).await;
    let (_, queue) = b.get_json("/api/v1/admin/reports", Some(&mod_b)).await;
    assert_eq!(queue.as_array().map(Vec::len), Some(1), "{queue}");

    // bob blocks alice: A ends the follows both ways and hides bob's posts from her.
    let (status, _) = b
        .post_json(
            &format!("/api/v1/accounts/{alice_on_b}/block"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;
    assert!(!following(&a, &alice, &bob_on_a).await);
    let (status, _) = a
        .get_json(&format!("/api/v1/statuses/{spam_on_a}"), Some(&alice))
        .await;
    assert_eq!(status, 404);
    let (_, me) = a
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    assert_eq!(me["followers_count"], json!(0), "{me}");
    // Unblocking sends Undo(Block): the post is visible to her again.
    let (status, _) = b
        .post_json(
            &format!("/api/v1/accounts/{alice_on_b}/unblock"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;
    let (status, _) = a
        .get_json(&format!("/api/v1/statuses/{spam_on_a}"), Some(&alice))
        .await;
    assert_eq!(status, 200);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_federates_sqlite() {
    moderation_federates(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_federates_postgres() {
    moderation_federates(Backend::Postgres).await;
}

async fn followers_of(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let (status, v) = app
        .get_json(&format!("/api/v1/accounts/{id}/followers"), Some(token))
        .await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .expect("followers")
        .iter()
        .map(|f| f["acct"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A moderator on A suspends bob, an account of B: bob's follows of A's accounts are removed
/// here, B receives the Reject (bob no longer follows alice there either), and A's log has the
/// suspension with its citation.
async fn remote_suspension(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (alice_id, alice) = a.user_with_token("alice").await;
    let (_, mod_a) = moderator(&a, "moda").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (da, db) = (domain(&a), domain(&b));
    let alice_on_b = lookup(&b, &bob, &format!("alice@{da}")).await;
    follow(&b, &bob, &alice_on_b).await;
    let bob_on_a = lookup(&a, &alice, &format!("bob@{db}")).await;
    settle(&a, &b).await;
    assert!(following(&b, &bob, &alice_on_b).await);
    assert_eq!(
        followers_of(&a, &alice, alice_id).await,
        [format!("bob@{db}")]
    );

    let (status, res) = a
        .post_json(
            &format!("/api/v1/admin/accounts/{bob_on_a}/action"),
            &mod_a,
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#2.1",
                    "text": "harassment from afar" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");
    settle(&a, &b).await;

    // Here: the follow is gone and alice counts no follower.
    assert_eq!(
        followers_of(&a, &alice, alice_id).await,
        Vec::<String>::new()
    );
    let (_, me) = a
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    assert_eq!(me["followers_count"], json!(0), "{me}");
    // There: B got the Reject and bob no longer follows alice.
    assert!(!following(&b, &bob, &alice_on_b).await);
    // The log names the remote account, the citation and the moderator.
    let (status, log) = a
        .get_json("/api/v1/coop/moderation/log", Some(&mod_a))
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log[0]["action"], "suspend", "{log}");
    assert_eq!(log[0]["target"]["account"]["acct"], format!("bob@{db}"));
    assert_eq!(log[0]["citation"], "code-of-conduct@1#2.1");
    assert_eq!(log[0]["moderator"]["username"], "moda");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_suspension_rejects_its_follows_sqlite() {
    remote_suspension(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_suspension_rejects_its_follows_postgres() {
    remote_suspension(Backend::Postgres).await;
}

/// A tiny inbox that answers whatever status is set and counts the requests it gets.
struct FakeInbox {
    url: String,
    hits: Arc<AtomicUsize>,
    answer: Arc<AtomicU16>,
}

async fn fake_inbox() -> FakeInbox {
    let hits = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(AtomicU16::new(500));
    let (h, s) = (hits.clone(), answer.clone());
    let app = axum::Router::new().route(
        "/inbox",
        axum::routing::post(move || {
            let (h, s) = (h.clone(), s.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst))
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeInbox {
        url: format!("http://{addr}/inbox"),
        hits,
        answer,
    }
}

async fn queue_delivery(app: &TestApp, inbox: &str) {
    let now = app.state.clock.now_micros();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    herd::jobs::enqueue(
        &mut tx,
        &herd::jobs::Job::Deliver {
            inbox: inbox.to_string(),
            activity: json!({"type": "Create", "id": format!("x{now}")}).to_string(),
            key_owner: "instance".into(),
        },
        now,
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
}

async fn deliveries_queued(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = 'deliver'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

/// Retries, give-up, circuit breaker and unavailable hosts, against a server that fails.
async fn delivery_hardening(app: &TestApp) {
    let inbox = fake_inbox().await;
    let hits = || inbox.hits.load(Ordering::SeqCst);
    let set = |code: u16| inbox.answer.store(code, Ordering::SeqCst);
    let minutes = |m: u64| app.state.clock.advance(Duration::from_secs(60 * m));

    // 4xx other than 401/408/429 ends a delivery at once; 429 and 5xx are retried.
    set(404);
    queue_delivery(app, &inbox.url).await;
    app.run_jobs().await;
    assert_eq!((hits(), deliveries_queued(app).await), (1, 0));
    set(429);
    queue_delivery(app, &inbox.url).await;
    app.run_jobs().await;
    assert_eq!((hits(), deliveries_queued(app).await), (2, 1));
    set(202);
    minutes(2);
    app.run_jobs().await;
    assert_eq!((hits(), deliveries_queued(app).await), (3, 0));

    // Circuit breaker: after 10 consecutive failures the host is skipped for a minute.
    set(500);
    for _ in 0..12 {
        queue_delivery(app, &inbox.url).await;
    }
    app.run_jobs().await;
    assert_eq!(hits(), 3 + 10, "the 11th and 12th were not attempted");
    assert_eq!(deliveries_queued(app).await, 12);
    minutes(10);
    app.run_jobs().await;
    assert_eq!(
        hits(),
        14,
        "one attempt after the cool-down, which fails and re-opens"
    );
    set(202);
    minutes(30);
    app.run_jobs().await;
    assert_eq!(
        hits(),
        14 + 12,
        "a success closes the circuit; every delivery goes"
    );
    assert_eq!(deliveries_queued(app).await, 0);

    // Failures on 6 distinct days, then a success: the record is cleared.
    let next_day = || app.state.clock.advance(Duration::from_secs(24 * 3600));
    set(500);
    for _ in 0..6 {
        let before = hits();
        queue_delivery(app, &inbox.url).await;
        app.run_jobs().await;
        assert!(hits() > before);
        next_day();
    }
    set(202);
    queue_delivery(app, &inbox.url).await;
    app.run_jobs().await;
    next_day();
    // Failures on 7 more distinct days mark the host unavailable…
    set(500);
    for day in 0..7 {
        let before = hits();
        queue_delivery(app, &inbox.url).await;
        app.run_jobs().await;
        assert!(hits() > before, "day {day}: still attempted");
        next_day();
    }
    // …after which deliveries to it are dropped without a request.
    let before = hits();
    queue_delivery(app, &inbox.url).await;
    app.run_jobs().await;
    assert_eq!(hits(), before);
    assert_eq!(deliveries_queued(app).await, 0);
}

on_both_backends!(
    delivery_retries_breaker_and_unavailable_hosts,
    delivery_hardening
);

/// `GET /api/v2/search?resolve=true` resolves `user@host` and status URLs on another server;
/// without `resolve` (or signed out) nothing is looked up remotely.
async fn search_resolves(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let db = domain(&b);
    let search = |q: String, resolve: bool| {
        let a = &a;
        let alice = alice.clone();
        async move {
            let q = url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>();
            let (status, v) = a
                .get_json(
                    &format!("/api/v2/search?q={q}&resolve={resolve}"),
                    Some(&alice),
                )
                .await;
            assert_eq!(status, 200, "{v}");
            v
        }
    };
    let found = search(format!("bob@{db}"), false).await;
    assert_eq!(found["accounts"], json!([]), "{found}");
    let found = search(format!("@bob@{db}"), true).await;
    assert_eq!(
        found["accounts"][0]["acct"],
        json!(format!("bob@{db}")),
        "{found}"
    );
    // Known now: found without resolve too.
    let found = search(format!("bob@{db}"), false).await;
    assert_eq!(
        found["accounts"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );

    let hello = post(&b, &bob, "findable from afar").await;
    let private = b
        .post_json(
            "/api/v1/statuses",
            &bob,
            json!({ "status": "not for strangers", "visibility": "private" }),
        )
        .await
        .1;
    let uri = hello["uri"].as_str().expect("uri").to_string();
    assert_eq!(search(uri.clone(), false).await["statuses"], json!([]));
    let found = search(uri, true).await;
    assert!(
        found["statuses"][0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("findable from afar")),
        "{found}"
    );
    // A followers-only post is not fetched for a stranger; an actor URL gives the account.
    let found = search(private["uri"].as_str().expect("uri").to_string(), true).await;
    assert_eq!(found["statuses"], json!([]), "{found}");
    assert_eq!(count_content(&a, "not for strangers").await, 0);
    let found = search(format!("http://{db}/users/bob"), true).await;
    assert_eq!(found["accounts"][0]["username"], json!("bob"), "{found}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_resolves_remote_handles_and_urls_sqlite() {
    search_resolves(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_resolves_remote_handles_and_urls_postgres() {
    search_resolves(Backend::Postgres).await;
}
