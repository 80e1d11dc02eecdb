//! CSV exports and imports in Mastodon's formats: a round trip into a second account
//! reproduces follows, blocks, mutes, lists and bookmarks; bad rows are reported, not fatal.
//! An import is queued (202) and its progress read at `GET /api/v1/herd/imports/{id}`.

mod common;

use common::TestApp;
use serde_json::{json, Value};

async fn export(app: &TestApp, token: &str, kind: &str) -> String {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/herd/exports/{kind}.csv")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{kind}");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    res.text().await.unwrap()
}

async fn import(app: &TestApp, token: &str, kind: &str, mode: &str, data: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("type", kind.to_string())
        .text("mode", mode.to_string())
        .part(
            "data",
            reqwest::multipart::Part::bytes(data.as_bytes().to_vec())
                .file_name(format!("{kind}.csv"))
                .mime_str("text/csv")
                .unwrap(),
        );
    let res = app
        .client
        .post(app.url("/api/v1/herd/imports"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let queued: Value = res.json().await.unwrap_or(Value::Null);
    if status != 202 {
        return (status, queued);
    }
    // Queued (nothing done yet), then the job works through the rows.
    assert_eq!(queued["state"], "scheduled", "{queued}");
    assert_eq!(queued["processed"], 0, "{queued}");
    app.run_jobs().await;
    let (status, report) = app
        .get_json(
            &format!("/api/v1/herd/imports/{}", queued["id"].as_str().unwrap()),
            Some(token),
        )
        .await;
    assert_eq!(report["state"], "finished", "{report}");
    (status, report)
}

async fn relationship(app: &TestApp, token: &str, id: i64) -> Value {
    let (_, rel) = app
        .get_json(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(token),
        )
        .await;
    rel[0].clone()
}

async fn round_trip(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (carol_id, _) = app.user_with_token("carol").await;
    let (dave_id, _) = app.user_with_token("dave").await;
    let (erin_id, _) = app.user_with_token("erin").await;
    let (_, newbie) = app.user_with_token("newbie").await;
    let domain = app.state.config.domain.clone();

    app.post_json(
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({"reblogs": false, "notify": true}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/accounts/{carol_id}/block"),
        &alice,
        json!({}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/accounts/{dave_id}/mute"),
        &alice,
        json!({"notifications": false}),
    )
    .await;
    let (_, list) = app
        .post_json("/api/v1/lists", &alice, json!({"title": "Friends"}))
        .await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/lists/{}/accounts", list["id"].as_str().unwrap()),
            &alice,
            json!({"account_ids": [bob_id.to_string()]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, s) = app
        .post_json("/api/v1/statuses", &bob, json!({"status": "keep this"}))
        .await;
    let kept = s["id"].as_str().unwrap().to_string();
    app.post_json(
        &format!("/api/v1/statuses/{kept}/bookmark"),
        &alice,
        json!({}),
    )
    .await;

    // Mastodon's formats.
    let follows = export(app, &alice, "follows").await;
    assert_eq!(
        follows,
        format!(
            "Account address,Show boosts,Notify on new posts,Languages\nbob@{domain},false,true,\n"
        )
    );
    let blocks = export(app, &alice, "blocks").await;
    assert_eq!(blocks, format!("carol@{domain}\n"));
    let mutes = export(app, &alice, "mutes").await;
    assert_eq!(
        mutes,
        format!("Account address,Hide notifications\ndave@{domain},false\n")
    );
    let lists = export(app, &alice, "lists").await;
    assert_eq!(lists, format!("Friends,bob@{domain}\n"));
    let bookmarks = export(app, &alice, "bookmarks").await;
    assert!(
        bookmarks.trim_end().ends_with(&format!("/@bob/{kept}")),
        "{bookmarks}"
    );
    assert_eq!(export(app, &alice, "domain_blocks").await, "");

    // Newbie already follows erin; overwrite drops that follow.
    app.post_json(
        &format!("/api/v1/accounts/{erin_id}/follow"),
        &newbie,
        json!({}),
    )
    .await;
    let (status, report) = import(app, &newbie, "follows", "overwrite", &follows).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["imported"], 1);
    assert_eq!(report["failures"], json!([]));
    for (kind, data) in [
        ("blocks", &blocks),
        ("mutes", &mutes),
        ("lists", &lists),
        ("bookmarks", &bookmarks),
    ] {
        let (status, report) = import(app, &newbie, kind, "merge", data).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["imported"], 1, "{kind}: {report}");
    }

    let rel = relationship(app, &newbie, bob_id).await;
    assert_eq!(rel["following"], true);
    assert_eq!(rel["showing_reblogs"], false);
    assert_eq!(rel["notifying"], true);
    assert_eq!(
        relationship(app, &newbie, erin_id).await["following"],
        false
    );
    assert_eq!(relationship(app, &newbie, carol_id).await["blocking"], true);
    let rel = relationship(app, &newbie, dave_id).await;
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false);
    let (_, lists_now) = app.get_json("/api/v1/lists", Some(&newbie)).await;
    assert_eq!(lists_now[0]["title"], "Friends");
    let (_, members) = app
        .get_json(
            &format!(
                "/api/v1/lists/{}/accounts",
                lists_now[0]["id"].as_str().unwrap()
            ),
            Some(&newbie),
        )
        .await;
    assert_eq!(members[0]["id"], bob_id.to_string());
    let (_, marks) = app.get_json("/api/v1/bookmarks", Some(&newbie)).await;
    assert_eq!(marks[0]["id"], kept);
    // Exporting again gives the same files.
    assert_eq!(export(app, &newbie, "follows").await, follows);
    assert_eq!(export(app, &newbie, "lists").await, lists);

    // A finished import's report is kept for a week, then forgotten with its rows; what it
    // imported stays.
    let (_, before) = app.get_json("/api/v1/herd/imports", Some(&newbie)).await;
    let reports = before.as_array().map_or(0, Vec::len);
    assert!(reports > 0, "{before}");
    let some = before[0]["id"].as_str().unwrap_or_default().to_string();
    app.state
        .clock
        .advance(std::time::Duration::from_secs(6 * 86_400));
    app.run_jobs().await;
    let (status, _) = app
        .get_json(&format!("/api/v1/herd/imports/{some}"), Some(&newbie))
        .await;
    assert_eq!(status, 200, "kept for a week");
    app.state
        .clock
        .advance(std::time::Duration::from_secs(2 * 86_400));
    app.run_jobs().await;
    let (status, _) = app
        .get_json(&format!("/api/v1/herd/imports/{some}"), Some(&newbie))
        .await;
    assert_eq!(status, 404, "forgotten after a week");
    let (_, after) = app.get_json("/api/v1/herd/imports", Some(&newbie)).await;
    assert_eq!(after, serde_json::json!([]), "every report forgotten");
    let (_, marks) = app.get_json("/api/v1/bookmarks", Some(&newbie)).await;
    assert_eq!(marks[0]["id"], kept, "what was imported stays");
}

on_both_backends!(round_trip, round_trip);

async fn bad_input(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (bob_id, _) = app.user_with_token("bob").await;
    let data = "Account address,Show boosts\nbob,true\nnobody\nghost@unreachable.invalid\n@,true\n";
    let (status, report) = import(app, &alice, "follows", "merge", data).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["total"], 4);
    assert_eq!(report["imported"], 1);
    let lines: Vec<i64> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5], "{report}");
    assert_eq!(relationship(app, &alice, bob_id).await["following"], true);

    let (status, _) = import(app, &alice, "friends", "merge", "x").await;
    assert_eq!(status, 422);
    let (status, _) = import(app, &alice, "follows", "replace", "x").await;
    assert_eq!(status, 422);
    let (status, _) = app
        .get_json("/api/v1/herd/exports/secrets.csv", Some(&alice))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json("/api/v1/herd/exports/follows.csv", None).await;
    assert_eq!(status, 401);
}

