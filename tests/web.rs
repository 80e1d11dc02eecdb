//! The HTML pages driven as a browser would: sign-up with CSRF-protected forms, email
//! confirmation, sign-in and sign-out, password reset.

mod common;

use common::{csrf_of, link_in, TestApp};

async fn sign_up_sign_in_reset(app: &TestApp) {
    let browser = app.browser();
    let page = browser.get(app.url("/auth/sign_up")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Create an account"));
    let csrf = csrf_of(&html);

    // Mismatched passwords, then a forged token: refused, nothing created.
    let mut form = vec![
        ("csrf_token", csrf.as_str()),
        ("username", "gina"),
        ("email", "gina@example.org"),
        ("password", "correct horse battery"),
        ("password_confirmation", "different horse"),
        ("agreement", "1"),
    ];
    let res = browser
        .post(app.url("/auth/sign_up"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The passwords do not match."));
    form[4].1 = "correct horse battery";
    let forged: Vec<_> = form
        .iter()
        .map(|(k, v)| (*k, if *k == "csrf_token" { "forged" } else { *v }))
        .collect();
    assert_eq!(
        browser
            .post(app.url("/auth/sign_up"))
            .form(&forged)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // Another client (no cookie) cannot reuse this page's token either.
    assert_eq!(
        app.browser()
            .post(app.url("/auth/sign_up"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let res = browser
        .post(app.url("/auth/sign_up"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("We sent a confirmation link to gina@example.org"));

    // Signing in before confirming says what is missing.
    let sign_in = |login: &'static str, password: &'static str| {
        let browser = browser.clone();
        let app_url = app.url("/auth/sign_in");
        async move {
            let html = browser
                .get(&app_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = csrf_of(&html);
            browser
                .post(&app_url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("login", login),
                    ("password", password),
                    ("return_to", "/"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let res = sign_in("gina", "correct horse battery").await;
    assert_eq!(res.status(), 403);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("missing a confirmed e-mail address"));

    app.run_jobs().await;
    let mail = app.mails().pop().unwrap();
    let link = link_in(&mail, &app.url("/auth/confirmation?")).unwrap();
    assert_eq!(browser.get(&link).send().await.unwrap().status(), 200);

    let res = sign_in("gina@example.org", "wrong password").await;
    assert_eq!(res.status(), 401);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Invalid email or password."));
    let res = sign_in("GINA", "correct horse battery").await;
    assert_eq!(res.status(), 303);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    let home = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("@gina"), "signed in: {home}");

    // Sign out needs the token too, then the session is gone.
    let csrf = csrf_of(&home);
    assert_eq!(
        browser
            .post(app.url("/auth/sign_out"))
            .form(&[("csrf_token", "nope")])
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        browser
            .post(app.url("/auth/sign_out"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let home = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("@gina"));

    // Password reset: a mail with a link, a form, the new password works, the old does not,
    // and tokens issued before the reset are revoked.
    let api_token = app.login("gina", "correct horse battery", "read").await;
    let html = browser
        .get(app.url("/auth/password/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let res = browser
        .post(app.url("/auth/password"))
        .form(&[("csrf_token", csrf.as_str()), ("email", "GINA@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Unknown addresses get the same answer and no mail.
    app.run_jobs().await;
    let mails_before = app.mails().len();
    let res = browser
        .post(app.url("/auth/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "nobody@example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("If an account uses that address"));
    app.run_jobs().await;
    assert_eq!(app.mails().len(), mails_before);
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.contains("reset_password_token"))
        .unwrap();
    let link = link_in(&mail, &app.url("/auth/password/edit?")).unwrap();
    let html = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fields = common::hidden_inputs(&html, 0);
    let token = fields
        .iter()
        .find(|(k, _)| k == "reset_password_token")
        .unwrap()
        .1
        .clone();
    let res = browser
        .post(app.url("/auth/password/edit"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reset_password_token", token.as_str()),
            ("password", "brand new horse"),
            ("password_confirmation", "brand new horse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Password changed"));
    assert_eq!(
        app.get_json("/api/v1/accounts/verify_credentials", Some(&api_token))
            .await
            .0,
        401
    );
    assert_eq!(sign_in("gina", "correct horse battery").await.status(), 401);
    assert_eq!(sign_in("gina", "brand new horse").await.status(), 303);
    // The link is spent.
    assert_eq!(browser.get(&link).send().await.unwrap().status(), 422);
}
on_both_backends!(account_pages, sign_up_sign_in_reset);

async fn sign_in_only_returns_to_local_paths(app: &TestApp) {
    app.create_user("hana", "correct horse battery").await;
    for (return_to, expected) in [
        ("/about", "/about"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ] {
        let browser = app.browser();
        let html = browser
            .get(app.url("/auth/sign_in"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&html);
        let res = browser
            .post(app.url("/auth/sign_in"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "hana"),
                ("password", "correct horse battery"),
                ("return_to", return_to),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], expected, "{return_to}");
    }
}
on_both_backends!(return_to, sign_in_only_returns_to_local_paths);

#[tokio::test]
async fn front_page_shows_the_rules_in_force() {
    let app = TestApp::spawn(common::Backend::Sqlite).await.unwrap();
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("herd_csrf="));
    let html = res.text().await.unwrap();
    // A form posted without the cookie (another site's, as SameSite=Lax withholds it) is
    // refused and hands out no cookie that would replace the visitor's token.
    let res = app
        .client
        .post(app.url("/auth/sign_out"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap_or("").starts_with("herd_csrf=")),
        "{:?}",
        res.headers()
    );
    let rules = app.get_json("/api/v1/instance/rules", None).await.1;
    let first = rules[0]["text"].as_str().unwrap();
    assert!(html.contains(&tera::escape_html(first)), "{first}");
    let css = app
        .client
        .get(app.url("/static/herd.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let missing = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}
