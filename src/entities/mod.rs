//! The view model both surfaces render: the Mastodon entity types the JSON API sends and the
//! pages show. Services build them from storage rows; this module sits below the surfaces and
//! never imports `api` or `web`.
//!
//! Mastodon wire types. Every key Mastodon sends is present (null rather than missing), ids
//! are strings, times are ISO-8601 with milliseconds.

pub mod card;
pub mod coop;
pub mod media;
pub mod notifications;

use serde::Serialize;
use serde_json::Value;

use crate::state::AppState;
use crate::storage::accounts::AccountRow;
use crate::time;

/// The Mastodon version whose endpoints Herd serves, and Herd's own.
pub const MASTODON_COMPAT: &str = "4.5.0";
pub fn version_string() -> String {
    format!(
        "{MASTODON_COMPAT} (compatible; Herd {})",
        env!("CARGO_PKG_VERSION")
    )
}

#[derive(Debug, Serialize, Clone)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct AccountRole {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
    pub uri: String,
    pub display_name: String,
    pub note: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub locked: bool,
    pub fields: Vec<Field>,
    pub emojis: Vec<Value>,
    pub bot: bool,
    pub group: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub noindex: Option<bool>,
    pub hide_collections: Option<bool>,
    pub created_at: String,
    pub last_status_at: Option<String>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub moved: Option<Value>,
    pub suspended: Option<bool>,
    pub limited: Option<bool>,
    pub memorial: Option<bool>,
    pub roles: Vec<AccountRole>,
}

fn stored_fields(row: &AccountRow) -> Vec<(String, String)> {
    serde_json::from_str::<Vec<(String, String)>>(&row.fields_json).unwrap_or_default()
}

/// The avatar and header URLs of an account: its own uploads (served from the media store), a
/// remote account's `icon` and `image`, else Mastodon's missing.png defaults. A suspended
/// account shows the defaults, as Mastodon does.
pub fn profile_image_urls(state: &AppState, row: &AccountRow) -> (String, String) {
    let pick = |file: &str, remote: &str, default: &str| {
        if row.suspended_at.is_some() {
            format!("{}{default}", state.base_url())
        } else if !file.is_empty() {
            media::file_url(state, file)
        } else if !remote.is_empty() {
            remote.to_string()
        } else {
            format!("{}{default}", state.base_url())
        }
    };
    (
        pick(
            &row.avatar_file,
            &row.avatar_remote_url,
            "/avatars/original/missing.png",
        ),
        pick(
            &row.header_file,
            &row.header_remote_url,
            "/headers/original/missing.png",
        ),
    )
}

