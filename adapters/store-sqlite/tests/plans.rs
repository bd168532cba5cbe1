//! The hot reads search by resource and time, never through every booking of a business: their
//! cost must not grow with the stored history. These tests read SQLite's plan of the real query
//! text, so a later change that loses the index fails here, not in production five years on.

use booking_store_sqlite::SqliteStore;

#[tokio::test]
async fn busy_times_and_occupancy_search_by_resource_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("plans.db")).await.unwrap();
    let plans = store.hot_query_plans().await.unwrap();
    assert_eq!(plans.len(), 2);
    for (plan, tables) in plans.iter().zip([
        ["bookings", "holds", "exceptions", "external_busy"].as_slice(),
        ["bookings", "holds"].as_slice(),
    ]) {
        let text = plan.join("\n");
        for table in tables {
            let step = plan
                .iter()
                .find(|s| s.starts_with(&format!("SEARCH {table} ")))
                .unwrap_or_else(|| panic!("{table} is searched, not scanned:\n{text}"));
            assert!(
                step.contains("USING INDEX") && step.contains("(resource_id=? AND"),
                "{table} is searched by resource and time:\n{text}"
            );
        }
        assert!(!text.contains("SCAN bookings") && !text.contains("SCAN holds"), "{text}");
        assert!(
            !text.contains("bookings_business_slot"),
            "not every booking of the business:\n{text}"
        );
    }
}
