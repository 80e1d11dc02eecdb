//! The account's security and lifecycle over HTTP on both backends (issues 14 and 15):
//! two-factor sign-in (set-up with a code, the code asked after the password, a recovery code
//! used once, the password grant refused, wrong codes limited), an admin's reset (logged,
//! refused to others), password and email changes, and CSRF on every new form.

use std::time::Duration;

use crate::common::web::submit;
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, hidden_inputs, TestApp};
use serde_json::Value;

const PW: &str = "correct horse battery";

/// The secret key the set-up page shows (grouped by four; the groups joined).
fn secret_of(html: &str) -> String {
    let start = html.find("id=\"tf-secret\">").expect("secret shown") + "id=\"tf-secret\">".len();
    let end = html[start..].find("</code>").expect("secret ends") + start;
    html[start..end].split_whitespace().collect()
}

/// What the member's authenticator app shows now (the server's clock, which tests advance).
fn code_now(app: &TestApp, secret: &str) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("totp");
    let now = app.state.clock.now_micros() / 1_000_000;
    totp.generate(u64::try_from(now).expect("time")).to_string()
}

/// A six-digit code that is not the current one (nor the neighbouring steps').
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let now = code_now(app, secret);
    (0..1000)
        .map(|n| format!("{:06}", 100_000 + n * 7))
        .find(|c| *c != now)
        .expect("a wrong code")
}

/// The recovery codes a page lists.
fn recovery_codes(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next().map(str::to_string))
        .collect()
}

