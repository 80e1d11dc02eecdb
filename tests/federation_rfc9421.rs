//! RFC 9421 HTTP Message Signatures on receipt (Mastodon 4.5's rules, research A6), against a
//! real inbox and an authorized-fetch actor: a Herd instance under test (each backend, in
//! secure mode) and a second Herd on SQLite whose member `bob` signs. The signer here is
//! written from the RFC (§2.5 signature base, §4.1 fields, RFC 9530 Content-Digest), not from
//! our verifier; only the RSA primitive (aws-lc-rs through `SigningKey`) is shared.

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::{Backend, TestApp};
use herd::federation::keys;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};

/// One RFC 9421 signature to make.
#[derive(Clone)]
struct Spec {
    /// Covered components, in order.
    components: Vec<&'static str>,
    /// `created` relative to now (seconds); None leaves it out.
    created: Option<i64>,
    expires: Option<i64>,
    alg: Option<&'static str>,
    label: &'static str,
}

impl Spec {
    /// What Fedify 2.x sends on a POST.
    fn fedify() -> Spec {
        Spec {
            components: vec![
                "@method",
                "@target-uri",
                "@authority",
                "host",
                "date",
                "content-digest",
            ],
            created: Some(0),
            expires: None,
            alg: Some("rsa-v1_5-sha256"),
            label: "sig1",
        }
    }
    fn with(mut self, f: impl FnOnce(&mut Spec)) -> Spec {
        f(&mut self);
        self
    }
}

/// A member of the second instance who signs requests to the first.
struct Remote<'a> {
    home: &'a TestApp,
    owner: String,
    key_id: String,
}

