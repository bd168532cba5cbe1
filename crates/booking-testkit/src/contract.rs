//! The storage contract suite: behaviour every [`Store`] implementation must have.
//!
//! Each case is a function taking a fresh, empty store. Run them all with
//! [`store_contract_tests!`](crate::store_contract_tests):
//!
//! ```text
//! booking_testkit::store_contract_tests!(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async { my_fresh_store().await });
//! ```
//!
//! Races are run with `join_all` over many futures: against a real database each future holds
//! its own connection, so the transactions genuinely interleave.

use std::sync::Arc;

use std::collections::BTreeSet;
use std::sync::Mutex;

use async_trait::async_trait;
use booking_core::booking::{BookingStatus, BookingTarget, NewBooking, Role};
use booking_core::catalog::{Business, Contact, Email};
use booking_core::engine::{BookError, ConfirmError, ErrorCode, HoldError, SeatError};
use booking_core::holds::{Hold, LockCode};
use booking_core::ids::{BusinessId, JobId};
use booking_core::outbox::{
    BookingEvent, Effect, Job, JobError, JobHandler, JobState, RetryPolicy, drain,
};
use booking_core::ports::Clock;
use booking_core::schedule::{DayHours, Exception};
use booking_core::store::{IdempotentAnswer, Store, TxError, TxScope, Write};
use booking_core::time::{Interval, SignedDuration, Timestamp};
use booking_core::{Actor, Details, Limits, Offer};
use futures::future::join_all;

use crate::Harness;
use crate::fixtures;

/// Runs every contract case as its own test. `$attr` is the async test attribute to use and
/// `$make` an expression evaluating to a future of a fresh `Arc<dyn Store>`, or of an
/// `Option<Arc<dyn Store>>` whose `None` skips the case (a database that is not available here).
#[macro_export]
macro_rules! store_contract_tests {
    (#[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            catalog_round_trips_and_is_scoped_by_business,
            books_a_listed_slot_and_unlists_it,
            catalog_changes_reach_the_next_request,
            first_available_honours_bookings_notice_and_advance,
            double_booking_is_refused,
            concurrent_bookings_of_one_slot_one_wins,
            concurrent_holds_of_one_slot_one_wins,
            a_hold_blocks_others_but_not_its_owner,
            relocking_moves_the_hold,
            an_expired_hold_never_blocks,
            confirm_after_expiry_only_if_still_free,
            cancel_frees_the_slot_and_keeps_history,
            reschedule_is_atomic,
            buffers_block_neighbours,
            desks_give_capacity,
            concurrent_seats_never_exceed_capacity,
            concurrent_seat_holds_never_exceed_capacity,
            anonymisation_erases_and_keeps_bookings,
            exceptions_and_external_busy_times_block,
            another_business_sees_nothing,
            the_store_itself_refuses_overlaps,
            the_store_itself_refuses_overbooked_sessions,
            booking_changes_write_their_jobs_in_the_transaction,
            outbox_claims_are_exclusive,
            outbox_reclaims_a_job_whose_lease_lapsed,
            outbox_retries_with_backoff_and_delivers_once,
            outbox_parks_and_operators_retry,
            idempotency_keys_remember_the_first_answer,
            accounts_are_unique_per_email,
            accounts_sign_up_verify_and_log_in,
            account_tokens_are_single_use_and_expire,
            magic_links_follow_the_business_setting,
            proving_an_email_attaches_guest_records,
            concurrent_takes_of_one_token_one_wins,
            anonymisation_ends_sessions_and_links,
            deleting_an_account_keeps_the_business_records,
            staff_sessions_last_while_their_key_does,
            api_keys_authenticate_until_revoked,
            set_up_refuses_another_business_references,
            bookings_in_a_window,
            webhooks_are_scoped_and_logged,
            email_templates_are_per_business_trigger_and_locale,
            calendar_records_round_trip,
            calendar_sync_keeps_one_event_per_booking,
            calendar_busy_times_remove_slots,
            calendar_tokens_refresh_then_break,
            calendar_meeting_links_reach_the_email,
            calendar_events_forget_an_anonymised_customer,
            outbox_honours_retry_after,
            video_setup_and_meetings_round_trip,
            video_meetings_follow_the_rules,
            codes_round_trip,
            concurrent_redemptions_of_the_last_session_one_wins,
            codes_pay_for_bookings_and_come_back,
        );
    };
    (@cases #[$attr:meta] $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $case() {
                let store: ::std::option::Option<::std::sync::Arc<dyn ::booking_core::store::Store>> =
                    $make.await.into();
                if let ::std::option::Option::Some(store) = store {
                    $crate::contract::$case(store).await;
                }
            }
        )*
    };
}

/// The calendar providers of the cases (any ids do: the set is open).
const GOOGLE: booking_core::calendar::Provider = booking_core::calendar::Provider::new("google");
const OUTLOOK: booking_core::calendar::Provider = booking_core::calendar::Provider::new("outlook");

/// Friday 2027-01-01 08:00 UTC: the demo desk opens Monday 2027-01-04 at 09:00 Paris (08:00 UTC).
pub const NOW: &str = "2027-01-01T08:00:00Z";

fn at(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 instant")
}

fn monday() -> Interval {
    Interval::new(at("2027-01-03T23:00:00Z"), at("2027-01-04T23:00:00Z")).expect("non-empty")
}

fn lock(text: &str) -> LockCode {
    LockCode::parse(text).expect("a valid lock code")
}

fn offer(h: &Harness) -> Offer {
    Offer { agenda: h.agenda, service: h.service, resource: None }
}

async fn listed(h: &Harness, code: Option<&LockCode>) -> Vec<Timestamp> {
    let found = h
        .engine
        .availability(h.business, offer(h), monday(), code, Actor::guest(), Limits::Apply)
        .await
        .expect("availability");
    found.slots().iter().map(booking_core::slots::Slot::start).collect()
}

async fn hold(h: &Harness, start: Timestamp, code: &LockCode) -> Result<Hold, HoldError> {
    h.engine.hold(h.business, offer(h), start, code, Actor::guest(), Limits::Apply).await
}

async fn book(h: &Harness, start: &str) -> Result<booking_core::Booking, BookError> {
    h.engine
        .book(
            h.business,
            offer(h),
            at(start),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
}

/// Set-up data reads back as written, and never across businesses.
pub async fn catalog_round_trips_and_is_scoped_by_business(store: Arc<dyn Store>) {
    let a = fixtures::demo_business(store.as_ref(), 2).await;
    let b = fixtures::demo_business(store.as_ref(), 1).await;
    let b_revision = store.business(b.business).await.unwrap().unwrap().revision;
    let agenda = store.agenda(a.business, a.agenda).await.unwrap().unwrap();
    assert_eq!(agenda.resources, a.desks);
    assert_eq!(agenda.services, vec![a.service]);
    let revision = |store: Arc<dyn Store>, id| async move {
        store.business(id).await.unwrap().map(|b| b.revision).unwrap()
    };
    let before = revision(store.clone(), a.business).await;
    let mut desk = store.resource(a.business, a.desks[0]).await.unwrap().unwrap();
    desk.hours.set_override("2027-01-04".parse().unwrap(), DayHours::Closed);
    store.update_resource(&desk).await.unwrap();
    assert_eq!(store.resource(a.business, a.desks[0]).await.unwrap().unwrap(), desk);
    let after_desk = revision(store.clone(), a.business).await;
    assert!(after_desk > before, "a resource change is a catalog change");
    let mut business = store.business(a.business).await.unwrap().unwrap();
    business.settings.customers_may_reschedule = true;
    business.settings.hold_ttl = SignedDuration::from_mins(3);
    store.update_business(&business).await.unwrap();
    let stored = store.business(a.business).await.unwrap().unwrap();
    assert!(stored.revision > after_desk, "a business change is a catalog change");
    assert_eq!(stored, Business { revision: stored.revision, ..business });
    let mut service = store.service(a.business, a.service).await.unwrap().unwrap();
    service.buffer_after = SignedDuration::from_mins(5);
    store.update_service(&service).await.unwrap();
    assert!(revision(store.clone(), a.business).await > stored.revision, "so is a service's");
    assert_eq!(revision(store.clone(), b.business).await, b_revision, "not another business's");
    assert_eq!(store.resources(a.business).await.unwrap().len(), 2);
    assert!(store.agenda(b.business, a.agenda).await.unwrap().is_none());
    assert!(store.resource(b.business, a.desks[0]).await.unwrap().is_none());
    assert!(store.service(b.business, a.service).await.unwrap().is_none());
    let duplicate = fixtures::agenda(a.business, "etat-civil", vec![], vec![]);
    assert!(store.create_agenda(duplicate).await.is_err(), "agenda slugs are unique per business");
    let other = fixtures::agenda(b.business, "autre", vec![], vec![]);
    assert!(store.create_agenda(other).await.is_ok());
}

/// The engine caches the catalog, yet a change to hours, a service or the agenda is seen by the
/// very next request.
pub async fn catalog_changes_reach_the_next_request(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    assert_eq!(listed(&h, None).await.len(), 16);
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.hours.set_override(
        "2027-01-04".parse().unwrap(),
        DayHours::Open(vec![fixtures::hours("09:00", "12:00")]),
    );
    h.store.update_resource(&desk).await.unwrap();
    assert_eq!(listed(&h, None).await.len(), 6, "new hours");
    let mut service = h.store.service(h.business, h.service).await.unwrap().unwrap();
    service.duration = SignedDuration::from_mins(60);
    service.step = Some(SignedDuration::from_mins(60));
    h.store.update_service(&service).await.unwrap();
    assert_eq!(listed(&h, None).await.len(), 3, "new duration");
    let mut agenda = h.store.agenda(h.business, h.agenda).await.unwrap().unwrap();
    agenda.services.clear();
    h.store.update_agenda(&agenda).await.unwrap();
    let gone = h
        .engine
        .availability(h.business, offer(&h), monday(), None, Actor::guest(), Limits::Apply)
        .await;
    assert_eq!(gone.unwrap_err().code(), "service_not_on_agenda");
}

/// A listed slot books, and is then no longer listed; the history records the creation.
pub async fn books_a_listed_slot_and_unlists_it(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let before = listed(&h, None).await;
    assert_eq!(before.len(), 16);
    let booking = book(&h, "2027-01-04T09:30:00Z").await.expect("a listed slot books");
    assert_eq!(booking.status, BookingStatus::Approved);
    let after = listed(&h, None).await;
    assert_eq!(after.len(), 15);
    assert!(!after.contains(&at("2027-01-04T09:30:00Z")));
    let history = h.store.history(h.business, booking.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].from, history[0].to), (None, BookingStatus::Approved));
    assert_eq!(h.store.booking(h.business, booking.id).await.unwrap(), Some(booking));
}

/// The first free slot moves past bookings, minimum notice and stops at the maximum advance.
pub async fn first_available_honours_bookings_notice_and_advance(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let first = || {
        h.engine.first_available(
            h.business,
            offer(&h),
            at(NOW),
            None,
            Actor::guest(),
            Limits::Apply,
        )
    };
    // Friday 2027-01-01 08:00 UTC is 09:00 in Paris: the desk is open and nothing is booked.
    assert_eq!(
        first().await.unwrap().map(|s| s.interval.start()),
        Some(at("2027-01-01T08:00:00Z"))
    );
    book(&h, "2027-01-01T08:00:00Z").await.unwrap();
    assert_eq!(
        first().await.unwrap().map(|s| s.interval.start()),
        Some(at("2027-01-01T08:30:00Z"))
    );
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.min_before_booking = SignedDuration::from_hours(8);
    h.store.update_business(&business).await.unwrap();
    // 16:00 UTC is 17:00 in Paris, closing time: the next opening is Monday 09:00.
    let next = first().await.unwrap().unwrap();
    assert_eq!(next.interval.start(), at("2027-01-04T08:00:00Z"));
    assert_eq!(next.resources, vec![h.desk]);
    business.settings.days_in_advance = 2;
    h.store.update_business(&business).await.unwrap();
    assert_eq!(first().await.unwrap(), None, "Monday is beyond two days ahead");
    // Staff may bypass notice and advance, never the past.
    let staff = Actor::staff(Role::Agent, None);
    let bypass = h
        .engine
        .first_available(
            h.business,
            offer(&h),
            at("2026-12-01T00:00:00Z"),
            None,
            staff,
            Limits::Bypass,
        )
        .await
        .unwrap();
    assert_eq!(bypass.map(|s| s.interval.start()), Some(at("2027-01-01T08:30:00Z")));
}

/// The same slot twice: the second is `slot_taken`; an unlisted start too.
pub async fn double_booking_is_refused(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    assert_eq!(book(&h, "2027-01-04T10:00:00Z").await.unwrap_err().code(), "slot_taken");
    assert_eq!(
        book(&h, "2027-01-04T10:15:00Z").await.unwrap_err().code(),
        "slot_taken",
        "off the grid"
    );
    assert_eq!(
        book(&h, "2027-01-04T16:45:00Z").await.unwrap_err().code(),
        "slot_taken",
        "past closing"
    );
}

/// 64 concurrent bookings of one slot: exactly one succeeds.
pub async fn concurrent_bookings_of_one_slot_one_wins(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let results = join_all((0..64).map(|_| book(&h, "2027-01-04T11:00:00Z"))).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{:?}", results.iter().filter_map(|r| r.as_ref().err()).collect::<Vec<_>>());
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "slot_taken"));
}

/// 64 concurrent holds of one slot with different lock codes: exactly one succeeds.
pub async fn concurrent_holds_of_one_slot_one_wins(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let codes: Vec<LockCode> = (0..64).map(|i| lock(&format!("lock-{i}"))).collect();
    let results =
        join_all(codes.iter().map(|code| hold(&h, at("2027-01-04T11:00:00Z"), code))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, HoldError::SlotTaken))
    );
}

