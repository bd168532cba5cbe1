//! §A7: after anonymisation, no personal value is left in any column of any table.

use std::sync::Arc;

use sqlx::{Row, SqlitePool};

/// Every `table.column` whose text contains `value`, over every table and column.
async fn find(pool: &SqlitePool, value: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    assert!(tables.len() >= 15, "{tables:?}");
    let mut found = Vec::new();
    for table in &tables {
        let info =
            sqlx::query(&format!("PRAGMA table_info(\"{table}\")")).fetch_all(pool).await.unwrap();
        for column in info.iter().map(|r| r.get::<String, _>("name")) {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), $1) > 0"
            ))
            .bind(value)
            .fetch_one(pool)
            .await
            .unwrap();
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_personal_value_is_left_in_any_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(booking_store_sqlite::open(dir.path().join("booking.db")).await.unwrap());
    let pool = store.pool().clone();
    let find = async |value: &str| find(&pool, value).await;
    // `store` stays alive (with its database) until the scan is over.
    booking_testkit::contract::assert_anonymisation_leaves_nothing(store.clone(), find).await;
}
