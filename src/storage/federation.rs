//! Federation tables: signing keys, remote actors, processed inbox activities, follow ids,
//! and the lookups delivery needs (remote followers' inboxes).

use sqlx::{Any, Executor, FromRow};

use super::accounts::AccountRow;
use super::query::Sql;

#[derive(Debug, Clone, FromRow)]
pub struct KeyRow {
    pub public_key_pem: String,
    pub private_key_pem: String,
}

pub async fn key<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: &str,
) -> sqlx::Result<Option<KeyRow>> {
    sqlx::query_as("SELECT public_key_pem, private_key_pem FROM actor_keys WHERE owner = $1")
        .bind(owner)
        .fetch_optional(db)
        .await
}

/// Stores a key unless one exists (two first uses racing keep the first).
pub async fn insert_key<'e, E: Executor<'e, Database = Any>>(
    db: E,
    owner: &str,
    public_pem: &str,
    private_pem: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO actor_keys (owner, public_key_pem, private_key_pem, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (owner) DO NOTHING",
    )
    .bind(owner)
    .bind(public_pem)
    .bind(private_pem)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct RemoteActorRow {
    pub account_id: i64,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub followers: Option<String>,
    pub outbox: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub avatar_url: Option<String>,
    pub fetched_at: i64,
}

const REMOTE_COLUMNS: &str = "account_id, inbox, shared_inbox, followers, outbox, key_id, \
     public_key_pem, avatar_url, fetched_at";

pub async fn remote_actor<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<RemoteActorRow>> {
    sqlx::query_as(&format!(
        "SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE account_id = $1"
    ))
    .bind(account_id)
    .fetch_optional(db)
    .await
}

pub async fn remote_actor_by_key<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key_id: &str,
) -> sqlx::Result<Option<RemoteActorRow>> {
    sqlx::query_as(&format!(
        "SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE key_id = $1"
    ))
    .bind(key_id)
    .fetch_optional(db)
    .await
}

/// The inbox's hot path in one statement: the account owning a key id and the key's stored
/// PEM (what `remote_actor_by_key` then `account_by_id` would read).
pub async fn signer_by_key<'e, E: Executor<'e, Database = Any>>(
    db: E,
    key_id: &str,
) -> sqlx::Result<Option<(AccountRow, String)>> {
    #[derive(FromRow)]
    struct Signer {
        #[sqlx(flatten)]
        account: AccountRow,
        key_pem: String,
    }
    let row: Option<Signer> = sqlx::query_as(&format!(
        "SELECT {}, r.public_key_pem AS key_pem FROM remote_actors r \
         JOIN accounts ON accounts.id = r.account_id WHERE r.key_id = $1",
        super::accounts::ACCOUNT_COLUMNS
            .split(',')
            .map(|c| format!("accounts.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(key_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|s| (s.account, s.key_pem)))
}

/// For an incoming note, in one statement: whether its URI is already a status or a
/// tombstone (then it is not stored again), and whether any local account follows `author`
/// (without one, nobody's home feed takes it and no fan-out job is needed).
pub async fn note_lookup<'e, E: Executor<'e, Database = Any>>(
    db: E,
    uri: &str,
    author: i64,
) -> sqlx::Result<(bool, bool)> {
    let (known, followed): (i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM tombstones WHERE uri = $1) + (SELECT COUNT(*) FROM statuses WHERE uri = $1), \
           (SELECT COUNT(*) FROM (SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id \
                                   WHERE f.target_account_id = $2 AND a.domain = '' LIMIT 1) x)",
    )
    .bind(uri)
    .bind(author)
    .fetch_one(db)
    .await?;
    Ok((known > 0, followed > 0))
}

pub async fn account_by_uri<'e, E: Executor<'e, Database = Any>>(
    db: E,
    uri: &str,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM accounts WHERE uri = $1",
        super::accounts::ACCOUNT_COLUMNS
    ))
    .bind(uri)
    .fetch_optional(db)
    .await
}

pub async fn remote_account_by_acct<'e, E: Executor<'e, Database = Any>>(
    db: E,
    username: &str,
    domain: &str,
) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM accounts WHERE username_lower = $1 AND domain = $2",
        super::accounts::ACCOUNT_COLUMNS
    ))
    .bind(username.to_lowercase())
    .bind(domain.to_lowercase())
    .fetch_optional(db)
    .await
}

