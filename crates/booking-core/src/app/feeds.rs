//! iCalendar feeds and imports (§C8, §C2): a staff member's or desk's bookings and a customer's
//! as RFC 5545 calendars, and a file of time off read into a resource's exceptions.

use jiff::SignedDuration;

use super::App;
use super::access::{UseCase, authorize};
use super::catalog::CatalogError;
use crate::booking::{Booking, BookingStatus, Target};
use crate::catalog::Business;
use crate::error::error_enum;
use crate::ics::{self, FeedEvent, FeedStatus, IcsError};
use crate::ids::{BusinessId, CustomerId, ResourceId};
use crate::ports::store::StoreError;
use crate::schedule::Exception;
use crate::time::Interval;

/// How far back a feed reaches, in days.
pub const FEED_DAYS_BACK: i64 = 90;
/// How far ahead a feed reaches, in days.
pub const FEED_DAYS_AHEAD: i64 = 400;

error_enum!(
    /// Why a feed or an import was refused.
    FeedError {
        /// Refused, or not found.
        Catalog(#[from] CatalogError) => delegate, "{0}";
        /// The file is not a calendar this reads.
        Ics(#[from] IcsError) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

impl From<crate::access::Denied> for FeedError {
    fn from(e: crate::access::Denied) -> Self {
        Self::Catalog(e.into())
    }
}

/// What an import added and what it left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedExceptions {
    /// The business, whose zone shows them.
    pub business: Business,
    /// The exceptions added.
    pub added: Vec<Exception>,
    /// Events left out, each with why.
    pub skipped: Vec<String>,
}

impl App {
    /// The bookings of a staff member or desk as a calendar (the staff member themself, agents
    /// and up).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn resource_feed(
        &self,
        caller: &crate::access::Principal,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<String, FeedError> {
        authorize(caller, business, UseCase::ReadBookingsOf(resource))?;
        let store = &self.engine.ports().store;
        let b = store.business(business).await?.ok_or(CatalogError::NotFound)?;
        let found = store.resource(business, resource).await?.ok_or(CatalogError::NotFound)?;
        let mut bookings = match self.feed_window() {
            Some(window) => store.bookings_in(business, window).await?,
            None => Vec::new(),
        };
        bookings.retain(
            |bk| matches!(&bk.target, Target::Appointment { resource: r, .. } if *r == resource),
        );
        let events = self.feed_events(&b, &bookings, true).await?;
        Ok(ics::feed(&format!("{} — {}", found.name, b.name), &events))
    }

    /// A customer's bookings as a calendar (the customer themself, agents and up).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn customer_feed(
        &self,
        caller: &crate::access::Principal,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<String, FeedError> {
        let (b, _) = self.customer(caller, business, customer).await?;
        let window = self.feed_window();
        let mut bookings = self.engine.ports().store.customer_bookings(business, customer).await?;
        bookings.retain(|bk| bk.slot().is_none_or(|s| window.is_some_and(|w| s.overlaps(&w))));
        let events = self.feed_events(&b, &bookings, false).await?;
        Ok(ics::feed(&b.name, &events))
    }

    /// One booking as a calendar file to add to one's calendar (the confirmation page's
    /// "add to my calendar"): the same UID and SEQUENCE as its emailed invitations. Whoever
    /// holds the booking's proof may download it: the caller proves it before asking.
    ///
    /// # Errors
    /// Storage.
    pub async fn booking_calendar(
        &self,
        business: &crate::catalog::Business,
        booking: &crate::booking::Booking,
    ) -> Result<String, StoreError> {
        let events = self.feed_events(business, std::slice::from_ref(booking), false).await?;
        Ok(ics::feed(&business.name, &events))
    }

    /// Adds the events of an iCalendar file as a resource's exceptions (admins, managers, or
    /// the staff member themself).
    ///
    /// # Errors
    /// Denied, not found, a file that is not a calendar, an exception refused, storage.
    pub async fn import_exceptions(
        &self,
        caller: &crate::access::Principal,
        business: BusinessId,
        resource: ResourceId,
        file: &str,
    ) -> Result<ImportedExceptions, FeedError> {
        authorize(caller, business, UseCase::KeepHours(resource))?;
        let store = &self.engine.ports().store;
        let b = store.business(business).await?.ok_or(CatalogError::NotFound)?;
        let found = store.resource(business, resource).await?.ok_or(CatalogError::NotFound)?;
        let parsed = ics::import(file, &found.zone)?;
        let mut added = Vec::with_capacity(parsed.exceptions.len());
        for exception in parsed.exceptions {
            let e = self.engine.add_exception(business, resource, exception).await;
            added.push(e.map_err(CatalogError::from)?);
        }
        Ok(ImportedExceptions { business: b, added, skipped: parsed.skipped })
    }

    /// What a feed shows: [`FEED_DAYS_BACK`] back, [`FEED_DAYS_AHEAD`] ahead.
    fn feed_window(&self) -> Option<Interval> {
        let now = self.engine.ports().clock.now();
        let from = now.checked_sub(SignedDuration::from_hours(24 * FEED_DAYS_BACK)).unwrap_or(now);
        let to = now.checked_add(SignedDuration::from_hours(24 * FEED_DAYS_AHEAD)).unwrap_or(now);
        Interval::new(from, to).ok()
    }

    /// The feed events of some bookings, with names looked up once; staff see who booked.
    async fn feed_events(
        &self,
        b: &Business,
        bookings: &[Booking],
        for_staff: bool,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        let store = &self.engine.ports().store;
        let services = store.services(b.id).await?;
        let mut out = Vec::with_capacity(bookings.len());
        // A moved booking is the same event as the booking that replaced it: the feed shows
        // the chain once, as it stands.
        let moved: Vec<_> = bookings.iter().filter_map(|b| b.rescheduled_from).collect();
        for booking in bookings.iter().filter(|b| !moved.contains(&b.id)) {
            let (interval, what, location) = match &booking.target {
                Target::Appointment { service, slot, .. } => {
                    let name = services.iter().find(|s| s.id == *service).map(|s| s.name.clone());
                    (*slot, name.unwrap_or_else(|| "Appointment".to_owned()), b.address.clone())
                }
                Target::Session { session, .. } => {
                    let Some(s) = store.session(b.id, *session).await? else { continue };
                    let event = store.event(b.id, s.event).await?;
                    let name =
                        event.as_ref().map_or_else(|| "Event".to_owned(), |e| e.name.clone());
                    let location = event.and_then(|e| e.location).or_else(|| b.address.clone());
                    (s.interval, name, location)
                }
            };
            let history = store.history(b.id, booking.id).await?;
            let stamp = history.last().map_or(booking.created_at, |h| h.at);
            let who = booking.contact.full_name();
            let (summary, description) = if for_staff {
                let mut details = Vec::new();
                if let Some(e) = &booking.contact.email {
                    details.push(e.as_str().to_owned());
                }
                if let Some(p) = &booking.contact.phone {
                    details.push(p.clone());
                }
                let summary = if who.is_empty() { what } else { format!("{what} — {who}") };
                (summary, details.join("\n"))
            } else {
                (format!("{what} — {}", b.name), String::new())
            };
            let lineage = crate::services::lineage::lineage(&**store, b.id, booking).await?;
            let canceled =
                matches!(booking.status, BookingStatus::Canceled | BookingStatus::Rejected);
            out.push(FeedEvent {
                uid: lineage.uid(b.id),
                sequence: lineage.sequence(canceled),
                interval,
                summary,
                description,
                location,
                conference: None,
                status: match booking.status {
                    BookingStatus::Pending => FeedStatus::Tentative,
                    BookingStatus::Approved | BookingStatus::NoShow => FeedStatus::Confirmed,
                    BookingStatus::Canceled | BookingStatus::Rejected => FeedStatus::Cancelled,
                },
                stamp,
            });
        }
        Ok(out)
    }
}
