//! account_notes: an account's private notes on others (`relationship.note`).

use sqlx::{Any, Executor};

/// Sets the note (an empty comment removes it).
pub async fn set_note<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    target: i64,
    comment: &str,
    now: i64,
) -> sqlx::Result<()> {
    if comment.is_empty() {
        sqlx::query("DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
            .bind(account_id)
            .bind(target)
            .execute(db)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO account_notes (account_id, target_account_id, comment, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = excluded.comment, updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(target)
    .bind(comment)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The viewer's note on `target` and whether it endorses it (only while it follows it, as
/// an endorsement of an account one no longer follows is not shown by Mastodon either).
pub async fn note_and_endorsed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    target: i64,
) -> sqlx::Result<(Option<String>, bool)> {
    let (note, endorsed): (Option<String>, i64) = sqlx::query_as(
        "SELECT (SELECT comment FROM account_notes WHERE account_id = $1 AND target_account_id = $2), \
         (SELECT COUNT(*) FROM account_pins p WHERE p.account_id = $1 AND p.target_account_id = $2 \
          AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $1 AND f.target_account_id = $2))",
    )
    .bind(account_id)
    .bind(target)
    .fetch_one(db)
    .await?;
    Ok((note, endorsed > 0))
}
