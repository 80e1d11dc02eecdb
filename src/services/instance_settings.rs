//! The instance settings an admin changes at run time on `/admin`: the title, the short and
//! extended descriptions, the contact (email and account), who may read the public and hashtag
//! feeds and trending links (Mastodon 4.3+'s `timelines_access`), and whether link previews are
//! fetched. These are the instance's presentation and reading knobs, as Mastodon's admin
//! "Server settings" holds them; what the bylaws decide (membership, voting, moderation) is
//! changed only by proposal, and infrastructure (database, store, mail, secrets) only by the
//! operator's config.
//!
//! The config file gives every default; a stored value (table `instance_settings`) overrides
//! it. Each node keeps the effective settings in memory (read on every request, so pages and
//! `/api/v1|v2/instance` need no query), reloads them after its own change, and on PostgreSQL
//! tells the other nodes to reload through the cluster event channel (and reloads itself when
//! its listening connection comes back, in case it missed one). Each change is written to the
//! moderation log, the instance's audit log, with who made it and when.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::{Config, FeedAccess, TimelinesAccessConfig};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::state::AppState;
use crate::storage::instance_settings as store;
use crate::storage::Db;

/// The payload that tells other nodes to reload the settings (services/cluster_events.rs).
pub const RELOAD_PAYLOAD: &str = "instance_settings";

pub const MAX_TITLE: usize = 100;
pub const MAX_DESCRIPTION: usize = 500;
pub const MAX_EXTENDED: usize = 20_000;

/// The effective settings: the config's values with the stored ones over them.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub title: String,
    pub description: String,
    /// Markdown; shown on `/about` and in `/api/v1/instance/extended_description`.
    pub extended_description: String,
    pub contact_email: String,
    /// A local account's username, or empty.
    pub contact_account: String,
    pub timelines_access: TimelinesAccessConfig,
    pub link_previews: bool,
}

/// The feed levels a form may set, each under its setting's name.
pub const FEEDS: [&str; 6] = [
    "timelines_access.live_feeds.local",
    "timelines_access.live_feeds.remote",
    "timelines_access.hashtag_feeds.local",
    "timelines_access.hashtag_feeds.remote",
    "timelines_access.trending_link_feeds.local",
    "timelines_access.trending_link_feeds.remote",
];

fn parse_level(v: &str) -> Option<FeedAccess> {
    match v {
        "public" => Some(FeedAccess::Public),
        "authenticated" => Some(FeedAccess::Authenticated),
        "disabled" => Some(FeedAccess::Disabled),
        _ => None,
    }
}

impl Settings {
    fn from_config(config: &Config) -> Settings {
        Settings {
            title: config.instance.title.clone(),
            description: config.instance.description.clone(),
            extended_description: String::new(),
            contact_email: config.instance.contact_email.clone(),
            contact_account: String::new(),
            timelines_access: config.timelines_access,
            link_previews: config.link_previews.enabled,
        }
    }

    fn level_mut(&mut self, name: &str) -> Option<&mut FeedAccess> {
        let t = &mut self.timelines_access;
        Some(match name {
            "timelines_access.live_feeds.local" => &mut t.live_feeds.local,
            "timelines_access.live_feeds.remote" => &mut t.live_feeds.remote,
            "timelines_access.hashtag_feeds.local" => &mut t.hashtag_feeds.local,
            "timelines_access.hashtag_feeds.remote" => &mut t.hashtag_feeds.remote,
            "timelines_access.trending_link_feeds.local" => &mut t.trending_link_feeds.local,
            "timelines_access.trending_link_feeds.remote" => &mut t.trending_link_feeds.remote,
            _ => return None,
        })
    }

    /// One feed level by its setting's name (`public` when the name is unknown).
    pub fn level(&self, name: &str) -> FeedAccess {
        self.clone()
            .level_mut(name)
            .map_or(FeedAccess::Public, |l| *l)
    }

    /// Every setting as the stored text (the form's field names and values).
    pub fn as_fields(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("title".into(), self.title.clone());
        m.insert("description".into(), self.description.clone());
        m.insert(
            "extended_description".into(),
            self.extended_description.clone(),
        );
        m.insert("contact_email".into(), self.contact_email.clone());
        m.insert("contact_account".into(), self.contact_account.clone());
        for f in FEEDS {
            m.insert(f.into(), self.level(f).as_str().into());
        }
        m.insert(
            "link_previews".into(),
            if self.link_previews { "true" } else { "false" }.into(),
        );
        m
    }

