//! Roles held for a term and numbered policy versions (issue 12, items 7 and 8), over HTTP:
//! an election fills the seats it names and leaves the other holders theirs; terms end by a
//! queued job (`role.expired`) after a month's notice by mail; the last holder holds over until
//! an election fills the seat; a recall removes a role; the member entity shows `role_terms`.
//! An amendment written on the text in force is numbered by Herd; of two amendments written on
//! the same version, the second to pass is not enacted and says why; a text naming another
//! version is refused when proposed.

mod common;

use common::coop::{members, token_for, PW};

use std::time::Duration;

use serde_json::{json, Value};

const DAY: i64 = 86_400_000_000;

async fn get(app: &common::TestApp, path: &str, token: &str) -> Value {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn propose(app: &common::TestApp, token: &str, body: Value) -> (u16, Value) {
    app.post_json("/api/v1/coop/proposals", token, body).await
}

async fn proposal_count(app: &common::TestApp, token: &str) -> usize {
    get(app, "/api/v1/coop/proposals?limit=40", token)
        .await
        .as_array()
        .unwrap()
        .len()
}

/// Moves the clock on by `days` (and a minute) and runs the queue.
async fn after_days(app: &common::TestApp, days: u64) {
    app.state
        .clock
        .advance(Duration::from_secs(days * 86_400 + 60));
    app.run_jobs().await;
}

/// Opens an election of `candidate` to `role` (with the proposal's own `term_days` if given)
/// and has every member rank the candidate first; returns the proposal.
async fn elect(
    app: &common::TestApp,
    m: &[(i64, String)],
    role: &str,
    candidate: i64,
    term_days: Option<u64>,
) -> Value {
    let mut payload = json!({ "role": role, "seats": 1, "candidates": [candidate.to_string()] });
    if let Some(d) = term_days {
        payload["term_days"] = json!(d);
    }
    let (status, p) = propose(
        app,
        &m[0].1,
        json!({ "kind": "role_election", "title": format!("A {role}"), "body": "One seat.",
                "payload": payload }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let pid = p["id"].as_str().unwrap().to_string();
    for (_, t) in m {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                t,
                json!({ "ranking": [candidate.to_string()] }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    p
}

async fn member(app: &common::TestApp, token: &str, id: i64) -> Value {
    get(app, &format!("/api/v1/coop/members/{id}"), token).await
}

fn has_role(member: &Value, role: &str) -> bool {
    member["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == role)
}

/// The member's term of `role`: (since, until, holding_over), times in epoch microseconds.
fn term_of(member: &Value, role: &str) -> (i64, i64, bool) {
    let t = member["role_terms"]
        .as_array()
        .unwrap_or_else(|| panic!("role_terms: {member}"))
        .iter()
        .find(|t| t["role"] == role)
        .unwrap_or_else(|| panic!("a {role} term: {member}"));
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(t[k].as_str().unwrap_or_else(|| panic!("{k}: {t}")))
            .unwrap()
            .timestamp_micros()
    };
    (
        at("since"),
        at("until"),
        t["holding_over"].as_bool().unwrap(),
    )
}

async fn events(app: &common::TestApp, token: &str) -> Vec<Value> {
    get(app, "/api/v1/coop/events?limit=80", token)
        .await
        .as_array()
        .unwrap()
        .clone()
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

/// Electing a second moderator leaves the first theirs; each holds the role for the term the
/// election gave (the bylaws' year, or the proposal's `term_days`), shown in `role_terms`.
/// The bootstrap admin holds a three-month term.
async fn second_moderator_scenario(app: &common::TestApp) {
    let m = members(app, 5).await;
    let ada = member(app, &m[0].1, m[0].0).await;
    let (since, until, over) = term_of(&ada, "admin");
    assert_eq!((until - since, over), (90 * DAY, false), "{ada}");

    // A term that is not a number of days, or too long, is refused when proposed.
    let before = proposal_count(app, &m[0].1).await;
    for bad in [json!(0), json!(-3), json!("a year"), json!(5000)] {
        let (status, err) = propose(
            app,
            &m[0].1,
            json!({ "kind": "role_election", "title": "x", "body": "",
                    "payload": { "role": "moderator", "candidates": [m[1].0.to_string()],
                                 "term_days": bad } }),
        )
        .await;
        assert_eq!(status, 422, "{bad}: {err}");
        assert!(
            err["error"].as_str().unwrap().contains("term_days"),
            "{err}"
        );
    }
    assert_eq!(
        proposal_count(app, &m[0].1).await,
        before,
        "nothing written"
    );

    let first = elect(app, &m, "moderator", m[1].0, None).await;
    assert_eq!(first["payload"]["term_days"], 365, "{first}");
    after_days(app, 6).await;
    let second = elect(app, &m, "moderator", m[2].0, Some(30)).await;
    assert_eq!(second["payload"]["term_days"], 30, "{second}");
    after_days(app, 6).await;
    let done = get(
        app,
        &format!("/api/v1/coop/proposals/{}", second["id"].as_str().unwrap()),
        &m[0].1,
    )
    .await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(done["result"]["enactment"]["revoked"], json!([]), "{done}");

    let m1 = member(app, &m[0].1, m[1].0).await;
    let m2 = member(app, &m[0].1, m[2].0).await;
    assert!(has_role(&m1, "moderator"), "the first keeps the role: {m1}");
    assert!(has_role(&m2, "moderator"), "{m2}");
    let (since, until, over) = term_of(&m1, "moderator");
    assert_eq!((until - since, over), (365 * DAY, false), "{m1}");
    let (since, until, over) = term_of(&m2, "moderator");
    assert_eq!((until - since, over), (30 * DAY, false), "{m2}");
    assert!(m2["role_terms"].as_array().unwrap().len() == 1, "{m2}");
    // Nobody lost a role.
    assert!(
        !events(app, &m[0].1)
            .await
            .iter()
            .any(|e| e["kind"] == "role.revoked"),
        "no revocation"
    );
}

on_both_backends!(second_moderator_keeps_the_first, second_moderator_scenario);

/// Terms end by the queued job: a month before, the holder and the members are mailed; at the
/// end the role expires (`role.expired`) while another holds it, and the last holder holds
/// over until an election fills the seat, which then ends the holding over (logged).
async fn expiry_scenario(app: &common::TestApp) {
    let m = members(app, 5).await;
    let tok = m[0].1.clone();
    // Day 0: two elections open; at day 6 m1 has a 40-day term, m2 a 100-day one.
    elect(app, &m, "moderator", m[1].0, Some(40)).await;
    elect(app, &m, "moderator", m[2].0, Some(100)).await;
    after_days(app, 6).await;
    let mods: Vec<bool> = {
        let mut v = vec![];
        for i in [1, 2] {
            v.push(has_role(&member(app, &tok, m[i].0).await, "moderator"));
        }
        v
    };
    assert_eq!(mods, [true, true]);
    assert_eq!(subjects(app, "Your term as moderator"), 0);

    // Day 17: m1's term ends in a month; the holder and the other members are told.
    after_days(app, 11).await;
    assert_eq!(subjects(app, "Your term as moderator ends on"), 1);
    assert_eq!(subjects(app, "@m1's term as moderator ends on"), 4);
    let to_m1 = app
        .mails()
        .into_iter()
        .find(|mail| mail.contains("Subject: Your term as moderator"))
        .unwrap();
    assert!(to_m1.contains("m1@example.org"), "{to_m1}");

    // Day 47: m1's term has ended; m2 still holds the role, so m1's expires.
    after_days(app, 30).await;
    let m1 = member(app, &tok, m[1].0).await;
    assert!(!has_role(&m1, "moderator"), "{m1}");
    assert_eq!(m1["role_terms"], json!([]), "{m1}");
    assert!(has_role(&member(app, &tok, m[2].0).await, "moderator"));
    let log = events(app, &tok).await;
    let expired: Vec<&Value> = log.iter().filter(|e| e["kind"] == "role.expired").collect();
    assert_eq!(expired.len(), 1, "{log:?}");
    assert_eq!(expired[0]["subject"]["id"], m[1].0.to_string());
    assert_eq!(expired[0]["detail"]["role"], "moderator");
    assert_eq!(expired[0]["detail"]["holding_over"], false);

    // Day 107: m2's term has ended too, and nobody else is a moderator: m2 holds over. The
    // bootstrap admin's three months ended at day 90 the same way (the only admin).
    after_days(app, 60).await;
    let m2 = member(app, &tok, m[2].0).await;
    assert!(has_role(&m2, "moderator"), "{m2}");
    let (_, _, over) = term_of(&m2, "moderator");
    assert!(over, "{m2}");
    let ada = member(app, &tok, m[0].0).await;
    assert!(has_role(&ada, "admin") && term_of(&ada, "admin").2, "{ada}");
    assert_eq!(subjects(app, "Your term as admin ends on"), 1);
    let log = events(app, &tok).await;
    let held = log
        .iter()
        .find(|e| e["kind"] == "role.expired" && e["subject"]["id"] == m[2].0.to_string().as_str())
        .unwrap_or_else(|| panic!("m2's term ended: {log:?}"));
    assert_eq!(held["detail"]["holding_over"], true, "{held}");
    // An election fills the seat: m3 is a moderator for the bylaws' year, m2's holding over ends.
    let e = elect(app, &m, "moderator", m[3].0, None).await;
    after_days(app, 6).await;
    let m3 = member(app, &tok, m[3].0).await;
    let (since, until, over) = term_of(&m3, "moderator");
    assert_eq!((until - since, over), (365 * DAY, false), "{m3}");
    let m2 = member(app, &tok, m[2].0).await;
    assert!(!has_role(&m2, "moderator"), "{m2}");
    let log = events(app, &tok).await;
    let ended = log
        .iter()
        .find(|e| e["kind"] == "role.revoked" && e["subject"]["id"] == m[2].0.to_string().as_str())
        .unwrap_or_else(|| panic!("m2's holding over ended: {log:?}"));
    assert_eq!(ended["proposal_id"], e["id"], "{ended}");
    assert!(
        ended["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("held over"),
        "{ended}"
    );
}

on_both_backends!(terms_expire_and_the_last_holder_holds_over, expiry_scenario);

/// A recall is a `general` proposal with `payload.recall`; it is checked when it opens (the
/// account must hold the role) and, enacted, removes the role (logged with the proposal).
async fn recall_scenario(app: &common::TestApp) {
    let m = members(app, 4).await;
    let mo = app
        .create_user_with("mo", PW, Some("moderator"), true)
        .await;
    let before = proposal_count(app, &m[0].1).await;
    for (recall, expected) in [
        (
            json!({ "account_id": m[1].0.to_string(), "role": "moderator" }),
            "does not hold",
        ),
        (
            json!({ "account_id": mo.to_string(), "role": "treasurer" }),
            "does not hold",
        ),
        (
            json!({ "account_id": mo.to_string(), "role": "emperor" }),
            "role must be one of",
        ),
        (json!({ "role": "moderator" }), "account_id"),
        (json!({ "account_id": mo.to_string() }), "role"),
    ] {
        let (status, err) = propose(
            app,
            &m[1].1,
            json!({ "kind": "general", "title": "Recall", "body": "", "payload": { "recall": recall } }),
        )
        .await;
        assert_eq!(status, 422, "{recall}: {err}");
        assert!(err["error"].as_str().unwrap().contains(expected), "{err}");
    }
    assert_eq!(
        proposal_count(app, &m[0].1).await,
        before,
        "nothing written"
    );

    let (status, p) = propose(
        app,
        &m[1].1,
        json!({ "kind": "general", "title": "Recall mo", "body": "Bylaws 3.3.",
                "payload": { "recall": { "account_id": mo.to_string(), "role": "moderator" } } }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        p["payload"]["recall"],
        json!({ "account_id": mo.to_string(), "role": "moderator" })
    );
    assert_eq!(
        p["secret"], true,
        "a decision about a person is secret by default"
    );
    let pid = p["id"].as_str().unwrap().to_string();
    for (_, t) in &m {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                t,
                json!({ "choice": "agree" }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    // The member a recall is about does not vote on it, as the subject of an expulsion does
    // not (bylaws 5.5): the ballot is refused and the quorum counts only those who may vote.
    let mo_token = token_for(app, mo).await;
    let (status, refused) = app
        .post_json(
            &format!("/api/v1/coop/proposals/{pid}/votes"),
            &mo_token,
            json!({ "choice": "block" }),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("recall"),
        "{refused}"
    );
    let active = get(app, "/api/v1/coop/members?state=active&limit=80", &m[0].1)
        .await
        .as_array()
        .map_or(0, Vec::len);
    assert!(has_role(&member(app, &m[0].1, mo).await, "moderator"));
    after_days(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[0].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(
        done["result"]["eligible"],
        json!(active - 1),
        "mo is not among the eligible: {done}"
    );
    assert_eq!(
        done["result"]["enactment"]["recall"]["revoked"], true,
        "{done}"
    );
    let mo_m = member(app, &m[0].1, mo).await;
    assert!(!has_role(&mo_m, "moderator"), "{mo_m}");
    let log = events(app, &m[0].1).await;
    let revoked = log
        .iter()
        .find(|e| e["kind"] == "role.revoked" && e["subject"]["id"] == mo.to_string().as_str())
        .unwrap_or_else(|| panic!("mo's recall: {log:?}"));
    assert_eq!(revoked["proposal_id"], pid.as_str());
    assert_eq!(revoked["detail"]["reason"], "recalled");
}

on_both_backends!(a_recall_removes_a_role, recall_scenario);

async fn pass(app: &common::TestApp, m: &[(i64, String)], pid: &str) {
    for (_, t) in m {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                t,
                json!({ "choice": "agree" }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
}

/// Herd numbers policy versions: an amendment written on the text in force (its front matter
/// unchanged, or without a version) passes and becomes the next version; of two amendments
/// written on the same version, the second to pass is not enacted and its result says it was
/// written on an older text; a text naming another version is refused when proposed.
async fn numbering_scenario(app: &common::TestApp) {
    let m = members(app, 4).await;
    let tok = m[0].1.clone();
    let coc = get(app, "/api/v1/coop/policies/code-of-conduct", &tok).await;
    assert_eq!(coc["version"], 1);
    let v1 = coc["text"].as_str().unwrap().to_string();
    assert!(v1.contains("\nversion: 1\n"));

    // A text naming version 7 is refused, naming the versions; nothing is written.
    let before = proposal_count(app, &tok).await;
    let (status, err) = propose(
        app,
        &tok,
        json!({ "kind": "policy_amendment", "title": "v7", "body": "",
                "payload": { "policy": "code-of-conduct",
                             "text": v1.replacen("version: 1", "version: 7", 1) } }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    let e = err["error"].as_str().unwrap();
    assert!(
        e.contains("names version 7") && e.contains("version 1 is in force"),
        "{err}"
    );
    assert_eq!(proposal_count(app, &tok).await, before, "nothing written");

    // Written on the text in force, number untouched: accepted, and numbered 2 when enacted.
    let edited = v1.replace(
        "## 1. No hate speech or discrimination",
        "## 1. No hate speech, no discrimination",
    );
    assert_ne!(edited, v1);
    let (status, a) = propose(
        app,
        &tok,
        json!({ "kind": "policy_amendment", "title": "Clearer rule 1", "body": "",
                "payload": { "policy": "code-of-conduct", "text": edited } }),
    )
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["payload"]["amends_version"], 1, "{a}");
    assert_eq!(a["payload"]["version"], 2, "{a}");
    pass(app, &m, a["id"].as_str().unwrap()).await;
    after_days(app, 6).await;
    let done = get(
        app,
        &format!("/api/v1/coop/proposals/{}", a["id"].as_str().unwrap()),
        &tok,
    )
    .await;
    assert_eq!(done["state"], "enacted", "{done}");
    let coc = get(app, "/api/v1/coop/policies/code-of-conduct", &tok).await;
    assert_eq!(coc["version"], 2, "{coc}");
    assert_eq!(coc["adopted_by"], a["id"], "{coc}");
    let v2 = coc["text"].as_str().unwrap().to_string();
    assert!(
        v2.contains("\nversion: 2\n"),
        "the stored text says its number"
    );
    assert!(v2.contains("No hate speech, no discrimination"));

    // Two amendments written on version 2 (one naming no version at all).
    let b_text = v2.replace("### 2.3 Doxxing", "### 2.3 Publishing private information");
    let c_text = v2
        .replacen("version: 2\n", "", 1)
        .replace("## 1. No hate speech, no discrimination", "## 1. No hate");
    assert_ne!(b_text, v2);
    assert_ne!(c_text, v2);
    let (status, b) = propose(
        app,
        &tok,
        json!({ "kind": "policy_amendment", "title": "B", "body": "",
                "payload": { "policy": "code-of-conduct", "text": b_text } }),
    )
    .await;
    assert_eq!(status, 200, "{b}");
    app.state.clock.advance(Duration::from_secs(3600));
    let (status, c) = propose(
        app,
        &tok,
        json!({ "kind": "policy_amendment", "title": "C", "body": "",
                "payload": { "policy": "code-of-conduct", "text": c_text } }),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["payload"]["amends_version"], 2, "{c}");
    assert_eq!(c["payload"]["version"], 3, "{c}");
    let (bid, cid) = (
        b["id"].as_str().unwrap().to_string(),
        c["id"].as_str().unwrap().to_string(),
    );
    pass(app, &m, &bid).await;
    pass(app, &m, &cid).await;
    after_days(app, 6).await;
    let b_done = get(app, &format!("/api/v1/coop/proposals/{bid}"), &tok).await;
    assert_eq!(b_done["state"], "enacted", "{b_done}");
    assert_eq!(b_done["result"]["enactment"]["version"], 3, "{b_done}");
    let c_done = get(app, &format!("/api/v1/coop/proposals/{cid}"), &tok).await;
    assert_eq!(c_done["state"], "passed", "not enacted: {c_done}");
    let why = c_done["result"]["enactment_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{c_done}"));
    assert!(
        why.contains("older text") && why.contains("version 2") && why.contains("version 3"),
        "{why}"
    );
    // B's text is in force, not undone by C.
    let coc = get(app, "/api/v1/coop/policies/code-of-conduct", &tok).await;
    assert_eq!(coc["version"], 3, "{coc}");
    assert_eq!(coc["adopted_by"], bid.as_str(), "{coc}");
    assert!(coc["text"]
        .as_str()
        .unwrap()
        .contains("Publishing private information"));
    assert!(coc["text"]
        .as_str()
        .unwrap()
        .contains("No hate speech, no discrimination"));
    let log = events(app, &tok).await;
    assert!(
        log.iter()
            .any(|e| e["kind"] == "proposal.enactment_failed" && e["proposal_id"] == cid.as_str()),
        "{log:?}"
    );
}

on_both_backends!(herd_numbers_policy_versions, numbering_scenario);

/// Grants from before terms existed get one when `herd serve` starts (`roles::catch_up`): the
/// bylaws' year from the grant, but never ending before the month's notice has been given.
async fn upgrade_scenario(app: &common::TestApp) {
    let m = members(app, 3).await;
    let now = app.state.clock.now_micros();
    for (who, granted_at) in [(m[1].0, now - 400 * DAY), (m[2].0, now - 10 * DAY)] {
        let mut tx = app.state.db.begin_write().await.unwrap();
        herd::storage::governance::insert_role_grant_until(
            &mut **tx,
            herd::ids::next_id_at(granted_at / 1000),
            who,
            "treasurer",
            "proposal:1",
            granted_at,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let m1 = member(app, &m[0].1, m[1].0).await;
    assert_eq!(m1["role_terms"][0]["until"], Value::Null, "{m1}");
    assert_eq!(
        herd::services::roles::catch_up(&app.state).await.unwrap(),
        2
    );
    assert_eq!(
        herd::services::roles::catch_up(&app.state).await.unwrap(),
        0
    );
    let (_, until, _) = term_of(&member(app, &m[0].1, m[1].0).await, "treasurer");
    let ahead = until - now;
    assert!(
        (31 * DAY..31 * DAY + 60_000_000).contains(&ahead),
        "a month's notice first: {ahead}"
    );
    let (since, until, _) = term_of(&member(app, &m[0].1, m[2].0).await, "treasurer");
    assert_eq!(until - since, 365 * DAY);
    // The notice goes out after a day, and the term ends after the month.
    after_days(app, 2).await;
    assert_eq!(subjects(app, "Your term as treasurer ends on"), 1);
    after_days(app, 30).await;
    assert!(!has_role(&member(app, &m[0].1, m[1].0).await, "treasurer"));
    assert!(has_role(&member(app, &m[0].1, m[2].0).await, "treasurer"));
}

on_both_backends!(grants_from_before_terms_get_one, upgrade_scenario);
