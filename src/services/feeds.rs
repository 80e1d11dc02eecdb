//! Home feeds: a status is written into the feeds of its audience by a queued fan-out job, so
//! posting costs the same whatever the number of followers, and reading a home timeline is one
//! index range scan whatever the number of statuses.

use crate::storage::statuses;

/// Writes a status into the home feeds of the author's local followers who should see it,
/// and sends `status` notifications to those who asked for them.
pub async fn fan_out(state: &crate::state::AppState, status_id: i64) -> anyhow::Result<()> {
    let Some(s) = statuses::by_id(&state.db.pool, status_id).await? else {
        return Ok(()); // deleted before the job ran
    };
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    // Reblogs only reach followers who show them; direct posts only mentioned followers.
    let audience = match (s.reblog_of_id.is_some(), s.visibility.as_str()) {
        (true, _) => "AND f.show_reblogs = 1",
        (false, "direct") => "AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = $1 AND m.account_id = f.account_id)",
        _ => "",
    };
    // Members of a follower's exclusive list stay out of that follower's home (Mastodon's
    // `exclusive` lists): their posts show in the list only.
    let exclusive =
        "AND NOT EXISTS (SELECT 1 FROM lists l JOIN list_accounts la ON la.list_id = l.id \
                     WHERE l.account_id = f.account_id AND l.exclusive = 1 AND la.account_id = $2)";
    sqlx::query(&format!(
        "INSERT INTO home_feed (account_id, status_id, author_id) \
         SELECT f.account_id, $1, $2 FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $2 AND a.domain = '' {audience} {exclusive} ON CONFLICT DO NOTHING"
    ))
    .bind(s.id)
    .bind(s.account_id)
    .execute(&mut **tx)
    .await?;
    // Followed tags: a public original reaches local users following any of its tags.
    if s.reblog_of_id.is_none() && s.visibility == "public" {
        crate::storage::tags::feed_tag_followers(&mut tx, s.id, s.account_id).await?;
    }
    // Their user streams hear of it once these rows are committed.
    let accounts: Vec<i64> = crate::storage::timelines::feed_holders(&mut **tx, s.id)
        .await?
        .into_iter()
        .filter(|a| *a != s.account_id)
        .collect();
    if !accounts.is_empty() {
        tx.record(crate::storage::Change::FedTo {
            status_id: s.id,
            accounts,
        });
    }
    if s.reblog_of_id.is_none() && s.visibility != "direct" {
        let subscribers: Vec<(i64,)> = sqlx::query_as(
            "SELECT account_id FROM follows WHERE target_account_id = $1 AND notify = 1",
        )
        .bind(s.account_id)
        .fetch_all(&mut **tx)
        .await?;
        for (follower,) in subscribers {
            super::notify::notify(&mut tx, follower, s.account_id, "status", Some(s.id), now)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
