//! The doors an anonymous attacker knocks on (issue 12, items 3–5): bodies whose parsing
//! costs more than their size, the sign-in form's `return_to`, and the rate limits that a
//! made-up token or a burst of guesses used to slip past.

mod common;

use std::time::{Duration, Instant};

use common::{csrf_of, TestApp};
use serde_json::Value;

/// Mirrors `herd::http::body::MAX_FORM_FIELDS`.
const MAX_FORM_FIELDS: usize = 1_000;

/// `count` fields `x[][abcd]=` with distinct four-letter keys: Rack's array-of-hashes
/// notation, the shape that used to cost quadratic time. 85,000 of them are 0.9 MiB, under
/// the 1 MiB body limit.
fn array_of_hashes_form(count: usize) -> String {
    let mut body = String::with_capacity(count * 11);
    for i in 0..count {
        if i > 0 {
            body.push('&');
        }
        let key: String = (0..4)
            .map(|d| char::from(b'a' + (i / 26usize.pow(d) % 26) as u8))
            .collect();
        body.push_str(&format!("x[][{key}]="));
    }
    body
}

/// GET /health from a thread and runtime of its own, so a server that blocks its async
/// workers (which the test's client shares) cannot stall the probe itself. Returns how long
/// the answer took, or `None` if it did not come within `patience`.
fn probe_health(url: String, patience: Duration) -> std::thread::JoinHandle<Option<Duration>> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("probe runtime");
        rt.block_on(async move {
            let started = Instant::now();
            let client = reqwest::Client::new();
            match tokio::time::timeout(patience, client.get(&url).send()).await {
                Ok(Ok(res)) if res.status() == 200 => Some(started.elapsed()),
                _ => None,
            }
        })
    })
}

async fn post_form(app: &TestApp, path: &str, body: String) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Item 3: a form over the field cap is refused with 413 and `{"error"}`, without signing in,
/// and `/health` answers while a few such forms are in flight.
async fn oversized_forms_are_refused_and_health_answers(app: &TestApp) {
    let body = array_of_hashes_form(85_000);
    assert!(body.len() < 1024 * 1024, "{} bytes", body.len());
    let mut posts = Vec::new();
    for _ in 0..3 {
        let client = app.client.clone();
        let url = app.url("/api/v1/apps");
        let body = format!("client_name=x&redirect_uris=urn:ietf:wg:oauth:2.0:oob&{body}");
        posts.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("POST /api/v1/apps");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }));
    }
    // Ask for /health every 200 ms for 3 s while the forms are sent and parsed: each answer
    // must come within 5 s. (This thread sleeps rather than awaits: a timer of the server's
    // runtime would wait for a free worker too.)
    for probe in 0..15 {
        std::thread::sleep(Duration::from_millis(200));
        let health = probe_health(app.url("/health"), Duration::from_secs(5))
            .join()
            .expect("probe thread");
        assert!(
            health.is_some(),
            "/health did not answer within 5 s (probe {probe}) with three oversized forms in flight"
        );
    }
    for post in posts {
        let (status, body) = post.await.expect("form task");
        assert_eq!(status, 413, "{body}");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.contains("fields") && e.contains("1000")),
            "{body}"
        );
    }
    // The same cap on a multipart body and on a query string.
    let mut multipart = reqwest::multipart::Form::new().text("client_name", "x");
    for i in 0..MAX_FORM_FIELDS + 1 {
        multipart = multipart.text(format!("f{i}"), "1");
    }
    let res = app
        .client
        .post(app.url("/api/v1/apps"))
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let query: Vec<String> = (0..MAX_FORM_FIELDS + 1)
        .map(|i| format!("any[]=t{i}"))
        .collect();
    let (status, body) = app
        .get_json(
            &format!("/api/v1/timelines/tag/cats?{}", query.join("&")),
            None,
        )
        .await;
    assert_eq!(status, 413, "{body}");
}
on_both_backends!(
    oversized_forms,
    oversized_forms_are_refused_and_health_answers
);

