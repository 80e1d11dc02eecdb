//! The operator's view of a node: `/health/ready` (the node can take traffic) and Prometheus
//! text at `/metrics`, served on `HERD_METRICS_LISTEN` only (off by default), so the reverse
//! proxy in front of the public listener never exposes it. Request counts and latencies are
//! kept as requests pass (`track`); queue depth, the pool and streams are read at each scrape.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::AppState;

type Labels = Vec<(&'static str, String)>;

fn latency_histogram() -> Histogram {
    // 5 ms to about 20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// Per-request figures, shared by the middleware and the scrape.
#[derive(Clone)]
pub struct HttpMetrics {
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
        }
    }
}

/// Middleware: counts each request by route (the matched pattern, never the raw path, so
/// ids do not become series) and status, and observes its latency by route.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let m = &state.http_metrics;
    m.requests
        .get_or_create(&vec![
            ("method", method),
            ("route", route.clone()),
            ("status", response.status().as_u16().to_string()),
        ])
        .inc();
    m.latency
        .get_or_create(&vec![("route", route)])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `/health/ready`: 200 when the database answers, every migration this binary knows is
/// applied and the job worker runs; otherwise 503 naming what is not.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, String) {
    let mut problems = Vec::new();
    if let Err(e) = state.db.ping().await {
        tracing::error!(error = %e, "readiness: database unavailable");
        problems.push("database unavailable".to_string());
    } else {
        match state.db.pending_migrations().await {
            Ok(0) => {}
            Ok(n) => problems.push(format!("{n} migrations pending")),
            Err(e) => problems.push(format!("migrations unknown: {e}")),
        }
    }
    if !state.job_stats.running.load(Ordering::Relaxed) {
        problems.push("job worker not running".to_string());
    }
    if problems.is_empty() {
        (StatusCode::OK, "OK".into())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, problems.join("\n"))
    }
}

fn gauge(v: i64) -> Gauge {
    let g = Gauge::default();
    g.set(v);
    g
}

fn counter(v: u64) -> Counter {
    let c = Counter::default();
    c.inc_by(v);
    c
}

