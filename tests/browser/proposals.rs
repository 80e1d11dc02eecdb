//! The proposals' pages in a real headless Chromium (tests/common/browser.rs): axe-core's
//! WCAG 2.x A/AA check in light and dark on /coop, /proposals, /proposals/new and a
//! proposal's page open and closed, and voting (ranked choice by keyboard-reachable selects,
//! consent by radio buttons) with scripts off. SQLite only: tests/site/proposals.rs covers
//! both backends over HTTP.

use std::time::Duration;

use crate::common::browser::Browser;
use crate::common::coop::{members, PW};
use crate::common::{Backend, TestApp};
use serde_json::{json, Value};

async fn propose(app: &TestApp, token: &str, body: Value) -> String {
    let (status, p) = app.post_json("/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    p["id"].as_str().unwrap().to_string()
}

async fn my_vote(app: &TestApp, token: &str, id: &str) -> Value {
    let (_, p) = app
        .get_json(&format!("/api/v1/coop/proposals/{id}"), Some(token))
        .await;
    p["my_vote"]["ballot"].clone()
}

/// Every page of the slice is axe-clean in both schemes, open and closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposal_pages_are_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let m = members(&app, 3).await;
    let consent = propose(
        &app,
        &m[0].1,
        json!({ "kind": "general", "title": "Buy a bigger server", "body": "The old one is full." }),
    )
    .await;
    let election = propose(
        &app,
        &m[0].1,
        json!({ "kind": "role_election", "title": "Elect a treasurer", "body": "",
                "payload": { "role": "treasurer", "seats": 1, "candidates": [m[1].0, m[2].0] } }),
    )
    .await;
    for (who, tok) in [(&m[1], "agree"), (&m[2], "block")] {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{consent}/votes"),
                &who.1,
                json!({ "choice": tok, "reason": "Because" }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{election}/votes"),
                &who.1,
                json!({ "ranking": [m[2].0.to_string(), m[1].0.to_string()] }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    b.sign_in(&app, "ada", PW).await;
    for (path, what) in [
        ("/coop".to_string(), "/coop"),
        ("/proposals".to_string(), "/proposals"),
        ("/proposals/new".to_string(), "/proposals/new"),
        (
            "/proposals/new?kind=policy_amendment&policy=code-of-conduct".to_string(),
            "/proposals/new (amendment)",
        ),
        (
            "/proposals/new?kind=role_election".to_string(),
            "/proposals/new (election)",
        ),
        (format!("/proposals/{consent}"), "a consent proposal, open"),
        (format!("/proposals/{election}"), "an election, open"),
    ] {
        b.accessible_in_both_schemes(&app, &path, what).await;
    }
    app.state
        .clock
        .advance(Duration::from_secs(7 * 86_400 + 60));
    app.run_jobs().await;
    b.accessible_in_both_schemes(&app, &format!("/proposals/{consent}"), "consent, closed")
        .await;
    b.accessible_in_both_schemes(&app, &format!("/proposals/{election}"), "election, closed")
        .await;
    b.accessible_in_both_schemes(&app, "/proposals?state=closed", "/proposals closed")
        .await;
    b.close().await;
    app.stop().await;
}

/// Voting with scripts off: ranked choice by selects and consent by radio buttons, the
/// receipt shown after each vote. (axe-core is a script: the accessibility checks run in
/// the test above.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voting_without_scripts() {
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let m = members(&app, 3).await;
    let consent = propose(
        &app,
        &m[0].1,
        json!({ "kind": "general", "title": "Plant a tree", "body": "" }),
    )
    .await;
    let election = propose(
        &app,
        &m[0].1,
        json!({ "kind": "role_election", "title": "Elect a moderator", "body": "",
                "payload": { "role": "moderator", "seats": 1, "candidates": [m[1].0, m[2].0] } }),
    )
    .await;
    b.sign_in(&app, "m1", PW).await;

    b.goto(&app.url(&format!("/proposals/{election}"))).await;
    let second = m[2].0.to_string();
    let first = m[1].0.to_string();
    b.click(&format!("#rank-1 option[value='{second}']")).await;
    b.click(&format!("#rank-2 option[value='{first}']")).await;
    b.submit("#ballot button[type=submit]").await;
    assert!(b.body_text().await.contains("Your vote is in"));
    assert_eq!(
        my_vote(&app, &m[1].1, &election).await,
        json!({ "ranking": [second, first] })
    );

    b.goto(&app.url(&format!("/proposals/{consent}"))).await;
    b.click("#ballot input[value='agree']").await;
    b.fill("#reason", "Shade is good").await;
    b.submit("#ballot button[type=submit]").await;
    let text = b.body_text().await;
    assert!(text.contains("Your vote is in"), "{text}");
    assert!(text.contains("Nonce"));
    assert_eq!(
        my_vote(&app, &m[1].1, &consent).await,
        json!({ "choice": "agree" })
    );
    b.close().await;
    app.stop().await;
}
