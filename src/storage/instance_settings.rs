//! The instance settings admins changed at run time (`instance_settings`): name → value rows
//! that override the config file's values (services/instance_settings.rs decides what they mean).

use sqlx::{Any, Executor};

/// Every stored setting: (name, value).
pub async fn all<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT name, value FROM instance_settings ORDER BY name")
        .fetch_all(db)
        .await
}

/// Stores one setting's new value, replacing the one before.
pub async fn set<'e, E: Executor<'e, Database = Any>>(
    db: E,
    name: &str,
    value: &str,
    by: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO instance_settings (name, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET value = $2, updated_by = $3, updated_at = $4",
    )
    .bind(name)
    .bind(value)
    .bind(by)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
