//! Who may see and change which booking: customers reach their own, staff the bookings of their
//! resource, agents and up every booking of their business. The JSON API, the back office and
//! the panel ask these use cases instead of deciding themselves.

use super::access::{UseCase, authorize};
use super::{App, Window, WindowRefused};
use crate::access::{Action, Denied, Principal};
use crate::booking::{Actor, Booking, HistoryEntry, Role, Target};
use crate::catalog::{Business, Contact, Customer, Email, Service};
use crate::error::error_enum;
use crate::holds::{Hold, LockCode};
use crate::ids::{BookingId, BusinessId, CustomerId, ResourceId};
use crate::ports::store::StoreError;

error_enum!(
    /// Why a booking cannot be reached.
    BookingAccessError {
        /// The caller may not (a customer is told "not found": others' bookings do not exist
        /// for them).
        Denied(#[from] Denied) => delegate, "{0}";
        /// No such booking (or business).
        NotFound => (NotFound, "not_found"), "no such thing here";
        /// The window asked is refused.
        Window(#[from] WindowRefused) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

/// What a caller wants with a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingUse {
    /// See it.
    Read,
    /// Change it (status, cancel, move), without the customer's windows for staff.
    Manage,
}

/// The permission a use of `booking` needs from staff: the resource's for an appointment, the
/// whole business's for a session (which belongs to no one resource).
#[must_use]
pub const fn staff_action(booking: &Booking, how: BookingUse) -> Action {
    match (&booking.target, how) {
        (Target::Appointment { resource, .. }, BookingUse::Read) => {
            Action::ReadBookingsOf(*resource)
        }
        (Target::Appointment { resource, .. }, BookingUse::Manage) => {
            Action::ManageBookingsOf(*resource)
        }
        (Target::Session { .. }, BookingUse::Read) => Action::ReadAllBookings,
        (Target::Session { .. }, BookingUse::Manage) => Action::ManageAllBookings,
    }
}

/// Whether `caller` may use `booking` this way, and as whom.
///
/// # Errors
/// [`Denied::NotFound`] for another business or for a customer reaching someone else's
/// booking, [`Denied::Forbidden`] for staff without the permission.
pub fn may_use(caller: &Principal, booking: &Booking, how: BookingUse) -> Result<Actor, Denied> {
    caller.member_of(booking.business)?;
    if caller.may(staff_action(booking, how)) {
        return Ok(caller.actor());
    }
    match booking.customer {
        Some(c) if caller.may(Action::ActAsCustomer(c)) => Ok(caller.actor()),
        _ if caller.role == Role::Customer => Err(Denied::NotFound),
        _ => Err(Denied::Forbidden),
    }
}

impl App {
    /// A booking the caller may use this way, and the actor to act as.
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn booking_for(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
        how: BookingUse,
    ) -> Result<(Booking, Actor), BookingAccessError> {
        caller.member_of(business)?;
        let found = self
            .engine
            .ports()
            .store
            .booking(business, booking)
            .await?
            .ok_or(BookingAccessError::NotFound)?;
        let actor = may_use(caller, &found, how)?;
        Ok((found, actor))
    }

    /// A booking the caller may read, with its business (whose zone shows it) and its history.
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn booking_history(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<(Business, Booking, Vec<HistoryEntry>), BookingAccessError> {
        let (found, _) = self.booking_for(caller, business, booking, BookingUse::Read).await?;
        let store = &self.engine.ports().store;
        let b = store.business(business).await?.ok_or(BookingAccessError::NotFound)?;
        let history = store.history(business, booking).await?;
        Ok((b, found, history))
    }

    /// A booking shown to whoever holds proof they made it or were sent it, guests included:
    /// an `Idempotency-Key` answer replayed (the key's fingerprint binds the caller), the page a
    /// form session's signed redirect opens, an email's cancel link. With its business.
    ///
    /// # Errors
    /// Storage.
    pub async fn proven_booking(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<Option<(Business, Booking)>, StoreError> {
        let store = &self.engine.ports().store;
        let Some(b) = store.business(business).await? else { return Ok(None) };
        Ok(store.booking(business, booking).await?.map(|found| (b, found)))
    }

    /// The booking that holds now for `booking`: itself, or the one its moves (reschedules)
    /// led to. An old email's link follows the moves.
    ///
    /// # Errors
    /// Storage.
    pub async fn latest_booking(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<BookingId, StoreError> {
        let store = &self.engine.ports().store;
        crate::services::lineage::latest(&**store, business, booking).await
    }

    /// Whether `booking` was moved: rescheduled into another booking.
    ///
    /// # Errors
    /// Storage.
    pub async fn was_moved(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<bool, StoreError> {
        Ok(self.engine.ports().store.successor(business, booking).await?.is_some())
    }

    /// A customer's bookings, newest first (those who read every booking, or the customer
    /// themself).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn customer_bookings(
        &self,
        caller: &Principal,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<Booking>, BookingAccessError> {
        authorize(caller, business, UseCase::ReadCustomer(customer))?;
        Ok(self.engine.ports().store.customer_bookings(business, customer).await?)
    }

    /// A customer's bookings as their panel pages them (those who read every booking, or the
    /// customer themself): every upcoming one, and `take` past ones after the `skip` latest.
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn customer_timeline(
        &self,
        caller: &Principal,
        business: BusinessId,
        customer: CustomerId,
        skip: usize,
        take: usize,
    ) -> Result<crate::ports::store::Timeline, BookingAccessError> {
        authorize(caller, business, UseCase::ReadCustomer(customer))?;
        let ports = self.engine.ports();
        let now = ports.clock.now();
        Ok(ports.store.customer_timeline(business, customer, now, skip, take).await?)
    }

    /// The live hold of a lock code (a form session's), with its service: what the holder is
    /// filling the form for. `None` when it lapsed, or holds a seat.
    ///
    /// # Errors
    /// Storage.
    pub async fn held_slot(
        &self,
        business: BusinessId,
        lock: &LockCode,
    ) -> Result<Option<(Hold, Service)>, StoreError> {
        let ports = self.engine.ports();
        let holds = ports.store.holds_of(business, &lock.digest()).await?;
        let now = ports.clock.now();
        let Some(hold) = holds.into_iter().find(|h| h.expires_at > now) else { return Ok(None) };
        let Target::Appointment { service, .. } = hold.target else { return Ok(None) };
        Ok(ports.store.service(business, service).await?.map(|s| (hold, s)))
    }

    /// The customer record a guest books under: the business's guest record of this address,
    /// created on first use (it joins an account once the address is proven, §D4).
    ///
    /// # Errors
    /// Storage.
    pub async fn guest_record(
        &self,
        business: BusinessId,
        email: &Email,
        contact: &Contact,
    ) -> Result<CustomerId, StoreError> {
        let store = &self.engine.ports().store;
        if let Some(c) = store.guest_by_email(business, email).await? {
            return Ok(c.id);
        }
        let draft = Customer {
            id: CustomerId::new(0),
            business,
            account: None,
            contact: contact.clone(),
            notes: String::new(),
            fields: Vec::new(),
            anonymised_at: None,
        };
        Ok(store.create_customer(draft).await?.id)
    }

    /// The bookings overlapping a window the caller may see: all of them for those who read
    /// every booking, their own resource's for staff; with the business whose zone reads the
    /// window's dates.
    ///
    /// # Errors
    /// Denied (customers and staff without a resource), not found, a window refused, storage.
    pub async fn bookings_in(
        &self,
        caller: &Principal,
        business: BusinessId,
        window: &Window,
    ) -> Result<(Business, Vec<Booking>), BookingAccessError> {
        caller.member_of(business)?;
        let all = caller.may(Action::ReadAllBookings);
        let own = match (caller.role, caller.subject) {
            (Role::Staff, Some(r)) => Some(ResourceId::new(r)),
            _ => None,
        };
        if !all && own.is_none() {
            return Err(Denied::Forbidden.into());
        }
        let store = &self.engine.ports().store;
        let b = store.business(business).await?.ok_or(BookingAccessError::NotFound)?;
        let mut found = store.bookings_in(business, window.interval(&b.zone)?).await?;
        found.retain(|bk| {
            all || matches!(&bk.target, Target::Appointment { resource, .. } if Some(*resource) == own)
        });
        Ok((b, found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::BookingStatus;
    use crate::catalog::Contact;
    use crate::ids::{AgendaId, CustomerId, ServiceId, SessionId};
    use crate::time::Interval;

    fn booking(target: Target, customer: Option<i64>) -> Booking {
        Booking {
            id: BookingId::new(1),
            business: BusinessId::new(1),
            target,
            status: BookingStatus::Approved,
            customer: customer.map(CustomerId::new),
            contact: Contact::default(),
            answers: Vec::new(),
            created_at: "2027-01-01T00:00:00Z".parse().unwrap(),
            rescheduled_from: None,
            locale: None,
        }
    }

    fn caller(role: Role, subject: Option<i64>) -> Principal {
        Principal { business: BusinessId::new(1), role, subject }
    }

    #[test]
    fn each_reaches_what_is_theirs() {
        let slot = Interval::new(
            "2027-01-04T09:00:00Z".parse().unwrap(),
            "2027-01-04T09:30:00Z".parse().unwrap(),
        )
        .unwrap();
        let appointment = booking(
            Target::Appointment {
                agenda: AgendaId::new(1),
                service: ServiceId::new(1),
                resource: ResourceId::new(7),
                slot,
                busy: slot,
            },
            Some(9),
        );
        let seat = booking(Target::Session { session: SessionId::new(3), seats: 1 }, Some(9));
        for how in [BookingUse::Read, BookingUse::Manage] {
            for b in [&appointment, &seat] {
                assert!(may_use(&caller(Role::Agent, None), b, how).is_ok());
                assert!(may_use(&caller(Role::Customer, Some(9)), b, how).is_ok(), "their own");
                assert_eq!(
                    may_use(&caller(Role::Customer, Some(10)), b, how),
                    Err(Denied::NotFound),
                    "someone else's does not exist for a customer"
                );
            }
            assert!(may_use(&caller(Role::Staff, Some(7)), &appointment, how).is_ok());
            assert_eq!(
                may_use(&caller(Role::Staff, Some(8)), &appointment, how),
                Err(Denied::Forbidden)
            );
            assert_eq!(may_use(&caller(Role::Staff, Some(7)), &seat, how), Err(Denied::Forbidden));
            let elsewhere = Principal { business: BusinessId::new(2), ..caller(Role::Admin, None) };
            assert_eq!(may_use(&elsewhere, &appointment, how), Err(Denied::NotFound));
        }
    }
}
