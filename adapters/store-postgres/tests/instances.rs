//! §B2 with several app instances: each engine has its own connection pool on one database,
//! as instances behind a load balancer do. Exactly one of 64 racing bookings (or holds) of a
//! slot wins, and a session never takes more seats than it has.

use std::sync::Arc;

use booking_core::holds::LockCode;
use booking_core::ports::store::Store;
use booking_core::time::{Interval, Timestamp};
use booking_core::{Actor, Details, Engine, ErrorCode, Limits, Offer, Ports};
use booking_store_postgres::scratch::ScratchDatabase;
use booking_testkit::{Harness, SeqTokens, fixtures};
use futures::future::join_all;

const INSTANCES: usize = 4;
const RACERS: usize = 64;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A scratch database with the demo business, and one engine per instance, each on its own
/// pool. The database is dropped with the first element, which the test drops last.
async fn instances() -> Option<(ScratchDatabase, Harness, Vec<Engine>)> {
    let db = ScratchDatabase::for_test().await?;
    let first: Arc<dyn Store> =
        Arc::new(booking_store_postgres::connect(db.url(), 4).await.unwrap());
    let h = Harness::demo_in(first, "2027-01-01T08:00:00Z").await;
    let mut engines = Vec::new();
    for n in 0..INSTANCES {
        let store = booking_store_postgres::connect(db.url(), 8).await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        engines.push(Engine::new(Ports {
            store,
            clock: h.clock.clone(),
            tokens: Arc::new(SeqTokens::new(n as u64)),
        }));
    }
    Some((db, h, engines))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_booking_wins_across_instances() {
    let Some((_db, h, engines)) = instances().await else { return };
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let results = join_all((0..RACERS).map(|i| {
        engines[i % INSTANCES].book(
            h.business,
            offer,
            at("2027-01-04T10:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
    }))
    .await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{:?}", results.iter().filter_map(|r| r.as_ref().err()).collect::<Vec<_>>());
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "slot_taken"));
    let monday = Interval::new(at("2027-01-04T00:00:00Z"), at("2027-01-05T00:00:00Z")).unwrap();
    let stored = h.store.occupancy(h.business, &[h.desk], monday).await.unwrap();
    assert_eq!(stored.bookings.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hold_wins_across_instances() {
    let Some((_db, h, engines)) = instances().await else { return };
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let codes: Vec<LockCode> =
        (0..RACERS).map(|i| LockCode::parse(&format!("lock-{i}")).unwrap()).collect();
    let results = join_all(codes.iter().enumerate().map(|(i, code)| {
        engines[i % INSTANCES].hold(
            h.business,
            offer,
            at("2027-01-04T10:00:00Z"),
            code,
            Actor::guest(),
            Limits::Apply,
        )
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "slot_taken"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_never_exceed_capacity_across_instances() {
    let Some((_db, h, engines)) = instances().await else { return };
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, 10, when).await;
    let results = join_all((0..RACERS).map(|i| {
        engines[i % INSTANCES].book_seats(
            h.business,
            session,
            1 + u32::from(i % 3 == 0),
            None,
            Details::default(),
            Actor::guest(),
        )
    }))
    .await;
    let seats: u32 = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|b| match b.target {
            booking_core::booking::Target::Session { seats, .. } => seats,
            booking_core::booking::Target::Appointment { .. } => 0,
        })
        .sum();
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].booked_seats, seats);
    assert!(seats <= 10, "{seats} seats booked of 10");
    assert!(seats >= 9, "the session fills up: {seats}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "session_full"));
}
