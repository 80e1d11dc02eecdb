//! Filters v2: a user's keyword and status filters, per context, that warn (the status carries
//! a FilterResult in `filtered`) or hide (the status is left out) until they expire.
//!
//! Matching follows Mastodon: case-insensitive, on the status's plain text and spoiler text;
//! a `whole_word` keyword only matches where it starts and ends on a word boundary (a boundary
//! is required only at an end of the keyword that is itself a word character). Filters are
//! applied at the edge, after rendering, for the context the surface names; every change
//! tells the owner's streams `filters_changed`.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::entities::{Notification, Status};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::services::read_cache::CachedFilters;
use crate::services::render::Viewer;
use crate::state::AppState;
use crate::storage::filters::{self as store, FilterRow, FilterStatusRow, KeywordRow};
use crate::storage::{statuses, Change, WriteTx};
use crate::time;
use std::sync::Arc;

pub const CONTEXTS: &[&str] = &["home", "notifications", "public", "thread", "account"];
/// `blur` (Mastodon 4.4) is shown like `warn`: the client blurs the media.
const ACTIONS: &[&str] = &["warn", "hide", "blur"];
const MAX_TITLE: usize = 256;
const MAX_KEYWORD: usize = 512;
const MAX_FILTERS: usize = 100;
const MAX_KEYWORDS: usize = 100;

/// A filter with its keywords and statuses.
#[derive(Debug, Clone)]
pub struct FullFilter {
    pub row: FilterRow,
    pub keywords: Vec<KeywordRow>,
    pub statuses: Vec<FilterStatusRow>,
}

impl FullFilter {
    pub fn contexts(&self) -> Vec<&str> {
        self.row
            .context
            .split(',')
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// Mastodon's Filter entity (v2).
    pub fn entity(&self) -> Value {
        json!({
            "id": self.row.id.to_string(),
            "title": self.row.title,
            "context": self.contexts(),
            "expires_at": self.row.expires_at.map(time::iso),
            "filter_action": self.row.action,
            "keywords": self.keywords.iter().map(keyword_entity).collect::<Vec<_>>(),
            "statuses": self.statuses.iter().map(status_entity).collect::<Vec<_>>(),
        })
    }
}

pub fn keyword_entity(k: &KeywordRow) -> Value {
    json!({"id": k.id.to_string(), "keyword": k.keyword, "whole_word": k.whole_word != 0})
}

pub fn status_entity(s: &FilterStatusRow) -> Value {
    json!({"id": s.id.to_string(), "status_id": s.status_id.to_string()})
}

/// A keyword given in `keywords_attributes[]`: a new one, a change to one (`id`), or
/// its removal (`id` with `_destroy`).
#[derive(Debug, Clone, Default)]
pub struct KeywordInput {
    pub id: Option<String>,
    pub keyword: Option<String>,
    pub whole_word: Option<bool>,
    pub destroy: bool,
}

/// How `expires_in` was given: absent keeps what is there; empty clears it.
#[derive(Debug, Clone, Copy, Default)]
pub enum Expiry {
    #[default]
    Keep,
    Never,
    In(u64),
}

#[derive(Debug, Clone, Default)]
pub struct FilterInput {
    pub title: Option<String>,
    pub context: Option<Vec<String>>,
    pub action: Option<String>,
    pub expires_in: Expiry,
    pub keywords: Vec<KeywordInput>,
}

fn parse_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::not_found())
}

