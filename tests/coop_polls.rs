//! Proposals voted through the Mastodon poll API (issue 5): majority and approval proposals
//! (approval as a multiple-choice poll) with the result checked through the co-op API after
//! close; and one member's simultaneous votes, through the poll and through the co-op API,
//! counted once: the ballot that counts is the last one written, and the poll shows it.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

const PW: &str = "correct horse battery";

async fn token_for(app: &common::TestApp, account_id: i64) -> String {
    herd::services::oauth::operator_token(&app.state, account_id, "read write")
        .await
        .expect("token")
}

async fn get(app: &common::TestApp, path: &str, token: &str) -> Value {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn propose(app: &common::TestApp, token: &str, body: Value) -> (String, String) {
    let (status, p) = app.post_json("/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    let id = p["id"].as_str().expect("id").to_string();
    let poll = p["poll_id"].as_str().expect("a poll").to_string();
    (id, poll)
}

async fn poll_vote(
    app: &common::TestApp,
    token: &str,
    poll: &str,
    choices: &[i64],
) -> (u16, Value) {
    let choices: Vec<String> = choices.iter().map(i64::to_string).collect();
    app.post_json(
        &format!("/api/v1/polls/{poll}/votes"),
        token,
        json!({ "choices": choices }),
    )
    .await
}

/// Five active members (ada the admin first) with tokens, and an outsider's token.
async fn members(app: &common::TestApp) -> (Vec<String>, String) {
    let ada = app.create_user_with("ada", PW, Some("admin"), true).await;
    let mut tokens = vec![token_for(app, ada).await];
    for i in 1..5 {
        let id = app.create_user_with(&format!("m{i}"), PW, None, true).await;
        tokens.push(token_for(app, id).await);
    }
    let olive = app.create_user("olive", PW).await;
    (tokens, token_for(app, olive).await)
}

/// An app whose bylaws decide `general` proposals by `rule`.
async fn app_with_general_rule(backend: common::Backend, rule: &str) -> Option<common::TestApp> {
    common::TestApp::spawn_with(backend, |config| {
        let dir = config.data_dir.join("bylaws");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
            let mut text = text.to_string();
            if *name == "bylaws.md" {
                let line = text
                    .lines()
                    .find(|l| l.starts_with("  general:"))
                    .expect("a general rule")
                    .to_string();
                text = text.replacen(&line, &format!("  general: {rule}"), 1);
            }
            std::fs::write(dir.join(name), text).unwrap();
        }
        config.bylaws_dir = dir.display().to_string();
    })
    .await
}

async fn close_all(app: &common::TestApp) {
    app.state
        .clock
        .advance(Duration::from_secs(6 * 86_400 + 60));
    app.run_jobs().await;
}

fn option_counts(poll: &Value) -> Vec<i64> {
    poll["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["votes_count"].as_i64().expect("count"))
        .collect()
}

async fn majority_by_poll(app: &common::TestApp) {
    let (tok, olive) = members(app).await;
    let (id, poll) = propose(
        app,
        &tok[0],
        json!({ "kind": "general", "title": "Adopt the goat logo", "body": "A goat." }),
    )
    .await;
    let p = get(app, &format!("/api/v1/polls/{poll}"), &tok[1]).await;
    let titles: Vec<&str> = p["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["yes", "no", "abstain"], "{p}");
    assert_eq!(p["multiple"], false, "{p}");

    // A majority poll takes one answer; an outsider is refused; nothing is counted for either.
    // (The proposal post is for members: an outsider does not even see the poll.)
    let (status, err) = poll_vote(app, &tok[1], &poll, &[0, 1]).await;
    assert_eq!(status, 422, "{err}");
    let (status, err) = poll_vote(app, &olive, &poll, &[0]).await;
    assert_eq!(status, 404, "{err}");
    // So is a lapsed member, with the reason.
    let lou = app.create_user_with("lou", PW, None, true).await;
    let lou_tok = token_for(app, lou).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    herd::storage::proposals::set_membership_state(
        &mut **tx,
        lou,
        "lapsed",
        false,
        app.state.clock.now_micros(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, err) = poll_vote(app, &lou_tok, &poll, &[0]).await;
    assert_eq!(status, 403, "{err}");
    assert!(err["error"].as_str().unwrap().contains("lapsed"), "{err}");

    // m1, m2, m3 answer yes in the poll, m4 no; ada votes no through the co-op API.
    for (i, choice) in [(1, 0), (2, 0), (3, 0), (4, 1)] {
        let (status, v) = poll_vote(app, &tok[i], &poll, &[choice]).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["own_votes"], json!([choice]), "{v}");
    }
    let (status, v) = app
        .post_json(
            &format!("/api/v1/coop/proposals/{id}/votes"),
            &tok[0],
            json!({ "choice": "no" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // The poll shows all five ballots (ada's mirrored from the co-op API).
    let p = get(app, &format!("/api/v1/polls/{poll}"), &tok[1]).await;
    assert_eq!(option_counts(&p), [3, 2, 0], "{p}");
    assert_eq!(p["voters_count"], 5, "{p}");
    // A poll answer is a ballot with a receipt.
    let mine = get(app, &format!("/api/v1/coop/proposals/{id}"), &tok[4]).await;
    assert_eq!(
        mine["my_vote"]["ballot"],
        json!({ "choice": "no" }),
        "{mine}"
    );
    assert_eq!(mine["my_vote"]["receipt"].as_str().unwrap().len(), 64);

    close_all(app).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{id}"), &tok[2]).await;
    assert_eq!(done["state"], "enacted", "{done}");
    assert_eq!(done["result"]["voted"], 5, "{done}");
    assert_eq!(done["result"]["tally"]["yes"], 3, "{done}");
    assert_eq!(done["result"]["tally"]["no"], 2, "{done}");
    assert_eq!(done["result"]["tally"]["abstain"], 0, "{done}");
    assert_eq!(done["rule"]["method"], "majority", "{done}");
    // The poll has closed with the proposal.
    let (status, _) = poll_vote(app, &tok[1], &poll, &[1]).await;
    assert_eq!(status, 422);
}

async fn approval_by_poll(app: &common::TestApp) {
    let (tok, _) = members(app).await;
    let (id, poll) = propose(
        app,
        &tok[0],
        json!({ "kind": "general", "title": "Which evening for the assembly?", "body": "Pick any.",
                "options": ["Tuesday", "Thursday", "Saturday"] }),
    )
    .await;
    let p = get(app, &format!("/api/v1/polls/{poll}"), &tok[1]).await;
    assert_eq!(
        p["multiple"], true,
        "approval is a multiple-choice poll: {p}"
    );

    // A choice that is not an option, or the same option twice, is refused.
    let (status, err) = poll_vote(app, &tok[1], &poll, &[0, 3]).await;
    assert_eq!(status, 422, "{err}");
    let (status, err) = poll_vote(app, &tok[1], &poll, &[0, 0]).await;
    assert_eq!(status, 422, "{err}");
    // Through the co-op API too: a duplicate or unknown choice is refused, nothing counted.
    for choices in [json!(["Tuesday", "Tuesday"]), json!(["Sunday"])] {
        let (status, err) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{id}/votes"),
                &tok[1],
                json!({ "choices": choices }),
            )
            .await;
        assert_eq!(status, 422, "{choices} → {err}");
    }
    let p = get(app, &format!("/api/v1/coop/proposals/{id}"), &tok[1]).await;
    assert_eq!(p["votes_count"], 0, "{p}");
    assert_eq!(p["my_vote"], Value::Null, "{p}");

    for (i, choices) in [(1, vec![0, 2]), (2, vec![1]), (3, vec![0, 1]), (4, vec![0])] {
        let (status, v) = poll_vote(app, &tok[i], &poll, &choices).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["own_votes"], json!(choices), "{v}");
    }
    let (status, v) = app
        .post_json(
            &format!("/api/v1/coop/proposals/{id}/votes"),
            &tok[0],
            json!({ "choices": ["Tuesday", "Saturday"] }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // m1's poll answer is their ballot, both approvals.
    let m1 = get(app, &format!("/api/v1/coop/proposals/{id}"), &tok[1]).await;
    assert_eq!(
        m1["my_vote"]["ballot"],
        json!({ "choices": ["Tuesday", "Saturday"] }),
        "{m1}"
    );
    let p = get(app, &format!("/api/v1/polls/{poll}"), &tok[1]).await;
    assert_eq!(option_counts(&p), [4, 2, 2], "{p}");
    assert_eq!(p["voters_count"], 5, "{p}");

    close_all(app).await;
    let done = get(app, &format!("/api/v1/coop/proposals/{id}"), &tok[2]).await;
    assert_eq!(done["rule"]["method"], "approval", "{done}");
    assert_eq!(done["result"]["voted"], 5, "{done}");
    assert_eq!(done["result"]["tally"]["ballots"], 5, "{done}");
    assert_eq!(
        done["result"]["tally"]["options"],
        json!([
            { "option": "Tuesday", "total": 4 },
            { "option": "Thursday", "total": 2 },
            { "option": "Saturday", "total": 2 },
        ]),
        "{done}"
    );
    assert_eq!(done["result"]["winners"], json!(["Tuesday"]), "{done}");
}

/// One member's simultaneous votes on one proposal: `poll` poll answers and `api` co-op API
/// ballots, all at once. Returns the statuses (poll answers first).
async fn at_once(
    app: &common::TestApp,
    token: &str,
    id: &str,
    poll: &str,
    poll_choices: &[i64],
    api_choices: &[&str],
) -> (Vec<u16>, Vec<u16>) {
    let mut polls = Vec::new();
    for c in poll_choices {
        let (client, url, t, c) = (
            app.client.clone(),
            app.url(&format!("/api/v1/polls/{poll}/votes")),
            token.to_string(),
            c.to_string(),
        );
        polls.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(t)
                .json(&json!({ "choices": [c] }))
                .send()
                .await
                .expect("poll vote");
            r.status().as_u16()
        }));
    }
    let mut apis = Vec::new();
    for c in api_choices {
        let (client, url, t, c) = (
            app.client.clone(),
            app.url(&format!("/api/v1/coop/proposals/{id}/votes")),
            token.to_string(),
            c.to_string(),
        );
        apis.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(t)
                .json(&json!({ "choice": c }))
                .send()
                .await
                .expect("api vote");
            r.status().as_u16()
        }));
    }
    let mut out = (Vec::new(), Vec::new());
    for h in polls {
        out.0.push(h.await.expect("task"));
    }
    for h in apis {
        out.1.push(h.await.expect("task"));
    }
    (out.0, out.1)
}

