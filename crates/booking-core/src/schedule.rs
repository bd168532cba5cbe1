//! §A1 Opening hours: weekly wall-time intervals, date overrides and exceptions.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};

use crate::ids::ExceptionId;
use crate::time::{DayTable, Interval, WallTime, Zone};

/// `[start, end)` in wall time on one local date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallRange {
    start: WallTime,
    end: WallTime,
}

/// A wall range whose end is not after its start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("opening hours must end after they start ({start} - {end})")]
pub struct EmptyWallRange {
    /// The rejected start.
    pub start: WallTime,
    /// The rejected end.
    pub end: WallTime,
}

impl WallRange {
    /// Builds `[start, end)`; `end` may be `24:00`.
    pub fn new(start: WallTime, end: WallTime) -> Result<Self, EmptyWallRange> {
        if start < end { Ok(Self { start, end }) } else { Err(EmptyWallRange { start, end }) }
    }

    /// The opening time.
    #[must_use]
    pub const fn start(&self) -> WallTime {
        self.start
    }

    /// The closing time.
    #[must_use]
    pub const fn end(&self) -> WallTime {
        self.end
    }
}

/// Sorts and merges touching or overlapping ranges, so each day is a list of disjoint ranges and
/// a slot may straddle two contiguous declared ranges.
fn normalise(mut ranges: Vec<WallRange>) -> Vec<WallRange> {
    ranges.sort_unstable();
    let mut out: Vec<WallRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// What a date override says about one local date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DayHours {
    /// Closed all day.
    Closed,
    /// Open on these ranges instead of the weekly hours.
    Open(Vec<WallRange>),
}

/// Weekly hours in local wall time plus per-date overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpeningHours {
    /// Indexed by `Weekday::to_monday_zero_offset()`.
    weekly: [Vec<WallRange>; 7],
    overrides: BTreeMap<Date, Vec<WallRange>>,
}

impl OpeningHours {
    /// Closed every day.
    #[must_use]
    pub fn closed() -> Self {
        Self::default()
    }

    /// The same ranges on each of the given weekdays (a convenient builder).
    #[must_use]
    pub fn on(mut self, weekdays: &[Weekday], ranges: &[WallRange]) -> Self {
        for day in weekdays {
            self.set_weekday(*day, ranges.to_vec());
        }
        self
    }

    /// Replaces the weekly hours of one weekday (several ranges for breaks).
    pub fn set_weekday(&mut self, weekday: Weekday, ranges: Vec<WallRange>) {
        self.weekly[usize::from(weekday.to_monday_zero_offset().unsigned_abs())] =
            normalise(ranges);
    }

    /// Overrides one date: closed, or other hours.
    pub fn set_override(&mut self, date: Date, hours: DayHours) {
        let ranges = match hours {
            DayHours::Closed => Vec::new(),
            DayHours::Open(ranges) => normalise(ranges),
        };
        self.overrides.insert(date, ranges);
    }

    /// Removes the override of a date (back to the weekly hours).
    pub fn clear_override(&mut self, date: Date) {
        self.overrides.remove(&date);
    }

    /// The weekly ranges of a weekday.
    #[must_use]
    pub fn weekday(&self, weekday: Weekday) -> &[WallRange] {
        &self.weekly[usize::from(weekday.to_monday_zero_offset().unsigned_abs())]
    }

    /// Every override, by date.
    pub fn overrides(&self) -> impl Iterator<Item = (Date, DayHours)> + '_ {
        self.overrides.iter().map(|(d, r)| {
            (*d, if r.is_empty() { DayHours::Closed } else { DayHours::Open(r.clone()) })
        })
    }

    /// The disjoint, sorted ranges open on a local date (override first, else the weekday).
    #[must_use]
    pub fn ranges_on(&self, date: Date) -> &[WallRange] {
        if self.overrides.is_empty() {
            return self.weekday(date.weekday());
        }
        self.overrides.get(&date).map_or_else(|| self.weekday(date.weekday()), Vec::as_slice)
    }

    /// The opening intervals as instants, for every date of `days`, in order.
    pub(crate) fn expand<'a>(
        &'a self,
        days: &'a DayTable,
    ) -> impl Iterator<Item = OpenPeriod> + 'a {
        days.days.iter().enumerate().flat_map(move |(index, day)| {
            self.ranges_on(day.date).iter().filter_map(move |range| {
                let start = day.boundary(&days.zone, i64::from(range.start.seconds()));
                let end = day.boundary(&days.zone, i64::from(range.end.seconds()));
                (start < end).then_some(OpenPeriod {
                    start,
                    end,
                    anchor_wall: i64::from(range.start.seconds()),
                    day: index,
                })
            })
        })
    }
}

/// One opening interval as instants, remembering the wall time its slot grid is anchored at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenPeriod {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) anchor_wall: i64,
    pub(crate) day: usize,
}

/// Time off, a holiday or an imported calendar entry: the resource is unavailable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    /// Assigned by the store.
    pub id: Option<ExceptionId>,
    /// When the resource is unavailable.
    pub interval: Interval,
    /// Shown to staff ("Holiday", an .ics SUMMARY).
    pub label: String,
}

impl Exception {
    /// Whole local days `[first, last]` in a zone (an all-day holiday, an .ics `VALUE=DATE` entry).
    pub fn all_day(zone: &Zone, first: Date, last: Date, label: &str) -> Option<Self> {
        let start = zone.start_of_day(first);
        let end = zone.start_of_day(last.tomorrow().ok()?);
        Some(Self { id: None, interval: Interval::new(start, end).ok()?, label: label.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: &str, b: &str) -> WallRange {
        WallRange::new(WallTime::parse(a).unwrap(), WallTime::parse(b).unwrap()).unwrap()
    }

    #[test]
    fn ranges_are_merged_and_sorted() {
        let hours = OpeningHours::closed().on(
            &[Weekday::Monday],
            &[r("14:00", "18:00"), r("09:00", "12:00"), r("11:00", "12:30"), r("12:30", "13:00")],
        );
        assert_eq!(hours.weekday(Weekday::Monday), &[r("09:00", "13:00"), r("14:00", "18:00")]);
    }

    #[test]
    fn overrides_win_over_weekly_hours() {
        let mut hours = OpeningHours::closed().on(&[Weekday::Monday], &[r("09:00", "17:00")]);
        let monday: Date = "2027-01-04".parse().unwrap();
        hours.set_override(monday, DayHours::Closed);
        assert!(hours.ranges_on(monday).is_empty());
        hours.set_override(monday, DayHours::Open(vec![r("10:00", "11:00")]));
        assert_eq!(hours.ranges_on(monday), &[r("10:00", "11:00")]);
        hours.clear_override(monday);
        assert_eq!(hours.ranges_on(monday), &[r("09:00", "17:00")]);
    }

    #[test]
    fn all_day_exceptions_cover_local_days() {
        let zone = Zone::parse("Europe/Paris").unwrap();
        let day: Date = "2026-03-29".parse().unwrap();
        let ex = Exception::all_day(&zone, day, day, "holiday").unwrap();
        assert_eq!(ex.interval.duration(), jiff::SignedDuration::from_hours(23));
    }
}
