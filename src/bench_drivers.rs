//! `herd bench drivers`: what `sqlx::Any` costs the home timeline next to the native SQLite and
//! PostgreSQL drivers (issue 18). Seeds the home-timeline bench's database, takes a real page
//! of the viewer's home timeline, then runs each statement such a page makes (the SQL and
//! binds the storage functions build, copied from `RUST_LOG=sqlx::query=debug`) through the
//! server's `AnyPool` and through a native `SqlitePool` / `PgPool` on the same database, one
//! client and then C concurrent: per-statement p50/p99 in µs and the process's CPU per
//! statement (every thread's run time from /proc, so SQLite's worker threads count).
//!
//! Then the cost of IN lists on the server's pool: N ids bound one by one and padded to a
//! power of two (`Sql::ints`), the same with SQLite's anonymous `?`, and the list as one bound
//! parameter (`Sql::ints_one`), with the query plans of the one-parameter forms.

use std::sync::Arc;
use std::time::Instant;

use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, TypeInfo, ValueRef};

use crate::bench::{
    drop_postgres, fresh_postgres, instance_config, percentile, seed, seed_rows, tempfile_dir,
};
use crate::state::App;
use crate::storage::query::Sql;
use crate::storage::statuses::{visible_to, COLUMNS};
use crate::storage::Backend;
use crate::time::Clock;

pub struct DriversBench {
    pub database_url: Option<String>,
    pub statuses: u64,
    pub follows: u64,
    pub runs: usize,
    pub concurrency: usize,
    pub analyze: bool,
}

/// How a statement binds its id lists.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lists {
    /// One parameter per id, padded to a power of two (`Sql::ints`, what the server does).
    Padded,
    /// The list as one parameter (`Sql::ints_one`).
    OneParam,
}

/// What a page's statements bind, from a real page of the viewer's home timeline.
struct PageBinds {
    token_hash: String,
    viewer: i64,
    now: i64,
    ids: Vec<i64>,
    authors: Vec<i64>,
    roots: Vec<i64>,
}

fn list(sql: &mut Sql, ids: &[i64], lists: Lists, backend: Backend) -> String {
    match lists {
        Lists::Padded => sql.ints(ids),
        Lists::OneParam => sql.ints_one(ids, backend),
    }
}

/// A statement of the page, named after the storage function that builds it; `lists` is
/// false for those without an id list.
struct Statement {
    name: &'static str,
    lists: bool,
    build: fn(&PageBinds, Lists, Backend) -> Sql,
}

/// Binds `values` in order to a statement whose text already holds `$1…$n`.
fn literal(text: &str, binds: impl FnOnce(&mut Sql)) -> Sql {
    let mut sql = Sql::new(text);
    binds(&mut sql);
    sql
}

const TOKEN_SQL: &str = "SELECT t.id AS t_id, t.app_id AS t_app_id, t.account_id AS t_account_id, \
    t.scopes AS t_scopes, t.created_at AS t_created_at, t.revoked_at AS t_revoked_at, a.id, a.username, \
    a.domain, a.display_name, a.note, a.actor_type, a.locked, a.bot, a.discoverable, a.fields_json, a.uri, \
    a.url, a.created_at, a.updated_at, a.statuses_count, a.followers_count, a.following_count, \
    a.last_status_at, a.suspended_at, a.silenced_at, a.sensitized_at, a.avatar_file, a.header_file, \
    a.avatar_remote_url, a.header_remote_url, a.noindex, u.id AS u_id, u.account_id AS u_account_id, \
    u.email AS u_email, u.password_hash AS u_password_hash, u.locale AS u_locale, \
    u.sign_up_reason AS u_sign_up_reason, u.confirmed_at AS u_confirmed_at, u.approved AS u_approved, \
    u.disabled AS u_disabled, u.created_at AS u_created_at, u.default_privacy AS u_default_privacy, \
    u.default_sensitive AS u_default_sensitive, u.default_language AS u_default_language \
    FROM oauth_tokens t LEFT JOIN accounts a ON a.id = t.account_id \
    LEFT JOIN users u ON u.account_id = t.account_id WHERE t.token_hash = $1";

