//! Use cases: the booking engine over a bundle of ports.
//!
//! Every use case loads what it needs, then changes state only through
//! [`BookingStore::transact`](crate::ports::store::BookingStore::transact), deciding inside the
//! transaction with the same slot engine that lists availability ([`OfferContext::availability`]):
//! a listed slot can be booked and a slot that cannot be booked is never listed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

use crate::booking::{
    Actor, Booking, BookingStatus, HistoryEntry, NewBooking, Role, Target, TransitionError,
};
use crate::catalog::{Agenda, Business, Contact, Customer, DetailsRefused, Resource, Service};
use crate::holds::{Hold, LockCode, LockDigest, NewHold};
use crate::ids::{
    AgendaId, BookingId, BusinessId, CustomerId, HoldId, ResourceId, ServiceId, SessionId,
};
use crate::jobs::jobs_for;
use crate::outbox::{BookingRef, Extras};
use crate::policy::{Change, WindowError, WindowPolicy};
use crate::ports::clock::Clock;
use crate::ports::store::{
    AuditEntry, Busy, Decide, Occupancy, Refusal, Store, StoreError, TxError, TxOutcome, TxScope,
    TxView, Write,
};
use crate::ports::tokens::TokenSource;
use crate::slots::{
    Availability, BusyTimes, InvalidRules, ResourceCalendar, SlotQuery, SlotRules, availability,
    free_seats,
};
use crate::time::Interval;

pub use crate::error::{ErrorCode, Kind};
use crate::error::{error_codes, error_enum};

mod book;
mod change;
mod errors;
mod hold;
mod offer;
mod seats;

pub use self::errors::{
    AnonymiseError, BookError, CancelError, ConfirmError, HoldError, OfferError, RescheduleError,
    SeatError, StatusError,
};
pub use self::offer::{FirstSlot, OfferContext, StaticBusy};
use self::offer::{Ignore, one_second, stale_holds};
use self::seats::SeatOutcome;

/// The ports the engine runs on.
#[derive(Clone)]
pub struct Ports {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub tokens: Arc<dyn TokenSource>,
}

/// What is being booked: a service on an agenda, optionally on one chosen resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Offer {
    /// The agenda.
    pub agenda: AgendaId,
    /// The service.
    pub service: ServiceId,
    /// One resource of the agenda, or any.
    pub resource: Option<ResourceId>,
}

/// Whether minimum notice and maximum advance apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// They apply (always, for customers).
    Apply,
    /// Staff ignore them (Chrono's `bypass_delays`), but never book the past.
    Bypass,
}

/// Who the booking is for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Details {
    /// The customer record, when known.
    pub customer: Option<CustomerId>,
    /// Contact snapshot.
    pub contact: Contact,
    /// Custom-field answers.
    pub answers: Vec<(String, String)>,
    /// A code paying for the booking (§I2), found by the caller from the text its holder gave
    /// (a code is a bearer credential); refused inside the booking's transaction when it
    /// cannot pay.
    pub code: Option<crate::ids::CodeId>,
    /// The language the customer books in, for their emails (`None`: the business's).
    pub locale: Option<crate::settings::Locale>,
}

