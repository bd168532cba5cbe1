//! §A2 The slot engine, §A3 capacity.
//!
//! The pipeline, per resource: expand opening hours over the local dates of the window (one
//! zone-transition look-up per date, see [`crate::time`]) → subtract the sorted busy intervals
//! in one linear sweep → place the grid inside each free range. A candidate start `s` is offered
//! when `[s − buffer_before, s + duration + buffer_after)` lies inside one free range, `s` is on
//! the grid anchored at the start of its opening interval, and `s` is inside the query window
//! and between `earliest` (minimum notice) and `latest` (maximum advance).
//!
//! On a day with a constant UTC offset (nearly every day) the grid is pure arithmetic on
//! seconds; on a transition day each candidate wall time is converted on its own, which skips
//! starts in a gap and takes the earlier instant in a fold.
//!
//! Several resources (desks of an agenda) are merged into one list whose slots carry how many
//! resources can take them and which, all stored in one shared pool: no allocation per slot.
//!
//! Listing and booking both call [`availability`]: booking asks for the one-second window at
//! the requested start and takes the slot only if it is listed.

use jiff::{SignedDuration, Timestamp};

use crate::catalog::Service;
use crate::ids::ResourceId;
use crate::schedule::{OpenPeriod, OpeningHours};
use crate::settings::Settings;
use crate::time::{DayTable, Interval, Zone, ts};

/// Length, grid and buffers of the slots of one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRules {
    duration: i64,
    step: i64,
    buffer_before: i64,
    buffer_after: i64,
}

/// Slot rules that cannot produce slots.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRules {
    /// Duration is zero or negative.
    #[error("a service lasts at least one minute")]
    Duration,
    /// Step is zero or negative.
    #[error("the slot step is at least one minute")]
    Step,
    /// Negative buffers.
    #[error("buffers cannot be negative")]
    Buffer,
}

crate::error::error_codes!(InvalidRules, |_e| (
    crate::error::Kind::Invalid,
    "invalid_service_rules"
));

impl SlotRules {
    /// Validates whole-minute durations: positive length and step, non-negative buffers.
    pub fn new(
        duration: SignedDuration,
        step: SignedDuration,
        buffer_before: SignedDuration,
        buffer_after: SignedDuration,
    ) -> Result<Self, InvalidRules> {
        let minute = SignedDuration::from_mins(1);
        if duration < minute {
            return Err(InvalidRules::Duration);
        }
        if step < minute {
            return Err(InvalidRules::Step);
        }
        if buffer_before.is_negative() || buffer_after.is_negative() {
            return Err(InvalidRules::Buffer);
        }
        Ok(Self {
            duration: duration.as_secs(),
            step: step.as_secs(),
            buffer_before: buffer_before.as_secs(),
            buffer_after: buffer_after.as_secs(),
        })
    }

    /// The rules of a service, with the business step when the service sets none.
    pub fn for_service(service: &Service, settings: &Settings) -> Result<Self, InvalidRules> {
        Self::new(
            service.duration,
            service.step.unwrap_or(settings.slot_step),
            service.buffer_before,
            service.buffer_after,
        )
    }

    /// Appointment length.
    #[must_use]
    pub fn duration(&self) -> SignedDuration {
        SignedDuration::from_secs(self.duration)
    }

    /// Distance between two candidate starts on the grid.
    #[must_use]
    pub fn step(&self) -> SignedDuration {
        SignedDuration::from_secs(self.step)
    }

    /// The slot starting at `start`, and what it blocks (buffers included).
    #[must_use]
    pub fn slot_at(&self, start: Timestamp) -> (Interval, Interval) {
        let s = start.as_second();
        let slot = Interval::from_seconds(s, s + self.duration);
        let busy =
            Interval::from_seconds(s - self.buffer_before, s + self.duration + self.buffer_after);
        (slot, busy)
    }
}

/// Which starts a query wants: inside `window`, not before `earliest`, before `latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotQuery {
    window: Interval,
    earliest: Timestamp,
    latest: Timestamp,
}

impl SlotQuery {
    /// Every start inside `window`.
    #[must_use]
    pub fn new(window: Interval) -> Self {
        Self { window, earliest: Timestamp::MIN, latest: Timestamp::MAX }
    }

    /// Adds minimum notice (`earliest = now + notice`) and maximum advance (`latest = now + advance`).
    #[must_use]
    pub fn with_limits(
        mut self,
        now: Timestamp,
        notice: SignedDuration,
        advance: SignedDuration,
    ) -> Self {
        self.earliest = now.saturating_add(notice).unwrap_or(Timestamp::MAX);
        self.latest = now.saturating_add(advance).unwrap_or(Timestamp::MAX);
        self
    }

