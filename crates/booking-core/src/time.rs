//! Instants, wall times, zones, and the one place where wall time becomes instants.
//!
//! Instants are [`Timestamp`]s (UTC). Opening hours are wall times in an IANA [`Zone`]. The
//! conversion rules (§A1) live here and nowhere else:
//!
//! - a wall time that does not exist (spring gap) is **skipped** when it is a slot start, and
//!   **clamped to the transition instant** when it is an opening-interval boundary, so an opening
//!   02:30–04:00 on a day whose 02:00–03:00 is skipped opens when the clock jumps;
//! - an ambiguous wall time (autumn fold) is the **earlier** instant;
//! - each local date is converted on its own, so 09:00–17:00 stays 09:00–17:00 local on transition
//!   days (the day is simply 23 or 25 hours long).
//!
//! Zone transitions are looked up once per local date ([`DayTable`]); on the overwhelming
//! majority of days the offset is constant and a wall time converts with one subtraction.

use std::fmt;
use std::sync::Arc;

pub use jiff::SignedDuration;
pub use jiff::Timestamp;
pub use jiff::civil::Date;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

const SECONDS_PER_DAY: i64 = 86_400;

/// A half-open interval of instants `[start, end)` with `start < end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: Timestamp,
    end: Timestamp,
}

/// An interval whose end is not after its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an interval must end after it starts ({start} .. {end})")]
pub struct EmptyInterval {
    /// The rejected start.
    pub start: Timestamp,
    /// The rejected end.
    pub end: Timestamp,
}

impl Interval {
    /// Builds `[start, end)`; rejects empty or reversed intervals.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, EmptyInterval> {
        if start < end { Ok(Self { start, end }) } else { Err(EmptyInterval { start, end }) }
    }

    /// `[start, start + length)`; rejects a non-positive length.
    pub fn starting_at(start: Timestamp, length: SignedDuration) -> Result<Self, EmptyInterval> {
        let end = start.saturating_add(length).unwrap_or(start);
        Self::new(start, end)
    }

    /// The first instant inside.
    #[must_use]
    pub const fn start(&self) -> Timestamp {
        self.start
    }

    /// The first instant after.
    #[must_use]
    pub const fn end(&self) -> Timestamp {
        self.end
    }

    /// The length.
    #[must_use]
    pub fn duration(&self) -> SignedDuration {
        self.end.duration_since(self.start)
    }

    /// Whether the two intervals share at least one instant.
    #[must_use]
    pub fn overlaps(&self, other: &Self) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies entirely inside `self`.
    #[must_use]
    pub fn contains(&self, other: &Self) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The interval widened by `before` at the start and `after` at the end (buffers).
    #[must_use]
    pub fn widened(&self, before: SignedDuration, after: SignedDuration) -> Self {
        let start = self.start.saturating_sub(before).unwrap_or(self.start);
        let end = self.end.saturating_add(after).unwrap_or(self.end);
        Self { start, end }
    }

    pub(crate) fn seconds(&self) -> (i64, i64) {
        (self.start.as_second(), self.end.as_second())
    }

    pub(crate) fn from_seconds(start: i64, end: i64) -> Self {
        debug_assert!(start < end);
        Self { start: ts(start), end: ts(end) }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.start, self.end)
    }
}

/// A timestamp from whole seconds, clamped to jiff's supported range.
pub(crate) fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(if seconds < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// An IANA time zone, parsed at the edge.
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    tz: TimeZone,
}

/// A time-zone name that the zone database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {0:?}")]
pub struct UnknownZone(pub String);

impl Zone {
    /// Looks an IANA name up in the zone database (`Europe/Paris`, `UTC`).
    pub fn parse(name: &str) -> Result<Self, UnknownZone> {
        let tz = TimeZone::get(name).map_err(|_| UnknownZone(name.to_owned()))?;
        Ok(Self { name: Arc::from(name), tz })
    }

