//! OAuth 2 over HTTP: the authorization-code flow with PKCE through the real sign-in and
//! consent pages, client credentials, the password grant, revocation, scopes, bad input.

mod common;

use common::{csrf_of, hidden_inputs, TestApp};
use serde_json::Value;

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXk5-bEjM";
// base64url(SHA-256(VERIFIER)), computed with Python's hashlib.
const CHALLENGE: &str = "t3hjII6ioxrCoPFuR4DlGBG9PAA3MyOB5Cxa45gSWt0";

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

fn query_param(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Signs in through the pages and approves (or denies) the app; returns where the browser is sent.
async fn browser_authorize(
    app: &TestApp,
    client_id: &str,
    redirect: &str,
    extra: &[(&str, &str)],
    approve: bool,
) -> reqwest::Response {
    let browser = app.browser();
    let mut authorize = url::Url::parse(&app.url("/oauth/authorize")).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "read write")
        .append_pair("state", "xyz 123")
        .extend_pairs(extra);
    // Not signed in: sent to the sign-in page, which returns here afterwards.
    let res = browser.get(authorize.as_str()).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let sign_in = app.url(&location(&res));
    assert!(sign_in.contains("/auth/sign_in?return_to="), "{sign_in}");
    let page = browser
        .get(&sign_in)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = hidden_inputs(&page, 0);
    form.push(("login".into(), "alice@example.org".into()));
    form.push(("password".into(), "correct horse battery".into()));
    let res = browser
        .post(app.url("/auth/sign_in"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let back = location(&res);
    assert!(back.starts_with("/oauth/authorize?"), "{back}");
    // The consent page names the app and the scopes.
    let consent = browser.get(app.url(&back)).send().await.unwrap();
    assert_eq!(consent.status(), 200);
    let html = consent.text().await.unwrap();
    assert!(html.contains("Authorize test app"), "{html}");
    assert!(html.contains("<code>read</code>") && html.contains("<code>write</code>"));
    // The page has the sign-out form first, then Authorize, then Deny.
    let fields = hidden_inputs(&html, if approve { 1 } else { 2 });
    assert!(fields
        .iter()
        .any(|(k, v)| k == "decision" && v == if approve { "approve" } else { "deny" }));
    browser
        .post(app.url("/oauth/authorize"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

async fn redeem(app: &TestApp, params: &[(&str, &str)]) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(params)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn authorization_code_with_pkce(app: &TestApp) {
    app.create_user("alice", "correct horse battery").await;
    let (id, secret) = app.register_app("read write follow", REDIRECT).await;
    let res = browser_authorize(
        app,
        &id,
        REDIRECT,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        true,
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with(REDIRECT), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("xyz 123"));
    let code = query_param(&to, "code").expect("code");

    // A wrong verifier is refused without spending the code's secret…
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "wrong-verifier-wrong-verifier-wrong-verifier-x",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // …and a code is single-use, so the right verifier is now too late as well.
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // A fresh code with the right verifier works, as a public client (no secret), JSON body.
    let res = browser_authorize(
        app,
        &id,
        REDIRECT,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        true,
    )
    .await;
    let code = query_param(&location(&res), "code").unwrap();
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .json(&serde_json::json!({"grant_type": "authorization_code", "client_id": id, "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let token: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read write");
    assert!(token["created_at"].is_i64());
    let access = token["access_token"].as_str().unwrap();
    let (status, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "alice");
    assert_eq!(me["source"]["privacy"], "public");

    // Reusing the redeemed code fails.
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // The token is stored hashed: its plain value is nowhere in the database.
    let (plain,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM oauth_tokens WHERE token_hash = $1")
            .bind(access)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(plain, 0);
    let (hashed,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM oauth_tokens WHERE token_hash = $1")
            .bind(herd::secrets::token_hash(access))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(hashed, 1);

    // Revoked, it stops working.
    let res = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[
            ("client_id", id.as_str()),
            ("client_secret", &secret),
            ("token", access),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, body) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "The access token is invalid");
}
on_both_backends!(authorization_code_flow, authorization_code_with_pkce);

async fn code_checks(app: &TestApp) {
    app.create_user("alice", "correct horse battery").await;
    let (id, secret) = app.register_app("read write", REDIRECT).await;

    // Without PKCE: a confidential client must send its secret and the same redirect_uri.
    let res = browser_authorize(app, &id, REDIRECT, &[], true).await;
    let code = query_param(&location(&res), "code").unwrap();
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", "nope"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("redirect URI"));

    // A PKCE-bound code needs its verifier.
    let res = browser_authorize(
        app,
        &id,
        REDIRECT,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        true,
    )
    .await;
    let code = query_param(&location(&res), "code").unwrap();
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // An expired code is refused.
    let res = browser_authorize(app, &id, REDIRECT, &[], true).await;
    let code = query_param(&location(&res), "code").unwrap();
    app.state
        .clock
        .advance(std::time::Duration::from_secs(11 * 60));
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("expired"));

    // Denying sends the browser back with error=access_denied and the state.
    let res = browser_authorize(app, &id, REDIRECT, &[], false).await;
    let to = location(&res);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("xyz 123"));
    assert!(query_param(&to, "code").is_none());
}
on_both_backends!(authorization_code_checks, code_checks);

async fn out_of_band_shows_the_code(app: &TestApp) {
    app.create_user("alice", "correct horse battery").await;
    let (id, secret) = app
        .register_app("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let res = browser_authorize(app, &id, "urn:ietf:wg:oauth:2.0:oob", &[], true).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let start = html.find("readonly value=\"").expect("code field") + "readonly value=\"".len();
    let code = common::unescape(&html[start..start + html[start..].find('"').unwrap()]);
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read write");
}
on_both_backends!(out_of_band, out_of_band_shows_the_code);

async fn authorize_refuses_bad_requests(app: &TestApp) {
    let (id, _) = app.register_app("read", REDIRECT).await;
    let get = |q: String| {
        let url = app.url(&format!("/oauth/authorize?{q}"));
        let c = app.browser();
        async move { c.get(url).send().await.unwrap() }
    };
    // Unknown client, wrong redirect, scope beyond the app's, bad PKCE: a page, never a redirect.
    for (q, needle) in [
        (format!("response_type=code&client_id=nope&redirect_uri={REDIRECT}"), "unknown client"),
        (format!("response_type=code&client_id={id}&redirect_uri=http://evil.example/cb"), "redirect uri"),
        (format!("response_type=code&client_id={id}&redirect_uri={REDIRECT}&scope=write"), "scope"),
        (format!("response_type=code&client_id={id}&redirect_uri={REDIRECT}&code_challenge=abc&code_challenge_method=S256"), "malformed"),
        (format!("response_type=code&client_id={id}&redirect_uri={REDIRECT}&code_challenge={CHALLENGE}&code_challenge_method=plain"), "S256"),
        (format!("response_type=token&client_id={id}&redirect_uri={REDIRECT}"), "response type"),
    ] {
        let res = get(q.clone()).await;
        assert!(res.status().is_client_error(), "{q}: {}", res.status());
        assert!(res.headers().get("location").is_none());
        let html = res.text().await.unwrap();
        assert!(html.to_lowercase().contains(&needle.to_lowercase()), "{q}: {html}");
    }
    // The consent POST without the CSRF token is refused.
    app.create_user("alice", "correct horse battery").await;
    let browser = app.browser();
    let page = browser
        .get(app.url("/auth/sign_in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let _ = csrf;
    let res = browser
        .post(app.url("/oauth/authorize"))
        .form(&[
            ("decision", "approve"),
            ("client_id", id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
on_both_backends!(authorize_bad_requests, authorize_refuses_bad_requests);

async fn grants_and_scopes(app: &TestApp) {
    app.create_user("alice", "correct horse battery").await;
    let (id, secret) = app
        .register_app("read write:accounts", "urn:ietf:wg:oauth:2.0:oob")
        .await;

    // Client credentials: an app token, no user behind it.
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let app_token = body["access_token"].as_str().unwrap().to_string();
    let (status, body) = app
        .get_json("/api/v1/apps/verify_credentials", Some(&app_token))
        .await;
    assert_eq!((status, body["name"].as_str()), (200, Some("test app")));
    let (status, body) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&app_token))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "This method requires an authenticated user");

    // Scopes beyond the app's are refused.
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "write:statuses"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "read:nonsense"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    // Mastodon.py's log_in sends one `oauth_info` field per metadata key; they are ignored.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "username=alice%40example.org&password=correct+horse+battery&oauth_info=issuer&oauth_info=token_endpoint\
             &grant_type=password&client_id={id}&client_secret={secret}&scope=read"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Password grant by username or email; the token carries exactly the granted scopes.
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("username", "ALICE"),
            ("password", "correct horse battery"),
            ("scope", "write:accounts"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let write_only = body["access_token"].as_str().unwrap().to_string();
    let (status, body) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&write_only))
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error"],
        "This action is outside the authorized scopes"
    );
    let read = app
        .login("alice@example.org", "correct horse battery", "read")
        .await;
    assert_eq!(
        app.get_json("/api/v1/accounts/verify_credentials", Some(&read))
            .await
            .0,
        200
    );

    // Wrong password, unknown grant, missing grant, no token, a made-up token.
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("username", "alice"),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = redeem(
        app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = redeem(app, &[("client_id", &id)]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = app
        .get_json("/api/v1/accounts/verify_credentials", None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("Missing access token"))
    );
    let (status, _) = app
        .get_json("/api/v1/accounts/verify_credentials", Some("made-up"))
        .await;
    assert_eq!(status, 401);

    // Malformed bodies get a Mastodon-shaped 400.
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().starts_with("Invalid JSON"));
}
on_both_backends!(grants, grants_and_scopes);

#[tokio::test]
async fn password_grant_can_be_turned_off() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| c.auth.password_grant = false)
        .await
        .unwrap();
    app.create_user("alice", "correct horse battery").await;
    let (id, secret) = app.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, body) = redeem(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (_, meta) = app
        .get_json("/.well-known/oauth-authorization-server", None)
        .await;
    assert!(!meta["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "password"));
    app.stop().await;
}

#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let app = TestApp::spawn_with(common::Backend::Sqlite, |c| {
        c.rate_limits.exempt_loopback = false;
        c.rate_limits.login_attempts = 3;
    })
    .await
    .unwrap();
    app.create_user("alice", "correct horse battery").await;
    let (id, secret) = app.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    for _ in 0..3 {
        let (status, _) = redeem(
            &app,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "alice"),
                ("password", "wrong"),
            ],
        )
        .await;
        assert_eq!(status, 400);
    }
    // Even the right password now waits for the window to pass.
    let (status, body) = redeem(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "Too many requests");
    app.state.clock.advance(std::time::Duration::from_secs(301));
    let (status, _) = redeem(
        &app,
        &[
            ("grant_type", "password"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    app.stop().await;
}

async fn metadata_and_apps(app: &TestApp) {
    let (status, meta) = app
        .get_json("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(meta["token_endpoint"], app.url("/oauth/token"));
    assert_eq!(meta["authorization_endpoint"], app.url("/oauth/authorize"));
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(meta["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "password"));
    assert!(meta["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "admin:write:reports"));

    // Apps: JSON with an array of redirect URIs, as masto sends it.
    let res = app
        .client
        .post(app.url("/api/v1/apps"))
        .json(&serde_json::json!({"client_name": "Elk", "redirect_uris": ["https://elk.example/cb", "urn:ietf:wg:oauth:2.0:oob"], "scopes": "read write push", "website": "https://elk.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["redirect_uris"],
        serde_json::json!(["https://elk.example/cb", "urn:ietf:wg:oauth:2.0:oob"])
    );
    assert_eq!(body["scopes"], serde_json::json!(["read", "write", "push"]));
    assert!(body["client_secret"].as_str().unwrap().len() >= 40);
    // Bad apps: no name, no redirect, a javascript: redirect, unknown scopes, a long name.
    for bad in [
        serde_json::json!({"redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
        serde_json::json!({"client_name": "x"}),
        serde_json::json!({"client_name": "x", "redirect_uris": "javascript:alert(1)"}),
        serde_json::json!({"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read rule:world"}),
        serde_json::json!({"client_name": "x".repeat(200), "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
    ] {
        let res = app
            .client
            .post(app.url("/api/v1/apps"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("Validation failed"),
            "{body}"
        );
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oauth_apps")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "refused apps leave nothing behind");
}
on_both_backends!(metadata, metadata_and_apps);
