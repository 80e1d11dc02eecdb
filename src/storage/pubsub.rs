//! PostgreSQL's `LISTEN/NOTIFY`, the channel live events take between the nodes of a cluster
//! (services/cluster_events.rs decides what goes over it). SQLite has no equivalent and needs
//! none: it serves one node.

use sqlx::postgres::{PgListener, PgNotification};
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

    /// The next payload; `Ok(None)` when the connection was lost (notifications sent until a
    /// new connection listens again are gone).
    pub async fn next(&mut self) -> Result<Option<String>, sqlx::Error> {
        Ok(self
            .0
            .try_recv()
            .await?
            .map(|n: PgNotification| n.payload().to_string()))
    }
}
