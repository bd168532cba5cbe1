//! The refusals of the booking use cases, each with its code and kind.

use super::*;

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
