//! §A7: after anonymisation, no personal value is left in any column of any table.

mod common;

use std::sync::Arc;

use sqlx::{PgPool, Row};

/// Every `table.column` whose text contains `value`, over every table and column of the schema.
async fn find(pool: &PgPool, value: &str) -> Vec<String> {
    let columns = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(columns.len() > 100, "every column is scanned ({})", columns.len());
    let mut found = Vec::new();
    for row in &columns {
        let (table, column): (String, String) = (row.get("t"), row.get("c"));
        let hits: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM \"{table}\" WHERE strpos(\"{column}\"::text, $1) > 0"
        ))
        .bind(value)
        .fetch_one(pool)
        .await
        .unwrap();
        if hits > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_personal_value_is_left_in_any_column() {
    let Some(store) = common::fresh_store().await else { return };
    let store = Arc::new(store);
    let pool = store.pool().clone();
    let find = async |value: &str| find(&pool, value).await;
    // `store` stays alive (with its database) until the scan is over.
    booking_testkit::contract::assert_anonymisation_leaves_nothing(store.clone(), find).await;
}
