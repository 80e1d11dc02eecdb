//! The instance entities, rules from the adopted code of conduct, health, and the HTTP
//! conventions every endpoint shares (trailing slashes, JSON 404s, request ids, CORS).

mod common;

use common::TestApp;

async fn instance_entities(app: &TestApp) {
    app.create_user("ida", "correct horse battery").await;
    for path in ["/api/v1/instance", "/api/v1/instance/"] {
        let (status, v1) = app.get_json(path, None).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(v1["uri"], app.state.config.domain);
        assert_eq!(v1["stats"]["user_count"], 1);
        assert_eq!(v1["registrations"], true);
        assert_eq!(
            v1["urls"]["streaming_api"],
            format!("ws://{}", app.state.config.domain)
        );
    }
    let (status, v2) = app.get_json("/api/v2/instance/", None).await;
    assert_eq!(status, 200);
    let version = v2["version"].as_str().unwrap();
    // Mastodon.py reads the first version in the string; never "4.x+1.2.3".
    assert!(version.starts_with("4.2.0 (compatible; Herd "), "{version}");
    assert_eq!(v2["domain"], app.state.config.domain);
    assert_eq!(v2["configuration"]["statuses"]["max_characters"], 500);
    assert_eq!(
        v2["configuration"]["statuses"]["characters_reserved_per_url"],
        23
    );
    assert_eq!(v2["configuration"]["polls"]["max_options"], 4);
    assert!(
        v2["configuration"]["media_attachments"]["supported_mime_types"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    assert_eq!(v2["registrations"]["enabled"], true);
    assert_eq!(v2["registrations"]["approval_required"], false);
    assert!(v2["contact"].get("email").is_some());
    assert!(
        v2.get("api_versions").is_none(),
        "only a 4.3 claim carries api_versions"
    );

    // Rules are the top-level clauses of the code of conduct in force, with its clause ids.
    let (status, rules) = app.get_json("/api/v1/instance/rules", None).await;
    assert_eq!(status, 200);
    let coc = app.state.founding.code_of_conduct();
    let expected: Vec<(String, String)> = coc
        .top_level_clauses()
        .map(|c| (c.id.clone(), c.title.clone()))
        .collect();
    let got: Vec<(String, String)> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(!got.is_empty());
    assert!(rules[0]["hint"].as_str().unwrap().len() > 10);
    assert_eq!(v2["rules"], rules);
}
on_both_backends!(instance, instance_entities);

async fn http_conventions(app: &TestApp) {
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(res.text().await.unwrap(), "OK");

    let res = app
        .client
        .get(app.url("/api/v1/nothing/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["error"],
        "Record not found"
    );

    // Browser clients (Elk, Phanpy) need CORS with the paging and rate-limit headers exposed.
    let res = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/api/v1/accounts/verify_credentials"),
        )
        .header("origin", "https://elk.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let res = app
        .client
        .get(app.url("/api/v1/instance"))
        .header("origin", "https://elk.example")
        .send()
        .await
        .unwrap();
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("link") && exposed.contains("x-ratelimit-remaining"),
        "{exposed}"
    );

    // Authenticated answers are never cached by shared caches.
    app.create_user("ivy", "correct horse battery").await;
    let token = app.login("ivy", "correct horse battery", "read").await;
    let res = app
        .client
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}
on_both_backends!(conventions, http_conventions);
