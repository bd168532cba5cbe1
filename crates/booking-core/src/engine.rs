//! Use cases: the booking engine over a bundle of ports.
//!
//! Every use case loads what it needs, then changes state only through
//! [`BookingStore::transact`](crate::store::BookingStore::transact), deciding inside the
//! transaction with the same slot engine that lists availability ([`OfferContext::availability`]):
//! a listed slot can be booked and a slot that cannot be booked is never listed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

use crate::booking::{
    Actor, Booking, BookingStatus, BookingTarget, HistoryEntry, NewBooking, Role, TransitionError,
};
use crate::catalog::{Agenda, Business, Contact, Customer, DetailsRefused, Resource, Service};
use crate::holds::{Hold, HoldTarget, LockCode, LockDigest, NewHold};
use crate::ids::{
    AgendaId, BookingId, BusinessId, CustomerId, HoldId, ResourceId, ServiceId, SessionId,
};
use crate::jobs::jobs_for;
use crate::outbox::{BookingRef, Extras};
use crate::policy::{Change, WindowError, WindowPolicy};
use crate::ports::{Clock, TokenSource};
use crate::slots::{
    Availability, BusyTimes, InvalidRules, ResourceCalendar, SlotQuery, SlotRules, availability,
    free_seats,
};
use crate::store::{
    AuditEntry, Busy, Decide, Occupancy, Refusal, Store, StoreError, TxError, TxOutcome, TxScope,
    TxView, Write,
};
use crate::time::Interval;

pub use crate::error::{ErrorCode, Kind};
use crate::error::{error_codes, error_enum};

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

