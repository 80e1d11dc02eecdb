//! Fault tolerance of federation: the server dies mid fan-out and mid ingestion and restarts on
//! the same database. Every queued delivery is then sent, no inbox item that was answered 202
//! is lost, a sender's retries never make a second status, and the retry schedule follows the
//! documented backoff under the injectable clock.
//!
//! Ingestion kills the real `herd` binary with SIGKILL. Fan-out runs the app in-process and
//! aborts its server and job worker mid-delivery (a claimed job keeps its lease, as after a
//! crash), then restarts with the clock moved past the lease.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Router;
use common::{Backend, TestApp};
use herd::config::Config;
use herd::federation::{keys, signatures};
use herd::state::{App, AppState};
use herd::time::Clock;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Fake remote servers.

/// Records every POST (host and path, activity id) and answers `code` after `delay`.
#[derive(Clone)]
struct Inbox {
    received: Arc<Mutex<Vec<(String, String)>>>,
    code: Arc<AtomicU16>,
    delay: Duration,
}

async fn record(
    State(s): State<Inbox>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    body: String,
) -> StatusCode {
    tokio::time::sleep(s.delay).await;
    let id = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(String::from))
        .unwrap_or_default();
    if let Ok(mut r) = s.received.lock() {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        r.push((format!("{host}{}", uri.path()), id));
    }
    StatusCode::from_u16(s.code.load(Ordering::SeqCst)).unwrap_or(StatusCode::ACCEPTED)
}

async fn fake_server(bind: &str, inbox: Inbox, extra: Router<Inbox>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(format!("{bind}:0"))
        .await
        .expect("bind fake");
    let addr = listener.local_addr().expect("addr");
    let app = extra
        .fallback(axum::routing::post(record))
        .with_state(inbox);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn inbox(delay_ms: u64) -> Inbox {
    Inbox {
        received: Arc::default(),
        code: Arc::new(AtomicU16::new(202)),
        delay: Duration::from_millis(delay_ms),
    }
}

// ---------------------------------------------------------------------------------------
// Mid fan-out: the worker dies with deliveries queued and one in flight.

struct Node {
    state: AppState,
    server: tokio::task::JoinHandle<()>,
    worker: tokio::task::JoinHandle<()>,
}

async fn start(config: &Config, clock: Clock) -> Node {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .expect("bind the instance's own port again");
    let state = App::new(config.clone(), clock).await.expect("app starts");
    let s = state.clone();
    let server = tokio::spawn(async move {
        let _ = herd::serve(s, listener, std::future::pending()).await;
    });
    let worker = herd::jobs::spawn_worker(state.clone());
    Node {
        state,
        server,
        worker,
    }
}

/// As abrupt as a crash for the queue: the worker's futures are dropped where they stand.
async fn kill(node: Node) {
    node.worker.abort();
    node.server.abort();
    let _ = node.worker.await;
    let _ = node.server.await;
    node.state.db.close().await;
}

async fn count(state: &AppState, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&state.db.pool)
        .await
        .expect("count");
    n
}

async fn seed_followers(state: &AppState, author: i64, domains: &[(String, bool)], k: usize) {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await.expect("tx");
    for i in 0..k {
        let (base, shared) = &domains[i % domains.len()];
        let uri = format!("{base}/users/f{i}");
        let inbox = format!("{uri}/inbox");
        let shared = shared.then(|| format!("{base}/inbox"));
        let id = herd::storage::federation::upsert_remote(
            &mut tx,
            herd::ids::next_id_at(now / 1000),
            &herd::storage::federation::RemoteActor {
                uri: &uri,
                url: &uri,
                username: &format!("f{i}"),
                domain: base.trim_start_matches("http://"),
                display_name: "",
                note: "",
                actor_type: "Person",
                locked: false,
                bot: false,
                discoverable: false,
                inbox: &inbox,
                shared_inbox: shared.as_deref(),
                followers: None,
                outbox: None,
                key_id: &format!("{uri}#main-key"),
                public_key_pem: "",
                avatar_url: None,
                header_url: None,
            },
            now,
        )
        .await
        .expect("remote follower");
        herd::storage::social::upsert_follow(
            &mut **tx,
            herd::storage::social::Relation::Follow,
            herd::ids::next_id_at(now / 1000),
            id,
            author,
            true,
            false,
            now,
        )
        .await
        .expect("follow");
    }
    tx.commit().await.expect("commit");
}

