//! The HTML pages in a real headless Chromium (tests/common/browser.rs): what a person sees
//! and does, form by form, with axe-core's WCAG 2.x A/AA check on every page visited.
//! SQLite only: these tests are about the pages, tests/web.rs and tests/oauth.rs cover the
//! storage on both backends.
//!
//! Without chromedriver on PATH each test prints `SKIP: …` and passes, unless
//! HERD_TEST_REQUIRE_BROWSER=1. Without HERD_AXE_PATH the axe checks are skipped.

use crate::common::browser::Browser;
use crate::common::{link_in, Backend, TestApp};
use axum::response::Html;
use axum::routing::get;
use fantoccini::key::Key;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

/// A second web site on another origin (`http://localhost:PORT`, while Herd is
/// `http://127.0.0.1:PORT`): an app's OAuth callback, or an attacker's pages.
struct OtherSite {
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl OtherSite {
    async fn spawn(router: axum::Router) -> OtherSite {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        OtherSite {
            base: format!("http://localhost:{port}"),
            server,
        }
    }
}

impl Drop for OtherSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The app of an OAuth flow: its callback shows what it received.
async fn callback_site() -> OtherSite {
    OtherSite::spawn(axum::Router::new().route(
        "/callback",
        get(|| async {
            Html("<!doctype html><html lang=\"en\"><title>Callback</title><h1>Back in the app</h1>")
        }),
    ))
    .await
}

async fn start() -> Option<(TestApp, Browser)> {
    let browser = Browser::start().await?;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    Some((app, browser))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .expect(sql)
}

async fn redeem(app: &TestApp, client_id: &str, secret: &str, code: &str, redirect: &str) -> Value {
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("code", code),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .expect("POST /oauth/token");
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "the code redeems: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_confirm_sign_in_and_out() {
    let Some((app, b)) = start().await else {
        return;
    };
    b.goto(&app.url("/")).await;
    assert_eq!(b.text("main h1").await, "Herd");
    b.assert_accessible("the front page").await;

    b.click("main a[href='/auth/sign_up']").await;
    assert_eq!(b.text("h1").await, "Create an account");
    assert_eq!(b.title().await, "Sign up · Herd");
    b.assert_accessible("the sign-up form").await;

    // The address hint says what the address will look like, then shows the chosen one.
    let domain = app.base.trim_start_matches("http://").to_string();
    assert_eq!(
        b.text("#username-hint").await,
        format!("Letters, numbers and underscores. You will be @yourname@{domain}.")
    );
    b.fill("#username", "gina").await;
    b.fill("#email", "gina@example.org").await;
    b.fill("#password", PASSWORD).await;
    b.fill("#password_confirmation", "a different horse").await;
    b.click("input[name=agreement]").await;
    b.submit("form[action='/auth/sign_up'] button[type=submit]")
        .await;
    assert_eq!(b.text("p.error").await, "The passwords do not match.");
    assert_eq!(
        b.find("#username").await.prop("value").await.unwrap(),
        Some("gina".into()),
        "the form keeps what was typed"
    );
    assert!(b
        .text("#username-hint")
        .await
        .ends_with(&format!("You will be @gina@{domain}.")));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM accounts WHERE username = 'gina'"
        )
        .await,
        0
    );
    b.assert_accessible("the sign-up form with an error").await;

    b.fill("#password", PASSWORD).await;
    b.fill("#password_confirmation", PASSWORD).await;
    b.click("input[name=agreement]").await;
    b.submit("form[action='/auth/sign_up'] button[type=submit]")
        .await;
    assert_eq!(b.text("h1").await, "Welcome!");
    assert!(
        b.text("main")
            .await
            .contains("We sent a confirmation link to gina@example.org"),
        "{}",
        b.body_text().await
    );
    b.assert_accessible("the sign-up result").await;

    // Before confirming, signing in says what is missing.
    b.sign_in(&app, "gina", PASSWORD).await;
    assert!(
        b.text("p.error").await.contains("confirmed e-mail address"),
        "{}",
        b.body_text().await
    );

    app.run_jobs().await;
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("confirmation_token"))
        .expect("a confirmation mail");
    let link = link_in(&mail, &app.url("/auth/confirmation?")).expect("a confirmation link");
    b.goto(&link).await;
    assert_eq!(b.text("h1").await, "Email confirmed");
    b.assert_accessible("the confirmation page").await;
    b.click("main a[href='/auth/sign_in']").await;
    assert_eq!(b.text("h1").await, "Sign in");
    b.assert_accessible("the sign-in form").await;

    // A wrong password: the error is in the page, the login is kept, no session starts.
    b.fill("#login", "gina@example.org").await;
    b.fill("#password", "wrong password").await;
    b.submit("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    assert_eq!(
        b.text("p.error[role=alert]").await,
        "Invalid email or password."
    );
    assert_eq!(
        b.find("#login").await.prop("value").await.unwrap(),
        Some("gina@example.org".into())
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM web_sessions").await, 0);
    b.assert_accessible("the sign-in form with an error").await;

    b.fill("#password", PASSWORD).await;
    b.submit("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    assert_eq!(b.url().await.path(), "/");
    assert_eq!(b.text("header .who").await, "@gina");
    b.assert_accessible("the front page, signed in").await;

    b.submit("header form[action='/auth/sign_out'] button")
        .await;
    assert_eq!(b.url().await.path(), "/");
    assert!(b
        .client
        .find(fantoccini::Locator::Css("header .who"))
        .await
        .is_err());
    b.find("header a[href='/auth/sign_in']").await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM web_sessions").await, 0);

    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_consent_shows_or_redirects_a_code_that_redeems() {
    let Some((app, b)) = start().await else {
        return;
    };
    app.create_user("olga", PASSWORD).await;

    // Out of band: the app shows a code to copy.
    let oob = "urn:ietf:wg:oauth:2.0:oob";
    let (id, secret) = app.register_app("read write", oob).await;
    let authorize = app.url(&format!(
        "/oauth/authorize?response_type=code&client_id={id}&redirect_uri={oob}&scope=read+write"
    ));
    b.goto(&authorize).await;
    assert_eq!(b.url().await.path(), "/auth/sign_in", "sign in first");
    b.fill("#login", "olga").await;
    b.fill("#password", PASSWORD).await;
    b.submit("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    assert_eq!(b.url().await.path(), "/oauth/authorize", "back to consent");
    assert_eq!(b.text("h1").await, "Authorize test app");
    let scopes = b.text("ul.scopes").await;
    assert!(
        scopes.contains("read") && scopes.contains("write") && !scopes.contains("follow"),
        "{scopes}"
    );
    b.assert_accessible("the consent page").await;
    b.submit("main form button[type=submit]:not(.secondary)")
        .await;
    assert_eq!(b.text("h1").await, "Authorization code");
    let code = b
        .find("#code")
        .await
        .prop("value")
        .await
        .unwrap()
        .expect("the code is shown");
    b.assert_accessible("the out-of-band code page").await;
    let token = redeem(&app, &id, &secret, &code, oob).await;
    let access = token["access_token"].as_str().expect("access_token");
    let (status, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!((status, me["username"].as_str()), (200, Some("olga")));

    // A redirect: the browser lands on the app's callback with the code and state.
    let site = callback_site().await;
    let redirect = format!("{}/callback", site.base);
    let (id, secret) = app.register_app("read", &redirect).await;
    let authorize = app.url(&format!(
        "/oauth/authorize?response_type=code&client_id={id}&redirect_uri={redirect}&scope=read&state=s-42"
    ));
    b.goto(&authorize).await;
    assert!(
        b.text("main")
            .await
            .contains("You will be sent back to localhost"),
        "{}",
        b.body_text().await
    );
    b.submit("main form button[type=submit]:not(.secondary)")
        .await;
    let url = b.url().await;
    assert_eq!(url.as_str().split('?').next(), Some(redirect.as_str()));
    assert_eq!(b.text("h1").await, "Back in the app");
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("state").as_deref(), Some("s-42"));
    let code = get("code").expect("the redirect carries the code");
    redeem(&app, &id, &secret, &code, &redirect).await;

    // Denying sends the app an error and no code.
    b.goto(&authorize).await;
    b.submit("main form button[type=submit].secondary").await;
    let url = b.url().await;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        query.contains(&("error".into(), "access_denied".into())),
        "{url}"
    );
    assert!(!query.iter().any(|(k, _)| k == "code"), "{url}");

    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_through_the_mailed_link() {
    let Some((app, b)) = start().await else {
        return;
    };
    app.create_user("pia", PASSWORD).await;

    b.goto(&app.url("/auth/sign_in")).await;
    b.click("a[href='/auth/password/new']").await;
    assert_eq!(b.text("h1").await, "Reset your password");
    b.assert_accessible("the reset request form").await;
    b.fill("#email", "PIA@example.org").await;
    b.submit("form[action='/auth/password'] button[type=submit]")
        .await;
    assert_eq!(b.text("h1").await, "Check your email");
    b.assert_accessible("the reset request result").await;

    app.run_jobs().await;
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("reset_password_token"))
        .expect("a reset mail");
    let link = link_in(&mail, &app.url("/auth/password/edit?")).expect("a reset link");
    b.goto(&link).await;
    assert_eq!(b.text("h1").await, "Choose a new password");
    b.assert_accessible("the new password form").await;

    b.fill("#password", "brand new horse").await;
    b.fill("#password_confirmation", "brand new hors").await;
    b.submit("form[action='/auth/password/edit'] button[type=submit]")
        .await;
    assert_eq!(b.text("p.error").await, "The passwords do not match.");
    b.assert_accessible("the new password form with an error")
        .await;
    b.fill("#password", "brand new horse").await;
    b.fill("#password_confirmation", "brand new horse").await;
    b.submit("form[action='/auth/password/edit'] button[type=submit]")
        .await;
    assert_eq!(b.text("h1").await, "Password changed");

    // The old password no longer works, the new one does, and the link is spent.
    b.sign_in(&app, "pia", PASSWORD).await;
    assert_eq!(b.text("p.error").await, "Invalid email or password.");
    // With the keyboard alone: the login field has focus, Tab moves on, Enter submits.
    b.goto(&app.url("/auth/sign_in")).await;
    let focused = b.client.active_element().await.expect("a focused element");
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("login"));
    let (tab, enter) = (char::from(Key::Tab), char::from(Key::Enter));
    focused
        .send_keys(&format!("pia{tab}brand new horse{enter}"))
        .await
        .expect("type");
    assert_eq!(b.text("header .who").await, "@pia");
    b.goto(&link).await;
    assert!(
        b.text("p.error").await.contains("invalid or has expired"),
        "{}",
        b.body_text().await
    );
    b.assert_accessible("an error page").await;

    b.close().await;
    app.stop().await;
}

/// A signed-in member opens pages on another site that auto-submit forms to Herd: each is
/// refused and nothing is written. (`localhost` and `127.0.0.1` are different sites, so the
/// browser sends neither SameSite=Lax cookie and the forged token matches nothing.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_auto_submitted_from_another_site_are_refused() {
    let Some((app, b)) = start().await else {
        return;
    };
    app.create_user("vic", PASSWORD).await;
    let site = callback_site().await;
    let callback = format!("{}/callback", site.base);
    let (client_id, _) = app.register_app("read write", &callback).await;

    let herd = app.base.clone();
    let page = move |action: &str, fields: &[(&str, &str)]| {
        let inputs: String = fields
            .iter()
            .map(|(k, v)| format!("<input type=hidden name=\"{k}\" value=\"{v}\">"))
            .collect();
        format!(
            "<!doctype html><html lang=\"en\"><title>Win a prize</title>\
             <body onload=\"document.forms[0].submit()\">\
             <form method=post action=\"{herd}{action}\">{inputs}</form></body></html>"
        )
    };
    let attacks = [
        page(
            "/oauth/authorize",
            &[
                ("csrf_token", "guessed"),
                ("decision", "approve"),
                ("response_type", "code"),
                ("client_id", &client_id),
                ("redirect_uri", &callback),
                ("scope", "read write"),
            ],
        ),
        page("/auth/sign_out", &[("csrf_token", "guessed")]),
        page(
            "/auth/sign_up",
            &[
                ("csrf_token", "guessed"),
                ("username", "mallory"),
                ("email", "mallory@example.org"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
            ],
        ),
    ];
    let [authorize, sign_out, sign_up] = attacks;
    let evil = OtherSite::spawn(
        axum::Router::new()
            .route(
                "/authorize",
                get(move || std::future::ready(Html(authorize.clone()))),
            )
            .route(
                "/sign_out",
                get(move || std::future::ready(Html(sign_out.clone()))),
            )
            .route(
                "/sign_up",
                get(move || std::future::ready(Html(sign_up.clone()))),
            ),
    )
    .await;

    b.sign_in(&app, "vic", PASSWORD).await;
    assert_eq!(b.text("header .who").await, "@vic");
    let sessions = count(&app, "SELECT COUNT(*) FROM web_sessions").await;
    let accounts = count(&app, "SELECT COUNT(*) FROM accounts").await;

    for attack in ["/authorize", "/sign_out", "/sign_up"] {
        b.goto(&format!("{}{attack}", evil.base)).await;
        // The auto-submitted form lands on Herd's refusal.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !b.url().await.as_str().starts_with(&app.base) {
            assert!(std::time::Instant::now() < deadline, "{attack}: no POST");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(b.text("h1").await, "Not allowed", "{attack}");
        assert!(
            b.text("p.error")
                .await
                .contains("did not come from this site"),
            "{attack}: {}",
            b.body_text().await
        );
        b.assert_accessible("the refusal page").await;
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM oauth_codes").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM web_sessions").await,
        sessions
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM accounts").await, accounts);
    b.goto(&app.url("/")).await;
    assert_eq!(b.text("header .who").await, "@vic", "still signed in");

    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn about_and_error_pages() {
    let Some((app, b)) = start().await else {
        return;
    };
    b.goto(&app.url("/")).await;
    b.click("footer a[href='/about']").await;
    assert_eq!(b.url().await.path(), "/about");
    assert_eq!(b.text("main h1").await, "Herd");
    let rules = b.text("ol.rules").await;
    assert!(!rules.is_empty(), "the rules in force are listed");
    b.assert_accessible("the about page").await;

    b.goto(&app.url("/no/such/page")).await;
    assert_eq!(b.text("h1").await, "Not found");
    b.assert_accessible("the 404 page").await;

    b.goto(&app.url(
        "/oauth/authorize?response_type=code&client_id=nope&redirect_uri=urn:ietf:wg:oauth:2.0:oob",
    ))
    .await;
    assert_eq!(b.text("h1").await, "That did not work");
    assert!(!b.text("p.error").await.is_empty());
    b.assert_accessible("the OAuth error page").await;

    b.goto(&app.url("/auth/confirmation?confirmation_token=bogus"))
        .await;
    assert!(
        b.text("p.error").await.contains("invalid, already used"),
        "{}",
        b.body_text().await
    );

    b.close().await;
    app.stop().await;
}

/// The same pages with the dark colour scheme the stylesheet follows: contrast is checked
/// again, and the sign-up form as it is when a member approves each sign-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dark_theme_and_approval_sign_up() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.message = "We are a small co-op of gardeners.".into();
    })
    .await
    .expect("sqlite app");
    b.prefer_color_scheme("dark").await;
    b.goto(&app.url("/")).await;
    let dark = b
        .client
        .execute(
            "return [matchMedia('(prefers-color-scheme: dark)').matches,
                     getComputedStyle(document.body).backgroundColor]",
            vec![],
        )
        .await
        .expect("execute");
    assert_eq!(dark[0], true, "{dark}");
    assert_eq!(
        dark[1], "rgb(20, 26, 22)",
        "the dark background applies: {dark}"
    );
    b.assert_accessible("the front page (dark)").await;

    b.goto(&app.url("/auth/sign_up")).await;
    assert!(b
        .text("main")
        .await
        .contains("We are a small co-op of gardeners."));
    assert!(b.text("p.notice").await.contains("reviews each sign-up"));
    b.fill("#username", "hugo").await;
    b.fill("#email", "hugo@example.org").await;
    b.fill("#password", PASSWORD).await;
    b.fill("#password_confirmation", PASSWORD).await;
    b.fill("#reason", "I grow beans.").await;
    b.click("input[name=agreement]").await;
    b.fill("#username", "bad name!").await;
    // The browser's own validation (pattern) stops the form before it is sent.
    b.click("form[action='/auth/sign_up'] button[type=submit]")
        .await;
    let valid = b
        .client
        .execute(
            "return document.querySelector('#username').validity.valid",
            vec![],
        )
        .await
        .expect("execute");
    assert_eq!(valid, false);
    assert_eq!(b.url().await.path(), "/auth/sign_up");
    b.assert_accessible("the sign-up form with approval (dark)")
        .await;
    b.fill("#username", "hugo").await;
    b.submit("form[action='/auth/sign_up'] button[type=submit]")
        .await;
    assert!(
        b.text("main").await.contains("will review your request"),
        "{}",
        b.body_text().await
    );
    b.assert_accessible("the sign-up result (dark)").await;

    app.create_user("iris", PASSWORD).await;
    b.sign_in(&app, "iris", "not it").await;
    b.assert_accessible("the sign-in form with an error (dark)")
        .await;
    b.sign_in(&app, "iris", PASSWORD).await;
    let oob = "urn:ietf:wg:oauth:2.0:oob";
    let (id, _) = app.register_app("read", oob).await;
    b.goto(&app.url(&format!(
        "/oauth/authorize?response_type=code&client_id={id}&redirect_uri={oob}&scope=read"
    )))
    .await;
    b.assert_accessible("the consent page (dark)").await;
    b.submit("main form button[type=submit]:not(.secondary)")
        .await;
    b.assert_accessible("the out-of-band code page (dark)")
        .await;
    b.goto(&app.url("/no/such/page")).await;
    b.assert_accessible("the 404 page (dark)").await;

    b.close().await;
    app.stop().await;
}

