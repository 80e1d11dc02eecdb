//! Video and audio over HTTP: each accepted container made by ffmpeg here (MP4, WebM, MOV;
//! MP3, OGG, WAV, M4A, FLAC) uploaded, answered 202 with no URL, processed by its job, then
//! ready with Mastodon's meta (size, frame rate, duration, bitrate) and a preview frame; an
//! animated GIF becomes `gifv`; refused codecs, containers and sizes are 422s that write
//! nothing; unattached uploads are deleted; the page shows native players; without ffmpeg a
//! file is kept as sent; a video travels between two Herds both ways.
//!
//! The fixtures need Debian's ffmpeg: without it these tests print why they skip, unless
//! HERD_TEST_REQUIRE_FFMPEG=1 (CI), which makes its absence a failure.

mod common;

use std::process::Command;

use common::federation::settle;
use common::{Backend, TestApp};
use serde_json::{json, Value};

fn ffmpeg_present() -> bool {
    let found = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("HERD_TEST_REQUIRE_FFMPEG").as_deref() != Ok("1"),
            "HERD_TEST_REQUIRE_FFMPEG=1 but ffmpeg is not installed"
        );
        eprintln!("skipped: ffmpeg is not installed (apt-get install ffmpeg) to make the fixtures");
    }
    found
}

/// A file made by ffmpeg from its test sources: `inputs` then `output` arguments.
fn make(ext: &str, args: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join(format!("fixture.{ext}"));
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-y"]).args(args).arg(&out);
    let done = cmd.output().expect("ffmpeg runs");
    assert!(
        done.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    std::fs::read(&out).expect("fixture")
}

const PICTURE: &[&str] = &["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10"];
const SOUND: &[&str] = &["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"];

fn video(ext: &str, codecs: &[&str]) -> Vec<u8> {
    let mut args: Vec<&str> = PICTURE.iter().chain(SOUND).copied().collect();
    args.extend(["-t", "1", "-pix_fmt", "yuv420p"]);
    args.extend(codecs);
    make(ext, &args)
}

fn audio(ext: &str, seconds: &str, codecs: &[&str]) -> Vec<u8> {
    let mut args: Vec<&str> = SOUND.to_vec();
    args.extend(["-t", seconds]);
    args.extend(codecs);
    make(ext, &args)
}

fn animated_gif() -> Vec<u8> {
    make(
        "gif",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=32x32:rate=5",
            "-t",
            "1",
            "-f",
            "gif",
        ],
    )
}

fn mp4() -> Vec<u8> {
    video("mp4", &["-c:v", "libx264", "-c:a", "aac"])
}

async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("upload.bin")
        .mime_str(mime)
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("description", "a test signal");
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

/// Uploads through v2, checks the 202 and the 206 while processing, runs the job, and
/// returns the ready entity (200).
async fn upload_ready(app: &TestApp, token: &str, bytes: Vec<u8>, mime: &str) -> Value {
    let (s, m) = upload(app, "/api/v2/media", token, bytes, mime).await;
    assert_eq!(s, 202, "{m}");
    assert_eq!(m["url"], Value::Null, "{m}");
    assert_eq!(m["preview_url"], Value::Null, "{m}");
    let id = m["id"].as_str().expect("id");
    let (s, again) = app
        .get_json(&format!("/api/v1/media/{id}"), Some(token))
        .await;
    assert_eq!(s, 206, "{again}");
    assert_eq!(again["url"], Value::Null);
    app.run_jobs().await;
    let (s, ready) = app
        .get_json(&format!("/api/v1/media/{id}"), Some(token))
        .await;
    assert_eq!(s, 200, "{ready}");
    assert!(ready["url"].is_string(), "{ready}");
    assert_eq!(ready["description"], "a test signal");
    ready
}

async fn fetch(app: &TestApp, url: &str) -> (u16, String, usize) {
    let res = app.client.get(url).send().await.expect("GET file");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let len = res.bytes().await.map(|b| b.len()).unwrap_or(0);
    (status, ct, len)
}

