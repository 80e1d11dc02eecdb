//! The `herd` command: `serve` (the default), `migrate`, `admin create-account`, `admin token`,
//! `ledger verify`, `media migrate-to-s3`, `backup`, `restore`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Config, LogFormat};
use crate::services::accounts::{self, SignUp};
use crate::state::App;
use crate::storage::Db;
use crate::time::Clock;

#[derive(Debug, Parser)]
#[command(
    name = "herd",
    version,
    about = "A fediverse server its members own and govern"
)]
struct Cli {
    /// TOML configuration file (also HERD_CONFIG); HERD_* variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Operator tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The co-op's ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// The file store.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Copy a SQLite instance (database and files) into a new directory while it runs.
    Backup {
        /// The directory to create (it must not exist or be empty).
        dest: PathBuf,
    },
    /// Bring a backup back into the data directory, which must hold no database yet.
    Restore {
        /// A directory made by `herd backup`.
        src: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Copy every file of the data directory into the S3 bucket of HERD_S3_*; files the
    /// bucket already holds are skipped, so an interrupted run can simply be started again.
    MigrateToS3,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Home timeline latency and throughput over HTTP as the number of statuses grows.
    HomeTimeline {
        /// Statuses to seed, one run per size (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        statuses: Vec<u64>,
        /// Accounts the measured user follows.
        #[arg(long, default_value_t = 1000)]
        follows: u64,
        /// Seconds of load per size.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// A PostgreSQL server to run on (a fresh database is made per size and dropped);
        /// default: a SQLite file in a temp dir.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The ledger's period report (income statement + balance sheet) over N postings, and
    /// hash-chain verification throughput.
    LedgerReport {
        /// Postings to seed (two per transaction).
        #[arg(long, default_value_t = 1_000_000)]
        postings: u64,
        /// Timed report runs (after one warm-up).
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// A PostgreSQL server to run on (a fresh database is made and dropped); default: a
        /// SQLite file in a temp dir.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// RSA-2048 HTTP-signature sign/s and verify/s, next to `openssl speed rsa2048`.
    Signatures {
        /// Seconds per figure.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
    },
    /// Signed Create(Note)s per second into one SQLite instance's shared inbox, with p99.
    Ingest {
        /// POSTs to send (every `duplicate-every`th is a replay of an earlier one).
        #[arg(long, default_value_t = 20000)]
        activities: usize,
        /// Distinct remote actors, all unknown when the burst starts.
        #[arg(long, default_value_t = 50)]
        actors: usize,
        /// Concurrent connections.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        duplicate_every: usize,
    },
    /// The urlencoded body parser on an N-field form of `x[][k]=` arrays of hashes (every
    /// key distinct) and on N plain keys, in process.
    FormParse {
        #[arg(long, default_value_t = 85_000)]
        fields: usize,
        /// Timed runs per form (the median is printed).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// One post to K followers on D loopback domains; then with 10 % of them hanging.
    FanOut {
        #[arg(long, default_value_t = 1000)]
        followers: usize,
        #[arg(long, default_value_t = 20)]
        domains: usize,
    },
    /// Server time of the members' /home page (20 posts) next to the JSON home timeline at
    /// the same page size, p50 and p99, and the page's size.
    WebHome {
        /// Statuses to seed.
        #[arg(long, default_value_t = 100_000)]
        statuses: u64,
        /// Accounts the measured user follows.
        #[arg(long, default_value_t = 1000)]
        follows: u64,
        /// Seconds of load for each of the two (split in two alternating halves).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// A PostgreSQL server to run on (a fresh database is made and dropped); default: a
        /// SQLite file in a temp dir.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The home timeline's statements through `sqlx::Any` and through the native SQLite and
    /// PostgreSQL drivers, and the cost of IN lists bound id by id or as one parameter.
    Drivers {
        /// Statuses to seed.
        #[arg(long, default_value_t = 100_000)]
        statuses: u64,
        /// Accounts the measured user follows.
        #[arg(long, default_value_t = 1000)]
        follows: u64,
        /// Executions per figure.
        #[arg(long, default_value_t = 2000)]
        runs: usize,
        /// Concurrent clients of the second figure.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Seed without running ANALYZE (as an instance that never ran it).
        #[arg(long)]
        no_analyze: bool,
        /// A PostgreSQL server to run on (a fresh database is made and dropped); default: a
        /// SQLite file in a temp dir.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Delivery throughput with one node, then two, on one PostgreSQL; claim conflicts.
    ClusterDeliveries {
        /// A PostgreSQL server (a fresh database is made on it and dropped).
        #[arg(long)]
        database_url: String,
        /// Deliveries per round.
        #[arg(long, default_value_t = 5000)]
        jobs: usize,
        /// Loopback hosts the deliveries are spread over.
        #[arg(long, default_value_t = 20)]
        domains: usize,
    },
    /// Bytes of /home, the JSON home timeline, herd.css and herd.js as identity, gzip and
    /// brotli, and the CPU time per response of each encoding by level.
    Compression {
        /// Compressions per body and level (the mean is printed).
        #[arg(long, default_value_t = 200)]
        runs: u32,
    },
    /// A burst of posts by members with remote followers: posts/s, time until the job table
    /// is empty, the job table's statements (count, max ms) and busy refusals.
    JobBurst {
        #[arg(long, default_value_t = 9000)]
        posts: usize,
        /// Concurrent posting clients.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Local members posting in turn.
        #[arg(long, default_value_t = 4)]
        members: usize,
        /// Loopback hosts the followers live on (one delivery per post and host).
        #[arg(long, default_value_t = 4)]
        hosts: usize,
        /// Remote followers per member and host.
        #[arg(long, default_value_t = 5)]
        followers: usize,
        /// A PostgreSQL server (a fresh database is made and dropped); default: a SQLite file
        /// in a temp dir.
        #[arg(long)]
        database_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Verify the hash chain; exits 1 and names the first broken link if history was changed.
    Verify {
        /// Also require the chain to end at this head hash (published earlier), so a cut-off
        /// tail is caught too.
        #[arg(long)]
        head: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a confirmed local account, optionally a member holding a role.
    CreateAccount {
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, env = "HERD_ADMIN_PASSWORD")]
        password: String,
        /// admin, moderator or treasurer (implies --member). Only while the co-op is being
        /// founded (before its first proposal), and one admin only: later roles are elected.
        #[arg(long)]
        role: Option<String>,
        /// Make the account an active (founding) member of the co-op; only before the co-op's
        /// first proposal.
        #[arg(long)]
        member: bool,
    },
    /// Print an invite link: with registrations closed it still lets one person (or N) sign up.
    Invite {
        /// How many sign-ups the invite allows (default: one).
        #[arg(long, default_value_t = 1)]
        max_uses: i64,
        /// Days until the invite expires (default: never).
        #[arg(long)]
        days: Option<i64>,
    },
    /// Take a moderation action on an account, through the same gate as the admin API: the
    /// moderator must hold the role and cite a clause in force that permits the sanction.
    Moderate {
        /// The account acted on (local username).
        username: String,
        /// The moderator acting (local username).
        #[arg(long = "as")]
        moderator: String,
        /// none, warn, sensitive, disable, silence or suspend.
        #[arg(long)]
        action: String,
        /// The citation, e.g. code-of-conduct@2#4.1.
        #[arg(long)]
        clause: String,
        /// The reason, shown to the account and in the moderation log.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Print a bearer token for scripts.
    Token {
        username: String,
        /// Space-separated scopes, e.g. "read write".
        #[arg(long, default_value = "read")]
        scopes: String,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match config::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("herd: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if matches!(cli.command, Some(Command::Bench(_))) {
        // A log line per request would measure the terminal, not the server (RUST_LOG wins).
        config.log.level = "warn".into();
    }
    init_tracing(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("herd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::Admin(cmd) => admin(config, cmd).await,
            Command::Bench(BenchCommand::HomeTimeline {
                statuses,
                follows,
                seconds,
                concurrency,
                database_url,
            }) => {
                crate::bench::home_timeline(crate::bench::HomeTimelineBench {
                    database_url,
                    sizes: statuses,
                    follows,
                    seconds,
                    concurrency,
                })
                .await
            }
            Command::Bench(BenchCommand::LedgerReport {
                postings,
                runs,
                database_url,
            }) => {
                crate::bench::ledger_report(crate::bench::LedgerReportBench {
                    database_url,
                    postings,
                    runs,
                })
                .await
            }
            Command::Bench(BenchCommand::Signatures { seconds }) => {
                crate::bench_federation::signatures(seconds).await
            }
            Command::Bench(BenchCommand::Ingest {
                activities,
                actors,
                concurrency,
                duplicate_every,
            }) => {
                crate::bench_federation::ingest(crate::bench_federation::IngestBench {
                    activities,
                    actors,
                    concurrency,
                    duplicate_every,
                })
                .await
            }
            Command::Bench(BenchCommand::FormParse { fields, runs }) => {
                crate::bench::form_parse(fields, runs)
            }
            Command::Bench(BenchCommand::FanOut { followers, domains }) => {
                crate::bench_federation::fan_out(crate::bench_federation::FanOutBench {
                    followers,
                    domains,
                })
                .await
            }
            Command::Bench(BenchCommand::WebHome {
                statuses,
                follows,
                seconds,
                concurrency,
                database_url,
            }) => {
                crate::bench_web::web_home(crate::bench_web::WebHomeBench {
                    database_url,
                    statuses,
                    follows,
                    seconds,
                    concurrency,
                })
                .await
            }
            Command::Bench(BenchCommand::Drivers {
                statuses,
                follows,
                runs,
                concurrency,
                no_analyze,
                database_url,
            }) => {
                crate::bench_drivers::drivers(crate::bench_drivers::DriversBench {
                    database_url,
                    statuses,
                    follows,
                    runs,
                    concurrency,
                    analyze: !no_analyze,
                })
                .await
            }
            Command::Bench(BenchCommand::ClusterDeliveries {
                database_url,
                jobs,
                domains,
            }) => {
                crate::bench_cluster::cluster_deliveries(
                    crate::bench_cluster::ClusterDeliveriesBench {
                        database_url,
                        jobs,
                        domains,
                    },
                )
                .await
            }
            Command::Bench(BenchCommand::Compression { runs }) => {
                crate::bench_compression::compression(crate::bench_compression::CompressionBench {
                    runs,
                })
                .await
            }
            Command::Bench(BenchCommand::JobBurst {
                posts,
                clients,
                members,
                hosts,
                followers,
                database_url,
            }) => {
                crate::bench_jobs::job_burst(crate::bench_jobs::JobBurstBench {
                    posts,
                    clients,
                    members,
                    hosts,
                    followers,
                    database_url,
                })
                .await
            }
            Command::Ledger(LedgerCommand::Verify { head }) => ledger_verify(config, head).await,
            Command::Media(MediaCommand::MigrateToS3) => migrate_to_s3(config).await,
            Command::Backup { dest } => backup(config, &dest).await,
            Command::Restore { src } => restore(config, &src),
        }
    });
    // A blocking task still running (a file write, a DNS lookup) must not hold the exit.
    runtime.shutdown_timeout(SHUTDOWN_STEP);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("herd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen.clone();
    let state = App::new(config, Clock::default()).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let users = crate::storage::accounts::count_local_users(&state.db.pool).await?;
    eprintln!(
        "Herd {} is running at {} (node {}, listening on {listen}, database: {:?})",
        env!("CARGO_PKG_VERSION"),
        state.base_url(),
        state.node,
        state.db.backend()
    );
    if users == 0 {
        eprintln!(
            "No accounts yet. Create the first admin, a founding member, with:\n  \
             cargo run --release -- admin create-account alice --email alice@example.org --password 'a long password' --role admin\n\
             (or `herd admin create-account …` with the installed binary)."
        );
    }
    // Proposals close by queued jobs; at start-up, a sweep closes any whose job was lost
    // (dropped after its retries) so no decision stays open past its time. Roles end by
    // queued jobs too: grants from before terms existed get one, and a term whose job was lost
    // ends now. With several nodes, the first to start in ten minutes does both for all.
    match crate::services::cluster::claim_periodic(
        &state.db,
        "start_up_catch_up",
        std::time::Duration::from_secs(600),
        state.holder,
    )
    .await
    {
        Ok(true) => {
            if let Err(e) = crate::services::proposals::close_due(&state).await {
                tracing::error!(error = %e, "closing overdue proposals at start-up failed");
            }
            if let Err(e) = crate::services::roles::catch_up(&state).await {
                tracing::error!(error = %e, "catching up on the terms of roles at start-up failed");
            }
        }
        Ok(false) => {
            tracing::info!("another node caught up on proposals and roles a moment ago")
        }
        Err(e) => tracing::error!(error = %e, "claiming the start-up catch-up failed"),
    }
    let lapser =
        crate::services::dues::spawn_lapser(state.clone(), std::time::Duration::from_secs(3600));
    let card_images = crate::services::cluster::spawn_periodic(
        state.clone(),
        "card_image_eviction",
        std::time::Duration::from_secs(6 * 3600),
        |state| async move { crate::services::cards::evict_old_images(&state).await },
    );
    let renewal = crate::services::cluster::spawn_renewal(state.db.clone(), state.holder);
    let db = state.db.clone();
    let holder = state.holder;
    let worker = crate::jobs::spawn_worker(state.clone());
    let metrics = match state.config.cluster.metrics_listen.as_str() {
        "" => None,
        addr => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for metrics: {e}"))?;
            let app = crate::metrics::router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(l, app).await {
                    tracing::error!(error = %e, "metrics listener stopped");
                }
            }))
        }
    };
    crate::serve(state, listener, crate::shutdown_signal()).await?;
    if let Some(m) = metrics {
        m.abort();
    }
    // Jobs left half-done are claimed again after their lease: nothing is lost. The
    // background tasks are stopped and waited for, so their transactions are rolled back
    // before the last write below.
    let background = [worker, lapser, card_images, renewal];
    for task in &background {
        task.abort();
    }
    for task in background {
        let _ = tokio::time::timeout(SHUTDOWN_STEP, task).await;
    }
    // A slot not given back expires with its lease, and SQLite recovers an unclosed file: a
    // busy database must not hold the exit.
    if tokio::time::timeout(
        SHUTDOWN_STEP,
        crate::services::cluster::release_node(&db, holder),
    )
    .await
    .is_err()
    {
        tracing::warn!("the node slot was not given back in time; it expires with its lease");
    }
    if tokio::time::timeout(SHUTDOWN_STEP, db.close())
        .await
        .is_err()
    {
        tracing::warn!("the database connections did not close in time");
    }
    Ok(())
}

/// The longest each step of a clean shutdown waits.
const SHUTDOWN_STEP: std::time::Duration = std::time::Duration::from_secs(2);

async fn ledger_verify(config: Config, expected_head: Option<String>) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url(), 2).await?;
    db.migrate().await?;
    let started = std::time::Instant::now();
    let result = crate::services::ledger::verify(&db).await?;
    let sums = crate::services::ledger::verify_daily_sums(&db).await?;
    db.close().await;
    if let (Ok(_), Some(why)) = (&result, &sums) {
        anyhow::bail!("the hash chain verifies, but {why}: the per-day sums reports read were changed; the postings are authoritative");
    }
    match result {
        Ok((count, head)) => {
            if let Some(expected) = expected_head.filter(|e| !e.eq_ignore_ascii_case(&head)) {
                anyhow::bail!(
                    "the ledger's {count} transactions verify but end at {head}, not at the expected head {expected}: transactions were removed or added since"
                );
            }
            println!(
                "ledger verified: {count} transactions, head {head} ({:.0} ms)",
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(())
        }
        Err(broken) => anyhow::bail!("{broken}"),
    }
}

async fn migrate_to_s3(config: Config) -> anyhow::Result<()> {
    use crate::storage::files::{copy_local_into, FileStore, S3Store};
    if config.media.s3.bucket.is_empty() {
        anyhow::bail!("set HERD_S3_BUCKET (and HERD_S3_ENDPOINT, HERD_S3_REGION, credentials) to the bucket to copy into");
    }
    let bucket = FileStore::new(std::sync::Arc::new(S3Store::new(&config.media)?));
    let report = copy_local_into(&config.data_dir, &bucket)
        .await
        .map_err(|e| {
            anyhow::anyhow!("copying into the bucket stopped (run again to resume): {e}")
        })?;
    println!(
        "copied {} files ({} bytes) into bucket {}; {} were already there",
        report.copied, report.bytes, config.media.s3.bucket, report.skipped
    );
    println!("now set HERD_MEDIA_STORE=s3 and restart every node");
    Ok(())
}

async fn backup(config: Config, dest: &std::path::Path) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url(), 1).await?;
    let local = config.media.store == crate::config::StoreKind::Local;
    let files_root = local.then_some(config.data_dir.as_path());
    let result = crate::storage::backup::backup(&db, files_root, dest).await;
    db.close().await;
    let c = result?;
    println!(
        "backed up the database ({} bytes) and {} files ({} bytes) into {}",
        c.database_bytes,
        c.files,
        c.file_bytes,
        dest.display()
    );
    if !local {
        println!("files are in the S3 bucket: back it up with the store's own tools (docs/operating.md#backups)");
    }
    Ok(())
}

fn restore(config: Config, src: &std::path::Path) -> anyhow::Result<()> {
    if !config.database_url.is_empty() && !config.database_url.starts_with("sqlite:") {
        anyhow::bail!(
            "herd restore brings back a SQLite instance; restore PostgreSQL with pg_restore"
        );
    }
    let c = crate::storage::backup::restore(src, &config.data_dir)?;
    println!(
        "restored the database ({} bytes) and {} files ({} bytes) into {}; start herd as usual",
        c.database_bytes,
        c.files,
        c.file_bytes,
        config.data_dir.display()
    );
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url(), 1).await?;
    let pending = db.pending_migrations().await?;
    db.migrate().await?;
    eprintln!("migrations applied: {pending} pending before, 0 now");
    db.close().await;
    Ok(())
}

