//! Timeline reads: home feeds, public and tag timelines, an account's statuses, threads.
//! Each is one indexed range scan with the visibility filter of `statuses::visible_to`.

use sqlx::{Any, Executor};

use super::paging::{bound, newest_first, order};
use super::query::Sql;
use super::statuses::{visible_to, StatusRow, COLUMNS};
use crate::paging::Page;

async fn fetch<'e, E: Executor<'e, Database = Any>>(
    db: E,
    sql: &Sql,
    c: &Page,
) -> sqlx::Result<Vec<StatusRow>> {
    let rows: Vec<StatusRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, c))
}

/// Hides what the viewer muted (while the mute lasts) or blocked (the account or its domain),
/// authors who blocked them, and
/// (moderation) suspended authors and silenced ones the viewer does not follow.
fn not_silenced(sql: &mut Sql, author: &str, viewer: i64, now: i64) {
    let v = sql.int(viewer);
    let n = sql.int(now);
    sql.push(&format!(
        " AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = {v} AND mu.target_account_id = {author} \
           AND (mu.expires_at IS NULL OR mu.expires_at > {n})) \
          AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE (bl.account_id = {v} AND bl.target_account_id = {author}) \
           OR (bl.account_id = {author} AND bl.target_account_id = {v})) \
          AND {} AND {}",
        super::statuses::not_sanctioned(author, &v),
        super::account_domain_blocks::not_blocked(author, &v)
    ));
}

pub async fn home<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    c: &Page,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    // The page is chosen from the feed alone (its rows carry the author, which is all the
    // filters need) and only then joined to the statuses: whatever plan PostgreSQL caches, it
    // reads at most a page of statuses, for a busy feed or a quiet one.
    let mut sql = Sql::new("SELECT h.status_id FROM home_feed h WHERE h.account_id = ");
    let v = sql.int(viewer);
    sql.push(&v);
    not_silenced(&mut sql, "h.author_id", viewer, now);
    bound(&mut sql, "h.status_id", c);
    sql.wrap(
        &format!("SELECT {COLUMNS} FROM ("),
        &format!(
            ") f JOIN statuses s ON s.id = f.status_id ORDER BY s.id {}",
            order(c)
        ),
    );
    fetch(db, &sql, c).await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PublicFilter {
    pub local: bool,
    pub remote: bool,
    pub only_media: bool,
}

/// Only statuses with at least one attachment (`only_media`).
const WITH_MEDIA: &str =
    " AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id)";

/// The start of every public feed's query: public posts, not boosts.
fn public_statuses() -> Sql {
    Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL"
    ))
}

/// The end of every public feed's query: what each leaves out (local-only posts for anonymous
/// readers, the other side of `local`/`remote`, posts without media when asked, silenced
/// authors), then the page.
async fn public_page<'e, E: Executor<'e, Database = Any>>(
    db: E,
    mut sql: Sql,
    viewer: i64,
    f: PublicFilter,
    c: &Page,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    if viewer <= 0 {
        sql.push(" AND s.local_only = 0");
    }
    if f.local {
        sql.push(" AND s.local = 1");
    }
    if f.remote {
        sql.push(" AND s.local = 0");
    }
    if f.only_media {
        sql.push(WITH_MEDIA);
    }
    not_silenced(&mut sql, "s.account_id", viewer, now);
    bound(&mut sql, "s.id", c);
    fetch(db, &sql, c).await
}

pub async fn public<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    f: PublicFilter,
    c: &Page,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    public_page(db, public_statuses(), viewer, f, c, now).await
}

/// Public statuses with any of `any` tags, all of `all`, none of `none` (tag ids).
#[allow(clippy::too_many_arguments)] // one bound value per column or filter
pub async fn tagged<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    any: &[i64],
    all: &[i64],
    none: &[i64],
    f: PublicFilter,
    c: &Page,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    let mut sql = public_statuses();
    let list = sql.ints(any);
    sql.push(&format!(" AND EXISTS (SELECT 1 FROM status_tags st WHERE st.status_id = s.id AND st.tag_id IN ({list}))"));
    for t in all {
        let p = sql.int(*t);
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM status_tags st WHERE st.status_id = s.id AND st.tag_id = {p})"));
    }
    if !none.is_empty() {
        let list = sql.ints(none);
        sql.push(&format!(" AND NOT EXISTS (SELECT 1 FROM status_tags st WHERE st.status_id = s.id AND st.tag_id IN ({list}))"));
    }
    public_page(db, sql, viewer, f, c, now).await
}

