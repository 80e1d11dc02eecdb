//! Media over HTTP: uploads of real images made here, their processing (sizes, preview,
//! blurhash, focus, metadata stripped), the files served, attaching to statuses, `only_media`,
//! and every kind of bad upload answered with a Mastodon-shaped 4xx that writes nothing.

mod common;

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::{json, Value};

fn gradient(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128])
    }))
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    match format {
        ImageFormat::WebP => img
            .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
            .expect("encode webp"),
        _ => img.write_to(&mut out, format).expect("encode"),
    }
    out.into_inner()
}

/// A JPEG whose APP1 segment carries EXIF: an image description and a GPS position.
fn jpeg_with_gps() -> Vec<u8> {
    let jpeg = encode(&gradient(64, 48), ImageFormat::Jpeg);
    // TIFF, little-endian: IFD0 with ImageDescription and a GPS IFD pointer; the GPS IFD
    // with GPSLatitudeRef "N" and GPSLatitude 48/1, 51/1, 24/1.
    let desc = b"HERD-SECRET-LOCATION\0";
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes()); // IFD0 at 8
    let ifd0_len = 2 + 2 * 12 + 4;
    let desc_at = 8 + ifd0_len as u32;
    let gps_at = desc_at + desc.len() as u32;
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(0x010Eu16.to_le_bytes()); // ImageDescription
    tiff.extend(2u16.to_le_bytes()); // ASCII
    tiff.extend((desc.len() as u32).to_le_bytes());
    tiff.extend(desc_at.to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes()); // GPS IFD pointer
    tiff.extend(4u16.to_le_bytes()); // LONG
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(gps_at.to_le_bytes());
    tiff.extend(0u32.to_le_bytes()); // no next IFD
    tiff.extend(desc);
    let gps_len = 2 + 2 * 12 + 4;
    let rationals_at = gps_at + gps_len as u32;
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(0x0001u16.to_le_bytes()); // GPSLatitudeRef
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0x0002u16.to_le_bytes()); // GPSLatitude
    tiff.extend(5u16.to_le_bytes()); // RATIONAL
    tiff.extend(3u32.to_le_bytes());
    tiff.extend(rationals_at.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    for v in [48u32, 51, 24] {
        tiff.extend(v.to_le_bytes());
        tiff.extend(1u32.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

async fn upload_to(
    app: &common::TestApp,
    path: &str,
    token: &str,
    bytes: Vec<u8>,
    name: &str,
    mime: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .expect("mime");
    let mut form = reqwest::multipart::Form::new().part("file", part);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn upload(app: &common::TestApp, token: &str, bytes: Vec<u8>, mime: &str) -> (u16, Value) {
    upload_to(app, "/api/v2/media", token, bytes, "upload", mime, &[]).await
}

async fn fetch(app: &common::TestApp, url: &str) -> reqwest::Response {
    app.client.get(url).send().await.expect("GET file")
}

async fn put_json(app: &common::TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn media_rows(app: &common::TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM media_attachments")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            if e.path().is_dir() {
                files_under(&e.path())
            } else {
                1
            }
        })
        .sum()
}

async fn upload_attach_and_render(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (status, m) = upload_to(
        app,
        "/api/v2/media",
        &alice,
        encode(&gradient(1000, 500), ImageFormat::Png),
        "wide.png",
        "image/png",
        &[("description", "A gradient"), ("focus", "0.5,-0.25")],
    )
    .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["type"], "image");
    assert_eq!(m["description"], "A gradient");
    assert_eq!(m["meta"]["original"]["width"], 1000);
    assert_eq!(m["meta"]["original"]["height"], 500);
    assert_eq!(m["meta"]["original"]["size"], "1000x500");
    assert_eq!(m["meta"]["original"]["aspect"], 2.0);
    assert_eq!(m["meta"]["small"]["size"], "640x320");
    assert_eq!(m["meta"]["focus"], json!({"x": 0.5, "y": -0.25}));
    assert_eq!(m["blurhash"].as_str().map(str::len), Some(28));
    for key in ["remote_url", "preview_remote_url", "text_url"] {
        assert!(
            m.get(key).is_some_and(Value::is_null),
            "{key} present as null"
        );
    }
    let id = m["id"].as_str().expect("id").to_string();

    // The files are served with their type, never sniffed, and decode to the stated sizes.
    let url = m["url"].as_str().expect("url");
    let res = fetch(app, url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let served = image::load_from_memory(&res.bytes().await.unwrap()).expect("a PNG");
    assert_eq!((served.width(), served.height()), (1000, 500));
    let small = fetch(app, m["preview_url"].as_str().unwrap()).await;
    let small = image::load_from_memory(&small.bytes().await.unwrap()).expect("a PNG");
    assert_eq!((small.width(), small.height()), (640, 320));
    assert_eq!(
        fetch(app, &app.url("/system/media/..%2F..%2Fherd.db/x.png"))
            .await
            .status(),
        404
    );

    // Show and describe: the uploader's own, others get 404.
    let (s, shown) = app
        .get_json(&format!("/api/v1/media/{id}"), Some(&alice))
        .await;
    assert_eq!((s, shown["url"].clone()), (200, m["url"].clone()));
    assert_eq!(
        app.get_json(&format!("/api/v1/media/{id}"), Some(&bob))
            .await
            .0,
        404
    );
    let path = format!("/api/v1/media/{id}");
    let (s, e) = put_json(app, &path, &alice, json!({"focus": "1.5,0"})).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"].as_str().unwrap().contains("Focus"));
    let (s, e) = put_json(app, &path, &alice, json!({"description": "x".repeat(1501)})).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"].as_str().unwrap().contains("1500"));
    assert_eq!(
        put_json(app, &path, &bob, json!({"description": "mine"}))
            .await
            .0,
        404
    );
    let (s, updated) = put_json(
        app,
        &path,
        &alice,
        json!({"description": "A blue gradient", "focus": "-1,1"}),
    )
    .await;
    assert_eq!(s, 200, "{updated}");
    assert_eq!(updated["description"], "A blue gradient");
    assert_eq!(updated["meta"]["focus"], json!({"x": -1.0, "y": 1.0}));

    // Someone else cannot attach it; its owner can, with no text.
    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &bob,
            json!({"status": "stolen", "media_ids": [id]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"].as_str().unwrap().contains("not found"), "{e}");
    let (s, with_media) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "", "media_ids": [id]}),
        )
        .await;
    assert_eq!(s, 200, "{with_media}");
    assert_eq!(with_media["media_attachments"][0]["id"], id.as_str());
    assert_eq!(
        with_media["media_attachments"][0]["description"],
        "A blue gradient"
    );
    assert_eq!(with_media["media_attachments"][0]["url"], m["url"]);
    // Attached once only; and no longer editable through /media.
    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "again", "media_ids": [id]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(
        app.get_json(&format!("/api/v1/media/{id}"), Some(&alice))
            .await
            .0,
        404
    );
    let (s, _) = app
        .post_json("/api/v1/statuses", &alice, json!({"status": "words only"}))
        .await;
    assert_eq!(s, 200);

    // only_media keeps the status with the picture, on the account and the public timeline.
    let sid = with_media["id"].as_str().unwrap();
    let account_id = with_media["account"]["id"].as_str().unwrap();
    let (_, all) = app
        .get_json(&format!("/api/v1/accounts/{account_id}/statuses"), None)
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    for path in [
        format!("/api/v1/accounts/{account_id}/statuses?only_media=true"),
        "/api/v1/timelines/public?only_media=1".to_string(),
    ] {
        let (s, list) = app.get_json(&path, Some(&bob)).await;
        assert_eq!(s, 200);
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![sid], "{path}");
    }
    let (_, seen) = app.get_json(&format!("/api/v1/statuses/{sid}"), None).await;
    assert_eq!(seen["media_attachments"][0]["meta"]["small"]["width"], 640);

    // Delete and redraft: the media come back free to attach.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{sid}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let deleted: Value = res.json().await.unwrap();
    assert_eq!(deleted["media_attachments"][0]["id"], id.as_str());
    let (s, redraft) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "redraft", "media_ids": [id]}),
        )
        .await;
    assert_eq!(s, 200, "{redraft}");

    // Edit: replace the attachment with a new one; the old one is freed.
    let (_, m2) = upload(
        app,
        &alice,
        encode(&gradient(30, 20), ImageFormat::Png),
        "image/png",
    )
    .await;
    let rid = redraft["id"].as_str().unwrap();
    let (s, edited) = put_json(
        app,
        &format!("/api/v1/statuses/{rid}"),
        &alice,
        json!({"status": "redraft, new picture", "media_ids": [m2["id"]]}),
    )
    .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["media_attachments"].as_array().unwrap().len(), 1);
    assert_eq!(edited["media_attachments"][0]["id"], m2["id"]);
    assert_eq!(
        app.get_json(&format!("/api/v1/media/{id}"), Some(&alice))
            .await
            .0,
        200
    );
}
on_both_backends!(upload_attach, upload_attach_and_render);

