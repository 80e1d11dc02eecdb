//! The members' social pages over HTTP on both backends (src/web/social/): search, edit and
//! history, pins, reports, mutes and blocks, notify on posts, lists, conversations and follow
//! requests. Each action goes through a plain form (CSRF token, 303 back) and is checked by
//! what the Mastodon API then shows; bad input gets the form again with the message beside the
//! field (422) and nothing written.

use crate::common::web::submit_at;
use crate::common::web::web_sign_in;
use crate::common::{csrf_of, TestApp};
use serde_json::{json, Value};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.expect("GET");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn post_status(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().expect("id").to_string()
}

async fn csrf(client: &reqwest::Client, app: &TestApp) -> String {
    let (_, home) = page(client, app, "/home").await;
    csrf_of(&home)
}

async fn search_edit_and_pin(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let post = post_status(
        app,
        &alice,
        json!({"status": "Tomatoes in the #garden", "visibility": "public"}),
    )
    .await;
    post_status(app, &bob, json!({"status": "Bob likes turnips"})).await;
    let web = web_sign_in(app, "alice").await;

    // Search: people, hashtags and posts; markup in the query is text.
    let (status, html) = page(&web, app, "/search?q=bob").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/@bob\""), "{html}");
    let (_, html) = page(&web, app, "/search?q=%23gard").await;
    assert!(html.contains("href=\"/tags/garden\""), "{html}");
    let (_, html) = page(&web, app, "/search?q=turnips&type=statuses").await;
    assert!(html.contains("Bob likes turnips"), "{html}");
    let (_, html) = page(&web, app, "/search?q=%3Cscript%3Ex%3C%2Fscript%3E").await;
    assert!(!html.contains("<script>x"), "markup escaped");
    assert!(html.contains("&lt;script&gt;x"));
    let (status, html) = page(&web, app, "/search?q=bob&type=nonsense").await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"q-error\""), "{html}");
    // Signed out: sent to sign in.
    let res = app
        .browser()
        .get(app.url("/search?q=bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Edit: the form holds the source; the change shows in the API with its history.
    let (status, html) = page(&web, app, &format!("/web/statuses/{post}/edit")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(">Tomatoes in the #garden</textarea>"),
        "{html}"
    );
    let token = csrf_of(&html);
    let path = format!("/web/statuses/{post}/edit");
    // Without the token: refused, nothing changed.
    let res = web
        .post(app.url(&path))
        .form(&[("status", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Over the limit: 422 beside the field, the text kept, nothing changed.
    let long = "y".repeat(501);
    let (status, _, html) = submit_at(&web, app, &path, &token, &[("status", &long)]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"status-error\""), "{html}");
    assert!(html.contains(&format!(">{long}</textarea>")));
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{post}"), None)
        .await;
    assert!(s["edited_at"].is_null());
    let (status, location, _) = submit_at(
        &web,
        app,
        &path,
        &token,
        &[
            ("status", "Cherry tomatoes in the #garden"),
            ("spoiler_text", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/@alice/{post}"));
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{post}"), None)
        .await;
    assert!(s["content"].as_str().unwrap().contains("Cherry tomatoes"));
    assert!(s["edited_at"].is_string());
    let (_, html) = page(&app.browser(), app, &format!("/@alice/{post}")).await;
    assert!(
        html.contains(&format!("/@alice/{post}/history")),
        "edited link"
    );
    let (status, html) = page(&app.browser(), app, &format!("/@alice/{post}/history")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Cherry tomatoes") && html.contains("Tomatoes in the"));
    let (status, _) = page(&app.browser(), app, &format!("/@bob/{post}/history")).await;
    assert_eq!(status, 404, "the history lives under its author");

    // Pin and unpin: the profile's pinned posts as the API lists them.
    let pinned = || async {
        let (_, list) = app
            .get_json(
                &format!("/api/v1/accounts/{alice_id}/statuses?pinned=true"),
                None,
            )
            .await;
        list.as_array().map(|a| a.len()).unwrap_or(0)
    };
    let (status, location, _) = submit_at(
        &web,
        app,
        &format!("/web/statuses/{post}/pin"),
        &token,
        &[("return_to", "/@alice")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/@alice"));
    assert_eq!(pinned().await, 1);
    let (_, html) = page(&web, app, "/@alice").await;
    assert!(html.contains(&format!("/web/statuses/{post}/unpin")));

    // Another member cannot edit, pin or unpin alice's post.
    let bob_web = web_sign_in(app, "bob").await;
    let bob_csrf = csrf(&bob_web, app).await;
    let (status, _) = page(&bob_web, app, &path).await;
    assert_eq!(status, 404);
    let (status, _, _) = submit_at(&bob_web, app, &path, &bob_csrf, &[("status", "hijack")]).await;
    assert_eq!(status, 403);
    let (status, _, _) = submit_at(
        &bob_web,
        app,
        &format!("/web/statuses/{post}/pin"),
        &bob_csrf,
        &[],
    )
    .await;
    assert_eq!(status, 403);
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{post}"), None)
        .await;
    assert!(s["content"].as_str().unwrap().contains("Cherry tomatoes"));
    let (_, html) = page(&bob_web, app, &format!("/@alice/{post}")).await;
    assert!(!html.contains(&format!("/web/statuses/{post}/edit")));
    assert!(
        html.contains("/web/reports/new?account_id="),
        "others may report"
    );

    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/statuses/{post}/unpin"),
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(pinned().await, 0);
}
on_both_backends!(search_edit_pin, search_edit_and_pin);

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .expect(sql)
}

async fn reports_mutes_blocks(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let post = post_status(app, &alice, json!({"status": "Loud opinions"})).await;
    app.run_jobs().await;
    let web = web_sign_in(app, "bob").await;
    let (_, home) = page(&web, app, "/home").await;
    assert!(home.contains("Loud opinions"));
    let token = csrf_of(&home);

    // Report: the rules in force are offered; a rule that is not one is refused beside the
    // field, with the comment kept; a good report is filed with its citation.
    let (_, rules) = app.get_json("/api/v1/instance/rules", None).await;
    let rule = rules[0]["id"]
        .as_str()
        .expect("a rule in force")
        .to_string();
    let (status, html) = page(
        &web,
        app,
        &format!("/web/reports/new?account_id={alice_id}&status_ids[]={post}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("name=\"rule_ids[]\" value=\"{rule}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"{post}\" checked")),
        "{html}"
    );
    assert!(html.contains(&format!("/policies/code-of-conduct#{rule}")));
    let account = alice_id.to_string();
    let (status, _, html) = submit_at(
        &web,
        app,
        "/web/reports",
        &token,
        &[
            ("account_id", &account),
            ("status_ids[]", &post),
            ("category", "violation"),
            ("rule_ids[]", "99.9"),
            ("comment", "please look <b>here</b>"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"rule_ids-error\""), "{html}");
    assert!(
        html.contains("please look &lt;b&gt;here&lt;&#x2F;b&gt;")
            || html.contains("please look &lt;b&gt;here&lt;/b&gt;"),
        "{html}"
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM reports").await, 0);
    let res = web
        .post(app.url("/web/reports"))
        .form(&[("account_id", account.as_str()), ("comment", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
    let (status, location, _) = submit_at(
        &web,
        app,
        "/web/reports",
        &token,
        &[
            ("account_id", &account),
            ("status_ids[]", &post),
            ("category", "violation"),
            ("rule_ids[]", &rule),
            ("comment", "please look"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/web/reports/sent"), "{location}");
    assert_eq!(count(app, "SELECT COUNT(*) FROM reports").await, 1);
    let (status, _) = page(&web, app, &location).await;
    assert_eq!(status, 200);

    // Mute for an hour, notifications too: alice's posts leave bob's home.
    let (status, html) = page(&web, app, &format!("/web/accounts/{alice_id}/mute")).await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"duration\""));
    let mute = format!("/web/accounts/{alice_id}/mute");
    let (status, _, html) = submit_at(&web, app, &mute, &token, &[("duration", "soon")]).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"duration-error\""), "{html}");
    let (status, location, _) = submit_at(
        &web,
        app,
        &mute,
        &token,
        &[("duration", "3600"), ("notifications", "true")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/@alice"));
    let rel = || async {
        let (_, r) = app
            .get_json(
                &format!("/api/v1/accounts/relationships?id[]={alice_id}"),
                Some(&bob),
            )
            .await;
        r[0].clone()
    };
    let r = rel().await;
    assert_eq!(r["muting"], true);
    assert_eq!(r["muting_notifications"], true);
    assert!(r["muting_expires_at"].is_string());
    let (_, home) = page(&web, app, "/home").await;
    assert!(
        !home.contains("Loud opinions"),
        "a muted account's posts leave /home"
    );
    let (_, profile) = page(&web, app, "/@alice").await;
    assert!(profile.contains(&format!("/web/accounts/{alice_id}/unmute")));
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{alice_id}/unmute"),
        &token,
        &[("return_to", "/@alice")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(rel().await["muting"], false);
    let (_, home) = page(&web, app, "/home").await;
    assert!(home.contains("Loud opinions"));

    // Notify on posts: the follow's notify flag.
    let notify = format!("/web/accounts/{alice_id}/notify");
    let (status, _, _) = submit_at(&web, app, &notify, &token, &[]).await;
    assert_eq!(status, 303);
    assert_eq!(rel().await["notifying"], true);
    let (_, profile) = page(&web, app, "/@alice").await;
    assert!(profile.contains(&format!("/web/accounts/{alice_id}/unnotify")));
    submit_at(
        &web,
        app,
        &format!("/web/accounts/{alice_id}/unnotify"),
        &token,
        &[],
    )
    .await;
    assert_eq!(rel().await["notifying"], false);

    // Block ends the follow; unblock lifts it.
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{alice_id}/block"),
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let r = rel().await;
    assert_eq!(
        (r["blocking"].clone(), r["following"].clone()),
        (json!(true), json!(false))
    );
    submit_at(
        &web,
        app,
        &format!("/web/accounts/{alice_id}/unblock"),
        &token,
        &[],
    )
    .await;
    assert_eq!(rel().await["blocking"], false);
    // Forged block: no token, nothing written.
    let res = web
        .post(app.url(&format!("/web/accounts/{alice_id}/block")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(rel().await["blocking"], false);
}
on_both_backends!(reports_mutes, reports_mutes_blocks);

async fn lists_pages(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (dave_id, _) = app.user_with_token("dave").await;
    app.post_json(
        &format!("/api/v1/accounts/{carol_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    post_status(app, &carol, json!({"status": "Carol on compost"})).await;
    app.run_jobs().await;
    let web = web_sign_in(app, "alice").await;
    let (status, html) = page(&web, app, "/lists").await;
    assert_eq!(status, 200);
    let token = csrf_of(&html);

    // A blank title: 422 beside the field, nothing made.
    let (status, _, html) = submit_at(
        &web,
        app,
        "/web/lists",
        &token,
        &[("title", "  "), ("replies_policy", "none")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"title-error\""), "{html}");
    assert!(html.contains("<option value=\"none\" selected>"), "kept");
    let lists = || async {
        let (_, l) = app.get_json("/api/v1/lists", Some(&alice)).await;
        l
    };
    assert_eq!(lists().await.as_array().unwrap().len(), 0);

    let (status, location, _) = submit_at(
        &web,
        app,
        "/web/lists",
        &token,
        &[("title", "Gardeners"), ("replies_policy", "followed")],
    )
    .await;
    assert_eq!(status, 303);
    let id = location.trim_start_matches("/lists/").to_string();
    let l = lists().await;
    assert_eq!(l[0]["title"], "Gardeners");
    assert_eq!(l[0]["replies_policy"], "followed");
    assert_eq!(l[0]["exclusive"], false);

    // Rename, exclusive.
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/lists/{id}"),
        &token,
        &[
            ("title", "Compost club"),
            ("replies_policy", "list"),
            ("exclusive", "true"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let l = lists().await;
    assert_eq!(
        (l[0]["title"].clone(), l[0]["exclusive"].clone()),
        (json!("Compost club"), json!(true))
    );

    // Find among followed accounts: carol, never dave (not followed).
    let (_, html) = page(&web, app, &format!("/lists/{id}?q=carol")).await;
    assert!(html.contains(&format!("value=\"{carol_id}\"")), "{html}");
    let (_, html) = page(&web, app, &format!("/lists/{id}?q=dave")).await;
    assert!(!html.contains(&format!("value=\"{dave_id}\"")));
    let carol_s = carol_id.to_string();
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/lists/{id}/add"),
        &token,
        &[("account_ids[]", &carol_s)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, members) = app
        .get_json(&format!("/api/v1/lists/{id}/accounts"), Some(&alice))
        .await;
    assert_eq!(members[0]["id"], carol_s.as_str());
    post_status(app, &carol, json!({"status": "Carol on worms"})).await;
    app.run_jobs().await;
    let (_, html) = page(&web, app, &format!("/lists/{id}")).await;
    assert!(html.contains("Carol on worms"), "{html}");
    // The profile's lists page shows the membership.
    let (status, html) = page(&web, app, &format!("/web/accounts/{carol_id}/lists")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/web/lists/{id}/remove")));
    // Adding an account alice does not follow: refused.
    let dave_s = dave_id.to_string();
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/lists/{id}/add"),
        &token,
        &[("account_ids[]", &dave_s)],
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/lists/{id}/remove"),
        &token,
        &[("account_ids[]", &carol_s)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, members) = app
        .get_json(&format!("/api/v1/lists/{id}/accounts"), Some(&alice))
        .await;
    assert_eq!(members.as_array().unwrap().len(), 0);

    // Another member's list is not found.
    let carol_web = web_sign_in(app, "carol").await;
    let (status, _) = page(&carol_web, app, &format!("/lists/{id}")).await;
    assert_eq!(status, 404);

    let (status, location, _) =
        submit_at(&web, app, &format!("/web/lists/{id}/delete"), &token, &[]).await;
    assert_eq!((status, location.as_str()), (303, "/lists"));
    assert_eq!(lists().await.as_array().unwrap().len(), 0);
}
on_both_backends!(lists, lists_pages);

async fn conversations_and_requests(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    // Bob follows Alice: a stranger's direct message would wait behind a notification
    // request (Mastodon's default policy), out of the conversations.
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        serde_json::json!({}),
    )
    .await;
    post_status(
        app,
        &alice,
        json!({"status": "@bob psst, the seeds arrived", "visibility": "direct"}),
    )
    .await;
    app.run_jobs().await;
    let web = web_sign_in(app, "bob").await;
    let (status, html) = page(&web, app, "/conversations").await;
    assert_eq!(status, 200);
    assert!(html.contains("the seeds arrived"), "{html}");
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    let conv = convs[0]["id"].as_str().expect("a conversation").to_string();
    assert_eq!(convs[0]["unread"], true);
    let token = csrf_of(&html);
    let (status, location, _) = submit_at(
        &web,
        app,
        &format!("/web/conversations/{conv}/read"),
        &token,
        &[("return_to", "/conversations")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/conversations"));
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    assert_eq!(convs[0]["unread"], false);
    // Another member cannot touch bob's conversation.
    let alice_web = web_sign_in(app, "alice").await;
    let alice_csrf = csrf(&alice_web, app).await;
    let (_, mine) = app.get_json("/api/v1/conversations", Some(&alice)).await;
    assert_ne!(mine[0]["id"], conv.as_str(), "each has their own");
    let (status, _, _) = submit_at(
        &alice_web,
        app,
        &format!("/web/conversations/{conv}/remove"),
        &alice_csrf,
        &[],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/conversations/{conv}/remove"),
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let (_, convs) = app.get_json("/api/v1/conversations", Some(&bob)).await;
    assert_eq!(convs.as_array().unwrap().len(), 0);

    // Follow requests: bob locks his account, alice asks, bob accepts on the page.
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&bob)
        .form(&[("locked", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    let (status, html) = page(&web, app, "/follow_requests").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("/web/follow_requests/{alice_id}/authorize")),
        "{html}"
    );
    let (_, notes) = page(&web, app, "/notifications").await;
    assert!(notes.contains("href=\"/follow_requests\""));
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/follow_requests/{alice_id}/authorize"),
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let (_, r) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={alice_id}"),
            Some(&bob),
        )
        .await;
    assert_eq!(r[0]["followed_by"], true);
    let (_, html) = page(&web, app, "/follow_requests").await;
    assert!(!html.contains(&format!("/web/follow_requests/{alice_id}/authorize")));
    // Nothing left to answer: 404.
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/follow_requests/{alice_id}/reject"),
        &token,
        &[],
    )
    .await;
    assert_eq!(status, 404);
}
on_both_backends!(conversations, conversations_and_requests);

async fn compose_extras(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let web = web_sign_in(app, "alice").await;
    let (_, home) = page(&web, app, "/home").await;
    for field in [
        "poll[options][]",
        "poll[expires_in]",
        "poll[multiple]",
        "scheduled_at",
    ] {
        assert!(home.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert!(home.contains("<option value=\"local\""));
    let token = csrf_of(&home);
    let latest = || async {
        let (_, list) = app
            .get_json(
                &format!("/api/v1/accounts/{alice_id}/statuses"),
                Some(&alice),
            )
            .await;
        list
    };

    // A poll with one option: 422 beside the poll, the options and text kept.
    let (status, _, html) = submit_at(
        &web,
        app,
        "/web/statuses",
        &token,
        &[
            ("status", "Which bean?"),
            ("poll[options][]", "Runner"),
            ("poll[options][]", ""),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"poll-error\""), "{html}");
    assert!(html.contains("value=\"Runner\""));
    assert!(html.contains("<option value=\"3600\" selected>"));
    assert_eq!(latest().await.as_array().unwrap().len(), 0);

    let (status, location, _) = submit_at(
        &web,
        app,
        "/web/statuses",
        &token,
        &[
            ("status", "Which bean?"),
            ("poll[options][]", "Runner"),
            ("poll[options][]", "Broad"),
            ("poll[options][]", ""),
            ("poll[expires_in]", "3600"),
            ("poll[multiple]", "true"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/home"));
    let s = latest().await[0].clone();
    assert_eq!(s["poll"]["options"][1]["title"], "Broad");
    assert_eq!(s["poll"]["multiple"], true);

    // Local only: public, never federated.
    submit_at(
        &web,
        app,
        "/web/statuses",
        &token,
        &[("status", "Just for us"), ("visibility", "local")],
    )
    .await;
    let s = latest().await[0].clone();
    assert_eq!(s["content"], "<p>Just for us</p>");
    assert_eq!(
        (s["visibility"].clone(), s["local_only"].clone()),
        (json!("public"), json!(true))
    );

    // Scheduled: a date in the past is refused beside the field; a future one is stored.
    let (status, _, html) = submit_at(
        &web,
        app,
        "/web/statuses",
        &token,
        &[("status", "Later"), ("scheduled_at", "2001-01-01T10:00")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"scheduled_at-error\""), "{html}");
    assert!(html.contains("value=\"2001-01-01T10:00\""));
    let (status, _, _) = submit_at(
        &web,
        app,
        "/web/statuses",
        &token,
        &[("status", "Later"), ("scheduled_at", "2099-01-01T10:00")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, scheduled) = app
        .get_json("/api/v1/scheduled_statuses", Some(&alice))
        .await;
    assert_eq!(scheduled[0]["scheduled_at"], "2099-01-01T10:00:00.000Z");
    assert_eq!(scheduled[0]["params"]["text"], "Later");
}
on_both_backends!(compose, compose_extras);

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// The compose form as a browser sends it with a file: multipart.
async fn compose_multipart(
    client: &reqwest::Client,
    app: &TestApp,
    fields: &[(&str, &str)],
    file: Option<(Vec<u8>, &str)>,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((bytes, name)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let res = client
        .post(app.url("/web/statuses"))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn compose_with_image(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let web = web_sign_in(app, "alice").await;
    let token = csrf(&web, app).await;
    let (_, home) = page(&web, app, "/home").await;
    assert!(home.contains("enctype=\"multipart/form-data\""));
    let latest = || async {
        let (_, list) = app
            .get_json(
                &format!("/api/v1/accounts/{alice_id}/statuses"),
                Some(&alice),
            )
            .await;
        list
    };
    // Without the token: refused before anything is stored.
    let (status, _) = compose_multipart(
        &web,
        app,
        &[("status", "forged")],
        Some((png(8, 8), "a.png")),
    )
    .await;
    assert_eq!(status, 403);
    // Not an image: 422 beside the file field, the text kept, nothing posted.
    let (status, html) = compose_multipart(
        &web,
        app,
        &[("csrf_token", &token), ("status", "My seedlings")],
        Some((b"not an image at all".to_vec(), "notes.txt")),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"file-error\""), "{html}");
    assert!(html.contains(">My seedlings</textarea>"));
    assert_eq!(latest().await.as_array().unwrap().len(), 0);
    // An image, its alt text and focal point; the post over the limit first: the image stays
    // attached in the form (its id), so the second try needs no new upload.
    let long = "z".repeat(501);
    let (status, html) = compose_multipart(
        &web,
        app,
        &[
            ("csrf_token", &token),
            ("status", &long),
            ("description", "Three seedlings in a pot"),
            ("focus_x", "0.5"),
            ("focus_y", "-0.25"),
        ],
        Some((png(40, 30), "seedlings.png")),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"status-error\""));
    let media_id = html
        .split("name=\"media_ids[]\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the uploaded image is kept in the form")
        .to_string();
    let (status, _) = compose_multipart(
        &web,
        app,
        &[
            ("csrf_token", &token),
            ("status", "My seedlings"),
            ("media_ids[]", &media_id),
        ],
        None,
    )
    .await;
    assert_eq!(status, 303);
    let s = latest().await[0].clone();
    let m = &s["media_attachments"][0];
    assert_eq!(m["id"], media_id.as_str());
    assert_eq!(m["description"], "Three seedlings in a pot");
    assert_eq!(m["meta"]["focus"]["x"], 0.5);
    assert_eq!(m["meta"]["focus"]["y"], -0.25);
    let (_, html) = page(&web, app, "/home").await;
    assert!(html.contains("alt=\"Three seedlings in a pot\""));
}
on_both_backends!(compose_image, compose_with_image);