    /// The zone `UTC`.
    #[must_use]
    pub fn utc() -> Self {
        Self { name: Arc::from("UTC"), tz: TimeZone::UTC }
    }

    /// The IANA name, as given.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The jiff zone, for adapters that format or convert at their edge.
    #[must_use]
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// The local civil date-time of an instant in this zone.
    #[must_use]
    pub fn local(&self, at: Timestamp) -> DateTime {
        self.tz.to_datetime(at)
    }

    /// The local date of an instant in this zone.
    #[must_use]
    pub fn local_date(&self, at: Timestamp) -> Date {
        self.local(at).date()
    }

    /// The instant of a wall time under the §A1 rules: `None` in a gap, the earlier instant in a fold.
    #[must_use]
    pub fn instant_of(&self, wall: DateTime) -> Option<Timestamp> {
        match self.tz.to_ambiguous_timestamp(wall).offset() {
            AmbiguousOffset::Unambiguous { offset } => wall.to_zoned(TimeZone::fixed(offset)).ok(),
            AmbiguousOffset::Fold { before, after } => {
                let earlier = if before > after { before } else { after };
                wall.to_zoned(TimeZone::fixed(earlier)).ok()
            }
            AmbiguousOffset::Gap { .. } => None,
        }
        .map(|z| z.timestamp())
    }

    /// The first instant of a local date (clamped to the transition when midnight is skipped).
    #[must_use]
    pub fn start_of_day(&self, date: Date) -> Timestamp {
        ts(DayTable::day_of(self, date).boundary(self, 0))
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

/// A wall-clock time of day, `00:00` to `24:00` inclusive (24:00 only makes sense as an end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallTime(u32);

/// A wall time that is not `HH:MM` or `HH:MM:SS` within a day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time of day {0:?} (expected HH:MM between 00:00 and 24:00)")]
pub struct InvalidWallTime(pub String);

impl WallTime {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: Self = Self(0);
    /// Midnight at the end of the day (only as an interval end).
    pub const END_OF_DAY: Self = Self(86_400);

    /// From hours and minutes; `None` past 24:00.
    #[must_use]
    pub const fn hm(hour: u32, minute: u32) -> Option<Self> {
        if minute < 60 && (hour < 24 || (hour == 24 && minute == 0)) {
            Some(Self(hour * 3600 + minute * 60))
        } else {
            None
        }
    }

    /// Parses `HH:MM` or `HH:MM:SS` (24-hour clock; `24:00` allowed).
    pub fn parse(text: &str) -> Result<Self, InvalidWallTime> {
        let bad = || InvalidWallTime(text.to_owned());
        let mut parts = text.split(':');
        let mut field = |max: u32| -> Result<u32, InvalidWallTime> {
            let p = parts.next().ok_or_else(bad)?;
            if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let v: u32 = p.parse().map_err(|_| bad())?;
            if v > max { Err(bad()) } else { Ok(v) }
        };
        let (h, m) = (field(24)?, field(59)?);
        let s = match parts.next() {
            None => 0,
            Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u32>().ok().filter(|v| *v < 60).ok_or_else(bad)?
            }
            Some(_) => return Err(bad()),
        };
        if parts.next().is_some() || (h == 24 && (m, s) != (0, 0)) {
            return Err(bad());
        }
        Ok(Self(h * 3600 + m * 60 + s))
    }

    /// Seconds since local midnight.
    #[must_use]
    pub const fn seconds(self) -> u32 {
        self.0
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 { write!(f, "{h:02}:{m:02}") } else { write!(f, "{h:02}:{m:02}:{s:02}") }
    }
}

/// One local date of a zone, with what is needed to convert its wall times quickly.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Day {
    pub(crate) date: Date,
    /// Seconds of `date 00:00` read as if it were UTC (civil seconds).
    civil_midnight: i64,
    /// `Some(offset)` when the whole local day has one UTC offset (no transition inside).
    uniform_offset: Option<i32>,
}

impl Day {
    /// Whether the whole local day has one UTC offset.
    #[inline]
    pub(crate) const fn is_uniform(&self) -> bool {
        self.uniform_offset.is_some()
    }

