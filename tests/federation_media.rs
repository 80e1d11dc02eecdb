//! Pictures and hashtags travel between two Herd instances: a post's attachments go out as
//! `Document`s (URL, media type, description, blurhash, focal point, size) and its tags as
//! `Hashtag`s; the receiving server references the files at their origin (`remote_url`) and
//! replaces them when the author edits the post.

mod common;

use common::federation::settle;

use common::{Backend, TestApp};
use image::ImageFormat;
use serde_json::{json, Value};

async fn upload(app: &TestApp, token: &str, description: &str) -> Value {
    let part = reqwest::multipart::Part::bytes(common::images::gradient(64, 48, ImageFormat::Png))
        .file_name("pic.png")
        .mime_str("image/png")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("description", description.to_string())
        .text("focus", "0.5,-0.25");
    let res = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("media")
}

async fn bobs_copy(b: &TestApp, bob: &str, needle: &str) -> Value {
    let (status, home) = b.get_json("/api/v1/timelines/home", Some(bob)).await;
    assert_eq!(status, 200, "{home}");
    home.as_array()
        .expect("array")
        .iter()
        .find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle)))
        .cloned()
        .unwrap_or_else(|| panic!("{needle} not in bob's home: {home}"))
}

async fn scenario(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let da = a.state.config.domain.clone();
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (status, alice_on_b) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=alice@{da}"),
            Some(&bob),
        )
        .await;
    assert_eq!(status, 200, "{alice_on_b}");
    let id = alice_on_b["id"].as_str().expect("id");
    b.post_json(&format!("/api/v1/accounts/{id}/follow"), &bob, json!({}))
        .await;
    settle(&a, &b).await;

    let media = upload(&a, &alice, "a gradient at dusk").await;
    let (status, posted) = a
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "look at this #Sunset", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    settle(&a, &b).await;

    let copy = bobs_copy(&b, &bob, "look at this").await;
    let attachments = copy["media_attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1, "{copy}");
    let m = &attachments[0];
    let origin_url = media["url"].as_str().expect("url");
    assert_eq!(m["type"], "image");
    assert_eq!(m["remote_url"], origin_url);
    // Referenced, not copied: apps load the picture from alice's server.
    assert_eq!(m["url"], origin_url);
    assert_eq!(m["description"], "a gradient at dusk");
    assert_eq!(m["blurhash"], media["blurhash"]);
    assert_eq!(m["meta"]["original"]["width"], 64);
    assert_eq!(m["meta"]["focus"], json!({"x": 0.5, "y": -0.25}));
    assert_ne!(m["id"], media["id"], "B gives the attachment its own id");
    // The file really is where the reference points.
    let res = b.client.get(origin_url).send().await.expect("fetch");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    // The hashtag came as a Hashtag and is searchable on B's tag timeline.
    assert_eq!(copy["tags"][0]["name"], "sunset", "{copy}");
    let (_, tagged) = b.get_json("/api/v1/timelines/tag/sunset", Some(&bob)).await;
    assert!(
        tagged
            .as_array()
            .expect("array")
            .iter()
            .any(|s| s["uri"] == copy["uri"]),
        "{tagged}"
    );

    // alice edits: a new description travels, and B still holds one attachment, not two.
    let posted_id = posted["id"].as_str().expect("id");
    let (status, edited) = a
        .client
        .put(a.url(&format!("/api/v1/statuses/{posted_id}")))
        .bearer_auth(&alice)
        .json(&json!({
            "status": "look at this again #Sunset",
            "media_ids": [media["id"]],
            "media_attributes": [{"id": media["id"], "description": "the same gradient, described better"}],
        }))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("edit");
    assert_eq!(status, 200, "{:?}", edited.text().await);
    settle(&a, &b).await;
    let copy = bobs_copy(&b, &bob, "again").await;
    let attachments = copy["media_attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1, "{copy}");
    assert_eq!(
        attachments[0]["description"],
        "the same gradient, described better"
    );
    let (_, n): (i64, i64) =
        sqlx::query_as("SELECT 0, COUNT(*) FROM media_attachments WHERE remote_url IS NOT NULL")
            .fetch_one(&b.state.db.pool)
            .await
            .expect("count");
    assert_eq!(
        n, 1,
        "the edit replaced the reference instead of adding one"
    );

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_and_hashtags_federate_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_and_hashtags_federate_postgres() {
    scenario(Backend::Postgres).await;
}