/// Turns two-factor on for the signed-in `web` through the pages; (secret, recovery codes).
async fn enable(app: &TestApp, web: &reqwest::Client) -> (String, Vec<String>) {
    let (status, html) = page(web, &app.url("/settings/two_factor")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let (status, _, _) = submit(web, &app.url("/settings/two_factor/setup"), &csrf, &[]).await;
    assert_eq!(status, 303);
    let (_, html) = page(web, &app.url("/settings/two_factor")).await;
    assert!(html.contains("<svg role=\"img\""), "a QR code: {html}");
    let secret = secret_of(&html);
    let code = code_now(app, &secret);
    let (status, _, html) = submit(
        web,
        &app.url("/settings/two_factor/confirm"),
        &csrf,
        &[("otp_attempt", &code)],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let codes = recovery_codes(&html);
    (secret, codes)
}

/// Signs in by the form up to the code step: the code form's page.
async fn password_step(app: &TestApp, browser: &reqwest::Client, login: &str) -> String {
    let (_, html) = page(browser, &app.url("/auth/sign_in")).await;
    let (status, _, body) = submit(
        browser,
        &app.url("/auth/sign_in"),
        &csrf_of(&html),
        &[
            ("login", login),
            ("password", PW),
            ("return_to", "/settings/security"),
        ],
    )
    .await;
    assert_eq!(status, 200, "the code form, not a session yet: {body}");
    assert!(body.contains("name=\"otp_attempt\""), "{body}");
    body
}

/// Posts `code` on a code form; (status, Location, body).
async fn code_step(
    app: &TestApp,
    browser: &reqwest::Client,
    form: &str,
    code: &str,
) -> (u16, String, String) {
    let hidden = hidden_inputs(form, 0);
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("otp_attempt", code));
    submit(browser, &app.url("/auth/sign_in/two_factor"), "", &fields).await
}

async fn password_grant(app: &TestApp, login: &str) -> (u16, Value) {
    let (id, secret) = app.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("username", login),
            ("password", PW),
            ("scope", "read"),
        ])
        .send()
        .await
        .expect("POST /oauth/token");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn two_factor(app: &TestApp) {
    app.create_user("alice", PW).await;
    let web = web_sign_in(app, "alice").await;

    // Forms without their CSRF token are refused and change nothing.
    let (status, _, _) = submit(&web, &app.url("/settings/two_factor/setup"), "", &[]).await;
    assert_eq!(status, 403);
    let (_, html) = page(&web, &app.url("/settings/two_factor")).await;
    assert!(!html.contains("tf-secret"), "no set-up began");

    // Set-up: the secret is not in force until a right code confirms it.
    let csrf = csrf_of(&html);
    submit(&web, &app.url("/settings/two_factor/setup"), &csrf, &[]).await;
    let (_, html) = page(&web, &app.url("/settings/two_factor")).await;
    let secret = secret_of(&html);
    let wrong = wrong_code(app, &secret);
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/two_factor/confirm"),
        &csrf,
        &[("otp_attempt", &wrong)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("otp_attempt-error"), "{html}");
    let (status, _) = password_grant(app, "alice").await;
    assert_eq!(status, 200, "not on before a right code");
    let code = code_now(app, &secret);
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/two_factor/confirm"),
        &csrf,
        &[("otp_attempt", &code)],
    )
    .await;
    assert_eq!(status, 200);
    let codes = recovery_codes(&html);
    assert_eq!(codes.len(), 10, "{html}");
    let (_, again) = page(&web, &app.url("/settings/two_factor")).await;
    assert!(!again.contains(&codes[0]), "recovery codes are shown once");
    assert!(again.contains("10 recovery codes left"), "{again}");

    // The password grant refuses an account with two-factor on, as Mastodon does.
    let (status, body) = password_grant(app, "alice").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // Sign-in: the password leads to the code form, with no session yet.
    let other = app.browser();
    let form = password_step(app, &other, "alice").await;
    let res = other
        .get(app.url("/settings/security"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "no session before the code");
    let (status, _, body) = code_step(app, &other, &form, &wrong_code(app, &secret)).await;
    assert_eq!(status, 422);
    assert!(body.contains("role=\"alert\""), "{body}");
    // The code that confirmed set-up was spent with its time step: the next one signs in.
    app.state.clock.advance(Duration::from_secs(30));
    let (status, location, _) = code_step(app, &other, &form, &code_now(app, &secret)).await;
    assert_eq!(status, 303);
    assert_eq!(location, "/settings/security");
    let (status, _) = page(&other, &app.url("/settings/security")).await;
    assert_eq!(status, 200);
    // The same code (and challenge) cannot sign in a second browser.
    let third = app.browser();
    let form3 = password_step(app, &third, "alice").await;
    let (status, _, _) = code_step(app, &third, &form3, &code_now(app, &secret)).await;
    assert_eq!(status, 422, "a code signs in once");

    // A recovery code signs in once.
    let (status, location, _) = code_step(app, &third, &form3, &codes[3]).await;
    assert_eq!((status, location.as_str()), (303, "/settings/security"));
    let fourth = app.browser();
    let form4 = password_step(app, &fourth, "alice").await;
    let (status, _, _) = code_step(app, &fourth, &form4, &codes[3]).await;
    assert_eq!(status, 422, "a used recovery code is refused");

    // Wrong codes are limited per account: past the limit even a right code waits.
    let mut limited = false;
    for _ in 0..12 {
        let (status, _, _) = code_step(app, &fourth, &form4, &wrong_code(app, &secret)).await;
        if status == 429 {
            limited = true;
            break;
        }
        assert_eq!(status, 422);
    }
    assert!(limited, "wrong codes are rate-limited");
    let (status, _, body) = code_step(app, &fourth, &form4, &codes[5]).await;
    assert_eq!(status, 429, "{body}");
    let (status, _) = page(&fourth, &app.url("/settings/security")).await;
    assert_ne!(status, 200, "not signed in");

    // Turning it off needs the password.
    let (_, html) = page(&web, &app.url("/settings/two_factor")).await;
    let csrf = csrf_of(&html);
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/two_factor/disable"),
        &csrf,
        &[("current_password", "not the password")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("current_password-error"), "{html}");
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/two_factor/disable"),
        "",
        &[("current_password", PW)],
    )
    .await;
    assert_eq!(status, 403, "CSRF");
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/two_factor/disable"),
        &csrf,
        &[("current_password", PW)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = password_grant(app, "alice").await;
    assert_eq!(status, 200, "off again");
}
on_both_backends!(two_factor_sign_in, two_factor);

