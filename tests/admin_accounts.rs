//! Mastodon's admin account lists: `GET /api/v1/admin/accounts` (local, active accounts unless
//! the flags say otherwise) and `GET /api/v2/admin/accounts` (origin, status, permissions,
//! role_ids, username …), as Admin::Account entities with `Link` paging, for moderators only.

mod common;

use common::{Backend, TestApp};
use serde_json::{json, Value};

const PW: &str = "correct horse battery";
const SCOPES: &str = "read write follow admin:read admin:write";

async fn user(app: &TestApp, name: &str, role: Option<&str>) -> (i64, String) {
    let id = app.create_user_with(name, PW, role, role.is_some()).await;
    let token = herd::services::oauth::operator_token(&app.state, id, SCOPES)
        .await
        .expect("token");
    (id, token)
}

/// GET with a token: (status, body, Link header).
async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value, String) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, res.json().await.unwrap_or(Value::Null), link)
}

/// The usernames a list answers, in order.
async fn names(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let (status, v, _) = get(app, path, token).await;
    assert_eq!(status, 200, "{path}: {v}");
    v.as_array()
        .unwrap_or_else(|| panic!("{path}: {v}"))
        .iter()
        .map(|a| a["username"].as_str().unwrap_or("").to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn strs(v: &[&str]) -> Vec<String> {
    sorted(v.iter().map(|s| s.to_string()).collect())
}

async fn act(app: &TestApp, token: &str, id: i64, kind: &str, clause: &str) {
    let (status, v) = app
        .post_json(
            &format!("/api/v1/admin/accounts/{id}/action"),
            token,
            json!({ "type": kind, "policy_clause": clause, "text": "test" }),
        )
        .await;
    assert_eq!(status, 200, "{kind}: {v}");
}

async fn lists(backend: Backend) {
    let Some(a) = TestApp::spawn_with(backend, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    })
    .await
    else {
        return;
    };
    let b = TestApp::spawn(backend).await.expect("second instance");
    let (_, moderator) = user(&a, "mod1", Some("moderator")).await;
    user(&a, "boss", Some("admin")).await;
    let (_, alice) = user(&a, "alice", None).await;
    let (carol, _) = user(&a, "carol", None).await;
    let (dave, _) = user(&a, "dave", None).await;
    let (erin, _) = user(&a, "erin", None).await;
    let (frank, _) = user(&a, "frank", None).await;
    act(&a, &moderator, carol, "silence", "code-of-conduct@1#3.1").await;
    act(&a, &moderator, dave, "suspend", "code-of-conduct@1#3.2").await;
    act(&a, &moderator, erin, "disable", "code-of-conduct@1#3.2").await;
    act(&a, &moderator, frank, "sensitive", "code-of-conduct@1#3.1").await;
    // A sign-up awaiting approval, through the API.
    let app_token = a.app_token("read write").await;
    let (status, v) = a
        .post_json(
            "/api/v1/accounts",
            &app_token,
            json!({ "username": "fay", "email": "fay@example.org", "password": PW,
                    "agreement": true, "reason": "I sing in the choir" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // A remote account, met through the other instance.
    b.create_user("bob", PW).await;
    let (status, v) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.state.config.domain),
            Some(&alice),
        )
        .await;
    assert_eq!(status, 200, "{v}");

    // Moderators only.
    let (status, v, _) = get(&a, "/api/v1/admin/accounts", &alice).await;
    assert_eq!(status, 403, "{v}");
    let (status, _, _) = get(&a, "/api/v2/admin/accounts", &alice).await;
    assert_eq!(status, 403);
    let res = a
        .client
        .get(a.url("/api/v1/admin/accounts"))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 401);

    // v1: local and active by default (the co-op's own account is local and active too).
    let local_active = strs(&[
        "alice", "boss", "carol", "coop", "erin", "fay", "frank", "mod1",
    ]);
    assert_eq!(
        sorted(names(&a, "/api/v1/admin/accounts", &moderator).await),
        local_active
    );
    for (query, expected) in [
        ("suspended=true", vec!["dave"]),
        ("silenced=true", vec!["carol"]),
        ("disabled=true", vec!["erin"]),
        ("sensitized=true", vec!["frank"]),
        ("pending=true", vec!["fay"]),
        ("staff=true", vec!["boss", "mod1"]),
        ("remote=true", vec!["bob"]),
        ("username=AL", vec!["alice"]),
        ("username=a%25", vec![]),
        ("email=erin@", vec!["erin"]),
        ("ip=127.0.0.1", vec![]),
    ] {
        assert_eq!(
            sorted(names(&a, &format!("/api/v1/admin/accounts?{query}"), &moderator).await),
            strs(&expected),
            "{query}"
        );
    }

    // The entity is Admin::Account.
    let (_, list, _) = get(&a, "/api/v1/admin/accounts?pending=true", &moderator).await;
    let fay = &list[0];
    assert_eq!(fay["approved"], json!(false), "{fay}");
    assert_eq!(fay["invite_request"], json!("I sing in the choir"));
    assert_eq!(fay["email"], json!("fay@example.org"));
    assert_eq!(fay["domain"], Value::Null);
    assert_eq!(fay["account"]["username"], json!("fay"));
    for key in [
        "id",
        "created_at",
        "ip",
        "ips",
        "locale",
        "role",
        "confirmed",
        "disabled",
        "silenced",
        "suspended",
        "sensitized",
    ] {
        assert!(fay.get(key).is_some(), "{key} missing: {fay}");
    }
    let (_, list, _) = get(
        &a,
        "/api/v1/admin/accounts?staff=true&username=mod",
        &moderator,
    )
    .await;
    assert_eq!(list[0]["role"]["name"], json!("Moderator"), "{list}");
    let (_, list, _) = get(&a, "/api/v1/admin/accounts?remote=true", &moderator).await;
    assert_eq!(list[0]["domain"], json!(b.state.config.domain), "{list}");
    assert_eq!(list[0]["email"], Value::Null);

    // Paging by Link, newest first, without overlap.
    let (status, first, link) = get(&a, "/api/v1/admin/accounts?limit=3", &moderator).await;
    assert_eq!(status, 200);
    assert_eq!(first.as_array().map(Vec::len), Some(3), "{first}");
    let next = link
        .split(',')
        .find(|p| p.contains("rel=\"next\""))
        .and_then(|p| p.split(['<', '>']).nth(1))
        .unwrap_or_else(|| panic!("no next link: {link:?}"))
        .to_string();
    assert!(next.contains("max_id="), "{next}");
    let path = next.trim_start_matches(&a.base).to_string();
    let mut all: Vec<String> = first
        .as_array()
        .expect("list")
        .iter()
        .map(|x| x["username"].as_str().unwrap_or("").to_string())
        .collect();
    let ids: Vec<i64> = first
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|x| x["id"].as_str()?.parse().ok())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let rest = names(&a, &path, &moderator).await;
    assert_eq!(rest.len(), 3, "{rest:?}");
    all.extend(rest);
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(sorted(unique).len(), 6, "{all:?}");

    // v2: no default filters.
    let everyone = names(&a, "/api/v2/admin/accounts", &moderator).await;
    assert_eq!(everyone.len(), 10, "{everyone:?}");
    for (query, expected) in [
        ("origin=remote", vec!["bob"]),
        ("origin=local&status=suspended", vec!["dave"]),
        ("status=pending", vec!["fay"]),
        ("status=silenced", vec!["carol"]),
        ("status=disabled", vec!["erin"]),
        ("permissions=staff", vec!["boss", "mod1"]),
        ("role_ids[]=3", vec!["boss"]),
        ("role_ids[]=2&role_ids[]=3", vec!["boss", "mod1"]),
        ("username=da", vec!["dave"]),
        ("origin=local&email=fay", vec!["fay"]),
        ("invited_by=1", vec![]),
    ] {
        assert_eq!(
            sorted(names(&a, &format!("/api/v2/admin/accounts?{query}"), &moderator).await),
            strs(&expected),
            "{query}"
        );
    }
    for query in [
        "origin=mars",
        "status=asleep",
        "permissions=all",
        "role_ids[]=99",
    ] {
        let (status, v, _) = get(&a, &format!("/api/v2/admin/accounts?{query}"), &moderator).await;
        assert_eq!(status, 400, "{query}: {v}");
        assert!(
            v["error"].as_str().unwrap_or("").starts_with("Unknown"),
            "{v}"
        );
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_account_lists_sqlite() {
    lists(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_account_lists_postgres() {
    lists(Backend::Postgres).await;
}