async fn media_rows(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM media_attachments")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

fn close(v: &Value, want: f64, slack: f64) -> bool {
    v.as_f64().is_some_and(|f| (f - want).abs() <= slack)
}

/// Audio files over 64 KB are refused (the 1 s WAV is 88 KB), so the limit is seen.
fn small_audio_limit(c: &mut herd::config::Config) {
    c.limits.audio_size_limit = 64 * 1024;
}

async fn accepted_types(app: &TestApp) {
    if !ffmpeg_present() {
        return;
    }
    let (_, alice) = app.user_with_token("alice").await;

    // Videos: MP4 (H.264/AAC), WebM (VP8/Vorbis), MOV (H.264/AAC). The declared type is
    // deliberately wrong: the bytes decide.
    let videos = [
        (mp4(), "video/mp4", "mp4"),
        (
            video("webm", &["-c:v", "libvpx", "-c:a", "libvorbis"]),
            "video/webm",
            "webm",
        ),
        (
            video("mov", &["-c:v", "libx264", "-c:a", "aac", "-f", "mov"]),
            "video/quicktime",
            "mov",
        ),
    ];
    for (bytes, served, ext) in videos {
        let size = bytes.len();
        let m = upload_ready(app, &alice, bytes, "application/octet-stream").await;
        assert_eq!(m["type"], "video", "{ext}: {m}");
        let meta = &m["meta"];
        assert_eq!(meta["width"], 64, "{ext}: {m}");
        assert_eq!(meta["height"], 48, "{ext}: {m}");
        assert_eq!(meta["size"], "64x48", "{ext}: {m}");
        assert_eq!(meta["fps"], 10, "{ext}: {m}");
        assert_eq!(meta["original"]["frame_rate"], "10/1", "{ext}: {m}");
        assert!(close(&meta["original"]["duration"], 1.0, 0.2), "{ext}: {m}");
        assert!(close(&meta["duration"], 1.0, 0.2), "{ext}: {m}");
        assert!(
            meta["length"]
                .as_str()
                .is_some_and(|l| l.starts_with("0:00:0")),
            "{m}"
        );
        assert!(
            meta["original"]["bitrate"].as_i64().is_some_and(|b| b > 0),
            "{m}"
        );
        assert!(meta["audio_encode"].is_string(), "{ext}: {m}");
        assert_eq!(meta["audio_bitrate"], "44100 Hz", "{ext}: {m}");
        assert!(m["blurhash"].as_str().is_some_and(|b| b.len() > 6), "{m}");
        let url = m["url"].as_str().expect("url");
        assert!(url.ends_with(&format!(".{ext}")), "{url}");
        assert_eq!(fetch(app, url).await, (200, served.to_string(), size));
        let preview = m["preview_url"].as_str().expect("a preview frame");
        let (s, ct, _) = fetch(app, preview).await;
        assert_eq!((s, ct.as_str()), (200, "image/png"), "{preview}");
        assert_eq!(meta["small"]["width"], 64, "{m}");
    }

    // Audio: MP3, OGG (Vorbis), WAV (PCM), M4A (AAC), FLAC.
    let sounds = [
        (
            audio("mp3", "1", &["-c:a", "libmp3lame"]),
            "audio/mpeg",
            "mp3",
            "mp3",
        ),
        (
            audio("ogg", "1", &["-c:a", "libvorbis"]),
            "audio/ogg",
            "ogg",
            "vorbis",
        ),
        (
            audio("wav", "0.5", &["-c:a", "pcm_s16le"]),
            "audio/wav",
            "wav",
            "pcm_s16le",
        ),
        (
            audio("m4a", "1", &["-c:a", "aac", "-f", "ipod"]),
            "audio/mp4",
            "m4a",
            "aac",
        ),
        (
            audio("flac", "1", &["-c:a", "flac"]),
            "audio/flac",
            "flac",
            "flac",
        ),
    ];
    for (bytes, served, ext, codec) in sounds {
        let size = bytes.len();
        let m = upload_ready(app, &alice, bytes, "video/mp4").await;
        assert_eq!(m["type"], "audio", "{ext}: {m}");
        let meta = &m["meta"];
        assert_eq!(meta["audio_encode"], codec, "{ext}: {m}");
        assert_eq!(meta["audio_channels"], "mono", "{ext}: {m}");
        assert!(
            meta["original"]["duration"]
                .as_f64()
                .is_some_and(|d| d > 0.3),
            "{ext}: {m}"
        );
        assert!(
            meta["original"]["width"].is_null(),
            "sound has no picture: {m}"
        );
        assert_eq!(m["preview_url"], Value::Null, "{ext}: {m}");
        let url = m["url"].as_str().expect("url");
        assert!(url.ends_with(&format!(".{ext}")), "{url}");
        assert_eq!(fetch(app, url).await, (200, served.to_string(), size));
    }

    // An animated GIF becomes an MP4 played as `gifv`; the GIF itself is not kept.
    let m = upload_ready(app, &alice, animated_gif(), "image/gif").await;
    assert_eq!(m["type"], "gifv", "{m}");
    assert_eq!(m["meta"]["width"], 32, "{m}");
    assert_eq!(m["meta"]["fps"], 5, "{m}");
    let url = m["url"].as_str().expect("url");
    assert!(url.ends_with("/original.mp4"), "{url}");
    let (s, ct, _) = fetch(app, url).await;
    assert_eq!((s, ct.as_str()), (200, "video/mp4"));
    assert!(m["preview_url"].is_string(), "{m}");

    // v1 answers when processing is done: 200 with the URL at once.
    let (s, m) = upload(app, "/api/v1/media", &alice, mp4(), "video/mp4").await;
    assert_eq!(s, 200, "{m}");
    assert!(m["url"].is_string() && m["preview_url"].is_string(), "{m}");
    assert_eq!(m["meta"]["fps"], 10);

    // A status cannot take an upload still processing (Mastodon's 422), then can.
    let (s, pending) = upload(app, "/api/v2/media", &alice, mp4(), "video/mp4").await;
    assert_eq!(s, 202);
    let (s, e) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "too soon", "media_ids": [pending["id"]]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(
        e["error"]
            .as_str()
            .is_some_and(|t| t.contains("finished processing")),
        "{e}"
    );
    app.run_jobs().await;
    let (s, posted) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "a clip", "media_ids": [pending["id"]], "sensitive": true}),
        )
        .await;
    assert_eq!(s, 200, "{posted}");
    assert_eq!(posted["media_attachments"][0]["type"], "video");
    assert_eq!(posted["media_attachments"][0]["meta"]["fps"], 10);

    // The page plays it with the browser's own controls, never by itself, behind the
    // sensitive-media cover, its description as its label.
    let id = posted["id"].as_str().expect("id");
    let (s, html) = common::web::page(&app.client, &app.url(&format!("/@alice/{id}"))).await;
    assert_eq!(s, 200);
    let player = html
        .find("<video")
        .map(|at| &html[at..])
        .expect("a video player");
    let tag = &player[..player.find('>').expect("tag end")];
    assert!(tag.contains(" controls"), "{tag}");
    assert!(!tag.contains("autoplay"), "{tag}");
    assert!(tag.contains("aria-label=\"a test signal\""), "{tag}");
    assert!(tag.contains("poster=\""), "{tag}");
    assert!(
        html.contains("class=\"media sensitive\""),
        "blurred until shown"
    );

    // Deleting: an attached video is refused, an unattached one goes with its files.
    let attached = posted["media_attachments"][0]["id"].as_str().expect("id");
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/media/{attached}")))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 422);
    let free = upload_ready(app, &alice, mp4(), "video/mp4").await;
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/media/{}",
            free["id"].as_str().expect("id")
        )))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(fetch(app, free["url"].as_str().expect("url")).await.0, 404);
    assert_eq!(
        fetch(app, free["preview_url"].as_str().expect("preview"))
            .await
            .0,
        404
    );
}

