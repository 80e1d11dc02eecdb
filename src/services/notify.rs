//! Creating notifications, inside the transaction of the action that causes them. Every
//! notification a local account receives from another account passes here, so the
//! recipient's notification policy (Mastodon 4.3) and the grouping of favourites, boosts and
//! follows apply wherever a notification is made: from the API, the pages and federation.

use crate::ids;
use crate::storage::notification_requests as policies;
use crate::storage::notifications::{self as store, NewNotification};
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
    "quote",
    "quoted_update",
];

/// The types grouped in storage (Mastodon's `GROUPABLE_NOTIFICATION_TYPES`).
pub const GROUPABLE: &[&str] = &["favourite", "reblog", "follow"];

/// The types the policy may filter or drop (Mastodon's `filterable` notification types);
/// polls, edits, posts of accounts one asked to hear from and warnings always pass.
const FILTERABLE: &[&str] = &["mention", "reblog", "follow", "follow_request", "favourite"];

/// A group spans at most this many hours from its first notification, as Mastodon's.
const GROUP_SPAN_HOURS: i64 = 12;
const HOUR_MICROS: i64 = 3_600_000_000;
/// Mastodon's thresholds: an account younger than 30 days is new; a follower of fewer than
/// three days is not yet a follower.
const NEW_ACCOUNT_MICROS: i64 = 30 * 24 * HOUR_MICROS;
const NEW_FOLLOWER_MICROS: i64 = 3 * 24 * HOUR_MICROS;

/// What the policy does with a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Accept,
    Filter,
    Drop,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "accept" => Some(Action::Accept),
            "filter" => Some(Action::Filter),
            "drop" => Some(Action::Drop),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Filter => "filter",
            Action::Drop => "drop",
        }
    }
}

/// Mastodon's default policy: strangers' private mentions and limited accounts filtered.
pub fn default_policy() -> policies::PolicyRow {
    policies::PolicyRow {
        for_not_following: "accept".into(),
        for_not_followers: "accept".into(),
        for_new_accounts: "accept".into(),
        for_private_mentions: "filter".into(),
        for_limited_accounts: "filter".into(),
    }
}

/// Which of the policy's conditions a sender meets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions {
    pub not_following: bool,
    pub not_follower: bool,
    pub new_account: bool,
    pub private_mention: bool,
    pub limited: bool,
}

/// The strictest action among the policy's rules whose condition holds.
pub fn decide(policy: &policies::PolicyRow, c: Conditions) -> Action {
    let rule = |holds: bool, action: &str| {
        if holds {
            Action::parse(action).unwrap_or(Action::Accept)
        } else {
            Action::Accept
        }
    };
    [
        rule(c.not_following, &policy.for_not_following),
        rule(c.not_follower, &policy.for_not_followers),
        rule(c.new_account, &policy.for_new_accounts),
        rule(c.private_mention, &policy.for_private_mentions),
        rule(c.limited, &policy.for_limited_accounts),
    ]
    .into_iter()
    .max()
    .unwrap_or(Action::Accept)
}

