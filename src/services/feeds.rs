//! Home feeds: a status is written into the feeds of its audience by a queued fan-out job, so
//! posting costs the same whatever the number of followers, and reading a home timeline is one
//! index range scan whatever the number of statuses.

use crate::storage::social::{self, Relation};
use crate::storage::statuses;

/// Writes a status into the home feeds of the author's local followers who should see it,
/// and sends `status` notifications to those who asked for them.
pub async fn fan_out(state: &crate::state::AppState, status_id: i64) -> anyhow::Result<()> {
    let Some(s) = statuses::by_id(&state.db.pool, status_id).await? else {
        return Ok(()); // deleted before the job ran
    };
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    crate::storage::timelines::feed_followers(&mut **tx, &s).await?;
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
        // A status bound to another audience (a members-only proposal thread) is announced
        // only to those in it.
        let bound = crate::storage::audiences::of_status(&mut **tx, s.id).await?;
        for follower in social::notified_followers(&mut **tx, s.account_id).await? {
            if let Some(to) = bound {
                if !social::exists(&mut **tx, Relation::Follow, follower, to).await? {
                    continue;
                }
            }
            super::notify::notify(&mut tx, follower, s.account_id, "status", Some(s.id), now)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
