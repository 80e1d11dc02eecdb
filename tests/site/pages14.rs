//! What the members' site had still lacked, over HTTP on both backends (src/web/member_tools/
//! and the pages it touches): a private note and featured accounts on profiles, hashtag
//! follows, link cards and several images on posts, the settings lists of mutes, blocks and
//! domain blocks, the service's refusals in the page's language, and the route inventory of
//! issue 14 (every page as an anonymous reader and as a member).

use std::net::SocketAddr;

use crate::common::web::submit_at;
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use axum::http::header;
use axum::routing::get as route_get;
use image::ImageFormat;
use serde_json::{json, Value};

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    page(client, &app.url(path)).await
}

/// The text of the element with `id` (a field's error), tags dropped.
fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')? + start;
    Some(rest[start..end].trim().to_string())
}

async fn follow(app: &TestApp, token: &str, id: i64) {
    let (s, body) = app
        .post_json(&format!("/api/v1/accounts/{id}/follow"), token, json!({}))
        .await;
    assert_eq!(s, 200, "{body}");
}

async fn profile_tools(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (bob_id, _) = app.user_with_token("bob").await;
    let (carol_id, _) = app.user_with_token("carol").await;
    follow(app, &alice, bob_id).await;
    let web = web_sign_in(app, "alice").await;

    // The private note: a form on the profile; saved, it is in the API's relationship and
    // shown to alice only.
    let (status, html) = get(&web, app, "/@bob").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("action=\"/web/accounts/{bob_id}/note\"")),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let (status, location, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{bob_id}/note"),
        &csrf,
        &[
            ("comment", "Met at the <b>seed swap</b>"),
            ("return_to", "/@bob"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/@bob"));
    let (_, rel) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(rel[0]["note"], "Met at the <b>seed swap</b>");
    let (_, html) = get(&web, app, "/@bob").await;
    assert!(
        html.contains("Met at the &lt;b&gt;seed swap") && !html.contains("<b>seed"),
        "escaped"
    );
    let (_, anon) = page(&app.browser(), &app.url("/@bob")).await;
    assert!(!anon.contains("seed swap"), "nobody else sees the note");
    // Too long: the note page again with the message beside the field, nothing written.
    let long = "n".repeat(2001);
    let (status, _, html) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{bob_id}/note"),
        &csrf,
        &[("comment", &long)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        text_of(&html, "comment-error").is_some_and(|t| t.contains("2000")),
        "{html}"
    );
    let (_, rel) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
            Some(&alice),
        )
        .await;
    assert_eq!(rel[0]["note"], "Met at the <b>seed swap</b>");
    // Without the token: refused.
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{bob_id}/note"),
        "forged",
        &[("comment", "x")],
    )
    .await;
    assert_eq!(status, 403);

    // Featuring: offered on a followed account; bob then shows on alice's profile, to anyone.
    assert!(html_has_feature(
        &get(&web, app, "/@bob").await.1,
        bob_id,
        "pin"
    ));
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{bob_id}/pin"),
        &csrf,
        &[("return_to", "/@bob")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(html_has_feature(
        &get(&web, app, "/@bob").await.1,
        bob_id,
        "unpin"
    ));
    let (_, mine) = page(&app.browser(), &app.url("/@alice")).await;
    assert!(
        mine.contains("id=\"featured-h\"") && mine.contains("href=\"/@bob\""),
        "{mine}"
    );
    let (_, endorsed) = app.get_json("/api/v1/endorsements", Some(&alice)).await;
    assert_eq!(endorsed[0]["username"], "bob");
    // Not followed: no offer, and a forged post is refused with nothing written.
    let (_, carol_page) = get(&web, app, "/@carol").await;
    assert!(!html_has_feature(&carol_page, carol_id, "pin"));
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{carol_id}/pin"),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(status, 422);
    let (_, endorsed) = app.get_json("/api/v1/endorsements", Some(&alice)).await;
    assert_eq!(endorsed.as_array().map(Vec::len), Some(1));
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{bob_id}/unpin"),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let (_, mine) = page(&app.browser(), &app.url("/@alice")).await;
    assert!(!mine.contains("id=\"featured-h\""));

    // Hashtags: follow from the tag's page; the API then lists it; anonymous readers get no form.
    let (_, html) = get(&web, app, "/tags/Garden").await;
    assert!(
        html.contains("action=\"/web/tags/garden/follow\""),
        "{html}"
    );
    let (status, location, _) = submit_at(
        &web,
        app,
        "/web/tags/Garden/follow",
        &csrf,
        &[("return_to", "/tags/garden")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/tags/garden"));
    let (_, followed) = app.get_json("/api/v1/followed_tags", Some(&alice)).await;
    assert_eq!(
        followed[0]["name"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some("garden")
    );
    let (_, html) = get(&web, app, "/tags/garden").await;
    assert!(html.contains("action=\"/web/tags/garden/unfollow\""));
    let (_, anon) = page(&app.browser(), &app.url("/tags/garden")).await;
    assert!(!anon.contains("/web/tags/garden/"));
    let (status, _, _) = submit_at(&web, app, "/web/tags/garden/unfollow", &csrf, &[]).await;
    assert_eq!(status, 303);
    let (_, followed) = app.get_json("/api/v1/followed_tags", Some(&alice)).await;
    assert_eq!(followed, json!([]));
    // A tag name with markup: refused, escaped, nothing followed.
    let (status, _, html) = submit_at(&web, app, "/web/tags/%3Cb%3E/follow", &csrf, &[]).await;
    assert!(status == 422 || status == 404, "{status}");
    assert!(!html.contains("<b>"));
}
on_both_backends!(profiles_and_tags, profile_tools);

fn html_has_feature(html: &str, id: i64, action: &str) -> bool {
    html.contains(&format!("action=\"/web/accounts/{id}/{action}\""))
}

async fn hidden_lists(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (bob_id, _) = app.user_with_token("bob").await;
    let (carol_id, _) = app.user_with_token("carol").await;
    app.user_with_token("dave").await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/mute"),
            &alice,
            json!({"duration": 3600}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/block"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);

    // Anonymous: to the sign-in page.
    for path in [
        "/settings/mutes",
        "/settings/blocks",
        "/settings/domain_blocks",
    ] {
        let res = app.browser().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert!(res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/auth/sign_in"));
    }
    let web = web_sign_in(app, "alice").await;
    let (status, html) = get(&web, app, "/settings/mutes").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("href=\"/@bob\"") && html.contains(&format!("/web/accounts/{bob_id}/unmute")),
        "{html}"
    );
    assert!(
        html.contains("<time datetime="),
        "a timed mute says until when"
    );
    assert!(!html.contains("href=\"/@carol\""));
    let csrf = csrf_of(&html);
    let (_, html) = get(&web, app, "/settings/blocks").await;
    assert!(
        html.contains("href=\"/@carol\"") && !html.contains("href=\"/@bob\""),
        "{html}"
    );
    // Another member sees their own lists, not alice's.
    let dave = web_sign_in(app, "dave").await;
    let (_, html) = get(&dave, app, "/settings/mutes").await;
    assert!(!html.contains("href=\"/@bob\""));

    // Unmute and unblock come back to the list, and the API agrees.
    let (status, location, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{bob_id}/unmute"),
        &csrf,
        &[("return_to", "/settings/mutes")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/settings/mutes"));
    let (_, mutes) = app.get_json("/api/v1/mutes", Some(&alice)).await;
    assert_eq!(mutes, json!([]));
    let (status, _, _) = submit_at(
        &web,
        app,
        &format!("/web/accounts/{carol_id}/unblock"),
        &csrf,
        &[("return_to", "/settings/blocks")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, blocks) = app.get_json("/api/v1/blocks", Some(&alice)).await;
    assert_eq!(blocks, json!([]));

    // Domain blocks: a bad domain is refused beside the field with what was typed kept.
    let (status, _, html) = submit_at(
        &web,
        app,
        "/settings/domain_blocks",
        &csrf,
        &[("domain", "not a <domain>")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text_of(&html, "domain-error").is_some(), "{html}");
    assert!(html.contains("value=\"not a &lt;domain&gt;\""));
    let (_, domains) = app.get_json("/api/v1/domain_blocks", Some(&alice)).await;
    assert_eq!(domains, json!([]));
    let (status, location, _) = submit_at(
        &web,
        app,
        "/settings/domain_blocks",
        &csrf,
        &[("domain", "spam.example")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/domain_blocks")
    );
    let (_, domains) = app.get_json("/api/v1/domain_blocks", Some(&alice)).await;
    assert_eq!(domains, json!(["spam.example"]));
    let (_, html) = get(&web, app, "/settings/domain_blocks").await;
    assert!(html.contains("<span>spam.example</span>"), "{html}");
    let (status, _, _) = submit_at(
        &web,
        app,
        "/settings/domain_blocks/delete",
        &csrf,
        &[("domain", "spam.example")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, domains) = app.get_json("/api/v1/domain_blocks", Some(&alice)).await;
    assert_eq!(domains, json!([]));
}
on_both_backends!(mutes_blocks_domains, hidden_lists);

/// A page with OpenGraph tags crediting a fediverse account, and its image, on loopback.
async fn site(herd_domain: String) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><title>x</title>\
         <meta property=\"og:title\" content=\"Growing tomatoes\">\
         <meta property=\"og:description\" content=\"A guide for small gardens\">\
         <meta property=\"og:site_name\" content=\"Garden News\">\
         <meta property=\"og:image\" content=\"/image.png\">\
         <meta property=\"og:image:alt\" content=\"Ripe tomatoes on the vine\">\
         <meta name=\"fediverse:creator\" content=\"@bob@{herd_domain}\">\
         </head><body></body></html>"
    );
    let router = axum::Router::new()
        .route(
            "/article",
            route_get(move || {
                let html = html.clone();
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html) }
            }),
        )
        .route(
            "/image.png",
            route_get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    crate::common::images::gradient(600, 300, ImageFormat::Png),
                )
            }),
        );
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("site serves");
    });
    addr
}

/// The compose form as a browser sends it: multipart, with files in the named fields.
async fn compose(
    client: &reqwest::Client,
    app: &TestApp,
    fields: &[(&str, &str)],
    files: &[(&str, Vec<u8>)],
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in files {
        form = form.part(
            name.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(format!("{name}.png")),
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

fn png(w: u32, h: u32) -> Vec<u8> {
    crate::common::images::gradient(w, h, ImageFormat::Png)
}

async fn posts_and_messages(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    app.user_with_token("bob").await;
    let web = web_sign_in(app, "alice").await;
    let (_, home) = get(&web, app, "/home").await;
    let csrf = csrf_of(&home);
    // The form offers one slot per image the instance allows (4): `file`, then 2 to 4.
    assert!(
        home.contains("name=\"file_4\"") && !home.contains("name=\"file_5\""),
        "{home}"
    );

    // Several images, each with its alt text, scripts off (one multipart post).
    let (status, html) = compose(
        &web,
        app,
        &[
            ("csrf_token", &csrf),
            ("status", "Two beds"),
            ("description", "The north bed"),
            ("description_2", "The south bed"),
        ],
        &[("file", png(30, 20)), ("file_2", png(20, 30))],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let (_, list) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&alice),
        )
        .await;
    let s = &list[0];
    let alts: Vec<&str> = s["media_attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["description"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(alts, ["The north bed", "The south bed"]);
    let sid = s["id"].as_str().unwrap().to_string();
    let (_, html) = page(&app.browser(), &app.url(&format!("/@alice/{sid}"))).await;
    assert!(
        html.contains("alt=\"The north bed\"") && html.contains("alt=\"The south bed\""),
        "{html}"
    );

    // A link's preview card: image with its description, provider, and the credited author.
    let addr = site(app.state.config.domain.clone()).await;
    let (s, posted) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": format!("Read this http://{addr}/article"), "visibility": "public"}),
        )
        .await;
    assert_eq!(s, 200, "{posted}");
    app.run_jobs().await;
    let id = posted["id"].as_str().unwrap();
    let (_, html) = page(&app.browser(), &app.url(&format!("/@alice/{id}"))).await;
    assert!(html.contains("class=\"link-card\""), "{html}");
    assert!(html.contains("Growing tomatoes") && html.contains("Garden News"));
    assert!(html.contains("alt=\"Ripe tomatoes on the vine\""));
    assert!(
        html.contains("href=\"/@bob\""),
        "the author's account is linked: {html}"
    );

    // Refusals beside their fields: English as the service says it, Japanese for a `ja` reader.
    let long = "z".repeat(501);
    let (status, html) = compose(&web, app, &[("csrf_token", &csrf), ("status", &long)], &[]).await;
    assert_eq!(status, 422);
    assert_eq!(
        text_of(&html, "status-error").as_deref(),
        Some("Text character limit of 500 exceeded")
    );
    let (status, _, _) = submit_at(
        &web,
        app,
        "/settings/preferences",
        &csrf,
        &[
            ("privacy", "public"),
            ("language", "ja"),
            ("locale", "ja"),
            ("theme", "auto"),
            ("shortcuts", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, html) = compose(&web, app, &[("csrf_token", &csrf), ("status", &long)], &[]).await;
    assert_eq!(status, 422);
    assert_eq!(
        text_of(&html, "status-error").as_deref(),
        Some("投稿が 500 文字を超えています。")
    );
    assert!(html.contains(&long), "what was typed is kept");
    let (status, html) = compose(&web, app, &[("csrf_token", &csrf), ("status", "")], &[]).await;
    assert_eq!(status, 422);
    assert_eq!(
        text_of(&html, "status-error").as_deref(),
        Some("投稿する内容を入力してください。")
    );
    // Lists and filters.
    let (status, _, html) = submit_at(&web, app, "/web/lists", &csrf, &[("title", "")]).await;
    assert_eq!(status, 422);
    assert_eq!(
        text_of(&html, "title-error").as_deref(),
        Some("タイトルを入力してください。")
    );
    let (status, _, html) = submit_at(
        &web,
        app,
        "/settings/filters",
        &csrf,
        &[
            ("title", ""),
            ("context[]", "home"),
            ("filter_action", "warn"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        text_of(&html, "title-error").as_deref(),
        Some("タイトルを入力してください。")
    );
    // A report about oneself.
    let (status, _, html) = submit_at(
        &web,
        app,
        "/web/reports",
        &csrf,
        &[
            ("account_id", &alice_id.to_string()),
            ("comment", "me"),
            ("category", "other"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("自分自身は通報できません。"), "{html}");
    // Nothing was written by any of them.
    let (_, lists) = app.get_json("/api/v1/lists", Some(&alice)).await;
    assert_eq!(lists, json!([]));
    let (_, list) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&alice),
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let _: Value = list;
}
on_both_backends!(posts_cards_and_messages, posts_and_messages);

/// What a path answers a reader.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    Page,
    SignIn,
    NotFound,
}

/// Issue 14's paths of DESIGN §10 (and the pages it added around them), with what an
/// anonymous reader and a member get. `{post}` is alice's public post, `{private}` her
/// followers-only one.
const INVENTORY: &[(&str, Answer, Answer)] = &[
    ("/@alice", Answer::Page, Answer::Page),
    ("/@alice/with_replies", Answer::Page, Answer::Page),
    ("/@alice/media", Answer::Page, Answer::Page),
    ("/@alice/{post}", Answer::Page, Answer::Page),
    ("/@alice/{private}", Answer::NotFound, Answer::NotFound),
    ("/@alice/followers", Answer::Page, Answer::Page),
    ("/@alice/following", Answer::Page, Answer::Page),
    ("/@nobody", Answer::NotFound, Answer::NotFound),
    ("/@alice/99999999", Answer::NotFound, Answer::NotFound),
    ("/tags/garden", Answer::Page, Answer::Page),
    ("/home", Answer::SignIn, Answer::Page),
    ("/deck", Answer::SignIn, Answer::Page),
    ("/notifications", Answer::SignIn, Answer::Page),
    ("/local", Answer::SignIn, Answer::Page),
    ("/federated", Answer::SignIn, Answer::Page),
    ("/search", Answer::SignIn, Answer::Page),
    ("/bookmarks", Answer::SignIn, Answer::Page),
    ("/favourites", Answer::SignIn, Answer::Page),
    ("/lists", Answer::SignIn, Answer::Page),
    ("/conversations", Answer::SignIn, Answer::Page),
    ("/follow_requests", Answer::SignIn, Answer::Page),
    ("/settings/profile", Answer::SignIn, Answer::Page),
    ("/settings/preferences", Answer::SignIn, Answer::Page),
    ("/settings/filters", Answer::SignIn, Answer::Page),
    ("/settings/applications", Answer::SignIn, Answer::Page),
    ("/settings/sessions", Answer::SignIn, Answer::Page),
    ("/settings/mutes", Answer::SignIn, Answer::Page),
    ("/settings/blocks", Answer::SignIn, Answer::Page),
    ("/settings/domain_blocks", Answer::SignIn, Answer::Page),
    ("/settings/export", Answer::SignIn, Answer::Page),
    ("/settings/import", Answer::SignIn, Answer::Page),
    ("/settings/migration", Answer::SignIn, Answer::Page),
];

async fn answer_of(client: &reqwest::Client, app: &TestApp, path: &str) -> (Answer, String) {
    let res = client.get(app.url(path)).send().await.expect("GET");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.text().await.unwrap_or_default();
    let answer = match status {
        200 => Answer::Page,
        303 | 302 if location.starts_with("/auth/sign_in") => Answer::SignIn,
        404 => Answer::NotFound,
        other => panic!("{path}: {other} {location} {body}"),
    };
    (answer, body)
}

async fn inventory(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    app.user_with_token("bob").await;
    let (_, post) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Hello #garden", "visibility": "public"}),
        )
        .await;
    let (_, private) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "Only followers", "visibility": "private"}),
        )
        .await;
    let post = post["id"].as_str().unwrap().to_string();
    let private = private["id"].as_str().unwrap().to_string();
    assert!(alice_id > 0);
    let anon = app.browser();
    // The member is bob, who does not follow alice: her followers-only post stays hidden.
    let member = web_sign_in(app, "bob").await;
    for (path, for_anon, for_member) in INVENTORY {
        let path = path.replace("{post}", &post).replace("{private}", &private);
        let (got, body) = answer_of(&anon, app, &path).await;
        assert_eq!(got, *for_anon, "{path} as an anonymous reader");
        assert!(!body.contains("Only followers"), "{path}");
        let (got, body) = answer_of(&member, app, &path).await;
        assert_eq!(got, *for_member, "{path} as a member");
        assert!(!body.contains("Only followers"), "{path}");
        if got == Answer::Page {
            assert!(
                body.contains("<main id=\"main\""),
                "{path} is a page of the site"
            );
        }
    }
}
on_both_backends!(route_inventory, inventory);
