//! Two nodes on one PostgreSQL lose every database connection at once (what a PostgreSQL
//! restart does to them; here `pg_terminate_backend` of every connection to the test's
//! database, since the cluster is shared): without a restart of their own, they serve
//! requests again, events cross between them again and their workers claim jobs again.
//! PostgreSQL only; skipped with the reason when it is absent.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Backend, TestApp};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn wait_until(what: &str, ok: impl AsyncFn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads events until an `update` whose content holds `marker`.
async fn update_with(ws: &mut Ws, marker: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no update with {marker:?} arrived"))
            .expect("the stream stays open")
            .expect("a frame");
        if let Message::Text(t) = msg {
            let ev: Value = serde_json::from_str(t.as_str()).expect("event is JSON");
            if ev["event"] == "update" && ev["payload"].as_str().unwrap_or("").contains(marker) {
                return;
            }
        }
    }
}

/// Posts until the node answers 200: the first request after the cut may meet a dead pooled
/// connection (answered with an error, never a half-written post); the next is served.
async fn post_after_cut(app: &TestApp, token: &str, text: &str) -> u32 {
    let mut failures = 0;
    loop {
        let (status, body) = app
            .post_json("/api/v1/statuses", token, json!({"status": text}))
            .await;
        if status == 200 {
            return failures;
        }
        assert!(status >= 500, "{status} {body}");
        failures += 1;
        assert!(failures < 20, "the node does not recover: {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn jobs_left(app: &TestApp) -> i64 {
    let r: Result<(i64,), _> = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = $1")
        .bind("delete_media_files")
        .fetch_one(&app.state.db.pool)
        .await;
    r.map_or(i64::MAX, |(n,)| n)
}

async fn enqueue_noops(app: &TestApp, n: usize) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_resume_after_losing_every_database_connection() {
    let Some(a) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let (url, domain) = (
        a.state.config.database_url.clone(),
        a.state.config.domain.clone(),
    );
    let Some(b) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.database_url = url.clone();
        c.domain = domain;
    })
    .await
    else {
        return;
    };
    let workers = [
        herd::jobs::spawn_worker(a.state.clone()),
        herd::jobs::spawn_worker(b.state.clone()),
    ];
    let (alice_id, alice) = a.user_with_token("alice").await;
    let (_, bob) = a.user_with_token("bob").await;
    let (status, _) = b
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    for node in [&a, &b] {
        wait_until("the node listens", async || {
            node.state.stream.cluster.listening.load(Ordering::Relaxed)
        })
        .await;
    }
    let mut bob_ws = tokio_tungstenite::connect_async(format!(
        "{}/api/v1/streaming?access_token={bob}&stream=user",
        b.base.replacen("http://", "ws://", 1)
    ))
    .await
    .expect("websocket connects")
    .0;
    let (status, _) = a
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "before the cut"}),
        )
        .await;
    assert_eq!(status, 200);
    update_with(&mut bob_ws, "before the cut").await;

    // Every connection to this database but the one asking: both pools, both event
    // listeners, both job wake-up listeners.
    let admin = sqlx::PgPool::connect(&url).await.expect("admin connection");
    let (cut,): (i64,) = sqlx::query_as(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&admin)
    .await
    .expect("terminate the nodes' connections");
    assert!(cut >= 4, "both nodes' listeners and pools were cut: {cut}");
    let cut_at = Instant::now();

    // Requests are served again, without a restart.
    let failed = post_after_cut(&a, &alice, "after the cut").await;
    // Events cross again once both listeners are back.
    for node in [&a, &b] {
        wait_until("the node listens again", async || {
            let c = &node.state.stream.cluster;
            c.reconnects.load(Ordering::Relaxed) >= 1 && c.listening.load(Ordering::Relaxed)
        })
        .await;
    }
    let (status, _) = a
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "events again"}),
        )
        .await;
    assert_eq!(status, 200);
    update_with(&mut bob_ws, "events again").await;
    // The workers claim and finish jobs again, on both nodes.
    let claims_before = [&a, &b].map(|n| n.state.job_stats.claims.load(Ordering::Relaxed));
    enqueue_noops(&a, 200).await;
    wait_until("the queue drains", async || jobs_left(&a).await == 0).await;
    let claims_after = [&a, &b].map(|n| n.state.job_stats.claims.load(Ordering::Relaxed));
    println!(
        "cut {cut} connections; {failed} request(s) failed after the cut; events and jobs \
         resumed {} ms after it; claims since: A {} and B {}",
        cut_at.elapsed().as_millis(),
        claims_after[0] - claims_before[0],
        claims_after[1] - claims_before[1],
    );
    assert!(
        claims_after[0] + claims_after[1] >= claims_before[0] + claims_before[1] + 200,
        "the 200 jobs were claimed after the cut"
    );
    for w in workers {
        w.abort();
    }
    b.stop().await;
    a.stop().await;
}
