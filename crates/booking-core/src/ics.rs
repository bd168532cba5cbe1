//! iCalendar (RFC 5545): exceptions read from `.ics` files (§A1, §C2) and feeds written for
//! staff and customers (§C8).
//!
//! Reading accepts what calendar programs export: folded lines, `VALUE=DATE` all-day events
//! (`DTEND` exclusive), UTC, `TZID=` (IANA names) and floating times (read in the resource's
//! zone), `DURATION` in place of `DTEND`. Cancelled events are ignored; repeating events
//! (`RRULE`) and unknown zones are skipped and reported, never guessed.
//!
//! Writing produces `VCALENDAR`s with CRLF line ends, lines folded at 75 octets, escaped text,
//! UTC instants, and a stable `UID` and growing `SEQUENCE` per booking so that calendar clients
//! update and cancel events instead of duplicating them.

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Span, Timestamp};

use crate::schedule::Exception;
use crate::time::{Interval, Zone};

/// The most events one file may hold.
pub const MAX_EVENTS: usize = 10_000;

/// What an import found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Exceptions to add, in file order.
    pub exceptions: Vec<Exception>,
    /// Events left out, each with why (`"Christmas: repeating events (RRULE) are not imported"`).
    pub skipped: Vec<String>,
}

/// A file that is not an iCalendar stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// No `BEGIN:VCALENDAR`.
    #[error("this is not an iCalendar file (no BEGIN:VCALENDAR)")]
    NotACalendar,
    /// More than [`MAX_EVENTS`] events.
    #[error("an iCalendar file holds at most {MAX_EVENTS} events")]
    TooManyEvents,
    /// A `BEGIN:VEVENT` without its `END:VEVENT`.
    #[error("an event is not closed (BEGIN:VEVENT without END:VEVENT)")]
    Unclosed,
}

crate::error::error_codes!(IcsError, |_e| (crate::error::Kind::Invalid, "invalid_ics"));

/// One content line: name, parameters, value.
struct Line<'a> {
    name: String,
    params: Vec<(String, String)>,
    value: &'a str,
}

impl Line<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Unfolds continuation lines (a line starting with a space or tab continues the previous one).
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match raw.chars().next() {
            Some(' ' | '\t') if !lines.is_empty() => {
                if let Some(last) = lines.last_mut() {
                    last.push_str(&raw[1..]);
                }
            }
            _ => lines.push(raw.to_owned()),
        }
    }
    lines
}

/// Splits `NAME;P=V;P2="a:b":value`, honouring quoted parameter values.
fn parse_line(line: &str) -> Option<Line<'_>> {
    let mut in_quotes = false;
    let colon = line.char_indices().find(|&(_, c)| {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        c == ':' && !in_quotes
    })?;
    let (head, value) = (&line[..colon.0], &line[colon.0 + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim().to_ascii_uppercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_uppercase(), v.trim_matches('"').to_owned()))
        })
        .collect();
    Some(Line { name, params, value })
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A DTSTART/DTEND value.
#[derive(Clone, Copy, Debug)]
enum When {
    Day(Date),
    At(Timestamp),
}

fn parse_when(line: &Line<'_>, zone: &Zone) -> Result<When, String> {
    let v = line.value.trim();
    let date = |t: &str| -> Result<Date, String> {
        let bad = || format!("{t:?} is not a date");
        if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n = |r: std::ops::Range<usize>| t[r].parse::<i16>().map_err(|_| bad());
        Date::new(
            n(0..4)?,
            i8::try_from(n(4..6)?).map_err(|_| bad())?,
            i8::try_from(n(6..8)?).map_err(|_| bad())?,
        )
        .map_err(|_| bad())
    };
    if line.param("VALUE") == Some("DATE") || v.len() == 8 {
        return Ok(When::Day(date(v)?));
    }
    let (d, rest) = v.split_once('T').ok_or_else(|| format!("{v:?} is not a date-time"))?;
    let (time, utc) = match rest.strip_suffix('Z') {
        Some(t) => (t, true),
        None => (rest, false),
    };
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{v:?} is not a date-time"));
    }
    let n = |r: std::ops::Range<usize>| time[r].parse::<i8>().map_err(|_| format!("{v:?}"));
    let wall = DateTime::from_parts(
        date(d)?,
        jiff::civil::Time::new(n(0..2)?, n(2..4)?, n(4..6)?.min(59), 0)
            .map_err(|_| format!("{v:?} is not a time"))?,
    );
    if utc {
        return wall
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| When::At(z.timestamp()))
            .map_err(|e| e.to_string());
    }
    let zone = match line.param("TZID") {
        Some(name) => Zone::parse(name.trim_start_matches('/'))
            .map_err(|_| format!("unknown time zone {name:?}"))?,
        None => zone.clone(),
    };
    zone.instant_of(wall)
        .map(When::At)
        .ok_or_else(|| format!("{v:?} does not exist in {}", zone.name()))
}

