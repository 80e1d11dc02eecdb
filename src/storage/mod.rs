//! The only module that speaks SQL. One code path over `sqlx::AnyPool` serves SQLite (the
//! embedded default) and PostgreSQL. Portable types only: BIGINT for integers, booleans (0/1)
//! and timestamps (epoch microseconds), TEXT for strings and JSON, DOUBLE PRECISION for reals.

pub mod account_domain_blocks;
pub mod account_notes;
pub mod account_security;
pub mod accounts;
pub mod audiences;
pub mod backup;
pub mod cards;
pub mod cluster;
pub mod conversations;
pub mod discovery;
pub mod endorsements;
pub mod exports;
pub mod federation;
pub mod files;
pub mod filters;
pub mod governance;
pub mod imports;
pub mod instance_settings;
pub mod instance_stats;
pub mod interactions;
pub mod invites;
pub mod jobs;
pub mod ledger;
pub mod lists;
pub mod live_events;
pub mod markers;
pub mod media;
pub mod moderation;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod paging;
pub mod polls;
pub mod proposals;
pub mod pubsub;
pub mod quarterly_reports;
pub mod query;
pub mod quotes;
pub mod rate_limits;
pub mod remote_media;
pub mod report_notes;
pub mod scheduled;
pub mod search;
pub mod sessions;
pub mod social;
pub mod statuses;
pub mod tags;
pub mod timelines;
pub mod web_settings;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; taking this lock before `BEGIN` keeps concurrent write
    /// transactions from failing with SQLITE_BUSY when a reader upgrades to a writer.
    write_lock: Option<Arc<Mutex<()>>>,
    /// Told what each write transaction changed, once it has committed (the streaming hub).
    commit_hook: Arc<OnceLock<CommitHook>>,
}

/// What a committed write changed, as plain ids, for live readers (streaming). A change is
/// recorded inside the transaction and handed on only after it commits; a rollback drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A status now exists (its author's own feed has it).
    StatusCreated(i64),
    /// A status was written into these accounts' home feeds.
    FedTo {
        status_id: i64,
        accounts: Vec<i64>,
    },
    StatusEdited(i64),
    /// A status is gone; `audience` had it in their feeds or were mentioned; a public one
    /// had also reached the public streams of its `tags`.
    StatusDeleted {
        status_id: i64,
        author_id: i64,
        public: bool,
        local: bool,
        tags: Vec<String>,
        audience: Vec<i64>,
    },
    /// A status left these accounts' audience (an edit dropped their mention): their user
    /// streams hear it is gone.
    StatusRetracted {
        status_id: i64,
        accounts: Vec<i64>,
    },
    Notification(i64),
    Conversation {
        account_id: i64,
        conversation_id: i64,
    },
    /// An account's filters changed (its user streams get `filters_changed`).
    FiltersChanged(i64),
    /// An account's row (local or remote: profile, counters, suspension…) or its login
    /// changed: the read caches drop their copies (services/read_cache.rs).
    AccountChanged(i64),
    /// Every account of a domain changed at once (a domain's sanction placed or lifted).
    DomainAccountsChanged,
    /// A domain block was created, changed or lifted.
    DomainBlocksChanged,
    /// Access tokens were revoked: the read caches forget every token's grant.
    TokensRevoked,
    /// Accepted notification requests joined an account's notifications.
    NotificationsMerged(i64),
    /// A proposal opened, took a ballot or closed: live pages redraw its count for the
    /// viewers who may see it (services/live.rs).
    Proposal(i64),
}

pub type CommitHook = Box<dyn Fn(Vec<Change>) + Send + Sync>;

/// A write transaction. On SQLite it also holds the process-wide writer lock.
pub struct WriteTx {
    pub tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    changes: Vec<Change>,
    hook: Arc<OnceLock<CommitHook>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx {
            tx,
            _guard,
            changes,
            hook,
        } = self;
        tx.commit().await?;
        drop(_guard);
        if let (Some(hook), false) = (hook.get(), changes.is_empty()) {
            hook(changes);
        }
        Ok(())
    }

    /// Records a change to announce once this transaction commits.
    pub fn record(&mut self, change: Change) {
        self.changes.push(change);
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Transaction<'static, Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// How long a pooled PostgreSQL connection may sit idle before it is pinged on its next use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// After a connection to the database was seen lost, every pooled connection is pinged before
/// use for this long: a server restart drops them all, and the pool finds the dead ones by
/// ping instead of by failing a statement on each.
const PING_ALL_AFTER_LOSS_MS: u64 = 30_000;

/// When this process last saw a database connection lost (ms since the Unix epoch; 0: never).
static CONNECTION_LOST_AT_MS: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Notes that a database connection was lost (a listener's connection dropped, a statement
/// failed for want of its connection).
pub fn connection_lost() {
    CONNECTION_LOST_AT_MS.store(now_ms(), Ordering::Relaxed);
}

fn connection_recently_lost() -> bool {
    let at = CONNECTION_LOST_AT_MS.load(Ordering::Relaxed);
    at != 0 && now_ms().saturating_sub(at) < PING_ALL_AFTER_LOSS_MS
}

/// Whether `e` says the connection itself is gone (rather than the statement being refused).
pub fn is_connection_loss(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => true,
        // PostgreSQL's class 08 (connection exception) and 57P0x (the server shutting down or
        // terminating the session).
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0")),
        _ => false,
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Db {
    /// Connects to `url`, creating the SQLite file (and its directory) when needed.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options: AnyConnectOptions = url.parse()?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection it hands out (a round trip before each statement on
            // PostgreSQL) unless told not to. A file database has no connection to lose; a
            // PostgreSQL connection is pinged only when it sat idle long enough that the
            // server may have dropped it meanwhile (a restart, an idle timeout). One that
            // broke while busy fails its statement and is closed as sqlx takes it back (it
            // pings on release), so a restart costs each pooled connection one error at most.
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres
                        && (meta.idle_for > PING_AFTER_IDLE || connection_recently_lost())
                    {
                        use sqlx::Connection;
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_lock,
            commit_hook: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Whether every migration embedded in the binary has been applied.
    pub async fn pending_migrations(&self) -> anyhow::Result<usize> {
        let applied: Vec<(i64,)> =
            match sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await
            {
                Ok(rows) => rows,
                Err(_) => return Ok(MIGRATOR.iter().count()),
            };
        Ok(MIGRATOR
            .iter()
            .filter(|m| !applied.iter().any(|(v,)| *v == m.version))
            .count())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        // SQLite: take the write lock at BEGIN. A deferred transaction that reads first and
        // writes later fails at once with SQLITE_BUSY (no busy wait) when a writer outside
        // this process-wide mutex (a job claim, a token touch) committed in between.
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            _guard: guard,
            changes: Vec::new(),
            hook: self.commit_hook.clone(),
        })
    }

    /// Sets the one consumer of committed changes (first call wins).
    pub fn on_commit(&self, hook: CommitHook) {
        let _ = self.commit_hook.set(hook);
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Adds `mode=rwc` so a fresh machine gets a new database file, and creates its directory.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(parent) = Path::new(path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Booleans are stored as BIGINT 0/1 on both backends.
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// True when a unique constraint refused the write.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
