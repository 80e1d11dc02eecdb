//! Avatars and headers: uploaded through `update_credentials` (multipart), cropped and scaled
//! as Mastodon's (400×400, 1500×500), served from the media store, shown on every Account
//! entity and in the actor document; replacing removes the old file, `DELETE /api/v1/profile/…`
//! resets to missing.png, bad uploads write nothing; a second instance shows the first one's
//! URLs after the follow and after the Update(Person) a change sends.

mod common;

use common::federation::settle;

use common::{Backend, TestApp};
use image::ImageFormat;
use serde_json::{json, Value};

/// `PATCH /api/v1/accounts/update_credentials` with files (field, bytes, mime) and text fields.
async fn patch_profile(
    app: &TestApp,
    token: &str,
    files: Vec<(&'static str, Vec<u8>, &'static str)>,
    text: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (field, bytes, mime) in files {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(format!("{field}.bin"))
            .mime_str(mime)
            .expect("mime");
        form = form.part(field, part);
    }
    for (k, v) in text {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("patch");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let res = app
        .client
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("delete");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Fetches a served image: its content type and decoded size.
async fn served(app: &TestApp, url: &str) -> (String, u32, u32) {
    let res = app.client.get(url).send().await.expect("fetch");
    assert_eq!(res.status().as_u16(), 200, "{url}");
    let ctype = res.headers()["content-type"]
        .to_str()
        .expect("ctype")
        .to_string();
    let bytes = res.bytes().await.expect("bytes");
    let img = image::load_from_memory(&bytes).expect("an image");
    (ctype, img.width(), img.height())
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                files_under(&p)
            } else {
                1
            }
        })
        .sum()
}

