//! The bounded local cache of remote attachments' previews (issue 4): a picture posted on
//! instance A reaches B as a reference to A's file; B's queue fetches it through the SSRF guard
//! and serves its own small preview (`preview_url`, `meta.small`, blurhash) while `url` and
//! `remote_url` stay on A. A byte budget evicts the least recently cached previews (they fall
//! back to the remote URL and their files go). Files that are not images, too large, bombs,
//! missing, unreachable, on forbidden addresses or from a `reject_media` domain leave the
//! status readable, referenced remotely, with no file written and a bounded number of tries.

mod common;

use common::federation::{settle, signed_post};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Backend, TestApp};
use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::{json, Value};

/// Runs one two-instance test body on SQLite and on PostgreSQL.
macro_rules! pair_test {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body(Backend::Postgres).await;
            }
        }
    };
}

/// A picture with some detail, so that its preview is much smaller than it.
fn png(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed).wrapping_mul(2_654_435_761);
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, (n >> 24) as u8])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("png");
    out.into_inner()
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>) -> Value {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("pic.png")
        .mime_str("image/png")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("description", "a picture");
    let res = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("media")
}

/// alice on A and bob on B, bob following alice.
async fn pair(a: &TestApp, b: &TestApp) -> (i64, String, String) {
    let da = a.state.config.domain.clone();
    let (alice_id, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let (status, found) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=alice@{da}"),
            Some(&bob),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let id = found["id"].as_str().expect("id");
    let (status, rel) = b
        .post_json(&format!("/api/v1/accounts/{id}/follow"), &bob, json!({}))
        .await;
    assert_eq!(status, 200, "{rel}");
    settle(a, b).await;
    (alice_id, alice, bob)
}

/// alice posts `bytes` as a picture; returns A's media entity.
async fn post_picture(a: &TestApp, alice: &str, text: &str, bytes: Vec<u8>) -> Value {
    let media = upload(a, alice, bytes).await;
    let (status, posted) = a
        .post_json(
            "/api/v1/statuses",
            alice,
            json!({"status": text, "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    media
}

/// The status on B whose content contains `needle`, through the API.
async fn on_b(b: &TestApp, bob: &str, needle: &str) -> Value {
    let (status, home) = b.get_json("/api/v1/timelines/home", Some(bob)).await;
    assert_eq!(status, 200, "{home}");
    let found = home
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle)))
        .cloned()
        .unwrap_or_else(|| panic!("{needle} not in bob's home: {home}"));
    // The status itself reads the same.
    let id = found["id"].as_str().expect("id");
    let (status, single) = b
        .get_json(&format!("/api/v1/statuses/{id}"), Some(bob))
        .await;
    assert_eq!(status, 200, "{single}");
    assert_eq!(single["media_attachments"], found["media_attachments"]);
    found
}

/// Every file under B's media directory (relative keys).
fn files_under(dir: &std::path::Path) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

async fn cache_states(b: &TestApp) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT COALESCE(cache_state, '') FROM media_attachments WHERE remote_url IS NOT NULL ORDER BY id",
    )
    .fetch_all(&b.state.db.pool)
    .await
    .expect("states");
    rows.into_iter().map(|r| r.0).collect()
}

// ---------------------------------------------------------------------------------------

