//! Polls and scheduled statuses over HTTP: creating a poll with a status (JSON and form
//! bodies), voting, visibility, hidden totals, closing at expiry through the job queue with
//! notifications, bad polls writing nothing; scheduling, moving, cancelling and publishing.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

async fn count(app: &common::TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

async fn vote(app: &common::TestApp, poll: &str, token: &str, choices: Value) -> (u16, Value) {
    app.post_json(
        &format!("/api/v1/polls/{poll}/votes"),
        token,
        json!({ "choices": choices }),
    )
    .await
}

async fn poll_types(app: &common::TestApp, token: &str) -> Vec<String> {
    let (_, list) = app
        .get_json("/api/v1/notifications?types[]=poll", Some(token))
        .await;
    list.as_array()
        .expect("list")
        .iter()
        .map(|n| n["type"].as_str().unwrap_or("").to_string())
        .filter(|t| t == "poll")
        .collect()
}

async fn voting_and_closing(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    let (_, erin) = app.user_with_token("erin").await;

    // Form-encoded, as Mastodon.py and toot send it: poll[options][] and friends.
    let res = app
        .client
        .post(app.url("/api/v1/statuses"))
        .bearer_auth(&alice)
        .form(&[
            ("status", "Lunch?"),
            ("poll[options][]", "Soup"),
            ("poll[options][]", "Salad"),
            ("poll[options][]", "Both"),
            ("poll[expires_in]", "600"),
            ("poll[multiple]", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let status: Value = res.json().await.unwrap();
    let poll = &status["poll"];
    assert_eq!(poll["options"][1]["title"], "Salad");
    assert_eq!(poll["options"][1]["votes_count"], 0);
    assert_eq!(poll["votes_count"], 0);
    assert_eq!(poll["expired"], false);
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["voted"], true, "the author counts as having voted");
    assert_eq!(poll["own_votes"], json!([]));
    assert!(poll["expires_at"].is_string());
    assert_eq!(poll["emojis"], json!([]));
    let poll_id = poll["id"].as_str().unwrap().to_string();

    let (s, p) = vote(app, &poll_id, &bob, json!(["1"])).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["voted"], true);
    assert_eq!(p["own_votes"], json!([1]));
    assert_eq!(p["options"][1]["votes_count"], 1);
    assert_eq!(
        (p["votes_count"].clone(), p["voters_count"].clone()),
        (json!(1), json!(1))
    );
    let (s, e) = vote(app, &poll_id, &bob, json!([0])).await;
    assert_eq!(s, 422);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("You have already voted"),
        "{e}"
    );
    let (s, e) = vote(app, &poll_id, &alice, json!([0])).await;
    assert_eq!(s, 422);
    assert!(e["error"].as_str().unwrap().contains("own polls"), "{e}");
    for bad in [json!([0, 1]), json!([7]), json!([]), json!(["x"])] {
        let (s, e) = vote(app, &poll_id, &carol, bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {e}");
    }
    let (s, _) = vote(app, &poll_id, &carol, json!([0])).await;
    assert_eq!(s, 200);

    // Anyone may read a public poll; the viewer-only keys are absent for anonymous readers.
    let (s, anon) = app
        .get_json(&format!("/api/v1/polls/{poll_id}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(anon["votes_count"], 2);
    assert!(anon.get("voted").is_none() && anon.get("own_votes").is_none());
    let (_, as_bob) = app
        .get_json(
            &format!("/api/v1/statuses/{}", status["id"].as_str().unwrap()),
            Some(&bob),
        )
        .await;
    assert_eq!(as_bob["poll"]["own_votes"], json!([1]));

    // A followers-only poll is invisible (404) to others, for reading and voting alike.
    let (_, private) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Just for friends", "visibility": "private",
                   "poll": {"options": ["yes", "no"], "expires_in": 3600}}),
        )
        .await;
    let private_poll = private["poll"]["id"].as_str().unwrap();
    assert_eq!(
        app.get_json(&format!("/api/v1/polls/{private_poll}"), Some(&bob))
            .await
            .0,
        404
    );
    assert_eq!(vote(app, private_poll, &bob, json!([0])).await.0, 404);
    assert_eq!(app.get_json("/api/v1/polls/424242", None).await.0, 404);

    // Closing: nothing happens before the expiry; after it the job closes the poll once and
    // tells the voters and the author.
    app.run_jobs().await;
    assert!(poll_types(app, &bob).await.is_empty());
    app.state.clock.advance(Duration::from_secs(601));
    app.run_jobs().await;
    let (_, closed) = app
        .get_json(&format!("/api/v1/polls/{poll_id}"), Some(&bob))
        .await;
    assert_eq!(closed["expired"], true);
    let (s, e) = vote(app, &poll_id, &erin, json!([2])).await;
    assert_eq!(s, 422);
    assert!(
        e["error"].as_str().unwrap().contains("already ended"),
        "{e}"
    );
    assert_eq!(poll_types(app, &bob).await.len(), 1);
    assert_eq!(poll_types(app, &carol).await.len(), 1);
    assert_eq!(poll_types(app, &alice).await.len(), 1);
    assert!(poll_types(app, &erin).await.is_empty(), "did not vote");
    let (_, notes) = app
        .get_json("/api/v1/notifications?types[]=poll", Some(&bob))
        .await;
    assert_eq!(notes[0]["status"]["poll"]["id"], poll_id.as_str());
    assert_eq!(notes[0]["status"]["poll"]["expired"], true);
    app.run_jobs().await;
    assert_eq!(poll_types(app, &bob).await.len(), 1, "closed once");

    // Deleting the status removes its poll.
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/statuses/{}",
            status["id"].as_str().unwrap()
        )))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_json(&format!("/api/v1/polls/{poll_id}"), None)
            .await
            .0,
        404
    );
}
on_both_backends!(voting, voting_and_closing);