async fn actor_doc(app: &TestApp, username: &str) -> Value {
    let res = app
        .client
        .get(app.url(&format!("/users/{username}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor");
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json")
}

async fn upload_replace_reset(app: &TestApp) {
    let (id, alice) = app.user_with_token("alice").await;
    let media_dir = app.data_dir.join("media");
    let base = app.url("");

    // Both files and a text field in one multipart PATCH.
    let (status, me) = patch_profile(
        app,
        &alice,
        vec![
            (
                "avatar",
                common::images::gradient(800, 600, ImageFormat::Png),
                "image/png",
            ),
            (
                "header",
                common::images::gradient(3000, 1500, ImageFormat::Jpeg),
                "image/jpeg",
            ),
        ],
        &[("display_name", "Alice A.")],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["display_name"], "Alice A.");
    let avatar = me["avatar"].as_str().expect("avatar").to_string();
    let header = me["header"].as_str().expect("header").to_string();
    assert!(
        avatar.starts_with(&format!("{base}/system/media/")),
        "{avatar}"
    );
    assert!(
        header.starts_with(&format!("{base}/system/media/")),
        "{header}"
    );
    assert_eq!(me["avatar_static"], avatar.as_str());
    assert_eq!(me["header_static"], header.as_str());
    assert_eq!(files_under(&media_dir), 2);

    // Every view of the account shows them.
    let (_, verified) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    assert_eq!(verified["avatar"], avatar.as_str());
    assert_eq!(verified["header"], header.as_str());
    let (_, public) = app.get_json(&format!("/api/v1/accounts/{id}"), None).await;
    assert_eq!(public["avatar"], avatar.as_str());
    assert_eq!(public["header_static"], header.as_str());
    let (status, posted) = app
        .post_json("/api/v1/statuses", &alice, json!({"status": "new face"}))
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["account"]["avatar"], avatar.as_str());

    // Cropped and scaled as Mastodon's: 400×400 and 1500×500.
    assert_eq!(
        served(app, &avatar).await,
        ("image/png".to_string(), 400, 400)
    );
    assert_eq!(
        served(app, &header).await,
        ("image/jpeg".to_string(), 1500, 500)
    );

    // The actor document carries them.
    let doc = actor_doc(app, "alice").await;
    assert_eq!(doc["icon"]["type"], "Image");
    assert_eq!(doc["icon"]["mediaType"], "image/png");
    assert_eq!(doc["icon"]["url"], avatar.as_str());
    assert_eq!(doc["image"]["mediaType"], "image/jpeg");
    assert_eq!(doc["image"]["url"], header.as_str());

    // Replacing the avatar (a GIF, kept as a PNG still) removes the old file.
    let (status, me) = patch_profile(
        app,
        &alice,
        vec![(
            "avatar",
            common::images::gradient(120, 90, ImageFormat::Gif),
            "image/gif",
        )],
        &[],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    let avatar2 = me["avatar"].as_str().expect("avatar").to_string();
    assert_ne!(avatar2, avatar);
    assert_eq!(me["header"], header.as_str(), "the header stays");
    assert_eq!(
        served(app, &avatar2).await,
        ("image/png".to_string(), 90, 90)
    );
    assert_eq!(
        app.client
            .get(&avatar)
            .send()
            .await
            .expect("old")
            .status()
            .as_u16(),
        404
    );
    assert_eq!(files_under(&media_dir), 2);

    // DELETE resets to the defaults and removes the files.
    let (status, me) = delete(app, "/api/v1/profile/avatar", &alice).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["avatar"], format!("{base}/avatars/original/missing.png"));
    assert_eq!(
        me["avatar_static"],
        format!("{base}/avatars/original/missing.png")
    );
    assert_eq!(me["header"], header.as_str());
    assert!(me["source"].is_object(), "a CredentialAccount: {me}");
    assert_eq!(files_under(&media_dir), 1);
    assert!(actor_doc(app, "alice").await.get("icon").is_none());
    let (status, me) = delete(app, "/api/v1/profile/header", &alice).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["header"], format!("{base}/headers/original/missing.png"));
    assert_eq!(files_under(&media_dir), 0);
    // Again: nothing to remove, still fine.
    let (status, _) = delete(app, "/api/v1/profile/header", &alice).await;
    assert_eq!(status, 200);
    let res = app
        .client
        .get(format!("{base}/avatars/original/missing.png"))
        .send()
        .await
        .expect("missing.png");
    assert_eq!(res.status().as_u16(), 200);

    // Without a token, or with a read-only one: refused.
    assert_eq!(
        app.client
            .delete(app.url("/api/v1/profile/avatar"))
            .send()
            .await
            .expect("anon")
            .status()
            .as_u16(),
        401
    );
}

on_both_backends!(upload_replace_and_reset, upload_replace_reset);

async fn bad_uploads_write_nothing(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let media_dir = app.data_dir.join("media");
    let (status, me) = patch_profile(
        app,
        &alice,
        vec![(
            "avatar",
            common::images::gradient(64, 64, ImageFormat::Png),
            "image/png",
        )],
        &[],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    let avatar = me["avatar"].clone();
    assert_eq!(files_under(&media_dir), 1);

    let cases: Vec<(&'static str, Vec<u8>, &'static str, &'static str)> = vec![
        (
            "avatar",
            b"%PDF-1.4 not a picture".to_vec(),
            "image/png",
            "Validation failed: Avatar content type is invalid",
        ),
        (
            "header",
            common::images::png_bomb(),
            "image/png",
            "Validation failed: Header dimensions 100000x100000 are too large",
        ),
        (
            "avatar",
            // Larger than the configured limit (200 KB here).
            vec![0x89; 300_000],
            "image/png",
            "Validation failed: Avatar file size must be less than",
        ),
        (
            "avatar",
            {
                let mut truncated = common::images::gradient(200, 200, ImageFormat::Png);
                truncated.truncate(truncated.len() / 2);
                truncated
            },
            "image/png",
            "Validation failed: Avatar could not be processed",
        ),
    ];
    for (field, bytes, mime, message) in cases {
        // A good header alongside a bad avatar (or the reverse) is not kept either.
        let other = if field == "avatar" {
            "header"
        } else {
            "avatar"
        };
        let (status, body) = patch_profile(
            app,
            &alice,
            vec![
                (
                    other,
                    common::images::gradient(50, 50, ImageFormat::Png),
                    "image/png",
                ),
                (field, bytes, mime),
            ],
            &[("display_name", "Changed")],
        )
        .await;
        assert_eq!(status, 422, "{message}: {body}");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with(message)),
            "{message}: {body}"
        );
        assert_eq!(files_under(&media_dir), 1, "{message}: nothing written");
        let (_, me) = app
            .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
            .await;
        assert_eq!(me["avatar"], avatar, "{message}");
        assert!(me["header"]
            .as_str()
            .is_some_and(|h| h.ends_with("/headers/original/missing.png")));
        assert_ne!(me["display_name"], "Changed", "{message}");
    }

    // A bad text field with good images: nothing stored either.
    let long_name = "x".repeat(200);
    let (status, body) = patch_profile(
        app,
        &alice,
        vec![(
            "header",
            common::images::gradient(50, 50, ImageFormat::Png),
            "image/png",
        )],
        &[("display_name", long_name.as_str())],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(files_under(&media_dir), 1);
}

