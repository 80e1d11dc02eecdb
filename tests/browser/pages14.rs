//! Issue 14's pages in a real headless Chromium (tests/common/browser.rs), SQLite only (the
//! services are tested on both backends over HTTP in tests/site/pages14.rs), in ONE test
//! function because each browser start costs seconds:
//! - Mastodon's keyboard shortcuts (j/k, f, ?, g+n), silent while typing and when turned off;
//! - the route inventory: every page of the issue as an anonymous reader and as a member,
//!   axe-clean in light and dark, then again with scripts off;
//! - with `HERD_SCREENSHOTS=DIR`, screenshots of the main pages (/@NAME, /@NAME/ID, /home,
//!   /settings) for README and docs.

use std::path::PathBuf;

use crate::common::browser::Browser;
use crate::common::{Backend, TestApp};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

/// Public pages, then the member's (`{post}`: alice's post).
const PUBLIC: &[&str] = &[
    "/@alice",
    "/@alice/with_replies",
    "/@alice/media",
    "/@alice/{post}",
    "/@alice/followers",
    "/@alice/following",
    "/tags/garden",
];
const MEMBER: &[&str] = &[
    "/home",
    "/deck",
    "/notifications",
    "/local",
    "/federated",
    "/search",
    "/bookmarks",
    "/favourites",
    "/lists",
    "/conversations",
    "/follow_requests",
    "/settings/profile",
    "/settings/preferences",
    "/settings/filters",
    "/settings/applications",
    "/settings/sessions",
    "/settings/mutes",
    "/settings/blocks",
    "/settings/domain_blocks",
    "/settings/export",
    "/settings/import",
    "/settings/migration",
];

/// Presses `key` with nothing focused in particular (as a reader does on a page).
async fn press(b: &Browser, key: char) {
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.client.perform_actions(actions).await.expect("key press");
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
}

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.expect("script")
}