const HOME_FEED_SQL: &str = "SELECT h.status_id FROM home_feed h WHERE h.account_id = $1 \
    AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = $2 AND mu.target_account_id = h.author_id \
    AND (mu.expires_at IS NULL OR mu.expires_at > $3)) \
    AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE (bl.account_id = $2 AND bl.target_account_id = h.author_id) \
    OR (bl.account_id = h.author_id AND bl.target_account_id = $2)) \
    AND NOT EXISTS (SELECT 1 FROM accounts san WHERE san.id = h.author_id AND (san.suspended_at IS NOT NULL \
    OR (san.silenced_at IS NOT NULL AND san.id <> $2 AND NOT EXISTS (SELECT 1 FROM follows sf \
    WHERE sf.account_id = $2 AND sf.target_account_id = san.id)))) \
    AND NOT EXISTS (SELECT 1 FROM account_domain_blocks adb JOIN accounts ada ON ada.domain = adb.domain \
    WHERE adb.account_id = $2 AND ada.id = h.author_id) ORDER BY h.status_id DESC LIMIT 20";

fn statements() -> Vec<Statement> {
    vec![
        Statement {
            name: "oauth::token_by_hash",
            lists: false,
            build: |b, _, _| literal(TOKEN_SQL, |s| drop(s.text(&b.token_hash))),
        },
        Statement {
            name: "timelines::home",
            lists: false,
            build: |b, _, _| {
                let mut sql = literal(HOME_FEED_SQL, |s| {
                    s.int(b.viewer);
                    s.int(b.viewer);
                    s.int(b.now);
                });
                sql.wrap(
                    &format!("SELECT {COLUMNS} FROM ("),
                    ") f JOIN statuses s ON s.id = f.status_id ORDER BY s.id DESC",
                );
                sql
            },
        },
        Statement {
            name: "statuses::visible_ids",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new("SELECT s.id FROM statuses s WHERE s.id IN (");
                let ids = list(&mut sql, &b.ids, l, be);
                sql.push(&ids).push(")");
                let v = sql.int(b.viewer);
                sql.push(&format!(" AND {}", visible_to(&v)));
                sql
            },
        },
        Statement {
            name: "quotes::facts",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new("");
                let v = sql.int(b.viewer);
                let ids = list(&mut sql, &b.ids, l, be);
                sql.push(&format!(
                    "SELECT s.id, (SELECT p.policy FROM status_quote_policies p WHERE p.status_id = s.id) AS policy, \
                     (SELECT COUNT(*) FROM quotes c WHERE c.quoted_status_id = s.id AND c.state = 'accepted') AS quotes_count, \
                     CAST(CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.account_id = {v} AND f.target_account_id = s.account_id) \
                     THEN 1 ELSE 0 END AS BIGINT) AS author_followed, q.account_id AS q_account_id, \
                     q.quoted_status_id AS q_quoted_status_id, q.quoted_account_id AS q_quoted_account_id, \
                     q.quoted_uri AS q_quoted_uri, q.state AS q_state, q.authorization_uri AS q_authorization_uri, \
                     q.request_uri AS q_request_uri, q.created_at AS q_created_at, q.updated_at AS q_updated_at, {card} \
                     FROM statuses s LEFT JOIN quotes q ON q.status_id = s.id \
                     LEFT JOIN status_cards sc ON sc.status_id = s.id \
                     LEFT JOIN preview_cards c ON c.id = sc.card_id AND c.state = 'ready' WHERE s.id IN ({ids})",
                    card = crate::storage::cards::linked_columns("c"),
                ));
                sql
            },
        },
        Statement {
            name: "statuses::mentions_and_tags",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new("");
                let ids = list(&mut sql, &b.ids, l, be);
                sql.push(&format!(
                    "SELECT status_id, account_id, CAST(NULL AS TEXT) AS name FROM mentions WHERE status_id IN ({ids}) \
                     UNION ALL SELECT st.status_id, CAST(NULL AS BIGINT), t.name FROM status_tags st \
                     JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN ({ids})"
                ));
                sql
            },
        },
        Statement {
            name: "accounts::by_ids",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new(
                    "SELECT id, username, domain, display_name, note, actor_type, locked, bot, discoverable, \
                     fields_json, uri, url, created_at, updated_at, statuses_count, followers_count, \
                     following_count, last_status_at, suspended_at, silenced_at, sensitized_at, avatar_file, \
                     header_file, avatar_remote_url, header_remote_url, noindex FROM accounts WHERE id IN (",
                );
                let ids = list(&mut sql, &b.authors, l, be);
                sql.push(&ids).push(")");
                sql
            },
        },
        Statement {
            name: "interactions::viewer_marks",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new("");
                let me = sql.int(b.viewer);
                let ids = list(&mut sql, &b.ids, l, be);
                let roots = list(&mut sql, &b.roots, l, be);
                let parts: Vec<String> = ["favourites", "bookmarks", "status_pins"]
                    .iter()
                    .enumerate()
                    .map(|(kind, table)| {
                        format!(
                            "SELECT CAST({kind} AS BIGINT) AS kind, status_id AS id FROM {table} \
                             WHERE account_id = {me} AND status_id IN ({ids})"
                        )
                    })
                    .chain([
                        format!("SELECT CAST(3 AS BIGINT) AS kind, reblog_of_id AS id FROM statuses WHERE account_id = {me} AND reblog_of_id IN ({ids})"),
                        format!("SELECT CAST(4 AS BIGINT) AS kind, thread_root_id AS id FROM conversation_mutes WHERE account_id = {me} AND thread_root_id IN ({roots})"),
                    ])
                    .collect();
                sql.push(&parts.join(" UNION ALL "));
                sql
            },
        },
        Statement {
            name: "media::for_statuses",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new(
                    "SELECT id, account_id, status_id, scheduled_status_id, position, kind, file_key, \
                     content_type, file_size, width, height, thumb_key, thumb_width, thumb_height, description, \
                     focus_x, focus_y, blurhash, remote_url, created_at, processing, av_meta \
                     FROM media_attachments WHERE status_id IN (",
                );
                let ids = list(&mut sql, &b.ids, l, be);
                sql.push(&ids).push(") ORDER BY status_id, position, id");
                sql
            },
        },
        Statement {
            name: "polls::for_statuses",
            lists: true,
            build: |b, l, be| {
                let mut sql = Sql::new(
                    "SELECT id, status_id, account_id, options, multiple, hide_totals, expires_at, closed, \
                     created_at FROM polls WHERE status_id IN (",
                );
                let ids = list(&mut sql, &b.ids, l, be);
                sql.push(&ids).push(")");
                sql
            },
        },
        Statement {
            name: "filters::active",
            lists: false,
            build: |b, _, _| {
                literal(
                    "SELECT id, account_id, title, context, action, expires_at, created_at FROM filters \
                     WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY id",
                    |s| {
                        s.int(b.viewer);
                        s.int(b.now);
                    },
                )
            },
        },
    ]
}