async fn hidden_totals_and_multiple_choice(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (s, status) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Pick any", "poll": {"options": ["a", "b", "c", "d"],
                   "expires_in": "300", "multiple": true, "hide_totals": "true"}}),
        )
        .await;
    assert_eq!(s, 200, "{status}");
    let poll_id = status["poll"]["id"].as_str().unwrap();
    assert_eq!(status["poll"]["multiple"], true);
    let (s, p) = vote(app, poll_id, &bob, json!([0, 2])).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["own_votes"], json!([0, 2]));
    assert_eq!(p["votes_count"], 2);
    assert_eq!(p["voters_count"], 1);
    for o in p["options"].as_array().unwrap() {
        assert!(o["votes_count"].is_null(), "hidden until the end: {p}");
    }
    let (_, as_author) = app
        .get_json(&format!("/api/v1/polls/{poll_id}"), Some(&alice))
        .await;
    assert!(as_author["options"][0]["votes_count"].is_null());
    app.state.clock.advance(Duration::from_secs(301));
    let (_, ended) = app
        .get_json(&format!("/api/v1/polls/{poll_id}"), None)
        .await;
    assert_eq!(ended["expired"], true);
    let counts: Vec<i64> = ended["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes_count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![1, 0, 1, 0]);
}
on_both_backends!(hidden_totals, hidden_totals_and_multiple_choice);

async fn bad_polls_write_nothing(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let before = count(app, "statuses").await;
    let long = "x".repeat(51);
    for (poll, needle) in [
        (
            json!({"options": ["only"], "expires_in": 600}),
            "more than one",
        ),
        (
            json!({"options": ["a", "b", "c", "d", "e"], "expires_in": 600}),
            "more than 4",
        ),
        (
            json!({"options": ["same", "same"], "expires_in": 600}),
            "duplicate",
        ),
        (
            json!({"options": ["a", long], "expires_in": 600}),
            "50 characters",
        ),
        (json!({"options": ["a", ""], "expires_in": 600}), "blank"),
        (
            json!({"options": ["a", "b"], "expires_in": 299}),
            "too soon",
        ),
        (
            json!({"options": ["a", "b"], "expires_in": 2_629_747}),
            "too far",
        ),
        (json!({"options": ["a", "b"]}), "expires in"),
        (json!({"options": ["a", "b"], "expires_in": "soon"}), "Poll"),
    ] {
        let (s, e) = app
            .post_json(
                "/api/v1/statuses",
                &alice,
                json!({"status": "q", "poll": poll.clone()}),
            )
            .await;
        assert_eq!(s, 422, "{poll}: {e}");
        assert!(e["error"].as_str().unwrap().contains(needle), "{poll}: {e}");
    }
    assert_eq!(count(app, "statuses").await, before);
    assert_eq!(count(app, "polls").await, 0);
    assert_eq!(count(app, "jobs").await, 0);
}
on_both_backends!(bad_polls, bad_polls_write_nothing);

