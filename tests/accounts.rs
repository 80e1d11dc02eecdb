//! Sign-up through the API (every body encoding), email confirmation, duplicates in another
//! case, over-long fields, registration modes, rate limits.

mod common;

use common::{link_in, Backend, TestApp};
use serde_json::{json, Value};

async fn sign_up_json(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    n
}

async fn sign_up_confirm_and_use(app: &TestApp) {
    let token = app.app_token("read write").await;
    let (status, body) = sign_up_json(
        app,
        &token,
        json!({"username": "Bob_1", "email": "Bob@Example.org", "password": "correct horse battery", "agreement": "1", "locale": "en"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let user_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(body["token_type"], "Bearer");

    // Until the email is confirmed the token cannot be used, with Mastodon's message.
    let (status, body) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&user_token))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            403,
            Some("Your login is missing a confirmed e-mail address")
        )
    );

    // The confirmation mail holds a link (sent by the job queue); opening it confirms the address.
    app.run_jobs().await;
    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: Bob@Example.org"), "{}", mails[0]);
    let link = link_in(&mails[0], &app.url("/auth/confirmation?")).expect("confirmation link");
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Email confirmed"));
    // A link works once.
    assert_eq!(app.client.get(&link).send().await.unwrap().status(), 422);

    let (status, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&user_token))
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "Bob_1");
    assert_eq!(me["acct"], "Bob_1");
    assert_eq!(me["url"], app.url("/@Bob_1"));
    assert_eq!(me["uri"], app.url("/users/Bob_1"));
    assert!(me["avatar"]
        .as_str()
        .unwrap()
        .ends_with("/avatars/original/missing.png"));
    assert_eq!(me["source"]["language"], "en");
    assert!(me["created_at"]
        .as_str()
        .unwrap()
        .ends_with("T00:00:00.000Z"));
    // Every key a strict client expects is present.
    for key in [
        "id",
        "display_name",
        "note",
        "locked",
        "bot",
        "group",
        "discoverable",
        "fields",
        "emojis",
        "followers_count",
        "following_count",
        "statuses_count",
        "last_status_at",
        "header",
        "header_static",
        "avatar_static",
        "roles",
        "role",
    ] {
        assert!(me.get(key).is_some(), "missing {key}");
    }
    let avatar = app
        .client
        .get(me["avatar"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(avatar.status(), 200);
    assert_eq!(avatar.headers()["content-type"], "image/png");

    // The account is public: get and lookup work without a token.
    let id = me["id"].as_str().unwrap();
    let (status, acct) = app.get_json(&format!("/api/v1/accounts/{id}"), None).await;
    assert_eq!((status, acct["username"].as_str()), (200, Some("Bob_1")));
    let (status, acct) = app
        .get_json("/api/v1/accounts/lookup?acct=bob_1", None)
        .await;
    assert_eq!((status, acct["id"].as_str()), (200, Some(id)));
    let (status, _) = app
        .get_json(
            &format!(
                "/api/v1/accounts/lookup?acct=bob_1@{}",
                app.state.config.domain
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.get_json("/api/v1/accounts/123456789", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("Record not found"))
    );
    assert_eq!(
        app.get_json("/api/v1/accounts/not-a-number", None).await.0,
        404
    );
}
on_both_backends!(sign_up_and_confirm, sign_up_confirm_and_use);

async fn every_body_encoding(app: &TestApp) {
    let token = app.app_token("read write").await;
    // Form, as Mastodon.py sends it.
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .form(&[
            ("username", "formuser"),
            ("email", "form@example.org"),
            ("password", "correct horse battery"),
            ("agreement", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // Multipart, as masto sends it.
    let form = reqwest::multipart::Form::new()
        .text("username", "multipartuser")
        .text("email", "multipart@example.org")
        .text("password", "correct horse battery")
        .text("agreement", "true");
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // JSON with real booleans and a trailing slash.
    let res = app
        .client
        .post(app.url("/api/v1/accounts/"))
        .bearer_auth(&token)
        .json(&json!({"username": "jsonuser", "email": "json@example.org", "password": "correct horse battery", "agreement": true, "reason": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(count(app, "users").await, 3);
}
on_both_backends!(body_encodings, every_body_encoding);

async fn bad_sign_ups_write_nothing(app: &TestApp) {
    let token = app.app_token("read write").await;
    let ok = json!({"username": "carol", "email": "carol@example.org", "password": "correct horse battery", "agreement": true});
    assert_eq!(sign_up_json(app, &token, ok).await.0, 200);
    let before = (count(app, "accounts").await, count(app, "users").await);
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"username": "CAROL", "email": "other@example.org"}),
            "username",
            "ERR_TAKEN",
        ),
        (
            json!({"username": "carol2", "email": "CAROL@EXAMPLE.ORG"}),
            "email",
            "ERR_TAKEN",
        ),
        (
            json!({"username": "x".repeat(31), "email": "x@example.org"}),
            "username",
            "ERR_TOO_LONG",
        ),
        (
            json!({"username": "bad name!", "email": "y@example.org"}),
            "username",
            "ERR_INVALID",
        ),
        (
            json!({"username": "admin", "email": "z@example.org"}),
            "username",
            "ERR_RESERVED",
        ),
        (
            json!({"username": "", "email": "z@example.org"}),
            "username",
            "ERR_BLANK",
        ),
        (
            json!({"username": "zed", "email": "not an email"}),
            "email",
            "ERR_INVALID",
        ),
        (
            json!({"username": "zed", "email": format!("{}@example.org", "e".repeat(250))}),
            "email",
            "ERR_TOO_LONG",
        ),
        (
            json!({"username": "zed", "email": "z@example.org", "password": "short"}),
            "password",
            "ERR_TOO_SHORT",
        ),
        (
            json!({"username": "zed", "email": "z@example.org", "password": "p".repeat(73)}),
            "password",
            "ERR_TOO_LONG",
        ),
        (
            json!({"username": "zed", "email": "z@example.org", "agreement": false}),
            "agreement",
            "ERR_ACCEPTED",
        ),
        (
            json!({"username": "zed", "email": "z@example.org", "reason": "r".repeat(501)}),
            "reason",
            "ERR_TOO_LONG",
        ),
    ];
    for (overrides, field, code) in cases {
        let mut body = json!({"password": "correct horse battery", "agreement": true});
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, res) = sign_up_json(app, &token, body.clone()).await;
        assert_eq!(status, 422, "{body} → {res}");
        assert!(
            res["error"]
                .as_str()
                .unwrap()
                .starts_with("Validation failed:"),
            "{res}"
        );
        assert_eq!(res["details"][field][0]["error"], code, "{body} → {res}");
    }
    // A type the field cannot take, and a body that is not JSON.
    let (status, res) = sign_up_json(
        app,
        &token,
        json!({"username": ["a"], "email": "q@example.org"}),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("[1,2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());
    assert_eq!(
        (count(app, "accounts").await, count(app, "users").await),
        before,
        "nothing half-written"
    );
    app.run_jobs().await;
    assert_eq!(app.mails().len(), 1, "only the good sign-up got a mail");

    // A user token, or an app token without write:accounts, cannot sign people up.
    let read_only = app.app_token("read").await;
    let (status, _) = sign_up_json(app, &read_only, json!({"username": "dave", "email": "d@example.org", "password": "correct horse battery", "agreement": true})).await;
    assert_eq!(status, 403);
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .json(&json!({"username": "dave"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
on_both_backends!(bad_sign_ups, bad_sign_ups_write_nothing);

#[tokio::test]
async fn closed_registrations_refuse_sign_ups() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Closed
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    let (status, body) = sign_up_json(&app, &token, json!({"username": "eve", "email": "e@example.org", "password": "correct horse battery", "agreement": true})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("Registrations are closed on this server"))
    );
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    assert_eq!(v2["registrations"]["enabled"], false);
    let (_, v1) = app.get_json("/api/v1/instance", None).await;
    assert_eq!(v1["registrations"], false);
    // The operator can still create accounts.
    app.create_user("eve", "correct horse battery").await;
    app.stop().await;
}

#[tokio::test]
async fn approval_mode_needs_a_reason_and_holds_the_account() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    let (status, body) = sign_up_json(&app, &token, json!({"username": "fay", "email": "f@example.org", "password": "correct horse battery", "agreement": true})).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"]["reason"][0]["error"], "ERR_BLANK");
    let (status, body) = sign_up_json(&app, &token, json!({"username": "fay", "email": "f@example.org", "password": "correct horse battery", "agreement": true, "reason": "I run the local choir"})).await;
    assert_eq!(status, 200);
    let user_token = body["access_token"].as_str().unwrap();
    let (status, body) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(user_token))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("Your login is currently pending approval"))
    );
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    assert_eq!(v2["registrations"]["approval_required"], true);
    app.stop().await;
}

/// Behind a reverse proxy on loopback every connection comes from 127.0.0.1: the limits must
/// follow the client the proxy names, and ignore the header from anyone untrusted.
#[tokio::test]
async fn rate_limits_follow_the_client_a_trusted_proxy_names() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.rate_limits.sign_ups = 1;
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    let sign_up = |name, forwarded| sign_up_forwarded(&app, &token, name, forwarded);
    assert_eq!(sign_up("alpha", "203.0.113.1").await.0, 200);
    let (status, body) = sign_up("bravo", "198.51.100.4, 203.0.113.1").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("Too many requests"))
    );
    assert_eq!(sign_up("charlie", "203.0.113.2").await.0, 200);
    app.stop().await;

    // With no trusted proxy the header is the client's own claim: loopback stays exempt.
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.rate_limits.sign_ups = 1;
        c.trusted_proxies.clear();
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    for name in ["delta", "echo"] {
        let (status, body) = sign_up_forwarded(&app, &token, name, "203.0.113.1").await;
        assert_eq!(status, 200, "{body}");
    }
    app.stop().await;
}

