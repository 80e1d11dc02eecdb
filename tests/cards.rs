//! Link preview cards (issue 17): a status's first link is fetched by the queue from a real
//! HTTP server on loopback (an OpenGraph page and its image, an oEmbed video, a page over the
//! cap, a page too slow to answer, a PDF); the status gets its card with the image served
//! from Herd's own media, streams hear `status.update`, an edit with a new link changes the
//! card, and a private-network address without the tests' allowance gives no card. None of
//! the failures is a 500.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use common::TestApp;
use futures_util::StreamExt;
use image::ImageFormat;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// The pages a link may lead to, on 127.0.0.1 at a port of their own.
async fn site(herd_domain: String) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let page = |title: &'static str, image: &'static str| {
        move |State(herd): State<String>| async move {
            let html = format!(
                "<!doctype html><html lang=\"en\"><head><title>fallback</title>\
                 <meta property=\"og:title\" content=\"{title}\">\
                 <meta property=\"og:description\" content=\"What the page is about\">\
                 <meta property=\"og:site_name\" content=\"Example News\">\
                 <meta property=\"og:image\" content=\"{image}\">\
                 <meta property=\"og:image:alt\" content=\"A gradient\">\
                 <meta property=\"article:published_time\" content=\"2026-01-02T03:04:05Z\">\
                 <meta name=\"fediverse:creator\" content=\"@alice@{herd}\">\
                 </head><body><p>Body</p></body></html>"
            );
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html)
        }
    };
    let app = axum::Router::new()
        .route("/article", get(page("An article", "/image.png")))
        .route("/second", get(page("A second article", "/image.png")))
        .route(
            "/image.png",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    common::images::gradient(900, 500, ImageFormat::Png),
                )
            }),
        )
        .route(
            "/video",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><head><title>A video</title>\
                     <link rel=\"alternate\" type=\"application/json+oembed\" href=\"/oembed.json\">\
                     </head></html>",
                )
            }),
        )
        .route(
            "/oembed.json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    json!({
                        "type": "video",
                        "version": "1.0",
                        "title": "A video",
                        "author_name": "Someone",
                        "author_url": "https://video.example/someone",
                        "provider_name": "Video Example",
                        "provider_url": "https://video.example/",
                        "html": "<iframe src=\"https://video.example/embed/1\" width=\"640\" height=\"360\"></iframe><script>alert(1)</script>",
                        "width": 640,
                        "height": 360
                    })
                    .to_string(),
                )
            }),
        )
        .route(
            "/huge",
            get(|| async {
                let mut html = String::from("<html><head><meta property=\"og:title\" content=\"huge\"></head><body>");
                html.push_str(&"<p>filler</p>".repeat(200_000)); // about 2.6 MB
                ([(header::CONTENT_TYPE, "text/html")], html)
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(6)).await;
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<meta property=\"og:title\" content=\"slow\">",
                )
            }),
        )
        .route(
            "/file.pdf",
            get(|| async { ([(header::CONTENT_TYPE, "application/pdf")], "%PDF-1.4").into_response() }),
        )
        .with_state(herd_domain);
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("site serves");
    });
    addr
}

fn tweak(c: &mut herd::config::Config) {
    c.link_previews.timeout_seconds = 2;
}

