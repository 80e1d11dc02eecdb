//! Secret ballots stay secret while the vote is open, and one member cannot change the rules
//! alone (issue 12, items 1 and 10), over HTTP.
//!
//! While a secret proposal is open, no reader (members, the author, the voters themselves)
//! sees a tally, and a changed vote leaves nothing that another member can see change: the
//! proposal, the proposals list, the governance log, the co-op's post (and a poll, were there
//! one) read the same before and after it, and the streams stay silent. Who has voted may be
//! shown (`votes_count`, the first `ballot.cast` of each voter), how never. At the close the
//! tally, the result and the receipts appear as before.
//!
//! The default bylaws set a quorum for the kinds that change the rules, roles or membership,
//! so a lone "agree" on a policy amendment ends `no_quorum`; `urgent` needs `urgent_reason`.

mod common;

use common::coop::members;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

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

async fn vote(app: &common::TestApp, token: &str, id: &str, body: Value) -> Value {
    let (status, v) = app
        .post_json(&format!("/api/v1/coop/proposals/{id}/votes"), token, body)
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Moves the clock past every open proposal's close and runs the queue.
async fn close_after(app: &common::TestApp, days: u64) {
    app.state
        .clock
        .advance(Duration::from_secs(days * 86_400 + 60));
    app.run_jobs().await;
}

/// Everything a member can read about a proposal: the proposal, the proposals list, the
/// governance log, the co-op's post and its poll (when there is one).
async fn observe(app: &common::TestApp, pid: &str, token: &str) -> Value {
    app.run_jobs().await;
    let proposal = get(app, &format!("/api/v1/coop/proposals/{pid}"), token).await;
    let list = get(app, "/api/v1/coop/proposals", token).await;
    let events = get(app, "/api/v1/coop/events?limit=80", token).await;
    let status = match proposal["status_id"].as_str() {
        Some(id) => get(app, &format!("/api/v1/statuses/{id}"), token).await,
        None => Value::Null,
    };
    let poll = match proposal["poll_id"].as_str() {
        Some(id) => get(app, &format!("/api/v1/polls/{id}"), token).await,
        None => Value::Null,
    };
    json!({ "proposal": proposal, "list": list, "events": events, "status": status, "poll": poll })
}

/// No tally anywhere a member reads while the vote is open.
fn assert_no_tally(seen: &Value, who: &str) {
    let p = &seen["proposal"];
    assert_eq!(p["tally"], Value::Null, "{who}: {p}");
    assert_eq!(p["result"], Value::Null, "{who}: {p}");
    assert_eq!(p["hide_results"], true, "{who}: {p}");
    for listed in seen["list"].as_array().unwrap() {
        assert_eq!(listed["tally"], Value::Null, "{who}: {listed}");
    }
    for poll in [&seen["poll"], &seen["status"]["poll"]] {
        if let Some(options) = poll["options"].as_array() {
            for o in options {
                assert_eq!(o["votes_count"], Value::Null, "{who}: {poll}");
            }
        }
    }
    for e in seen["events"].as_array().unwrap() {
        if e["proposal_id"] == p["id"] {
            assert!(e["detail"].get("ballot").is_none(), "{who}: {e}");
            assert!(e["detail"].get("tally").is_none(), "{who}: {e}");
        }
    }
}

/// A secret proposal while open shows no tally to members, to the author or to the voters
/// (a consent vote and a ranked-choice election alike); after the close, the tally, the
/// result and the receipts appear.
async fn no_tally_while_open(app: &common::TestApp) {
    let m = members(app, 4).await;
    let p = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "A secret matter", "body": "", "secret": true }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(p["secret"], true);
    assert_eq!(p["tally"], Value::Null, "{p}");
    let e = propose(
        app,
        &m[1].1,
        json!({ "kind": "role_election", "title": "A moderator", "body": "",
                "payload": { "role": "moderator", "candidates": [m[1].0.to_string(), m[2].0.to_string()] } }),
    )
    .await;
    let eid = e["id"].as_str().unwrap().to_string();
    assert_eq!(e["secret"], true, "elections are secret by default: {e}");

    let a1 = vote(app, &m[1].1, &pid, json!({ "choice": "agree" })).await;
    let a2 = vote(app, &m[2].1, &pid, json!({ "choice": "disagree" })).await;
    let e1 = vote(
        app,
        &m[1].1,
        &eid,
        json!({ "ranking": [m[1].0.to_string()] }),
    )
    .await;
    let e3 = vote(
        app,
        &m[3].1,
        &eid,
        json!({ "ranking": [m[1].0.to_string(), m[2].0.to_string()] }),
    )
    .await;

    for (i, who) in [(0, "the author"), (1, "a voter"), (3, "a member")] {
        let seen = observe(app, &pid, &m[i].1).await;
        assert_no_tally(&seen, who);
        assert_eq!(seen["proposal"]["votes_count"], 2, "who voted may be shown");
        let seen = observe(app, &eid, &m[i].1).await;
        assert_no_tally(&seen, who);
    }
    // The voter sees their own ballot, not the count.
    let mine = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[1].1).await;
    assert_eq!(
        mine["my_vote"]["ballot"],
        json!({ "choice": "agree" }),
        "{mine}"
    );

    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[3].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(done["tally"]["agree"], 1, "{done}");
    assert_eq!(done["tally"]["disagree"], 1, "{done}");
    assert_eq!(done["result"]["tally"], done["tally"], "{done}");
    assert_eq!(done["result"]["voted"], 2, "{done}");
    let receipts = done["result"]["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2, "{done}");
    for v in [&a1, &a2] {
        assert!(receipts.contains(&v["receipt"]), "{v} counted: {done}");
    }
    let done = get(app, &format!("/api/v1/coop/proposals/{eid}"), &m[0].1).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert!(done["tally"].is_object(), "{done}");
    assert_eq!(
        done["result"]["winners"],
        json!([m[1].0.to_string()]),
        "{done}"
    );
    let receipts = done["result"]["receipts"].as_array().unwrap();
    for v in [&e1, &e3] {
        assert!(receipts.contains(&v["receipt"]), "{v} counted: {done}");
    }
}

