//! nettu-scheduler (crate `nettu_scheduler_domain` 0.6.0) and booking-core on the same four
//! scenarios, in one process: the full pure pipeline of each (expand working hours in the zone →
//! subtract busy → produce slots), median of 5 rounds. Both answers are checked against the
//! reference slot lists first, so the timings compare engines that agree.
//!
//! Run: cargo run --release --manifest-path bench/nettu-compare/Cargo.toml

use std::hint::black_box;
use std::time::Instant;

use nettu_scheduler_domain::booking_slots::{get_booking_slots, BookingSlotsOptions};
use nettu_scheduler_domain::{CompatibleInstances, EventInstance, Schedule, ScheduleRule, TimeSpan, Tz, ID};

/// The same scenario loader the booking-core tests and benches use.
#[path = "../../../crates/booking-core/tests/common/mod.rs"]
mod common;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

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
    for name in common::NAMES {
        let s = common::load_from(dir, name);
        let expected: Vec<i64> = s.expected.iter().map(|t| t.as_millisecond()).collect();
        let (start, end) = (s.window.start().as_millisecond(), s.window.end().as_millisecond());

        // nettu-scheduler: a schedule with weekday rules, busy instances, booking slots.
        let tz: Tz = s.zone.name().parse().unwrap();
        let (sh, sm) = s.open.0.split_once(':').unwrap();
        let (eh, em) = s.open.1.split_once(':').unwrap();
        let rules: Vec<ScheduleRule> = (0..7)
            .map(|d| {
                let intervals = if s.weekdays.contains(&d) {
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
        let busy_events: Vec<EventInstance> = s
            .raw_busy
            .iter()
            .map(|b| EventInstance { start_ts: b.start().as_millisecond(), end_ts: b.end().as_millisecond(), busy: true })
            .collect();
        let options = BookingSlotsOptions { start_ts: start, end_ts: end, duration: s.event_minutes * 60_000, interval: s.step_minutes * 60_000 };
        let nettu = || {
            let mut free = schedule.freebusy(&TimeSpan::new(start, end));
            let busy = CompatibleInstances::new(busy_events.clone());
            free.remove_instances(&busy, 0);
            get_booking_slots(&free, &options)
        };
        let nettu_starts: Vec<i64> = nettu().iter().map(|slot| slot.start).collect();

        // booking-core: the same pipeline the criterion bench measures as stage 2.
        let our_starts: Vec<i64> = s.pipeline().slots().iter().map(|slot| slot.start().as_millisecond()).collect();
        assert_eq!(our_starts, expected, "{name}: booking-core disagrees with the reference");
        let agree = if nettu_starts == expected { "" } else { " (nettu differs!)" };

        let t_nettu = median_micros(|| nettu().len());
        let t_ours = median_micros(|| black_box(&s).pipeline().len());
        println!(
            "| {name} | {} / {} / {}{agree} | {t_nettu:.1} µs | {t_ours:.2} µs | {:.0}× |",
            expected.len(),
            nettu_starts.len(),
            our_starts.len(),
            t_nettu / t_ours
        );
    }
}
