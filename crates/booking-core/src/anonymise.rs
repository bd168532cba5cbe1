//! §A7 GDPR anonymisation.
//!
//! Deleting a customer profile erases every personal field and keeps the bookings, which staff
//! then see as "Customer #id". Erased, exactly ([`ERASED_FIELDS`]):
//!
//! - customer: first name, last name, email, phone, notes, every custom-field value (and its
//!   name, which may itself be personal), the link to a login account;
//! - each of the customer's bookings: the contact snapshot (name, email, phone) and the answers
//!   to custom fields;
//! - the free-text reasons in those bookings' histories (who changed what, and when, is kept);
//! - adapters additionally erase what they hold for those bookings: calendar-event attendee
//!   entries and queued notifications (they call [`anonymise_booking`] on what they store).
//!   Outbox jobs carry only ids, so a queued notification reads the erased booking when it runs.
//!
//! Idempotent: anonymising twice changes nothing the second time. The audit entry records who
//! and when, never the erased values.

use jiff::Timestamp;

use crate::booking::Booking;
use crate::catalog::{Contact, Customer};
use crate::ids::{BookingId, BusinessId};
use crate::outbox::{BookingEvent, BookingRef, Effect, NewJob};

/// The names of the fields that anonymisation erases, for documentation and audits.
pub const ERASED_FIELDS: &[&str] = &[
    "customer.first_name",
    "customer.last_name",
    "customer.email",
    "customer.phone",
    "customer.notes",
    "customer.custom_fields",
    "customer.account",
    "booking.contact.first_name",
    "booking.contact.last_name",
    "booking.contact.email",
    "booking.contact.phone",
    "booking.custom_field_answers",
    "booking.history.reason",
    "calendar_event.attendees",
    "outbox.queued_notifications",
];

/// The customer record with every personal field erased. Keeps the first anonymisation instant.
#[must_use]
pub fn anonymise_customer(customer: &Customer, at: Timestamp) -> Customer {
    Customer {
        id: customer.id,
        business: customer.business,
        account: None,
        contact: Contact::default(),
        notes: String::new(),
        fields: Vec::new(),
        anonymised_at: Some(customer.anonymised_at.unwrap_or(at)),
    }
}

/// The booking with its contact snapshot and answers erased; time, status and history are kept.
#[must_use]
pub fn anonymise_booking(booking: &Booking) -> Booking {
    Booking { contact: Contact::default(), answers: Vec::new(), ..booking.clone() }
}

/// Whether a customer holds no personal data any more.
#[must_use]
pub fn is_anonymous(customer: &Customer) -> bool {
    customer.anonymised_at.is_some()
        && customer.account.is_none()
        && customer.contact.is_erased()
        && customer.notes.is_empty()
        && customer.fields.is_empty()
}

/// The jobs an erasure enqueues, due `at` (§H, §G): a `calendar` job (`booking.anonymised`) for
/// each of the customer's bookings whose event is in an employee's external calendar
/// (`in_calendars`, as the store finds them), so the name leaves it too. The one place this
/// rule lives; each store loads the bookings and writes what this returns, in the erasure's
/// transaction.
#[must_use]
pub fn jobs_after_erasure(
    business: BusinessId,
    in_calendars: &[BookingId],
    at: Timestamp,
) -> Vec<NewJob> {
    in_calendars
        .iter()
        .map(|&booking| NewJob {
            business,
            effect: Effect::Calendar,
            event: BookingEvent::Anonymised,
            booking: BookingRef::Existing(booking),
            run_at: at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erasure_rewrites_each_event_shown_in_a_calendar() {
        let at: Timestamp = "2027-01-04T10:00:00Z".parse().unwrap();
        let jobs =
            jobs_after_erasure(BusinessId::new(3), &[BookingId::new(7), BookingId::new(9)], at);
        let expected: Vec<NewJob> = [7, 9]
            .into_iter()
            .map(|id| NewJob {
                business: BusinessId::new(3),
                effect: Effect::Calendar,
                event: BookingEvent::Anonymised,
                booking: BookingRef::Existing(BookingId::new(id)),
                run_at: at,
            })
            .collect();
        assert_eq!(jobs, expected);
        assert!(jobs_after_erasure(BusinessId::new(3), &[], at).is_empty());
    }
}