async fn admin_reset(app: &TestApp) {
    app.create_user_with("root", PW, Some("admin"), true).await;
    let carol = app.create_user("carol", PW).await;
    app.create_user("dave", PW).await;
    let carol_web = web_sign_in(app, "carol").await;
    enable(app, &carol_web).await;

    // Not an admin: neither the list nor the reset.
    let dave = web_sign_in(app, "dave").await;
    let (status, _) = page(&dave, &app.url("/admin/two_factor")).await;
    assert_eq!(status, 403);
    let (_, html) = page(&dave, &app.url("/settings/security")).await;
    let csrf = csrf_of(&html);
    let reset = app.url(&format!("/admin/two_factor/{carol}/reset"));
    let (status, _, _) = submit(&dave, &reset, &csrf, &[("text", "mine now")]).await;
    assert_eq!(status, 403);
    let (status, _) = password_grant(app, "carol").await;
    assert_eq!(status, 400, "still on");

    let root = web_sign_in(app, "root").await;
    let (status, html) = page(&root, &app.url("/admin/two_factor")).await;
    assert_eq!(status, 200);
    assert!(html.contains("@carol"), "{html}");
    let (status, _, _) = submit(&root, &reset, "", &[("text", "lost phone")]).await;
    assert_eq!(status, 403, "CSRF");
    let (status, _, _) = submit(&root, &reset, &csrf_of(&html), &[("text", "lost phone")]).await;
    assert_eq!(status, 303);
    let (status, _) = password_grant(app, "carol").await;
    assert_eq!(status, 200, "reset: the password alone signs in");

    // Logged in the moderation log with who and why.
    let (status, log) = page(&root, &app.url("/moderation/log")).await;
    assert_eq!(status, 200);
    assert!(log.contains("reset_two_factor"), "{log}");
    assert!(log.contains("lost phone"), "{log}");
}
on_both_backends!(admin_two_factor_reset, admin_reset);

