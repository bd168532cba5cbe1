//! Domain values to column values, shared by both adapters' `INSERT`s, and the values a
//! transaction returns (built from what was written, as it will read back).

use booking_core::booking::{Booking, NewBooking, Target};
use booking_core::holds::{Hold, NewHold};
use booking_core::ids::{BookingId, HoldId};
use booking_core::time::Interval;

use crate::{micros, stored};

/// The columns that say what a booking or hold occupies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// `appointment`/`slot` or `session`.
    pub kind: &'static str,
    /// Agenda, service, resource of an appointment.
    pub agenda: Option<i64>,
    /// The service.
    pub service: Option<i64>,
    /// The resource.
    pub resource: Option<i64>,
    /// Slot start and end (µs).
    pub slot: Option<(i64, i64)>,
    /// Busy start and end (µs): what the no-overlap rule applies to.
    pub busy: Option<(i64, i64)>,
    /// The session of a seat booking.
    pub session: Option<i64>,
    /// Seats (1 for an appointment).
    pub seats: i64,
}

fn span(i: Interval) -> (i64, i64) {
    (micros(i.start()), micros(i.end()))
}

impl Columns {
    /// The columns of a booking's target.
    #[must_use]
    pub fn of_booking(target: &Target) -> Self {
        match target {
            Target::Appointment { agenda, service, resource, slot, busy } => Self {
                kind: "appointment",
                agenda: Some(agenda.get()),
                service: Some(service.get()),
                resource: Some(resource.get()),
                slot: Some(span(*slot)),
                busy: Some(span(*busy)),
                session: None,
                seats: 1,
            },
            Target::Session { session, seats } => Self::seats(session.get(), *seats),
        }
    }

    /// The columns of a hold's target: those of the booking it would become, but `slot`.
    #[must_use]
    pub fn of_hold(target: &Target) -> Self {
        match target {
            Target::Appointment { agenda, service, resource, slot, busy } => Self {
                kind: "slot",
                ..Self::of_booking(&Target::Appointment {
                    agenda: *agenda,
                    service: *service,
                    resource: *resource,
                    slot: *slot,
                    busy: *busy,
                })
            },
            Target::Session { session, seats } => Self::seats(session.get(), *seats),
        }
    }

    fn seats(session: i64, seats: u32) -> Self {
        Self {
            kind: "session",
            agenda: None,
            service: None,
            resource: None,
            slot: None,
            busy: None,
            session: Some(session),
            seats: i64::from(seats),
        }
    }
}

fn stored_interval(i: Interval) -> Interval {
    Interval::new(stored(i.start()), stored(i.end())).unwrap_or(i)
}

fn stored_booking_target(target: &Target) -> Target {
    match target {
        Target::Appointment { agenda, service, resource, slot, busy } => Target::Appointment {
            agenda: *agenda,
            service: *service,
            resource: *resource,
            slot: stored_interval(*slot),
            busy: stored_interval(*busy),
        },
        Target::Session { .. } => target.clone(),
    }
}

/// The booking a `NewBooking` becomes under `id`, as it reads back.
#[must_use]
pub fn booking(id: BookingId, new: NewBooking) -> Booking {
    Booking {
        id,
        business: new.business,
        target: stored_booking_target(&new.target),
        customer: new.customer,
        contact: new.contact,
        answers: new.answers,
        status: new.status,
        created_at: stored(new.created_at),
        rescheduled_from: new.rescheduled_from,
        locale: new.locale,
    }
}

/// The hold a `NewHold` becomes under `id`, as it reads back.
#[must_use]
pub fn hold(id: HoldId, new: NewHold) -> Hold {
    let target = match new.target {
        Target::Appointment { agenda, service, resource, slot, busy } => Target::Appointment {
            agenda,
            service,
            resource,
            slot: stored_interval(slot),
            busy: stored_interval(busy),
        },
        session @ Target::Session { .. } => session,
    };
    Hold {
        id,
        business: new.business,
        lock: new.lock,
        target,
        created_at: stored(new.created_at),
        expires_at: stored(new.expires_at),
    }
}
