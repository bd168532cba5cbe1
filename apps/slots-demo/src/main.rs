//! Prints the free slots of a demo town hall for the next seven days, in its local time.
//!
//! Two desks open Monday–Friday 09:00–12:00 and 13:30–17:00 (Europe/Paris), a 20-minute
//! "passport" service with a 10-minute buffer after, a few existing bookings and a hold: the
//! whole engine on the in-memory store and the real clock. Until the HTTP server exists this is
//! the project's "main job".

use std::sync::Arc;

use anyhow::{Context, Result};
use booking_core::holds::LockCode;
use booking_core::ports::Clock;
use booking_core::schedule::DayHours;
use booking_core::store::Store;
use booking_core::time::{Interval, SignedDuration};
use booking_core::{Actor, Details, Engine, Limits, Offer, Ports};
use booking_system::{OsTokens, SystemClock};
use booking_testkit::InMemoryStore;
use booking_testkit::fixtures::{self, WEEKDAYS, hours};

fn main() -> Result<()> {
    futures::executor::block_on(run())
}

async fn run() -> Result<()> {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let clock = Arc::new(SystemClock);
    let engine = Engine::new(Ports {
        store: store.clone(),
        clock: clock.clone(),
        tokens: Arc::new(OsTokens),
    });

    let business =
        store.create_business(fixtures::business("Mairie de Paimpol", "Europe/Paris")).await?;
    let opening = booking_core::schedule::OpeningHours::closed()
        .on(&WEEKDAYS, &[hours("09:00", "12:00"), hours("13:30", "17:00")]);
    let mut desks = Vec::new();
    for name in ["Guichet 1", "Guichet 2"] {
        desks.push(
            store
                .create_resource(fixtures::desk(business.id, name, &business.zone, opening.clone()))
                .await?
                .id,
        );
    }
    let mut passport = fixtures::service(business.id, "passeport", 20);
    passport.buffer_after = SignedDuration::from_mins(10);
    let passport = store.create_service(passport).await?;
    let agenda = store
        .create_agenda(fixtures::agenda(
            business.id,
            "etat-civil",
            desks.clone(),
            vec![passport.id],
        ))
        .await?;
    let offer = Offer { agenda: agenda.id, service: passport.id, resource: None };

    // The second desk closes early on the coming Wednesday: a date override of its hours.
    let now = clock.now();
    let today = business.zone.local_date(now);
    let wednesday = (0..7)
        .filter_map(|d| today.checked_add(jiff::Span::new().days(d)).ok())
        .find(|d| d.weekday() == jiff::civil::Weekday::Wednesday);
    if let Some(date) = wednesday {
        let mut desk = store.resource(business.id, desks[1]).await?.context("desk")?;
        desk.hours.set_override(date, DayHours::Open(vec![hours("09:00", "12:00")]));
        store.update_resource(&desk).await?;
    }

    let week = Interval::new(now, now + SignedDuration::from_hours(7 * 24))?;
    let staff = Actor::staff(booking_core::Role::Agent, None);
    let before = engine.availability(business.id, offer, week, None, staff, Limits::Apply).await?;
    // Book the first two slots and hold the third, as customers would.
    for slot in before.slots().iter().take(2) {
        engine
            .book(
                business.id,
                offer,
                slot.start(),
                None,
                Details::default(),
                Actor::guest(),
                Limits::Apply,
            )
            .await?;
    }
    if let Some(slot) = before.slots().get(2) {
        let lock = LockCode::parse("demo-form").context("lock code")?;
        engine.hold(business.id, offer, slot.start(), &lock, Actor::guest(), Limits::Apply).await?;
    }

    let free =
        engine.availability(business.id, offer, week, None, Actor::guest(), Limits::Apply).await?;
    let places = |a: &booking_core::slots::Availability| {
        a.slots().iter().map(booking_core::slots::Slot::free).sum::<u32>()
    };
    println!(
        "{} — {} ({}), next 7 days, {} min + {} min buffer after",
        business.name,
        passport.name,
        business.zone.name(),
        passport.duration.as_mins(),
        passport.buffer_after.as_mins()
    );
    println!(
        "{} slots, {} places free ({} before two bookings and a hold)",
        free.len(),
        places(&free),
        places(&before)
    );
    let mut current = None;
    for slot in free.slots() {
        let local = business.zone.local(slot.start());
        if current != Some(local.date()) {
            current = Some(local.date());
            print!("\n{}:", local.date().strftime("%a %Y-%m-%d"));
        }
        print!(" {}{}", local.time().strftime("%H:%M"), if slot.free() > 1 { "" } else { "¹" });
    }
    println!("\n\n¹ one desk left");
    Ok(())
}
