//! Creating notifications, inside the transaction of the action that causes them.

use sqlx::AnyConnection;

use crate::ids;
use crate::storage::notifications as store;
use crate::storage::social::{self, Relation};

/// Mastodon's notification types Herd produces.
pub const TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
];

/// Notifies `recipient` of what `from` did, unless it is their own doing or they block `from`.
/// Only local accounts are notified; remote ones learn through federation.
pub async fn notify(
    conn: &mut AnyConnection,
    recipient: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    if recipient == from || social::exists(&mut *conn, Relation::Block, recipient, from).await? {
        return Ok(());
    }
    let local: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE id = $1 AND domain = ''")
            .bind(recipient)
            .fetch_optional(&mut *conn)
            .await?;
    if local.is_none() {
        return Ok(());
    }
    store::insert(
        &mut *conn,
        ids::next_id_at(now / 1000),
        recipient,
        from,
        kind,
        status_id,
        now,
    )
    .await
}