/// Notifies `recipient` of what `from` did, unless it is their own doing or they block `from`
/// (or its domain), and as the recipient's notification policy says: dropped notifications
/// are never made, filtered ones are kept out of the lists (a filtered mention opens a
/// request) and are not streamed.
/// Only local accounts are notified; remote ones learn through federation. A new
/// notification is streamed to its recipient once the transaction commits.
/// True when the recipient's policy held the notification back (filtered), so that what
/// goes with it (a direct message's conversation) waits too.
pub async fn notify(
    tx: &mut WriteTx,
    recipient: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<bool> {
    let conn = &mut ***tx;
    if recipient == from || !store::may_notify(&mut *conn, recipient, from).await? {
        return Ok(false);
    }
    let action = if FILTERABLE.contains(&kind) {
        policy_action(conn, recipient, from, kind, status_id, now).await?
    } else {
        Action::Accept
    };
    if action == Action::Drop {
        return Ok(false);
    }
    let filtered = action == Action::Filter;
    // Filtered notifications stay ungrouped, as Mastodon's.
    let group_key = match filtered {
        false => group_key(conn, recipient, kind, status_id, now).await?,
        true => None,
    };
    let id = ids::next_id_at(now / 1000);
    let new = NewNotification {
        id,
        account_id: recipient,
        from,
        kind,
        status_id,
        group_key: group_key.as_deref(),
        filtered,
        now,
    };
    if !store::insert_new(&mut *conn, &new).await? {
        return Ok(false);
    }
    if !filtered {
        tx.record(Change::Notification(id));
    } else if kind == "mention" {
        // Mastodon opens a request for mentions only; other filtered notifications wait
        // behind it (or stay visible with `include_filtered`).
        policies::touch_request(
            &mut ***tx,
            ids::next_id_at(now / 1000),
            recipient,
            from,
            status_id,
            now,
        )
        .await?;
    }
    Ok(filtered)
}

async fn policy_action(
    conn: &mut sqlx::AnyConnection,
    recipient: i64,
    from: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<Action> {
    let Some(facts) = policies::sender_facts(&mut *conn, recipient, from).await? else {
        return Ok(Action::Accept);
    };
    if facts.permitted > 0 {
        return Ok(Action::Accept);
    }
    let policy = policies::policy(&mut *conn, recipient)
        .await?
        .unwrap_or_else(default_policy);
    if policy == default_policy_accepting_all() {
        return Ok(Action::Accept);
    }
    let not_following = facts.following == 0;
    let private_mention = match (kind, status_id) {
        ("mention", Some(sid)) if not_following => {
            policies::unsolicited_private_mention(&mut *conn, sid, recipient, from).await?
        }
        _ => false,
    };
    let conditions = Conditions {
        not_following,
        not_follower: facts
            .follower_since
            .is_none_or(|since| since > now - NEW_FOLLOWER_MICROS),
        new_account: facts.sender_created_at > now - NEW_ACCOUNT_MICROS,
        private_mention,
        limited: facts.sender_silenced_at.is_some() && not_following,
    };
    Ok(decide(&policy, conditions))
}

/// A policy that lets everything through (no condition needs checking).
fn default_policy_accepting_all() -> policies::PolicyRow {
    policies::PolicyRow {
        for_not_following: "accept".into(),
        for_not_followers: "accept".into(),
        for_new_accounts: "accept".into(),
        for_private_mentions: "accept".into(),
        for_limited_accounts: "accept".into(),
    }
}

/// The group a favourite, boost or follow joins: `TYPE-STATUS-HOUR` (`follow-HOUR`), where
/// HOUR is the hour the group began; a group takes new members for 12 hours, as Mastodon's.
async fn group_key(
    conn: &mut sqlx::AnyConnection,
    recipient: i64,
    kind: &str,
    status_id: Option<i64>,
    now: i64,
) -> sqlx::Result<Option<String>> {
    let prefix = match (kind, status_id) {
        ("favourite" | "reblog", Some(sid)) => format!("{kind}-{sid}-"),
        ("follow", _) => "follow-".to_string(),
        _ => return Ok(None),
    };
    let hour = now.div_euclid(HOUR_MICROS);
    let since = (hour - GROUP_SPAN_HOURS + 1) * HOUR_MICROS;
    let previous = store::latest_group_key(&mut *conn, recipient, &prefix, since)
        .await?
        .and_then(|k| k.strip_prefix(&prefix).and_then(|h| h.parse::<i64>().ok()));
    let bucket = match previous {
        Some(p) if hour < p + GROUP_SPAN_HOURS => p,
        _ => hour,
    };
    Ok(Some(format!("{prefix}{bucket}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strictest_matching_rule_wins() {
        let mut p = default_policy();
        let stranger = Conditions {
            not_following: true,
            not_follower: true,
            private_mention: true,
            ..Conditions::default()
        };
        assert_eq!(decide(&p, stranger), Action::Filter);
        p.for_not_following = "drop".into();
        assert_eq!(decide(&p, stranger), Action::Drop);
        assert_eq!(decide(&p, Conditions::default()), Action::Accept);
        p.for_not_following = "nonsense".into();
        p.for_private_mentions = "accept".into();
        assert_eq!(decide(&p, stranger), Action::Accept);
    }
}