/// Others see a held slot as taken; the owner sees it free and can book it.
pub async fn a_hold_blocks_others_but_not_its_owner(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let mine = lock("mine");
    let slot = at("2027-01-04T12:00:00Z");
    hold(&h, slot, &mine).await.unwrap();
    assert!(!listed(&h, None).await.contains(&slot));
    assert!(!listed(&h, Some(&lock("theirs"))).await.contains(&slot));
    assert!(listed(&h, Some(&mine)).await.contains(&slot));
    assert_eq!(book(&h, "2027-01-04T12:00:00Z").await.unwrap_err().code(), "slot_taken");
    let booking = h
        .engine
        .book(
            h.business,
            offer(&h),
            slot,
            Some(&mine),
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(booking.slot().unwrap().start(), slot);
    assert!(
        h.store.holds_of(h.business, &mine.digest()).await.unwrap().is_empty(),
        "booking consumes the hold"
    );
}

/// Holding again with the same lock code moves the hold: one hold per lock code.
pub async fn relocking_moves_the_hold(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let code = lock("form-7");
    hold(&h, at("2027-01-04T08:00:00Z"), &code).await.unwrap();
    hold(&h, at("2027-01-04T13:00:00Z"), &code).await.unwrap();
    let holds = h.store.holds_of(h.business, &code.digest()).await.unwrap();
    assert_eq!(holds.len(), 1);
    let free = listed(&h, None).await;
    assert!(free.contains(&at("2027-01-04T08:00:00Z")), "the old slot is free again");
    assert!(!free.contains(&at("2027-01-04T13:00:00Z")));
    // Re-locking onto the slot it already holds works too.
    hold(&h, at("2027-01-04T13:00:00Z"), &code).await.unwrap();
    assert_eq!(h.store.holds_of(h.business, &code.digest()).await.unwrap().len(), 1);
}

/// After its deadline a hold blocks nobody, though no cleanup has run.
pub async fn an_expired_hold_never_blocks(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let slot = at("2027-01-04T14:00:00Z");
    hold(&h, slot, &lock("slow")).await.unwrap();
    h.clock.advance(SignedDuration::from_mins(10));
    assert!(listed(&h, None).await.contains(&slot));
    hold(&h, slot, &lock("fast")).await.expect("expired holds do not block holds");
    h.clock.advance(SignedDuration::from_mins(11));
    book(&h, "2027-01-04T14:00:00Z").await.expect("nor bookings");
    // Housekeeping removes expired holds only.
    let idle = lock("idle");
    hold(&h, at("2027-01-04T15:00:00Z"), &idle).await.unwrap();
    assert_eq!(h.store.purge_expired_holds(h.clock.now()).await.unwrap(), 0, "a live hold is kept");
    h.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(h.store.purge_expired_holds(h.clock.now()).await.unwrap(), 1);
    assert!(h.store.holds_of(h.business, &idle.digest()).await.unwrap().is_empty());
}

/// A live hold confirms; an expired one confirms only if nobody took the slot meanwhile.
pub async fn confirm_after_expiry_only_if_still_free(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let first = lock("first");
    hold(&h, at("2027-01-04T09:00:00Z"), &first).await.unwrap();
    h.clock.advance(SignedDuration::from_mins(30));
    h.engine
        .confirm(h.business, &first, Details::default(), Actor::guest())
        .await
        .expect("expired but still free");

    let second = lock("second");
    hold(&h, at("2027-01-04T10:00:00Z"), &second).await.unwrap();
    h.clock.advance(SignedDuration::from_mins(30));
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    // The booking removed the lapsed hold in its transaction: nothing is held any more.
    let err = h
        .engine
        .confirm(h.business, &second, Details::default(), Actor::guest())
        .await
        .unwrap_err();
    assert!(matches!(err, ConfirmError::HoldNotFound), "{err:?}");

    // A lapsed hold whose slot became unavailable without being booked (an exception) is expired.
    let third = lock("third");
    hold(&h, at("2027-01-04T11:00:00Z"), &third).await.unwrap();
    let closed = Interval::new(at("2027-01-04T11:00:00Z"), at("2027-01-04T12:00:00Z")).unwrap();
    h.store
        .add_exception(
            h.business,
            h.desk,
            Exception { id: None, interval: closed, label: "meeting".into() },
        )
        .await
        .unwrap();
    h.clock.advance(SignedDuration::from_mins(30));
    let err =
        h.engine.confirm(h.business, &third, Details::default(), Actor::guest()).await.unwrap_err();
    assert!(matches!(err, ConfirmError::HoldExpired), "{err:?}");

    let none = h
        .engine
        .confirm(h.business, &lock("never"), Details::default(), Actor::guest())
        .await
        .unwrap_err();
    assert_eq!(none.code(), "hold_not_found");
    assert_eq!(h.engine.release(h.business, &third).await.unwrap(), 1);
    assert_eq!(h.engine.release(h.business, &third).await.unwrap(), 0);
}

/// Cancelling frees the slot, a second cancel is `already_canceled`, and the history grows.
pub async fn cancel_frees_the_slot_and_keeps_history(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let booking = book(&h, "2027-01-04T15:00:00Z").await.unwrap();
    let staff = Actor::staff(Role::Agent, Some(1));
    let canceled = h
        .engine
        .cancel(h.business, booking.id, staff, Some("asked by phone".into()))
        .await
        .unwrap();
    assert_eq!(canceled.status, BookingStatus::Canceled);
    assert!(listed(&h, None).await.contains(&at("2027-01-04T15:00:00Z")));
    assert_eq!(
        h.engine.cancel(h.business, booking.id, staff, None).await.unwrap_err().code(),
        "already_canceled"
    );
    let history = h.store.history(h.business, booking.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[1].from, history[1].to, history[1].actor),
        (Some(BookingStatus::Approved), BookingStatus::Canceled, staff)
    );
    assert_eq!(history[1].reason.as_deref(), Some("asked by phone"));
}

/// Rescheduling onto a taken slot leaves the old booking; onto a free one swaps in one step.
pub async fn reschedule_is_atomic(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let staff = Actor::staff(Role::Admin, None);
    let old = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    let err = h
        .engine
        .reschedule(
            h.business,
            old.id,
            at("2027-01-04T10:00:00Z"),
            None,
            None,
            staff,
            Limits::Apply,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "slot_taken");
    assert_eq!(
        h.store.booking(h.business, old.id).await.unwrap().unwrap().status,
        BookingStatus::Approved
    );
    // Moving by 30 minutes onto a slot that overlaps only the booking itself works.
    let moved = h
        .engine
        .reschedule(
            h.business,
            old.id,
            at("2027-01-04T08:30:00Z"),
            None,
            None,
            staff,
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(moved.rescheduled_from, Some(old.id));
    assert_eq!(
        h.store.booking(h.business, old.id).await.unwrap().unwrap().status,
        BookingStatus::Canceled
    );
    assert!(listed(&h, None).await.contains(&at("2027-01-04T09:00:00Z")));
}

/// A booking's buffers block neighbours, and a neighbour's buffers must fit too.
pub async fn buffers_block_neighbours(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let mut service = h.store.service(h.business, h.service).await.unwrap().unwrap();
    service.buffer_after = SignedDuration::from_mins(15);
    h.store.update_service(&service).await.unwrap();
    book(&h, "2027-01-04T10:00:00Z").await.unwrap(); // blocks 10:00–10:45 local+buffer
    let free = listed(&h, None).await;
    assert!(!free.contains(&at("2027-01-04T10:30:00Z")), "inside the first booking's buffer");
    assert!(
        !free.contains(&at("2027-01-04T09:30:00Z")),
        "its own buffer would overlap the booking"
    );
    assert!(free.contains(&at("2027-01-04T11:00:00Z")));
    assert!(!free.contains(&at("2027-01-04T15:30:00Z")), "its buffer would pass closing time");
}

/// An agenda of two desks offers two places per slot; a third booking is refused.
pub async fn desks_give_capacity(store: Arc<dyn Store>) {
    let demo = fixtures::demo_business(store.as_ref(), 2).await;
    let h = Harness::demo_in(store, NOW).await;
    let two = Offer { agenda: demo.agenda, service: demo.service, resource: None };
    let go = || {
        h.engine.book(
            demo.business,
            two,
            at("2027-01-04T09:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
    };
    let found = h
        .engine
        .availability(demo.business, two, monday(), None, Actor::guest(), Limits::Apply)
        .await
        .unwrap();
    assert_eq!(found.find(at("2027-01-04T09:00:00Z")).unwrap().free(), 2);
    let first = go().await.unwrap();
    let second = go().await.unwrap();
    assert_ne!(first.target, second.target, "each on its own desk");
    assert_eq!(go().await.unwrap_err().code(), "slot_taken");
    let results = join_all((0..16).map(|_| {
        h.engine.book(
            demo.business,
            two,
            at("2027-01-04T10:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
}

/// Concurrent seat bookings and holds never exceed a session's capacity.
pub async fn concurrent_seats_never_exceed_capacity(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (event, session) = fixtures::event_session(h.store.as_ref(), h.business, 5, when).await;
    assert_eq!(h.store.event(h.business, event).await.unwrap().map(|e| e.capacity), Some(5));
    let sessions = h.store.sessions(h.business, event).await.unwrap();
    assert_eq!(
        sessions.iter().map(|s| (s.id, s.interval)).collect::<Vec<_>>(),
        vec![(session, when)]
    );
    let code = lock("seat-holder");
    h.engine.hold_seats(h.business, session, 2, &code, Actor::guest()).await.unwrap();
    let results = join_all((0..16).map(|_| {
        h.engine.book_seats(h.business, session, 1, None, Details::default(), Actor::guest())
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3, "5 seats, 2 held");
    assert!(matches!(
        h.engine.book_seats(h.business, session, 1, None, Details::default(), Actor::guest()).await,
        Err(SeatError::SessionFull)
    ));
    h.engine
        .confirm(h.business, &code, Details::default(), Actor::guest())
        .await
        .expect("held seats confirm");
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].booked_seats, 5);
}

/// 32 concurrent seat holds with different lock codes: exactly the capacity succeeds. Held seats
/// have no database constraint of their own, so this is the transaction's guarantee alone.
pub async fn concurrent_seat_holds_never_exceed_capacity(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, 5, when).await;
    let codes: Vec<LockCode> = (0..32).map(|i| lock(&format!("seat-{i}"))).collect();
    let results = join_all(
        codes.iter().map(|code| h.engine.hold_seats(h.business, session, 1, code, Actor::guest())),
    )
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "session_full"));
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].holds.len(), 5);
}

/// Anonymisation erases the customer and their bookings' personal data, keeps the bookings,
/// is idempotent, and audits without the erased values.
pub async fn anonymisation_erases_and_keeps_bookings(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let customer = h
        .store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let details = Details {
        customer: Some(customer.id),
        contact: customer.contact.clone(),
        answers: vec![("reason".into(), "passport renewal".into())],
        code: None,
    };
    let booking = h
        .engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-04T09:00:00Z"),
            None,
            details,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(
        h.store.customer_bookings(h.business, customer.id).await.unwrap(),
        vec![booking.clone()]
    );
    let admin = Actor::staff(Role::Admin, None);
    let erased = h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    assert!(booking_core::anonymise::is_anonymous(&erased));
    assert_eq!(erased.display_name(), format!("Customer #{}", customer.id));
    let kept = h.store.booking(h.business, booking.id).await.unwrap().unwrap();
    assert_eq!(kept.contact, Contact::default());
    assert!(kept.answers.is_empty());
    assert_eq!((kept.status, kept.target), (booking.status, booking.target));
    let again = h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    assert_eq!(again, erased, "idempotent");
    let audit = h.store.audit_entries(h.business).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "customer.anonymised"));
    let text = format!("{audit:?}");
    assert!(!text.contains("Ana") && !text.contains("ana@example.org"));
    let denied = h
        .engine
        .anonymise_customer(h.business, customer.id, Actor::customer(customer.id))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), "profile_deletion_not_allowed", "off by default");
}

/// Exceptions always remove availability; external busy times only with `remove_busy_slots`.
pub async fn exceptions_and_external_busy_times_block(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let morning = Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T10:00:00Z")).unwrap();
    h.store
        .add_exception(
            h.business,
            h.desk,
            Exception { id: None, interval: morning, label: "dentist".into() },
        )
        .await
        .unwrap();
    assert_eq!(listed(&h, None).await.first(), Some(&at("2027-01-04T10:00:00Z")));
    let afternoon = Interval::new(at("2027-01-04T13:00:00Z"), at("2027-01-04T16:00:00Z")).unwrap();
    h.store.replace_external_busy(h.business, h.desk, monday(), vec![afternoon]).await.unwrap();
    assert_eq!(
        listed(&h, None).await.len(),
        12,
        "external busy is ignored while the option is off"
    );
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    h.store.update_business(&business).await.unwrap();
    assert_eq!(
        listed(&h, None).await,
        vec![
            at("2027-01-04T10:00:00Z"),
            at("2027-01-04T10:30:00Z"),
            at("2027-01-04T11:00:00Z"),
            at("2027-01-04T11:30:00Z"),
            at("2027-01-04T12:00:00Z"),
            at("2027-01-04T12:30:00Z")
        ]
    );
    assert_eq!(
        book(&h, "2027-01-04T13:00:00Z").await.unwrap_err().code(),
        "slot_taken",
        "booking uses the same rules"
    );
    // Removing the exception gives the morning back; only its owner can remove it.
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let id = h.store.exceptions(h.business, &[h.desk], monday()).await.unwrap()[0].1.id.unwrap();
    assert!(!h.store.remove_exception(other.business, h.desk, id).await.unwrap());
    assert!(h.store.remove_exception(h.business, h.desk, id).await.unwrap());
    assert!(!h.store.remove_exception(h.business, h.desk, id).await.unwrap());
    assert_eq!(listed(&h, None).await.first(), Some(&at("2027-01-04T08:00:00Z")));
}

/// Another business can neither read nor change this business's bookings and holds.
pub async fn another_business_sees_nothing(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let booking = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let code = lock("shared-code");
    hold(&h, at("2027-01-04T10:00:00Z"), &code).await.unwrap();
    assert!(h.store.booking(other.business, booking.id).await.unwrap().is_none());
    assert!(h.store.history(other.business, booking.id).await.unwrap().is_empty());
    let staff = Actor::staff(Role::Admin, None);
    assert_eq!(
        h.engine.cancel(other.business, booking.id, staff, None).await.unwrap_err().code(),
        "booking_not_found"
    );
    assert!(h.store.holds_of(other.business, &code.digest()).await.unwrap().is_empty());
    assert_eq!(h.engine.release(other.business, &code).await.unwrap(), 0);
    let foreign = Offer { agenda: h.agenda, service: h.service, resource: None };
    let err = h
        .engine
        .availability(other.business, foreign, monday(), None, Actor::guest(), Limits::Apply)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_agenda");
    // A customer sees only their own bookings.
    let stranger = Actor::customer(booking_core::ids::CustomerId::new(999));
    assert_eq!(
        h.engine.cancel(h.business, booking.id, stranger, None).await.unwrap_err().code(),
        "booking_not_found"
    );
}

/// A booking written without the core's check, as a buggy or concurrent writer would.
fn blind_booking(h: &Harness, target: BookingTarget) -> Write {
    Write::InsertBooking(NewBooking {
        business: h.business,
        target,
        customer: None,
        contact: Contact::default(),
        answers: Vec::new(),
        status: BookingStatus::Approved,
        created_at: at(NOW),
        created_by: Actor::system(),
        rescheduled_from: None,
    })
}

