//! Posting and reading statuses over HTTP: rendering, visibility everywhere, replies and
//! threads, edits, deletes, interactions and their counts and notifications, bad input.

mod common;

use common::TestApp;
use serde_json::{json, Value};

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn posting_renders_like_mastodon(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let s = post(app, &alice, json!({"status": "Hello @bob and @nobody, see https://example.org/x #Herd", "spoiler_text": "greeting", "language": "en"})).await;
    assert_eq!(s["visibility"], "public");
    assert_eq!(
        s["sensitive"], true,
        "a content warning makes a post sensitive"
    );
    assert_eq!(s["spoiler_text"], "greeting");
    assert_eq!(s["language"], "en");
    assert_eq!(s["account"]["username"], "alice");
    assert_eq!(
        s["mentions"],
        json!([{"id": bob_id.to_string(), "username": "bob", "url": app.url("/@bob"), "acct": "bob"}])
    );
    assert_eq!(
        s["tags"],
        json!([{"name": "herd", "url": app.url("/tags/herd")}])
    );
    let content = s["content"].as_str().unwrap();
    assert!(
        content.contains("class=\"u-url mention\">@<span>bob</span></a>"),
        "{content}"
    );
    assert!(content.contains("@nobody"), "unknown mentions stay text");
    assert!(content.contains("href=\"https://example.org/x\""));
    assert!(content.contains("class=\"mention hashtag\" rel=\"tag\">#<span>Herd</span>"));
    assert_eq!(s["application"]["name"], "test app");
    assert_eq!(s["favourited"], false);
    for key in [
        "id",
        "uri",
        "url",
        "created_at",
        "edited_at",
        "media_attachments",
        "emojis",
        "reblog",
        "poll",
        "card",
        "in_reply_to_id",
        "in_reply_to_account_id",
        "reblogs_count",
        "favourites_count",
        "replies_count",
        "bookmarked",
        "muted",
        "pinned",
        "filtered",
    ] {
        assert!(s.get(key).is_some(), "missing {key}");
    }
    // Bob is told he was mentioned.
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&bob)).await;
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["status"]["id"], s["id"]);
    assert_eq!(notes[0]["account"]["username"], "alice");
    // Anonymous readers get the post without viewer fields.
    let (status, anon) = app
        .get_json(
            &format!("/api/v1/statuses/{}", s["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(anon.get("favourited").is_none());
    // The author's counters follow.
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    assert_eq!(me["statuses_count"], 1);
    assert!(me["last_status_at"].as_str().unwrap().len() == 10);

    // Idempotency-Key: the same request twice makes one post.
    let send = || {
        app.client
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&alice)
            .header("idempotency-key", "k-1")
            .json(&json!({"status": "once"}))
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let second: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
}
on_both_backends!(posting, posting_renders_like_mastodon);

async fn visibility_is_enforced_everywhere(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, follower) = app.user_with_token("fern").await;
    let (_, stranger) = app.user_with_token("stan").await;
    let (_, mentioned) = app.user_with_token("mia").await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &follower,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let public = post(
        app,
        &alice,
        json!({"status": "public #topic", "visibility": "public"}),
    )
    .await;
    let unlisted = post(
        app,
        &alice,
        json!({"status": "unlisted #topic", "visibility": "unlisted"}),
    )
    .await;
    let private = post(
        app,
        &alice,
        json!({"status": "followers only #topic", "visibility": "private"}),
    )
    .await;
    let direct = post(
        app,
        &alice,
        json!({"status": "psst @mia #topic", "visibility": "direct"}),
    )
    .await;
    let local = post(
        app,
        &alice,
        json!({"status": "members only #topic", "local_only": true}),
    )
    .await;
    app.run_jobs().await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();

    // Who may open each post.
    for (viewer, expect) in [
        (Some(&follower), [true, true, true, false, true]),
        (Some(&stranger), [true, true, false, false, true]),
        (Some(&mentioned), [true, true, false, true, true]),
        (None, [true, true, false, false, false]),
    ] {
        for (s, ok) in [&public, &unlisted, &private, &direct, &local]
            .iter()
            .zip(expect)
        {
            let (status, _) = app
                .get_json(
                    &format!("/api/v1/statuses/{}", id(s)),
                    viewer.map(|t| t.as_str()),
                )
                .await;
            assert_eq!(
                status,
                if ok { 200 } else { 404 },
                "{} for {:?}",
                s["content"],
                viewer.is_some()
            );
        }
    }
    // Home timelines: the follower gets everything but the DM; the stranger nothing.
    let (_, home) = app
        .get_json("/api/v1/timelines/home", Some(&follower))
        .await;
    assert_eq!(
        ids(&home),
        vec![id(&local), id(&private), id(&unlisted), id(&public)]
    );
    let (_, home) = app
        .get_json("/api/v1/timelines/home", Some(&stranger))
        .await;
    assert!(home.as_array().unwrap().is_empty());
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert_eq!(
        home.as_array().unwrap().len(),
        5,
        "authors see all their posts"
    );
    // Public timeline: public posts only, local-only ones for signed-in members only.
    let (_, public_tl) = app
        .get_json("/api/v1/timelines/public", Some(&stranger))
        .await;
    assert_eq!(ids(&public_tl), vec![id(&local), id(&public)]);
    let (_, public_tl) = app
        .get_json("/api/v1/timelines/public?local=true", None)
        .await;
    assert_eq!(ids(&public_tl), vec![id(&public)]);
    // Tag timeline, same rules.
    let (_, tag) = app.get_json("/api/v1/timelines/tag/topic", None).await;
    assert_eq!(ids(&tag), vec![id(&public)]);
    // Account statuses by viewer.
    let (_, mine) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&stranger),
        )
        .await;
    assert_eq!(ids(&mine), vec![id(&local), id(&unlisted), id(&public)]);
    let (_, mine) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&mentioned),
        )
        .await;
    assert_eq!(
        ids(&mine),
        vec![id(&local), id(&direct), id(&unlisted), id(&public)]
    );
    // Context of a private post is 404 for the stranger; replies to it stay private.
    let (status, _) = app
        .get_json(
            &format!("/api/v1/statuses/{}/context", id(&private)),
            Some(&stranger),
        )
        .await;
    assert_eq!(status, 404);
    // Counts: the DM is not counted in the public profile.
    let (_, acct) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}"), None)
        .await;
    assert_eq!(acct["statuses_count"], 4);
    // Interactions on what one cannot see are 404, never 403.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/statuses/{}/favourite", id(&private)),
            &stranger,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json(
            &format!("/api/v1/statuses/{}/reblog", id(&direct)),
            &stranger,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    // Followers-only posts cannot be boosted by others.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/statuses/{}/reblog", id(&private)),
            &follower,
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
}
on_both_backends!(visibility, visibility_is_enforced_everywhere);