async fn load_full(state: &AppState, rows: Vec<FilterRow>) -> AppResult<Vec<FullFilter>> {
    let db = &state.db.pool;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut keywords: HashMap<i64, Vec<KeywordRow>> = HashMap::new();
    for k in store::keywords_of(db, &ids).await? {
        keywords.entry(k.filter_id).or_default().push(k);
    }
    let mut sts: HashMap<i64, Vec<FilterStatusRow>> = HashMap::new();
    for s in store::statuses_of(db, &ids).await? {
        sts.entry(s.filter_id).or_default().push(s);
    }
    Ok(rows
        .into_iter()
        .map(|row| FullFilter {
            keywords: keywords.remove(&row.id).unwrap_or_default(),
            statuses: sts.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub async fn all(state: &AppState, owner: i64) -> AppResult<Vec<FullFilter>> {
    let rows = store::by_owner(&state.db.pool, owner).await?;
    load_full(state, rows).await
}

pub async fn get(state: &AppState, owner: i64, id: &str) -> AppResult<FullFilter> {
    let row = store::get(&state.db.pool, owner, parse_id(id)?)
        .await?
        .ok_or_else(AppError::not_found)?;
    load_full(state, vec![row])
        .await?
        .pop()
        .ok_or_else(AppError::not_found)
}

fn check_keyword(k: &str) -> AppResult<String> {
    let k = k.trim();
    if k.is_empty() {
        return Err(AppError::validation(
            "keyword",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    if k.chars().count() > MAX_KEYWORD {
        return Err(AppError::unprocessable(
            "Validation failed: Keyword is too long",
        ));
    }
    Ok(k.to_string())
}

fn apply_input(state: &AppState, input: &FilterInput, row: &mut FilterRow) -> AppResult<()> {
    if let Some(t) = &input.title {
        let t = t.trim();
        if t.is_empty() {
            return Err(AppError::validation("title", "ERR_BLANK", "can't be blank"));
        }
        if t.chars().count() > MAX_TITLE {
            return Err(AppError::unprocessable(
                "Validation failed: Title is too long",
            ));
        }
        row.title = t.to_string();
    }
    if let Some(cs) = &input.context {
        let mut kept: Vec<&str> = Vec::new();
        for c in cs {
            let c = c.trim();
            if !CONTEXTS.contains(&c) {
                return Err(AppError::unprocessable(format!(
                    "Validation failed: Context {c:?} is not one of home, notifications, public, thread, account"
                )));
            }
            if !kept.contains(&c) {
                kept.push(c);
            }
        }
        if kept.is_empty() {
            return Err(AppError::validation(
                "context",
                "ERR_BLANK",
                "can't be blank",
            ));
        }
        row.context = kept.join(",");
    }
    if let Some(a) = input.action.as_deref().filter(|a| !a.is_empty()) {
        if !ACTIONS.contains(&a) {
            return Err(AppError::unprocessable(format!(
                "Validation failed: Filter action {a:?} is not one of warn, hide, blur"
            )));
        }
        row.action = a.to_string();
    }
    match input.expires_in {
        Expiry::Keep => {}
        Expiry::Never => row.expires_at = None,
        Expiry::In(secs) => {
            let secs = i64::try_from(secs)
                .ok()
                .filter(|s| *s <= 100 * 365 * 86_400)
                .ok_or_else(|| {
                    AppError::unprocessable("Validation failed: Expires in is too large")
                })?;
            row.expires_at = Some(state.clock.now_micros() + secs * 1_000_000);
        }
    }
    Ok(())
}

/// Applies `keywords_attributes[]` to a filter inside the transaction.
async fn apply_keywords(
    tx: &mut WriteTx,
    filter_id: i64,
    existing: &[KeywordRow],
    input: &[KeywordInput],
) -> AppResult<()> {
    let mut count = existing.len();
    for k in input {
        match k.id.as_deref().filter(|i| !i.is_empty()) {
            Some(id) => {
                let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
                let Some(old) = existing.iter().find(|e| e.id == id) else {
                    return Err(AppError::not_found());
                };
                if k.destroy {
                    store::delete_keyword(tx, filter_id, id).await?;
                    count = count.saturating_sub(1);
                } else {
                    let mut row = old.clone();
                    if let Some(word) = &k.keyword {
                        row.keyword = check_keyword(word)?;
                    }
                    if let Some(w) = k.whole_word {
                        row.whole_word = i64::from(w);
                    }
                    store::update_keyword(tx, &row).await?;
                }
            }
            None if k.destroy => {}
            None => {
                let word = check_keyword(k.keyword.as_deref().unwrap_or(""))?;
                count += 1;
                if count > MAX_KEYWORDS {
                    return Err(AppError::unprocessable(
                        "Validation failed: A filter has at most 100 keywords",
                    ));
                }
                store::insert_keyword(
                    tx,
                    &KeywordRow {
                        id: ids::next_id(),
                        filter_id,
                        keyword: word,
                        whole_word: i64::from(k.whole_word.unwrap_or(true)),
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}

pub async fn create(state: &AppState, owner: i64, input: FilterInput) -> AppResult<FullFilter> {
    let mut row = FilterRow {
        id: ids::next_id(),
        account_id: owner,
        title: String::new(),
        context: String::new(),
        action: "warn".into(),
        expires_at: None,
        created_at: state.clock.now_micros(),
    };
    if input.title.is_none() {
        return Err(AppError::validation("title", "ERR_BLANK", "can't be blank"));
    }
    if input.context.is_none() {
        return Err(AppError::validation(
            "context",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    apply_input(state, &input, &mut row)?;
    let mut tx = state.db.begin_write().await?;
    if store::by_owner(&mut **tx, owner).await?.len() >= MAX_FILTERS {
        return Err(AppError::unprocessable(
            "Validation failed: You have reached the maximum number of filters",
        ));
    }
    store::insert(&mut tx, &row).await?;
    apply_keywords(&mut tx, row.id, &[], &input.keywords).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    get(state, owner, &row.id.to_string()).await
}

pub async fn update(
    state: &AppState,
    owner: i64,
    id: &str,
    input: FilterInput,
) -> AppResult<FullFilter> {
    let current = get(state, owner, id).await?;
    let mut row = current.row.clone();
    apply_input(state, &input, &mut row)?;
    let mut tx = state.db.begin_write().await?;
    store::update(&mut tx, &row).await?;
    apply_keywords(&mut tx, row.id, &current.keywords, &input.keywords).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    get(state, owner, id).await
}

pub async fn delete(state: &AppState, owner: i64, id: &str) -> AppResult<()> {
    let f = get(state, owner, id).await?;
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, f.row.id).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    Ok(())
}

pub async fn add_keyword(
    state: &AppState,
    owner: i64,
    filter_id: &str,
    input: KeywordInput,
) -> AppResult<KeywordRow> {
    let f = get(state, owner, filter_id).await?;
    if f.keywords.len() >= MAX_KEYWORDS {
        return Err(AppError::unprocessable(
            "Validation failed: A filter has at most 100 keywords",
        ));
    }
    let row = KeywordRow {
        id: ids::next_id(),
        filter_id: f.row.id,
        keyword: check_keyword(input.keyword.as_deref().unwrap_or(""))?,
        whole_word: i64::from(input.whole_word.unwrap_or(true)),
    };
    let mut tx = state.db.begin_write().await?;
    store::insert_keyword(&mut tx, &row).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    Ok(row)
}

pub async fn keyword(state: &AppState, owner: i64, id: &str) -> AppResult<KeywordRow> {
    match store::keyword(&state.db.pool, parse_id(id)?).await? {
        Some((k, o)) if o == owner => Ok(k),
        _ => Err(AppError::not_found()),
    }
}

pub async fn update_keyword(
    state: &AppState,
    owner: i64,
    id: &str,
    input: KeywordInput,
) -> AppResult<KeywordRow> {
    let mut row = keyword(state, owner, id).await?;
    if let Some(k) = &input.keyword {
        row.keyword = check_keyword(k)?;
    }
    if let Some(w) = input.whole_word {
        row.whole_word = i64::from(w);
    }
    let mut tx = state.db.begin_write().await?;
    store::update_keyword(&mut tx, &row).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_keyword(state: &AppState, owner: i64, id: &str) -> AppResult<()> {
    let row = keyword(state, owner, id).await?;
    let mut tx = state.db.begin_write().await?;
    store::delete_keyword(&mut tx, row.filter_id, row.id).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    Ok(())
}

/// Adds a status the owner can see to a filter.
pub async fn add_status(
    state: &AppState,
    owner: i64,
    filter_id: &str,
    status_id: &str,
) -> AppResult<FilterStatusRow> {
    let f = get(state, owner, filter_id).await?;
    let sid: i64 = status_id
        .parse()
        .map_err(|_| AppError::unprocessable("Validation failed: Status can't be blank"))?;
    if statuses::visible_by_id(&state.db.pool, sid, owner)
        .await?
        .is_none()
    {
        return Err(AppError::not_found());
    }
    if f.statuses.iter().any(|s| s.status_id == sid) {
        return Err(AppError::unprocessable(
            "Validation failed: Status has already been taken",
        ));
    }
    let row = FilterStatusRow {
        id: ids::next_id(),
        filter_id: f.row.id,
        status_id: sid,
    };
    let mut tx = state.db.begin_write().await?;
    if !store::insert_status(&mut tx, &row).await? {
        return Err(AppError::unprocessable(
            "Validation failed: Status has already been taken",
        ));
    }
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    Ok(row)
}

pub async fn filter_status(state: &AppState, owner: i64, id: &str) -> AppResult<FilterStatusRow> {
    match store::filter_status(&state.db.pool, parse_id(id)?).await? {
        Some((s, o)) if o == owner => Ok(s),
        _ => Err(AppError::not_found()),
    }
}

pub async fn delete_status(state: &AppState, owner: i64, id: &str) -> AppResult<()> {
    let row = filter_status(state, owner, id).await?;
    let mut tx = state.db.begin_write().await?;
    store::delete_status(&mut tx, row.id).await?;
    tx.record(Change::FiltersChanged(owner));
    tx.commit().await?;
    Ok(())
}

/// v1 projection: one v1 Filter per keyword (read-only).
pub fn v1_entities(filters: &[FullFilter]) -> Vec<Value> {
    filters
        .iter()
        .flat_map(|f| {
            f.keywords.iter().map(move |k| {
                json!({
                    "id": k.id.to_string(),
                    "phrase": k.keyword,
                    "context": f.contexts(),
                    "whole_word": k.whole_word != 0,
                    "expires_at": f.row.expires_at.map(time::iso),
                    "irreversible": f.row.action == "hide",
                })
            })
        })
        .collect()
}

// ---- Matching -------------------------------------------------------------------------

/// A viewer's filters in force, ready to match statuses.
#[derive(Debug, Clone, Default)]
pub struct Active {
    filters: Vec<FullFilter>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Does `keyword` occur in `text` (both already lower-cased)?
pub fn matches(text: &str, keyword: &str, whole_word: bool) -> bool {
    if keyword.is_empty() {
        return false;
    }
    if !whole_word {
        return text.contains(keyword);
    }
    let need_start = keyword.chars().next().is_some_and(is_word);
    let need_end = keyword.chars().next_back().is_some_and(is_word);
    let mut from = 0;
    while let Some(pos) = text[from..].find(keyword) {
        let start = from + pos;
        let end = start + keyword.len();
        let before_ok = !need_start || !text[..start].chars().next_back().is_some_and(is_word);
        let after_ok = !need_end || !text[end..].chars().next().is_some_and(is_word);
        if before_ok && after_ok {
            return true;
        }
        // Step one character forward.
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// The plain text of a status's HTML, lower-cased, with the spoiler text.
fn haystack(s: &Status) -> String {
    let text = crate::federation::protocol::to_text(&s.content);
    format!("{}\n{}", s.spoiler_text, text).to_lowercase()
}

/// What filtering decided for one status.
enum Outcome {
    Keep(Vec<Value>),
    Hide,
}

impl Active {
    /// The viewer's filters in force now: from the read cache, else read (and kept until a
    /// filter of theirs changes or the first of them expires).
    pub async fn load(state: &AppState, viewer: i64) -> AppResult<Arc<Active>> {
        let now = state.clock.now_micros();
        let cache = &state.read_cache;
        if let Some(found) = cache.filters(viewer, now) {
            return Ok(found.active.clone());
        }
        let ticket = cache.ticket();
        let rows = store::active(&state.db.pool, viewer, now).await?;
        let expires_at = rows.iter().filter_map(|r| r.expires_at).min();
        let active = Arc::new(if rows.is_empty() {
            Active::default()
        } else {
            Active {
                filters: load_full(state, rows).await?,
            }
        });
        let cached = CachedFilters {
            active: active.clone(),
            expires_at,
        };
        cache.put_filters(ticket, viewer, Arc::new(cached));
        Ok(active)
    }

    /// Estimated bytes, for the cache's budget.
    pub fn weight(&self) -> usize {
        self.filters
            .iter()
            .map(|f| {
                256 + f.row.title.len()
                    + f.row.context.len()
                    + f.keywords
                        .iter()
                        .map(|k| 64 + k.keyword.len())
                        .sum::<usize>()
                    + 48 * f.statuses.len()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    fn judge(&self, context: &str, s: &Status) -> Outcome {
        let (results, hide) = self.results(context, s);
        if hide {
            Outcome::Hide
        } else {
            Outcome::Keep(results)
        }
    }

    /// Every filter of `context` that matches the status (as Mastodon's `filtered` entries),
    /// and whether one of them hides it.
    fn results(&self, context: &str, s: &Status) -> (Vec<Value>, bool) {
        let target = s.reblog.as_deref().unwrap_or(s);
        let mut results = Vec::new();
        let mut hide = false;
        let mut text: Option<String> = None;
        for f in &self.filters {
            if !f.contexts().contains(&context) {
                continue;
            }
            let hay = text.get_or_insert_with(|| haystack(target));
            let keyword_matches: Vec<String> = f
                .keywords
                .iter()
                .filter(|k| matches(hay, &k.keyword.to_lowercase(), k.whole_word != 0))
                .map(|k| k.keyword.clone())
                .collect();
            let status_matches: Vec<String> = f
                .statuses
                .iter()
                .filter(|fs| {
                    let id = fs.status_id.to_string();
                    id == target.id || id == s.id
                })
                .map(|fs| fs.status_id.to_string())
                .collect();
            if keyword_matches.is_empty() && status_matches.is_empty() {
                continue;
            }
            hide |= f.row.action == "hide";
            results.push(json!({
                "filter": f.entity(),
                "keyword_matches": (!keyword_matches.is_empty()).then_some(keyword_matches),
                "status_matches": (!status_matches.is_empty()).then_some(status_matches),
            }));
        }
        (results, hide)
    }

    /// The status with `filtered` set for `context`, never left out: for a status the viewer
    /// asked for by id, found by a search, or the last of a conversation, where Mastodon
    /// returns the status and lets the client warn or hide (a `hide` filter is listed too).
    pub fn annotate(&self, context: &str, mut s: Status) -> Status {
        if self.filters.is_empty() {
            return s;
        }
        let (results, _) = self.results(context, &s);
        if !results.is_empty() {
            if let Some(inner) = s.reblog.as_deref_mut() {
                inner.filtered = Some(results.clone());
            }
            s.filtered = Some(results);
        }
        s
    }

    /// The status as this viewer sees it in `context`: None when a filter hides it.
    pub fn apply_one(&self, context: &str, mut s: Status) -> Option<Status> {
        if self.filters.is_empty() {
            return Some(s);
        }
        match self.judge(context, &s) {
            Outcome::Hide => None,
            Outcome::Keep(results) => {
                if !results.is_empty() {
                    if let Some(inner) = s.reblog.as_deref_mut() {
                        inner.filtered = Some(results.clone());
                    }
                    s.filtered = Some(results);
                }
                Some(s)
            }
        }
    }

    pub fn apply(&self, context: &str, statuses: Vec<Status>) -> Vec<Status> {
        if self.filters.is_empty() {
            return statuses;
        }
        statuses
            .into_iter()
            .filter_map(|s| self.apply_one(context, s))
            .collect()
    }

    /// Notifications whose status a `notifications` filter hides are left out.
    pub fn apply_notifications(&self, notes: Vec<Notification>) -> Vec<Notification> {
        if self.filters.is_empty() {
            return notes;
        }
        notes
            .into_iter()
            .filter_map(|mut n| match n.status.take() {
                None => Some(n),
                Some(s) => self.apply_one("notifications", s).map(|s| {
                    n.status = Some(s);
                    n
                }),
            })
            .collect()
    }
}

/// Applies the viewer's filters for `context` (anonymous viewers have none).
pub async fn apply(
    state: &AppState,
    viewer: Viewer,
    context: &str,
    statuses: Vec<Status>,
) -> AppResult<Vec<Status>> {
    match viewer.0 {
        Some(v) => Ok(Active::load(state, v).await?.apply(context, statuses)),
        None => Ok(statuses),
    }
}

/// Sets `filtered` on statuses for `context` without leaving any out (see [`Active::annotate`]).
pub async fn annotate(
    state: &AppState,
    viewer: Viewer,
    context: &str,
    statuses: Vec<Status>,
) -> AppResult<Vec<Status>> {
    match viewer.0 {
        Some(v) => {
            let active = Active::load(state, v).await?;
            Ok(statuses
                .into_iter()
                .map(|s| active.annotate(context, s))
                .collect())
        }
        None => Ok(statuses),
    }
}

pub async fn apply_notifications(
    state: &AppState,
    viewer: i64,
    notes: Vec<Notification>,
) -> AppResult<Vec<Notification>> {
    Ok(Active::load(state, viewer)
        .await?
        .apply_notifications(notes))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn whole_word_boundaries() {
        assert!(matches("i love rust.", "rust", true));
        assert!(!matches("trusty tools", "rust", true));
        assert!(matches("trusty tools", "rust", false));
        assert!(matches("a #rust b", "#rust", true));
        assert!(matches("x#rust b", "#rust", true));
        assert!(!matches("a rusty", "rust", true));
        assert!(matches("rusty rust", "rust", true));
        assert!(matches("café au lait", "café", true));
        assert!(!matches("cafés", "café", true));
    }
}