impl Details {
    /// Checks the contact and the answers (the limits every way in keeps).
    ///
    /// # Errors
    /// [`DetailsRefused`].
    pub fn check(&self) -> Result<(), DetailsRefused> {
        self.contact.check()?;
        crate::catalog::check_answers(self.answers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// The longest window one availability query may span.
pub const MAX_WINDOW_DAYS: i64 = 400;

/// The booking engine.
#[derive(Clone)]
pub struct Engine {
    ports: Ports,
    /// Offers already loaded, valid while their business's catalog revision is unchanged.
    offers: Arc<Mutex<OfferCache>>,
}

/// Loaded offers by business and offer.
type OfferCache = HashMap<(BusinessId, Offer), Arc<OfferContext>>;

/// Beyond this many cached offers the cache starts afresh (a bound, not a policy: a business
/// has a few agendas × services × resources).
const MAX_CACHED_OFFERS: usize = 4096;

impl Engine {
    /// The engine over a bundle of ports.
    #[must_use]
    pub fn new(ports: Ports) -> Self {
        Self { ports, offers: Arc::default() }
    }

    /// The ports, for adapters that share them.
    #[must_use]
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    fn now(&self) -> Timestamp {
        self.ports.clock.now()
    }

    /// Whether the customer a booking names (if any) is one of `business`'s.
    async fn customer_of(
        &self,
        business: BusinessId,
        details: &Details,
    ) -> Result<bool, StoreError> {
        match details.customer {
            Some(id) => Ok(self.ports.store.customer(business, id).await?.is_some()),
            None => Ok(true),
        }
    }

    /// Runs `decide` in a store transaction, adding the outbox jobs (§B3) of the booking changes
    /// it decides, so that they commit or roll back together (calendar and video jobs only when
    /// the business uses them).
    async fn transact(
        &self,
        scope: &TxScope,
        extras: Extras,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        self.transact_with(scope, Announce { reminder: None, extras }, decide).await
    }

    /// [`Engine::transact`] for changes that create bookings: with the business's reminder
    /// lead, each new booking also gets its reminder job.
    async fn transact_with(
        &self,
        scope: &TxScope,
        announce: Announce,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        let now = self.now();
        let business = scope.business;
        let mut announced = |view: &TxView| {
            let mut writes = decide(view)?;
            let reminders = announce
                .reminder
                .map(|lead| crate::jobs::Reminders { lead, sessions: &view.sessions });
            let jobs = jobs_for(business, &writes, now, reminders, announce.extras);
            writes.extend(jobs.into_iter().map(Write::Enqueue));
            Ok(writes)
        };
        self.ports.store.transact(scope, &mut announced).await
    }
}

/// Which jobs a transaction's booking changes write besides the customer's email, the
/// webhooks and the staff email.
#[derive(Clone, Copy)]
struct Announce {
    /// Reminders this long before each new booking's start.
    reminder: Option<SignedDuration>,
    /// Calendar and video jobs (the business uses them).
    extras: Extras,
}

impl Announce {
    /// What a business's booking changes announce.
    fn of(business: &Business) -> Self {
        Self { reminder: business.settings.reminder_before, extras: Extras::of(business) }
    }
}

fn effective(actor: Actor, limits: Limits) -> Limits {
    if actor.role.bound_by_windows() { Limits::Apply } else { limits }
}

fn insert(
    business: &Business,
    target: Target,
    details: &Details,
    status: BookingStatus,
    now: Timestamp,
    actor: Actor,
    rescheduled_from: Option<BookingId>,
) -> Write {
    Write::InsertBooking(NewBooking {
        business: business.id,
        target,
        customer: details.customer,
        contact: details.contact.clone(),
        answers: details.answers.clone(),
        status,
        created_at: now,
        rescheduled_from,
        locale: details.locale,
        created_by: actor,
    })
}

/// What a booking asks a code to pay (§I2).
#[derive(Clone, Copy)]
struct Paid {
    /// The service booked; none for an event's session.
    service: Option<crate::ids::ServiceId>,
    /// Places: 1 for an appointment, the seats of a session.
    units: u32,
    /// The price of it all, in minor units.
    price: i64,
    /// When it starts.
    starts_at: Timestamp,
}

/// §I2: the use of `code` (loaded and locked in the transaction) paying for the transaction's
/// new booking, or why it cannot.
fn redeem(
    view: &TxView,
    code: Option<crate::ids::CodeId>,
    paid: Paid,
    now: Timestamp,
) -> Result<Option<Write>, Refusal> {
    let Some(id) = code else { return Ok(None) };
    let found = view.codes.iter().find(|c| c.id == id).ok_or(crate::codes::CodeRefusal::Unknown)?;
    let amount = found.ledger.quote(paid.service, paid.units, paid.price, paid.starts_at, now)?;
    Ok(Some(Write::Redeem {
        code: id,
        booking: BookingRef::Created(0),
        amount,
        starts_at: paid.starts_at,
        at: now,
    }))
}

fn missing(what: &str) -> StoreError {
    StoreError::Corrupt(format!("the store committed but returned no {what}"))
}