async fn threads_edits_and_deletes(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let root = post(app, &alice, json!({"status": "root"})).await;
    let rid = root["id"].as_str().unwrap();
    let r1 = post(
        app,
        &bob,
        json!({"status": "@alice reply 1", "in_reply_to_id": rid}),
    )
    .await;
    let r1id = r1["id"].as_str().unwrap();
    let r2 = post(
        app,
        &alice,
        json!({"status": "reply to reply", "in_reply_to_id": r1id}),
    )
    .await;
    let r3 = post(
        app,
        &bob,
        json!({"status": "reply 2", "in_reply_to_id": rid}),
    )
    .await;
    assert_eq!(r1["in_reply_to_account_id"], root["account"]["id"]);
    let (_, ctx) = app
        .get_json(&format!("/api/v1/statuses/{r1id}/context"), None)
        .await;
    assert_eq!(ids(&ctx["ancestors"]), vec![rid.to_string()]);
    assert_eq!(
        ids(&ctx["descendants"]),
        vec![r2["id"].as_str().unwrap().to_string()]
    );
    let (_, ctx) = app
        .get_json(&format!("/api/v1/statuses/{rid}/context"), None)
        .await;
    assert_eq!(
        ids(&ctx["descendants"]),
        vec![
            r1id.to_string(),
            r2["id"].as_str().unwrap().to_string(),
            r3["id"].as_str().unwrap().to_string()
        ]
    );
    let (_, root_now) = app.get_json(&format!("/api/v1/statuses/{rid}"), None).await;
    assert_eq!(root_now["replies_count"], 2);

    // Edit: the history keeps the original, source gives the plain text.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{rid}")))
        .bearer_auth(&alice)
        .json(&json!({"status": "root, edited", "spoiler_text": "cw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["content"], "<p>root, edited</p>");
    assert!(edited["edited_at"].is_string());
    let (_, history) = app
        .get_json(&format!("/api/v1/statuses/{rid}/history"), None)
        .await;
    let contents: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, vec!["<p>root</p>", "<p>root, edited</p>"]);
    let (_, source) = app
        .get_json(&format!("/api/v1/statuses/{rid}/source"), Some(&alice))
        .await;
    assert_eq!(
        source,
        json!({"id": rid, "text": "root, edited", "spoiler_text": "cw"})
    );
    // Someone else cannot edit or delete it.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{rid}")))
        .bearer_auth(&bob)
        .json(&json!({"status": "mine now"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{rid}")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Delete returns the source for redrafting; the post is gone, replies stay.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{rid}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let deleted: Value = res.json().await.unwrap();
    assert_eq!(deleted["text"], "root, edited");
    assert_eq!(
        app.get_json(&format!("/api/v1/statuses/{rid}"), None)
            .await
            .0,
        404
    );
    let (status, r1_now) = app
        .get_json(&format!("/api/v1/statuses/{r1id}"), None)
        .await;
    assert_eq!(status, 200);
    assert!(r1_now["in_reply_to_id"].is_null());
}
on_both_backends!(threads, threads_edits_and_deletes);

async fn interactions_count_and_notify(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &carol,
        json!({}),
    )
    .await;
    let s = post(app, &alice, json!({"status": "like me"})).await;
    let sid = s["id"].as_str().unwrap();
    let act = |path: String, token: &str| {
        let token = token.to_string();
        async move { app.post_json(&path, &token, json!({})).await }
    };
    let (status, fav) = act(format!("/api/v1/statuses/{sid}/favourite"), &bob).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            fav["favourited"].as_bool(),
            fav["favourites_count"].as_i64()
        ),
        (Some(true), Some(1))
    );
    // Twice is still one.
    let (_, fav) = act(format!("/api/v1/statuses/{sid}/favourite"), &bob).await;
    assert_eq!(fav["favourites_count"], 1);
    let (status, wrapper) = act(format!("/api/v1/statuses/{sid}/reblog"), &bob).await;
    assert_eq!(status, 200);
    assert_eq!(wrapper["reblog"]["id"], sid);
    assert_eq!(wrapper["reblog"]["reblogged"], true);
    assert_eq!(wrapper["reblog"]["reblogs_count"], 1);
    let (_, bm) = act(format!("/api/v1/statuses/{sid}/bookmark"), &bob).await;
    assert_eq!(bm["bookmarked"], true);
    let (_, pinned) = act(format!("/api/v1/statuses/{sid}/pin"), &alice).await;
    assert_eq!(pinned["pinned"], true);
    let (status, _) = act(format!("/api/v1/statuses/{sid}/pin"), &bob).await;
    assert_eq!(status, 403, "only your own posts can be pinned");

    let (_, by) = app
        .get_json(&format!("/api/v1/statuses/{sid}/favourited_by"), None)
        .await;
    assert_eq!(by[0]["username"], "bob");
    let (_, by) = app
        .get_json(&format!("/api/v1/statuses/{sid}/reblogged_by"), None)
        .await;
    assert_eq!(by[0]["username"], "bob");
    let (_, bookmarks) = app.get_json("/api/v1/bookmarks", Some(&bob)).await;
    assert_eq!(ids(&bookmarks), vec![sid.to_string()]);
    let (_, favs) = app.get_json("/api/v1/favourites", Some(&bob)).await;
    assert_eq!(ids(&favs), vec![sid.to_string()]);
    let (_, pins) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses?pinned=true"),
            None,
        )
        .await;
    assert_eq!(ids(&pins), vec![sid.to_string()]);

    // The boost reaches Bob's followers' homes? Carol follows Alice, not Bob: she sees the original only.
    app.run_jobs().await;
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&carol)).await;
    assert_eq!(ids(&home), vec![sid.to_string()]);

    let (_, notes) = app.get_json("/api/v1/notifications", Some(&alice)).await;
    let kinds: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["reblog", "favourite", "follow"]);
    let (_, only) = app
        .get_json("/api/v1/notifications?types[]=favourite", Some(&alice))
        .await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    let (_, without) = app
        .get_json(
            "/api/v1/notifications?exclude_types[]=follow&exclude_types[]=reblog",
            Some(&alice),
        )
        .await;
    assert_eq!(without.as_array().unwrap().len(), 1);
    let (_, count) = app
        .get_json("/api/v1/notifications/unread_count", Some(&alice))
        .await;
    assert_eq!(count["count"], 3);

    // Undo: counts drop and the notifications go with them.
    let (_, unfav) = act(format!("/api/v1/statuses/{sid}/unfavourite"), &bob).await;
    assert_eq!(
        (
            unfav["favourited"].as_bool(),
            unfav["favourites_count"].as_i64()
        ),
        (Some(false), Some(0))
    );
    let (_, unreb) = act(format!("/api/v1/statuses/{sid}/unreblog"), &bob).await;
    assert_eq!(
        (
            unreb["reblogged"].as_bool(),
            unreb["reblogs_count"].as_i64()
        ),
        (Some(false), Some(0))
    );
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&alice)).await;
    assert_eq!(notes.as_array().unwrap().len(), 1);
    let nid = notes[0]["id"].as_str().unwrap();
    assert_eq!(
        app.get_json(&format!("/api/v1/notifications/{nid}"), Some(&alice))
            .await
            .0,
        200
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/notifications/{nid}"), Some(&bob))
            .await
            .0,
        404
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/notifications/{nid}/dismiss"),
            &alice,
            json!({})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post_json("/api/v1/notifications/clear", &alice, json!({}))
            .await
            .0,
        200
    );
}
on_both_backends!(interactions, interactions_count_and_notify);