/// With HERD_SCREENSHOTS=DIR, the page as DIR/NAME.png.
async fn shot(b: &Browser, name: &str) {
    let Some(dir) = std::env::var_os("HERD_SCREENSHOTS").map(PathBuf::from) else {
        return;
    };
    let png = b.client.screenshot().await.expect("screenshot");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shortcuts_inventory_and_screenshots() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let alice_id = app.create_user("alice", PASSWORD).await;
    let carol_id = app.create_user("carol", PASSWORD).await;
    app.create_user("bob", PASSWORD).await;
    let alice = app.login("alice", PASSWORD, "read write follow").await;
    let bob = app.login("bob", PASSWORD, "read write follow").await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/mute"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let mut ids = Vec::new();
    for text in [
        "Seedlings are up in the #garden",
        "The first tomatoes of the year",
    ] {
        let (s, post) = app
            .post_json(
                "/api/v1/statuses",
                &alice,
                json!({"status": text, "visibility": "public"}),
            )
            .await;
        assert_eq!(s, 200, "{post}");
        ids.push(post["id"].as_str().unwrap().to_string());
    }
    let post = ids[0].clone();
    // The posts reach bob's home timeline through the queue.
    app.run_jobs().await;

    // Anonymous: the public pages, axe-clean in both schemes.
    for path in PUBLIC {
        let path = path.replace("{post}", &post);
        b.accessible_in_both_schemes(&app, &path, &format!("{path} (anonymous)"))
            .await;
    }
    b.goto(&app.url("/@alice")).await;
    shot(&b, "profile").await;
    b.goto(&app.url(&format!("/@alice/{post}"))).await;
    shot(&b, "post").await;

    // A member: the shortcuts.
    b.sign_in(&app, "bob", PASSWORD).await;
    b.goto(&app.url("/home")).await;
    shot(&b, "home").await;
    assert_eq!(
        js(&b, "return document.getElementById('shortcuts') !== null").await,
        true,
        "the list is on the page of a member who keeps shortcuts on"
    );
    press(&b, 'j').await;
    let first = js(&b, "return document.activeElement.id").await;
    assert!(
        first.as_str().is_some_and(|id| id.starts_with("s-")),
        "j focuses the first post, not {first}"
    );
    press(&b, 'j').await;
    let second = js(&b, "return document.activeElement.id").await;
    assert_ne!(first, second, "j moves to the next post");
    press(&b, 'k').await;
    assert_eq!(
        js(&b, "return document.activeElement.id").await,
        first,
        "k goes back"
    );
    // f favourites the focused post (its plain form, submitted).
    let newest = ids[1].clone();
    assert_eq!(first, json!(format!("s-{newest}")));
    press(&b, 'f').await;
    b.find("article.status").await;
    let (_, st) = app
        .get_json(&format!("/api/v1/statuses/{newest}"), Some(&bob))
        .await;
    assert_eq!(st["favourited"], true, "f favourited the focused post");
    // ? opens the list, a modal dialog; Escape closes it.
    press(&b, '?').await;
    assert_eq!(
        js(&b, "return document.getElementById('shortcuts').open").await,
        true
    );
    press(&b, '\u{e00c}').await; // Escape
    assert_eq!(
        js(&b, "return document.getElementById('shortcuts').open").await,
        false
    );
    // Typing in a field takes no shortcut.
    b.click("#status").await;
    press(&b, 'j').await;
    assert_eq!(js(&b, "return document.activeElement.id").await, "status");
    assert_eq!(
        js(&b, "return document.getElementById('status').value").await,
        "j"
    );
    js(
        &b,
        "document.getElementById('status').value = ''; document.activeElement.blur(); return 0",
    )
    .await;
    // g then n: the notifications.
    press(&b, 'g').await;
    press(&b, 'n').await;
    b.find("h1").await;
    assert_eq!(b.url().await.path(), "/notifications");

    // Every member page, axe-clean in both schemes; the public pages again as the member
    // sees them (their buttons differ), in the light scheme (the anonymous pass had both).
    for path in MEMBER {
        b.accessible_in_both_schemes(&app, path, &format!("{path} (member)"))
            .await;
    }
    for path in PUBLIC {
        let path = path.replace("{post}", &post);
        b.goto(&app.url(&path)).await;
        b.assert_accessible(&format!("{path} (member)")).await;
    }
    // The shortcut list itself, open.
    b.goto(&app.url("/home")).await;
    press(&b, '?').await;
    b.assert_accessible("the shortcut list").await;
    b.goto(&app.url("/settings")).await;
    shot(&b, "settings").await;

    // Shortcuts off in the preferences: no list, and j does nothing.
    b.goto(&app.url("/settings/preferences")).await;
    let on: Value = js(
        &b,
        "return document.querySelector('input[name=shortcuts]').checked",
    )
    .await;
    assert_eq!(on, true);
    b.click("input[name=shortcuts]").await;
    b.submit("form[action='/settings/preferences'] button[type=submit]")
        .await;
    b.goto(&app.url("/home")).await;
    assert_eq!(
        js(&b, "return document.getElementById('shortcuts') === null").await,
        true
    );
    press(&b, 'j').await;
    assert_eq!(
        js(&b, "return document.activeElement.tagName").await,
        "BODY"
    );
    b.close().await;

    // Scripts off: every page still answers as a page for the member and the reader.
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    for path in PUBLIC {
        let path = path.replace("{post}", &post);
        b.goto(&app.url(&path)).await;
        b.find("main h1, main h2").await;
    }
    b.sign_in(&app, "bob", PASSWORD).await;
    for path in MEMBER.iter().chain(PUBLIC.iter()) {
        let path = path.replace("{post}", &post);
        b.goto(&app.url(&path)).await;
        b.find("main").await;
        assert_eq!(b.url().await.path(), path, "{path} is not a redirect");
    }
    b.close().await;
    app.stop().await;
}