    /// Never before `now` (for staff who bypass the notice but cannot book the past).
    #[must_use]
    pub fn not_before(mut self, now: Timestamp) -> Self {
        self.earliest = self.earliest.max(now);
        self
    }

    /// The window of starts.
    #[must_use]
    pub const fn window(&self) -> Interval {
        self.window
    }

    /// `[lo, hi)` of acceptable starts in seconds, or `None` when empty.
    fn bounds(&self) -> Option<(i64, i64)> {
        let (ws, we) = self.window.seconds();
        let lo = ws.max(self.earliest.as_second());
        let hi = we.min(self.latest.as_second());
        (lo < hi).then_some((lo, hi))
    }
}

/// Busy intervals of one resource, sorted and merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusyTimes {
    spans: Vec<(i64, i64)>,
}

impl BusyTimes {
    /// No busy time.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sorts and merges any intervals (bookings with their buffers, holds, exceptions, external busy).
    pub fn from_intervals(intervals: impl IntoIterator<Item = Interval>) -> Self {
        Self::from_spans(intervals.into_iter().map(|i| i.seconds()).collect())
    }

    pub(crate) fn from_spans(mut spans: Vec<(i64, i64)>) -> Self {
        spans.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Self { spans: merged }
    }

    /// Whether nothing overlaps `interval`.
    #[must_use]
    pub fn is_free(&self, interval: &Interval) -> bool {
        let (s, e) = interval.seconds();
        let i = self.spans.partition_point(|span| span.1 <= s);
        self.spans.get(i).is_none_or(|span| span.0 >= e)
    }

    /// The merged intervals.
    pub fn iter(&self) -> impl Iterator<Item = Interval> + '_ {
        self.spans.iter().map(|&(s, e)| Interval::from_seconds(s, e))
    }

    /// Number of merged intervals.
    #[must_use]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there is no busy time.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// What the engine needs of one resource.
#[derive(Clone, Copy, Debug)]
pub struct ResourceCalendar<'a> {
    /// Which resource.
    pub resource: ResourceId,
    /// Zone of its wall-time hours.
    pub zone: &'a Zone,
    /// Its opening hours.
    pub hours: &'a OpeningHours,
    /// Its busy times.
    pub busy: &'a BusyTimes,
}

/// A stretch of open, not busy time, remembering the grid it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FreeRange {
    start: i64,
    end: i64,
    anchor_wall: i64,
    day: usize,
}

/// Open time minus busy time of one resource over a window: the engine's middle stage.
#[derive(Clone, Debug)]
pub struct FreeRanges {
    days: DayTable,
    ranges: Vec<FreeRange>,
}

impl FreeRanges {
    /// Opening hours over the local dates around `window`, minus busy times.
    #[must_use]
    pub fn compute(calendar: &ResourceCalendar<'_>, window: Interval) -> Self {
        let days = DayTable::covering(calendar.zone, window.start(), window.end());
        let mut ranges = Vec::new();
        free_ranges_into(calendar, &days, &mut ranges);
        Self { days, ranges }
    }

    /// Calls `emit` for every slot of the grid inside the free ranges, in order.
    pub fn for_each_slot(
        &self,
        rules: &SlotRules,
        query: &SlotQuery,
        mut emit: impl FnMut(Interval),
    ) {
        slots_in(&self.ranges, &self.days, rules, query, |s| {
            emit(Interval::from_seconds(s, s + rules.duration));
        });
    }

    /// The free ranges as intervals.
    pub fn iter(&self) -> impl Iterator<Item = Interval> + '_ {
        self.ranges.iter().map(|r| Interval::from_seconds(r.start, r.end))
    }
}

fn free_ranges_into(calendar: &ResourceCalendar<'_>, days: &DayTable, out: &mut Vec<FreeRange>) {
    let spans = &calendar.busy.spans;
    let mut p = 0;
    for OpenPeriod { start: a, end: b, anchor_wall, day } in calendar.hours.expand(days) {
        while p < spans.len() && spans[p].1 <= a {
            p += 1;
        }
        let mut cur = a;
        let mut q = p;
        while q < spans.len() && spans[q].0 < b {
            if spans[q].0 > cur {
                out.push(FreeRange { start: cur, end: spans[q].0, anchor_wall, day });
            }
            cur = cur.max(spans[q].1);
            q += 1;
        }
        if cur < b {
            out.push(FreeRange { start: cur, end: b, anchor_wall, day });
        }
    }
}

