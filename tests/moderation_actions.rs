//! Moderation actions beyond suspension, over HTTP: a disabled login still reaches its strikes
//! and appeals them; sign-ups approved and rejected under a cited clause; the effects of
//! `sensitive` and `disable` and their reversals; the gate's refusals on status deletion and
//! domain blocks/allows (nothing written); the appeal window; the moderation log's view of an
//! obfuscated domain block.

mod common;

use serde_json::{json, Value};

const PW: &str = "correct horse battery";
const SCOPES: &str = "read write follow admin:read admin:write";

async fn send(
    app: &common::TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post(app: &common::TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    send(app, reqwest::Method::POST, path, token, body).await
}

async fn get(app: &common::TestApp, path: &str, token: &str) -> (u16, Value) {
    app.get_json(path, Some(token)).await
}

async fn user(
    app: &common::TestApp,
    name: &str,
    role: Option<&str>,
    member: bool,
) -> (i64, String) {
    let id = app.create_user_with(name, PW, role, member).await;
    let token = herd::services::oauth::operator_token(&app.state, id, SCOPES)
        .await
        .expect("token");
    (id, token)
}

fn err(v: &Value) -> &str {
    v["error"].as_str().unwrap_or("")
}

async fn count(app: &common::TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

/// What every refusal must leave untouched.
async fn written(app: &common::TestApp) -> [i64; 5] {
    [
        count(app, "moderation_actions").await,
        count(app, "strikes").await,
        count(app, "domain_blocks").await,
        count(app, "domain_allows").await,
        count(app, "statuses").await,
    ]
}

async fn action(app: &common::TestApp, token: &str, target: i64, body: Value) -> (u16, Value) {
    post(
        app,
        &format!("/api/v1/admin/accounts/{target}/action"),
        token,
        body,
    )
    .await
}

const DISABLED: &str = "Your login is currently disabled";

/// A disabled login gets Mastodon's 403 everywhere except its strikes: it reads the strike with
/// the cited clause, appeals, a second moderator approves, and the login works again.
async fn disabled_account_reads_and_appeals_its_strike(app: &common::TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (_, mod2) = user(app, "mod2", Some("moderator"), true).await;
    let (target, tok) = user(app, "target", None, true).await;

    let (status, body) = action(
        app,
        &mod1,
        target,
        json!({ "type": "disable", "policy_clause": "code-of-conduct@1#3.2",
                "text": "Automated posting" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    for path in [
        "/api/v1/accounts/verify_credentials",
        "/api/v1/timelines/home",
        "/api/v1/notifications",
        "/api/v1/coop/moderation/log",
    ] {
        let (status, body) = get(app, path, &tok).await;
        assert_eq!((status, err(&body)), (403, DISABLED), "{path}: {body}");
    }
    let (status, body) = post(app, "/api/v1/statuses", &tok, json!({ "status": "hi" })).await;
    assert_eq!((status, err(&body)), (403, DISABLED), "{body}");

    let (status, strikes) = get(app, "/api/v1/coop/moderation/strikes", &tok).await;
    assert_eq!(status, 200, "{strikes}");
    let strike = &strikes[0];
    assert_eq!(strike["action"], "disable", "{strike}");
    assert_eq!(strike["citation"], "code-of-conduct@1#3.2");
    assert_eq!(strike["clause"]["id"], "3.2");
    assert!(
        strike["clause"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{strike}"
    );
    assert_eq!(strike["text"], "Automated posting");
    let sid = strike["id"].as_str().expect("id");

    let (status, appeal) = post(
        app,
        &format!("/api/v1/coop/moderation/strikes/{sid}/appeal"),
        &tok,
        json!({ "text": "A script of mine misfired; it is switched off" }),
    )
    .await;
    assert_eq!(status, 200, "{appeal}");
    assert_eq!(appeal["state"], "pending");
    let aid = appeal["id"].as_str().expect("id");

    let (status, decided) = post(
        app,
        &format!("/api/v1/coop/moderation/appeals/{aid}/approve"),
        &mod2,
        json!({ "reason": "Believable, and it stopped" }),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["state"], "approved");

    let (status, me) = get(app, "/api/v1/accounts/verify_credentials", &tok).await;
    assert_eq!(status, 200, "{me}");
    let (status, body) = post(app, "/api/v1/statuses", &tok, json!({ "status": "back" })).await;
    assert_eq!(status, 200, "{body}");
}
on_both_backends!(
    disabled_account_appeals,
    disabled_account_reads_and_appeals_its_strike
);

async fn sign_up(app: &common::TestApp, name: &str) -> String {
    let (client_id, secret) = app
        .register_app("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let app_token: Value = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("scope", "read write"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let (status, v) = app
        .post_json(
            "/api/v1/accounts",
            app_token["access_token"].as_str().expect("token"),
            json!({ "username": name, "email": format!("{name}@example.org"), "password": PW,
                    "agreement": true, "reason": "I sing in the choir" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v["access_token"].as_str().expect("token").to_string()
}

async fn account_id(app: &common::TestApp, token: &str, name: &str) -> i64 {
    let (status, v) = get(app, &format!("/api/v1/accounts/lookup?acct={name}"), token).await;
    assert_eq!(status, 200, "{v}");
    v["id"].as_str().expect("id").parse().expect("id")
}

/// Approval-mode sign-ups: approve and reject each cite a clause that permits them.
async fn sign_ups_are_decided_under_a_clause(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (_, member) = user(app, "member", None, true).await;
    let fay_tok = sign_up(app, "fay").await;
    let gus_tok = sign_up(app, "gus").await;
    let fay = account_id(app, &moderator, "fay").await;
    let gus = account_id(app, &moderator, "gus").await;
    let pending = "Your login is currently pending approval";
    let (status, body) = get(app, "/api/v1/accounts/verify_credentials", &fay_tok).await;
    assert_eq!((status, err(&body)), (403, pending), "{body}");

    let before = written(app).await;
    for (who, tok, target, verb, body, code, needle) in [
        (
            "member",
            &member,
            fay,
            "approve",
            json!({ "policy_clause": "moderation-policy@1#7.1" }),
            403,
            "moderator role",
        ),
        (
            "moderator",
            &moderator,
            fay,
            "approve",
            json!({}),
            422,
            "policy_clause is required",
        ),
        (
            "moderator",
            &moderator,
            fay,
            "approve",
            // 7.2 permits refusing, not admitting.
            json!({ "policy_clause": "moderation-policy@1#7.2" }),
            422,
            "does not permit approve_signup",
        ),
        (
            "member",
            &member,
            gus,
            "reject",
            json!({ "policy_clause": "moderation-policy@1#7.2" }),
            403,
            "moderator role",
        ),
        (
            "moderator",
            &moderator,
            gus,
            "reject",
            json!({ "text": "spam" }),
            422,
            "policy_clause is required",
        ),
        (
            "moderator",
            &moderator,
            gus,
            "reject",
            json!({ "policy_clause": "code-of-conduct@1#2.1" }),
            422,
            "does not permit reject_signup",
        ),
    ] {
        let (status, res) = post(
            app,
            &format!("/api/v1/admin/accounts/{target}/{verb}"),
            tok,
            body.clone(),
        )
        .await;
        assert_eq!(status, code, "{who} {verb} {body} → {res}");
        assert!(err(&res).contains(needle), "{who} {verb} {body} → {res}");
    }
    assert_eq!(written(app).await, before, "refusals wrote nothing");
    let (_, list) = get(app, "/api/v1/admin/accounts?pending=true", &moderator).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // Approved under 7.1: the account works.
    let (status, res) = post(
        app,
        &format!("/api/v1/admin/accounts/{fay}/approve"),
        &moderator,
        json!({ "policy_clause": "moderation-policy@1#7.1", "text": "Known to the choir" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["approved"], json!(true), "{res}");
    let (status, me) = get(app, "/api/v1/accounts/verify_credentials", &fay_tok).await;
    assert_eq!(status, 200, "{me}");
    let (status, body) = post(app, "/api/v1/statuses", &fay_tok, json!({ "status": "hi" })).await;
    assert_eq!(status, 200, "{body}");

    // Rejected under 7.2: the login is gone.
    let (status, res) = post(
        app,
        &format!("/api/v1/admin/accounts/{gus}/reject"),
        &moderator,
        json!({ "policy_clause": "moderation-policy@1#7.2", "text": "Spam sign-up" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    let (status, body) = get(app, "/api/v1/accounts/verify_credentials", &gus_tok).await;
    assert_eq!(status, 401, "{body}");
    // Herd keeps the row (log ids stay stable) but the login is disabled, the account
    // suspended and its tokens revoked.
    assert_eq!(res["disabled"], json!(true), "{res}");
    assert_eq!(res["suspended"], json!(true), "{res}");
    assert_eq!(res["approved"], json!(false), "{res}");

    // Acting on an account that is not pending (any more): a clear 403 as in Mastodon.
    for (target, verb, clause) in [
        (fay, "approve", "moderation-policy@1#7.1"),
        (fay, "reject", "moderation-policy@1#7.2"),
        (gus, "approve", "moderation-policy@1#7.1"),
    ] {
        let before = written(app).await;
        let (status, res) = post(
            app,
            &format!("/api/v1/admin/accounts/{target}/{verb}"),
            &moderator,
            json!({ "policy_clause": clause }),
        )
        .await;
        assert_eq!(status, 403, "{verb} {target}: {res}");
        assert_eq!(err(&res), "This account is not pending approval");
        assert_eq!(written(app).await, before);
    }

    // Both decisions are in the log with their citations.
    let (status, log) = get(app, "/api/v1/coop/moderation/log", &moderator).await;
    assert_eq!(status, 200, "{log}");
    let entries: Vec<(String, String, String)> = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["action"] == "approve" || e["action"] == "reject")
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_string(),
                e["target"]["account"]["username"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                e["citation"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "reject".to_string(),
                "gus".to_string(),
                "moderation-policy@1#7.2".to_string()
            ),
            (
                "approve".to_string(),
                "fay".to_string(),
                "moderation-policy@1#7.1".to_string()
            ),
        ]
    );
}
on_both_backends!(
    sign_up_decisions,
    sign_ups_are_decided_under_a_clause,
    |c: &mut herd::config::Config| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    }
);

/// `sensitive` marks the author's posts sensitive and `unsensitive` clears it; `disable` turns
/// the login's tokens away and `enable` restores them; each reversal needs its citation.
async fn sensitive_and_disable_take_effect_and_are_reversed(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (target, tok) = user(app, "target", None, true).await;
    let (status, post_v) = post(
        app,
        "/api/v1/statuses",
        &tok,
        json!({ "status": "look at this", "visibility": "public" }),
    )
    .await;
    assert_eq!(status, 200, "{post_v}");
    let sid = post_v["id"].as_str().expect("id").to_string();
    assert_eq!(post_v["sensitive"], false);
    let sensitive = |v: &Value| v["sensitive"].clone();

    let (status, body) = action(
        app,
        &moderator,
        target,
        json!({ "type": "sensitive", "policy_clause": "code-of-conduct@1#3.1", "text": "cw" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, s) = get(app, &format!("/api/v1/statuses/{sid}"), &moderator).await;
    assert_eq!(sensitive(&s), json!(true), "{s}");
    let (_, tl) = get(app, "/api/v1/timelines/public", &moderator).await;
    let in_tl = tl
        .as_array()
        .expect("timeline")
        .iter()
        .find(|s| s["id"] == json!(sid))
        .cloned()
        .expect("in the timeline");
    assert_eq!(sensitive(&in_tl), json!(true));
    // A new post of the author is sensitive too.
    let (_, fresh) = post(app, "/api/v1/statuses", &tok, json!({ "status": "more" })).await;
    assert_eq!(sensitive(&fresh), json!(true), "{fresh}");

    for reversal in ["unsensitive", "enable"] {
        let before = written(app).await;
        let (status, res) = post(
            app,
            &format!("/api/v1/admin/accounts/{target}/{reversal}"),
            &moderator,
            json!({ "text": "no citation" }),
        )
        .await;
        assert_eq!(status, 422, "{reversal}: {res}");
        assert!(err(&res).contains("policy_clause is required"), "{res}");
        assert_eq!(written(app).await, before);
    }
    let (_, s) = get(app, &format!("/api/v1/statuses/{sid}"), &moderator).await;
    assert_eq!(
        sensitive(&s),
        json!(true),
        "a refused unsensitive changed nothing"
    );

    let (status, res) = post(
        app,
        &format!("/api/v1/admin/accounts/{target}/unsensitive"),
        &moderator,
        json!({ "policy_clause": "code-of-conduct@1#3.1" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["sensitized"], json!(false), "{res}");
    let (_, s) = get(app, &format!("/api/v1/statuses/{sid}"), &moderator).await;
    assert_eq!(sensitive(&s), json!(false), "{s}");

    // Disable: the token is turned away with Mastodon's message.
    let (status, body) = action(
        app,
        &moderator,
        target,
        json!({ "type": "disable", "policy_clause": "code-of-conduct@1#6.1", "text": "x" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(app, "/api/v1/accounts/verify_credentials", &tok).await;
    assert_eq!((status, err(&body)), (403, DISABLED), "{body}");
    let (status, res) = post(
        app,
        &format!("/api/v1/admin/accounts/{target}/enable"),
        &moderator,
        json!({}),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    let (status, body) = get(app, "/api/v1/accounts/verify_credentials", &tok).await;
    assert_eq!(status, 403, "a refused enable changed nothing: {body}");
    let (status, res) = post(
        app,
        &format!("/api/v1/admin/accounts/{target}/enable"),
        &moderator,
        json!({ "policy_clause": "code-of-conduct@1#6.1", "text": "sorted out" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["disabled"], json!(false), "{res}");
    let (status, body) = get(app, "/api/v1/accounts/verify_credentials", &tok).await;
    assert_eq!(status, 200, "{body}");

    let (_, log) = get(app, "/api/v1/coop/moderation/log", &moderator).await;
    let actions: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["enable", "disable", "unsensitive", "sensitive"],
        "{log}"
    );
}
on_both_backends!(
    sensitive_and_disable,
    sensitive_and_disable_take_effect_and_are_reversed
);
