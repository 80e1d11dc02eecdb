//! The members' social pages (src/web/social/) in a real headless Chromium: axe-core's WCAG
//! 2.x A/AA check on each page in the light and the dark scheme, and one walk with scripts off
//! (edit a post, make a list, report a post) where the plain forms alone do the work.
//! SQLite only: tests/site/social.rs covers both backends over HTTP.
//!
//! Without chromedriver on PATH each test prints `SKIP: …` and passes, unless
//! HERD_TEST_REQUIRE_BROWSER=1. Without HERD_AXE_PATH the axe checks are skipped.

use crate::common::browser::Browser;
use crate::common::{Backend, TestApp};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

async fn post_status(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().expect("id").to_string()
}

/// Every new page, light and dark, with content on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_pages_are_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;
    let post = post_status(&app, &alice, json!({"status": "Beans in the #garden"})).await;
    let put = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{post}")))
        .bearer_auth(&alice)
        .form(&[("status", "Runner beans in the #garden")])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    post_status(
        &app,
        &alice,
        json!({"status": "@bob a word in private", "visibility": "direct"}),
    )
    .await;
    let (_, list) = app
        .post_json("/api/v1/lists", &bob, json!({"title": "Growers"}))
        .await;
    let list_id = list["id"].as_str().expect("list").to_string();
    app.post_json(
        &format!("/api/v1/lists/{list_id}/accounts"),
        &bob,
        json!({"account_ids": [alice_id.to_string()]}),
    )
    .await;
    // A follow request waiting for bob.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&bob)
        .form(&[("locked", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &carol,
        json!({}),
    )
    .await;
    let _ = carol_id;
    app.run_jobs().await;

    b.sign_in(&app, "bob", PASSWORD).await;
    for (path, what) in [
        ("/search?q=garden".to_string(), "search results"),
        ("/search".to_string(), "search, empty"),
        (format!("/@alice/{post}/history"), "edit history"),
        (
            format!("/web/reports/new?account_id={alice_id}&status_ids[]={post}"),
            "report form",
        ),
        (format!("/web/accounts/{alice_id}/mute"), "mute form"),
        (
            format!("/web/accounts/{alice_id}/lists"),
            "an account's lists",
        ),
        ("/@alice".to_string(), "a profile with its actions"),
        ("/lists".to_string(), "lists"),
        (format!("/lists/{list_id}?q=alice"), "a list"),
        ("/conversations".to_string(), "conversations"),
        ("/follow_requests".to_string(), "follow requests"),
    ] {
        b.accessible_in_both_schemes(&app, &path, what).await;
    }
    b.goto(&app.url(&format!("/@alice/{post}/history"))).await;
    assert!(b.text("main").await.contains("Runner beans"));
    b.close().await;

    // The author's side: the edit form.
    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(&app, "alice", PASSWORD).await;
    b.accessible_in_both_schemes(&app, &format!("/web/statuses/{post}/edit"), "edit form")
        .await;
    b.close().await;
    app.stop().await;
}

/// With scripts off: edit a post (an error first, the text kept), make a list, report a post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_forms_work_without_scripts() {
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let (_, nia) = app.user_with_token("nia").await;
    let (_, _) = app.user_with_token("oli").await;
    let post = post_status(&app, &nia, json!({"status": "First draft"})).await;
    let oli_post = post_status(
        &app,
        &app.login("oli", PASSWORD, "read write").await,
        json!({"status": "Buy cheap pills"}),
    )
    .await;

    b.sign_in(&app, "nia", PASSWORD).await;
    b.goto(&app.url(&format!("/@nia/{post}"))).await;
    b.click(&format!("a[href='/web/statuses/{post}/edit']"))
        .await;
    assert_eq!(b.url().await.path(), format!("/web/statuses/{post}/edit"));
    b.fill("#status", "").await;
    b.fill("#spoiler_text", "kept warning").await;
    b.submit("form.compose button[type=submit]").await;
    assert_eq!(b.text("#status-error").await, "Text can't be blank");
    assert_eq!(
        b.find("#spoiler_text").await.prop("value").await.unwrap(),
        Some("kept warning".into())
    );
    b.fill("#spoiler_text", "").await;
    b.fill("#status", "Second draft").await;
    b.submit("form.compose button[type=submit]").await;
    assert_eq!(b.url().await.path(), format!("/@nia/{post}"));
    assert!(b.text(".status.focused").await.contains("Second draft"));
    b.click(&format!("a[href='/@nia/{post}/history']")).await;
    assert!(b.text("main").await.contains("First draft"));

    // A list, made from the form.
    b.goto(&app.url("/lists")).await;
    b.fill("#title", "Neighbours").await;
    b.submit("form[action='/web/lists'] button[type=submit]")
        .await;
    assert!(b.url().await.path().starts_with("/lists/"));
    assert_eq!(b.text("main h1").await, "Neighbours");

    // A report of oli's post, from the post's own button.
    b.goto(&app.url(&format!("/@oli/{oli_post}"))).await;
    b.click("a[href^='/web/reports/new']").await;
    b.fill("#comment", "spam, plainly").await;
    b.submit("form[action='/web/reports'] button[type=submit]")
        .await;
    assert_eq!(b.url().await.path(), "/web/reports/sent");
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(reports, 1);
    b.close().await;
    app.stop().await;
}