#[derive(Default)]
struct Draft<'a> {
    start: Option<Line<'a>>,
    end: Option<Line<'a>>,
    duration: Option<&'a str>,
    summary: String,
    repeats: bool,
    cancelled: bool,
}

fn finish(draft: &Draft<'_>, zone: &Zone) -> Result<Option<Exception>, String> {
    if draft.cancelled {
        return Ok(None);
    }
    if draft.repeats {
        return Err("repeating events (RRULE) are not imported".to_owned());
    }
    let start = draft.start.as_ref().ok_or("no DTSTART")?;
    let label = draft.summary.clone();
    let duration = draft
        .duration
        .map(|d| {
            let span = d.trim().parse::<Span>().map_err(|_| format!("{d:?} is not a duration"))?;
            if span.get_years() != 0 || span.get_months() != 0 {
                return Err(format!("{d:?}: years and months are not a fixed duration"));
            }
            let seconds = i64::from(span.get_weeks()) * 7 * 86_400
                + i64::from(span.get_days()) * 86_400
                + i64::from(span.get_hours()) * 3_600
                + span.get_minutes() * 60
                + span.get_seconds();
            Ok(SignedDuration::from_secs(seconds))
        })
        .transpose()?;
    match (parse_when(start, zone)?, draft.end.as_ref().map(|e| parse_when(e, zone)).transpose()?) {
        (When::Day(first), end) => {
            let last = match end {
                Some(When::Day(end)) => end.yesterday().map_err(|e| e.to_string())?,
                Some(When::At(_)) => return Err("DTSTART is a date but DTEND a date-time".into()),
                None => match duration {
                    Some(d) if d.as_hours() >= 24 => {
                        let days = d.as_hours() / 24;
                        first.checked_add(Span::new().days(days - 1)).map_err(|e| e.to_string())?
                    }
                    _ => first,
                },
            };
            Exception::all_day(zone, first, last.max(first), &label)
                .map(Some)
                .ok_or_else(|| "the dates are out of range".to_owned())
        }
        (When::At(from), end) => {
            let to = match (end, duration) {
                (Some(When::At(to)), _) => to,
                (Some(When::Day(_)), _) => {
                    return Err("DTSTART is a date-time but DTEND a date".into());
                }
                (None, Some(d)) => from.checked_add(d).map_err(|e| e.to_string())?,
                (None, None) => return Ok(None), // an instant blocks nothing
            };
            let interval = Interval::new(from, to)
                .map_err(|_| "the event ends before it starts".to_owned())?;
            Ok(Some(Exception { id: None, interval, label }))
        }
    }
}

