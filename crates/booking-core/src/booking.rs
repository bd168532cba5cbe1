//! §A5 Booking lifecycle: statuses, who changed them, and the append-only history.

use jiff::Timestamp;

use crate::catalog::Contact;
use crate::ids::{AgendaId, BookingId, BusinessId, CustomerId, ResourceId, ServiceId, SessionId};
use crate::time::Interval;

pub use crate::status::{BookingStatus, TransitionError};

/// The kind of user behind an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The customer themself.
    Customer,
    /// A staff member (their own agenda).
    Staff,
    /// A back-office agent.
    Agent,
    /// A manager of the business.
    Manager,
    /// An administrator.
    Admin,
    /// The system itself (expiry, imports, workers).
    System,
}

impl Role {
    /// The stable name.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Staff => "staff",
            Self::Agent => "agent",
            Self::Manager => "manager",
            Self::Admin => "admin",
            Self::System => "system",
        }
    }

    /// Reads [`Role::code`] back.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Customer, Self::Staff, Self::Agent, Self::Manager, Self::Admin, Self::System]
            .into_iter()
            .find(|r| r.code() == text)
    }

    /// §A6: windows bind customers only.
    #[must_use]
    pub const fn bound_by_windows(self) -> bool {
        matches!(self, Self::Customer)
    }
}

/// Who did something: a role and, when known, the user's id in that role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Actor {
    /// What kind of user.
    pub role: Role,
    /// The customer id, resource id or account id behind the role.
    pub user: Option<i64>,
}

impl Actor {
    /// A customer acting on their own bookings.
    #[must_use]
    pub const fn customer(id: CustomerId) -> Self {
        Self { role: Role::Customer, user: Some(id.get()) }
    }

    /// An anonymous guest booking without an account.
    #[must_use]
    pub const fn guest() -> Self {
        Self { role: Role::Customer, user: None }
    }

    /// Any non-customer role.
    #[must_use]
    pub const fn staff(role: Role, user: Option<i64>) -> Self {
        Self { role, user }
    }

    /// The system.
    #[must_use]
    pub const fn system() -> Self {
        Self { role: Role::System, user: None }
    }
}

/// One line of a booking's append-only history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: Actor,
    /// The status before (`None` at creation).
    pub from: Option<BookingStatus>,
    /// The status after.
    pub to: BookingStatus,
    /// Why (free text, optional).
    pub reason: Option<String>,
}

/// What a booking or a hold reserves: an appointment on one resource, or seats in a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An appointment on one resource.
    Appointment {
        /// The agenda booked through.
        agenda: AgendaId,
        /// The service.
        service: ServiceId,
        /// The resource taking it.
        resource: ResourceId,
        /// The appointment.
        slot: Interval,
        /// The appointment widened by the service's buffers: what it blocks.
        busy: Interval,
    },
    /// Seats in a group session.
    Session {
        /// The session.
        session: SessionId,
        /// Seats taken.
        seats: u32,
    },
}

/// A customer's reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    /// Assigned by the store.
    pub id: BookingId,
    /// Owner tenant.
    pub business: BusinessId,
    /// What is reserved.
    pub target: Target,
    /// The customer record, when one is linked.
    pub customer: Option<CustomerId>,
    /// The contact details given with this booking (a snapshot; erased by anonymisation).
    pub contact: Contact,
    /// Answers to the service's custom fields (erased by anonymisation).
    pub answers: Vec<(String, String)>,
    /// Current status.
    pub status: BookingStatus,
    /// Creation instant.
    pub created_at: Timestamp,
    /// The booking this one replaced by a reschedule.
    pub rescheduled_from: Option<BookingId>,
    /// The language the customer booked in: their emails are written in it (`None`: the
    /// business's).
    pub locale: Option<crate::settings::Locale>,
}

impl Booking {
    /// The appointment's interval, if it is an appointment.
    #[must_use]
    pub fn slot(&self) -> Option<Interval> {
        match &self.target {
            Target::Appointment { slot, .. } => Some(*slot),
            Target::Session { .. } => None,
        }
    }

    /// `completed` for an approved booking whose end has passed, else the stored status.
    #[must_use]
    pub fn effective_status(
        &self,
        now: Timestamp,
        session_end: Option<Timestamp>,
    ) -> EffectiveStatus {
        let end = self.slot().map(|s| s.end()).or(session_end);
        match (self.status, end) {
            (BookingStatus::Approved, Some(end)) if end <= now => EffectiveStatus::Completed,
            (status, _) => EffectiveStatus::Stored(status),
        }
    }
}

/// A status including the derived `completed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EffectiveStatus {
    /// As stored.
    Stored(BookingStatus),
    /// Approved and over.
    Completed,
}

/// A booking about to be written, with its first history line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBooking {
    /// Owner tenant.
    pub business: BusinessId,
    /// What is reserved.
    pub target: Target,
    /// The customer record, when one is linked.
    pub customer: Option<CustomerId>,
    /// Contact snapshot.
    pub contact: Contact,
    /// Custom-field answers.
    pub answers: Vec<(String, String)>,
    /// Initial status.
    pub status: BookingStatus,
    /// Creation instant.
    pub created_at: Timestamp,
    /// The booking this one replaces (reschedule).
    pub rescheduled_from: Option<BookingId>,
    /// The customer's language (`None`: the business's).
    pub locale: Option<crate::settings::Locale>,
    /// The creation line of the history.
    pub created_by: Actor,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use BookingStatus::{Approved, Canceled, NoShow, Pending, Rejected};

    fn check(from: BookingStatus, to: BookingStatus, expected: Result<(), &str>) {
        assert_eq!(from.check_transition(to).map_err(|e| e.code()), expected, "{from} -> {to}");
    }

    #[test]
    fn transitions() {
        check(Pending, Approved, Ok(()));
        check(Pending, Rejected, Ok(()));
        check(Pending, Canceled, Ok(()));
        check(Approved, Canceled, Ok(()));
        check(Approved, NoShow, Ok(()));
        check(NoShow, Approved, Ok(()));
        check(Canceled, Canceled, Err("already_canceled"));
        check(Canceled, Approved, Err("already_canceled"));
        check(Rejected, Approved, Err("already_rejected"));
        check(Approved, Pending, Err("transition_not_allowed"));
        check(Pending, NoShow, Err("transition_not_allowed"));
    }

    #[test]
    fn status_codes_round_trip() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.code()), Some(s));
        }
        assert!(Canceled.occupies().eq(&false) && Rejected.occupies().eq(&false));
        assert!(Pending.occupies() && Approved.occupies() && NoShow.occupies());
    }
}

/// A booking's place in its reschedule chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lineage {
    /// The chain's first booking: the invitation's UID.
    pub first: BookingId,
    /// How many moves led to this booking (0: never moved).
    pub moves: u32,
}

impl Lineage {
    /// The invitation's UID, the same for every booking of the chain.
    #[must_use]
    pub fn uid(&self, business: BusinessId) -> String {
        format!("booking-{business}-{}@booking", self.first)
    }

    /// The invitation's `SEQUENCE`: two per move, one more once canceled. Strictly greater
    /// than every invitation sent before for the chain: the first booking's request is 0, its
    /// move's request 2, that one's cancellation 3.
    #[must_use]
    pub const fn sequence(&self, canceled: bool) -> u32 {
        self.moves.saturating_mul(2).saturating_add(if canceled { 1 } else { 0 })
    }
}
