//! Paging edges, the same for every list (`herd::paging`): `max_id=0` is a real bound,
//! `since_id` and `min_id` both apply, `min_id` pages up from its bound and still answers
//! newest first, `limit` takes the endpoint's default and is clamped to its maximum, and the
//! `Link` header carries `max_id` (next) and `min_id` (prev) with the other parameters kept.
//! Checked over HTTP on a Mastodon list keyed by status id (the home timeline), one keyed by
//! the relation's own id (followers) and two co-op lists (proposals, the governance log).

mod common;

use common::TestApp;
use serde_json::{json, Value};

const PW: &str = "correct horse battery";

/// GET with a token: (status, the ids in the body, the `Link` header).
async fn page(app: &TestApp, path: &str, token: &str) -> (u16, Vec<String>, Option<String>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .map(|l| l.to_str().expect("ascii link").to_string());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let ids = body
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v["id"].as_str().expect("string id").to_string())
                .collect()
        })
        .unwrap_or_default();
    (status, ids, link)
}

/// The URL of one relation (`next` or `prev`) in a `Link` header.
fn rel(link: &str, which: &str) -> Option<String> {
    link.split(", ")
        .find(|p| p.ends_with(&format!("rel=\"{which}\"")))
        .and_then(|p| p.split(['<', '>']).nth(1))
        .map(str::to_string)
}

