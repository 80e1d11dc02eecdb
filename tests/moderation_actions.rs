//! Moderation actions beyond suspension, over HTTP: a disabled login still reaches its strikes
//! and appeals them; sign-ups approved and rejected under a cited clause; the effects of
//! `sensitive` and `disable` and their reversals; the gate's refusals on status deletion and
//! domain blocks/allows (nothing written); the appeal window; the moderation log's view of an
//! obfuscated domain block.

mod common;

use common::moderation::{action, err, get, post, send, user, PW};
use serde_json::{json, Value};

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
    let app_token = app.app_token("read write").await;
    let (status, v) = app
        .post_json(
            "/api/v1/accounts",
            &app_token,
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

/// Members adopt a new version of `slug` (its text given) by a `policy_amendment` proposal
/// everyone in `voters` agrees to; the clock moves past the vote.
async fn amend(app: &common::TestApp, voters: &[String], texts: &[(&str, String)]) {
    let mut ids = Vec::new();
    for (slug, text) in texts {
        let (status, p) = post(
            app,
            "/api/v1/coop/proposals",
            &voters[0],
            json!({ "kind": "policy_amendment", "title": format!("{slug} v2"),
                    "body": "Amend.", "payload": { "policy": slug, "text": text } }),
        )
        .await;
        assert_eq!(status, 200, "{p}");
        ids.push(p["id"].as_str().expect("id").to_string());
    }
    for pid in &ids {
        for t in voters {
            let (status, v) = post(
                app,
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                t,
                json!({ "choice": "agree" }),
            )
            .await;
            assert_eq!(status, 200, "{v}");
        }
    }
    app.state
        .clock
        .advance(std::time::Duration::from_secs(7 * 86_400));
    herd::services::proposals::close_due(&app.state)
        .await
        .expect("close");
    for (slug, _) in texts {
        let (_, p) = get(app, &format!("/api/v1/coop/policies/{slug}"), &voters[0]).await;
        assert_eq!(p["version"], json!(2), "{slug}: {p}");
    }
}

const COC_3_1_V1: &str = "Put a content warning on graphic violence";
const COC_3_1_V2: &str = "Put a content warning on anything your readers may not want to see";

/// An action taken under v1 keeps citing v1 (with v1's words) after v2 is adopted, and is still
/// appealed and reversed; after the amendment every gated write refuses a v1 citation, a
/// non-moderator, and a missing citation, writing nothing; a block's severity changes by PUT;
/// a moderator cannot decide their own appeal; an obfuscated block is obfuscated in the log.
async fn citations_across_an_amendment(app: &common::TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (mod2_id, mod2) = user(app, "mod2", Some("moderator"), true).await;
    let (target, target_tok) = user(app, "target", None, true).await;
    let (_, member) = user(app, "member", None, true).await;
    let mut voters = vec![mod1.clone(), mod2.clone(), member.clone()];
    for i in 0..3 {
        voters.push(user(app, &format!("m{i}"), None, true).await.1);
    }
    let pending_tok = sign_up(app, "pat").await;
    let pat = account_id(app, &mod1, "pat").await;
    let (status, posted) = post(
        app,
        "/api/v1/statuses",
        &target_tok,
        json!({ "status": "x" }),
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let sid = posted["id"].as_str().expect("id").to_string();

    // Under v1: a silence, a domain block (obfuscated) and an allow.
    let (status, body) = action(
        app,
        &mod1,
        target,
        json!({ "type": "silence", "policy_clause": "code-of-conduct@1#3.1", "text": "no CWs" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, block) = post(
        app,
        "/api/v1/admin/domain_blocks",
        &mod1,
        json!({ "domain": "hate.example", "severity": "suspend", "obfuscate": true,
                "policy_clause": "federation-policy@1#2.1" }),
    )
    .await;
    assert_eq!(status, 200, "{block}");
    let block_id = block["id"].as_str().expect("id").to_string();
    let (status, allow) = post(
        app,
        "/api/v1/admin/domain_allows",
        &mod1,
        json!({ "domain": "friends.example", "policy_clause": "federation-policy@1#1.1" }),
    )
    .await;
    assert_eq!(status, 200, "{allow}");
    let allow_id = allow["id"].as_str().expect("id").to_string();

    // The log never shows an obfuscated block's domain in the clear.
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &member).await;
    let text = log.to_string();
    assert!(!text.contains("hate.example"), "{log}");
    assert_eq!(log[1]["action"], "domain_block", "{log}");
    assert_eq!(log[1]["target"]["domain"], "h*t*.*x*m*l*", "{log}");
    let (_, public) = app.get_json("/api/v1/instance/domain_blocks", None).await;
    assert_eq!(public[0]["domain"], log[1]["target"]["domain"], "{public}");

    // Members adopt v2 of the three policies; the code of conduct rewords 3.1.
    // v2 rewords 3.1, drops 5.2 and lets 6.2 no longer suspend (a change of sanctions only).
    let coc_v1 = include_str!("../bylaws/code-of-conduct.md");
    let coc = coc_v1
        .replacen("version: 1", "version: 2", 1)
        .replacen(COC_3_1_V1, COC_3_1_V2, 1)
        .replacen("  \"5.2\": [delete_status, suspend]\n", "", 1)
        .replacen("\"6.2\": [warn, silence, suspend]", "\"6.2\": [warn, silence]", 1)
        .replacen(
            "### 5.2 Images of people\n\nDo not post intimate images of anyone without their consent, or images that expose someone to harm.\n\n",
            "",
            1,
        );
    assert!(
        !coc.contains("5.2") && coc.contains("[warn, silence]\n---"),
        "{coc}"
    );
    let fed =
        include_str!("../bylaws/federation-policy.md").replacen("version: 1", "version: 2", 1);
    let modp =
        include_str!("../bylaws/moderation-policy.md").replacen("version: 1", "version: 2", 1);
    amend(
        app,
        &voters,
        &[
            ("code-of-conduct", coc),
            ("federation-policy", fed),
            ("moderation-policy", modp),
        ],
    )
    .await;

    // The diff names each kind of change; v2 took effect when the proposal was enacted.
    let (status, diff) = get(app, "/api/v1/coop/policies/code-of-conduct/diff", &member).await;
    assert_eq!(status, 200, "{diff}");
    let ids = |k: &str| -> Vec<String> {
        diff["clauses"][k]
            .as_array()
            .expect("clauses")
            .iter()
            .map(|c| c["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(ids("added"), Vec::<String>::new(), "{diff}");
    assert_eq!(ids("removed"), ["5.2"], "{diff}");
    assert_eq!(ids("changed"), ["3.1", "6.2"], "{diff}");
    let sanctions_only = &diff["clauses"]["changed"][1];
    assert_eq!(sanctions_only["old"]["text"], sanctions_only["new"]["text"]);
    assert_eq!(
        sanctions_only["old"]["sanctions"],
        json!(["warn", "silence", "suspend"])
    );
    assert_eq!(
        sanctions_only["new"]["sanctions"],
        json!(["warn", "silence"])
    );
    let (_, v1) = get(
        app,
        "/api/v1/coop/policies/code-of-conduct/versions/1",
        &member,
    )
    .await;
    let (_, v2) = get(app, "/api/v1/coop/policies/code-of-conduct", &member).await;
    assert_eq!(v1["in_force"], json!(false), "{v1}");
    assert_eq!(
        (v2["version"].clone(), v2["in_force"].clone()),
        (json!(2), json!(true))
    );
    assert!(v2["adopted_by"].is_string(), "{v2}");
    let at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["effective_at"].as_str().expect("effective_at"))
            .expect("rfc3339")
    };
    assert!(
        at(&v2) - at(&v1) >= chrono::TimeDelta::days(7),
        "v2 is in force from its enactment, after the vote: {} → {}",
        v1["effective_at"],
        v2["effective_at"]
    );
    // A v2 citation of the clause v2 dropped is refused.
    let (status, res) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/statuses/{sid}"),
        &mod1,
        json!({ "policy_clause": "code-of-conduct@2#5.2" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("has no clause 5.2"), "{res}");

    // The strike and the log keep v1's citation and words.
    let (_, strikes) = get(app, "/api/v1/coop/moderation/strikes", &target_tok).await;
    let strike = strikes[0].clone();
    assert_eq!(strike["citation"], "code-of-conduct@1#3.1", "{strike}");
    assert_eq!(strike["clause"]["version"], json!(1));
    let words = strike["clause"]["text"].as_str().unwrap_or("");
    assert!(words.starts_with(COC_3_1_V1), "{strike}");
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &member).await;
    let silence = log
        .as_array()
        .expect("log")
        .iter()
        .find(|e| e["action"] == "silence")
        .cloned()
        .expect("silence logged");
    assert_eq!(silence["citation"], "code-of-conduct@1#3.1");

    // Every gated write, after the amendment: role, citation, version — nothing written.
    let block_path = format!("/api/v1/admin/domain_blocks/{block_id}");
    let allow_path = format!("/api/v1/admin/domain_allows/{allow_id}");
    let status_path = format!("/api/v1/admin/statuses/{sid}");
    let reject_path = format!("/api/v1/admin/accounts/{pat}/reject");
    let cases: Vec<(reqwest::Method, &str, Value, &str)> = vec![
        (
            reqwest::Method::DELETE,
            &status_path,
            json!({}),
            "code-of-conduct@1#2.1",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/domain_blocks",
            json!({ "domain": "spam.example", "severity": "silence" }),
            "federation-policy@1#3.2",
        ),
        (
            reqwest::Method::PUT,
            &block_path,
            json!({ "severity": "silence" }),
            "federation-policy@1#3.1",
        ),
        (
            reqwest::Method::DELETE,
            &block_path,
            json!({}),
            "federation-policy@1#4.3",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/admin/domain_allows",
            json!({ "domain": "pals.example" }),
            "federation-policy@1#1.1",
        ),
        (
            reqwest::Method::DELETE,
            &allow_path,
            json!({}),
            "federation-policy@1#1.1",
        ),
        (
            reqwest::Method::POST,
            &reject_path,
            json!({ "text": "spam" }),
            "moderation-policy@1#7.2",
        ),
    ];
    for (method, path, body, v1_clause) in &cases {
        let superseded = {
            let mut b = body.clone();
            b["policy_clause"] = json!(v1_clause);
            b
        };
        let current = {
            let mut b = body.clone();
            b["policy_clause"] = json!(v1_clause.replacen("@1#", "@2#", 1));
            b
        };
        for (who, tok, body, code, needle) in [
            ("member", &member, current.clone(), 403, "moderator role"),
            (
                "moderator",
                &mod1,
                body.clone(),
                422,
                "policy_clause is required",
            ),
            ("moderator", &mod1, superseded, 422, "is superseded"),
        ] {
            let before = written(app).await;
            let (status, res) = send(app, method.clone(), path, tok, body.clone()).await;
            assert_eq!(status, code, "{who} {method} {path} {body} → {res}");
            assert!(
                err(&res).contains(needle),
                "{who} {method} {path} {body} → {res}"
            );
            assert_eq!(written(app).await, before, "{method} {path} {body}");
        }
    }
    let (_, b) = get(app, &block_path, &mod1).await;
    assert_eq!(b["severity"], "suspend", "refusals changed nothing: {b}");
    let (status, me) = get(app, "/api/v1/accounts/verify_credentials", &pending_tok).await;
    assert_eq!(status, 403, "still pending: {me}");

    // The block's severity changes under a v2 clause: suspend → silence, logged.
    let (status, b) = send(
        app,
        reqwest::Method::PUT,
        &block_path,
        &mod1,
        json!({ "severity": "silence", "obfuscate": true,
                "policy_clause": "federation-policy@2#3.1" }),
    )
    .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["severity"], "silence");
    assert_eq!(b["policy_clause"], "federation-policy@2#3.1");
    let (_, b) = get(app, &block_path, &mod1).await;
    assert_eq!(b["severity"], "silence", "{b}");
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &member).await;
    assert_eq!(log[0]["action"], "domain_block_update", "{log}");
    assert_eq!(log[0]["citation"], "federation-policy@2#3.1");
    assert_eq!(log[0]["target"]["domain"], "h*t*.*x*m*l*");

    // A moderator with a strike cannot decide their own appeal.
    let (status, body) = action(
        app,
        &mod1,
        mod2_id,
        json!({ "type": "warn", "policy_clause": "code-of-conduct@2#4.1", "text": "tone" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let own_strike = body["strike_id"].as_str().expect("strike").to_string();
    let (status, own_appeal) = post(
        app,
        &format!("/api/v1/coop/moderation/strikes/{own_strike}/appeal"),
        &mod2,
        json!({ "text": "I was quoting someone" }),
    )
    .await;
    assert_eq!(status, 200, "{own_appeal}");
    let before = written(app).await;
    let (status, res) = post(
        app,
        &format!(
            "/api/v1/coop/moderation/appeals/{}/approve",
            own_appeal["id"].as_str().expect("id")
        ),
        &mod2,
        json!({}),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(err(&res), "You may not decide your own appeal", "{res}");
    assert_eq!(res["details"]["appeal"][0]["error"], "own_appeal");
    assert_eq!(written(app).await, before);

    // The v1 strike is still appealed and reversed by another moderator.
    let (status, appeal) = post(
        app,
        &format!(
            "/api/v1/coop/moderation/strikes/{}/appeal",
            strike["id"].as_str().expect("id")
        ),
        &target_tok,
        json!({ "text": "I add content warnings now" }),
    )
    .await;
    assert_eq!(status, 200, "{appeal}");
    let (status, decided) = post(
        app,
        &format!(
            "/api/v1/coop/moderation/appeals/{}/approve",
            appeal["id"].as_str().expect("id")
        ),
        &mod2,
        json!({ "reason": "fair" }),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["strike"]["citation"], "code-of-conduct@1#3.1");
    let (_, acct) = get(app, &format!("/api/v1/admin/accounts/{target}"), &mod1).await;
    assert_eq!(acct["silenced"], json!(false), "{acct}");
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &member).await;
    assert_eq!(log[0]["action"], "appeal_approved", "{log}");
    assert_eq!(log[0]["citation"], "code-of-conduct@1#3.1");
}
on_both_backends!(
    amendment,
    citations_across_an_amendment,
    |c: &mut herd::config::Config| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    }
);

/// `appealable_until` is the action's time plus the moderation policy's window; past it an
/// appeal is refused, naming the window, and nothing is written.
async fn appeal_window_closes(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (target, tok) = user(app, "target", None, true).await;
    let (status, body) = action(
        app,
        &moderator,
        target,
        json!({ "type": "warn", "policy_clause": "code-of-conduct@1#4.1", "text": "tone" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, strikes) = get(app, "/api/v1/coop/moderation/strikes", &tok).await;
    let strike = &strikes[0];
    // The founding moderation policy's window: 20 days from the action.
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(strike[k].as_str().expect("time")).expect("rfc3339")
    };
    assert_eq!(
        at("appealable_until") - at("created_at"),
        chrono::TimeDelta::days(20),
        "{strike}"
    );
    app.state
        .clock
        .advance(std::time::Duration::from_secs(20 * 86_400 + 60));
    let appeals = count(app, "appeals").await;
    let (status, res) = post(
        app,
        &format!(
            "/api/v1/coop/moderation/strikes/{}/appeal",
            strike["id"].as_str().expect("id")
        ),
        &tok,
        json!({ "text": "late" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("appeal window"), "{res}");
    assert_eq!(res["details"]["appeal"][0]["error"], "window_closed");
    assert_eq!(count(app, "appeals").await, appeals);
    let (_, strikes) = get(app, "/api/v1/coop/moderation/strikes", &tok).await;
    assert_eq!(strikes[0]["appeal"], Value::Null);
}
on_both_backends!(appeal_window, appeal_window_closes);

async fn found(app: &common::TestApp, token: &str, q: &str) -> Vec<String> {
    let (status, r) = get(app, &format!("/api/v2/search?q={q}&type=statuses"), token).await;
    assert_eq!(status, 200, "{r}");
    r["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .map(|s| s["account"]["username"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Status search hides what timelines hide: a suspended author from everyone, a silenced one
/// from those who do not follow it (its followers still find it).
async fn search_leaves_out_sanctioned_authors(app: &common::TestApp) {
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (loud, loud_tok) = user(app, "loud", None, true).await;
    let (gone, gone_tok) = user(app, "gone", None, true).await;
    let (_, fan) = user(app, "fan", None, true).await;
    let (_, stranger) = user(app, "stranger", None, true).await;
    for tok in [&loud_tok, &gone_tok] {
        let (status, v) = post(
            app,
            "/api/v1/statuses",
            tok,
            json!({ "status": "zebra crossing", "visibility": "public" }),
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, _) = post(
        app,
        &format!("/api/v1/accounts/{loud}/follow"),
        &fan,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let mut both = found(app, &stranger, "zebra").await;
    both.sort();
    assert_eq!(both, ["gone", "loud"]);

    for (target, kind, clause) in [
        (loud, "silence", "code-of-conduct@1#4.2"),
        (gone, "suspend", "code-of-conduct@1#4.1"),
    ] {
        let (status, body) = action(
            app,
            &moderator,
            target,
            json!({ "type": kind, "policy_clause": clause, "text": "spam" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(found(app, &stranger, "zebra").await, Vec::<String>::new());
    assert_eq!(found(app, &fan, "zebra").await, ["loud"]);
    assert_eq!(found(app, &loud_tok, "zebra").await, ["loud"]);
}
on_both_backends!(search_sanctions, search_leaves_out_sanctioned_authors);

/// An amendment committed while an action is between the gate's reads and its own transaction
/// is honoured: the action re-checks inside its transaction and refuses the now superseded
/// citation, writing nothing. SQLite only: there the amendment's open write transaction makes
/// the action wait at its BEGIN (PostgreSQL lets the action commit first, before the amendment,
/// which is as correct).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amendment_made_during_an_action_is_honoured() {
    let app = common::TestApp::spawn(common::Backend::Sqlite)
        .await
        .expect("sqlite app");
    let (_, moderator) = user(&app, "mod1", Some("moderator"), true).await;
    let (target, _) = user(&app, "target", None, true).await;
    let before = written(&app).await;

    // The amendment's transaction: v2 of the code of conduct, not committed yet.
    let now = app.state.clock.now_micros();
    let mut tx = app.state.db.begin_write().await.expect("begin");
    sqlx::query(
        "INSERT INTO policy_versions (id, slug, version, title, source, adopted_by_proposal_id, \
         effective_at, created_at) VALUES ($1, 'code-of-conduct', 2, 'Code of conduct', $2, NULL, $3, $3)",
    )
    .bind(herd::ids::next_id_at(now / 1000))
    .bind(include_str!("../bylaws/code-of-conduct.md").replacen("version: 1", "version: 2", 1))
    .bind(now)
    .execute(&mut **tx)
    .await
    .expect("insert v2");

    // The action reads v1 in force (the amendment is not committed) and waits for the lock.
    let (client, url) = (
        app.client.clone(),
        app.url(&format!("/api/v1/admin/accounts/{target}/action")),
    );
    let acting = tokio::spawn(async move {
        let res = client
            .post(url)
            .bearer_auth(&moderator)
            .json(
                &json!({ "type": "silence", "policy_clause": "code-of-conduct@1#3.1",
                           "text": "no CWs" }),
            )
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(
        !acting.is_finished(),
        "the action waits for the amendment's transaction"
    );
    tx.commit().await.expect("commit");

    let (status, res) = acting.await.expect("join");
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("is superseded"), "{res}");
    assert_eq!(
        res["details"]["policy_clause"][0]["error"],
        "superseded_version"
    );
    assert_eq!(written(&app).await, before);
    app.stop().await;
}
