//! The co-op's pages in a real headless Chromium (tests/common/browser.rs): axe-core's WCAG
//! 2.x A/AA check on each page in light and dark, and a member's expense claim with a receipt
//! made with scripts off. SQLite only: tests/site/coopsite.rs covers both backends over HTTP.
//!
//! Without chromedriver on PATH each test prints `SKIP: …` and passes, unless
//! HERD_TEST_REQUIRE_BROWSER=1. Without HERD_AXE_PATH the axe checks are skipped.

use std::time::Duration;

use crate::common::browser::Browser;
use crate::common::coop::{members, PW};
use crate::common::{Backend, TestApp};
use herd::services::proposals::close_due;
use serde_json::{json, Value};

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json(path, token, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// A co-op with a second code-of-conduct version, a month of entries and a pending expense.
async fn a_coop_with_history(app: &TestApp) -> (String, String) {
    let crew = members(app, 3).await;
    let tess = app
        .create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let tess_token = crate::common::coop::token_for(app, tess).await;
    let (_, v1) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    let v2 = v1["text"]
        .as_str()
        .unwrap()
        .replacen("version: 1", "version: 2", 1)
        .replace(
            "is not allowed, including as a \"joke\".",
            "is never allowed, not even as a \"joke\".",
        );
    let p = post(
        app,
        "/api/v1/coop/proposals",
        &crew[1].1,
        json!({ "kind": "policy_amendment", "title": "Clearer 1.1", "body": "",
                "payload": { "policy": "code-of-conduct", "text": v2 } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    for (_, tok) in &crew {
        post(
            app,
            &format!("/api/v1/coop/proposals/{pid}/votes"),
            tok,
            json!({ "choice": "agree" }),
        )
        .await;
    }
    app.state
        .clock
        .advance(Duration::from_secs(7 * 86_400 + 60));
    assert_eq!(close_due(&app.state).await.unwrap(), 1);
    app.run_jobs().await;
    let tx = post(
        app,
        "/api/v1/coop/ledger/transactions",
        &tess_token,
        json!({ "memo": "Hosting", "postings": [
            { "account": "expenses:hosting", "amount": 4250, "currency": "EUR" },
            { "account": "assets:bank", "amount": -4250, "currency": "EUR" } ] }),
    )
    .await;
    let expense = post(
        app,
        "/api/v1/coop/expenses",
        &crew[1].1,
        json!({ "amount": 1250, "currency": "EUR", "description": "Stickers", "category": "general" }),
    )
    .await;
    (
        tx["id"].as_str().unwrap().to_string(),
        expense["id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coop_pages_are_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let (tx, expense) = a_coop_with_history(&app).await;

    // For anyone.
    for (path, what) in [
        ("/about", "the about page"),
        ("/policies", "the policies"),
        ("/policies/code-of-conduct", "a policy"),
        ("/policies/code-of-conduct/versions/1", "an old version"),
        (
            "/policies/code-of-conduct/diff?from=1&to=2",
            "a policy diff",
        ),
    ] {
        b.accessible_in_both_schemes(&app, path, what).await;
    }
    b.goto(&app.url("/policies/code-of-conduct#1.1")).await;
    assert!(b.text("[id='1.1'] h2").await.contains("Slurs"));

    // A treasurer sees the books and the actions.
    b.sign_in(&app, "tess", PW).await;
    for (path, what) in [
        ("/ledger".to_string(), "the ledger"),
        (format!("/ledger/transactions/{tx}"), "a transaction"),
        ("/expenses".to_string(), "the expenses"),
        ("/expenses/new".to_string(), "the expense form"),
        (format!("/expenses/{expense}"), "an expense, as a treasurer"),
        ("/members".to_string(), "the roster"),
        ("/membership".to_string(), "my membership"),
    ] {
        b.accessible_in_both_schemes(&app, &path, what).await;
    }
    b.goto(&app.url("/ledger")).await;
    let table = b.text(".chart-table").await;
    assert!(table.contains("42.50"), "{table}");
    // A refusal beside its field is accessible too.
    b.goto(&app.url("/expenses/new")).await;
    b.fill("#amount", "lots").await;
    b.fill("#description", "Pens").await;
    b.submit("form[action='/expenses'] button[type=submit]")
        .await;
    assert!(b.text("#amount-error").await.contains("greater than 0"));
    b.assert_accessible("the expense form with an error").await;

    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expense_with_receipt_without_scripts() {
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    members(&app, 2).await;
    let receipt = app.data_dir.join("receipt.txt");
    std::fs::write(&receipt, "Printer paper, 2 reams: 9.80 EUR").unwrap();

    b.sign_in(&app, "m1", PW).await;
    b.goto(&app.url("/expenses/new")).await;
    b.fill("#amount", "9.80").await;
    b.fill("#description", "Printer paper").await;
    b.find("#receipts")
        .await
        .send_keys(&receipt.display().to_string())
        .await
        .expect("choose the receipt");
    b.submit("form[action='/expenses'] button[type=submit]")
        .await;
    assert!(b.url().await.path().starts_with("/expenses/"));
    assert_eq!(b.text(".state").await, "submitted");
    assert!(b.body_text().await.contains("9.80 EUR"));
    assert!(b.text("main ul").await.contains("receipt.txt"));

    b.close().await;
    app.stop().await;
}
