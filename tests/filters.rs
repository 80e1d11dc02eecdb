//! Filters v2 over HTTP: hide and warn per context, whole-word matching, expiry, keyword
//! edits, ownership, the v1 projection, and filters on the streaming API.

mod common;

use std::time::Duration;

use common::moderation::send;
use common::TestApp;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

fn find<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|s| s["id"] == id)
}

async fn filters_by_context(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;

    let (status, hide) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Spoilers", "context": ["home", "notifications"], "filter_action": "hide",
                   "keywords_attributes": [{"keyword": "Dragon", "whole_word": true}]}),
        )
        .await;
    assert_eq!(status, 200, "{hide}");
    assert_eq!(hide["context"], json!(["home", "notifications"]));
    assert_eq!(hide["filter_action"], "hide");
    assert_eq!(hide["expires_at"], Value::Null);
    assert_eq!(hide["keywords"][0]["keyword"], "Dragon");
    assert_eq!(hide["keywords"][0]["whole_word"], true);
    let hide_id = hide["id"].as_str().unwrap().to_string();
    let (status, warn) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Politics", "context": ["public", "thread"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "vote", "whole_word": false}]}),
        )
        .await;
    assert_eq!(status, 200, "{warn}");

    let dragon = post(app, &alice, json!({"status": "The DRAGON returns tonight"})).await;
    let dragons = post(app, &alice, json!({"status": "dragons are lovely"})).await;
    let vote = post(app, &alice, json!({"status": "go and voters vote today"})).await;
    let reply = post(
        app,
        &alice,
        json!({"status": "@bob the dragon again", "in_reply_to_id": vote}),
    )
    .await;
    app.run_jobs().await;

    // Home: the hide filter drops the dragon posts, whole words only; warn is not for home.
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(find(&home, &dragon).is_none(), "{home}");
    assert!(find(&home, &reply).is_none());
    assert!(
        find(&home, &dragons).is_some(),
        "whole_word: 'dragons' is another word"
    );
    assert_eq!(find(&home, &vote).unwrap()["filtered"], json!([]));

    // Public: the dragon post is there (hide is home/notifications only); the vote post warns.
    let (_, public) = app.get_json("/api/v1/timelines/public", Some(&bob)).await;
    assert!(find(&public, &dragon).is_some());
    let filtered = &find(&public, &vote).unwrap()["filtered"];
    assert_eq!(filtered[0]["filter"]["title"], "Politics", "{filtered}");
    assert_eq!(filtered[0]["keyword_matches"], json!(["vote"]));
    assert_eq!(filtered[0]["status_matches"], Value::Null);
    // Someone else's view is untouched; an anonymous one carries no `filtered`.
    let (_, carol_public) = app.get_json("/api/v1/timelines/public", Some(&carol)).await;
    assert_eq!(find(&carol_public, &vote).unwrap()["filtered"], json!([]));
    let (_, anon) = app.get_json("/api/v1/timelines/public", None).await;
    assert!(find(&anon, &vote)
        .unwrap()
        .get("filtered")
        .is_none_or(Value::is_null));

    // Thread: the reply stays (hide is not for threads); the ancestor warns.
    let (_, ctx) = app
        .get_json(&format!("/api/v1/statuses/{reply}/context"), Some(&bob))
        .await;
    assert_eq!(ctx["ancestors"][0]["id"], vote);
    assert_eq!(
        ctx["ancestors"][0]["filtered"][0]["filter"]["id"],
        warn["id"]
    );
    // Notifications: the mention of a hidden status is left out.
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&bob)).await;
    assert!(
        !notes
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["status"]["id"] == reply),
        "{notes}"
    );

    // A status filter warns on exactly that status.
    let (status, fs) = app
        .post_json(
            &format!("/api/v2/filters/{}/statuses", warn["id"].as_str().unwrap()),
            &bob,
            json!({"status_id": dragons}),
        )
        .await;
    assert_eq!(status, 200, "{fs}");
    assert_eq!(fs["status_id"], dragons);
    let (_, public) = app.get_json("/api/v1/timelines/public", Some(&bob)).await;
    assert_eq!(
        find(&public, &dragons).unwrap()["filtered"][0]["status_matches"],
        json!([dragons])
    );

    // Expiry: an expired filter no longer applies.
    let (status, updated) = send(
        app,
        reqwest::Method::PUT,
        &format!("/api/v2/filters/{hide_id}"),
        &bob,
        json!({"expires_in": 3600}),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert!(updated["expires_at"].is_string());
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(find(&home, &dragon).is_none());
    app.state.clock.advance(Duration::from_secs(7200));
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(
        find(&home, &dragon).is_some(),
        "expired filters don't apply"
    );

    // The v1 projection lists one filter per keyword.
    let (status, v1) = app.get_json("/api/v1/filters", Some(&bob)).await;
    assert_eq!(status, 200);
    let phrases: Vec<&str> = v1
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["phrase"].as_str().unwrap())
        .collect();
    assert_eq!(phrases, ["Dragon", "vote"]);
    assert_eq!(v1[0]["irreversible"], true);

    // keywords_attributes: add one, remove one by id with _destroy.
    let kw_id = hide["keywords"][0]["id"].as_str().unwrap();
    let (status, edited) = send(
        app,
        reqwest::Method::PUT,
        &format!("/api/v2/filters/{hide_id}"),
        &bob,
        json!({"expires_in": "", "keywords_attributes": [{"id": kw_id, "_destroy": true}, {"keyword": "wyvern"}]}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["expires_at"], Value::Null);
    assert_eq!(edited["keywords"].as_array().unwrap().len(), 1);
    assert_eq!(edited["keywords"][0]["keyword"], "wyvern");
    let new_kw = edited["keywords"][0]["id"].as_str().unwrap().to_string();
    let (status, kw) = send(
        app,
        reqwest::Method::PUT,
        &format!("/api/v2/filters/keywords/{new_kw}"),
        &bob,
        json!({"keyword": "dragon", "whole_word": false}),
    )
    .await;
    assert_eq!(status, 200, "{kw}");
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(
        find(&home, &dragons).is_none(),
        "not whole-word now: 'dragons' matches"
    );
    let (_, kws) = app
        .get_json(&format!("/api/v2/filters/{hide_id}/keywords"), Some(&bob))
        .await;
    assert_eq!(kws.as_array().unwrap().len(), 1);

    // Other people's filters are not found; bad input is a 422, nothing written.
    let (status, _) = app
        .get_json(&format!("/api/v2/filters/{hide_id}"), Some(&carol))
        .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v2/filters/keywords/{new_kw}"),
        &carol,
        json!({}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, err) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "x", "context": ["nowhere"]}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"].as_str().unwrap().contains("nowhere"));
    let (status, _) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "x", "context": ["home"], "filter_action": "explode"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": "  "}]}),
        )
        .await;
    assert_eq!(status, 422);
    let (_, all) = app.get_json("/api/v2/filters", Some(&bob)).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Deleting a filter brings its statuses back.
    let (status, _) = send(
        app,
        reqwest::Method::DELETE,
        &format!("/api/v2/filters/{hide_id}"),
        &bob,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
    assert!(find(&home, &dragons).is_some());
    let (status, _) = app
        .get_json(&format!("/api/v2/filters/{hide_id}"), Some(&bob))
        .await;
    assert_eq!(status, 404);
}

