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
//! - `accounts`: any account's row (local or remote, counters included) as a page's authors
//!   and mentions need it, by id. Dropped by [`Change::AccountChanged`], which every write to
//!   an account's row records (the counters' writers record it themselves), and emptied by
//!   [`Change::DomainAccountsChanged`] (a domain's sanction touches all of its accounts).
//! - `parts`: a status's mentions and tags, by status id. They change only when the status is
//!   edited ([`Change::StatusEdited`]) or deleted.
//! - `domains`: the domain block (or none) that covers a domain, as every inbox POST, actor
//!   fetch and delivery asks. Emptied by [`Change::DomainBlocksChanged`].
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
//! - The budget (`cache.memory_mib`) is shared by the shelves by estimated bytes; a full shelf
//!   drops its expired entries, then everything, and fills again.
//! - Visibility, blocks and mutes are never cached: they are read with every page. Neither are
//!   a status's own row (its counts move with every favourite), its media (processed and
//!   fetched after the status exists) or its poll (votes).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::http::auth::CurrentUser;
use crate::scopes::Scopes;
use crate::storage::accounts::AccountRow;
use crate::storage::moderation::DomainBlockRow;
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

/// A status's mentions (account ids) and tag names.
#[derive(Debug, Default)]
pub struct StatusParts {
    pub mentions: Vec<i64>,
    pub tags: Vec<String>,
}

/// Proof of the epoch a reader saw before reading the database.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

struct Entry<V> {
    value: V,
    at: Instant,
    weight: usize,
}

/// How many keys a shelf remembers as forgotten before it forgets them all at once (and then
/// refuses every read that started before that moment).
const FORGOTTEN_MAX: usize = 4096;

struct Shelf<K, V> {
    map: HashMap<K, Entry<V>>,
    bytes: usize,
    budget: usize,
    /// The epoch at which each recently invalidated key was dropped: a read that started
    /// before it may hold the old row and is not stored.
    forgotten: HashMap<K, u64>,
    /// Reads that started before this epoch are not stored at all (the shelf was emptied, or
    /// `forgotten` overflowed).
    floor: u64,
}

impl<K: Eq + Hash, V: Clone> Shelf<K, V> {
    fn new(budget: usize) -> Self {
        Shelf {
            map: HashMap::new(),
            bytes: 0,
            budget,
            forgotten: HashMap::new(),
            floor: 0,
        }
    }

    /// Whether what a reader holding `ticket` read of `key` may be stored.
    fn admits(&self, key: &K, ticket: Ticket) -> bool {
        ticket.0 >= self.floor && self.forgotten.get(key).is_none_or(|at| *at <= ticket.0)
    }

    /// Drops `key` at `epoch`, and refuses the reads of it that started before.
    fn forget(&mut self, key: K, epoch: u64) {
        self.remove(&key);
        if self.forgotten.len() >= FORGOTTEN_MAX {
            self.forgotten.clear();
            self.floor = epoch;
        }
        self.forgotten.insert(key, epoch);
    }

    /// Empties the shelf at `epoch`, refusing every read that started before.
    fn clear_at(&mut self, epoch: u64) {
        self.clear();
        self.forgotten.clear();
        self.floor = epoch;
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

    /// The entries it has among `keys`, and the keys it lacks.
    fn get_many(&self, keys: &[K], ttl: Duration) -> (HashMap<K, V>, Vec<K>)
    where
        K: Copy,
    {
        let mut found = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match self.get(k, ttl) {
                Some(v) => {
                    found.insert(*k, v);
                }
                None => missing.push(*k),
            }
        }
        (found, missing)
    }