/// Why an offer cannot be evaluated (the availability use case's error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    /// No such business.
    #[error("unknown business")]
    UnknownBusiness,
    /// No such agenda in this business.
    #[error("unknown agenda")]
    UnknownAgenda,
    /// No such service in this business.
    #[error("unknown service")]
    UnknownService,
    /// The service is not offered on this agenda.
    #[error("this service is not offered on this agenda")]
    ServiceNotOnAgenda,
    /// The resource is not part of this agenda.
    #[error("unknown resource for this agenda")]
    UnknownResource,
    /// The service's durations cannot produce slots.
    #[error(transparent)]
    InvalidRules(#[from] InvalidRules),
    /// The query spans more than [`MAX_WINDOW_DAYS`].
    #[error("a query spans at most {MAX_WINDOW_DAYS} days")]
    WindowTooLong,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

error_codes!(OfferError, |e| match e {
    OfferError::UnknownBusiness => (Kind::NotFound, "unknown_business"),
    OfferError::UnknownAgenda => (Kind::Invalid, "unknown_agenda"),
    OfferError::UnknownService => (Kind::Invalid, "unknown_service"),
    OfferError::ServiceNotOnAgenda => (Kind::Invalid, "service_not_on_agenda"),
    OfferError::UnknownResource => (Kind::Invalid, "unknown_resource"),
    OfferError::InvalidRules(e) => (e.kind(), e.code()),
    OfferError::WindowTooLong => (Kind::Invalid, "window_too_long"),
    OfferError::Store(e) => (e.kind(), e.code()),
});

error_enum!(
    /// Why a hold was refused.
    HoldError {
        /// The offer is invalid.
        Offer(#[from] OfferError) => delegate, "{0}";
        /// The slot is not free (or not offered).
        SlotTaken => (Conflict, "slot_taken"), "this slot is no longer available";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why a booking was refused.
    BookError {
        /// The customer's details were refused.
        Details(#[from] DetailsRefused) => delegate, "{0}";
        /// The offer is invalid.
        Offer(#[from] OfferError) => delegate, "{0}";
        /// The slot is not free (or not offered).
        SlotTaken => (Conflict, "slot_taken"), "this slot is no longer available";
        /// The customer named is not one of this business.
        UnknownCustomer => (Invalid, "customer_not_found"), "unknown customer";
        /// The code cannot pay for it (§I2).
        Code(crate::codes::CodeRefusal) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why a confirmation was refused.
    ConfirmError {
        /// The customer's details were refused.
        Details(#[from] DetailsRefused) => delegate, "{0}";
        /// The held offer is no longer valid (service removed from the agenda…).
        Offer(#[from] OfferError) => delegate, "{0}";
        /// The lock code holds nothing: never held, released, confirmed, or lapsed and then
        /// removed by a booking that took its slot.
        HoldNotFound => (Conflict, "hold_not_found"), "nothing is held with this lock code (it may have expired and been taken)";
        /// The hold lapsed and its slot was taken meanwhile.
        HoldExpired => (Conflict, "hold_expired"), "the hold expired and the slot was taken meanwhile";
        /// The held seats are no longer available.
        SessionFull => (Conflict, "session_full"), "the session is full";
        /// The customer named is not one of this business.
        UnknownCustomer => (Invalid, "customer_not_found"), "unknown customer";
        /// The code cannot pay for it (§I2).
        Code(crate::codes::CodeRefusal) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why a cancellation was refused.
    CancelError {
        /// No such booking visible to the actor.
        BookingNotFound => (NotFound, "booking_not_found"), "unknown booking";
        /// Outside the customer's window.
        Window(#[from] WindowError) => delegate, "{0}";
        /// Already canceled or rejected.
        Transition(#[from] TransitionError) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why a reschedule was refused (the old booking is then unchanged).
    RescheduleError {
        /// No such booking visible to the actor.
        BookingNotFound => (NotFound, "booking_not_found"), "unknown booking";
        /// Only appointments move; sessions are fixed.
        NotAnAppointment => (Invalid, "not_an_appointment"), "only appointments can be rescheduled";
        /// Outside the customer's window, or not allowed.
        Window(#[from] WindowError) => delegate, "{0}";
        /// The booking no longer occupies its slot.
        Transition(#[from] TransitionError) => delegate, "{0}";
        /// The offer is invalid.
        Offer(#[from] OfferError) => delegate, "{0}";
        /// The new slot is not free.
        SlotTaken => (Conflict, "slot_taken"), "the new slot is not available";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why a staff status change was refused.
    StatusError {
        /// No such booking.
        BookingNotFound => (NotFound, "booking_not_found"), "unknown booking";
        /// Customers cannot approve, reject or mark no-shows.
        Forbidden => (Forbidden, "forbidden"), "only staff can change this status";
        /// A no-show can only be recorded once the appointment has started.
        NotStarted => (Conflict, "not_started"), "the appointment has not started yet";
        /// The lifecycle forbids it.
        Transition(#[from] TransitionError) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why seats in a session could not be held or booked.
    SeatError {
        /// The customer's details were refused.
        Details(#[from] DetailsRefused) => delegate, "{0}";
        /// No such session.
        SessionNotFound => (Invalid, "session_not_found"), "unknown session";
        /// Seats must be at least one.
        InvalidSeats => (Invalid, "invalid_seats"), "book at least one seat";
        /// Not enough seats left.
        SessionFull => (Conflict, "session_full"), "not enough seats left";
        /// The session has started.
        InThePast => (Conflict, "in_the_past"), "the session has already started";
        /// The customer named is not one of this business.
        UnknownCustomer => (Invalid, "customer_not_found"), "unknown customer";
        /// The code cannot pay for it (§I2).
        Code(crate::codes::CodeRefusal) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

error_enum!(
    /// Why a customer could not be anonymised.
    AnonymiseError {
        /// No such customer.
        CustomerNotFound => (Invalid, "customer_not_found"), "unknown customer";
        /// The business does not let customers delete their profile, or it is someone else's.
        NotAllowed => (Forbidden, "profile_deletion_not_allowed"), "profile deletion is not allowed";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

/// The first free slot found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstSlot {
    /// The appointment.
    pub interval: Interval,
    /// Resources that can take it.
    pub resources: Vec<ResourceId>,
}

/// Everything loaded to evaluate one offer (read-only: the resource index is derived from it).
#[derive(Clone, Debug)]
pub struct OfferContext {
    business: Business,
    agenda: Agenda,
    service: Service,
    resources: Vec<Resource>,
    rules: SlotRules,
    /// `(resource id, position in resources)`, sorted: bookings are matched to resources by it.
    index: Vec<(ResourceId, usize)>,
}

/// Bookings, holds or a lock code to look through.
#[derive(Clone, Copy, Debug, Default)]
struct Ignore<'a> {
    lock: Option<&'a LockDigest>,
    booking: Option<BookingId>,
}

/// Exceptions and external busy times: what does not change inside a booking transaction.
#[derive(Clone, Debug, Default)]
pub struct StaticBusy {
    per_resource: Vec<Vec<(i64, i64)>>,
}

impl OfferContext {
    /// Exceptions and external busy times, per resource of the offer.
    fn statics(&self, busy: impl Iterator<Item = (ResourceId, Interval)>) -> StaticBusy {
        let mut per_resource = vec![Vec::new(); self.resources.len()];
        for (resource, interval) in busy {
            if let Some(i) = self.index_of(resource) {
                per_resource[i].push(interval.seconds());
            }
        }
        StaticBusy { per_resource }
    }

    fn new(
        business: Business,
        agenda: Agenda,
        service: Service,
        resources: Vec<Resource>,
        rules: SlotRules,
    ) -> Self {
        let mut index: Vec<(ResourceId, usize)> =
            resources.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        index.sort_unstable();
        Self { business, agenda, service, resources, rules, index }
    }

    /// The business.
    #[must_use]
    pub fn business(&self) -> &Business {
        &self.business
    }

    /// The agenda.
    #[must_use]
    pub fn agenda(&self) -> &Agenda {
        &self.agenda
    }

    /// The service.
    #[must_use]
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The resources considered, in agenda order.
    #[must_use]
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// Slot rules of the service.
    #[must_use]
    pub fn rules(&self) -> &SlotRules {
        &self.rules
    }

    /// Position of a resource in `resources`: thousands of bookings are matched per query.
    fn index_of(&self, resource: ResourceId) -> Option<usize> {
        self.index.binary_search_by_key(&resource, |e| e.0).ok().map(|found| self.index[found].1)
    }

    fn query(&self, window: Interval, now: Timestamp, limits: Limits) -> SlotQuery {
        let query = SlotQuery::new(window);
        match limits {
            Limits::Apply => {
                let notice = self
                    .service
                    .min_before_booking
                    .unwrap_or(self.business.settings.min_before_booking);
                query.with_limits(now, notice, self.business.settings.max_advance())
            }
            Limits::Bypass => query.not_before(now),
        }
    }

    /// Where busy times can matter for starts inside `window`.
    fn reach(&self, window: Interval) -> Interval {
        let (_, busy) = self.rules.slot_at(window.start());
        let (_, last) = self.rules.slot_at(window.end());
        Interval::new(busy.start(), last.end()).unwrap_or(window)
    }

    /// The availability of this offer given an occupancy snapshot: the one code path of listing
    /// and booking.
    #[must_use]
    pub fn availability(
        &self,
        statics: &StaticBusy,
        occupancy: &Occupancy,
        now: Timestamp,
        caller: Option<&LockDigest>,
        query: &SlotQuery,
    ) -> Availability {
        self.availability_ignoring(
            statics,
            occupancy,
            now,
            Ignore { lock: caller, booking: None },
            query,
        )
    }

    fn availability_ignoring(
        &self,
        statics: &StaticBusy,
        occupancy: &Occupancy,
        now: Timestamp,
        ignore: Ignore<'_>,
        query: &SlotQuery,
    ) -> Availability {
        let mut spans: Vec<Vec<(i64, i64)>> = (0..self.resources.len())
            .map(|i| statics.per_resource.get(i).cloned().unwrap_or_default())
            .collect();
        for booking in &occupancy.bookings {
            if booking.status.occupies()
                && Some(booking.id) != ignore.booking
                && let Some(i) = self.index_of(booking.resource)
            {
                spans[i].push(booking.busy.seconds());
            }
        }
        for hold in &occupancy.holds {
            if let HoldTarget::Slot { resource, busy, .. } = &hold.target
                && hold.blocks(now, ignore.lock)
                && let Some(i) = self.index_of(*resource)
            {
                spans[i].push(busy.seconds());
            }
        }
        let busy: Vec<BusyTimes> = spans.into_iter().map(BusyTimes::from_spans).collect();
        let calendars: Vec<ResourceCalendar<'_>> = self
            .resources
            .iter()
            .zip(&busy)
            .map(|(r, b)| ResourceCalendar {
                resource: r.id,
                zone: &r.zone,
                hours: &r.hours,
                busy: b,
            })
            .collect();
        availability(&calendars, &self.rules, query)
    }

    /// The resource that takes the slot starting at `start`, deciding exactly as listing does.
    fn place(
        &self,
        statics: &StaticBusy,
        occupancy: &Occupancy,
        now: Timestamp,
        ignore: Ignore<'_>,
        query: &SlotQuery,
        start: Timestamp,
    ) -> Result<ResourceId, Refusal> {
        let found = self.availability_ignoring(statics, occupancy, now, ignore, query);
        let slot = found.find(start).ok_or(Refusal::SlotTaken)?;
        found.resources(slot).first().copied().ok_or(Refusal::SlotTaken)
    }

    /// A transaction over every considered resource around `busy`.
    fn scope(&self, busy: Interval, lock: Option<LockDigest>) -> TxScope {
        TxScope {
            resources: self.resources.iter().map(|r| r.id).collect(),
            window: Some(busy),
            lock,
            ..TxScope::new(self.business.id)
        }
    }

    fn hold_ttl(&self) -> SignedDuration {
        self.agenda.hold_ttl.unwrap_or(self.business.settings.hold_ttl)
    }

    fn default_status(&self) -> BookingStatus {
        self.service.default_status.unwrap_or(self.business.settings.default_status)
    }
}

/// Expired holds seen in a transaction: deleted there, so a database constraint never trips on them.
fn expired_holds(view: &TxView, now: Timestamp) -> impl Iterator<Item = HoldId> + '_ {
    view.occupancy
        .holds
        .iter()
        .chain(view.sessions.iter().flat_map(|s| &s.holds))
        .filter(move |h| !h.is_live(now))
        .map(|h| h.id)
}

fn stale_holds(view: &TxView, now: Timestamp) -> Write {
    let mut ids: Vec<HoldId> =
        view.lock_holds.iter().map(|h| h.id).chain(expired_holds(view, now)).collect();
    ids.sort_unstable();
    ids.dedup();
    Write::DeleteHolds(ids)
}

/// The window of starts that contains only `start`: how booking asks the engine for one slot.
fn one_second(start: Timestamp) -> Interval {
    let second = start.min(Timestamp::MAX - SignedDuration::from_secs(1)).as_second();
    Interval::from_seconds(second, second + 1)
}

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

    /// Loads and checks an offer: the business, the agenda, the service on it, the resources.
    ///
    /// The catalog part (agenda, service, resources, rules) is cached per engine and reused while
    /// the business's `revision` is unchanged, so a request reads the business row only: any
    /// change to the business or its resources, agendas or services bumps the revision (the
    /// store guarantees it) and the next request reloads.
    pub async fn offer(
        &self,
        business: BusinessId,
        offer: Offer,
    ) -> Result<Arc<OfferContext>, OfferError> {
        let store = &self.ports.store;
        let business = store.business(business).await?.ok_or(OfferError::UnknownBusiness)?;
        let key = (business.id, offer);
        let cached = self.offers.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
        if let Some(ctx) = cached.filter(|c| c.business == business) {
            return Ok(ctx);
        }
        let agenda =
            store.agenda(business.id, offer.agenda).await?.ok_or(OfferError::UnknownAgenda)?;
        let service =
            store.service(business.id, offer.service).await?.ok_or(OfferError::UnknownService)?;
        if !agenda.services.contains(&service.id) {
            return Err(OfferError::ServiceNotOnAgenda);
        }
        let wanted: Vec<ResourceId> = match offer.resource {
            Some(r) if agenda.resources.contains(&r) => vec![r],
            Some(_) => return Err(OfferError::UnknownResource),
            None => agenda.resources.clone(),
        };
        let all = store.resources(business.id).await?;
        let resources =
            wanted.iter().filter_map(|id| all.iter().find(|r| r.id == *id).cloned()).collect();
        let rules = SlotRules::for_service(&service, &business.settings)?;
        let ctx = Arc::new(OfferContext::new(business, agenda, service, resources, rules));
        let mut offers = self.offers.lock().unwrap_or_else(PoisonError::into_inner);
        if offers.len() >= MAX_CACHED_OFFERS {
            offers.clear();
        }
        offers.insert(key, ctx.clone());
        Ok(ctx)
    }

    /// Exceptions, and external busy times when the business removes busy slots (§H3).
    pub async fn static_busy(
        &self,
        ctx: &OfferContext,
        window: Interval,
    ) -> Result<StaticBusy, StoreError> {
        // Not `busy_around`: a booking reads occupancy inside its transaction, so reading it
        // here too would be wasted on the hot path (measured: a fifth fewer bookings/s).
        let store = &self.ports.store;
        let ids: Vec<ResourceId> = ctx.resources.iter().map(|r| r.id).collect();
        let reach = ctx.reach(window);
        let exceptions = store.exceptions(ctx.business.id, &ids, reach).await?;
        let external = if ctx.business.settings.calendar.remove_busy_slots {
            store.external_busy(ctx.business.id, &ids, reach).await?
        } else {
            Vec::new()
        };
        let exceptions = exceptions.iter().map(|(r, e)| (*r, e.interval));
        Ok(ctx.statics(exceptions.chain(external)))
    }

    /// Everything blocking the offer's resources around `window`, in one store read.
    async fn busy_around(&self, ctx: &OfferContext, window: Interval) -> Result<Busy, StoreError> {
        let ids: Vec<ResourceId> = ctx.resources.iter().map(|r| r.id).collect();
        let external = ctx.business.settings.calendar.remove_busy_slots;
        self.ports.store.busy(ctx.business.id, &ids, ctx.reach(window), external).await
    }

    /// §A2: the free slots of an offer whose start lies in `window`. `lock` makes the caller's
    /// own holds count as free. Customers always get [`Limits::Apply`].
    pub async fn availability(
        &self,
        business: BusinessId,
        offer: Offer,
        window: Interval,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Availability, OfferError> {
        let ctx = self.offer(business, offer).await?;
        self.availability_for(&ctx, window, lock, actor, limits).await
    }

    /// [`Engine::availability`] of an offer already loaded with [`Engine::offer`] (an adapter
    /// that needs the business too, for its zone, reads it once).
    pub async fn availability_for(
        &self,
        ctx: &OfferContext,
        window: Interval,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Availability, OfferError> {
        if window.duration() > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(OfferError::WindowTooLong);
        }
        let digest = lock.map(LockCode::digest);
        let now = self.now();
        let query = ctx.query(window, now, effective(actor, limits));
        self.availability_of(ctx, &query, now, digest.as_ref()).await
    }

    /// Availability of a loaded offer: reads occupancy and static busy times around the query.
    async fn availability_of(
        &self,
        ctx: &OfferContext,
        query: &SlotQuery,
        now: Timestamp,
        caller: Option<&LockDigest>,
    ) -> Result<Availability, OfferError> {
        let busy = self.busy_around(ctx, query.window()).await?;
        let statics = ctx.statics(busy.exceptions.iter().chain(&busy.external).copied());
        Ok(ctx.availability(&statics, &busy.occupancy, now, caller, query))
    }

    /// §G datetimes: every slot the offer's hours and exceptions allow whose start lies in
    /// `window`, each with whether it can still be booked (`true`) or is taken by bookings and
    /// others' holds (`false`). The free ones are exactly [`Engine::availability`]'s: the same
    /// code path decides, run once with the occupancy and once without.
    pub async fn slots_with_status(
        &self,
        business: BusinessId,
        offer: Offer,
        window: Interval,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Vec<(Interval, bool)>, OfferError> {
        if window.duration() > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(OfferError::WindowTooLong);
        }
        let ctx = self.offer(business, offer).await?;
        let digest = lock.map(LockCode::digest);
        let now = self.now();
        let query = ctx.query(window, now, effective(actor, limits));
        let busy = self.busy_around(&ctx, query.window()).await?;
        let statics = ctx.statics(busy.exceptions.iter().chain(&busy.external).copied());
        let free = ctx.availability(&statics, &busy.occupancy, now, digest.as_ref(), &query);
        let all = ctx.availability(&statics, &Occupancy::default(), now, None, &query);
        Ok(all
            .slots()
            .iter()
            .map(|slot| (slot.interval(), free.find(slot.start()).is_some()))
            .collect())
    }

    /// §A2: the first free slot at or after `from`, searched week by week up to the maximum advance.
    pub async fn first_available(
        &self,
        business: BusinessId,
        offer: Offer,
        from: Timestamp,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Option<FirstSlot>, OfferError> {
        let ctx = self.offer(business, offer).await?;
        self.first_available_for(&ctx, from, lock, actor, limits).await
    }

    /// [`Engine::first_available`] of an offer already loaded with [`Engine::offer`].
    pub async fn first_available_for(
        &self,
        ctx: &OfferContext,
        from: Timestamp,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Option<FirstSlot>, OfferError> {
        let now = self.now();
        let digest = lock.map(LockCode::digest);
        let horizon = match effective(actor, limits) {
            Limits::Apply => {
                now.saturating_add(ctx.business.settings.max_advance()).unwrap_or(Timestamp::MAX)
            }
            Limits::Bypass => now
                .saturating_add(SignedDuration::from_hours(24 * MAX_WINDOW_DAYS))
                .unwrap_or(Timestamp::MAX),
        };
        let mut start = from.max(now);
        let week = SignedDuration::from_hours(24 * 7);
        while start < horizon {
            let end = start.saturating_add(week).unwrap_or(Timestamp::MAX).min(horizon);
            let Ok(window) = Interval::new(start, end) else { break };
            let query = ctx.query(window, now, effective(actor, limits));
            let found = self.availability_of(ctx, &query, now, digest.as_ref()).await?;
            if let Some(slot) = found.first() {
                return Ok(Some(FirstSlot {
                    interval: slot.interval(),
                    resources: found.resources(slot).to_vec(),
                }));
            }
            start = end;
        }
        Ok(None)
    }

    /// §A4: holds the slot starting at `start` for `lock`, moving any hold the lock already has.
    pub async fn hold(
        &self,
        business: BusinessId,
        offer: Offer,
        start: Timestamp,
        lock: &LockCode,
        actor: Actor,
        limits: Limits,
    ) -> Result<Hold, HoldError> {
        let ctx = self.offer(business, offer).await?;
        let now = self.now();
        let digest = lock.digest();
        let (slot, busy) = ctx.rules.slot_at(start);
        let statics = self.static_busy(&ctx, one_second(start)).await?;
        let query = ctx.query(one_second(start), now, effective(actor, limits));
        let scope = ctx.scope(busy, Some(digest));
        let expires_at = now.saturating_add(ctx.hold_ttl()).unwrap_or(Timestamp::MAX);
        let mut decide = |view: &TxView| {
            let ignore = Ignore { lock: Some(&digest), booking: None };
            let resource = ctx.place(&statics, &view.occupancy, now, ignore, &query, start)?;
            Ok(vec![
                stale_holds(view, now),
                Write::InsertHold(NewHold {
                    business: ctx.business.id,
                    lock: digest,
                    target: HoldTarget::Slot {
                        agenda: ctx.agenda.id,
                        service: ctx.service.id,
                        resource,
                        slot,
                        busy,
                    },
                    created_at: now,
                    expires_at,
                }),
            ])
        };
        // A hold is no booking change: it announces nothing.
        let outcome =
            self.transact(&scope, Extras::default(), &mut decide).await.map_err(|e| match e {
                TxError::Store(e) => HoldError::Store(e),
                TxError::Refused(_) | TxError::Conflict => HoldError::SlotTaken,
            })?;
        outcome.holds.into_iter().next().ok_or_else(|| HoldError::Store(missing("hold")))
    }

    /// Releases every hold of a lock code; how many there were.
    pub async fn release(
        &self,
        business: BusinessId,
        lock: &LockCode,
    ) -> Result<usize, StoreError> {
        self.ports.store.release(business, &lock.digest()).await
    }

    /// §A2/§A5: books the slot starting at `start`. With `lock`, the caller's own hold counts as
    /// free and is consumed.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is a distinct part of a booking request"
    )]
    pub async fn book(
        &self,
        business: BusinessId,
        offer: Offer,
        start: Timestamp,
        lock: Option<&LockCode>,
        details: Details,
        actor: Actor,
        limits: Limits,
    ) -> Result<Booking, BookError> {
        details.check()?;
        if !self.customer_of(business, &details).await? {
            return Err(BookError::UnknownCustomer);
        }
        let ctx = self.offer(business, offer).await?;
        let now = self.now();
        let digest = lock.map(LockCode::digest);
        let statics = self.static_busy(&ctx, one_second(start)).await?;
        let query = ctx.query(one_second(start), now, effective(actor, limits));
        let (slot, busy) = ctx.rules.slot_at(start);
        let scope =
            TxScope { codes: details.code.into_iter().collect(), ..ctx.scope(busy, digest) };
        let price = ctx.service.price_minor;
        let mut decide = |view: &TxView| {
            let ignore = Ignore { lock: digest.as_ref(), booking: None };
            let resource = ctx.place(&statics, &view.occupancy, now, ignore, &query, start)?;
            let target = BookingTarget::Appointment {
                agenda: ctx.agenda.id,
                service: ctx.service.id,
                resource,
                slot,
                busy,
            };
            let mut writes = vec![
                stale_holds(view, now),
                insert(&ctx.business, target, &details, ctx.default_status(), now, actor, None),
            ];
            let paid =
                Paid { service: Some(ctx.service.id), units: 1, price, starts_at: slot.start() };
            writes.extend(redeem(view, details.code, paid, now)?);
            Ok(writes)
        };
        let outcome = self
            .transact_with(&scope, Announce::of(&ctx.business), &mut decide)
            .await
            .map_err(|e| match e {
                TxError::Store(e) => BookError::Store(e),
                TxError::Refused(Refusal::Code(r)) => BookError::Code(r),
                TxError::Refused(_) | TxError::Conflict => BookError::SlotTaken,
            })?;
        outcome.bookings.into_iter().next().ok_or_else(|| BookError::Store(missing("booking")))
    }

    /// §A4: turns the hold of `lock` into a booking. A live hold always confirms; an expired one
    /// confirms only if its slot (or its seats) is still free.
    pub async fn confirm(
        &self,
        business: BusinessId,
        lock: &LockCode,
        details: Details,
        actor: Actor,
    ) -> Result<Booking, ConfirmError> {
        details.check()?;
        if !self.customer_of(business, &details).await? {
            return Err(ConfirmError::UnknownCustomer);
        }
        let digest = lock.digest();
        let holds = self.ports.store.holds_of(business, &digest).await?;
        let hold = holds.into_iter().next().ok_or(ConfirmError::HoldNotFound)?;
        match hold.target.clone() {
            HoldTarget::Slot { agenda, service, resource, slot, busy } => {
                let offer = Offer { agenda, service, resource: Some(resource) };
                let ctx = self.offer(business, offer).await?;
                let now = self.now();
                let statics = self.static_busy(&ctx, one_second(slot.start())).await?;
                let scope = TxScope {
                    resources: vec![resource],
                    window: Some(busy),
                    lock: Some(digest),
                    codes: details.code.into_iter().collect(),
                    ..TxScope::new(business)
                };
                let price = ctx.service.price_minor;
                let mut decide = |view: &TxView| {
                    let current = view
                        .lock_holds
                        .iter()
                        .find(|h| h.id == hold.id)
                        .ok_or(Refusal::HoldNotFound)?;
                    // A live hold was checked when taken: notice no longer applies. An expired one
                    // is a new booking attempt under the usual limits.
                    let limits = if current.is_live(now) {
                        Limits::Bypass
                    } else {
                        effective(actor, Limits::Apply)
                    };
                    let query = ctx.query(one_second(slot.start()), now, limits);
                    let found =
                        ctx.availability(&statics, &view.occupancy, now, Some(&digest), &query);
                    if found.find(slot.start()).is_none() {
                        return Err(Refusal::HoldExpired);
                    }
                    let target =
                        BookingTarget::Appointment { agenda, service, resource, slot, busy };
                    let mut writes = vec![
                        stale_holds(view, now),
                        insert(
                            &ctx.business,
                            target,
                            &details,
                            ctx.default_status(),
                            now,
                            actor,
                            None,
                        ),
                    ];
                    let paid =
                        Paid { service: Some(service), units: 1, price, starts_at: slot.start() };
                    writes.extend(redeem(view, details.code, paid, now)?);
                    Ok(writes)
                };
                let outcome = self
                    .transact_with(&scope, Announce::of(&ctx.business), &mut decide)
                    .await
                    .map_err(|e| match e {
                        TxError::Store(e) => ConfirmError::Store(e),
                        TxError::Refused(Refusal::HoldNotFound) => ConfirmError::HoldNotFound,
                        TxError::Refused(Refusal::Code(r)) => ConfirmError::Code(r),
                        TxError::Refused(_) | TxError::Conflict => ConfirmError::HoldExpired,
                    })?;
                outcome
                    .bookings
                    .into_iter()
                    .next()
                    .ok_or_else(|| ConfirmError::Store(missing("booking")))
            }
            HoldTarget::Session { session, seats } => {
                let result =
                    self.seats(business, session, seats, Some(lock), Some(details), actor).await;
                match result {
                    Ok(SeatOutcome::Booked(booking)) => Ok(booking),
                    Ok(SeatOutcome::Held(_)) => Err(ConfirmError::Store(missing("booking"))),
                    Err(SeatError::SessionFull) => Err(ConfirmError::SessionFull),
                    Err(SeatError::Code(r)) => Err(ConfirmError::Code(r)),
                    Err(SeatError::Store(e)) => Err(ConfirmError::Store(e)),
                    Err(_) => Err(ConfirmError::HoldExpired),
                }
            }
        }
    }

    async fn visible_booking(
        &self,
        business: BusinessId,
        id: BookingId,
        actor: Actor,
    ) -> Result<Option<Booking>, StoreError> {
        let booking = self.ports.store.booking(business, id).await?;
        Ok(booking.filter(|b| {
            actor.role != Role::Customer || b.customer.map(CustomerId::get) == actor.user
        }))
    }

    async fn start_and_service(
        &self,
        booking: &Booking,
    ) -> Result<(Timestamp, Option<Service>), StoreError> {
        match &booking.target {
            BookingTarget::Appointment { service, slot, .. } => {
                Ok((slot.start(), self.ports.store.service(booking.business, *service).await?))
            }
            BookingTarget::Session { session, .. } => {
                let start = self
                    .ports
                    .store
                    .session(booking.business, *session)
                    .await?
                    .map(|s| s.interval.start());
                Ok((start.unwrap_or(Timestamp::MIN), None))
            }
        }
    }

    /// §A5/§A6: cancels a booking. Customers only within their window and only their own.
    pub async fn cancel(
        &self,
        business: BusinessId,
        id: BookingId,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<Booking, CancelError> {
        let booking =
            self.visible_booking(business, id, actor).await?.ok_or(CancelError::BookingNotFound)?;
        let biz = self.ports.store.business(business).await?;
        let extras = biz.as_ref().map(Extras::of).unwrap_or_default();
        let settings = biz.map(|b| b.settings).unwrap_or_default();
        let (start, service) = self.start_and_service(&booking).await?;
        let now = self.now();
        booking.status.check_transition(BookingStatus::Canceled)?;
        let policy = WindowPolicy::for_service(&settings, service.as_ref());
        policy.check(Change::Cancel, actor.role, start, now)?;
        // §I2: a cancellation the customer could make gives the code's use back; a late one
        // (staff are exempt from the window) keeps it.
        let code = self.ports.store.code_used_by(business, id).await?;
        let in_time = policy.check(Change::Cancel, Role::Customer, start, now).is_ok();
        let scope = TxScope {
            bookings: vec![id],
            codes: code.into_iter().collect(),
            ..TxScope::new(business)
        };
        let mut decide = |view: &TxView| {
            let current =
                view.bookings.iter().find(|b| b.id == id).ok_or(Refusal::BookingNotFound)?;
            current.status.check_transition(BookingStatus::Canceled)?;
            let entry = HistoryEntry {
                at: now,
                actor,
                from: Some(current.status),
                to: BookingStatus::Canceled,
                reason: reason.clone(),
            };
            let mut writes = vec![Write::ChangeStatus { booking: id, entry }];
            writes.extend(code.filter(|_| in_time).map(|code| Write::Refund {
                code,
                booking: id,
                at: now,
            }));
            Ok(writes)
        };
        self.transact(&scope, extras, &mut decide).await.map_err(|e| match e {
            TxError::Refused(Refusal::Transition(t)) => CancelError::Transition(t),
            TxError::Refused(_) => CancelError::BookingNotFound,
            TxError::Conflict => {
                CancelError::Store(StoreError::Unavailable("concurrent change".into()))
            }
            TxError::Store(e) => CancelError::Store(e),
        })?;
        self.visible_booking(business, id, actor).await?.ok_or(CancelError::BookingNotFound)
    }

    /// §A5: moves an appointment to the slot starting at `start`, atomically: the old booking is
    /// canceled and the new one created in one transaction, or nothing changes.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is a distinct part of a reschedule request"
    )]
    pub async fn reschedule(
        &self,
        business: BusinessId,
        id: BookingId,
        start: Timestamp,
        resource: Option<ResourceId>,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Booking, RescheduleError> {
        let old = self
            .visible_booking(business, id, actor)
            .await?
            .ok_or(RescheduleError::BookingNotFound)?;
        let BookingTarget::Appointment { agenda, service, slot: old_slot, .. } = old.target else {
            return Err(RescheduleError::NotAnAppointment);
        };
        if !old.status.occupies() {
            old.status.check_transition(BookingStatus::Canceled)?;
        }
        let ctx = self.offer(business, Offer { agenda, service, resource }).await?;
        let now = self.now();
        WindowPolicy::for_service(&ctx.business.settings, Some(&ctx.service)).check(
            Change::Reschedule,
            actor.role,
            old_slot.start(),
            now,
        )?;
        let digest = lock.map(LockCode::digest);
        let statics = self.static_busy(&ctx, one_second(start)).await?;
        let query = ctx.query(one_second(start), now, effective(actor, limits));
        let (slot, busy) = ctx.rules.slot_at(start);
        // §I2: the code's use moves with the appointment.
        let code = self.ports.store.code_used_by(business, id).await?;
        let scope = TxScope {
            bookings: vec![id],
            codes: code.into_iter().collect(),
            ..ctx.scope(busy, digest)
        };
        let mut decide = |view: &TxView| {
            let current =
                view.bookings.iter().find(|b| b.id == id).ok_or(Refusal::BookingNotFound)?;
            if !current.status.occupies() {
                current.status.check_transition(BookingStatus::Canceled)?;
            }
            let ignore = Ignore { lock: digest.as_ref(), booking: Some(id) };
            let resource = ctx.place(&statics, &view.occupancy, now, ignore, &query, start)?;
            let entry = HistoryEntry {
                at: now,
                actor,
                from: Some(current.status),
                to: BookingStatus::Canceled,
                reason: Some("rescheduled".to_owned()),
            };
            let details = Details {
                customer: current.customer,
                contact: current.contact.clone(),
                answers: current.answers.clone(),
                code: None,
            };
            let moved = code.and_then(|code| {
                let found = view.codes.iter().find(|c| c.id == code)?;
                let used =
                    found.ledger.uses.iter().find(|u| u.booking == Some(id) && !u.refunded)?;
                Some([
                    Write::Refund { code, booking: id, at: now },
                    Write::Redeem {
                        code,
                        booking: BookingRef::Created(0),
                        amount: used.amount,
                        starts_at: slot.start(),
                        at: now,
                    },
                ])
            });
            let target = BookingTarget::Appointment { agenda, service, resource, slot, busy };
            let status = if current.status == BookingStatus::Pending {
                BookingStatus::Pending
            } else {
                ctx.default_status()
            };
            let mut writes = vec![
                stale_holds(view, now),
                Write::ChangeStatus { booking: id, entry },
                insert(&ctx.business, target, &details, status, now, actor, Some(id)),
            ];
            writes.extend(moved.into_iter().flatten());
            Ok(writes)
        };
        let outcome = self
            .transact_with(&scope, Announce::of(&ctx.business), &mut decide)
            .await
            .map_err(|e| match e {
                TxError::Refused(Refusal::Transition(t)) => RescheduleError::Transition(t),
                TxError::Refused(Refusal::BookingNotFound) => RescheduleError::BookingNotFound,
                TxError::Refused(_) | TxError::Conflict => RescheduleError::SlotTaken,
                TxError::Store(e) => RescheduleError::Store(e),
            })?;
        outcome
            .bookings
            .into_iter()
            .next()
            .ok_or_else(|| RescheduleError::Store(missing("booking")))
    }

    /// §A5: staff approve, reject or mark a no-show (cancel has its own use case).
    pub async fn set_status(
        &self,
        business: BusinessId,
        id: BookingId,
        to: BookingStatus,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<Booking, StatusError> {
        if actor.role == Role::Customer {
            return Err(StatusError::Forbidden);
        }
        let booking =
            self.ports.store.booking(business, id).await?.ok_or(StatusError::BookingNotFound)?;
        let (start, _) = self.start_and_service(&booking).await?;
        let extras =
            self.ports.store.business(business).await?.as_ref().map(Extras::of).unwrap_or_default();
        let now = self.now();
        if to == BookingStatus::NoShow && start > now {
            return Err(StatusError::NotStarted);
        }
        // §I2: a rejected request gives the code's use back (a no-show keeps it).
        let code = match to {
            BookingStatus::Rejected => self.ports.store.code_used_by(business, id).await?,
            _ => None,
        };
        let scope = TxScope {
            bookings: vec![id],
            codes: code.into_iter().collect(),
            ..TxScope::new(business)
        };
        let mut decide = |view: &TxView| {
            let current =
                view.bookings.iter().find(|b| b.id == id).ok_or(Refusal::BookingNotFound)?;
            current.status.check_transition(to)?;
            let entry = HistoryEntry {
                at: now,
                actor,
                from: Some(current.status),
                to,
                reason: reason.clone(),
            };
            let mut writes = vec![Write::ChangeStatus { booking: id, entry }];
            writes.extend(code.map(|code| Write::Refund { code, booking: id, at: now }));
            Ok(writes)
        };
        self.transact(&scope, extras, &mut decide).await.map_err(|e| match e {
            TxError::Refused(Refusal::Transition(t)) => StatusError::Transition(t),
            TxError::Refused(_) => StatusError::BookingNotFound,
            TxError::Conflict => {
                StatusError::Store(StoreError::Unavailable("concurrent change".into()))
            }
            TxError::Store(e) => StatusError::Store(e),
        })?;
        self.ports.store.booking(business, id).await?.ok_or(StatusError::BookingNotFound)
    }

    /// §A3/§A4: holds seats in a session for `lock` (moving any hold the lock already has).
    pub async fn hold_seats(
        &self,
        business: BusinessId,
        session: SessionId,
        seats: u32,
        lock: &LockCode,
        actor: Actor,
    ) -> Result<Hold, SeatError> {
        match self.seats(business, session, seats, Some(lock), None, actor).await? {
            SeatOutcome::Held(hold) => Ok(hold),
            SeatOutcome::Booked(_) => Err(SeatError::Store(missing("hold"))),
        }
    }

    /// §A3: books seats in a session; with `lock`, the caller's own held seats count as free.
    pub async fn book_seats(
        &self,
        business: BusinessId,
        session: SessionId,
        seats: u32,
        lock: Option<&LockCode>,
        details: Details,
        actor: Actor,
    ) -> Result<Booking, SeatError> {
        details.check()?;
        if !self.customer_of(business, &details).await? {
            return Err(SeatError::UnknownCustomer);
        }
        match self.seats(business, session, seats, lock, Some(details), actor).await? {
            SeatOutcome::Booked(booking) => Ok(booking),
            SeatOutcome::Held(_) => Err(SeatError::Store(missing("booking"))),
        }
    }

    async fn seats(
        &self,
        business: BusinessId,
        session: SessionId,
        seats: u32,
        lock: Option<&LockCode>,
        details: Option<Details>,
        actor: Actor,
    ) -> Result<SeatOutcome, SeatError> {
        if seats == 0 {
            return Err(SeatError::InvalidSeats);
        }
        let biz = self.ports.store.business(business).await?.ok_or(SeatError::SessionNotFound)?;
        let now = self.now();
        let digest = lock.map(LockCode::digest);
        let code = details.as_ref().and_then(|d| d.code);
        let scope = TxScope {
            sessions: vec![session],
            lock: digest,
            codes: code.into_iter().collect(),
            ..TxScope::new(business)
        };
        let ttl = biz.settings.hold_ttl;
        // What a code pays: the event's price for each seat.
        let price = match code {
            Some(_) => {
                let s = self.ports.store.session(business, session).await?;
                let event = match s {
                    Some(s) => self.ports.store.event(business, s.event).await?,
                    None => None,
                };
                event.map_or(0, |e| e.price_minor.saturating_mul(i64::from(seats)))
            }
            None => 0,
        };
        let mut decide = |view: &TxView| {
            let load = view
                .sessions
                .iter()
                .find(|s| s.session.id == session)
                .ok_or(Refusal::SessionNotFound)?;
            if load.session.interval.start() <= now {
                return Err(Refusal::InThePast);
            }
            let held: u32 = load
                .holds
                .iter()
                .filter(|h| h.blocks(now, digest.as_ref()))
                .map(|h| match h.target {
                    HoldTarget::Session { seats, .. } => seats,
                    HoldTarget::Slot { .. } => 0,
                })
                .sum();
            if seats > free_seats(load.session.capacity, load.booked_seats, held) {
                return Err(Refusal::SessionFull);
            }
            let target = BookingTarget::Session { session, seats };
            let write = match (&details, &digest) {
                (Some(details), _) => {
                    insert(&biz, target, details, biz.settings.default_status, now, actor, None)
                }
                (None, Some(lock)) => Write::InsertHold(NewHold {
                    business,
                    lock: *lock,
                    target: HoldTarget::Session { session, seats },
                    created_at: now,
                    expires_at: now.saturating_add(ttl).unwrap_or(Timestamp::MAX),
                }),
                (None, None) => return Err(Refusal::HoldNotFound),
            };
            let starts_at = load.session.interval.start();
            let paid = Paid { service: None, units: seats, price, starts_at };
            let mut writes = vec![stale_holds(view, now), write];
            writes.extend(redeem(view, code, paid, now)?);
            Ok(writes)
        };
        let outcome = self.transact_with(&scope, Announce::of(&biz), &mut decide).await.map_err(
            |e| match e {
                TxError::Refused(Refusal::SessionNotFound | Refusal::HoldNotFound) => {
                    SeatError::SessionNotFound
                }
                TxError::Refused(Refusal::InThePast) => SeatError::InThePast,
                TxError::Refused(Refusal::Code(r)) => SeatError::Code(r),
                TxError::Refused(_) | TxError::Conflict => SeatError::SessionFull,
                TxError::Store(e) => SeatError::Store(e),
            },
        )?;
        if let Some(booking) = outcome.bookings.into_iter().next() {
            return Ok(SeatOutcome::Booked(booking));
        }
        outcome
            .holds
            .into_iter()
            .next()
            .map(SeatOutcome::Held)
            .ok_or_else(|| SeatError::Store(missing("hold")))
    }

    /// §A7: erases a customer's personal data and keeps their bookings. A customer may do it to
    /// themself only when the business allows profile deletion; staff always may.
    pub async fn anonymise_customer(
        &self,
        business: BusinessId,
        customer: CustomerId,
        actor: Actor,
    ) -> Result<Customer, AnonymiseError> {
        let store = &self.ports.store;
        if actor.role == Role::Customer {
            let settings = store.business(business).await?.map(|b| b.settings).unwrap_or_default();
            if actor.user != Some(customer.get()) || !settings.customers_may_delete_profile {
                return Err(AnonymiseError::NotAllowed);
            }
        }
        let now = self.now();
        let audit = AuditEntry {
            business,
            at: now,
            actor,
            action: "customer.anonymised".to_owned(),
            subject: format!("customer:{customer}"),
        };
        store
            .anonymise_customer(business, customer, now, audit)
            .await?
            .ok_or(AnonymiseError::CustomerNotFound)
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

enum SeatOutcome {
    Held(Hold),
    Booked(Booking),
}

fn effective(actor: Actor, limits: Limits) -> Limits {
    if actor.role.bound_by_windows() { Limits::Apply } else { limits }
}

fn insert(
    business: &Business,
    target: BookingTarget,
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
