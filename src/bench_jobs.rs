//! A burst of posts whose authors have remote followers (`herd bench job-burst`): issue 18's
//! scenario where delivery is real work. It prints what the job table costs under it.
//!
//! The server is the real app (router, job worker with its delivery lanes) on loopback, on a
//! SQLite file in a temp dir or on a fresh PostgreSQL database (`--database-url`, made and
//! dropped). M local members each have F remote followers on each of D fake hosts (small axum
//! inboxes on 127.0.0.1, one port each, every follower with the host's shared inbox, reached
//! through the SSRF guard with 127.0.0.0/8 allowed as in the tests), so each post is one
//! delivery per host. C clients post N statuses over HTTP as fast as they are answered; then
//! the bench waits for the job table to empty. Figures: posts/s during the burst, the time
//! until the job table is empty, jobs run, each hot job-table statement's count and max ms
//! (`jobs::Stats::statements`), busy refusals ("database is locked"), and whether every host
//! got every post exactly once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Router;
use serde_json::json;

use crate::bench::percentile;
use crate::state::{App, AppState};
use crate::time::Clock;

pub struct JobBurstBench {
    pub posts: usize,
    pub clients: usize,
    pub members: usize,
    pub hosts: usize,
    pub followers: usize,
    pub database_url: Option<String>,
}

/// One fake remote host: activity id → how many times it arrived.
#[derive(Clone, Default)]
struct Host {
    seen: Arc<Mutex<HashMap<String, u32>>>,
    posts: Arc<AtomicU64>,
}

async fn inbox(State(h): State<Host>, body: axum::body::Bytes) -> StatusCode {
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_string))
        .unwrap_or_default();
    h.posts.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut seen) = h.seen.lock() {
        *seen.entry(id).or_default() += 1;
    }
    StatusCode::ACCEPTED
}

pub async fn job_burst(cfg: JobBurstBench) -> anyhow::Result<()> {
    let postgres = match cfg.database_url.as_deref() {
        Some(admin) if admin.starts_with("postgres") => Some((
            admin.to_string(),
            crate::bench::fresh_postgres(admin).await?,
        )),
        Some(other) => anyhow::bail!("--database-url must name a PostgreSQL server, not {other}"),
        None => None,
    };
    let result = run(&cfg, postgres.as_ref().map(|(_, (url, _))| url.as_str())).await;
    if let Some((admin, (_, name))) = &postgres {
        crate::bench::drop_postgres(admin, name).await?;
    }
    result
}