async fn post(app: &TestApp, token: &str, text: &str) -> Value {
    let (status, body) = app
        .post_json(
            "/api/v1/statuses",
            token,
            json!({ "status": text, "visibility": "public" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn status(app: &TestApp, id: &str, token: &str) -> Value {
    let (code, body) = app
        .get_json(&format!("/api/v1/statuses/{id}"), Some(token))
        .await;
    assert_eq!(code, 200, "{body}");
    body
}

async fn card_fetches_queued(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = 'fetch_card'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

async fn cards(app: &TestApp) {
    let site = site(app.state.config.domain.clone()).await;
    let (alice_id, token) = app.user_with_token("alice").await;

    // The author's user stream hears the card land.
    let ws_url = format!(
        "{}/api/v1/streaming?access_token={token}&stream=user",
        app.base.replacen("http://", "ws://", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("websocket");

    let link = format!("http://{site}/article");
    let posted = post(
        app,
        &token,
        &format!("Hello @alice #news read {link} and http://{site}/second"),
    )
    .await;
    let id = posted["id"].as_str().expect("id").to_string();
    assert_eq!(posted["card"], Value::Null, "no card before the job ran");
    app.run_jobs().await;

    let s = status(app, &id, &token).await;
    let card = &s["card"];
    assert_eq!(card["url"], link.as_str(), "{card}");
    assert_eq!(card["title"], "An article");
    assert_eq!(card["description"], "What the page is about");
    assert_eq!(card["type"], "link");
    assert_eq!(card["provider_name"], "Example News");
    assert_eq!(card["image_description"], "A gradient");
    assert_eq!(card["language"], "en");
    assert_eq!(card["published_at"], "2026-01-02T03:04:05.000Z");
    assert_eq!(card["html"], "");
    // The image is a preview stored here, resized as remote previews are.
    let image = card["image"].as_str().expect("image");
    assert!(
        image.starts_with(&format!("{}/system/media/", app.base)),
        "{image}"
    );
    assert!(card["width"].as_i64().expect("width") <= 640, "{card}");
    assert!(card["blurhash"].is_string(), "{card}");
    let res = app.client.get(image).send().await.expect("image");
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.expect("bytes");
    let img = image::load_from_memory(&bytes).expect("a picture");
    assert_eq!(img.width() as i64, card["width"].as_i64().expect("width"));
    // fediverse:creator names alice, a local account, on a page of this host.
    assert_eq!(card["authors"][0]["account"]["id"], alice_id.to_string());
    assert_eq!(card["authors"][0]["account"]["username"], "alice");

    // The deprecated endpoint answers the same card, and `{}` for a status without one.
    let (code, deprecated) = app
        .get_json(&format!("/api/v1/statuses/{id}/card"), None)
        .await;
    assert_eq!(code, 200);
    assert_eq!(deprecated, *card);
    let plain = post(app, &token, "no links here").await;
    app.run_jobs().await;
    let (code, empty) = app
        .get_json(
            &format!(
                "/api/v1/statuses/{}/card",
                plain["id"].as_str().expect("id")
            ),
            Some(&token),
        )
        .await;
    assert_eq!((code, empty), (200, json!({})));

    // The stream: `update` when posted, then `status.update` carrying the card.
    let mut saw_card = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
        let Message::Text(t) = msg else { continue };
        let ev: Value = serde_json::from_str(t.as_str()).expect("json");
        if ev["event"] == "status.update" {
            let payload: Value =
                serde_json::from_str(ev["payload"].as_str().expect("payload")).expect("json");
            if payload["id"] == id.as_str() && payload["card"]["title"] == "An article" {
                saw_card = true;
                break;
            }
        }
    }
    assert!(
        saw_card,
        "the user stream hears status.update with the card"
    );

    // Two posts linking a page not fetched yet make one fetch, and both show its card after.
    let burst = format!("http://{site}/article?from=burst");
    let first = post(app, &token, &format!("one {burst}")).await;
    let second = post(app, &token, &format!("two {burst}")).await;
    assert_eq!(card_fetches_queued(app).await, 1, "one fetch for the page");
    app.run_jobs().await;
    for p in [&first, &second] {
        let s = status(app, p["id"].as_str().expect("id"), &token).await;
        assert_eq!(s["card"]["title"], "An article", "{s}");
    }

    // A second status linking the same page shows the cached card as it is posted: nothing
    // is fetched or queued.
    let again = post(app, &token, &format!("again {link}")).await;
    assert_eq!(again["card"]["image"], card["image"], "{again}");
    assert_eq!(card_fetches_queued(app).await, 0);

    // An edit with a new link changes the card; an edit without links drops it.
    let (code, _) = {
        let res = app
            .client
            .put(app.url(&format!("/api/v1/statuses/{id}")))
            .bearer_auth(&token)
            .json(&json!({ "status": format!("now http://{site}/second") }))
            .send()
            .await
            .expect("PUT");
        (res.status().as_u16(), ())
    };
    assert_eq!(code, 200);
    app.run_jobs().await;
    let s = status(app, &id, &token).await;
    assert_eq!(s["card"]["title"], "A second article", "{}", s["card"]);
    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&token)
        .json(&json!({ "status": "no link now" }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    app.run_jobs().await;
    assert_eq!(status(app, &id, &token).await["card"], Value::Null);

    // An oEmbed video: its iframe is kept, its script is not.
    let video = post(app, &token, &format!("watch http://{site}/video")).await;
    app.run_jobs().await;
    let video = status(app, video["id"].as_str().expect("id"), &token).await;
    let card = &video["card"];
    assert_eq!(card["type"], "video", "{card}");
    assert_eq!(card["provider_name"], "Video Example");
    assert_eq!(card["author_name"], "Someone");
    assert_eq!(card["authors"][0]["name"], "Someone");
    assert_eq!(card["authors"][0]["account"], Value::Null);
    assert_eq!(
        (card["width"].as_i64(), card["height"].as_i64()),
        (Some(640), Some(360))
    );
    let html = card["html"].as_str().expect("html");
    assert!(html.contains("https://video.example/embed/1"), "{html}");
    assert!(!html.contains("script"), "{html}");

    // A page over the cap, one too slow, and a PDF: no card, no error, the status reads.
    for path in ["huge", "slow", "file.pdf"] {
        let s = post(app, &token, &format!("see http://{site}/{path}")).await;
        let sid = s["id"].as_str().expect("id").to_string();
        let started = std::time::Instant::now();
        app.run_jobs().await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path}: the time limit holds"
        );
        assert_eq!(
            status(app, &sid, &token).await["card"],
            Value::Null,
            "{path}"
        );
        let (code, body) = app
            .get_json(&format!("/api/v1/statuses/{sid}/card"), Some(&token))
            .await;
        assert_eq!((code, body), (200, json!({})), "{path}");
        // Not retried: nothing is left in the queue.
        assert_eq!(app.run_jobs().await, 0, "{path}");
        // Nor fetched again for the next post that links it within the day.
        let s = post(app, &token, &format!("still http://{site}/{path}")).await;
        assert_eq!(s["card"], Value::Null, "{path}");
        assert_eq!(card_fetches_queued(app).await, 0, "{path}");
        app.run_jobs().await;
    }
}
on_both_backends!(link_cards, cards, tweak);

/// `attribution_domains` (4.4): a page on another site credits an account only once the
/// account lists that site; bad domains are refused whole; the actor document carries them.
async fn attribution(app: &TestApp) {
    let site = site(app.state.config.domain.clone()).await;
    let (alice_id, token) = app.user_with_token("alice").await;
    let patch = |body: Value| {
        app.client
            .patch(app.url("/api/v1/accounts/update_credentials"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let res = patch(json!({"attribution_domains": ["blog.example", "not a domain"]}))
        .await
        .expect("PATCH");
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.expect("json");
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a domain")),
        "{err}"
    );
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(
        me["source"]["attribution_domains"],
        json!([]),
        "nothing kept"
    );

    // The page names alice but lives on `localhost`, not on her host: no credit.
    let port = site.port();
    let s = post(app, &token, &format!("see http://localhost:{port}/article")).await;
    app.run_jobs().await;
    let card = status(app, s["id"].as_str().expect("id"), &token).await["card"].clone();
    assert_eq!(card["title"], "An article", "{card}");
    assert!(card["authors"][0]["account"].is_null(), "{card}");

    let res = patch(json!({"attribution_domains": ["https://LOCALHOST/", "localhost"]}))
        .await
        .expect("PATCH");
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["source"]["attribution_domains"], json!(["localhost"]));
    let s = post(app, &token, &format!("see http://localhost:{port}/second")).await;
    app.run_jobs().await;
    let card = status(app, s["id"].as_str().expect("id"), &token).await["card"].clone();
    assert_eq!(
        card["authors"][0]["account"]["id"],
        alice_id.to_string(),
        "{card}"
    );

    let actor: Value = app
        .client
        .get(app.url("/users/alice"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor["attributionDomains"], json!(["localhost"]), "{actor}");

    // Card images go after `image_retention_days` (30 by default); the card stays.
    let image = card["image"].as_str().expect("image").to_string();
    assert_eq!(
        app.client.get(&image).send().await.expect("image").status(),
        200
    );
    herd::services::cards::evict_old_images(&app.state)
        .await
        .expect("evict");
    let kept = status(app, s["id"].as_str().expect("id"), &token).await["card"].clone();
    assert_eq!(kept["image"], image.as_str(), "a fresh image stays");
    app.state.clock.advance(Duration::from_secs(31 * 86_400));
    herd::services::cards::evict_old_images(&app.state)
        .await
        .expect("evict");
    let kept = status(app, s["id"].as_str().expect("id"), &token).await["card"].clone();
    assert_eq!(kept["title"], "A second article", "{kept}");
    assert_eq!(kept["image"], Value::Null, "{kept}");
    assert_eq!(
        app.client.get(&image).send().await.expect("image").status(),
        404
    );
}
on_both_backends!(attribution_domains, attribution, |c| {
    tweak(c);
    c.federation.allow_private = vec!["127.0.0.0/8".into(), "::1/128".into()];
});

/// Without the tests' allowance for loopback, the SSRF guard refuses the page: no card.
async fn private_target(app: &TestApp) {
    let site = site(app.state.config.domain.clone()).await;
    let (_, token) = app.user_with_token("alice").await;
    let s = post(app, &token, &format!("see http://{site}/article")).await;
    let id = s["id"].as_str().expect("id").to_string();
    app.run_jobs().await;
    assert_eq!(status(app, &id, &token).await["card"], Value::Null);
    let s = post(app, &token, "see http://169.254.169.254/latest/meta-data").await;
    app.run_jobs().await;
    let (code, _) = app
        .get_json(
            &format!("/api/v1/statuses/{}", s["id"].as_str().expect("id")),
            Some(&token),
        )
        .await;
    assert_eq!(code, 200);
}
on_both_backends!(private_targets_get_no_card, private_target, |c| {
    c.federation.allow_private = Vec::new();
});

/// A remote post gets its card where it arrives: alice on A links a page, bob on B follows
/// her; B's queue fetches the page itself (cards are not federated), credits alice (known on
/// B, the page on her host) and changes the card when her edit brings a new link.
async fn remote_cards(backend: common::Backend) {
    let Some(a) = TestApp::spawn_with(backend, tweak).await else {
        return;
    };
    let Some(b) = TestApp::spawn_with(backend, tweak).await else {
        return;
    };
    let da = a.state.config.domain.clone();
    let site = site(da.clone()).await;
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (code, found) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=alice@{da}"),
            Some(&bob),
        )
        .await;
    assert_eq!(code, 200, "{found}");
    let alice_on_b = found["id"].as_str().expect("id").to_string();
    let (code, rel) = b
        .post_json(
            &format!("/api/v1/accounts/{alice_on_b}/follow"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(code, 200, "{rel}");
    common::federation::settle(&a, &b).await;

    let posted = post(&a, &alice, &format!("read http://{site}/article")).await;
    common::federation::settle(&a, &b).await;
    let (_, home) = b.get_json("/api/v1/timelines/home", Some(&bob)).await;
    let on_b = home
        .as_array()
        .and_then(|h| h.iter().find(|s| s["uri"] == posted["uri"]).cloned())
        .unwrap_or_else(|| panic!("not in bob's home: {home}"));
    let card = &on_b["card"];
    assert_eq!(card["title"], "An article", "{on_b}");
    assert!(
        card["image"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{}/system/media/", b.base))),
        "B serves its own preview: {card}"
    );
    assert_eq!(card["authors"][0]["account"]["id"], alice_on_b.as_str());
    assert_eq!(card["authors"][0]["account"]["acct"], format!("alice@{da}"));

    let res = a
        .client
        .put(a.url(&format!(
            "/api/v1/statuses/{}",
            posted["id"].as_str().expect("id")
        )))
        .bearer_auth(&alice)
        .json(&json!({ "status": format!("now http://{site}/second") }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(res.status(), 200);
    common::federation::settle(&a, &b).await;
    let id_on_b = on_b["id"].as_str().expect("id");
    let s = status(&b, id_on_b, &bob).await;
    assert_eq!(s["card"]["title"], "A second article", "{s}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_cards_sqlite() {
    remote_cards(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_cards_postgres() {
    remote_cards(common::Backend::Postgres).await;
}

/// The link timeline (`GET /api/v1/timelines/link?url=`): the public posts showing a link's
/// card, newest first and paged; an unknown or missing link is 404 "Record not found" (as
/// Mastodon answers for a link that is not trending); `timelines_access.trending_link_feeds`
/// decides who may read it, checked before the link is looked up.
async fn link_timeline(app: &TestApp) {
    use herd::services::instance_settings::{self, Changes};
    let site = site(app.state.config.domain.clone()).await;
    let (_, token) = app.user_with_token("lin").await;
    let admin = app
        .create_user_with("root", "correct horse battery", Some("admin"), true)
        .await;
    let staff = herd::services::oauth::operator_token(&app.state, admin, "read write")
        .await
        .expect("token");
    let link = format!("http://{site}/article");
    let older = post(app, &token, &format!("first about {link}")).await;
    post(app, &token, &format!("another link http://{site}/second")).await;
    post(app, &token, "no link at all").await;
    let newer = post(app, &token, &format!("second about {link}")).await;
    app.run_jobs().await;
    let both = vec![
        newer["id"].as_str().expect("id").to_string(),
        older["id"].as_str().expect("id").to_string(),
    ];
    let path = format!("/api/v1/timelines/link?url={link}");
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s["id"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };

    // Public (the default): anyone reads the posts with that card, as Statuses.
    let (code, v) = app.get_json(&path, None).await;
    assert_eq!((code, ids(&v)), (200, both.clone()), "{v}");
    assert_eq!(v[0]["card"]["url"], link.as_str(), "{v}");
    assert_eq!(v[0]["account"]["username"], "lin");
    assert_eq!(v[0]["visibility"], "public");
    let (code, v) = app.get_json(&path, Some(&token)).await;
    assert_eq!((code, ids(&v)), (200, both.clone()), "{v}");
    // Paged as the other timelines.
    let (code, v) = app.get_json(&format!("{path}&limit=1"), None).await;
    assert_eq!((code, ids(&v)), (200, both[..1].to_vec()));
    let (code, v) = app
        .get_json(&format!("{path}&max_id={}", both[0]), None)
        .await;
    assert_eq!((code, ids(&v)), (200, both[1..].to_vec()));
    // A link nobody posted, and no link at all.
    for bad in [
        format!("/api/v1/timelines/link?url=http://{site}/nowhere"),
        "/api/v1/timelines/link".to_string(),
        "/api/v1/timelines/link?url=".to_string(),
    ] {
        let (code, v) = app.get_json(&bad, Some(&token)).await;
        assert_eq!(
            (code, v),
            (404, json!({ "error": "Record not found" })),
            "{bad}"
        );
    }

    let set = |level: &'static str| async move {
        let mut m = std::collections::BTreeMap::new();
        m.insert(
            "timelines_access.trending_link_feeds.local".into(),
            level.into(),
        );
        m.insert(
            "timelines_access.trending_link_feeds.remote".into(),
            level.into(),
        );
        instance_settings::update(&app.state, admin, &Changes(m)).await
    };
    // Authenticated: anonymous readers must sign in (before the link is even looked up).
    set("authenticated").await.expect("set");
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    assert_eq!(
        v2["configuration"]["timelines_access"]["trending_link_feeds"],
        json!({ "local": "authenticated", "remote": "authenticated" })
    );
    for p in [path.clone(), "/api/v1/timelines/link".to_string()] {
        let (code, v) = app.get_json(&p, None).await;
        assert_eq!(code, 401, "{p}: {v}");
        assert!(v["error"].is_string(), "{v}");
    }
    let (code, v) = app.get_json(&path, Some(&token)).await;
    assert_eq!((code, ids(&v)), (200, both.clone()), "{v}");

    // Disabled: staff only; a signed-in user gets nothing, an anonymous one 401.
    set("disabled").await.expect("set");
    let (code, v) = app.get_json(&path, None).await;
    assert_eq!(code, 401, "{v}");
    let (code, v) = app.get_json(&path, Some(&token)).await;
    assert_eq!((code, v), (200, json!([])));
    let (code, v) = app.get_json(&path, Some(&staff)).await;
    assert_eq!((code, ids(&v)), (200, both.clone()), "{v}");
}
on_both_backends!(link_timelines, link_timeline, tweak);
