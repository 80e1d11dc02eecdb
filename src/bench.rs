//! `herd bench home-timeline`: seeds N follows and M statuses straight into the database, serves
//! the real app on loopback, and drives `GET /api/v1/timelines/home` over HTTP from concurrent
//! clients for a fixed time. Prints p50, p99 and requests/s per size, and the log-log slope of
//! p50 against M (flat in M is the goal: a home timeline is one index range scan).
//!
//! The load comes from the same process (a tokio client pool); numbers are comparable between
//! runs on one machine, and the bench says so in its output.

use std::time::{Duration, Instant};

use crate::config::Config;
use crate::state::{App, AppState};
use crate::storage::query::Sql;
use crate::time::Clock;

pub struct HomeTimelineBench {
    pub database_url: Option<String>,
    pub sizes: Vec<u64>,
    pub follows: u64,
    pub seconds: u64,
    pub concurrency: usize,
}

struct Figures {
    statuses: u64,
    p50_ms: f64,
    p99_ms: f64,
    rps: f64,
    requests: usize,
}

const BATCH: usize = 400;

async fn insert_rows(
    state: &AppState,
    prefix: &str,
    rows: &[Vec<i64>],
    texts: &[Vec<String>],
) -> anyhow::Result<()> {
    for (chunk_i, chunk) in rows.chunks(BATCH).enumerate() {
        let mut sql = Sql::new(prefix);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            let mut values: Vec<String> = row.iter().map(|v| sql.int(*v)).collect();
            if let Some(t) = texts.get(chunk_i * BATCH + i) {
                values.extend(t.iter().map(|s| sql.text(s)));
            }
            sql.push(&format!("({})", values.join(", ")));
        }
        let mut tx = state.db.begin_write().await?;
        sqlx::query_with(sql.sql(), sql.arguments())
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Creates the viewer, 2×`follows` authors (the viewer follows half), a quiet-follows user
/// (follows 100 authors who post once each), and `statuses` statuses spread over all authors,
/// with the home-feed rows the fan-out would have written.
pub(crate) async fn seed(
    state: &AppState,
    follows: u64,
    statuses: u64,
) -> anyhow::Result<(i64, i64)> {
    let seeded = seed_rows(state, follows, statuses).await?;
    // PostgreSQL's autovacuum analyzes a live instance's tables, so the bench gives it fresh
    // statistics. A SQLite instance never runs ANALYZE, and with statistics the bundled SQLite
    // (STAT4) prepares every statement whose plan may depend on its bound values again at
    // each execution: the bench measured 35 % more p50 with them (docs/performance.md).
    if state.db.backend() == crate::storage::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&state.db.pool).await?;
    }
    Ok(seeded)
}

