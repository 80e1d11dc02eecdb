//! Policy-gated moderation over HTTP: the gate's refusals (nothing written), a suspension under
//! a clause of the code of conduct the members adopted, its effects, the strike the suspended
//! account still sees, an appeal decided by another moderator, reports citing rules, domain
//! blocks with citations, and the moderation log.

mod common;

use std::time::Duration;

use common::moderation::{action, err, get, post, send, user, PW};
use herd::services::proposals::close_due;
use serde_json::{json, Value};

async fn status_ids(app: &common::TestApp, path: &str, token: &str) -> Vec<String> {
    let (status, list) = get(app, path, token).await;
    assert_eq!(status, 200, "{path}: {list}");
    list.as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

/// Every refusal of the gate: a clear 4xx naming the failed check, and nothing written.
async fn gate_refusals_write_nothing(app: &common::TestApp) {
    let (m1, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (target, target_tok) = user(app, "target", None, true).await;
    let (_, member) = user(app, "member", None, true).await;

    // A caller without the moderator role: 403.
    let (status, body) = action(
        app,
        &member,
        target,
        json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#2.1", "text": "x" }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(err(&body).contains("moderator role"), "{body}");
    // Nor may they read the queue.
    let (status, _) = get(app, "/api/v1/admin/reports", &member).await;
    assert_eq!(status, 403);

    for (body, needle) in [
        (
            json!({ "type": "suspend", "text": "no citation" }),
            "policy_clause is required",
        ),
        (
            json!({ "type": "suspend", "policy_clause": "" }),
            "policy_clause is required",
        ),
        (
            json!({ "type": "suspend", "policy_clause": "conduct 2.1" }),
            "is not a citation",
        ),
        (
            json!({ "type": "suspend", "policy_clause": "house-rules@1#2.1" }),
            "not a policy",
        ),
        (
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#9.9" }),
            "has no clause 9.9",
        ),
        (
            // 2.3 (doxxing) permits delete_status and suspend only.
            json!({ "type": "silence", "policy_clause": "code-of-conduct@1#2.3" }),
            "does not permit silence (it permits: delete_status, suspend)",
        ),
        (
            json!({ "type": "suspend", "policy_clause": "code-of-conduct@2#2.1" }),
            "never adopted",
        ),
        (
            json!({ "type": "banish", "policy_clause": "code-of-conduct@1#2.1" }),
            "must be one of",
        ),
    ] {
        let (status, res) = action(app, &mod1, target, body.clone()).await;
        assert_eq!(status, 422, "{body} → {res}");
        assert!(err(&res).contains(needle), "{body} → {res}");
    }
    // Acting on one's own account.
    let (status, res) = action(
        app,
        &mod1,
        m1,
        json!({ "type": "warn", "policy_clause": "code-of-conduct@1#2.1" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("own account"), "{res}");
    // Domain blocks and status deletions are gated alike.
    let (status, res) = post(
        app,
        "/api/v1/admin/domain_blocks",
        &mod1,
        json!({ "domain": "bad.example", "severity": "suspend", "policy_clause": "code-of-conduct@1#2.1" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("does not permit domain_block"), "{res}");
    let (status, posted) = post(
        app,
        "/api/v1/statuses",
        &target_tok,
        json!({ "status": "hello" }),
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let sid = posted["id"].as_str().unwrap();
    let (status, res) = post(
        app,
        &format!("/api/v1/admin/statuses/{sid}/delete"),
        &mod1,
        json!({ "policy_clause": "code-of-conduct@1#6.2" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("does not permit delete_status"), "{res}");

    // Nothing was written: no log entry, no strike, no sanction, no block, the post is there.
    let (status, log) = get(app, "/api/v1/coop/moderation/log", &member).await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log, json!([]));
    let (_, strikes) = get(app, "/api/v1/coop/moderation/strikes", &target_tok).await;
    assert_eq!(strikes, json!([]));
    let (_, acct) = get(app, &format!("/api/v1/admin/accounts/{target}"), &mod1).await;
    assert_eq!(acct["suspended"], json!(false), "{acct}");
    assert_eq!(acct["silenced"], json!(false), "{acct}");
    let (_, blocks) = get(app, "/api/v1/admin/domain_blocks", &mod1).await;
    assert_eq!(blocks, json!([]));
    let (status, _) = get(app, &format!("/api/v1/statuses/{sid}"), &member).await;
    assert_eq!(status, 200);
}
on_both_backends!(gate_refusals, gate_refusals_write_nothing);

/// Members adopt code-of-conduct v2; a moderator suspends under v2 (v1 refused, a clause that
/// does not permit suspension refused); the suspension takes effect; the account sees its strike
/// with its citation and appeals; the acting moderator may not decide; another one approves and
/// the suspension is reversed; the log shows it all with citations.
async fn suspension_appeal_and_log(app: &common::TestApp) {
    let (m1, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (_, mod2) = user(app, "mod2", Some("moderator"), true).await;
    let (target, target_tok) = user(app, "troll", None, false).await;
    let (_, follower) = user(app, "fan", None, true).await;
    let (_, outsider) = user(app, "outsider", None, false).await;
    let mut voters = vec![mod1.clone(), mod2.clone(), follower.clone()];
    for i in 0..3 {
        voters.push(user(app, &format!("m{i}"), None, true).await.1);
    }

    // Members adopt version 2 of the code of conduct.
    let v1 = include_str!("../bylaws/code-of-conduct.md");
    let v2 = v1.replacen("version: 1", "version: 2", 1);
    let (status, p) = post(
        app,
        "/api/v1/coop/proposals",
        &voters[0],
        json!({ "kind": "policy_amendment", "title": "CoC v2", "body": "Re-adopt.",
                "payload": { "policy": "code-of-conduct", "text": v2 } }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let pid = p["id"].as_str().unwrap();
    for t in &voters {
        let (status, v) = post(
            app,
            &format!("/api/v1/coop/proposals/{pid}/votes"),
            t,
            json!({ "choice": "agree" }),
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    app.state.clock.advance(Duration::from_secs(7 * 86_400));
    close_due(&app.state).await.expect("close");
    let (_, coc) = get(app, "/api/v1/coop/policies/code-of-conduct", &outsider).await;
    assert_eq!(coc["version"], json!(2), "{coc}");

    // The troll posts; a follower and everyone else see it.
    let (status, _) = post(
        app,
        &format!("/api/v1/accounts/{target}/follow"),
        &follower,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, posted) = post(
        app,
        "/api/v1/statuses",
        &target_tok,
        json!({ "status": "something nasty" }),
    )
    .await;
    assert_eq!(status, 200, "{posted}");
    let sid = posted["id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    assert!(status_ids(app, "/api/v1/timelines/home", &follower)
        .await
        .contains(&sid));
    assert!(status_ids(app, "/api/v1/timelines/public", &outsider)
        .await
        .contains(&sid));

    // v1 is superseded; 4.2 (disinformation) does not permit suspension.
    let (status, res) = action(
        app,
        &mod1,
        target,
        json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#2.1", "text": "abuse" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("version 2 is in force"), "{res}");
    let (status, res) = action(
        app,
        &mod1,
        target,
        json!({ "type": "suspend", "policy_clause": "code-of-conduct@2#4.2", "text": "abuse" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("does not permit suspend"), "{res}");
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &follower).await;
    assert_eq!(log, json!([]), "refusals write nothing");

    // A valid suspension.
    let (status, res) = action(
        app,
        &mod1,
        target,
        json!({ "type": "suspend", "policy_clause": "code-of-conduct@2#2.1", "text": "Repeated targeted abuse" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["policy_clause"], json!("code-of-conduct@2#2.1"));

    // Its posts leave others' timelines; its token stops working.
    assert!(!status_ids(app, "/api/v1/timelines/home", &follower)
        .await
        .contains(&sid));
    assert!(!status_ids(app, "/api/v1/timelines/public", &outsider)
        .await
        .contains(&sid));
    let (status, _) = get(app, &format!("/api/v1/statuses/{sid}"), &follower).await;
    assert_eq!(status, 404);
    let (status, res) = get(app, "/api/v1/accounts/verify_credentials", &target_tok).await;
    assert_eq!(status, 403, "{res}");
    assert_eq!(err(&res), "Your login is currently disabled");
    let (status, _) = post(
        app,
        "/api/v1/statuses",
        &target_tok,
        json!({ "status": "again" }),
    )
    .await;
    assert_eq!(status, 403);

    // The suspended account still sees its strike, with the citation and the clause's words.
    let (status, strikes) = get(app, "/api/v1/coop/moderation/strikes", &target_tok).await;
    assert_eq!(status, 200, "{strikes}");
    let strike = &strikes[0];
    assert_eq!(strike["action"], json!("suspend"));
    assert_eq!(strike["citation"], json!("code-of-conduct@2#2.1"));
    assert_eq!(strike["clause"]["title"], json!("Targeted abuse"));
    assert_eq!(strike["text"], json!("Repeated targeted abuse"));
    assert!(strike["appealable_until"].is_string(), "{strike}");
    let strike_id = strike["id"].as_str().unwrap();

    // It appeals (once, with a text).
    let appeal_path = format!("/api/v1/coop/moderation/strikes/{strike_id}/appeal");
    let (status, res) = post(app, &appeal_path, &target_tok, json!({ "text": "" })).await;
    assert_eq!(status, 422, "{res}");
    let (status, appeal) = post(
        app,
        &appeal_path,
        &target_tok,
        json!({ "text": "I was quoting them, not attacking them." }),
    )
    .await;
    assert_eq!(status, 200, "{appeal}");
    assert_eq!(appeal["state"], json!("pending"));
    let (status, _) = post(app, &appeal_path, &target_tok, json!({ "text": "again" })).await;
    assert_eq!(status, 422);
    // Someone else may not appeal it.
    let (status, _) = post(app, &appeal_path, &follower, json!({ "text": "me too" })).await;
    assert_eq!(status, 404);
    let appeal_id = appeal["id"].as_str().unwrap();

    // The queue is for moderators; the one who acted may not decide.
    let (status, _) = get(app, "/api/v1/coop/moderation/appeals", &follower).await;
    assert_eq!(status, 403);
    let (status, queue) = get(app, "/api/v1/coop/moderation/appeals?state=pending", &mod2).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue[0]["id"], json!(appeal_id));
    assert_eq!(queue[0]["strike"]["moderator"]["id"], json!(m1.to_string()));
    let (status, res) = post(
        app,
        &format!("/api/v1/coop/moderation/appeals/{appeal_id}/approve"),
        &mod1,
        json!({ "reason": "fine" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("another moderator"), "{res}");
    let (_, still) = get(app, "/api/v1/coop/moderation/strikes", &target_tok).await;
    assert_eq!(
        still[0]["appeal"]["state"],
        json!("pending"),
        "nothing written"
    );

    // Another moderator approves: the suspension is reversed.
    let (status, decided) = post(
        app,
        &format!("/api/v1/coop/moderation/appeals/{appeal_id}/approve"),
        &mod2,
        json!({ "reason": "Context shows a quotation." }),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["state"], json!("approved"));
    let (status, _) = get(app, "/api/v1/accounts/verify_credentials", &target_tok).await;
    assert_eq!(status, 200);
    assert!(status_ids(app, "/api/v1/timelines/public", &outsider)
        .await
        .contains(&sid));
    let (_, strikes) = get(app, "/api/v1/coop/moderation/strikes", &target_tok).await;
    assert!(strikes[0]["overruled_at"].is_string(), "{strikes}");
    let (status, _) = post(
        app,
        &format!("/api/v1/coop/moderation/appeals/{appeal_id}/reject"),
        &mod2,
        json!({}),
    )
    .await;
    assert_eq!(status, 422, "decided once");

    // The log: members read it; each entry keeps its citation.
    let (status, _) = get(app, "/api/v1/coop/moderation/log", &outsider).await;
    assert_eq!(status, 403);
    let (status, log) = get(app, "/api/v1/coop/moderation/log", &follower).await;
    assert_eq!(status, 200, "{log}");
    let entries: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
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
    assert_eq!(log[1]["reason"], json!("Repeated targeted abuse"));
    assert_eq!(log[1]["moderator"]["username"], json!("mod1"));
    assert_eq!(log[1]["target"]["account"]["id"], json!(target.to_string()));
}
on_both_backends!(suspension_and_appeal, suspension_appeal_and_log);

/// Reports cite rules (top-level clauses of the code of conduct in force); the queue through
/// Mastodon's admin API; an action on a report resolves it.
async fn reports_and_queue(app: &common::TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (target, target_tok) = user(app, "spammer", None, false).await;
    let (reporter_id, reporter) = user(app, "reporter", None, true).await;
    let (_, posted) = post(
        app,
        "/api/v1/statuses",
        &target_tok,
        json!({ "status": "buy now" }),
    )
    .await;
    let sid = posted["id"].as_str().unwrap();

    for (body, needle) in [
        (
            json!({ "account_id": target.to_string(), "rule_ids": ["4.1"] }),
            "must be rules of code-of-conduct@1",
        ),
        (
            json!({ "account_id": target.to_string(), "rule_ids": ["9"] }),
            "\"9\" is not",
        ),
        (
            json!({ "account_id": target.to_string(), "category": "rude" }),
            "must be one of",
        ),
        (
            json!({ "account_id": reporter_id.to_string() }),
            "your own account",
        ),
        (json!({}), "Account id can't be blank"),
    ] {
        let (status, res) = post(app, "/api/v1/reports", &reporter, body.clone()).await;
        assert_eq!(status, 422, "{body} → {res}");
        assert!(err(&res).contains(needle), "{body} → {res}");
    }
    let (status, report) = post(
        app,
        "/api/v1/reports",
        &reporter,
        json!({ "account_id": target.to_string(), "status_ids": [sid], "comment": "spam",
                "rule_ids": ["4"], "forward": true }),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["category"], json!("violation"));
    assert_eq!(report["rule_ids"], json!(["4"]));
    assert_eq!(report["rule_citations"], json!(["code-of-conduct@1#4"]));
    assert_eq!(report["status_ids"], json!([sid]));
    assert_eq!(report["action_taken"], json!(false));
    let rid = report["id"].as_str().unwrap().to_string();

    let (status, _) = get(app, "/api/v1/admin/reports", &reporter).await;
    assert_eq!(status, 403);
    let (status, queue) = get(app, "/api/v1/admin/reports", &mod1).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(
        queue[0]["rules"][0]["text"],
        json!("No spam or misleading posts")
    );
    assert_eq!(queue[0]["statuses"][0]["id"], json!(sid));
    assert_eq!(queue[0]["target_account"]["username"], json!("spammer"));

    let (status, r) = post(
        app,
        &format!("/api/v1/admin/reports/{rid}/assign_to_self"),
        &mod1,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["assigned_account"]["username"], json!("mod1"));
    let (_, r) = post(
        app,
        &format!("/api/v1/admin/reports/{rid}/unassign"),
        &mod1,
        json!({}),
    )
    .await;
    assert_eq!(r["assigned_account"], Value::Null);
    let (_, r) = post(
        app,
        &format!("/api/v1/admin/reports/{rid}/resolve"),
        &mod1,
        json!({}),
    )
    .await;
    assert_eq!(r["action_taken"], json!(true));
    let (_, open) = get(app, "/api/v1/admin/reports", &mod1).await;
    assert_eq!(open, json!([]));
    let (_, r) = post(
        app,
        &format!("/api/v1/admin/reports/{rid}/reopen"),
        &mod1,
        json!({}),
    )
    .await;
    assert_eq!(r["action_taken"], json!(false));

    // Deleting the reported status under 4.1 (spam) resolves the report; the strike keeps a copy.
    let (status, res) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/statuses/{sid}"),
        &mod1,
        json!({ "policy_clause": "code-of-conduct@1#4.1", "text": "Advertising", "report_id": rid }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    let (status, _) = get(app, &format!("/api/v1/statuses/{sid}"), &reporter).await;
    assert_eq!(status, 404);
    let (_, r) = get(app, &format!("/api/v1/admin/reports/{rid}"), &mod1).await;
    assert_eq!(r["action_taken"], json!(true), "{r}");
    let (_, strikes) = get(app, "/api/v1/coop/moderation/strikes", &target_tok).await;
    assert_eq!(strikes[0]["action"], json!("delete_statuses"));
    assert_eq!(
        strikes[0]["statuses"][0]["content"],
        json!("<p>buy now</p>")
    );
    assert_eq!(strikes[0]["report_id"], json!(rid));
}
on_both_backends!(reports, reports_and_queue);

/// Silence hides an account from non-followers only; domain blocks carry their citation to the
/// public list.
async fn silence_and_domain_blocks(app: &common::TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (target, target_tok) = user(app, "loud", None, false).await;
    let (_, follower) = user(app, "fan", None, false).await;
    let (_, stranger) = user(app, "stranger", None, false).await;
    post(
        app,
        &format!("/api/v1/accounts/{target}/follow"),
        &follower,
        json!({}),
    )
    .await;
    let (_, posted) = post(
        app,
        "/api/v1/statuses",
        &target_tok,
        json!({ "status": "LOUD" }),
    )
    .await;
    let sid = posted["id"].as_str().unwrap().to_string();
    app.run_jobs().await;

    let (status, res) = action(
        app,
        &mod1,
        target,
        json!({ "type": "silence", "policy_clause": "code-of-conduct@1#4.2", "text": "Misleading" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert!(!status_ids(app, "/api/v1/timelines/public", &stranger)
        .await
        .contains(&sid));
    assert!(status_ids(app, "/api/v1/timelines/public", &follower)
        .await
        .contains(&sid));
    assert!(status_ids(app, "/api/v1/timelines/home", &follower)
        .await
        .contains(&sid));
    let (_, found) = get(app, "/api/v1/accounts/search?q=loud", &stranger).await;
    assert_eq!(found, json!([]));
    let (_, acct) = get(app, &format!("/api/v1/accounts/{target}"), &stranger).await;
    assert_eq!(acct["limited"], json!(true), "{acct}");
    // Silenced users keep their login.
    let (status, _) = get(app, "/api/v1/accounts/verify_credentials", &target_tok).await;
    assert_eq!(status, 200);
    // Unsilencing cites a clause in force too.
    let path = format!("/api/v1/admin/accounts/{target}/unsilence");
    let (status, _) = post(app, &path, &mod1, json!({})).await;
    assert_eq!(status, 422);
    let (status, res) = post(
        app,
        &path,
        &mod1,
        json!({ "policy_clause": "moderation-policy@1#2.2" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["silenced"], json!(false));
    assert!(status_ids(app, "/api/v1/timelines/public", &stranger)
        .await
        .contains(&sid));

    // Domain blocks.
    let (status, block) = post(
        app,
        "/api/v1/admin/domain_blocks",
        &mod1,
        json!({ "domain": "Hate.Example", "severity": "suspend", "public_comment": "Hate speech instance",
                "policy_clause": "federation-policy@1#2.1" }),
    )
    .await;
    assert_eq!(status, 200, "{block}");
    assert_eq!(block["domain"], json!("hate.example"));
    let (status, res) = post(
        app,
        "/api/v1/admin/domain_blocks",
        &mod1,
        json!({ "domain": "hate.example", "severity": "suspend", "policy_clause": "federation-policy@1#2.1" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    let (status, res) = post(
        app,
        "/api/v1/admin/domain_blocks",
        &mod1,
        json!({ "domain": "spam.example", "severity": "suspend", "policy_clause": "federation-policy@1#3.2" }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert!(err(&res).contains("it permits: domain_silence"), "{res}");
    let (status, allow) = post(
        app,
        "/api/v1/admin/domain_allows",
        &mod1,
        json!({ "domain": "friends.example", "policy_clause": "federation-policy@1#1.1" }),
    )
    .await;
    assert_eq!(status, 200, "{allow}");
    let public = app.get_json("/api/v1/instance/domain_blocks", None).await.1;
    assert_eq!(
        public,
        json!([{ "domain": "hate.example", "digest": public[0]["digest"], "severity": "suspend",
                 "comment": "Hate speech instance", "policy_clause": "federation-policy@1#2.1" }])
    );
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &mod1).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["domain_allow", "domain_block", "unsilence", "silence"]
    );
    assert_eq!(log[1]["target"]["domain"], json!("hate.example"));
}
on_both_backends!(silence_and_domains, silence_and_domain_blocks);

/// When the policy sends an appeal to the members (no other moderator), a `general` proposal
/// naming the appeal decides it; enacting it reverses the action.
async fn members_decide_an_appeal(app: &common::TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (target, target_tok) = user(app, "member9", None, true).await;
    let (_, m2) = user(app, "m2", None, true).await;
    let (status, res) = action(
        app,
        &mod1,
        target,
        json!({ "type": "silence", "policy_clause": "code-of-conduct@1#2.2", "text": "Pile-on" }),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    let strike = res["strike_id"].as_str().unwrap();
    let (status, appeal) = post(
        app,
        &format!("/api/v1/coop/moderation/strikes/{strike}/appeal"),
        &target_tok,
        json!({ "text": "I did not join in." }),
    )
    .await;
    assert_eq!(status, 200, "{appeal}");
    let appeal_id = appeal["id"].as_str().unwrap();
    // A proposal naming no pending appeal is refused.
    let (status, res) = post(
        app,
        "/api/v1/coop/proposals",
        &m2,
        json!({ "kind": "general", "title": "Overturn", "body": "", "payload": { "appeal_id": "42" } }),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    let (status, p) = post(
        app,
        "/api/v1/coop/proposals",
        &m2,
        json!({ "kind": "general", "title": "Overturn the silence", "body": "No other moderator.",
                "payload": { "appeal_id": appeal_id, "decision": "approve" } }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let pid = p["id"].as_str().unwrap().to_string();
    // Neither the appellant nor the moderator who acted votes on the appeal (bylaws 5.5).
    for t in [&target_tok, &mod1] {
        let (status, v) = post(
            app,
            &format!("/api/v1/coop/proposals/{pid}/votes"),
            t,
            json!({ "choice": "agree" }),
        )
        .await;
        assert_eq!(status, 403, "{v}");
    }
    let (status, v) = post(
        app,
        &format!("/api/v1/coop/proposals/{pid}/votes"),
        &m2,
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    app.state.clock.advance(Duration::from_secs(7 * 86_400));
    close_due(&app.state).await.expect("close");
    let (_, acct) = get(app, &format!("/api/v1/admin/accounts/{target}"), &mod1).await;
    assert_eq!(acct["silenced"], json!(false), "{acct}");
    let (_, log) = get(app, "/api/v1/coop/moderation/log", &m2).await;
    assert_eq!(log[0]["action"], json!("appeal_approved"), "{log}");
    assert_eq!(log[0]["proposal_id"], json!(pid));
    assert_eq!(log[0]["moderator"], Value::Null);
    assert_eq!(log[0]["citation"], json!("code-of-conduct@1#2.2"));
}
on_both_backends!(appeal_by_proposal, members_decide_an_appeal);

/// `herd admin moderate` asks the same gate.
#[test]
fn cli_moderation_uses_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/herd.db", dir.path().display());
    let herd = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_herd"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HERD_DATA_DIR", dir.path())
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .args(args)
            .output()
            .unwrap()
    };
    for (name, role) in [("mod", "moderator"), ("bob", "")] {
        let mut args = vec![
            "admin",
            "create-account",
            name,
            "--email",
            "x@example.org",
            "--password",
            PW,
        ];
        let email = format!("{name}@example.org");
        args[4] = &email;
        if !role.is_empty() {
            args.extend(["--role", role]);
        }
        let out = herd(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let base = [
        "admin", "moderate", "bob", "--as", "mod", "--action", "suspend", "--reason", "spam",
    ];
    let out = herd(&[&base[..], &["--clause", "code-of-conduct@1#4.2"]].concat());
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not permit suspend"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = herd(&[
        "admin",
        "moderate",
        "mod",
        "--as",
        "bob",
        "--action",
        "warn",
        "--clause",
        "code-of-conduct@1#4.1",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("moderator role"));
    let out = herd(&[&base[..], &["--clause", "code-of-conduct@1#4.1"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("suspend @bob under code-of-conduct@1#4.1")
    );
}
