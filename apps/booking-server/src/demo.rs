//! `--demo`: a demo business to click through — a town hall in Paris with a staff member, two
//! desks, two services, an agenda, a yoga course with sessions next week, and an admin key.

use booking_core::Engine;
use booking_core::booking::Role;
use booking_core::catalog::{
    Agenda, Business, Event, EventKind, Resource, ResourceKind, Service, Session,
};
use booking_core::ids::{AgendaId, BusinessId, EventId, ResourceId, ServiceId, SessionId};
use booking_core::schedule::{OpeningHours, WallRange};
use booking_core::settings::{Locale, Settings};
use booking_core::time::{Interval, WallTime, Zone};
use jiff::SignedDuration;
use jiff::civil::Weekday;

/// What the demo created.
#[derive(Debug)]
pub struct Demo {
    /// The business.
    pub business: BusinessId,
    /// Its agenda of desks and the staff member.
    pub agenda: AgendaId,
    /// Its services (passport, civil-status certificate).
    pub services: Vec<ServiceId>,
    /// The yoga course.
    pub event: EventId,
    /// An admin API key (shown once).
    pub admin_key: String,
}

fn range(a: &str, b: &str) -> anyhow::Result<WallRange> {
    Ok(WallRange::new(WallTime::parse(a)?, WallTime::parse(b)?)?)
}

/// Seeds the demo business through the same use cases as the API.
pub async fn seed(engine: &Engine) -> anyhow::Result<Demo> {
    let store = &engine.ports().store;
    let zone = Zone::parse("Europe/Paris")?;
    let business = store
        .create_business(Business {
            id: BusinessId::new(0),
            name: "Mairie de Paimpol (demo)".to_owned(),
            zone: zone.clone(),
            locale: Locale::Fr,
            settings: Settings {
                min_before_cancel: SignedDuration::from_hours(24),
                ..Settings::default()
            },
            email: None,
            phone: Some("+33 2 96 00 00 00".to_owned()),
            address: Some("Place de la République, 22500 Paimpol".to_owned()),
            revision: 0,
            calendar_sync: false,
            video_meetings: false,
        })
        .await?;
    let weekdays =
        [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday];
    let hours = OpeningHours::closed()
        .on(&weekdays, &[range("09:00", "12:00")?, range("13:30", "17:30")?])
        .on(&[Weekday::Saturday], &[range("09:00", "12:00")?]);
    let mut resources = Vec::new();
    for (kind, name) in [
        (ResourceKind::Desk, "Guichet 1"),
        (ResourceKind::Desk, "Guichet 2"),
        (ResourceKind::Staff, "Ana Lima"),
    ] {
        let r = engine
            .create_resource(
                business.id,
                Resource {
                    id: ResourceId::new(0),
                    business: business.id,
                    kind,
                    name: name.to_owned(),
                    email: None,
                    zone: zone.clone(),
                    hours: hours.clone(),
                },
            )
            .await?;
        resources.push(r.id);
    }
    let mut services = Vec::new();
    for (name, slug, minutes, buffer) in
        [("Passeport", "passeport", 20, 10), ("Acte d'état civil", "etat-civil", 15, 0)]
    {
        let s = engine
            .create_service(
                business.id,
                Service {
                    id: ServiceId::new(0),
                    business: business.id,
                    name: name.to_owned(),
                    slug: slug.to_owned(),
                    duration: SignedDuration::from_mins(minutes),
                    step: Some(SignedDuration::from_mins(minutes + buffer)),
                    buffer_before: SignedDuration::ZERO,
                    buffer_after: SignedDuration::from_mins(buffer),
                    price_minor: 0,
                    default_status: None,
                    min_before_booking: Some(SignedDuration::from_hours(2)),
                    min_before_cancel: None,
                    min_before_reschedule: None,
                    // France's passport appointments ask for the online pre-application number.
                    fields: if slug == "passeport" {
                        vec![booking_core::catalog::CustomField {
                            key: "pre_demande".to_owned(),
                            label: "Numéro de pré-demande ANTS".to_owned(),
                            required: false,
                        }]
                    } else {
                        Vec::new()
                    },
                    online: false,
                },
            )
            .await?;
        services.push(s.id);
    }
    let agenda = engine
        .create_agenda(
            business.id,
            Agenda {
                id: AgendaId::new(0),
                business: business.id,
                name: "Accueil".to_owned(),
                slug: "accueil".to_owned(),
                resources: resources.clone(),
                services: services.clone(),
                hold_ttl: None,
                backoffice_booking: true,
            },
        )
        .await?;
    let event = engine
        .create_event(
            business.id,
            Event {
                id: EventId::new(0),
                business: business.id,
                kind: EventKind::Course,
                name: "Yoga du lundi".to_owned(),
                location: Some("Salle des fêtes".to_owned()),
                capacity: 12,
                price_minor: 0,
                online: false,
            },
        )
        .await?;
    let now = engine.ports().clock.now();
    let today = zone.local_date(now);
    for week in 1..=4 {
        let mut day = today.checked_add(jiff::Span::new().days(7 * week))?;
        while day.weekday() != Weekday::Monday {
            day = day.yesterday()?;
        }
        let start = zone
            .instant_of(day.at(18, 30, 0, 0))
            .ok_or_else(|| anyhow::anyhow!("18:30 exists every Monday in Paris"))?;
        let interval = Interval::starting_at(start, SignedDuration::from_mins(60))?;
        engine
            .create_session(
                business.id,
                Session {
                    id: SessionId::new(0),
                    business: business.id,
                    event: event.id,
                    interval,
                    capacity: 12,
                    leader: Some(resources[2]),
                },
            )
            .await?;
    }
    let (_, key) = engine.issue_api_key(business.id, "demo admin", Role::Admin, None).await?;
    Ok(Demo {
        business: business.id,
        agenda: agenda.id,
        services,
        event: event.id,
        admin_key: key.expose().to_owned(),
    })
}
