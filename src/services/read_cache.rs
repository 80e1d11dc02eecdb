//! The read path's in-process caches: what every request or page of a signed-in reader would
//! otherwise fetch again (issue 18). A home page used to start with a round trip for the
//! token with its account and login, and end with one to three for the reader's filters.
//!
//! - `tokens`: an access token's grant (its id, app, account and scopes), by the token's
//!   hash. Emptied by any revocation ([`Change::TokensRevoked`]).
//! - `users`: a local account with its login (suspension, approval, defaults…), by account
//!   id. Dropped by any write to the account or login ([`Change::AccountChanged`]).
//! - `filters`: a reader's active filters with their keywords and statuses, by account id.
//!   Dropped by [`Change::FiltersChanged`], and never used past the first filter's expiry.
//!
//! Correctness rules:
//! - Invalidation happens as a write transaction commits (the commit hook calls
//!   [`ReadCache::forget`] before anything else), and writes outside a transaction call
//!   [`forget_everywhere`] after they return.
//! - Every invalidation moves an epoch. A reader notes the epoch before it reads the database
//!   and stores what it read only if the epoch has not moved, so a read that raced a commit
//!   is never cached.
//! - With several nodes, the node that committed tells the others (`services::streaming`
//!   publishes [`Forget`] on the cluster channel); a node whose listener was away empties
//!   everything; and every entry is trusted for `cache.ttl_seconds` at most, which bounds what
//!   no message reaches (a `herd` command run beside the server).
//! - The budget (`cache.memory_mib`) is shared by the three shelves by estimated bytes; a
//!   full shelf drops its expired entries, then everything, and fills again.
//! - Visibility, blocks and mutes are never cached: they are read with every page.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::http::auth::CurrentUser;
use crate::scopes::Scopes;
use crate::storage::Change;

/// An access token's grant, as cached.
#[derive(Debug, Clone)]
pub struct Grant {
    pub token_id: i64,
    pub app_id: i64,
    pub account_id: Option<i64>,
    pub scopes: Scopes,
}

/// A reader's active filters and the time (µs) the first of them expires.
pub struct CachedFilters {
    pub active: Arc<crate::services::filters::Active>,
    pub expires_at: Option<i64>,
}

/// Proof of the epoch a reader saw before reading the database.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

struct Entry<V> {
    value: V,
    at: Instant,
    weight: usize,
}

struct Shelf<K, V> {
    map: HashMap<K, Entry<V>>,
    bytes: usize,
    budget: usize,
}

impl<K: Eq + Hash, V: Clone> Shelf<K, V> {
    fn new(budget: usize) -> Self {
        Shelf {
            map: HashMap::new(),
            bytes: 0,
            budget,
        }
    }

    fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q, ttl: Duration) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map
            .get(key)
            .filter(|e| e.at.elapsed() < ttl)
            .map(|e| e.value.clone())
    }

    fn put(&mut self, key: K, value: V, weight: usize, ttl: Duration) {
        if weight > self.budget {
            return;
        }
        if self.bytes + weight > self.budget {
            self.map.retain(|_, e| e.at.elapsed() < ttl);
            self.bytes = self.map.values().map(|e| e.weight).sum();
            if self.bytes + weight > self.budget {
                self.map.clear();
                self.bytes = 0;
            }
        }
        let entry = Entry {
            value,
            at: Instant::now(),
            weight,
        };
        if let Some(old) = self.map.insert(key, entry) {
            self.bytes -= old.weight;
        }
        self.bytes += weight;
    }

    fn remove(&mut self, key: &K) {
        if let Some(old) = self.map.remove(key) {
            self.bytes -= old.weight;
        }
    }

    fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }
}

/// How often each shelf answered, for `/metrics`.
#[derive(Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