async fn upload(app: &common::TestApp, token: &str) -> String {
    let part =
        reqwest::multipart::Part::bytes(common::images::gradient(32, 24, image::ImageFormat::Png))
            .file_name("a.png")
            .mime_str("image/png")
            .unwrap();
    let res = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

fn at(app: &common::TestApp, from_now: Duration) -> String {
    let micros = app.state.clock.now_micros() + from_now.as_micros() as i64;
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap()
        .to_rfc3339()
}

async fn scheduling_and_publishing(app: &common::TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let statuses_before = count(app, "statuses").await;

    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "too soon", "scheduled_at": at(app, Duration::from_secs(240))}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        e["error"],
        "Validation failed: Scheduled at the scheduled date must be in the future"
    );
    let (s, _) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "bad date", "scheduled_at": "next tuesday"}),
        )
        .await;
    assert_eq!(s, 422);
    // Validated now, not at publication.
    let (s, _) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "x".repeat(501), "scheduled_at": at(app, Duration::from_secs(900))}),
        )
        .await;
    assert_eq!(s, 422);

    let media_id = upload(app, &alice).await;
    let (s, sched) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Good morning", "visibility": "unlisted", "spoiler_text": "greeting",
                   "media_ids": [media_id], "scheduled_at": at(app, Duration::from_secs(600))}),
        )
        .await;
    assert_eq!(s, 200, "{sched}");
    assert!(
        sched.get("content").is_none(),
        "a ScheduledStatus, not a Status"
    );
    assert_eq!(sched["params"]["text"], "Good morning");
    assert_eq!(sched["params"]["visibility"], "unlisted");
    assert_eq!(sched["params"]["media_ids"], json!([media_id]));
    assert_eq!(sched["media_attachments"][0]["id"], media_id.as_str());
    assert!(sched["params"]["poll"].is_null());
    let sched_id = sched["id"].as_str().unwrap().to_string();
    // Its media are held: no other post can take them.
    let (s, _) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "steal", "media_ids": [media_id]}),
        )
        .await;
    assert_eq!(s, 422);

    let (_, poll_sched) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Vote later", "poll": {"options": ["x", "y"], "expires_in": 300},
                   "scheduled_at": at(app, Duration::from_secs(3600))}),
        )
        .await;
    assert_eq!(poll_sched["params"]["poll"]["options"], json!(["x", "y"]));
    assert_eq!(poll_sched["params"]["poll"]["expires_in"], "300");
    let (_, cancelled) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Never mind", "scheduled_at": at(app, Duration::from_secs(1200))}),
        )
        .await;
    assert_eq!(
        count(app, "statuses").await,
        statuses_before,
        "nothing published yet"
    );

    // Listed newest first, paged; each one readable; others' are 404.
    let res = app
        .client
        .get(app.url("/api/v1/scheduled_statuses?limit=2"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert!(res.headers()["link"]
        .to_str()
        .unwrap()
        .contains("rel=\"next\""));
    let page: Value = res.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert_eq!(page[0]["id"], cancelled["id"]);
    let (_, bob) = app.user_with_token("bob").await;
    assert_eq!(
        app.get_json(
            &format!("/api/v1/scheduled_statuses/{sched_id}"),
            Some(&bob)
        )
        .await
        .0,
        404
    );
    let (_, bobs) = app.get_json("/api/v1/scheduled_statuses", Some(&bob)).await;
    assert_eq!(bobs, json!([]));

    // Cancel one: gone from the list, never published.
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/scheduled_statuses/{}",
            cancelled["id"].as_str().unwrap()
        )))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Move the first one: too soon refused, one hour ahead accepted.
    let path = format!("/api/v1/scheduled_statuses/{sched_id}");
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&alice)
        .json(&json!({"scheduled_at": at(app, Duration::from_secs(60))}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let later = at(app, Duration::from_secs(7200));
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&alice)
        .json(&json!({"scheduled_at": later}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.unwrap();
    assert_ne!(moved["scheduled_at"], sched["scheduled_at"]);

    // Its first time passes: nothing (it was moved). The poll one's time comes: published.
    app.state.clock.advance(Duration::from_secs(3601));
    app.run_jobs().await;
    let (_, mine) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&alice),
        )
        .await;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["content"], "<p>Vote later</p>");
    assert_eq!(mine[0]["poll"]["options"][1]["title"], "y");
    assert_eq!(
        mine[0]["poll"]["expired"], false,
        "expires 300 s after publication"
    );

    app.state.clock.advance(Duration::from_secs(3600));
    app.run_jobs().await;
    let (_, mine) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&alice),
        )
        .await;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["content"], "<p>Good morning</p>");
    assert_eq!(mine[0]["visibility"], "unlisted");
    assert_eq!(mine[0]["spoiler_text"], "greeting");
    assert_eq!(mine[0]["media_attachments"][0]["id"], media_id.as_str());
    assert_eq!(count(app, "statuses").await, statuses_before + 2);
    let (_, left) = app
        .get_json("/api/v1/scheduled_statuses", Some(&alice))
        .await;
    assert_eq!(left, json!([]));
    assert_eq!(app.get_json(&path, Some(&alice)).await.0, 404);
    app.run_jobs().await;
    assert_eq!(
        count(app, "statuses").await,
        statuses_before + 2,
        "published once"
    );
}
on_both_backends!(scheduled, scheduling_and_publishing);