/// `seed` without planner statistics.
pub(crate) async fn seed_rows(
    state: &AppState,
    follows: u64,
    statuses: u64,
) -> anyhow::Result<(i64, i64)> {
    let now = state.clock.now_micros();
    let base = state.base_url();
    let authors = (2 * follows).max(2);
    let first_id: i64 = 1_000_000;
    let viewer = first_id;
    let quiet = first_id + 1;
    let mut accounts = Vec::new();
    let mut names = Vec::new();
    for i in 0..(authors as i64 + 2) {
        let id = first_id + i;
        let name = format!("bench{i}");
        accounts.push(vec![id, now, now]);
        names.push(vec![
            name.clone(),
            name.to_lowercase(),
            format!("{base}/users/{name}"),
            format!("{base}/@{name}"),
        ]);
    }
    insert_rows(state, "INSERT INTO accounts (id, created_at, updated_at, username, username_lower, uri, url) VALUES ", &accounts, &names).await?;
    // The two measured accounts need logins behind their tokens.
    let users = vec![
        vec![viewer, viewer, now, now, now],
        vec![quiet, quiet, now, now, now],
    ];
    let user_texts = vec![
        vec![
            "viewer@bench.example".to_string(),
            "viewer@bench.example".to_string(),
            "-".to_string(),
        ],
        vec![
            "quiet@bench.example".to_string(),
            "quiet@bench.example".to_string(),
            "-".to_string(),
        ],
    ];
    insert_rows(
        state,
        "INSERT INTO users (id, account_id, confirmed_at, created_at, updated_at, email, email_lower, password_hash) VALUES ",
        &users,
        &user_texts,
    )
    .await?;
    let author = |k: i64| first_id + 2 + k;
    let mut follow_rows = Vec::new();
    for k in 0..follows as i64 {
        follow_rows.push(vec![first_id * 10 + k, viewer, author(2 * k), now]);
    }
    for k in 0..100.min(authors as i64) {
        follow_rows.push(vec![first_id * 20 + k, quiet, author(k), now]);
    }
    insert_rows(
        state,
        "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES ",
        &follow_rows,
        &[],
    )
    .await?;
    // Statuses, oldest first, round-robin over authors; the quiet user's 100 authors post only
    // their first status, everything else goes to the busy half.
    let mut status_rows = Vec::with_capacity(BATCH);
    let mut feed_rows = Vec::with_capacity(BATCH);
    let mut texts = Vec::with_capacity(BATCH);
    let start_ms = now / 1000 - statuses as i64;
    for n in 0..statuses as i64 {
        let a = if n < authors as i64 {
            n
        } else {
            n % authors as i64
        };
        let id = crate::ids::compose(start_ms + n, (n % 65_536) as u16);
        status_rows.push(vec![id, author(a), id, (start_ms + n) * 1000]);
        texts.push(vec![
            format!("{base}/bench/{id}"),
            format!("status {n}"),
            format!("<p>status {n}</p>"),
            "public".to_string(),
        ]);
        if a % 2 == 0 && (a / 2) < follows as i64 {
            feed_rows.push(vec![viewer, id, author(a)]);
        }
        if n < 100.min(authors as i64) {
            feed_rows.push(vec![quiet, id, author(a)]);
        }
        if status_rows.len() == BATCH * 10 || n + 1 == statuses as i64 {
            insert_rows(
                state,
                "INSERT INTO statuses (id, account_id, thread_root_id, created_at, uri, text, content, visibility) VALUES ",
                &status_rows,
                &texts,
            )
            .await?;
            insert_rows(
                state,
                "INSERT INTO home_feed (account_id, status_id, author_id) VALUES ",
                &feed_rows,
                &[],
            )
            .await?;
            status_rows.clear();
            feed_rows.clear();
            texts.clear();
        }
    }
    Ok((viewer, quiet))
}

async fn drive(
    base: &str,
    token: &str,
    seconds: u64,
    concurrency: usize,
) -> anyhow::Result<(Vec<f64>, f64)> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = format!("{base}/api/v1/timelines/home?limit=20");
        let token = token.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = client.get(&url).bearer_auth(&token).send().await?;
                let status = res.status();
                let _ = res.bytes().await?;
                anyhow::ensure!(status.is_success(), "home timeline answered {status}");
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    Ok((all, elapsed))
}

/// What one load task measured: its latencies (ms) and the answers it did not count as served.
pub(crate) type Measured = (Vec<f64>, Vec<String>);

/// Waits for load tasks: all their latencies (unsorted, so the caller can stop its clock
/// first) and refusals.
pub(crate) async fn gather(
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<Measured>>>,
) -> anyhow::Result<Measured> {
    let mut lat = Vec::new();
    let mut refused = Vec::new();
    for t in tasks {
        let (l, r) = t.await??;
        lat.extend(l);
        refused.extend(r);
    }
    Ok((lat, refused))
}

