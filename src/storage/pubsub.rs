//! PostgreSQL's `LISTEN/NOTIFY`, the channel live events take between the nodes of a cluster
//! (services/cluster_events.rs decides what goes over it). SQLite has no equivalent and needs
//! none: it serves one node.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgListener, PgNotification, PgPoolOptions};
use sqlx::AnyPool;

/// PostgreSQL refuses a payload of 8,000 bytes or more ("payload string too long").
pub const MAX_PAYLOAD: usize = 7_999;

/// Sends `payload` to every session listening on `channel`, as its own statement: a NOTIFY
/// inside a write transaction would take PostgreSQL's global notify lock at every commit.
pub async fn notify(pool: &AnyPool, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await
        .map(|_| ())
}

/// One dedicated connection listening on `channel` (it is not taken from the app's pool).
pub struct Listener(PgListener);

impl Listener {
    pub async fn connect(url: &str, channel: &str) -> Result<Listener, sqlx::Error> {
        let mut l = PgListener::connect(url).await?;
        l.listen(channel).await?;
        Ok(Listener(l))
    }

    /// As `connect`, with the connection's `application_name` set to `name`, so an operator
    /// (or a test) finds it in `pg_stat_activity`. PostgreSQL keeps 63 bytes of it.
    pub async fn connect_named(
        url: &str,
        channel: &str,
        name: &str,
    ) -> Result<Listener, sqlx::Error> {
        let options = PgConnectOptions::from_str(url)?.application_name(name);
        // One connection, kept for good: the listener's own, never the app's pool.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(options)
            .await?;
        let mut l = PgListener::connect_with(&pool).await?;
        l.ignore_pool_close_event(true);
        l.listen(channel).await?;
        Ok(Listener(l))
    }

    /// The next payload; `Ok(None)` when the connection was lost (notifications sent until a
    /// new connection listens again are gone).
    pub async fn next(&mut self) -> Result<Option<String>, sqlx::Error> {
        let next = self.0.try_recv().await;
        if !matches!(next, Ok(Some(_))) {
            // The pool's connections were most likely lost with this one.
            super::connection_lost();
        }
        Ok(next?.map(|n: PgNotification| n.payload().to_string()))
    }
}
