//! The file store over HTTP: media uploaded through the API land in an S3-protocol bucket and
//! are read back through Herd and at HERD_MEDIA_PUBLIC_URL; receipts stay private (served by
//! Herd to those allowed only); a store that does not answer refuses uploads with a 503 and
//! writes no row; `herd media migrate-to-s3` copies a local instance into a bucket and resumes;
//! `herd backup` / `herd restore` bring a SQLite instance back with its media.
//!
//! The S3 tests need an S3-protocol server: `.ci/s3.sh` starts moto's and sets
//! HERD_TEST_S3_URL; without it they print why they are skipped (HERD_TEST_REQUIRE_S3=1 makes
//! that a failure, as .ci/run does).

mod common;

use std::process::Command;

use common::{Backend, TestApp};
use herd::config::{Config, StoreKind};
use serde_json::Value;

const PW: &str = "correct horse battery";

/// The S3 endpoint and a fresh bucket on it, or `None` (printed) when there is no server.
async fn s3_bucket() -> Option<(String, String)> {
    let Ok(endpoint) = std::env::var("HERD_TEST_S3_URL") else {
        if std::env::var("HERD_TEST_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("HERD_TEST_REQUIRE_S3=1 but HERD_TEST_S3_URL is not set");
        }
        eprintln!("skipping: HERD_TEST_S3_URL is not set (.ci/s3.sh starts moto and sets it)");
        return None;
    };
    let endpoint = endpoint.trim_end_matches('/').to_string();
    let bucket = format!("herd-test-{}", uuid::Uuid::new_v4().simple());
    // moto creates a bucket on an unsigned PUT.
    let res = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create the test bucket");
    assert!(res.status().is_success(), "create bucket: {}", res.status());
    // As an operator would (docs/operating.md#files): only media/ is public.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/media/*"),
        }],
    });
    let res = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}?policy"))
        .json(&policy)
        .send()
        .await
        .expect("set the bucket policy");
    assert!(res.status().is_success(), "bucket policy: {}", res.status());
    Some((endpoint, bucket))
}

fn use_s3(config: &mut Config, endpoint: &str, bucket: &str, public: bool) {
    config.media.store = StoreKind::S3;
    config.media.s3.endpoint = endpoint.to_string();
    config.media.s3.bucket = bucket.to_string();
    config.media.s3.path_style = true;
    config.media.s3.access_key_id = "test".into();
    config.media.s3.secret_access_key = "test".into();
    if public {
        config.media.public_url = format!("{endpoint}/{bucket}");
    }
}

fn png() -> Vec<u8> {
    common::images::gradient(40, 30, image::ImageFormat::Png)
}