async fn preview_is_cached(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice, bob) = pair(&a, &b).await;
    let media = post_picture(&a, &alice, "a wide view", png(1200, 900, 1)).await;
    settle(&a, &b).await;

    let copy = on_b(&b, &bob, "a wide view").await;
    let m = &copy["media_attachments"][0];
    let origin_url = media["url"].as_str().expect("url");
    // The original stays at its origin …
    assert_eq!(m["url"], origin_url, "{m}");
    assert_eq!(m["remote_url"], origin_url, "{m}");
    // … the preview is B's own.
    let preview = m["preview_url"].as_str().expect("preview_url");
    assert!(
        preview.starts_with(&format!("{}/system/media/", b.base)),
        "preview on B's host: {m}"
    );
    let res = b.client.get(preview).send().await.expect("preview");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let small = res.bytes().await.expect("bytes").to_vec();
    let original = b
        .client
        .get(origin_url)
        .send()
        .await
        .expect("original")
        .bytes()
        .await
        .expect("bytes");
    assert!(
        small.len() < original.len(),
        "preview {} bytes, original {}",
        small.len(),
        original.len()
    );
    let decoded = image::load_from_memory(&small).expect("the preview is an image");
    assert_eq!((decoded.width(), decoded.height()), (640, 480));
    assert_eq!(m["meta"]["small"]["width"], 640, "{m}");
    assert_eq!(m["meta"]["small"]["height"], 480, "{m}");
    assert_eq!(m["meta"]["original"]["width"], 1200, "{m}");
    assert!(m["blurhash"].as_str().is_some_and(|h| h.len() >= 6), "{m}");
    assert_eq!(cache_states(&b).await, vec!["cached"]);
    assert_eq!(files_under(&b.data_dir.join("media")).len(), 1);

    // alice edits the post, same picture, new description: B keeps the preview it made.
    let (_, mine) = a.get_json("/api/v1/timelines/home", Some(&alice)).await;
    let posted_id = mine[0]["id"].as_str().expect("id").to_string();
    let edit = |body: Value| {
        let url = a.url(&format!("/api/v1/statuses/{posted_id}"));
        let req = a.client.put(url).bearer_auth(&alice).json(&body);
        async move { req.send().await.expect("edit").status().as_u16() }
    };
    let status = edit(json!({
        "status": "a wide view, edited",
        "media_ids": [media["id"]],
        "media_attributes": [{"id": media["id"], "description": "described better"}],
    }))
    .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;
    let copy = on_b(&b, &bob, "edited").await;
    let m = &copy["media_attachments"][0];
    assert_eq!(m["description"], "described better", "{m}");
    assert_eq!(m["preview_url"], preview, "the preview carried over: {m}");
    assert_eq!(m["meta"]["small"]["width"], 640, "{m}");
    assert_eq!(cache_states(&b).await, vec!["cached"]);
    assert_eq!(files_under(&b.data_dir.join("media")).len(), 1);

    // Another edit drops the picture: its preview's file goes too.
    assert_eq!(
        edit(json!({"status": "a wide view, in words", "media_ids": []})).await,
        200
    );
    settle(&a, &b).await;
    let copy = on_b(&b, &bob, "in words").await;
    assert_eq!(copy["media_attachments"], json!([]), "{copy}");
    assert!(
        files_under(&b.data_dir.join("media")).is_empty(),
        "the dropped preview's file is deleted"
    );
    assert_eq!(
        b.client
            .get(preview)
            .send()
            .await
            .expect("GET")
            .status()
            .as_u16(),
        404
    );

    a.stop().await;
    b.stop().await;
}

pair_test!(a_remote_picture_gets_a_local_preview, preview_is_cached);

// ---------------------------------------------------------------------------------------

async fn budget_evicts(backend: Backend) {
    // What B's previews will weigh: A re-encodes the upload, B makes the preview of that.
    let first = png(900, 900, 2);
    let second = png(900, 900, 3);
    let weight = |bytes: &[u8]| {
        let stored = herd::services::imaging::process(bytes, 33_177_600).expect("image");
        herd::services::imaging::preview_of(&stored.original, 33_177_600)
            .expect("preview")
            .thumbnail
            .len() as u64
    };
    let (w1, w2) = (weight(&first), weight(&second));
    // Room for either preview, not for both.
    let budget = w1.max(w2) + w1.min(w2) / 2;
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn_with(backend, |c| c.media.remote_cache_bytes = budget).await
    else {
        return;
    };
    let (_, alice, bob) = pair(&a, &b).await;

    let one = post_picture(&a, &alice, "first picture", first).await;
    settle(&a, &b).await;
    let copy = on_b(&b, &bob, "first picture").await;
    let first_preview = copy["media_attachments"][0]["preview_url"]
        .as_str()
        .expect("preview")
        .to_string();
    assert!(first_preview.starts_with(&b.base), "{copy}");
    let media_dir = b.data_dir.join("media");
    let first_key = first_preview
        .split("/system/media/")
        .nth(1)
        .expect("key")
        .to_string();
    assert!(media_dir.join(&first_key).is_file());

    let two = post_picture(&a, &alice, "second picture", second).await;
    settle(&a, &b).await;
    let copy2 = on_b(&b, &bob, "second picture").await;
    let m2 = &copy2["media_attachments"][0];
    assert!(
        m2["preview_url"]
            .as_str()
            .is_some_and(|p| p.starts_with(&b.base)),
        "the newest preview is cached: {m2}"
    );
    assert_eq!(m2["url"], two["url"]);
    // The first one was evicted: it falls back to its origin, never a broken local link.
    let copy1 = on_b(&b, &bob, "first picture").await;
    let m1 = &copy1["media_attachments"][0];
    assert_eq!(m1["preview_url"], one["url"], "{m1}");
    assert_eq!(m1["url"], one["url"], "{m1}");
    assert_eq!(m1["remote_url"], one["url"], "{m1}");
    assert!(m1["blurhash"].is_string(), "the blurhash stays: {m1}");
    assert!(!media_dir.join(&first_key).exists(), "evicted file removed");
    let res = b.client.get(&first_preview).send().await.expect("GET");
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(files_under(&media_dir).len(), 1, "only the second preview");
    assert_eq!(cache_states(&b).await, vec!["evicted", "cached"]);

    a.stop().await;
    b.stop().await;
}