/// Item 3: the cap is a count of fields (the boundary is exact), and Rack's arrays of hashes
/// still parse: a filter with 100 keywords (Herd's largest legitimate form) is taken whole.
async fn forms_up_to_the_cap_still_parse(app: &TestApp) {
    let fill = |n: usize| -> String {
        let mut body = "client_name=edge&redirect_uris=urn:ietf:wg:oauth:2.0:oob".to_string();
        for i in 2..n {
            body.push_str(&format!("&pad{i}=1"));
        }
        body
    };
    let (status, body) = post_form(app, "/api/v1/apps", fill(MAX_FORM_FIELDS)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_form(app, "/api/v1/apps", fill(MAX_FORM_FIELDS + 1)).await;
    assert_eq!(status, 413, "{body}");
    // A large body under the cap (parsed on the blocking pool) is read whole.
    let long = "w".repeat(900);
    let mut big = format!(
        "client_name=big&redirect_uris=urn:ietf:wg:oauth:2.0:oob&website=https://x.example/{long}"
    );
    for i in 3..MAX_FORM_FIELDS {
        big.push_str(&format!("&pad{i}={long}"));
    }
    assert!(big.len() > 800 * 1024 && big.len() < 1024 * 1024);
    let (status, body) = post_form(app, "/api/v1/apps", big).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "big");
    assert!(
        body["website"].as_str().is_some_and(|w| w.ends_with(&long)),
        "{body}"
    );

    let (_, bob) = app.user_with_token("bob").await;
    let mut form = "title=Zoo&context[]=home&context[]=public".to_string();
    for i in 0..100usize {
        let whole = if i.is_multiple_of(2) { "1" } else { "0" };
        form.push_str(&format!(
            "&keywords_attributes[][keyword]=animal{i}&keywords_attributes[][whole_word]={whole}"
        ));
    }
    let res = app
        .client
        .post(app.url("/api/v2/filters"))
        .bearer_auth(&bob)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let f: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{f}");
    let keywords = f["keywords"].as_array().expect("keywords");
    assert_eq!(keywords.len(), 100, "{f}");
    for (i, k) in keywords.iter().enumerate() {
        assert_eq!(k["keyword"], format!("animal{i}"), "{f}");
        assert_eq!(k["whole_word"], i.is_multiple_of(2), "{f}");
    }
    assert_eq!(f["context"], serde_json::json!(["home", "public"]));
}
on_both_backends!(forms_up_to_the_cap, forms_up_to_the_cap_still_parse);