pub struct ReadCache {
    enabled: bool,
    ttl: Duration,
    epoch: AtomicU64,
    tokens: Mutex<Shelf<String, Grant>>,
    users: Mutex<Shelf<i64, Arc<CurrentUser>>>,
    filters: Mutex<Shelf<i64, Arc<CachedFilters>>>,
    pub stats: CacheStats,
}

/// What one commit made stale, as sent to the other nodes.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forget {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tokens: bool,
    /// The node that committed (it skips its own message).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
}

impl Forget {
    /// The part of `changes` that concerns the caches.
    pub fn of(changes: &[Change]) -> Forget {
        let mut f = Forget::default();
        for c in changes {
            match c {
                Change::AccountChanged(id) => f.accounts.push(*id),
                Change::FiltersChanged(id) => f.filters.push(*id),
                Change::TokensRevoked => f.tokens = true,
                _ => {}
            }
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.filters.is_empty() && !self.tokens
    }
}

/// The cluster channel's payloads that carry a [`Forget`] start with this.
pub const PAYLOAD_PREFIX: &str = "herd-cache ";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ReadCache {
    pub fn new(config: &crate::config::CacheConfig) -> ReadCache {
        let budget =
            usize::try_from(config.memory_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        // The users' rows are the largest; tokens and filters are small and few per user.
        let (tokens, users, filters) = (budget / 4, budget / 2, budget / 4);
        ReadCache {
            enabled: budget > 0 && config.ttl_seconds > 0,
            ttl: Duration::from_secs(config.ttl_seconds),
            epoch: AtomicU64::new(0),
            tokens: Mutex::new(Shelf::new(tokens)),
            users: Mutex::new(Shelf::new(users)),
            filters: Mutex::new(Shelf::new(filters)),
            stats: CacheStats::default(),
        }
    }

    fn counted<V>(&self, found: Option<V>) -> Option<V> {
        let counter = if found.is_some() {
            &self.stats.hits
        } else {
            &self.stats.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Taken before reading what will be stored.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::SeqCst))
    }

    fn still(&self, ticket: Ticket) -> bool {
        self.enabled && self.epoch.load(Ordering::SeqCst) == ticket.0
    }

    pub fn grant(&self, token_hash: &str) -> Option<Grant> {
        if !self.enabled {
            return None;
        }
        self.counted(lock(&self.tokens).get(token_hash, self.ttl))
    }

    pub fn user(&self, account_id: i64) -> Option<Arc<CurrentUser>> {
        if !self.enabled {
            return None;
        }
        self.counted(lock(&self.users).get(&account_id, self.ttl))
    }

    /// The reader's filters, unless one of them has expired since they were read.
    pub fn filters(&self, account_id: i64, now: i64) -> Option<Arc<CachedFilters>> {
        if !self.enabled {
            return None;
        }
        let found = lock(&self.filters)
            .get(&account_id, self.ttl)
            .filter(|f| f.expires_at.is_none_or(|t| t > now));
        self.counted(found)
    }

    /// Stores a token's grant and its user read together with it.
    pub fn put_token(
        &self,
        ticket: Ticket,
        token_hash: &str,
        grant: Grant,
        user: Option<Arc<CurrentUser>>,
    ) {
        if !self.still(ticket) {
            return;
        }
        let weight = 256 + token_hash.len();
        lock(&self.tokens).put(token_hash.to_string(), grant, weight, self.ttl);
        if let Some(user) = user {
            self.put_user(ticket, user);
        }
    }

    pub fn put_user(&self, ticket: Ticket, user: Arc<CurrentUser>) {
        if !self.still(ticket) {
            return;
        }
        let weight = user_weight(&user);
        lock(&self.users).put(user.account.id, user, weight, self.ttl);
    }

    pub fn put_filters(&self, ticket: Ticket, account_id: i64, filters: Arc<CachedFilters>) {
        if !self.still(ticket) {
            return;
        }
        let weight = 128 + filters.active.weight();
        lock(&self.filters).put(account_id, filters, weight, self.ttl);
    }

    fn moved(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Drops what a commit (here or on another node) made stale.
    pub fn forget(&self, f: &Forget) {
        if f.is_empty() {
            return;
        }
        self.moved();
        if f.tokens {
            lock(&self.tokens).clear();
        }
        if !f.accounts.is_empty() {
            let mut users = lock(&self.users);
            for id in &f.accounts {
                users.remove(id);
            }
        }
        if !f.filters.is_empty() {
            let mut filters = lock(&self.filters);
            for id in &f.filters {
                filters.remove(id);
            }
        }
        self.moved();
    }

    /// Empties every shelf (a node that may have missed invalidations).
    pub fn clear(&self) {
        self.moved();
        lock(&self.tokens).clear();
        lock(&self.users).clear();
        lock(&self.filters).clear();
        self.moved();
    }

    /// Entries held and estimated bytes, per shelf (tokens, users, filters).
    pub fn sizes(&self) -> [(usize, usize); 3] {
        let t = lock(&self.tokens);
        let u = lock(&self.users);
        let f = lock(&self.filters);
        [
            (t.map.len(), t.bytes),
            (u.map.len(), u.bytes),
            (f.map.len(), f.bytes),
        ]
    }
}

fn user_weight(u: &CurrentUser) -> usize {
    let a = &u.account;
    let strings = a.username.len()
        + a.domain.len()
        + a.display_name.len()
        + a.note.len()
        + a.fields_json.len()
        + a.uri.len()
        + a.url.len()
        + a.avatar_file.len()
        + a.header_file.len()
        + u.user.email.len()
        + u.user.password_hash.len()
        + u.user.sign_up_reason.len();
    1024 + strings
}

/// For a write made outside a transaction: forgets what `change` made stale here, as a
/// commit would, then tells the other nodes.
pub async fn forget_everywhere(state: &crate::state::AppState, change: Change) {
    let f = Forget::of(std::slice::from_ref(&change));
    state.read_cache.forget(&f);
    if crate::services::cluster_events::enabled(state) {
        crate::services::cluster_events::publish_forget(state, &f).await;
    }
}

/// The payload that tells the other nodes what to forget.
pub fn payload(f: &Forget) -> Option<String> {
    serde_json::to_string(f)
        .ok()
        .map(|json| format!("{PAYLOAD_PREFIX}{json}"))
}

/// A [`Forget`] heard on the cluster channel (None for any other payload).
pub fn parse_payload(payload: &str) -> Option<Forget> {
    payload
        .strip_prefix(PAYLOAD_PREFIX)
        .and_then(|json| serde_json::from_str(json).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(mib: u64) -> ReadCache {
        ReadCache::new(&crate::config::CacheConfig {
            memory_mib: mib,
            ttl_seconds: 30,
        })
    }

    fn grant(account: i64) -> Grant {
        Grant {
            token_id: account,
            app_id: 1,
            account_id: Some(account),
            scopes: Scopes::parse("read").unwrap(),
        }
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_stored() {
        let c = cache(1);
        let before = c.ticket();
        c.forget(&Forget {
            tokens: true,
            ..Forget::default()
        });
        c.put_token(before, "h", grant(1), None);
        assert!(c.grant("h").is_none());
        let after = c.ticket();
        c.put_token(after, "h", grant(1), None);
        assert_eq!(c.grant("h").map(|g| g.account_id), Some(Some(1)));
    }

    #[test]
    fn a_shelf_stays_within_its_budget() {
        let mut s: Shelf<i64, i64> = Shelf::new(1000);
        let ttl = Duration::from_secs(30);
        for i in 0..100 {
            s.put(i, i, 100, ttl);
            assert!(s.bytes <= 1000, "{} bytes after {i}", s.bytes);
        }
        assert!(s.get(&99, ttl).is_some());
        s.put(1000, 0, 2000, ttl); // larger than the whole budget: not kept
        assert!(s.get(&1000, ttl).is_none());
    }

    #[test]
    fn zero_memory_turns_caching_off() {
        let c = cache(0);
        c.put_token(c.ticket(), "h", grant(1), None);
        assert!(c.grant("h").is_none());
    }

    #[test]
    fn the_payload_round_trips_and_ignores_others() {
        let f = Forget {
            accounts: vec![3],
            filters: vec![4],
            tokens: true,
            node: "n1".into(),
        };
        assert_eq!(parse_payload(&payload(&f).unwrap()), Some(f));
        assert_eq!(parse_payload("reload-settings"), None);
    }

    /// Every storage function that writes an account's row, its login or its tokens, and what
    /// keeps the caches right after it. A new writer fails this test until it is listed here
    /// (and its callers record the change): the caches must hear of every such write.
    #[test]
    fn every_writer_of_cached_rows_is_accounted_for() {
        const KNOWN: &[(&str, &str)] = &[
            (
                "account_security::empty_account",
                "AccountChanged, TokensRevoked",
            ),
            ("account_security::set_email", "AccountChanged"),
            ("account_security::set_noindex", "AccountChanged"),
            ("accounts::bump", "counters: never read from the cache"),
            ("accounts::confirm_by_token", "forget_everywhere"),
            ("accounts::set_confirmation_token", "columns not cached"),
            (
                "accounts::set_last_status_at",
                "counters: never read from the cache",
            ),
            ("accounts::set_password", "AccountChanged"),
            ("accounts::set_reset_token", "columns not cached"),
            (
                "accounts::status_posted",
                "counters: never read from the cache",
            ),
            ("accounts::swap_image_file", "AccountChanged"),
            ("accounts::update_posting_defaults", "AccountChanged"),
            ("accounts::update_profile", "AccountChanged"),
            ("audiences::set_locked", "AccountChanged"),
            ("federation::clear_suspension_origin", "AccountChanged"),
            ("federation::sanction_domain", "remote accounts only"),
            ("federation::set_aliases", "AccountChanged"),
            ("federation::set_attribution_domains", "AccountChanged"),
            ("federation::set_hide_collections", "AccountChanged"),
            ("federation::set_moved", "AccountChanged"),
            ("federation::set_remote_suspension", "remote accounts only"),
            ("federation::unsanction_domain", "remote accounts only"),
            ("moderation::revoke_tokens", "TokensRevoked"),
            ("moderation::set_account_flag", "AccountChanged"),
            ("moderation::set_user_approved", "AccountChanged"),
            ("moderation::set_user_disabled", "AccountChanged"),
            ("oauth::revoke_account_tokens", "TokensRevoked"),
            ("oauth::revoke_token", "forget_everywhere"),
            ("web_settings::revoke_app", "forget_everywhere"),
            ("web_settings::set_locale", "AccountChanged"),
        ];
        let writes = [
            "UPDATE accounts",
            "DELETE FROM accounts",
            "UPDATE users",
            "DELETE FROM users",
            "UPDATE oauth_tokens",
            "DELETE FROM oauth_tokens",
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/storage");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let module = path.file_stem().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut current = String::new();
            for line in text.lines() {
                if let Some(rest) = line.trim_start().strip_prefix("pub async fn ") {
                    current = rest.split(['<', '(']).next().unwrap_or("").to_string();
                }
                if writes.iter().any(|w| line.contains(w)) {
                    let name = format!("{module}::{current}");
                    if !found.contains(&name) {
                        found.push(name);
                    }
                }
            }
        }
        found.sort();
        let known: Vec<String> = KNOWN.iter().map(|(n, _)| n.to_string()).collect();
        let unlisted: Vec<&String> = found.iter().filter(|n| !known.contains(n)).collect();
        assert!(
            unlisted.is_empty(),
            "these storage functions write cached rows: say in KNOWN how the caches hear of \
             them: {unlisted:?}"
        );
    }
}