    /// The instant of a slot start at `secs` after local midnight: `None` in a gap, earlier in a fold.
    #[inline]
    pub(crate) fn start_instant(&self, zone: &Zone, secs: i64) -> Option<i64> {
        match self.uniform_offset {
            Some(offset) => Some(self.civil_midnight + secs - i64::from(offset)),
            None => zone.instant_of(civil(self.civil_midnight + secs)).map(Timestamp::as_second),
        }
    }

    /// The instant of an opening-interval boundary: like [`Day::start_instant`] but a wall time in
    /// a gap is clamped to the transition instant (the moment the clock jumps over it).
    pub(crate) fn boundary(&self, zone: &Zone, secs: i64) -> i64 {
        if let Some(offset) = self.uniform_offset {
            return self.civil_midnight + secs - i64::from(offset);
        }
        let wall = civil(self.civil_midnight + secs);
        if let Some(t) = zone.instant_of(wall) {
            return t.as_second();
        }
        // In a gap: with the offset in force before it, the wall time reads past the transition;
        // the most recent transition before that reading is the jump itself.
        let before = match zone.tz.to_ambiguous_timestamp(wall).offset() {
            AmbiguousOffset::Gap { before, .. } => i64::from(before.seconds()),
            AmbiguousOffset::Unambiguous { offset }
            | AmbiguousOffset::Fold { before: offset, .. } => i64::from(offset.seconds()),
        };
        let reading = self.civil_midnight + secs - before;
        zone.tz
            .preceding(ts(reading + 1))
            .next()
            .map_or(reading, |transition| transition.timestamp().as_second())
    }
}

fn civil(civil_seconds: i64) -> DateTime {
    TimeZone::UTC.to_datetime(ts(civil_seconds))
}

/// The local dates of one zone over a range, each with its transition status looked up once.
#[derive(Clone, Debug)]
pub(crate) struct DayTable {
    pub(crate) zone: Zone,
    pub(crate) days: Vec<Day>,
}