/// What a fetched actor document says, ready to store.
pub struct RemoteActor<'a> {
    pub uri: &'a str,
    pub url: &'a str,
    pub username: &'a str,
    pub domain: &'a str,
    pub display_name: &'a str,
    pub note: &'a str,
    pub actor_type: &'a str,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub inbox: &'a str,
    pub shared_inbox: Option<&'a str>,
    pub followers: Option<&'a str>,
    pub outbox: Option<&'a str>,
    pub key_id: &'a str,
    pub public_key_pem: &'a str,
    pub avatar_url: Option<&'a str>,
    pub header_url: Option<&'a str>,
}

/// Inserts or refreshes a remote account (by its URI) and its endpoints; returns its id.
pub async fn upsert_remote(
    conn: &mut sqlx::AnyConnection,
    new_id: i64,
    a: &RemoteActor<'_>,
    now: i64,
) -> sqlx::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO accounts (id, username, username_lower, domain, display_name, note, actor_type, locked, bot, \
         discoverable, uri, url, created_at, updated_at, avatar_remote_url, header_remote_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15) \
         ON CONFLICT (uri) DO UPDATE SET display_name = $5, note = $6, actor_type = $7, locked = $8, bot = $9, \
         discoverable = $10, url = $12, updated_at = $13, avatar_remote_url = $14, header_remote_url = $15 RETURNING id",
    )
    .bind(new_id)
    .bind(a.username)
    .bind(a.username.to_lowercase())
    .bind(a.domain)
    .bind(a.display_name)
    .bind(a.note)
    .bind(a.actor_type)
    .bind(super::flag(a.locked))
    .bind(super::flag(a.bot))
    .bind(super::flag(a.discoverable))
    .bind(a.uri)
    .bind(a.url)
    .bind(now)
    .bind(a.avatar_url.unwrap_or(""))
    .bind(a.header_url.unwrap_or(""))
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO remote_actors (account_id, inbox, shared_inbox, followers, outbox, key_id, public_key_pem, avatar_url, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (account_id) DO UPDATE SET inbox = $2, shared_inbox = $3, followers = $4, outbox = $5, \
         key_id = $6, public_key_pem = $7, avatar_url = $8, fetched_at = $9",
    )
    .bind(id)
    .bind(a.inbox)
    .bind(a.shared_inbox)
    .bind(a.followers)
    .bind(a.outbox)
    .bind(a.key_id)
    .bind(a.public_key_pem)
    .bind(a.avatar_url)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Records an inbox activity id; false when it was already processed.
pub async fn remember_activity<'e, E: Executor<'e, Database = Any>>(
    db: E,
    activity_id: &str,
    actor: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO inbox_activities (activity_id, actor, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(activity_id)
    .bind(actor)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Records several inbox activity ids (`(activity id, actor)`) in one statement; returns the
/// ids that were new (a replay, or a second copy in the same list, is not).
pub async fn remember_activities(
    conn: &mut sqlx::AnyConnection,
    activities: &[(&str, &str)],
    now: i64,
) -> sqlx::Result<Vec<String>> {
    let mut fresh = Vec::new();
    for chunk in activities.chunks(200) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
            .collect();
        let sql = format!(
            "INSERT INTO inbox_activities (activity_id, actor, received_at) VALUES {} \
             ON CONFLICT DO NOTHING RETURNING activity_id",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String,)>(&sql);
        for (id, actor) in chunk {
            q = q.bind(*id).bind(*actor).bind(now);
        }
        fresh.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|r| r.0));
    }
    Ok(fresh)
}

