//! proptest strategies: zones, schedules, slot rules, busy times and operation sequences.

use booking_core::schedule::{OpeningHours, WallRange};
use booking_core::slots::SlotRules;
use booking_core::time::{Interval, SignedDuration, Timestamp, WallTime};
use jiff::civil::Weekday;
use proptest::prelude::*;

/// The zones §A1 names for DST tests: 30-minute DST, +5:30, +12:45, midnight transitions.
pub const DST_ZONES: [&str; 6] = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
];

/// One of [`DST_ZONES`], or one of two ordinary zones.
pub fn zone_name() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(
        DST_ZONES.into_iter().chain(["Europe/Berlin", "UTC"]).collect::<Vec<_>>(),
    )
}

/// A wall range on a 15-minute grid between 00:00 and 24:00.
pub fn wall_range() -> impl Strategy<Value = WallRange> {
    (0u32..96, 1u32..=48).prop_map(|(start, len)| {
        let end = (start + len).min(96);
        let at = |q: u32| WallTime::hm(q / 4, (q % 4) * 15).unwrap_or(WallTime::END_OF_DAY);
        WallRange::new(at(start), at(end))
            .unwrap_or_else(|_| unreachable!("start < end by construction"))
    })
}

/// Weekly hours: each weekday closed or open on one to three ranges (breaks, overlaps merged).
pub fn opening_hours() -> impl Strategy<Value = OpeningHours> {
    proptest::collection::vec(proptest::collection::vec(wall_range(), 0..=3), 7).prop_map(|days| {
        let mut hours = OpeningHours::closed();
        for (i, ranges) in days.into_iter().enumerate() {
            let weekday = Weekday::from_monday_zero_offset(i8::try_from(i).unwrap_or(0))
                .unwrap_or(Weekday::Monday);
            hours.set_weekday(weekday, ranges);
        }
        hours
    })
}

/// Service durations, grid steps and buffers in whole minutes.
pub fn slot_rules() -> impl Strategy<Value = SlotRules> {
    (
        prop_oneof![Just(15i64), Just(30), Just(45), Just(60), 5i64..=120],
        prop_oneof![Just(15i64), Just(30), 5i64..=60],
        0i64..=20,
        0i64..=20,
    )
        .prop_map(|(d, s, b, a)| {
            SlotRules::new(
                SignedDuration::from_mins(d),
                SignedDuration::from_mins(s),
                SignedDuration::from_mins(b),
                SignedDuration::from_mins(a),
            )
            .unwrap_or_else(|_| unreachable!("positive by construction"))
        })
}

/// Busy intervals of 5 minutes to 3 hours starting within `days` days after `base`.
pub fn busy_intervals(
    base: Timestamp,
    days: i64,
    max: usize,
) -> impl Strategy<Value = Vec<Interval>> {
    proptest::collection::vec((0..days * 24 * 12, 1i64..=36), 0..=max).prop_map(move |raw| {
        raw.into_iter()
            .filter_map(|(start, len)| {
                let start = base.checked_add(SignedDuration::from_mins(start * 5)).ok()?;
                Interval::starting_at(start, SignedDuration::from_mins(len * 5)).ok()
            })
            .collect()
    })
}

/// One step of a random booking session against the demo harness.
#[derive(Clone, Debug)]
pub enum Op {
    /// Book the n-th listed slot (modulo the list), with or without a lock code.
    Book { pick: usize, lock: Option<u8> },
    /// Hold the n-th listed slot for a lock code.
    Hold { pick: usize, lock: u8 },
    /// Confirm the hold of a lock code.
    Confirm { lock: u8 },
    /// Release a lock code's holds.
    Release { lock: u8 },
    /// Cancel the n-th booking made so far.
    Cancel { pick: usize },
    /// Move the clock forward.
    Advance { minutes: i64 },
}

/// A random operation; lock codes are drawn from a few so that they collide and re-lock.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<usize>(), proptest::option::of(0u8..4)).prop_map(|(pick, lock)| Op::Book { pick, lock }),
        3 => (any::<usize>(), 0u8..4).prop_map(|(pick, lock)| Op::Hold { pick, lock }),
        2 => (0u8..4).prop_map(|lock| Op::Confirm { lock }),
        1 => (0u8..4).prop_map(|lock| Op::Release { lock }),
        1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
        1 => (1i64..=20).prop_map(|minutes| Op::Advance { minutes }),
    ]
}
