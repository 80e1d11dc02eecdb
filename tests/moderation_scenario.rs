//! Issue 6's "done when", end to end over HTTP on two Herd instances in one process: the members
//! adopt code-of-conduct v2 by a `policy_amendment` proposal that the closing job enacts; a
//! moderator suspends an account under a v2 clause that permits it (citing v1, or a clause that
//! permits only a warning, is refused naming the check); the suspension takes effect here (out of
//! timelines and search, its token refused), federates to the other instance and is logged with
//! its citation; the account appeals and a second moderator approves, which lifts the suspension
//! here and there.

mod common;

use common::federation::settle;

use std::time::Duration;

use common::TestApp;
use serde_json::{json, Value};

const PW: &str = "correct horse battery";
const SCOPES: &str = "read write follow admin:read admin:write";

async fn user(app: &TestApp, name: &str, role: Option<&str>, member: bool) -> (i64, String) {
    let id = app.create_user_with(name, PW, role, member).await;
    let token = app.login(name, PW, SCOPES).await;
    (id, token)
}

fn err(v: &Value) -> &str {
    v["error"].as_str().unwrap_or("")
}

/// The check the gate names in a refusal's details.
fn check(v: &Value) -> &str {
    v["details"]["policy_clause"][0]["error"]
        .as_str()
        .unwrap_or("")
}

async fn contents(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v.as_array()
        .unwrap_or_else(|| panic!("{path}: {v}"))
        .iter()
        .map(|s| s["content"].as_str().unwrap_or("").to_string())
        .collect()
}

fn has(list: &[String], needle: &str) -> bool {
    list.iter().any(|c| c.contains(needle))
}

async fn found_accounts(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let mut names = Vec::new();
    for path in [
        format!("/api/v1/accounts/search?q={q}"),
        format!("/api/v2/search?q={q}&type=accounts"),
    ] {
        let (status, v) = app.get_json(&path, Some(token)).await;
        assert_eq!(status, 200, "{path}: {v}");
        let list = if v.is_array() { &v } else { &v["accounts"] };
        for a in list.as_array().unwrap_or(&Vec::new()) {
            names.push(a["username"].as_str().unwrap_or("").to_string());
        }
    }
    names
}

/// Code-of-conduct v2: the founding text, numbered 2, with a clause 7.1 that permits only a
/// warning.
fn code_of_conduct_v2() -> String {
    let v1 = include_str!("../bylaws/code-of-conduct.md");
    let v2 = v1
        .replacen("version: 1", "version: 2", 1)
        .replacen(
            "  \"6.2\": [warn, silence, suspend]\n",
            "  \"6.2\": [warn, silence, suspend]\n  \"7.1\": [warn]\n",
            1,
        )
        .replacen(
            "## How these rules change",
            "## 7. Keep it civil\n\nArgue with the point, not the person.\n\n### 7.1 Rudeness\n\n\
             Sneering, name-calling and needless rudeness are worth a word from a moderator, no more.\n\n\
             ## How these rules change",
            1,
        );
    assert!(v2.contains("\"7.1\": [warn]") && v2.contains("### 7.1 Rudeness"));
    v2
}

/// The second instance, on the same backend as the first.
async fn peer(a: &TestApp) -> TestApp {
    let backend = match a.state.db.backend() {
        herd::storage::Backend::Sqlite => common::Backend::Sqlite,
        herd::storage::Backend::Postgres => common::Backend::Postgres,
    };
    TestApp::spawn(backend).await.expect("second instance")
}