/// A configuration like TestApp's (loopback allowed, a free port), on a directory and database
/// that outlive one run of the app.
async fn durable_config(backend: Backend) -> Option<(Config, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("dir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let mut config = Config {
        listen: format!("127.0.0.1:{port}"),
        domain: format!("127.0.0.1:{port}"),
        scheme: "http".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.federation.allow_private = vec!["127.0.0.0/8".into()];
    config.database.max_connections = 4;
    config.database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}/herd.db", dir.path().display()),
        Backend::Postgres => common::postgres_url().await?,
    };
    Some((config, dir))
}

async fn killed_mid_fan_out(backend: Backend) {
    let Some((config, _dir)) = durable_config(backend).await else {
        return;
    };
    // Four domains, 40 ms per delivery; half of them have a shared inbox.
    let sink = inbox(40);
    let mut domains = Vec::new();
    for i in 0..4 {
        let addr = fake_server("127.0.0.1", sink.clone(), Router::new()).await;
        domains.push((format!("http://{addr}"), i % 2 == 0));
    }
    let clock = Clock::default();
    let node = start(&config, clock.clone()).await;
    let author = herd::services::accounts::create_by_operator(
        &node.state,
        herd::services::accounts::SignUp {
            username: "author".into(),
            email: "author@example.org".into(),
            password: "correct horse battery".into(),
            agreement: true,
            locale: "en".into(),
            ..Default::default()
        },
        None,
        false,
    )
    .await
    .expect("author")
    .account_id;
    let token = herd::services::oauth::operator_token(&node.state, author, "read write")
        .await
        .expect("token");
    seed_followers(&node.state, author, &domains, 24).await;
    // Distinct inboxes: 2 shared + 12 personal.
    let inboxes = 14;
    let client = reqwest::Client::new();
    let base = format!("http://{}", config.listen);
    let mut uris = Vec::new();
    for i in 0..3 {
        let res = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&json!({"status": format!("fan-out {i}"), "visibility": "public"}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.expect("json");
        uris.push(v["uri"].as_str().expect("uri").to_string());
    }
    let delivered = || sink.received.lock().map(|r| r.len()).unwrap_or(0);
    let t = Instant::now();
    while delivered() < 5 {
        assert!(t.elapsed() < Duration::from_secs(30), "no delivery started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    kill(node).await;
    let at_kill = delivered();
    assert!(
        at_kill < 3 * inboxes,
        "the kill came too late to test anything ({at_kill} delivered)"
    );

    // Restart on the same database, past any lease the dead worker held.
    clock.advance(Duration::from_secs(6 * 60));
    let node = start(&config, clock.clone()).await;
    let t = Instant::now();
    loop {
        let pending = count(&node.state, "SELECT COUNT(*) FROM jobs").await;
        if pending == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "{pending} jobs still queued"
        );
        herd::jobs::run_pending(&node.state).await.expect("jobs");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let received = sink.received.lock().expect("lock").clone();
    let mut per: HashMap<(String, String), usize> = HashMap::new();
    for r in &received {
        *per.entry(r.clone()).or_default() += 1;
    }
    // Every (inbox, activity) pair arrived; a delivery cut off mid-flight may arrive twice
    // (at-least-once), nothing else does.
    assert_eq!(
        per.len(),
        3 * inboxes,
        "every queued delivery was sent after the restart: {per:?}"
    );
    // At most the deliveries in flight when the worker died: one per delivery lane (a job is
    // deleted as soon as its delivery is answered).
    let extra: usize = per.values().map(|n| n - 1).sum();
    assert!(
        extra <= herd::jobs::DELIVERY_LANES,
        "{extra} duplicate deliveries"
    );
    for uri in &uris {
        let activity = format!("{uri}/activity");
        let n = per.keys().filter(|(_, id)| *id == activity).count();
        assert_eq!(n, inboxes, "{activity} reached every inbox");
    }
    assert_eq!(
        count(&node.state, "SELECT COUNT(*) FROM statuses WHERE local = 1").await,
        3,
        "no duplicate status"
    );
    kill(node).await;
    common::drop_postgres_database(&config.database_url).await;
}

// ---------------------------------------------------------------------------------------
// A burst of posts with remote followers, the worker running.

/// Four clients post at once as two members whose followers are on three remote hosts (two
/// with a shared inbox, one without): every post reaches every inbox exactly once, the job
/// table is left empty, and no job-table write was refused for a busy database or fenced.
async fn burst_delivers_each_post_once(backend: Backend) {
    let Some((config, _dir)) = durable_config(backend).await else {
        return;
    };
    let sink = inbox(0);
    let mut domains = Vec::new();
    for i in 0..3 {
        let addr = fake_server("127.0.0.1", sink.clone(), Router::new()).await;
        domains.push((format!("http://{addr}"), i < 2));
    }
    let node = start(&config, Clock::default()).await;
    let mut tokens = Vec::new();
    for name in ["ann", "ben"] {
        let id = herd::services::accounts::create_by_operator(
            &node.state,
            herd::services::accounts::SignUp {
                username: name.into(),
                email: format!("{name}@example.org"),
                password: "correct horse battery".into(),
                agreement: true,
                locale: "en".into(),
                ..Default::default()
            },
            None,
            false,
        )
        .await
        .expect("member")
        .account_id;
        // Six followers: two on each host (the host without a shared inbox: two inboxes).
        seed_followers(&node.state, id, &domains, 6).await;
        let token = herd::services::oauth::operator_token(&node.state, id, "read write")
            .await
            .expect("token");
        tokens.push(token);
    }
    // Per post: two shared inboxes and two personal ones.
    let inboxes = 4;
    const POSTS: usize = 48;
    let base = format!("http://{}", config.listen);
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (next, tokens, base) = (next.clone(), tokens.clone(), base.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut uris = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= POSTS {
                    return uris;
                }
                let res = client
                    .post(format!("{base}/api/v1/statuses"))
                    .bearer_auth(&tokens[(i + c) % 2])
                    .json(&json!({"status": format!("burst {i}"), "visibility": "public"}))
                    .send()
                    .await
                    .expect("post");
                assert_eq!(res.status(), 200);
                let v: Value = res.json().await.expect("json");
                uris.push(v["uri"].as_str().expect("uri").to_string());
            }
        }));
    }
    let mut uris = Vec::new();
    for c in clients {
        uris.extend(c.await.expect("client"));
    }
    assert_eq!(uris.len(), POSTS);
    let t = Instant::now();
    loop {
        let pending = count(&node.state, "SELECT COUNT(*) FROM jobs").await;
        if pending == 0 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "{pending} jobs still queued"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let received = sink.received.lock().expect("lock").clone();
    let mut per: HashMap<(String, String), usize> = HashMap::new();
    for r in &received {
        *per.entry(r.clone()).or_default() += 1;
    }
    let twice: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(
        twice,
        Vec::<(&(String, String), &usize)>::new(),
        "delivered twice"
    );
    assert_eq!(received.len(), POSTS * inboxes);
    for uri in &uris {
        let activity = format!("{uri}/activity");
        let n = per.keys().filter(|(_, id)| *id == activity).count();
        assert_eq!(n, inboxes, "{activity} reached every inbox");
    }
    let stats = &node.state.job_stats;
    assert_eq!(stats.busy.load(Ordering::Relaxed), 0, "busy refusals");
    assert_eq!(stats.fenced.load(Ordering::Relaxed), 0, "fenced finishes");
    assert_eq!(
        stats.deliveries_ok.load(Ordering::Relaxed),
        (POSTS * inboxes) as u64
    );
    kill(node).await;
    common::drop_postgres_database(&config.database_url).await;
}

