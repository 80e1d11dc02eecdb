//! Moderation and notifications: each strike tells the account with a `moderation_warning`
//! notification (Mastodon 4.3's shape, left out when a client excludes the type), and
//! notification lists and the unread count skip what suspended accounts did, and what silenced
//! accounts the viewer does not follow did.

mod common;

use serde_json::{json, Value};

const PW: &str = "correct horse battery";
const SCOPES: &str = "read write follow admin:read admin:write";

async fn user(app: &common::TestApp, name: &str, role: Option<&str>) -> (i64, String) {
    let id = app.create_user_with(name, PW, role, role.is_some()).await;
    let token = herd::services::oauth::operator_token(&app.state, id, SCOPES)
        .await
        .expect("token");
    (id, token)
}

async fn ok(app: &common::TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json(path, token, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn list(app: &common::TestApp, path: &str, token: &str) -> Vec<Value> {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{path}: {v}"))
}

async fn unread(app: &common::TestApp, query: &str, token: &str) -> i64 {
    let (status, v) = app
        .get_json(
            &format!("/api/v1/notifications/unread_count{query}"),
            Some(token),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v["count"].as_i64().unwrap_or(-1)
}

/// Every strike notifies its account, with the AccountWarning Mastodon 4.3 sends.
async fn strikes_notify(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator")).await;
    let (troll_id, troll) = user(app, "troll", None).await;
    let posted = ok(
        app,
        "/api/v1/statuses",
        &troll,
        json!({ "status": "buy now" }),
    )
    .await;
    let sid = posted["id"].as_str().expect("id").to_string();
    assert_eq!(unread(app, "", &troll).await, 0);

    let warned = ok(
        app,
        &format!("/api/v1/admin/accounts/{troll_id}/action"),
        &moderator,
        json!({ "type": "warn", "policy_clause": "code-of-conduct@1#4.1", "text": "Please stop advertising" }),
    )
    .await;
    ok(
        app,
        &format!("/api/v1/admin/statuses/{sid}/delete"),
        &moderator,
        json!({ "policy_clause": "code-of-conduct@1#4.1", "text": "Advertising" }),
    )
    .await;

    let notes = list(app, "/api/v1/notifications", &troll).await;
    assert_eq!(notes.len(), 2, "{notes:?}");
    let (deletion, warning) = (&notes[0], &notes[1]);
    assert_eq!(warning["type"], json!("moderation_warning"), "{warning}");
    assert_eq!(warning["account"]["id"], json!(troll_id.to_string()));
    assert_eq!(warning["status"], Value::Null);
    let w = &warning["moderation_warning"];
    assert_eq!(w["id"], warned["strike_id"], "{w}");
    assert_eq!(w["action"], json!("none"));
    assert_eq!(w["text"], json!("Please stop advertising"));
    assert_eq!(w["status_ids"], json!([]));
    assert_eq!(w["target_account"]["id"], json!(troll_id.to_string()));
    assert_eq!(w["appeal"], Value::Null);
    assert_eq!(w["policy_clause"], json!("code-of-conduct@1#4.1"));
    assert!(w["created_at"].is_string(), "{w}");
    let d = &deletion["moderation_warning"];
    assert_eq!(d["action"], json!("delete_statuses"), "{deletion}");
    assert_eq!(d["status_ids"], json!([sid]));
    // Other notifications carry no such key.
    assert_eq!(unread(app, "", &troll).await, 2);

    // A client that excludes the type (or asks for others) does not get it.
    assert!(list(
        app,
        "/api/v1/notifications?exclude_types[]=moderation_warning",
        &troll
    )
    .await
    .is_empty());
    assert!(list(app, "/api/v1/notifications?types[]=mention", &troll)
        .await
        .is_empty());
    assert_eq!(
        unread(app, "?exclude_types[]=moderation_warning", &troll).await,
        0
    );
    assert_eq!(
        list(
            app,
            "/api/v1/notifications?types[]=moderation_warning",
            &troll
        )
        .await
        .len(),
        2
    );

    // An appeal shows on the warning.
    let strike = warned["strike_id"].as_str().expect("strike");
    ok(
        app,
        &format!("/api/v1/coop/moderation/strikes/{strike}/appeal"),
        &troll,
        json!({ "text": "It was a joke about advertising." }),
    )
    .await;
    let (_, one) = app
        .get_json(
            &format!(
                "/api/v1/notifications/{}",
                warning["id"].as_str().expect("id")
            ),
            Some(&troll),
        )
        .await;
    assert_eq!(
        one["moderation_warning"]["appeal"],
        json!({ "text": "It was a joke about advertising.", "state": "pending" }),
        "{one}"
    );
}
on_both_backends!(strike_notifications, strikes_notify);

/// Notifications from suspended accounts, and from silenced ones the viewer does not follow,
/// are left out of the list and the unread count; lifting the sanction brings them back.
async fn sanctioned_senders_are_quiet(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator")).await;
    let (alice_id, alice) = user(app, "alice", None).await;
    let (bob_id, bob) = user(app, "bob", None).await;
    let (carol_id, carol) = user(app, "carol", None).await;
    let (dan_id, dan) = user(app, "dan", None).await;
    let (_, erin) = user(app, "erin", None).await;
    let posted = ok(
        app,
        "/api/v1/statuses",
        &alice,
        json!({ "status": "hello" }),
    )
    .await;
    let sid = posted["id"].as_str().expect("id").to_string();
    ok(
        app,
        &format!("/api/v1/statuses/{sid}/favourite"),
        &bob,
        json!({}),
    )
    .await;
    ok(
        app,
        "/api/v1/statuses",
        &carol,
        json!({ "status": "@alice hi from carol" }),
    )
    .await;
    ok(
        app,
        &format!("/api/v1/accounts/{dan_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    ok(
        app,
        "/api/v1/statuses",
        &dan,
        json!({ "status": "@alice hi from dan" }),
    )
    .await;
    ok(
        app,
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &erin,
        json!({}),
    )
    .await;
    app.run_jobs().await;

    let senders = |notes: Vec<Value>| -> Vec<String> {
        let mut v: Vec<String> = notes
            .iter()
            .map(|n| n["account"]["username"].as_str().unwrap_or("").to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        senders(list(app, "/api/v1/notifications", &alice).await),
        vec!["bob", "carol", "dan", "erin"]
    );
    assert_eq!(unread(app, "", &alice).await, 4);
    let bob_note = list(app, "/api/v1/notifications?types[]=favourite", &alice).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();

    for (id, kind) in [
        (bob_id, "suspend"),
        (carol_id, "silence"),
        (dan_id, "silence"),
    ] {
        ok(
            app,
            &format!("/api/v1/admin/accounts/{id}/action"),
            &moderator,
            json!({ "type": kind, "policy_clause": "code-of-conduct@1#2.1", "text": "x" }),
        )
        .await;
    }
    // dan is silenced but followed: he still reaches alice; bob and carol do not.
    assert_eq!(
        senders(list(app, "/api/v1/notifications", &alice).await),
        vec!["dan", "erin"]
    );
    assert_eq!(unread(app, "", &alice).await, 2);
    assert_eq!(unread(app, "?types[]=mention", &alice).await, 1);
    let (status, _) = app
        .get_json(&format!("/api/v1/notifications/{bob_note}"), Some(&alice))
        .await;
    assert_eq!(
        status, 404,
        "a suspended sender's notification is not shown alone either"
    );
    assert!(list(
        app,
        &format!("/api/v1/notifications?account_id={bob_id}"),
        &alice
    )
    .await
    .is_empty());

    ok(
        app,
        &format!("/api/v1/admin/accounts/{bob_id}/unsuspend"),
        &moderator,
        json!({ "policy_clause": "moderation-policy@1#2.2" }),
    )
    .await;
    assert_eq!(
        senders(list(app, "/api/v1/notifications", &alice).await),
        vec!["bob", "dan", "erin"]
    );
    assert_eq!(unread(app, "", &alice).await, 3);
    let (status, _) = app
        .get_json(&format!("/api/v1/notifications/{bob_note}"), Some(&alice))
        .await;
    assert_eq!(status, 200);
}
on_both_backends!(sanctioned_senders, sanctioned_senders_are_quiet);
