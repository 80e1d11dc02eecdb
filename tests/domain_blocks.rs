//! A member's own domain blocks (`/api/v1/domain_blocks`), between two Herd instances on
//! loopback: the blocked server's accounts leave the member's timelines and notifications,
//! follows both ways end on both servers, new follows are refused, and it all comes undone.

mod common;

use common::federation::settle;

use common::{Backend, TestApp};
use serde_json::{json, Value};

async fn remote_id(app: &TestApp, token: &str, acct: &str) -> String {
    let (status, v) = app
        .get_json(&format!("/api/v1/accounts/lookup?acct={acct}"), Some(token))
        .await;
    assert_eq!(status, 200, "{v}");
    v["id"].as_str().expect("id").to_string()
}

async fn follow(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    app.post_json(&format!("/api/v1/accounts/{id}/follow"), token, json!({}))
        .await
}

async fn relationship(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, v) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(token),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v[0].clone()
}

async fn texts(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s["content"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn notification_senders(app: &TestApp, token: &str) -> Vec<String> {
    let (status, v) = app.get_json("/api/v1/notifications", Some(token)).await;
    assert_eq!(status, 200, "{v}");
    v.as_array()
        .expect("array")
        .iter()
        .map(|n| n["account"]["acct"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn send(app: &TestApp, method: reqwest::Method, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url("/api/v1/domain_blocks"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn blocked_domains(app: &TestApp, token: &str) -> Value {
    let (status, v) = app.get_json("/api/v1/domain_blocks", Some(token)).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn scenario(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (da, db) = (a.state.config.domain.clone(), b.state.config.domain.clone());
    let (_, alice) = a.user_with_token("alice").await;
    let (_, carol) = a.user_with_token("carol").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (_, dan) = b.user_with_token("dan").await;

    // alice and bob follow each other across the two servers.
    let bob_on_a = remote_id(&a, &alice, &format!("bob@{db}")).await;
    assert_eq!(follow(&a, &alice, &bob_on_a).await.0, 200);
    let alice_on_b = remote_id(&b, &bob, &format!("alice@{da}")).await;
    assert_eq!(follow(&b, &bob, &alice_on_b).await.0, 200);
    settle(&a, &b).await;
    let rel = relationship(&a, &alice, &bob_on_a).await;
    assert_eq!(
        (&rel["following"], &rel["followed_by"]),
        (&json!(true), &json!(true))
    );
    let (_, mine) = a
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "alice says hi"}),
        )
        .await;
    b.post_json("/api/v1/statuses", &bob, json!({"status": "bob before"}))
        .await;
    a.post_json("/api/v1/statuses", &carol, json!({"status": "carol local"}))
        .await;
    settle(&a, &b).await;
    let alice_post_on_b = {
        let (_, v) = b
            .get_json(
                &format!("/api/v1/accounts/{alice_on_b}/statuses"),
                Some(&bob),
            )
            .await;
        v[0]["id"].as_str().expect("id").to_string()
    };
    b.post_json(
        &format!("/api/v1/statuses/{alice_post_on_b}/favourite"),
        &bob,
        json!({}),
    )
    .await;
    settle(&a, &b).await;
    assert!(texts(&a, "/api/v1/timelines/home", &alice)
        .await
        .iter()
        .any(|t| t.contains("bob before")));
    assert!(notification_senders(&a, &alice)
        .await
        .contains(&format!("bob@{db}")));
    assert!(mine["id"].is_string());

    // Bad input first: nothing is written.
    let (status, v) = send(&a, reqwest::Method::POST, &alice, json!({})).await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap_or("").contains("domain"), "{v}");
    let (status, v) = send(
        &a,
        reqwest::Method::POST,
        &alice,
        json!({"domain": "not a/domain"}),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = send(&a, reqwest::Method::POST, &alice, json!({"domain": da})).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(blocked_domains(&a, &alice).await, json!([]));
    let (status, _) = a.get_json("/api/v1/domain_blocks", None).await;
    assert_eq!(status, 401);

    // alice blocks bob's server (written in capitals: domains are case-insensitive).
    let (status, v) = send(
        &a,
        reqwest::Method::POST,
        &alice,
        json!({"domain": db.to_uppercase()}),
    )
    .await;
    assert_eq!((status, &v), (200, &json!({})));
    assert_eq!(blocked_domains(&a, &alice).await, json!([db.clone()]));
    settle(&a, &b).await;

    let rel = relationship(&a, &alice, &bob_on_a).await;
    assert_eq!(rel["domain_blocking"], true, "{rel}");
    assert_eq!(
        (&rel["following"], &rel["followed_by"]),
        (&json!(false), &json!(false))
    );
    // bob's server learnt both follows ended (Undo and Reject).
    let rel = relationship(&b, &bob, &alice_on_b).await;
    assert_eq!(
        (&rel["following"], &rel["followed_by"]),
        (&json!(false), &json!(false)),
        "{rel}"
    );
    // Nothing from there in alice's timelines or notifications; carol is unaffected.
    let home = texts(&a, "/api/v1/timelines/home", &alice).await;
    assert!(!home.iter().any(|t| t.contains("bob")), "{home:?}");
    let public = texts(&a, "/api/v1/timelines/public", &alice).await;
    assert!(!public.iter().any(|t| t.contains("bob")), "{public:?}");
    assert!(
        public.iter().any(|t| t.contains("carol local")),
        "{public:?}"
    );
    let carol_public = texts(&a, "/api/v1/timelines/public", &carol).await;
    assert!(
        carol_public.iter().any(|t| t.contains("bob before")),
        "{carol_public:?}"
    );
    assert!(notification_senders(&a, &alice).await.is_empty());

    // New mentions from that server make no notification; follows either way are refused.
    b.post_json(
        "/api/v1/statuses",
        &dan,
        json!({"status": format!("@alice@{da} hello from dan")}),
    )
    .await;
    let (status, v) = follow(&a, &alice, &bob_on_a).await;
    assert_eq!(status, 403, "{v}");
    let alice_for_dan = remote_id(&b, &dan, &format!("alice@{da}")).await;
    follow(&b, &dan, &alice_for_dan).await;
    settle(&a, &b).await;
    assert!(notification_senders(&a, &alice).await.is_empty());
    let rel = relationship(&b, &dan, &alice_for_dan).await;
    assert_eq!(
        (&rel["following"], &rel["requested"]),
        (&json!(false), &json!(false)),
        "{rel}"
    );

    // The CSV export lists the domain; an import merges another one in.
    let res = a
        .client
        .get(a.url("/api/v1/herd/exports/domain_blocks.csv"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("export");
    assert_eq!(res.text().await.expect("csv"), format!("{db}\n"));
    let form = reqwest::multipart::Form::new()
        .text("type", "domain_blocks")
        .text("mode", "merge")
        .part(
            "data",
            reqwest::multipart::Part::bytes(b"#domain\nspam.example\nnot a/domain\n".to_vec())
                .file_name("domain_blocks.csv"),
        );
    let queued: Value = a
        .client
        .post(a.url("/api/v1/herd/imports"))
        .bearer_auth(&alice)
        .multipart(form)
        .send()
        .await
        .expect("import")
        .json()
        .await
        .expect("queued");
    // Imports are queued work: the job applies the rows.
    a.run_jobs().await;
    let (_, report) = a
        .get_json(
            &format!("/api/v1/herd/imports/{}", queued["id"].as_str().unwrap()),
            Some(&alice),
        )
        .await;
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(
        report["failures"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    let list = blocked_domains(&a, &alice).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // Unblocking lets bob's posts back and following works again.
    let (status, _) = send(&a, reqwest::Method::DELETE, &alice, json!({"domain": db})).await;
    assert_eq!(status, 200);
    assert_eq!(blocked_domains(&a, &alice).await, json!(["spam.example"]));
    assert_eq!(
        relationship(&a, &alice, &bob_on_a).await["domain_blocking"],
        false
    );
    assert_eq!(follow(&a, &alice, &bob_on_a).await.0, 200);
    let public = texts(&a, "/api/v1/timelines/public", &alice).await;
    assert!(
        public.iter().any(|t| t.contains("bob before")),
        "{public:?}"
    );

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domain_block_hides_a_server_and_ends_follows_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domain_block_hides_a_server_and_ends_follows_postgres() {
    scenario(Backend::Postgres).await;
}
