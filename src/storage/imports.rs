//! imports and import_rows: a recorded upload and the state of each of its rows.

use sqlx::{Any, AnyConnection, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub mode: String,
    pub state: String,
    pub overwritten: i64,
    pub total_rows: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str =
    "id, account_id, kind, mode, state, overwritten, total_rows, created_at, finished_at";

/// One row of the file as stored.
#[derive(Debug, Clone, FromRow)]
pub struct LineRow {
    pub line: i64,
    pub fields: String,
    pub state: String,
    pub target_id: Option<i64>,
    pub error: Option<String>,
}

/// Rows per INSERT (four parameters each, well under either backend's limit).
const CHUNK: usize = 200;

/// Records an import and its rows (line, fields as JSON), all pending.
pub async fn insert(
    conn: &mut AnyConnection,
    import: &ImportRow,
    rows: &[(i64, String)],
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO imports ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(import.id)
    .bind(import.account_id)
    .bind(&import.kind)
    .bind(&import.mode)
    .bind(&import.state)
    .bind(import.overwritten)
    .bind(import.total_rows)
    .bind(import.created_at)
    .bind(import.finished_at)
    .execute(&mut *conn)
    .await?;
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = i * 3;
                format!("(${}, ${}, ${}, 'pending')", p + 1, p + 2, p + 3)
            })
            .collect();
        let sql = format!(
            "INSERT INTO import_rows (import_id, line, fields, state) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (line, fields) in chunk {
            q = q.bind(import.id).bind(*line).bind(fields.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ImportRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM imports WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The account's latest imports, newest first.
pub async fn of_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account: i64,
    limit: i64,
) -> sqlx::Result<Vec<ImportRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM imports WHERE account_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(account)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// (rows done, rows imported) of an import: counted, not kept, so a re-run cannot skew them.
pub async fn counts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT \
           COALESCE(SUM(CASE WHEN state <> 'pending' THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN state = 'imported' THEN 1 ELSE 0 END), 0) \
         FROM import_rows WHERE import_id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await
}

/// The refused rows, in file order.
pub async fn failures<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    limit: i64,
) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as(
        "SELECT line, fields, state, target_id, error FROM import_rows \
         WHERE import_id = $1 AND state = 'failed' ORDER BY line LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Pending rows, in file order: those not yet looked up (`resolved` false) or those ready.
pub async fn pending<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    resolved: bool,
    limit: i64,
) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as(
        "SELECT line, fields, state, target_id, error FROM import_rows \
         WHERE import_id = $1 AND state = 'pending' AND resolved = $2 ORDER BY line LIMIT $3",
    )
    .bind(id)
    .bind(super::flag(resolved))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Every row not refused (what `overwrite` keeps).
pub async fn kept<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as(
        "SELECT line, fields, state, target_id, error FROM import_rows \
         WHERE import_id = $1 AND state <> 'failed' ORDER BY line",
    )
    .bind(id)
    .fetch_all(db)
    .await
}

/// A row looked up: its account or status, if it names one.
pub async fn set_resolved(
    conn: &mut AnyConnection,
    id: i64,
    line: i64,
    target: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_rows SET resolved = 1, target_id = $3 WHERE import_id = $1 AND line = $2",
    )
    .bind(id)
    .bind(line)
    .bind(target)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A row done: `error` None for imported, else refused with its reason.
pub async fn set_done(
    conn: &mut AnyConnection,
    id: i64,
    line: i64,
    error: Option<&str>,
) -> sqlx::Result<()> {
    let state = if error.is_some() {
        "failed"
    } else {
        "imported"
    };
    sqlx::query("UPDATE import_rows SET state = $3, error = $4 WHERE import_id = $1 AND line = $2")
        .bind(id)
        .bind(line)
        .bind(state)
        .bind(error)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_state(
    conn: &mut AnyConnection,
    id: i64,
    state: &str,
    finished_at: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE imports SET state = $2, finished_at = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(finished_at)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_overwritten(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE imports SET overwritten = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Forgets an import and its rows (a week after it finished).
pub async fn delete(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM import_rows WHERE import_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM imports WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}
