//! Property tests for every core invariant of the foundation issue.

use booking_core::anonymise::{anonymise_customer, is_anonymous};
use booking_core::booking::Role;
use booking_core::catalog::{Contact, Customer, Email};
use booking_core::holds::LockCode;
use booking_core::ids::{BusinessId, CustomerId, ResourceId};
use booking_core::policy::{Change, WindowPolicy};
use booking_core::ports::clock::Clock;
use booking_core::schedule::OpeningHours;
use booking_core::slots::{BusyTimes, ResourceCalendar, SlotQuery, availability};
use booking_core::template::{Escape, Template, Values};
use booking_core::time::{Interval, SignedDuration, Timestamp, Zone};
use booking_core::{Actor, Details, Limits, Offer};
use booking_testkit::strategies::{self, Op};
use booking_testkit::{Harness, fixtures};
use futures::executor::block_on;
use proptest::prelude::*;

/// The instants the opening hours cover around `window`, computed independently of the engine's
/// wall-time → instant conversion: each range runs from the first instant whose wall clock reads
/// at or past its start to the first one reading at or past its end (§B: a time in the spring gap
/// is skipped, an ambiguous one in the autumn fold is the earlier instant, so on a fold day the
/// repeated hour belongs to a range that covers it).
fn open_instants(zone: &Zone, hours: &OpeningHours, window: Interval) -> Vec<Interval> {
    let mut open = Vec::new();
    let mut date = zone.local_date(window.start()).yesterday().unwrap();
    while date <= zone.local_date(window.end()).tomorrow().unwrap() {
        for range in hours.ranges_on(date) {
            let start = boundary(zone, date, range.start().seconds());
            let end = boundary(zone, date, range.end().seconds());
            if start < end {
                open.push(Interval::new(start, end).unwrap());
            }
        }
        date = date.tomorrow().unwrap();
    }
    open
}

/// The first whole minute of `interval` that no open interval covers.
fn first_closed_minute(open: &[Interval], interval: Interval) -> Option<Timestamp> {
    let mut t = interval.start();
    while t < interval.end() {
        if !open.iter().any(|o| o.start() <= t && t < o.end()) {
            return Some(t);
        }
        t += SignedDuration::from_mins(1);
    }
    None
}