pair_test!(
    a_tiny_budget_evicts_the_least_recently_cached,
    budget_evicts
);

// ---------------------------------------------------------------------------------------

/// A loopback file server that counts its requests per path.
struct Files {
    base: String,
    hits: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    total: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

async fn file_server() -> Files {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let hits: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
    let total = Arc::new(AtomicUsize::new(0));
    let (h, t) = (hits.clone(), total.clone());
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (h, t) = (h.clone(), t.clone());
        async move {
            let path = uri.path().to_string();
            *h.lock().expect("hits").entry(path.clone()).or_default() += 1;
            t.fetch_add(1, Ordering::SeqCst);
            let png_type = [(header::CONTENT_TYPE, "image/png")];
            match path.as_str() {
                "/page.png" => (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body>not a picture</body></html>",
                )
                    .into_response(),
                // A real picture, over B's size limit.
                "/huge.png" => (png_type, png(700, 700, 9)).into_response(),
                "/bomb.png" => (png_type, common::images::png_bomb()).into_response(),
                "/busy.png" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
                // Redirects to an address the guard refuses.
                "/hop.png" => (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://169.254.169.254/latest/meta-data")],
                )
                    .into_response(),
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Files {
        base,
        hits,
        total,
        task,
    }
}

fn note_with(a: &TestApp, n: &str, text: &str, urls: &[String]) -> Value {
    let alice_uri = format!("http://{}/users/alice", a.state.config.domain);
    let id = format!("{alice_uri}/statuses/{n}");
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": alice_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{alice_uri}/followers")],
        "object": {
            "id": id,
            "type": "Note",
            "content": format!("<p>{text}</p>"),
            "attributedTo": alice_uri,
            "published": "2026-11-26T12:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{alice_uri}/followers")],
            "attachment": urls.iter().map(|u| json!({
                "type": "Document",
                "mediaType": "image/png",
                "url": u,
                "name": "what it claims to be",
            })).collect::<Vec<_>>(),
        }
    })
}

