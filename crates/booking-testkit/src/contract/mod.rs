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
use booking_core::booking::{BookingStatus, NewBooking, Role, Target};
use booking_core::catalog::{Business, Contact, Email};
use booking_core::engine::{BookError, ConfirmError, ErrorCode, HoldError, SeatError};
use booking_core::holds::{Hold, LockCode};
use booking_core::ids::{BusinessId, JobId};
use booking_core::outbox::{BookingEvent, Effect, Job, JobError, JobState, RetryPolicy};
use booking_core::ports::clock::Clock;
use booking_core::ports::outbox::JobHandler;
use booking_core::ports::store::{IdempotentAnswer, Store, TxError, TxScope, Write};
use booking_core::schedule::{DayHours, Exception};
use booking_core::services::outbox::drain;
use booking_core::time::{Interval, SignedDuration, Timestamp};
use booking_core::{Actor, Details, Limits, Offer};
use futures::future::join_all;

use crate::Harness;
use crate::fixtures;

/// Runs the contract cases as tests, one test per case. `$attr` is the async test attribute to
/// use and `$make` an expression evaluating to a future of a fresh `Arc<dyn Store>`, or of an
/// `Option<Arc<dyn Store>>` whose `None` skips the case (a database that is not available here).
///
/// The cases are grouped by port; after `;`, a list of groups runs only those, so a store in
/// the making passes the catalogue and bookings before it implements, say, codes (its other
/// ports may answer `StoreError::Unavailable` meanwhile):
///
/// ```text
/// booking_testkit::store_contract_tests!(#[tokio::test] async { my_store().await });
/// booking_testkit::store_contract_tests!(#[tokio::test] async { my_store().await }; catalog, bookings);
/// ```
///
/// Groups: `catalog`, `bookings`, `customers`, `outbox`, `access`, `webhooks`, `calendar`,
/// `video`, `codes`.
#[macro_export]
macro_rules! store_contract_tests {
    (#[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(#[$attr] $make;
            catalog, bookings, customers, outbox, access, webhooks, calendar, video, codes);
    };
    (#[$attr:meta] $make:expr; $($port:ident),+ $(,)?) => {
        $( $crate::store_contract_tests!(@port $port #[$attr] $make); )+
    };
    (@port catalog #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            catalog_round_trips_and_is_scoped_by_business,
            catalog_changes_reach_the_next_request,
            exceptions_and_external_busy_times_block,
            another_business_sees_nothing,
            set_up_refuses_another_business_references,
            email_templates_are_per_business_trigger_and_locale,
        );
    };
    (@port bookings #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            books_a_listed_slot_and_unlists_it,
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
            the_store_itself_refuses_overlaps,
            the_store_itself_refuses_overbooked_sessions,
            bookings_in_a_window,
        );
    };
    (@port customers #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            anonymisation_erases_and_keeps_bookings,
            accounts_are_unique_per_email,
            accounts_sign_up_verify_and_log_in,
            account_tokens_are_single_use_and_expire,
            magic_links_follow_the_business_setting,
            proving_an_email_attaches_guest_records,
            concurrent_takes_of_one_token_one_wins,
            anonymisation_ends_sessions_and_links,
            deleting_an_account_keeps_the_business_records,
            a_customer_s_timeline_pages_the_past,
        );
    };
    (@port outbox #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            booking_changes_write_their_jobs_in_the_transaction,
            outbox_claims_are_exclusive,
            outbox_reclaims_a_job_whose_lease_lapsed,
            outbox_retries_with_backoff_and_delivers_once,
            outbox_parks_and_operators_retry,
            outbox_honours_retry_after,
            outbox_keeps_only_due_and_recent_jobs,
        );
    };
    (@port access #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            idempotency_keys_remember_the_first_answer,
            api_keys_authenticate_until_revoked,
            staff_sessions_last_while_their_key_does,
        );
    };
    (@port webhooks #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            webhooks_are_scoped_and_logged,
        );
    };
    (@port calendar #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            calendar_records_round_trip,
            calendar_sync_keeps_one_event_per_booking,
            calendar_busy_times_remove_slots,
            calendar_tokens_refresh_then_break,
            calendar_meeting_links_reach_the_email,
            calendar_events_forget_an_anonymised_customer,
        );
    };
    (@port video #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            video_setup_and_meetings_round_trip,
            video_meetings_follow_the_rules,
        );
    };
    (@port codes #[$attr:meta] $make:expr) => {
        $crate::store_contract_tests!(@cases #[$attr] $make;
            codes_round_trip,
            concurrent_redemptions_of_the_last_session_one_wins,
            codes_pay_for_bookings_and_come_back,
        );
    };
    (@cases #[$attr:meta] $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $case() {
                let store: ::std::option::Option<::std::sync::Arc<dyn ::booking_core::ports::store::Store>> =
                    $make.await.into();
                if let ::std::option::Option::Some(store) = store {
                    $crate::contract::$case(store).await;
                }
            }
        )*
    };
}

mod access;
mod bookings;
mod calendar;
mod catalog;
mod codes;
mod customers;
mod outbox;
mod video;
mod webhooks;

pub use access::*;
pub use bookings::*;
pub use calendar::*;
pub use catalog::*;
pub use codes::*;
pub use customers::*;
pub use outbox::*;
pub use video::*;
pub use webhooks::*;

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
    book_with(h, start, Details::default()).await
}

/// A guest's booking of the demo offer at `start` with these details, the customer's limits
/// applying.
async fn book_with(
    h: &Harness,
    start: &str,
    details: Details,
) -> Result<booking_core::Booking, BookError> {
    h.engine
        .book(h.business, offer(h), at(start), None, details, Actor::guest(), Limits::Apply)
        .await
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
