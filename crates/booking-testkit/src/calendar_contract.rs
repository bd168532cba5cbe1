//! The calendar provider contract: what every [`CalendarApi`] must do for the §H sync to keep
//! exactly one external event per booking. Each case runs the whole use case — connect an
//! employee, book, move, cancel, a lost answer and a restart — through [`CalendarSync`] over a
//! fake of the provider's service that keeps state as the provider does.
//!
//! A provider adapter runs it with one line in its tests, given a way to start its fake
//! ([`CalendarFake`]):
//!
//! ```text
//! booking_testkit::calendar_contract_tests!(|lost_answers| async move { MyFake::start(lost_answers).await });
//! ```

use std::sync::Arc;

use booking_core::booking::Role;
use booking_core::calendar::OAuthApp;
use booking_core::catalog::{Email, ResourceKind};
use booking_core::outbox::{Drained, RetryPolicy};
use booking_core::ports::calendar::CalendarApi;
use booking_core::services::calendar::CalendarSync;
use booking_core::services::outbox::drain;
use booking_core::time::{Interval, SignedDuration, Timestamp};
use booking_core::{Actor, Booking, Details, Limits, Offer};

use crate::{FakeSealer, Harness};

/// The busy time every fake's calendar reports for its account: Monday 2027-01-04,
/// 14:00–14:20 UTC.
pub const BUSY: (&str, &str) = ("2027-01-04T14:00:00Z", "2027-01-04T14:20:00Z");

/// A provider's API over a running fake of its service.
pub trait CalendarFake: Send + Sync {
    /// A fresh client of the provider talking to this fake (a new one per call: a second call
    /// is a restarted server).
    fn api(&self) -> Arc<dyn CalendarApi>;
    /// An authorization code the fake accepts.
    fn code(&self) -> &'static str;
    /// The account the fake then reports.
    fn account(&self) -> &'static str;
    /// The start of every event now in the calendar.
    fn starts(&self) -> Vec<Timestamp>;
}

/// Runs every case for a provider. `$start` is a function of the number of event creations
/// whose answer the fake loses (it makes the event, the caller sees a timeout or a failure)
/// returning a future of a started [`CalendarFake`], whose calendar is busy at [`BUSY`].
#[macro_export]
macro_rules! calendar_contract_tests {
    ($start:expr) => {
        $crate::calendar_contract_tests!(@cases $start;
            calendar_contract_connect_book_reschedule_cancel: 0 => connect_book_reschedule_cancel,
            calendar_contract_a_lost_answer_and_a_restart_never_duplicate: 1
                => a_lost_answer_and_a_restart_never_duplicate,
        );
    };
    (@cases $start:expr; $($name:ident: $lost:literal => $case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let fake = ($start)($lost).await;
                $crate::calendar_contract::$case(&fake).await;
            }
        )*
    };
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 instant")
}

/// The demo business with its desk an employee (with an address), busy times removing slots,
/// and the provider's OAuth application.
async fn employee_with(fake: &dyn CalendarFake) -> (Harness, CalendarSync) {
    let h = Harness::demo("2027-01-01T08:00:00Z").await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = ResourceKind::Staff;
    desk.email = Some(Email::parse(fake.account()).unwrap());
    h.store.update_resource(&desk).await.unwrap();
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    h.store.update_business(&business).await.unwrap();
    let sync = sync_over(&h, fake);
    let app = OAuthApp {
        provider: fake.api().provider(),
        client_id: "contract-client".into(),
        client_secret: "contract-secret".into(),
        redirect_uri: "https://booking.example/cb".into(),
    };
    sync.configure(h.business, &app).await.unwrap();
    (h, sync)
}

fn sync_over(h: &Harness, fake: &dyn CalendarFake) -> CalendarSync {
    CalendarSync::new(h.store.clone(), vec![fake.api()], Arc::new(FakeSealer), h.clock.clone())
}

async fn book(h: &Harness, start: &str) -> Booking {
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    h.engine
        .book(h.business, offer, at(start), None, Details::default(), Actor::guest(), Limits::Apply)
        .await
        .unwrap()
}