async fn seed_followers(
    state: &AppState,
    members: &[i64],
    hosts: &[String],
    per_host: usize,
) -> anyhow::Result<()> {
    let now = Clock::default().now_micros();
    let mut tx = state.db.begin_write().await?;
    for (m, member) in members.iter().enumerate() {
        for base in hosts {
            for f in 0..per_host {
                let shared = format!("{base}/inbox");
                let name = format!("m{m}f{f}");
                crate::bench_federation::loopback_follower(
                    &mut tx,
                    base,
                    &name,
                    Some(&shared),
                    *member,
                    now,
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn count(state: &AppState, sql: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&state.db.pool).await?;
    Ok(n)
}

async fn run(cfg: &JobBurstBench, database_url: Option<&str>) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("herd-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = crate::bench::instance_config(addr, &dir, database_url);
    config.federation.allow_private = vec!["127.0.0.0/8".into()];
    let state = App::new(config, Clock::default()).await?;
    let backend = state.db.backend();
    let server = crate::bench::serve_in_background(&state, listener);
    let worker = crate::jobs::spawn_worker(state.clone());

    let mut hosts = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..cfg.hosts.max(1) {
        let host = Host::default();
        let router = Router::new()
            .fallback(axum::routing::post(inbox))
            .with_state(host.clone());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        bases.push(format!("http://{}", l.local_addr()?));
        tokio::spawn(async move {
            let _ = axum::serve(l, router).await;
        });
        hosts.push(host);
    }
    let mut members = Vec::new();
    let mut tokens = Vec::new();
    for m in 0..cfg.members.max(1) {
        let id = crate::services::accounts::create_by_operator(
            &state,
            crate::services::accounts::SignUp {
                username: format!("member{m}"),
                email: format!("member{m}@example.org"),
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
        tokens.push(
            crate::services::oauth::operator_token(&state, id, "read write")
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?,
        );
        members.push(id);
    }
    seed_followers(&state, &members, &bases, cfg.followers.max(1)).await?;
    let posts = cfg.posts.max(1);
    println!(
        "job-burst bench ({}, {} cores): {posts} public posts by {} members from {} clients over HTTP; \
         each member has {} remote followers on each of {} loopback hosts (shared inboxes): \
         {} deliveries expected",
        match backend {
            crate::storage::Backend::Sqlite => "sqlite",
            crate::storage::Backend::Postgres => "postgres",
        },
        std::thread::available_parallelism().map_or(1, |p| p.get()),
        members.len(),
        cfg.clients.max(1),
        cfg.followers.max(1),
        hosts.len(),
        posts * hosts.len()
    );

    // Warm-up: each member's key is made on first need (not a job-table cost).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(cfg.clients.max(1))
        .build()?;
    let base = format!("http://{addr}");
    for token in &tokens {
        let res = client
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(token)
            .json(&json!({"status": "warm-up", "visibility": "public"}))
            .send()
            .await?;
        anyhow::ensure!(
            res.status().is_success(),
            "warm-up answered {}",
            res.status()
        );
    }
    let warm_deadline = Instant::now();
    while count(&state, "SELECT COUNT(*) FROM jobs").await? > 0 {
        anyhow::ensure!(
            warm_deadline.elapsed() < Duration::from_secs(120),
            "the warm-up's jobs did not drain"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = &state.job_stats;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let before: Vec<(u64, u64)> = crate::jobs::Statement::ALL
        .iter()
        .map(|s| {
            let t = stats.statement(*s);
            (load(&t.count), load(&t.slow))
        })
        .collect();
    for s in crate::jobs::Statement::ALL {
        stats.statement(s).max_micros.store(0, Ordering::Relaxed);
    }
    let (claims0, busy0, ok0) = (
        load(&stats.claims),
        load(&stats.busy),
        load(&stats.deliveries_ok),
    );
    let delivered0: u64 = hosts.iter().map(|h| load(&h.posts)).sum();
    for h in &hosts {
        if let Ok(mut seen) = h.seen.lock() {
            seen.clear();
        }
    }

    // The burst.
    let next = Arc::new(AtomicU64::new(0));
    let tokens = Arc::new(tokens);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..cfg.clients.max(1) {
        let (client, next, tokens, url) = (
            client.clone(),
            next.clone(),
            tokens.clone(),
            format!("{base}/api/v1/statuses"),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut refused = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= posts {
                    break;
                }
                let token = &tokens[(i + c) % tokens.len()];
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .bearer_auth(token)
                    .json(&json!({"status": format!("burst post {i}"), "visibility": "public"}))
                    .send()
                    .await?;
                let status = res.status();
                let text = res.text().await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if !status.is_success() {
                    refused.push(format!("{status} {text}"));
                }
            }
            anyhow::Ok((lat, refused))
        }));
    }
    let (mut lat, refused) = crate::bench::gather(tasks).await?;
    let burst = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let left_at_end = count(&state, "SELECT COUNT(*) FROM jobs").await?;
    let mut peak = left_at_end;
    loop {
        let left = count(&state, "SELECT COUNT(*) FROM jobs").await?;
        peak = peak.max(left);
        if left == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(1800),
            "{left} jobs still queued 1,800 s after the burst began"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained = started.elapsed().as_secs_f64();
    // The last deliveries' requests have arrived by now (their rows go after the answer).
    let delivered: u64 = hosts.iter().map(|h| load(&h.posts)).sum::<u64>() - delivered0;
    let mut missing = 0u64;
    let mut duplicates = 0u64;
    let sent = (posts - refused.len()) as u64;
    for h in &hosts {
        if let Ok(seen) = h.seen.lock() {
            missing += sent.saturating_sub(seen.len() as u64);
            duplicates += seen.values().map(|n| u64::from(n - 1)).sum::<u64>();
        }
    }
    println!(
        "  burst: {:.0} posts/s over {burst:.2} s (post p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms); refused: {}{}",
        lat.len() as f64 / burst,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        refused.len(),
        refused
            .first()
            .map(|r| format!(" (first: {})", r.chars().take(200).collect::<String>()))
            .unwrap_or_default()
    );
    println!(
        "  job table: {left_at_end} rows when the burst ended (peak seen {peak}); empty {drained:.2} s after the burst began ({:.2} s after it ended)",
        drained - burst
    );
    println!(
        "  jobs claimed: {}; deliveries: {} made, {} expected; per host: {missing} missing, {duplicates} duplicated; \
         {:.0} deliveries/s from the burst's start to the empty table",
        load(&stats.claims) - claims0,
        load(&stats.deliveries_ok) - ok0,
        sent * hosts.len() as u64,
        delivered as f64 / drained
    );
    println!(
        "  busy refusals (\"database is locked\"): {}",
        load(&stats.busy) - busy0
    );
    println!("  job-table statements (time includes waiting for the SQLite writer):");
    for (s, (count0, slow0)) in crate::jobs::Statement::ALL.iter().zip(before) {
        let t = stats.statement(*s);
        let n = load(&t.count) - count0;
        if n == 0 {
            continue;
        }
        println!(
            "    {:<10} {:>7} runs, max {:>8.2} ms, {:>5} over 100 ms",
            s.name(),
            n,
            load(&t.max_micros) as f64 / 1000.0,
            load(&t.slow) - slow0
        );
    }
    worker.abort();
    server.stop().await;
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
