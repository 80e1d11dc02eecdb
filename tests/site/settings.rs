//! The settings pages over HTTP on both backends: each change made by a plain form is seen
//! where a member and a Mastodon client look (the profile page, verify_credentials, the
//! filters API); refused input comes back as the form with the message beside its field
//! (422) and nothing written; a form without its CSRF token is refused (403); one member's
//! session cannot end another's.

use crate::common::web::submit;
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use image::ImageFormat;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const PW: &str = "correct horse battery";

/// The text of the field error with this id, if the page has one.
fn error_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</p>")?;
    Some(rest[open..close].to_string())
}

fn profile_form(csrf: &str, display_name: &str, note: &str) -> Form {
    Form::new()
        .text("csrf_token", csrf.to_string())
        .text("display_name", display_name.to_string())
        .text("note", note.to_string())
        .text("fields_attributes[0][name]", "Garden")
        .text("fields_attributes[0][value]", "Allotment 12")
        .text("fields_attributes[1][name]", "")
        .text("fields_attributes[1][value]", "")
        .text("fields_attributes[2][name]", "Pronouns")
        .text("fields_attributes[2][value]", "she/her")
        .text("fields_attributes[3][name]", "")
        .text("fields_attributes[3][value]", "")
        .text("locked", "1")
        .text("hide_collections", "1")
}

