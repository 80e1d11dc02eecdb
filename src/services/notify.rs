//! Creating notifications, inside the transaction of the action that causes them.

use crate::ids;
use crate::storage::notifications as store;
use crate::storage::{Change, WriteTx};

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
    "moderation_warning",
];

/// Notifies `recipient` of what `from` did, unless it is their own doing or they block `from`
/// (or its domain).
/// Only local accounts are notified; remote ones learn through federation. A new
/// notification is streamed to its recipient once the transaction commits.
pub async fn notify(
    tx: &mut WriteTx,
    recipient: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    let conn = &mut ***tx;
    if recipient == from || !store::may_notify(&mut *conn, recipient, from).await? {
        return Ok(());
    }
    let id = ids::next_id_at(now / 1000);
    if store::insert(&mut *conn, id, recipient, from, kind, status_id, now).await? {
        tx.record(Change::Notification(id));
    }
    Ok(())
}