async fn admin(config: Config, cmd: AdminCommand) -> anyhow::Result<()> {
    let state = App::new(config, Clock::default()).await?;
    let result = admin_command(state.clone(), cmd).await;
    // A command's node slot is free at once: a script of many commands does not hold 64.
    crate::services::cluster::release_node(&state.db, state.holder).await;
    state.db.close().await;
    result
}

async fn admin_command(state: crate::state::AppState, cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateAccount {
            username,
            email,
            password,
            role,
            member,
        } => {
            let r = accounts::bootstrap(
                &state,
                SignUp {
                    username: username.clone(),
                    email,
                    password,
                    agreement: true,
                    locale: "en".into(),
                    reason: String::new(),
                    invite_code: String::new(),
                },
                role.as_deref(),
                member,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.body()["error"].as_str().unwrap_or(&e.message)))?;
            // A founding role is held for a term (bylaws 3.2): say until when.
            let until = crate::storage::governance::active_grants_of(&state.db.pool, r.account_id)
                .await?
                .into_iter()
                .find_map(|g| g.term_ends_at);
            println!(
                "created @{username} (account {}){}{}",
                r.account_id,
                if member || role.is_some() {
                    ", an active member"
                } else {
                    ""
                },
                role.map(|r| match until {
                    Some(t) => format!(
                        " with the {r} role until {} (a founding term; then the members elect)",
                        crate::time::iso(t).get(..10).unwrap_or_default()
                    ),
                    None => format!(" with the {r} role"),
                })
                .unwrap_or_default()
            );
        }
        AdminCommand::Invite { max_uses, days } => {
            let code = accounts::create_invite(&state, None, Some(max_uses), days)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!("{}/auth/sign_up?invite={code}", state.base_url());
        }
        AdminCommand::Moderate {
            username,
            moderator,
            action,
            clause,
            reason,
        } => {
            let find = |name: String| {
                let state = state.clone();
                async move {
                    crate::storage::accounts::local_account_by_username(&state.db.pool, &name)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no local account @{name}"))
                }
            };
            let target = find(username.clone()).await?;
            let actor = find(moderator).await?;
            let err = |e: crate::error::AppError| anyhow::anyhow!("refused: {}", e.message);
            let kind = crate::services::moderation::AccountAction::parse(&action).map_err(err)?;
            let strike = crate::services::moderation::act_on_account(
                &state,
                actor.id,
                target.id,
                crate::services::moderation::ActionInput {
                    action: kind,
                    report_id: None,
                    text: reason,
                    policy_clause: Some(clause),
                },
            )
            .await
            .map_err(err)?;
            println!(
                "{action} @{username} under {} (strike {})",
                strike.citation, strike.id
            );
        }
        AdminCommand::Token { username, scopes } => {
            let account =
                crate::storage::accounts::local_account_by_username(&state.db.pool, &username)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no local account @{username}"))?;
            let token = crate::services::oauth::operator_token(&state, account.id, &scopes)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!("{token}");
        }
    }
    Ok(())
}