/// Public statuses showing the preview card `card_id` (the link timeline), by authors who
/// let themselves be discovered, as Mastodon's link feed.
pub async fn linked<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    card_id: i64,
    f: PublicFilter,
    c: &Page,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    let mut sql = public_statuses();
    let card = sql.int(card_id);
    sql.push(&format!(
        " AND EXISTS (SELECT 1 FROM status_cards sc WHERE sc.status_id = s.id AND sc.card_id = {card}) \
          AND EXISTS (SELECT 1 FROM accounts da WHERE da.id = s.account_id AND da.discoverable = 1)"
    ));
    public_page(db, sql, viewer, f, c, now).await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub pinned: bool,
    pub tagged: Option<i64>,
    pub only_media: bool,
    pub exclude_direct: bool,
}

pub async fn account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    viewer: i64,
    f: AccountFilter,
    c: &Page,
) -> sqlx::Result<Vec<StatusRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.account_id = "
    ));
    let a = sql.int(account_id);
    sql.push(&a);
    let v = sql.int(viewer);
    sql.push(&format!(" AND {}", visible_to(&v)));
    if f.exclude_replies {
        // Replies to oneself (threads) stay, as in Mastodon.
        sql.push(&format!(
            " AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = {a})"
        ));
    }
    if f.exclude_reblogs {
        sql.push(" AND s.reblog_of_id IS NULL");
    }
    if f.exclude_direct {
        sql.push(" AND s.visibility <> 'direct'");
    }
    if f.only_media {
        sql.push(WITH_MEDIA);
    }
    if f.pinned {
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id AND p.account_id = {a})"));
    }
    if let Some(tag) = f.tagged {
        let t = sql.int(tag);
        sql.push(&format!(" AND EXISTS (SELECT 1 FROM status_tags st WHERE st.status_id = s.id AND st.tag_id = {t})"));
    }
    bound(&mut sql, "s.id", c);
    fetch(db, &sql, c).await
}

/// Every status of a thread the viewer may see, oldest first.
pub async fn thread<'e, E: Executor<'e, Database = Any>>(
    db: E,
    root: i64,
    viewer: i64,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.thread_root_id = "
    ));
    let r = sql.int(root);
    sql.push(&r);
    sql.push(" AND s.reblog_of_id IS NULL");
    let v = sql.int(viewer);
    sql.push(&format!(" AND {}", visible_to(&v)));
    not_silenced(&mut sql, "s.account_id", viewer, now);
    sql.push(" ORDER BY s.id ASC LIMIT 4000");
    sql.query_as().fetch_all(db).await
}