async fn editing_a_poll(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, status) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Tea or coffee?", "poll": {"options": ["tea", "coffee"], "expires_in": 600}}),
        )
        .await;
    let id = status["id"].as_str().unwrap();
    let poll_id = status["poll"]["id"].as_str().unwrap();
    assert_eq!(vote(app, poll_id, &bob, json!([0])).await.0, 200);
    let edit = |body: Value| {
        app.client
            .put(app.url(&format!("/api/v1/statuses/{id}")))
            .bearer_auth(&alice)
            .json(&body)
            .send()
    };
    // Same poll, new text: the votes stay.
    let res = edit(json!({"status": "Tea or coffee??", "poll": {"options": ["tea", "coffee"], "expires_in": 600}}))
        .await
        .unwrap();
    let kept: Value = res.json().await.unwrap();
    assert_eq!(kept["poll"]["id"], poll_id);
    assert_eq!(kept["poll"]["votes_count"], 1);
    // Without a poll key the poll stays too.
    let res = edit(json!({"status": "Tea or coffee???"})).await.unwrap();
    let kept: Value = res.json().await.unwrap();
    assert_eq!(kept["poll"]["id"], poll_id);
    // New options: a new poll, the old votes void.
    let res = edit(json!({"status": "Tea, coffee or water?",
                          "poll": {"options": ["tea", "coffee", "water"], "expires_in": 900}}))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_ne!(changed["poll"]["id"], poll_id);
    assert_eq!(changed["poll"]["votes_count"], 0);
    assert_eq!(changed["poll"]["options"].as_array().unwrap().len(), 3);
    assert_eq!(
        app.get_json(&format!("/api/v1/polls/{poll_id}"), None)
            .await
            .0,
        404
    );
    let (s, _) = vote(
        app,
        changed["poll"]["id"].as_str().unwrap(),
        &bob,
        json!([2]),
    )
    .await;
    assert_eq!(s, 200, "bob may vote again on the new poll");
    // A bad poll on edit changes nothing.
    let res = edit(json!({"poll": {"options": ["one"], "expires_in": 900}}))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(count(app, "polls").await, 1);
}
on_both_backends!(edit_poll, editing_a_poll);