/// A bench's server, answering on its listener until [`Served::stop`].
pub(crate) struct Served {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Serves `state` on `listener` in the background (every bench drives a real server).
pub(crate) fn serve_in_background(
    state: &crate::state::AppState,
    listener: tokio::net::TcpListener,
) -> Served {
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server_state = state.clone();
    let task = tokio::spawn(async move {
        let _ = crate::serve(server_state, listener, async {
            let _ = rx.await;
        })
        .await;
    });
    Served { stop, task }
}

impl Served {
    /// Stops the server and waits until it has let go of its connections.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// For PostgreSQL, a fresh database per size on the server `admin_url` points at.
pub(crate) async fn fresh_postgres(admin_url: &str) -> anyhow::Result<(String, String)> {
    sqlx::any::install_default_drivers();
    let name = format!("herd_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&format!("/{name}"));
    Ok((url.to_string(), name))
}

pub(crate) async fn drop_postgres(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

async fn one_size(cfg: &HomeTimelineBench, statuses: u64) -> anyhow::Result<(Figures, Figures)> {
    let dir = tempfile_dir()?;
    let postgres = match cfg
        .database_url
        .as_deref()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin) => Some((admin.to_string(), fresh_postgres(admin).await?)),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = instance_config(
        addr,
        &dir,
        postgres.as_ref().map(|(_, (url, _))| url.as_str()),
    );
    let state = App::new(config, Clock::default()).await?;
    let seeding = Instant::now();
    let (viewer, quiet) = seed(&state, cfg.follows, statuses).await?;
    eprintln!(
        "  seeded {statuses} statuses, {} follows in {:.1} s",
        cfg.follows,
        seeding.elapsed().as_secs_f64()
    );
    let token = crate::services::oauth::operator_token(&state, viewer, "read")
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let quiet_token = crate::services::oauth::operator_token(&state, quiet, "read")
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let server = crate::bench::serve_in_background(&state, listener);
    let base = format!("http://{addr}");
    // Warm-up, then measure.
    drive(&base, &token, 1, cfg.concurrency).await?;
    let (lat, secs) = drive(&base, &token, cfg.seconds, cfg.concurrency).await?;
    let busy = Figures {
        statuses,
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
        rps: lat.len() as f64 / secs,
        requests: lat.len(),
    };
    let (lat, secs) = drive(
        &base,
        &quiet_token,
        cfg.seconds.div_ceil(2),
        cfg.concurrency,
    )
    .await?;
    let quiet_fig = Figures {
        statuses,
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
        rps: lat.len() as f64 / secs,
        requests: lat.len(),
    };
    server.stop().await;
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some((admin, (_, name))) = &postgres {
        drop_postgres(admin, name).await?;
    }
    Ok((busy, quiet_fig))
}

pub(crate) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("herd-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub async fn home_timeline(cfg: HomeTimelineBench) -> anyhow::Result<()> {
    let backend = if cfg
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "home timeline bench ({backend}): {} follows, {} concurrent clients in-process on loopback, {} s per size",
        cfg.follows, cfg.concurrency, cfg.seconds
    );
    let mut rows = Vec::new();
    for &m in &cfg.sizes {
        let (busy, quiet) = one_size(&cfg, m).await?;
        println!(
            "  M={:>8}  busy user: p50 {:6.2} ms  p99 {:6.2} ms  {:7.0} req/s ({} requests) | quiet-follows user: p50 {:6.2} ms  p99 {:6.2} ms  {:7.0} req/s",
            busy.statuses, busy.p50_ms, busy.p99_ms, busy.rps, busy.requests, quiet.p50_ms, quiet.p99_ms, quiet.rps
        );
        rows.push(busy);
    }
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        if last.statuses > first.statuses {
            let slope = (last.p50_ms / first.p50_ms).ln()
                / ((last.statuses as f64) / (first.statuses as f64)).ln();
            println!("  log-log slope of p50 against M: {slope:.3} (flat in M means ≤ 0.1)");
        }
    }
    Ok(())
}

// ---- herd bench ledger-report ----

pub struct LedgerReportBench {
    pub database_url: Option<String>,
    pub postings: u64,
    pub runs: usize,
}

/// The accounts the seeded transactions move money between: (debit, credit, amount range).
const LEDGER_FLOWS: &[(&str, &str, i64)] = &[
    ("assets:stripe", "income:dues", 2000),
    ("assets:bank", "income:dues", 2000),
    ("expenses:hosting", "assets:bank", 9000),
    ("expenses:fees:stripe", "assets:stripe", 80),
    ("expenses:software", "assets:bank", 3000),
    ("assets:bank", "income:donations", 5000),
    ("expenses:general", "assets:cash", 1500),
    ("assets:bank", "equity:member-shares", 1000),
];

/// Seeds `postings` postings (two per transaction) over three years, as properly chained
/// transactions (sealed by `herd_governance::ledger::seal`), with multi-row inserts. Returns the
/// first day seeded.
async fn seed_ledger(state: &AppState, postings: u64) -> anyhow::Result<i64> {
    use herd_governance::ledger::{seal, Draft, Posting, GENESIS_HASH};
    let transactions = (postings / 2).max(1) as i64;
    let now = state.clock.now_micros();
    let span = 3 * 365 * crate::time::MICROS_PER_DAY;
    let start = now - span;
    let step = span / transactions;
    let mut head = (0i64, GENESIS_HASH.to_string());
    let mut tx_values = String::new();
    let mut p_values = String::new();
    let mut in_batch = 0;
    let flush = |tx_values: String, p_values: String| async move {
        let mut tx = state.db.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO ledger_transactions (id, seq, occurred_at, memo, counterparty, category, kind, \
             source, reverses_id, member_account_id, created_by_account_id, prev_hash, hash, created_at) VALUES {tx_values}"
        ))
        .execute(&mut **tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO ledger_postings (transaction_id, idx, account, amount, currency, occurred_at) VALUES {p_values}"
        ))
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        anyhow::Ok(())
    };
    for n in 0..transactions {
        let (debit, credit, range) = LEDGER_FLOWS[(n as usize) % LEDGER_FLOWS.len()];
        let amount = 100 + (n * 7919) % range;
        let date = start + n * step;
        let id = crate::ids::compose(date / 1000, (n % 65_536) as u16);
        let draft = Draft {
            date,
            memo: format!("bench {n}"),
            counterparty: String::new(),
            category: String::new(),
            kind: "manual".into(),
            source: None,
            reverses: None,
            member: None,
            created_by: None,
            postings: vec![
                Posting::new(debit, amount, "EUR"),
                Posting::new(credit, -amount, "EUR"),
            ],
        };
        let entry = seal(draft, id, (head.0, &head.1));
        if in_batch > 0 {
            tx_values.push_str(", ");
            p_values.push_str(", ");
        }
        // Every value is generated here (digits, hex, fixed words): inlined, not bound.
        tx_values.push_str(&format!(
            "({id}, {}, {date}, 'bench {n}', '', '', 'manual', NULL, NULL, NULL, NULL, '{}', '{}', {now})",
            entry.seq, entry.prev_hash, entry.hash
        ));
        p_values.push_str(&format!(
            "({id}, 0, '{debit}', {amount}, 'EUR', {date}), ({id}, 1, '{credit}', {}, 'EUR', {date})",
            -amount
        ));
        head = (entry.seq, entry.hash);
        in_batch += 1;
        if in_batch == 1000 || n + 1 == transactions {
            flush(
                std::mem::take(&mut tx_values),
                std::mem::take(&mut p_values),
            )
            .await?;
            in_batch = 0;
        }
    }
    // The per-day sums the service keeps as it posts, derived here in one statement.
    sqlx::query(
        "INSERT INTO ledger_daily_sums (day, account, currency, amount) \
         SELECT occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000, account, currency, CAST(SUM(amount) AS BIGINT) \
         FROM ledger_postings GROUP BY occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000, account, currency",
    )
    .execute(&state.db.pool)
    .await?;
    sqlx::query("ANALYZE").execute(&state.db.pool).await?;
    Ok(start)
}