/// Emits, in increasing order, the start (seconds) of every slot inside `ranges`.
fn slots_in(
    ranges: &[FreeRange],
    days: &DayTable,
    rules: &SlotRules,
    query: &SlotQuery,
    mut emit: impl FnMut(i64),
) {
    let Some((lo, hi)) = query.bounds() else { return };
    let SlotRules { duration, step, buffer_before, buffer_after } = *rules;
    for range in ranges {
        // s − buffer_before ≥ range.start, s + duration + buffer_after ≤ range.end, lo ≤ s < hi.
        let first = (range.start + buffer_before).max(lo);
        let last = (range.end - buffer_after - duration).min(hi - 1);
        if first > last {
            continue;
        }
        let day = &days.days[range.day];
        match day.start_instant(&days.zone, range.anchor_wall) {
            Some(anchor) if day.is_uniform() => {
                let k = ((first - anchor).max(0) + step - 1) / step;
                let mut s = anchor + k * step;
                while s <= last {
                    emit(s);
                    s += step;
                }
            }
            _ => {
                // Transition day: walk the wall-clock grid, converting each start on its own.
                let mut wall = range.anchor_wall;
                while wall < 86_400 {
                    if let Some(s) = day.start_instant(&days.zone, wall) {
                        if s > last {
                            break;
                        }
                        if s >= first {
                            emit(s);
                        }
                    }
                    wall += step;
                }
            }
        }
    }
}

/// One offered slot with its free capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    interval: Interval,
    free: u32,
    pool: (u32, u32),
}

impl Slot {
    /// Start and end of the appointment.
    #[must_use]
    pub const fn interval(&self) -> Interval {
        self.interval
    }

    /// The first instant.
    #[must_use]
    pub const fn start(&self) -> Timestamp {
        self.interval.start()
    }

    /// How many places are free (resources that can take it).
    #[must_use]
    pub const fn free(&self) -> u32 {
        self.free
    }
}

/// The slots of a query, in start order, with the resources that can take each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Availability {
    slots: Vec<Slot>,
    pool: Vec<ResourceId>,
}

impl Availability {
    /// Every slot, by start.
    #[must_use]
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The resources that can take `slot`, in the agenda's order.
    #[must_use]
    pub fn resources(&self, slot: &Slot) -> &[ResourceId] {
        let (from, to) = slot.pool;
        &self.pool[from as usize..to as usize]
    }

    /// The slot starting exactly at `start`.
    #[must_use]
    pub fn find(&self, start: Timestamp) -> Option<&Slot> {
        let i = self.slots.partition_point(|s| s.start() < start);
        self.slots.get(i).filter(|s| s.start() == start)
    }

    /// The first slot.
    #[must_use]
    pub fn first(&self) -> Option<&Slot> {
        self.slots.first()
    }

    /// Number of slots.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there is no slot.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// §A2: the slots of one service over several resources (one for a staff member, N desks).
#[must_use]
pub fn availability(
    calendars: &[ResourceCalendar<'_>],
    rules: &SlotRules,
    query: &SlotQuery,
) -> Availability {
    let Some((lo, hi)) = query.bounds() else { return Availability::default() };
    let (from, to) = (ts(lo), ts(hi));
    let mut tables: Vec<DayTable> = Vec::new();
    let mut ranges = Vec::new();
    let mut entries: Vec<(i64, u32)> = Vec::new();
    for (index, calendar) in calendars.iter().enumerate() {
        let table = match tables.iter().position(|t| t.zone == *calendar.zone) {
            Some(i) => &tables[i],
            None => {
                tables.push(DayTable::covering(calendar.zone, from, to));
                &tables[tables.len() - 1]
            }
        };
        ranges.clear();
        free_ranges_into(calendar, table, &mut ranges);
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        slots_in(&ranges, table, rules, query, |s| entries.push((s, index)));
    }
    if calendars.len() > 1 {
        // Stable and run-aware: the per-resource lists are already sorted, so this is a k-way
        // merge, and equal starts keep the agenda's resource order.
        entries.sort_by_key(|e| e.0);
    }
    let mut slots = Vec::with_capacity(entries.len());
    let mut pool = Vec::with_capacity(entries.len());
    let mut i = 0;
    while i < entries.len() {
        let start = entries[i].0;
        let from = u32::try_from(pool.len()).unwrap_or(u32::MAX);
        while i < entries.len() && entries[i].0 == start {
            pool.push(calendars[entries[i].1 as usize].resource);
            i += 1;
        }
        let to = u32::try_from(pool.len()).unwrap_or(u32::MAX);
        slots.push(Slot {
            interval: Interval::from_seconds(start, start + rules.duration),
            free: to - from,
            pool: (from, to),
        });
    }
    Availability { slots, pool }
}

/// §A3: seats left in a group session.
#[must_use]
pub const fn free_seats(capacity: u32, booked: u32, held: u32) -> u32 {
    capacity.saturating_sub(booked.saturating_add(held))
}
