//! The treasurer's pages in a real headless Chromium (tests/common/browser.rs): the
//! transaction form's running sum as the treasurer types, the refusal of an unbalanced entry
//! beside the sum, a balanced one recorded, and axe-core's WCAG 2.x A/AA check on every new
//! page in light and dark. SQLite only: tests/site/treasurer.rs covers both backends over HTTP.
//!
//! Without chromedriver on PATH each test prints `SKIP: …` and passes, unless
//! HERD_TEST_REQUIRE_BROWSER=1. Without HERD_AXE_PATH the axe checks are skipped.

use crate::common::browser::Browser;
use crate::common::coop::{members, token_for, PW};
use crate::common::{Backend, TestApp};
use serde_json::json;

/// Waits (up to 5 s) for the running sum to read `text`.
async fn wait_for(b: &Browser, text: &str) {
    for _ in 0..50 {
        if b.text("#entry-sum").await.contains(text) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the sum never read {text:?}: {}",
        b.text("#entry-sum").await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_treasurer_records_with_a_live_sum_and_every_page_is_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    members(&app, 2).await;
    let tess = app
        .create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    // A past quarter with entries, for its report.
    let (status, v) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            &token_for(&app, tess).await,
            json!({ "memo": "Hosting", "date": "2026-05-01", "postings": [
                { "account": "expenses:hosting", "amount": 4250, "currency": "EUR" },
                { "account": "assets:bank", "amount": -4250, "currency": "EUR" }] }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    b.sign_in(&app, "tess", PW).await;

    // The sum follows the typing: unbalanced, then balanced.
    b.goto(&app.url("/ledger/transactions/new")).await;
    b.fill("#memo", "Hosting, June").await;
    b.find("#account-0 option[value='expenses:hosting']")
        .await
        .click()
        .await
        .expect("choose an account");
    b.fill("#amount-0", "42.50").await;
    b.find("#account-1 option[value='assets:bank']")
        .await
        .click()
        .await
        .expect("choose an account");
    b.fill("#amount-1", "-40").await;
    wait_for(&b, "2.50 EUR").await;
    assert!(b.text("#entry-sum").await.starts_with("Not balanced"));
    // Submitted as it is: refused beside the sum, what was typed kept.
    b.submit("form.entry-form button[type=submit]:not([name])")
        .await;
    assert!(b.text("#postings-error").await.contains("do not balance"));
    assert_eq!(
        b.find("#amount-0")
            .await
            .prop("value")
            .await
            .expect("value"),
        Some("42.50".into())
    );
    b.fill("#amount-1", "-42.5").await;
    wait_for(&b, "Balanced").await;
    b.submit("form.entry-form button[type=submit]:not([name])")
        .await;
    assert!(b.url().await.path().starts_with("/ledger/transactions/"));
    assert!(b.body_text().await.contains("Hosting, June"));
    let recorded = b.url().await.path().to_string();

    // axe on every new page, light and dark (the transaction page with its reversal form).
    for (path, what) in [
        ("/ledger/transactions/new", "the transaction form"),
        (recorded.as_str(), "a transaction with its reversal form"),
        ("/ledger/budgets", "the budgets"),
        ("/ledger/reports", "the quarterly reports"),
        ("/ledger/reports/2026-Q2", "a quarterly report"),
    ] {
        b.accessible_in_both_schemes(&app, path, what).await;
    }
    b.close().await;
    app.stop().await;
}
