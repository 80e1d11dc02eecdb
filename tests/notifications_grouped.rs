//! Mastodon 4.3's notifications over HTTP: grouped notifications (`/api/v2/notifications`),
//! the notification policy and the requests it opens.

mod common;

use std::time::Duration;

use common::TestApp;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

fn groups(v: &Value) -> &Vec<Value> {
    v["notification_groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no notification_groups: {v}"))
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

async fn get_with_link(app: &TestApp, path: &str, token: &str) -> (u16, Value, String) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, res.json().await.unwrap_or(Value::Null), link)
}

/// The `rel="next"` URL of a Link header, as a path.
fn next_of(link: &str, base: &str) -> Option<String> {
    link.split(", ")
        .find(|p| p.ends_with("rel=\"next\""))
        .map(|p| {
            p.trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .replace(base, "")
        })
}

async fn favourites_make_one_group(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (dave_id, dave) = app.user_with_token("dave").await;
    // Alice follows Bob, so his mention passes the default policy either way.
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    let post_id = post(app, &alice, json!({"status": "a post worth liking"})).await;
    for token in [&bob, &carol, &dave] {
        let (status, _) = app
            .post_json(
                &format!("/api/v1/statuses/{post_id}/favourite"),
                token,
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let mention_id = post(app, &bob, json!({"status": "@alice hello"})).await;

    // Three favourites of one post are one group with three sample accounts, newest first;
    // the mention is a group of its own.
    let (status, page, _) = get_with_link(app, "/api/v2/notifications", &alice).await;
    assert_eq!(status, 200, "{page}");
    let gs = groups(&page);
    assert_eq!(gs.len(), 2, "{page}");
    let fav = &gs[1];
    assert_eq!(fav["type"], "favourite");
    assert_eq!(fav["notifications_count"], 3);
    assert_eq!(fav["status_id"], post_id.as_str());
    assert_eq!(
        fav["sample_account_ids"],
        json!([
            dave_id.to_string(),
            carol_id.to_string(),
            bob_id.to_string()
        ])
    );
    let key = fav["group_key"].as_str().unwrap().to_string();
    assert!(key.starts_with(&format!("favourite-{post_id}-")), "{key}");
    assert!(fav["page_min_id"].is_string() && fav["page_max_id"].is_string());
    assert_eq!(fav["page_max_id"], fav["most_recent_notification_id"]);
    assert!(fav["latest_page_notification_at"].is_string());
    assert_eq!(gs[0]["type"], "mention");
    assert_eq!(gs[0]["notifications_count"], 1);
    assert_eq!(gs[0]["status_id"], mention_id.as_str());
    assert!(gs[0]["group_key"]
        .as_str()
        .unwrap()
        .starts_with("ungrouped-"));
    // Each account and status once, referred to by id.
    let mut accounts = ids(&page["accounts"]);
    accounts.sort();
    let mut expected = vec![
        alice_id.to_string(),
        bob_id.to_string(),
        carol_id.to_string(),
        dave_id.to_string(),
    ];
    expected.sort();
    assert_eq!(accounts, expected);
    let mut statuses = ids(&page["statuses"]);
    statuses.sort();
    let mut expected = vec![post_id.clone(), mention_id.clone()];
    expected.sort();
    assert_eq!(statuses, expected);
    assert!(page.get("partial_accounts").is_none());

    // The v1 list shows every notification, carrying its group's key.
    let (_, v1) = app.get_json("/api/v1/notifications", Some(&alice)).await;
    assert_eq!(v1.as_array().unwrap().len(), 4);
    assert_eq!(v1[1]["group_key"], key.as_str());
    assert!(v1[0]["group_key"]
        .as_str()
        .unwrap()
        .starts_with("ungrouped-"));

    // Paging by group: one group a page, the Link header leads to the next.
    let (_, first, link) = get_with_link(app, "/api/v2/notifications?limit=1", &alice).await;
    assert_eq!(groups(&first).len(), 1);
    assert_eq!(groups(&first)[0]["type"], "mention");
    let next = next_of(&link, &app.url("")).expect("a next link");
    assert!(next.contains("limit=1"), "{next}");
    let (_, second, _) = get_with_link(app, &next, &alice).await;
    assert_eq!(groups(&second).len(), 1);
    assert_eq!(groups(&second)[0]["group_key"], key.as_str());
    assert_eq!(groups(&second)[0]["notifications_count"], 3);
    // Paging up from below the favourites' group finds it again, then the mention.
    let oldest = fav["page_min_id"].as_str().unwrap().parse::<i64>().unwrap() - 1;
    let (_, up, _) = get_with_link(
        app,
        &format!("/api/v2/notifications?min_id={oldest}"),
        &alice,
    )
    .await;
    let up_types: Vec<&str> = groups(&up)
        .iter()
        .map(|g| g["type"].as_str().unwrap())
        .collect();
    assert_eq!(up_types, vec!["mention", "favourite"]);
    assert_eq!(groups(&up)[1]["group_key"], key.as_str());

    // grouped_types without favourite: each favourite is its own group.
    let (_, flat, _) = get_with_link(
        app,
        "/api/v2/notifications?grouped_types[]=reblog&types[]=favourite",
        &alice,
    )
    .await;
    assert_eq!(groups(&flat).len(), 3);
    assert!(groups(&flat).iter().all(|g| g["notifications_count"] == 1
        && g["group_key"].as_str().unwrap().starts_with("ungrouped-")));

    // Partial avatars: only each group's newest sender (and the statuses' authors) in full.
    let (_, partial, _) = get_with_link(
        app,
        "/api/v2/notifications?expand_accounts=partial_avatars",
        &alice,
    )
    .await;
    let mut full = ids(&partial["accounts"]);
    full.sort();
    let mut expected = vec![
        alice_id.to_string(),
        bob_id.to_string(),
        dave_id.to_string(),
    ];
    expected.sort();
    assert_eq!(full, expected);
    assert_eq!(
        ids(&partial["partial_accounts"]),
        vec![carol_id.to_string()]
    );
    assert!(partial["partial_accounts"][0]["avatar"].is_string());
    let (status, _, _) = get_with_link(
        app,
        "/api/v2/notifications?expand_accounts=everything",
        &alice,
    )
    .await;
    assert_eq!(status, 400);

    // One group by its key, counted whole, with no page keys.
    let (status, one) = app
        .get_json(&format!("/api/v2/notifications/{key}"), Some(&alice))
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(groups(&one).len(), 1);
    assert_eq!(groups(&one)[0]["notifications_count"], 3);
    assert!(groups(&one)[0].get("page_min_id").is_none());
    let (_, accounts_of) = app
        .get_json(
            &format!("/api/v2/notifications/{key}/accounts"),
            Some(&alice),
        )
        .await;
    assert_eq!(
        ids(&accounts_of),
        vec![
            dave_id.to_string(),
            carol_id.to_string(),
            bob_id.to_string()
        ]
    );

    // Unread counts: groups in v2, notifications in v1.
    let (_, unread) = app
        .get_json("/api/v2/notifications/unread_count", Some(&alice))
        .await;
    assert_eq!(unread["count"], 2);
    let (_, unread) = app
        .get_json("/api/v1/notifications/unread_count", Some(&alice))
        .await;
    assert_eq!(unread["count"], 4);

    // Unknown keys are 404; dismissing a group removes all its notifications.
    for path in [
        "/api/v2/notifications/favourite-1-1",
        "/api/v2/notifications/ungrouped-12345",
        "/api/v2/notifications/favourite-1-1/accounts",
    ] {
        assert_eq!(app.get_json(path, Some(&alice)).await.0, 404, "{path}");
    }
    let (status, _) = app
        .post_json(
            &format!("/api/v2/notifications/{key}/dismiss"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, after, _) = get_with_link(app, "/api/v2/notifications", &alice).await;
    assert_eq!(groups(&after).len(), 1);
    assert_eq!(groups(&after)[0]["type"], "mention");
    let (status, _) = app
        .post_json(
            &format!("/api/v2/notifications/{key}/dismiss"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
}

on_both_backends!(favourites_make_one_group, favourites_make_one_group);

async fn requests_of(app: &TestApp, token: &str) -> Value {
    let (status, v) = app
        .get_json("/api/v1/notifications/requests", Some(token))
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn notification_types(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let (_, v) = app
        .get_json(&format!("/api/v1/notifications{query}"), Some(token))
        .await;
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|n| {
            format!(
                "{}:{}",
                n["type"].as_str().unwrap(),
                n["account"]["username"].as_str().unwrap()
            )
        })
        .collect()
}

async fn policy_filters_and_drops(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (_, dave) = app.user_with_token("dave").await;
    let (_, erin) = app.user_with_token("erin").await;

    // Mastodon's defaults: strangers' private mentions are filtered.
    let (status, policy) = app
        .get_json("/api/v2/notifications/policy", Some(&alice))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        policy,
        json!({
            "for_not_following": "accept",
            "for_not_followers": "accept",
            "for_new_accounts": "accept",
            "for_private_mentions": "filter",
            "for_limited_accounts": "filter",
            "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}
        })
    );

    // 4.3's v1 shape of the same policy, in booleans.
    let (status, v1) = app
        .get_json("/api/v1/notifications/policy", Some(&alice))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v1["filter_not_following"], false);
    assert_eq!(v1["filter_private_mentions"], true);
    assert_eq!(v1["summary"]["pending_requests_count"], 0);

    // A stranger's private mention lands in requests, not in the list.
    let dm = post(
        app,
        &carol,
        json!({"status": "@alice psst", "visibility": "direct"}),
    )
    .await;
    assert!(notification_types(app, &alice, "").await.is_empty());
    let (_, grouped) = app.get_json("/api/v2/notifications", Some(&alice)).await;
    assert!(groups(&grouped).is_empty());
    // Nor does the message open a conversation until the request is accepted.
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_eq!(
        convs,
        json!([]),
        "a held-back DM stays out of conversations"
    );
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&carol)).await;
    assert_eq!(convs.as_array().map(Vec::len), Some(1), "the sender has it");
    let reqs = requests_of(app, &alice).await;
    assert_eq!(reqs.as_array().unwrap().len(), 1, "{reqs}");
    assert_eq!(reqs[0]["account"]["id"], carol_id.to_string());
    assert_eq!(reqs[0]["notifications_count"], "1");
    assert_eq!(reqs[0]["last_status"]["id"], dm.as_str());
    let request_id = reqs[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        notification_types(app, &alice, "?include_filtered=true").await,
        vec!["mention:carol"]
    );
    let (_, policy) = app
        .get_json("/api/v2/notifications/policy", Some(&alice))
        .await;
    assert_eq!(policy["summary"]["pending_requests_count"], 1);
    assert_eq!(policy["summary"]["pending_notifications_count"], 1);
    let (_, unread) = app
        .get_json("/api/v1/notifications/unread_count", Some(&alice))
        .await;
    assert_eq!(unread["count"], 0);
    // Nobody else sees or answers Alice's requests.
    assert_eq!(
        app.get_json(
            &format!("/api/v1/notifications/requests/{request_id}"),
            Some(&dave)
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/notifications/requests/{request_id}/accept"),
            &dave,
            json!({})
        )
        .await
        .0,
        404
    );

    // Accepted: the mention joins the list, and Carol's next one comes straight in.
    let (status, one) = app
        .get_json(
            &format!("/api/v1/notifications/requests/{request_id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(status, 200, "{one}");
    let (status, _) = app
        .post_json(
            &format!("/api/v1/notifications/requests/{request_id}/accept"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        notification_types(app, &alice, "").await,
        vec!["mention:carol"]
    );
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_eq!(convs[0]["last_status"]["id"], dm.as_str(), "{convs}");
    assert_eq!(convs[0]["unread"], true);
    assert_eq!(convs[0]["accounts"][0]["id"], carol_id.to_string());
    assert!(requests_of(app, &alice)
        .await
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        app.get_json(
            &format!("/api/v1/notifications/requests/{request_id}"),
            Some(&alice)
        )
        .await
        .0,
        404
    );
    post(
        app,
        &carol,
        json!({"status": "@alice again", "visibility": "direct"}),
    )
    .await;
    assert_eq!(
        notification_types(app, &alice, "").await,
        vec!["mention:carol", "mention:carol"]
    );
    let (_, merged) = app
        .get_json("/api/v1/notifications/requests/merged", Some(&alice))
        .await;
    assert_eq!(merged["merged"], true);

    // A bad value is refused whole; a good one is kept.
    let res = app
        .client
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&alice)
        .form(&[("for_not_following", "drop"), ("for_new_accounts", "maybe")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    let (_, policy) = app
        .get_json("/api/v2/notifications/policy", Some(&alice))
        .await;
    assert_eq!(policy["for_not_following"], "accept");
    let res = app
        .client
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&alice)
        .json(&json!({"for_not_following": "drop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let policy: Value = res.json().await.unwrap();
    assert_eq!(policy["for_not_following"], "drop");
    assert_eq!(policy["for_private_mentions"], "filter");
    let (_, v1) = app
        .get_json("/api/v1/notifications/policy", Some(&alice))
        .await;
    assert_eq!(v1["filter_not_following"], true);

    // Dropped: a stranger's public mention and favourite make nothing at all; Carol, whose
    // request was accepted, still gets through.
    let mine = post(app, &alice, json!({"status": "hello world"})).await;
    post(app, &dave, json!({"status": "@alice hi there"})).await;
    app.post_json(
        &format!("/api/v1/statuses/{mine}/favourite"),
        &dave,
        json!({}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/statuses/{mine}/favourite"),
        &carol,
        json!({}),
    )
    .await;
    assert_eq!(
        notification_types(app, &alice, "?include_filtered=true").await,
        vec!["favourite:carol", "mention:carol", "mention:carol"]
    );
    assert!(requests_of(app, &alice)
        .await
        .as_array()
        .unwrap()
        .is_empty());

    // Filtered and dismissed: the request goes, the mention stays out of the list.
    app.client
        .patch(app.url("/api/v2/notifications/policy"))
        .bearer_auth(&alice)
        .json(&json!({"for_not_following": "filter"}))
        .send()
        .await
        .unwrap();
    post(app, &dave, json!({"status": "@alice are you there"})).await;
    post(app, &erin, json!({"status": "@alice me too"})).await;
    let reqs = requests_of(app, &alice).await;
    assert_eq!(reqs.as_array().unwrap().len(), 2, "{reqs}");
    let dave_request = reqs[1]["id"].as_str().unwrap().to_string();
    let erin_request = reqs[0]["id"].as_str().unwrap().to_string();
    assert_eq!(reqs[0]["account"]["username"], "erin");
    let (status, _) = app
        .post_json(
            &format!("/api/v1/notifications/requests/{dave_request}/dismiss"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    // Bulk accept with id[].
    let (status, _) = app
        .post_json(
            "/api/v1/notifications/requests/accept",
            &alice,
            json!({"id": [erin_request]}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(requests_of(app, &alice)
        .await
        .as_array()
        .unwrap()
        .is_empty());
    let seen = notification_types(app, &alice, "").await;
    assert_eq!(seen[0], "mention:erin");
    assert!(!seen.iter().any(|s| s.ends_with(":dave")), "{seen:?}");
}

on_both_backends!(policy_filters_and_drops, policy_filters_and_drops);

/// The next text event on a WebSocket within `wait`, skipping pings.
async fn next_ws_event(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    wait: Duration,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        if let Ok(Message::Text(t)) = msg {
            return Some(serde_json::from_str(t.as_str()).expect("event is JSON"));
        }
    }
}

/// A filtered notification is not streamed; once the request is accepted the sender's next
/// one is.
async fn filtered_notifications_are_not_streamed(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, carol) = app.user_with_token("carol").await;
    let url = format!(
        "{}/api/v1/streaming?access_token={alice}&stream=user:notification",
        app.url("").replacen("http://", "ws://", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects");
    let direct_url = format!(
        "{}/api/v1/streaming?access_token={alice}&stream=direct",
        app.url("").replacen("http://", "ws://", 1)
    );
    let (mut direct, _) = tokio_tungstenite::connect_async(direct_url)
        .await
        .expect("connects");
    let psst = post(
        app,
        &carol,
        json!({"status": "@alice psst", "visibility": "direct"}),
    )
    .await;
    assert!(
        next_ws_event(&mut ws, Duration::from_millis(700))
            .await
            .is_none(),
        "a filtered mention is not streamed"
    );
    assert!(
        next_ws_event(&mut direct, Duration::from_millis(300))
            .await
            .is_none(),
        "nor its conversation"
    );
    let reqs = requests_of(app, &alice).await;
    let id = reqs[0]["id"].as_str().unwrap().to_string();
    app.post_json(
        &format!("/api/v1/notifications/requests/{id}/accept"),
        &alice,
        json!({}),
    )
    .await;
    // Accepting merges the held-back notifications (clients refresh on this event) and
    // opens the conversation.
    let ev = next_ws_event(&mut ws, Duration::from_secs(10))
        .await
        .expect("the merge is streamed");
    assert_eq!(ev["event"], "notifications_merged", "{ev}");
    let ev = next_ws_event(&mut direct, Duration::from_secs(10))
        .await
        .expect("the conversation is streamed");
    assert_eq!(ev["event"], "conversation", "{ev}");
    let conv: Value = serde_json::from_str(ev["payload"].as_str().unwrap()).unwrap();
    assert_eq!(conv["last_status"]["id"], psst.as_str());
    let again = post(
        app,
        &carol,
        json!({"status": "@alice hello?", "visibility": "direct"}),
    )
    .await;
    let ev = next_ws_event(&mut ws, Duration::from_secs(10))
        .await
        .expect("the accepted sender's mention is streamed");
    assert_eq!(ev["event"], "notification", "{ev}");
    let note: Value = serde_json::from_str(ev["payload"].as_str().unwrap()).unwrap();
    assert_eq!(note["type"], "mention");
    assert_eq!(note["status"]["id"], again.as_str());
}

on_both_backends!(
    filtered_notifications_are_not_streamed,
    filtered_notifications_are_not_streamed
);