impl Account {
    pub fn from_row(state: &AppState, row: &AccountRow, roles: &[String]) -> Account {
        let (avatar, header) = profile_image_urls(state, row);
        let acct = if row.domain.is_empty() {
            row.username.clone()
        } else {
            format!("{}@{}", row.username, row.domain)
        };
        Account {
            id: row.id.to_string(),
            username: row.username.clone(),
            acct,
            url: row.url.clone(),
            uri: row.uri.clone(),
            display_name: row.display_name.clone(),
            note: crate::text::plain_to_html(&row.note),
            // Stored images are stills (an animated GIF is kept as a PNG of its first frame).
            avatar_static: avatar.clone(),
            avatar,
            header_static: header.clone(),
            header,
            locked: row.locked != 0,
            fields: stored_fields(row)
                .into_iter()
                .map(|(name, value)| Field {
                    name: crate::text::escape(&name),
                    value: crate::text::escape(&value),
                    verified_at: None,
                })
                .collect(),
            emojis: Vec::new(),
            bot: row.bot != 0 || row.actor_type == "Service",
            group: row.actor_type == "Group",
            discoverable: Some(row.discoverable != 0),
            indexable: row.discoverable != 0,
            // Mastodon shows it for local accounts only.
            noindex: row.domain.is_empty().then_some(row.noindex != 0),
            hide_collections: Some(false),
            created_at: time::iso_midnight(row.created_at),
            last_status_at: row.last_status_at.map(|t| time::iso(t)[..10].to_string()),
            statuses_count: row.statuses_count,
            followers_count: row.followers_count,
            following_count: row.following_count,
            moved: None,
            // Mastodon sends these only when true.
            suspended: row.suspended_at.map(|_| true),
            limited: row.silenced_at.map(|_| true),
            memorial: None,
            roles: roles
                .iter()
                .filter_map(|r| role_entity(r))
                .map(|r| AccountRole {
                    id: r.id,
                    name: r.name,
                    color: r.color,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

/// Herd's roles as Mastodon roles, with Mastodon's permission bits (administrator = 1;
/// a moderator reads the dashboard and audit log and manages users, reports and taxonomies).
pub(crate) fn role_entity(role: &str) -> Option<Role> {
    let (id, name, permissions, color) = match role {
        "admin" => ("3", "Admin", 1u64, "#6364ff"),
        "moderator" => ("2", "Moderator", 4 | 8 | 16 | 256 | 1024, "#3a8f5c"),
        "treasurer" => ("4", "Treasurer", 0, "#b8860b"),
        _ => return None,
    };
    Some(Role {
        id: id.into(),
        name: name.into(),
        permissions: permissions.to_string(),
        color: color.into(),
        highlighted: true,
    })
}

#[derive(Debug, Serialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: String,
    pub note: String,
    pub fields: Vec<Field>,
    pub follow_requests_count: i64,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub attribution_domains: Vec<String>,
    /// Mastodon 4.5: who may quote new posts by default (public, followers, nobody).
    pub quote_policy: String,
}

#[derive(Debug, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

impl CredentialAccount {
    pub fn from_row(
        state: &AppState,
        row: &AccountRow,
        roles: &[String],
        user: &crate::storage::accounts::UserRow,
    ) -> CredentialAccount {
        let account = Account::from_row(state, row, roles);
        // The highest role is the one Mastodon exposes as `role`.
        let role = ["admin", "moderator", "treasurer"]
            .iter()
            .find(|r| roles.iter().any(|x| x == *r))
            .and_then(|r| role_entity(r))
            .unwrap_or(Role {
                id: "-99".into(),
                name: String::new(),
                permissions: "65536".into(),
                color: String::new(),
                highlighted: false,
            });
        CredentialAccount {
            source: Source {
                privacy: user.default_privacy.clone(),
                sensitive: user.default_sensitive != 0,
                language: if user.default_language.is_empty() {
                    user.locale.clone()
                } else {
                    user.default_language.clone()
                },
                note: row.note.clone(),
                fields: stored_fields(row)
                    .into_iter()
                    .map(|(name, value)| Field {
                        name,
                        value,
                        verified_at: None,
                    })
                    .collect(),
                follow_requests_count: 0,
                discoverable: row.discoverable != 0,
                indexable: row.discoverable != 0,
                hide_collections: false,
                attribution_domains: Vec::new(),
                quote_policy: "public".into(),
            },
            account,
            role,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
    pub vapid_key: String,
}

#[derive(Debug, Serialize)]
pub struct CredentialApplication {
    #[serde(flatten)]
    pub application: Application,
    pub client_id: String,
    pub client_secret: String,
    pub client_secret_expires_at: i64,
}

impl Application {
    pub fn from_row(row: &crate::storage::oauth::AppRow) -> Application {
        let uris = row.redirect_uri_list();
        Application {
            id: row.id.to_string(),
            name: row.name.clone(),
            website: row.website.clone(),
            scopes: row
                .scopes
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            redirect_uri: uris.join("\n"),
            redirect_uris: uris,
            vapid_key: String::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, Clone)]
pub struct Rule {
    pub id: String,
    pub text: String,
    pub hint: String,
    pub translations: serde_json::Map<String, Value>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct StatusTag {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct StatusApplication {
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub account: Account,
    pub content: String,
    pub visibility: String,
    pub local_only: bool,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<Value>,
    pub application: Option<StatusApplication>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<StatusTag>,
    pub emojis: Vec<Value>,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub replies_count: i64,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    pub poll: Option<Value>,
    pub card: Option<Value>,
    pub language: Option<String>,
    /// Mastodon 4.5: the post this one quotes (a `Quote`, or a `ShallowQuote` inside a quoted
    /// post), null when it quotes none.
    pub quote: Option<Value>,
    /// Mastodon 4.5's `QuoteApproval`: who may quote this post, and whether the viewer may.
    pub quote_approval: Value,
    pub quotes_count: i64,
    /// Only in the answer to a delete (for delete-and-redraft) and `/source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<Value>>,
}

#[derive(Debug, Serialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub muting_expires_at: Option<String>,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub group_key: String,
    pub created_at: String,
    pub account: Account,
    pub status: Option<Status>,
    pub report: Option<Value>,
    /// Mastodon 4.3's AccountWarning, on `moderation_warning` notifications only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_warning: Option<Value>,
}

#[derive(Debug, Serialize)]
pub struct Context {
    pub ancestors: Vec<Status>,
    pub descendants: Vec<Status>,
}

#[derive(Debug, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<Value>,
    pub media_attachments: Vec<Value>,
    pub emojis: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}

// Lists, conversations, search (the streaming / lists / search area).

#[derive(Debug, Serialize)]
pub struct List {
    pub id: String,
    pub title: String,
    pub replies_policy: String,
    pub exclusive: bool,
}

impl List {
    pub fn from_row(row: &crate::storage::lists::ListRow) -> List {
        List {
            id: row.id.to_string(),
            title: row.title.clone(),
            replies_policy: row.replies_policy.clone(),
            exclusive: row.exclusive != 0,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Conversation {
    pub id: String,
    pub unread: bool,
    pub accounts: Vec<Account>,
    pub last_status: Option<Status>,
}

#[derive(Debug, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub url: String,
    pub history: Vec<Value>,
    pub following: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct SearchResults {
    pub accounts: Vec<Account>,
    pub statuses: Vec<Status>,
    pub hashtags: Vec<Tag>,
}
