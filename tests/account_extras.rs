//! Accounts over HTTP: private notes and endorsements as the relationship shows them,
//! `exclude_direct` on an account's statuses, and lookup by `user@domain:port`.

mod common;

use common::TestApp;
use serde_json::{json, Value};

async fn relationship(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, v) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(token),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v[0].clone()
}

fn usernames(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect()
}

async fn notes_and_endorsements(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;

    // A private note: in the writer's relationship only.
    let (status, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/note"),
            &alice,
            json!({"comment": "met at the co-op meeting"}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["note"], "met at the co-op meeting");
    assert_eq!(
        relationship(app, &alice, bob_id).await["note"],
        "met at the co-op meeting"
    );
    assert_eq!(relationship(app, &bob, alice_id).await["note"], "");
    let (status, body) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/note"),
            &alice,
            json!({"comment": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].is_string());
    assert_eq!(
        relationship(app, &alice, bob_id).await["note"],
        "met at the co-op meeting",
        "a refused note changes nothing"
    );
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/note"),
            &alice,
            json!({"comment": ""}),
        )
        .await;
    assert_eq!(rel["note"], "");

    // Endorsing needs a follow, as Mastodon.
    let (status, body) = app
        .post_json(&format!("/api/v1/accounts/{bob_id}/pin"), &alice, json!({}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].is_string());
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    let (status, rel) = app
        .post_json(&format!("/api/v1/accounts/{bob_id}/pin"), &alice, json!({}))
        .await;
    assert_eq!(status, 200, "{rel}");
    assert_eq!(rel["endorsed"], true);
    assert_eq!(relationship(app, &alice, bob_id).await["endorsed"], true);
    assert_eq!(relationship(app, &bob, alice_id).await["endorsed"], false);
    let (_, mine) = app.get_json("/api/v1/endorsements", Some(&alice)).await;
    assert_eq!(usernames(&mine), vec!["bob"]);
    // Featured on Alice's profile, for anyone.
    let (status, featured) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}/endorsements"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(usernames(&featured), vec!["bob"]);
    let (_, theirs) = app.get_json("/api/v1/endorsements", Some(&bob)).await;
    assert!(usernames(&theirs).is_empty());

    // Unpinned (and 4.4's names for the same), the endorsement is gone.
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/unendorse"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(rel["endorsed"], false);
    let (_, mine) = app.get_json("/api/v1/endorsements", Some(&alice)).await;
    assert!(usernames(&mine).is_empty());
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/endorse"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(rel["endorsed"], true);
    // Unfollowing hides the endorsement.
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/unfollow"),
        &alice,
        json!({}),
    )
    .await;
    assert_eq!(relationship(app, &alice, bob_id).await["endorsed"], false);
    let (_, featured) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}/endorsements"), None)
        .await;
    assert!(usernames(&featured).is_empty());
    assert_eq!(
        app.post_json("/api/v1/accounts/999999/pin", &alice, json!({}))
            .await
            .0,
        404
    );
}

on_both_backends!(notes_and_endorsements, notes_and_endorsements);

async fn statuses_filters_and_lookup(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, _bob) = app.user_with_token("bob").await;
    let (_, public) = app
        .post_json("/api/v1/statuses", &alice, json!({"status": "hello all"}))
        .await;
    let (_, direct) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "@bob just you", "visibility": "direct"}),
        )
        .await;
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, all) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&alice),
        )
        .await;
    assert_eq!(
        ids(&all),
        vec![
            direct["id"].as_str().unwrap().to_string(),
            public["id"].as_str().unwrap().to_string()
        ]
    );
    let (_, no_direct) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses?exclude_direct=true"),
            Some(&alice),
        )
        .await;
    assert_eq!(
        ids(&no_direct),
        vec![public["id"].as_str().unwrap().to_string()]
    );

    // Lookup by the full handle, the domain with its port.
    let domain = app.url("").trim_start_matches("http://").to_string();
    let (status, found) = app
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=alice@{domain}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["id"], alice_id.to_string());
    let (status, _) = app
        .get_json("/api/v1/accounts/lookup?acct=nobody", None)
        .await;
    assert_eq!(status, 404);
}

on_both_backends!(statuses_filters_and_lookup, statuses_filters_and_lookup);

