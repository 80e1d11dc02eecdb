//! The job queue's table: enqueue inside the caller's transaction, claim by lease, finish,
//! reschedule.

use sqlx::{Any, Executor, FromRow};

use super::Backend;

#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    /// The claim's fence (`finish`, `retry_at`, `postpone` and `extend` check it).
    pub claim_token: Option<i64>,
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

/// How a claim is made: the node's clock skew (`Clock::offset_micros`, 0 outside tests) is
/// added to the database's clock, which decides leases; `token` fences the claim.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// The app's clock: jobs whose `run_at` has come are due.
    pub now: i64,
    /// Lease length, microseconds.
    pub lease: i64,
    /// Added to the database's clock (tests move their clock past leases).
    pub skew: i64,
    /// Written on the claimed rows; finishing checks it.
    pub token: i64,
}

/// Claims the oldest due job for `lease` microseconds.
pub async fn claim<'e, E: Executor<'e, Database = Any>>(
    db: E,
    backend: Backend,
    claim: Claim,
) -> sqlx::Result<Option<JobRow>> {
    claim_kinds(db, backend, claim, Kinds::Any).await
}

fn kinds_filter<'a>(kinds: Kinds<'a>, first: usize) -> (String, Vec<&'a str>) {
    let marks = |ks: &[&str]| -> String {
        (0..ks.len())
            .map(|i| format!("${}", i + first))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match kinds {
        Kinds::Any => ("TRUE".into(), Vec::new()),
        Kinds::Only(k) => (format!("kind = ${first}"), vec![k]),
        Kinds::AllBut([]) => ("TRUE".into(), Vec::new()),
        Kinds::Among([]) => ("FALSE".into(), Vec::new()),
        Kinds::Among(ks) => (format!("kind IN ({})", marks(ks)), ks.to_vec()),
        // Written out for the partial index `jobs_due_but_deliveries` (a planner matches an
        // index's condition only against the same literal): the main loop's claim then never
        // walks over the queued deliveries.
        Kinds::AllBut(ks) if ks.contains(&DELIVER) => (
            format!("kind <> '{DELIVER}' AND kind NOT IN ({})", marks(ks)),
            ks.to_vec(),
        ),
        Kinds::AllBut(ks) => (format!("kind NOT IN ({})", marks(ks)), ks.to_vec()),
    }
}

/// The deliveries' kind, which the job table's partial index names.
const DELIVER: &str = "deliver";

/// Whether any job of `kinds` is due and free, by a read (SQLite: an idle lane looks before
/// it takes the single writer's lock to claim, so a burst's wake-ups cost no writes).
pub async fn any_due<'e, E: Executor<'e, Database = Any>>(
    db: E,
    backend: Backend,
    claim: Claim,
    kinds: Kinds<'_>,
) -> sqlx::Result<bool> {
    let (filter, bound) = kinds_filter(kinds, 3);
    let sql = format!(
        "SELECT id FROM jobs WHERE run_at <= $1 \
         AND (locked_until IS NULL OR locked_until < ({} + $2)) AND {filter} \
         ORDER BY run_at, id LIMIT 1",
        super::cluster::now_sql(backend)
    );
    let mut query = sqlx::query_as::<_, (i64,)>(&sql)
        .bind(claim.now)
        .bind(claim.skew);
    for k in bound {
        query = query.bind(k);
    }
    Ok(query.fetch_optional(db).await?.is_some())
}

/// The claim statement for up to `$5` rows. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so nodes
/// claiming at once take different rows instead of queueing on the oldest one. SQLite (one
/// writer at a time): the same statement without it, its outer condition re-checking the
/// lease. The lease runs on the database's clock (plus the test skew `$3`).
fn claim_sql(backend: Backend, filter: &str) -> String {
    let now = format!("({} + $3)", super::cluster::now_sql(backend));
    let (lock, recheck) = match backend {
        Backend::Postgres => (" FOR UPDATE SKIP LOCKED", String::new()),
        Backend::Sqlite => (
            "",
            format!(" AND (locked_until IS NULL OR locked_until < {now})"),
        ),
    };
    format!(
        "UPDATE jobs SET locked_until = {now} + $1, attempts = attempts + 1, claim_token = $4 \
         WHERE id IN (SELECT id FROM jobs WHERE run_at <= $2 AND (locked_until IS NULL OR locked_until < {now}) \
                      AND {filter} ORDER BY run_at, id LIMIT $5{lock}){recheck} \
         RETURNING id, kind, payload, attempts, claim_token"
    )
}

/// `claim`, restricted to some kinds.
pub async fn claim_kinds<'e, E: Executor<'e, Database = Any>>(
    db: E,
    backend: Backend,
    claim: Claim,
    kinds: Kinds<'_>,
) -> sqlx::Result<Option<JobRow>> {
    let (filter, bound) = kinds_filter(kinds, 6);
    let sql = claim_sql(backend, &filter);
    let mut query = sqlx::query_as(&sql)
        .bind(claim.lease)
        .bind(claim.now)
        .bind(claim.skew)
        .bind(claim.token)
        .bind(1i64);
    for k in bound {
        query = query.bind(k);
    }
    query.fetch_optional(db).await
}

/// Claims up to `limit` due jobs of one kind, oldest first, in one statement (the delivery
/// worker's claim: one write per batch, not per delivery).
pub async fn claim_many<'e, E: Executor<'e, Database = Any>>(
    db: E,
    backend: Backend,
    claim: Claim,
    kind: &str,
    limit: i64,
) -> sqlx::Result<Vec<JobRow>> {
    let sql = claim_sql(backend, "kind = $6");
    let mut rows: Vec<JobRow> = sqlx::query_as(&sql)
        .bind(claim.lease)
        .bind(claim.now)
        .bind(claim.skew)
        .bind(claim.token)
        .bind(limit)
        .bind(kind)
        .fetch_all(db)
        .await?;
    // RETURNING gives no order: oldest (smallest id) first, as they were queued.
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Extends a claimed job's lease by `lease` from now (database clock plus `skew`) while it
/// runs. False when the claim is no longer ours (the lease ran out and another node claimed it).
pub async fn extend<'e, E: Executor<'e, Database = Any>>(
    db: E,
    backend: Backend,
    id: i64,
    token: i64,
    lease: i64,
    skew: i64,
) -> sqlx::Result<bool> {
    let sql = format!(
        "UPDATE jobs SET locked_until = {} + $1 + $2 WHERE id = $3 AND claim_token = $4",
        super::cluster::now_sql(backend)
    );
    let done = sqlx::query(&sql)
        .bind(skew)
        .bind(lease)
        .bind(id)
        .bind(token)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a claimed job back to run at `run_at` without counting the attempt (it was not
/// made). False when the claim is no longer ours.
pub async fn postpone<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    token: i64,
    run_at: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET run_at = $1, locked_until = NULL, claim_token = NULL, attempts = attempts - 1 \
         WHERE id = $2 AND claim_token = $3",
    )
    .bind(run_at)
    .bind(id)
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a job (an expansion deletes its own row in the transaction that queues what it
/// expands to).
pub async fn delete<'e, E: Executor<'e, Database = Any>>(db: E, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes a finished job if the claim `token` is still its own. False when the lease ran
/// out and another node claimed it since (that node finishes it; this one must not).
pub async fn finish<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    token: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND claim_token = $2")
        .bind(id)
        .bind(token)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The largest batch `finish_many` and `postpone_many` write in one statement.
pub const BATCH: usize = 256;

/// `jobs` (id, claim token) grouped by token, each group's ids padded to a power of two by
/// repeating its last (a repeated id in an IN list changes nothing; the padding keeps the
/// number of distinct statements, each prepared once per connection, small).
fn by_token(jobs: &[(i64, i64)]) -> Vec<(i64, Vec<i64>)> {
    let mut groups: Vec<(i64, Vec<i64>)> = Vec::new();
    for &(id, token) in jobs {
        match groups.iter_mut().find(|(t, _)| *t == token) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((token, vec![id])),
        }
    }
    for (_, ids) in &mut groups {
        if let Some(&last) = ids.last() {
            ids.resize(ids.len().next_power_of_two(), last);
        }
    }
    groups
}

fn id_marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deletes finished jobs (id, claim token), one statement per claim they came from (a batch
/// of deliveries shares one), each row only if its claim token is still the one given: a job
/// whose lease ran out and that another claim took since is left to that claim. Returns the
/// ids deleted. At most `BATCH` jobs per call.
pub async fn finish_many(
    conn: &mut sqlx::AnyConnection,
    jobs: &[(i64, i64)],
) -> sqlx::Result<Vec<i64>> {
    let mut done = Vec::with_capacity(jobs.len());
    for (token, ids) in by_token(jobs) {
        let sql = format!(
            "DELETE FROM jobs WHERE claim_token = $1 AND id IN ({}) RETURNING id",
            id_marks(2, ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64,)>(&sql).bind(token);
        for id in ids {
            q = q.bind(id);
        }
        done.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|(id,)| id));
    }
    Ok(done)
}

/// `postpone` for many claimed jobs (id, claim token), all to `run_at`. Returns the ids
/// that were still ours.
pub async fn postpone_many(
    conn: &mut sqlx::AnyConnection,
    jobs: &[(i64, i64)],
    run_at: i64,
) -> sqlx::Result<Vec<i64>> {
    let mut done = Vec::with_capacity(jobs.len());
    for (token, ids) in by_token(jobs) {
        let sql = format!(
            "UPDATE jobs SET run_at = $1, locked_until = NULL, claim_token = NULL, \
             attempts = attempts - 1 WHERE claim_token = $2 AND id IN ({}) RETURNING id",
            id_marks(3, ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64,)>(&sql).bind(run_at).bind(token);
        for id in ids {
            q = q.bind(id);
        }
        done.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|(id,)| id));
    }
    Ok(done)
}

/// Reschedules a failed job, if the claim is still ours.
pub async fn retry_at<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    token: i64,
    run_at: i64,
    error: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET run_at = $1, locked_until = NULL, claim_token = NULL, last_error = $2 \
         WHERE id = $3 AND claim_token = $4",
    )
    .bind(run_at)
    .bind(error)
    .bind(id)
    .bind(token)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Queue depth and the age of the oldest due job (microseconds, app clock) per kind, for
/// metrics.
pub async fn depth_by_kind<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT kind, COUNT(*), COALESCE(MAX($1 - run_at), 0) FROM jobs WHERE run_at <= $1 GROUP BY kind",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

pub async fn count_due<'e, E: Executor<'e, Database = Any>>(db: E, now: i64) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE run_at <= $1")
        .bind(now)
        .fetch_one(db)
        .await?;
    Ok(n)
}
