//! Rate-limit counters shared by every node (`rate_counters`): fixed windows, counted in the
//! caller's write transaction so a check and its count are one step across nodes.

use sqlx::AnyConnection;

/// Counts one hit on every key for the window starting at `window_start` if each is still
/// under `limit`, and none if any is at it. Returns the highest count before this hit. Each
/// key's row is made (or locked, on PostgreSQL) first, in a fixed order, so concurrent
/// callers on other nodes queue behind it instead of both passing a check.
pub async fn hit_all(
    conn: &mut AnyConnection,
    keys: &[&str],
    window_start: i64,
    limit: i64,
) -> sqlx::Result<(bool, i64)> {
    let mut sorted: Vec<&str> = keys.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut most = 0i64;
    for key in &sorted {
        let (n,): (i64,) = sqlx::query_as(
            "INSERT INTO rate_counters (key, window_start, n) VALUES ($1, $2, 0) \
             ON CONFLICT (key, window_start) DO UPDATE SET n = rate_counters.n RETURNING n",
        )
        .bind(*key)
        .bind(window_start)
        .fetch_one(&mut *conn)
        .await?;
        most = most.max(n);
    }
    let allowed = most < limit;
    if allowed {
        for key in &sorted {
            sqlx::query("UPDATE rate_counters SET n = n + 1 WHERE key = $1 AND window_start = $2")
                .bind(*key)
                .bind(window_start)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok((allowed, most))
}

/// Gives back one hit on each key in the window starting at `window_start`.
pub async fn undo(conn: &mut AnyConnection, keys: &[&str], window_start: i64) -> sqlx::Result<()> {
    for key in keys {
        sqlx::query(
            "UPDATE rate_counters SET n = n - 1 WHERE key = $1 AND window_start = $2 AND n > 0",
        )
        .bind(*key)
        .bind(window_start)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Forgets windows that started before `before`.
pub async fn prune(conn: &mut AnyConnection, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Adds `delta` hits to `key`'s window starting at `window_start` and returns its count
/// after them: one statement, so nodes adding at once each see a total that includes their
/// own hits (the general API limit, which counts on each node between these adds).
pub async fn add(
    conn: &mut AnyConnection,
    key: &str,
    window_start: i64,
    delta: i64,
) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO rate_counters (key, window_start, n) VALUES ($1, $2, $3) \
         ON CONFLICT (key, window_start) DO UPDATE SET n = rate_counters.n + $3 RETURNING n",
    )
    .bind(key)
    .bind(window_start)
    .bind(delta)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}