/// Decodes every column of a row as the storage functions' row types would (integers, reals,
/// text), so both drivers pay for reading what they fetched.
fn touch<R: Row>(row: &R) -> anyhow::Result<()>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database>,
    for<'r> f64: sqlx::Decode<'r, R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database>,
{
    for i in 0..row.len() {
        let kind = {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                continue;
            }
            let name = raw.type_info().name().to_ascii_uppercase();
            if name.contains("INT") {
                0
            } else if name.contains("FLOAT") || name.contains("DOUBLE") || name.contains("REAL") {
                1
            } else if name.contains("BOOL") {
                3
            } else {
                2
            }
        };
        match kind {
            0 => drop(row.try_get_unchecked::<i64, _>(i)?),
            1 => drop(row.try_get_unchecked::<f64, _>(i)?),
            2 => drop(row.try_get_unchecked::<String, _>(i)?),
            _ => {}
        }
    }
    Ok(())
}

/// `tasks` clients each running `sql` `per_task` times on `$pool`; every latency in µs.
macro_rules! run_many {
    ($pool:expr, $db:ty, $sql:expr, $per_task:expr, $tasks:expr) => {{
        let mut handles = Vec::new();
        for _ in 0..$tasks {
            let pool = $pool.clone();
            let sql: Arc<Sql> = $sql.clone();
            let per: usize = $per_task;
            handles.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per);
                for _ in 0..per {
                    let t = Instant::now();
                    let rows = sqlx::query_with::<$db, _>(sql.sql(), sql.native_arguments::<$db>())
                        .fetch_all(&pool)
                        .await?;
                    for r in &rows {
                        touch(r)?;
                    }
                    lat.push(t.elapsed().as_secs_f64() * 1e6);
                }
                anyhow::Ok(lat)
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await??);
        }
        anyhow::Ok(all)
    }};
}

