//! The benchmark scenarios (`tests/data`), read into the engine's types. Shared by the scenario
//! tests, the criterion benches and `bench/nettu-compare` (which includes this file by path).
#![allow(dead_code, unreachable_pub, reason = "shared by several test and bench targets")]

use std::collections::BTreeMap;

use booking_core::ids::ResourceId;
use booking_core::schedule::{OpeningHours, WallRange};
use booking_core::slots::{
    Availability, BusyTimes, ResourceCalendar, SlotQuery, SlotRules, availability,
};
use booking_core::time::{Interval, SignedDuration, Timestamp, WallTime, Zone};
use jiff::civil::Weekday;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    tz: String,
    event_length: i64,
    slot_interval: i64,
    minimum_booking_notice: i64,
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

/// One scenario, ready for the engine.
pub struct Scenario {
    pub name: &'static str,
    pub zone: Zone,
    pub hours: OpeningHours,
    pub busy: BusyTimes,
    pub raw_busy: Vec<Interval>,
    pub rules: SlotRules,
    pub query: SlotQuery,
    pub window: Interval,
    pub expected: Vec<Timestamp>,
    /// Working days as the file gives them (0 = Sunday), for engines that need the raw input.
    pub weekdays: Vec<i8>,
    /// Working hours as the file gives them (`"09:00"`, `"17:00"`).
    pub open: (String, String),
    /// Appointment length and grid step, in minutes.
    pub event_minutes: i64,
    pub step_minutes: i64,
}

impl Scenario {
    /// The scenario's one resource over `busy`.
    pub fn calendar<'a>(&'a self, busy: &'a BusyTimes) -> ResourceCalendar<'a> {
        ResourceCalendar {
            resource: ResourceId::new(1),
            zone: &self.zone,
            hours: &self.hours,
            busy,
        }
    }

    /// The full pure pipeline: raw busy intervals → busy times → opening hours minus busy → slots.
    pub fn pipeline(&self) -> Availability {
        let busy = BusyTimes::from_intervals(self.raw_busy.iter().copied());
        availability(&[self.calendar(&busy)], &self.rules, &self.query)
    }
}

pub const NAMES: [&str; 4] =
    ["7d_50b_wd0123456", "7d_50b_wd12345", "7d_0b_wd0123456", "28d_200b_wd0123456"];

/// "Now" for every scenario: before the windows (January 2027).
pub const NOW: &str = "2026-11-21T00:00:00Z";

fn data(dir: &str, file: &str) -> String {
    let path = format!("{dir}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A scenario from `booking-core`'s `tests/data`.
pub fn load(name: &'static str) -> Scenario {
    load_from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"), name)
}

/// A scenario from the folder `dir`.
pub fn load_from(dir: &str, name: &'static str) -> Scenario {
    let raw: Raw =
        serde_json::from_str(&data(dir, &format!("scenario_{name}.json"))).expect("scenario JSON");
    let zone = Zone::parse(&raw.tz).expect("zone");
    let range = WallRange::new(
        WallTime::parse(&raw.working_hours.start).unwrap(),
        WallTime::parse(&raw.working_hours.end).unwrap(),
    )
    .unwrap();
    let days: Vec<Weekday> = raw
        .working_hours
        .days
        .iter()
        .map(|d| Weekday::from_sunday_zero_offset(*d).unwrap())
        .collect();
    let hours = OpeningHours::closed().on(&days, &[range]);
    let ts = |s: &str| s.parse::<Timestamp>().expect("instant");
    let raw_busy: Vec<Interval> =
        raw.busy.iter().map(|b| Interval::new(ts(&b.start), ts(&b.end)).unwrap()).collect();
    let busy = BusyTimes::from_intervals(raw_busy.iter().copied());
    let rules = SlotRules::new(
        SignedDuration::from_mins(raw.event_length),
        SignedDuration::from_mins(raw.slot_interval),
        SignedDuration::ZERO,
        SignedDuration::ZERO,
    )
    .unwrap();
    let window = Interval::new(ts(&raw.start_time), ts(&raw.end_time)).unwrap();
    let query = SlotQuery::new(window).with_limits(
        ts(NOW),
        SignedDuration::from_mins(raw.minimum_booking_notice),
        SignedDuration::from_hours(365 * 24),
    );
    let expected_raw: BTreeMap<String, Vec<RawSlot>> =
        serde_json::from_str(&data(dir, &format!("expected_slots_{name}.json")))
            .expect("expected JSON");
    let expected = expected_raw.values().flatten().map(|s| ts(&s.time)).collect();
    Scenario {
        name,
        zone,
        hours,
        busy,
        raw_busy,
        rules,
        query,
        window,
        expected,
        weekdays: raw.working_hours.days,
        open: (raw.working_hours.start, raw.working_hours.end),
        event_minutes: raw.event_length,
        step_minutes: raw.slot_interval,
    }
}