async fn formats_and_metadata(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;

    // A JPEG with GPS coordinates: served without them, still a JPEG of the same size.
    let original = jpeg_with_gps();
    assert!(
        image::load_from_memory(&original).is_ok(),
        "the test JPEG decodes"
    );
    let needle = b"HERD-SECRET-LOCATION";
    assert!(original.windows(needle.len()).any(|w| w == needle));
    let (s, m) = upload_to(
        app,
        "/api/v1/media", // the legacy endpoint Mastodon.py uses for old servers
        &alice,
        original,
        "photo.jpg",
        "image/jpeg",
        &[],
    )
    .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["meta"]["original"]["size"], "64x48");
    for url in [
        m["url"].as_str().unwrap(),
        m["preview_url"].as_str().unwrap(),
    ] {
        let res = fetch(app, url).await;
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let bytes = res.bytes().await.unwrap();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "EXIF gone"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "no EXIF segment");
        assert!(image::load_from_memory(&bytes).is_ok());
    }

    // GIF: a still of its first frame, stored as PNG. WebP stays WebP.
    let (s, gif) = upload(
        app,
        &alice,
        encode(&gradient(40, 30), ImageFormat::Gif),
        "image/gif",
    )
    .await;
    assert_eq!(s, 200, "{gif}");
    assert_eq!(gif["type"], "image");
    assert!(gif["url"].as_str().unwrap().ends_with(".png"));
    let res = fetch(app, gif["url"].as_str().unwrap()).await;
    assert_eq!(res.headers()["content-type"], "image/png");
    let (s, webp) = upload(
        app,
        &alice,
        encode(&gradient(40, 30), ImageFormat::WebP),
        "image/webp",
    )
    .await;
    assert_eq!(s, 200, "{webp}");
    let res = fetch(app, webp["url"].as_str().unwrap()).await;
    assert_eq!(res.headers()["content-type"], "image/webp");
    assert_eq!(webp["meta"]["original"]["size"], "40x30");
}
on_both_backends!(formats, formats_and_metadata);

