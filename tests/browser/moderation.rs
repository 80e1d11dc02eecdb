//! The moderation pages in a real headless Chromium (tests/common/browser.rs): axe-core's
//! WCAG 2.x A/AA check on each page in light and dark (the queue, a report with its action
//! form and with a refusal beside the clause, an account's record, the appeals, the log, my
//! strikes, the admin dashboard), and a moderator's flow with scripts off: choosing a
//! sanction, refused without a clause, done with one, seen in the log.
//! SQLite only: tests/site/moderation.rs covers the services on both backends over HTTP.

use crate::common::browser::Browser;
use crate::common::moderation::{action, post, user, PW};
use crate::common::{Backend, TestApp};
use serde_json::json;

async fn report(app: &TestApp, reporter: &str, target: i64) -> String {
    let (status, r) = post(
        app,
        "/api/v1/reports",
        reporter,
        json!({ "account_id": target.to_string(), "comment": "Spamming the local timeline",
                "category": "spam" }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    r["id"].as_str().expect("id").to_string()
}

async fn sign_out(b: &Browser) {
    b.submit("form[action='/auth/sign_out'] button[type=submit]")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_pages_are_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    })
    .await
    .expect("sqlite app");
    let (_, mod1) = user(&app, "mod1", Some("moderator"), true).await;
    user(&app, "mod2", Some("admin"), true).await;
    let (target, _) = user(&app, "struck", None, true).await;
    let (_, reporter) = user(&app, "reporter", None, true).await;
    let id = report(&app, &reporter, target).await;
    let (status, strike) = action(
        &app,
        &mod1,
        target,
        json!({ "type": "warn", "policy_clause": "code-of-conduct@1#2.1", "text": "Be kind" }),
    )
    .await;
    assert_eq!(status, 200, "{strike}");
    // A sanction in effect, so the account's page shows its lift form.
    let (status, v) = action(
        &app,
        &mod1,
        target,
        json!({ "type": "silence", "policy_clause": "code-of-conduct@1#1.1", "text": "Limit" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let app_token = app.app_token("read write").await;
    let (status, v) = app
        .post_json(
            "/api/v1/accounts",
            &app_token,
            json!({ "username": "newcomer", "email": "newcomer@example.org", "password": PW,
                    "agreement": true, "reason": "I sing in the choir" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = post(
        &app,
        "/api/v1/admin/domain_blocks",
        &mod1,
        json!({ "domain": "spam.example", "severity": "silence",
                "policy_clause": "federation-policy@1#3.2", "public_comment": "Spam" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");

    // The struck member: their strikes, then an appeal.
    b.sign_in(&app, "struck", PW).await;
    b.accessible_in_both_schemes(&app, "/strikes", "my strikes")
        .await;
    b.fill("textarea[name=text]", "I was quoting someone").await;
    b.submit("form[action$='/appeal'] button[type=submit]")
        .await;
    assert!(b.body_text().await.contains("appeal pending"));
    sign_out(&b).await;

    // A second moderator (an admin) on every moderation page.
    b.sign_in(&app, "mod2", PW).await;
    b.accessible_in_both_schemes(&app, "/moderation", "reports queue")
        .await;
    let report_path = format!("/moderation/reports/{id}?sanction=suspend");
    b.accessible_in_both_schemes(&app, &report_path, "a report")
        .await;
    // A refusal beside the clause.
    b.goto(&app.url(&report_path)).await;
    b.submit("#action-form button[type=submit]").await;
    assert!(!b.text("#policy_clause-error").await.is_empty());
    b.assert_accessible("a report with a refused action").await;
    b.accessible_in_both_schemes(
        &app,
        &format!("/moderation/accounts/{target}"),
        "an account",
    )
    .await;
    b.accessible_in_both_schemes(&app, "/moderation/appeals", "appeals")
        .await;
    assert!(b.body_text().await.contains("I was quoting someone"));
    b.accessible_in_both_schemes(&app, "/moderation/log", "moderation log")
        .await;
    b.accessible_in_both_schemes(&app, "/admin", "admin dashboard")
        .await;
    assert!(b.body_text().await.contains("spam.example"));
    assert!(b.body_text().await.contains("@newcomer"));
    b.close().await;
    app.stop().await;
}

/// A moderator suspends from a report with scripts off: the sanction is chosen with a plain
/// form, the clause list follows it, no clause is refused beside the field, a permitting one
/// is taken, and the log shows it linked to its clause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderator_suspends_without_scripts() {
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    user(&app, "mod1", Some("moderator"), true).await;
    let (target, _) = user(&app, "spammer", None, true).await;
    let (_, reporter) = user(&app, "reporter", None, true).await;
    let id = report(&app, &reporter, target).await;

    b.sign_in(&app, "mod1", PW).await;
    b.goto(&app.url("/moderation")).await;
    b.click(&format!("a[href='/moderation/reports/{id}']"))
        .await;
    assert!(b.body_text().await.contains("Spamming the local timeline"));
    b.find("#sanction")
        .await
        .select_by_value("suspend")
        .await
        .expect("choose suspend");
    b.submit("form[method=get] button[type=submit]").await;
    assert_eq!(
        b.find("input[name=type]")
            .await
            .prop("value")
            .await
            .unwrap(),
        Some("suspend".into())
    );
    b.fill("#text", "Spam, again and again").await;
    b.submit("#action-form button[type=submit]").await;
    assert!(!b.text("#policy_clause-error").await.is_empty());
    assert_eq!(
        b.find("#text").await.prop("value").await.unwrap(),
        Some("Spam, again and again".into()),
        "what was typed is kept"
    );
    b.find("#policy_clause")
        .await
        .select_by_value("code-of-conduct@1#1.1")
        .await
        .expect("choose a clause");
    b.submit("#action-form button[type=submit]").await;
    assert!(b.body_text().await.contains("Resolved"));

    b.goto(&app.url("/moderation/log")).await;
    let link = b
        .find("a.citation[href='/policies/code-of-conduct#1.1']")
        .await;
    assert_eq!(link.text().await.unwrap(), "code-of-conduct@1#1.1");
    assert!(b.body_text().await.contains("suspend"));
    b.close().await;
    app.stop().await;
}
