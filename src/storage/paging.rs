//! The one place a `paging::Page` becomes SQL: its bounds on a key column, the order and the
//! limit (see `crate::paging` for the semantics every list shares).

use super::query::Sql;
use crate::paging::Page;

/// Appends the page's bounds on `column` (` AND …`, so the query must already have a
/// `WHERE`), then `ORDER BY column` and the limit: newest first, or oldest first from
/// `min_id`; pass the rows through [`newest_first`] afterwards.
pub(crate) fn bound(sql: &mut Sql, column: &str, page: &Page) {
    bounds(sql, column, page);
    order_limit(sql, column, page);
}

/// Only the bounds on `column` (for queries that order in an outer select).
pub(crate) fn bounds(sql: &mut Sql, column: &str, page: &Page) {
    if let Some(max) = page.max_id {
        let p = sql.int(max);
        sql.push(&format!(" AND {column} < {p}"));
    }
    // Both lower bounds apply when both are given, as in Mastodon.
    for lower in [page.since_id, page.min_id].into_iter().flatten() {
        let p = sql.int(lower);
        sql.push(&format!(" AND {column} > {p}"));
    }
}

/// `ORDER BY column ASC|DESC LIMIT n`.
pub(crate) fn order_limit(sql: &mut Sql, column: &str, page: &Page) {
    sql.push(&format!(" ORDER BY {column} {}", order(page)));
    // The limit is written in, not bound: PostgreSQL plans a bound LIMIT as 10% of the rows,
    // which steers its cached (generic) plans to full scans; a page size is one of a few
    // small integers, so each stays one cached statement.
    if page.limit > 0 {
        sql.push(&format!(" LIMIT {}", page.limit));
    }
}

/// `ASC` when the page is chosen from `min_id` upwards, else `DESC`.
pub(crate) fn order(page: &Page) -> &'static str {
    if page.ascending() {
        "ASC"
    } else {
        "DESC"
    }
}

/// The fetched rows newest first (they come oldest first after `min_id`).
pub(crate) fn newest_first<T>(mut rows: Vec<T>, page: &Page) -> Vec<T> {
    if page.ascending() {
        rows.reverse();
    }
    rows
}