async fn bad_files(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    // B takes images of at most 100 kB (the huge one is bigger).
    let Some(b) = TestApp::spawn_with(backend, |c| c.limits.image_size_limit = 100_000).await
    else {
        return;
    };
    let files = file_server().await;
    assert!(
        png(700, 700, 9).len() > 100_000,
        "the huge file is over the limit"
    );
    let (alice_id, _, bob) = pair(&a, &b).await;
    let url = |p: &str| format!("{}{p}", files.base);
    let first = [
        url("/page.png"),
        url("/huge.png"),
        url("/bomb.png"),
        url("/gone.png"),
    ];
    let second = [
        url("/busy.png"),
        url("/hop.png"),
        "http://169.254.169.254/latest/meta-data/pic.png".to_string(),
        "http://10.0.0.1/pic.png".to_string(),
    ];
    for (n, text, urls) in [
        ("m1", "odd files one", &first),
        ("m2", "odd files two", &second),
    ] {
        assert_eq!(
            signed_post(&a, alice_id, "alice", &b, &note_with(&a, n, text, urls)).await,
            202
        );
    }
    b.run_jobs().await;

    let check = |s: &Value, urls: &[String]| {
        let list = s["media_attachments"].as_array().expect("attachments");
        assert_eq!(list.len(), urls.len(), "{s}");
        for (m, u) in list.iter().zip(urls) {
            assert_eq!(m["url"], u.as_str(), "{m}");
            assert_eq!(m["remote_url"], u.as_str(), "{m}");
            assert_eq!(m["preview_url"], u.as_str(), "referenced remotely: {m}");
        }
    };
    check(&on_b(&b, &bob, "odd files one").await, &first);
    check(&on_b(&b, &bob, "odd files two").await, &second);
    // Each file was asked for once; none is retried.
    {
        let hits = files.hits.lock().expect("hits");
        for p in [
            "/page.png",
            "/huge.png",
            "/bomb.png",
            "/gone.png",
            "/hop.png",
        ] {
            assert_eq!(hits.get(p), Some(&1), "{p}: {hits:?}");
        }
    }
    // The busy one is tried again with backoff, a bounded number of times.
    for _ in 0..6 {
        b.state.clock.advance(Duration::from_secs(3600));
        b.run_jobs().await;
    }
    assert_eq!(
        files.hits.lock().expect("hits").get("/busy.png"),
        Some(&3),
        "three tries in all"
    );
    assert_eq!(files.total.load(Ordering::SeqCst), 5 + 3);
    let (left,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = 'cache_remote_media'")
            .fetch_one(&b.state.db.pool)
            .await
            .expect("count");
    assert_eq!(left, 0, "no cache job left");
    assert_eq!(cache_states(&b).await, vec!["failed"; 8]);
    assert!(
        files_under(&b.data_dir.join("media")).is_empty(),
        "no file written"
    );
    // Still readable, still the remote references.
    check(&on_b(&b, &bob, "odd files two").await, &second);

    files.task.abort();
    a.stop().await;
    b.stop().await;
}

pair_test!(bad_remote_files_stay_referenced_remotely, bad_files);

// ---------------------------------------------------------------------------------------

/// The server's own worker (not the test's `run_jobs`) makes the preview: the media lanes
/// claim the job.
async fn worker_caches(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice, bob) = pair(&a, &b).await;
    post_picture(&a, &alice, "seen by the worker", png(800, 600, 4)).await;
    a.run_jobs().await; // A delivers; B's inbox stores the post and queues the preview
    let worker = herd::jobs::spawn_worker(b.state.clone());
    let mut preview = String::new();
    for _ in 0..200 {
        let (_, home) = b.get_json("/api/v1/timelines/home", Some(&bob)).await;
        if let Some(p) = home
            .as_array()
            .and_then(|l| l.first())
            .and_then(|s| s["media_attachments"][0]["preview_url"].as_str())
            .filter(|p| p.starts_with(&b.base))
        {
            preview = p.to_string();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.abort();
    let _ = worker.await;
    assert!(!preview.is_empty(), "the worker cached the preview");
    let res = b.client.get(&preview).send().await.expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    a.stop().await;
    b.stop().await;
}

pair_test!(the_worker_makes_previews_in_its_media_lanes, worker_caches);

// ---------------------------------------------------------------------------------------

/// A domain blocked with `reject_media` (here with severity `noop`, so its posts still come):
/// its pictures are referenced, never fetched.
async fn rejected_media(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice, bob) = pair(&a, &b).await;
    // Placed after B has heard from A (its lookups of A's domain are cached): the block
    // must apply to the very next post.
    let (_, moderator) = common::moderation::user(&b, "modr", Some("moderator"), true).await;
    let (status, block) = b
        .post_json(
            "/api/v1/admin/domain_blocks",
            &moderator,
            json!({ "domain": a.state.config.domain, "severity": "noop", "reject_media": true,
                    "policy_clause": "federation-policy@1#3.3" }),
        )
        .await;
    assert_eq!(status, 200, "{block}");
    let media = post_picture(&a, &alice, "from a rejected domain", png(300, 200, 5)).await;
    settle(&a, &b).await;
    let copy = on_b(&b, &bob, "from a rejected domain").await;
    let m = &copy["media_attachments"][0];
    assert_eq!(m["url"], media["url"], "{m}");
    assert_eq!(m["preview_url"], media["url"], "{m}");
    assert_eq!(cache_states(&b).await, vec!["failed"]);
    assert!(files_under(&b.data_dir.join("media")).is_empty());
    a.stop().await;
    b.stop().await;
}

pair_test!(
    media_of_a_reject_media_domain_are_not_fetched,
    rejected_media
);
