//! §A5 The stored statuses of a booking and the transitions between them: a leaf of the core's
//! module graph (the catalog and the settings name a default status), re-exported by
//! [`crate::booking`].

use std::fmt;

use crate::error::Kind;

/// A stored status (`completed` is derived from time, see [`crate::booking::Booking::effective_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// Waiting for staff approval; blocks the slot.
    Pending,
    /// Confirmed; blocks the slot.
    Approved,
    /// Canceled by the customer or staff; frees the slot.
    Canceled,
    /// Refused by staff; frees the slot.
    Rejected,
    /// The customer did not come; the slot stays taken (it is in the past).
    NoShow,
}

impl BookingStatus {
    /// Every status, for iteration in tests and forms.
    pub const ALL: [Self; 5] =
        [Self::Pending, Self::Approved, Self::Canceled, Self::Rejected, Self::NoShow];

    /// The stable wire and storage name.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Canceled => "canceled",
            Self::Rejected => "rejected",
            Self::NoShow => "no_show",
        }
    }

    /// Reads [`BookingStatus::code`] back.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == text)
    }

    /// Whether a booking in this status occupies its slot or seats.
    #[must_use]
    pub const fn occupies(self) -> bool {
        matches!(self, Self::Pending | Self::Approved | Self::NoShow)
    }

    /// Whether `self -> to` is an allowed transition.
    pub fn check_transition(self, to: Self) -> Result<(), TransitionError> {
        use BookingStatus::{Approved, Canceled, NoShow, Pending, Rejected};
        match (self, to) {
            (Pending, Approved | Rejected | Canceled)
            | (Approved, Canceled | NoShow)
            | (NoShow, Approved) => Ok(()),
            (Canceled, _) => Err(TransitionError::AlreadyCanceled),
            (Rejected, _) => Err(TransitionError::AlreadyRejected),
            (from, to) => Err(TransitionError::NotAllowed { from, to }),
        }
    }
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The booking was canceled already.
    #[error("the booking is already canceled")]
    AlreadyCanceled,
    /// The booking was rejected already.
    #[error("the booking was rejected")]
    AlreadyRejected,
    /// Any other refused change.
    #[error("a {from} booking cannot become {to}")]
    NotAllowed {
        /// Current status.
        from: BookingStatus,
        /// Requested status.
        to: BookingStatus,
    },
}

crate::error::error_codes!(TransitionError, |e| match e {
    TransitionError::AlreadyCanceled => (Kind::Conflict, "already_canceled"),
    TransitionError::AlreadyRejected => (Kind::Conflict, "already_rejected"),
    TransitionError::NotAllowed { .. } => (Kind::Conflict, "transition_not_allowed"),
});
