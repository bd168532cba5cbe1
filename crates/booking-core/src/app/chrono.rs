//! The use cases behind the Chrono-compatible API (§G): agendas and meeting types found by
//! their slugs, the datetimes of a meeting type with Chrono's booking delays and a user's own
//! bookings disabled, the delay check of a fill, and a booking with its history. The HTTP
//! adapter only reads Chrono's shapes into these calls and writes their answers back.

use jiff::Timestamp;

use super::App;
use super::access::{UseCase, authorize, permits};
use crate::access::{Denied, Principal};
use crate::booking::{Booking, HistoryEntry, Target};
use crate::catalog::{Agenda, Business, Resource, Service};
use crate::engine::{Limits, Offer, OfferError};
use crate::error::error_enum;
use crate::holds::LockCode;
use crate::ids::{BookingId, BusinessId};
use crate::policy::BookingDelays;
use crate::ports::store::StoreError;
use crate::time::Interval;

error_enum!(
    /// Why a Chrono request was refused.
    ChronoError {
        /// The caller may not (or the business is not theirs).
        Denied(#[from] Denied) => delegate, "{0}";
        /// No such business.
        UnknownBusiness => (NotFound, "unknown_business"), "unknown business";
        /// No agenda has this slug.
        UnknownAgenda => (NotFound, "unknown_agenda"), "unknown agenda";
        /// No meeting type of the agenda has this slug.
        UnknownService => (NotFound, "unknown_service"), "unknown meeting type";
        /// No such booking.
        UnknownBooking => (NotFound, "booking_not_found"), "unknown booking";
        /// The slot lies outside Chrono's booking delays.
        OutOfDelays => (Conflict, "slot_out_of_delays"), "slot out of booking delays";
        /// The offer cannot be evaluated.
        Offer(#[from] OfferError) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

/// An agenda with the business it belongs to.
#[derive(Clone, Debug)]
pub struct AgendaOf {
    /// The business.
    pub business: Business,
    /// The agenda.
    pub agenda: Agenda,
}

/// What `datetimes` asks.
#[derive(Clone, Debug, Default)]
pub struct DatetimesQuery {
    /// The first local date (`date_start`); the earliest bookable one when absent.
    pub from: Option<jiff::civil::Date>,
    /// The local date the window ends before (`date_end`, exclusive).
    pub until: Option<jiff::civil::Date>,
    /// Ignore the booking delays (`bypass_delays`): only callers who book for customers may.
    pub bypass_delays: bool,
    /// The caller's lock code: its own holds are not taken.
    pub lock: Option<LockCode>,
    /// The user whose own bookings make the slots they overlap unavailable to them.
    pub user_external_id: Option<String>,
}

/// Every slot of a meeting type in the window, each with whether it can be booked.
#[derive(Clone, Debug)]
pub struct Datetimes {
    /// The business (its zone and locale write the answer).
    pub business: Business,
    /// The agenda.
    pub agenda: Agenda,
    /// The meeting type.
    pub service: Service,
    /// The slots in order, `true` when bookable.
    pub slots: Vec<(Interval, bool)>,
}

/// A booking as Chrono shows it.
#[derive(Clone, Debug)]
pub struct BookingView {
    /// The business (its zone writes the times).
    pub business: Business,
    /// The booking.
    pub booking: Booking,
    /// Its history, oldest first.
    pub history: Vec<HistoryEntry>,
    /// The agenda of an appointment.
    pub agenda: Option<Agenda>,
}

/// The answer key that names a booking's user in Chrono.
pub const USER_EXTERNAL_ID: &str = "user_external_id";

impl App {
    async fn business_of(&self, business: BusinessId) -> Result<Business, ChronoError> {
        self.engine.ports().store.business(business).await?.ok_or(ChronoError::UnknownBusiness)
    }

    /// The business's agendas (any member of the business).
    ///
    /// # Errors
    /// Denied, unknown business, storage.
    pub async fn chrono_agendas(
        &self,
        caller: &Principal,
    ) -> Result<(Business, Vec<Agenda>), ChronoError> {
        authorize(caller, caller.business, UseCase::BrowseAgendas)?;
        let business = self.business_of(caller.business).await?;
        let agendas = self.engine.ports().store.agendas(caller.business).await?;
        Ok((business, agendas))
    }

    /// The agenda with this slug (any member of the business).
    ///
    /// # Errors
    /// Denied, unknown business or agenda, storage.
    pub async fn agenda_by_slug(
        &self,
        caller: &Principal,
        slug: &str,
    ) -> Result<AgendaOf, ChronoError> {
        authorize(caller, caller.business, UseCase::BrowseAgendas)?;
        let business = self.business_of(caller.business).await?;
        let agenda = self
            .engine
            .ports()
            .store
            .agendas(business.id)
            .await?
            .into_iter()
            .find(|a| a.slug == slug)
            .ok_or(ChronoError::UnknownAgenda)?;
        Ok(AgendaOf { business, agenda })
    }

    /// The agenda's meeting types, in the agenda's order.
    ///
    /// # Errors
    /// Storage.
    pub async fn services_of(&self, agenda: &Agenda) -> Result<Vec<Service>, ChronoError> {
        let services = self.engine.ports().store.services(agenda.business).await?;
        Ok(agenda
            .services
            .iter()
            .filter_map(|id| services.iter().find(|s| s.id == *id).cloned())
            .collect())
    }

    /// The agenda's meeting type with this slug.
    ///
    /// # Errors
    /// Unknown service, storage.
    pub async fn service_by_slug(
        &self,
        agenda: &Agenda,
        slug: &str,
    ) -> Result<Service, ChronoError> {
        self.services_of(agenda)
            .await?
            .into_iter()
            .find(|s| s.slug == slug)
            .ok_or(ChronoError::UnknownService)
    }

    /// The agenda's desks, in the agenda's order.
    ///
    /// # Errors
    /// Storage.
    pub async fn desks_of(&self, agenda: &Agenda) -> Result<Vec<Resource>, ChronoError> {
        let resources = self.engine.ports().store.resources(agenda.business).await?;
        Ok(agenda
            .resources
            .iter()
            .filter_map(|id| resources.iter().find(|r| r.id == *id).cloned())
            .collect())
    }

    /// Every slot of a meeting type whose start lies in the asked window cut to Chrono's
    /// booking delays (unless bypassed by a caller who books for customers), each with whether
    /// it can be booked. A slot is not bookable when it is taken, or when the user named
    /// already has a booking overlapping it.
    ///
    /// # Errors
    /// Denied, unknown agenda or meeting type, a window too long, storage.
    pub async fn datetimes(
        &self,
        caller: &Principal,
        agenda_slug: &str,
        service_slug: &str,
        query: DatetimesQuery,
    ) -> Result<Datetimes, ChronoError> {
        let AgendaOf { business, agenda } = self.agenda_by_slug(caller, agenda_slug).await?;
        let service = self.service_by_slug(&agenda, service_slug).await?;
        let actor = caller.actor();
        let now = self.engine.ports().clock.now();
        let (earliest, latest) = BookingDelays::of(&business.settings).window(&business.zone, now);
        let start = query.from.map(|d| business.zone.start_of_day(d));
        let end = query.until.map(|d| business.zone.start_of_day(d));
        let bypass = query.bypass_delays && permits(caller, business.id, UseCase::BypassDelays);
        let (from, to) = if bypass {
            (start.unwrap_or(now), end.unwrap_or(latest))
        } else {
            (start.map_or(earliest, |s| s.max(earliest)), end.map_or(latest, |e| e.min(latest)))
        };
        let Ok(window) = Interval::new(from, to) else {
            return Ok(Datetimes { business, agenda, service, slots: Vec::new() });
        };
        let offer = Offer { agenda: agenda.id, service: service.id, resource: None };
        let mut slots = self
            .engine
            .slots_with_status(
                business.id,
                offer,
                window,
                query.lock.as_ref(),
                actor,
                Limits::Bypass,
            )
            .await?;
        if let Some(user) = query.user_external_id.as_deref() {
            self.disable_theirs(business.id, user, &mut slots).await?;
        }
        Ok(Datetimes { business, agenda, service, slots })
    }

    /// A user's own live bookings make the slots they overlap unavailable to them.
    async fn disable_theirs(
        &self,
        business: BusinessId,
        user: &str,
        slots: &mut [(Interval, bool)],
    ) -> Result<(), ChronoError> {
        let (Some(first), Some(last)) = (slots.first(), slots.last()) else { return Ok(()) };
        let Ok(window) = Interval::new(first.0.start(), last.0.end()) else { return Ok(()) };
        let theirs: Vec<Interval> = self
            .engine
            .ports()
            .store
            .bookings_in(business, window)
            .await?
            .iter()
            .filter(|b| b.status.occupies() && answer(b, USER_EXTERNAL_ID) == Some(user))
            .filter_map(Booking::slot)
            .collect();
        for slot in slots.iter_mut() {
            if theirs.iter().any(|t| t.overlaps(&slot.0)) {
                slot.1 = false;
            }
        }
        Ok(())
    }

    /// Whether a fill at `start` may go ahead: inside Chrono's booking delays, unless the
    /// caller asked to bypass them and may.
    ///
    /// # Errors
    /// [`ChronoError::OutOfDelays`].
    pub fn check_delays(
        &self,
        caller: &Principal,
        business: &Business,
        start: Timestamp,
        bypass_delays: bool,
    ) -> Result<(), ChronoError> {
        let bypass = bypass_delays && permits(caller, business.id, UseCase::BypassDelays);
        let now = self.engine.ports().clock.now();
        if bypass || BookingDelays::of(&business.settings).allow(&business.zone, now, start) {
            Ok(())
        } else {
            Err(ChronoError::OutOfDelays)
        }
    }

    /// A booking with its history and agenda (callers who read every booking).
    ///
    /// # Errors
    /// Denied, unknown business or booking, storage.
    pub async fn booking_with_history(
        &self,
        caller: &Principal,
        booking: BookingId,
    ) -> Result<BookingView, ChronoError> {
        authorize(caller, caller.business, UseCase::ReadBookings)?;
        let business = self.business_of(caller.business).await?;
        let store = &self.engine.ports().store;
        let found =
            store.booking(business.id, booking).await?.ok_or(ChronoError::UnknownBooking)?;
        let history = store.history(business.id, found.id).await?;
        let agenda = match &found.target {
            Target::Appointment { agenda, .. } => store.agenda(business.id, *agenda).await?,
            Target::Session { .. } => None,
        };
        Ok(BookingView { business, booking: found, history, agenda })
    }
}

/// A booking's answer to `key`.
#[must_use]
pub fn answer<'a>(booking: &'a Booking, key: &str) -> Option<&'a str> {
    booking.answers.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}