async fn sign_up_forwarded(
    app: &TestApp,
    token: &str,
    name: &str,
    forwarded: &str,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(token)
        .header("X-Forwarded-For", forwarded)
        .json(&json!({"username": name, "email": format!("{name}@example.org"), "password": "correct horse battery", "agreement": true}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json::<Value>().await.unwrap())
}

#[tokio::test]
async fn sign_ups_and_api_calls_are_rate_limited() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.rate_limits.exempt_loopback = false;
        c.rate_limits.sign_ups = 2;
        c.rate_limits.api_requests = 1000;
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    for i in 0..2 {
        let (status, body) = sign_up_json(&app, &token, json!({"username": format!("u{i}"), "email": format!("u{i}@example.org"), "password": "correct horse battery", "agreement": true})).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = sign_up_json(&app, &token, json!({"username": "u3", "email": "u3@example.org", "password": "correct horse battery", "agreement": true})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("Too many requests"))
    );
    app.stop().await;

    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.rate_limits.exempt_loopback = false;
        c.rate_limits.api_requests = 3;
    })
    .await
    .unwrap();
    let mut last = None;
    for i in 0..4 {
        let res = app
            .client
            .get(app.url("/api/v1/instance/rules"))
            .send()
            .await
            .unwrap();
        let h = res.headers();
        assert_eq!(h["x-ratelimit-limit"], "3");
        let reset = h["x-ratelimit-reset"].to_str().unwrap().to_string();
        assert!(
            chrono::DateTime::parse_from_rfc3339(&reset).is_ok(),
            "{reset}"
        );
        if i < 3 {
            assert_eq!(res.status(), 200);
            assert_eq!(h["x-ratelimit-remaining"], (2 - i).to_string().as_str());
        } else {
            assert_eq!(res.status(), 429);
            last = Some(res.json::<Value>().await.unwrap());
        }
    }
    assert_eq!(last.unwrap()["error"], "Too many requests");
    // A new window lets the client back in.
    app.state.clock.advance(std::time::Duration::from_secs(300));
    assert_eq!(
        app.client
            .get(app.url("/api/v1/instance/rules"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn invites_open_closed_registrations() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Closed;
        c.registrations.require_email_confirmation = false;
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    let code = herd::services::accounts::create_invite(&app.state, None, Some(1), Some(7))
        .await
        .unwrap();
    let body = |name: &str, code: &str| json!({"username": name, "email": format!("{name}@example.org"), "password": "correct horse battery", "agreement": true, "invite_code": code});
    let (status, res) = sign_up_json(&app, &token, body("ivan", "not-a-code")).await;
    assert_eq!(
        (status, res["error"].as_str()),
        (403, Some("This invite is invalid, used up or expired"))
    );
    let (status, res) = sign_up_json(&app, &token, body("ivan", &code)).await;
    assert_eq!(status, 200, "{res}");
    let user_token = res["access_token"].as_str().unwrap();
    assert_eq!(
        app.get_json("/api/v1/accounts/verify_credentials", Some(user_token))
            .await
            .0,
        200
    );
    // One use only.
    let (status, _) = sign_up_json(&app, &token, body("jane", &code)).await;
    assert_eq!(status, 403);
    // An expired invite is refused.
    let old = herd::services::accounts::create_invite(&app.state, None, None, Some(1))
        .await
        .unwrap();
    app.state
        .clock
        .advance(std::time::Duration::from_secs(2 * 86_400));
    let (status, _) = sign_up_json(&app, &token, body("kim", &old)).await;
    assert_eq!(status, 403);
    assert_eq!(
        count(&app, "users").await,
        1,
        "refused sign-ups write nothing"
    );

    // The web form opens for an invite link even while sign-ups are closed.
    let fresh = herd::services::accounts::create_invite(&app.state, None, Some(1), None)
        .await
        .unwrap();
    let browser = app.browser();
    let closed = browser
        .get(app.url("/auth/sign_up"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(closed.contains("Sign-ups are closed"));
    let html = browser
        .get(app.url(&format!("/auth/sign_up?invite={fresh}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = common::hidden_inputs(&html, 0);
    assert!(form.iter().any(|(k, v)| k == "invite_code" && v == &fresh));
    for (k, v) in [
        ("username", "lena"),
        ("email", "lena@example.org"),
        ("password", "correct horse battery"),
        ("password_confirmation", "correct horse battery"),
        ("agreement", "1"),
    ] {
        form.push((k.into(), v.into()));
    }
    let res = browser
        .post(app.url("/auth/sign_up"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(count(&app, "users").await, 2);
    app.stop().await;
}

#[tokio::test]
async fn an_invite_skips_approval() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    })
    .await
    .unwrap();
    let token = app.app_token("read write").await;
    let code = herd::services::accounts::create_invite(&app.state, None, Some(1), None)
        .await
        .unwrap();
    let (status, res) = sign_up_json(&app, &token, json!({"username": "mo", "email": "mo@example.org", "password": "correct horse battery", "agreement": true, "invite_code": code})).await;
    assert_eq!(status, 200, "{res}");
    let (status, _) = app
        .get_json(
            "/api/v1/accounts/verify_credentials",
            res["access_token"].as_str(),
        )
        .await;
    assert_eq!(
        status, 200,
        "invited people need no approval (and no reason)"
    );
    app.stop().await;
}