const CONSENT: [&str; 4] = ["agree", "abstain", "disagree", "block"];

/// What the co-op API and the poll say about one member's vote: the member counts once, the
/// ballot that counts is the newest in their history, and the poll shows that ballot.
async fn counted_once(app: &common::TestApp, token: &str, id: &str, poll: &str, ballots: usize) {
    let p = get(app, &format!("/api/v1/coop/proposals/{id}"), token).await;
    let counted: i64 = CONSENT
        .iter()
        .map(|k| p["tally"][k].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(counted, 1, "one member, one ballot counted: {p}");
    assert_eq!(p["votes_count"], 1, "{p}");
    let current = p["my_vote"]["ballot"]["choice"]
        .as_str()
        .unwrap_or_else(|| panic!("a current ballot: {p}"))
        .to_string();
    // The counted ballot is the latest: its choice has the one count, the others none.
    for k in CONSENT {
        assert_eq!(
            p["tally"][k].as_i64().unwrap_or(0),
            i64::from(k == current),
            "{k} (counted {current}): {p}"
        );
    }
    let latest = p["my_vote"]["cast_at"]
        .as_str()
        .expect("cast_at")
        .to_string();
    let history = p["my_vote"]["history"].as_array().expect("history");
    assert!(
        history
            .iter()
            .all(|h| h["cast_at"].as_str().unwrap() <= latest.as_str()),
        "the history is older than the counted ballot: {p}"
    );
    assert_eq!(
        history.len(),
        ballots - 1,
        "every accepted ballot is kept: {p}"
    );
    let pl = get(app, &format!("/api/v1/polls/{poll}"), token).await;
    let shown: Vec<i64> = serde_json::from_value(pl["own_votes"].clone()).unwrap();
    let index = CONSENT.iter().position(|c| *c == current).unwrap() as i64;
    assert_eq!(
        shown,
        [index],
        "the poll shows the ballot that counts: {pl}"
    );
    assert_eq!(pl["voters_count"], 1, "{pl}");
    assert_eq!(option_counts(&pl).iter().sum::<i64>(), 1, "{pl}");
}

async fn simultaneous_votes_count_once(app: &common::TestApp) {
    let (tok, _) = members(app).await;
    for round in 0..4 {
        let (id, poll) = propose(
            app,
            &tok[0],
            json!({ "kind": "general", "title": format!("Round {round}"), "body": "" }),
        )
        .await;
        let voter = &tok[1 + round % 4];
        // Four poll answers at once: exactly one is accepted, the others are refused (a poll
        // answer is final), and the accepted one is the ballot.
        let (polls, _) = at_once(app, voter, &id, &poll, &[0, 1, 2, 3], &[]).await;
        assert_eq!(
            polls.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {polls:?}"
        );
        assert!(polls.iter().all(|s| matches!(s, 200 | 422)), "{polls:?}");
        counted_once(app, voter, &id, &poll, 1).await;

        // Then poll answers and co-op API ballots at once: every API ballot is accepted, poll
        // answers are accepted only before the member's first ballot; one ballot counts.
        let (id, poll) = propose(
            app,
            &tok[0],
            json!({ "kind": "general", "title": format!("Mixed {round}"), "body": "" }),
        )
        .await;
        let (polls, apis) = at_once(
            app,
            voter,
            &id,
            &poll,
            &[3, 0],
            &["disagree", "agree", "abstain"],
        )
        .await;
        assert!(apis.iter().all(|s| *s == 200), "{apis:?}");
        assert!(polls.iter().all(|s| matches!(s, 200 | 422)), "{polls:?}");
        let accepted = apis.len() + polls.iter().filter(|s| **s == 200).count();
        assert!(
            polls.iter().filter(|s| **s == 200).count() <= 1,
            "{polls:?}"
        );
        counted_once(app, voter, &id, &poll, accepted).await;
    }
}

/// Ballots racing the close at `closes_at`: every member keeps changing their vote until the
/// proposal refuses it as closed (422), so ballots are in flight when the close job counts.
/// Each member's last accepted ballot (200) must be the one counted: its receipt is in the
/// result; an accepted ballot left out of the count would leave an older receipt there.
async fn votes_race_the_close(app: &common::TestApp) {
    let ada = app.create_user_with("ada", PW, Some("admin"), true).await;
    let mut tokens = vec![token_for(app, ada).await];
    for i in 1..8 {
        let id = app.create_user_with(&format!("m{i}"), PW, None, true).await;
        tokens.push(token_for(app, id).await);
    }
    let mut accepted = 0;
    for round in 0..4 {
        let (status, p) = app
            .post_json(
                "/api/v1/coop/proposals",
                &tokens[0],
                json!({ "kind": "general", "title": format!("Race {round}"), "body": "" }),
            )
            .await;
        assert_eq!(status, 200, "{p}");
        let id = p["id"].as_str().unwrap().to_string();
        let closes_at = chrono::DateTime::parse_from_rfc3339(p["closes_at"].as_str().unwrap())
            .unwrap()
            .timestamp_micros()
            + 1000; // the ISO form drops the microseconds
                    // The clock to 20 ms before the close; the close job runs as soon as it is due.
        let lead = closes_at - app.state.clock.now_micros() - 20_000;
        app.state
            .clock
            .advance(Duration::from_micros(u64::try_from(lead).unwrap()));
        let path = format!("/api/v1/coop/proposals/{id}/votes");
        let voters = tokens.iter().enumerate().map(|(i, t)| {
            let path = path.clone();
            async move {
                let mut last_accepted: Option<String> = None;
                for n in 0..5000 {
                    let choice = if (i + n) % 2 == 0 {
                        "disagree"
                    } else {
                        "agree"
                    };
                    let (status, v) = app.post_json(&path, t, json!({ "choice": choice })).await;
                    match status {
                        200 => last_accepted = Some(v["receipt"].as_str().unwrap().to_string()),
                        422 => {
                            assert!(
                                v["error"].as_str().unwrap().contains("closed"),
                                "round {round}: {v}"
                            );
                            return last_accepted;
                        }
                        _ => panic!("round {round}: {status} {v}"),
                    }
                }
                panic!("round {round}: voting never closed");
            }
        });
        let closer = async {
            while app.state.clock.now_micros() < closes_at {
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
            herd::jobs::run_pending(&app.state).await.expect("jobs");
        };
        let (lasts, ()) = tokio::join!(futures_util::future::join_all(voters), closer);
        app.run_jobs().await;
        let done = get(app, &format!("/api/v1/coop/proposals/{id}"), &tokens[0]).await;
        assert_ne!(done["state"], "open", "{done}");
        let receipts: Vec<&str> = done["result"]["receipts"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let lasts: Vec<String> = lasts.into_iter().flatten().collect();
        for receipt in &lasts {
            assert!(
                receipts.contains(&receipt.as_str()),
                "round {round}: a member's last accepted ballot is the one counted: {receipt} / {done}"
            );
        }
        assert_eq!(
            done["result"]["voted"],
            lasts.len(),
            "round {round}: {done}"
        );
        assert_eq!(receipts.len(), lasts.len(), "round {round}: {done}");
        accepted += lasts.len();
    }
    assert!(accepted > 0, "some ballots were accepted before the close");

    // The same, step by step: while a close holds the proposal (claimed, not yet committed), a
    // ballot waits; once the close commits, it is refused as closed, not accepted uncounted.
    let (_, p) = app
        .post_json(
            "/api/v1/coop/proposals",
            &tokens[0],
            json!({ "kind": "general", "title": "Held", "body": "" }),
        )
        .await;
    let id: i64 = p["id"].as_str().unwrap().parse().unwrap();
    let mut close = app.state.db.begin_write().await.unwrap();
    let now = app.state.clock.now_micros();
    assert!(herd::storage::proposals::claim_close(&mut **close, id, now)
        .await
        .unwrap());
    let (client, url, token) = (
        app.client.clone(),
        app.url(&format!("/api/v1/coop/proposals/{id}/votes")),
        tokens[1].clone(),
    );
    let ballot = tokio::spawn(async move {
        let r = client
            .post(url)
            .bearer_auth(token)
            .json(&json!({ "choice": "agree" }))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !ballot.is_finished(),
        "a ballot waits while the close holds the proposal"
    );
    close.commit().await.unwrap();
    let (status, v) = ballot.await.unwrap();
    assert_eq!(status, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("closed"), "{v}");
}

async fn majority_app(backend: common::Backend) -> Option<common::TestApp> {
    app_with_general_rule(backend, "{ method: majority, min_days: 6 }").await
}

async fn approval_app(backend: common::Backend) -> Option<common::TestApp> {
    app_with_general_rule(backend, "{ method: approval, min_days: 6 }").await
}

macro_rules! on_both_with {
    ($name:ident, $spawn:path, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $spawn(common::Backend::Sqlite).await.expect("sqlite app");
                $body(&app).await;
                app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $spawn(common::Backend::Postgres).await {
                    $body(&app).await;
                    app.stop().await;
                }
            }
        }
    };
}

on_both_with!(majority_proposal_by_poll, majority_app, majority_by_poll);
on_both_with!(approval_proposal_by_poll, approval_app, approval_by_poll);
on_both_backends!(simultaneous_votes, simultaneous_votes_count_once);
on_both_backends!(votes_at_the_close, votes_race_the_close);
