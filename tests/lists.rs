//! Lists (members you follow, replies policy, exclusive lists) and direct-message
//! conversations over HTTP.

mod common;

use common::moderation::send;
use common::TestApp;
use serde_json::{json, Value};

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

async fn lists(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (dave_id, dave) = app.user_with_token("dave").await;
    for id in [bob_id, carol_id] {
        app.post_json(&format!("/api/v1/accounts/{id}/follow"), &alice, json!({}))
            .await;
    }

    // Create: defaults as Mastodon's; bad input is a 422.
    let (status, list) = app
        .post_json("/api/v1/lists", &alice, json!({"title": "Friends"}))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["title"], "Friends");
    assert_eq!(list["replies_policy"], "list");
    assert_eq!(list["exclusive"], false);
    let list_id = list["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .post_json("/api/v1/lists", &alice, json!({"title": " "}))
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post_json(
            "/api/v1/lists",
            &alice,
            json!({"title": "x", "replies_policy": "all"}),
        )
        .await;
    assert_eq!(status, 422);
    let (_, all) = app.get_json("/api/v1/lists", Some(&alice)).await;
    assert_eq!(ids(&all), vec![list_id.clone()]);
    // Someone else's list does not exist for them.
    let (status, _) = app
        .get_json(&format!("/api/v1/lists/{list_id}"), Some(&bob))
        .await;
    assert_eq!(status, 404);
    let (_, none) = app.get_json("/api/v1/lists", Some(&bob)).await;
    assert_eq!(none, json!([]));

    // Members: only accounts Alice follows.
    let path = format!("/api/v1/lists/{list_id}/accounts");
    let (status, _) = app
        .post_json(&path, &alice, json!({"account_ids": [bob_id.to_string()]}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post_json(&path, &alice, json!({"account_ids": [dave_id.to_string()]}))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app
        .post_json(&path, &alice, json!({"account_ids": ["999999"]}))
        .await;
    assert_eq!(status, 404);
    let (_, members) = app.get_json(&path, Some(&alice)).await;
    assert_eq!(ids(&members), [bob_id.to_string()]);
    let (_, of_bob) = app
        .get_json(&format!("/api/v1/accounts/{bob_id}/lists"), Some(&alice))
        .await;
    assert_eq!(ids(&of_bob), vec![list_id.clone()]);

    // The timeline: members' posts Alice may see, replies by the policy.
    let bob_private = post(
        app,
        &bob,
        json!({"status": "bob for followers", "visibility": "private"}),
    )
    .await;
    let carol_post = post(app, &carol, json!({"status": "carol here"})).await;
    let bob_reply = post(
        app,
        &bob,
        json!({"status": "@carol yes", "in_reply_to_id": carol_post}),
    )
    .await;
    let dave_post = post(app, &dave, json!({"status": "dave here"})).await;
    let bob_to_dave = post(
        app,
        &bob,
        json!({"status": "@dave hi", "in_reply_to_id": dave_post}),
    )
    .await;
    app.run_jobs().await;
    let timeline = format!("/api/v1/timelines/list/{list_id}");
    let (_, tl) = app.get_json(&timeline, Some(&alice)).await;
    assert_eq!(
        ids(&tl),
        vec![bob_private.clone()],
        "replies to non-members are hidden"
    );
    let (status, _) = send(
        app,
        reqwest::Method::PUT,
        &format!("/api/v1/lists/{list_id}"),
        &alice,
        json!({"replies_policy": "followed"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, tl) = app.get_json(&timeline, Some(&alice)).await;
    assert_eq!(
        ids(&tl),
        [bob_reply.clone(), bob_private.clone()],
        "replies to people Alice follows"
    );
    let (_, list_now) = app
        .get_json(&format!("/api/v1/lists/{list_id}"), Some(&alice))
        .await;
    assert_eq!(list_now["replies_policy"], "followed");
    assert_eq!(list_now["title"], "Friends");
    let _ = bob_to_dave;
    // Carol, a stranger to Bob, cannot see his followers-only post anywhere.
    let (status, _) = app.get_json(&timeline, Some(&carol)).await;
    assert_eq!(status, 404);

    // Exclusive: Bob's posts leave Alice's home and only show in the list.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert!(ids(&home).contains(&bob_private));
    let (status, l) = send(
        app,
        reqwest::Method::PUT,
        &format!("/api/v1/lists/{list_id}"),
        &alice,
        json!({"exclusive": true}),
    )
    .await;
    assert_eq!((status, l["exclusive"].as_bool()), (200, Some(true)));
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert!(!ids(&home).contains(&bob_private));
    let later = post(app, &bob, json!({"status": "new from bob"})).await;
    let carol_later = post(app, &carol, json!({"status": "new from carol"})).await;
    app.run_jobs().await;
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert!(!ids(&home).contains(&later));
    assert!(ids(&home).contains(&carol_later));
    let (_, tl) = app.get_json(&timeline, Some(&alice)).await;
    assert_eq!(ids(&tl)[0], later);

    // Removing members, unfollowing and deleting.
    let (status, _) = send(
        app,
        reqwest::Method::DELETE,
        &path,
        &alice,
        json!({"account_ids": [bob_id.to_string()]}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, members) = app.get_json(&path, Some(&alice)).await;
    assert_eq!(members, json!([]));
    app.post_json(
        &path,
        &alice,
        json!({"account_ids": [carol_id.to_string()]}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/accounts/{carol_id}/unfollow"),
        &alice,
        json!({}),
    )
    .await;
    let (_, members) = app.get_json(&path, Some(&alice)).await;
    assert_eq!(
        members,
        json!([]),
        "unfollowing drops the account from one's lists"
    );
    let (status, _) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v1/lists/{list_id}"),
        &bob,
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v1/lists/{list_id}"),
        &alice,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app.get_json(&timeline, Some(&alice)).await;
    assert_eq!(status, 404);
}
on_both_backends!(lists, lists);

async fn conversations(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    // Bob follows Alice: a stranger's direct message would wait behind a notification
    // request (Mastodon's default policy), out of the conversations.
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        serde_json::json!({}),
    )
    .await;
    let dm = post(
        app,
        &alice,
        json!({"status": "@bob secret", "visibility": "direct"}),
    )
    .await;
    let (_, bobs) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    let conv = &bobs[0];
    assert_eq!(bobs.as_array().unwrap().len(), 1);
    assert_eq!(conv["unread"], true);
    assert_eq!(conv["last_status"]["id"], dm.as_str());
    assert_eq!(conv["accounts"][0]["username"], "alice");
    let (_, alices) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_eq!(alices[0]["unread"], false);
    assert_eq!(alices[0]["accounts"][0]["username"], "bob");
    let (_, carols) = app.get_json("/api/v1/conversations", Some(&carol)).await;
    assert_eq!(carols, json!([]));
    // Public posts make no conversation.
    post(app, &alice, json!({"status": "@bob in public"})).await;

    // A reply in the thread moves it on and makes it unread for Alice.
    let reply = post(
        app,
        &bob,
        json!({"status": "@alice ok", "visibility": "direct", "in_reply_to_id": dm}),
    )
    .await;
    let (_, alices) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_eq!(alices.as_array().unwrap().len(), 1);
    assert_eq!(alices[0]["unread"], true);
    assert_eq!(alices[0]["last_status"]["id"], reply.as_str());
    let conv_id = alices[0]["id"].as_str().unwrap().to_string();

    // Read, then delete (for Alice only); someone else's conversation is not found.
    let (status, c) = app
        .post_json(
            &format!("/api/v1/conversations/{conv_id}/read"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!((status, c["unread"].as_bool()), (200, Some(false)));
    let (status, _) = app
        .post_json(
            &format!("/api/v1/conversations/{conv_id}/read"),
            &carol,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    // Deleting the last message falls back to the one before.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{reply}")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, alices) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_eq!(alices[0]["last_status"]["id"], dm.as_str());
    let (status, _) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v1/conversations/{conv_id}"),
        &alice,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, alices) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_eq!(alices, json!([]));
    let (_, bobs) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    assert_eq!(bobs.as_array().unwrap().len(), 1);
    let (status, _) = app.get_json("/api/v1/conversations", None).await;
    assert_eq!(status, 401);
}
on_both_backends!(conversations, conversations);