on_both_backends!(filters_by_context, filters_by_context);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn event(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an event arrives")
            .expect("socket open")
            .expect("message");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("event is JSON");
        }
    }
}

async fn filters_on_streams(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;
    let url = format!(
        "{}/api/v1/streaming?access_token={bob}&stream=user",
        app.base.replacen("http://", "ws://", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects");

    let (status, f) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Spoilers", "context": ["home"], "filter_action": "hide",
                   "keywords_attributes": [{"keyword": "dragon"}]}),
        )
        .await;
    assert_eq!(status, 200, "{f}");
    let ev = event(&mut ws).await;
    assert_eq!(ev["event"], "filters_changed", "{ev}");
    assert_eq!(ev["stream"], json!(["user"]));

    let (status, _) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Birds", "context": ["home"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "owl"}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(event(&mut ws).await["event"], "filters_changed");

    // A hidden status never arrives; the next one does, a warned one carries its result.
    post(app, &alice, json!({"status": "here be dragon"})).await;
    app.run_jobs().await;
    let owl = post(app, &alice, json!({"status": "an owl at night"})).await;
    app.run_jobs().await;
    let ev = event(&mut ws).await;
    assert_eq!(ev["event"], "update", "{ev}");
    let status: Value = serde_json::from_str(ev["payload"].as_str().unwrap()).unwrap();
    assert_eq!(
        status["id"], owl,
        "the dragon post was dropped from the stream"
    );
    assert_eq!(status["filtered"][0]["keyword_matches"], json!(["owl"]));
}

on_both_backends!(filters_on_streams, filters_on_streams);

/// Apps send forms: `context[]` and `keywords_attributes[0][keyword]` both work.
async fn form_bodies(app: &TestApp) {
    let (_, bob) = app.user_with_token("bob").await;
    for body in [
        "title=A&context[]=home&context[]=public&filter_action=hide&keywords_attributes[0][keyword]=cat&keywords_attributes[0][whole_word]=false&keywords_attributes[1][keyword]=dog",
        "title=B&context[]=thread&keywords_attributes[][keyword]=cat&keywords_attributes[][whole_word]=0",
    ] {
        let res = app
            .client
            .post(app.url("/api/v2/filters"))
            .bearer_auth(&bob)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let f: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "{body}: {f}");
        assert_eq!(f["keywords"][0]["keyword"], "cat", "{f}");
        assert_eq!(f["keywords"][0]["whole_word"], false);
    }
    let (_, all) = app.get_json("/api/v2/filters", Some(&bob)).await;
    assert_eq!(all[0]["context"], json!(["home", "public"]));
    assert_eq!(all[0]["filter_action"], "hide");
    assert_eq!(all[0]["keywords"][1]["keyword"], "dog");
    assert_eq!(all[0]["keywords"][1]["whole_word"], true);
    assert_eq!(all[1]["filter_action"], "warn");
}