pub async fn insert_feed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    status_id: i64,
    author_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO home_feed (account_id, status_id, author_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(account_id)
        .bind(status_id)
        .bind(author_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn remove_from_feeds<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM home_feed WHERE status_id = $1")
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Drops one status from one home feed (its audience no longer includes that account).
pub async fn remove_from_feed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    status_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND status_id = $2")
        .bind(account_id)
        .bind(status_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Drops an author's statuses from one home feed (after an unfollow or a block).
pub async fn remove_author_from_feed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    author_id: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2")
        .bind(account_id)
        .bind(author_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Copies an author's recent visible statuses into one home feed (after a follow).
pub async fn backfill_feed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    author_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO home_feed (account_id, status_id, author_id) \
         SELECT $1, s.id, s.account_id FROM statuses s WHERE s.account_id = $2 AND s.visibility IN ('public', 'unlisted', 'private') \
         AND NOT EXISTS (SELECT 1 FROM status_audiences sa WHERE sa.status_id = s.id \
             AND NOT EXISTS (SELECT 1 FROM follows af WHERE af.account_id = $1 AND af.target_account_id = sa.account_id)) \
         ORDER BY s.id DESC LIMIT 40 ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(author_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Statuses by the members of a list that its owner may see. Replies to someone else show
/// by `replies_policy`: `followed` (people the owner follows), `list` (the list's members) or
/// `none`; replies to oneself or to the owner always show.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    list_id: i64,
    owner: i64,
    replies_policy: &str,
    c: &Page,
    now: i64,
) -> sqlx::Result<Vec<StatusRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s WHERE s.account_id IN (SELECT account_id FROM list_accounts WHERE list_id = "
    ));
    let l = sql.int(list_id);
    sql.push(&l);
    sql.push(")");
    let v = sql.int(owner);
    sql.push(&format!(" AND {}", visible_to(&v)));
    let allowed = match replies_policy {
        "followed" => format!(
            " OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = {v} AND rf.target_account_id = s.in_reply_to_account_id)"
        ),
        "list" => format!(
            " OR EXISTS (SELECT 1 FROM list_accounts rl WHERE rl.list_id = {l} AND rl.account_id = s.in_reply_to_account_id)"
        ),
        _ => String::new(),
    };
    sql.push(&format!(
        " AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id \
           OR s.in_reply_to_account_id = {v}{allowed})"
    ));
    not_silenced(&mut sql, "s.account_id", owner, now);
    bound(&mut sql, "s.id", c);
    fetch(db, &sql, c).await
}

/// Whether `viewer` muted (while the mute lasts) or blocked any of `authors`, or one of them
/// blocked the viewer: the same rule timelines apply, for one status at a time (streaming).
pub async fn silenced<'e, E: Executor<'e, Database = Any>>(
    db: E,
    viewer: i64,
    authors: &[i64],
    now: i64,
) -> sqlx::Result<bool> {
    let mut sql = Sql::new("SELECT 1 FROM accounts a WHERE a.id IN (");
    let list = sql.ints(authors);
    sql.push(&list);
    sql.push(") AND NOT (1 = 1");
    not_silenced(&mut sql, "a.id", viewer, now);
    sql.push(") LIMIT 1");
    let row: Option<(i64,)> = sql.query_as().fetch_optional(db).await?;
    Ok(row.is_some())
}

/// Writes a status into the home feeds of the author's local followers who should see it:
/// reblogs only reach followers who show them, direct posts only mentioned followers, and
/// members of a follower's exclusive list stay out of that follower's home (Mastodon's
/// `exclusive` lists: their posts show in the list only).
pub async fn feed_followers<'e, E: Executor<'e, Database = Any>>(
    db: E,
    s: &StatusRow,
) -> sqlx::Result<()> {
    let audience = match (s.reblog_of_id.is_some(), s.visibility.as_str()) {
        (true, _) => "AND f.show_reblogs = 1",
        (false, "direct") => "AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = $1 AND m.account_id = f.account_id)",
        _ => "",
    };
    let exclusive =
        "AND NOT EXISTS (SELECT 1 FROM lists l JOIN list_accounts la ON la.list_id = l.id \
                     WHERE l.account_id = f.account_id AND l.exclusive = 1 AND la.account_id = $2)";
    // A status bound to another audience (`status_audiences`) reaches only those followers
    // who are in it.
    let bound = "AND NOT EXISTS (SELECT 1 FROM status_audiences sa WHERE sa.status_id = $1 \
                     AND NOT EXISTS (SELECT 1 FROM follows af WHERE af.account_id = f.account_id AND af.target_account_id = sa.account_id))";
    sqlx::query(&format!(
        "INSERT INTO home_feed (account_id, status_id, author_id) \
         SELECT f.account_id, $1, $2 FROM follows f JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $2 AND a.domain = '' {audience} {exclusive} {bound} ON CONFLICT DO NOTHING"
    ))
    .bind(s.id)
    .bind(s.account_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The accounts whose home feeds hold a status.
pub async fn feed_holders<'e, E: Executor<'e, Database = Any>>(
    db: E,
    status_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT account_id FROM home_feed WHERE status_id = $1")
        .bind(status_id)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