/// The database's own constraint: 16 concurrent transactions that skip the core's check and
/// write overlapping appointments on one desk: exactly one commits, the others are `Conflict`.
pub async fn the_store_itself_refuses_overlaps(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let slot = Interval::new(at("2027-01-04T10:00:00Z"), at("2027-01-04T10:30:00Z")).unwrap();
    let results = join_all((0..16).map(|i| {
        let store = h.store.clone();
        // Each writer's interval differs but all overlap 10:15–10:20.
        let busy = Interval::new(
            slot.start().checked_sub(SignedDuration::from_mins(i)).unwrap(),
            slot.end(),
        )
        .unwrap();
        let target = BookingTarget::Appointment {
            agenda: h.agenda,
            service: h.service,
            resource: h.desk,
            slot: busy,
            busy,
        };
        let write = blind_booking(&h, target);
        let scope = TxScope::new(h.business);
        async move {
            let mut decide = |_: &booking_core::store::TxView| Ok(vec![write.clone()]);
            store.transact(&scope, &mut decide).await
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().filter_map(|r| r.as_ref().err()).all(|e| *e == TxError::Conflict),
        "every loser is a conflict: {results:?}"
    );
    // Touching intervals do not overlap: the next half hour is still writable.
    let next = Interval::new(slot.end(), at("2027-01-04T11:00:00Z")).unwrap();
    let target = BookingTarget::Appointment {
        agenda: h.agenda,
        service: h.service,
        resource: h.desk,
        slot: next,
        busy: next,
    };
    let write = blind_booking(&h, target);
    let mut decide = |_: &booking_core::store::TxView| Ok(vec![write.clone()]);
    h.store.transact(&TxScope::new(h.business), &mut decide).await.expect("adjacent is free");
    // A canceled booking no longer occupies: its interval can be written again.
    let booked = h.store.occupancy(h.business, &[h.desk], monday()).await.unwrap().bookings;
    let first = booked.iter().find(|b| b.busy.end() == slot.end()).unwrap();
    let entry = booking_core::booking::HistoryEntry {
        at: at(NOW),
        actor: Actor::system(),
        from: Some(first.status),
        to: BookingStatus::Canceled,
        reason: None,
    };
    let cancel = Write::ChangeStatus { booking: first.id, entry };
    let again = blind_booking(
        &h,
        BookingTarget::Appointment {
            agenda: h.agenda,
            service: h.service,
            resource: h.desk,
            slot,
            busy: slot,
        },
    );
    let mut decide = |_: &booking_core::store::TxView| Ok(vec![cancel.clone(), again.clone()]);
    h.store.transact(&TxScope::new(h.business), &mut decide).await.expect("freed by the cancel");
}

/// The database's own capacity check: concurrent seat bookings that skip the core's check never
/// exceed the session's capacity.
pub async fn the_store_itself_refuses_overbooked_sessions(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, 3, when).await;
    let results = join_all((0..16).map(|_| {
        let store = h.store.clone();
        let write = blind_booking(&h, BookingTarget::Session { session, seats: 1 });
        let scope = TxScope { sessions: vec![session], ..TxScope::new(h.business) };
        async move {
            let mut decide = |_: &booking_core::store::TxView| Ok(vec![write.clone()]);
            store.transact(&scope, &mut decide).await
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| *e == TxError::Conflict));
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].booked_seats, 3);
}

fn events_of(jobs: &[Job]) -> Vec<(BookingEvent, booking_core::ids::BookingId)> {
    jobs.iter()
        .filter(|j| j.effect == Effect::Notify && j.event != BookingEvent::Reminder)
        .map(|j| (j.event, j.booking))
        .collect()
}

/// The business's jobs of one effect that run at once (not the reminders due later).
async fn jobs_of(h: &Harness, effect: Effect) -> Vec<Job> {
    let jobs = h.store.jobs(h.business).await.unwrap();
    jobs.into_iter().filter(|j| j.effect == effect && j.event != BookingEvent::Reminder).collect()
}

/// Every booking change writes its jobs with it; a refused change writes none.
pub async fn booking_changes_write_their_jobs_in_the_transaction(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let booking = book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    assert!(book(&h, "2027-01-04T10:00:00Z").await.is_err());
    let all = h.store.jobs(h.business).await.unwrap();
    let (reminders, jobs): (Vec<Job>, Vec<Job>) =
        all.into_iter().partition(|j| j.event == BookingEvent::Reminder);
    assert_eq!(events_of(&jobs), vec![(BookingEvent::Created, booking.id)]);
    let effects: Vec<Effect> = jobs.iter().map(|j| j.effect).collect();
    assert_eq!(
        effects,
        [Effect::Notify, Effect::Webhook, Effect::NotifyStaff],
        "one job per effect; no calendar job without calendar sync"
    );
    assert_eq!(reminders.len(), 1, "and a reminder");
    assert_eq!((reminders[0].effect, reminders[0].booking), (Effect::Notify, booking.id));
    assert_eq!(reminders[0].run_at, at("2027-01-03T10:00:00Z"), "due a day before the start");
    let job = &jobs[0];
    assert_eq!((job.effect, job.state, job.attempts), (Effect::Notify, JobState::Pending, 0));
    assert_eq!((job.run_at, job.lease_until, job.last_error.as_deref()), (at(NOW), None, None));
    let moved = h
        .engine
        .reschedule(
            h.business,
            booking.id,
            at("2027-01-04T13:00:00Z"),
            None,
            None,
            Actor::staff(Role::Agent, None),
            Limits::Apply,
        )
        .await
        .unwrap();
    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Agent, None), None).await.unwrap();
    let jobs = h.store.jobs(h.business).await.unwrap();
    assert_eq!(
        events_of(&jobs),
        vec![
            (BookingEvent::Created, booking.id),
            (BookingEvent::Rescheduled, moved.id),
            (BookingEvent::Status(BookingStatus::Canceled), moved.id),
        ]
    );
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    assert!(h.store.jobs(other.business).await.unwrap().is_empty(), "scoped by business");
}

async fn book_jobs(h: &Harness, count: usize) -> Vec<JobId> {
    let mut start = at("2027-01-04T08:00:00Z");
    for _ in 0..count {
        book(h, &start.to_string()).await.unwrap();
        start = start.checked_add(SignedDuration::from_mins(30)).unwrap();
    }
    jobs_of(h, Effect::Notify).await.iter().map(|j| j.id).collect()
}

/// Eight workers claiming at once never get the same job.
pub async fn outbox_claims_are_exclusive(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let ids = book_jobs(&h, 12).await;
    assert_eq!(ids.len(), 12);
    let lease = SignedDuration::from_mins(1);
    let claims = join_all((0..8).map(|_| h.store.claim(at(NOW), lease, 2, Effect::Notify))).await;
    let claimed: Vec<JobId> = claims.into_iter().flat_map(Result::unwrap).map(|j| j.id).collect();
    let unique: BTreeSet<JobId> = claimed.iter().copied().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice: {claimed:?}");
    assert_eq!(claimed.len(), 12);
    assert!(
        h.store.claim(at(NOW), lease, 10, Effect::Notify).await.unwrap().is_empty(),
        "all leased"
    );
    // Another effect's worker gets that effect's jobs only.
    let webhooks = h.store.claim(at(NOW), lease, 100, Effect::Webhook).await.unwrap();
    assert_eq!(webhooks.len(), 12);
    assert!(webhooks.iter().all(|j| j.effect == Effect::Webhook && !unique.contains(&j.id)));
}

/// A job whose worker died is claimed again once its lease ends, and the dead worker's late
/// answer is ignored.
pub async fn outbox_reclaims_a_job_whose_lease_lapsed(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 1).await;
    let lease = SignedDuration::from_mins(1);
    let first = h.store.claim(at(NOW), lease, 10, Effect::Notify).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].attempts, first[0].state), (1, JobState::Claimed));
    assert_eq!(first[0].lease_until, Some(at("2027-01-01T08:01:00Z")));
    assert!(
        h.store
            .claim(at("2027-01-01T08:00:59Z"), lease, 10, Effect::Notify)
            .await
            .unwrap()
            .is_empty()
    );
    let second =
        h.store.claim(at("2027-01-01T08:01:00Z"), lease, 10, Effect::Notify).await.unwrap();
    assert_eq!(second.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(), [(first[0].id, 2)]);
    assert!(!h.store.complete(first[0].id, 1).await.unwrap(), "the dead worker lost its lease");
    assert!(!h.store.fail(first[0].id, 1, "late", None).await.unwrap());
    assert!(h.store.complete(first[0].id, 2).await.unwrap());
    assert!(!h.store.complete(first[0].id, 2).await.unwrap(), "completion is idempotent");
    let jobs = jobs_of(&h, Effect::Notify).await;
    assert_eq!((jobs[0].state, jobs[0].attempts, jobs[0].lease_until), (JobState::Done, 2, None));
    assert!(
        h.store
            .claim(at("2027-01-02T00:00:00Z"), lease, 10, Effect::Notify)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Fails its first `failures` runs of each job with a temporary error, then delivers once.
struct Flaky {
    failures: u32,
    runs: Mutex<Vec<(JobId, u32)>>,
    delivered: Mutex<Vec<String>>,
}

impl Flaky {
    fn new(failures: u32) -> Self {
        Self { failures, runs: Mutex::new(Vec::new()), delivered: Mutex::new(Vec::new()) }
    }
}

#[async_trait]
impl JobHandler for Flaky {
    fn effect(&self) -> Effect {
        Effect::Notify
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let mut runs = self.runs.lock().unwrap();
        runs.push((job.id, job.attempts));
        if job.attempts <= self.failures {
            return Err(JobError::Retry(format!("smtp timeout #{}", job.attempts)));
        }
        let mut delivered = self.delivered.lock().unwrap();
        if !delivered.contains(&job.delivery_key()) {
            delivered.push(job.delivery_key());
        }
        Ok(())
    }
}

/// A failing job is retried after 30 s, then 60 s, and delivered once.
pub async fn outbox_retries_with_backoff_and_delivers_once(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 1).await;
    let handler = Flaky::new(2);
    let policy = RetryPolicy::default();
    let run = || drain(h.store.as_ref(), h.clock.as_ref(), &handler, &policy, 10);
    assert_eq!(run().await.unwrap().retried, 1);
    assert_eq!(run().await.unwrap().claimed(), 0, "not before its backoff");
    h.clock.advance(SignedDuration::from_secs(29));
    assert_eq!(run().await.unwrap().claimed(), 0);
    h.clock.advance(SignedDuration::from_secs(1));
    assert_eq!(run().await.unwrap().retried, 1);
    let job = jobs_of(&h, Effect::Notify).await.remove(0);
    assert_eq!(job.run_at, at("2027-01-01T08:01:30Z"), "60 s after the second failure");
    assert_eq!(job.last_error.as_deref(), Some("temporary failure: smtp timeout #2"));
    h.clock.advance(SignedDuration::from_secs(60));
    assert_eq!(run().await.unwrap().done, 1);
    h.clock.advance(SignedDuration::from_hours(2));
    assert_eq!(run().await.unwrap().claimed(), 0, "done jobs never run again");
    assert_eq!(handler.delivered.lock().unwrap().len(), 1);
    assert_eq!(
        handler.runs.lock().unwrap().iter().map(|r| r.1).collect::<Vec<_>>(),
        [1, 2, 3],
        "attempts are counted"
    );
    assert_eq!(jobs_of(&h, Effect::Notify).await[0].state, JobState::Done);
}

struct Refused;

#[async_trait]
impl JobHandler for Refused {
    fn effect(&self) -> Effect {
        Effect::Notify
    }

    async fn handle(&self, _: &Job) -> Result<(), JobError> {
        Err(JobError::Permanent("mailbox does not exist".into()))
    }
}

/// Jobs that keep failing are parked (at once when permanent); an operator puts them back.
pub async fn outbox_parks_and_operators_retry(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let ids = book_jobs(&h, 2).await;
    let policy = RetryPolicy { max_attempts: 2, ..RetryPolicy::default() };
    let report = drain(h.store.as_ref(), h.clock.as_ref(), &Refused, &policy, 1).await.unwrap();
    assert_eq!((report.parked, report.retried), (2, 0));
    let always = Flaky::new(u32::MAX);
    assert_eq!(
        drain(h.store.as_ref(), h.clock.as_ref(), &always, &policy, 1).await.unwrap().claimed(),
        0,
        "parked jobs are not claimed"
    );
    assert!(h.store.retry_parked(h.business, ids[0], at(NOW)).await.unwrap());
    assert!(!h.store.retry_parked(h.business, ids[0], at(NOW)).await.unwrap(), "not parked now");
    let other = BusinessId::new(h.business.get() + 1_000);
    assert!(!h.store.retry_parked(other, ids[1], at(NOW)).await.unwrap(), "scoped by business");
    let report = drain(h.store.as_ref(), h.clock.as_ref(), &always, &policy, 1).await.unwrap();
    assert_eq!(report.parked, 1, "the attempt count goes on, so it parks again: {report}");
    let jobs = jobs_of(&h, Effect::Notify).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Parked));
}

/// The first answer remembered for a key wins; keys are per business; old answers are purged.
pub async fn idempotency_keys_remember_the_first_answer(store: Arc<dyn Store>) {
    let a = fixtures::demo_business(store.as_ref(), 1).await.business;
    let b = fixtures::demo_business(store.as_ref(), 1).await.business;
    let answer = |subject: &str, when: &str| IdempotentAnswer {
        fingerprint: "f1".into(),
        status: 201,
        subject: subject.into(),
        created_at: at(when),
    };
    assert_eq!(store.recall(a, "key-1").await.unwrap(), None);
    let first = answer("booking:1", NOW);
    assert_eq!(store.remember(a, "key-1", first.clone()).await.unwrap(), first);
    let late = answer("booking:2", NOW);
    assert_eq!(store.remember(a, "key-1", late).await.unwrap(), first, "first wins");
    assert_eq!(store.recall(a, "key-1").await.unwrap(), Some(first.clone()));
    assert_eq!(store.recall(b, "key-1").await.unwrap(), None, "per business");
    let later = answer("booking:3", "2027-01-02T08:00:00Z");
    store.remember(b, "key-1", later.clone()).await.unwrap();
    assert_eq!(store.forget_answers_before(at("2027-01-02T00:00:00Z")).await.unwrap(), 1);
    assert_eq!(store.recall(a, "key-1").await.unwrap(), None);
    assert_eq!(store.recall(b, "key-1").await.unwrap(), Some(later.clone()));
    // A reservation is settled with the final answer, only from the subject it expects: of two
    // requests taking one over, one wins.
    let settled = answer("booking:4", "2027-01-02T08:00:00Z");
    assert!(store.settle(b, "key-1", "booking:3", settled.clone()).await.unwrap());
    assert_eq!(store.recall(b, "key-1").await.unwrap(), Some(settled.clone()));
    let late = answer("booking:5", "2027-01-02T08:00:00Z");
    assert!(!store.settle(b, "key-1", "booking:3", late).await.unwrap(), "already settled");
    assert_eq!(store.recall(b, "key-1").await.unwrap(), Some(settled));
    assert!(!store.settle(b, "no-such-key", "x", answer("y", NOW)).await.unwrap());
}

