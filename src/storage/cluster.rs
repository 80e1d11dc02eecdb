//! Several nodes on one database: node slots (the id generator's node bits), periodic work
//! run once per cluster, and the database's clock, which decides leases so that nodes whose
//! clocks disagree still agree on who holds what.

use sqlx::AnyPool;

use super::{Backend, Db};

/// How many node slots exist: ids carry the slot in `crate::ids::NODE_BITS` bits.
pub const SLOTS: i64 = 1 << crate::ids::NODE_BITS;

/// The database's clock as an SQL expression giving epoch microseconds (BIGINT).
pub fn now_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)",
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)",
    }
}

/// The database's clock, epoch microseconds.
pub async fn db_now(db: &Db) -> sqlx::Result<i64> {
    let (now,): (i64,) = sqlx::query_as(&format!("SELECT {}", now_sql(db.backend())))
        .fetch_one(&db.pool)
        .await?;
    Ok(now)
}

/// Takes `slot` for `holder` for `lease` microseconds when it is free, expired or already
/// `holder`'s (a renewal). True when `holder` now holds it.
pub async fn take_slot(db: &Db, slot: i64, holder: &str, lease: i64) -> sqlx::Result<bool> {
    let now = now_sql(db.backend());
    let sql = format!(
        "INSERT INTO node_slots (slot, holder, expires_at) VALUES ($1, $2, {now} + $3) \
         ON CONFLICT (slot) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE node_slots.holder = excluded.holder OR node_slots.expires_at < {now} \
         RETURNING slot"
    );
    let row: Option<(i64,)> = sqlx::query_as(&sql)
        .bind(slot)
        .bind(holder)
        .bind(lease)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// Gives `slot` back (a clean shutdown), if `holder` still holds it.
pub async fn release_slot(pool: &AnyPool, slot: i64, holder: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM node_slots WHERE slot = $1 AND holder = $2")
        .bind(slot)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}

/// Claims the periodic task `name` for this period: true for the one node whose update moved
/// its `last_run` forward (the row is made on first use), false while another node ran it
/// less than `every` microseconds ago.
pub async fn claim_periodic(db: &Db, name: &str, every: i64, holder: &str) -> sqlx::Result<bool> {
    let now = now_sql(db.backend());
    let sql = format!(
        "INSERT INTO periodic_runs (name, last_run, holder) VALUES ($1, {now}, $2) \
         ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run, holder = excluded.holder \
         WHERE periodic_runs.last_run <= excluded.last_run - $3 \
         RETURNING name"
    );
    let row: Option<(String,)> = sqlx::query_as(&sql)
        .bind(name)
        .bind(holder)
        .bind(every)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// The advisory lock every node takes while it starts up (migrations, the founding import,
/// `@coop`), so two nodes starting at once on an empty database do it one after the other.
const BOOT_LOCK: i64 = 0x6865_7264_626f_6f74; // "herdboot"

/// Held while a node starts up (PostgreSQL: a session advisory lock on a connection of its
/// own; SQLite: nothing, one node). Give it back with `release`.
pub struct BootLock(Option<sqlx::pool::PoolConnection<sqlx::Any>>);

/// Waits for the start-up lock.
pub async fn boot_lock(db: &Db) -> sqlx::Result<BootLock> {
    if db.backend() != Backend::Postgres {
        return Ok(BootLock(None));
    }
    let mut conn = db.pool.acquire().await?;
    sqlx::query("SELECT CAST(1 AS BIGINT) FROM pg_advisory_lock($1)")
        .bind(BOOT_LOCK)
        .execute(&mut *conn)
        .await?;
    Ok(BootLock(Some(conn)))
}

impl BootLock {
    /// Unlocks; a connection that cannot unlock is closed (which unlocks too), never handed
    /// back to the pool still holding the lock.
    pub async fn release(self) {
        let Some(mut conn) = self.0 else { return };
        let unlocked = sqlx::query("SELECT CAST(1 AS BIGINT) FROM pg_advisory_unlock($1)")
            .bind(BOOT_LOCK)
            .execute(&mut *conn)
            .await;
        if unlocked.is_err() {
            let _ = sqlx::Connection::close(conn.detach()).await;
        }
    }
}