/// Item 4: after sign-in, `return_to` leads to a path on this site however a browser would
/// normalise it (tabs and newlines dropped, leading spaces trimmed, backslashes as slashes).
async fn return_to_stays_on_this_site(app: &TestApp) {
    app.create_user("hana", "correct horse battery").await;
    let base = url::Url::parse(&app.url("/")).expect("base URL");
    let evil = [
        "/\t/evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "\\\\evil.example",
        " //evil.example",
        "/\n/evil.example",
        "\t//evil.example",
        "/%09/evil.example",
        "https://evil.example",
        "//evil.example",
        "/%2F%2Fevil.example",
        "/.//evil.example",
        "/..//evil.example",
        "javascript:alert(1)",
        "http:evil.example",
    ];
    for return_to in evil.iter().copied().chain(["/settings?x=1#y"]) {
        let browser = app.browser();
        let html = browser
            .get(app.url("/auth/sign_in"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&html);
        let res = browser
            .post(app.url("/auth/sign_in"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", "hana"),
                ("password", "correct horse battery"),
                ("return_to", return_to),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{return_to:?}: {e}"));
        assert_eq!(res.status(), 303, "{return_to:?}");
        let location = res.headers()["location"]
            .to_str()
            .expect("location is text")
            .to_string();
        // Where a browser goes: the WHATWG URL parser, as the url crate implements it.
        let lands = base.join(&location).expect("location resolves");
        assert_eq!(
            lands.origin(),
            base.origin(),
            "{return_to:?} sent the browser to {lands}"
        );
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{return_to:?} gave {location:?}"
        );
        if return_to == "/settings?x=1#y" {
            assert_eq!(location, "/settings?x=1#y");
        }
        // Signed in, the sign-in page sends the browser on with the same check.
        let res = browser
            .get(app.url("/auth/sign_in"))
            .query(&[("return_to", return_to)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{return_to:?}");
        let again = res.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(
            base.join(&again).expect("resolves").origin(),
            base.origin(),
            "{return_to:?} gave {again:?}"
        );
    }
}
on_both_backends!(return_to, return_to_stays_on_this_site);

/// Item 5: a made-up bearer token is refused with 401 on every API endpoint, even those that
/// anyone may read, and does not buy a fresh rate-limit bucket: the client's address is the
/// bucket, so after the API limit every answer is 429.
async fn made_up_tokens_get_401_and_no_bucket(app: &TestApp) {
    let (_, real) = app.user_with_token("kit").await;
    for path in [
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/instance/rules",
        "/api/v1/timelines/public",
        "/api/v1/accounts/lookup?acct=kit",
    ] {
        let (status, body) = app.get_json(path, Some("made-up")).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["error"], "The access token is invalid", "{path}");
        let (status, _) = app.get_json(path, None).await;
        assert_eq!(status, 200, "{path} anonymously");
    }
    // In the query too, as streaming clients send it.
    let (status, body) = app
        .get_json("/api/v1/instance?access_token=made-up", None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("The access token is invalid"))
    );

    let limit = app.state.config.rate_limits.api_requests as usize;
    let mut refused = 0;
    let mut last_remaining = usize::MAX;
    for i in 0..limit + 30 {
        let res = app
            .client
            .get(app.url("/api/v1/instance"))
            .header("x-forwarded-for", "198.51.100.7")
            .bearer_auth(format!("fake-{i}"))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        assert_eq!(
            headers["x-ratelimit-limit"],
            limit.to_string().as_str(),
            "{i}"
        );
        let remaining: usize = headers["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_ne!(status, 200, "request {i} with a made-up token was served");
        if status == 401 {
            assert_eq!(body["error"], "The access token is invalid");
            assert!(
                remaining < last_remaining,
                "{i}: one bucket for every token"
            );
            last_remaining = remaining;
        } else {
            assert_eq!(status, 429, "{i}: {body}");
            refused += 1;
        }
    }
    assert_eq!(refused, 30, "the address's bucket held {limit} requests");
    // Anonymous requests from that address share the spent bucket …
    let res = app
        .client
        .get(app.url("/api/v1/instance"))
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // … while a real token is limited by its account.
    let res = app
        .client
        .get(app.url("/api/v1/instance"))
        .header("x-forwarded-for", "198.51.100.7")
        .bearer_auth(&real)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["x-ratelimit-remaining"],
        (limit - 1).to_string().as_str()
    );
}
on_both_backends!(
    made_up_tokens,
    made_up_tokens_get_401_and_no_bucket,
    |c: &mut herd::config::Config| {
        c.rate_limits.exempt_loopback = false;
    }
);

/// Moves the clock to just after the start of a rate-limit window, so a burst cannot
/// straddle two windows.
fn start_of_a_window(app: &TestApp) {
    let window = app.state.config.rate_limits.login_window_seconds as i64 * 1_000_000;
    let into = app.state.clock.now_micros().rem_euclid(window);
    app.state
        .clock
        .advance(Duration::from_micros((window - into + 1_000_000) as u64));
}

/// A distinct client address per request (the loopback proxy is trusted), so only the
/// per-account limit can stop the burst.
fn address(i: usize) -> String {
    format!("203.0.{}.{}", i / 200, i % 200 + 1)
}

/// Item 5: 120 wrong passwords sent at once, by username and by email, from 120 addresses:
/// at most the limit of them are checked; the rest, and then the right password, get 429.
async fn sign_in_burst_is_limited_per_account(app: &TestApp) {
    app.create_user("ivy", "correct horse battery").await;
    let limit = app.state.config.rate_limits.login_attempts as usize;
    start_of_a_window(app);
    let browser = app.browser();
    let html = browser
        .get(app.url("/auth/sign_in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let attempt = |i: usize, password: &'static str| {
        let browser = browser.clone();
        let url = app.url("/auth/sign_in");
        let csrf = csrf.clone();
        let login = if i.is_multiple_of(2) {
            "ivy"
        } else {
            "IVY@example.org"
        };
        async move {
            browser
                .post(url)
                .header("x-forwarded-for", address(i))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("login", login),
                    ("password", password),
                    ("return_to", "/"),
                ])
                .send()
                .await
                .expect("POST /auth/sign_in")
                .status()
                .as_u16()
        }
    };
    let burst: Vec<_> = (0..120)
        .map(|i| tokio::spawn(attempt(i, "wrong password")))
        .collect();
    let mut answers = Vec::new();
    for a in burst {
        answers.push(a.await.expect("attempt"));
    }
    let checked = answers.iter().filter(|s| **s == 401).count();
    let limited = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, limited),
        (limit, 120 - limit),
        "answers: {answers:?}"
    );
    for i in [200, 201] {
        assert_eq!(
            attempt(i, "correct horse battery").await,
            429,
            "the right password after the limit"
        );
    }
    // Unknown names are limited the same way, keyed by the name as typed (case aside).
    for i in 0..limit {
        let login = if i.is_multiple_of(2) {
            "nobody"
        } else {
            "NoBody"
        };
        let res = browser
            .post(app.url("/auth/sign_in"))
            .header("x-forwarded-for", address(300 + i))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("login", login),
                ("password", "x"),
                ("return_to", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = browser
        .post(app.url("/auth/sign_in"))
        .header("x-forwarded-for", address(399))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", "nobody"),
            ("password", "x"),
            ("return_to", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // A new window lets the owner back in.
    app.state.clock.advance(Duration::from_secs(
        app.state.config.rate_limits.login_window_seconds,
    ));
    assert_eq!(attempt(202, "correct horse battery").await, 303);
}
on_both_backends!(
    sign_in_burst,
    sign_in_burst_is_limited_per_account,
    |c: &mut herd::config::Config| {
        c.rate_limits.exempt_loopback = false;
    }
);

/// Item 5, the same through the OAuth password grant: one bucket per account, counted before
/// any password is checked.
async fn password_grant_burst_is_limited_per_account(app: &TestApp) {
    app.create_user("jay", "correct horse battery").await;
    let limit = app.state.config.rate_limits.login_attempts as usize;
    let (id, secret) = app.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    start_of_a_window(app);
    let attempt = |i: usize, password: &'static str| {
        let client = app.client.clone();
        let url = app.url("/oauth/token");
        let (id, secret) = (id.clone(), secret.clone());
        let login = if i.is_multiple_of(2) {
            "jay"
        } else {
            "jay@example.org"
        };
        async move {
            let res = client
                .post(url)
                .header("x-forwarded-for", address(i))
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("username", login),
                    ("password", password),
                    ("scope", "read"),
                ])
                .send()
                .await
                .expect("POST /oauth/token");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let burst: Vec<_> = (0..120)
        .map(|i| tokio::spawn(attempt(i, "wrong password")))
        .collect();
    let mut answers = Vec::new();
    for a in burst {
        answers.push(a.await.expect("attempt"));
    }
    let checked = answers
        .iter()
        .filter(|(s, b)| *s == 400 && b["error"] == "invalid_grant")
        .count();
    let limited = answers
        .iter()
        .filter(|(s, b)| *s == 429 && b["error"] == "Too many requests")
        .count();
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        (checked, limited),
        (limit, 120 - limit),
        "answers: {statuses:?}"
    );
    let (status, body) = attempt(200, "correct horse battery").await;
    assert_eq!(status, 429, "the right password after the limit: {body}");
    app.state.clock.advance(Duration::from_secs(
        app.state.config.rate_limits.login_window_seconds,
    ));
    let (status, body) = attempt(201, "correct horse battery").await;
    assert_eq!(status, 200, "{body}");
}
on_both_backends!(
    password_grant_burst,
    password_grant_burst_is_limited_per_account,
    |c: &mut herd::config::Config| {
        c.rate_limits.exempt_loopback = false;
    }
);