/// §C4: a key authenticates its business and role until revoked; only its digest is stored;
/// another business can neither list nor revoke it.
pub async fn api_keys_authenticate_until_revoked(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let (key, secret) =
        h.engine.issue_api_key(h.business, "integration", Role::Agent, None).await.unwrap();
    let principal = h.engine.authenticate(secret.expose()).await.unwrap().unwrap();
    assert_eq!(
        (principal.business, principal.role, principal.subject),
        (h.business, Role::Agent, None)
    );
    assert_eq!(h.store.api_keys(h.business).await.unwrap(), vec![key.clone()]);
    assert!(h.store.api_keys(other).await.unwrap().is_empty());
    let stored = h.store.api_key_by_digest(&key.digest).await.unwrap().unwrap();
    assert_ne!(stored.digest.to_hex(), secret.expose(), "the key itself is not stored");
    // A near miss authenticates no one.
    let mut wrong = secret.expose().to_owned();
    wrong.pop();
    wrong.push(if secret.expose().ends_with('0') { '1' } else { '0' });
    assert_eq!(h.engine.authenticate(&wrong).await.unwrap(), None);
    assert_eq!(h.engine.authenticate("not a key").await.unwrap(), None);
    assert_eq!(
        h.engine.revoke_api_key(other, key.id).await.unwrap_err().code(),
        "not_found",
        "another business cannot revoke it"
    );
    assert!(h.engine.authenticate(secret.expose()).await.unwrap().is_some());
    h.engine.revoke_api_key(h.business, key.id).await.unwrap();
    assert_eq!(h.engine.authenticate(secret.expose()).await.unwrap(), None);
    assert_eq!(h.engine.revoke_api_key(h.business, key.id).await.unwrap_err().code(), "not_found");
    // Staff and customer keys name one of the business's own.
    let staff = h.engine.issue_api_key(h.business, "desk", Role::Staff, Some(h.desk.get())).await;
    assert_eq!(staff.unwrap_err().code(), "invalid_value", "a desk is not a staff member");
    let foreign = fixtures::demo_business(h.store.as_ref(), 1).await;
    let err = h
        .engine
        .issue_api_key(h.business, "x", Role::Staff, Some(foreign.desks[0].get()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_resource");
    let err = h.engine.issue_api_key(h.business, "x", Role::System, None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_value");
}

/// Set-up and bookings refuse ids of another business: nothing links two tenants.
pub async fn set_up_refuses_another_business_references(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let zone = fixtures::zone("Europe/Paris");
    let mut draft =
        fixtures::agenda(h.business, "mixed", vec![h.desk, other.desks[0]], vec![h.service]);
    let err = h.engine.create_agenda(h.business, draft.clone()).await.unwrap_err();
    assert_eq!(err.code(), "unknown_resource");
    draft.resources = vec![h.desk];
    draft.services = vec![other.service];
    assert_eq!(
        h.engine.create_agenda(h.business, draft).await.unwrap_err().code(),
        "unknown_service"
    );
    // Updating another business's agenda or service is "not found".
    let mut foreign = h.store.agenda(other.business, other.agenda).await.unwrap().unwrap();
    foreign.name = "stolen".into();
    assert_eq!(h.engine.update_agenda(h.business, foreign).await.unwrap_err().code(), "not_found");
    // A session of another business's event.
    assert!(h.store.events(h.business).await.unwrap().is_empty());
    let (event, _) = fixtures::event_session(
        h.store.as_ref(),
        other.business,
        3,
        Interval::new(at("2027-01-05T09:00:00Z"), at("2027-01-05T10:00:00Z")).unwrap(),
    )
    .await;
    let session = booking_core::catalog::Session {
        id: booking_core::ids::SessionId::new(0),
        business: h.business,
        event,
        interval: Interval::new(at("2027-01-06T09:00:00Z"), at("2027-01-06T10:00:00Z")).unwrap(),
        capacity: 3,
        leader: None,
    };
    assert_eq!(
        h.engine.create_session(h.business, session).await.unwrap_err().code(),
        "unknown_event"
    );
    // An exception on another business's resource.
    let exception = Exception::all_day(
        &zone,
        at(NOW).to_zoned(zone.tz().clone()).date(),
        at(NOW).to_zoned(zone.tz().clone()).date(),
        "off",
    )
    .unwrap();
    let err = h.engine.add_exception(h.business, other.desks[0], exception).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
    // A booking for another business's customer.
    let stranger = h
        .store
        .create_customer(fixtures::customer(other.business, "Bo", "Ng", "bo@example.org"))
        .await
        .unwrap();
    let details = Details { customer: Some(stranger.id), ..Details::default() };
    let err = h
        .engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-04T09:00:00Z"),
            None,
            details,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "customer_not_found");
    assert!(listed(&h, None).await.contains(&at("2027-01-04T09:00:00Z")), "nothing was booked");
}

/// The bookings of a window: appointments and sessions overlapping it, any status, this
/// business only.
pub async fn bookings_in_a_window(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let nine = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let ten = book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    book(&h, "2027-01-05T10:00:00Z").await.unwrap();
    h.engine.cancel(h.business, ten.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    let (_, session) = fixtures::event_session(
        h.store.as_ref(),
        h.business,
        3,
        Interval::new(at("2027-01-04T12:00:00Z"), at("2027-01-04T13:00:00Z")).unwrap(),
    )
    .await;
    let seat = h
        .engine
        .book_seats(h.business, session, 1, None, Details::default(), Actor::guest())
        .await
        .unwrap();
    let window = Interval::new(at("2027-01-04T09:29:00Z"), at("2027-01-04T12:30:00Z")).unwrap();
    let found: Vec<_> =
        h.store.bookings_in(h.business, window).await.unwrap().iter().map(|b| b.id).collect();
    assert_eq!(found, vec![nine.id, ten.id, seat.id]);
    assert!(h.store.bookings_in(other.business, window).await.unwrap().is_empty());
    let before = Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T09:00:00Z")).unwrap();
    assert!(h.store.bookings_in(h.business, before).await.unwrap().is_empty(), "end is exclusive");
}

/// One account per email address; verification is recorded once.
pub async fn accounts_are_unique_per_email(store: Arc<dyn Store>) {
    let email = Email::parse("ana@example.org").unwrap();
    let account = store.create_account(email.clone()).await.unwrap();
    assert_eq!(account.verified_at, None);
    assert!(store.create_account(email.clone()).await.is_err());
    assert_eq!(store.account_by_email(&email).await.unwrap(), Some(account.clone()));
    assert_eq!(store.account(account.id).await.unwrap(), Some(account.clone()));
    assert!(store.verify_account(account.id, at(NOW)).await.unwrap());
    assert!(store.verify_account(account.id, at("2027-02-01T00:00:00Z")).await.unwrap());
    let verified = store.account(account.id).await.unwrap().unwrap();
    assert_eq!(verified.verified_at, Some(at(NOW)), "the first proof is kept");
    let other = Email::parse("bo@example.org").unwrap();
    assert_eq!(store.account_by_email(&other).await.unwrap(), None);
}

/// For the adapters' database scans (§A7): stores a customer with distinctive personal values —
/// contact, notes, custom fields, a booking with answers, a rescheduled one, a cancellation
/// reason — anonymises them, then asks `find` (every `table.column` of the database whose text
/// contains a value) for each of them: none may be found. A control value (the agenda's slug)
/// must be found in `agendas.slug`, so a scan that sees nothing fails.
pub async fn assert_anonymisation_leaves_nothing(
    store: Arc<dyn Store>,
    find: impl AsyncFn(&str) -> Vec<String>,
) {
    let values = anonymised_customer_values(store).await;
    let control = find("etat-civil").await;
    assert!(control.contains(&"agendas.slug".to_owned()), "the scan sees stored text: {control:?}");
    for value in &values {
        assert_eq!(find(value).await, Vec::<String>::new(), "{value:?} was left");
    }
}

async fn anonymised_customer_values(store: Arc<dyn Store>) -> Vec<String> {
    let h = Harness::demo_in(store, NOW).await;
    let values: Vec<String> = [
        "Zéphyrine",
        "Quillfeather",
        "zephyrine.q@example.org",
        "+33 6 12 34 56 78",
        "allergic to latex",
        "badge-4471-secret",
        "renewal for Zéphyrine junior",
        "Zéphyrine is ill",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut draft = fixtures::customer(h.business, &values[0], &values[1], &values[2]);
    draft.contact.phone = Some(values[3].clone());
    draft.notes = values[4].clone();
    draft.fields = vec![("badge".into(), values[5].clone())];
    let customer = h.store.create_customer(draft).await.unwrap();
    let details = Details {
        customer: Some(customer.id),
        contact: customer.contact.clone(),
        answers: vec![("reason".into(), values[6].clone())],
        code: None,
    };
    let first = h
        .engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-04T09:00:00Z"),
            None,
            details.clone(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let agent = Actor::staff(Role::Agent, None);
    let moved = h
        .engine
        .reschedule(
            h.business,
            first.id,
            at("2027-01-04T14:00:00Z"),
            None,
            None,
            agent,
            Limits::Apply,
        )
        .await
        .unwrap();
    h.engine.cancel(h.business, moved.id, agent, Some(values[7].clone())).await.unwrap();
    h.engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-05T09:00:00Z"),
            None,
            details,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let admin = Actor::staff(Role::Admin, None);
    h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    for booking in h.store.customer_bookings(h.business, customer.id).await.unwrap() {
        let history = h.store.history(h.business, booking.id).await.unwrap();
        assert!(history.iter().all(|e| e.reason.is_none()), "reasons are erased: {history:?}");
        assert!(!history.is_empty(), "the history itself is kept");
    }
    values
}

/// §C9 Endpoints belong to one business; every attempt is logged; `delivered` is per job and
/// endpoint and only counts successes.
pub async fn webhooks_are_scoped_and_logged(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let hook =
        h.engine.register_webhook(h.business, "https://example.org/hook", vec![]).await.unwrap();
    let picky = h
        .engine
        .register_webhook(h.business, "https://example.org/cancel", vec!["booking.canceled".into()])
        .await
        .unwrap();
    assert!(hook.secret.expose().starts_with("whsec_"));
    assert_ne!(hook.secret, picky.secret);
    let err =
        h.engine.register_webhook(h.business, "http://example.org/x", vec![]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_value");
    assert_eq!(h.store.webhooks(h.business).await.unwrap(), vec![hook.clone(), picky.clone()]);
    assert!(h.store.webhooks(other).await.unwrap().is_empty());
    assert_eq!(h.engine.remove_webhook(other, hook.id).await.unwrap_err().code(), "not_found");
    let booking = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let job = jobs_of(&h, Effect::Webhook).await.remove(0);
    let attempt = |ok: bool, status: Option<u16>| booking_core::webhooks::Delivery {
        business: h.business,
        endpoint: hook.id,
        job: job.id,
        booking: booking.id,
        event: "booking.created".into(),
        at: at(NOW),
        status,
        ok,
        error: (!ok).then(|| "HTTP 500".to_owned()),
    };
    h.store.record_delivery(attempt(false, Some(500))).await.unwrap();
    assert!(!h.store.delivered(job.id, hook.id).await.unwrap(), "a failure is not a delivery");
    h.store.record_delivery(attempt(true, Some(204))).await.unwrap();
    assert!(h.store.delivered(job.id, hook.id).await.unwrap());
    assert!(!h.store.delivered(job.id, picky.id).await.unwrap(), "per endpoint");
    let log = h.store.deliveries(h.business, hook.id, 10).await.unwrap();
    assert_eq!(log.iter().map(|d| d.ok).collect::<Vec<_>>(), [true, false], "newest first");
    assert_eq!(log[1].error.as_deref(), Some("HTTP 500"));
    assert_eq!(h.store.deliveries(h.business, hook.id, 1).await.unwrap().len(), 1);
    assert!(h.store.deliveries(other, hook.id, 10).await.unwrap().is_empty());
    h.engine.remove_webhook(h.business, hook.id).await.unwrap();
    assert_eq!(h.store.webhooks(h.business).await.unwrap(), vec![picky]);
    assert_eq!(
        h.store.deliveries(h.business, hook.id, 10).await.unwrap().len(),
        2,
        "the log stays"
    );
}

/// §E3 A business's templates replace the shipped wording per trigger and locale, are checked
/// when saved, and belong to it alone.
pub async fn email_templates_are_per_business_trigger_and_locale(store: Arc<dyn Store>) {
    use booking_core::notify::{EmailTemplate, Trigger};
    use booking_core::settings::Locale;
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let mine = EmailTemplate {
        business: h.business,
        trigger: Trigger::Approved,
        locale: Locale::Fr,
        subject: "RDV %appointment_date%".into(),
        text: "À bientôt %customer_first_name%".into(),
    };
    h.engine.save_email_template(mine.clone()).await.unwrap();
    let again = EmailTemplate { subject: "RDV confirmé".into(), ..mine.clone() };
    h.engine.save_email_template(again.clone()).await.unwrap();
    assert_eq!(h.store.email_templates(h.business).await.unwrap(), vec![again.clone()], "replaced");
    assert_eq!(
        h.store.email_template(h.business, Trigger::Approved, Locale::Fr).await.unwrap(),
        Some(again)
    );
    assert_eq!(
        h.store.email_template(h.business, Trigger::Approved, Locale::En).await.unwrap(),
        None
    );
    assert_eq!(h.store.email_template(other, Trigger::Approved, Locale::Fr).await.unwrap(), None);
    let wrong = EmailTemplate { text: "Bonjour %customer_nickname%".into(), ..mine.clone() };
    let err = h.engine.save_email_template(wrong).await.unwrap_err();
    assert_eq!(err.code(), "invalid_template");
    assert!(err.to_string().contains("%customer_nickname%"), "{err}");
    assert_eq!(
        h.engine
            .reset_email_template(other, Trigger::Approved, Locale::Fr)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    h.engine.reset_email_template(h.business, Trigger::Approved, Locale::Fr).await.unwrap();
    assert!(h.store.email_templates(h.business).await.unwrap().is_empty());
}

fn accounts_of(h: &Harness) -> booking_core::services::accounts::Accounts {
    booking_core::services::accounts::Accounts::new(
        h.store.clone(),
        h.clock.clone(),
        Arc::new(crate::SeqTokens::new(99)),
        Arc::new(crate::FakeHasher),
    )
}

fn secret(text: &str) -> booking_core::ports::Secret {
    booking_core::ports::Secret::new(text.to_owned())
}

fn sign_up_form(email: &str) -> booking_core::accounts::SignUp {
    booking_core::accounts::SignUp {
        email: email.to_owned(),
        password: secret("correct horse battery"),
        first_name: "Ana".into(),
        last_name: "Lima".into(),
        phone: None,
        accepted_terms: true,
    }
}

async fn set_settings(
    store: &dyn Store,
    business: BusinessId,
    f: impl FnOnce(&mut booking_core::settings::Settings),
) {
    let mut b = store.business(business).await.unwrap().unwrap();
    f(&mut b.settings);
    store.update_business(&b).await.unwrap();
}

/// §D1: sign-up, verification, log-in, sessions scoped to one business, log-out.
pub async fn accounts_sign_up_verify_and_log_in(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let err = |e: booking_core::accounts::AccountError| e.code();
    let no_terms =
        booking_core::accounts::SignUp { accepted_terms: false, ..sign_up_form("ana@example.org") };
    assert_eq!(
        a.sign_up(h.business, no_terms).await.map(|_| ()).map_err(err),
        Err("terms_not_accepted")
    );
    let weak = booking_core::accounts::SignUp {
        password: secret("short"),
        ..sign_up_form("ana@example.org")
    };
    assert_eq!(a.sign_up(h.business, weak).await.map(|_| ()).map_err(err), Err("weak_password"));
    let SignedUp::Created { account, token } =
        a.sign_up(h.business, sign_up_form("Ana@Example.org")).await.unwrap()
    else {
        panic!("a new email makes an account")
    };
    assert!(matches!(
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap(),
        SignedUp::AlreadyExists { .. }
    ));
    let password = secret("correct horse battery");
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &password).await.map(|_| ()).map_err(err),
        Err("email_not_verified")
    );
    let (verified, _) = a.verify_email(&token).await.unwrap();
    assert_eq!(verified.id, account.id);
    assert!(verified.verified_at.is_some());
    assert_eq!(
        a.verify_email(&token).await.map(|_| ()).map_err(err),
        Err("invalid_token"),
        "single use"
    );
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &secret("wrong password!"))
            .await
            .map(|_| ())
            .map_err(err),
        Err("invalid_credentials")
    );
    assert_eq!(
        a.log_in(h.business, "bo@example.org", &password).await.map(|_| ()).map_err(err),
        Err("invalid_credentials")
    );
    let here = a.log_in(h.business, "ana@example.org", &password).await.unwrap();
    let record = h.store.customer(h.business, here.session.customer).await.unwrap().unwrap();
    assert_eq!(record.account, Some(account.id));
    assert_eq!(record.contact.first_name, "Ana");
    assert_eq!(a.session(h.business, here.token.expose()).await.unwrap(), Some(here.session));
    assert_eq!(
        a.session(other, here.token.expose()).await.unwrap(),
        None,
        "a session opens one business"
    );
    // The same account through another business: its own record there.
    let there = a.log_in(other, "ana@example.org", &password).await.unwrap();
    assert_ne!(there.session.customer, here.session.customer);
    assert_eq!(h.store.customer(h.business, there.session.customer).await.unwrap(), None);
    a.log_out(here.token.expose()).await.unwrap();
    assert_eq!(a.session(h.business, here.token.expose()).await.unwrap(), None);
    assert!(a.session(other, there.token.expose()).await.unwrap().is_some());
    h.clock.advance(booking_core::accounts::SESSION_TTL);
    assert_eq!(a.session(other, there.token.expose()).await.unwrap(), None, "sessions expire");
}

/// §D1: reset links are single-use and expire; a reset closes the account's sessions.
pub async fn account_tokens_are_single_use_and_expire(store: Arc<dyn Store>) {
    use booking_core::accounts::{ResetRequested, SignedUp};
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    let SignedUp::Created { token, .. } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    a.verify_email(&token).await.unwrap();
    let session =
        a.log_in(h.business, "ana@example.org", &secret("correct horse battery")).await.unwrap();
    assert!(matches!(
        a.request_reset("nobody@example.org").await.unwrap(),
        ResetRequested::Unknown
    ));
    let ResetRequested::Mail { token: old, .. } = a.request_reset("ana@example.org").await.unwrap()
    else {
        panic!()
    };
    h.clock.advance(booking_core::accounts::RESET_TTL);
    assert!(!a.reset_is_live(&old).await.unwrap());
    assert_eq!(
        a.reset_password(&old, &secret("a new long password")).await.unwrap_err().code(),
        "invalid_token",
        "expired"
    );
    let ResetRequested::Mail { token, .. } = a.request_reset("ana@example.org").await.unwrap()
    else {
        panic!()
    };
    assert!(a.reset_is_live(&token).await.unwrap());
    assert_eq!(
        a.reset_password(&token, &secret("short")).await.unwrap_err().code(),
        "weak_password"
    );
    assert!(a.reset_is_live(&token).await.unwrap(), "a refused password does not spend the link");
    a.reset_password(&token, &secret("a new long password")).await.unwrap();
    assert_eq!(
        a.reset_password(&token, &secret("another password")).await.unwrap_err().code(),
        "invalid_token",
        "reused"
    );
    assert_eq!(
        a.session(h.business, session.token.expose()).await.unwrap(),
        None,
        "a reset closes sessions"
    );
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &secret("correct horse battery"))
            .await
            .unwrap_err()
            .code(),
        "invalid_credentials"
    );
    a.log_in(h.business, "ana@example.org", &secret("a new long password")).await.unwrap();
}

/// §D2: magic links exist only when the business does not require a password; they are
/// single-use, scoped to one business, expire, and can be revoked.
pub async fn magic_links_follow_the_business_setting(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let guest = h
        .store
        .create_customer(booking_core::catalog::Customer {
            id: booking_core::ids::CustomerId::new(0),
            business: h.business,
            account: None,
            contact: Contact {
                first_name: "Bo".into(),
                email: Some(Email::parse("bo@example.org").unwrap()),
                ..Contact::default()
            },
            notes: String::new(),
            fields: vec![],
            anonymised_at: None,
        })
        .await
        .unwrap();
    assert_eq!(
        a.magic_link(h.business, guest.id).await.unwrap_err().code(),
        "not_offered",
        "passwords by default"
    );
    set_settings(h.store.as_ref(), h.business, |s| s.require_password = false).await;
    set_settings(h.store.as_ref(), other, |s| s.require_password = false).await;
    let link = a.magic_link(h.business, guest.id).await.unwrap();
    assert!(link.expose().len() >= 32, "at least 128 bits");
    assert!(a.magic_link_is_live(h.business, &link).await.unwrap());
    assert!(!a.magic_link_is_live(other, &link).await.unwrap());
    assert_eq!(a.redeem_magic_link(other, &link).await.unwrap_err().code(), "invalid_token");
    let opened = a.redeem_magic_link(h.business, &link).await.unwrap();
    assert_eq!(opened.session.customer, guest.id);
    assert_eq!(
        a.redeem_magic_link(h.business, &link).await.unwrap_err().code(),
        "invalid_token",
        "reused"
    );
    let revoked = a.magic_link(h.business, guest.id).await.unwrap();
    assert_eq!(a.revoke_magic_links(h.business, guest.id).await.unwrap(), 1);
    assert_eq!(
        a.redeem_magic_link(h.business, &revoked).await.unwrap_err().code(),
        "invalid_token"
    );
    let late = a.magic_link(h.business, guest.id).await.unwrap();
    h.clock.advance(booking_core::settings::Settings::default().magic_link_lifetime);
    assert_eq!(
        a.redeem_magic_link(h.business, &late).await.unwrap_err().code(),
        "invalid_token",
        "expired"
    );
    let (found, _) = a.request_magic_link(h.business, "BO@example.org").await.unwrap().unwrap();
    assert_eq!(found.id, guest.id);
    assert!(a.request_magic_link(other, "bo@example.org").await.unwrap().is_none());
    set_settings(h.store.as_ref(), h.business, |s| s.require_password = true).await;
    assert_eq!(a.redeem_magic_link(h.business, &link).await.unwrap_err().code(), "not_offered");
}

/// §D4: guest records with the proven email join the account, in every business on
/// verification, in the business logged into on log-in; anonymised ones never.
pub async fn proving_an_email_attaches_guest_records(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let email = Email::parse("ana@example.org").unwrap();
    let guest = |business| booking_core::catalog::Customer {
        id: booking_core::ids::CustomerId::new(0),
        business,
        account: None,
        contact: Contact { email: Some(email.clone()), ..Contact::default() },
        notes: String::new(),
        fields: vec![],
        anonymised_at: None,
    };
    let here = h.store.create_customer(guest(h.business)).await.unwrap();
    let there = h.store.create_customer(guest(other)).await.unwrap();
    let gone = h.store.create_customer(guest(h.business)).await.unwrap();
    h.engine.anonymise_customer(h.business, gone.id, Actor::system()).await.unwrap();
    assert_eq!(
        h.store.guest_by_email(h.business, &email).await.unwrap().map(|c| c.id),
        Some(here.id)
    );
    let SignedUp::Created { account, token } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(
        h.store.customer(h.business, here.id).await.unwrap().unwrap().account,
        None,
        "not before proof"
    );
    a.verify_email(&token).await.unwrap();
    assert_eq!(
        h.store.customer(h.business, here.id).await.unwrap().unwrap().account,
        Some(account.id)
    );
    assert_eq!(h.store.customer(other, there.id).await.unwrap().unwrap().account, Some(account.id));
    assert_eq!(h.store.customer(h.business, gone.id).await.unwrap().unwrap().account, None);
    // A guest booking made after verification joins on the next log-in.
    let later = h.store.create_customer(guest(other)).await.unwrap();
    a.log_in(other, "ana@example.org", &secret("correct horse battery")).await.unwrap();
    assert_eq!(h.store.customer(other, later.id).await.unwrap().unwrap().account, Some(account.id));
    assert_eq!(h.store.guest_by_email(other, &email).await.unwrap(), None);
}

/// Of many concurrent uses of one single-use token, exactly one succeeds.
pub async fn concurrent_takes_of_one_token_one_wins(store: Arc<dyn Store>) {
    use booking_core::accounts::ResetRequested;
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap();
    let ResetRequested::Mail { token, .. } = a.request_reset("ana@example.org").await.unwrap()
    else {
        panic!()
    };
    let password = secret("a new long password");
    let tries = (0..8).map(|_| a.reset_password(&token, &password));
    let wins = join_all(tries).await.into_iter().filter(Result::is_ok).count();
    assert_eq!(wins, 1);
}

/// §A7: anonymising a customer ends its sessions and kills its magic and cancel links.
pub async fn anonymisation_ends_sessions_and_links(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    let SignedUp::Created { token, .. } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    a.verify_email(&token).await.unwrap();
    let session =
        a.log_in(h.business, "ana@example.org", &secret("correct horse battery")).await.unwrap();
    let customer = session.session.customer;
    set_settings(h.store.as_ref(), h.business, |s| s.require_password = false).await;
    let magic = a.magic_link(h.business, customer).await.unwrap();
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let booking = h
        .engine
        .book(
            h.business,
            offer,
            at("2027-01-04T09:00:00Z"),
            None,
            Details { customer: Some(customer), ..Details::default() },
            Actor::system(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let cancel = a
        .cancel_link(h.business, Some(customer), booking.id, at("2027-01-04T09:00:00Z"))
        .await
        .unwrap();
    assert_eq!(a.cancel_link_booking(h.business, cancel.expose()).await.unwrap(), Some(booking.id));
    h.engine.anonymise_customer(h.business, customer, Actor::system()).await.unwrap();
    assert_eq!(a.session(h.business, session.token.expose()).await.unwrap(), None);
    assert!(!a.magic_link_is_live(h.business, &magic).await.unwrap());
    assert_eq!(a.cancel_link_booking(h.business, cancel.expose()).await.unwrap(), None);
    assert!(
        h.store
            .customer_of_account(h.business, session.session.account.unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

/// §D5: deleting the account removes the identity (no more log-in, sessions closed) and keeps
/// each business's record, unlinked; the address may sign up again.
pub async fn deleting_an_account_keeps_the_business_records(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    let SignedUp::Created { token, account } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    a.verify_email(&token).await.unwrap();
    let password = secret("correct horse battery");
    let opened = a.log_in(h.business, "ana@example.org", &password).await.unwrap();
    assert!(a.delete_account(&opened.session).await.unwrap());
    assert_eq!(a.session(h.business, opened.token.expose()).await.unwrap(), None);
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &password).await.unwrap_err().code(),
        "invalid_credentials"
    );
    assert_eq!(h.store.account(account.id).await.unwrap(), None);
    let record = h.store.customer(h.business, opened.session.customer).await.unwrap().unwrap();
    assert_eq!(record.account, None);
    assert_eq!(record.contact.first_name, "Ana", "the business keeps its record");
    let audit = h.store.audit_entries(h.business).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account.deleted" && !e.subject.contains('@')));
    assert!(matches!(
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap(),
        SignedUp::Created { .. }
    ));
}

/// §F: a staff member signs in to the back office with an API key of the business; the
/// session acts as the key's principal until it expires or the key is revoked, and is never a
/// customer's session.
pub async fn staff_sessions_last_while_their_key_does(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let (key, secret_key) =
        h.engine.issue_api_key(h.business, "agent", Role::Agent, None).await.unwrap();
    let (token, principal) = a.staff_log_in(h.business, secret_key.expose()).await.unwrap();
    assert_eq!((principal.business, principal.role), (h.business, Role::Agent));
    assert_eq!(a.staff_session(h.business, token.expose()).await.unwrap(), Some(principal));
    assert_eq!(a.staff_session(other, token.expose()).await.unwrap(), None);
    assert_eq!(
        a.session(h.business, token.expose()).await.unwrap(),
        None,
        "not a customer session"
    );
    assert_eq!(
        a.staff_log_in(other, secret_key.expose()).await.unwrap_err().code(),
        "invalid_credentials"
    );
    assert_eq!(
        a.staff_log_in(h.business, "bk_nothing").await.unwrap_err().code(),
        "invalid_credentials"
    );
    h.engine.revoke_api_key(h.business, key.id).await.unwrap();
    assert_eq!(
        a.staff_session(h.business, token.expose()).await.unwrap(),
        None,
        "revoking the key ends it"
    );
    assert_eq!(
        a.staff_log_in(h.business, secret_key.expose()).await.unwrap_err().code(),
        "invalid_credentials"
    );
    let (_, fresh) = h.engine.issue_api_key(h.business, "admin", Role::Admin, None).await.unwrap();
    let (token, _) = a.staff_log_in(h.business, fresh.expose()).await.unwrap();
    h.clock.advance(booking_core::accounts::STAFF_SESSION_TTL);
    assert_eq!(a.staff_session(h.business, token.expose()).await.unwrap(), None, "it expires");
}

/// The demo desk made an employee with an address, and a calendar sync over a fake provider
/// whose integration is configured (Google, or the given provider).
async fn calendar_harness(
    store: Arc<dyn Store>,
    provider: booking_core::calendar::Provider,
) -> (
    Harness,
    Arc<crate::FakeCalendarApi>,
    booking_core::services::calendar::CalendarSync,
    Arc<crate::RecordingMailer>,
) {
    use booking_core::calendar::OAuthApp;
    use booking_core::services::calendar::CalendarSync;
    let h = Harness::demo_in(store, NOW).await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = booking_core::catalog::ResourceKind::Staff;
    desk.email = Some(Email::parse("ann@example.com").unwrap());
    h.store.update_resource(&desk).await.unwrap();
    let api = Arc::new(crate::FakeCalendarApi::new(provider));
    let mailer = Arc::new(crate::RecordingMailer::default());
    let sync = CalendarSync::new(
        h.store.clone(),
        vec![api.clone()],
        Arc::new(crate::FakeSealer),
        h.clock.clone(),
    )
    .with_mailer(mailer.clone());
    let app = OAuthApp {
        provider,
        client_id: "client-1".into(),
        client_secret: "s3cret".into(),
        redirect_uri: "https://book.example/cb".into(),
    };
    sync.configure(h.business, &app).await.unwrap();
    (h, api, sync, mailer)
}

async fn run_calendar_jobs(
    h: &Harness,
    sync: &booking_core::services::calendar::CalendarSync,
) -> usize {
    let policy = RetryPolicy::default();
    let pass = drain(h.store.as_ref(), h.clock.as_ref(), sync, &policy, 8).await.unwrap();
    pass.done
}

/// Integrations, connections and pushed-event records read back as written, per business;
/// disconnecting forgets the records of that calendar.
pub async fn calendar_records_round_trip(store: Arc<dyn Store>) {
    use booking_core::calendar::{
        Connection, ConnectionState, Integration, Provider, PushedRecord,
    };
    let h = Harness::demo_in(store.clone(), NOW).await;
    let other = fixtures::demo_business(store.as_ref(), 1).await;
    let integration = Integration {
        business: h.business,
        provider: OUTLOOK,
        client_id: "app".into(),
        sealed_secret: "sealed:x".into(),
        redirect_uri: "https://e.example/cb".into(),
    };
    store.put_integration(&integration).await.unwrap();
    let replaced = Integration { client_id: "app-2".into(), ..integration.clone() };
    store.put_integration(&replaced).await.unwrap();
    assert_eq!(store.integration(h.business, OUTLOOK).await.unwrap(), Some(replaced));
    assert_eq!(store.integration(h.business, GOOGLE).await.unwrap(), None);
    assert_eq!(store.integration(other.business, OUTLOOK).await.unwrap(), None);
    // Providers are an open set: a store keeps any provider id, not a list of known ones.
    let caldav = Integration { provider: Provider::new("caldav-2"), ..integration.clone() };
    store.put_integration(&caldav).await.unwrap();
    assert_eq!(
        store.integration(h.business, Provider::new("caldav-2")).await.unwrap(),
        Some(caldav)
    );
    assert!(store.delete_integration(h.business, Provider::new("caldav-2")).await.unwrap());
    let connection = Connection {
        business: h.business,
        resource: h.desk,
        provider: OUTLOOK,
        account: "ann@example.com".into(),
        sealed_access: "sealed:a".into(),
        sealed_refresh: "sealed:r".into(),
        expires_at: at("2027-01-01T09:00:00Z"),
        state: ConnectionState::Connected,
        last_sync: None,
        last_error: None,
        connected_at: at(NOW),
    };
    let before = store.business(h.business).await.unwrap().unwrap();
    assert!(!before.calendar_sync, "no connection yet");
    store.put_connection(&connection).await.unwrap();
    let after = store.business(h.business).await.unwrap().unwrap();
    assert!(
        after.calendar_sync && after.revision > before.revision,
        "on with the first connection"
    );
    store.update_business(&before).await.unwrap();
    assert!(
        store.business(h.business).await.unwrap().unwrap().calendar_sync,
        "a business written from an older copy keeps it"
    );
    assert!(!store.business(other.business).await.unwrap().unwrap().calendar_sync);
    let broken = Connection {
        state: ConnectionState::Broken,
        last_sync: Some(at("2027-01-01T08:30:00Z")),
        last_error: Some("refused".into()),
        ..connection.clone()
    };
    store.put_connection(&broken).await.unwrap();
    assert_eq!(store.connection(h.business, h.desk).await.unwrap(), Some(broken.clone()));
    assert_eq!(store.connections(h.business).await.unwrap(), vec![broken.clone()]);
    assert_eq!(store.all_connections().await.unwrap(), vec![broken.clone()]);
    store.put_connection(&connection).await.unwrap();
    assert_eq!(store.all_connections().await.unwrap(), vec![connection.clone()]);
    let record = PushedRecord {
        business: h.business,
        key: "booking-1".into(),
        resource: h.desk,
        provider: OUTLOOK,
        external_id: "AAMk1".into(),
        meeting_url: Some("https://teams.example/1".into()),
    };
    store.put_pushed(&record).await.unwrap();
    assert_eq!(store.pushed(h.business, "booking-1").await.unwrap(), Some(record.clone()));
    assert_eq!(store.pushed(other.business, "booking-1").await.unwrap(), None);
    store.delete_pushed(h.business, "booking-1").await.unwrap();
    assert_eq!(store.pushed(h.business, "booking-1").await.unwrap(), None);
    store.put_pushed(&record).await.unwrap();
    let refreshed = Connection { sealed_access: "sealed:b".into(), ..connection.clone() };
    assert!(store.update_connection(&refreshed).await.unwrap());
    assert_eq!(store.connection(h.business, h.desk).await.unwrap(), Some(refreshed.clone()));
    let older = Connection { connected_at: at("2026-12-01T00:00:00Z"), ..refreshed.clone() };
    assert!(!store.update_connection(&older).await.unwrap(), "another connection's update");
    assert!(store.delete_connection(h.business, h.desk).await.unwrap());
    assert!(!store.delete_connection(h.business, h.desk).await.unwrap());
    assert!(!store.update_connection(&refreshed).await.unwrap(), "a sync in flight");
    assert_eq!(store.connection(h.business, h.desk).await.unwrap(), None, "never brought back");
    assert!(!store.business(h.business).await.unwrap().unwrap().calendar_sync, "off with the last");
    assert_eq!(store.pushed(h.business, "booking-1").await.unwrap(), None, "forgotten with it");
    assert!(store.delete_integration(h.business, OUTLOOK).await.unwrap());
    assert_eq!(store.integration(h.business, OUTLOOK).await.unwrap(), None);
}

/// Connect, book, reschedule, cancel: the employee's calendar holds exactly one event with the
/// right content at each step, a job run twice changes nothing, and secrets are stored sealed.
pub async fn calendar_sync_keeps_one_event_per_booking(store: Arc<dyn Store>) {
    let (h, api, sync, _) = calendar_harness(store, GOOGLE).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.appointment_event_title = "%service_name% – %customer_full_name%".into();
    h.store.update_business(&business).await.unwrap();
    let before = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    assert!(jobs_of(&h, Effect::Calendar).await.is_empty(), "no calendar sync yet: no job");
    let c = sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    assert_eq!(c.account, "employee@example.com");
    assert!(!c.sealed_access.contains("access-1") && !c.sealed_refresh.contains("refresh-1"));
    let stored = h.store.integration(h.business, GOOGLE).await.unwrap().unwrap();
    assert_ne!(stored.sealed_secret, "s3cret", "the client secret is stored sealed");
    assert_eq!(api.events().len(), 1, "connecting pushes the upcoming booking");
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(api.events().len(), 1, "the booking's own job updates the same event");

    let booked = book(&h, "2027-01-04T13:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    let events = api.events();
    assert_eq!(events.len(), 2);
    let key =
        booking_core::calendar::idempotency_key(h.business, &format!("booking-{}", booked.id));
    let (id, event) = events.iter().find(|(_, e)| e.key == key).unwrap();
    assert_eq!(event.interval, booked.slot().unwrap());
    assert!(
        event
            .title
            .starts_with(&h.store.service(h.business, h.service).await.unwrap().unwrap().name)
    );
    assert!(!event.tentative && event.attendees.is_empty());

    let moved = h
        .engine
        .reschedule(
            h.business,
            booked.id,
            at("2027-01-04T14:00:00Z"),
            None,
            None,
            Actor::staff(Role::Admin, None),
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(run_calendar_jobs(&h, &sync).await, 1);
    let events = api.events();
    assert_eq!(events.len(), 2, "a reschedule moves the event");
    let (moved_id, moved_event) =
        events.iter().find(|(_, e)| e.interval == moved.slot().unwrap()).unwrap();
    assert_eq!(moved_id, id, "the same external event");
    // A job that runs again (a crash before completion) changes nothing.
    sync.sync_booking(h.business, moved.id).await.unwrap();
    assert_eq!(api.events(), events);
    assert_eq!(moved_event.interval, moved.slot().unwrap());

    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    let left: Vec<_> = api.events().into_iter().map(|(_, e)| e.key).collect();
    let kept =
        booking_core::calendar::idempotency_key(h.business, &format!("booking-{}", before.id));
    assert_eq!(left, vec![kept], "the canceled booking's event is gone");
    assert!(sync.disconnect(h.business, h.desk).await.unwrap());
    assert!(api.calls().contains(&"revoke".to_owned()));
    assert_eq!(h.store.connection(h.business, h.desk).await.unwrap(), None);
}

/// Pulled busy times remove exactly their slots (with `remove_busy_slots`), and the pull
/// records its success.
pub async fn calendar_busy_times_remove_slots(store: Arc<dyn Store>) {
    let (h, api, sync, _) = calendar_harness(store, OUTLOOK).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    h.store.update_business(&business).await.unwrap();
    let all = listed(&h, None).await;
    api.set_busy(vec![
        Interval::new(at("2027-01-04T10:10:00Z"), at("2027-01-04T10:40:00Z")).unwrap(),
    ]);
    sync.connect(h.business, h.desk, OUTLOOK, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    let now = listed(&h, None).await;
    let gone: Vec<_> = all.iter().filter(|s| !now.contains(s)).copied().collect();
    assert_eq!(gone, vec![at("2027-01-04T10:00:00Z"), at("2027-01-04T10:30:00Z")]);
    let c = h.store.connection(h.business, h.desk).await.unwrap().unwrap();
    assert_eq!(c.last_sync, Some(h.clock.now()));
    api.set_busy(Vec::new());
    assert_eq!(sync.pull_all().await.unwrap(), (1, 0));
    assert_eq!(listed(&h, None).await, all, "a freed busy time frees its slots");
    sync.disconnect(h.business, h.desk).await.unwrap();
    api.set_busy(vec![
        Interval::new(at("2027-01-04T10:10:00Z"), at("2027-01-04T10:40:00Z")).unwrap(),
    ]);
    assert_eq!(listed(&h, None).await, all, "disconnecting clears the cache");
}

/// An expired access token is refreshed once and the call goes through; a revoked grant marks
/// the connection broken, emails the employee once, and the job does not loop.
pub async fn calendar_tokens_refresh_then_break(store: Arc<dyn Store>) {
    use booking_core::calendar::ConnectionState;
    let (h, api, sync, mailer) = calendar_harness(store, GOOGLE).await;
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    assert!(matches!(
        sync.connect(h.business, h.desk, GOOGLE, "bad-code").await,
        Err(booking_core::calendar::SyncError::Provider(_))
    ));
    api.expire_access();
    book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(api.events().len(), 1);
    let calls = api.calls();
    assert_eq!(calls.iter().filter(|c| *c == "refresh").count(), 1, "{calls:?}");
    // The access token's lifetime runs out: refreshed before the call, not after a 401.
    h.clock.advance(SignedDuration::from_mins(59) + SignedDuration::from_secs(30));
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(api.calls().iter().filter(|c| *c == "refresh").count(), 2);
    assert_eq!(api.events().len(), 2);

    api.revoke_grant();
    book(&h, "2027-01-04T11:00:00Z").await.unwrap();
    assert_eq!(run_calendar_jobs(&h, &sync).await, 1, "the job ends; reconnecting resyncs");
    let c = h.store.connection(h.business, h.desk).await.unwrap().unwrap();
    assert_eq!(c.state, ConnectionState::Broken);
    let mails = mailer.sent();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to.as_str(), "ann@example.com");
    assert!(mails[0].text.contains("Reconnect") || mails[0].text.contains("Reconnectez"));
    book(&h, "2027-01-04T12:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(mailer.sent().len(), 1, "told once");
    assert_eq!(
        sync.pull_busy(h.business, h.desk, 30).await.unwrap(),
        None,
        "a broken one is not pulled"
    );
    // Reconnecting pushes what was missed.
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    assert_eq!(api.events().len(), 4);
    let c = h.store.connection(h.business, h.desk).await.unwrap().unwrap();
    assert_eq!(c.state, ConnectionState::Connected);
}

struct Throttled;

#[async_trait]
impl JobHandler for Throttled {
    fn effect(&self) -> Effect {
        Effect::Webhook
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let after = if job.attempts == 1 { 600 } else { 1 };
        Err(JobError::RetryAfter("HTTP 429".into(), Some(SignedDuration::from_secs(after))))
    }
}

/// A provider's `Retry-After` delays the next attempt when it asks for more than the backoff,
/// and never shortens the backoff.
pub async fn outbox_honours_retry_after(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 1).await;
    let policy = RetryPolicy::default();
    let run = || drain(h.store.as_ref(), h.clock.as_ref(), &Throttled, &policy, 10);
    assert_eq!(run().await.unwrap().retried, 1);
    let job = jobs_of(&h, Effect::Webhook).await.remove(0);
    assert_eq!(job.run_at, at("2027-01-01T08:10:00Z"), "the provider asked for 10 minutes");
    h.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(run().await.unwrap().retried, 1);
    let job = jobs_of(&h, Effect::Webhook).await.remove(0);
    assert_eq!(job.run_at, at("2027-01-01T08:11:00Z"), "1 s asked, the 60 s backoff kept");
}

/// With the Meet / Teams option, the booking email waits for the calendar's event and carries
/// its link (`%google_meet_url%`); with video links hidden from emails (§J6), it does not.
pub async fn calendar_meeting_links_reach_the_email(store: Arc<dyn Store>) {
    use booking_core::notify::{EmailTemplate, Trigger};
    use booking_core::services::notify::Notifier;
    let (h, _, sync, _) = calendar_harness(store, GOOGLE).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.add_meeting_link = true;
    h.store.update_business(&business).await.unwrap();
    let template = EmailTemplate {
        business: h.business,
        trigger: Trigger::Approved,
        locale: business.locale,
        subject: "Booked".into(),
        text: "Join: %google_meet_url%\nTeams: %microsoft_teams_url%\n".into(),
    };
    h.engine.save_email_template(template).await.unwrap();
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    let mailer = Arc::new(crate::RecordingMailer::default());
    let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone())
        .with_meeting_placeholders(sync.meeting_placeholders());
    let policy = RetryPolicy::default();
    let details = Details {
        contact: Contact {
            first_name: "Bea".into(),
            email: Some(Email::parse("bea@example.com").unwrap()),
            ..Contact::default()
        },
        ..Details::default()
    };
    let booked = h
        .engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-04T09:00:00Z"),
            None,
            details.clone(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let first = drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 8).await.unwrap();
    assert_eq!(first.retried, 1, "the email waits for the event");
    run_calendar_jobs(&h, &sync).await;
    h.clock.advance(SignedDuration::from_secs(30));
    drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 8).await.unwrap();
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1);
    let key =
        booking_core::calendar::idempotency_key(h.business, &format!("booking-{}", booked.id));
    assert!(
        sent[0].text.contains(&format!("Join: https://meet.invalid/ev-{key}")),
        "{}",
        sent[0].text
    );
    assert!(!sent[0].text.contains("Teams:"), "an empty line is left out: {}", sent[0].text);

    business.settings.hide_video_links_in_emails = true;
    h.store.update_business(&business).await.unwrap();
    h.engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-04T10:00:00Z"),
            None,
            details,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let report = drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 8).await.unwrap();
    assert_eq!(report.done, 1, "no waiting when links are hidden");
    assert!(!mailer.sent()[1].text.contains("meet.invalid"));
}

/// Anonymising a customer (§A7) takes their name and address out of the employee's calendar
/// too: the store enqueues a calendar job in the same transaction, which rewrites the event.
pub async fn calendar_events_forget_an_anonymised_customer(store: Arc<dyn Store>) {
    let (h, api, sync, _) = calendar_harness(store, GOOGLE).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.customers_as_attendees = true;
    business.settings.appointment_event_title = "%service_name% – %customer_full_name%".into();
    h.store.update_business(&business).await.unwrap();
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    let customer = h
        .store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let details = Details {
        customer: Some(customer.id),
        contact: customer.contact.clone(),
        ..Details::default()
    };
    h.engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-04T09:00:00Z"),
            None,
            details,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    // Another customer's booking that is not in any calendar yet gets no job.
    let other = h
        .store
        .create_customer(fixtures::customer(h.business, "Bo", "Berg", "bo@example.org"))
        .await
        .unwrap();
    run_calendar_jobs(&h, &sync).await;
    let shown = api.events();
    assert_eq!(shown.len(), 1);
    assert!(shown[0].1.title.contains("Ana Lima") && shown[0].1.attendees.len() == 1);
    let admin = Actor::staff(Role::Admin, None);
    h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    h.engine.anonymise_customer(h.business, other.id, admin).await.unwrap();
    assert_eq!(run_calendar_jobs(&h, &sync).await, 1, "one job: the booking in the calendar");
    let rewritten = api.events();
    assert_eq!(rewritten.len(), 1);
    assert_eq!(rewritten[0].0, shown[0].0, "the same event");
    assert!(!rewritten[0].1.title.contains("Ana") && !rewritten[0].1.title.contains("Lima"));
    assert!(rewritten[0].1.attendees.is_empty(), "no address left");
}

/// The video set-up and meeting records read back as written, per business; set-up changes
/// keep the `video_meetings` flag and write the affected bookings' jobs in their transaction.
pub async fn video_setup_and_meetings_round_trip(store: Arc<dyn Store>) {
    use booking_core::video::{
        CustomLink, MeetingRecord, Occasion, Source, StoredAccount, StoredMeeting, VideoAccount,
        ZoomApp, resolve, setup_of,
    };
    let h = Harness::demo_in(store.clone(), NOW).await;
    let other = fixtures::demo_business(store.as_ref(), 1).await;
    let monday_nine =
        Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T09:00:00Z")).unwrap();
    let (course, session) =
        fixtures::event_session(store.as_ref(), h.business, 5, monday_nine).await;
    let app = ZoomApp {
        account_id: "acc-1".into(),
        client_id: "cid".into(),
        sealed_secret: "sealed:terces".into(),
        user: "host@example.com".into(),
    };
    let zoom = StoredAccount::Zoom(app.clone());
    let link = |url: &str| CustomLink {
        url: url.into(),
        password: Some("1234".into()),
        description: Some("Dial +33 1 00".into()),
    };
    let booked = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let seat = h
        .engine
        .book_seats(h.business, session, 1, None, Details::default(), Actor::guest())
        .await
        .unwrap();
    let past = at(NOW);
    let revision = store.business(h.business).await.unwrap().unwrap().revision;
    store.put_video_account(h.business, None, &StoredAccount::Calendar, past).await.unwrap();
    let b = store.business(h.business).await.unwrap().unwrap();
    assert!(!b.video_meetings && b.revision == revision, "no Zoom: no flag");
    assert!(jobs_of(&h, Effect::Video).await.is_empty(), "no Zoom meetings: no video job");
    store.put_video_account(h.business, None, &zoom, past).await.unwrap();
    let b = store.business(h.business).await.unwrap().unwrap();
    assert!(b.video_meetings && b.revision > revision, "a Zoom account turns the flag on");
    assert!(!store.business(other.business).await.unwrap().unwrap().video_meetings);
    let jobs = jobs_of(&h, Effect::Video).await;
    let mut about: Vec<booking_core::ids::BookingId> = jobs.iter().map(|j| j.booking).collect();
    about.sort_unstable();
    assert_eq!(about, vec![booked.id, seat.id], "every upcoming booking gets a video job");
    assert!(jobs.iter().all(|j| j.event == BookingEvent::VideoChanged));
    store
        .put_video_account(
            h.business,
            Some(h.desk),
            &StoredAccount::Custom(link("https://ana")),
            past,
        )
        .await
        .unwrap();
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 3, "only the desk's appointment");
    assert!(!store.put_course_link(h.business, course, None, past, false).await.unwrap());
    store
        .put_course_link(h.business, course, Some(&link("https://yoga")), past, true)
        .await
        .unwrap();
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 5, "only the course's booking, twice");
    let told = jobs_of(&h, Effect::Notify).await;
    assert!(
        told.iter().any(|j| j.booking == seat.id && j.event == BookingEvent::VideoChanged),
        "the booked customers are told when asked"
    );
    assert!(!told.iter().any(|j| j.booking == booked.id && j.event == BookingEvent::VideoChanged));
    let accounts = store.video_accounts(h.business).await.unwrap();
    assert_eq!(
        accounts,
        vec![(None, zoom.clone()), (Some(h.desk), StoredAccount::Custom(link("https://ana")))],
        "replaced, not added"
    );
    assert!(store.video_accounts(other.business).await.unwrap().is_empty());
    let courses = store.course_links(h.business).await.unwrap();
    assert_eq!(courses, vec![(course, link("https://yoga"))]);
    let setup = setup_of(&accounts, courses);
    let led = Occasion { leader: Some(h.desk), course: None, online: true };
    assert_eq!(
        resolve(&setup, &led).map(|r| r.source),
        Some(Source::Staff(h.desk)),
        "the staff member's own link"
    );
    let in_course = Occasion { leader: Some(h.desk), course: Some(course), online: true };
    assert_eq!(
        resolve(&setup, &in_course).map(|r| r.account),
        Some(VideoAccount::Custom(link("https://yoga")))
    );

    let key = booking_core::calendar::booking_key(booked.id);
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), None);
    store.set_online(h.business, &key, Some(false), past).await.unwrap();
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), Some(false));
    store.set_online(h.business, &key, Some(true), past).await.unwrap();
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), Some(true));
    assert_eq!(store.online_override(other.business, &key).await.unwrap(), None);
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 7, "one job per change of that one");
    store.set_online(h.business, &key, None, past).await.unwrap();
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), None);

    let later = at("2027-01-05T00:00:00Z");
    assert!(store.delete_video_account(h.business, None, later).await.unwrap());
    assert!(!store.delete_video_account(h.business, None, later).await.unwrap());
    let b = store.business(h.business).await.unwrap().unwrap();
    assert!(!b.video_meetings, "off with the last Zoom account");
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 8, "past bookings get no job");
    let accounts = store.video_accounts(h.business).await.unwrap();
    let disconnected = setup_of(&accounts, store.course_links(h.business).await.unwrap());
    assert_eq!(resolve(&disconnected, &led), None, "§J3");
    assert_eq!(resolve(&disconnected, &in_course), None, "§J3");
    assert!(store.put_course_link(h.business, course, None, later, false).await.unwrap());
    assert!(store.course_links(h.business).await.unwrap().is_empty());

    let record = MeetingRecord {
        business: h.business,
        key: "session-1".into(),
        meeting: StoredMeeting { account: app.key(), meeting_id: "85746065".into() },
        join_url: "https://zoom.us/j/85746065".into(),
        start_url: Some("https://zoom.us/s/85746065".into()),
        password: Some("p".into()),
        app,
        interval: monday_nine,
        made_at: at(NOW),
    };
    assert!(store.insert_meeting(&record).await.unwrap());
    let second = MeetingRecord {
        meeting: StoredMeeting { meeting_id: "2".into(), ..record.meeting.clone() },
        ..record.clone()
    };
    assert!(!store.insert_meeting(&second).await.unwrap(), "one meeting per occasion");
    assert_eq!(store.meeting(h.business, "session-1").await.unwrap(), Some(record.clone()));
    assert_eq!(store.meeting(other.business, "session-1").await.unwrap(), None);
    let moved = MeetingRecord { start_url: None, password: None, ..record };
    store.put_meeting(&moved).await.unwrap();
    assert_eq!(store.meeting(h.business, "session-1").await.unwrap(), Some(moved));
    store.delete_meeting(h.business, "session-1").await.unwrap();
    assert_eq!(store.meeting(h.business, "session-1").await.unwrap(), None);
}

