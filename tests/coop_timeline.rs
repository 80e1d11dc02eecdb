//! Proposals in the social timeline (issue 5, "Done when"): the co-op's actor posts each
//! proposal with a Mastodon poll where the method fits; poll votes and co-op API votes are the
//! same ballots, counted once (the last); non-members' poll votes are refused; the queue closes
//! proposals at `closes_at`, enacts them, and the co-op replies with the result, which reaches
//! members' home timelines; the mails are written.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

const PW: &str = "correct horse battery";

async fn token_for(app: &common::TestApp, account_id: i64) -> String {
    herd::services::oauth::operator_token(&app.state, account_id, "read write")
        .await
        .expect("token")
}

async fn propose(app: &common::TestApp, token: &str, body: Value) -> Value {
    let (status, p) = app.post_json("/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    p
}

async fn api_vote(app: &common::TestApp, token: &str, id: &str, choice: &str) -> Value {
    let (status, v) = app
        .post_json(
            &format!("/api/v1/coop/proposals/{id}/votes"),
            token,
            json!({ "choice": choice }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn poll_vote(app: &common::TestApp, token: &str, poll: &str, choice: i64) -> (u16, Value) {
    app.post_json(
        &format!("/api/v1/polls/{poll}/votes"),
        token,
        json!({ "choices": [choice.to_string()] }),
    )
    .await
}

async fn get(app: &common::TestApp, path: &str, token: &str) -> Value {
    let (status, v) = app.get_json(path, Some(token)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
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

/// The co-op's statuses in a home timeline, newest first.
async fn coop_posts(app: &common::TestApp, token: &str) -> Vec<Value> {
    let home = get(app, "/api/v1/timelines/home?limit=40", token).await;
    home.as_array()
        .expect("timeline")
        .iter()
        .filter(|s| s["account"]["username"] == "coop")
        .cloned()
        .collect()
}

async fn timeline_scenario(app: &common::TestApp) {
    // Ten active members (ada the admin, m9 a moderator), one who withdrew, one outsider.
    let ada = app.create_user_with("ada", PW, Some("admin"), true).await;
    let mut members = vec![(ada, app.login("ada", PW, "read write").await)];
    for i in 1..10 {
        let role = (i == 9).then_some("moderator");
        let id = app.create_user_with(&format!("m{i}"), PW, role, true).await;
        members.push((id, token_for(app, id).await));
    }
    let wendy = app.create_user_with("wendy", PW, None, true).await;
    let wendy_tok = token_for(app, wendy).await;
    let (status, w) = app
        .client
        .delete(app.url("/api/v1/coop/membership"))
        .bearer_auth(&wendy_tok)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("withdraw");
    assert_eq!(status, 200, "{:?}", w.text().await);
    let olive = app.create_user("olive", PW).await;
    let olive_tok = token_for(app, olive).await;
    let tok = |i: usize| members[i].1.as_str();
    let id_of = |i: usize| members[i].0.to_string();

    // Members follow the co-op's account (a Group) from admission; outsiders do not.
    let rel = get(app, "/api/v1/accounts/lookup?acct=coop", tok(1)).await;
    assert_eq!(rel["group"], true, "{rel}");
    let coop_id = rel["id"].as_str().unwrap().to_string();
    let r = get(
        app,
        &format!("/api/v1/accounts/relationships?id[]={coop_id}"),
        tok(1),
    )
    .await;
    assert_eq!(r[0]["following"], true, "{r}");
    let r = get(
        app,
        &format!("/api/v1/accounts/relationships?id[]={coop_id}"),
        &olive_tok,
    )
    .await;
    assert_eq!(r[0]["following"], false, "{r}");

    // Federation still names the co-op's Group actor `/coop` for acct:coop.
    let host = app.state.config.domain.clone();
    let (status, wf) = app
        .get_json(
            &format!("/.well-known/webfinger?resource=acct:coop@{host}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{wf}");
    let hrefs: Vec<&str> = wf["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["href"].as_str())
        .collect();
    assert!(hrefs.contains(&app.url("/coop").as_str()), "{wf}");

    // Three proposals open together: two consent proposals and an election.
    let a = propose(
        app,
        tok(0),
        json!({ "kind": "general", "title": "Move to a bigger server", "body": "Costs more." }),
    )
    .await;
    let b = propose(
        app,
        tok(0),
        json!({ "kind": "general", "title": "Publish the accounts monthly", "body": "" }),
    )
    .await;
    let e = propose(
        app,
        tok(0),
        json!({ "kind": "role_election", "title": "Moderator election", "body": "One seat.",
                "payload": { "role": "moderator", "seats": 1, "candidates": [id_of(1), id_of(2)] } }),
    )
    .await;
    let (a_id, b_id, e_id) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
        e["id"].as_str().unwrap().to_string(),
    );
    let a_poll = a["poll_id"]
        .as_str()
        .expect("a consent proposal has a poll")
        .to_string();
    let b_poll = b["poll_id"].as_str().expect("poll").to_string();
    assert!(a["status_id"].is_string(), "{a}");
    // A secret ballot (an election) is posted without a poll.
    assert!(e["status_id"].is_string(), "{e}");
    assert_eq!(e["poll_id"], Value::Null, "{e}");

    // The posts reach members' home timelines, with the poll's answers and the closing time.
    app.run_jobs().await;
    let posts = coop_posts(app, tok(5)).await;
    assert_eq!(posts.len(), 3, "{posts:?}");
    let post_a = posts
        .iter()
        .find(|s| s["id"] == a["status_id"])
        .expect("a's post");
    // For members only (the default bylaws' governance.proposal_visibility).
    assert_eq!(post_a["visibility"], "private");
    assert_eq!(post_a["local_only"], true);
    let content = post_a["content"].as_str().unwrap();
    assert!(content.contains("Move to a bigger server"), "{content}");
    assert!(
        content.contains(&format!("/api/v1/coop/proposals/{a_id}")),
        "{content}"
    );
    assert!(content.contains("Voting closes at"), "{content}");
    let titles: Vec<&str> = post_a["poll"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["agree", "abstain", "disagree", "block"]);
    assert_eq!(post_a["poll"]["id"], a_poll);
    assert_eq!(post_a["poll"]["expires_at"], a["closes_at"]);
    let post_e = posts.iter().find(|s| s["id"] == e["status_id"]).unwrap();
    assert_eq!(post_e["poll"], Value::Null);
    assert!(post_e["content"]
        .as_str()
        .unwrap()
        .contains("Secret ballot"));

    // Non-members' and withdrawn members' poll votes are refused, and nothing is counted:
    // the post is for members, so they do not even see the poll (with public proposal posts
    // the refusal says why: tests/coop_posts.rs).
    let (status, err) = poll_vote(app, &olive_tok, &a_poll, 0).await;
    assert_eq!(status, 404, "{err}");
    let (status, err) = poll_vote(app, &wendy_tok, &a_poll, 0).await;
    assert_eq!(status, 404, "{err}");

    // Proposal A: 6 agree and 1 block, through both ways of voting.
    // m1, m2 agree in the poll; m3 first says disagree in the poll, then agree through the API.
    for i in [1, 2] {
        let (status, p) = poll_vote(app, tok(i), &a_poll, 0).await;
        assert_eq!(status, 200, "{p}");
        assert_eq!(p["own_votes"], json!([0]));
    }
    let (status, _) = poll_vote(app, tok(3), &a_poll, 2).await;
    assert_eq!(status, 200);
    let changed = api_vote(app, tok(3), &a_id, "agree").await;
    assert_eq!(changed["replaced"], true, "{changed}");
    // m4 votes through the API, then tries the poll: refused, pointing to the co-op API.
    api_vote(app, tok(4), &a_id, "agree").await;
    let (status, err) = poll_vote(app, tok(4), &a_poll, 3).await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains(&format!("/api/v1/coop/proposals/{a_id}/votes")),
        "{err}"
    );
    api_vote(app, tok(5), &a_id, "agree").await;
    let (status, _) = poll_vote(app, tok(6), &a_poll, 0).await;
    assert_eq!(status, 200);
    let (status, _) = poll_vote(app, tok(7), &a_poll, 3).await; // block
    assert_eq!(status, 200);
    // The poll shows the ballots that count: one answer per member, the last one.
    let poll = get(app, &format!("/api/v1/polls/{a_poll}"), tok(3)).await;
    assert_eq!(
        poll["own_votes"],
        json!([0]),
        "m3's answer follows their last ballot"
    );
    assert_eq!(poll["voters_count"], 7, "{poll}");
    let counts: Vec<i64> = poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes_count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [6, 0, 0, 1], "{poll}");
    // The co-op API's running count agrees: seven voters, 6 agree, 1 block.
    let live = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(0)).await;
    assert_eq!(live["tally"]["agree"], 6, "{live}");
    assert_eq!(live["tally"]["block"], 1, "{live}");
    // Poll answers are real ballots: m1's has a receipt; m3's poll ballot is in their history.
    let mine = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(1)).await;
    assert_eq!(
        mine["my_vote"]["ballot"],
        json!({ "choice": "agree" }),
        "{mine}"
    );
    assert_eq!(mine["my_vote"]["receipt"].as_str().unwrap().len(), 64);
    let m3 = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(3)).await;
    assert_eq!(
        m3["my_vote"]["ballot"],
        json!({ "choice": "agree" }),
        "{m3}"
    );
    assert_eq!(
        m3["my_vote"]["history"][0]["ballot"],
        json!({ "choice": "disagree" }),
        "{m3}"
    );

    // m8 votes both ways at once (agree in the poll, disagree through the API): counted once.
    let path = format!("/api/v1/coop/proposals/{a_id}/votes");
    let (poll_res, api_res) = tokio::join!(
        poll_vote(app, tok(8), &a_poll, 0),
        app.post_json(&path, tok(8), json!({ "choice": "disagree" }))
    );
    assert_eq!(api_res.0, 200, "{api_res:?}");
    assert!(matches!(poll_res.0, 200 | 422), "{poll_res:?}");
    let live = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(0)).await;
    let (agree, disagree) = (
        live["tally"]["agree"].as_i64().unwrap(),
        live["tally"]["disagree"].as_i64().unwrap(),
    );
    assert_eq!(agree + disagree, 7, "m8 counts once: {live}");

    // Proposal B: 9 agree and 1 block (90% agree overrides the block).
    for i in 0..9 {
        if i % 2 == 0 && i != 0 {
            let (status, p) = poll_vote(app, tok(i), &b_poll, 0).await;
            assert_eq!(status, 200, "{p}");
        } else {
            api_vote(app, tok(i), &b_id, "agree").await;
        }
    }
    let (status, _) = poll_vote(app, tok(9), &b_poll, 3).await;
    assert_eq!(status, 200);

    // The election: seven rank m1 first.
    for i in 0..10 {
        let ranking = if i < 7 {
            [id_of(1), id_of(2)]
        } else {
            [id_of(2), id_of(1)]
        };
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{e_id}/votes"),
                tok(i),
                json!({ "ranking": ranking }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }

    // Five days on, the reminder goes to members who have not voted on A (ada, m9).
    app.state
        .clock
        .advance(Duration::from_secs(5 * 86_400 + 3600));
    app.run_jobs().await;
    assert_eq!(
        subjects(app, "24 hours left to vote: Move to a bigger server"),
        2
    );
    let a_now = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(0)).await;
    assert_eq!(a_now["state"], "open", "nothing closes early");

    // At closes_at the queue closes all three, with no timer.
    app.state.clock.advance(Duration::from_secs(86_400));
    app.run_jobs().await;
    let a = get(app, &format!("/api/v1/coop/proposals/{a_id}"), tok(0)).await;
    assert_eq!(a["state"], "failed", "{a}");
    assert_eq!(a["result"]["voted"], 8, "{a}");
    assert_eq!(a["result"]["tally"]["agree"], agree, "{a}");
    assert_eq!(a["result"]["tally"]["disagree"], disagree, "{a}");
    assert_eq!(a["result"]["tally"]["block"], 1, "{a}");
    let b = get(app, &format!("/api/v1/coop/proposals/{b_id}"), tok(0)).await;
    assert_eq!(b["state"], "enacted", "{b}");
    assert_eq!(b["result"]["tally"]["agree"], 9, "{b}");
    let e = get(app, &format!("/api/v1/coop/proposals/{e_id}"), tok(0)).await;
    assert_eq!(e["state"], "enacted", "{e}");
    assert_eq!(e["result"]["winners"], json!([id_of(1)]), "{e}");

    // The election enacted roles: m1 is a moderator; m9 keeps the role until its term ends
    // (an election fills the seats it names).
    let m1 = get(app, &format!("/api/v1/coop/members/{}", id_of(1)), tok(0)).await;
    assert!(
        m1["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("moderator")),
        "{m1}"
    );
    let m9 = get(app, &format!("/api/v1/coop/members/{}", id_of(9)), tok(0)).await;
    assert!(
        m9["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("moderator")),
        "{m9}"
    );

    // The results are replies by the co-op in every member's home timeline.
    for i in [0, 5, 9] {
        let posts = coop_posts(app, tok(i)).await;
        let reply_a = posts
            .iter()
            .find(|s| s["in_reply_to_id"] == a["status_id"])
            .unwrap_or_else(|| panic!("m{i}'s home has A's result: {posts:?}"));
        let text = reply_a["content"].as_str().unwrap();
        assert!(text.contains("failed"), "{text}");
        assert!(text.contains(&format!("agree {agree}")), "{text}");
        assert!(text.contains("block 1"), "{text}");
        let reply_b = posts
            .iter()
            .find(|s| s["in_reply_to_id"] == b["status_id"])
            .expect("B's result");
        assert!(reply_b["content"].as_str().unwrap().contains("enacted"));
        let reply_e = posts
            .iter()
            .find(|s| s["in_reply_to_id"] == e["status_id"])
            .expect("the election's result");
        assert!(
            reply_e["content"]
                .as_str()
                .unwrap()
                .contains("Elected: @m1"),
            "{reply_e}"
        );
    }
    // The discussion is the reply thread: the result sits under the proposal's post.
    let ctx = get(
        app,
        &format!(
            "/api/v1/statuses/{}/context",
            a["status_id"].as_str().unwrap()
        ),
        tok(2),
    )
    .await;
    assert_eq!(ctx["descendants"].as_array().unwrap().len(), 1, "{ctx}");
    // The poll ended with the proposal; a late vote is refused.
    let (status, _) = poll_vote(app, tok(9), &a_poll, 0).await;
    assert_eq!(status, 422);

    // The mails: three openings and three results to the ten members.
    assert_eq!(subjects(app, "New proposal: "), 30);
    assert_eq!(
        subjects(app, "Proposal failed: Move to a bigger server"),
        10
    );
    assert_eq!(
        subjects(app, "Proposal enacted: Publish the accounts monthly"),
        10
    );
    assert_eq!(subjects(app, "Proposal enacted: Moderator election"), 10);
}

on_both_backends!(coop_timeline, timeline_scenario);