async fn bad_uploads_write_nothing(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let media_dir = app.data_dir.join("media");
    let mut truncated = encode(&gradient(200, 200), ImageFormat::Png);
    truncated.truncate(truncated.len() / 2);
    let cases: Vec<(Vec<u8>, &str, u16, &str)> = vec![
        (
            b"hello, not a picture".to_vec(),
            "image/png",
            422,
            "content type",
        ),
        (
            b"%PDF-1.7\n%...".to_vec(),
            "application/pdf",
            422,
            "content type",
        ),
        (truncated, "image/png", 422, "could not be processed"),
        (
            encode(&gradient(1100, 1000), ImageFormat::Png),
            "image/png",
            422,
            "1100x1000 images are not supported",
        ),
        (
            common::images::png_bomb(),
            "image/png",
            422,
            "100000x100000 images are not supported",
        ),
        (
            vec![0u8; 210_000],
            "image/png",
            422,
            "file size must be less than",
        ),
    ];
    for (bytes, mime, want, needle) in cases {
        let (s, e) = upload(app, &alice, bytes, mime).await;
        assert_eq!(s, want, "{needle}: {e}");
        assert!(
            e["error"].as_str().is_some_and(|t| t.contains(needle)),
            "{needle}: {e}"
        );
    }
    // Far over the limit: refused while the body streams, still Mastodon-shaped. The server
    // then closes that connection, so it goes through a client of its own (no reuse).
    let part = reqwest::multipart::Part::bytes(vec![0u8; 400_000])
        .file_name("big.png")
        .mime_str("image/png")
        .unwrap();
    let res = reqwest::Client::new()
        .post(app.url("/api/v2/media"))
        .bearer_auth(&alice)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("a response");
    assert_eq!(res.status(), 413);
    let e: Value = res.json().await.unwrap_or(Value::Null);
    assert!(e["error"].is_string(), "{e}");
    // No file at all.
    let res = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(&alice)
        .multipart(reqwest::multipart::Form::new().text("description", "nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // A read-only token cannot upload.
    let read_only = app.login("alice", "correct horse battery", "read").await;
    let (s, _) = upload(
        app,
        &read_only,
        encode(&gradient(8, 8), ImageFormat::Png),
        "image/png",
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(media_rows(app).await, 0, "no row written");
    assert_eq!(files_under(&media_dir), 0, "no orphan file");

    // Too many attachments, unknown ids.
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (s, m) = upload(
            app,
            &alice,
            encode(&gradient(8, 8), ImageFormat::Png),
            "image/png",
        )
        .await;
        assert_eq!(s, 200, "{m}");
        ids.push(m["id"].clone());
    }
    let before: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "five", "media_ids": ids}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"].as_str().unwrap().contains("more than 4"), "{e}");
    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "ghost", "media_ids": ["123456789"]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "both", "media_ids": [ids[0]], "poll": {"options": ["a", "b"], "expires_in": 600}}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(before, after, "no status written");
    let attached: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM media_attachments WHERE status_id IS NOT NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(attached.0, 0);
}

