//! Tags over HTTP: the Tag entity with its week of history, following a tag (a stranger's
//! public tagged post reaches home), followed_tags paging, featured tags.

mod common;

use common::TestApp;
use serde_json::{json, Value};

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn followed_tags(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;

    // An unknown but valid tag has a Tag; a non-tag is 404.
    let (status, tag) = app.get_json("/api/v1/tags/Rust", Some(&bob)).await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["name"], "rust");
    assert_eq!(tag["following"], false);
    assert_eq!(tag["history"].as_array().unwrap().len(), 7);
    let (status, _) = app.get_json("/api/v1/tags/no%20such", Some(&bob)).await;
    assert_eq!(status, 404);

    let (status, tag) = app
        .post_json("/api/v1/tags/Rust/follow", &bob, json!({}))
        .await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["following"], true);
    app.post_json("/api/v1/tags/cats/follow", &bob, json!({}))
        .await;

    // A stranger's public tagged post reaches bob's home; unlisted and private ones do not.
    let tagged = post(app, &alice, json!({"status": "learning #RUST today"})).await;
    let unlisted = post(
        app,
        &alice,
        json!({"status": "quiet #rust", "visibility": "unlisted"}),
    )
    .await;
    let private = post(
        app,
        &alice,
        json!({"status": "secret #rust", "visibility": "private"}),
    )
    .await;
    let untagged = post(app, &alice, json!({"status": "no tags here"})).await;
    app.run_jobs().await;
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    let home = ids(&home);
    assert!(home.contains(&tagged), "{home:?}");
    for id in [&unlisted, &private, &untagged] {
        assert!(!home.contains(id));
    }

    // History counts today's public uses and accounts.
    let (_, tag) = app.get_json("/api/v1/tags/rust", None).await;
    assert_eq!(tag["history"][0]["uses"], "2", "{tag}");
    assert_eq!(tag["history"][0]["accounts"], "1");
    assert!(tag.get("following").is_none());

    // followed_tags, newest first, paged with Link.
    let (status, list) = app
        .get_json("/api/v1/followed_tags?limit=1", Some(&bob))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["name"], "cats");
    assert_eq!(list[0]["following"], true);
    let res = app
        .client
        .get(app.url("/api/v1/followed_tags?limit=1"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("rel=\"next\""), "{link}");

    // Unfollowing stops new posts (old ones may stay).
    let (_, tag) = app
        .post_json("/api/v1/tags/rust/unfollow", &bob, json!({}))
        .await;
    assert_eq!(tag["following"], false);
    let later = post(app, &alice, json!({"status": "more #rust"})).await;
    app.run_jobs().await;
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(!ids(&home).contains(&later));
    let (_, list) = app.get_json("/api/v1/followed_tags", Some(&bob)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

on_both_backends!(followed_tags, followed_tags);

async fn featured_tags(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    post(app, &alice, json!({"status": "#rust and #cats"})).await;
    post(app, &alice, json!({"status": "more #rust"})).await;

    let (_, suggestions) = app
        .get_json("/api/v1/featured_tags/suggestions", Some(&alice))
        .await;
    assert_eq!(suggestions[0]["name"], "rust", "{suggestions}");

    let (status, f) = app
        .post_json("/api/v1/featured_tags", &alice, json!({"name": "#Rust"}))
        .await;
    assert_eq!(status, 200, "{f}");
    assert_eq!(f["name"], "rust", "the tag as first written");
    assert_eq!(f["statuses_count"], "2");
    assert!(f["last_status_at"].as_str().unwrap().len() == 10);
    assert!(f["url"].as_str().unwrap().ends_with("/@alice/tagged/rust"));
    let (status, _) = app
        .post_json("/api/v1/featured_tags", &alice, json!({"name": "rust"}))
        .await;
    assert_eq!(status, 422, "featuring twice");
    let (status, _) = app
        .post_json(
            "/api/v1/featured_tags",
            &alice,
            json!({"name": "not a tag"}),
        )
        .await;
    assert_eq!(status, 422);

    let (_, mine) = app.get_json("/api/v1/featured_tags", Some(&alice)).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (_, public) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}/featured_tags"), None)
        .await;
    assert_eq!(public[0]["id"], f["id"]);
    let (_, suggestions) = app
        .get_json("/api/v1/featured_tags/suggestions", Some(&alice))
        .await;
    assert_eq!(
        suggestions[0]["name"], "cats",
        "featured ones are not suggested"
    );

    let (_, bob) = app.user_with_token("bob").await;
    let del = |token: String| {
        let url = app.url(&format!(
            "/api/v1/featured_tags/{}",
            f["id"].as_str().unwrap()
        ));
        let client = app.client.clone();
        async move {
            client
                .delete(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(del(bob.clone()).await, 404, "someone else's");
    assert_eq!(del(alice.clone()).await, 200);
    let (_, mine) = app.get_json("/api/v1/featured_tags", Some(&alice)).await;
    assert_eq!(mine, json!([]));

    // Mastodon 4.4's tag-side endpoints.
    let (status, tag) = app
        .post_json("/api/v1/tags/cats/feature", &alice, json!({}))
        .await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["featuring"], true);
    let (_, mine) = app.get_json("/api/v1/featured_tags", Some(&alice)).await;
    assert_eq!(mine[0]["name"], "cats");
    let (_, tag) = app
        .post_json("/api/v1/tags/cats/unfeature", &alice, json!({}))
        .await;
    assert_eq!(tag["featuring"], false);
    let (_, mine) = app.get_json("/api/v1/featured_tags", Some(&alice)).await;
    assert_eq!(mine, json!([]));
}

on_both_backends!(featured_tags, featured_tags);