/// A request as it will be sent: method, full URL, header fields (lowercase names), body.
struct Outgoing {
    method: &'static str,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Remote<'_> {
    /// Signs `out` per `spec`, adding Signature-Input and Signature.
    async fn sign(&self, out: &mut Outgoing, spec: &Spec) {
        let key = keys::signing_key(&self.home.state, &self.owner)
            .await
            .expect("key");
        let now = self.home.state.clock.now_micros() / 1_000_000;
        // §2.3: the signature parameters, serialised as an inner list.
        let mut params = format!(
            "({})",
            spec.components
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if let Some(c) = spec.created {
            params.push_str(&format!(";created={}", now + c));
        }
        if let Some(e) = spec.expires {
            params.push_str(&format!(";expires={}", now + e));
        }
        params.push_str(&format!(";keyid=\"{}\"", self.key_id));
        if let Some(alg) = spec.alg {
            params.push_str(&format!(";alg=\"{alg}\""));
        }
        // §2.5: one line per component, then @signature-params.
        let authority = match out.url.port() {
            Some(p) => format!("{}:{p}", out.url.host_str().expect("host")),
            None => out.url.host_str().expect("host").to_string(),
        };
        let mut base = String::new();
        for c in &spec.components {
            let value = match *c {
                "@method" => out.method.to_string(),
                "@target-uri" => out.url.to_string(),
                "@authority" => authority.clone(),
                "@path" => out.url.path().to_string(),
                name => out
                    .headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| panic!("no {name} header to sign")),
            };
            base.push_str(&format!("\"{c}\": {value}\n"));
        }
        base.push_str(&format!("\"@signature-params\": {params}"));
        let sig = key.sign(base.as_bytes()).expect("sign");
        out.headers
            .push(("signature-input".into(), format!("{}={params}", spec.label)));
        out.headers.push((
            "signature".into(),
            format!("{}=:{}:", spec.label, B64.encode(sig)),
        ));
    }

    /// A POST of `body` to `to`'s `path`, with Host, Date, Content-Type and (RFC 9530)
    /// Content-Digest, not yet signed.
    fn post(&self, to: &TestApp, path: &str, body: &[u8]) -> Outgoing {
        let url = url::Url::parse(&to.url(path)).expect("url");
        Outgoing {
            method: "POST",
            headers: vec![
                ("host".into(), to.state.config.domain.clone()),
                (
                    "date".into(),
                    herd::federation::signatures::http_date(self.home.state.clock.now_micros()),
                ),
                ("content-type".into(), "application/activity+json".into()),
                (
                    "content-digest".into(),
                    format!("sha-256=:{}:", B64.encode(Sha256::digest(body))),
                ),
            ],
            url,
            body: Some(body.to_vec()),
        }
    }

    fn get(&self, to: &TestApp, path: &str) -> Outgoing {
        let url = url::Url::parse(&to.url(path)).expect("url");
        Outgoing {
            method: "GET",
            headers: vec![
                ("host".into(), to.state.config.domain.clone()),
                (
                    "date".into(),
                    herd::federation::signatures::http_date(self.home.state.clock.now_micros()),
                ),
                ("accept".into(), "application/activity+json".into()),
            ],
            url,
            body: None,
        }
    }
}

/// Sends `out` (to `url`, whatever it was signed for) and returns the status and JSON body.
async fn send(app: &TestApp, out: Outgoing, url: Option<String>) -> (u16, Value) {
    let url = url.unwrap_or_else(|| out.url.to_string());
    let mut req = match out.method {
        "GET" => app.client.get(url),
        _ => app.client.post(url),
    };
    for (k, v) in &out.headers {
        if k != "host" {
            req = req.header(k.as_str(), v.as_str());
        }
    }
    if let Some(body) = out.body {
        req = req.body(body);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

/// Rows an accepted activity would write: none may appear for a refused one.
async fn written(app: &TestApp) -> [i64; 4] {
    [
        count(app, "statuses").await,
        count(app, "follows").await,
        count(app, "follow_requests").await,
        count(app, "inbox_activities").await,
    ]
}

fn create(actor: &str, n: u32, word: &str) -> String {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/statuses/{n}/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": format!("{actor}/statuses/{n}"),
            "type": "Note",
            "attributedTo": actor,
            "content": format!("<p>rfc9421 {word}</p>"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }
    })
    .to_string()
}

async fn rfc9421_on_receipt(a: &TestApp) {
    let b = TestApp::spawn(Backend::Sqlite).await.expect("signer's app");
    let alice_id = a.create_user("alice", "correct horse battery").await;
    let bob_id = b.create_user("bob", "correct horse battery").await;
    b.create_user("mallory", "correct horse battery").await;
    let db = b.state.config.domain.clone();
    let bob = format!("http://{db}/users/bob");
    let mallory = format!("http://{db}/users/mallory");
    let remote = Remote {
        home: &b,
        owner: bob_id.to_string(),
        key_id: format!("{bob}#main-key"),
    };

    // Bad inputs first (the key of bob is fetched by the first of them): each is 401 with
    // an error, and writes nothing.
    let before = written(a).await;
    let body = create(&bob, 1, "refused").into_bytes();
    let refuse = |name: &'static str, spec: Spec| (name, spec);
    let cases = vec![
        refuse(
            "no created parameter",
            Spec::fedify().with(|s| s.created = None),
        ),
        refuse("too old", Spec::fedify().with(|s| s.created = Some(-7200))),
        refuse(
            "in the future",
            Spec::fedify().with(|s| s.created = Some(7200)),
        ),
        refuse(
            "has expired",
            Spec::fedify().with(|s| {
                s.created = Some(-120);
                s.expires = Some(-60);
            }),
        ),
        refuse(
            "must cover @method",
            Spec::fedify().with(|s| s.components.retain(|c| *c != "@method")),
        ),
        refuse(
            "must cover @target-uri",
            Spec::fedify().with(|s| s.components.retain(|c| *c != "@target-uri")),
        ),
        refuse(
            "must cover content-digest",
            Spec::fedify().with(|s| s.components.retain(|c| *c != "content-digest")),
        ),
        refuse(
            "Unsupported signature algorithm",
            Spec::fedify().with(|s| s.alg = Some("rsa-pss-sha512")),
        ),
        refuse(
            "algorithm hmac-sha256",
            Spec::fedify().with(|s| s.alg = Some("hmac-sha256")),
        ),
    ];
    for (name, spec) in cases {
        let mut out = remote.post(a, "/inbox", &body);
        remote.sign(&mut out, &spec).await;
        let (status, v) = send(a, out, None).await;
        assert_eq!(status, 401, "{name}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(name)),
            "{name}: {v}"
        );
    }
    // Tampered body: signed over one body (and its Content-Digest), another sent.
    let mut out = remote.post(a, "/inbox", &body);
    remote.sign(&mut out, &Spec::fedify()).await;
    out.body = Some(create(&bob, 1, "tampered").into_bytes());
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 401, "tampered body: {v}");
    assert!(
        v["error"].as_str().unwrap_or("").contains("Content-Digest"),
        "{v}"
    );
    // A Content-Digest that matches the body but was changed after signing.
    let mut out = remote.post(a, "/inbox", &body);
    remote.sign(&mut out, &Spec::fedify()).await;
    for (k, v) in out.headers.iter_mut() {
        if k == "content-digest" {
            *v = format!("sha-512=:{}:", B64.encode(Sha512::digest(&body)));
        }
    }
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 401, "digest swapped after signing: {v}");
    assert_eq!(v["error"], "Signature does not verify");
    // Signed for alice's inbox, sent to the shared inbox (@target-uri differs).
    let mut out = remote.post(a, "/users/alice/inbox", &body);
    remote.sign(&mut out, &Spec::fedify()).await;
    let (status, v) = send(a, out, Some(a.url("/inbox"))).await;
    assert_eq!(status, 401, "target: {v}");
    assert_eq!(v["error"], "Signature does not verify");
    // Two signatures (the same one under two labels).
    let mut out = remote.post(a, "/inbox", &body);
    remote.sign(&mut out, &Spec::fedify()).await;
    let input = out.headers[out.headers.len() - 2].1.clone();
    let sig = out.headers[out.headers.len() - 1].1.clone();
    let n = out.headers.len();
    out.headers[n - 2].1 = format!("{input}, {}", input.replacen("sig1=", "sig2=", 1));
    out.headers[n - 1].1 = format!("{sig}, {}", sig.replacen("sig1=", "sig2=", 1));
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 401, "two signatures: {v}");
    assert!(
        v["error"].as_str().unwrap_or("").contains("Exactly one"),
        "{v}"
    );
    // Signed by bob, the activity claims mallory.
    let forged = create(&mallory, 2, "forged").into_bytes();
    let mut out = remote.post(a, "/inbox", &forged);
    remote.sign(&mut out, &Spec::fedify()).await;
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 401, "key of another actor: {v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or("")
            .contains("does not belong"),
        "{v}"
    );
    // bob's key made the signature, the keyid names mallory's.
    let imposter = Remote {
        home: &b,
        owner: bob_id.to_string(),
        key_id: format!("{mallory}#main-key"),
    };
    let mut out = imposter.post(a, "/inbox", &forged);
    imposter.sign(&mut out, &Spec::fedify()).await;
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 401, "mallory's keyid, bob's key: {v}");
    assert_eq!(v["error"], "Signature does not verify");
    // Garbage structured fields → 401, as a malformed draft-cavage Signature is.
    for (input, sig) in [
        ("sig1=(\"@method\" \"@target-uri\";created=1", "sig1=:AAAA:"),
        (
            "sig1=(\"@method\" \"@target-uri\");created=1;keyid=\"k\"",
            "sig1=AAAA",
        ),
        ("Sig1=(\"@method\");created=1;keyid=\"k\"", "Sig1=:AAAA:"),
        (
            "sig1=(\"@method\");created=1;keyid=\"k\"",
            "keyId=\"k\",signature=\"AAAA\"",
        ),
        ("", ""),
    ] {
        let res = a
            .client
            .post(a.url("/inbox"))
            .header("content-type", "application/activity+json")
            .header("signature-input", input)
            .header("signature", sig)
            .body(body.clone())
            .send()
            .await
            .expect("POST");
        assert_eq!(res.status(), 401, "{input} / {sig}");
        let v: Value = res.json().await.expect("json");
        assert!(v["error"].is_string(), "{v}");
    }
    assert_eq!(written(a).await, before, "refused requests wrote nothing");

    // A Follow signed as Fedify signs, to alice's inbox: accepted, bob is her follower.
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}#follows/1"),
        "type": "Follow",
        "actor": bob,
        "object": format!("http://{}/users/alice", a.state.config.domain),
    })
    .to_string();
    let mut out = remote.post(a, "/users/alice/inbox", follow.as_bytes());
    remote.sign(&mut out, &Spec::fedify()).await;
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 202, "{v}");
    let (status, followers) = a
        .get_json(&format!("/api/v1/accounts/{alice_id}/followers"), None)
        .await;
    assert_eq!(status, 200, "{followers}");
    assert!(
        followers
            .as_array()
            .expect("array")
            .iter()
            .any(|f| f["acct"] == format!("bob@{db}")),
        "{followers}"
    );

    // A Create with no alg (inferred from the RSA key), covering @path too and a sha-512
    // Content-Digest beside the sha-256: accepted, the post is on the public timeline.
    let word = uuid::Uuid::new_v4().simple().to_string();
    let note = create(&bob, 3, &word).into_bytes();
    let mut out = remote.post(a, "/inbox", &note);
    for (k, v) in out.headers.iter_mut() {
        if k == "content-digest" {
            *v = format!("{v}, sha-512=:{}:", B64.encode(Sha512::digest(&note)));
        }
    }
    let spec = Spec::fedify().with(|s| {
        s.alg = None;
        s.components.push("@path");
        s.label = "fedify";
    });
    remote.sign(&mut out, &spec).await;
    let (status, v) = send(a, out, None).await;
    assert_eq!(status, 202, "{v}");
    let (status, public) = a.get_json("/api/v1/timelines/public", None).await;
    assert_eq!(status, 200, "{public}");
    let post = public
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["content"].as_str().is_some_and(|c| c.contains(&word)))
        .unwrap_or_else(|| panic!("the post is on the public timeline: {public}"));
    assert_eq!(post["account"]["acct"], format!("bob@{db}"));
    assert_eq!(written(a).await[0], before[0] + 1);

    // Authorized fetch: alice's actor needs a signed GET; an RFC 9421 one is served.
    let (status, _) = send(a, remote.get(a, "/users/alice"), None).await;
    assert_eq!(status, 401, "unsigned GET in secure mode");
    let get_spec = Spec::fedify().with(|s| s.components.retain(|c| *c != "content-digest"));
    let mut out = remote.get(a, "/users/alice");
    remote.sign(&mut out, &get_spec).await;
    let (status, actor) = send(a, out, None).await;
    assert_eq!(status, 200, "{actor}");
    assert_eq!(actor["type"], "Person");
    // …but not one that does not cover @target-uri.
    let mut out = remote.get(a, "/users/alice");
    remote
        .sign(
            &mut out,
            &get_spec.with(|s| s.components.retain(|c| *c != "@target-uri")),
        )
        .await;
    assert_eq!(send(a, out, None).await.0, 401);
    b.stop().await;
}

on_both_backends!(rfc9421_signatures_on_receipt, rfc9421_on_receipt, |c| c
    .federation
    .secure_mode =
    true);