/// A query parameter's value in a URL.
fn param(url: &str, key: &str) -> Option<String> {
    let parsed = url::Url::parse(url).expect("absolute Link URL");
    parsed
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn with(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

/// The list's items newest first with each one's cursor, read by walking `limit=1` pages
/// through `rel="next"`: a page's `rel="prev"` carries its item's cursor (for relation lists
/// that is the relation's id, which the entities do not show).
async fn walk(app: &TestApp, path: &str, token: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut url = app.url(&with(path, "limit=1"));
    loop {
        let res = app
            .client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{url}");
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let body: Value = res.json().await.unwrap();
        let items = body.as_array().unwrap();
        let Some(item) = items.first() else { break };
        let link = link.expect("a page with an item has a Link header");
        let prev = rel(&link, "prev").expect("prev link");
        let cursor = param(&prev, "min_id").expect("prev carries min_id");
        out.push((item["id"].as_str().unwrap().to_string(), cursor));
        let Some(next) = rel(&link, "next") else {
            break;
        };
        url = next;
    }
    out
}

/// The edge semantics on one list whose items, newest first, are `items` (id, cursor); at
/// least six of them.
async fn edges(app: &TestApp, path: &str, token: &str, items: &[(String, String)]) {
    let n = items.len();
    assert!(n >= 6, "{path}: {n} items");
    let ids = |r: std::ops::Range<usize>| -> Vec<String> {
        items[r].iter().map(|(id, _)| id.clone()).collect()
    };
    let cur = |i: usize| items[i].1.as_str();

    // max_id=0 is a bound like any other: nothing is older than 0.
    let (status, got, link) = page(app, &with(path, "max_id=0"), token).await;
    assert_eq!(status, 200, "{path}");
    assert!(got.is_empty(), "{path}?max_id=0 gave {got:?}");
    assert_eq!(link, None, "{path}?max_id=0: no items, no Link");

    // max_id alone: strictly older, newest first.
    let (_, got, _) = page(
        app,
        &with(path, &format!("max_id={}&limit=3", cur(1))),
        token,
    )
    .await;
    assert_eq!(got, ids(2..5), "{path} max_id");

    // since_id and min_id together: both lower bounds apply, the higher one wins, whichever
    // parameter carries it; min_id makes it the page right above the bound, newest first.
    for (since, min) in [(cur(2), cur(5)), (cur(5), cur(2))] {
        let (_, got, _) = page(
            app,
            &with(path, &format!("since_id={since}&min_id={min}&limit=40")),
            token,
        )
        .await;
        assert_eq!(got, ids(0..2), "{path} since_id={since} min_id={min}");
    }
    // …and with max_id, a window between both.
    let (_, got, _) = page(
        app,
        &with(
            path,
            &format!("max_id={}&since_id={}&min_id={}", cur(1), cur(4), cur(5)),
        ),
        token,
    )
    .await;
    assert_eq!(got, ids(2..4), "{path} window");

    // min_id pages up from its bound: the items immediately newer, returned newest first.
    let (_, got, link) = page(
        app,
        &with(path, &format!("min_id={}&limit=2", cur(n - 1))),
        token,
    )
    .await;
    assert_eq!(got, ids(n - 3..n - 1), "{path} min_id");
    let link = link.expect("Link after min_id");
    assert_eq!(
        param(&rel(&link, "prev").unwrap(), "min_id").as_deref(),
        Some(cur(n - 3)),
        "{link}"
    );
    // since_id alone: the newest items above it.
    let (_, got, _) = page(
        app,
        &with(path, &format!("since_id={}&limit=2", cur(n - 1))),
        token,
    )
    .await;
    assert_eq!(got, ids(0..2), "{path} since_id");

    // Link: next (max_id = the page's oldest cursor) and prev (min_id = its newest), the
    // other parameters kept, absolute URLs; no next on the last page.
    let (_, got, link) = page(app, &with(path, "limit=2"), token).await;
    assert_eq!(got, ids(0..2));
    let link = link.expect("Link on a full page");
    let next = rel(&link, "next").expect("next on a full page");
    let prev = rel(&link, "prev").expect("prev");
    assert!(next.starts_with(&app.base), "{next}");
    assert_eq!(param(&next, "max_id").as_deref(), Some(cur(1)), "{link}");
    assert_eq!(param(&next, "limit").as_deref(), Some("2"), "{link}");
    assert_eq!(param(&prev, "min_id").as_deref(), Some(cur(0)), "{link}");
    assert_eq!(param(&prev, "max_id"), None, "{link}");
    let (_, got, link) = page(
        app,
        &with(path, &format!("max_id={}&limit=40", cur(n - 3))),
        token,
    )
    .await;
    assert_eq!(got, ids(n - 2..n));
    let link = link.expect("Link on the last page");
    assert_eq!(rel(&link, "next"), None, "last page: {link}");
}

/// `limit`: the default without it, the maximum above it, at least one.
async fn limits(app: &TestApp, path: &str, token: &str, default: usize, max: usize) {
    let (_, got, _) = page(app, path, token).await;
    assert_eq!(got.len(), default, "{path} default limit");
    let (_, got, _) = page(app, &with(path, "limit=1000"), token).await;
    assert_eq!(got.len(), max, "{path} limit=1000");
    let (_, got, _) = page(app, &with(path, "limit=0"), token).await;
    assert_eq!(got.len(), 1, "{path} limit=0");
}

async fn home_timeline(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let mut items = Vec::new();
    for i in 0..41 {
        let (status, s) = app
            .post_json(
                "/api/v1/statuses",
                &alice,
                json!({ "status": format!("post {i}") }),
            )
            .await;
        assert_eq!(status, 200, "{s}");
        let id = s["id"].as_str().unwrap().to_string();
        items.push((id.clone(), id));
    }
    items.reverse();
    edges(app, "/api/v1/timelines/home", &alice, &items).await;
    limits(app, "/api/v1/timelines/home", &alice, 20, 40).await;
}
on_both_backends!(home_timeline_edges, home_timeline);

async fn followers(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let mut expected = Vec::new();
    for i in 0..7 {
        let (id, token) = app.user_with_token(&format!("fan{i}")).await;
        let (status, r) = app
            .post_json(
                &format!("/api/v1/accounts/{alice_id}/follow"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["following"], true, "{r}");
        expected.push(id.to_string());
    }
    expected.reverse();
    let path = format!("/api/v1/accounts/{alice_id}/followers");
    // The cursors are the follows' ids, not the accounts': Mastodon's choice for relations.
    let items = walk(app, &path, &alice).await;
    let got: Vec<&String> = items.iter().map(|(id, _)| id).collect();
    assert_eq!(got, expected.iter().collect::<Vec<_>>());
    edges(app, &path, &alice, &items).await;
}
on_both_backends!(followers_edges, followers);

async fn proposals(app: &TestApp) {
    app.create_user_with("ada", PW, Some("admin"), true).await;
    let ada = app.login("ada", PW, "read write").await;
    let mut items = Vec::new();
    for i in 0..41 {
        let (status, p) = app
            .post_json(
                "/api/v1/coop/proposals",
                &ada,
                json!({ "kind": "general", "title": format!("Motion {i}"), "body": "Why not." }),
            )
            .await;
        assert_eq!(status, 200, "{p}");
        let id = p["id"].as_str().unwrap().to_string();
        items.push((id.clone(), id));
    }
    items.reverse();
    edges(app, "/api/v1/coop/proposals", &ada, &items).await;
    limits(app, "/api/v1/coop/proposals", &ada, 20, 40).await;
    // The governance log those proposals wrote pages the same way.
    let events = walk(app, "/api/v1/coop/events", &ada).await;
    edges(app, "/api/v1/coop/events", &ada, &events).await;
    // The state filter is one of the parameters the Link keeps.
    let (_, got, link) = page(app, "/api/v1/coop/proposals?state=open&limit=3", &ada).await;
    assert_eq!(got.len(), 3);
    let next = rel(&link.unwrap(), "next").unwrap();
    assert_eq!(param(&next, "state").as_deref(), Some("open"), "{next}");
}
on_both_backends!(proposals_edges, proposals);