on_both_backends!(secret_ballot_shows_no_tally_while_open, no_tally_while_open);

/// A member changes their secret vote: nothing another member or the author reads changes
/// (proposal, list, log, the co-op's post), and no stream says anything. The changed vote is
/// the one counted at the close.
async fn changed_vote_leaves_no_trace(app: &common::TestApp) {
    let m = members(app, 4).await;
    let p = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Another secret matter", "body": "", "secret": true }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    vote(app, &m[1].1, &pid, json!({ "choice": "agree" })).await;
    vote(app, &m[2].1, &pid, json!({ "choice": "block" })).await;

    let before_member = observe(app, &pid, &m[3].1).await;
    let before_author = observe(app, &pid, &m[0].1).await;
    let before_voter = observe(app, &pid, &m[1].1).await;
    assert_no_tally(&before_member, "a member");

    // The observer (a member who follows @coop) listens on their streams meanwhile.
    let url = format!(
        "{}/api/v1/streaming?stream=user&access_token={}",
        app.base.replacen("http://", "ws://", 1),
        m[3].1
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    let public = format!(
        "{}/api/v1/streaming?stream=public&access_token={}",
        app.base.replacen("http://", "ws://", 1),
        m[3].1
    );
    let (mut ws_public, _) = tokio_tungstenite::connect_async(public)
        .await
        .expect("websocket connects");

    // m2 changes their vote, twice (block → agree → disagree).
    let changed = vote(app, &m[2].1, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(changed["replaced"], true, "{changed}");
    let last = vote(app, &m[2].1, &pid, json!({ "choice": "disagree" })).await;

    let after_member = observe(app, &pid, &m[3].1).await;
    let after_author = observe(app, &pid, &m[0].1).await;
    let after_voter = observe(app, &pid, &m[1].1).await;
    assert_eq!(before_member, after_member, "a member sees a changed vote");
    assert_eq!(
        before_author, after_author,
        "the author sees a changed vote"
    );
    assert_eq!(
        before_voter, after_voter,
        "another voter sees a changed vote"
    );
    for ws in [&mut ws, &mut ws_public] {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ws.next()).await {
            if let Ok(Message::Text(t)) = msg {
                panic!("a stream told of a changed secret vote: {t}");
            }
        }
    }
    // Only the voter sees their change (their own ballot and its history).
    let own = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[2].1).await;
    assert_eq!(
        own["my_vote"]["ballot"],
        json!({ "choice": "disagree" }),
        "{own}"
    );
    assert_eq!(
        own["my_vote"]["history"].as_array().unwrap().len(),
        2,
        "{own}"
    );
    assert_eq!(own["tally"], Value::Null, "{own}");

    // A first vote shows who voted (the count, a `ballot.cast` naming them), never how.
    vote(app, &m[3].1, &pid, json!({ "choice": "abstain" })).await;
    let after_first = observe(app, &pid, &m[1].1).await;
    assert_no_tally(&after_first, "a voter");
    assert_eq!(after_first["proposal"]["votes_count"], 3);
    let cast: Vec<&Value> = after_first["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "ballot.cast" && e["proposal_id"] == pid.as_str())
        .collect();
    assert_eq!(cast.len(), 3, "one per voter, none per change: {cast:?}");
    assert_eq!(cast[0]["actor"]["id"], m[3].0.to_string());

    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[3].1).await;
    assert_eq!(done["state"], "enacted", "the block was withdrawn: {done}");
    assert_eq!(done["tally"]["agree"], 1, "{done}");
    assert_eq!(done["tally"]["disagree"], 1, "{done}");
    assert_eq!(done["tally"]["abstain"], 1, "{done}");
    assert_eq!(done["tally"]["block"], 0, "{done}");
    assert!(
        done["result"]["receipts"]
            .as_array()
            .unwrap()
            .contains(&last["receipt"]),
        "{done}"
    );
    assert!(
        !done["result"]["receipts"]
            .as_array()
            .unwrap()
            .contains(&changed["receipt"]),
        "only the last ballot counts: {done}"
    );
}

