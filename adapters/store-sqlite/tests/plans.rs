//! The hot reads search by resource and time, never through every booking of a business: their
//! cost must not grow with the stored history. These tests read SQLite's plan of the real query
//! text, so a later change that loses the index fails here, not in production five years on.

#[tokio::test]
async fn busy_times_and_occupancy_search_by_resource_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = booking_store_sqlite::open(dir.path().join("plans.db")).await.unwrap();
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

#[tokio::test]
async fn a_window_of_bookings_is_read_by_time_not_through_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = booking_store_sqlite::open(dir.path().join("plans.db")).await.unwrap();
    let plan = store.bookings_in_plan().await.unwrap();
    let text = plan.join("\n");
    assert!(!text.contains("SCAN b ") && !text.contains("SCAN bookings"), "{text}");
    assert!(!text.contains("SCAN s ") && !text.contains("SCAN sessions"), "{text}");
    assert!(
        text.contains(
            "USING INDEX bookings_business_slot (business_id=? AND slot_start_us>? AND slot_start_us<?)"
        ),
        "appointments by their start, bounded on both sides:\n{text}"
    );
    assert!(
        text.contains("USING INDEX sessions_business_end (business_id=? AND end_us>?)"),
        "sessions by their end:\n{text}"
    );
}

#[tokio::test]
async fn the_outbox_claim_reads_only_due_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = booking_store_sqlite::open(dir.path().join("plans.db")).await.unwrap();
    let plan = store.outbox_claim_plan().await.unwrap();
    let text = plan.join("\n");
    assert!(!text.contains("SCAN outbox"), "{text}");
    assert!(
        text.contains("USING INDEX outbox_effect_due (effect=? AND state=? AND run_at_us<?)"),
        "due jobs by effect, state and time, never the done ones:\n{text}"
    );
}

#[tokio::test]
async fn the_outbox_purge_reads_only_what_it_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let store = booking_store_sqlite::open(dir.path().join("plans.db")).await.unwrap();
    let text = store.outbox_purge_plan().await.unwrap().join("\n");
    assert!(!text.contains("SCAN outbox"), "{text}");
    assert!(
        text.contains(
            "USING COVERING INDEX outbox_effect_due (effect=? AND state=? AND run_at_us<?)"
        ) || text.contains("USING INDEX outbox_effect_due (effect=? AND state=? AND run_at_us<?)"),
        "old done jobs by effect, state and time:\n{text}"
    );
}

#[tokio::test]
async fn upkeep_runs_and_the_plans_hold_after_it() {
    use booking_core::ports::store::Maintenance as _;
    let dir = tempfile::tempdir().unwrap();
    let store = booking_store_sqlite::open(dir.path().join("plans.db")).await.unwrap();
    store.maintain().await.unwrap();
    let claim = store.outbox_claim_plan().await.unwrap().join("\n");
    assert!(claim.contains("outbox_effect_due (effect=? AND state=? AND run_at_us<?)"), "{claim}");
    let window = store.bookings_in_plan().await.unwrap().join("\n");
    assert!(window.contains("sessions_business_end (business_id=? AND end_us>?)"), "{window}");
}
