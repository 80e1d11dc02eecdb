//! `GET /api/v2/search`: accounts, hashtags, and statuses only where the caller may see them.

mod common;

use common::TestApp;
use serde_json::{json, Value};

fn texts(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["statuses"]
        .as_array()
        .unwrap_or_else(|| panic!("no statuses: {v}"))
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

async fn search(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;
    for (text, visibility) in [
        ("The quick brown Fox", "public"),
        ("secret fox plans", "private"),
        ("a fox for @bob alone", "direct"),
        ("nothing to see #Rustaceans", "public"),
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

    // Statuses: each caller finds what they may see, nothing more.
    let (status, r) = app
        .get_json("/api/v2/search?q=fox&type=statuses", Some(&carol))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&r).len(),
        1,
        "a stranger finds the public post only: {r}"
    );
    assert!(texts(&r)[0].contains("quick brown"));
    let (_, r) = app
        .get_json("/api/v2/search?q=fox&type=statuses", Some(&bob))
        .await;
    assert_eq!(
        texts(&r).len(),
        3,
        "the follower and recipient finds all three"
    );
    let (_, r) = app
        .get_json("/api/v2/search?q=FOX%20quick", Some(&alice))
        .await;
    assert_eq!(texts(&r).len(), 1, "every word must match");
    let (_, r) = app
        .get_json(
            &format!("/api/v2/search?q=fox&type=statuses&account_id={alice_id}&limit=1&offset=1"),
            Some(&bob),
        )
        .await;
    assert_eq!(texts(&r).len(), 1);
    // Anonymous: no statuses, and no paging.
    let (status, r) = app.get_json("/api/v2/search?q=fox", None).await;
    assert_eq!(status, 200);
    assert_eq!(r["statuses"], json!([]));
    let (status, _) = app.get_json("/api/v2/search?q=fox&offset=1", None).await;
    assert_eq!(status, 401);

    // Accounts: by prefix, by handle on this server; not on another.
    let (_, r) = app
        .get_json("/api/v2/search?q=ali&type=accounts", None)
        .await;
    assert_eq!(r["accounts"][0]["username"], "alice");
    assert_eq!(r["hashtags"], json!([]));
    let domain = app.base.trim_start_matches("http://").to_string();
    let (_, r) = app
        .get_json(
            &format!("/api/v2/search?q=%40alice%40{domain}&type=accounts"),
            Some(&bob),
        )
        .await;
    assert_eq!(r["accounts"].as_array().unwrap().len(), 1);
    let (_, r) = app
        .get_json(
            "/api/v2/search?q=alice%40elsewhere.example&resolve=true",
            Some(&bob),
        )
        .await;
    assert_eq!(r["accounts"], json!([]));
    let (_, r) = app
        .get_json(
            "/api/v2/search?q=a&type=accounts&following=true",
            Some(&bob),
        )
        .await;
    let names: Vec<&str> = r["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice"]);

    // Hashtags by prefix.
    let (_, r) = app
        .get_json("/api/v2/search?q=%23rust&type=hashtags", None)
        .await;
    assert_eq!(r["hashtags"][0]["name"], "rustaceans");
    assert!(r["hashtags"][0]["url"]
        .as_str()
        .unwrap()
        .ends_with("/tags/rustaceans"));

    // Bad input.
    let (status, _) = app
        .get_json("/api/v2/search?q=x&type=everything", Some(&bob))
        .await;
    assert_eq!(status, 400);
    let (status, r) = app.get_json("/api/v2/search?q=%20", Some(&bob)).await;
    assert_eq!(status, 200);
    assert_eq!(r, json!({"accounts": [], "statuses": [], "hashtags": []}));
}
on_both_backends!(search, search);
