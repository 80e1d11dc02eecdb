//! Federation beyond the core (issue 4): authorized fetch, polls over ActivityPub, profile
//! updates, account migration (Move), pins (Add/Remove), paged follower collections and
//! thread parents fetched on demand. Two Herd instances in one process, over HTTP, on each
//! backend; each feature also meets its bad inputs.

mod common;

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

fn domain(app: &TestApp) -> String {
    app.state.config.domain.clone()
}

/// Runs both job queues until neither has work (deliveries cause inbox work on the other).
async fn settle(a: &TestApp, b: &TestApp) {
    for _ in 0..12 {
        if a.run_jobs().await + b.run_jobs().await == 0 {
            return;
        }
    }
    panic!("the queues did not settle");
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

#[allow(dead_code)]
/// A POST to `to`'s shared inbox signed by a local account of `from` (its id as key owner).
async fn signed_post(
    from: &TestApp,
    owner: i64,
    username: &str,
    to: &TestApp,
    body: &Value,
) -> u16 {
    let key = keys::signing_key(&from.state, &owner.to_string())
        .await
        .expect("key");
    let key_id = format!("http://{}/users/{username}#main-key", domain(from));
    let bytes = body.to_string().into_bytes();
    let signed = signatures::sign(
        &key,
        &key_id,
        "post",
        &domain(to),
        "/inbox",
        Some(&bytes),
        from.state.clock.now_micros(),
    )
    .expect("sign");
    to.client
        .post(to.url("/inbox"))
        .header("content-type", "application/activity+json")
        .header("date", signed.date)
        .header("digest", signed.digest.unwrap_or_default())
        .header("signature", signed.signature)
        .body(bytes)
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
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
    settle(&a, &b).await;
    post(
        &a,
        &alice,
        json!({"status": "from the secure side", "visibility": "private"}),
    )
    .await;
    post(&b, &bob, json!({"status": "from the open side"})).await;
    settle(&a, &b).await;
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