// ---------------------------------------------------------------------------------------
// Mid ingestion: SIGKILL of the real binary during a burst of signed Creates.

struct Remote {
    base: String,
    key: keys::SigningKey,
    /// GETs of the actor document (its key).
    fetches: Arc<AtomicUsize>,
}

async fn remote_origin() -> Remote {
    let (public_pem, private_pem) = keys::generate().expect("key");
    let key = keys::SigningKey::from_pem(&private_pem, &public_pem).expect("key");
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let actor = format!("{base}/users/r");
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor,
        "type": "Person",
        "preferredUsername": "r",
        "inbox": format!("{actor}/inbox"),
        "publicKey": {"id": format!("{actor}#main-key"), "owner": actor, "publicKeyPem": public_pem},
    })
    .to_string();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let app = Router::new().route(
        "/users/r",
        axum::routing::get(move || {
            let doc = doc.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                // A slow origin, so the burst's requests overlap the fetch.
                tokio::time::sleep(Duration::from_millis(100)).await;
                ([("content-type", "application/activity+json")], doc)
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Remote { base, key, fetches }
}

fn create(remote: &Remote, i: usize) -> (String, Vec<u8>) {
    let actor = format!("{}/users/r", remote.base);
    let note = format!("{actor}/statuses/{i}");
    let body = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note}/activity"),
        "type": "Create",
        "actor": actor,
        "to": [herd::federation::PUBLIC],
        "object": {"id": note, "type": "Note", "attributedTo": actor,
                   "content": format!("<p>burst {i}</p>"), "to": [herd::federation::PUBLIC]},
    });
    (note, body.to_string().into_bytes())
}