async fn api_post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().expect("id").to_string()
}

/// An anonymous visitor reads a profile, a post in its thread and a hashtag; every page is
/// axe-clean in light and dark.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_are_accessible() {
    let Some((app, b)) = start().await else {
        return;
    };
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let first = api_post(
        &app,
        &alice,
        serde_json::json!({"status": "Tomatoes are in #garden", "language": "en"}),
    )
    .await;
    api_post(
        &app,
        &bob,
        serde_json::json!({"status": "@alice lovely!", "in_reply_to_id": first, "language": "en"}),
    )
    .await;
    api_post(
        &app,
        &alice,
        serde_json::json!({"status": "What to plant next?", "poll": {"options": ["Beans", "Peas"], "expires_in": 3600}}),
    )
    .await;
    api_post(
        &app,
        &alice,
        serde_json::json!({"status": "Slug damage", "spoiler_text": "garden pests"}),
    )
    .await;

    b.goto(&app.url("/@alice")).await;
    assert_eq!(b.text("main h1").await, "alice");
    // By keyboard: the first Tab reaches the skip link, which leads to the content.
    b.find("body")
        .await
        .send_keys(&Key::Tab.to_string())
        .await
        .expect("Tab");
    let focused: Value = b
        .client
        .execute("return document.activeElement.className", vec![])
        .await
        .expect("activeElement");
    assert_eq!(focused, Value::String("skip".into()));
    b.client
        .active_element()
        .await
        .expect("focused element")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("Enter on the skip link");
    let focused: Value = b
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .expect("activeElement");
    assert_eq!(focused, Value::String("main".into()));
    assert!(b.text("main").await.contains("Tomatoes are in"));
    // The content warning is a disclosure: closed, then opened by its summary.
    let cw = b.find("details.cw").await;
    assert_eq!(cw.attr("open").await.unwrap(), None);
    b.click("details.cw summary").await;
    assert!(b.text("details.cw .content").await.contains("Slug damage"));
    b.accessible_in_both_schemes(&app, "/@alice", "a profile")
        .await;
    b.accessible_in_both_schemes(&app, &format!("/@alice/{first}"), "a post in its thread")
        .await;
    b.goto(&app.url(&format!("/@alice/{first}"))).await;
    assert!(b.text(".status.focused").await.contains("Tomatoes are in"));
    assert!(b.text("main").await.contains("lovely!"));
    b.accessible_in_both_schemes(&app, "/tags/garden", "a hashtag")
        .await;
    b.accessible_in_both_schemes(&app, "/@alice/followers", "followers")
        .await;

    // Signed in: home with its compose form, and with an error beside a field.
    b.sign_in(&app, "bob", "correct horse battery").await;
    b.accessible_in_both_schemes(&app, "/home", "home").await;
    b.accessible_in_both_schemes(&app, "/local", "the local timeline")
        .await;
    b.accessible_in_both_schemes(&app, "/notifications", "notifications")
        .await;
    b.accessible_in_both_schemes(&app, "/@alice", "a profile, signed in")
        .await;
    // Follow from the profile's button: the script answers it in place (X-Herd-Fragment),
    // so the page stays and the button becomes "Unfollow".
    b.goto(&app.url("/@alice")).await;
    b.click("form[action$='/follow'] button").await;
    assert_eq!(b.text("form[action$='/unfollow'] button").await, "Unfollow");
    assert_eq!(b.url().await.path(), "/@alice");
    b.goto(&app.url("/home")).await;
    b.submit("#compose button[type=submit]").await;
    assert_eq!(b.text("#status-error").await, "Text can't be blank");
    b.assert_accessible("home with an error").await;
    b.accessible_in_both_schemes(&app, &format!("/@alice/{first}"), "a thread, signed in")
        .await;
    b.close().await;
    app.stop().await;
}

