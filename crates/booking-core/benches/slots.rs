//! Slot-engine benchmarks (see docs/PERFORMANCE.md).
//!
//! For each bench scenario, three stages:
//! 1. `grid`: slots from precomputed free ranges;
//! 2. `pipeline`: raw busy intervals → sorted busy times, opening hours expanded in the zone,
//!    busy subtracted, slots placed (what other engines' figures measure);
//! 3. `formatted`: the pipeline plus every slot written as a local RFC 3339 date-time.
//!
//! And a large case: an agenda of 50 desks over 90 days with 10,000 bookings.
#![allow(missing_docs, reason = "benchmark target")]

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write;
use std::hint::black_box;

use booking_core::ids::ResourceId;
use booking_core::schedule::OpeningHours;
use booking_core::slots::{
    BusyTimes, FreeRanges, ResourceCalendar, SlotQuery, SlotRules, availability,
};
use booking_core::time::{Interval, SignedDuration, Timestamp, Zone};
use booking_testkit::fixtures::{EVERY_DAY, hours};
use criterion::{Criterion, criterion_group, criterion_main};

fn scenarios(c: &mut Criterion) {
    for name in common::NAMES {
        let s = common::load(name);
        let mut group = c.benchmark_group(name);
        let free = FreeRanges::compute(&s.calendar(&s.busy), s.window);
        group.bench_function("1_grid", |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(512);
                free.for_each_slot(&s.rules, &s.query, |slot| out.push(slot));
                black_box(out)
            });
        });
        group.bench_function("2_pipeline", |b| b.iter(|| black_box(black_box(&s).pipeline())));
        group.bench_function("3_formatted", |b| {
            b.iter(|| {
                let found = black_box(&s).pipeline();
                let mut out = String::with_capacity(found.len() * 26);
                for slot in found.slots() {
                    let _ = writeln!(out, "{}", s.zone.local(slot.start()));
                }
                black_box(out)
            });
        });
        group.finish();
    }
}

/// 50 desks in Paris open Monday–Saturday 08:30–12:30 and 13:30–18:00, 90 days, 10,000 bookings of
/// 15 to 60 minutes (deterministic pseudo-random), 30-minute service on a 15-minute grid.
pub struct Large {
    pub zone: Zone,
    pub hours: OpeningHours,
    pub raw: Vec<Vec<Interval>>,
    pub rules: SlotRules,
    pub query: SlotQuery,
}

impl Large {
    fn calendars<'a>(&'a self, busy: &'a [BusyTimes]) -> Vec<ResourceCalendar<'a>> {
        busy.iter()
            .enumerate()
            .map(|(i, busy)| ResourceCalendar {
                resource: ResourceId::new(i64::try_from(i).unwrap()),
                zone: &self.zone,
                hours: &self.hours,
                busy,
            })
            .collect()
    }
}

pub fn large() -> Large {
    let zone = Zone::parse("Europe/Paris").unwrap();
    let hours = OpeningHours::closed()
        .on(&EVERY_DAY[..6], &[hours("08:30", "12:30"), hours("13:30", "18:00")]);
    let start: Timestamp = "2027-03-01T00:00:00+01:00".parse().unwrap();
    let window = Interval::new(start, start + SignedDuration::from_hours(90 * 24)).unwrap();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut raw = vec![Vec::new(); 50];
    for _ in 0..10_000 {
        let desk = usize::try_from(next(50)).unwrap();
        let day = i64::try_from(next(90)).unwrap();
        let minute = 8 * 60 + 30 + i64::try_from(next(38)).unwrap() * 15;
        let length = 15 * (1 + i64::try_from(next(4)).unwrap());
        let at = start + SignedDuration::from_hours(24 * day) + SignedDuration::from_mins(minute);
        raw[desk].push(Interval::starting_at(at, SignedDuration::from_mins(length)).unwrap());
    }
    let rules = SlotRules::new(
        SignedDuration::from_mins(30),
        SignedDuration::from_mins(15),
        SignedDuration::ZERO,
        SignedDuration::ZERO,
    )
    .unwrap();
    Large { zone, hours, raw, rules, query: SlotQuery::new(window) }
}

fn large_case(c: &mut Criterion) {
    let l = large();
    let busy: Vec<BusyTimes> =
        l.raw.iter().map(|r| BusyTimes::from_intervals(r.iter().copied())).collect();
    let mut group = c.benchmark_group("large_50r_90d_10000b");
    group.sample_size(30);
    group.bench_function("availability", |b| {
        b.iter(|| {
            let calendars = l.calendars(&busy);
            black_box(availability(&calendars, &l.rules, &l.query))
        });
    });
    group.bench_function("pipeline_with_busy", |b| {
        b.iter(|| {
            let busy: Vec<BusyTimes> =
                l.raw.iter().map(|r| BusyTimes::from_intervals(r.iter().copied())).collect();
            let calendars = l.calendars(&busy);
            black_box(availability(&calendars, &l.rules, &l.query).len())
        });
    });
    group.finish();
}

criterion_group!(benches, scenarios, large_case);
criterion_main!(benches);