/// The `video` job makes one Zoom meeting per occasion on the account the rules choose, moves
/// it with a reschedule, deletes it on a cancel, in person or after a disconnection (§J1–§J5),
/// and the link read for emails and the panel follows.
pub async fn video_meetings_follow_the_rules(store: Arc<dyn Store>) {
    use booking_core::services::video::{VideoSync, link_of};
    use booking_core::video::{AccountInput, CustomLink, LinkState, StoredAccount};
    let h = Harness::demo_in(store, NOW).await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = booking_core::catalog::ResourceKind::Staff;
    h.store.update_resource(&desk).await.unwrap();
    let mut service = h.store.service(h.business, h.service).await.unwrap().unwrap();
    service.online = true;
    h.store.update_service(&service).await.unwrap();
    let zoom = Arc::new(crate::FakeZoom::default());
    let sync =
        VideoSync::new(h.store.clone(), zoom.clone(), Arc::new(crate::FakeSealer), h.clock.clone());
    let run = || async {
        let policy = RetryPolicy::default();
        drain(h.store.as_ref(), h.clock.as_ref(), &sync, &policy, 16).await.unwrap().done
    };
    let app = |account: &str, user: &str, secret: Option<&str>| AccountInput::Zoom {
        account_id: account.into(),
        client_id: "cid".into(),
        client_secret: secret.map(Into::into),
        user: user.into(),
    };
    let refused = sync.set_account(h.business, None, app("biz", "owner", Some("wrong"))).await;
    assert!(matches!(refused, Err(booking_core::video::VideoError::Refused(_))), "{refused:?}");
    let needs = sync.set_account(h.business, None, app("biz", "owner", None)).await;
    assert!(matches!(needs, Err(booking_core::video::VideoError::SecretNeeded)), "{needs:?}");
    sync.set_account(h.business, None, app("biz", "owner", Some("zoom-secret"))).await.unwrap();
    let stored = h.store.video_accounts(h.business).await.unwrap();
    assert!(!format!("{stored:?}").contains("zoom-secret"), "the secret is stored sealed");
    sync.set_account(h.business, None, app("biz", "owner", None)).await.unwrap();

    let business = h.store.business(h.business).await.unwrap().unwrap();
    let booked = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    assert_eq!(link_of(h.store.as_ref(), &business, &booked).await.unwrap(), LinkState::Waiting);
    run().await;
    let meetings = zoom.meetings();
    assert_eq!(meetings.len(), 1, "one meeting for the appointment");
    assert_eq!(meetings[0].0, "biz/owner", "on the default account");
    assert_eq!(meetings[0].2.interval, booked.slot().unwrap());
    let LinkState::Ready(link) = link_of(h.store.as_ref(), &business, &booked).await.unwrap()
    else {
        panic!("a link once made")
    };
    assert!(
        link.zoom && link.url == meetings[0].1.join_url && link.password == meetings[0].1.password
    );
    // A job that runs again changes nothing.
    sync.sync_booking(h.business, booked.id).await.unwrap();
    assert_eq!(zoom.meetings(), meetings);

    let moved = h
        .engine
        .reschedule(
            h.business,
            booked.id,
            at("2027-01-04T14:00:00Z"),
            None,
            None,
            Actor::staff(Role::Admin, None),
            Limits::Apply,
        )
        .await
        .unwrap();
    run().await;
    let after = zoom.meetings();
    assert_eq!(after.len(), 1, "a reschedule moves the meeting (§J5)");
    assert_eq!(after[0].1.id, meetings[0].1.id, "the same meeting");
    assert_eq!(after[0].2.interval, moved.slot().unwrap());
    assert!(
        h.store.meeting(h.business, &format!("booking-{}", booked.id)).await.unwrap().is_none()
    );

    // §J2: the desk's own account replaces the default for what they take.
    sync.set_account(h.business, Some(h.desk), app("biz", "ana", Some("zoom-secret")))
        .await
        .unwrap();
    run().await;
    let after = zoom.meetings();
    assert_eq!(after.len(), 1, "the default's meeting is replaced, not kept");
    assert_eq!(after[0].0, "biz/ana");
    // §J2: staff turn it in person: the meeting goes, and no link is shown.
    let key = format!("booking-{}", moved.id);
    sync.set_online(h.business, &key, Some(false)).await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "in person: no meeting");
    assert_eq!(link_of(h.store.as_ref(), &business, &moved).await.unwrap(), LinkState::None);
    sync.set_online(h.business, &key, None).await.unwrap();
    run().await;
    assert_eq!(zoom.meetings().len(), 1, "back online: a meeting again");

    // A course: one meeting per session however many are booked; then its own link (§J4).
    let yoga = h
        .store
        .create_event(booking_core::catalog::Event {
            id: booking_core::ids::EventId::new(0),
            business: h.business,
            kind: booking_core::catalog::EventKind::Course,
            name: "Yoga".into(),
            location: None,
            capacity: 5,
            price_minor: 0,
            online: true,
        })
        .await
        .unwrap();
    let session = h
        .store
        .create_session(booking_core::catalog::Session {
            id: booking_core::ids::SessionId::new(0),
            business: h.business,
            event: yoga.id,
            interval: Interval::new(at("2027-01-06T08:00:00Z"), at("2027-01-06T09:00:00Z"))
                .unwrap(),
            capacity: 5,
            leader: Some(h.desk),
        })
        .await
        .unwrap();
    let mut seats = Vec::new();
    for _ in 0..3 {
        seats.push(
            h.engine
                .book_seats(h.business, session.id, 1, None, Details::default(), Actor::guest())
                .await
                .unwrap(),
        );
    }
    run().await;
    let for_session: Vec<_> = zoom
        .meetings()
        .into_iter()
        .filter(|(_, _, r)| r.key == format!("session-{}", session.id))
        .collect();
    assert_eq!(for_session.len(), 1, "one meeting for the session, not one per booking");
    assert_eq!(for_session[0].0, "biz/owner", "a staff account does not apply to courses");
    let store = h.store.as_ref();
    assert_eq!(
        link_of(store, &business, &seats[0]).await.unwrap(),
        link_of(store, &business, &seats[2]).await.unwrap(),
        "the same link for every booking"
    );
    let link = CustomLink {
        url: "https://meet.example/yoga".into(),
        password: Some("om".into()),
        description: None,
    };
    sync.set_course_link(h.business, yoga.id, Some(&link), false).await.unwrap();
    run().await;
    assert!(
        !zoom.meetings().iter().any(|(_, _, r)| r.key == format!("session-{}", session.id)),
        "the course's own link: its Zoom meeting goes"
    );
    let LinkState::Ready(got) = link_of(store, &business, &seats[1]).await.unwrap() else {
        panic!("the course link")
    };
    assert_eq!(
        (got.url.as_str(), got.password.as_deref(), got.zoom),
        ("https://meet.example/yoga", Some("om"), false)
    );
    // §J4 is about courses: a one-off event has no link of its own.
    let one_off = h
        .store
        .create_event(booking_core::catalog::Event {
            id: booking_core::ids::EventId::new(0),
            business: h.business,
            kind: booking_core::catalog::EventKind::Event,
            name: "Talk".into(),
            location: None,
            capacity: 5,
            price_minor: 0,
            online: true,
        })
        .await
        .unwrap();
    let not_a_course = sync.set_course_link(h.business, one_off.id, Some(&link), false).await;
    assert!(
        matches!(not_a_course, Err(booking_core::video::VideoError::NoCourse)),
        "{not_a_course:?}"
    );

    // Cancel deletes (§J5); disconnecting the default removes every link and meeting (§J3).
    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "a canceled appointment keeps no meeting");
    let again = book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    // Another job's claim holds: no second meeting while it makes one; a lapsed claim (its job
    // died) is taken over.
    let key = format!("booking-{}", again.id);
    let StoredAccount::Zoom(app) = h.store.video_accounts(h.business).await.unwrap()[0].1.clone()
    else {
        panic!("the default is Zoom")
    };
    let claim = booking_core::video::MeetingRecord {
        business: h.business,
        key: key.clone(),
        meeting: booking_core::video::StoredMeeting {
            account: app.key(),
            meeting_id: String::new(),
        },
        join_url: String::new(),
        start_url: None,
        password: None,
        app,
        interval: again.slot().unwrap(),
        made_at: h.clock.now(),
    };
    assert!(h.store.insert_meeting(&claim).await.unwrap());
    let busy = sync.sync_booking(h.business, again.id).await;
    assert!(matches!(busy, Err(booking_core::video::VideoError::Busy)), "{busy:?}");
    assert_eq!(link_of(store, &business, &again).await.unwrap(), LinkState::Waiting);
    assert!(zoom.meetings().is_empty(), "no second meeting while a claim holds");
    h.clock.advance(SignedDuration::from_mins(3));
    sync.sync_booking(h.business, again.id).await.unwrap();
    assert_eq!(zoom.meetings().len(), 1, "a lapsed claim is taken over");
    run().await;
    assert_eq!(zoom.meetings().len(), 1);
    sync.remove_account(h.business, None).await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "§J3: no meeting left, even the desk's own");
    for b in [&again, &seats[0]] {
        assert_eq!(link_of(h.store.as_ref(), &business, b).await.unwrap(), LinkState::None, "§J3");
    }

    // A custom default: the same link for every occasion, and nothing to make at Zoom.
    sync.remove_account(h.business, Some(h.desk)).await.unwrap();
    let room = CustomLink {
        url: "https://meet.example/room".into(),
        password: None,
        description: Some("Code 42".into()),
    };
    sync.set_account(h.business, None, AccountInput::Custom(room.clone())).await.unwrap();
    let other = book(&h, "2027-01-04T11:00:00Z").await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "a custom link calls nobody");
    let first = link_of(store, &business, &again).await.unwrap();
    assert_eq!(first, link_of(store, &business, &other).await.unwrap(), "the same link for all");
    let LinkState::Ready(first) = first else { panic!("the custom link") };
    assert_eq!(
        (first.url.as_str(), first.description.as_deref(), first.zoom),
        ("https://meet.example/room", Some("Code 42"), false)
    );
    // Meet / Teams through the calendars: none while the employee has no calendar connected.
    sync.set_account(h.business, None, AccountInput::Calendar).await.unwrap();
    assert_eq!(link_of(store, &business, &other).await.unwrap(), LinkState::None);
    // Once the employee's calendar made the event with its Meet link, that is the link.
    h.store
        .put_pushed(&booking_core::calendar::PushedRecord {
            business: h.business,
            key: format!("booking-{}", other.id),
            resource: h.desk,
            provider: booking_core::calendar::Provider::new("google"),
            external_id: "evt-1".into(),
            meeting_url: Some("https://meet.google.com/abc-defg-hij".into()),
        })
        .await
        .unwrap();
    let LinkState::Ready(meet) = link_of(store, &business, &other).await.unwrap() else {
        panic!("the calendar's Meet link")
    };
    assert_eq!((meet.url.as_str(), meet.zoom), ("https://meet.google.com/abc-defg-hij", false));
}

