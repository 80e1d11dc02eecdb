//! Federation benchmarks (`herd bench signatures | ingest | fan-out`): they print figures, and
//! each run states what it measured. The server is the real app (router, inbox, job worker)
//! on loopback; remote servers are small axum fakes in the same process, on other ports (and
//! on 127.0.0.2), reached through the SSRF guard with 127.0.0.0/8 allowed as in the tests.
//!
//! - signatures: RSA-2048 sign/s and verify/s through Herd's own key code (aws-lc-rs), next to
//!   `openssl speed rsa2048` run in the same process run, plus the full incoming check
//!   (header parse, Digest, signing string, PEM → key, RSA).
//! - ingest: signed Create(Note)s into the shared inbox of one SQLite instance from unknown
//!   actors, with duplicates; figures: activities/s, p50/p99 inbox response, statuses stored
//!   (duplicates processed once) and key fetches per actor.
//! - fan-out: one post to K followers on D fake domains (half with a shared inbox); figures:
//!   deliveries (= distinct inboxes), time to federate against the signing ceiling, and the
//!   same with 10 % of the domains hanging (accepting connections, never answering).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use serde_json::json;

use crate::bench::percentile;
use crate::federation::{keys, signatures};
use crate::state::{App, AppState};
use crate::time::Clock;

// ---------------------------------------------------------------------------------------
// Signatures.

/// Runs `f` in a loop for `seconds` on this thread; returns operations per second.
fn rate(seconds: f64, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..16 {
            f()?;
        }
        n += 16;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// `openssl speed -seconds N rsa2048`: (sign/s, verify/s), or why it could not run.
/// `ia32cap` masks CPU features as OPENSSL_ia32cap does (e.g. AVX-512 IFMA off).
fn openssl_speed(seconds: u64, ia32cap: Option<&str>) -> Result<(f64, f64), String> {
    let mut cmd = std::process::Command::new("openssl");
    if let Some(cap) = ia32cap {
        cmd.env("OPENSSL_ia32cap", cap);
    }
    let out = cmd
        .args(["speed", "-seconds", &seconds.to_string(), "rsa2048"])
        .output()
        .map_err(|e| format!("openssl not runnable: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa 2048 bits") || l.starts_with("rsa  2048 bits"))
        .ok_or_else(|| format!("no rsa 2048 line in openssl's output:\n{text}"))?;
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|t| t.parse::<f64>().ok())
        .collect();
    match nums.as_slice() {
        [.., sign, verify] => Ok((*sign, *verify)),
        _ => Err(format!("cannot read {line:?}")),
    }
}

