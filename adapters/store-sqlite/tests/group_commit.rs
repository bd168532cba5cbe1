//! Group commit under cancellation: callers dropped at any point (while queued, while writing,
//! while waiting for the commit) never lose an acknowledged booking, never leave a partial one,
//! and never leave the write connection stuck.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use booking_core::booking::Target;
use booking_core::ports::store::Store;
use booking_core::time::{Interval, SignedDuration, Timestamp};
use booking_core::{Actor, Details, Engine, Limits, Offer, Ports};
use booking_testkit::{FakeClock, Harness, SeqTokens};
use futures::future::join_all;

const NOW: &str = "2027-01-01T08:00:00Z";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Drops `inner` unfinished after it was polled `polls` times (a caller that gave up).
struct CancelAfter<F> {
    inner: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for CancelAfter<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls == 0 {
            return Poll::Ready(None);
        }
        self.polls -= 1;
        self.inner.as_mut().poll(cx).map(Some)
    }
}

fn engine(store: Arc<dyn Store>) -> Engine {
    Engine::new(Ports {
        store,
        clock: Arc::new(FakeClock::parse(NOW)),
        tokens: Arc::new(SeqTokens::new(3)),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_callers_lose_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("booking.db");
    let store: Arc<dyn Store> = Arc::new(booking_store_sqlite::open(&path).await.unwrap());
    let h = Harness::demo_in(store, NOW).await;
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    // 16 slots of Monday, each wanted by 8 callers; a third of the callers are dropped after 1 to
    // 64 polls, wherever they are then (queued, reading, writing, waiting for the commit).
    let starts: Vec<Timestamp> = (0..16)
        .map(|i| at("2027-01-04T08:00:00Z").checked_add(SignedDuration::from_mins(30 * i)).unwrap())
        .collect();
    let attempts = (0..128).map(|i| {
        let engine = &h.engine;
        let start = starts[i % starts.len()];
        async move {
            let book = engine.book(
                h.business,
                offer,
                start,
                None,
                Details::default(),
                Actor::guest(),
                Limits::Apply,
            );
            if i % 3 == 0 {
                CancelAfter { inner: Box::pin(book), polls: 1 + i / 2 }.await
            } else {
                Some(book.await)
            }
        }
    });
    let results = join_all(attempts).await;
    let acknowledged: Vec<_> =
        results.iter().filter_map(|r| r.as_ref().and_then(|b| b.as_ref().ok())).collect();
    let cancelled = results.iter().filter(|r| r.is_none()).count();
    let finished = results.iter().filter(|r| r.is_some()).count();
    assert!(finished > 85, "some cancellable callers finished too: {finished}");
    assert!(cancelled > 0 && !acknowledged.is_empty(), "{cancelled} cancelled");
    eprintln!("{cancelled} cancelled, {} acknowledged", acknowledged.len());
    // The write connection is not stuck: one more booking goes through.
    let last = h
        .engine
        .book(
            h.business,
            offer,
            at("2027-01-05T08:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    drop(h);
    // Reopened from the file: every acknowledged booking is there, and nothing overlaps.
    let reopened: Arc<dyn Store> = Arc::new(booking_store_sqlite::open(&path).await.unwrap());
    let business = acknowledged[0].business;
    for booking in acknowledged.iter().copied().chain([&last]) {
        let stored = reopened.booking(business, booking.id).await.unwrap();
        assert_eq!(stored.as_ref(), Some(booking), "acknowledged, so durable");
        let history = reopened.history(business, booking.id).await.unwrap();
        assert_eq!(history.len(), 1, "written whole");
    }
    let monday = Interval::new(at("2027-01-04T00:00:00Z"), at("2027-01-06T00:00:00Z")).unwrap();
    let desk = match &last.target {
        Target::Appointment { resource, .. } => *resource,
        Target::Session { .. } => unreachable!("an appointment"),
    };
    let mut busy: Vec<Interval> = reopened
        .occupancy(business, &[desk], monday)
        .await
        .unwrap()
        .bookings
        .iter()
        .map(|b| b.busy)
        .collect();
    busy.sort();
    assert!(busy.windows(2).all(|w| !w[0].overlaps(&w[1])), "no double booking: {busy:?}");
    assert!(busy.len() <= starts.len() + 1);
    // Every stored booking has its outbox job, written in the same transaction.
    let jobs = reopened.jobs(business).await.unwrap();
    let (reminders, at_once): (Vec<_>, Vec<_>) =
        jobs.iter().partition(|j| j.event == booking_core::outbox::BookingEvent::Reminder);
    // Notify, webhook, staff email (no calendar job: the business has no calendar connected).
    assert_eq!(at_once.len(), busy.len() * 3);
    assert_eq!(reminders.len(), busy.len(), "and its reminder, due a day before");
    // A new engine on the reopened store books normally.
    let again = engine(reopened)
        .book(
            business,
            offer,
            at("2027-01-05T08:30:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await;
    assert!(again.is_ok(), "{again:?}");
}