/// Whether a status URI was deleted (a late Create must not bring it back).
pub async fn tombstoned<'e, E: Executor<'e, Database = Any>>(
    db: E,
    uri: &str,
) -> sqlx::Result<bool> {
    let row: Option<(String,)> = sqlx::query_as("SELECT uri FROM tombstones WHERE uri = $1")
        .bind(uri)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

pub async fn insert_tombstone<'e, E: Executor<'e, Database = Any>>(
    db: E,
    uri: &str,
    account_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO tombstones (uri, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(uri)
        .bind(account_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn status_id_by_uri<'e, E: Executor<'e, Database = Any>>(
    db: E,
    uri: &str,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM statuses WHERE uri = $1")
        .bind(uri)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.0))
}

/// Sets the Follow activity id on a follow (`follows`) or request (`follow_requests`).
pub async fn set_follow_uri<'e, E: Executor<'e, Database = Any>>(
    db: E,
    requests: bool,
    follower: i64,
    target: i64,
    uri: &str,
) -> sqlx::Result<()> {
    let table = if requests {
        "follow_requests"
    } else {
        "follows"
    };
    sqlx::query(&format!(
        "UPDATE {table} SET uri = $1 WHERE account_id = $2 AND target_account_id = $3"
    ))
    .bind(uri)
    .bind(follower)
    .bind(target)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn follow_uri<'e, E: Executor<'e, Database = Any>>(
    db: E,
    requests: bool,
    follower: i64,
    target: i64,
) -> sqlx::Result<Option<String>> {
    let table = if requests {
        "follow_requests"
    } else {
        "follows"
    };
    let row: Option<(Option<String>,)> = sqlx::query_as(&format!(
        "SELECT uri FROM {table} WHERE account_id = $1 AND target_account_id = $2"
    ))
    .bind(follower)
    .bind(target)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| r.0))
}

/// (follower, target) of the follow or request made by the Follow activity `uri`.
pub async fn follow_by_uri<'e, E: Executor<'e, Database = Any>>(
    db: E,
    requests: bool,
    uri: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    let table = if requests {
        "follow_requests"
    } else {
        "follows"
    };
    sqlx::query_as(&format!(
        "SELECT account_id, target_account_id FROM {table} WHERE uri = $1"
    ))
    .bind(uri)
    .fetch_optional(db)
    .await
}

/// The distinct inboxes of an account's remote followers (a server's shared inbox once).
pub async fn follower_inboxes<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM follows f \
         JOIN remote_actors r ON r.account_id = f.account_id WHERE f.target_account_id = $1",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Whether any remote account follows `account_id` (so its posts have somewhere to go).
pub async fn has_remote_followers<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT f.account_id FROM follows f JOIN remote_actors r ON r.account_id = f.account_id \
         WHERE f.target_account_id = $1 LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// The inbox to reach one remote account personally (shared inbox unless `personal`).
pub async fn inboxes_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_ids: &[i64],
) -> sqlx::Result<Vec<(i64, String, Option<String>)>> {
    let mut sql =
        Sql::new("SELECT account_id, inbox, shared_inbox FROM remote_actors WHERE account_id IN (");
    let list = sql.ints(account_ids);
    sql.push(&list);
    sql.push(")");
    sql.query_as().fetch_all(db).await
}

/// Statuses of an account, newest first, for the outbox (public and unlisted only), paged by
/// status id.
pub async fn outbox_page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    page: &crate::paging::Page,
) -> sqlx::Result<Vec<super::statuses::StatusRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {} FROM statuses s WHERE s.visibility IN ('public', 'unlisted') \
         AND s.local_only = 0 AND s.account_id = ",
        super::statuses::COLUMNS
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    super::paging::bound(&mut sql, "s.id", page);
    let rows = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

pub async fn count_outbox<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM statuses WHERE account_id = $1 AND visibility IN ('public', 'unlisted') AND local_only = 0",
    )
    .bind(account_id)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// NodeInfo usage: local users and local statuses.
