//! The booking commands as callers give them: availability, holds, bookings and their changes.
//! Who acts (a guest, a customer, staff), whether the customer's delays apply (staff who may
//! book for customers can lift them), whose record a booking goes to, and who may change which
//! booking are decided here; the engine applies the slot rules inside its transaction.

use std::sync::Arc;

use jiff::Timestamp;

use super::App;
use super::access::{UseCase, authorize_guest, permits};
use super::bookings::{BookingAccessError, BookingUse};
use crate::Offer;
use crate::access::{Denied, Principal};
use crate::booking::{Actor, Booking, BookingStatus, Role};
use crate::engine::{
    BookError, CancelError, ConfirmError, Details, FirstSlot, HoldError, Limits, OfferContext,
    OfferError, RescheduleError, SeatError, StatusError,
};
use crate::error::error_enum;
use crate::holds::{Hold, LockCode};
use crate::ids::{BookingId, BusinessId, CustomerId, ResourceId, SessionId};
use crate::ports::store::StoreError;
use crate::slots::Availability;
use crate::time::Interval;

/// What a hold or a booking names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// Seats in a session.
    Seats {
        /// The session.
        session: SessionId,
        /// How many.
        seats: u32,
    },
    /// An appointment slot.
    Slot {
        /// What is booked.
        offer: Offer,
        /// Its start.
        start: Timestamp,
    },
    /// Nothing: a booking that confirms a hold by its lock code alone.
    Nothing,
}