on_both_backends!(
    changed_secret_vote_leaves_no_trace,
    changed_vote_leaves_no_trace
);

/// `urgent` needs `urgent_reason` (bylaws 4.4): without one the proposal is refused with 422
/// and nothing is written; with one, the reason is shown with the proposal.
async fn urgent_needs_reason(app: &common::TestApp) {
    let m = members(app, 2).await;
    app.run_jobs().await;
    let mails = app.mails().len();
    let soon = herd::time::iso(app.state.clock.now_micros() + 2 * 86_400_000_000 + 1_000_000);
    for body in [
        json!({ "kind": "general", "title": "Now", "body": "", "urgent": true }),
        json!({ "kind": "general", "title": "Now", "body": "", "urgent": true, "closes_at": soon }),
        json!({ "kind": "general", "title": "Now", "body": "", "urgent": true, "urgent_reason": "  " }),
        json!({ "kind": "general", "title": "Now", "body": "", "urgent_reason": "no urgency" }),
        json!({ "kind": "general", "title": "Now", "body": "", "urgent": true,
                "urgent_reason": "x".repeat(1001) }),
    ] {
        let (status, err) = app
            .post_json("/api/v1/coop/proposals", &m[1].1, body.clone())
            .await;
        assert_eq!(status, 422, "{body} → {err}");
        assert!(
            err["error"].as_str().unwrap().contains("Urgent reason"),
            "{body} → {err}"
        );
        assert!(err["details"]["urgent_reason"].is_array(), "{err}");
    }
    app.run_jobs().await;
    assert_eq!(get(app, "/api/v1/coop/proposals", &m[0].1).await, json!([]));
    let events = get(app, "/api/v1/coop/events?limit=80", &m[0].1).await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["proposal_id"].is_null()),
        "{events}"
    );
    let (_, coop) = app
        .get_json("/api/v1/accounts/lookup?acct=coop", None)
        .await;
    assert_eq!(coop["statuses_count"], 0, "{coop}");
    assert_eq!(app.mails().len(), mails, "nothing queued");

    let p = propose(
        app,
        &m[1].1,
        json!({ "kind": "general", "title": "Now", "body": "", "urgent": true,
                "urgent_reason": "The server's certificate expires on Friday.", "closes_at": soon }),
    )
    .await;
    assert_eq!(p["urgent"], true);
    assert_eq!(
        p["urgent_reason"],
        "The server's certificate expires on Friday."
    );
    let pid = p["id"].as_str().unwrap();
    let seen = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[0].1).await;
    assert_eq!(seen["urgent_reason"], p["urgent_reason"], "{seen}");
    let calm = propose(
        app,
        &m[1].1,
        json!({ "kind": "general", "title": "Later", "body": "" }),
    )
    .await;
    assert_eq!(calm["urgent_reason"], Value::Null, "{calm}");
}

on_both_backends!(urgent_needs_a_reason, urgent_needs_reason);

/// Under the default bylaws a policy amendment needs a tenth of the members to vote: the
/// author's lone "agree" among 11 members ends `no_quorum`, and nothing is adopted.
async fn lone_agree(app: &common::TestApp) {
    let m = members(app, 11).await;
    let (_, coc) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    let v2 = coc["text"]
        .as_str()
        .unwrap()
        .replacen("version: 1", "version: 2", 1);
    let pa = propose(
        app,
        &m[3].1,
        json!({ "kind": "policy_amendment", "title": "My rules", "body": "",
                "payload": { "policy": "code-of-conduct", "text": v2 } }),
    )
    .await;
    assert_eq!(pa["rule"]["quorum_share"], 0.1, "{pa}");
    let pid = pa["id"].as_str().unwrap().to_string();
    vote(app, &m[3].1, &pid, json!({ "choice": "agree" })).await;
    close_after(app, 6).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{pid}"), &m[0].1).await;
    assert_eq!(done["state"], "no_quorum", "{done}");
    assert_eq!(done["result"]["quorum_reached"], false, "{done}");
    assert_eq!(done["result"]["eligible"], 11, "{done}");
    let (_, coc) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    assert_eq!(coc["version"], 1, "nothing adopted: {coc}");

    // The other kinds the defaults give a quorum, as the bylaws in force say.
    for (kind, share) in [
        ("role_election", 0.1),
        ("membership", 0.1),
        ("bylaws_amendment", 0.2),
        ("policy_amendment", 0.1),
    ] {
        let (_, by) = app.get_json("/api/v1/coop/policies/bylaws", None).await;
        let text = by["text"].as_str().unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  {kind}:")))
            .unwrap();
        assert!(line.contains(&format!("quorum_share: {share}")), "{line}");
    }
}

on_both_backends!(lone_agree_on_a_policy_amendment_is_no_quorum, lone_agree);