on_both_backends!(bad_input, bad_input);

/// The archive: actor.json and an outbox.json of one's public and unlisted posts only.
async fn archive(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    // A picture, which the archive carries as a file.
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(8, 8, image::Rgb([200, 90, 30])))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png.into_inner())
            .file_name("p.png")
            .mime_str("image/png")
            .unwrap(),
    );
    // An avatar too, which the archive carries beside actor.json.
    let mut avatar = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(40, 40, image::Rgb([9, 90, 30])))
        .write_to(&mut avatar, image::ImageFormat::Png)
        .unwrap();
    let res = app
        .client
        .patch(app.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice)
        .multipart(
            reqwest::multipart::Form::new().part(
                "avatar",
                reqwest::multipart::Part::bytes(avatar.into_inner())
                    .file_name("me.png")
                    .mime_str("image/png")
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let media: Value = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(&alice)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, _) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "a picture", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200);
    for (text, visibility) in [
        ("hello world", "public"),
        ("quiet one", "unlisted"),
        ("friends only", "private"),
    ] {
        let (status, _) = app
            .post_json(
                "/api/v1/statuses",
                &alice,
                json!({"status": text, "visibility": visibility}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let res = app
        .client
        .get(app.url("/api/v1/herd/exports/archive.zip"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip file");
    let read = |zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| -> Value {
        let file = zip.by_name(name).expect(name);
        serde_json::from_reader(file).expect("JSON")
    };
    let actor = read(&mut zip, "actor.json");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["icon"]["url"], "avatar.png", "{actor}");
    assert!(actor.get("image").is_none(), "no header: {actor}");
    let avatar = image::load_from_memory(&{
        let mut file = zip.by_name("avatar.png").expect("avatar.png");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        bytes
    })
    .expect("an image");
    assert_eq!((avatar.width(), avatar.height()), (40, 40));
    let outbox = read(&mut zip, "outbox.json");
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 3);
    let picture = &outbox["orderedItems"][2]["object"];
    let path = picture["attachment"][0]["url"]
        .as_str()
        .expect("attachment url");
    assert!(path.starts_with("/media_attachments/files/"), "{picture}");
    let mut file = zip.by_name(path.trim_start_matches('/')).expect("the file");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
    drop(file);
    let served = app
        .client
        .get(media["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        bytes,
        served.to_vec(),
        "the archived file is the stored one"
    );
    let texts: Vec<String> = outbox["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["type"], "Create");
            a["object"]["content"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(
        texts[0].contains("quiet one") && texts[1].contains("hello world"),
        "{texts:?}"
    );
    let (status, _) = app.get_json("/api/v1/herd/exports/archive.zip", None).await;
    assert_eq!(status, 401);
}

on_both_backends!(archive, archive);