fn window_from(day: i64, days: i64) -> Interval {
    let base: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let start = base + SignedDuration::from_hours(24 * day);
    Interval::new(start, start + SignedDuration::from_hours(24 * days)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A listed slot (with its buffers) overlaps no busy interval and lies inside opening hours;
    /// and every grid start that satisfies both is listed.
    #[test]
    fn listed_slots_are_free_and_open(
        zone in strategies::zone_name(),
        hours in strategies::opening_hours(),
        rules in strategies::slot_rules(),
        day in 0i64..(5 * 365),
        busy in strategies::busy_intervals("2026-01-01T00:00:00Z".parse().unwrap(), 5 * 365 + 6, 0),
        extra in proptest::collection::vec((0i64..(4 * 24 * 12), 1i64..36), 0..30),
    ) {
        let zone = Zone::parse(zone).unwrap();
        let window = window_from(day, 4);
        let mut intervals = busy;
        intervals.extend(extra.into_iter().filter_map(|(m, len)| Interval::starting_at(window.start() + SignedDuration::from_mins(m * 5), SignedDuration::from_mins(len * 5)).ok()));
        let busy = BusyTimes::from_intervals(intervals.iter().copied());
        let calendar = ResourceCalendar { resource: ResourceId::new(1), zone: &zone, hours: &hours, busy: &busy };
        let query = SlotQuery::new(window);
        let found = availability(&[calendar], &rules, &query);
        let open = open_instants(&zone, &hours, window);
        for slot in found.slots() {
            let (_, need) = rules.slot_at(slot.start());
            prop_assert!(window.start() <= slot.start() && slot.start() < window.end());
            prop_assert!(intervals.iter().all(|b| !b.overlaps(&need)), "{slot:?} overlaps busy");
            let closed = first_closed_minute(&open, need);
            prop_assert!(closed.is_none(), "{:?} of {:?} reads closed", closed.map(|t| zone.local(t)), slot);
        }
        // Completeness on the grid: brute force over each opening range's wall-clock grid.
        let step = rules.step().as_mins();
        let mut date = zone.local_date(window.start()).yesterday().unwrap();
        while date <= zone.local_date(window.end()) {
            for range in hours.ranges_on(date) {
                let mut wall = i64::from(range.start().seconds());
                while wall < i64::from(range.end().seconds()) {
                    let time = jiff::civil::Time::midnight() + SignedDuration::from_secs(wall);
                    if let Some(start) = zone.instant_of(date.to_datetime(time)) {
                        let (_, need) = rules.slot_at(start);
                        let covered = first_closed_minute(&open, need).is_none();
                        let inside_range = need.start() >= boundary(&zone, date, range.start().seconds()) && need.end() <= boundary(&zone, date, range.end().seconds());
                        if covered && inside_range && busy.is_free(&need) && window.start() <= start && start < window.end() {
                            prop_assert!(found.find(start).is_some(), "{} {} not listed", date, zone.local(start));
                        }
                    }
                    wall += step * 60;
                }
            }
            date = date.tomorrow().unwrap();
        }
    }

    /// A customer's permission to cancel or reschedule never reappears as time passes.
    #[test]
    fn customer_permission_is_monotonic_in_now(
        cancel_min in 0i64..(72 * 60), resched_min in 0i64..(72 * 60), may in any::<bool>(),
        earlier in 0i64..(10 * 24 * 60), later_by in 0i64..(10 * 24 * 60), reschedule in any::<bool>(),
    ) {
        let policy = WindowPolicy { min_before_cancel: SignedDuration::from_mins(cancel_min), min_before_reschedule: SignedDuration::from_mins(resched_min), customers_may_reschedule: may };
        let start: Timestamp = "2027-03-28T09:00:00Z".parse().unwrap();
        let base = start - SignedDuration::from_hours(24 * 8);
        let t1 = base + SignedDuration::from_mins(earlier);
        let t2 = t1 + SignedDuration::from_mins(later_by);
        let change = if reschedule { Change::Reschedule } else { Change::Cancel };
        if policy.check(change, Role::Customer, start, t2).is_ok() {
            prop_assert!(policy.check(change, Role::Customer, start, t1).is_ok());
        }
        prop_assert!(policy.check(change, Role::Agent, start, t2).is_ok(), "staff are exempt");
    }

    /// Anonymisation is idempotent and leaves no personal field behind.
    #[test]
    fn anonymisation_is_idempotent_and_complete(
        first in "[A-Za-zéè]{2,12}", last in "[A-Za-z]{2,12}", phone in "\\+?[0-9 ]{6,14}", notes in ".{0,40}",
        field in "[a-z]{4,10}", answer in "[a-z0-9 ]{4,20}",
    ) {
        // Marked so that a short value ("co") cannot match a field name ("account") in the dump.
        let [first, last, phone, notes, field, answer] = [first, last, phone, notes, field, answer].map(|v| format!("⟦{v}⟧"));
        let customer = Customer {
            id: CustomerId::new(3), business: BusinessId::new(1), account: Some(booking_core::ids::AccountId::new(9)),
            contact: Contact { first_name: first.clone(), last_name: last.clone(), email: Email::parse(&format!("{last}@example.org")).ok(), phone: Some(phone.clone()) },
            notes: notes.clone(), fields: vec![(field.clone(), answer.clone())], anonymised_at: None,
        };
        let at: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
        let once = anonymise_customer(&customer, at);
        let twice = anonymise_customer(&once, at + SignedDuration::from_hours(1));
        prop_assert_eq!(&once, &twice);
        prop_assert!(is_anonymous(&once));
        let dump = format!("{once:?}");
        for personal in [&first, &last, &phone, &notes, &field, &answer] {
            prop_assert!(!dump.contains(personal.as_str()), "{personal} survived");
        }
    }

    /// Rendering never panics; text without placeholders renders unchanged.
    #[test]
    fn templates_render_plain_text_unchanged(text in "[^%]{0,60}") {
        let t = Template::parse(&text).unwrap();
        prop_assert_eq!(t.render(&Values::new(), Escape::Text), text);
    }
}

fn boundary(zone: &Zone, date: jiff::civil::Date, secs: u32) -> Timestamp {
    // The clamp rule, computed independently: the first instant whose wall reading is at or past `secs`.
    let target = date.to_datetime(jiff::civil::Time::midnight())
        + SignedDuration::from_secs(i64::from(secs));
    let mut t = zone.start_of_day(date) - SignedDuration::from_hours(4);
    while zone.local(t) < target {
        t += SignedDuration::from_mins(1);
    }
    t
}

fn lock(n: u8) -> LockCode {
    LockCode::parse(&format!("lock-{n}")).unwrap()
}

fn monday_to_wednesday() -> Interval {
    Interval::new("2027-01-03T23:00:00Z".parse().unwrap(), "2027-01-06T23:00:00Z".parse().unwrap())
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random sessions of holds, bookings, confirms, releases, cancels and time passing on a
    /// two-desk agenda: every listed slot books and is then unlisted; a hold blocks everyone but
    /// its lock code and nobody once expired; each lock code has at most one hold; no desk is
    /// ever double-booked.
    #[test]
    fn booking_sessions_keep_every_invariant(ops in proptest::collection::vec(strategies::op(), 1..40), hours in strategies::opening_hours(), rules_minutes in prop_oneof![Just(30i64), Just(45), Just(60)], buffer in 0i64..=15) {
        block_on(async {
            let h = Harness::demo("2027-01-01T08:00:00Z").await;
            let demo = fixtures::demo_business(h.store.as_ref(), 2).await;
            for desk in &demo.desks {
                let mut r = h.store.resource(demo.business, *desk).await.unwrap().unwrap();
                r.hours = hours.clone();
                h.store.update_resource(&r).await.unwrap();
            }
            let mut service = h.store.service(demo.business, demo.service).await.unwrap().unwrap();
            service.duration = SignedDuration::from_mins(rules_minutes);
            service.buffer_after = SignedDuration::from_mins(buffer);
            h.store.update_service(&service).await.unwrap();
            let offer = Offer { agenda: demo.agenda, service: demo.service, resource: None };
            let list = |code: Option<LockCode>| {
                let engine = h.engine.clone();
                async move { engine.availability(demo.business, offer, monday_to_wednesday(), code.as_ref(), Actor::guest(), Limits::Apply).await.unwrap() }
            };
            let mut bookings = Vec::new();
            for op in ops {
                match op {
                    Op::Book { pick, lock: code } => {
                        let listed = list(code.map(lock)).await;
                        if listed.is_empty() { continue; }
                        let slot = listed.slots()[pick % listed.len()];
                        let booked = h.engine.book(demo.business, offer, slot.start(), code.map(lock).as_ref(), Details::default(), Actor::guest(), Limits::Apply).await;
                        prop_assert!(booked.is_ok(), "listed {:?} did not book: {:?}", slot, booked);
                        let after = list(None).await;
                        prop_assert!(after.find(slot.start()).map_or(0, booking_core::slots::Slot::free) < slot.free(), "booked slot still listed with the same capacity");
                        bookings.push(booked.unwrap().id);
                    }
                    Op::Hold { pick, lock: n } => {
                        let listed = list(Some(lock(n))).await;
                        if listed.is_empty() { continue; }
                        let slot = listed.slots()[pick % listed.len()];
                        let held = h.engine.hold(demo.business, offer, slot.start(), &lock(n), Actor::guest(), Limits::Apply).await;
                        prop_assert!(held.is_ok(), "listed {:?} did not hold: {:?}", slot, held);
                        let others = list(Some(lock(n.wrapping_add(1) % 4 + 10))).await;
                        let mine = list(Some(lock(n))).await;
                        prop_assert!(others.find(slot.start()).map_or(0, booking_core::slots::Slot::free) < slot.free(), "a hold must block others");
                        prop_assert!(mine.find(slot.start()).is_some(), "a hold must not block its owner");
                    }
                    Op::Confirm { lock: n } => { let _ = h.engine.confirm(demo.business, &lock(n), Details::default(), Actor::guest()).await; }
                    Op::Release { lock: n } => { h.engine.release(demo.business, &lock(n)).await.unwrap(); }
                    Op::Cancel { pick } => {
                        if bookings.is_empty() { continue; }
                        let _ = h.engine.cancel(demo.business, bookings[pick % bookings.len()], Actor::staff(Role::Admin, None), None).await;
                    }
                    Op::Advance { minutes } => h.clock.advance(SignedDuration::from_mins(minutes)),
                }
                let now = h.clock.now();
                for n in 0..4u8 {
                    let holds = h.store.holds_of(demo.business, &lock(n).digest()).await.unwrap();
                    prop_assert!(holds.len() <= 1, "lock {n} has {} holds", holds.len());
                }
                let occupancy = h.store.occupancy(demo.business, &demo.desks, monday_to_wednesday()).await.unwrap();
                for desk in &demo.desks {
                    let mut spans: Vec<Interval> = occupancy.bookings.iter().filter(|b| b.resource == *desk).map(|b| b.busy).chain(occupancy.holds.iter().filter(|h| h.is_live(now)).filter_map(|h| match &h.target {
                        booking_core::booking::Target::Appointment { resource, busy, .. } if resource == desk => Some(*busy), _ => None,
                    })).collect();
                    spans.sort();
                    prop_assert!(spans.windows(2).all(|w| !w[0].overlaps(&w[1])), "desk {desk:?} double-booked");
                }
                // An expired hold blocks nobody: removing the expired ones (by their deadline, not
                // through the rule under test) changes nothing a stranger sees.
                let before = list(Some(lock(99))).await;
                for n in 0..4u8 {
                    let holds = h.store.holds_of(demo.business, &lock(n).digest()).await.unwrap();
                    if holds.iter().all(|x| x.expires_at <= now) {
                        h.store.release(demo.business, &lock(n).digest()).await.unwrap();
                    }
                }
                prop_assert_eq!(before, list(Some(lock(99))).await, "an expired hold was blocking");
            }
            Ok(())
        })?;
    }

    /// Seats: random holds and bookings never exceed a session's capacity.
    #[test]
    fn session_capacity_is_never_exceeded(capacity in 1u32..8, requests in proptest::collection::vec((1u32..4, proptest::option::of(0u8..3), any::<bool>()), 1..25)) {
        block_on(async {
            let h = Harness::demo("2027-01-01T08:00:00Z").await;
            let when = Interval::new("2027-01-05T17:00:00Z".parse().unwrap(), "2027-01-05T18:00:00Z".parse().unwrap()).unwrap();
            let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, capacity, when).await;
            for (seats, code, hold) in requests {
                if hold {
                    let _ = h.engine.hold_seats(h.business, session, seats, &lock(code.unwrap_or(0)), Actor::guest()).await;
                } else {
                    let _ = h.engine.book_seats(h.business, session, seats, code.map(lock).as_ref(), Details::default(), Actor::guest()).await;
                }
                let now = h.clock.now();
                let load = &h.store.session_loads(h.business, &[session]).await.unwrap()[0];
                let held: u32 = load.holds.iter().filter(|x| x.is_live(now)).map(|x| match x.target { booking_core::booking::Target::Session { seats, .. } => seats, booking_core::booking::Target::Appointment { .. } => 0 }).sum();
                prop_assert!(load.booked_seats + held <= capacity, "{} booked + {} held > {}", load.booked_seats, held, capacity);
                h.clock.advance(SignedDuration::from_mins(3));
            }
            Ok(())
        })?;
    }
}
