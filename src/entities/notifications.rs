//! Mastodon 4.3's notification entities: grouped notifications, the notification policy
//! and notification requests.

use serde::Serialize;
use serde_json::Value;

use super::{Account, Status};

/// One group of a grouped list (Mastodon's NotificationGroup). The `page_*` keys appear on
/// list pages only, and `status_id` / `moderation_warning` only where the type has one, as
/// Mastodon's serializer does.
#[derive(Debug, Serialize, Clone)]
pub struct NotificationGroup {
    pub group_key: String,
    pub notifications_count: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_min_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_max_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_page_notification_at: Option<String>,
    pub sample_account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_warning: Option<Value>,
}

/// The few account keys a client needs to draw an avatar (`expand_accounts=partial_avatars`).
#[derive(Debug, Serialize, Clone)]
pub struct PartialAccount {
    pub id: String,
    pub acct: String,
    pub url: String,
    pub avatar: String,
    pub avatar_static: String,
    pub locked: bool,
    pub bot: bool,
}

impl From<&Account> for PartialAccount {
    fn from(a: &Account) -> Self {
        PartialAccount {
            id: a.id.clone(),
            acct: a.acct.clone(),
            url: a.url.clone(),
            avatar: a.avatar.clone(),
            avatar_static: a.avatar_static.clone(),
            locked: a.locked,
            bot: a.bot,
        }
    }
}

/// `GET /api/v2/notifications` and `…/:group_key`: each account and status once, and the
/// groups referring to them by id.
#[derive(Debug, Serialize, Clone)]
pub struct GroupedNotifications {
    pub accounts: Vec<Account>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_accounts: Option<Vec<PartialAccount>>,
    pub statuses: Vec<Status>,
    pub notification_groups: Vec<NotificationGroup>,
}

#[derive(Debug, Serialize, Clone, Copy)]
pub struct PolicySummary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

/// The v2 NotificationPolicy: each rule is `accept`, `filter` or `drop`.
#[derive(Debug, Serialize, Clone)]
pub struct NotificationPolicy {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
    pub summary: PolicySummary,
}

/// A NotificationRequest; `notifications_count` is a string, as Mastodon sends it.
#[derive(Debug, Serialize, Clone)]
pub struct NotificationRequest {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub account: Account,
    pub notifications_count: String,
    pub last_status: Option<Status>,
}
