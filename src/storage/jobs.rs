//! The job queue's table: enqueue inside the caller's transaction, claim by lease, finish,
//! reschedule.

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    kind: &str,
    payload: &str,
    run_at: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(kind)
    .bind(payload)
    .bind(run_at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Inserts many jobs (id, kind, payload, run_at) with one statement per hundred.
pub async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    rows: &[(i64, &str, String, i64)],
    now: i64,
) -> sqlx::Result<()> {
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO jobs (id, kind, payload, run_at, created_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, kind, payload, run_at) in chunk {
            q = q
                .bind(*id)
                .bind(*kind)
                .bind(payload.as_str())
                .bind(*run_at)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which jobs a worker claims: any, only `kind`, one of those listed, or every kind but those
/// listed.
#[derive(Debug, Clone, Copy)]
pub enum Kinds<'a> {
    Any,
    Only(&'a str),
    Among(&'a [&'a str]),
    AllBut(&'a [&'a str]),
}

/// Claims the oldest due job for `lease` microseconds. The outer condition re-checks the
/// lease so two workers racing for one row cannot both win.
pub async fn claim<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
    lease: i64,
) -> sqlx::Result<Option<JobRow>> {
    claim_kinds(db, now, lease, Kinds::Any).await
}

/// `claim`, restricted to some kinds.
pub async fn claim_kinds<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
    lease: i64,
    kinds: Kinds<'_>,
) -> sqlx::Result<Option<JobRow>> {
    let (filter, bound): (String, Vec<&str>) = match kinds {
        Kinds::Any => ("TRUE".into(), Vec::new()),
        Kinds::Only(k) => ("kind = $3".into(), vec![k]),
        Kinds::AllBut([]) => ("TRUE".into(), Vec::new()),
        Kinds::Among([]) => ("FALSE".into(), Vec::new()),
        Kinds::Among(ks) => {
            let marks: Vec<String> = (0..ks.len()).map(|i| format!("${}", i + 3)).collect();
            (format!("kind IN ({})", marks.join(", ")), ks.to_vec())
        }
        Kinds::AllBut(ks) => {
            let marks: Vec<String> = (0..ks.len()).map(|i| format!("${}", i + 3)).collect();
            (format!("kind NOT IN ({})", marks.join(", ")), ks.to_vec())
        }
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE run_at <= $2 AND (locked_until IS NULL OR locked_until < $2) \
                     AND {filter} ORDER BY run_at, id LIMIT 1) \
         AND (locked_until IS NULL OR locked_until < $2) \
         RETURNING id, kind, payload, attempts"
    );
    let mut query = sqlx::query_as(&sql).bind(now + lease).bind(now);
    for k in bound {
        query = query.bind(k);
    }
    query.fetch_optional(db).await
}

/// Claims up to `limit` due jobs of one kind for `lease` microseconds, oldest first, in one
/// statement (the delivery worker's claim: one write per batch, not per delivery). The outer
/// condition re-checks the lease as `claim_kinds` does.
pub async fn claim_many<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
    lease: i64,
    kind: &str,
    limit: i64,
) -> sqlx::Result<Vec<JobRow>> {
    let mut rows: Vec<JobRow> = sqlx::query_as(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM jobs WHERE run_at <= $2 AND (locked_until IS NULL OR locked_until < $2) \
                      AND kind = $3 ORDER BY run_at, id LIMIT $4) \
         AND (locked_until IS NULL OR locked_until < $2) \
         RETURNING id, kind, payload, attempts",
    )
    .bind(now + lease)
    .bind(now)
    .bind(kind)
    .bind(limit)
    .fetch_all(db)
    .await?;
    // RETURNING gives no order: oldest (smallest id) first, as they were queued.
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Puts a claimed job back to run at `run_at` without counting the attempt (it was not made).
pub async fn postpone<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    run_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET run_at = $1, locked_until = NULL, attempts = attempts - 1 WHERE id = $2",
    )
    .bind(run_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn retry_at<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    run_at: i64,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3")
        .bind(run_at)
        .bind(error)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn count_due<'e, E: Executor<'e, Database = Any>>(db: E, now: i64) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE run_at <= $1")
        .bind(now)
        .fetch_one(db)
        .await?;
    Ok(n)
}