pub async fn signatures(seconds: u64) -> anyhow::Result<()> {
    let secs = seconds.max(1) as f64;
    let (public_pem, private_pem) = keys::generate()?;
    let key = keys::SigningKey::from_pem(&private_pem, &public_pem)?;
    let der = keys::public_der(&public_pem).ok_or_else(|| anyhow::anyhow!("public key"))?;
    let message = b"(request-target): post /inbox\nhost: example.org\ndate: Thu, 26 Nov 2026 12:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let sig = key.sign(message)?;
    println!("signature bench: RSA-2048 PKCS#1 v1.5 SHA-256, one thread, {seconds} s per figure");
    let sign_rate = rate(secs, || key.sign(message).map(|_| ()))?;
    let verify_rate = rate(secs, || {
        anyhow::ensure!(keys::verify(&der, message, &sig), "verify failed");
        Ok(())
    })?;
    // The whole incoming check as the inbox runs it for a known key.
    let now = Clock::default().now_micros();
    let body = br#"{"type":"Create"}"#.to_vec();
    let signed = signatures::sign(
        &key,
        "https://remote.example/users/a#main-key",
        "post",
        "herd.example",
        "/inbox",
        Some(&body),
        now,
    )?;
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("host", "herd.example".parse()?);
    headers.insert("date", signed.date.parse()?);
    headers.insert("digest", signed.digest.clone().unwrap_or_default().parse()?);
    headers.insert("signature", signed.signature.parse()?);
    let full_rate = rate(secs, || {
        let p = signatures::parse(&signed.signature).map_err(|e| anyhow::anyhow!(e.0))?;
        let strings =
            signatures::signing_strings(&p, "POST", "/inbox", None, &headers, Some(&body), now)
                .map_err(|e| anyhow::anyhow!(e.0))?;
        let key = keys::verifier(&public_pem).ok_or_else(|| anyhow::anyhow!("pem"))?;
        anyhow::ensure!(
            strings
                .iter()
                .any(|s| keys::verify_parsed(&key, s.as_bytes(), &p.signature)),
            "full verify failed"
        );
        Ok(())
    })?;
    // The same verification with the key parsed once (what a parsed-key cache would give).
    let parsed = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        der.clone(),
    )
    .parse()
    .map_err(|e| anyhow::anyhow!("parse: {e}"))?;
    let parsed_rate = rate(secs, || {
        parsed
            .verify_sig(message, &sig)
            .map_err(|_| anyhow::anyhow!("verify failed"))
    })?;
    println!("  herd (aws-lc-rs)     sign {sign_rate:9.0}/s   verify {verify_rate:9.0}/s   (verify with the key parsed once: {parsed_rate:.0}/s)");
    match openssl_speed(seconds.max(1), None) {
        Ok((os, ov)) => {
            println!(
                "  openssl speed        sign {os:9.0}/s   verify {ov:9.0}/s   ({})",
                openssl_version()
            );
            println!(
                "  herd / openssl       sign {:9.2}×   verify {:9.2}×   (target ≥ 0.9×)",
                sign_rate / os,
                verify_rate / ov
            );
        }
        Err(why) => println!("  openssl speed: {why}"),
    }
    // OpenSSL uses AVX-512 IFMA for RSA-2048 where the CPU has it; AWS-LC here does not.
    if let Ok((os, ov)) = openssl_speed(seconds.max(1), Some(":~0x200000")) {
        println!(
            "  openssl, AVX-512 IFMA masked: sign {os:9.0}/s   verify {ov:9.0}/s   herd / openssl: sign {:.2}×, verify {:.2}× (parsed once {:.2}×)",
            sign_rate / os,
            verify_rate / ov,
            parsed_rate / ov
        );
    }
    println!(
        "  full incoming check (parse, Digest, signing string, PEM → key, RSA verify): {full_rate:.0}/s"
    );
    Ok(())
}

fn openssl_version() -> String {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// A Herd instance on loopback for the benches.

struct Instance {
    state: AppState,
    base: String,
    authority: String,
    dir: std::path::PathBuf,
    server: Option<crate::bench::Served>,
    worker: tokio::task::JoinHandle<()>,
}

impl Instance {
    async fn start() -> anyhow::Result<Instance> {
        let dir =
            std::env::temp_dir().join(format!("herd-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut config = crate::bench::instance_config(addr, &dir, None);
        config.federation.allow_private = vec!["127.0.0.0/8".into()];
        let state = App::new(config, Clock::default()).await?;
        let server = Some(crate::bench::serve_in_background(&state, listener));
        let worker = crate::jobs::spawn_worker(state.clone());
        Ok(Instance {
            state,
            base: format!("http://{addr}"),
            authority: addr.to_string(),
            dir,
            server,
            worker,
        })
    }

    async fn stop(mut self) {
        self.worker.abort();
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        self.state.db.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.state.db.pool).await?;
        Ok(n)
    }
}

async fn spawn_fake(bind: &str, router: Router) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(format!("{bind}:0")).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(addr)
}

// ---------------------------------------------------------------------------------------
// Ingestion.

pub struct IngestBench {
    pub activities: usize,
    pub actors: usize,
    pub concurrency: usize,
    pub duplicate_every: usize,
}

/// A pre-signed POST: Date, Digest, Signature and the body.
type SignedPost = (String, String, String, Vec<u8>);

#[derive(Clone)]
struct Origin {
    base: String,
    public_pem: Arc<String>,
    fetches: Arc<Mutex<HashMap<String, u64>>>,
}

async fn actor_doc(State(o): State<Origin>, Path(name): Path<String>) -> impl IntoResponse {
    if let Ok(mut f) = o.fetches.lock() {
        *f.entry(name.clone()).or_default() += 1;
    }
    let id = format!("{}/users/{name}", o.base);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "inbox": format!("{id}/inbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", o.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": *o.public_pem},
    });
    (
        [(header::CONTENT_TYPE, "application/activity+json")],
        doc.to_string(),
    )
}