error_enum!(
    /// Why a booking command was refused.
    CommandError {
        /// The caller may not.
        Denied(#[from] Denied) => delegate, "{0}";
        /// The booking is not theirs to change, or does not exist.
        Access(#[from] BookingAccessError) => delegate, "{0}";
        /// Nothing to hold: neither a slot nor seats.
        NothingToHold => (Invalid, "invalid_value"), "hold either a slot (`agenda_id`, `service_id`, `start`) or seats (`session_id`)";
        /// Nothing to book: neither a slot, seats, nor a lock code to confirm.
        NothingToBook => (Invalid, "invalid_value"), "book a slot (`agenda_id`, `service_id`, `start`), seats (`session_id`), or confirm a hold (`lock_code`)";
        /// The offer was refused.
        Offer(#[from] OfferError) => delegate, "{0}";
        /// The hold was refused.
        Hold(#[from] HoldError) => delegate, "{0}";
        /// The booking was refused.
        Book(#[from] BookError) => delegate, "{0}";
        /// The confirmation was refused.
        Confirm(#[from] ConfirmError) => delegate, "{0}";
        /// The seats were refused.
        Seats(#[from] SeatError) => delegate, "{0}";
        /// The cancellation was refused.
        Cancel(#[from] CancelError) => delegate, "{0}";
        /// The move was refused.
        Reschedule(#[from] RescheduleError) => delegate, "{0}";
        /// The status change was refused.
        Status(#[from] StatusError) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

impl App {
    /// The actor a caller (a guest when `None`) acts as in `business`, and the limits that
    /// apply: `bypass` lifts the customer's delays only for those who may book for customers.
    ///
    /// # Errors
    /// A caller of another business.
    pub fn acting(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        bypass: bool,
    ) -> Result<(Actor, Limits), Denied> {
        let actor = authorize_guest(caller, business, UseCase::BrowseCatalog)?;
        let lifted = bypass && caller.is_some_and(|p| permits(p, business, UseCase::BypassDelays));
        Ok((actor, if lifted { Limits::Bypass } else { Limits::Apply }))
    }

    /// An offer of `business` loaded for availability reads (anyone).
    ///
    /// # Errors
    /// An unknown business, agenda or service, or a service not on the agenda.
    pub async fn offer(
        &self,
        business: BusinessId,
        offer: Offer,
    ) -> Result<Arc<OfferContext>, OfferError> {
        self.engine.offer(business, offer).await
    }

    /// The free slots of an offer whose start lies in `window`.
    ///
    /// # Errors
    /// A caller of another business, the offer refused.
    pub async fn availability(
        &self,
        caller: Option<&Principal>,
        ctx: &OfferContext,
        window: Interval,
        lock: Option<&LockCode>,
        bypass: bool,
    ) -> Result<Availability, CommandError> {
        let (actor, limits) = self.acting(caller, ctx.business().id, bypass)?;
        Ok(self.engine.availability_for(ctx, window, lock, actor, limits).await?)
    }

    /// The free slots of an offer of `business` whose start lies in `window` (the offer loaded
    /// for this read).
    ///
    /// # Errors
    /// A caller of another business, the offer refused.
    pub async fn slots(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        offer: Offer,
        window: Interval,
        lock: Option<&LockCode>,
        bypass: bool,
    ) -> Result<Availability, CommandError> {
        let (actor, limits) = self.acting(caller, business, bypass)?;
        Ok(self.engine.availability(business, offer, window, lock, actor, limits).await?)
    }

    /// Every slot of an offer in `window`, free or taken (the back office's calendar).
    ///
    /// # Errors
    /// A caller of another business, the offer refused.
    pub async fn slots_with_status(
        &self,
        caller: &Principal,
        business: BusinessId,
        offer: Offer,
        window: Interval,
        bypass: bool,
    ) -> Result<Vec<(Interval, bool)>, CommandError> {
        let (actor, limits) = self.acting(Some(caller), business, bypass)?;
        Ok(self.engine.slots_with_status(business, offer, window, None, actor, limits).await?)
    }

    /// The first free slot of an offer of `business` at or after `from`.
    ///
    /// # Errors
    /// A caller of another business, the offer refused.
    pub async fn first_free(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        offer: Offer,
        from: Timestamp,
        lock: Option<&LockCode>,
        bypass: bool,
    ) -> Result<Option<FirstSlot>, CommandError> {
        let (actor, limits) = self.acting(caller, business, bypass)?;
        Ok(self.engine.first_available(business, offer, from, lock, actor, limits).await?)
    }

    /// The first free slot of an offer at or after `from`.
    ///
    /// # Errors
    /// A caller of another business, the offer refused.
    pub async fn first_available(
        &self,
        caller: Option<&Principal>,
        ctx: &OfferContext,
        from: Timestamp,
        lock: Option<&LockCode>,
        bypass: bool,
    ) -> Result<Option<FirstSlot>, CommandError> {
        let (actor, limits) = self.acting(caller, ctx.business().id, bypass)?;
        Ok(self.engine.first_available_for(ctx, from, lock, actor, limits).await?)
    }

    /// Holds a slot or seats under a lock code while the form is filled (anyone; `bypass` as in
    /// [`Self::acting`]).
    ///
    /// # Errors
    /// A caller of another business, nothing named, the hold refused.
    pub async fn hold(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        wanted: Wanted,
        lock: &LockCode,
        bypass: bool,
    ) -> Result<Hold, CommandError> {
        let (actor, limits) = self.acting(caller, business, bypass)?;
        match wanted {
            Wanted::Seats { session, seats } => {
                Ok(self.engine.hold_seats(business, session, seats, lock, actor).await?)
            }
            Wanted::Slot { offer, start } => {
                Ok(self.engine.hold(business, offer, start, lock, actor, limits).await?)
            }
            Wanted::Nothing => Err(CommandError::NothingToHold),
        }
    }

    /// Releases every hold of a lock code (anyone who has it); how many there were.
    ///
    /// # Errors
    /// A caller of another business, storage.
    pub async fn release(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        lock: &LockCode,
    ) -> Result<usize, CommandError> {
        self.acting(caller, business, false)?;
        Ok(self.engine.release(business, lock).await?)
    }

    /// Books a slot or seats, or confirms the hold of `lock` (anyone). A booking goes to the
    /// customer named (only by those who may book for customers), else to the signed-in
    /// customer's own record.
    ///
    /// # Errors
    /// A caller of another business, a customer named without the right, nothing named, the
    /// booking refused.
    pub async fn book(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        wanted: Wanted,
        lock: Option<&LockCode>,
        mut details: Details,
        bypass: bool,
    ) -> Result<Booking, CommandError> {
        let (actor, limits) = self.acting(caller, business, bypass)?;
        match (details.customer, caller) {
            // A customer books under their own record.
            (Some(c), Some(p)) if p.role == Role::Customer && p.subject == Some(c.get()) => {}
            (Some(_), Some(p)) => {
                super::access::authorize(p, business, UseCase::BookForCustomers)?;
            }
            // A guest only under the guest record of the address they give.
            (Some(c), None) => {
                let email = details.contact.email.as_ref().ok_or(Denied::Forbidden)?;
                let own = self.engine.ports().store.guest_by_email(business, email).await?;
                if own.map(|g| g.id) != Some(c) {
                    return Err(Denied::Forbidden.into());
                }
            }
            (None, Some(p)) if p.role == Role::Customer => {
                details.customer = p.subject.map(CustomerId::new);
            }
            (None, _) => {}
        }
        let engine = &self.engine;
        Ok(match (wanted, lock) {
            (Wanted::Seats { session, seats }, _) => {
                engine.book_seats(business, session, seats, lock, details, actor).await?
            }
            (Wanted::Slot { offer, start }, _) => {
                engine.book(business, offer, start, lock, details, actor, limits).await?
            }
            (Wanted::Nothing, Some(lock)) => engine.confirm(business, lock, details, actor).await?,
            (Wanted::Nothing, None) => return Err(CommandError::NothingToBook),
        })
    }

    /// Cancels a booking (its customer within their window, its staff, agents and up).
    ///
    /// # Errors
    /// Not theirs, the cancellation refused.
    pub async fn cancel(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
        reason: Option<String>,
    ) -> Result<Booking, CommandError> {
        let (_, actor) = self.booking_for(caller, business, booking, BookingUse::Manage).await?;
        Ok(self.engine.cancel(business, booking, actor, reason).await?)
    }

    /// Cancels a booking whose email cancel link its holder followed, as its customer (the link
    /// is the proof, checked by the account service; the customer's windows apply).
    ///
    /// # Errors
    /// The cancellation refused.
    pub async fn cancel_by_link(
        &self,
        business: BusinessId,
        booking: &Booking,
    ) -> Result<Booking, CommandError> {
        let actor = booking.customer.map_or_else(Actor::guest, Actor::customer);
        Ok(self.engine.cancel(business, booking.id, actor, None).await?)
    }

    /// Moves an appointment to another slot, atomically (its customer within their window, its
    /// staff, agents and up; `bypass` as in [`Self::acting`]).
    ///
    /// # Errors
    /// Not theirs, the move refused.
    #[allow(clippy::too_many_arguments, reason = "the move's own inputs, each its own")]
    pub async fn reschedule(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
        start: Timestamp,
        resource: Option<ResourceId>,
        lock: Option<&LockCode>,
        bypass: bool,
    ) -> Result<Booking, CommandError> {
        let (_, actor) = self.booking_for(caller, business, booking, BookingUse::Manage).await?;
        let (_, limits) = self.acting(Some(caller), business, bypass)?;
        Ok(self.engine.reschedule(business, booking, start, resource, lock, actor, limits).await?)
    }

    /// Approves, rejects or marks a booking (its staff, agents and up; never its customer).
    ///
    /// # Errors
    /// Not theirs, a customer, the change refused.
    pub async fn set_status(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
        to: BookingStatus,
        reason: Option<String>,
    ) -> Result<Booking, CommandError> {
        let (_, actor) = self.booking_for(caller, business, booking, BookingUse::Manage).await?;
        if actor.role == Role::Customer {
            return Err(Denied::Forbidden.into());
        }
        Ok(self.engine.set_status(business, booking, to, actor, reason).await?)
    }

    /// Who presents this API key or session token, if anyone.
    ///
    /// # Errors
    /// Storage.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<Principal>, StoreError> {
        self.engine.authenticate(presented).await
    }

    /// The time now, by the clock port.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.engine.ports().clock.now()
    }

    /// A fresh random token of `bytes` bytes (form sessions, OAuth nonces, idempotency keys of
    /// emails).
    #[must_use]
    pub fn token(&self, bytes: usize) -> crate::ports::tokens::Secret {
        self.engine.ports().tokens.token(bytes)
    }
}
