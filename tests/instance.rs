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
    assert!(version.starts_with("4.5.0 (compatible; Herd "), "{version}");
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
    // 4.5's API level: quote posts (4.3's grouped notifications were 2).
    assert_eq!(v2["api_versions"]["mastodon"], 7, "{v2}");

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

/// A bylaws directory with the default documents plus a privacy policy and terms of service,
/// as a co-op whose founding documents include them.
fn with_policies(c: &mut herd::config::Config) {
    let dir = tempfile::tempdir().expect("dir").keep();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/bylaws")).expect("bylaws")
    {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("md") {
            std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    std::fs::write(
        dir.join("privacy-policy.md"),
        "---\nslug: privacy-policy\ntitle: Privacy policy\nversion: 1\nsummary: What we keep.\n---\n\
         # Privacy policy\n\nWe keep **as little** as we can.<script>alert(1)</script>\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("terms-of-service.md"),
        "---\nslug: terms-of-service\ntitle: Terms of service\nversion: 1\n---\n\
         # Terms of service\n\nBe excellent to each other.\n",
    )
    .expect("write");
    c.bylaws_dir = dir.display().to_string();
}

/// The instance's documents: peers, weekly activity, languages, the extended description,
/// translation languages, and the privacy policy and terms of service from the co-op's
/// adopted policies (404 without them, as Mastodon).
async fn instance_documents(app: &TestApp) {
    let (_, token) = app.user_with_token("ida").await;
    app.user_with_token("jon").await;
    for text in ["one", "two"] {
        let (code, _) = app
            .post_json(
                "/api/v1/statuses",
                &token,
                serde_json::json!({ "status": text }),
            )
            .await;
        assert_eq!(code, 200);
    }
    let (code, weeks) = app.get_json("/api/v1/instance/activity", None).await;
    assert_eq!(code, 200);
    let weeks = weeks.as_array().expect("weeks");
    assert_eq!(weeks.len(), 12);
    let this_week = &weeks[0];
    assert_eq!(this_week["statuses"], "2", "{this_week}");
    assert_eq!(this_week["registrations"], "2", "{this_week}");
    assert_eq!(this_week["logins"], "2", "{this_week}");
    assert_eq!(weeks[1]["statuses"], "0");
    let start: i64 = this_week["week"]
        .as_str()
        .expect("week")
        .parse()
        .expect("n");
    assert_eq!(
        start.rem_euclid(7 * 86_400),
        4 * 86_400,
        "weeks start on Monday"
    );
    let next: i64 = weeks[1]["week"].as_str().expect("week").parse().expect("n");
    assert_eq!(start - next, 7 * 86_400);

    let (code, langs) = app.get_json("/api/v1/instance/languages", None).await;
    assert_eq!(code, 200);
    assert!(langs
        .as_array()
        .expect("array")
        .contains(&serde_json::json!({ "code": "ja", "name": "Japanese" })));

    let (code, ext) = app
        .get_json("/api/v1/instance/extended_description", None)
        .await;
    assert_eq!(code, 200);
    let content = ext["content"].as_str().expect("content");
    assert!(
        content.contains(&app.state.config.instance.description),
        "{content}"
    );
    assert!(
        content.contains("Code of conduct") || content.contains("Code of Conduct"),
        "{content}"
    );
    assert!(ext["updated_at"].is_string());

    let (code, t) = app
        .get_json("/api/v1/instance/translation_languages", None)
        .await;
    assert_eq!((code, t), (200, serde_json::json!({})));

    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    let access = &v2["configuration"]["timelines_access"];
    assert_eq!(access["live_feeds"]["local"], "public", "{v2}");
    assert_eq!(access["hashtag_feeds"]["remote"], "public");
    assert_eq!(access["trending_link_feeds"]["local"], "public");
    assert!(v2["configuration"]["vapid"]["public_key"].is_string());
    assert_eq!(v2["configuration"]["urls"]["about"], app.url("/about"));
    assert_eq!(v2["icon"][0]["size"], "120x120");

    if app.state.config.bylaws_dir.is_empty() {
        // The default co-op has adopted neither.
        for path in ["privacy_policy", "terms_of_service"] {
            let (code, body) = app
                .get_json(&format!("/api/v1/instance/{path}"), None)
                .await;
            assert_eq!(code, 404, "{path}");
            assert!(body["error"].is_string());
        }
        assert_eq!(
            v2["configuration"]["urls"]["privacy_policy"],
            serde_json::Value::Null
        );
        let (code, peers) = app.get_json("/api/v1/instance/peers", None).await;
        assert_eq!((code, peers), (200, serde_json::json!([])));
    } else {
        let (code, pp) = app.get_json("/api/v1/instance/privacy_policy", None).await;
        assert_eq!(code, 200, "{pp}");
        let content = pp["content"].as_str().expect("content");
        assert!(content.contains("<strong>as little</strong>"), "{content}");
        assert!(!content.contains("<script"), "{content}");
        assert!(pp["updated_at"].is_string());
        let (code, tos) = app
            .get_json("/api/v1/instance/terms_of_service", None)
            .await;
        assert_eq!(code, 200, "{tos}");
        assert!(tos["content"]
            .as_str()
            .expect("content")
            .contains("Be excellent"));
        assert_eq!(tos["effective"], true);
        assert_eq!(tos["effective_date"].as_str().expect("date").len(), 10);
        assert_eq!(
            v2["configuration"]["urls"]["terms_of_service"],
            app.url("/policies/terms-of-service")
        );
    }
}
on_both_backends!(documents, instance_documents);
on_both_backends!(documents_with_policies, instance_documents, with_policies);

/// Peers are the domains of the remote accounts known here.
async fn peers_of(backend: common::Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    a.user_with_token("alice").await;
    let (_, bob) = b.user_with_token("bob").await;
    let da = a.state.config.domain.clone();
    let (code, found) = b
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=alice@{da}"),
            Some(&bob),
        )
        .await;
    assert_eq!(code, 200, "{found}");
    let (code, peers) = b.get_json("/api/v1/instance/peers", None).await;
    assert_eq!((code, peers), (200, serde_json::json!([da])));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_sqlite() {
    peers_of(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_postgres() {
    peers_of(common::Backend::Postgres).await;
}

/// Local live feeds for signed-in users, remote ones for staff only; local hashtag feeds for
/// staff only.
fn restricted_feeds(c: &mut herd::config::Config) {
    use herd::config::FeedAccess;
    c.timelines_access.live_feeds.local = FeedAccess::Authenticated;
    c.timelines_access.live_feeds.remote = FeedAccess::Disabled;
    c.timelines_access.hashtag_feeds.local = FeedAccess::Disabled;
}

/// `timelines_access` as operator settings: the v2 instance reports them, the public and
/// hashtag timelines and streams enforce them (401 for a reader who must sign in, only the
/// open part for one who may not read the other, nothing when neither is open).
async fn timelines_access(app: &TestApp) {
    let (_, ida) = app.user_with_token("ida").await;
    let moderator_id = app
        .create_user_with("mo", "correct horse battery", Some("moderator"), true)
        .await;
    let mo = herd::services::oauth::operator_token(&app.state, moderator_id, "read write")
        .await
        .expect("token");
    let (code, posted) = app
        .post_json(
            "/api/v1/statuses",
            &ida,
            serde_json::json!({ "status": "hello #news", "visibility": "public" }),
        )
        .await;
    assert_eq!(code, 200, "{posted}");
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    let access = &v2["configuration"]["timelines_access"];
    assert_eq!(access["live_feeds"]["local"], "authenticated");
    assert_eq!(access["live_feeds"]["remote"], "disabled");
    assert_eq!(access["hashtag_feeds"]["local"], "disabled");
    assert_eq!(access["hashtag_feeds"]["remote"], "public");

    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s["id"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mine = vec![posted["id"].as_str().expect("id").to_string()];
    // Anonymous readers must sign in for anything that is not public.
    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
        "/api/v1/timelines/public?remote=true",
        "/api/v1/timelines/tag/news",
        "/api/v1/timelines/tag/news?local=true",
    ] {
        let (code, body) = app.get_json(path, None).await;
        assert_eq!(code, 401, "{path}: {body}");
        assert!(body["error"].is_string());
    }
    // A signed-in user reads the local feed, not the remote one.
    let (code, v) = app
        .get_json("/api/v1/timelines/public?local=true", Some(&ida))
        .await;
    assert_eq!((code, ids(&v)), (200, mine.clone()));
    let (code, v) = app.get_json("/api/v1/timelines/public", Some(&ida)).await;
    assert_eq!((code, ids(&v)), (200, mine.clone()), "the local part only");
    let (code, v) = app
        .get_json("/api/v1/timelines/public?remote=true", Some(&ida))
        .await;
    assert_eq!((code, v), (200, serde_json::json!([])));
    // The local hashtag feed is for staff: a user gets the remote part (nothing here).
    let (code, v) = app.get_json("/api/v1/timelines/tag/news", Some(&ida)).await;
    assert_eq!((code, v), (200, serde_json::json!([])));
    let (code, v) = app.get_json("/api/v1/timelines/tag/news", Some(&mo)).await;
    assert_eq!((code, ids(&v)), (200, mine.clone()));

    // Streams: the same rules, whole streams only.
    let sse = |path: &str, token: &str| {
        app.client
            .get(app.url(&format!("/api/v1/streaming/{path}")))
            .bearer_auth(token)
            .send()
    };
    for (path, token, expected) in [
        ("public/local", &ida, 200),
        ("public", &ida, 403),
        ("public/remote", &ida, 403),
        ("hashtag/local?tag=news", &ida, 403),
        ("hashtag?tag=news", &mo, 200),
        ("public", &mo, 200),
    ] {
        let res = sse(path, token).await.expect("GET");
        assert_eq!(res.status().as_u16(), expected, "{path}");
    }
}
on_both_backends!(feed_access, timelines_access, restricted_feeds);