pub async fn ingest(cfg: IngestBench) -> anyhow::Result<()> {
    let herd = Instance::start().await?;
    let (public_pem, private_pem) = keys::generate()?;
    let key = keys::SigningKey::from_pem(&private_pem, &public_pem)?;
    let fetches = Arc::new(Mutex::new(HashMap::new()));
    // The remote origin is another host (127.0.0.2), serving `actors` actors sharing one key.
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await?;
    let origin_addr = listener.local_addr()?;
    let origin = Origin {
        base: format!("http://{origin_addr}"),
        public_pem: Arc::new(public_pem.clone()),
        fetches: fetches.clone(),
    };
    let app = Router::new()
        .route("/users/{name}", axum::routing::get(actor_doc))
        .with_state(origin.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    // Pre-signed requests (the load generator should not spend the CPU the server needs).
    let now = Clock::default().now_micros();
    let mut requests: Vec<Arc<SignedPost>> = Vec::new();
    let mut unique = 0usize;
    let mut senders = std::collections::HashSet::new();
    for i in 0..cfg.activities {
        if cfg.duplicate_every > 0 && i % cfg.duplicate_every == cfg.duplicate_every - 1 && i > 0 {
            let again = requests[i / 2].clone();
            requests.push(again);
            continue;
        }
        unique += 1;
        senders.insert(i % cfg.actors);
        let actor = format!("{}/users/a{}", origin.base, i % cfg.actors);
        let note = format!("{actor}/statuses/{i}");
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"),
            "type": "Create",
            "actor": actor,
            "to": [crate::federation::PUBLIC],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": actor,
                "content": format!("<p>bench note {i} with a <a href=\"https://example.org/\">link</a></p>"),
                "published": "2026-11-26T12:00:00Z",
                "to": [crate::federation::PUBLIC],
            },
        })
        .to_string()
        .into_bytes();
        let s = signatures::sign(
            &key,
            &format!("{actor}#main-key"),
            "post",
            &herd.authority,
            "/inbox",
            Some(&body),
            now,
        )?;
        requests.push(Arc::new((
            s.date,
            s.digest.unwrap_or_default(),
            s.signature,
            body,
        )));
    }
    let duplicates = requests.len() - unique;
    println!(
        "ingest bench (sqlite): {} signed Create(Note) POSTs to {}/inbox ({unique} distinct, {duplicates} replays) from {} unknown actors on {}, {} concurrent connections, load generated in-process on {} cores",
        requests.len(),
        herd.base,
        senders.len(),
        origin.base,
        cfg.concurrency,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(cfg.concurrency)
        .build()?;
    let next = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(requests);
    let url = format!("{}/inbox", herd.base);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cfg.concurrency {
        let (client, next, requests, url) =
            (client.clone(), next.clone(), requests.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut bad = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(r) = requests.get(i) else { break };
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header("content-type", "application/activity+json")
                    .header("date", &r.0)
                    .header("digest", &r.1)
                    .header("signature", &r.2)
                    .body(r.3.clone())
                    .send()
                    .await?;
                let status = res.status();
                let text = res.text().await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if status != StatusCode::ACCEPTED {
                    bad.push(format!("{status} {text}"));
                }
            }
            anyhow::Ok((lat, bad))
        }));
    }
    let (mut lat, bad) = crate::bench::gather(tasks).await?;
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    // The fan-out jobs the Creates queued, drained.
    let drain = Instant::now();
    while herd.count("SELECT COUNT(*) FROM jobs").await? > 0 && drain.elapsed().as_secs() < 120 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain_secs = drain.elapsed().as_secs_f64();
    let stored = herd
        .count("SELECT COUNT(*) FROM statuses WHERE local = 0")
        .await?;
    let per_actor: Vec<u64> = fetches
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .values()
        .copied()
        .collect();
    println!(
        "  {:.0} activities/s over {:.2} s; inbox response p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target ≥ 2000/s, p99 < 50 ms)",
        lat.len() as f64 / secs,
        secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "  answered 202: {} of {}; statuses stored: {stored} (distinct activities: {unique}); home-feed fan-out jobs drained {:.2} s after the burst",
        lat.len() - bad.len(),
        lat.len(),
        drain_secs
    );
    println!(
        "  actor/key fetches: {} for {} sending actors ({} actors fetched, at most {} times each; target: once each)",
        per_actor.iter().sum::<u64>(),
        senders.len(),
        per_actor.len(),
        per_actor.iter().max().copied().unwrap_or(0)
    );
    if let Some(b) = bad.first() {
        println!("  first refusal: {b}");
    }
    herd.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fan-out.