async fn bad_statuses_write_nothing(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let private = post(
        app,
        &bob,
        json!({"status": "mine", "visibility": "private"}),
    )
    .await;
    let long_but_ok = format!(
        "{} https://example.org/{}",
        "a".repeat(476),
        "b".repeat(200)
    );
    assert_eq!(
        app.post_json("/api/v1/statuses", &alice, json!({"status": long_but_ok}))
            .await
            .0,
        200,
        "a URL counts as 23"
    );
    let before: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    for (body, status, needle) in [
        (
            json!({"status": "x".repeat(501)}),
            422,
            "character limit of 500",
        ),
        (json!({"status": ""}), 422, "can't be blank"),
        (
            json!({"status": "hi", "visibility": "friends"}),
            422,
            "Visibility",
        ),
        (
            json!({"status": "hi", "in_reply_to_id": "999999"}),
            404,
            "Record not found",
        ),
        (
            json!({"status": "hi", "in_reply_to_id": private["id"]}),
            404,
            "Record not found",
        ),
        (
            json!({"status": "hi", "scheduled_at": "2020-01-01T00:00:00Z"}),
            422,
            "Scheduled",
        ),
        (json!({"status": "hi", "media_ids": ["1"]}), 422, "Media"),
        (
            json!({"status": "hi", "poll": {"options": ["a"], "expires_in": 600}}),
            422,
            "Poll options",
        ),
        (
            json!({"status": "hi", "language": "<script>"}),
            422,
            "Language",
        ),
    ] {
        let (got, res) = app
            .post_json("/api/v1/statuses", &alice, body.clone())
            .await;
        assert_eq!(got, status, "{body} → {res}");
        assert!(
            res["error"].as_str().unwrap().contains(needle),
            "{body} → {res}"
        );
    }
    let after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing written");
    assert_eq!(
        app.get_json("/api/v1/statuses/not-an-id", Some(&alice))
            .await
            .0,
        404
    );
    // A read-only token cannot post.
    let read_only = app.login("alice", "correct horse battery", "read").await;
    assert_eq!(
        app.post_json("/api/v1/statuses", &read_only, json!({"status": "hi"}))
            .await
            .0,
        403
    );
}
on_both_backends!(bad_input, bad_statuses_write_nothing);