#[derive(Clone)]
enum Pool {
    Any(sqlx::AnyPool),
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Pool {
    async fn run(&self, sql: &Arc<Sql>, per_task: usize, tasks: usize) -> anyhow::Result<Vec<f64>> {
        match self {
            Pool::Any(p) => run_many!(p, sqlx::Any, sql, per_task, tasks),
            Pool::Sqlite(p) => run_many!(p, Sqlite, sql, per_task, tasks),
            Pool::Pg(p) => run_many!(p, Postgres, sql, per_task, tasks),
        }
    }
}

/// Nanoseconds every thread of this process has run (/proc/self/task/*/schedstat).
fn cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

#[derive(Clone, Copy, Default)]
struct Fig {
    p50: f64,
    p99: f64,
    cpu: f64,
}

async fn measure(pool: &Pool, sql: &Sql, runs: usize, tasks: usize) -> anyhow::Result<Fig> {
    let sql = Arc::new(sql.clone());
    // Every pooled connection prepares the statement before the clock starts.
    pool.run(&sql, 4, 8).await?;
    pool.run(&sql, 20, 1).await?;
    let cpu = cpu_ns();
    let mut lat = pool.run(&sql, (runs / tasks).max(1), tasks).await?;
    let cpu = cpu_ns().saturating_sub(cpu);
    lat.sort_by(|a, b| a.total_cmp(b));
    Ok(Fig {
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        cpu: cpu as f64 / 1e3 / lat.len().max(1) as f64,
    })
}

pub async fn drivers(cfg: DriversBench) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let postgres = match cfg
        .database_url
        .as_deref()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin) => Some((admin.to_string(), fresh_postgres(admin).await?)),
        None => None,
    };
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], 9).into();
    let config = instance_config(
        addr,
        &dir,
        postgres.as_ref().map(|(_, (url, _))| url.as_str()),
    );
    let url = config.database_url();
    let max = config.database.max_connections;
    let state = App::new(config, Clock::default()).await?;
    let result = async {
        let seeding = Instant::now();
        let (viewer, _) = if cfg.analyze {
            seed(&state, cfg.follows, cfg.statuses).await?
        } else {
            seed_rows(&state, cfg.follows, cfg.statuses).await?
        };
        let backend = state.db.backend();
        println!(
            "drivers bench ({backend:?}): {} statuses, {} follows, {}ANALYZE, seeded in {:.1} s; {} runs per figure, 1 and {} concurrent clients, pools of {max} connections; µs",
            cfg.statuses,
            cfg.follows,
            if cfg.analyze { "" } else { "no " },
            seeding.elapsed().as_secs_f64(),
            cfg.runs,
            cfg.concurrency,
        );
        let token = crate::services::oauth::operator_token(&state, viewer, "read")
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let now = state.clock.now_micros();
        let page = crate::storage::timelines::home(
            &state.db.pool,
            viewer,
            &crate::paging::Page::first(20),
            now,
        )
        .await?;
        let mut authors: Vec<i64> = page.iter().map(|s| s.account_id).collect();
        authors.sort_unstable();
        authors.dedup();
        let mut roots: Vec<i64> = page.iter().map(|s| s.thread_root_id).collect();
        roots.sort_unstable();
        roots.dedup();
        let binds = PageBinds {
            token_hash: crate::secrets::token_hash(&token),
            viewer,
            now,
            ids: page.iter().map(|s| s.id).collect(),
            authors,
            roots,
        };
        let native = match backend {
            Backend::Sqlite => {
                let options: SqliteConnectOptions = url.parse()?;
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(max)
                        .test_before_acquire(false)
                        .connect_with(options.busy_timeout(std::time::Duration::from_secs(10)))
                        .await?,
                )
            }
            // As the server's pool under load: no ping before an acquire (it pings only a
            // connection idle for over a second, which a bench's never is).
            Backend::Postgres => Pool::Pg(
                PgPoolOptions::new()
                    .max_connections(max)
                    .test_before_acquire(false)
                    .connect(&url)
                    .await?,
            ),
        };
        let any = Pool::Any(state.db.pool.clone());
        page_statements(&cfg, &binds, backend, &any, &native).await?;
        in_lists(&cfg, &state, viewer, backend, &any).await?;
        if let Pool::Sqlite(p) = &native {
            p.close().await;
        }
        if let Pool::Pg(p) = &native {
            p.close().await;
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

async fn page_statements(
    cfg: &DriversBench,
    binds: &PageBinds,
    backend: Backend,
    any: &Pool,
    native: &Pool,
) -> anyhow::Result<()> {
    println!(
        "  the page's statements ({} ids, {} authors, {} thread roots): p50 / p99 / CPU per statement",
        binds.ids.len(),
        binds.authors.len(),
        binds.roots.len()
    );
    let variants = [
        ("any, ids bound one by one", Lists::Padded, any),
        ("native, ids one by one", Lists::Padded, native),
        ("any, list as one parameter", Lists::OneParam, any),
        ("native, list as one parameter", Lists::OneParam, native),
    ];
    // Per variant and client count: the sum of p50 and of CPU over the page's statements.
    let mut totals = [[(0.0f64, 0.0f64); 2]; 4];
    for st in statements() {
        let rows = match any {
            Pool::Any(p) => (st.build)(binds, Lists::Padded, backend)
                .query()
                .fetch_all(p)
                .await?
                .len(),
            _ => 0,
        };
        println!("  {} ({rows} rows)", st.name);
        let mut figs = [(Fig::default(), Fig::default()); 4];
        for (vi, (label, lists, pool)) in variants.iter().enumerate() {
            if !st.lists && *lists == Lists::OneParam {
                // Without a list both forms are the same statement: measured once.
                figs[vi] = figs[vi - 2];
                continue;
            }
            let label = if st.lists {
                label
            } else {
                label.split(',').next().unwrap_or(label)
            };
            let sql = (st.build)(binds, *lists, backend);
            let single = measure(pool, &sql, cfg.runs, 1).await?;
            let many = measure(pool, &sql, cfg.runs, cfg.concurrency).await?;
            println!(
                "    {label:<30} 1 client {:7.1} / {:7.1} / {:6.1}   {} clients {:7.1} / {:7.1} / {:6.1}",
                single.p50, single.p99, single.cpu, cfg.concurrency, many.p50, many.p99, many.cpu
            );
            figs[vi] = (single, many);
        }
        for (total, (single, many)) in totals.iter_mut().zip(figs) {
            total[0].0 += single.p50;
            total[0].1 += single.cpu;
            total[1].0 += many.p50;
            total[1].1 += many.cpu;
        }
    }
    println!("  per page (sum over the statements): sum of p50 / CPU");
    for (vi, (label, _, _)) in variants.iter().enumerate() {
        let [one, many] = totals[vi];
        println!(
            "    {label:<30} 1 client {:7.1} / {:7.1}   {} clients {:7.1} / {:7.1}",
            one.0, one.1, cfg.concurrency, many.0, many.1
        );
    }
    Ok(())
}

/// IN lists of N ids on the server's pool: bound one by one (padded), with `?` (SQLite), and
/// as one parameter; then the plans of the one-parameter forms.
async fn in_lists(
    cfg: &DriversBench,
    state: &crate::state::AppState,
    viewer: i64,
    backend: Backend,
    any: &Pool,
) -> anyhow::Result<()> {
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT status_id FROM home_feed WHERE account_id = $1 ORDER BY status_id DESC LIMIT 40",
    )
    .bind(viewer)
    .fetch_all(&state.db.pool)
    .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(i,)| i).collect();
    println!(
        "  IN lists: SELECT (statuses::by_ids' columns) FROM statuses s WHERE s.id IN (…), AnyPool, 1 client: p50 / p99 / CPU per statement"
    );
    for n in [1usize, 8, 20, 40] {
        let ids = &ids[..n.min(ids.len())];
        let head = format!("SELECT {COLUMNS} FROM statuses s WHERE s.id IN (");
        let mut padded = Sql::new(&head);
        let l = padded.ints(ids);
        padded.push(&l).push(")");
        let mut one = Sql::new(&head);
        let l = one.ints_one(ids, backend);
        one.push(&l).push(")");
        let mut forms = vec![
            (
                format!("{} binds ($N)", n.next_power_of_two()),
                padded.clone(),
            ),
            ("one parameter".to_string(), one),
        ];
        if backend == Backend::Sqlite {
            forms.insert(
                1,
                (
                    format!("{} binds (?)", n.next_power_of_two()),
                    padded.anonymous(),
                ),
            );
        }
        for (label, sql) in forms {
            let f = measure(any, &sql, cfg.runs, 1).await?;
            println!(
                "    N={n:<3} {label:<16} {:7.1} / {:7.1} / {:6.1}",
                f.p50, f.p99, f.cpu
            );
        }
    }
    // Plans: the one-parameter form must still look the ids up by primary key.
    let twenty = &ids[..ids.len().min(20)];
    let mut one = Sql::new(&format!("SELECT {COLUMNS} FROM statuses s WHERE s.id IN ("));
    let l = one.ints_one(twenty, backend);
    one.push(&l).push(")");
    println!("  plan of the one-parameter form:");
    for line in plan(state, backend, &one, twenty).await? {
        println!("    {line}");
    }
    Ok(())
}

