//! The public pages over HTTP on both backends: profiles, a post in its thread, followers and
//! following, hashtags, a known remote account; what an anonymous reader and a signed-in
//! non-follower see and do not see; ActivityPub clients at the same URLs; assets and headers.

use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use serde_json::{json, Value};

const PW: &str = "correct horse battery";

async fn post_status(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().expect("id").to_string()
}

async fn public_pages(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let bobs = post_status(
        app,
        &bob,
        json!({"status": "My seedlings", "visibility": "public"}),
    )
    .await;
    let public = post_status(
        app,
        &alice,
        json!({"status": "Hello #garden from the allotment", "visibility": "public", "language": "en"}),
    )
    .await;
    let unlisted = post_status(
        app,
        &alice,
        json!({"status": "A quiet unlisted note", "visibility": "unlisted"}),
    )
    .await;
    let private = post_status(
        app,
        &alice,
        json!({"status": "Secret seeds for followers", "visibility": "private"}),
    )
    .await;
    post_status(
        app,
        &alice,
        json!({"status": "Replying to bob", "in_reply_to_id": bobs, "visibility": "public"}),
    )
    .await;
    post_status(
        app,
        &alice,
        json!({"status": "Thread goes on", "in_reply_to_id": public, "visibility": "public"}),
    )
    .await;
    let cw = post_status(
        app,
        &alice,
        json!({"status": "Slugs everywhere", "spoiler_text": "garden pests", "visibility": "public"}),
    )
    .await;
    let anon = app.browser();

    // The profile: posts an anonymous reader may see, never the private one; replies only
    // under "with replies"; meta for other sites.
    let res = anon.get(app.url("/@alice")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(res.headers()["vary"], "Accept");
    let html = res.text().await.unwrap();
    assert!(html.contains("Hello <a"), "{html}");
    assert!(html.contains("A quiet unlisted note"));
    assert!(
        !html.contains("Secret seeds"),
        "a private post on a public page"
    );
    assert!(
        !html.contains("Replying to bob"),
        "replies to others are in their own tab"
    );
    let actor = format!("{}/users/alice", app.base);
    assert!(
        crate::common::unescape(&html).contains(&format!(
            "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{actor}\">"
        )),
        "{html}"
    );
    assert!(html.contains("<meta property=\"og:title\" content=\"alice (@alice@"));
    assert!(html.contains("<details class=\"cw\">") && html.contains("garden pests"));
    assert!(
        html.contains("lang=\"en\""),
        "each post carries its language"
    );
    let (status, with_replies) = page(&anon, &app.url("/@alice/with_replies")).await;
    assert_eq!(status, 200);
    assert!(with_replies.contains("Replying to bob"));
    assert!(!with_replies.contains("Secret seeds"));
    let (status, media) = page(&anon, &app.url("/@alice/media")).await;
    assert_eq!(status, 200);
    assert!(!media.contains("Hello"), "no post with media yet");

    // A post in its thread, at the URL the Status entity gives.
    let (_, entity) = app
        .get_json(&format!("/api/v1/statuses/{public}"), None)
        .await;
    let url = entity["url"].as_str().expect("url").to_string();
    assert_eq!(url, app.url(&format!("/@alice/{public}")));
    let (status, thread) = page(&anon, &url).await;
    assert_eq!(status, 200);
    assert!(thread.contains("Hello <a") && thread.contains("Thread goes on"));
    assert!(thread.contains("class=\"status focused\""));
    let (status, _) = page(&anon, &app.url(&format!("/@alice/{unlisted}"))).await;
    assert_eq!(status, 200);
    let (status, cw_page) = page(&anon, &app.url(&format!("/@alice/{cw}"))).await;
    assert_eq!(status, 200);
    assert!(
        cw_page.contains("<meta property=\"og:description\" content=\"garden pests\">"),
        "behind a content warning only the warning is quoted"
    );

    // The private post: 404 for an anonymous reader and for a signed-in non-follower, as the
    // API answers them; the same post under another account's name is no page either.
    let (status, body) = page(&anon, &app.url(&format!("/@alice/{private}"))).await;
    assert_eq!(status, 404);
    assert!(!body.contains("Secret seeds"));
    let bob_web = web_sign_in(app, "bob").await;
    let (status, body) = page(&bob_web, &app.url(&format!("/@alice/{private}"))).await;
    assert_eq!(status, 404);
    assert!(!body.contains("Secret seeds"));
    let (status, bobs_view) = page(&bob_web, &app.url("/@alice")).await;
    assert_eq!(status, 200);
    assert!(!bobs_view.contains("Secret seeds"));
    let (status, _) = page(&anon, &app.url(&format!("/@bob/{public}"))).await;
    assert_eq!(status, 404);
    let (status, _) = page(&anon, &app.url("/@alice/99999999")).await;
    assert_eq!(status, 404);
    let (status, _) = page(&anon, &app.url("/@nobody")).await;
    assert_eq!(status, 404);
    // The author sees their own private post.
    let alice_web = web_sign_in(app, "alice").await;
    let (status, body) = page(&alice_web, &app.url(&format!("/@alice/{private}"))).await;
    assert_eq!(status, 200);
    assert!(body.contains("Secret seeds"));

    // Hashtags: public posts only; markup in the tag is no page and is never echoed.
    let (status, tag) = page(&anon, &app.url("/tags/garden")).await;
    assert_eq!(status, 200);
    assert!(tag.contains("<h1 id=\"tag-h\">#garden</h1>") && tag.contains("allotment"));
    let (status, body) = page(&anon, &app.url("/tags/%3Cscript%3Ealert(1)%3C%2Fscript%3E")).await;
    assert_eq!(status, 404);
    assert!(!body.contains("<script>alert"), "{body}");

    // Followers and following; hidden collections show a notice to others, not the list.
    let (status, _) = app
        .post_json(
            &format!(
                "/api/v1/accounts/{}/follow",
                entity["account"]["id"].as_str().unwrap()
            ),
            &app.login("bob", PW, "read write follow").await,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, followers) = page(&anon, &app.url("/@alice/followers")).await;
    assert_eq!(status, 200);
    assert!(followers.contains("href=\"/@bob\""), "{followers}");
    let (status, following) = page(&anon, &app.url("/@bob/following")).await;
    assert_eq!(status, 200);
    assert!(following.contains("href=\"/@alice\""));
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .form(&[("hide_collections", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, hidden) = page(&anon, &app.url("/@alice/followers")).await;
    assert_eq!(status, 200);
    assert!(!hidden.contains("href=\"/@bob\""), "{hidden}");
    assert!(hidden.contains("keeps this list private"));
    let (_, own) = page(&alice_web, &app.url("/@alice/followers")).await;
    assert!(
        own.contains("href=\"/@bob\""),
        "the account itself sees its list"
    );

    // Now bob follows alice: her private post is on his view of the thread.
    let (status, body) = page(&bob_web, &app.url(&format!("/@alice/{private}"))).await;
    assert_eq!(status, 200, "a follower sees a followers-only post");
    assert!(body.contains("Secret seeds"));
}

on_both_backends!(public, public_pages);

/// `/@NAME` and `/@NAME/ID` answer ActivityPub clients with the `/users/NAME…` documents.
async fn content_negotiation(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let public = post_status(
        app,
        &alice,
        json!({"status": "Negotiated", "visibility": "public"}),
    )
    .await;
    let private = post_status(
        app,
        &alice,
        json!({"status": "Not for you", "visibility": "private"}),
    )
    .await;
    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let res = app
            .client
            .get(app.url("/@alice"))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{accept}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json"));
        let doc: Value = res.json().await.unwrap();
        let (_, direct) = {
            let r = app
                .client
                .get(app.url("/users/alice"))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(doc, direct, "the same document as /users/alice");
        assert_eq!(doc["id"], format!("{}/users/alice", app.base));

        let res = app
            .client
            .get(app.url(&format!("/@alice/{public}")))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let note: Value = res.json().await.unwrap();
        assert_eq!(note["type"], "Note");
        assert_eq!(
            note["id"],
            format!("{}/users/alice/statuses/{public}", app.base)
        );
        let res = app
            .client
            .get(app.url(&format!("/@alice/{private}")))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "no private Note for an unsigned fetch");
    }
    // A browser's Accept gets the page.
    let res = app
        .client
        .get(app.url("/@alice"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

on_both_backends!(negotiation, content_negotiation);

/// A suspended account shows a notice and no posts, to anyone.
async fn suspended_profile(app: &TestApp) {
    let (_, mod1) = crate::common::moderation::user(app, "mod1", Some("moderator"), true).await;
    let (target, token) = crate::common::moderation::user(app, "target", None, true).await;
    post_status(
        app,
        &token,
        json!({"status": "Before the fall", "visibility": "public"}),
    )
    .await;
    let (status, _) = page(&app.browser(), &app.url("/@target")).await;
    assert_eq!(status, 200);
    let (status, body) = crate::common::moderation::action(
        app,
        &mod1,
        target,
        json!({ "type": "suspend", "policy_clause": "code-of-conduct@1#2.1", "text": "abuse" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, html) = page(&app.browser(), &app.url("/@target")).await;
    assert_eq!(status, 200);
    assert!(html.contains("This account has been suspended."), "{html}");
    assert!(!html.contains("Before the fall"));
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, noarchive\">"));
}

on_both_backends!(suspended, suspended_profile);

/// Static files at content-hashed URLs, cached for good; the locale from Accept-Language.
async fn assets_and_language(app: &TestApp) {
    let (status, html) = page(&app.browser(), &app.url("/")).await;
    assert_eq!(status, 200);
    for (prefix, ext, kind) in [
        ("/static/herd.", ".css", "text/css"),
        ("/static/herd.", ".js", "text/javascript"),
    ] {
        let start = html
            .match_indices(prefix)
            .map(|(i, _)| i)
            .find(|i| html[*i..].split('"').next().unwrap_or("").ends_with(ext))
            .unwrap_or_else(|| panic!("no {prefix}…{ext} in {html}"));
        let href = html[start..].split('"').next().unwrap();
        let hash = href.trim_start_matches(prefix).trim_end_matches(ext);
        assert!(
            hash.len() == 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{href}"
        );
        let res = app.client.get(app.url(href)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(kind));
    }
    assert!(
        !html.contains("<script>") && !html.contains(" style="),
        "no inline script or style"
    );
    let res = app
        .client
        .get(app.url("/static/herd.00000000.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let res = app
        .client
        .get(app.url("/auth/sign_in"))
        .header("accept-language", "ja-JP,ja;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    let ja = res.text().await.unwrap();
    assert!(ja.contains("<html lang=\"ja\">"), "{ja}");
    assert!(ja.contains("<h1>ログイン</h1>"));
    let (_, en) = page(&app.browser(), &app.url("/auth/sign_in")).await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("<h1>Sign in</h1>"));
}

on_both_backends!(assets, assets_and_language);

/// A remote account this server knows has a local page; an unknown one is not fetched.
async fn remote_account_page(app: &TestApp) {
    let other = TestApp::spawn(crate::common::Backend::Sqlite)
        .await
        .expect("second instance");
    let (_, remote_token) = other.user_with_token("rosa").await;
    post_status(
        &other,
        &remote_token,
        json!({"status": "Greetings from afar", "visibility": "public"}),
    )
    .await;
    let (_, token) = app.user_with_token("alice").await;
    let other_domain = other.state.config.domain.clone();
    let (status, looked_up) = app
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=rosa@{other_domain}"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{looked_up}");
    let (status, html) = page(&app.browser(), &app.url(&format!("/@rosa@{other_domain}"))).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("@rosa@{other_domain}")));
    assert!(
        !html.contains("application/activity+json"),
        "no alternate for a remote account"
    );
    let (status, _) = page(
        &app.browser(),
        &app.url(&format!("/@nobody@{other_domain}")),
    )
    .await;
    assert_eq!(
        status, 404,
        "an unknown remote account is not fetched for a page view"
    );
    other.stop().await;
}

on_both_backends!(remote, remote_account_page);

/// The form on /home: CSRF checked, errors beside the field with the text kept, post/
/// redirect/get on success, and the status actions as forms.
async fn home_compose_and_actions(app: &TestApp) {
    app.create_user("alice", PW).await;
    let (_, bob) = app.user_with_token("bob").await;
    let secret = post_status(
        app,
        &bob,
        json!({"status": "Bob only", "visibility": "private"}),
    )
    .await;
    let bobs = post_status(app, &bob, json!({"status": "Bob in public"})).await;

    // Anonymous: /home is the sign-in page's business.
    let res = app.client.get(app.url("/home")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/auth/sign_in?return_to=%2Fhome");

    let web = web_sign_in(app, "alice").await;
    let (status, home) = page(&web, &app.url("/home")).await;
    assert_eq!(status, 200);
    for field in [
        "status",
        "spoiler_text",
        "visibility",
        "language",
        "sensitive",
    ] {
        assert!(home.contains(&format!("name=\"{field}\"")), "{field}");
    }
    let csrf = csrf_of(&home);
    let count = || async {
        let (_, list) = app
            .get_json("/api/v1/accounts/lookup?acct=alice", None)
            .await;
        list["statuses_count"].as_i64().unwrap_or(-1)
    };

    // Without the form's token, or from a client without the cookie: refused, nothing written.
    let res = web
        .post(app.url("/web/statuses"))
        .form(&[("status", "forged"), ("visibility", "public")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .browser()
        .post(app.url("/web/statuses"))
        .form(&[("csrf_token", csrf.as_str()), ("status", "forged")])
        .send()
        .await
        .unwrap();
    // That client has no session either: it is sent to sign in, and nothing is written.
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/auth/sign_in"));
    assert_eq!(count().await, 0);

    // Over the limit: 422, the message beside the field, the text kept.
    let long = "x".repeat(501);
    let res = web
        .post(app.url("/web/statuses"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("status", long.as_str()),
            ("spoiler_text", "my warning"),
            ("visibility", "unlisted"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"status-error\""), "{html}");
    assert!(html.contains("character limit of 500"), "{html}");
    assert!(
        html.contains(&format!(">{long}</textarea>")),
        "the text is kept"
    );
    assert!(html.contains("value=\"my warning\""));
    assert!(html.contains("<option value=\"unlisted\" selected>"));
    assert_eq!(count().await, 0);

    // A reply to a post alice may not see: 404, as the API answers.
    let res = web
        .post(app.url("/web/statuses"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("status", "peeking"),
            ("in_reply_to_id", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) = page(&web, &app.url(&format!("/home?in_reply_to_id={secret}"))).await;
    assert_eq!(status, 404);
    assert_eq!(count().await, 0);

    // Markup is text.
    let res = web
        .post(app.url("/web/statuses"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("status", "Hello <script>alert(1)</script> #web"),
            ("visibility", "public"),
            ("language", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/home");
    assert_eq!(count().await, 1);
    let (_, home) = page(&web, &app.url("/home")).await;
    assert!(
        home.contains("Hello &lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || home.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{home}"
    );
    assert!(!home.contains("<script>alert"));

    // Replying to bob's public post from its reply link.
    let (status, reply_form) = page(&web, &app.url(&format!("/home?in_reply_to_id={bobs}"))).await;
    assert_eq!(status, 200);
    assert!(reply_form.contains("@bob </textarea>"), "{reply_form}");
    let res = web
        .post(app.url("/web/statuses"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("status", "@bob nice"),
            ("in_reply_to_id", bobs.as_str()),
            ("visibility", "public"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, ctx) = app
        .get_json(&format!("/api/v1/statuses/{bobs}/context"), None)
        .await;
    let reply = &ctx["descendants"][0];
    assert_eq!(reply["account"]["acct"], "alice", "{ctx}");
    assert!(reply["content"].as_str().unwrap().ends_with(" nice</p>"));
    assert_eq!(reply["mentions"][0]["acct"], "bob");

    // Actions on bob's post: favourite, boost, bookmark; each 303 back, the API agrees.
    let alice_token = app.login("alice", PW, "read").await;
    for action in ["favourite", "reblog", "bookmark"] {
        let res = web
            .post(app.url(&format!("/web/statuses/{bobs}/{action}")))
            .form(&[("csrf_token", csrf.as_str()), ("return_to", "/@bob")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{action}");
        assert_eq!(res.headers()["location"], "/@bob");
    }
    let (_, s) = app
        .get_json(&format!("/api/v1/statuses/{bobs}"), Some(&alice_token))
        .await;
    assert_eq!(
        (&s["favourited"], &s["reblogged"], &s["bookmarked"]),
        (&json!(true), &json!(true), &json!(true)),
        "{s}"
    );
    // Without a token an action is refused; return_to never leaves the site.
    let res = web
        .post(app.url(&format!("/web/statuses/{bobs}/unfavourite")))
        .form(&[("return_to", "/@bob")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = web
        .post(app.url(&format!("/web/statuses/{bobs}/unfavourite")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("return_to", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let (status, _) = page(&web, &app.url(&format!("/web/statuses/{secret}/favourite"))).await;
    assert_eq!(status, 405, "actions are POST only");

    // Delete: a confirmation page, then the form; not for someone else's post.
    let (status, _) = page(&web, &app.url(&format!("/web/statuses/{bobs}/delete"))).await;
    assert_eq!(status, 404);
    let (_, mine) = app
        .get_json(
            &format!(
                "/api/v1/accounts/{}/statuses",
                app.get_json("/api/v1/accounts/lookup?acct=alice", None)
                    .await
                    .1["id"]
                    .as_str()
                    .unwrap()
            ),
            None,
        )
        .await;
    let first_mine = mine[mine.as_array().unwrap().len() - 1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, confirm) = page(
        &web,
        &app.url(&format!("/web/statuses/{first_mine}/delete")),
    )
    .await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Delete this post?"));
    let res = web
        .post(app.url(&format!("/web/statuses/{first_mine}/delete")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (status, _) = app
        .get_json(&format!("/api/v1/statuses/{first_mine}"), None)
        .await;
    assert_eq!(status, 404);
}

on_both_backends!(home, home_compose_and_actions);

/// /local, /federated and /notifications for a member; anonymous readers are sent to sign in.
async fn timelines_and_notifications(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    app.create_user("bob", PW).await;
    post_status(app, &alice, json!({"status": "Local news"})).await;
    let hidden = post_status(
        app,
        &alice,
        json!({"status": "Not on the wire", "visibility": "unlisted"}),
    )
    .await;
    let mention = post_status(app, &alice, json!({"status": "@bob look at this"})).await;
    app.run_jobs().await;
    for path in ["/local", "/federated", "/notifications"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
    }
    let web = web_sign_in(app, "bob").await;
    for path in ["/local", "/federated"] {
        let (status, html) = page(&web, &app.url(path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("Local news"), "{path}: {html}");
        assert!(
            !html.contains("Not on the wire"),
            "unlisted posts stay off {path}"
        );
    }
    let _ = hidden;
    let (status, html) = page(&web, &app.url("/notifications")).await;
    assert_eq!(status, 200);
    assert!(html.contains("alice mentioned you"), "{html}");
    assert!(html.contains(&format!("id=\"s-{mention}\"")));
    let (status, html) = page(&web, &app.url("/notifications?type=follow")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("alice mentioned you"));
    assert!(html.contains("No notifications yet."));
    let (status, _) = page(&web, &app.url("/notifications?type=%3Cb%3E")).await;
    assert_eq!(status, 404);
    // A member's own locale wins over the browser's Accept-Language.
    let res = web
        .get(app.url("/notifications"))
        .header("accept-language", "ja")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("alice mentioned you"));
    herd::services::accounts::create_by_operator(
        &app.state,
        herd::services::accounts::SignUp {
            username: "kenji".into(),
            email: "kenji@example.org".into(),
            password: PW.into(),
            agreement: true,
            locale: "ja".into(),
            reason: String::new(),
            invite_code: String::new(),
        },
        None,
        false,
    )
    .await
    .expect("kenji");
    post_status(app, &alice, json!({"status": "@kenji こんにちは"})).await;
    let kenji = web_sign_in(app, "kenji").await;
    let (_, ja) = page(&kenji, &app.url("/notifications")).await;
    assert!(ja.contains("<html lang=\"ja\">"), "{ja}");
    assert!(
        ja.contains("alice さんがあなたにメンションしました"),
        "{ja}"
    );
}

on_both_backends!(member_timelines, timelines_and_notifications);

/// The follow button on a profile, and the member's bookmarks and favourites pages.
async fn follow_button_and_marks(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    app.create_user("bob", PW).await;
    let post = post_status(app, &alice, json!({"status": "Mark me"})).await;
    let web = web_sign_in(app, "bob").await;
    let (status, profile) = page(&web, &app.url("/@alice")).await;
    assert_eq!(status, 200);
    let alice_id = app
        .get_json("/api/v1/accounts/lookup?acct=alice", None)
        .await
        .1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let follow = format!("action=\"/web/accounts/{alice_id}/follow\"");
    assert!(profile.contains(&follow), "{profile}");
    let csrf = csrf_of(&profile);
    // Refused without the form's token.
    let res = web
        .post(app.url(&format!("/web/accounts/{alice_id}/follow")))
        .form(&[("return_to", "/@alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = web
        .post(app.url(&format!("/web/accounts/{alice_id}/follow")))
        .form(&[("csrf_token", csrf.as_str()), ("return_to", "/@alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/@alice");
    let (_, followers) = app
        .get_json(&format!("/api/v1/accounts/{alice_id}/followers"), None)
        .await;
    assert_eq!(followers[0]["acct"], "bob", "{followers}");
    let (_, profile) = page(&web, &app.url("/@alice")).await;
    assert!(profile.contains(&format!("action=\"/web/accounts/{alice_id}/unfollow\"")));
    assert!(profile.contains(">Unfollow</button>"));
    // Not on one's own profile.
    let (_, own) = page(&web, &app.url("/@bob")).await;
    assert!(!own.contains("/web/accounts/"), "{own}");

    // Bookmarks and favourites list what was marked through the forms.
    for action in ["bookmark", "favourite"] {
        let res = web
            .post(app.url(&format!("/web/statuses/{post}/{action}")))
            .form(&[("csrf_token", csrf.as_str()), ("return_to", "/home")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    for path in ["/bookmarks", "/favourites"] {
        let (status, html) = page(&web, &app.url(path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("Mark me"), "{path}: {html}");
        let (status, _) = page(&app.browser(), &app.url(path)).await;
        assert_eq!(status, 303, "{path} for an anonymous reader");
    }
}

on_both_backends!(follow_and_marks, follow_button_and_marks);

fn no_confirmation(c: &mut herd::config::Config) {
    c.registrations.require_email_confirmation = false;
}

/// A sign-up from a Japanese browser records `ja`, and the member's pages stay in Japanese
/// whatever a later browser asks for.
async fn sign_up_records_the_locale(app: &TestApp) {
    let browser = app.browser();
    let res = browser
        .get(app.url("/auth/sign_up"))
        .header("accept-language", "ja,en;q=0.5")
        .send()
        .await
        .unwrap();
    let form = res.text().await.unwrap();
    assert!(form.contains("<h1>アカウントを作成</h1>"), "{form}");
    let res = browser
        .post(app.url("/auth/sign_up"))
        .header("accept-language", "ja,en;q=0.5")
        .form(&[
            ("csrf_token", csrf_of(&form).as_str()),
            ("username", "hana"),
            ("email", "hana@example.org"),
            ("password", PW),
            ("password_confirmation", PW),
            ("agreement", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("ようこそ！"));
    let web = web_sign_in(app, "hana").await;
    let res = web
        .get(app.url("/home"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let home = res.text().await.unwrap();
    assert!(home.contains("<html lang=\"ja\">"), "{home}");
    assert!(home.contains("投稿する"));
}

on_both_backends!(sign_up_locale, sign_up_records_the_locale, no_confirmation);