on_both_backends!(form_bodies, form_bodies);

/// Filters v2 beyond the timelines: a status opened by id (`thread`), search results
/// (`public`) and a conversation's last status (`thread`) carry `filtered`; none is dropped,
/// so a `hide` filter is listed for the client to act on, as Mastodon does.
async fn filters_on_single_statuses_search_and_conversations(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    // Bob follows Alice: a stranger's direct message would wait behind a notification
    // request (Mastodon's default policy), out of the conversations.
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        serde_json::json!({}),
    )
    .await;
    let (status, warn) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Politics", "context": ["public", "thread"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "ballot", "whole_word": true}]}),
        )
        .await;
    assert_eq!(status, 200, "{warn}");
    let (status, hide) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Spoilers", "context": ["thread"], "filter_action": "hide",
                   "keywords_attributes": [{"keyword": "dragon"}]}),
        )
        .await;
    assert_eq!(status, 200, "{hide}");
    let (status, home_only) = app
        .post_json(
            "/api/v2/filters",
            &bob,
            json!({"title": "Cake", "context": ["home"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "cake"}]}),
        )
        .await;
    assert_eq!(status, 200, "{home_only}");

    let ballot = post(app, &alice, json!({"status": "Cast your ballot today"})).await;
    let dragon = post(app, &alice, json!({"status": "The dragon wakes"})).await;
    let cake = post(app, &alice, json!({"status": "cake at four"})).await;
    app.run_jobs().await;

    // GET /api/v1/statuses/:id: the thread context's filters, warn and hide alike.
    let (status, s) = app
        .get_json(&format!("/api/v1/statuses/{ballot}"), Some(&bob))
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["filtered"][0]["filter"]["id"], warn["id"], "{s}");
    assert_eq!(s["filtered"][0]["filter"]["filter_action"], "warn");
    assert_eq!(s["filtered"][0]["keyword_matches"], json!(["ballot"]));
    let (status, s) = app
        .get_json(&format!("/api/v1/statuses/{dragon}"), Some(&bob))
        .await;
    assert_eq!(status, 200, "a hidden status is still served by id: {s}");
    assert_eq!(s["filtered"][0]["filter"]["id"], hide["id"], "{s}");
    assert_eq!(s["filtered"][0]["filter"]["filter_action"], "hide");
    // A filter of another context does not apply; nor do bob's filters to others.
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{cake}"), Some(&bob))
        .await;
    assert_eq!(s["filtered"], json!([]), "{s}");
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{ballot}"), Some(&alice))
        .await;
    assert_eq!(s["filtered"], json!([]), "{s}");
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{ballot}"), None)
        .await;
    assert!(s.get("filtered").is_none_or(Value::is_null), "{s}");

    // Search: results are marked for the public context, not dropped.
    let (status, found) = app
        .get_json("/api/v2/search?q=ballot&type=statuses", Some(&bob))
        .await;
    assert_eq!(status, 200, "{found}");
    let hit = find(&found["statuses"], &ballot).unwrap_or_else(|| panic!("{found}"));
    assert_eq!(hit["filtered"][0]["filter"]["id"], warn["id"], "{hit}");
    let (_, found) = app
        .get_json("/api/v2/search?q=dragon&type=statuses", Some(&bob))
        .await;
    let hit = find(&found["statuses"], &dragon).unwrap_or_else(|| panic!("{found}"));
    assert_eq!(
        hit["filtered"],
        json!([]),
        "hide is for threads only: {hit}"
    );

    // Conversations: the last status is marked for the thread context; the conversation stays.
    let dm = post(
        app,
        &alice,
        json!({"status": "@bob about that ballot", "visibility": "direct"}),
    )
    .await;
    let dm2 = post(
        app,
        &alice,
        json!({"status": "@bob here be a dragon", "visibility": "direct"}),
    )
    .await;
    app.run_jobs().await;
    let (status, convs) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    assert_eq!(status, 200, "{convs}");
    let last = |id: &str| {
        convs
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["last_status"]["id"] == id)
            .unwrap_or_else(|| panic!("conversation of {id}: {convs}"))["last_status"]
            .clone()
    };
    assert_eq!(last(&dm)["filtered"][0]["filter"]["id"], warn["id"]);
    assert_eq!(last(&dm2)["filtered"][0]["filter"]["id"], hide["id"]);
    let (_, alice_convs) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert!(
        alice_convs
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["last_status"]["filtered"] == json!([])),
        "{alice_convs}"
    );
}
on_both_backends!(
    filters_beyond_timelines,
    filters_on_single_statuses_search_and_conversations
);