async fn profile(app: &TestApp) {
    let (_, token) = app.user_with_token("alice").await;
    let web = web_sign_in(app, "alice").await;
    let (status, html) = page(&web, &app.url("/settings/profile")).await;
    assert_eq!(status, 200);
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    let csrf = csrf_of(&html);

    // Name, bio, fields, flags and an avatar in one form.
    let avatar = Part::bytes(crate::common::images::gradient(600, 600, ImageFormat::Png))
        .file_name("me.png")
        .mime_str("image/png")
        .unwrap();
    let form = profile_form(&csrf, "Alice in the garden", "I grow beans.")
        .part("avatar", avatar)
        .part(
            "header",
            Part::bytes(Vec::new())
                .file_name("")
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    let res = web
        .post(app.url("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/settings/profile?saved=1");

    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["display_name"], "Alice in the garden");
    assert_eq!(me["source"]["note"], "I grow beans.");
    assert_eq!(me["locked"], true);
    assert_eq!(me["bot"], false);
    assert_eq!(me["discoverable"], false, "an unticked box is off");
    assert_eq!(me["source"]["hide_collections"], true);
    let fields: Vec<(String, String)> = me["source"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Garden".to_string(), "Allotment 12".to_string()),
            ("Pronouns".to_string(), "she/her".to_string())
        ]
    );
    let avatar_url = me["avatar"].as_str().unwrap().to_string();
    assert!(avatar_url.contains("/system/media/"), "{avatar_url}");
    assert!(me["header"].as_str().unwrap().contains("missing.png"));

    // The public profile and the form show it.
    let (_, public) = page(&app.browser(), &app.url("/@alice")).await;
    assert!(public.contains("Alice in the garden"), "{public}");
    let (_, html) = page(&web, &app.url("/settings/profile?saved=1")).await;
    assert!(html.contains("role=\"status\""));
    assert!(html.contains("value=\"Allotment 12\""));
    assert!(html.contains(&avatar_url.replace('/', "&#x2F;")) || html.contains(&avatar_url));

    // Too long a name: the form again, the message beside the name, the bio as typed.
    let long = "x".repeat(31);
    let res = web
        .post(app.url("/settings/profile"))
        .multipart(profile_form(&csrf, &long, "Typed but refused"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let msg = error_text(&html, "display_name-error").expect("error beside the name");
    assert!(msg.contains("too long"), "{msg}");
    assert!(html.contains("Typed but refused"), "what was typed is kept");
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["display_name"], "Alice in the garden", "nothing written");

    // A file that is not an image: the message beside the avatar, nothing written.
    let fake = Part::bytes(b"not an image at all".to_vec())
        .file_name("evil.png")
        .mime_str("image/png")
        .unwrap();
    let res = web
        .post(app.url("/settings/profile"))
        .multipart(profile_form(&csrf, "Changed name", "x").part("avatar", fake))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let msg = error_text(&html, "avatar-error").expect("error beside the avatar");
    assert!(msg.contains("Avatar"), "{msg}");
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["display_name"], "Alice in the garden", "nothing written");
    assert_eq!(me["avatar"], avatar_url.as_str());

    // Without the CSRF token: refused, nothing written.
    let form = profile_form("", "Forged", "forged");
    let res = web
        .post(app.url("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = web
        .post(app.url("/settings/preferences"))
        .form(&[("privacy", "private"), ("locale", "en"), ("theme", "dark")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["display_name"], "Alice in the garden");
    assert_eq!(me["source"]["privacy"], "public");

    // Back to the default avatar.
    let (status, location, _) = submit(
        &web,
        &app.url("/settings/profile/avatar/delete"),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/profile?saved=1")
    );
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert!(me["avatar"].as_str().unwrap().contains("missing.png"));

    // Signed out: the sign-in page, coming back here.
    let res = app
        .browser()
        .get(app.url("/settings/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/auth/sign_in?return_to=%2Fsettings%2Fprofile"));
}
on_both_backends!(profile_page, profile);

async fn preferences(app: &TestApp) {
    let (_, token) = app.user_with_token("alice").await;
    let web = web_sign_in(app, "alice").await;
    let (status, html) = page(&web, &app.url("/settings/preferences")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<html lang=\"en\">"),
        "the system's theme by default"
    );
    assert!(
        html.contains("name=\"shortcuts\" value=\"1\" checked"),
        "shortcuts on by default"
    );
    let csrf = csrf_of(&html);

    // A theme that does not exist: beside the theme, nothing written (not even the privacy).
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/preferences"),
        &csrf,
        &[
            ("privacy", "unlisted"),
            ("language", "ja"),
            ("locale", "ja"),
            ("theme", "neon"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(error_text(&html, "theme-error").is_some(), "{html}");
    assert!(html.contains("value=\"ja\""), "what was typed is kept");
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["source"]["privacy"], "public");

    // A direct default is refused by the service, as through the API.
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/preferences"),
        &csrf,
        &[("privacy", "direct"), ("locale", "en"), ("theme", "auto")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(error_text(&html, "privacy-error").is_some(), "{html}");

    let (status, location, _) = submit(
        &web,
        &app.url("/settings/preferences"),
        &csrf,
        &[
            ("privacy", "unlisted"),
            ("language", "ja"),
            ("sensitive", "1"),
            ("locale", "ja"),
            ("theme", "dark"),
            ("reduce_motion", "1"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/preferences?saved=1")
    );
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["language"], "ja");
    assert_eq!(me["source"]["sensitive"], true);

    // The next page is in Japanese, dark, with motion reduced; compose starts unlisted.
    let (_, html) = page(&web, &app.url("/home")).await;
    assert!(
        html.contains("<html lang=\"ja\" data-theme=\"dark\" class=\"reduce-motion\">"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"unlisted\" selected>"),
        "{html}"
    );
    let (_, html) = page(&web, &app.url("/settings/preferences")).await;
    assert!(html.contains("環境設定"));
    assert!(
        !html.contains("name=\"shortcuts\" value=\"1\" checked"),
        "shortcuts now off"
    );

    // The deck reads the shortcuts setting through the service.
    let id: i64 = me["id"].as_str().unwrap().parse().unwrap();
    let prefs = herd::services::web_settings::web_preferences(&app.state, id)
        .await
        .unwrap();
    assert_eq!(prefs.theme, "dark");
    assert!(prefs.reduce_motion);
    assert!(!prefs.shortcuts);

    // Another member's pages are untouched.
    app.create_user("bob", PW).await;
    let bob = web_sign_in(app, "bob").await;
    let (_, html) = page(&bob, &app.url("/home")).await;
    assert!(html.contains("<html lang=\"en\">"));
}
on_both_backends!(preferences_page, preferences);

async fn filters(app: &TestApp) {
    let (_, token) = app.user_with_token("alice").await;
    let web = web_sign_in(app, "alice").await;
    let (status, html) = page(&web, &app.url("/settings/filters/new")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);

    // A blank title: beside the title, the keyword as typed, nothing made.
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/filters"),
        &csrf,
        &[
            ("title", " "),
            ("context[]", "home"),
            ("filter_action", "warn"),
            ("expires_in", ""),
            ("keywords_attributes[0][keyword]", "spoilers"),
            ("keywords_attributes[0][whole_word]", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(error_text(&html, "title-error").is_some(), "{html}");
    assert!(html.contains("value=\"spoilers\""));
    let (_, list) = app.get_json("/api/v2/filters", Some(&token)).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing made");

    let (status, location, _) = submit(
        &web,
        &app.url("/settings/filters"),
        &csrf,
        &[
            ("title", "Match day"),
            ("context[]", "home"),
            ("context[]", "public"),
            ("filter_action", "hide"),
            ("expires_in", "86400"),
            ("keywords_attributes[0][keyword]", "football"),
            ("keywords_attributes[0][whole_word]", "1"),
            ("keywords_attributes[1][keyword]", "score"),
            ("keywords_attributes[2][keyword]", ""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/filters?saved=1")
    );
    let (_, list) = app.get_json("/api/v2/filters", Some(&token)).await;
    let f = &list[0];
    assert_eq!(f["title"], "Match day");
    assert_eq!(f["filter_action"], "hide");
    assert_eq!(f["context"], serde_json::json!(["home", "public"]));
    assert!(f["expires_at"].is_string());
    let words: Vec<(&str, bool)> = f["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["keyword"].as_str().unwrap(),
                k["whole_word"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(words, vec![("football", true), ("score", false)]);
    let id = f["id"].as_str().unwrap().to_string();
    let football = f["keywords"][0]["id"].as_str().unwrap().to_string();
    let score = f["keywords"][1]["id"].as_str().unwrap().to_string();

    let (_, html) = page(&web, &app.url("/settings/filters")).await;
    assert!(
        html.contains("Match day") && html.contains("football, score"),
        "{html}"
    );

    // Edit: rename, remove one keyword, add another, keep the expiry.
    let (status, html) = page(&web, &app.url(&format!("/settings/filters/{id}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"keep\" selected"));
    let (status, location, _) = submit(
        &web,
        &app.url(&format!("/settings/filters/{id}")),
        &csrf,
        &[
            ("title", "Match days"),
            ("context[]", "home"),
            ("filter_action", "warn"),
            ("expires_in", "keep"),
            ("keywords_attributes[0][id]", &football),
            ("keywords_attributes[0][keyword]", "football"),
            ("keywords_attributes[0][whole_word]", "1"),
            ("keywords_attributes[1][id]", &score),
            ("keywords_attributes[1][keyword]", "score"),
            ("keywords_attributes[1][_destroy]", "1"),
            ("keywords_attributes[2][keyword]", "penalty"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/filters?saved=1")
    );
    let (_, f) = app
        .get_json(&format!("/api/v2/filters/{id}"), Some(&token))
        .await;
    assert_eq!(f["title"], "Match days");
    assert_eq!(f["filter_action"], "warn");
    assert!(f["expires_at"].is_string(), "the expiry kept");
    let words: Vec<&str> = f["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["keyword"].as_str().unwrap())
        .collect();
    assert_eq!(words, vec!["football", "penalty"]);

    // Another member can neither open nor delete it.
    app.create_user("bob", PW).await;
    let bob = web_sign_in(app, "bob").await;
    let (status, _) = page(&bob, &app.url(&format!("/settings/filters/{id}"))).await;
    assert_eq!(status, 404);
    let (_, bob_page) = page(&bob, &app.url("/settings/filters")).await;
    let (status, _, _) = submit(
        &bob,
        &app.url(&format!("/settings/filters/{id}/delete")),
        &csrf_of(&bob_page),
        &[],
    )
    .await;
    assert_eq!(status, 404);

    // Without the token: refused.
    let res = web
        .post(app.url(&format!("/settings/filters/{id}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let (status, location, _) = submit(
        &web,
        &app.url(&format!("/settings/filters/{id}/delete")),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/filters?saved=1")
    );
    let (_, list) = app.get_json("/api/v2/filters", Some(&token)).await;
    assert_eq!(list, Value::Array(vec![]));
}
on_both_backends!(filters_pages, filters);

/// The `id` of each session's revoke form on /settings/sessions.
fn session_ids(html: &str) -> Vec<String> {
    html.split("action=\"/settings/sessions/")
        .skip(1)
        .filter_map(|rest| rest.split('/').next())
        .filter(|id| *id != "others")
        .map(String::from)
        .collect()
}

async fn sessions_and_apps(app: &TestApp) {
    let (_, token) = app.user_with_token("alice").await;
    let laptop = web_sign_in(app, "alice").await;
    let phone = web_sign_in(app, "alice").await;
    let (status, html) = page(&laptop, &app.url("/settings/sessions")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("Browser of alice").count(), 2, "{html}");
    assert_eq!(html.matches("This browser").count(), 1);
    let ids = session_ids(&html);
    assert_eq!(ids.len(), 1, "only the other browser has a sign-out button");
    let csrf = csrf_of(&html);

    // Bob's session cannot end Alice's.
    app.create_user("bob", PW).await;
    let bob = web_sign_in(app, "bob").await;
    let (_, bob_html) = page(&bob, &app.url("/settings/sessions")).await;
    let (status, _, _) = submit(
        &bob,
        &app.url(&format!("/settings/sessions/{}/revoke", ids[0])),
        &csrf_of(&bob_html),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = page(&phone, &app.url("/settings/sessions")).await;
    assert_eq!(status, 200, "the phone is still signed in");

    // Alice ends the phone's session from the laptop.
    let (status, location, _) = submit(
        &laptop,
        &app.url(&format!("/settings/sessions/{}/revoke", ids[0])),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/sessions?saved=1")
    );
    let (status, _) = page(&phone, &app.url("/settings/sessions")).await;
    assert_eq!(status, 303, "the phone must sign in again");
    let (status, _) = page(&laptop, &app.url("/settings/sessions")).await;
    assert_eq!(status, 200);

    // Sign out everywhere else.
    let tablet = web_sign_in(app, "alice").await;
    let (status, location, _) = submit(
        &laptop,
        &app.url("/settings/sessions/others/revoke"),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/sessions?saved=1")
    );
    let (status, _) = page(&tablet, &app.url("/home")).await;
    assert_eq!(status, 303);
    let (status, _) = page(&laptop, &app.url("/home")).await;
    assert_eq!(status, 200);
    let (status, _) = page(&bob, &app.url("/home")).await;
    assert_eq!(status, 200, "bob's session is not alice's to end");

    // Apps: the one that holds a token is listed; revoking it ends the token.
    let (status, html) = page(&laptop, &app.url("/settings/applications")).await;
    assert_eq!(status, 200);
    let app_id = html
        .split("action=\"/settings/applications/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("an app with a revoke form")
        .to_string();
    assert!(html.contains("follow read write"), "{html}");
    let (status, _) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 200);
    // Bob cannot revoke Alice's app.
    let (_, bob_html) = page(&bob, &app.url("/settings/applications")).await;
    let (status, _, _) = submit(
        &bob,
        &app.url(&format!("/settings/applications/{app_id}/revoke")),
        &csrf_of(&bob_html),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    let (status, location, _) = submit(
        &laptop,
        &app.url(&format!("/settings/applications/{app_id}/revoke")),
        &csrf,
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/applications?saved=1")
    );
    let (status, _) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 401);
    let (_, html) = page(&laptop, &app.url("/settings/applications")).await;
    assert!(!html.contains(&format!("/settings/applications/{app_id}/revoke")));
}
on_both_backends!(sessions_and_apps_pages, sessions_and_apps);

async fn export_and_import(app: &TestApp) {
    let (alice_id, token) = app.user_with_token("alice").await;
    let bob = app.create_user("bob", PW).await;
    let carol = app.create_user("carol", PW).await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{bob}/follow"),
            &token,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let web = web_sign_in(app, "alice").await;
    let (status, html) = page(&web, &app.url("/settings/export")).await;
    assert_eq!(status, 200);
    assert!(html.contains("/settings/export/follows.csv"));

    let res = web
        .get(app.url("/settings/export/follows.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert!(csv.contains("bob@"), "{csv}");
    let (status, _) = page(&web, &app.url("/settings/export/secrets.csv")).await;
    assert_eq!(status, 404);
    // Signed out: nobody's data.
    let res = app
        .browser()
        .get(app.url("/settings/export/follows.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let (status, html) = page(&web, &app.url("/settings/import")).await;
    assert_eq!(status, 200, "{html}");
    let csrf = csrf_of(&html);
    // No file: the message beside the file field.
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("type", "follows")
        .text("mode", "merge");
    let res = web
        .post(app.url("/settings/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(error_text(&res.text().await.unwrap(), "data-error").is_some());

    // A file that is not CSV (an image): refused beside the file field, nothing recorded.
    let png = Part::bytes(crate::common::images::gradient(8, 8, ImageFormat::Png))
        .file_name("me.png")
        .mime_str("image/png")
        .unwrap();
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("type", "follows")
        .text("mode", "merge")
        .part("data", png);
    let res = web
        .post(app.url("/settings/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let text = error_text(&html, "data-error").expect("beside the file");
    assert!(text.contains("CSV"), "{text}");
    // A type that does not exist: beside the type.
    let file = Part::bytes(b"carol\n".to_vec())
        .file_name("x.csv")
        .mime_str("text/csv")
        .unwrap();
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("type", "friends")
        .text("mode", "merge")
        .part("data", file);
    let res = web
        .post(app.url("/settings/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(error_text(&res.text().await.unwrap(), "type-error").is_some());
    let (_, html) = page(&web, &app.url("/settings/import")).await;
    assert!(
        html.contains("You have not imported anything yet."),
        "nothing recorded: {html}"
    );

    // 30 rows: carol, two unknown accounts, and dave again and again (following twice
    // changes nothing). A job run does 25 rows, so the first run leaves it in progress.
    let dave = app.create_user("dave", PW).await;
    let mut csv = String::from("Account address,Show boosts\ncarol,true\nnobody_here,true\n");
    for _ in 0..27 {
        csv.push_str("dave,true\n");
    }
    csv.push_str("@,true\n");
    let file = Part::bytes(csv.into_bytes())
        .file_name("following.csv")
        .mime_str("text/csv")
        .unwrap();
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("type", "follows")
        .text("mode", "merge")
        .part("data", file);
    app.run_jobs().await;
    let res = web
        .post(app.url("/settings/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/settings/import?queued=1");
    let (_, html) = page(&web, &app.url("/settings/import?queued=1")).await;
    assert!(html.contains("Your file was accepted"), "{html}");
    assert!(html.contains("Scheduled"), "{html}");
    assert!(html.contains("0 of 30 rows done"), "{html}");
    assert!(
        html.contains("data-poll=\"/settings/import/progress\""),
        "scripts refresh it"
    );
    assert!(
        html.contains("href=\"/settings/import\""),
        "and without scripts, a link"
    );

    assert!(herd::jobs::run_one(&app.state).await.unwrap(), "one batch");
    let (status, fragment) = page(&web, &app.url("/settings/import/progress")).await;
    assert_eq!(status, 200);
    assert!(fragment.contains("In progress"), "{fragment}");
    assert!(fragment.contains("25 of 30 rows done"), "{fragment}");
    assert!(!fragment.contains("<html"), "the list alone");

    app.run_jobs().await;
    let (_, html) = page(&web, &app.url("/settings/import")).await;
    assert!(html.contains("Finished"), "{html}");
    assert!(
        html.contains("30 of 30 rows done: 28 imported, 2 not imported."),
        "{html}"
    );
    assert!(html.contains("nobody_here"), "the refused row is listed");
    assert!(html.contains("No such account here"), "with its reason");
    assert!(!html.contains("data-poll"), "nothing left to refresh");
    let (_, following) = app
        .get_json(
            &format!("/api/v1/accounts/{alice_id}/following"),
            Some(&token),
        )
        .await;
    let ids: Vec<&str> = following
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&carol.to_string().as_str()), "{following}");
    assert!(ids.contains(&dave.to_string().as_str()), "{following}");
    assert!(ids.contains(&bob.to_string().as_str()), "merge keeps bob");
    assert_eq!(ids.len(), 3, "no duplicates: {following}");
    // The API sees the same import; another member does not.
    let (_, list) = app.get_json("/api/v1/herd/imports", Some(&token)).await;
    assert_eq!(list[0]["state"], "finished", "{list}");
    assert_eq!(list[0]["failed"], 2, "{list}");
    let (_, carol_token) = app.user_with_token("erin").await;
    let (status, _) = app
        .get_json(
            &format!("/api/v1/herd/imports/{}", list[0]["id"].as_str().unwrap()),
            Some(&carol_token),
        )
        .await;
    assert_eq!(status, 404);

    // Without the token: refused, nothing imported.
    let file = Part::bytes(b"dave\n".to_vec())
        .file_name("x.csv")
        .mime_str("text/csv")
        .unwrap();
    let res = web
        .post(app.url("/settings/import"))
        .multipart(Form::new().text("type", "blocks").part("data", file))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
on_both_backends!(export_import_pages, export_and_import);

/// A member who reads Japanese sees the refusals of the profile, preferences, migration and
/// import pages in Japanese, beside their fields.
async fn ja_messages(app: &TestApp) {
    app.create_user("hana", PW).await;
    let web = web_sign_in(app, "hana").await;
    let (_, html) = page(&web, &app.url("/settings/preferences")).await;
    let csrf = csrf_of(&html);
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/preferences"),
        &csrf,
        &[("privacy", "public"), ("locale", "ja"), ("theme", "auto")],
    )
    .await;
    assert_eq!(status, 303);

    // Preferences: a theme that does not exist.
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/preferences"),
        &csrf,
        &[("privacy", "public"), ("locale", "ja"), ("theme", "neon")],
    )
    .await;
    assert_eq!(status, 422);
    let text = error_text(&html, "theme-error").expect("beside the theme");
    assert!(text.contains("テーマは"), "{text}");

    // Profile: a display name over the limit.
    let long = "x".repeat(200);
    let res = web
        .post(app.url("/settings/profile"))
        .multipart(profile_form(&csrf, &long, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let text = error_text(&html, "display_name-error").expect("beside the name");
    assert!(text.contains("表示名が長すぎます"), "{text}");

    // Migration: oneself as an alias.
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/migration/aliases"),
        &csrf,
        &[("acct", "hana")],
    )
    .await;
    assert_eq!(status, 422);
    let text = error_text(&html, "acct-error").expect("beside the address");
    assert!(text.contains("自分自身を別名"), "{text}");
    // Moving with a wrong password.
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/migration/move"),
        &csrf,
        &[("target_acct", "hana"), ("current_password", "wrong")],
    )
    .await;
    assert_eq!(status, 422);
    let text = error_text(&html, "current_password-error").expect("beside the password");
    assert!(text.contains("パスワードが正しくありません"), "{text}");

    // Import: not a CSV file.
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("type", "follows")
        .text("mode", "merge")
        .part(
            "data",
            Part::bytes(vec![0xff, 0xfe, 0x00])
                .file_name("x.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
    let res = web
        .post(app.url("/settings/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let text = error_text(&html, "data-error").expect("beside the file");
    assert!(text.contains("有効な CSV ファイルではありません"), "{text}");
}
on_both_backends!(ja_messages_pages, ja_messages);

async fn migration(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    app.create_user("carol", PW).await;
    let web = web_sign_in(app, "alice").await;
    let (status, html) = page(&web, &app.url("/settings/migration")).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);

    // Aliases: an unknown address beside its field; carol added, then removed.
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/migration/aliases"),
        &csrf,
        &[("acct", "nobody_here")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(error_text(&html, "acct-error").is_some(), "{html}");
    assert!(html.contains("value=\"nobody_here\""));
    let (status, location, _) = submit(
        &web,
        &app.url("/settings/migration/aliases"),
        &csrf,
        &[("acct", "carol")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/settings/migration?saved=1")
    );
    let (_, aliases) = app.get_json("/api/v1/herd/aliases", Some(&alice)).await;
    let carol_uri = aliases["also_known_as"][0]
        .as_str()
        .expect("alias")
        .to_string();
    assert!(carol_uri.ends_with("/users/carol"), "{aliases}");
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/migration/aliases/delete"),
        &csrf,
        &[("acct", &carol_uri)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, aliases) = app.get_json("/api/v1/herd/aliases", Some(&alice)).await;
    assert_eq!(aliases["also_known_as"], serde_json::json!([]));

    // Moving to bob: a wrong password is refused beside the password, nothing moves.
    let (status, _) = app
        .post_json(
            "/api/v1/herd/aliases",
            &bob,
            serde_json::json!({"acct": "alice"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, html) = submit(
        &web,
        &app.url("/settings/migration/move"),
        &csrf,
        &[("target_acct", "bob"), ("current_password", "wrong horse")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        error_text(&html, "current_password-error").is_some(),
        "{html}"
    );
    assert!(html.contains("value=\"bob\""), "the target as typed");
    assert!(
        !html.contains("wrong horse"),
        "a password is never sent back"
    );
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    assert!(me["moved"].is_null());
    let (status, _, _) = submit(
        &web,
        &app.url("/settings/migration/move"),
        &csrf,
        &[("target_acct", "bob"), ("current_password", PW)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    assert_eq!(me["moved"]["username"], "bob", "{me}");
}
on_both_backends!(migration_page, migration);