async fn plan(
    state: &crate::state::AppState,
    backend: Backend,
    sql: &Sql,
    ids: &[i64],
) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    match backend {
        Backend::Sqlite => {
            let explain = format!("EXPLAIN QUERY PLAN {}", sql.sql());
            let rows = sqlx::query_with(&explain, sql.arguments())
                .fetch_all(&state.db.pool)
                .await?;
            for r in rows {
                lines.push(r.try_get::<String, _>(3)?);
            }
        }
        Backend::Postgres => {
            // The generic plan, the one a reused prepared statement runs.
            let mut conn = state.db.pool.acquire().await?;
            let text = sql.sql().replace("$1", "$1::text");
            let arg = format!(
                "{{{}}}",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            );
            for stmt in [
                "SET plan_cache_mode = force_generic_plan".to_string(),
                format!("PREPARE herd_plan(text) AS {text}"),
            ] {
                sqlx::raw_sql(&stmt).execute(&mut *conn).await?;
            }
            let rows = sqlx::raw_sql(&format!("EXPLAIN EXECUTE herd_plan('{arg}')"))
                .fetch_all(&mut *conn)
                .await?;
            sqlx::raw_sql("DEALLOCATE herd_plan; RESET plan_cache_mode")
                .execute(&mut *conn)
                .await?;
            for r in rows {
                lines.push(r.try_get::<String, _>(0)?);
            }
        }
    }
    Ok(lines)
}