async fn upload(app: &TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("a.png")
            .mime_str("image/png")
            .unwrap(),
    );
    app.client
        .post(app.url("/api/v2/media"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn submit_expense(app: &TestApp, token: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("amount", "12345")
        .text("currency", "EUR")
        .text("description", "Domain renewal")
        .text("category", "software")
        .part(
            "receipts[]",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec())
                .file_name("invoice.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    app.client
        .post(app.url("/api/v1/coop/expenses"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn media_and_receipts_in_the_bucket(backend: Backend) {
    let Some((endpoint, bucket)) = s3_bucket().await else {
        return;
    };
    let Some(app) = TestApp::spawn_with(backend, |c| use_s3(c, &endpoint, &bucket, true)).await
    else {
        return;
    };
    app.create_user_with("alice", PW, None, true).await;
    let alice = app.login("alice", PW, "read write").await;
    let original = png();
    let res = upload(&app, &alice, original.clone()).await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    let url = m["url"].as_str().unwrap().to_string();
    let public_base = format!("{endpoint}/{bucket}/media/");
    assert!(
        url.starts_with(&public_base),
        "{url} is under {public_base}"
    );
    let key = url.trim_start_matches(&public_base).to_string();
    assert!(
        m["preview_url"].as_str().unwrap().starts_with(&public_base),
        "{m}"
    );

    // Read back at the public URL (straight from the bucket) and through Herd.
    let direct = reqwest::get(&url).await.unwrap();
    assert_eq!(direct.status(), 200);
    let direct = direct.bytes().await.unwrap();
    let through = app
        .client
        .get(app.url(&format!("/system/media/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(through.status(), 200);
    assert_eq!(through.headers()["content-type"], "image/png");
    assert_eq!(
        through.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(through.bytes().await.unwrap(), direct);
    assert!(
        !app.data_dir.join("media").exists(),
        "nothing written to the node's disk"
    );

    // A post shows it; deleting the post and sweeping is not needed here: the file is shared.
    let (s, status) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            serde_json::json!({ "status": "a picture", "media_ids": [m["id"]] }),
        )
        .await;
    assert_eq!(s, 200, "{status}");
    assert_eq!(status["media_attachments"][0]["url"], url.as_str());

    // An avatar goes to the bucket too, and is shown at its public URL.
    let form = reqwest::multipart::Form::new().part(
        "avatar",
        reqwest::multipart::Part::bytes(png())
            .file_name("me.png")
            .mime_str("image/png")
            .unwrap(),
    );
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
    let avatar = me["avatar"].as_str().unwrap();
    assert!(avatar.starts_with(&public_base), "{avatar}");
    assert_eq!(reqwest::get(avatar).await.unwrap().status(), 200);

    // A receipt: in the bucket, but only Herd serves it, to those allowed.
    app.create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    app.create_user_with("bob", PW, None, true).await;
    let tess = app.login("tess", PW, "read write").await;
    let bob = app.login("bob", PW, "read write").await;
    let res = submit_expense(&app, &alice).await;
    assert_eq!(res.status(), 200);
    let e: Value = res.json().await.unwrap();
    let receipt = e["receipts"][0]["url"].as_str().unwrap().to_string();
    assert!(
        receipt.starts_with(&app.base),
        "{receipt} is served by Herd"
    );
    assert!(!receipt.starts_with(&endpoint));
    for (token, want) in [(&alice, 200), (&tess, 200), (&bob, 403)] {
        let r = app
            .client
            .get(&receipt)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), want);
        if want == 200 {
            assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 receipt");
        }
    }
    let anonymous = app.client.get(&receipt).send().await.unwrap();
    assert!(
        anonymous.status().is_client_error(),
        "{}",
        anonymous.status()
    );
    assert!(!app.data_dir.join("receipts").exists());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_and_receipts_in_the_bucket_sqlite() {
    media_and_receipts_in_the_bucket(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_and_receipts_in_the_bucket_postgres() {
    media_and_receipts_in_the_bucket(Backend::Postgres).await;
}

/// An S3 endpoint where nothing listens: uploads answer 503 and leave no row behind.
async fn store_down_refuses_uploads(backend: Backend) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let Some(app) = TestApp::spawn_with(backend, |c| use_s3(c, &endpoint, "down", false)).await
    else {
        return;
    };
    app.create_user_with("alice", PW, None, true).await;
    let alice = app.login("alice", PW, "read write").await;
    let res = upload(&app, &alice, png()).await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("file store"),
        "{body}"
    );
    assert_eq!(count(&app, "media_attachments").await, 0);

    let res = submit_expense(&app, &alice).await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(count(&app, "expenses").await, 0);
    assert_eq!(count(&app, "expense_receipts").await, 0);

    // Reads degrade with a clear error too.
    let r = app
        .client
        .get(app.url("/system/media/abc/original.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_down_refuses_uploads_sqlite() {
    store_down_refuses_uploads(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_down_refuses_uploads_postgres() {
    store_down_refuses_uploads(Backend::Postgres).await;
}

fn herd(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_herd"));
    for (k, _) in std::env::vars() {
        if k.starts_with("HERD_") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.env("HERD_DATA_DIR", data_dir).env("RUST_LOG", "error");
    cmd
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run herd");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{cmd:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_to_s3_copies_and_resumes() {
    let Some((endpoint, bucket)) = s3_bucket().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.create_user_with("alice", PW, None, true).await;
    let alice = app.login("alice", PW, "read write").await;
    let res = upload(&app, &alice, png()).await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    let key = m["url"]
        .as_str()
        .unwrap()
        .rsplit_once("/system/media/")
        .unwrap()
        .1
        .to_string();
    assert_eq!(submit_expense(&app, &alice).await.status(), 200);
    let migrate = |data_dir: &std::path::Path| {
        let mut cmd = herd(data_dir);
        cmd.args(["media", "migrate-to-s3"])
            .env("HERD_S3_ENDPOINT", &endpoint)
            .env("HERD_S3_BUCKET", &bucket)
            .env("HERD_S3_PATH_STYLE", "true")
            .env("HERD_S3_ACCESS_KEY_ID", "test")
            .env("HERD_S3_SECRET_ACCESS_KEY", "test");
        run(&mut cmd)
    };
    // Original, thumbnail and the receipt.
    let first = migrate(&app.data_dir);
    assert!(first.contains("copied 3 files"), "{first}");
    let again = migrate(&app.data_dir);
    assert!(again.contains("copied 0 files"), "{again}");
    assert!(again.contains("3 were already there"), "{again}");
    let local = std::fs::read(app.data_dir.join("media").join(&key)).unwrap();
    let remote = reqwest::get(format!("{endpoint}/{bucket}/media/{key}"))
        .await
        .unwrap();
    assert_eq!(remote.status(), 200);
    assert_eq!(remote.bytes().await.unwrap().as_ref(), local.as_slice());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_bring_back_a_post_with_its_media() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.create_user_with("alice", PW, None, true).await;
    let alice = app.login("alice", PW, "read write").await;
    let original = png();
    let res = upload(&app, &alice, original).await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    let (s, status) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            serde_json::json!({ "status": "kept safe", "media_ids": [m["id"]] }),
        )
        .await;
    assert_eq!(s, 200, "{status}");
    let served = app
        .client
        .get(m["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    // Backed up while the server runs, then restored into a fresh directory.
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("backup");
    let out = run(herd(&app.data_dir).arg("backup").arg(&backup));
    assert!(out.contains("backed up the database"), "{out}");
    let fresh = scratch.path().join("fresh");
    let out = run(herd(&fresh).arg("restore").arg(&backup));
    assert!(out.contains("restored the database"), "{out}");
    // Restoring over an instance is refused.
    let refused = herd(&fresh).arg("restore").arg(&backup).output().unwrap();
    assert!(!refused.status.success());
    let id = status["id"].as_str().unwrap().to_string();
    app.stop().await;

    let fresh_dir = fresh.clone();
    let restored = TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.database_url = format!("sqlite://{}/herd.db", fresh_dir.display());
        c.data_dir = fresh_dir;
    })
    .await
    .unwrap();
    let alice = restored.login("alice", PW, "read write").await;
    let (s, again) = restored
        .get_json(&format!("/api/v1/statuses/{id}"), Some(&alice))
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["content"], status["content"]);
    let url = again["media_attachments"][0]["url"].as_str().unwrap();
    assert!(url.starts_with(&restored.base), "{url}");
    let res = restored.client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), served);
    restored.stop().await;
}
