//! The co-op API over HTTP: membership, proposals decided by the bylaws in force, secret ballots
//! with receipts, closing and enactment, policies and their versions, the governance log, mails.

mod common;

use std::time::Duration;

use herd::services::proposals::{close_due, remind_due};
use serde_json::{json, Value};

const PW: &str = "correct horse battery";

async fn send(
    app: &common::TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.json(&body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post(app: &common::TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    send(app, reqwest::Method::POST, path, Some(token), body).await
}

async fn get(app: &common::TestApp, path: &str, token: &str) -> (u16, Value) {
    app.get_json(path, Some(token)).await
}

async fn token_for(app: &common::TestApp, account_id: i64) -> String {
    herd::services::oauth::operator_token(&app.state, account_id, "read write")
        .await
        .expect("token")
}

struct Coop {
    /// (account id, token), the admin first.
    members: Vec<(i64, String)>,
    outsider: (i64, String),
}

/// Ten active members (the first an admin, the last a moderator), and one account that is not a
/// member. The admin signs in over HTTP; the others get operator tokens (faster).
async fn coop(app: &common::TestApp) -> Coop {
    let admin = app.create_user_with("ada", PW, Some("admin"), true).await;
    let mut members = vec![(admin, app.login("ada", PW, "read write").await)];
    for i in 1..10 {
        let role = (i == 9).then_some("moderator");
        let id = app.create_user_with(&format!("m{i}"), PW, role, true).await;
        members.push((id, token_for(app, id).await));
    }
    let outsider = app.create_user("olive", PW).await;
    Coop {
        members,
        outsider: (outsider, token_for(app, outsider).await),
    }
}

async fn propose(app: &common::TestApp, token: &str, body: Value) -> Value {
    let (status, p) = post(app, "/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    p
}

async fn vote(app: &common::TestApp, token: &str, id: &str, body: Value) -> Value {
    let (status, v) = post(
        app,
        &format!("/api/v1/coop/proposals/{id}/votes"),
        token,
        body,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn close_after(app: &common::TestApp, days: u64) -> usize {
    app.state
        .clock
        .advance(Duration::from_secs(days * 86_400 + 60));
    close_due(&app.state).await.expect("close_due")
}

fn subjects(app: &common::TestApp, prefix: &str) -> usize {
    app.mails()
        .iter()
        .filter(|m| {
            m.lines()
                .any(|l| l.starts_with("Subject: ") && l[9..].starts_with(prefix))
        })
        .count()
}

async fn social_coop_scenario(app: &common::TestApp) {
    let c = coop(app).await;
    let tok = |i: usize| c.members[i].1.as_str();
    let id_of = |i: usize| c.members[i].0.to_string();

    // m8 opts out of proposal mails.
    let (status, prefs) = send(
        app,
        reqwest::Method::PATCH,
        "/api/v1/coop/preferences",
        Some(tok(8)),
        json!({ "email_proposals": false }),
    )
    .await;
    assert_eq!(
        (status, prefs["email_proposals"].clone()),
        (200, json!(false))
    );

    // The roster: ten active members, with their roles and Mastodon accounts.
    let (status, roster) = get(app, "/api/v1/coop/members?limit=40", tok(1)).await;
    assert_eq!(status, 200, "{roster}");
    assert_eq!(roster.as_array().unwrap().len(), 10);
    let ada = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id_of(0))
        .unwrap();
    assert_eq!(ada["state"], "active");
    assert_eq!(ada["roles"], json!(["member", "admin"]));
    assert_eq!(ada["account"]["username"], "ada");

    // 1. A consent proposal with 6 agree and 1 block fails (the block stands below 90 %).
    let a = propose(
        app,
        tok(1),
        json!({ "kind": "general", "title": "Defederate from example.net", "body": "They host spam." }),
    )
    .await;
    assert_eq!(a["state"], "open");
    assert_eq!(a["method"], "consent");
    assert_eq!(a["rule_source"], "bylaws@1");
    assert_eq!(a["rule"]["block_override_share"], 0.9);
    assert_eq!(
        a["options"],
        json!(["agree", "abstain", "disagree", "block"])
    );
    assert_eq!(a["author"]["username"], "m1");
    // The co-op's actor posted it with a poll (see tests/coop_timeline.rs).
    assert!(a["status_id"].is_string(), "{a}");
    assert!(a["poll_id"].is_string(), "{a}");
    assert_eq!(a["result"], Value::Null);
    let a_id = a["id"].as_str().unwrap().to_string();
    // The default close is the bylaws' minimum: 6 days.
    let opens = chrono::DateTime::parse_from_rfc3339(a["opens_at"].as_str().unwrap()).unwrap();
    let closes = chrono::DateTime::parse_from_rfc3339(a["closes_at"].as_str().unwrap()).unwrap();
    assert_eq!((closes - opens).num_days(), 6);
    for i in 0..6 {
        vote(app, tok(i), &a_id, json!({ "choice": "agree" })).await;
    }
    vote(
        app,
        tok(6),
        &a_id,
        json!({ "choice": "block", "reason": "Not yet discussed" }),
    )
    .await;

    // 2. One with 9 agree and 1 block (90 %) passes.
    let b = propose(
        app,
        tok(2),
        json!({ "kind": "general", "title": "Adopt a logo", "body": "The herd of goats." }),
    )
    .await;
    let b_id = b["id"].as_str().unwrap().to_string();
    // m3 first blocks, then changes their mind: the history is kept, the last ballot counts.
    let first = vote(app, tok(3), &b_id, json!({ "choice": "block" })).await;
    assert_eq!(first["replaced"], false);
    for i in 0..10 {
        let choice = if i == 9 { "block" } else { "agree" };
        vote(app, tok(i), &b_id, json!({ "choice": choice })).await;
    }
    let (_, b_now) = get(app, &format!("/api/v1/coop/proposals/{b_id}"), tok(3)).await;
    assert_eq!(b_now["my_vote"]["ballot"], json!({ "choice": "agree" }));
    assert_eq!(b_now["my_vote"]["history"].as_array().unwrap().len(), 1);
    assert_eq!(
        b_now["my_vote"]["history"][0]["ballot"],
        json!({ "choice": "block" })
    );
    assert_eq!(b_now["my_vote"]["history"][0]["receipt"], first["receipt"]);
    assert_eq!(b_now["votes_count"], 10);
    assert_eq!(b_now["tally"]["agree"], 9, "{b_now}");
    assert_eq!(b_now["tally"]["block"], 1);

    // 3. A secret election for the moderator role: m1 and m2 stand; m9 (moderator) does not.
    let e = propose(
        app,
        tok(0),
        json!({ "kind": "role_election", "title": "Moderator election", "body": "One seat.",
                "payload": { "role": "moderator", "seats": 1, "candidates": [id_of(1), id_of(2)] } }),
    )
    .await;
    assert_eq!(e["method"], "ranked_choice");
    assert_eq!(e["secret"], true);
    assert_eq!(e["rule"]["seats"], 1);
    assert_eq!(e["options"], json!([id_of(1), id_of(2)]));
    let e_id = e["id"].as_str().unwrap().to_string();
    let mut receipts = Vec::new();
    for i in 0..10 {
        let ranking = if i < 7 {
            [id_of(1), id_of(2)]
        } else {
            [id_of(2), id_of(1)]
        };
        let r = vote(app, tok(i), &e_id, json!({ "ranking": ranking })).await;
        assert_eq!(r["receipt"].as_str().unwrap().len(), 64);
        assert!(r["nonce"].as_str().unwrap().len() >= 32);
        receipts.push(r["receipt"].as_str().unwrap().to_string());
    }

    // 4. A policy amendment: version 2 of the code of conduct renames rule 1.
    let (status, coc) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(coc["version"], 1);
    assert_eq!(coc["adopted_by"], Value::Null);
    let v1 = coc["text"].as_str().unwrap();
    let v2 = v1.replacen("version: 1", "version: 2", 1).replace(
        "## 1. No hate speech or discrimination",
        "## 1. No hate speech, no discrimination",
    );
    // A wrong version is refused before anything is written.
    let (status, err) = post(
        app,
        "/api/v1/coop/proposals",
        tok(4),
        json!({ "kind": "policy_amendment", "title": "CoC v3?", "body": "",
                "payload": { "policy": "code-of-conduct", "text": v1.replacen("version: 1", "version: 3", 1) } }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("version 2"),
        "{err}"
    );
    let pa = propose(
        app,
        tok(4),
        json!({ "kind": "policy_amendment", "title": "Clearer rule 1", "body": "Wording.",
                "payload": { "policy": "code-of-conduct", "text": v2 } }),
    )
    .await;
    let pa_id = pa["id"].as_str().unwrap().to_string();
    for i in 0..6 {
        vote(app, tok(i), &pa_id, json!({ "choice": "agree" })).await;
    }

    // A non-member cannot vote, nor propose, nor read the roster.
    let (status, err) = post(
        app,
        &format!("/api/v1/coop/proposals/{a_id}/votes"),
        &c.outsider.1,
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 403, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("not a member"),
        "{err}"
    );
    let (status, _) = post(
        app,
        "/api/v1/coop/proposals",
        &c.outsider.1,
        json!({ "kind": "general", "title": "Hi", "body": "" }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = get(app, "/api/v1/coop/members", &c.outsider.1).await;
    assert_eq!(status, 403);

    // Nothing closes early.
    assert_eq!(close_due(&app.state).await.unwrap(), 0);
    // A day before the close, members who have not voted are reminded (m8 opted out).
    app.state
        .clock
        .advance(Duration::from_secs(5 * 86_400 + 3600));
    assert_eq!(remind_due(&app.state).await.unwrap(), 4);
    app.run_jobs().await;
    // Proposal A: m7, m9 (m8 opted out) did not vote; B and E: everyone voted; PA: m6, m7, m9.
    assert_eq!(subjects(app, "24 hours left to vote"), 2 + 3);
    assert_eq!(close_after(app, 1).await, 4);

    // After the close: votes are refused.
    let (status, err) = post(
        app,
        &format!("/api/v1/coop/proposals/{a_id}/votes"),
        tok(8),
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"].as_str().unwrap().contains("closed"));

    let (_, a) = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(0)).await;
    assert_eq!(a["state"], "failed", "{a}");
    assert_eq!(a["result"]["outcome"], "failed");
    assert_eq!(a["result"]["tally"]["blocked"], true);
    assert_eq!(a["result"]["voted"], 7);
    assert_eq!(a["result"]["eligible"], 10);
    assert_eq!(a["result"]["rule"]["method"], "consent");

    let (_, b) = get(app, &format!("/api/v1/coop/proposals/{b_id}"), tok(0)).await;
    assert_eq!(b["state"], "enacted", "{b}");
    assert_eq!(b["result"]["outcome"], "passed");
    assert_eq!(b["result"]["tally"]["agree"], 9);
    assert_eq!(b["result"]["tally"]["blocked"], false);
    let kinds: Vec<&str> = b["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"proposal.opened"));
    assert_eq!(
        &kinds[kinds.len() - 2..],
        &["proposal.closed", "proposal.enacted"]
    );
    assert_eq!(kinds.iter().filter(|k| **k == "ballot.cast").count(), 11);

    // The election enacted roles: m1 is a moderator; m9, a moderator already, keeps the role
    // until the end of its term (an election fills the seats it names).
    let (_, e) = get(app, &format!("/api/v1/coop/proposals/{e_id}"), tok(0)).await;
    assert_eq!(e["state"], "enacted", "{e}");
    assert_eq!(e["result"]["winners"], json!([id_of(1)]));
    let mut listed: Vec<String> = e["result"]["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    receipts.sort();
    assert_eq!(listed, receipts, "every voter finds their receipt");
    // Secret: once closed, nobody's ballot is linked to them any more, not even for themselves.
    let (_, e_as_m1) = get(app, &format!("/api/v1/coop/proposals/{e_id}"), tok(1)).await;
    assert_eq!(e_as_m1["my_vote"], Value::Null);
    let (_, m1) = get(app, &format!("/api/v1/coop/members/{}", id_of(1)), tok(5)).await;
    assert_eq!(m1["roles"], json!(["member", "moderator"]));
    let (_, m9) = get(app, &format!("/api/v1/coop/members/{}", id_of(9)), tok(5)).await;
    assert_eq!(m9["roles"], json!(["member", "moderator"]));
    let (_, me) = get(app, "/api/v1/accounts/verify_credentials", tok(1)).await;
    assert_eq!(me["role"]["name"], "Moderator", "{me}");

    // The policy amendment created and adopted version 2.
    let (_, pa) = get(app, &format!("/api/v1/coop/proposals/{pa_id}"), tok(0)).await;
    assert_eq!(pa["state"], "enacted", "{pa}");
    let (_, coc) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    assert_eq!(coc["version"], 2);
    assert_eq!(coc["adopted_by"], pa_id);
    assert_eq!(coc["clauses"][0]["id"], "1");
    assert_eq!(
        coc["clauses"][0]["title"],
        "No hate speech, no discrimination"
    );
    let (_, rules) = app.get_json("/api/v1/instance/rules", None).await;
    assert_eq!(rules[0]["text"], "No hate speech, no discrimination");
    let (status, old) = app
        .get_json("/api/v1/coop/policies/code-of-conduct/versions/1", None)
        .await;
    assert_eq!((status, old["in_force"].clone()), (200, json!(false)));
    let (_, diff) = app
        .get_json(
            "/api/v1/coop/policies/code-of-conduct/diff?from=1&to=2",
            None,
        )
        .await;
    assert_eq!(diff["clauses"]["changed"][0]["id"], "1", "{diff}");
    assert_eq!(diff["clauses"]["added"], json!([]));
    assert!(diff["unified"]
        .as_str()
        .unwrap()
        .contains("+## 1. No hate speech, no discrimination"));
    let (_, all) = app.get_json("/api/v1/coop/policies", None).await;
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["slug"] == "bylaws"));

    // The log: secret ballots without content, public ones with it, roles granted (and none
    // revoked: the sitting moderator keeps the role the election did not fill).
    let (status, events) = get(app, "/api/v1/coop/events?limit=80", tok(7)).await;
    assert_eq!(status, 200);
    let events = events.as_array().unwrap();
    let cast_on = |pid: &str| {
        events
            .iter()
            .filter(|e| e["kind"] == "ballot.cast" && e["proposal_id"] == pid)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(cast_on(&e_id)
        .iter()
        .all(|e| e["detail"].get("ballot").is_none()));
    assert!(cast_on(&a_id)
        .iter()
        .all(|e| e["detail"]["ballot"]["choice"].is_string()));
    assert!(events
        .iter()
        .any(|e| e["kind"] == "role.granted" && e["subject"]["id"] == id_of(1)));
    assert!(!events.iter().any(|e| e["kind"] == "role.revoked"));
    assert!(events.iter().any(|e| e["kind"] == "policy.adopted"));

    // Mails: each proposal opened and closed, to the 9 members who did not opt out.
    app.run_jobs().await;
    assert_eq!(subjects(app, "New proposal: "), 4 * 9);
    assert_eq!(subjects(app, "Proposal failed: Defederate"), 9);
    assert_eq!(subjects(app, "Proposal enacted: "), 3 * 9);
    assert!(!app
        .mails()
        .iter()
        .any(|m| m.contains("m8@example.org") && m.contains("Subject: New proposal")));

    // A later bylaws amendment changes the rule of proposals opened after it, not before.
    let (_, by) = app.get_json("/api/v1/coop/policies/bylaws", None).await;
    let by2 = by["text"]
        .as_str()
        .unwrap()
        .replacen("version: 1", "version: 2", 1)
        .replace(
            "general: { method: consent, min_days: 6,",
            "general: { method: consent, min_days: 8,",
        );
    let open_before = propose(
        app,
        tok(1),
        json!({ "kind": "general", "title": "Before", "body": "" }),
    )
    .await;
    let ba = propose(
        app,
        tok(1),
        json!({ "kind": "bylaws_amendment", "title": "Longer debates", "body": "",
                "payload": { "text": by2 } }),
    )
    .await;
    assert_eq!(ba["rule"]["min_days"], 10.0);
    for i in 0..10 {
        vote(
            app,
            tok(i),
            ba["id"].as_str().unwrap(),
            json!({ "choice": "agree" }),
        )
        .await;
    }
    close_after(app, 10).await;
    let after = propose(
        app,
        tok(1),
        json!({ "kind": "general", "title": "After", "body": "" }),
    )
    .await;
    assert_eq!(after["rule"]["min_days"], 8.0);
    assert_eq!(after["rule_source"], "bylaws@2");
    let (_, before) = get(
        app,
        &format!(
            "/api/v1/coop/proposals/{}",
            open_before["id"].as_str().unwrap()
        ),
        tok(1),
    )
    .await;
    assert_eq!(before["rule"]["min_days"], 6.0);
    assert_eq!(before["rule_source"], "bylaws@1");
}
on_both_backends!(social_coop, social_coop_scenario);

async fn membership_scenario(app: &common::TestApp) {
    let admin = app.create_user_with("ada", PW, Some("admin"), true).await;
    let admin_tok = token_for(app, admin).await;
    let m1 = app.create_user_with("m1", PW, None, true).await;
    let m1_tok = token_for(app, m1).await;
    let olive = app.create_user("olive", PW).await;
    let olive_tok = token_for(app, olive).await;

    let (status, _) = get(app, "/api/v1/coop/membership", &olive_tok).await;
    assert_eq!(status, 404);
    let (status, me) = post(
        app,
        "/api/v1/coop/membership",
        &olive_tok,
        json!({ "note": "Hello!" }),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["state"], "applicant");
    assert_eq!(me["roles"], json!([]));
    // An applicant cannot vote or read the roster yet.
    let (status, _) = get(app, "/api/v1/coop/members", &olive_tok).await;
    assert_eq!(status, 403);
    // Only an admin admits (the default bylaws say `admission: admin`).
    let (status, err) = post(
        app,
        &format!("/api/v1/coop/members/{olive}/admit"),
        &m1_tok,
        json!({}),
    )
    .await;
    assert_eq!(status, 403, "{err}");
    let (status, m) = post(
        app,
        &format!("/api/v1/coop/members/{olive}/admit"),
        &admin_tok,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["state"], "active");
    assert!(m["joined_at"].is_string());
    let (status, again) = post(app, "/api/v1/coop/membership", &olive_tok, json!({})).await;
    assert_eq!(status, 422, "{again}");
    let (status, roster) = get(app, "/api/v1/coop/members?state=active&limit=2", &olive_tok).await;
    assert_eq!(status, 200);
    assert_eq!(roster.as_array().unwrap().len(), 2);

    // Membership by proposal: m1 proposes to expel olive; it passes; olive can no longer vote.
    let p = propose(
        app,
        &m1_tok,
        json!({ "kind": "membership", "title": "Expel olive", "body": "CoC 1.1",
                "payload": { "account_id": olive.to_string(), "action": "expel" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    for t in [&admin_tok, &m1_tok] {
        vote(app, t, &pid, json!({ "choice": "agree" })).await;
    }
    assert_eq!(close_after(app, 3).await, 1);
    let (_, olive_m) = get(app, &format!("/api/v1/coop/members/{olive}"), &m1_tok).await;
    assert_eq!(olive_m["state"], "expelled", "{olive_m}");
    // Results hidden until close: no running tally, and the log does not say how anyone voted.
    let other = propose(
        app,
        &m1_tok,
        json!({ "kind": "general", "title": "x", "body": "", "hide_results": true }),
    )
    .await;
    let other_id = other["id"].as_str().unwrap().to_string();
    vote(app, &m1_tok, &other_id, json!({ "choice": "disagree" })).await;
    let (_, hidden) = get(
        app,
        &format!("/api/v1/coop/proposals/{other_id}"),
        &admin_tok,
    )
    .await;
    assert_eq!(hidden["tally"], Value::Null, "{hidden}");
    assert_eq!(hidden["votes_count"], 1);
    assert!(hidden["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["detail"].get("ballot").is_none()));
    let (status, err) = post(
        app,
        &format!(
            "/api/v1/coop/proposals/{}/votes",
            other["id"].as_str().unwrap()
        ),
        &olive_tok,
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 403);
    assert!(err["error"].as_str().unwrap().contains("expelled"), "{err}");
    let (status, _) = post(app, "/api/v1/coop/membership", &olive_tok, json!({})).await;
    assert_eq!(status, 403);

    // Every change is in the log.
    let (_, events) = get(app, "/api/v1/coop/events", &m1_tok).await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "membership.applied",
        "membership.admitted",
        "membership.expelled",
        "proposal.enacted",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    // A member may withdraw; their roles end with the membership.
    let (status, gone) = send(
        app,
        reqwest::Method::DELETE,
        "/api/v1/coop/membership",
        Some(&admin_tok),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["state"], "withdrawn");
    assert_eq!(gone["roles"], json!([]));
    let (_, events) = get(app, "/api/v1/coop/events?limit=5", &m1_tok).await;
    let admin_id = admin.to_string();
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "role.revoked" && e["subject"]["id"] == admin_id.as_str()));
}
on_both_backends!(membership, membership_scenario);

async fn bad_input_scenario(app: &common::TestApp) {
    let m1 = app.create_user_with("m1", PW, None, true).await;
    let tok = token_for(app, m1).await;
    let m2 = app.create_user_with("m2", PW, None, true).await;
    let tok2 = token_for(app, m2).await;
    let soon = herd::time::iso(app.state.clock.now_micros() + 86_400_000_000);
    for (body, field) in [
        (
            json!({ "kind": "general", "title": "x", "body": "", "closes_at": soon }),
            "Closes at",
        ),
        (
            json!({ "kind": "general", "title": "x", "body": "", "closes_at": "next week" }),
            "Closes at",
        ),
        (
            json!({ "kind": "motion", "title": "x", "body": "" }),
            "Kind",
        ),
        (
            json!({ "kind": "general", "title": "", "body": "" }),
            "Title",
        ),
        (
            json!({ "kind": "general", "title": "x", "body": "", "options": ["a", "b"] }),
            "Options",
        ),
        (
            json!({ "kind": "role_election", "title": "x", "body": "", "payload": { "role": "king", "candidates": [m1.to_string()] } }),
            "Payload",
        ),
        (
            json!({ "kind": "policy_amendment", "title": "x", "body": "", "payload": { "policy": "code-of-conduct", "text": "no front matter" } }),
            "Payload",
        ),
    ] {
        let (status, err) = post(app, "/api/v1/coop/proposals", &tok, body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
        assert!(
            err["error"].as_str().unwrap().contains(field),
            "{body} → {err}"
        );
    }
    let (_, list) = get(app, "/api/v1/coop/proposals", &tok).await;
    assert_eq!(list, json!([]), "nothing written");

    // A closes_at at the bylaws' minimum is fine (urgent: 2 days).
    let ok = herd::time::iso(app.state.clock.now_micros() + 2 * 86_400_000_000 + 1_000_000);
    let p = propose(app, &tok, json!({ "kind": "general", "title": "Urgent", "body": "", "urgent": true, "urgent_reason": "The certificate expires", "closes_at": ok })).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/coop/proposals/{pid}/votes");
    for body in [
        json!({ "choice": "maybe" }),
        json!({ "choices": ["agree"] }),
        json!({ "choice": "agree", "ranking": ["a"] }),
        json!({}),
    ] {
        let (status, err) = post(app, &path, &tok, body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
    }
    // Concurrent ballots by one member count once: the last.
    let mut handles = Vec::new();
    for choice in ["agree", "disagree", "abstain", "block", "agree", "disagree"] {
        let client = app.client.clone();
        let url = app.url(&path);
        let t = tok2.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(t)
                .json(&json!({ "choice": choice }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), &tok2).await;
    assert_eq!(p["votes_count"], 1);
    assert_eq!(p["my_vote"]["history"].as_array().unwrap().len(), 5);
    // The ballot that counts is the member's latest accepted one: it alone is in the tally, and
    // every earlier ballot in the history was cast (and superseded) before it.
    let t = &p["tally"];
    let current = p["my_vote"]["ballot"]["choice"].as_str().unwrap();
    for k in ["agree", "abstain", "disagree", "block"] {
        let expected = u64::from(k == current);
        assert_eq!(
            t[k].as_u64().unwrap(),
            expected,
            "{k} (counted {current}): {t}"
        );
    }
    let latest = p["my_vote"]["cast_at"].as_str().unwrap();
    for h in p["my_vote"]["history"].as_array().unwrap() {
        assert!(h["cast_at"].as_str().unwrap() <= latest, "{p}");
        assert!(h["superseded_at"].as_str().unwrap() <= latest, "{p}");
    }
    // A lapsed member is refused.
    let mut tx = app.state.db.begin_write().await.unwrap();
    herd::storage::proposals::set_membership_state(
        &mut **tx,
        m1,
        "lapsed",
        false,
        app.state.clock.now_micros(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, err) = post(app, &path, &tok, json!({ "choice": "agree" })).await;
    assert_eq!(status, 403);
    assert!(err["error"].as_str().unwrap().contains("lapsed"), "{err}");
    // Unknown ids and policies are 404s.
    assert_eq!(get(app, "/api/v1/coop/proposals/123", &tok2).await.0, 404);
    assert_eq!(
        app.get_json("/api/v1/coop/policies/nope", None).await.0,
        404
    );
    assert_eq!(
        app.get_json("/api/v1/coop/policies/bylaws/versions/9", None)
            .await
            .0,
        404
    );
}
on_both_backends!(bad_input, bad_input_scenario);

#[tokio::test]
async fn broken_bylaws_refuse_to_start_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
        let text = if *name == "bylaws.md" {
            text.replace(
                "min_days: 6, urgent_min_days: 2",
                "min_days: soon, urgent_min_days: 2",
            )
        } else {
            text.to_string()
        };
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let config = herd::config::Config {
        data_dir: data.path().to_path_buf(),
        bylaws_dir: dir.path().display().to_string(),
        ..herd::config::Config::default()
    };
    let err = match herd::state::App::new(config, herd::time::Clock::default()).await {
        Ok(_) => panic!("a broken bylaws file must refuse to start"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("bylaws.md"), "{err}");
    assert!(
        err.contains("bylaws.md:7: key decisions.general.min_days: must be a number"),
        "{err}"
    );
}
