//! Live updates in a real headless Chromium (SQLite; tests/site/live.rs covers both backends
//! over HTTP): a second member's post arrives on the first's `/home` behind the "New: N"
//! button and is inserted only when it is pressed, and it arrives in the deck's home column;
//! the deck passes axe-core's WCAG 2.x A/AA check in the light and the dark scheme; a reply
//! arrives at the end of an open thread; back on the deck, it follows on.
//!
//! Without chromedriver on PATH the test prints `SKIP: …` and passes, unless
//! HERD_TEST_REQUIRE_BROWSER=1. Without HERD_AXE_PATH the axe checks are skipped.

use std::time::{Duration, Instant};

use crate::common::browser::Browser;
use crate::common::{Backend, TestApp};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

/// Waits until `script` (returning a boolean) is true in the page.
async fn wait_for(b: &Browser, script: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let ok = b
            .client
            .execute(&format!("return Boolean({script})"), vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page's live connection is open (herd.js marks the body).
async fn wait_connected(b: &Browser) {
    wait_for(
        b,
        "document.body.dataset.live === 'open'",
        "the page follows live",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_arrives_live_on_home_and_in_the_deck() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;
    app.post_json(
        "/api/v1/statuses",
        &alice,
        json!({"status": "Already there"}),
    )
    .await;
    app.run_jobs().await;
    b.sign_in(&app, "bob", PASSWORD).await;

    // /home: the new post waits behind the button; the post already read stays first.
    b.goto(&app.url("/home")).await;
    wait_connected(&b).await;
    let (status, fresh) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Fresh from alice"}),
        )
        .await;
    assert_eq!(status, 200);
    let fresh = fresh["id"].as_str().unwrap_or_default().to_string();
    app.run_jobs().await;
    wait_for(
        &b,
        "document.querySelector('[data-live=home] .live-bar:not([hidden]) button')",
        "the new-posts button shows",
    )
    .await;
    let label = b.text("[data-live=home] .live-bar button").await;
    assert!(label.contains('1'), "{label}");
    let first = b.text("[data-live=home] [role=feed] article").await;
    assert!(
        first.contains("Already there"),
        "nothing moved before asking: {first}"
    );
    b.click("[data-live=home] .live-bar button").await;
    wait_for(
        &b,
        "document.activeElement && document.activeElement.textContent.includes('Fresh from alice')",
        "the new post is inserted and focused",
    )
    .await;
    let first = b.text("[data-live=home] [role=feed] article").await;
    assert!(first.contains("Fresh from alice"), "{first}");

    // The deck: the same arrives in its home column.
    b.goto(&app.url("/deck")).await;
    wait_connected(&b).await;
    app.post_json("/api/v1/statuses", &alice, json!({"status": "Deck news"}))
        .await;
    app.run_jobs().await;
    wait_for(
        &b,
        "document.querySelector('[data-live=home] .live-bar:not([hidden]) button')",
        "the deck's home column offers the new post",
    )
    .await;
    b.click("[data-live=home] .live-bar button").await;
    wait_for(
        &b,
        "[...document.querySelectorAll('[data-live=home] article')].some(a => a.textContent.includes('Deck news') && a.id.startsWith('c1-'))",
        "the deck's home column shows it",
    )
    .await;

    b.accessible_in_both_schemes(&app, "/deck", "the deck")
        .await;

    // A thread page: a reply posted through the API arrives at its end, on request.
    b.goto(&app.url(&format!("/@alice/{fresh}"))).await;
    wait_connected(&b).await;
    app.post_json(
        "/api/v1/statuses",
        &alice,
        json!({"status": "A reply arrives", "in_reply_to_id": fresh}),
    )
    .await;
    app.run_jobs().await;
    wait_for(
        &b,
        "document.querySelector('[data-live^=thread] .live-bar:not([hidden]) button')",
        "the thread offers the new reply",
    )
    .await;
    b.click("[data-live^=thread] .live-bar button").await;
    wait_for(
        &b,
        "[...document.querySelectorAll('[data-live^=thread] [role=feed] article')].pop().textContent.includes('A reply arrives')",
        "the reply shows last in the thread",
    )
    .await;

    // "Back" to the deck: the thread page closed its connection on leaving, and the deck,
    // whether the browser keeps it for "back" or loads it again, follows live with what was
    // posted meanwhile.
    app.post_json(
        "/api/v1/statuses",
        &alice,
        json!({"status": "Posted while away"}),
    )
    .await;
    app.run_jobs().await;
    b.client.back().await.expect("history back");
    wait_connected(&b).await;
    let away = "document.querySelector('[data-live=home]').textContent.includes('Posted while away') || document.querySelector('[data-live=home] .live-bar:not([hidden]) button')";
    wait_for(&b, away, "the deck has what came meanwhile").await;
    // What waits behind the button is shown first, so the next post's arrival is its own.
    b.client
        .execute(
            "const bar = document.querySelector('[data-live=home] .live-bar:not([hidden]) button'); if (bar) bar.click();",
            vec![],
        )
        .await
        .expect("show what waits");
    app.post_json("/api/v1/statuses", &alice, json!({"status": "After back"}))
        .await;
    app.run_jobs().await;
    wait_for(
        &b,
        "document.querySelector('[data-live=home] .live-bar:not([hidden]) button')",
        "the deck still follows live after back",
    )
    .await;
    b.click("[data-live=home] .live-bar button").await;
    wait_for(
        &b,
        "[...document.querySelectorAll('[data-live=home] article')].some(a => a.textContent.includes('After back'))",
        "the post made after back shows",
    )
    .await;

    b.close().await;
    app.stop().await;
}