pub async fn ledger_report(cfg: LedgerReportBench) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let postgres = match cfg
        .database_url
        .as_deref()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin) => Some((admin.to_string(), fresh_postgres(admin).await?)),
        None => None,
    };
    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let config = Config {
        data_dir: dir.clone(),
        database_url: postgres
            .as_ref()
            .map(|(_, (url, _))| url.clone())
            .unwrap_or_default(),
        ..Config::default()
    };
    let state = App::new(config, Clock::default()).await?;
    let result = async {
        let seeding = Instant::now();
        let start = seed_ledger(&state, cfg.postings).await?;
        let seeded = seeding.elapsed().as_secs_f64();
        let postings = cfg.postings.max(2) / 2 * 2;
        println!(
            "ledger report bench ({backend}): {postings} postings in {} transactions over 3 years, seeded in {seeded:.1} s",
            postings / 2
        );
        // The middle year: its income statement, and the balance sheet at its end (every
        // posting up to then, two thirds of the table).
        let year = 365 * crate::time::MICROS_PER_DAY;
        let (from, to) = (start + year, start + 2 * year);
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..cfg.runs.max(1) + 1 {
            let t = Instant::now();
            let r = crate::services::ledger::report(&state, from, to)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            last = Some(r);
        }
        times.remove(0); // the first run warms caches
        times.sort_by(|a, b| a.total_cmp(b));
        let r = last.ok_or_else(|| anyhow::anyhow!("no report"))?;
        anyhow::ensure!(r.balance_sheet.balanced, "the seeded books do not balance");
        println!(
            "  period report (income statement for a year + balance sheet at its end): median {:.1} ms, min {:.1} ms, max {:.1} ms over {} runs (target < 200 ms)",
            percentile(&times, 0.5),
            times.first().copied().unwrap_or(f64::NAN),
            times.last().copied().unwrap_or(f64::NAN),
            times.len()
        );
        let t = Instant::now();
        let verified = crate::services::ledger::verify(&state.db).await?;
        let secs = t.elapsed().as_secs_f64();
        match verified {
            Ok((count, _)) => println!(
                "  hash-chain verification: {count} transactions ({} postings) in {secs:.2} s = {:.0} transactions/s",
                count * 2,
                count as f64 / secs
            ),
            Err(b) => anyhow::bail!("the seeded chain does not verify: {b:?}"),
        }
        anyhow::Ok(())
    }
    .await;
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some((admin, (_, name))) = &postgres {
        drop_postgres(admin, name).await?;
    }
    result
}