async fn password_and_email(app: &TestApp) {
    let erin = app.create_user("erin", PW).await;
    let web = web_sign_in(app, "erin").await;
    let elsewhere = web_sign_in(app, "erin").await;
    let token = app.login("erin", PW, "read").await;
    let (status, _) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 200);

    // Password: CSRF, the current password, the new one twice; nothing changes on refusal.
    let (_, html) = page(&web, &app.url("/settings/security")).await;
    let csrf = csrf_of(&html);
    let new = "a brand new passphrase";
    let change = |current: &'static str, confirm: &'static str| {
        [
            ("current_password", current),
            ("password", new),
            ("password_confirmation", confirm),
        ]
    };
    let (status, _, _) = submit(&web, &app.url("/settings/password"), "", &change(PW, new)).await;
    assert_eq!(status, 403, "CSRF");
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/password"),
        &csrf,
        &change("wrong password!", new),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("pw-current-error"), "{html}");
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/password"),
        &csrf,
        &change(PW, "something else entirely"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("pw-confirm-error"), "{html}");
    let (status, _) = page(&elsewhere, &app.url("/settings/security")).await;
    assert_eq!(status, 200, "nothing changed yet");

    let (status, location, _) = submit(
        &web,
        &app.url("/settings/password"),
        &csrf,
        &change(PW, new),
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/security?saved=1")
    );
    let (status, _) = page(&web, &app.url("/settings/security")).await;
    assert_eq!(status, 200, "this browser stays signed in");
    let res = elsewhere
        .get(app.url("/settings/security"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the other browser is signed out");
    let (status, _) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 401, "tokens are revoked");
    let (status, _) = password_grant(app, "erin").await;
    assert_eq!(status, 400, "the old password is gone");

    // Email: the address changes only once the link mailed to the new one is followed.
    let (_, html) = page(&web, &app.url("/settings/security")).await;
    let csrf = csrf_of(&html);
    app.create_user("frank", PW).await;
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/email"),
        &csrf,
        &[("email", "frank@example.org"), ("current_password", new)],
    )
    .await;
    assert_eq!(status, 422, "another member's address");
    assert!(html.contains("em-new-error"), "{html}");
    assert!(
        html.contains("value=\"frank@example.org\""),
        "kept as typed"
    );
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/email"),
        "",
        &[("email", "erin@new.example"), ("current_password", new)],
    )
    .await;
    assert_eq!(status, 403, "CSRF");
    let mails_before = app.mails().len();
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/email"),
        &csrf,
        &[("email", "erin@new.example"), ("current_password", new)],
    )
    .await;
    assert_eq!(status, 303);
    app.run_jobs().await;
    let mails = app.mails();
    assert_eq!(mails.len(), mails_before + 1);
    let mail = mails
        .iter()
        .find(|m| m.contains("To: erin@new.example"))
        .expect("a mail to the new address");
    let (_, html) = page(&web, &app.url("/settings/security")).await;
    assert!(html.contains("erin@example.org"), "still the old address");
    assert!(
        html.contains("erin@new.example"),
        "the pending one is shown"
    );
    let link =
        crate::common::link_in(mail, &app.url("/settings/email/confirm?token=")).expect("link");
    let (status, _) = page(
        &app.browser(),
        &app.url("/settings/email/confirm?token=forged"),
    )
    .await;
    assert_eq!(status, 422, "a forged link changes nothing");
    let (status, body) = page(&app.browser(), &link).await;
    assert_eq!(status, 200, "works without a session: {body}");
    let (_, html) = page(&web, &app.url("/settings/security")).await;
    assert!(
        html.contains("erin@new.example") && !html.contains("erin@example.org"),
        "{html}"
    );
    let (status, _) = page(&app.browser(), &link).await;
    assert_eq!(status, 422, "a link works once");
    let _ = erin;

    // Search engines: noindex on the public pages and in the API entity.
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/search_engines"),
        &csrf,
        &[("noindex", "1")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, profile) = page(&app.browser(), &app.url("/@erin")).await;
    assert!(
        profile.contains("<meta name=\"robots\" content=\"noindex"),
        "{profile}"
    );
    let (_, account) = app
        .get_json(&format!("/api/v1/accounts/{erin}"), None)
        .await;
    assert_eq!(account["noindex"], true, "{account}");
    submit(&web, &app.url("/settings/search_engines"), &csrf, &[]).await;
    let (_, profile) = page(&app.browser(), &app.url("/@erin")).await;
    assert!(!profile.contains("name=\"robots\""), "{profile}");
    let (_, account) = app
        .get_json(&format!("/api/v1/accounts/{erin}"), None)
        .await;
    assert_eq!(account["noindex"], false);
}
on_both_backends!(password_email_noindex, password_and_email);

/// A header's value in a raw mail.
fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .find(|l| l.starts_with(&format!("{name}: ")))
        .map(|l| l[name.len() + 2..].trim())
}