    fn put(&mut self, ticket: Ticket, key: K, value: V, weight: usize, ttl: Duration) {
        if weight > self.budget || !self.admits(&key, ticket) {
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
    accounts: Mutex<Shelf<i64, Arc<AccountRow>>>,
    parts: Mutex<Shelf<i64, Arc<StatusParts>>>,
    domains: Mutex<Shelf<String, Option<Arc<DomainBlockRow>>>>,
    pub stats: CacheStats,
}

/// The shelves' names, in the order [`ReadCache::sizes`] reports them.
pub const SHELVES: [&str; 6] = ["tokens", "users", "filters", "accounts", "parts", "domains"];

/// What one commit made stale, as sent to the other nodes.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forget {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<i64>,
    /// Statuses whose mentions and tags changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tokens: bool,
    /// Every cached account row (a domain's accounts changed together).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_accounts: bool,
    /// Every cached domain-block lookup.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub domain_blocks: bool,
    /// Everything (what to forget was too long to name in one message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
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
                Change::DomainAccountsChanged => f.all_accounts = true,
                Change::DomainBlocksChanged => f.domain_blocks = true,
                Change::StatusEdited(id) => f.statuses.push(*id),
                Change::StatusDeleted { status_id, .. } => f.statuses.push(*status_id),
                _ => {}
            }
        }
        // A post bumps its author's counters twice, a follow two accounts' once each.
        for ids in [&mut f.accounts, &mut f.filters, &mut f.statuses] {
            ids.sort_unstable();
            ids.dedup();
        }
        f
    }

    /// What `forgets` make stale together (a dispatcher's batch of commits).
    pub fn merged<'a>(forgets: impl IntoIterator<Item = &'a Forget>) -> Forget {
        let mut m = Forget::default();
        for f in forgets {
            m.accounts.extend(&f.accounts);
            m.filters.extend(&f.filters);
            m.statuses.extend(&f.statuses);
            m.tokens |= f.tokens;
            m.all_accounts |= f.all_accounts;
            m.domain_blocks |= f.domain_blocks;
            m.all |= f.all;
        }
        for ids in [&mut m.accounts, &mut m.filters, &mut m.statuses] {
            ids.sort_unstable();
            ids.dedup();
        }
        m
    }

    pub fn is_empty(&self) -> bool {
        !self.all
            && self.accounts.is_empty()
            && self.filters.is_empty()
            && self.statuses.is_empty()
            && !self.tokens
            && !self.all_accounts
            && !self.domain_blocks
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
        // Logins and accounts are the largest rows; a page's authors are many, its readers
        // few. Tokens and filters are small and few per reader.
        let sixteenth = budget / 16;
        let (tokens, users, filters, accounts, parts, domains) = (
            2 * sixteenth,
            4 * sixteenth,
            2 * sixteenth,
            6 * sixteenth,
            sixteenth,
            sixteenth,
        );
        ReadCache {
            enabled: budget > 0 && config.ttl_seconds > 0,
            ttl: Duration::from_secs(config.ttl_seconds),
            epoch: AtomicU64::new(0),
            tokens: Mutex::new(Shelf::new(tokens)),
            users: Mutex::new(Shelf::new(users)),
            filters: Mutex::new(Shelf::new(filters)),
            accounts: Mutex::new(Shelf::new(accounts)),
            parts: Mutex::new(Shelf::new(parts)),
            domains: Mutex::new(Shelf::new(domains)),
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

    fn counted_many(&self, hits: usize, misses: usize) {
        self.stats.hits.fetch_add(hits as u64, Ordering::Relaxed);
        self.stats
            .misses
            .fetch_add(misses as u64, Ordering::Relaxed);
    }

    /// The cached account rows among `ids`, and the ids it lacks.
    pub fn accounts(&self, ids: &[i64]) -> (HashMap<i64, Arc<AccountRow>>, Vec<i64>) {
        if !self.enabled {
            return (HashMap::new(), ids.to_vec());
        }
        let (found, missing) = lock(&self.accounts).get_many(ids, self.ttl);
        self.counted_many(found.len(), missing.len());
        (found, missing)
    }

    /// The cached parts among the statuses `ids`, and the ids it lacks.
    pub fn parts(&self, ids: &[i64]) -> (HashMap<i64, Arc<StatusParts>>, Vec<i64>) {
        if !self.enabled {
            return (HashMap::new(), ids.to_vec());
        }
        let (found, missing) = lock(&self.parts).get_many(ids, self.ttl);
        self.counted_many(found.len(), missing.len());
        (found, missing)
    }

    pub fn put_accounts(&self, ticket: Ticket, rows: &[Arc<AccountRow>]) {
        if !self.enabled || rows.is_empty() {
            return;
        }
        let mut shelf = lock(&self.accounts);
        for row in rows {
            let weight = 512 + account_bytes(row);
            shelf.put(ticket, row.id, row.clone(), weight, self.ttl);
        }
    }

    pub fn put_parts(&self, ticket: Ticket, parts: &[(i64, Arc<StatusParts>)]) {
        if !self.enabled || parts.is_empty() {
            return;
        }
        let mut shelf = lock(&self.parts);
        for (id, p) in parts {
            let weight =
                96 + 8 * p.mentions.len() + p.tags.iter().map(|t| 32 + t.len()).sum::<usize>();
            shelf.put(ticket, *id, p.clone(), weight, self.ttl);
        }
    }

    /// The domain block covering `domain` (normalised), if the shelf has the answer.
    pub fn domain_block(&self, domain: &str) -> Option<Option<Arc<DomainBlockRow>>> {
        if !self.enabled {
            return None;
        }
        self.counted(lock(&self.domains).get(domain, self.ttl))
    }

    pub fn put_domain_block(
        &self,
        ticket: Ticket,
        domain: &str,
        block: Option<Arc<DomainBlockRow>>,
    ) {
        if !self.enabled {
            return;
        }
        let weight = 128 + domain.len() + block.as_ref().map_or(0, |b| 256 + b.domain.len());
        lock(&self.domains).put(ticket, domain.to_string(), block, weight, self.ttl);
    }

    /// Taken before reading what will be stored.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::SeqCst))
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
        if !self.enabled {
            return;
        }
        let weight = 256 + token_hash.len();
        lock(&self.tokens).put(ticket, token_hash.to_string(), grant, weight, self.ttl);
        if let Some(user) = user {
            self.put_user(ticket, user);
        }
    }

    pub fn put_user(&self, ticket: Ticket, user: Arc<CurrentUser>) {
        if !self.enabled {
            return;
        }
        let weight = user_weight(&user);
        lock(&self.users).put(ticket, user.account.id, user, weight, self.ttl);
    }

    pub fn put_filters(&self, ticket: Ticket, account_id: i64, filters: Arc<CachedFilters>) {
        if !self.enabled {
            return;
        }
        let weight = 128 + filters.active.weight();
        lock(&self.filters).put(ticket, account_id, filters, weight, self.ttl);
    }

    /// A new epoch: every ticket taken before it is older.
    fn next_epoch(&self) -> u64 {
        self.epoch.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Drops what a commit (here or on another node) made stale. Only the reads of the
    /// dropped keys that started before now are refused; other reads are stored as usual.
    pub fn forget(&self, f: &Forget) {
        if f.is_empty() {
            return;
        }
        if f.all {
            self.clear();
            return;
        }
        let at = self.next_epoch();
        fn each(shelf: &Mutex<Shelf<i64, impl Clone>>, ids: &[i64], at: u64) {
            if !ids.is_empty() {
                let mut shelf = lock(shelf);
                for id in ids {
                    shelf.forget(*id, at);
                }
            }
        }
        if f.tokens {
            lock(&self.tokens).clear_at(at);
        }
        each(&self.users, &f.accounts, at);
        if f.all_accounts {
            lock(&self.accounts).clear_at(at);
        } else {
            each(&self.accounts, &f.accounts, at);
        }
        each(&self.parts, &f.statuses, at);
        each(&self.filters, &f.filters, at);
        if f.domain_blocks {
            lock(&self.domains).clear_at(at);
        }
    }

    /// Empties every shelf (a node that may have missed invalidations).
    pub fn clear(&self) {
        let at = self.next_epoch();
        lock(&self.tokens).clear_at(at);
        lock(&self.users).clear_at(at);
        lock(&self.filters).clear_at(at);
        lock(&self.accounts).clear_at(at);
        lock(&self.parts).clear_at(at);
        lock(&self.domains).clear_at(at);
    }

    /// Entries held and estimated bytes, per shelf (in the order of [`SHELVES`]).
    pub fn sizes(&self) -> [(usize, usize); 6] {
        fn size<K, V>(s: &Mutex<Shelf<K, V>>) -> (usize, usize) {
            let s = lock(s);
            (s.map.len(), s.bytes)
        }
        [
            size(&self.tokens),
            size(&self.users),
            size(&self.filters),
            size(&self.accounts),
            size(&self.parts),
            size(&self.domains),
        ]
    }
}

fn account_bytes(a: &AccountRow) -> usize {
    a.username.len()
        + a.domain.len()
        + a.display_name.len()
        + a.note.len()
        + a.fields_json.len()
        + a.uri.len()
        + a.url.len()
        + a.avatar_file.len()
        + a.header_file.len()
}

fn user_weight(u: &CurrentUser) -> usize {
    1024 + account_bytes(&u.account)
        + u.user.email.len()
        + u.user.password_hash.len()
        + u.user.sign_up_reason.len()
}

/// Account rows by id for rendering: from the shelf where it has them, one query for the rest.
pub async fn accounts(
    state: &crate::state::AppState,
    ids: &[i64],
) -> AppResult<HashMap<i64, Arc<AccountRow>>> {
    let cache = &state.read_cache;
    let (mut found, missing) = cache.accounts(ids);
    if !missing.is_empty() {
        let ticket = cache.ticket();
        let rows: Vec<Arc<AccountRow>> =
            crate::storage::accounts::accounts_by_ids(&state.db.pool, &missing)
                .await?
                .into_iter()
                .map(Arc::new)
                .collect();
        cache.put_accounts(ticket, &rows);
        found.extend(rows.into_iter().map(|a| (a.id, a)));
    }
    Ok(found)
}

/// Statuses' mentions and tags by status id (every id has an entry, empty when it has none).
pub async fn status_parts(
    state: &crate::state::AppState,
    ids: &[i64],
) -> AppResult<HashMap<i64, Arc<StatusParts>>> {
    let cache = &state.read_cache;
    let (mut found, missing) = cache.parts(ids);
    if !missing.is_empty() {
        let ticket = cache.ticket();
        let (mention_rows, tag_rows) =
            crate::storage::statuses::mentions_and_tags_of(&state.db.pool, &missing).await?;
        let mut read: HashMap<i64, StatusParts> = missing
            .iter()
            .map(|id| (*id, StatusParts::default()))
            .collect();
        for (status, account) in mention_rows {
            if let Some(p) = read.get_mut(&status) {
                p.mentions.push(account);
            }
        }
        for (status, name) in tag_rows {
            if let Some(p) = read.get_mut(&status) {
                p.tags.push(name);
            }
        }
        let read: Vec<(i64, Arc<StatusParts>)> =
            read.into_iter().map(|(id, p)| (id, Arc::new(p))).collect();
        cache.put_parts(ticket, &read);
        found.extend(read);
    }
    Ok(found)
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

/// PostgreSQL refuses a notification payload of 8,000 bytes or more.
const PAYLOAD_MAX: usize = 7_900;

/// The payload that tells the other nodes what to forget; one too long for a notification
/// (a domain's suspension severing a thousand follows names every account involved) tells
/// them to forget everything instead.
pub fn payload(f: &Forget) -> Option<String> {
    let json = serde_json::to_string(f).ok()?;
    if PAYLOAD_PREFIX.len() + json.len() <= PAYLOAD_MAX {
        return Some(format!("{PAYLOAD_PREFIX}{json}"));
    }
    let everything = Forget {
        all: true,
        node: f.node.clone(),
        ..Forget::default()
    };
    serde_json::to_string(&everything)
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
            s.put(Ticket(0), i, i, 100, ttl);
            assert!(s.bytes <= 1000, "{} bytes after {i}", s.bytes);
        }
        assert!(s.get(&99, ttl).is_some());
        s.put(Ticket(0), 1000, 0, 2000, ttl); // larger than the whole budget: not kept
        assert!(s.get(&1000, ttl).is_none());
    }

    #[test]
    fn only_the_forgotten_key_refuses_older_reads() {
        let c = cache(1);
        let before = c.ticket();
        c.forget(&Forget {
            accounts: vec![1],
            ..Forget::default()
        });
        let row = |id: i64| {
            Arc::new(AccountRow {
                id,
                ..AccountRow::default()
            })
        };
        c.put_accounts(before, &[row(1), row(2)]);
        let (found, missing) = c.accounts(&[1, 2]);
        assert_eq!(missing, [1], "the read of 1 raced its invalidation");
        assert!(found.contains_key(&2), "2 was not invalidated: kept");
        c.put_accounts(c.ticket(), &[row(1)]);
        assert!(
            c.accounts(&[1]).1.is_empty(),
            "a read after the commit is kept"
        );
        // Past FORGOTTEN_MAX keys the shelf forgets them all and refuses every older read.
        let before = c.ticket();
        c.forget(&Forget {
            accounts: (100..100 + FORGOTTEN_MAX as i64 + 1).collect(),
            ..Forget::default()
        });
        c.put_accounts(before, &[row(3)]);
        assert_eq!(c.accounts(&[3]).1, [3]);
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
            statuses: vec![5],
            tokens: true,
            all_accounts: true,
            domain_blocks: true,
            all: false,
            node: "n1".into(),
        };
        assert_eq!(parse_payload(&payload(&f).unwrap()), Some(f));
        assert_eq!(parse_payload("reload-settings"), None);
        // Too many ids for one notification: the other nodes forget everything.
        let long = Forget {
            accounts: (0..2000).map(|i| 117_000_000_000_000_000 + i).collect(),
            node: "n1".into(),
            ..Forget::default()
        };
        let sent = payload(&long).unwrap();
        assert!(sent.len() < 8000, "{} bytes", sent.len());
        let heard = parse_payload(&sent).unwrap();
        assert!(heard.all && heard.accounts.is_empty() && heard.node == "n1");
        let c = cache(1);
        c.put_accounts(
            c.ticket(),
            &[Arc::new(AccountRow {
                id: 5,
                ..AccountRow::default()
            })],
        );
        c.forget(&heard);
        assert_eq!(c.accounts(&[5]).1, [5], "everything was forgotten");
    }

    /// Every storage function that writes an account's row, its login, its tokens, a
    /// status's mentions and tags, or a domain block, and what keeps the caches right after it. A new writer
    /// fails this test until it is listed here (and its callers record the change): the
    /// caches must hear of every such write.
    #[test]
    fn every_writer_of_cached_rows_is_accounted_for() {
        const KNOWN: &[(&str, &str)] = &[
            (
                "account_security::empty_account",
                "AccountChanged, TokensRevoked",
            ),
            ("account_security::set_email", "AccountChanged"),
            ("account_security::set_noindex", "AccountChanged"),
            ("accounts::bump", "records AccountChanged itself"),
            ("accounts::confirm_by_token", "forget_everywhere"),
            ("accounts::insert_local", "a new row: nothing cached yet"),
            ("accounts::set_confirmation_token", "columns not cached"),
            (
                "accounts::set_last_status_at",
                "records AccountChanged itself",
            ),
            ("accounts::set_password", "AccountChanged"),
            ("accounts::set_reset_token", "columns not cached"),
            ("accounts::status_posted", "records AccountChanged itself"),
            ("accounts::swap_image_file", "AccountChanged"),
            ("accounts::update_posting_defaults", "AccountChanged"),
            ("accounts::update_profile", "AccountChanged"),
            ("audiences::set_locked", "AccountChanged"),
            ("federation::clear_suspension_origin", "AccountChanged"),
            ("federation::sanction_domain", "DomainAccountsChanged"),
            ("federation::set_aliases", "AccountChanged"),
            ("federation::set_attribution_domains", "AccountChanged"),
            ("federation::set_hide_collections", "AccountChanged"),
            ("federation::set_moved", "AccountChanged"),
            (
                "federation::set_remote_suspension",
                "AccountChanged (store_actor)",
            ),
            ("federation::unsanction_domain", "DomainAccountsChanged"),
            ("federation::upsert_remote", "AccountChanged (store_actor)"),
            ("moderation::delete_domain_block", "DomainBlocksChanged"),
            ("moderation::insert_domain_block", "DomainBlocksChanged"),
            ("moderation::revoke_tokens", "TokensRevoked"),
            ("moderation::set_account_flag", "AccountChanged"),
            ("moderation::set_user_approved", "AccountChanged"),
            ("moderation::set_user_disabled", "AccountChanged"),
            ("moderation::update_domain_block", "DomainBlocksChanged"),
            ("oauth::revoke_account_tokens", "TokensRevoked"),
            ("oauth::revoke_token", "forget_everywhere"),
            (
                "proposals::insert_coop_account",
                "a new row: nothing cached yet",
            ),
            ("statuses::delete_mentions", "StatusEdited (edits only)"),
            ("statuses::delete_status_tags", "StatusEdited (edits only)"),
            (
                "statuses::insert_mention",
                "StatusEdited on edits; a new status was never read",
            ),
            (
                "statuses::insert_status_tag",
                "StatusEdited on edits; a new status was never read",
            ),
            ("web_settings::revoke_app", "forget_everywhere"),
            ("web_settings::set_locale", "AccountChanged"),
        ];
        let writes = [
            "INSERT INTO accounts",
            "UPDATE accounts",
            "DELETE FROM accounts",
            "INTO mentions",
            "DELETE FROM mentions",
            "INTO status_tags",
            "DELETE FROM status_tags",
            "INTO domain_blocks",
            "UPDATE domain_blocks",
            "DELETE FROM domain_blocks",
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
        let stale: Vec<&String> = known.iter().filter(|n| !found.contains(n)).collect();
        assert!(
            stale.is_empty(),
            "KNOWN lists writers that no longer exist: {stale:?}"
        );
        assert!(
            unlisted.is_empty(),
            "these storage functions write cached rows: say in KNOWN how the caches hear of \
             them: {unlisted:?}"
        );
    }
}