/// Codes read back as issued, per business, found by digest, by tail (any case) and by
/// customer; the digest is unique per business; adjustments add up; a revocation stays.
pub async fn codes_round_trip(store: Arc<dyn Store>) {
    use booking_core::codes::{Balance, CodeDigest, CodeText, NewCode, Period, Value};
    let h = Harness::demo_in(store.clone(), NOW).await;
    let other = fixtures::demo_business(store.as_ref(), 1).await;
    let ana = store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let key = [9u8; 32];
    let text = CodeText::from_random([1, 2, 3, 4, 5, 6, 7, 8]);
    let digest = CodeDigest::of(&key, &text);
    let package = NewCode {
        business: h.business,
        digest,
        tail: text.tail(),
        customer: Some(ana.id),
        note: "10-class pass".into(),
        value: Value::Package { sessions: 10, services: vec![h.service] },
        issued_at: at(NOW),
        expires_at: Some(at("2027-07-01T00:00:00Z")),
    };
    let issued = store.issue_code(&package).await.unwrap();
    assert_eq!((issued.tail.as_str(), issued.customer), (text.tail().as_str(), Some(ana.id)));
    assert_eq!(issued.ledger.balance(at(NOW)), Balance::Sessions(10));
    let again = store.issue_code(&package).await;
    assert!(matches!(again, Err(booking_core::store::StoreError::Duplicate(_))), "{again:?}");
    let elsewhere = NewCode { business: other.business, customer: None, ..package.clone() };
    store.issue_code(&elsewhere).await.unwrap();
    let gift_text = CodeText::from_random([8, 7, 6, 5, 4, 3, 2, 1]);
    let gift = store
        .issue_code(&NewCode {
            digest: CodeDigest::of(&key, &gift_text),
            tail: gift_text.tail(),
            note: String::new(),
            value: Value::Gift { amount_minor: 5000 },
            expires_at: None,
            ..package.clone()
        })
        .await
        .unwrap();
    let monthly_text = CodeText::from_random([5; 8]);
    let monthly = store
        .issue_code(&NewCode {
            digest: CodeDigest::of(&key, &monthly_text),
            tail: monthly_text.tail(),
            customer: None,
            value: Value::Subscription { sessions: 4, period: Period::Month, services: Vec::new() },
            ..package.clone()
        })
        .await
        .unwrap();

    assert_eq!(store.code(h.business, issued.id).await.unwrap(), Some(issued.clone()));
    assert_eq!(store.code(other.business, issued.id).await.unwrap(), None, "per business");
    assert_eq!(store.code(h.business, monthly.id).await.unwrap(), Some(monthly.clone()));
    assert_eq!(store.code_by_digest(h.business, &digest).await.unwrap(), Some(issued.clone()));
    let wrong_key = CodeDigest::of(&[1; 32], &text);
    assert_eq!(store.code_by_digest(h.business, &wrong_key).await.unwrap(), None);
    let by_tail = store.codes_by_tail(h.business, &text.tail().to_lowercase()).await.unwrap();
    assert_eq!(by_tail, vec![issued.clone()]);
    let mine = store.customer_codes(h.business, ana.id).await.unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), vec![gift.id, issued.id]);

    let book = booking_core::services::codes::CodeBook::new(h.engine.ports(), &[0; 32]);
    assert!(book.adjust(h.business, issued.id, 2).await.unwrap().is_some());
    assert!(book.adjust(h.business, issued.id, -1).await.unwrap().is_some());
    assert!(book.adjust(other.business, issued.id, 5).await.unwrap().is_none(), "per business");
    let below = book.adjust(h.business, issued.id, -12).await;
    assert!(
        matches!(
            below,
            Err(TxError::Refused(booking_core::store::Refusal::Code(
                booking_core::codes::CodeRefusal::Exhausted
            )))
        ),
        "never below zero: {below:?}"
    );
    let adjusted = store.code(h.business, issued.id).await.unwrap().unwrap();
    assert_eq!(adjusted.ledger.balance(at(NOW)), Balance::Sessions(11));
    assert!(store.revoke_code(h.business, gift.id, at(NOW)).await.unwrap());
    assert!(store.revoke_code(h.business, gift.id, at("2027-02-01T00:00:00Z")).await.unwrap());
    assert!(!store.revoke_code(other.business, issued.id, at(NOW)).await.unwrap());
    assert!(store.code(h.business, gift.id).await.unwrap().unwrap().ledger.revoked);
    assert!(!store.code(h.business, issued.id).await.unwrap().unwrap().ledger.revoked);
}

