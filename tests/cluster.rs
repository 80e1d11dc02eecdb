//! Several `herd serve` processes on one PostgreSQL database (DESIGN §11), driven over HTTP:
//! starting at once on an empty database, writing on both without a failed or duplicate
//! write, sharing the job queue. They need PostgreSQL and say so when it is absent.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn herd(data_dir: &std::path::Path, database_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_herd"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HERD_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// One `herd serve` process; killed when dropped.
struct Node {
    base: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Starts a node named `name` on `database_url`; every node answers for `domain`.
    fn start(name: &str, database_url: &str, domain: &str, extra: &[(&str, &str)]) -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut cmd = herd(dir.path(), database_url);
        cmd.env("HERD_LISTEN", format!("127.0.0.1:{port}"))
            .env("HERD_DOMAIN", domain)
            .env("HERD_NODE_NAME", name);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn herd serve");
        Node {
            base: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
        }
    }

    /// Waits until the node answers `/health`; fails with its log when it died instead.
    async fn ready(&mut self) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/health", self.base)).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut log = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut err, &mut log);
                }
                panic!(
                    "node {} exited ({status}) while starting:\n{log}",
                    self.base
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "node {} did not start",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A CLI command on the shared database; its stdout.
fn admin(database_url: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = herd(dir.path(), database_url)
        .args(args)
        .output()
        .expect("run herd");
    assert!(
        out.status.success(),
        "herd {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn token_for(database_url: &str, name: &str) -> String {
    let email = format!("{name}@example.org");
    admin(
        database_url,
        &[
            "admin",
            "create-account",
            name,
            "--email",
            &email,
            "--password",
            "correct horse battery",
        ],
    );
    admin(
        database_url,
        &["admin", "token", name, "--scopes", "read write"],
    )
}

/// Two nodes starting at the same moment on an empty database both come up (migrations once,
/// the founding documents and @coop made once); then writers on both nodes post at once and
/// every post is written, each with its own id, the ids of each node carrying its own node bits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_boot_at_once_and_write_without_collisions() {
    let Some(url) = common::postgres_url().await else {
        return;
    };
    let domain = format!("127.0.0.1:{}", free_port());
    let metrics = format!("127.0.0.1:{}", free_port());
    let mut a = Node::start(
        "node-a",
        &url,
        &domain,
        &[("HERD_METRICS_LISTEN", &metrics)],
    );
    let mut b = Node::start("node-b", &url, &domain, &[]);
    a.ready().await;
    b.ready().await;

    let token = token_for(&url, "writer");
    let client = reqwest::Client::new();
    const PER_NODE: usize = 60;
    let mut tasks = Vec::new();
    for (n, base) in [a.base.clone(), b.base.clone()].into_iter().enumerate() {
        for i in 0..PER_NODE {
            let (client, token, base) = (client.clone(), token.clone(), base.clone());
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(format!("{base}/api/v1/statuses"))
                    .bearer_auth(&token)
                    .form(&[("status", format!("post {i} through node {n}"))])
                    .send()
                    .await
                    .expect("POST /api/v1/statuses");
                let status = res.status().as_u16();
                let body: Value = res.json().await.expect("json");
                assert_eq!(status, 200, "{body}");
                let id: i64 = body["id"]
                    .as_str()
                    .expect("id")
                    .parse()
                    .expect("numeric id");
                (n, id)
            }));
        }
    }
    let mut ids = std::collections::HashSet::new();
    let mut node_bits = [
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    ];
    for t in tasks {
        let (n, id) = t.await.expect("task");
        assert!(ids.insert(id), "id {id} was given twice");
        node_bits[n].insert(id & 63);
    }
    assert_eq!(ids.len(), 2 * PER_NODE);
    // Each node's ids carry its one node slot, and the two slots differ.
    assert_eq!(node_bits[0].len(), 1, "{node_bits:?}");
    assert_eq!(node_bits[1].len(), 1, "{node_bits:?}");
    assert!(node_bits[0].is_disjoint(&node_bits[1]), "{node_bits:?}");

    // Both nodes read the same posts.
    for base in [&a.base, &b.base] {
        let me: Value = client
            .get(format!("{base}/api/v1/accounts/verify_credentials"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        assert_eq!(me["statuses_count"], 2 * PER_NODE as i64, "{me}");
    }
    // One founding import and one @coop, whichever node started first.
    let (s, coop) = {
        let res = client
            .get(format!("{}/api/v1/accounts/lookup?acct=coop", a.base))
            .send()
            .await
            .expect("GET");
        (
            res.status().as_u16(),
            res.json::<Value>().await.expect("json"),
        )
    };
    assert_eq!(s, 200, "{coop}");

    // Both nodes are ready (database, migrations, worker).
    for base in [&a.base, &b.base] {
        let res = client
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .expect("GET /health/ready");
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    // Metrics on their own listener only, with the posts counted by route and status.
    let res = client
        .get(format!("{}/metrics", a.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 404, "never on the public listener");
    let text = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    let posts = text
        .lines()
        .find(|l| {
            l.starts_with("herd_http_requests_total{")
                && l.contains("route=\"/api/v1/statuses\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no request count for the posts:\n{text}"));
    assert!(
        posts.ends_with(&format!(" {PER_NODE}")),
        "node A served {PER_NODE} posts: {posts}"
    );
    for name in [
        "herd_http_request_duration_seconds_bucket{",
        "herd_db_pool_connections ",
        "herd_streams_open ",
        "herd_job_claims_total ",
        "herd_deliveries_total{outcome=\"delivered\"}",
        "herd_deliveries_total{outcome=\"refused\"}",
        "herd_federation_hosts{state=\"unavailable\"}",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    // One node id, claimed at start: it holds the slot its ids carry.
    let info = text
        .lines()
        .find(|l| l.starts_with("herd_node_info{"))
        .unwrap_or_else(|| panic!("no node info:\n{text}"));
    let slot = node_bits[0].iter().next().copied().unwrap_or(-1);
    assert!(info.contains("node=\"node-a\""), "{info}");
    assert!(info.contains("node_id=\"node-a/"), "{info}");
    assert!(info.contains(&format!("slot=\"{slot}\"")), "{info}");
    drop((a, b));
    common::drop_postgres_database(&url).await;
}

/// Two in-process nodes (each its own App, pool, clock and worker) on one database: SQLite's
/// file for the fenced lease (one writer at a time, as one machine has), PostgreSQL for all.
async fn two_apps(backend: common::Backend) -> Option<(common::TestApp, common::TestApp)> {
    two_apps_with(backend, |_| {}).await
}

async fn two_apps_with(
    backend: common::Backend,
    tweak: impl Fn(&mut herd::config::Config) + Clone,
) -> Option<(common::TestApp, common::TestApp)> {
    let url = match backend {
        common::Backend::Postgres => common::postgres_url().await?,
        common::Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/shared.db", dir.path().display());
            // The file outlives the directory handle for the test's length.
            std::mem::forget(dir);
            url
        }
    };
    let (ta, tb) = (tweak.clone(), tweak);
    let a = common::TestApp::spawn_with(common::Backend::Sqlite, |c| {
        ta(c);
        c.database_url = url.clone();
    })
    .await?;
    let b = common::TestApp::spawn_with(common::Backend::Sqlite, |c| {
        tb(c);
        c.database_url = url.clone();
    })
    .await?;
    Some((a, b))
}

async fn queued(app: &common::TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count jobs");
    n
}

/// Queues `n` jobs that do nothing but succeed (deleting no files).
async fn enqueue_noops(app: &common::TestApp, n: usize) {
    let jobs: Vec<herd::jobs::Job> = (0..n)
        .map(|_| herd::jobs::Job::DeleteMediaFiles { keys: Vec::new() })
        .collect();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    herd::jobs::enqueue_many(&mut tx, &jobs, app.state.clock.now_micros())
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    app.state.jobs.wake();
}

fn count(c: &std::sync::atomic::AtomicU64) -> u64 {
    c.load(std::sync::atomic::Ordering::Relaxed)
}

/// A job leased by a node that then stalls past its lease is claimed again by another node;
/// when the first finally finishes, its finish is refused (the claim token fences it), so the
/// job is done once.
async fn expired_lease_is_reclaimed_and_the_late_finish_fenced(backend: common::Backend) {
    let Some((a, b)) = two_apps(backend).await else {
        return;
    };
    enqueue_noops(&a, 1).await;
    let (id, stale) = herd::jobs::claim_only(&a.state)
        .await
        .expect("claim")
        .expect("a due job");
    // Within the lease, B finds nothing to claim.
    assert_eq!(herd::jobs::run_pending(&b.state).await.expect("run"), 0);
    // Past the lease (B's clock moved two minutes on; leases run on the database's clock plus
    // a test clock's lead), B claims it and finishes it.
    b.state.clock.advance(Duration::from_secs(120));
    assert_eq!(herd::jobs::run_pending(&b.state).await.expect("run"), 1);
    assert_eq!(queued(&b).await, 0);
    // A wakes up and tries to finish: refused, counted.
    assert!(!herd::jobs::finish_claimed(&a.state, id, stale)
        .await
        .expect("finish"));
    assert_eq!(count(&a.state.job_stats.fenced), 1);
    assert_eq!(count(&b.state.job_stats.fenced), 0);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_lease_fenced_sqlite() {
    expired_lease_is_reclaimed_and_the_late_finish_fenced(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_lease_fenced_postgres() {
    expired_lease_is_reclaimed_and_the_late_finish_fenced(common::Backend::Postgres).await;
}

/// Finishing and postponing in batches keeps each row's fence: a batch of jobs claimed
/// together, one of which another claim took after the lease ran out, is settled in one
/// statement that deletes (or puts back) only the rows still held by the batch's claim; the
/// re-claimed row stays for the claim that holds it, which then finishes it.
async fn batched_finishes_keep_the_fence(backend: common::Backend) {
    use herd::storage::jobs as store;
    let Some((a, b)) = two_apps(backend).await else {
        return;
    };
    enqueue_noops(&a, 6).await;
    let db = a.state.db.backend();
    let claim = |state: &herd::state::AppState, skew: i64| store::Claim {
        now: state.clock.now_micros() + skew,
        lease: 60_000_000,
        skew,
        token: herd::ids::next_id(),
    };
    let first = claim(&a.state, 0);
    let rows = store::claim_many(&a.state.db.pool, db, first, "delete_media_files", 6)
        .await
        .expect("claim");
    assert_eq!(rows.len(), 6);
    // Two minutes on (past the lease), node B claims the oldest two again.
    let again = claim(&b.state, 120_000_000);
    let taken = store::claim_many(&b.state.db.pool, db, again, "delete_media_files", 2)
        .await
        .expect("claim again");
    let taken: Vec<i64> = taken.iter().map(|r| r.id).collect();
    assert_eq!(taken, vec![rows[0].id, rows[1].id]);
    // A's stale batch: four finished, two postponed (one of each re-claimed by B).
    let finished: Vec<(i64, i64)> = [0, 2, 3, 4]
        .iter()
        .map(|&i| (rows[i].id, first.token))
        .collect();
    let postponed: Vec<(i64, i64)> = [1, 5].iter().map(|&i| (rows[i].id, first.token)).collect();
    let mut conn = a.state.db.pool.acquire().await.expect("conn");
    let mut deleted = store::finish_many(&mut conn, &finished)
        .await
        .expect("finish");
    deleted.sort();
    assert_eq!(deleted, vec![rows[2].id, rows[3].id, rows[4].id]);
    let put_back = store::postpone_many(&mut conn, &postponed, 0)
        .await
        .expect("postpone");
    assert_eq!(put_back, vec![rows[5].id]);
    drop(conn);
    // Left: B's two rows, still claimed by B, and the postponed one, free and due again with
    // its attempt not counted.
    let left: Vec<(i64, Option<i64>, i64)> =
        sqlx::query_as("SELECT id, claim_token, attempts FROM jobs ORDER BY id")
            .fetch_all(&a.state.db.pool)
            .await
            .expect("rows");
    assert_eq!(
        left,
        vec![
            (rows[0].id, Some(again.token), 2),
            (rows[1].id, Some(again.token), 2),
            (rows[5].id, None, 0),
        ]
    );
    // B's finish of its batch goes through, a stale token's for the postponed row does not.
    let mut conn = b.state.db.pool.acquire().await.expect("conn");
    let mut done = store::finish_many(
        &mut conn,
        &[
            (rows[0].id, again.token),
            (rows[1].id, again.token),
            (rows[5].id, first.token),
        ],
    )
    .await
    .expect("finish");
    done.sort();
    assert_eq!(done, vec![rows[0].id, rows[1].id]);
    drop(conn);
    assert_eq!(queued(&a).await, 1);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_finishes_fenced_sqlite() {
    batched_finishes_keep_the_fence(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_finishes_fenced_postgres() {
    batched_finishes_keep_the_fence(common::Backend::Postgres).await;
}

/// Two nodes' workers drain one queue of 1,000 jobs: every job is claimed exactly once (the
/// claims counted on both nodes add up to the jobs), and both nodes take part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_claim_each_job_once() {
    let Some((a, b)) = two_apps(common::Backend::Postgres).await else {
        return;
    };
    const JOBS: u64 = 1000;
    enqueue_noops(&a, JOBS as usize).await;
    let started = Instant::now();
    let wa = herd::jobs::spawn_worker(a.state.clone());
    let wb = herd::jobs::spawn_worker(b.state.clone());
    while queued(&a).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} jobs left",
            queued(&a).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    wa.abort();
    wb.abort();
    let (ca, cb) = (
        count(&a.state.job_stats.claims),
        count(&b.state.job_stats.claims),
    );
    let conflicts = (ca + cb).saturating_sub(JOBS);
    println!(
        "two nodes drained {JOBS} jobs in {} ms: node A claimed {ca}, node B {cb}; \
         claim conflicts (claims beyond one per job): {conflicts} per {JOBS}",
        took.as_millis()
    );
    assert_eq!(ca + cb, JOBS, "each job is claimed once");
    assert!(ca > 0 && cb > 0, "both nodes claim: {ca} and {cb}");
    assert_eq!(
        count(&a.state.job_stats.fenced) + count(&b.state.job_stats.fenced),
        0
    );
    b.stop().await;
    a.stop().await;
}

/// The failed sign-in limit counts attempts on every node in one bucket: with a limit of 4,
/// two failures on each node use it up, and the next attempt is refused on both nodes, even
/// with the right password (per-node counts would have allowed 4 on each).
async fn sign_in_limit_is_shared(backend: common::Backend) {
    let Some((a, b)) = two_apps_with(backend, |c| {
        c.rate_limits.exempt_loopback = false;
        c.rate_limits.login_attempts = 4;
    })
    .await
    else {
        return;
    };
    a.create_user("alice", "correct horse battery").await;
    let (id, secret) = a.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let attempt = |app: &common::TestApp, password: &str| {
        let (client, url) = (app.client.clone(), app.url("/oauth/token"));
        let form = [
            ("grant_type", "password".to_string()),
            ("client_id", id.clone()),
            ("client_secret", secret.clone()),
            ("username", "alice".to_string()),
            ("password", password.to_string()),
        ];
        async move {
            let res = client
                .post(url)
                .form(&form)
                .send()
                .await
                .expect("POST /oauth/token");
            res.status().as_u16()
        }
    };
    for node in [&a, &b, &a, &b] {
        assert_eq!(attempt(node, "wrong").await, 400);
    }
    assert_eq!(attempt(&a, "correct horse battery").await, 429);
    assert_eq!(attempt(&b, "correct horse battery").await, 429);
    // The window passes on both nodes' clocks: the right password works again, on either.
    a.state.clock.advance(Duration::from_secs(301));
    b.state.clock.advance(Duration::from_secs(301));
    assert_eq!(attempt(&b, "correct horse battery").await, 200);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_limit_shared_sqlite() {
    sign_in_limit_is_shared(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_limit_shared_postgres() {
    sign_in_limit_is_shared(common::Backend::Postgres).await;
}

/// The sign-up limit counts on every node in one bucket: with a limit of 2 per address, one
/// sign-up through each node uses it up, and a third is refused on either node (per-node
/// counts would have allowed 2 on each).
async fn sign_up_limit_is_shared(backend: common::Backend) {
    let Some((a, b)) = two_apps_with(backend, |c| {
        c.rate_limits.exempt_loopback = false;
        c.rate_limits.sign_ups = 2;
        c.rate_limits.api_requests = 1000;
    })
    .await
    else {
        return;
    };
    let sign_up = |app: &common::TestApp, token: String, name: &str| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/accounts"));
        let body = serde_json::json!({
            "username": name,
            "email": format!("{name}@example.org"),
            "password": "correct horse battery",
            "agreement": true,
        });
        async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("POST /api/v1/accounts");
            res.status().as_u16()
        }
    };
    let (ta, tb) = (
        a.app_token("read write").await,
        b.app_token("read write").await,
    );
    assert_eq!(sign_up(&a, ta.clone(), "first").await, 200);
    assert_eq!(sign_up(&b, tb.clone(), "second").await, 200);
    assert_eq!(sign_up(&a, ta, "third").await, 429);
    assert_eq!(sign_up(&b, tb, "fourth").await, 429);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_limit_shared_sqlite() {
    sign_up_limit_is_shared(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_limit_shared_postgres() {
    sign_up_limit_is_shared(common::Backend::Postgres).await;
}

/// The general API limit counts on every node in one bucket: with a limit of 10 per address,
/// ten requests through node A use it up, and the next is refused on B as on A (per-node
/// counts would have allowed 10 on each). A new window opens it again on both.
async fn api_limit_is_shared(backend: common::Backend) {
    let Some((a, b)) = two_apps_with(backend, |c| {
        c.rate_limits.exempt_loopback = false;
        c.rate_limits.api_requests = 10;
    })
    .await
    else {
        return;
    };
    let get = |app: &common::TestApp| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/instance"));
        async move {
            let res = client.get(url).send().await.expect("GET /api/v1/instance");
            let remaining = res
                .headers()
                .get("x-ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u32>().ok());
            (res.status().as_u16(), remaining)
        }
    };
    for n in 1..=10u32 {
        assert_eq!(get(&a).await, (200, Some(10 - n)), "request {n} on A");
    }
    assert_eq!(get(&b).await, (429, Some(0)), "B counts A's requests");
    assert_eq!(get(&a).await, (429, Some(0)));
    a.state.clock.advance(Duration::from_secs(301));
    b.state.clock.advance(Duration::from_secs(301));
    assert_eq!(get(&b).await.0, 200);
    assert_eq!(get(&a).await.0, 200);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_limit_shared_sqlite() {
    api_limit_is_shared(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_limit_shared_postgres() {
    api_limit_is_shared(common::Backend::Postgres).await;
}

/// An inbox on loopback that answers the status set in `answer` and counts its requests.
async fn fake_inbox(
    answer: std::sync::Arc<std::sync::atomic::AtomicU16>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::Ordering;
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let h = hits.clone();
    let app = axum::Router::new().route(
        "/inbox",
        axum::routing::post(move || {
            let (h, s) = (h.clone(), answer.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst))
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/inbox"), hits)
}

async fn queue_delivery(app: &common::TestApp, inbox: &str, n: usize) {
    let now = app.state.clock.now_micros();
    let jobs: Vec<herd::jobs::Job> = (0..n)
        .map(|i| herd::jobs::Job::Deliver {
            inbox: inbox.to_string(),
            activity: serde_json::json!({"type": "Create", "id": format!("x{now}-{i}")})
                .to_string(),
            key_owner: "instance".into(),
        })
        .collect();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    herd::jobs::enqueue_many(&mut tx, &jobs, now)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
}

/// A node's `/metrics` text.
async fn metrics_text(app: &common::TestApp) -> String {
    let response = herd::metrics::render(axum::extract::State(app.state.clone())).await;
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("metrics body");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

/// Federation host health is shared: a host whose circuit node A opened (ten failed
/// deliveries in a row) is skipped by node B without a request; after the cool-down one trial
/// from B succeeds and closes the circuit for A too.
async fn host_down_on_one_node_is_skipped_by_the_other(backend: common::Backend) {
    use std::sync::atomic::Ordering;
    let Some((a, b)) = two_apps(backend).await else {
        return;
    };
    let answer = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(500));
    let (inbox, hits) = fake_inbox(answer.clone()).await;
    let hits = || hits.load(Ordering::SeqCst);
    queue_delivery(&a, &inbox, 10).await;
    a.run_jobs().await;
    assert_eq!(hits(), 10, "A tried each delivery once");
    queue_delivery(&b, &inbox, 3).await;
    b.run_jobs().await;
    assert_eq!(hits(), 10, "B skipped the host A found down");
    let metrics = metrics_text(&b).await;
    assert!(
        metrics.contains("herd_federation_hosts{state=\"circuit_open\"} 1"),
        "B's /metrics counts the host A found down:\n{metrics}"
    );
    assert!(
        metrics.contains("herd_deliveries_total{outcome=\"retried\"} 3"),
        "B's skipped deliveries wait to be retried:\n{metrics}"
    );
    // Past the cool-down (and the retries' backoff) on B's clock: one trial goes, succeeds,
    // and the circuit is closed on both nodes.
    answer.store(202, Ordering::SeqCst);
    b.state.clock.advance(Duration::from_secs(3600));
    b.run_jobs().await;
    assert!(hits() > 10, "B tried again after the cool-down");
    let (circuits,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM host_circuits")
        .fetch_one(&a.state.db.pool)
        .await
        .expect("count circuits");
    assert_eq!(circuits, 0, "the success closed the shared circuit");
    let before = hits();
    a.state.clock.advance(Duration::from_secs(3600));
    queue_delivery(&a, &inbox, 1).await;
    a.run_jobs().await;
    assert!(hits() > before, "A delivers again");
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_health_shared_sqlite() {
    host_down_on_one_node_is_skipped_by_the_other(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_health_shared_postgres() {
    host_down_on_one_node_is_skipped_by_the_other(common::Backend::Postgres).await;
}

/// An idempotency key holds across nodes even for requests in flight together (a client's
/// retry sent through the balancer while its original still runs): eight posts with one key,
/// half through each node at once, make one status, and every answer names it.
async fn idempotency_key_is_shared(backend: common::Backend) {
    let Some((a, b)) = two_apps(backend).await else {
        return;
    };
    let (_, token) = a.user_with_token("alice").await;
    let mut posts = Vec::new();
    for i in 0..8 {
        let node = if i % 2 == 0 { &a } else { &b };
        let (client, url, token) = (
            node.client.clone(),
            node.url("/api/v1/statuses"),
            token.clone(),
        );
        posts.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "retry-1")
                .json(&serde_json::json!({"status": "posted once"}))
                .send()
                .await
                .expect("POST /api/v1/statuses");
            let status = res.status().as_u16();
            let body: Value = res.json().await.expect("json");
            (status, body["id"].as_str().unwrap_or_default().to_string())
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for p in posts {
        let (status, id) = p.await.expect("join");
        assert_eq!(status, 200);
        ids.insert(id);
    }
    assert_eq!(ids.len(), 1, "every answer names one status: {ids:?}");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM statuses WHERE text = $1")
        .bind("posted once")
        .fetch_one(&a.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 1, "one status was written");
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_shared_sqlite() {
    idempotency_key_is_shared(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_shared_postgres() {
    idempotency_key_is_shared(common::Backend::Postgres).await;
}