async fn scenario(a: &TestApp) {
    let b = peer(a).await;
    let da = a.state.config.domain.clone();
    let (mod1_id, mod1) = user(a, "mod1", Some("moderator"), true).await;
    let (_, mod2) = user(a, "mod2", Some("moderator"), true).await;
    let (troll_id, troll) = user(a, "troll", None, false).await;
    let (_, member) = user(a, "member", None, true).await;
    let (_, reader) = user(a, "reader", None, false).await;
    let (_, bob) = user(&b, "bob", None, false).await;

    // bob, on the other instance, follows troll; troll posts.
    let (status, troll_on_b) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=troll@{da}"),
            Some(&bob),
        )
        .await;
    assert_eq!(status, 200, "{troll_on_b}");
    let troll_on_b = troll_on_b["id"].as_str().expect("id").to_string();
    let (status, rel) = b
        .post_json(
            &format!("/api/v1/accounts/{troll_on_b}/follow"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    settle(a, &b).await;
    let (status, posted) = a
        .post_json(
            "/api/v1/statuses",
            &troll,
            json!({ "status": "you are all idiots" }),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    let sid = posted["id"].as_str().expect("id").to_string();
    settle(a, &b).await;
    assert!(has(
        &contents(a, "/api/v1/timelines/public", &reader).await,
        "you are all idiots"
    ));
    assert!(has(
        &contents(&b, "/api/v1/timelines/home", &bob).await,
        "you are all idiots"
    ));
    assert!(found_accounts(a, &reader, "troll")
        .await
        .contains(&"troll".to_string()));

    // 1. The members adopt code-of-conduct v2; the closing job enacts it.
    let (status, p) = a
        .post_json(
            "/api/v1/coop/proposals",
            &member,
            json!({ "kind": "policy_amendment", "title": "Code of conduct v2: civility",
                    "body": "Adds 7.1, for which a warning is enough.",
                    "payload": { "policy": "code-of-conduct", "text": code_of_conduct_v2() } }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let pid = p["id"].as_str().expect("id").to_string();
    for t in [&mod1, &mod2, &member] {
        let (status, v) = a
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                t,
                json!({ "choice": "agree" }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let (_, rules) = a.get_json("/api/v1/instance/rules", None).await;
    assert!(!rules.to_string().contains("Keep it civil"), "{rules}");
    // A week passes on both servers (their clocks must agree for signatures to verify).
    a.state.clock.advance(Duration::from_secs(7 * 86_400));
    b.state.clock.advance(Duration::from_secs(7 * 86_400));
    a.run_jobs().await;
    let (_, p) = a
        .get_json(&format!("/api/v1/coop/proposals/{pid}"), Some(&member))
        .await;
    assert_eq!(p["state"], json!("enacted"), "{p}");
    let (_, coc) = a
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    assert_eq!(coc["version"], json!(2), "{coc}");
    assert_eq!(coc["adopted_by"], json!(pid), "{coc}");
    let (_, rules) = a.get_json("/api/v1/instance/rules", None).await;
    assert!(rules.to_string().contains("Keep it civil"), "{rules}");

    // 2. Refusals, each naming the check, and nothing written.
    let action_path = format!("/api/v1/admin/accounts/{troll_id}/action");
    let (status, res) = a
        .post_json(
            &action_path,
            &mod1,
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#2.1", "text": "abuse" }),
        )
        .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("version 2 is in force"), "{res}");
    assert_eq!(check(&res), "superseded_version", "{res}");
    let (status, res) = a
        .post_json(
            &action_path,
            &mod1,
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@2#7.1", "text": "rude" }),
        )
        .await;
    assert_eq!(status, 422, "{res}");
    assert!(
        err(&res).contains("does not permit suspend (it permits: warn)"),
        "{res}"
    );
    assert_eq!(check(&res), "sanction_not_permitted", "{res}");
    let (_, log) = a
        .get_json("/api/v1/coop/moderation/log", Some(&member))
        .await;
    assert_eq!(log, json!([]), "refusals write nothing");
    let (status, _) = a
        .get_json("/api/v1/accounts/verify_credentials", Some(&troll))
        .await;
    assert_eq!(status, 200);

    // 3. A suspension under a v2 clause that permits it.
    let (status, res) = a
        .post_json(
            &action_path,
            &mod1,
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@2#2.1",
                    "text": "Repeated targeted abuse" }),
        )
        .await;
    assert_eq!(status, 200, "{res}");

    // It takes effect here: out of timelines, lookups and search; its token refused.
    assert!(!has(
        &contents(a, "/api/v1/timelines/public", &reader).await,
        "you are all idiots"
    ));
    let (status, _) = a
        .get_json(&format!("/api/v1/statuses/{sid}"), Some(&reader))
        .await;
    assert_eq!(status, 404);
    assert!(!found_accounts(a, &reader, "troll")
        .await
        .contains(&"troll".to_string()));
    for path in [
        "/api/v1/accounts/verify_credentials",
        "/api/v1/timelines/home",
    ] {
        let (status, res) = a.get_json(path, Some(&troll)).await;
        assert_eq!(status, 403, "{path}: {res}");
        assert_eq!(err(&res), "Your login is currently disabled");
    }

    // It federates: the other instance shows troll suspended and drops its post.
    settle(a, &b).await;
    let (_, acct) = b
        .get_json(&format!("/api/v1/accounts/{troll_on_b}"), Some(&bob))
        .await;
    assert_eq!(acct["suspended"], json!(true), "{acct}");
    assert!(!has(
        &contents(&b, "/api/v1/timelines/home", &bob).await,
        "you are all idiots"
    ));

    // It is in the log with its citation, for members.
    let (status, log) = a
        .get_json("/api/v1/coop/moderation/log", Some(&member))
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log[0]["action"], json!("suspend"), "{log}");
    assert_eq!(log[0]["citation"], json!("code-of-conduct@2#2.1"));
    assert_eq!(log[0]["reason"], json!("Repeated targeted abuse"));
    assert_eq!(log[0]["moderator"]["id"], json!(mod1_id.to_string()));
    assert_eq!(
        log[0]["target"]["account"]["id"],
        json!(troll_id.to_string())
    );

    // 4. The account sees its strike (while suspended) and appeals.
    let (status, strikes) = a
        .get_json("/api/v1/coop/moderation/strikes", Some(&troll))
        .await;
    assert_eq!(status, 200, "{strikes}");
    assert_eq!(strikes[0]["citation"], json!("code-of-conduct@2#2.1"));
    assert_eq!(strikes[0]["clause"]["title"], json!("Targeted abuse"));
    let strike_id = strikes[0]["id"].as_str().expect("id").to_string();
    let (status, appeal) = a
        .post_json(
            &format!("/api/v1/coop/moderation/strikes/{strike_id}/appeal"),
            &troll,
            json!({ "text": "I was quoting someone, and said so." }),
        )
        .await;
    assert_eq!(status, 200, "{appeal}");
    let appeal_id = appeal["id"].as_str().expect("id").to_string();

    // The moderator who acted may not decide it; a second one approves.
    let approve = format!("/api/v1/coop/moderation/appeals/{appeal_id}/approve");
    let (status, res) = a
        .post_json(&approve, &mod1, json!({ "reason": "fine by me" }))
        .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("another moderator"), "{res}");
    let (status, decided) = a
        .post_json(
            &approve,
            &mod2,
            json!({ "reason": "A quotation, in context." }),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["state"], json!("approved"));

    // The suspension is reversed here…
    let (status, me) = a
        .get_json("/api/v1/accounts/verify_credentials", Some(&troll))
        .await;
    assert_eq!(status, 200, "{me}");
    assert!(has(
        &contents(a, "/api/v1/timelines/public", &reader).await,
        "you are all idiots"
    ));
    assert!(found_accounts(a, &reader, "troll")
        .await
        .contains(&"troll".to_string()));
    let (_, strikes) = a
        .get_json("/api/v1/coop/moderation/strikes", Some(&troll))
        .await;
    assert!(strikes[0]["overruled_at"].is_string(), "{strikes}");
    assert_eq!(strikes[0]["appeal"]["state"], json!("approved"));

    // …and there: the unsuspension federates.
    settle(a, &b).await;
    let (_, acct) = b
        .get_json(&format!("/api/v1/accounts/{troll_on_b}"), Some(&bob))
        .await;
    assert_eq!(acct["suspended"], Value::Null, "{acct}");
    assert!(has(
        &contents(&b, &format!("/api/v1/accounts/{troll_on_b}/statuses"), &bob).await,
        "you are all idiots"
    ));

    // The log keeps both, each with the citation as made.
    let (_, log) = a
        .get_json("/api/v1/coop/moderation/log", Some(&member))
        .await;
    let entries: Vec<(&str, &str)> = log
        .as_array()
        .expect("log")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["citation"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        entries,
        vec![
            ("appeal_approved", "code-of-conduct@2#2.1"),
            ("suspend", "code-of-conduct@2#2.1"),
        ]
    );
    b.stop().await;
}
on_both_backends!(policy_gated_suspension_and_appeal, scenario);
