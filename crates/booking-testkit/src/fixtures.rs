//! Builders for set-up data, so tests say only what matters to them.

use booking_core::catalog::{
    Agenda, Business, Contact, Customer, Event, EventKind, Resource, ResourceKind, Service, Session,
};
use booking_core::ids::{
    AgendaId, BusinessId, CustomerId, EventId, ResourceId, ServiceId, SessionId,
};
use booking_core::ports::store::Store;
use booking_core::schedule::{OpeningHours, WallRange};
use booking_core::settings::{Locale, Settings};
use booking_core::time::{Interval, SignedDuration, WallTime, Zone};
use jiff::civil::Weekday;

/// Monday to Friday.
pub const WEEKDAYS: [Weekday; 5] =
    [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday];

/// Every day of the week, Monday first (so `EVERY_DAY[..6]` is Monday to Saturday).
pub const EVERY_DAY: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// `HH:MM`–`HH:MM`; panics on bad input (tests only).
#[must_use]
pub fn hours(start: &str, end: &str) -> WallRange {
    WallRange::new(WallTime::parse(start).expect("HH:MM"), WallTime::parse(end).expect("HH:MM"))
        .expect("start < end")
}

/// A zone by name; panics if unknown (tests only).
#[must_use]
pub fn zone(name: &str) -> Zone {
    Zone::parse(name).expect("a known zone")
}

/// A business draft with default settings.
#[must_use]
pub fn business(name: &str, zone_name: &str) -> Business {
    Business {
        id: BusinessId::new(0),
        name: name.to_owned(),
        zone: zone(zone_name),
        locale: Locale::Fr,
        settings: Settings::default(),
        email: None,
        phone: None,
        address: None,
        revision: 0,
        calendar_sync: false,
        video_meetings: false,
    }
}

/// A desk draft.
#[must_use]
pub fn desk(business: BusinessId, name: &str, zone: &Zone, opening: OpeningHours) -> Resource {
    Resource {
        id: ResourceId::new(0),
        business,
        kind: ResourceKind::Desk,
        name: name.to_owned(),
        email: None,
        zone: zone.clone(),
        hours: opening,
    }
}

/// A service draft of `minutes`, no buffers, the business step.
#[must_use]
pub fn service(business: BusinessId, slug: &str, minutes: i64) -> Service {
    Service {
        id: ServiceId::new(0),
        business,
        name: slug.to_owned(),
        slug: slug.to_owned(),
        duration: SignedDuration::from_mins(minutes),
        step: None,
        buffer_before: SignedDuration::ZERO,
        buffer_after: SignedDuration::ZERO,
        price_minor: 0,
        default_status: None,
        min_before_booking: None,
        min_before_cancel: None,
        min_before_reschedule: None,
        fields: Vec::new(),
        online: false,
    }
}

/// An agenda draft over resources and services.
#[must_use]
pub fn agenda(
    business: BusinessId,
    slug: &str,
    resources: Vec<ResourceId>,
    services: Vec<ServiceId>,
) -> Agenda {
    Agenda {
        id: AgendaId::new(0),
        business,
        name: slug.to_owned(),
        slug: slug.to_owned(),
        resources,
        services,
        hold_ttl: None,
        backoffice_booking: true,
    }
}

/// A customer draft.
#[must_use]
pub fn customer(business: BusinessId, first: &str, last: &str, email: &str) -> Customer {
    Customer {
        id: CustomerId::new(0),
        business,
        account: None,
        contact: Contact {
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email: booking_core::catalog::Email::parse(email).ok(),
            phone: Some("+33 6 12 34 56 78".to_owned()),
        },
        notes: "prefers mornings".to_owned(),
        fields: vec![("allergies".to_owned(), "none".to_owned())],
        anonymised_at: None,
    }
}

/// Ids of a demo business.
#[derive(Clone, Debug)]
pub struct Demo {
    /// The business.
    pub business: BusinessId,
    /// Its agenda over every desk.
    pub agenda: AgendaId,
    /// A 30-minute service.
    pub service: ServiceId,
    /// Its desks, in agenda order.
    pub desks: Vec<ResourceId>,
}

/// A business in Europe/Paris with `desks` desks open Monday–Friday 09:00–17:00 and one
/// 30-minute service on one agenda.
pub async fn demo_business(store: &dyn Store, desks: usize) -> Demo {
    let b =
        store.create_business(business("Mairie de Paimpol", "Europe/Paris")).await.expect("store");
    let opening = OpeningHours::closed().on(&WEEKDAYS, &[hours("09:00", "17:00")]);
    let mut ids = Vec::new();
    for n in 0..desks {
        let d = store
            .create_resource(desk(b.id, &format!("Guichet {}", n + 1), &b.zone, opening.clone()))
            .await
            .expect("store");
        ids.push(d.id);
    }
    let s = store.create_service(service(b.id, "passeport", 30)).await.expect("store");
    let a = store
        .create_agenda(agenda(b.id, "etat-civil", ids.clone(), vec![s.id]))
        .await
        .expect("store");
    Demo { business: b.id, agenda: a.id, service: s.id, desks: ids }
}

/// An event with one session of `capacity` seats over `interval`.
pub async fn event_session(
    store: &dyn Store,
    business: BusinessId,
    capacity: u32,
    interval: Interval,
) -> (EventId, SessionId) {
    let event = store
        .create_event(Event {
            id: EventId::new(0),
            business,
            kind: EventKind::Course,
            name: "Yoga".to_owned(),
            location: None,
            capacity,
            price_minor: 0,
            online: false,
        })
        .await
        .expect("store");
    let session = store
        .create_session(Session {
            id: SessionId::new(0),
            business,
            event: event.id,
            interval,
            capacity,
            leader: None,
        })
        .await
        .expect("store");
    (event.id, session.id)
}