impl DayTable {
    /// Every local date of `zone` whose day overlaps `[from, to)`, plus one day each side so
    /// that buffers and candidate grids crossing midnight are covered.
    pub(crate) fn covering(zone: &Zone, from: Timestamp, to: Timestamp) -> Self {
        let first = zone.local_date(from).yesterday().unwrap_or(Date::MIN);
        let last = zone.local_date(to).tomorrow().unwrap_or(Date::MAX);
        let mut days =
            Vec::with_capacity(usize::try_from((last - first).get_days().max(0)).unwrap_or(0) + 1);
        let mut date = first;
        loop {
            days.push(Self::day_of(zone, date));
            if date >= last {
                break;
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Self { zone: zone.clone(), days }
    }

    pub(crate) fn day_of(zone: &Zone, date: Date) -> Day {
        let civil_midnight = TimeZone::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .map_or(0, Timestamp::as_second);
        let start = zone.tz.to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()));
        let uniform_offset = match start.offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                let day_start = civil_midnight - i64::from(offset.seconds());
                let day_end = day_start + SECONDS_PER_DAY;
                let next = zone.tz.following(ts(day_start)).next();
                match next {
                    // A transition exactly at the day's end still belongs to it when the clock
                    // falls back there (Santiago, 2028-04-02 00:00): the repeated hour is the
                    // end of this date.
                    Some(t) if t.timestamp().as_second() <= day_end => None,
                    _ => Some(offset.seconds()),
                }
            }
            AmbiguousOffset::Gap { .. } | AmbiguousOffset::Fold { .. } => None,
        };
        Day { date, civil_midnight, uniform_offset }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_wall(text: &str, expected: Option<u32>) {
        assert_eq!(WallTime::parse(text).ok().map(WallTime::seconds), expected, "{text}");
    }

    #[test]
    fn wall_times_parse_strictly() {
        check_wall("09:00", Some(9 * 3600));
        check_wall("24:00", Some(86_400));
        check_wall("23:59:59", Some(86_399));
        check_wall("24:01", None);
        check_wall("9:00", None);
        check_wall("09:60", None);
        check_wall("09:00:00:00", None);
        check_wall("", None);
        check_wall("ab:cd", None);
    }

    fn check_boundary(zone: &str, date: &str, wall: &str, expected_utc: &str) {
        let zone = Zone::parse(zone).unwrap();
        let date: Date = date.parse().unwrap();
        let day = DayTable::day_of(&zone, date);
        let secs = i64::from(WallTime::parse(wall).unwrap().seconds());
        let got = ts(day.boundary(&zone, secs));
        assert_eq!(got.to_string(), expected_utc, "{zone:?} {date} {wall}");
    }

    #[test]
    fn boundaries_follow_the_gap_and_fold_rules() {
        // Ordinary winter day in Paris.
        check_boundary("Europe/Paris", "2027-01-04", "09:00", "2027-01-04T08:00:00Z");
        // Spring gap (02:00 -> 03:00): 02:30 does not exist, clamped to the jump at 01:00Z.
        check_boundary("Europe/Paris", "2026-03-29", "02:30", "2026-03-29T01:00:00Z");
        check_boundary("Europe/Paris", "2026-03-29", "09:00", "2026-03-29T07:00:00Z");
        // Autumn fold (03:00 -> 02:00): 02:30 happens twice, the earlier is chosen.
        check_boundary("Europe/Paris", "2026-10-25", "02:30", "2026-10-25T00:30:00Z");
        check_boundary("Europe/Paris", "2026-10-25", "09:00", "2026-10-25T08:00:00Z");
        // Lord Howe moves by 30 minutes at 02:00.
        check_boundary("Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z");
        // End of day is the next midnight.
        check_boundary("Asia/Kolkata", "2027-01-04", "24:00", "2027-01-04T18:30:00Z");
    }

    #[test]
    fn slot_starts_in_a_gap_do_not_exist() {
        let zone = Zone::parse("America/New_York").unwrap();
        let day = DayTable::day_of(&zone, "2026-03-08".parse().unwrap());
        assert!(day.uniform_offset.is_none());
        assert_eq!(day.start_instant(&zone, 2 * 3600 + 1800), None);
        assert!(day.start_instant(&zone, 3 * 3600).is_some());
    }

    #[test]
    fn a_fall_back_at_midnight_keeps_the_repeated_hour_in_the_day() {
        // Santiago falls back at 2028-04-02 00:00 (-03) to 2028-04-01 23:00 (-04): 1 April has
        // 25 hours, and its 24:00 is the second midnight.
        let zone = Zone::parse("America/Santiago").unwrap();
        let day = DayTable::day_of(&zone, "2028-04-01".parse().unwrap());
        assert!(day.uniform_offset.is_none());
        assert_eq!(day.boundary(&zone, 86_400), ts_of("2028-04-02T04:00:00Z"));
        assert_eq!(day.start_instant(&zone, 23 * 3600 + 2700), Some(ts_of("2028-04-02T02:45:00Z")));
    }

    fn ts_of(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_second()
    }

    #[test]
    fn ordinary_days_are_uniform() {
        let zone = Zone::parse("Europe/Berlin").unwrap();
        let table = DayTable::covering(
            &zone,
            "2027-01-03T23:00:00Z".parse().unwrap(),
            "2027-01-10T23:00:00Z".parse().unwrap(),
        );
        assert!(table.days.iter().all(|d| d.uniform_offset == Some(3600)));
        assert_eq!(table.days.first().unwrap().date.to_string(), "2027-01-03");
    }

    #[test]
    fn intervals_reject_empty() {
        let t: Timestamp = "2027-01-04T08:00:00Z".parse().unwrap();
        assert!(Interval::new(t, t).is_err());
        assert!(Interval::starting_at(t, SignedDuration::from_mins(30)).is_ok());
    }
}
