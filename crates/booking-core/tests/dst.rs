//! §A1 DST: every transition from 2026 to 2030 in the six zones the specification names.

use booking_core::ids::ResourceId;
use booking_core::schedule::OpeningHours;
use booking_core::slots::{BusyTimes, ResourceCalendar, SlotQuery, SlotRules, availability};
use booking_core::time::{Date, Interval, SignedDuration, Timestamp, Zone};
use booking_testkit::fixtures::{EVERY_DAY, hours};
use booking_testkit::strategies::DST_ZONES;
use jiff::civil::Time;

/// The local dates on which each transition of 2026–2030 happens (the day before and after too,
/// since a transition at midnight belongs to both readings).
fn transition_dates(zone: &Zone) -> Vec<Date> {
    let from: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let to: Timestamp = "2031-01-01T00:00:00Z".parse().unwrap();
    let mut dates: Vec<Date> = zone
        .tz()
        .following(from)
        .take_while(|t| t.timestamp() < to)
        .flat_map(|t| {
            let before = zone.local_date(t.timestamp() - SignedDuration::from_secs(1));
            let after = zone.local_date(t.timestamp());
            [before, after]
        })
        .collect();
    dates.sort();
    dates.dedup();
    dates
}

fn slots_on(zone: &Zone, hours: &OpeningHours, date: Date, minutes: i64) -> Vec<Timestamp> {
    let start = zone.start_of_day(date);
    let end = zone.start_of_day(date.tomorrow().unwrap());
    let rules = SlotRules::new(
        SignedDuration::from_mins(minutes),
        SignedDuration::from_mins(minutes),
        SignedDuration::ZERO,
        SignedDuration::ZERO,
    )
    .unwrap();
    let busy = BusyTimes::new();
    let calendar = ResourceCalendar { resource: ResourceId::new(1), zone, hours, busy: &busy };
    availability(&[calendar], &rules, &SlotQuery::new(Interval::new(start, end).unwrap()))
        .slots()
        .iter()
        .map(booking_core::slots::Slot::start)
        .collect()
}

#[test]
fn office_hours_stay_office_hours_on_every_transition_day() {
    let opening = OpeningHours::closed().on(&EVERY_DAY, &[hours("09:00", "17:00")]);
    for name in DST_ZONES {
        let zone = Zone::parse(name).unwrap();
        let dates = transition_dates(&zone);
        let expected_transitions = if name == "Asia/Kolkata" { 0 } else { 8 };
        assert!(dates.len() >= expected_transitions, "{name}: {} dates", dates.len());
        for date in dates {
            let slots = slots_on(&zone, &opening, date, 30);
            let local: Vec<Time> = slots.iter().map(|t| zone.local(*t).time()).collect();
            let expected: Vec<Time> =
                (0..16).map(|k| Time::new(9 + k / 2, (k % 2) * 30, 0, 0).unwrap()).collect();
            assert_eq!(local, expected, "{name} {date}");
            assert!(slots.iter().all(|t| zone.local_date(*t) == date), "{name} {date}");
        }
    }
}

#[test]
fn no_slot_starts_in_a_skipped_hour_and_none_twice() {
    // Open around the clock in 15-minute slots: every transition falls inside opening hours.
    let opening = OpeningHours::closed().on(&EVERY_DAY, &[hours("00:00", "24:00")]);
    for name in DST_ZONES {
        let zone = Zone::parse(name).unwrap();
        for date in transition_dates(&zone) {
            let slots = slots_on(&zone, &opening, date, 15);
            assert!(slots.windows(2).all(|w| w[0] < w[1]), "{name} {date}: increasing");
            for t in &slots {
                let wall = zone.local(*t);
                // The start reads as a wall time of the grid, on the date, that exists: a start in
                // a gap would read shifted off the grid or be the later of two readings.
                assert_eq!(wall.date(), date, "{name} {date} {t}");
                assert_eq!(
                    wall.minute() % 15,
                    0,
                    "{name} {date} {t}: {wall} is off the wall-clock grid"
                );
                assert_eq!(
                    zone.instant_of(wall),
                    Some(*t),
                    "{name} {date} {t}: not the earlier reading of {wall}"
                );
            }
            let length =
                zone.start_of_day(date.tomorrow().unwrap()).duration_since(zone.start_of_day(date));
            let wall_slots = 96;
            let expected = if length < SignedDuration::from_hours(24) {
                // Skipped wall times have no slot.
                wall_slots - (SignedDuration::from_hours(24) - length).as_mins() / 15
            } else {
                // Repeated wall times are offered once (the earlier reading).
                wall_slots
            };
            assert_eq!(i64::try_from(slots.len()).unwrap(), expected, "{name} {date} ({length})");
        }
    }
}

#[test]
fn spring_forward_in_paris_skips_two_oclock() {
    let zone = Zone::parse("Europe/Paris").unwrap();
    let opening = OpeningHours::closed().on(&EVERY_DAY, &[hours("01:00", "04:00")]);
    let slots = slots_on(&zone, &opening, "2026-03-29".parse().unwrap(), 30);
    let local: Vec<String> = slots.iter().map(|t| zone.local(*t).time().to_string()).collect();
    assert_eq!(local, ["01:00:00", "01:30:00", "03:00:00", "03:30:00"]);
    let fall = slots_on(&zone, &opening, "2026-10-25".parse().unwrap(), 30);
    let utc: Vec<String> = fall.iter().map(ToString::to_string).collect();
    // 02:00 and 02:30 happen twice; the earlier (summer-time) reading is offered once.
    assert_eq!(
        utc,
        [
            "2026-10-24T23:00:00Z",
            "2026-10-24T23:30:00Z",
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-25T02:00:00Z",
            "2026-10-25T02:30:00Z"
        ]
    );
}