async fn send(
    client: &reqwest::Client,
    remote: &Remote,
    authority: &str,
    body: &[u8],
) -> Option<u16> {
    let s = signatures::sign(
        &remote.key,
        &format!("{}/users/r#main-key", remote.base),
        "post",
        authority,
        "/inbox",
        Some(body),
        Clock::default().now_micros(),
    )
    .expect("sign");
    let res = client
        .post(format!("http://{authority}/inbox"))
        .header("content-type", "application/activity+json")
        .header("date", s.date)
        .header("digest", s.digest.unwrap_or_default())
        .header("signature", s.signature)
        .body(body.to_vec())
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    Some(res.status().as_u16())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_herd(env: &[(String, String)]) -> Server {
    Server(
        Command::new(env!("CARGO_BIN_EXE_herd"))
            .arg("serve")
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn herd"),
    )
}

async fn wait_up(client: &reqwest::Client, authority: &str) {
    let t = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("http://{authority}/health"))
            .send()
            .await
        {
            if r.status() == 200 {
                return;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(30), "herd did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn killed_mid_ingestion(backend: Backend) {
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match common::postgres_url().await {
            Some(u) => Some(u),
            None => return,
        },
    };
    let dir = tempfile::tempdir().expect("dir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let authority = format!("127.0.0.1:{port}");
    let mut env: Vec<(String, String)> = vec![
        ("HERD_DATA_DIR".into(), dir.path().display().to_string()),
        ("HERD_LISTEN".into(), authority.clone()),
        ("HERD_DOMAIN".into(), authority.clone()),
        ("HERD_SCHEME".into(), "http".into()),
        ("HERD_FEDERATION_ALLOW_PRIVATE".into(), "127.0.0.0/8".into()),
        ("RUST_LOG".into(), "warn".into()),
    ];
    if let Some(u) = &database_url {
        env.push(("DATABASE_URL".into(), u.clone()));
    }
    let remote = Arc::new(remote_origin().await);
    let client = reqwest::Client::new();
    let server = spawn_herd(&env);
    wait_up(&client, &authority).await;

    let n = 240;
    let bodies: Arc<Vec<(String, Vec<u8>)>> =
        Arc::new((0..n).map(|i| create(&remote, i)).collect());
    let acked: Arc<Mutex<Vec<usize>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, remote, bodies, acked, next, authority) = (
            client.clone(),
            remote.clone(),
            bodies.clone(),
            acked.clone(),
            next.clone(),
            authority.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((_, body)) = bodies.get(i) else {
                    return;
                };
                if send(&client, &remote, &authority, body).await == Some(202) {
                    acked.lock().expect("lock").push(i);
                }
            }
        }));
    }
    let t = Instant::now();
    while acked.lock().expect("lock").len() < 40 {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the burst did not start"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    drop(server); // SIGKILL
    for t in tasks {
        let _ = t.await;
    }
    let acked_before: Vec<usize> = acked.lock().expect("lock").clone();
    assert!(
        acked_before.len() < n,
        "the kill came after the burst ({} acked)",
        acked_before.len()
    );

    // Restart on the same database: every acknowledged activity is there.
    let server = spawn_herd(&env);
    wait_up(&client, &authority).await;
    let db_url = database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/herd.db", dir.path().display()));
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db_url).await.expect("db");
    let stored = |pool: sqlx::AnyPool| async move {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT uri FROM statuses WHERE local = 0")
            .fetch_all(&pool)
            .await
            .expect("statuses");
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let after_kill = stored(pool.clone()).await;
    for i in &acked_before {
        assert!(
            after_kill.contains(&bodies[*i].0),
            "activity {i} was answered 202 before the kill but is lost"
        );
    }
    // The sender retries everything it has no 202 for, and (to be sure) everything else too.
    for (_, body) in bodies.iter() {
        assert_eq!(
            send(&client, &remote, &authority, body).await,
            Some(202),
            "a retry after the restart"
        );
    }
    let all = stored(pool.clone()).await;
    let mut distinct = all.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        (all.len(), distinct.len()),
        (n, n),
        "every activity is stored exactly once"
    );
    pool.close().await;
    drop(server);
    if let Some(u) = database_url {
        common::drop_postgres_database(&u).await;
    }
}