/// `herd bench form-parse`: the urlencoded body parser on the issue-12 attack form (Rack's
/// arrays of hashes, `x[][abcd]=`, every key distinct: 85,000 fields are 0.9 MiB, under the
/// 1 MiB body limit) and on a form of as many plain keys, timed in process (no HTTP).
pub fn form_parse(fields: usize, runs: usize) -> anyhow::Result<()> {
    let key = |i: usize| -> String {
        let mut k = String::new();
        let mut n = i;
        loop {
            k.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
            if n == 0 {
                break;
            }
        }
        k
    };
    let attack: String = (0..fields)
        .map(|i| format!("x[][{}]=", key(i)))
        .collect::<Vec<_>>()
        .join("&");
    let plain: String = (0..fields)
        .map(|i| format!("{}=1", key(i)))
        .collect::<Vec<_>>()
        .join("&");
    println!(
        "form parse bench: {fields} fields, median of {} runs (build: {})",
        runs.max(1),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    for (name, body) in [("x[][k] arrays of hashes", &attack), ("plain keys", &plain)] {
        let mut times = Vec::new();
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            // The cap lifted: this times the parser itself, not the refusal.
            let parsed = crate::http::body::parse_form_capped(body.as_bytes(), usize::MAX);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(parsed.is_ok(), "the {name} form did not parse");
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let median = percentile(&times, 0.5);
        println!(
            "  {name}: {} bytes parsed in {median:.1} ms ({:.0} ns per field)",
            body.len(),
            median * 1e6 / fields as f64
        );
    }
    let t = Instant::now();
    let refused = crate::http::body::parse_form(attack.as_bytes());
    let elapsed = t.elapsed().as_secs_f64() * 1000.0;
    if refused.is_err() {
        println!(
            "  with the {}-field cap, as requests get it: refused in {elapsed:.2} ms",
            crate::http::body::MAX_FORM_FIELDS
        );
    }
    Ok(())
}

/// A benchmark instance's settings: listening on `addr` (its own domain), its files in `dir`,
/// on SQLite or the PostgreSQL at `database_url`, with rate limits off so they measure the
/// server and not the limiter.
pub(crate) fn instance_config(
    addr: std::net::SocketAddr,
    dir: &std::path::Path,
    database_url: Option<&str>,
) -> Config {
    Config {
        listen: addr.to_string(),
        domain: addr.to_string(),
        scheme: "http".into(),
        data_dir: dir.to_path_buf(),
        database_url: database_url.unwrap_or_default().to_string(),
        rate_limits: crate::config::RateLimitConfig {
            enabled: false,
            ..Default::default()
        },
        ..Config::default()
    }
}
