//! The account's security pages in a real headless Chromium (tests/common/browser.rs):
//! a member turns on two-factor sign-in from the page (reading the secret the page shows)
//! and signs in again with a code; axe-core checks every new page in light and dark.
//! SQLite only: tests/site/account.rs covers both backends over HTTP.

use std::time::Duration;

use crate::common::browser::Browser;
use crate::common::{Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

fn code_now(app: &TestApp, secret: &str) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("totp");
    let now = app.state.clock.now_micros() / 1_000_000;
    totp.generate(u64::try_from(now).expect("time")).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_sign_in_and_accessible_pages() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let alice = app
        .create_user_with("alice", PASSWORD, Some("admin"), true)
        .await;
    b.sign_in(&app, "alice", PASSWORD).await;
    for (path, what) in [
        ("/settings/security", "the security settings"),
        ("/settings/two_factor", "two-factor sign-in, off"),
        ("/settings/mails", "the mail settings"),
        ("/settings/delete", "the deletion page"),
    ] {
        b.accessible_in_both_schemes(&app, path, what).await;
    }

    // Set up: the page shows the QR code and the secret; a code from it turns it on.
    b.goto(&app.url("/settings/two_factor")).await;
    b.submit("form[action='/settings/two_factor/setup'] button[type=submit]")
        .await;
    b.accessible_in_both_schemes(&app, "/settings/two_factor", "two-factor set-up")
        .await;
    let secret: String = b.text("#tf-secret").await.split_whitespace().collect();
    b.find("svg.qr").await;
    b.fill("#otp_attempt", &code_now(&app, &secret)).await;
    b.submit("form[action='/settings/two_factor/confirm'] button[type=submit]")
        .await;
    assert!(b.body_text().await.contains("Recovery codes"));
    b.assert_accessible("the recovery codes").await;
    b.accessible_in_both_schemes(&app, "/admin/two_factor", "the admin's two-factor list")
        .await;

    // Signed out, the sign-in asks for the code after the password.
    b.client.delete_all_cookies().await.expect("cookies");
    b.sign_in(&app, "alice", PASSWORD).await;
    b.find("#otp_attempt").await;
    b.assert_accessible("the sign-in's code step").await;
    app.state.clock.advance(Duration::from_secs(30));
    b.fill("#otp_attempt", &code_now(&app, &secret)).await;
    b.submit("form[action='/auth/sign_in/two_factor'] button[type=submit]")
        .await;
    b.goto(&app.url("/settings/security")).await;
    assert_eq!(b.url().await.path(), "/settings/security", "signed in");

    // The unsubscribe page a mail links to.
    let link = herd::services::mail_prefs::unsubscribe_url(&app.state, alice, "proposals")
        .await
        .expect("link");
    let path = link.trim_start_matches(&app.url(""));
    b.accessible_in_both_schemes(&app, path, "the unsubscribe page")
        .await;
    b.close().await;
    app.stop().await;
}