mod bad_uploads {
    use super::*;
    fn limits(c: &mut herd::config::Config) {
        c.limits.image_size_limit = 200_000;
        c.limits.image_matrix_limit = 1_000_000;
        // The request body limit is the largest of the three.
        c.limits.video_size_limit = 200_000;
        c.limits.audio_size_limit = 200_000;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = common::TestApp::spawn_with(common::Backend::Sqlite, limits)
            .await
            .expect("sqlite app");
        bad_uploads_write_nothing(&app).await;
        app.stop().await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = common::TestApp::spawn_with(common::Backend::Postgres, limits).await {
            bad_uploads_write_nothing(&app).await;
            app.stop().await;
        }
    }
}

/// Uploads nothing holds are deleted (row and files) once free for 24 hours, by the queue;
/// `media_attributes[]` on an edit set description and focus; the edit history shows each
/// version's attachments as they were, and keeps the media it shows.
async fn cleanup_and_edit_media(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let png = || encode(&gradient(40, 30), ImageFormat::Png);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (s, m) = upload(app, &alice, png(), "image/png").await;
        assert_eq!(s, 200, "{m}");
        ids.push(m["id"].as_str().unwrap().to_string());
    }
    let (free, kept, dropped) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let (_, free_entity) = app
        .get_json(&format!("/api/v1/media/{free}"), Some(&alice))
        .await;
    let free_url = free_entity["url"].as_str().unwrap().to_string();
    let (s, st) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "two pictures", "media_ids": [kept, dropped]}),
        )
        .await;
    assert_eq!(s, 200, "{st}");
    let sid = st["id"].as_str().unwrap().to_string();

    // A bad focus in media_attributes is refused and changes nothing.
    let path = format!("/api/v1/statuses/{sid}");
    let (s, e) = put_json(
        app,
        &path,
        &alice,
        json!({"status": "x", "media_attributes": [{"id": kept, "focus": "2,2"}]}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, e) = put_json(
        app,
        &path,
        &alice,
        json!({"status": "x", "media_attributes": "alt"}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (_, h) = app.get_json(&format!("{path}/history"), Some(&alice)).await;
    assert_eq!(h.as_array().unwrap().len(), 1, "no version written: {h}");

    // Drop one picture and describe and focus the other; an entry for media the status does
    // not hold is ignored.
    let (s, edited) = put_json(
        app,
        &path,
        &alice,
        json!({"status": "one picture", "media_ids": [kept],
        "media_attributes": [
            {"id": kept, "description": "A gradient", "focus": "0.5,-0.25"},
            {"id": free, "description": "not this one"}
        ]}),
    )
    .await;
    assert_eq!(s, 200, "{edited}");
    let media = edited["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{edited}");
    assert_eq!(media[0]["id"], kept.as_str());
    assert_eq!(media[0]["description"], "A gradient");
    assert_eq!(media[0]["meta"]["focus"], json!({"x": 0.5, "y": -0.25}));
    let (_, f) = app
        .get_json(&format!("/api/v1/media/{free}"), Some(&alice))
        .await;
    assert_eq!(f["description"], Value::Null, "{f}");

    // The history: the original with both pictures as they were, then the edit.
    let (s, h) = app.get_json(&format!("{path}/history"), Some(&alice)).await;
    assert_eq!(s, 200, "{h}");
    let versions = h.as_array().unwrap();
    assert_eq!(versions.len(), 2, "{h}");
    let ids_of = |v: &Value| -> Vec<String> {
        v["media_attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids_of(&versions[0]), [kept.clone(), dropped.clone()]);
    assert_eq!(
        versions[0]["media_attachments"][0]["description"],
        Value::Null
    );
    assert_eq!(ids_of(&versions[1]), vec![kept.clone()]);
    assert_eq!(
        versions[1]["media_attachments"][0]["description"],
        "A gradient"
    );
    // Form bodies carry media_attributes as Rack's arrays of hashes.
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&alice)
        .form(&[
            ("status", "one picture, again"),
            ("media_attributes[][id]", kept.as_str()),
            ("media_attributes[][description]", "Still a gradient"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(
        edited["media_attachments"][0]["description"],
        "Still a gradient"
    );
    assert_eq!(
        edited["media_attachments"][0]["meta"]["focus"],
        json!({"x": 0.5, "y": -0.25}),
        "an absent focus keeps the focus"
    );

    // 23 hours on, nothing is swept; at 25 hours the upload nobody attached is gone with its
    // files. The attached one stays, and so does the one the history shows.
    app.state.clock.advance(Duration::from_secs(23 * 3600));
    app.run_jobs().await;
    assert_eq!(
        app.get_json(&format!("/api/v1/media/{free}"), Some(&alice))
            .await
            .0,
        200
    );
    app.state.clock.advance(Duration::from_secs(2 * 3600));
    app.run_jobs().await;
    assert_eq!(
        app.get_json(&format!("/api/v1/media/{free}"), Some(&alice))
            .await
            .0,
        404
    );
    assert_eq!(fetch(app, &free_url).await.status(), 404);
    let (_, seen) = app.get_json(&path, Some(&alice)).await;
    assert_eq!(seen["media_attachments"][0]["id"], kept.as_str());
    let (_, h) = app.get_json(&format!("{path}/history"), Some(&alice)).await;
    let dropped_url = h[0]["media_attachments"][1]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(fetch(app, &dropped_url).await.status(), 200);
    assert_eq!(media_rows(app).await, 2);

    // Deleting the status frees its media and drops its history: 24 hours later both go.
    let res = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.state.clock.advance(Duration::from_secs(12 * 3600));
    app.run_jobs().await;
    assert_eq!(
        media_rows(app).await,
        2,
        "a redraft has a day to reuse them"
    );
    app.state.clock.advance(Duration::from_secs(12 * 3600 + 60));
    app.run_jobs().await;
    assert_eq!(media_rows(app).await, 0);
    assert_eq!(fetch(app, &dropped_url).await.status(), 404);
    assert_eq!(
        files_under(&app.data_dir.join("media")),
        0,
        "no orphan file"
    );
}
on_both_backends!(cleanup_and_edit, cleanup_and_edit_media);

/// `DELETE /api/v1/media/:id` (4.4): the caller's unattached upload goes with its files;
/// attached media are refused with Mastodon's 422 and stay; another account's are not found.
async fn delete_uploads(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let png = encode(&gradient(300, 200), ImageFormat::Png);
    let (code, free) = upload(app, &alice, png.clone(), "image/png").await;
    assert_eq!(code, 200, "{free}");
    let (_, held) = upload(app, &alice, png, "image/png").await;
    let (code, posted) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({ "status": "a picture", "media_ids": [held["id"]] }),
        )
        .await;
    assert_eq!(code, 200, "{posted}");
    let media_dir = app.data_dir.join("media");
    let files_before = files_under(&media_dir);
    let delete = |id: &Value, token: &str| {
        let req = app
            .client
            .delete(app.url(&format!("/api/v1/media/{}", id.as_str().expect("id"))))
            .bearer_auth(token);
        async move {
            let res = req.send().await.expect("DELETE");
            let code = res.status().as_u16();
            (code, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // Someone else's upload: not found, and it stays.
    let (code, body) = delete(&free["id"], &bob).await;
    assert_eq!(code, 404, "{body}");
    assert!(body["error"].is_string());
    // Attached to a status: 422 with Mastodon's message; the status keeps it.
    let (code, body) = delete(&held["id"], &alice).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(
        body["error"],
        "Media attachment is currently used by a status"
    );
    let (_, s) = app
        .get_json(
            &format!("/api/v1/statuses/{}", posted["id"].as_str().expect("id")),
            Some(&alice),
        )
        .await;
    assert_eq!(s["media_attachments"][0]["id"], held["id"]);
    assert_eq!(
        fetch(app, held["url"].as_str().expect("url"))
            .await
            .status(),
        200
    );
    assert_eq!(files_under(&media_dir), files_before);

    // Free and the caller's own: gone, with its files.
    let before = media_rows(app).await;
    let (code, body) = delete(&free["id"], &alice).await;
    assert_eq!((code, body), (200, json!({})));
    assert_eq!(media_rows(app).await, before - 1);
    if std::env::var("HERD_TEST_FILE_STORE").as_deref() != Ok("s3") {
        assert_eq!(
            files_under(&media_dir),
            files_before - 2,
            "original and preview"
        );
    }
    assert_eq!(
        fetch(app, free["url"].as_str().expect("url"))
            .await
            .status(),
        404
    );
    let (code, _) = delete(&free["id"], &alice).await;
    assert_eq!(code, 404, "a second delete finds nothing");
    let (code, _) = delete(&json!("not-a-number"), &alice).await;
    assert_eq!(code, 404);
}
on_both_backends!(delete_media, delete_uploads);

/// Files are served with byte ranges (Safari plays no video without them): one range answers
/// 206 with only those bytes, an unsatisfiable one 416 with the length, several ranges or a
/// malformed header the whole file, and `If-Range` applies the range only while the date holds.
/// The CI's `s3` phase runs this against the bucket too (ranged GETs there).
async fn byte_ranges_of_files(app: &common::TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (code, media) = upload(
        app,
        &alice,
        encode(&gradient(300, 200), ImageFormat::Png),
        "image/png",
    )
    .await;
    assert_eq!(code, 200, "{media}");
    let url = media["url"].as_str().expect("url").to_string();
    let get = |range: Option<&str>, if_range: Option<&str>| {
        let mut req = app.client.get(&url);
        if let Some(r) = range {
            req = req.header("Range", r);
        }
        if let Some(v) = if_range {
            req = req.header("If-Range", v);
        }
        async move {
            let res = req.send().await.expect("GET file");
            let code = res.status().as_u16();
            let headers = res.headers().clone();
            let body = res.bytes().await.expect("body").to_vec();
            (code, headers, body)
        }
    };
    let header = |h: &reqwest::header::HeaderMap, name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };

    let (code, h, whole) = get(None, None).await;
    assert_eq!(code, 200);
    assert_eq!(header(&h, "accept-ranges"), "bytes");
    assert_eq!(header(&h, "content-length"), whole.len().to_string());
    assert_eq!(header(&h, "content-type"), "image/png");
    let len = whole.len();
    assert!(len > 100, "a real file");
    let last_modified = header(&h, "last-modified");
    assert!(!last_modified.is_empty());

    // A player's first probe, an open range, a suffix, and an end past the file.
    for (range, from, to) in [
        ("bytes=0-1".to_string(), 0, 1),
        (format!("bytes={}-", len - 10), len - 10, len - 1),
        ("bytes=-7".to_string(), len - 7, len - 1),
        (format!("bytes=50-{}", len + 500), 50, len - 1),
    ] {
        let (code, h, body) = get(Some(&range), None).await;
        assert_eq!(code, 206, "{range}");
        assert_eq!(
            header(&h, "content-range"),
            format!("bytes {from}-{to}/{len}"),
            "{range}"
        );
        assert_eq!(header(&h, "content-length"), (to - from + 1).to_string());
        assert_eq!(header(&h, "content-type"), "image/png");
        assert_eq!(header(&h, "x-content-type-options"), "nosniff");
        assert_eq!(body, whole[from..=to], "{range}");
    }

    // Past the end: 416 with the length, no bytes.
    for range in [format!("bytes={len}-"), "bytes=-0".to_string()] {
        let (code, h, body) = get(Some(&range), None).await;
        assert_eq!(code, 416, "{range}");
        assert_eq!(header(&h, "content-range"), format!("bytes */{len}"));
        assert!(body.is_empty());
    }

    // Several ranges, a malformed header or another unit: the whole file.
    for range in ["bytes=0-1,5-6", "bytes=9-2", "bytes=x-y", "pages=1-2"] {
        let (code, h, body) = get(Some(range), None).await;
        assert_eq!(code, 200, "{range}");
        assert!(h.get("content-range").is_none());
        assert_eq!(body, whole, "{range}");
    }

    // If-Range: the file's own date keeps the range; another date or an entity tag does not.
    let (code, _, body) = get(Some("bytes=2-5"), Some(&last_modified)).await;
    assert_eq!((code, body.as_slice()), (206, &whole[2..=5]));
    for stale in ["Tue, 01 Jan 2019 00:00:00 GMT", "\"some-etag\""] {
        let (code, _, body) = get(Some("bytes=2-5"), Some(stale)).await;
        assert_eq!(code, 200, "{stale}");
        assert_eq!(body, whole);
    }

    // The preview is served the same way; a missing file is still not found.
    let preview = media["preview_url"].as_str().expect("preview_url");
    let res = app
        .client
        .get(preview)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .expect("GET preview");
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(
        res.bytes().await.expect("body").len(),
        4,
        "only the asked bytes"
    );
    let missing = url.replace("original", "nothing");
    let res = app
        .client
        .get(&missing)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .expect("GET missing");
    assert_eq!(res.status().as_u16(), 404);
}
on_both_backends!(byte_ranges, byte_ranges_of_files);
