//! Where a booking comes from and where it went: a reschedule cancels the booking and makes a
//! new one (`rescheduled_from`). The customer sees one appointment that moved, so:
//! - an invitation keeps the UID of the chain's first booking for the chain's whole life, and
//!   its `SEQUENCE` grows with each move and with the cancellation (RFC 5546: a calendar moves
//!   the event it has instead of adding one);
//! - a link of an old email (cancel) follows the moves to the booking that holds now.

use crate::booking::{Booking, Lineage};
use crate::ids::{BookingId, BusinessId};
use crate::ports::store::{BookingStore, StoreError};

/// The longest chain followed either way; a booking moved more often than this keeps the
/// identity of its last thousand moves (never reached by a person).
const MAX_MOVES: u32 = 1000;

/// The lineage of `booking`: its chain followed back to the first booking.
///
/// # Errors
/// Storage.
pub async fn lineage(
    store: &(impl BookingStore + ?Sized),
    business: BusinessId,
    booking: &Booking,
) -> Result<Lineage, StoreError> {
    let mut here = Lineage { first: booking.id, moves: 0 };
    let mut from = booking.rescheduled_from;
    while let Some(id) = from {
        if here.moves >= MAX_MOVES {
            break;
        }
        here = Lineage { first: id, moves: here.moves + 1 };
        from = match store.booking(business, id).await? {
            Some(b) => b.rescheduled_from,
            None => None,
        };
    }
    Ok(here)
}

/// The booking that holds now for `id`: `id` itself, or the last booking its moves made.
///
/// # Errors
/// Storage.
pub async fn latest(
    store: &(impl BookingStore + ?Sized),
    business: BusinessId,
    id: BookingId,
) -> Result<BookingId, StoreError> {
    let mut here = id;
    for _ in 0..MAX_MOVES {
        match store.successor(business, here).await? {
            Some(next) => here = next,
            None => break,
        }
    }
    Ok(here)
}