/// Reads the events of an `.ics` file as exceptions; floating times are in `zone`.
pub fn import(text: &str, zone: &Zone) -> Result<Imported, IcsError> {
    let lines = unfold(text);
    if !lines.iter().any(|l| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR")) {
        return Err(IcsError::NotACalendar);
    }
    let mut out = Imported::default();
    let mut current: Option<Draft<'_>> = None;
    let mut events = 0;
    let mut depth = 0; // nested components inside a VEVENT (VALARM)
    for raw in &lines {
        let Some(line) = parse_line(raw) else { continue };
        match (line.name.as_str(), line.value.trim().to_ascii_uppercase().as_str()) {
            ("BEGIN", "VEVENT") => {
                events += 1;
                if events > MAX_EVENTS {
                    return Err(IcsError::TooManyEvents);
                }
                current = Some(Draft::default());
            }
            ("END", "VEVENT") => {
                let draft = current.take().ok_or(IcsError::Unclosed)?;
                match finish(&draft, zone) {
                    Ok(Some(e)) => out.exceptions.push(e),
                    Ok(None) => {}
                    Err(why) => {
                        let name =
                            if draft.summary.is_empty() { "an event" } else { &draft.summary };
                        out.skipped.push(format!("{name}: {why}"));
                    }
                }
            }
            ("BEGIN", _) if current.is_some() => depth += 1,
            ("END", _) if current.is_some() && depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ => {
                if let Some(draft) = current.as_mut() {
                    match line.name.as_str() {
                        "DTSTART" => draft.start = Some(line),
                        "DTEND" => draft.end = Some(line),
                        "DURATION" => draft.duration = Some(line.value),
                        "SUMMARY" => {
                            draft.summary = unescape(line.value).chars().take(500).collect();
                        }
                        "RRULE" | "RDATE" => draft.repeats = true,
                        "STATUS" => {
                            draft.cancelled = line.value.trim().eq_ignore_ascii_case("CANCELLED");
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if current.is_some() {
        return Err(IcsError::Unclosed);
    }
    Ok(out)
}

/// The state of an event in a feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedStatus {
    /// Booked and approved.
    Confirmed,
    /// Awaiting approval.
    Tentative,
    /// Canceled or rejected: clients remove it.
    Cancelled,
}

/// One event of a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEvent {
    /// Stable across changes (`booking-7@example.org`).
    pub uid: String,
    /// Grows with every change of the event.
    pub sequence: u32,
    /// When.
    pub interval: Interval,
    /// Title.
    pub summary: String,
    /// Details.
    pub description: String,
    /// Where, when known.
    pub location: Option<String>,
    /// The video meeting to join, for an online appointment (RFC 7986 `CONFERENCE`).
    pub conference: Option<String>,
    /// State.
    pub status: FeedStatus,
    /// When it last changed.
    pub stamp: Timestamp,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets on character boundaries, ended by CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn write_event(out: &mut String, e: &FeedEvent, organizer: Option<&str>) {
    push_line(out, "BEGIN:VEVENT");
    push_line(out, &format!("UID:{}", escape(&e.uid)));
    push_line(out, &format!("SEQUENCE:{}", e.sequence));
    push_line(out, &format!("DTSTAMP:{}", utc(e.stamp)));
    push_line(out, &format!("DTSTART:{}", utc(e.interval.start())));
    push_line(out, &format!("DTEND:{}", utc(e.interval.end())));
    push_line(out, &format!("SUMMARY:{}", escape(&e.summary)));
    if !e.description.is_empty() {
        push_line(out, &format!("DESCRIPTION:{}", escape(&e.description)));
    }
    if let Some(l) = &e.location {
        push_line(out, &format!("LOCATION:{}", escape(l)));
    }
    if let Some(url) = &e.conference {
        push_line(out, &format!("CONFERENCE;VALUE=URI;FEATURE=VIDEO:{}", escape(url)));
    }
    if let Some(email) = organizer {
        push_line(out, &format!("ORGANIZER:mailto:{email}"));
    }
    let status = match e.status {
        FeedStatus::Confirmed => "CONFIRMED",
        FeedStatus::Tentative => "TENTATIVE",
        FeedStatus::Cancelled => "CANCELLED",
    };
    push_line(out, &format!("STATUS:{status}"));
    push_line(out, "END:VEVENT");
}

fn begin(out: &mut String, method: &str) {
    for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//booking//booking-engine//EN"] {
        push_line(out, line);
    }
    push_line(out, "CALSCALE:GREGORIAN");
    push_line(out, &format!("METHOD:{method}"));
}

/// A `VCALENDAR` named `name` with `events` (a subscribed feed: `METHOD:PUBLISH`).
#[must_use]
pub fn feed(name: &str, events: &[FeedEvent]) -> String {
    let mut out = String::new();
    begin(&mut out, "PUBLISH");
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        write_event(&mut out, e, None);
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// An invitation attached to an email (RFC 5546): `method` is `REQUEST` for a booking that
/// holds and `CANCEL` when it no longer does; the same UID updates or removes the event.
#[must_use]
pub fn invitation(method: &str, organizer: Option<&str>, event: &FeedEvent) -> String {
    let mut out = String::new();
    begin(&mut out, method);
    write_event(&mut out, event, organizer);
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> Zone {
        Zone::parse("Europe/Paris").unwrap()
    }

    fn at(t: &str) -> Timestamp {
        t.parse().unwrap()
    }

    const FILE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20271225\r\nDTEND;VALUE=DATE:20271226\r\nSUMMARY:No\r\n ël\\, fermé\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTART;TZID=America/New_York:20270310T090000\r\nDURATION:PT1H30M\r\nSUMMARY:Call\r\n\
BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nDTSTART:19700101T000000\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART:20270104T120000Z\r\nDTEND:20270104T133000Z\r\nSUMMARY:Lunch\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART:20270105T090000\r\nDTEND:20270105T100000\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:New year\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART:20270106T090000\r\nDTEND:20270106T100000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART;TZID=Mars/Base:20270107T090000\r\nDTEND;TZID=Mars/Base:20270107T100000\r\nSUMMARY:Away\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270801\r\nDTEND;VALUE=DATE:20270815\r\nSUMMARY:Holidays\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn imports_what_calendar_programs_export() {
        let got = import(FILE, &paris()).unwrap();
        let found: Vec<(Timestamp, Timestamp, &str)> = got
            .exceptions
            .iter()
            .map(|e| (e.interval.start(), e.interval.end(), e.label.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                (at("2027-12-24T23:00:00Z"), at("2027-12-25T23:00:00Z"), "Noël, fermé"),
                (at("2027-03-10T14:00:00Z"), at("2027-03-10T15:30:00Z"), "Call"),
                (at("2027-01-04T12:00:00Z"), at("2027-01-04T13:30:00Z"), "Lunch"),
                (at("2027-01-05T08:00:00Z"), at("2027-01-05T09:00:00Z"), "Floating"),
                (at("2027-07-31T22:00:00Z"), at("2027-08-14T22:00:00Z"), "Holidays"),
            ]
        );
        assert_eq!(got.skipped.len(), 2, "{:?}", got.skipped);
        assert!(got.skipped[0].starts_with("New year: repeating"));
        assert!(got.skipped[1].contains("Mars/Base"));
    }

    #[test]
    fn refuses_what_is_not_a_calendar() {
        assert_eq!(import("hello", &paris()), Err(IcsError::NotACalendar));
        assert_eq!(
            import("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101T000000Z\n", &paris()),
            Err(IcsError::Unclosed)
        );
    }

    #[test]
    fn feeds_fold_escape_and_end_lines_with_crlf() {
        let event = FeedEvent {
            uid: "booking-7@example.org".into(),
            sequence: 2,
            interval: Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T08:30:00Z"))
                .unwrap(),
            summary: "Passeport; Ana, Lima".into(),
            description: format!("Une très longue description {}", "é".repeat(60)),
            location: None,
            conference: None,
            status: FeedStatus::Cancelled,
            stamp: at("2027-01-01T10:00:00Z"),
        };
        let text = feed("Guichet 1", &[event]);
        assert!(text.split("\r\n").all(|l| l.len() <= 75), "{text}");
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(text.contains("SUMMARY:Passeport\\; Ana\\, Lima\r\n"));
        assert!(text.contains("DTSTART:20270104T080000Z\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        assert!(text.contains("SEQUENCE:2\r\n"));
        // What we write, we read back.
        let back = import(&text, &paris()).unwrap();
        assert!(back.exceptions.is_empty(), "a cancelled event blocks nothing");
        let unfolded = unfold(&text).join("\n");
        assert!(unfolded.contains(&"é".repeat(60)));
    }
}