/// §I2 on the store itself: 8 concurrent transactions each redeem the last session of a
/// package for a different booking, each deciding on the code as it loaded it: exactly one
/// commits. A refund gives the session back once, however many times it is written.
pub async fn concurrent_redemptions_of_the_last_session_one_wins(store: Arc<dyn Store>) {
    use booking_core::codes::{Balance, CodeDigest, CodeText, NewCode, Value};
    use booking_core::store::{Refusal, TxScope, Write};
    let h = Harness::demo_in(store.clone(), NOW).await;
    let text = CodeText::from_random([3; 8]);
    let code = store
        .issue_code(&NewCode {
            business: h.business,
            digest: CodeDigest::of(&[4; 32], &text),
            tail: text.tail(),
            customer: None,
            note: String::new(),
            value: Value::Package { sessions: 1, services: Vec::new() },
            issued_at: at(NOW),
            expires_at: None,
        })
        .await
        .unwrap();
    let mut bookings = Vec::new();
    for hour in 8..16 {
        bookings.push(book(&h, &format!("2027-01-04T{hour:02}:00:00Z")).await.unwrap());
    }
    let redeem = |booking: booking_core::Booking| {
        let store = store.clone();
        let scope = TxScope {
            codes: vec![code.id],
            bookings: vec![booking.id],
            ..TxScope::new(h.business)
        };
        async move {
            let starts = booking.slot().unwrap().start();
            let mut decide = |view: &booking_core::store::TxView| {
                let found = view.codes.first().ok_or(Refusal::BookingNotFound)?;
                let amount = found.ledger.quote(None, 1, 0, starts, at(NOW))?;
                Ok(vec![Write::Redeem {
                    code: found.id,
                    booking: booking_core::outbox::BookingRef::Existing(booking.id),
                    amount,
                    starts_at: starts,
                    at: at(NOW),
                }])
            };
            store.transact(&scope, &mut decide).await
        }
    };
    let results = join_all(bookings.iter().cloned().map(redeem)).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(
        e,
        TxError::Refused(Refusal::Code(booking_core::codes::CodeRefusal::Exhausted))
    )));
    let after = store.code(h.business, code.id).await.unwrap().unwrap();
    assert_eq!(after.ledger.uses.len(), 1);
    assert_eq!(after.ledger.balance(at(NOW)), Balance::Sessions(0), "never below zero");
    let paid = after.ledger.uses[0].booking.unwrap();
    assert!(bookings.iter().any(|b| b.id == paid));
    for _ in 0..2 {
        let scope = TxScope { codes: vec![code.id], ..TxScope::new(h.business) };
        let mut refund = |_: &booking_core::store::TxView| {
            Ok(vec![Write::Refund { code: code.id, booking: paid, at: at(NOW) }])
        };
        store.transact(&scope, &mut refund).await.unwrap();
    }
    let refunded = store.code(h.business, code.id).await.unwrap().unwrap();
    assert_eq!(refunded.ledger.balance(at(NOW)), Balance::Sessions(1), "given back once");
}