// ---------------------------------------------------------------------------------------
// The retry schedule, under the injectable clock.

async fn retry_schedule(app: &TestApp) {
    let sink = inbox(0);
    sink.code.store(500, Ordering::SeqCst);
    let addr = fake_server("127.0.0.1", sink.clone(), Router::new()).await;
    let (me, _) = app.user_with_token("sender").await;
    let activity = json!({"id": format!("{}/x/1", app.base), "type": "Like"}).to_string();
    let now = app.state.clock.now_micros();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    herd::jobs::enqueue(
        &mut tx,
        &herd::jobs::Job::Deliver {
            inbox: format!("http://{addr}/inbox"),
            activity,
            key_owner: me.to_string(),
        },
        now,
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let hits = || sink.received.lock().map(|r| r.len()).unwrap_or(0);
    let run_at = || async {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT run_at, attempts FROM jobs WHERE kind = 'deliver'")
                .fetch_optional(&app.state.db.pool)
                .await
                .expect("job");
        row
    };
    let start = app.state.clock.now_micros();
    let second = 1_000_000i64;
    for attempt in 1..=17i64 {
        let before = app.state.clock.now_micros();
        app.run_jobs().await;
        assert_eq!(hits(), attempt as usize, "attempt {attempt} was made");
        let Some((at, attempts)) = run_at().await else {
            assert_eq!(attempt, 17, "dropped only after the 17th attempt");
            break;
        };
        assert_eq!(attempts, attempt);
        // Backoff after the n-th failure: 15 s · 2^(n−1), capped at 6 h, plus up to 50 % jitter.
        let base = (15 * second * (1i64 << (attempt - 1).min(20))).min(6 * 3600 * second);
        let wait = at - before;
        assert!(
            wait >= base && wait <= base + base / 2 + second,
            "after failure {attempt}: waits {} s, expected {} to {} s",
            wait / second,
            base / second,
            (base + base / 2) / second
        );
        // Nothing happens before the time comes; then the next attempt is made.
        app.state
            .clock
            .advance(Duration::from_micros((wait - second).max(0) as u64));
        app.run_jobs().await;
        assert_eq!(
            hits(),
            attempt as usize,
            "no attempt before the backoff ends"
        );
        app.state.clock.advance(Duration::from_secs(2));
    }
    assert!(run_at().await.is_none(), "given up after 17 attempts");
    let days = (app.state.clock.now_micros() - start) as f64 / (86_400.0 * second as f64);
    assert!(
        (1.5..=3.0).contains(&days),
        "the retries spanned {days:.2} days (about two days)"
    );
}

on_both_backends!(retry_schedule_follows_the_backoff, retry_schedule);

/// A burst of activities signed with a key Herd has never seen fetches that key once.
async fn one_fetch_per_unknown_key(app: &TestApp) {
    let remote = Arc::new(remote_origin().await);
    let authority = app.state.config.domain.clone();
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (client, remote, authority) = (client.clone(), remote.clone(), authority.clone());
        tasks.push(tokio::spawn(async move {
            let (_, body) = create(&remote, i);
            send(&client, &remote, &authority, &body).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), Some(202));
    }
    assert_eq!(
        remote.fetches.load(Ordering::SeqCst),
        1,
        "16 concurrent requests signed with one unknown key fetched it once"
    );
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses WHERE local = 0")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 16);
}

on_both_backends!(
    an_unknown_key_is_fetched_once_per_burst,
    one_fetch_per_unknown_key
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_fan_out_sqlite() {
    killed_mid_fan_out(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_fan_out_postgres() {
    killed_mid_fan_out(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_ingestion_sqlite() {
    killed_mid_ingestion(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_ingestion_postgres() {
    killed_mid_ingestion(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_delivers_each_post_once_sqlite() {
    burst_delivers_each_post_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_delivers_each_post_once_postgres() {
    burst_delivers_each_post_once(Backend::Postgres).await;
}