    /// Applies one stored value; a value that no longer reads (an older binary's) is skipped,
    /// so the config's stands.
    fn apply(&mut self, name: &str, value: &str) {
        match name {
            "title" => self.title = value.to_string(),
            "description" => self.description = value.to_string(),
            "extended_description" => self.extended_description = value.to_string(),
            "contact_email" => self.contact_email = value.to_string(),
            "contact_account" => self.contact_account = value.to_string(),
            "link_previews" => self.link_previews = value == "true",
            other => {
                if let (Some(level), Some(slot)) = (parse_level(value), self.level_mut(other)) {
                    *slot = level;
                }
            }
        }
    }
}

/// This node's copy of the effective settings.
pub struct Live(RwLock<Arc<Settings>>);

impl Live {
    /// Reads the stored settings over the config's (at boot).
    pub async fn load(db: &Db, config: &Config) -> anyhow::Result<Live> {
        Ok(Live(RwLock::new(Arc::new(
            read(db, config).await.map_err(anyhow::Error::from)?,
        ))))
    }

    fn get(&self) -> Arc<Settings> {
        match self.0.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn put(&self, s: Settings) {
        match self.0.write() {
            Ok(mut g) => *g = Arc::new(s),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(s),
        }
    }
}

async fn read(db: &Db, config: &Config) -> sqlx::Result<Settings> {
    let mut s = Settings::from_config(config);
    for (name, value) in store::all(&db.pool).await? {
        s.apply(&name, &value);
    }
    Ok(s)
}

/// The effective settings on this node (no query).
pub fn current(state: &AppState) -> Arc<Settings> {
    state.settings.get()
}

/// Reads the settings again (after a change here or on another node).
pub async fn reload(state: &AppState) {
    match read(&state.db, &state.config).await {
        Ok(s) => state.settings.put(s),
        Err(e) => tracing::warn!(error = %e, "instance settings: could not reload"),
    }
}

async fn require_admin(state: &AppState, actor: i64) -> AppResult<()> {
    let roles = crate::storage::governance::active_roles(&state.db.pool, actor).await?;
    if roles.iter().any(|r| r == "admin") {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "This action is not allowed: only an admin may change the instance settings",
        ))
    }
}

/// The settings as an admin reads them to change them (admins only).
pub async fn for_admin(state: &AppState, actor: i64) -> AppResult<Arc<Settings>> {
    require_admin(state, actor).await?;
    Ok(current(state))
}

/// The values a form sent, by setting name (absent: unchanged; `link_previews` is a checkbox,
/// so the form always sends `link_previews_shown` beside it).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct Changes(pub BTreeMap<String, String>);

fn bad(errors: &mut BTreeMap<String, String>, field: &str, text: &str) {
    errors.entry(field.to_string()).or_insert(text.to_string());
}

fn has_control(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')))
}

/// Checks and normalises every value sent; the refusals by field.
async fn check(
    state: &AppState,
    changes: &Changes,
) -> AppResult<Result<BTreeMap<String, String>, BTreeMap<String, String>>> {
    let mut ok = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (name, raw) in &changes.0 {
        let v = raw.trim();
        match name.as_str() {
            "title" => {
                if v.is_empty() {
                    bad(&mut errors, name, "can't be blank");
                } else if v.chars().count() > MAX_TITLE || has_control(v, false) {
                    bad(
                        &mut errors,
                        name,
                        &format!("must be one line of at most {MAX_TITLE} characters"),
                    );
                }
            }
            "description" => {
                if v.chars().count() > MAX_DESCRIPTION || has_control(v, true) {
                    bad(
                        &mut errors,
                        name,
                        &format!("must be at most {MAX_DESCRIPTION} characters"),
                    );
                }
            }
            "extended_description" => {
                if v.chars().count() > MAX_EXTENDED || has_control(v, true) {
                    bad(
                        &mut errors,
                        name,
                        &format!("must be at most {MAX_EXTENDED} characters"),
                    );
                }
            }
            "contact_email" => {
                let parts: Vec<&str> = v.split('@').collect();
                let looks = parts.len() == 2
                    && !parts[0].is_empty()
                    && parts[1].contains('.')
                    && !parts[1].starts_with('.')
                    && !parts[1].ends_with('.')
                    && v.len() <= 254
                    && !v.chars().any(|c| c.is_whitespace() || c.is_control());
                if !v.is_empty() && !looks {
                    bad(&mut errors, name, "is not an email address");
                }
            }
            "contact_account" => {
                let username = v.trim_start_matches('@');
                if !username.is_empty() {
                    let found = crate::storage::accounts::local_account_by_username(
                        &state.db.pool,
                        username,
                    )
                    .await?;
                    match found {
                        Some(a) => {
                            ok.insert(name.clone(), a.username);
                            continue;
                        }
                        None => bad(&mut errors, name, "is not an account on this instance"),
                    }
                }
                ok.insert(name.clone(), String::new());
                continue;
            }
            "link_previews" => {
                if v != "true" && v != "false" {
                    bad(&mut errors, name, "must be true or false");
                }
            }
            other if FEEDS.contains(&other) => {
                if parse_level(v).is_none() {
                    bad(
                        &mut errors,
                        name,
                        "must be public, authenticated or disabled",
                    );
                }
            }
            _ => bad(&mut errors, name, "is not a setting an admin may change"),
        }
        ok.insert(name.clone(), v.to_string());
    }
    Ok(if errors.is_empty() {
        Ok(ok)
    } else {
        Err(errors)
    })
}

