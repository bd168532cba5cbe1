//! The hot queries' plans on PostgreSQL, on a database seeded with a history and analysed: each
//! reads what it returns and the window asked for, never a business's whole history (issue 25).
//! Plans, not timings: a query change that loses its index fails here.

mod common;

use booking_core::ports::store::BookingStore as _;

/// Bookings written in the business's past, an hour apart, one desk after the other (a history
/// spread over several desks is what makes the planner combine a business-only index).
const PAST: i64 = 20_000;

#[tokio::test]
async fn hot_queries_read_the_window_not_the_history() {
    let Some(store) = common::fresh_store().await else { return };
    let demo = booking_testkit::fixtures::demo_business(&store, 4).await;
    let b = demo.business.get();
    let desks: Vec<i64> = demo.desks.iter().map(|d| d.get()).collect();
    let hour: i64 = 3_600_000_000;
    // A history in the server's own shape (the triggers write the occupancy and history rows):
    // this business's, and nine times as much of another's in the same table, so that the
    // business's own index is selective enough to tempt the planner.
    let seed = |demo: &booking_testkit::fixtures::Demo, count: i64| {
        let desks: Vec<i64> = demo.desks.iter().map(|d| d.get()).collect();
        sqlx::query(
            "INSERT INTO bookings (business_id, kind, agenda_id, service_id, resource_id, \
             slot_start_us, slot_end_us, busy_start_us, busy_end_us, seats, first_name, \
             last_name, answers, status, created_at_us, created_by_role) \
             SELECT $1, 'appointment', $2, $3, ($4::bigint[])[1 + g % 4], g * $5, \
             g * $5 + $5 / 2, g * $5, g * $5 + $5 / 2, 1, '', '', '[]', 'approved', 0, 'admin' \
             FROM generate_series(1, $6::bigint) g",
        )
        .bind(demo.business.get())
        .bind(demo.agenda.get())
        .bind(demo.service.get())
        .bind(desks)
        .bind(hour * PAST / count)
        .bind(count)
        .execute(store.pool())
    };
    seed(&demo, PAST).await.unwrap();
    let other = booking_testkit::fixtures::demo_business(&store, 4).await;
    seed(&other, 9 * PAST).await.unwrap();
    sqlx::query(
        "INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
         created_at_us) SELECT b.business_id, e, 'booking.created', b.id, 'done', b.created_at_us, \
         b.created_at_us FROM bookings b, unnest(ARRAY['notify', 'webhook', 'notify_staff']) e \
         WHERE b.business_id = $1",
    )
    .bind(b)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    assert!(store.bookings_in(demo.business, window(PAST + 10, 1, hour)).await.unwrap().is_empty());

    // A window before the last tenth of the history: the rows of the resource index after its
    // start are a tenth of the history, as many as the business index holds of the table.
    let (from, to) = (PAST * 9 / 10 * hour, (PAST * 9 / 10 + 1) * hour);
    let plans = store.hot_query_plans(b, &desks, from, to).await.unwrap();
    for (name, plan) in &plans {
        // The tables the history fills (the others are empty here: scanning nothing is free).
        for table in ["bookings", "outbox", "booking_history", "occupancy"] {
            assert!(
                !plan.contains(&format!("Seq Scan on {table}")),
                "{name} scans {table}:\n{plan}"
            );
        }
        assert!(!plan.contains("Gather"), "{name} starts parallel workers:\n{plan}");
        assert!(!plan.contains("JIT"), "{name} compiles itself:\n{plan}");
        assert!(
            !plan.contains("bookings_business_slot") || *name == "bookings_in",
            "{name} reads bookings by business alone:\n{plan}"
        );
    }
    let plan = |wanted: &str| &plans.iter().find(|(n, _)| *n == wanted).unwrap().1;
    for name in ["busy", "occupancy"] {
        assert!(plan(name).contains("bookings_resource"), "by resource and time:\n{}", plan(name));
    }
    assert!(plan("bookings_in").contains("bookings_business_slot"), "{}", plan("bookings_in"));
    // The claim reads due jobs by state and time (either index holds them), never done ones.
    let claim = plan("claim");
    assert!(claim.contains("outbox_effect_due") || claim.contains("outbox_due"), "{claim}");
    assert!(plan("purge").contains("outbox_effect_due"), "{}", plan("purge"));
    assert!(plan("purge").contains("outbox_pkey"), "deleted by id:\n{}", plan("purge"));
}

fn window(from_hours: i64, hours: i64, hour: i64) -> booking_core::time::Interval {
    let at = |h: i64| jiff::Timestamp::from_microsecond(h * hour).unwrap();
    booking_core::time::Interval::new(at(from_hours), at(from_hours + hours)).unwrap()
}
