//! Follows (open and locked), follow requests, blocks, mutes, relationships, the lists with
//! their Link paging, profile edits, markers and the endpoints apps load after login.

mod common;

use common::TestApp;
use serde_json::{json, Value};

fn usernames(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect()
}

async fn follows_requests_blocks_mutes(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (carol_id, carol) = app.user_with_token("carol").await;

    // An open account: following is immediate, with options; counters follow.
    let (status, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            &alice,
            json!({"reblogs": false, "notify": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            rel["following"].as_bool(),
            rel["showing_reblogs"].as_bool(),
            rel["notifying"].as_bool()
        ),
        (Some(true), Some(false), Some(true))
    );
    let (_, rels) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={bob_id}&id[]={carol_id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(rels[0]["following"], true);
    assert_eq!(rels[1]["following"], false);
    let (_, bob_acct) = app
        .get_json(&format!("/api/v1/accounts/{bob_id}"), None)
        .await;
    assert_eq!(bob_acct["followers_count"], 1);
    // notify=true: Alice is told when Bob posts.
    app.post_json("/api/v1/statuses", &bob, json!({"status": "news"}))
        .await;
    app.run_jobs().await;
    let (_, notes) = app
        .get_json("/api/v1/notifications?types[]=status", Some(&alice))
        .await;
    assert_eq!(notes.as_array().unwrap().len(), 1);

    // A locked account: the follow waits for an answer.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&carol)
        .form(&[("locked", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/follow"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(
        (rel["following"].as_bool(), rel["requested"].as_bool()),
        (Some(false), Some(true))
    );
    let (_, requests) = app.get_json("/api/v1/follow_requests", Some(&carol)).await;
    assert_eq!(usernames(&requests), vec!["alice"]);
    let (_, notes) = app.get_json("/api/v1/notifications", Some(&carol)).await;
    assert_eq!(notes[0]["type"], "follow_request");
    let private = app
        .post_json(
            "/api/v1/statuses",
            &carol,
            json!({"status": "for followers", "visibility": "private"}),
        )
        .await
        .1;
    let pid = private["id"].as_str().unwrap();
    assert_eq!(
        app.get_json(&format!("/api/v1/statuses/{pid}"), Some(&alice))
            .await
            .0,
        404,
        "not yet a follower"
    );
    let (status, rel) = app
        .post_json(
            &format!("/api/v1/follow_requests/{alice_id}/authorize"),
            &carol,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rel["followed_by"], true);
    assert_eq!(
        app.get_json(&format!("/api/v1/statuses/{pid}"), Some(&alice))
            .await
            .0,
        200,
        "now a follower"
    );
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert!(
        home.as_array().unwrap().iter().any(|s| s["id"] == pid),
        "accepted follow backfills the home feed"
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/follow_requests/{alice_id}/reject"),
            &carol,
            json!({})
        )
        .await
        .0,
        404,
        "no request left"
    );

    // Followers and following lists.
    let (_, followers) = app
        .get_json(&format!("/api/v1/accounts/{carol_id}/followers"), None)
        .await;
    assert_eq!(usernames(&followers), vec!["alice"]);
    let (_, following) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}/following"), None)
        .await;
    assert_eq!(usernames(&following), vec!["carol", "bob"]);

    // remove_from_followers: Carol drops Alice.
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/remove_from_followers"),
            &carol,
            json!({}),
        )
        .await;
    assert_eq!(rel["followed_by"], false);
    assert_eq!(
        app.get_json(&format!("/api/v1/statuses/{pid}"), Some(&alice))
            .await
            .0,
        404
    );

    // Block: ends the follow both ways, hides posts both ways, refuses a new follow.
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/block"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(rel["blocking"], true);
    let (_, rel) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id={bob_id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(
        (
            rel[0]["following"].as_bool(),
            rel[0]["blocked_by"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_eq!(
        app.post_json(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            &alice,
            json!({})
        )
        .await
        .0,
        403
    );
    let (_, bob_posts) = app
        .get_json(&format!("/api/v1/accounts/{bob_id}/statuses"), Some(&alice))
        .await;
    assert!(
        bob_posts.as_array().unwrap().is_empty(),
        "a blocker's posts are hidden from the blocked"
    );
    let (_, blocks) = app.get_json("/api/v1/blocks", Some(&bob)).await;
    assert_eq!(usernames(&blocks), vec!["alice"]);
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/unblock"),
        &bob,
        json!({}),
    )
    .await;

    // Mute with a duration: hidden from home and notifications until it ends.
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    let (_, rel) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/mute"),
            &alice,
            json!({"duration": 3600}),
        )
        .await;
    assert_eq!(
        (
            rel["muting"].as_bool(),
            rel["muting_notifications"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert!(rel["muting_expires_at"].is_string());
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert!(home
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["account"]["username"] != "bob"));
    let (_, mutes) = app.get_json("/api/v1/mutes", Some(&alice)).await;
    assert!(mutes[0]["mute_expires_at"].is_string());
    app.state
        .clock
        .advance(std::time::Duration::from_secs(3601));
    let (_, home) = app.get_json("/api/v1/timelines/home", Some(&alice)).await;
    assert!(
        home.as_array()
            .unwrap()
            .iter()
            .any(|s| s["account"]["username"] == "bob"),
        "the mute expired"
    );
}
on_both_backends!(graph, follows_requests_blocks_mutes);

async fn home_timeline_pages_with_link(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let mut posted = Vec::new();
    for i in 0..7 {
        let s = app
            .post_json(
                "/api/v1/statuses",
                &alice,
                json!({"status": format!("post {i}")}),
            )
            .await
            .1;
        posted.push(s["id"].as_str().unwrap().to_string());
    }
    posted.reverse();
    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/timelines/home?limit=3");
    loop {
        let res = app
            .client
            .get(&url)
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let page: Value = res.json().await.unwrap();
        seen.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string()),
        );
        let Some(link) = link else { break };
        let Some(next) = link.split(", ").find(|p| p.ends_with("rel=\"next\"")) else {
            break;
        };
        url = next
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_string();
        assert!(url.contains("limit=3") && url.contains("max_id="), "{url}");
    }
    assert_eq!(seen, posted);
    // min_id pages forward: the two posts right after the oldest, oldest first → newest first.
    let (_, newer) = app
        .get_json(
            &format!("/api/v1/timelines/home?min_id={}&limit=2", posted[6]),
            Some(&alice),
        )
        .await;
    let got: Vec<&str> = newer
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![posted[4].as_str(), posted[5].as_str()]);
    let (_, since) = app
        .get_json(
            &format!("/api/v1/timelines/home?since_id={}", posted[1]),
            Some(&alice),
        )
        .await;
    assert_eq!(since.as_array().unwrap().len(), 1);
}
on_both_backends!(paging, home_timeline_pages_with_link);

async fn profile_markers_and_empty_lists(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Alice A.")
        .text("note", "Co-op member.\n\nLikes <b>bold</b> things.")
        .text("fields_attributes[0][name]", "Site")
        .text("fields_attributes[0][value]", "https://alice.example")
        .text("fields_attributes[1][name]", "Pronouns")
        .text("fields_attributes[1][value]", "she/her")
        .text("bot", "0")
        .text("source[privacy]", "unlisted");
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["display_name"], "Alice A.");
    assert_eq!(
        me["note"],
        "<p>Co-op member.</p><p>Likes &lt;b&gt;bold&lt;/b&gt; things.</p>"
    );
    assert_eq!(
        me["source"]["note"],
        "Co-op member.\n\nLikes <b>bold</b> things."
    );
    assert_eq!(me["fields"][1]["name"], "Pronouns");
    assert_eq!(me["source"]["fields"][0]["value"], "https://alice.example");
    assert_eq!(me["source"]["privacy"], "unlisted");
    // The default visibility applies to new posts.
    let s = app
        .post_json("/api/v1/statuses", &alice, json!({"status": "default"}))
        .await
        .1;
    assert_eq!(s["visibility"], "unlisted");
    let (_, prefs) = app.get_json("/api/v1/preferences", Some(&alice)).await;
    assert_eq!(prefs["posting:default:visibility"], "unlisted");
    // Too long, too many fields, a DM default: refused, nothing changed.
    for body in [
        json!({"display_name": "x".repeat(31)}),
        json!({"note": "x".repeat(501)}),
        json!({"fields_attributes": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}, {"name": "c", "value": "3"}, {"name": "d", "value": "4"}, {"name": "e", "value": "5"}]}),
        json!({"source": {"privacy": "direct"}}),
    ] {
        let res = app
            .client
            .patch(app.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&alice)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
    }
    let (_, acct) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}"), None)
        .await;
    assert_eq!(acct["display_name"], "Alice A.");

    // Search finds accounts by prefix.
    let (_, found) = app
        .get_json("/api/v1/accounts/search?q=ali", Some(&alice))
        .await;
    assert_eq!(usernames(&found), vec!["alice"]);

    // Markers: set and read back; the notification count follows the marker.
    let (status, m) = app
        .post_json(
            "/api/v1/markers",
            &alice,
            json!({"home": {"last_read_id": s["id"]}}),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["home"]["last_read_id"], s["id"]);
    let (_, m) = app
        .get_json("/api/v1/markers?timeline[]=home", Some(&alice))
        .await;
    assert_eq!(m["home"]["version"], 0);
    assert_eq!(
        app.post_json(
            "/api/v1/markers",
            &alice,
            json!({"home": {"last_read_id": "x"}})
        )
        .await
        .0,
        422
    );

    // What apps load after login answers, empty where Herd has nothing yet.
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/announcements",
        "/api/v1/trends/tags",
        "/api/v2/suggestions",
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/lists",
        "/api/v1/conversations",
        "/api/v1/followed_tags",
    ] {
        let (status, body) = app.get_json(path, Some(&alice)).await;
        assert_eq!((status, body), (200, json!([])), "{path}");
    }
}
on_both_backends!(profile, profile_markers_and_empty_lists);
