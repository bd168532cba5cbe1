//! nettu-scheduler (crate `nettu_scheduler_domain` 0.6.0) and booking-core on the same four
//! scenarios, in one process: the full pure pipeline of each (expand working hours in the zone →
//! subtract busy → produce slots), median of 5 rounds. Both answers are checked against the
//! reference slot lists first, so the timings compare engines that agree.
//!
//! Run: cargo run --release --manifest-path bench/nettu-compare/Cargo.toml

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use booking_core::ids::ResourceId;
use booking_core::schedule::{OpeningHours, WallRange};
use booking_core::slots::{availability, BusyTimes, ResourceCalendar, SlotQuery, SlotRules};
use booking_core::time::{Interval, SignedDuration, Timestamp, WallTime, Zone};
use nettu_scheduler_domain::booking_slots::{get_booking_slots, BookingSlotsOptions};
use nettu_scheduler_domain::{CompatibleInstances, EventInstance, Schedule, ScheduleRule, TimeSpan, Tz, ID};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    tz: String,
    event_length: i64,
    slot_interval: i64,
    working_hours: RawHours,
    start_time: String,
    end_time: String,
    busy: Vec<RawBusy>,
}

#[derive(Deserialize)]
struct RawHours {
    days: Vec<i8>,
    start: String,
    end: String,
}

#[derive(Deserialize)]
struct RawBusy {
    start: String,
    end: String,
}

#[derive(Deserialize)]
struct RawSlot {
    time: String,
}

const NAMES: [&str; 4] = ["7d_50b_wd0123456", "7d_50b_wd12345", "7d_0b_wd0123456", "28d_200b_wd0123456"];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn median_micros(mut run: impl FnMut() -> usize) -> f64 {
    // Calibrate to ~50 ms per round, then take the median of 5 rounds.
    let mut iters = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(run());
        }
        if t.elapsed().as_millis() >= 50 {
            break;
        }
        iters *= 2;
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                black_box(run());
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(iters)
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../crates/booking-core/tests/data");
    println!("| scenario | slots (ref / nettu / ours) | nettu-scheduler 0.6.0 | booking-core | ratio |");
    println!("|---|---|---|---|---|");
    for name in NAMES {
        let raw: Raw = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/scenario_{name}.json")).unwrap()).unwrap();
        let expected: BTreeMap<String, Vec<RawSlot>> =
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected_slots_{name}.json")).unwrap()).unwrap();
        let expected: Vec<i64> = expected.values().flatten().map(|s| ts(&s.time).as_millisecond()).collect();
        let (start, end) = (ts(&raw.start_time).as_millisecond(), ts(&raw.end_time).as_millisecond());

        // nettu-scheduler: a schedule with weekday rules, busy instances, booking slots.
        let tz: Tz = raw.tz.parse().unwrap();
        let (sh, sm) = raw.working_hours.start.split_once(':').unwrap();
        let (eh, em) = raw.working_hours.end.split_once(':').unwrap();
        let rules: Vec<ScheduleRule> = (0..7)
            .map(|d| {
                let intervals = if raw.working_hours.days.contains(&d) {
                    serde_json::json!([{"start": {"hours": sh.parse::<i64>().unwrap(), "minutes": sm.parse::<i64>().unwrap()},
                                        "end": {"hours": eh.parse::<i64>().unwrap(), "minutes": em.parse::<i64>().unwrap()}}])
                } else {
                    serde_json::json!([])
                };
                serde_json::from_value(serde_json::json!({"variant": {"type": "WDay", "value": DAYS[d as usize]}, "intervals": intervals})).unwrap()
            })
            .collect();
        let mut schedule = Schedule::new(ID::default(), ID::default(), &tz);
        schedule.rules = rules;
        let busy_events: Vec<EventInstance> = raw
            .busy
            .iter()
            .map(|b| EventInstance { start_ts: ts(&b.start).as_millisecond(), end_ts: ts(&b.end).as_millisecond(), busy: true })
            .collect();
        let options = BookingSlotsOptions { start_ts: start, end_ts: end, duration: raw.event_length * 60_000, interval: raw.slot_interval * 60_000 };
        let nettu = || {
            let mut free = schedule.freebusy(&TimeSpan::new(start, end));
            let busy = CompatibleInstances::new(busy_events.clone());
            free.remove_instances(&busy, 0);
            get_booking_slots(&free, &options)
        };
        let nettu_starts: Vec<i64> = nettu().iter().map(|s| s.start).collect();

        // booking-core: the same pipeline.
        let zone = Zone::parse(&raw.tz).unwrap();
        let range = WallRange::new(WallTime::parse(&raw.working_hours.start).unwrap(), WallTime::parse(&raw.working_hours.end).unwrap()).unwrap();
        let days: Vec<jiff::civil::Weekday> = raw.working_hours.days.iter().map(|d| jiff::civil::Weekday::from_sunday_zero_offset(*d).unwrap()).collect();
        let hours = OpeningHours::closed().on(&days, &[range]);
        let raw_busy: Vec<Interval> = raw.busy.iter().map(|b| Interval::new(ts(&b.start), ts(&b.end)).unwrap()).collect();
        let rules = SlotRules::new(SignedDuration::from_mins(raw.event_length), SignedDuration::from_mins(raw.slot_interval), SignedDuration::ZERO, SignedDuration::ZERO).unwrap();
        let query = SlotQuery::new(Interval::new(ts(&raw.start_time), ts(&raw.end_time)).unwrap());
        let ours = || {
            let busy = BusyTimes::from_intervals(raw_busy.iter().copied());
            let calendar = ResourceCalendar { resource: ResourceId::new(1), zone: &zone, hours: &hours, busy: &busy };
            availability(&[calendar], &rules, &query)
        };
        let our_starts: Vec<i64> = ours().slots().iter().map(|s| s.start().as_millisecond()).collect();
        assert_eq!(our_starts, expected, "{name}: booking-core disagrees with the reference");
        let agree = if nettu_starts == expected { "" } else { " (nettu differs!)" };

        let t_nettu = median_micros(|| nettu().len());
        let t_ours = median_micros(|| ours().len());
        println!(
            "| {name} | {} / {} / {}{agree} | {t_nettu:.1} µs | {t_ours:.2} µs | {:.0}× |",
            expected.len(),
            nettu_starts.len(),
            our_starts.len(),
            t_nettu / t_ours
        );
    }
}
