//! The bylaws' rules over HTTP (issue 5): admission by a membership proposal, a two-seat
//! election by STV, score and dot votes, quorum, results hidden until close (the proposal and
//! its poll alike), and the proposals list and the governance log as members page them.

mod common;

use common::coop::{members, token_for, PW};

use std::time::Duration;

use herd::config::Config;
use serde_json::{json, Value};

async fn get(app: &common::TestApp, path: &str, token: &str) -> Value {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn propose(app: &common::TestApp, token: &str, body: Value) -> Value {
    let (status, p) = app.post_json("/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    p
}

async fn vote(app: &common::TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    app.post_json(&format!("/api/v1/coop/proposals/{id}/votes"), token, body)
        .await
}

/// Moves the clock past every open proposal's close and runs the queue.
async fn close_after(app: &common::TestApp, days: u64) {
    app.state
        .clock
        .advance(Duration::from_secs(days * 86_400 + 60));
    app.run_jobs().await;
}

/// Writes the default founding documents with `edit` applied to the bylaws, and points the
/// configuration at them.
fn bylaws_with(config: &mut Config, edit: impl Fn(String) -> String) {
    let dir = config.data_dir.join("bylaws");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
        let mut text = text.to_string();
        if *name == "bylaws.md" {
            let edited = edit(text.clone());
            assert_ne!(edited, text, "the edit changed the bylaws");
            text = edited;
        }
        std::fs::write(dir.join(name), text).unwrap();
    }
    config.bylaws_dir = dir.display().to_string();
}

/// Replaces the rule of one proposal kind.
fn rule(text: String, kind: &str, rule: &str) -> String {
    let prefix = format!("  {kind}:");
    let line = text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .expect("a rule for the kind")
        .to_string();
    text.replacen(&line, &format!("  {kind}: {rule}"), 1)
}

fn admission_by_proposal(config: &mut Config) {
    bylaws_with(config, |t| {
        t.replacen("  admission: admin", "  admission: proposal", 1)
    });
}

/// Admission by proposal: the admin's admit endpoint refuses, a `membership` proposal with
/// `action: admit` makes the applicant an active member who follows @coop, logged.
async fn admission_by_proposal_scenario(app: &common::TestApp) {
    let m = members(app, 3).await;
    let olive = app.create_user("olive", PW).await;
    let olive_tok = token_for(app, olive).await;
    let (status, me) = app
        .post_json(
            "/api/v1/coop/membership",
            &olive_tok,
            json!({ "note": "Hi" }),
        )
        .await;
    assert_eq!((status, me["state"].clone()), (200, json!("applicant")));

    let (status, err) = app
        .post_json(
            &format!("/api/v1/coop/members/{olive}/admit"),
            &m[0].1,
            json!({}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("by a membership proposal"),
        "{err}"
    );
    let (_, still) = app
        .get_json("/api/v1/coop/membership", Some(&olive_tok))
        .await;
    assert_eq!(still["state"], "applicant", "nothing written: {still}");

    let p = propose(
        app,
        &m[1].1,
        json!({ "kind": "membership", "title": "Admit olive", "body": "She asked.",
                "payload": { "account_id": olive.to_string(), "action": "admit" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    for (_, t) in &m {
        let (status, v) = vote(app, t, &pid, json!({ "choice": "agree" })).await;
        assert_eq!(status, 200, "{v}");
    }
    close_after(app, 3).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[0].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(done["result"]["enactment"]["state"], "active", "{done}");

    let olive_m = get(app, &format!("/api/v1/coop/members/{olive}"), &m[0].1).await;
    assert_eq!(olive_m["state"], "active", "{olive_m}");
    assert!(olive_m["joined_at"].is_string(), "{olive_m}");
    assert_eq!(olive_m["roles"], json!(["member"]));
    // She follows the co-op's account, so proposals reach her home timeline.
    let coop = get(app, "/api/v1/accounts/lookup?acct=coop", &olive_tok).await;
    let rel = get(
        app,
        &format!(
            "/api/v1/accounts/relationships?id[]={}",
            coop["id"].as_str().unwrap()
        ),
        &olive_tok,
    )
    .await;
    assert_eq!(rel[0]["following"], true, "{rel}");
    // The log names the proposal that admitted her.
    let events = get(app, "/api/v1/coop/events?limit=80", &olive_tok).await;
    let olive_id = olive.to_string();
    let admitted = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "membership.admitted" && e["subject"]["id"] == olive_id.as_str())
        .unwrap_or_else(|| panic!("membership.admitted for olive: {events}"));
    assert_eq!(admitted["proposal_id"], pid.as_str(), "{admitted}");
    assert_eq!(
        admitted["detail"]["source"],
        format!("proposal:{pid}"),
        "{admitted}"
    );
    // And she votes now.
    let q = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Welcome party", "body": "" }),
    )
    .await;
    let (status, v) = vote(
        app,
        &olive_tok,
        q["id"].as_str().unwrap(),
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
}

on_both_backends!(
    admission_by_proposal,
    admission_by_proposal_scenario,
    admission_by_proposal
);

/// A two-seat moderator election by STV: both winners get the role, each grant logged with the
/// proposal. The election fills the seats it names: the sitting moderators keep theirs until
/// their terms end (bylaws 3.2), so nobody loses the role (`tests/coop_terms.rs` has the rest).
async fn two_seat_election(app: &common::TestApp) {
    let m = members(app, 8).await;
    // m5 and m6 are moderators now (by an earlier election, here by the operator's bootstrap).
    for i in [5, 6] {
        let mut tx = app.state.db.begin_write().await.unwrap();
        herd::storage::governance::insert_role_grant_until(
            &mut **tx,
            herd::ids::next_id_at(app.state.clock.now_millis()),
            m[i].0,
            "moderator",
            "test",
            app.state.clock.now_micros(),
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let id = |i: usize| m[i].0.to_string();
    let e = propose(
        app,
        &m[0].1,
        json!({ "kind": "role_election", "title": "Two moderators", "body": "Two seats.",
                "payload": { "role": "moderator", "seats": 2,
                             "candidates": [id(1), id(2), id(3), id(5)] } }),
    )
    .await;
    assert_eq!(e["rule"]["seats"], 2, "{e}");
    assert_eq!(e["method"], "ranked_choice");
    let eid = e["id"].as_str().unwrap().to_string();
    // Eight ballots, Droop quota 3: m1 (4 first preferences) and m2 (3) are elected.
    for (i, (_, t)) in m.iter().enumerate() {
        let ranking = match i {
            0..=3 => json!([id(1), id(2)]),
            4..=6 => json!([id(2), id(1), id(3)]),
            _ => json!([id(5), id(3)]),
        };
        let (status, v) = vote(app, t, &eid, json!({ "ranking": ranking })).await;
        assert_eq!(status, 200, "{v}");
    }
    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{eid}"), &m[0].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    let mut winners: Vec<String> =
        serde_json::from_value(done["result"]["winners"].clone()).unwrap();
    winners.sort();
    let mut expected = vec![id(1), id(2)];
    expected.sort();
    assert_eq!(winners, expected, "{done}");

    for (i, moderator) in [(1, true), (2, true), (3, false), (5, true), (6, true)] {
        let member = get(app, &format!("/api/v1/coop/members/{}", id(i)), &m[0].1).await;
        assert_eq!(
            member["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("moderator")),
            moderator,
            "m{i}: {member}"
        );
    }
    let events = get(app, "/api/v1/coop/events?limit=80", &m[0].1).await;
    let on = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = events
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == kind && e["proposal_id"] == eid.as_str())
            .map(|e| {
                assert_eq!(e["detail"]["role"], "moderator", "{e}");
                e["subject"]["id"].as_str().unwrap().to_string()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(on("role.granted"), expected);
    assert_eq!(on("role.revoked"), Vec::<String>::new());
}

on_both_backends!(multi_seat_election, two_seat_election);

fn score_and_quorum(config: &mut Config) {
    bylaws_with(config, |t| {
        let t = rule(t, "general", "{ method: score, min_days: 6, max_score: 5 }");
        rule(
            t,
            "policy_amendment",
            "{ method: consent, min_days: 6, agree_share: 0.5, block_override_share: 0.9, quorum_share: 0.5 }",
        )
    });
}

/// Score voting over HTTP (totals per option, out-of-range scores refused) and a quorum of
/// half the members (3 of 10 voting is no quorum, and nothing is enacted).
async fn score_and_quorum_scenario(app: &common::TestApp) {
    let m = members(app, 10).await;
    let p = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Meeting day", "body": "",
                "options": ["Tuesday", "Wednesday", "Thursday"] }),
    )
    .await;
    assert_eq!(p["method"], "score");
    assert_eq!(p["poll_id"], Value::Null, "a poll cannot carry scores");
    let pid = p["id"].as_str().unwrap().to_string();
    for body in [
        json!({ "scores": { "Tuesday": 6 } }),
        json!({ "scores": { "Friday": 1 } }),
        json!({ "scores": { "Tuesday": -1 } }),
        json!({ "choice": "Tuesday" }),
    ] {
        let (status, err) = vote(app, &m[1].1, &pid, body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
    }
    let (_, err) = vote(app, &m[1].1, &pid, json!({ "scores": { "Tuesday": 6 } })).await;
    assert!(
        err["error"].as_str().unwrap().contains("out of range"),
        "{err}"
    );
    let ballots = [
        json!({ "scores": { "Tuesday": 5, "Wednesday": 2 } }),
        json!({ "scores": { "Tuesday": 1, "Wednesday": 4, "Thursday": 3 } }),
        json!({ "scores": { "Wednesday": 5, "Thursday": "1" } }),
        json!({ "scores": {} }),
    ];
    for (i, b) in ballots.iter().enumerate() {
        let (status, v) = vote(app, &m[i].1, &pid, b.clone()).await;
        assert_eq!(status, 200, "{b} → {v}");
    }

    // A policy amendment under a 50 % quorum: 3 of 10 vote, all agree.
    let (_, coc) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    let v2 = coc["text"]
        .as_str()
        .unwrap()
        .replacen("version: 1", "version: 2", 1);
    let pa = propose(
        app,
        &m[0].1,
        json!({ "kind": "policy_amendment", "title": "Touch up", "body": "",
                "payload": { "policy": "code-of-conduct", "text": v2 } }),
    )
    .await;
    assert_eq!(pa["rule"]["quorum_share"], 0.5, "{pa}");
    let pa_id = pa["id"].as_str().unwrap().to_string();
    for (_, t) in &m[..3] {
        let (status, v) = vote(app, t, &pa_id, json!({ "choice": "agree" })).await;
        assert_eq!(status, 200, "{v}");
    }

    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[0].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(done["result"]["voted"], 4);
    assert_eq!(
        done["result"]["tally"]["options"],
        json!([
            { "option": "Tuesday", "total": 6 },
            { "option": "Wednesday", "total": 11 },
            { "option": "Thursday", "total": 4 },
        ]),
        "{done}"
    );
    assert_eq!(done["result"]["winners"][0], "Wednesday", "{done}");

    let pa = get(app, &format!("/api/v1/coop/proposals/{pa_id}"), &m[0].1).await;
    assert_eq!(pa["state"], "no_quorum", "{pa}");
    assert_eq!(pa["result"]["outcome"], "no_quorum", "{pa}");
    assert_eq!(pa["result"]["quorum_reached"], false, "{pa}");
    assert_eq!(pa["result"]["voted"], 3);
    assert_eq!(pa["result"]["eligible"], 10);
    assert_eq!(pa["enacted_at"], Value::Null, "{pa}");
    let (_, coc) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    assert_eq!(coc["version"], 1, "nothing enacted: {coc}");
    let events = get(app, "/api/v1/coop/events?limit=80", &m[0].1).await;
    assert!(
        !events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["proposal_id"] == pa_id.as_str()
                && (e["kind"] == "proposal.enacted" || e["kind"] == "policy.adopted")),
        "{events}"
    );
}

on_both_backends!(
    score_and_quorum,
    score_and_quorum_scenario,
    score_and_quorum
);

fn dot_voting(config: &mut Config) {
    bylaws_with(config, |t| {
        rule(t, "general", "{ method: dot, min_days: 6, dots: 5 }")
    });
}

/// Dot voting over HTTP: five dots each, more refused, totals summed.
async fn dot_scenario(app: &common::TestApp) {
    let m = members(app, 4).await;
    let p = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Next features", "body": "",
                "options": ["search", "lists", "themes"] }),
    )
    .await;
    assert_eq!(p["method"], "dot");
    assert_eq!(p["rule"]["dots"], 5);
    let pid = p["id"].as_str().unwrap().to_string();
    let (status, err) = vote(
        app,
        &m[1].1,
        &pid,
        json!({ "dots": { "search": 4, "lists": 2 } }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("6 dots placed, but each member has only 5"),
        "{err}"
    );
    for body in [
        json!({ "dots": { "maps": 1 } }),
        json!({ "dots": { "search": "many" } }),
        json!({ "scores": { "search": 1 } }),
    ] {
        let (status, err) = vote(app, &m[1].1, &pid, body.clone()).await;
        assert_eq!(status, 422, "{body} → {err}");
    }
    let ballots = [
        json!({ "dots": { "search": 5 } }),
        json!({ "dots": { "search": 2, "lists": 3 } }),
        json!({ "dots": { "lists": 1, "themes": 4 } }),
        json!({ "dots": { "themes": 1 } }),
    ];
    for (i, b) in ballots.iter().enumerate() {
        let (status, v) = vote(app, &m[i].1, &pid, b.clone()).await;
        assert_eq!(status, 200, "{b} → {v}");
    }
    // m3 changes their mind: the last ballot counts.
    let (status, v) = vote(app, &m[3].1, &pid, json!({ "dots": { "search": 2 } })).await;
    assert_eq!((status, v["replaced"].clone()), (200, json!(true)), "{v}");
    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[0].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(
        done["result"]["tally"]["options"],
        json!([
            { "option": "search", "total": 9 },
            { "option": "lists", "total": 4 },
            { "option": "themes", "total": 4 },
        ]),
        "{done}"
    );
    assert_eq!(done["result"]["tally"]["ballots"], 4);
    assert_eq!(done["result"]["winners"][0], "search", "{done}");
}

on_both_backends!(dot_voting, dot_scenario, dot_voting);

fn option_counts(poll: &Value) -> Vec<Value> {
    poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["votes_count"].clone())
        .collect()
}

/// Results hidden until close, completely: while open neither the proposal (tally) nor its
/// poll (per-answer counts, as Mastodon's hide_totals) nor the log shows how anyone voted;
/// after close both show the result.
async fn hidden_results(app: &common::TestApp) {
    let m = members(app, 4).await;
    let p = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Quiet count", "body": "", "hide_results": true }),
    )
    .await;
    assert_eq!(p["hide_results"], true);
    let pid = p["id"].as_str().unwrap().to_string();
    let poll = p["poll_id"].as_str().expect("a poll").to_string();
    // Two vote through the co-op API, one through the poll.
    for (i, choice) in [(0, "agree"), (1, "disagree")] {
        let (status, v) = vote(app, &m[i].1, &pid, json!({ "choice": choice })).await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, v) = app
        .post_json(
            &format!("/api/v1/polls/{poll}/votes"),
            &m[2].1,
            json!({ "choices": ["0"] }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(option_counts(&v), vec![Value::Null; 4], "{v}");

    for (_, t) in &m {
        let open = get(app, &format!("/api/v1/coop/proposals/{pid}"), t).await;
        assert_eq!(open["tally"], Value::Null, "{open}");
        assert_eq!(open["result"], Value::Null, "{open}");
        assert_eq!(open["votes_count"], 3, "who voted is known: {open}");
        assert!(
            open["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["detail"].get("ballot").is_none()),
            "{open}"
        );
        let pl = get(app, &format!("/api/v1/polls/{poll}"), t).await;
        assert_eq!(option_counts(&pl), vec![Value::Null; 4], "{pl}");
        assert_eq!(pl["expired"], false);
        let st = get(
            app,
            &format!("/api/v1/statuses/{}", p["status_id"].as_str().unwrap()),
            t,
        )
        .await;
        assert_eq!(option_counts(&st["poll"]), vec![Value::Null; 4], "{st}");
    }
    let events = get(app, "/api/v1/coop/events?limit=80", &m[3].1).await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["detail"].get("ballot").is_none()),
        "{events}"
    );

    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[3].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(done["tally"]["agree"], 2, "{done}");
    assert_eq!(done["tally"]["disagree"], 1, "{done}");
    assert_eq!(done["result"]["tally"], done["tally"]);
    let pl = get(app, &format!("/api/v1/polls/{poll}"), &m[3].1).await;
    assert_eq!(pl["expired"], true, "{pl}");
    assert_eq!(
        option_counts(&pl),
        [json!(2), json!(0), json!(1), json!(0)],
        "{pl}"
    );
}

on_both_backends!(results_hidden_until_close, hidden_results);

fn link_of(res: &reqwest::Response, rel: &str) -> Option<String> {
    let header = res.headers().get("link")?.to_str().ok()?.to_string();
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params.contains(&format!("rel=\"{rel}\"")).then(|| {
            url.trim()
                .trim_matches(|c| c == '<' || c == '>')
                .to_string()
        })
    })
}

/// `GET proposals?state=` filters and pages by `Link`; an unknown state is a 422; the log is
/// for members only.
async fn listing(app: &common::TestApp) {
    let m = members(app, 2).await;
    let tok = &m[0].1;
    // One proposal closes (enacted) before three more open.
    let first = propose(
        app,
        tok,
        json!({ "kind": "general", "title": "First", "body": "" }),
    )
    .await;
    let (status, _) = vote(
        app,
        tok,
        first["id"].as_str().unwrap(),
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 200);
    close_after(app, 6).await;
    let mut open_ids = Vec::new();
    for title in ["Second", "Third", "Fourth"] {
        let p = propose(
            app,
            tok,
            json!({ "kind": "general", "title": title, "body": "" }),
        )
        .await;
        open_ids.push(p["id"].as_str().unwrap().to_string());
    }
    open_ids.reverse(); // newest first

    // Open proposals, two a page, newest first, following `Link: rel="next"`.
    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/coop/proposals?state=open&limit=2");
    let mut pages = 0;
    loop {
        let res = app.client.get(&url).bearer_auth(tok).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let next = link_of(&res, "next");
        let page: Vec<Value> = res.json().await.unwrap();
        if page.is_empty() {
            break;
        }
        pages += 1;
        for p in &page {
            assert_eq!(p["state"], "open", "{p}");
            seen.push(p["id"].as_str().unwrap().to_string());
        }
        let Some(next) = next else { break };
        assert!(next.contains("state=open"), "{next}");
        url = next;
        assert!(pages < 5, "paging ends");
    }
    assert_eq!(seen, open_ids);
    assert!(pages >= 2, "three open proposals take two pages of two");

    let enacted = get(app, "/api/v1/coop/proposals?state=enacted", tok).await;
    let ids: Vec<&str> = enacted
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first["id"].as_str().unwrap()]);
    assert_eq!(
        get(app, "/api/v1/coop/proposals?state=failed", tok).await,
        json!([])
    );
    let all = get(app, "/api/v1/coop/proposals", tok).await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    let (status, err) = app
        .get_json("/api/v1/coop/proposals?state=pending", Some(tok))
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("Unknown proposal state"),
        "{err}"
    );

    // The governance log: members read it; a non-member is refused, an anonymous caller too.
    let olive = app.create_user("olive", PW).await;
    let olive_tok = token_for(app, olive).await;
    let (status, err) = app.get_json("/api/v1/coop/events", Some(&olive_tok)).await;
    assert_eq!(status, 403, "{err}");
    assert!(err["error"].is_string(), "{err}");
    let (status, _) = app.get_json("/api/v1/coop/events", None).await;
    assert_eq!(status, 401);
    let (status, _) = app
        .get_json("/api/v1/coop/proposals", Some(&olive_tok))
        .await;
    assert_eq!(status, 403);
    let res = app
        .client
        .get(app.url("/api/v1/coop/events?limit=2"))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let next = link_of(&res, "next").expect("the log pages by Link");
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 2);
    let older = get(app, next.trim_start_matches(&app.base), tok).await;
    let first_older = older[0]["id"].as_str().unwrap().parse::<i64>().unwrap();
    let last_newer = page[1]["id"].as_str().unwrap().parse::<i64>().unwrap();
    assert!(first_older < last_newer, "the next page is older");
}