pub struct FanOutBench {
    pub followers: usize,
    pub domains: usize,
}

#[derive(Clone, Default)]
struct Inboxes {
    hits: Arc<Mutex<HashMap<String, u64>>>,
    hang: Arc<AtomicBool>,
}

async fn fake_inbox(State(s): State<Inboxes>, uri: axum::http::Uri) -> StatusCode {
    if s.hang.load(Ordering::Relaxed) {
        // Accepts the request and never answers (the client's timeouts end it).
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if let Ok(mut h) = s.hits.lock() {
        *h.entry(uri.path().to_string()).or_default() += 1;
    }
    StatusCode::ACCEPTED
}

struct Domain {
    base: String,
    inboxes: Inboxes,
    shared: bool,
}

async fn seed_followers(
    herd: &Instance,
    author: i64,
    domains: &[Domain],
    followers: usize,
) -> anyhow::Result<usize> {
    let state = &herd.state;
    let now = Clock::default().now_micros();
    let mut tx = state.db.begin_write().await?;
    let mut distinct = std::collections::HashSet::new();
    for i in 0..followers {
        let d = &domains[i % domains.len()];
        let inbox = format!("{}/users/f{i}/inbox", d.base);
        let shared = d.shared.then(|| format!("{}/inbox", d.base));
        distinct.insert(shared.clone().unwrap_or_else(|| inbox.clone()));
        loopback_follower(
            &mut tx,
            &d.base,
            &format!("f{i}"),
            shared.as_deref(),
            author,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(distinct.len())
}

/// A remote account `name` on the loopback host `base` (its inbox, and `shared_inbox` when
/// given) that follows `followed`: the fan-out and job-burst benches' audience.
pub(crate) async fn loopback_follower(
    tx: &mut crate::storage::WriteTx,
    base: &str,
    name: &str,
    shared_inbox: Option<&str>,
    followed: i64,
    now: i64,
) -> anyhow::Result<i64> {
    let uri = format!("{base}/users/{name}");
    let inbox = format!("{uri}/inbox");
    let id = crate::storage::federation::upsert_remote(
        tx,
        crate::ids::next_id_at(now / 1000),
        &crate::storage::federation::RemoteActor {
            uri: &uri,
            url: &uri,
            username: name,
            domain: base.trim_start_matches("http://"),
            display_name: "",
            note: "",
            actor_type: "Person",
            locked: false,
            bot: false,
            discoverable: false,
            inbox: &inbox,
            shared_inbox,
            followers: None,
            outbox: None,
            key_id: &format!("{uri}#main-key"),
            public_key_pem: "",
            avatar_url: None,
            header_url: None,
        },
        now,
    )
    .await?;
    crate::storage::social::upsert_follow(
        &mut ***tx,
        crate::storage::social::Relation::Follow,
        crate::ids::next_id_at(now / 1000),
        id,
        followed,
        true,
        false,
        now,
    )
    .await?;
    Ok(id)
}

fn hits(domains: &[Domain], healthy_only: bool) -> u64 {
    domains
        .iter()
        .filter(|d| !(healthy_only && d.inboxes.hang.load(Ordering::Relaxed)))
        .map(|d| {
            d.inboxes
                .hits
                .lock()
                .map(|h| h.values().sum::<u64>())
                .unwrap_or(0)
        })
        .sum()
}

/// Posts one status and waits until `want` deliveries reached the healthy domains.
async fn one_post(
    herd: &Instance,
    client: &reqwest::Client,
    token: &str,
    domains: &[Domain],
    want: u64,
) -> anyhow::Result<f64> {
    let before = hits(domains, true);
    let started = Instant::now();
    let res = client
        .post(format!("{}/api/v1/statuses", herd.base))
        .bearer_auth(token)
        .json(&json!({"status": "fan-out bench", "visibility": "public"}))
        .send()
        .await?;
    anyhow::ensure!(
        res.status().is_success(),
        "posting answered {}",
        res.status()
    );
    while hits(domains, true) - before < want {
        anyhow::ensure!(
            started.elapsed().as_secs() < 120,
            "only {} of {want} deliveries arrived within 120 s",
            hits(domains, true) - before
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(started.elapsed().as_secs_f64())
}

pub async fn fan_out(cfg: FanOutBench) -> anyhow::Result<()> {
    let herd = Instance::start().await?;
    let domains_n = cfg.domains.max(1);
    let mut domains = Vec::new();
    for i in 0..domains_n {
        let inboxes = Inboxes::default();
        let router = Router::new()
            .fallback(axum::routing::post(fake_inbox))
            .with_state(inboxes.clone());
        let addr = spawn_fake("127.0.0.1", router).await?;
        domains.push(Domain {
            base: format!("http://{addr}"),
            inboxes,
            shared: i % 2 == 0,
        });
    }
    let author = crate::services::accounts::create_by_operator(
        &herd.state,
        crate::services::accounts::SignUp {
            username: "author".into(),
            email: "author@example.org".into(),
            password: "bench password 123".into(),
            agreement: true,
            locale: "en".into(),
            ..Default::default()
        },
        None,
        false,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.message))?
    .account_id;
    let token = crate::services::oauth::operator_token(&herd.state, author, "read write")
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let distinct = seed_followers(&herd, author, &domains, cfg.followers).await?;
    println!(
        "fan-out bench (sqlite): one public post to {} remote followers on {} loopback domains (half with a shared inbox) = {distinct} distinct inboxes",
        cfg.followers, domains_n
    );
    let client = reqwest::Client::new();
    // Warm-up: the author's key is made on first need.
    let warm = one_post(&herd, &client, &token, &domains, distinct as u64).await?;
    let healthy_all = one_post(&herd, &client, &token, &domains, distinct as u64).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let total = hits(&domains, false);
    // Signing ceiling: one RSA-2048 signature per delivery on one core.
    let (public_pem, private_pem) = keys::generate()?;
    let key = keys::SigningKey::from_pem(&private_pem, &public_pem)?;
    let sign_rate = rate(1.0, || key.sign(b"x").map(|_| ()))?;
    let ceiling = distinct as f64 / sign_rate;
    println!(
        "  deliveries: {} per post for {distinct} distinct inboxes ({total} for 2 posts; the first, with key generation, took {warm:.3} s)",
        total as f64 / 2.0
    );
    println!(
        "  time to federate: {:.3} s ({:.0} deliveries/s); signing ceiling {:.3} s ({sign_rate:.0} signatures/s on one core): {:.2}× the ceiling (target ≤ 2×)",
        healthy_all,
        distinct as f64 / healthy_all,
        ceiling,
        healthy_all / ceiling
    );
    // 10 % of the domains hang (at least one); the healthy ones' deliveries are timed.
    let hanging = (domains_n / 10).max(1);
    for d in domains.iter().rev().take(hanging) {
        d.inboxes.hang.store(true, Ordering::Relaxed);
    }
    let healthy_inboxes: u64 = {
        let healthy: std::collections::HashSet<&str> = domains
            .iter()
            .filter(|d| !d.inboxes.hang.load(Ordering::Relaxed))
            .map(|d| d.base.as_str())
            .collect();
        let mut set = std::collections::HashSet::new();
        for i in 0..cfg.followers {
            let d = &domains[i % domains_n];
            if healthy.contains(d.base.as_str()) {
                set.insert(if d.shared {
                    format!("{}/inbox", d.base)
                } else {
                    format!("{}/users/f{i}/inbox", d.base)
                });
            }
        }
        set.len() as u64
    };
    for round in ["first", "second"] {
        let t = one_post(&herd, &client, &token, &domains, healthy_inboxes).await?;
        println!(
            "  {round} post with {hanging} of {domains_n} domains hanging: the {healthy_inboxes} healthy inboxes served in {t:.3} s vs {healthy_all:.3} s with none hanging: {:+.1} % (target < +20 %)",
            (t / healthy_all - 1.0) * 100.0
        );
    }
    herd.stop().await;
    Ok(())
}