on_both_backends!(
    bad_uploads,
    bad_uploads_write_nothing,
    |c: &mut herd::config::Config| c.limits.image_size_limit = 200_000
);

async fn federated(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let da = a.state.config.domain.clone();
    let (_, alice) = a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;

    // alice has an avatar before B first hears of her.
    let (status, me) = patch_profile(
        &a,
        &alice,
        vec![(
            "avatar",
            common::images::gradient(500, 500, ImageFormat::Png),
            "image/png",
        )],
        &[],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    let avatar = me["avatar"].as_str().expect("avatar").to_string();
    settle(&a, &b).await;

    let (status, alice_on_b) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=alice@{da}"),
            Some(&bob),
        )
        .await;
    assert_eq!(status, 200, "{alice_on_b}");
    assert_eq!(alice_on_b["avatar"], avatar.as_str());
    assert_eq!(alice_on_b["avatar_static"], avatar.as_str());
    assert_eq!(
        alice_on_b["header"],
        b.url("/headers/original/missing.png"),
        "no header: B's default"
    );
    let id = alice_on_b["id"].as_str().expect("id").to_string();
    let (status, _) = b
        .post_json(&format!("/api/v1/accounts/{id}/follow"), &bob, json!({}))
        .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;

    // A new header and avatar reach B through Update(Person).
    let (status, me) = patch_profile(
        &a,
        &alice,
        vec![
            (
                "avatar",
                common::images::gradient(300, 300, ImageFormat::Png),
                "image/png",
            ),
            (
                "header",
                common::images::gradient(1600, 600, ImageFormat::Png),
                "image/png",
            ),
        ],
        &[],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    let avatar2 = me["avatar"].as_str().expect("avatar").to_string();
    let header2 = me["header"].as_str().expect("header").to_string();
    assert_ne!(avatar2, avatar);
    settle(&a, &b).await;
    let (_, seen) = b
        .get_json(&format!("/api/v1/accounts/{id}"), Some(&bob))
        .await;
    assert_eq!(seen["avatar"], avatar2.as_str(), "{seen}");
    assert_eq!(seen["header"], header2.as_str(), "{seen}");
    // The URL B shows is one apps can load.
    assert_eq!(
        served(&b, &avatar2).await,
        ("image/png".to_string(), 300, 300)
    );

    // Removing the avatar: B falls back to its own default.
    let (status, _) = delete(&a, "/api/v1/profile/avatar", &alice).await;
    assert_eq!(status, 200);
    settle(&a, &b).await;
    let (_, seen) = b
        .get_json(&format!("/api/v1/accounts/{id}"), Some(&bob))
        .await;
    assert_eq!(seen["avatar"], b.url("/avatars/original/missing.png"));
    assert_eq!(seen["header"], header2.as_str());

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avatars_federate_sqlite() {
    federated(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn avatars_federate_postgres() {
    federated(Backend::Postgres).await;
}