/// A refusal carrying every field's message (the co-op API's `details`).
fn refusal(errors: BTreeMap<String, String>) -> AppError {
    let mut iter = errors.iter();
    let Some((field, text)) = iter.next() else {
        return AppError::unprocessable("Validation failed");
    };
    let mut e = AppError::validation(field, "ERR_INVALID", text);
    if let Some(Value::Object(d)) = e.details.as_mut() {
        for (f, t) in iter {
            d.insert(
                f.clone(),
                json!([{ "error": "ERR_INVALID", "description": t }]),
            );
        }
    }
    e
}

/// Changes the settings (admins only): every value is checked first and nothing is written
/// unless all pass; each changed value is stored and logged in one transaction, then this node
/// reloads and the others are told to. Returns the names that changed.
pub async fn update(state: &AppState, actor: i64, changes: &Changes) -> AppResult<Vec<String>> {
    require_admin(state, actor).await?;
    let checked = check(state, changes).await?.map_err(refusal)?;
    let before = current(state).as_fields();
    let changed: Vec<(String, String)> = checked
        .into_iter()
        .filter(|(name, v)| before.get(name) != Some(v))
        .collect();
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    for (name, value) in &changed {
        store::set(&mut **tx, name, value, actor, now).await?;
        let shown: String = value.chars().take(200).collect();
        let entry = crate::storage::moderation::ActionRow {
            id: ids::next_id_at(now / 1000),
            action: "change_instance_setting".into(),
            target_account_id: None,
            target_status_id: None,
            target_domain: None,
            citation: None,
            reason: format!("{name}: {shown}"),
            moderator_account_id: Some(actor),
            report_id: None,
            strike_id: None,
            appeal_id: None,
            proposal_id: None,
            created_at: now,
        };
        crate::storage::moderation::insert_action(&mut **tx, &entry).await?;
    }
    tx.commit().await?;
    reload(state).await;
    if crate::services::cluster_events::enabled(state) {
        if let Err(e) = crate::storage::pubsub::notify(
            &state.db.pool,
            crate::services::cluster_events::CHANNEL,
            RELOAD_PAYLOAD,
        )
        .await
        {
            tracing::warn!(error = %e, "instance settings: could not tell the other nodes");
        }
    }
    Ok(changed.into_iter().map(|(n, _)| n).collect())
}

/// The contact account's id, when one is set and still exists.
pub async fn contact_account_id(state: &AppState) -> AppResult<Option<i64>> {
    let s = current(state);
    if s.contact_account.is_empty() {
        return Ok(None);
    }
    Ok(
        crate::storage::accounts::local_account_by_username(&state.db.pool, &s.contact_account)
            .await?
            .map(|a| a.id),
    )
}

/// The extended description as HTML (Markdown, cleaned), or empty.
pub fn extended_html(s: &Settings) -> String {
    if s.extended_description.trim().is_empty() {
        return String::new();
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new(&s.extended_description),
    );
    ammonia::clean(&html)
}

/// The instance's title in force (mails, checkout, authenticator labels, documents).
pub fn title(state: &AppState) -> String {
    current(state).title.clone()
}

/// The instance's short description in force.
pub fn description(state: &AppState) -> String {
    current(state).description.clone()
}