/// `/metrics`: Prometheus text, every name prefixed `herd_`.
pub async fn render(State(state): State<AppState>) -> Response {
    let mut registry = Registry::with_prefix("herd");
    let m = &state.http_metrics;
    registry.register(
        "http_requests",
        "HTTP requests by method, route and status",
        m.requests.clone(),
    );
    registry.register(
        "http_request_duration_seconds",
        "HTTP request latency by route",
        m.latency.clone(),
    );
    let depth = Family::<Labels, Gauge>::default();
    let age = Family::<Labels, Gauge>::default();
    match crate::services::cluster::queue_depth(&state).await {
        Ok(rows) => {
            for (kind, n, oldest) in rows {
                depth.get_or_create(&vec![("kind", kind.clone())]).set(n);
                age.get_or_create(&vec![("kind", kind)])
                    .set(oldest / crate::time::MICROS_PER_SECOND);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading the job queue failed"),
    }
    registry.register("job_queue_depth", "Due jobs by kind", depth);
    registry.register(
        "job_queue_oldest_age_seconds",
        "Age of the oldest due job by kind",
        age,
    );
    let s = &state.job_stats;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    registry.register(
        "job_claims",
        "Jobs this node claimed",
        counter(load(&s.claims)),
    );
    registry.register(
        "job_fenced_finishes",
        "Finishes refused because another node held the job by then",
        counter(load(&s.fenced)),
    );
    registry.register(
        "job_leases_lost",
        "Leases another node took while this node still ran the job",
        counter(load(&s.leases_lost)),
    );
    // The figure issue 16 bounds (under 10 per 1,000 jobs with two nodes): every way a
    // claim turned out not to be this node's alone. SKIP LOCKED claims cannot collide, so
    // only a lease that ran out shows here (a job whose lease was lost and whose finish was
    // then fenced counts twice: the figure can only overstate).
    registry.register(
        "job_claim_conflicts",
        "Claims that lost their job to another node: fenced finishes plus leases lost",
        counter(load(&s.fenced) + load(&s.leases_lost)),
    );
    let deliveries = Family::<Labels, Counter>::default();
    for (outcome, c) in [
        ("delivered", &s.deliveries_ok),
        ("retried", &s.deliveries_failed),
        ("dropped", &s.deliveries_dropped),
        ("refused", &s.deliveries_refused),
    ] {
        deliveries
            .get_or_create(&vec![("outcome", outcome.to_string())])
            .inc_by(load(c));
    }
    registry.register(
        "deliveries",
        "Federation deliveries by outcome: delivered; retried (failed, to be tried again); \
         dropped (failed on its last attempt); refused (given up at once: a 4xx that retrying \
         cannot change, or a blocked, unavailable or disallowed host)",
        deliveries,
    );
    let hosts = Family::<Labels, Gauge>::default();
    match crate::services::federation::host_health_counts(&state).await {
        Ok((open, unavailable)) => {
            hosts
                .get_or_create(&vec![("state", "circuit_open".to_string())])
                .set(open);
            hosts
                .get_or_create(&vec![("state", "unavailable".to_string())])
                .set(unavailable);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading host health failed"),
    }
    registry.register(
        "federation_hosts",
        "Remote hosts deliveries skip, on every node: circuit_open (failing now, retried after \
         a cool-down) and unavailable (failing on several days, dropped until they answer)",
        hosts,
    );
    let pool = &state.db.pool;
    registry.register(
        "db_pool_connections",
        "Database pool connections open",
        gauge(i64::from(pool.size())),
    );
    registry.register(
        "db_pool_idle_connections",
        "Database pool connections idle",
        gauge(pool.num_idle() as i64),
    );
    registry.register(
        "db_pool_max_connections",
        "Database pool size limit",
        gauge(i64::from(state.config.database.max_connections)),
    );
    registry.register(
        "streams_open",
        "Streaming connections open on this node",
        gauge(state.stream.listeners() as i64),
    );
    cluster_metrics(&state, &mut registry);
    cache_metrics(&state, &mut registry);
    let mut text = String::new();
    if let Err(e) = encode(&mut text, &registry) {
        tracing::error!(error = %e, "metrics: encoding failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Which node this is (its name, the id decided at start, the id slot it holds) and how its
/// share of the cluster's live events went.
fn cluster_metrics(state: &AppState, registry: &mut Registry) {
    let info = Family::<Labels, Gauge>::default();
    info.get_or_create(&vec![
        ("node", state.node.clone()),
        ("node_id", state.holder.to_string()),
        (
            "slot",
            crate::ids::leased_node().map_or_else(String::new, |s| s.to_string()),
        ),
    ])
    .set(1);
    registry.register(
        "node_info",
        "This node: its name, the node id it claimed at start (it tags its events and job \
         wake-ups and holds its leases) and the id slot leased under it",
        info,
    );
    let c = &state.stream.cluster;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let events = Family::<Labels, Counter>::default();
    for (way, n) in [
        ("published", load(&c.published)),
        ("publish_failed", load(&c.publish_failures)),
        ("received", load(&c.received)),
        ("replayed", load(&c.replayed)),
    ] {
        events
            .get_or_create(&vec![("way", way.to_string())])
            .inc_by(n);
    }
    registry.register(
        "cluster_events",
        "Live events over the cluster channel (PostgreSQL): published by this node, failed to \
         publish, received from other nodes, and replayed from the live log because their \
         notification never came (a lost listening connection or a dropped notification)",
        events,
    );
    registry.register(
        "cluster_listener_reconnects",
        "Times this node's events listener lost its connection and listened again",
        counter(load(&c.reconnects)),
    );
}

/// The read caches: lookups answered and not, and what each shelf holds.
fn cache_metrics(state: &AppState, registry: &mut Registry) {
    let cache = &state.read_cache;
    let lookups = Family::<Labels, Counter>::default();
    for (outcome, n) in [
        ("hit", cache.stats.hits.load(Ordering::Relaxed)),
        ("miss", cache.stats.misses.load(Ordering::Relaxed)),
    ] {
        lookups
            .get_or_create(&vec![("outcome", outcome.to_string())])
            .inc_by(n);
    }
    registry.register(
        "read_cache_lookups",
        "Read-cache lookups (tokens, logins, filters, accounts, status parts, domain blocks) answered from memory or not",
        lookups,
    );
    let entries = Family::<Labels, Gauge>::default();
    let bytes = Family::<Labels, Gauge>::default();
    for (shelf, (n, b)) in crate::services::read_cache::SHELVES
        .into_iter()
        .zip(cache.sizes())
    {
        let labels = vec![("shelf", shelf.to_string())];
        entries.get_or_create(&labels).set(n as i64);
        bytes.get_or_create(&labels).set(b as i64);
    }
    registry.register(
        "read_cache_entries",
        "Entries each read-cache shelf holds",
        entries,
    );
    registry.register(
        "read_cache_bytes",
        "Estimated bytes each read-cache shelf holds (cache.memory_mib bounds their sum)",
        bytes,
    );
}

/// The metrics listener's router: `/metrics` and nothing else.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(render))
        .with_state(state)
}
