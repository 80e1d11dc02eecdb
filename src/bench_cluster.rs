//! Delivery throughput with one node and with two on one PostgreSQL
//! (`herd bench cluster-deliveries`): it prints figures and what it measured.
//!
//! Two nodes run in this process, each a whole app (its own pool, node slot, job worker with
//! its delivery lanes and per-host caps), on a fresh database made on the server
//! `--database-url` names and dropped afterwards. The remote side is D small axum inboxes on
//! loopback that answer 202 at once, reached through the SSRF guard with 127.0.0.0/8 allowed
//! as in the tests. Each round queues N signed deliveries spread over the D hosts and times
//! the queue's drain; the second node must add throughput, and every job must be claimed once
//! (claims beyond one per job are counted as conflicts). On one machine the nodes share its
//! cores with PostgreSQL and the inboxes, so the ratio is bounded by CPU.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;

use crate::config::Config;
use crate::state::{App, AppState};
use crate::time::Clock;

pub struct ClusterDeliveriesBench {
    pub database_url: String,
    pub jobs: usize,
    pub domains: usize,
}

async fn node(database_url: &str, name: &str) -> anyhow::Result<AppState> {
    let dir = std::env::temp_dir().join(format!("herd-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut config = Config {
        domain: "bench.invalid".into(),
        scheme: "http".into(),
        data_dir: dir,
        database_url: database_url.to_string(),
        ..Config::default()
    };
    config.federation.allow_private = vec!["127.0.0.0/8".into()];
    config.cluster.node_name = name.into();
    App::new(config, Clock::default()).await
}

/// Queues `n` deliveries to the `inboxes` in turn.
async fn enqueue(
    state: &AppState,
    inboxes: &[String],
    n: usize,
    round: &str,
) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let jobs: Vec<crate::jobs::Job> = (0..n)
        .map(|i| crate::jobs::Job::Deliver {
            inbox: inboxes[i % inboxes.len()].clone(),
            activity: serde_json::json!({
                "type": "Create",
                "id": format!("https://bench.invalid/activities/{round}-{i}"),
            })
            .to_string(),
            key_owner: "instance".into(),
        })
        .collect();
    let mut tx = state.db.begin_write().await?;
    crate::jobs::enqueue_many(&mut tx, &jobs, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

struct Round {
    seconds: f64,
    claims: [u64; 2],
    fenced: u64,
}

/// Queues `n` deliveries and waits until the inboxes got them all.
async fn round(
    nodes: &[&AppState],
    inboxes: &[String],
    hits: &AtomicU64,
    n: usize,
    name: &str,
) -> anyhow::Result<Round> {
    let claims = |i: usize| {
        nodes
            .get(i)
            .map_or(0, |s| s.job_stats.claims.load(Ordering::Relaxed))
    };
    let fenced = || {
        nodes
            .iter()
            .map(|s| s.job_stats.fenced.load(Ordering::Relaxed))
            .sum::<u64>()
    };
    let (c0, c1, f0) = (claims(0), claims(1), fenced());
    let before = hits.load(Ordering::Relaxed);
    let started = Instant::now();
    enqueue(nodes[0], inboxes, n, name).await?;
    while hits.load(Ordering::Relaxed) - before < n as u64 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {} of {n} deliveries arrived within 600 s",
            hits.load(Ordering::Relaxed) - before
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    // The last finishes land just after the last request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(Round {
        seconds,
        claims: [claims(0) - c0, claims(1) - c1],
        fenced: fenced() - f0,
    })
}

pub async fn cluster_deliveries(cfg: ClusterDeliveriesBench) -> anyhow::Result<()> {
    anyhow::ensure!(
        cfg.database_url.starts_with("postgres"),
        "--database-url must name a PostgreSQL server (a fresh database is made on it)"
    );
    let (url, name) = crate::bench::fresh_postgres(&cfg.database_url).await?;
    let result = run(&cfg, &url).await;
    crate::bench::drop_postgres(&cfg.database_url, &name).await?;
    result
}

async fn run(cfg: &ClusterDeliveriesBench, url: &str) -> anyhow::Result<()> {
    let hits = Arc::new(AtomicU64::new(0));
    let mut inboxes = Vec::new();
    for _ in 0..cfg.domains.max(1) {
        let h = hits.clone();
        let router = Router::new().fallback(axum::routing::post(move || {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::ACCEPTED
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        inboxes.push(format!("http://{addr}/inbox"));
    }
    let a = node(url, "bench-a").await?;
    let b = node(url, "bench-b").await?;
    let n = cfg.jobs.max(1);
    println!(
        "cluster deliveries bench (postgres, {} cores): {n} signed deliveries to {} loopback hosts per round",
        std::thread::available_parallelism().map_or(1, |p| p.get()),
        inboxes.len()
    );
    let worker_a = crate::jobs::spawn_worker(a.clone());
    // Warm-up: the instance key, the pools, the connections to each inbox.
    round(&[&a], &inboxes, &hits, inboxes.len() * 4, "warm").await?;
    let one = round(&[&a], &inboxes, &hits, n, "one").await?;
    println!(
        "  one node:  {:.2} s, {:.0} deliveries/s; claims {} (conflicts: {}), fenced finishes {}",
        one.seconds,
        n as f64 / one.seconds,
        one.claims[0],
        one.claims[0].saturating_sub(n as u64),
        one.fenced
    );
    let worker_b = crate::jobs::spawn_worker(b.clone());
    round(&[&a, &b], &inboxes, &hits, inboxes.len() * 4, "warm-b").await?;
    let two = round(&[&a, &b], &inboxes, &hits, n, "two").await?;
    let claimed = two.claims[0] + two.claims[1];
    let conflicts = claimed.saturating_sub(n as u64);
    println!(
        "  two nodes: {:.2} s, {:.0} deliveries/s ({:.2}× one node); claims A {} + B {} = {claimed} \
         (conflicts: {conflicts}, {:.2} per 1,000 jobs), fenced finishes {}",
        two.seconds,
        n as f64 / two.seconds,
        one.seconds / two.seconds,
        two.claims[0],
        two.claims[1],
        conflicts as f64 * 1000.0 / n as f64,
        two.fenced
    );
    worker_a.abort();
    worker_b.abort();
    a.db.pool.close().await;
    b.db.pool.close().await;
    Ok(())
}