async fn directory_and_suggestions(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (carol_id, _carol) = app.user_with_token("carol").await;
    let (dave_id, dave) = app.user_with_token("dave").await;
    // Dave keeps out of the directory.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&dave)
        .form(&[("discoverable", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.post_json("/api/v1/statuses", &bob, json!({"status": "recent"}))
        .await;

    let (status, dir) = app.get_json("/api/v1/directory?local=true", None).await;
    assert_eq!(status, 200, "{dir}");
    let names = usernames(&dir);
    assert_eq!(
        names.first().map(String::as_str),
        Some("bob"),
        "active first: {names:?}"
    );
    assert!(names.contains(&"alice".to_string()) && names.contains(&"carol".to_string()));
    assert!(!names.contains(&"dave".to_string()), "not discoverable");
    let (_, newest) = app
        .get_json("/api/v1/directory?order=new&limit=1", None)
        .await;
    assert_eq!(newest.as_array().unwrap().len(), 1);
    let (_, second) = app
        .get_json("/api/v1/directory?order=new&limit=1&offset=1", None)
        .await;
    assert_ne!(newest[0]["id"], second[0]["id"]);
    assert_eq!(
        app.get_json("/api/v1/directory?order=loud", None).await.0,
        400
    );

    // Suggestions: whom those Alice follows follow, then the most followed; never herself,
    // those she follows, nor a dismissed one.
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/accounts/{carol_id}/follow"),
        &bob,
        json!({}),
    )
    .await;
    let (status, sugg) = app.get_json("/api/v2/suggestions", Some(&alice)).await;
    assert_eq!(status, 200, "{sugg}");
    let list = sugg.as_array().unwrap();
    assert_eq!(list[0]["account"]["id"], carol_id.to_string());
    // v1 answers the same suggestions as bare accounts.
    let (status, v1) = app.get_json("/api/v1/suggestions", Some(&alice)).await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1[0]["id"], carol_id.to_string(), "{v1}");
    assert_eq!(list[0]["sources"], json!(["friends_of_friends"]));
    assert!(list[0]["source"].is_string());
    let suggested: Vec<&str> = list
        .iter()
        .map(|s| s["account"]["id"].as_str().unwrap())
        .collect();
    for absent in [alice_id, bob_id, dave_id] {
        assert!(!suggested.contains(&absent.to_string().as_str()), "{sugg}");
    }
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/suggestions/{carol_id}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, sugg) = app.get_json("/api/v2/suggestions", Some(&alice)).await;
    assert!(!sugg
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["account"]["id"].as_str() == Some(carol_id.to_string().as_str())));
    assert_eq!(app.get_json("/api/v2/suggestions", None).await.0, 401);
}

on_both_backends!(directory_and_suggestions, directory_and_suggestions);

/// 4.3–4.5 batch and small endpoints: statuses and accounts by `id[]` (only what the viewer
/// may see, in the order asked, at most 40), a conversation marked unread again, and v2's
/// notifications clear.
async fn several_at_once(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let post = |token: String, body: Value| async move {
        let (status, v) = app.post_json("/api/v1/statuses", &token, body).await;
        assert_eq!(status, 200, "{v}");
        v["id"].as_str().unwrap().to_string()
    };
    let public = post(alice.clone(), json!({"status": "for all"})).await;
    let private = post(
        alice.clone(),
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    // Alice follows Bob, so his direct message is not held back as a stranger's.
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    let dm = post(
        bob.clone(),
        json!({"status": "@alice hi", "visibility": "direct"}),
    )
    .await;
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("not a list: {list}"))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let q = format!("/api/v1/statuses?id[]={private}&id[]={public}&id[]=nope&id[]=1");
    let (status, mine) = app.get_json(&q, Some(&alice)).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(ids(&mine), vec![private.clone(), public.clone()]);
    let (_, anon) = app.get_json(&q, None).await;
    assert_eq!(
        ids(&anon),
        vec![public.clone()],
        "the private one is not shown"
    );
    let (_, bobs) = app
        .get_json(&format!("/api/v1/statuses?id[]={dm}"), Some(&bob))
        .await;
    assert_eq!(ids(&bobs), vec![dm.clone()]);
    let too_many: String = (1..=41).map(|i| format!("id[]={i}&")).collect();
    let (status, err) = app
        .get_json(&format!("/api/v1/statuses?{too_many}"), Some(&alice))
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"].is_string());

    let (status, accounts) = app
        .get_json(
            &format!("/api/v1/accounts?id[]={bob_id}&id[]=999&id[]={alice_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{accounts}");
    assert_eq!(usernames(&accounts), vec!["bob", "alice"]);

    // Alice reads Bob's message, then marks it unread again; Bob cannot touch hers.
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    let conv = convs[0]["id"].as_str().expect("a conversation").to_string();
    let (status, read) = app
        .post_json(
            &format!("/api/v1/conversations/{conv}/read"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!((status, read["unread"].clone()), (200, json!(false)));
    let (status, again) = app
        .post_json(
            &format!("/api/v1/conversations/{conv}/unread"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, again["unread"].clone()),
        (200, json!(true)),
        "{again}"
    );
    let (status, _) = app
        .post_json(
            &format!("/api/v1/conversations/{conv}/unread"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);

    // v2's clear empties the notifications as v1's does.
    let (_, before) = app.get_json("/api/v2/notifications", Some(&alice)).await;
    assert!(
        !before["notification_groups"].as_array().unwrap().is_empty(),
        "{before}"
    );
    let (status, _) = app
        .post_json("/api/v2/notifications/clear", &alice, json!({}))
        .await;
    assert_eq!(status, 200);
    let (_, after) = app.get_json("/api/v2/notifications", Some(&alice)).await;
    assert_eq!(after["notification_groups"], json!([]), "{after}");
}

on_both_backends!(several_at_once, several_at_once);