async fn unsubscribe(app: &TestApp) {
    let gil = app.create_user_with("gil", PW, Some("admin"), true).await;
    let hal = app.create_user_with("hal", PW, None, true).await;
    let gil_token = crate::common::coop::token_for(app, gil).await;
    let propose = |title: &'static str| {
        let token = gil_token.clone();
        async move {
            let (status, p) = app
                .post_json(
                    "/api/v1/coop/proposals",
                    &token,
                    serde_json::json!({ "kind": "general", "title": title, "body": "Goats." }),
                )
                .await;
            assert_eq!(status, 200, "{p}");
        }
    };
    propose("Buy a barn").await;
    app.run_jobs().await;
    let mails = app.mails();
    let to_hal = mails
        .iter()
        .find(|m| m.contains("To: hal@example.org") && m.contains("Subject: New proposal"))
        .expect("hal is mailed");
    let url = header(to_hal, "List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string();
    assert!(url.starts_with(&app.url("/unsubscribe?token=")), "{url}");
    assert_eq!(
        header(to_hal, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    let body = to_hal
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or(to_hal);
    assert_eq!(
        crate::common::link_in(body, &app.url("/unsubscribe?token=")).as_deref(),
        Some(url.as_str()),
        "the same link in the body"
    );

    // A GET only asks (mail scanners open links); a forged token is refused.
    let (status, html) = page(&app.browser(), &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("@hal"), "{html}");
    let forged = url.replace(".proposals.", ".expenses.");
    let res = app
        .client
        .post(&forged)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "another kind's token cannot be made");
    // The mail client's one-click POST, with no session.
    let res = app
        .client
        .post(&url)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Only that kind is off, for hal only.
    let web = web_sign_in(app, "hal").await;
    let (_, html) = page(&web, &app.url("/settings/mails")).await;
    assert!(
        html.contains("value=\"proposals\">"),
        "proposals unticked: {html}"
    );
    assert!(html.contains("value=\"reminders\" checked"), "{html}");
    let before = app.mails().len();
    propose("Paint the barn").await;
    app.run_jobs().await;
    let new: Vec<String> = app.mails().into_iter().skip(before).collect();
    assert!(new.iter().any(|m| m.contains("To: gil@example.org")));
    assert!(
        !new.iter().any(|m| m.contains("To: hal@example.org")),
        "hal opted out"
    );

    // The settings page turns it back on (CSRF-checked).
    let csrf = csrf_of(&html);
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/mails"),
        "",
        &[("mails[]", "proposals")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/mails"),
        &csrf,
        &[("mails[]", "proposals"), ("mails[]", "reminders")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&web, &app.url("/settings/mails")).await;
    assert!(html.contains("value=\"proposals\" checked"), "{html}");
    assert!(html.contains("value=\"roles\">"), "roles now off: {html}");
    let _ = hal;
}
on_both_backends!(mail_unsubscribe, unsubscribe);

async fn deletion(a: &TestApp) {
    use crate::common::federation::{domain, settle};
    let Some(b) = TestApp::spawn_with(
        if a.state.config.database_url.starts_with("sqlite") {
            crate::common::Backend::Sqlite
        } else {
            crate::common::Backend::Postgres
        },
        |_| {},
    )
    .await
    else {
        return;
    };
    // ivy: a member of A's co-op with dues on the ledger; bob on B follows her.
    let treasurer = a
        .create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let ivy = a.create_user_with("ivy", PW, None, true).await;
    let ivy_token = crate::common::coop::token_for(a, ivy).await;
    let tess_token = crate::common::coop::token_for(a, treasurer).await;
    let (status, dues) = a
        .post_json(
            &format!("/api/v1/coop/members/{ivy}/dues"),
            &tess_token,
            serde_json::json!({ "amount": 1500, "periods": 3 }),
        )
        .await;
    assert_eq!(status, 200, "{dues}");
    let (_, ledger_before) = a
        .get_json(
            "/api/v1/coop/ledger/transactions?limit=200",
            Some(&tess_token),
        )
        .await;
    let (_, bob) = b.user_with_token("bob").await;
    let (status, ivy_on_b) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=ivy@{}", domain(a)),
            Some(&bob),
        )
        .await;
    assert_eq!(status, 200, "{ivy_on_b}");
    let ivy_on_b = ivy_on_b["id"].as_str().expect("id").to_string();
    b.post_json(
        &format!("/api/v1/accounts/{ivy_on_b}/follow"),
        &bob,
        serde_json::json!({}),
    )
    .await;
    settle(a, &b).await;
    let (status, post) = a
        .post_json(
            "/api/v1/statuses",
            &ivy_token,
            serde_json::json!({ "status": "Goodbye, herd", "visibility": "public" }),
        )
        .await;
    assert_eq!(status, 200, "{post}");
    settle(a, &b).await;
    let (_, seen) = b
        .get_json(&format!("/api/v1/accounts/{ivy_on_b}/statuses"), Some(&bob))
        .await;
    assert_eq!(
        seen.as_array().map(Vec::len),
        Some(1),
        "B has her post: {seen}"
    );

    // The page: CSRF and the password first; a refusal deletes nothing.
    let web = web_sign_in(a, "ivy").await;
    let (status, html) = page(&web, &a.url("/settings/delete")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let (status, _, _) = submit(
        &web,
        &a.url("/settings/delete"),
        "",
        &[("current_password", PW)],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, html) = submit(
        &web,
        &a.url("/settings/delete"),
        &csrf,
        &[("current_password", "not my password")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("del-password-error"), "{html}");
    let (status, _) = a
        .get_json("/api/v1/accounts/verify_credentials", Some(&ivy_token))
        .await;
    assert_eq!(status, 200, "nothing deleted yet");

    let (status, _, _) = submit(
        &web,
        &a.url("/settings/delete"),
        &csrf,
        &[("current_password", PW)],
    )
    .await;
    assert_eq!(status, 200);
    let res = web.get(a.url("/settings/security")).send().await.unwrap();
    assert_eq!(res.status(), 303, "signed out");
    let (status, _) = a
        .get_json("/api/v1/accounts/verify_credentials", Some(&ivy_token))
        .await;
    assert_eq!(status, 401, "tokens revoked");
    let post_id = post["id"].as_str().expect("id");
    let (status, _) = a
        .get_json(&format!("/api/v1/statuses/{post_id}"), None)
        .await;
    assert_eq!(status, 404, "her post is gone here");

    // Federated: B drops her posts and bob's follow.
    settle(a, &b).await;
    let (_, seen) = b
        .get_json(&format!("/api/v1/accounts/{ivy_on_b}/statuses"), Some(&bob))
        .await;
    assert_eq!(
        seen.as_array().map(Vec::len),
        Some(0),
        "B deleted her post: {seen}"
    );

    // The membership is withdrawn; the ledger keeps every entry.
    let ivy_id = ivy.to_string();
    let (_, roster) = a
        .get_json("/api/v1/coop/members?limit=80", Some(&tess_token))
        .await;
    let active_ivy = roster
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["account"]["id"] == ivy_id.as_str() && m["state"] == "active");
    assert!(!active_ivy, "{roster}");
    let (status, member) = a
        .get_json(&format!("/api/v1/coop/members/{ivy}"), Some(&tess_token))
        .await;
    if status == 200 {
        assert_eq!(member["state"], "withdrawn", "{member}");
    }
    let (_, ledger_after) = a
        .get_json(
            "/api/v1/coop/ledger/transactions?limit=200",
            Some(&tess_token),
        )
        .await;
    assert!(
        ledger_after
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| t["member_id"] == ivy_id.as_str()),
        "her dues are still on the ledger: {ledger_after}"
    );
    assert_eq!(ledger_before, ledger_after, "the ledger is untouched");

    // The name stays taken, and the password no longer signs in.
    let (status, _) = password_grant(a, "ivy").await;
    assert_eq!(status, 400);
    let browser = a.browser();
    let (_, html2) = page(&browser, &a.url("/auth/sign_up")).await;
    let (status, _, body) = submit(
        &browser,
        &a.url("/auth/sign_up"),
        &csrf_of(&html2),
        &[
            ("username", "ivy"),
            ("email", "ivy2@example.org"),
            ("password", PW),
            ("password_confirmation", PW),
            ("agreement", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422, "the username is kept: {body}");
    b.stop().await;
}
on_both_backends!(account_deletion, deletion);