/// A member posts from /home with scripts off: the form alone does it (post/redirect/get),
/// and an empty post comes back with the message beside the field. (axe-core needs scripts:
/// `public_pages_are_accessible` checks /home.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_posts_from_home_without_scripts() {
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    app.create_user("mia", PASSWORD).await;
    // Anonymous: /home sends to the sign-in form, which comes back here.
    b.goto(&app.url("/home")).await;
    assert_eq!(b.text("h1").await, "Sign in");
    b.fill("#login", "mia").await;
    b.fill("#password", PASSWORD).await;
    b.submit("form[action='/auth/sign_in'] button[type=submit]")
        .await;
    assert_eq!(b.url().await.path(), "/home");

    b.fill("#spoiler_text", "kept").await;
    b.submit("#compose button[type=submit]").await;
    assert_eq!(b.text("#status-error").await, "Text can't be blank");
    assert_eq!(
        b.find("#spoiler_text").await.prop("value").await.unwrap(),
        Some("kept".into()),
        "what was typed is kept"
    );

    b.fill("#spoiler_text", "").await;
    b.fill("#status", "Posted with #noscript").await;
    b.submit("#compose button[type=submit]").await;
    assert_eq!(b.url().await.path(), "/home");
    assert!(
        b.text(".feed .status .content")
            .await
            .contains("Posted with #noscript"),
        "{}",
        b.body_text().await
    );
    // Favourite it with the form.
    b.submit(".feed .status form[action$='/favourite'] button")
        .await;
    assert_eq!(
        b.find(".feed .status form[action$='/unfavourite'] button")
            .await
            .attr("aria-pressed")
            .await
            .unwrap(),
        Some("true".into())
    );
    b.close().await;
    app.stop().await;
}

/// With scripts on, the compose box keeps a draft in the browser until the post is accepted,
/// and counts the characters left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compose_keeps_a_draft_and_counts() {
    let Some((app, b)) = start().await else {
        return;
    };
    app.create_user("noa", PASSWORD).await;
    b.sign_in(&app, "noa", PASSWORD).await;
    b.goto(&app.url("/home")).await;
    b.fill("#status", "Half a thought").await;
    let counter = b.find("#status-counter").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while counter.text().await.unwrap_or_default() != "486" {
        assert!(
            std::time::Instant::now() < deadline,
            "counter says {:?}",
            counter.text().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    b.goto(&app.url("/home")).await;
    assert_eq!(
        b.find("#status").await.prop("value").await.unwrap(),
        Some("Half a thought".into()),
        "the draft survives leaving the page"
    );
    b.fill("#status", "Half a thought, finished").await;
    b.submit("#compose button[type=submit]").await;
    assert!(b.text(".feed .status .content").await.contains("finished"));
    assert_eq!(
        b.find("#status").await.prop("value").await.unwrap(),
        Some(String::new()),
        "an accepted post clears the draft"
    );
    b.close().await;
    app.stop().await;
}
