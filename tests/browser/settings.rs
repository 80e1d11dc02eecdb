//! The settings pages in a real headless Chromium (tests/common/browser.rs): axe-core's WCAG
//! check on every settings page in light and dark (and in the high-contrast theme), and a
//! member changing their profile and language with scripts off. SQLite only: tests/site/settings.rs
//! covers both backends over HTTP.

use crate::common::browser::Browser;
use crate::common::{Backend, TestApp};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_settings_page_is_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    app.create_user("alice", PASSWORD).await;
    // An app with a token, a filter: the lists have something in them.
    let token = app.login("alice", PASSWORD, "read write").await;
    let (status, filter) = app
        .post_json(
            "/api/v2/filters",
            &token,
            json!({"title": "Match day", "context": ["home"], "filter_action": "warn",
                   "keywords_attributes": [{"keyword": "football", "whole_word": true}]}),
        )
        .await;
    assert_eq!(status, 200, "{filter}");
    let id = filter["id"].as_str().expect("id").to_string();

    b.sign_in(&app, "alice", PASSWORD).await;
    for (path, what) in [
        ("/settings/profile", "the profile settings"),
        ("/settings/preferences", "the preferences"),
        ("/settings/filters", "the filters"),
        ("/settings/filters/new", "a new filter"),
        (&format!("/settings/filters/{id}")[..], "a filter's form"),
        ("/settings/applications", "the authorised apps"),
        ("/settings/sessions", "the sessions"),
        ("/settings/export", "the exports"),
        ("/settings/import", "the import form"),
        ("/settings/migration", "the migration page"),
    ] {
        b.accessible_in_both_schemes(&app, path, what).await;
    }

    // A refused form is accessible too (errors beside fields).
    b.goto(&app.url("/settings/filters/new")).await;
    b.fill("#kw-0", "spoilers").await;
    b.submit("form.settings button[type=submit]").await;
    assert!(!b.text("#title-error").await.is_empty());
    b.assert_accessible("a refused filter").await;

    // The high-contrast theme, chosen on the preferences page, is drawn by the server.
    b.goto(&app.url("/settings/preferences")).await;
    b.click("input[name=theme][value=contrast]").await;
    b.submit("form.settings button[type=submit]").await;
    let theme = b
        .client
        .execute("return document.documentElement.dataset.theme", vec![])
        .await
        .expect("theme");
    assert_eq!(theme, json!("contrast"));
    b.assert_accessible("the preferences in high contrast")
        .await;
    b.goto(&app.url("/home")).await;
    b.assert_accessible("home in high contrast").await;

    // Dark chosen, whatever the system prefers.
    b.goto(&app.url("/settings/preferences")).await;
    b.click("input[name=theme][value=dark]").await;
    b.submit("form.settings button[type=submit]").await;
    b.prefer_color_scheme("light").await;
    b.goto(&app.url("/settings/profile")).await;
    let bg = b
        .client
        .execute(
            "return getComputedStyle(document.body).backgroundColor",
            vec![],
        )
        .await
        .expect("background");
    assert_eq!(bg, json!("rgb(20, 26, 22)"), "the dark background");
    b.assert_accessible("the profile settings in the dark theme")
        .await;
    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_work_without_scripts() {
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    app.create_user("alice", PASSWORD).await;
    b.sign_in(&app, "alice", PASSWORD).await;

    b.goto(&app.url("/settings/profile")).await;
    b.fill("#display_name", "Alice of the allotment").await;
    b.fill("#field-0-name", "Plot").await;
    b.fill("#field-0-value", "12").await;
    b.submit("form.settings button[type=submit]").await;
    assert_eq!(b.text("p.notice").await, "Your changes were saved.");
    b.goto(&app.url("/@alice")).await;
    assert!(b.body_text().await.contains("Alice of the allotment"));

    // Japanese from the next page on.
    b.goto(&app.url("/settings/preferences")).await;
    let select = b.find("#locale").await;
    select.select_by_value("ja").await.expect("select ja");
    b.submit("form.settings button[type=submit]").await;
    assert_eq!(b.text("p.notice").await, "変更を保存しました。");
    assert_eq!(b.title().await, "環境設定 · Herd");
    b.close().await;
    app.stop().await;
}
