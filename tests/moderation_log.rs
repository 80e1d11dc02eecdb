//! Who reads the moderation log is the moderation policy's `log_visibility` (front matter):
//! `members` by default (anonymous callers 401, non-members 403), `public` once the members
//! adopt a version that says so (anyone, signed in or not).

mod common;

use std::time::Duration;

use serde_json::{json, Value};

const PW: &str = "correct horse battery";
const SCOPES: &str = "read write follow admin:read admin:write";

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

async fn log(app: &common::TestApp, token: Option<&str>) -> (u16, Value) {
    app.get_json("/api/v1/coop/moderation/log", token).await
}

fn moderation_policy(visibility: &str) -> String {
    include_str!("../bylaws/moderation-policy.md")
        .replacen("version: 1", "version: 2", 1)
        .replacen(
            "appeal_window_days: 20\n",
            &format!("appeal_window_days: 20\nlog_visibility: {visibility}\n"),
            1,
        )
}

async fn visibility_follows_the_policy(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (_, member) = user(app, "member", None, true).await;
    let (_, outsider) = user(app, "outsider", None, false).await;
    let (target, _) = user(app, "target", None, false).await;
    let (status, res) = app
        .post_json(
            &format!("/api/v1/admin/accounts/{target}/action"),
            &moderator,
            json!({ "type": "warn", "policy_clause": "code-of-conduct@1#4.1", "text": "Spam" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");

    // The founding policy names no visibility: members only.
    let (status, body) = log(app, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("members only"),
        "{body}"
    );
    let (status, _) = log(app, Some(&outsider)).await;
    assert_eq!(status, 403);
    let (status, entries) = log(app, Some(&member)).await;
    assert_eq!(status, 200, "{entries}");
    assert_eq!(entries[0]["citation"], json!("code-of-conduct@1#4.1"));

    // A version with a visibility that is not one is refused when proposed.
    let (status, res) = app
        .post_json(
            "/api/v1/coop/proposals",
            &member,
            json!({ "kind": "policy_amendment", "title": "Open the log", "body": "",
                    "payload": { "policy": "moderation-policy", "text": moderation_policy("everyone") } }),
        )
        .await;
    assert_eq!(status, 422, "{res}");
    assert!(
        res["error"]
            .as_str()
            .unwrap_or("")
            .contains("log_visibility"),
        "{res}"
    );

    // The members make the log public.
    let (status, p) = app
        .post_json(
            "/api/v1/coop/proposals",
            &member,
            json!({ "kind": "policy_amendment", "title": "Open the log", "body": "Transparency.",
                    "payload": { "policy": "moderation-policy", "text": moderation_policy("public") } }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let pid = p["id"].as_str().expect("id");
    for t in [&moderator, &member] {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                t,
                json!({ "choice": "agree" }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, _) = log(app, None).await;
    assert_eq!(status, 401, "members only until the amendment is enacted");
    app.state.clock.advance(Duration::from_secs(7 * 86_400));
    app.run_jobs().await;
    let (_, policy) = app
        .get_json("/api/v1/coop/policies/moderation-policy", None)
        .await;
    assert_eq!(policy["version"], json!(2), "{policy}");

    let (status, anonymous) = log(app, None).await;
    assert_eq!(status, 200, "{anonymous}");
    assert_eq!(anonymous[0]["action"], json!("warn"), "{anonymous}");
    assert_eq!(anonymous[0]["citation"], json!("code-of-conduct@1#4.1"));
    let (status, seen) = log(app, Some(&outsider)).await;
    assert_eq!(status, 200);
    assert_eq!(seen, anonymous);
    // A bad token is still refused.
    let (status, _) = log(app, Some("not-a-token")).await;
    assert_eq!(status, 401);
}
on_both_backends!(log_visibility, visibility_follows_the_policy);
