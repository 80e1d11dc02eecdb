//! Storage on both backends: every column type round-trips, migrations are idempotent, ids
//! are time-ordered.

mod common;

use sqlx::Row;

/// id, n, flag, text, real, and the three nullable columns.
type Case<'a> = (
    i64,
    i64,
    bool,
    &'a str,
    f64,
    Option<i64>,
    Option<&'a str>,
    Option<f64>,
);

async fn types_round_trip(app: &common::TestApp) {
    let db = &app.state.db;
    sqlx::query(
        "CREATE TABLE roundtrip (id BIGINT PRIMARY KEY, n BIGINT NOT NULL, flag BIGINT NOT NULL, \
         t TEXT NOT NULL, j TEXT NOT NULL, r DOUBLE PRECISION NOT NULL, on_ BIGINT, ot TEXT, o_r DOUBLE PRECISION)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let cases: Vec<Case> = vec![
        (
            1,
            i64::MAX,
            true,
            "plain",
            0.5,
            Some(i64::MIN),
            Some("x"),
            Some(-1.25),
        ),
        (
            2,
            i64::MIN,
            false,
            "ünïcödé 🐑 \"quotes\" 'single' \\ back",
            1e-9,
            None,
            None,
            None,
        ),
        (3, 0, true, "", f64::MAX, Some(0), Some(""), Some(0.0)),
        (
            herd::ids::next_id(),
            -1,
            false,
            "line\nbreak\ttab",
            -3.5,
            Some(42),
            Some("{\"k\": [1, 2]}"),
            Some(1e300),
        ),
    ];
    for (id, n, flag, t, r, on, ot, or) in &cases {
        let json = serde_json::json!({"id": id, "t": t}).to_string();
        sqlx::query("INSERT INTO roundtrip (id, n, flag, t, j, r, on_, ot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(*id)
            .bind(*n)
            .bind(herd::storage::flag(*flag))
            .bind(*t)
            .bind(&json)
            .bind(*r)
            .bind(*on)
            .bind(*ot)
            .execute(&db.pool)
            .await
            .unwrap();
        // sqlx 0.8's Any driver binds a NULL f64 as float4, which PostgreSQL refuses once the
        // statement is prepared for float8: nullable reals are written only when present
        // (migrations/README.md).
        if let Some(or) = or {
            sqlx::query("UPDATE roundtrip SET o_r = $1 WHERE id = $2")
                .bind(*or)
                .bind(*id)
                .execute(&db.pool)
                .await
                .unwrap();
        }
    }
    for (id, n, flag, t, r, on, ot, or) in &cases {
        let row = sqlx::query("SELECT n, flag, t, j, r, on_, ot, o_r FROM roundtrip WHERE id = $1")
            .bind(*id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(row.get::<i64, _>("n"), *n);
        assert_eq!(row.get::<i64, _>("flag") != 0, *flag);
        assert_eq!(row.get::<String, _>("t"), *t);
        let j: serde_json::Value = serde_json::from_str(&row.get::<String, _>("j")).unwrap();
        assert_eq!(j["t"], *t);
        assert_eq!(j["id"], *id);
        assert_eq!(row.get::<f64, _>("r"), *r);
        assert_eq!(row.get::<Option<i64>, _>("on_"), *on);
        assert_eq!(row.get::<Option<String>, _>("ot").as_deref(), *ot);
        assert_eq!(row.get::<Option<f64>, _>("o_r"), *or);
    }
    // Ordering by BIGINT id is numeric on both backends.
    let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM roundtrip ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    // COUNT(*) decodes as i64 on both.
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM roundtrip")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, cases.len() as i64);
}
on_both_backends!(types_round_trip_on, types_round_trip);

async fn migrations_are_current_and_idempotent(app: &common::TestApp) {
    assert_eq!(app.state.db.pending_migrations().await.unwrap(), 0);
    app.state.db.migrate().await.unwrap();
    assert_eq!(app.state.db.pending_migrations().await.unwrap(), 0);
}
on_both_backends!(migrations_on, migrations_are_current_and_idempotent);

async fn write_transactions_roll_back_whole(app: &common::TestApp) {
    let db = &app.state.db;
    sqlx::query("CREATE TABLE tx_probe (id BIGINT PRIMARY KEY)")
        .execute(&db.pool)
        .await
        .unwrap();
    {
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("INSERT INTO tx_probe (id) VALUES (1)")
            .execute(&mut **tx)
            .await
            .unwrap();
        // A duplicate key fails the second statement; the transaction is dropped uncommitted.
        assert!(sqlx::query("INSERT INTO tx_probe (id) VALUES (1)")
            .execute(&mut **tx)
            .await
            .is_err());
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tx_probe")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing half-written");
}
on_both_backends!(transactions_on, write_transactions_roll_back_whole);

async fn founding_documents_are_imported_once(app: &common::TestApp) {
    let rows = herd::storage::governance::policies_in_force(
        &app.state.db.pool,
        app.state.clock.now_micros(),
    )
    .await
    .unwrap();
    let slugs: Vec<&str> = rows.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "bylaws",
            "code-of-conduct",
            "federation-policy",
            "moderation-policy"
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.version == 1 && r.adopted_by_proposal_id.is_none()));
    // A restart does not import again.
    herd::services::policies::import_founding(
        &app.state.db,
        &app.state.founding,
        app.state.clock.now_micros(),
    )
    .await
    .unwrap();
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM policy_versions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 4);
}
on_both_backends!(founding_on, founding_documents_are_imported_once);