on_both_backends!(proposals_list_and_log, listing);

/// A secret proposal: after close no ballot row says who cast it or when (the `ballot.cast`
/// log's times would re-link them otherwise), while every voter can still check their receipt.
async fn secret_ballots(app: &common::TestApp) {
    let m = members(app, 4).await;
    let p = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Secret matter", "body": "", "secret": true }),
    )
    .await;
    assert_eq!(p["secret"], true);
    assert_eq!(
        p["poll_id"],
        Value::Null,
        "a poll would show who answered what"
    );
    let pid = p["id"].as_str().unwrap().to_string();
    let mut last = Vec::new();
    for (i, choice) in [(0, "agree"), (1, "disagree"), (2, "block"), (1, "agree")] {
        let (status, v) = vote(app, &m[i].1, &pid, json!({ "choice": choice })).await;
        assert_eq!(status, 200, "{v}");
        last.retain(|(j, _): &(usize, Value)| *j != i);
        last.push((i, v));
        // Paced, so the ballots' times differ.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rows = |pid: i64| async move {
        sqlx::query_as::<_, (i64, Option<i64>, i64, Option<i64>, String)>(
            "SELECT id, account_id, cast_at, superseded_at, receipt FROM ballots \
             WHERE proposal_id = $1 ORDER BY id",
        )
        .bind(pid)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
    };
    let pid_n: i64 = pid.parse().unwrap();
    let open_rows = rows(pid_n).await;
    assert_eq!(open_rows.len(), 4);
    assert!(
        open_rows.iter().all(|r| r.1.is_some()),
        "linked while open, so members see and change their vote"
    );

    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[1].1).await;
    assert_eq!(done["state"], "failed", "m2 blocked: {done}");
    assert_eq!(done["my_vote"], Value::Null, "{done}");
    let (closed_at,): (i64,) = sqlx::query_as("SELECT closed_at FROM proposals WHERE id = $1")
        .bind(pid_n)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let closed = rows(pid_n).await;
    assert_eq!(closed.len(), 4, "the history is kept, unlinked");
    for (id, account, cast_at, superseded_at, _) in &closed {
        assert_eq!(*account, None);
        assert_eq!(*cast_at, closed_at, "no time of casting");
        assert!(superseded_at.is_none_or(|t| t == closed_at));
        assert!(
            herd::ids::id_millis(*id) >= closed_at / 1000,
            "ids drawn at close, not when cast"
        );
    }
    assert_eq!(closed.iter().filter(|r| r.3.is_some()).count(), 1);
    // Who voted is kept, but not who voted more than once, nor when last.
    let voters: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT ballots_cast, first_cast_at, last_cast_at FROM proposal_voters WHERE proposal_id = $1",
    )
    .bind(pid_n)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(voters.len(), 3);
    assert!(
        voters
            .iter()
            .all(|(n, first, last)| *n == 1 && first == last),
        "{voters:?}"
    );
    let receipts_by_id: Vec<&str> = closed.iter().map(|r| r.4.as_str()).collect();
    let mut sorted = receipts_by_id.clone();
    sorted.sort();
    assert_eq!(
        receipts_by_id, sorted,
        "id order says nothing but the receipts' order"
    );

    // Each voter recomputes their receipt from their ballot and nonce and finds it counted.
    let listed: Vec<&str> = done["result"]["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 3);
    for (i, v) in &last {
        let canonical = serde_json::to_string(&v["ballot"]).unwrap();
        let receipt = herd_governance::receipt::receipt_for_json(
            pid_n,
            &canonical,
            v["nonce"].as_str().unwrap(),
        );
        assert_eq!(receipt, v["receipt"].as_str().unwrap(), "m{i}");
        assert!(
            listed.contains(&receipt.as_str()),
            "m{i}'s receipt is counted"
        );
    }
    // The log says who voted, not how.
    let events = get(app, "/api/v1/coop/events?limit=80", &m[0].1).await;
    let cast: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "ballot.cast" && e["proposal_id"] == pid.as_str())
        .collect();
    assert_eq!(
        cast.len(),
        3,
        "one per voter: a changed secret vote is not logged"
    );
    assert!(cast.iter().all(|e| e["detail"].get("ballot").is_none()));
}

on_both_backends!(secret_ballots_unlinked_at_close, secret_ballots);

/// The bylaws list, per clause, the sanctions it permits: every clause has an explicit entry
/// (none permits a moderation sanction), and the parser serves them.
async fn bylaws_sanctions(app: &common::TestApp) {
    let (status, by) = app.get_json("/api/v1/coop/policies/bylaws", None).await;
    assert_eq!(status, 200, "{by}");
    let text = by["text"].as_str().unwrap();
    let front = text.split("\n---\n").next().unwrap();
    let clauses = by["clauses"].as_array().unwrap();
    assert!(clauses.len() >= 20, "{by}");
    for c in clauses {
        let id = c["id"].as_str().unwrap();
        assert_eq!(c["sanctions"], json!([]), "{c}");
        assert!(
            front.contains(&format!("\n  \"{id}\": []")),
            "clause {id} has an explicit sanctions entry"
        );
    }
}

on_both_backends!(bylaws_list_sanctions_per_clause, bylaws_sanctions);
