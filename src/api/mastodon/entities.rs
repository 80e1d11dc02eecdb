//! Mastodon wire types. Every key Mastodon sends is present (null rather than missing), ids
//! are strings, times are ISO-8601 with milliseconds.

use serde::Serialize;
use serde_json::Value;

use crate::state::AppState;
use crate::storage::accounts::AccountRow;
use crate::time;

/// The Mastodon version whose endpoints Herd serves, and Herd's own.
pub const MASTODON_COMPAT: &str = "4.2.0";
pub fn version_string() -> String {
    format!(
        "{MASTODON_COMPAT} (compatible; Herd {})",
        env!("CARGO_PKG_VERSION")
    )
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AccountRole {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Serialize)]
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

/// Plain text as Mastodon renders it: escaped, paragraphs on blank lines, `<br>` for newlines.
pub fn plain_to_html(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>",
                tera::escape_html(p.trim()).replace('\n', "<br />")
            )
        })
        .collect()
}

fn stored_fields(row: &AccountRow) -> Vec<(String, String)> {
    serde_json::from_str::<Vec<(String, String)>>(&row.fields_json).unwrap_or_default()
}

impl Account {
    pub fn from_row(state: &AppState, row: &AccountRow, roles: &[String]) -> Account {
        let base = state.base_url();
        let missing_avatar = format!("{base}/avatars/original/missing.png");
        let missing_header = format!("{base}/headers/original/missing.png");
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
            note: plain_to_html(&row.note),
            avatar: missing_avatar.clone(),
            avatar_static: missing_avatar,
            header: missing_header.clone(),
            header_static: missing_header,
            locked: row.locked != 0,
            fields: stored_fields(row)
                .into_iter()
                .map(|(name, value)| Field {
                    name: tera::escape_html(&name),
                    value: tera::escape_html(&value),
                    verified_at: None,
                })
                .collect(),
            emojis: Vec::new(),
            bot: row.bot != 0 || row.actor_type == "Service",
            group: row.actor_type == "Group",
            discoverable: Some(row.discoverable != 0),
            indexable: row.discoverable != 0,
            noindex: Some(false),
            hide_collections: Some(false),
            created_at: time::iso_midnight(row.created_at),
            last_status_at: None,
            statuses_count: 0,
            followers_count: 0,
            following_count: 0,
            moved: None,
            suspended: None,
            limited: None,
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
fn role_entity(role: &str) -> Option<Role> {
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
        locale: &str,
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
                privacy: "public".into(),
                sensitive: false,
                language: locale.to_string(),
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