/// A request as a client sends it, with `Accept-Language: lang` when given.
async fn ask(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    lang: Option<&str>,
    body: Option<Value>,
) -> (u16, String, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let vary = res
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    (status, vary, res.json().await.unwrap_or(Value::Null))
}

/// API errors follow Accept-Language (issue 17): the same refusal with the same status and
/// codes, its message in Japanese for `ja`, and byte-for-byte the English one without a header,
/// with `en` or with a language we do not have; nothing is written either way.
async fn errors_follow_accept_language(app: &TestApp) {
    use reqwest::Method;
    let (alice_id, alice) = app.user_with_token("alice").await;
    let blank = json!({ "status": "" });
    let (status, _, english) = ask(
        app,
        Method::POST,
        "/api/v1/statuses",
        Some(&alice),
        None,
        Some(blank.clone()),
    )
    .await;
    assert_eq!(status, 422, "{english}");
    assert_eq!(english["error"], "Validation failed: Text can't be blank");
    for lang in ["en", "en-GB,en;q=0.9", "fr-FR, de"] {
        let (status, _, same) = ask(
            app,
            Method::POST,
            "/api/v1/statuses",
            Some(&alice),
            Some(lang),
            Some(blank.clone()),
        )
        .await;
        assert_eq!((status, &same), (422, &english), "{lang}");
    }
    let (status, vary, ja) = ask(
        app,
        Method::POST,
        "/api/v1/statuses",
        Some(&alice),
        Some("ja-JP,ja;q=0.9,en;q=0.5"),
        Some(blank),
    )
    .await;
    assert_eq!(status, 422, "{ja}");
    assert_eq!(
        ja["error"], "入力内容に誤りがあります: 投稿する内容を入力してください",
        "{ja}"
    );
    assert_eq!(
        ja["details"]["text"][0]["error"], "ERR_BLANK",
        "codes stay: {ja}"
    );
    assert_eq!(
        ja["details"]["text"][0]["description"], "入力してください。",
        "{ja}"
    );
    assert!(vary.contains("Accept-Language"), "{vary}");

    // A number the message carries is kept; a poll with one option; 404, 401 and a scope's
    // 403; the co-op API's ledger to a signed-in non-member and to nobody:
    // (method, path, token, body, status, English, Japanese).
    let reader = app.login("alice", "correct horse battery", "read").await;
    let post = json!({ "status": "hi" });
    let ledger = "/api/v1/coop/ledger/accounts";
    let long = json!({ "status": "a".repeat(600) });
    let poll = json!({ "status": "Which?", "poll": { "options": ["only"], "expires_in": 3600 } });
    let cases = [
        (
            Method::POST,
            "/api/v1/statuses",
            Some(alice.as_str()),
            Some(long),
            422,
            Some("Validation failed: Text character limit of 500 exceeded"),
            "入力内容に誤りがあります: 投稿が 500 文字を超えています",
        ),
        (
            Method::POST,
            "/api/v1/statuses",
            Some(alice.as_str()),
            Some(poll),
            422,
            None,
            "入力内容に誤りがあります: 投票の選択肢は 2 つ以上にしてください",
        ),
        (
            Method::GET,
            "/api/v1/statuses/123456789",
            Some(alice.as_str()),
            None,
            404,
            Some("Record not found"),
            "見つかりません",
        ),
        (
            Method::GET,
            "/api/v1/no_such_endpoint",
            None,
            None,
            404,
            None,
            "見つかりません",
        ),
        (
            Method::GET,
            "/api/v1/accounts/verify_credentials",
            Some("not-a-token"),
            None,
            401,
            Some("The access token is invalid"),
            "アクセストークンが無効です",
        ),
        (
            Method::POST,
            "/api/v1/statuses",
            Some(reader.as_str()),
            Some(post.clone()),
            403,
            Some("This action is outside the authorized scopes"),
            "この操作は許可されたスコープの範囲外です",
        ),
        (
            Method::GET,
            ledger,
            Some(alice.as_str()),
            None,
            403,
            Some("Only members of the co-op can see its ledger"),
            "協同組合の帳簿を見られるのは組合員だけです",
        ),
        (
            Method::GET,
            ledger,
            None,
            None,
            401,
            None,
            "帳簿は組合員だけが見られます: ログインしてください",
        ),
    ];
    for (method, path, token, body, status, english, japanese) in cases {
        if let Some(english) = english {
            let (got, _, en) = ask(app, method.clone(), path, token, None, body.clone()).await;
            assert_eq!(
                (got, en["error"].as_str()),
                (status, Some(english)),
                "{path}"
            );
        }
        let (got, _, ja) = ask(app, method, path, token, Some("ja"), body).await;
        assert_eq!(
            (got, ja["error"].as_str()),
            (status, Some(japanese)),
            "{path}"
        );
    }

    // Nothing was posted.
    let (_, mine) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&alice),
        )
        .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(0), "{mine}");

    // A success is never touched.
    let (status, _, ok) = ask(
        app,
        Method::POST,
        "/api/v1/statuses",
        Some(&alice),
        Some("ja"),
        Some(json!({ "status": "こんにちは" })),
    )
    .await;
    assert_eq!(status, 200, "{ok}");
}
on_both_backends!(errors_language, errors_follow_accept_language);