pub async fn usage<'e, E: Executor<'e, Database = Any> + Copy>(db: E) -> sqlx::Result<(i64, i64)> {
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?;
    let (posts,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM statuses WHERE local = 1 AND reblog_of_id IS NULL")
            .fetch_one(db)
            .await?;
    Ok((users, posts))
}

/// Every status of an account (for Delete of an actor).
pub async fn statuses_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<super::statuses::StatusRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM statuses s WHERE s.account_id = $1 ORDER BY s.id DESC",
        super::statuses::COLUMNS
    ))
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// An account's pinned statuses, newest pin first.
pub async fn pinned_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<(i64,)>> {
    sqlx::query_as(
        "SELECT status_id FROM status_pins WHERE account_id = $1 ORDER BY id DESC LIMIT 20",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

// ---------------------------------------------------------------------------------------
// Domain sanctions on accounts (a domain block marks every account of the domain, stamped
// with the block's `created_at`, so lifting it clears exactly what it set, as Mastodon does).

/// SQL condition: `accounts.domain` is `$1` or one of its subdomains.
const IN_DOMAIN: &str = "(domain = $1 OR domain LIKE '%.' || $1)";

/// Marks the accounts of a domain suspended (`suspend`) or silenced at `stamp`, leaving
/// accounts already sanctioned as they are.
pub async fn sanction_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
    suspend: bool,
    stamp: i64,
) -> sqlx::Result<()> {
    let col = if suspend {
        "suspended_at"
    } else {
        "silenced_at"
    };
    sqlx::query(&format!(
        "UPDATE accounts SET {col} = $2 WHERE {IN_DOMAIN} AND domain <> '' AND {col} IS NULL"
    ))
    .bind(domain)
    .bind(stamp)
    .execute(db)
    .await?;
    Ok(())
}

/// Lifts what `sanction_domain` set at `stamp` (both kinds).
pub async fn unsanction_domain(
    db: &mut sqlx::AnyConnection,
    domain: &str,
    stamp: i64,
) -> sqlx::Result<()> {
    for col in ["suspended_at", "silenced_at"] {
        sqlx::query(&format!(
            "UPDATE accounts SET {col} = NULL WHERE {IN_DOMAIN} AND domain <> '' AND {col} = $2"
        ))
        .bind(domain)
        .bind(stamp)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Every follow (follower, followed) with one side on the domain.
pub async fn follows_with_domain<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(&format!(
        "SELECT f.account_id, f.target_account_id FROM follows f WHERE \
         f.account_id IN (SELECT id FROM accounts WHERE {IN_DOMAIN} AND domain <> '') \
         OR f.target_account_id IN (SELECT id FROM accounts WHERE {IN_DOMAIN} AND domain <> '')"
    ))
    .bind(domain)
    .fetch_all(db)
    .await
}

/// Sets or clears a remote-origin suspension (an account's own server says it is suspended).
/// A suspension made here (origin NULL) is never touched.
pub async fn set_remote_suspension<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    suspended: bool,
    now: i64,
) -> sqlx::Result<()> {
    let sql = if suspended {
        "UPDATE accounts SET suspended_at = $2, suspension_origin = 'remote' \
         WHERE id = $1 AND suspended_at IS NULL"
    } else {
        "UPDATE accounts SET suspended_at = NULL, suspension_origin = NULL \
         WHERE id = $1 AND suspension_origin = 'remote' AND $2 >= 0"
    };
    sqlx::query(sql)
        .bind(account_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// A moderator's suspension here takes over from a remote-origin one.
pub async fn clear_suspension_origin<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET suspension_origin = NULL WHERE id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Remote accounts following a local account (follower id, the follow's activity id).
pub async fn remote_follows_by<'e, E: Executor<'e, Database = Any>>(
    db: E,
    remote_account_id: i64,
) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    sqlx::query_as(
        "SELECT f.target_account_id, f.uri FROM follows f JOIN accounts t ON t.id = f.target_account_id \
         WHERE f.account_id = $1 AND t.domain = ''",
    )
    .bind(remote_account_id)
    .fetch_all(db)
    .await
}

/// Every inbox that knows a local account: its remote followers' and the accounts it follows
/// (shared inboxes once).
pub async fn reach_inboxes<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM remote_actors r WHERE r.account_id IN \
         (SELECT account_id FROM follows WHERE target_account_id = $1 \
          UNION SELECT target_account_id FROM follows WHERE account_id = $1)",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// ---------------------------------------------------------------------------------------
// Delivery health: failures by host and day, unavailable hosts.

/// A host's circuit: (consecutive failures, skipped until), or None when it has no failure
/// recorded since its last success.
pub async fn host_circuit<'e, E: Executor<'e, Database = Any>>(
    db: E,
    host: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as("SELECT failures, open_until FROM host_circuits WHERE host = $1")
        .bind(host)
        .fetch_optional(db)
        .await
}

/// Counts a failed delivery to `host`: at `threshold` consecutive failures (and on every one
/// beyond) the circuit opens until `open_until`. Returns the consecutive failures.
pub async fn circuit_failed(
    conn: &mut sqlx::AnyConnection,
    host: &str,
    threshold: i64,
    open_until: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO host_circuits (host, failures, open_until) \
         VALUES ($1, 1, CASE WHEN 1 >= $2 THEN $3 ELSE 0 END) \
         ON CONFLICT (host) DO UPDATE SET failures = host_circuits.failures + 1, \
         open_until = CASE WHEN host_circuits.failures + 1 >= $2 THEN $3 \
         ELSE host_circuits.open_until END \
         RETURNING failures",
    )
    .bind(host)
    .bind(threshold)
    .bind(open_until)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

/// Takes the one trial delivery of an open circuit whose cool-down has passed (`now`): the
/// circuit stays open until `open_until` for every other delivery, on every node, while the
/// trial decides. False when another delivery took it first.
pub async fn take_trial<'e, E: Executor<'e, Database = Any>>(
    db: E,
    host: &str,
    now: i64,
    open_until: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE host_circuits SET open_until = $3 WHERE host = $1 AND open_until <= $2",
    )
    .bind(host)
    .bind(now)
    .bind(open_until)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// (hosts whose circuit is open at `now`, hosts marked unavailable).
pub async fn host_health_counts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    threshold: i64,
    now: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM host_circuits WHERE failures >= $1 AND open_until > $2), \
         (SELECT COUNT(*) FROM unavailable_domains)",
    )
    .bind(threshold)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Records a failed delivery to `domain` on `day`; returns the distinct failing days known.
pub async fn record_failure(
    conn: &mut sqlx::AnyConnection,
    domain: &str,
    day: i64,
) -> sqlx::Result<i64> {
    sqlx::query(
        "INSERT INTO delivery_failures (domain, day) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(domain)
    .bind(day)
    .execute(&mut *conn)
    .await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM delivery_failures WHERE domain = $1")
        .bind(domain)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

pub async fn mark_unavailable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO unavailable_domains (domain, since) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(domain)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// A success clears the host's failures, its circuit and its unavailability.
pub async fn clear_failures(conn: &mut sqlx::AnyConnection, domain: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM delivery_failures WHERE domain = $1")
        .bind(domain)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM host_circuits WHERE host = $1")
        .bind(domain)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM unavailable_domains WHERE domain = $1")
        .bind(domain)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn is_unavailable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    domain: &str,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT since FROM unavailable_domains WHERE domain = $1")
            .bind(domain)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

/// A report was forwarded to the reported account's server.
pub async fn set_report_forwarded<'e, E: Executor<'e, Database = Any>>(
    db: E,
    report_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE reports SET forwarded_at = $1 WHERE id = $2")
        .bind(now)
        .bind(report_id)
        .execute(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Remote polls, aliases and moves, hidden collections, featured collections.

/// (poll id, counts JSON, voters) of the remote polls among these.
pub async fn remote_poll_counts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_ids: &[i64],
) -> sqlx::Result<Vec<(i64, String, Option<i64>)>> {
    let mut sql =
        Sql::new("SELECT poll_id, counts, voters_count FROM remote_polls WHERE poll_id IN (");
    let list = sql.ints(poll_ids);
    sql.push(&list);
    sql.push(")");
    sql.query_as().fetch_all(db).await
}

/// Sets a remote poll's counts (insert or replace).
pub async fn set_remote_poll<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
    counts: &[i64],
    voters: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    let counts = serde_json::to_string(counts).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO remote_polls (poll_id, counts, voters_count, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (poll_id) DO UPDATE SET counts = $2, voters_count = $3, updated_at = $4",
    )
    .bind(poll_id)
    .bind(counts)
    .bind(voters)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a poll closed (and, when given, when it ended), whether or not it was.
pub async fn set_poll_closed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
    closed: bool,
    expires_at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE polls SET closed = $2, expires_at = COALESCE($3, expires_at) WHERE id = $1",
    )
    .bind(poll_id)
    .bind(i64::from(closed))
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether an account has voted in a poll.
pub async fn has_voted<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
    account_id: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM poll_voters WHERE poll_id = $1 AND account_id = $2")
            .bind(poll_id)
            .bind(account_id)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

/// Whether an account chose this option of a poll.
pub async fn has_vote<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
    account_id: i64,
    choice: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM poll_votes WHERE poll_id = $1 AND account_id = $2 AND choice = $3",
    )
    .bind(poll_id)
    .bind(account_id)
    .bind(choice)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// The inboxes of a poll's remote voters (shared inboxes once).
pub async fn poll_voter_inboxes<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM poll_voters v \
         JOIN remote_actors r ON r.account_id = v.account_id WHERE v.poll_id = $1",
    )
    .bind(poll_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// An account's aliases (`alsoKnownAs`), moved-to account and hide_collections flag.
#[derive(Debug, Clone, FromRow)]
pub struct Migration {
    pub also_known_as: String,
    pub moved_to_account_id: Option<i64>,
    pub moved_at: Option<i64>,
    pub hide_collections: i64,
    pub attribution_domains: String,
}

impl Migration {
    pub fn aliases(&self) -> Vec<String> {
        serde_json::from_str(&self.also_known_as).unwrap_or_default()
    }

    pub fn attribution_domains(&self) -> Vec<String> {
        serde_json::from_str(&self.attribution_domains).unwrap_or_default()
    }
}

pub async fn migration<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<Migration>> {
    sqlx::query_as(
        "SELECT also_known_as, moved_to_account_id, moved_at, hide_collections, attribution_domains \
         FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await
}

pub async fn set_aliases<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    aliases: &[String],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET also_known_as = $2 WHERE id = $1")
        .bind(account_id)
        .bind(serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into()))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_moved<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    moved_to: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET moved_to_account_id = $2, moved_at = $3 WHERE id = $1")
        .bind(account_id)
        .bind(moved_to)
        .bind(moved_to.map(|_| now))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_attribution_domains<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    domains: &[String],
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET attribution_domains = $2 WHERE id = $1")
        .bind(account_id)
        .bind(serde_json::to_string(domains).unwrap_or_else(|_| "[]".into()))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_hide_collections<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    hide: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET hide_collections = $2 WHERE id = $1")
        .bind(account_id)
        .bind(i64::from(hide))
        .execute(db)
        .await?;
    Ok(())
}

/// The local accounts following `account_id` (for a Move of it).
pub async fn local_followers<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain = '' ORDER BY f.account_id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A page of an account's followers (`followers = true`) or followings as actor URIs, newest
/// follow first, with the follow row id as cursor: (row id, uri).
pub async fn follow_page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    followers: bool,
    page: &crate::paging::Page,
) -> sqlx::Result<Vec<(i64, String)>> {
    let (mine, other) = if followers {
        ("target_account_id", "account_id")
    } else {
        ("account_id", "target_account_id")
    };
    let mut sql = Sql::new(&format!(
        "SELECT f.id, a.uri FROM follows f JOIN accounts a ON a.id = f.{other} \
         WHERE a.suspended_at IS NULL AND f.{mine} = "
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    super::paging::bound(&mut sql, "f.id", page);
    let rows = sql.query_as().fetch_all(db).await?;
    Ok(super::paging::newest_first(rows, page))
}

pub async fn set_featured_collection<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    featured: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE remote_actors SET featured = $2 WHERE account_id = $1")
        .bind(account_id)
        .bind(featured)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn featured_collection<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT featured FROM remote_actors WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|r| r.0))
}

/// Links a status stored without its parent (unknown then) to it: the reply's parent, the
/// parent's author and the thread root, for it and for the replies already under it.
pub async fn link_parent(
    conn: &mut sqlx::AnyConnection,
    status_id: i64,
    parent_id: i64,
    parent_account_id: i64,
    root_id: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE statuses SET in_reply_to_id = $2, in_reply_to_account_id = $3, thread_root_id = $4 \
         WHERE id = $1 AND in_reply_to_id IS NULL",
    )
    .bind(status_id)
    .bind(parent_id)
    .bind(parent_account_id)
    .bind(root_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE statuses SET thread_root_id = $2 WHERE thread_root_id = $1 AND id <> $1")
        .bind(status_id)
        .bind(root_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE statuses SET thread_root_id = $2 WHERE id = $1")
        .bind(status_id)
        .bind(root_id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Whether a job of `kind` with exactly `payload` was queued after `since` (a debounce).
pub async fn job_queued_since<'e, E: Executor<'e, Database = Any>>(
    db: E,
    kind: &str,
    payload: &str,
    since: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM jobs WHERE kind = $1 AND payload = $2 AND created_at > $3 LIMIT 1",
    )
    .bind(kind)
    .bind(payload)
    .bind(since)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}