on_both_backends!(accepted, accepted_types, small_audio_limit);

async fn refused_uploads(app: &TestApp) {
    if !ffmpeg_present() {
        return;
    }
    let (_, alice) = app.user_with_token("alice").await;
    let before = media_rows(app).await;
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        // An accepted container holding a codec that is not: Motion JPEG in a MOV.
        (
            make(
                "mov",
                &[PICTURE, &["-t", "1", "-c:v", "mjpeg", "-f", "mov"]].concat(),
            ),
            "video/quicktime",
            "video codec mjpeg is not accepted",
        ),
        // Containers that are not accepted, whatever they hold or claim.
        (
            make("avi", &[PICTURE, &["-t", "1", "-c:v", "mjpeg"]].concat()),
            "video/mp4",
            "content type is invalid",
        ),
        (
            make("mkv", &[PICTURE, &["-t", "1", "-c:v", "libx264"]].concat()),
            "video/webm",
            "content type is invalid",
        ),
        (
            b"\0\0\0\x18ftypisom not really".to_vec(),
            "video/mp4",
            "could not be processed",
        ),
        (
            b"hello, not a video at all".to_vec(),
            "video/mp4",
            "content type is invalid",
        ),
        // Over the audio limit (64 KB here): the 422 names it.
        (
            audio("wav", "1", &["-c:a", "pcm_s16le"]),
            "audio/wav",
            "file size must be less than 64 KB",
        ),
    ];
    for (bytes, mime, needle) in cases {
        let (s, e) = upload(app, "/api/v2/media", &alice, bytes, mime).await;
        assert_eq!(s, 422, "{needle}: {e}");
        assert!(
            e["error"].as_str().is_some_and(|t| t.contains(needle)),
            "{needle}: {e}"
        );
    }
    assert_eq!(media_rows(app).await, before, "nothing half-written");
    let media_dir = app.data_dir.join("media");
    let files = std::fs::read_dir(&media_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0, "no file left behind");
    // The instance tells apps what it takes.
    let (_, instance) = app.get_json("/api/v2/instance", None).await;
    let conf = &instance["configuration"]["media_attachments"];
    assert_eq!(conf["video_size_limit"], 99 * 1024 * 1024, "{conf}");
    let types = conf["supported_mime_types"].as_array().expect("types");
    for t in [
        "video/mp4",
        "video/webm",
        "video/quicktime",
        "audio/mpeg",
        "audio/flac",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} in {conf}");
    }
}