/// §I2 through the engine: a package pays for exactly N bookings, in their own transactions;
/// an exhausted code books nothing; a cancellation in time gives the session back and a late
/// one does not; a reschedule keeps the use; a rejection gives it back; a seat booking pays
/// per seat; an expired code pays for nothing.
pub async fn codes_pay_for_bookings_and_come_back(store: Arc<dyn Store>) {
    use booking_core::codes::{Balance, CodeDigest, CodeRefusal, CodeText, NewCode, Value};
    let h = Harness::demo_in(store.clone(), NOW).await;
    let mut business = store.business(h.business).await.unwrap().unwrap();
    business.settings.min_before_cancel = SignedDuration::from_hours(24);
    store.update_business(&business).await.unwrap();
    let issue = |value: Value, expires: Option<&str>, seed: u8| {
        let store = store.clone();
        let text = CodeText::from_random([seed; 8]);
        let new = NewCode {
            business: h.business,
            digest: CodeDigest::of(&[6; 32], &text),
            tail: text.tail(),
            customer: None,
            note: String::new(),
            value,
            issued_at: at(NOW),
            expires_at: expires.map(at),
        };
        async move { store.issue_code(&new).await.unwrap().id }
    };
    let pack = issue(Value::Package { sessions: 2, services: vec![h.service] }, None, 1).await;
    let with = |code| Details { code: Some(code), ..Details::default() };
    let book_with = |start: &'static str, code| {
        h.engine.book(
            h.business,
            offer(&h),
            at(start),
            None,
            with(code),
            Actor::guest(),
            Limits::Apply,
        )
    };
    let balance = |code| {
        let store = store.clone();
        async move { store.code(h.business, code).await.unwrap().unwrap().ledger.balance(at(NOW)) }
    };
    let first = book_with("2027-01-04T08:00:00Z", pack).await.unwrap();
    let second = book_with("2027-01-05T08:00:00Z", pack).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(0));
    let third = book_with("2027-01-06T08:00:00Z", pack).await;
    assert_eq!(third.unwrap_err(), BookError::Code(CodeRefusal::Exhausted));
    let free = h
        .engine
        .book(
            h.business,
            offer(&h),
            at("2027-01-06T08:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await;
    assert!(free.is_ok(), "the refused booking left its slot free: {free:?}");

    // In time (three days ahead, the window is 24 h): the session comes back.
    let admin = Actor::staff(Role::Admin, None);
    h.engine.cancel(h.business, first.id, admin, None).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(1), "a cancellation in time refunds");
    // A reschedule keeps the use on the new booking.
    let moved = h
        .engine
        .reschedule(
            h.business,
            second.id,
            at("2027-01-05T10:00:00Z"),
            None,
            None,
            admin,
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(1));
    assert_eq!(store.code_used_by(h.business, moved.id).await.unwrap(), Some(pack));
    assert_eq!(store.code_used_by(h.business, second.id).await.unwrap(), None);
    // Late (staff may cancel, but inside the customer's window): the session stays used.
    h.clock.advance(SignedDuration::from_hours(24 * 4 - 3));
    h.engine.cancel(h.business, moved.id, admin, None).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(1), "a late cancellation keeps the use");
    h.clock.advance(-SignedDuration::from_hours(24 * 4 - 3));

    // A rejected request gives it back.
    let mut business = store.business(h.business).await.unwrap().unwrap();
    business.settings.default_status = booking_core::booking::BookingStatus::Pending;
    store.update_business(&business).await.unwrap();
    let again = book_with("2027-01-07T08:00:00Z", pack).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(0));
    h.engine
        .set_status(
            h.business,
            again.id,
            booking_core::booking::BookingStatus::Rejected,
            admin,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(balance(pack).await, Balance::Sessions(1), "a rejection refunds");

    // Seats: a package pays one session per seat.
    let (_, session) = fixtures::event_session(
        store.as_ref(),
        h.business,
        5,
        Interval::new(at("2027-01-08T08:00:00Z"), at("2027-01-08T09:00:00Z")).unwrap(),
    )
    .await;
    let all = issue(Value::Package { sessions: 3, services: Vec::new() }, None, 2).await;
    let seats = h.engine.book_seats(h.business, session, 2, None, with(all), Actor::guest()).await;
    assert!(seats.is_ok(), "{seats:?}");
    assert_eq!(balance(all).await, Balance::Sessions(1));
    let too_many =
        h.engine.book_seats(h.business, session, 2, None, with(all), Actor::guest()).await;
    assert_eq!(too_many.unwrap_err(), SeatError::Code(CodeRefusal::Exhausted));
    let covered =
        h.engine.book_seats(h.business, session, 1, None, with(pack), Actor::guest()).await;
    assert_eq!(
        covered.unwrap_err(),
        SeatError::Code(CodeRefusal::NotCovered),
        "listed services only"
    );

    // Expired: nothing.
    let old = issue(Value::Gift { amount_minor: 10_000 }, Some("2027-01-02T00:00:00Z"), 3).await;
    let late = book_with("2027-01-04T12:00:00Z", old).await;
    assert_eq!(late.unwrap_err(), BookError::Code(CodeRefusal::Expired));
}