async fn run_jobs(h: &Harness, sync: &CalendarSync) -> Drained {
    drain(h.store.as_ref(), h.clock.as_ref(), sync, &RetryPolicy::default(), 8).await.unwrap()
}

async fn listed(h: &Harness) -> Vec<Timestamp> {
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let monday = Interval::new(at("2027-01-03T23:00:00Z"), at("2027-01-04T23:00:00Z")).unwrap();
    let found = h
        .engine
        .availability(h.business, offer, monday, None, Actor::guest(), Limits::Apply)
        .await
        .unwrap();
    found.slots().iter().map(booking_core::slots::Slot::start).collect()
}

/// Connecting reads the account and the busy times (the busy slot leaves the listing, only
/// it); booking, moving and cancelling leave exactly one event at the right time, then none.
pub async fn connect_book_reschedule_cancel(fake: &dyn CalendarFake) {
    let (h, sync) = employee_with(fake).await;
    let provider = fake.api().provider();
    assert!(listed(&h).await.contains(&at(BUSY.0)));
    let connection = sync.connect(h.business, h.desk, provider, fake.code()).await.unwrap();
    assert_eq!(connection.account, fake.account());
    sync.catch_up(h.business, h.desk, 365).await.unwrap();
    let open = listed(&h).await;
    assert!(!open.contains(&at(BUSY.0)), "the busy time removes its slot");
    assert!(open.contains(&at("2027-01-04T14:30:00Z")), "and only that one");

    let booked = book(&h, "2027-01-04T09:00:00Z").await;
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    assert_eq!(fake.starts(), [at("2027-01-04T09:00:00Z")]);

    let staff = Actor::staff(Role::Admin, None);
    let moved = h
        .engine
        .reschedule(
            h.business,
            booked.id,
            at("2027-01-04T10:00:00Z"),
            None,
            None,
            staff,
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    assert_eq!(fake.starts(), [at("2027-01-04T10:00:00Z")], "moved, not duplicated");

    h.engine.cancel(h.business, moved.id, staff, None).await.unwrap();
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    assert_eq!(fake.starts(), [], "canceled: deleted");
}

/// The provider made the event but its answer was lost; the server then restarted (a new
/// client over the same store): the retry finds the event by our key and updates it.
pub async fn a_lost_answer_and_a_restart_never_duplicate(fake: &dyn CalendarFake) {
    let (h, sync) = employee_with(fake).await;
    let provider = fake.api().provider();
    sync.connect(h.business, h.desk, provider, fake.code()).await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    book(&h, "2027-01-04T09:00:00Z").await;
    let first = run_jobs(&h, &sync).await;
    assert_eq!((first.done, first.retried), (0, 1), "the answer was lost");
    assert_eq!(fake.starts().len(), 1, "yet the provider made the event");
    drop(sync);
    let restarted = sync_over(&h, fake);
    h.clock.advance(SignedDuration::from_mins(5));
    assert_eq!(run_jobs(&h, &restarted).await.done, 1);
    assert_eq!(fake.starts(), [at("2027-01-04T09:00:00Z")], "the retry updated the same event");
}

/// The in-memory provider ([`crate::FakeCalendarApi`]) as a [`CalendarFake`]: the suite's own
/// check that its cases hold of a provider that keeps events by our key.
pub struct MemoryCalendar(Arc<crate::FakeCalendarApi>);

impl MemoryCalendar {
    /// A provider `fake` in memory that loses the answers of its first `lost_answers` event
    /// creations, busy at [`BUSY`].
    #[must_use]
    pub fn start(lost_answers: u32) -> Self {
        let api = crate::FakeCalendarApi::new(booking_core::calendar::Provider::new("fake"));
        api.set_busy(vec![Interval::new(at(BUSY.0), at(BUSY.1)).unwrap()]);
        api.lose_answers(lost_answers);
        Self(Arc::new(api))
    }
}

impl CalendarFake for MemoryCalendar {
    fn api(&self) -> Arc<dyn CalendarApi> {
        self.0.clone()
    }

    fn code(&self) -> &'static str {
        "good-code"
    }

    fn account(&self) -> &'static str {
        "employee@example.com"
    }

    fn starts(&self) -> Vec<Timestamp> {
        self.0.events().iter().map(|(_, e)| e.interval.start()).collect()
    }
}