on_both_backends!(refused, refused_uploads, small_audio_limit);

fn without_ffmpeg(c: &mut herd::config::Config) {
    c.media.ffmpeg = false;
}

/// `media.ffmpeg = false` stands for a host without ffmpeg: files of an accepted container
/// are kept as sent, with no metadata and no preview; GIFs stay still images.
async fn kept_as_sent(app: &TestApp) {
    if !ffmpeg_present() {
        return;
    }
    let (_, alice) = app.user_with_token("alice").await;
    let bytes = mp4();
    let size = bytes.len();
    let m = upload_ready(app, &alice, bytes, "video/mp4").await;
    assert_eq!(m["type"], "video");
    assert_eq!(m["preview_url"], Value::Null);
    assert!(m["meta"]["fps"].is_null(), "{m}");
    assert_eq!(
        fetch(app, m["url"].as_str().expect("url")).await,
        (200, "video/mp4".to_string(), size)
    );
    let m = upload_ready(
        app,
        &alice,
        audio("flac", "1", &["-c:a", "flac"]),
        "audio/flac",
    )
    .await;
    assert_eq!(m["type"], "audio");
    let (s, m) = upload(app, "/api/v2/media", &alice, animated_gif(), "image/gif").await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["type"], "image");
    let (s, e) = upload(
        app,
        "/api/v2/media",
        &alice,
        b"hello".repeat(10),
        "video/mp4",
    )
    .await;
    assert_eq!(s, 422, "{e}");
}

on_both_backends!(no_ffmpeg, kept_as_sent, without_ffmpeg);

async fn bobs_copy(b: &TestApp, bob: &str, needle: &str) -> Value {
    let (status, home) = b.get_json("/api/v1/timelines/home", Some(bob)).await;
    assert_eq!(status, 200, "{home}");
    home.as_array()
        .expect("array")
        .iter()
        .find(|s| s["content"].as_str().is_some_and(|c| c.contains(needle)))
        .cloned()
        .unwrap_or_else(|| panic!("{needle} not in the home timeline: {home}"))
}

/// `poster` on `from` posts a video; `reader` on `to`, who follows them, gets it as a
/// remote video referenced at its origin, with its size and preview frame.
async fn video_travels(from: &TestApp, poster: &str, to: &TestApp, reader: &str, text: &str) {
    let m = upload_ready(from, poster, mp4(), "video/mp4").await;
    let (status, posted) = from
        .post_json(
            "/api/v1/statuses",
            poster,
            json!({"status": text, "media_ids": [m["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    settle(from, to).await;
    let copy = bobs_copy(to, reader, text).await;
    let got = &copy["media_attachments"][0];
    assert_eq!(got["type"], "video", "{copy}");
    assert_eq!(got["url"], m["url"], "referenced at its origin");
    assert_eq!(got["remote_url"], m["url"]);
    assert_eq!(got["description"], "a test signal");
    assert_eq!(got["meta"]["original"]["width"], 64, "{got}");
    assert_eq!(got["meta"]["original"]["height"], 48, "{got}");
    assert_eq!(
        got["preview_url"], m["preview_url"],
        "the origin's frame: {got}"
    );
    assert_eq!(got["blurhash"], m["blurhash"]);
    let (s, ct, _) = fetch(to, got["url"].as_str().expect("url")).await;
    assert_eq!((s, ct.as_str()), (200, "video/mp4"));
    // The reader's page plays it.
    let id = copy["id"].as_str().expect("id");
    let (_, body) = to
        .get_json(&format!("/api/v1/statuses/{id}"), Some(reader))
        .await;
    assert_eq!(body["media_attachments"][0]["type"], "video");
}

async fn federation(backend: Backend) {
    if !ffmpeg_present() {
        return;
    }
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let follow = |app: &TestApp, token: String, acct: String| {
        let app_url = app.url(&format!("/api/v1/accounts/lookup?acct={acct}"));
        let client = app.client.clone();
        let base = app.url("");
        async move {
            let res = client
                .get(&app_url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("lookup");
            let found: Value = res.json().await.expect("account");
            let id = found["id"].as_str().expect("id").to_string();
            let res = client
                .post(format!("{base}/api/v1/accounts/{id}/follow"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .expect("follow");
            assert_eq!(res.status().as_u16(), 200);
        }
    };
    let (da, db) = (a.state.config.domain.clone(), b.state.config.domain.clone());
    follow(&b, bob.clone(), format!("alice@{da}")).await;
    follow(&a, alice.clone(), format!("bob@{db}")).await;
    settle(&a, &b).await;
    video_travels(&a, &alice, &b, &bob, "a clip from A").await;
    video_travels(&b, &bob, &a, &alice, "a clip from B").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_federates_both_ways_sqlite() {
    federation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_federates_both_ways_postgres() {
    federation(Backend::Postgres).await;
}
