//! JSON text for nested values: business settings, opening hours, custom fields.
//!
//! Written by hand rather than derived so the stored shape is explicit, stable across
//! refactorings of the core's types, and tolerant: a setting missing from an older row reads as
//! its §K default.

use booking_core::booking::BookingStatus;
use booking_core::booking::Target;
use booking_core::ports::store::StoreError;
use booking_core::schedule::{DayHours, OpeningHours, WallRange};
use booking_core::settings::{CalendarSyncOptions, Settings};
use booking_core::time::{Date, SignedDuration, WallTime};
use jiff::civil::Weekday;
use serde_json::{Map, Value, json};

use crate::corrupt;

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

fn parse(text: &str, what: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

fn ranges(ranges: &[WallRange]) -> Value {
    Value::Array(
        ranges.iter().map(|r| json!([r.start().to_string(), r.end().to_string()])).collect(),
    )
}

fn read_ranges(value: &Value) -> Result<Vec<WallRange>, StoreError> {
    let bad = || corrupt("opening hours", value);
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|pair| {
            let time = |i: usize| {
                pair.get(i)
                    .and_then(Value::as_str)
                    .and_then(|t| WallTime::parse(t).ok())
                    .ok_or_else(bad)
            };
            WallRange::new(time(0)?, time(1)?).map_err(|e| corrupt("opening hours", e))
        })
        .collect()
}

/// Opening hours: `{"weekly": [[["09:00","12:00"]], …7], "overrides": {"2027-01-04": []}}`.
#[must_use]
pub fn hours(hours: &OpeningHours) -> String {
    let weekly: Vec<Value> = WEEKDAYS.iter().map(|d| ranges(hours.weekday(*d))).collect();
    let overrides: Map<String, Value> = hours
        .overrides()
        .map(|(date, day)| {
            let open = match day {
                DayHours::Closed => Value::Array(Vec::new()),
                DayHours::Open(r) => ranges(&r),
            };
            (date.to_string(), open)
        })
        .collect();
    json!({ "weekly": weekly, "overrides": overrides }).to_string()
}

/// Reads [`hours`].
pub fn read_hours(text: &str) -> Result<OpeningHours, StoreError> {
    let value = parse(text, "opening hours")?;
    let mut out = OpeningHours::closed();
    if let Some(weekly) = value.get("weekly").and_then(Value::as_array) {
        for (day, list) in WEEKDAYS.iter().zip(weekly) {
            out.set_weekday(*day, read_ranges(list)?);
        }
    }
    if let Some(overrides) = value.get("overrides").and_then(Value::as_object) {
        for (date, list) in overrides {
            let date: Date = date.parse().map_err(|e| corrupt("override date", e))?;
            let open = read_ranges(list)?;
            let day = if open.is_empty() { DayHours::Closed } else { DayHours::Open(open) };
            out.set_override(date, day);
        }
    }
    Ok(out)
}

/// Name–value pairs (custom fields, answers): `[["reason", "passport"]]`, order kept.
#[must_use]
pub fn pairs(pairs: &[(String, String)]) -> String {
    Value::Array(pairs.iter().map(|(k, v)| json!([k, v])).collect()).to_string()
}

/// Reads [`pairs`].
pub fn read_pairs(text: &str) -> Result<Vec<(String, String)>, StoreError> {
    let value = parse(text, "fields")?;
    let bad = || corrupt("fields", text);
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|pair| {
            let part = |i: usize| pair.get(i).and_then(Value::as_str).map(str::to_owned);
            part(0).zip(part(1)).ok_or_else(bad)
        })
        .collect()
}

/// A JSON array of ids (`[3, 1, 2]`, order kept).
#[must_use]
pub fn ids(ids: &[i64]) -> String {
    Value::from(ids.to_vec()).to_string()
}

/// A JSON array of ids (`[3, 1, 2]`, order kept), as the databases aggregate them.
pub fn read_ids(text: &str) -> Result<Vec<i64>, StoreError> {
    let value = parse(text, "ids")?;
    let bad = || corrupt("ids", text);
    value.as_array().ok_or_else(bad)?.iter().map(|v| v.as_i64().ok_or_else(bad)).collect()
}

/// A service's custom fields: `[{"key", "label", "required"}]`.
#[must_use]
pub fn custom_fields(fields: &[booking_core::catalog::CustomField]) -> String {
    Value::Array(
        fields
            .iter()
            .map(|f| json!({"key": f.key, "label": f.label, "required": f.required}))
            .collect(),
    )
    .to_string()
}

/// Reads [`custom_fields`].
pub fn read_custom_fields(
    text: &str,
) -> Result<Vec<booking_core::catalog::CustomField>, StoreError> {
    let value = parse(text, "fields")?;
    let bad = || StoreError::Corrupt(format!("fields: {text}"));
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|f| {
            Ok(booking_core::catalog::CustomField {
                key: f.get("key").and_then(Value::as_str).ok_or_else(bad)?.to_owned(),
                label: f.get("label").and_then(Value::as_str).unwrap_or_default().to_owned(),
                required: f.get("required").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

/// Business settings, every field by name; durations in seconds.
#[must_use]
pub fn settings(s: &Settings) -> String {
    let c = &s.calendar;
    json!({
        "slot_step": s.slot_step.as_secs(),
        "default_status": s.default_status.code(),
        "min_before_booking": s.min_before_booking.as_secs(),
        "min_before_cancel": s.min_before_cancel.as_secs(),
        "min_before_reschedule": s.min_before_reschedule.as_secs(),
        "days_in_advance": s.days_in_advance,
        "customers_may_reschedule": s.customers_may_reschedule,
        "customers_may_delete_profile": s.customers_may_delete_profile,
        "require_password": s.require_password,
        "magic_link_lifetime": s.magic_link_lifetime.as_secs(),
        "hold_ttl": s.hold_ttl.as_secs(),
        "chrono_min_delay_days": s.chrono_min_delay_days,
        "chrono_max_delay_days": s.chrono_max_delay_days,
        "calendar": {
            "add_pending": c.add_pending,
            "customers_as_attendees": c.customers_as_attendees,
            "attendees_see_each_other": c.attendees_see_each_other,
            "send_invitations": c.send_invitations,
            "remove_busy_slots": c.remove_busy_slots,
            "include_buffers": c.include_buffers,
            "add_meeting_link": c.add_meeting_link,
        },
        "appointment_event_title": s.appointment_event_title,
        "event_event_title": s.event_event_title,
        "appointment_event_description": s.appointment_event_description,
        "event_event_description": s.event_event_description,
        "calendar_window_days": s.calendar_window_days,
        "hide_video_links_in_emails": s.hide_video_links_in_emails,
        "hide_video_links_in_panel": s.hide_video_links_in_panel,
        "reminder_before": s.reminder_before.map(|d| d.as_secs()),
        "customers_choose_staff": s.customers_choose_staff,
        "panel_enabled": s.panel_enabled,
        "panel_url": s.panel_url,
        "terms_url": s.terms_url,
        "panel_appointments": s.panel_appointments,
        "panel_events": s.panel_events,
        "frame_ancestors": s.frame_ancestors,
    })
    .to_string()
}

/// Reads [`settings`]; a missing field keeps its default.
pub fn read_settings(text: &str) -> Result<Settings, StoreError> {
    let value = parse(text, "settings")?;
    let d = Settings::default();
    let get = |key: &str| value.get(key);
    let secs = |key: &str, default: SignedDuration| {
        get(key).and_then(Value::as_i64).map_or(default, SignedDuration::from_secs)
    };
    let days = |key: &str, default: u32| {
        get(key).and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok()).unwrap_or(default)
    };
    let flag = |v: Option<&Value>, default: bool| v.and_then(Value::as_bool).unwrap_or(default);
    let text_of =
        |key: &str, default: &str| get(key).and_then(Value::as_str).unwrap_or(default).to_owned();
    let cal = get("calendar");
    let cal_flag = |key: &str, default: bool| flag(cal.and_then(|c| c.get(key)), default);
    let dc = &d.calendar;
    Ok(Settings {
        slot_step: secs("slot_step", d.slot_step),
        default_status: get("default_status")
            .and_then(Value::as_str)
            .and_then(BookingStatus::parse)
            .unwrap_or(d.default_status),
        min_before_booking: secs("min_before_booking", d.min_before_booking),
        min_before_cancel: secs("min_before_cancel", d.min_before_cancel),
        min_before_reschedule: secs("min_before_reschedule", d.min_before_reschedule),
        days_in_advance: days("days_in_advance", d.days_in_advance),
        customers_may_reschedule: flag(get("customers_may_reschedule"), d.customers_may_reschedule),
        customers_may_delete_profile: flag(
            get("customers_may_delete_profile"),
            d.customers_may_delete_profile,
        ),
        require_password: flag(get("require_password"), d.require_password),
        magic_link_lifetime: secs("magic_link_lifetime", d.magic_link_lifetime),
        hold_ttl: secs("hold_ttl", d.hold_ttl),
        chrono_min_delay_days: days("chrono_min_delay_days", d.chrono_min_delay_days),
        chrono_max_delay_days: days("chrono_max_delay_days", d.chrono_max_delay_days),
        calendar: CalendarSyncOptions {
            add_pending: cal_flag("add_pending", dc.add_pending),
            customers_as_attendees: cal_flag("customers_as_attendees", dc.customers_as_attendees),
            attendees_see_each_other: cal_flag(
                "attendees_see_each_other",
                dc.attendees_see_each_other,
            ),
            send_invitations: cal_flag("send_invitations", dc.send_invitations),
            remove_busy_slots: cal_flag("remove_busy_slots", dc.remove_busy_slots),
            include_buffers: cal_flag("include_buffers", dc.include_buffers),
            add_meeting_link: cal_flag("add_meeting_link", dc.add_meeting_link),
        },
        appointment_event_title: text_of("appointment_event_title", &d.appointment_event_title),
        event_event_title: text_of("event_event_title", &d.event_event_title),
        appointment_event_description: text_of(
            "appointment_event_description",
            &d.appointment_event_description,
        ),
        event_event_description: text_of("event_event_description", &d.event_event_description),
        calendar_window_days: days("calendar_window_days", d.calendar_window_days),
        hide_video_links_in_emails: flag(
            get("hide_video_links_in_emails"),
            d.hide_video_links_in_emails,
        ),
        hide_video_links_in_panel: flag(
            get("hide_video_links_in_panel"),
            d.hide_video_links_in_panel,
        ),
        reminder_before: match get("reminder_before") {
            None => d.reminder_before,
            Some(v) => v.as_i64().map(SignedDuration::from_secs),
        },
        customers_choose_staff: flag(get("customers_choose_staff"), d.customers_choose_staff),
        panel_enabled: flag(get("panel_enabled"), d.panel_enabled),
        panel_url: get("panel_url").and_then(Value::as_str).map(str::to_owned),
        terms_url: get("terms_url").and_then(Value::as_str).map(str::to_owned),
        panel_appointments: flag(get("panel_appointments"), d.panel_appointments),
        panel_events: flag(get("panel_events"), d.panel_events),
        frame_ancestors: text_of("frame_ancestors", &d.frame_ancestors),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_default_what_is_missing() {
        let mut s = Settings {
            hold_ttl: SignedDuration::from_mins(3),
            default_status: BookingStatus::Pending,
            appointment_event_title: "%customer_full_name% – %service_name%".into(),
            ..Settings::default()
        };
        s.calendar.remove_busy_slots = true;
        s.panel_url = Some("https://example.org/my-bookings".into());
        s.panel_events = false;
        s.reminder_before = None;
        s.frame_ancestors = "https://example.org".into();
        s.appointment_event_description = "With %customer_full_name%".into();
        s.calendar_window_days = 30;
        assert_eq!(read_settings(&settings(&s)).unwrap(), s);
        assert_eq!(read_settings("{}").unwrap(), Settings::default());
        assert!(read_settings("not json").is_err());
    }

    #[test]
    fn hours_round_trip() {
        let r = |a: &str, b: &str| {
            WallRange::new(WallTime::parse(a).unwrap(), WallTime::parse(b).unwrap()).unwrap()
        };
        let mut h = OpeningHours::closed()
            .on(&[Weekday::Monday, Weekday::Friday], &[r("09:00", "12:00"), r("13:30", "17:00")]);
        h.set_override("2027-01-04".parse().unwrap(), DayHours::Closed);
        h.set_override("2027-01-08".parse().unwrap(), DayHours::Open(vec![r("10:00", "24:00")]));
        assert_eq!(read_hours(&hours(&h)).unwrap(), h);
        assert!(read_hours(r#"{"weekly":[[["12:00","09:00"]]]}"#).is_err());
    }

    #[test]
    fn pairs_keep_order() {
        let p = vec![("b".to_owned(), "2".to_owned()), ("a".to_owned(), "é \"q\"".to_owned())];
        assert_eq!(read_pairs(&pairs(&p)).unwrap(), p);
        assert!(read_pairs(r#"[["only-one"]]"#).is_err());
    }
}

/// One row of the occupancy aggregate (see `sql_booking_store!`'s `occupancy`).
type OccupancyRow = (
    String,         // source: booking | hold
    i64,            // id
    i64,            // resource_id
    i64,            // busy_start_us
    i64,            // busy_end_us
    String,         // status
    Option<String>, // lock_digest
    Option<i64>,    // expires_at_us
    Option<i64>,    // agenda_id
    Option<i64>,    // service_id
    Option<i64>,    // slot_start_us
    Option<i64>,    // slot_end_us
    Option<i64>,    // created_at_us
);

/// What an occupancy aggregate holds.
#[derive(Debug, Default)]
pub struct Aggregate {
    /// Appointments and holds.
    pub occupancy: booking_core::ports::store::Occupancy,
    /// Exceptions by resource.
    pub exceptions: Vec<(booking_core::ids::ResourceId, booking_core::time::Interval)>,
    /// External busy times by resource.
    pub external: Vec<(booking_core::ids::ResourceId, booking_core::time::Interval)>,
}

/// An occupancy aggregate: a JSON array of [`OccupancyRow`]s.
pub fn read_aggregate(
    business: booking_core::ids::BusinessId,
    text: &str,
) -> Result<Aggregate, StoreError> {
    use booking_core::holds::{Hold, LockDigest};
    use booking_core::ids::{AgendaId, BookingId, HoldId, ResourceId, ServiceId};
    use booking_core::ports::store::BusyBooking;
    use booking_core::time::Interval;

    let rows: Vec<OccupancyRow> =
        serde_json::from_str(text).map_err(|e| corrupt("occupancy", e))?;
    let interval = |a: i64, b: i64| {
        Interval::new(crate::instant(a)?, crate::instant(b)?).map_err(|e| corrupt("interval", e))
    };
    let mut out = Aggregate::default();
    for (
        source,
        id,
        resource,
        busy_start,
        busy_end,
        status,
        lock,
        expires,
        agenda,
        service,
        slot_start,
        slot_end,
        created,
    ) in rows
    {
        let resource = ResourceId::new(resource);
        let busy = interval(busy_start, busy_end)?;
        if source == "exception" {
            out.exceptions.push((resource, busy));
        } else if source == "external" {
            out.external.push((resource, busy));
        } else if source == "hold" {
            let need = |v: Option<i64>, what: &str| v.ok_or_else(|| corrupt(what, "missing"));
            let lock = lock
                .as_deref()
                .and_then(LockDigest::from_hex)
                .ok_or_else(|| corrupt("lock digest", "missing"))?;
            out.occupancy.holds.push(Hold {
                id: HoldId::new(id),
                business,
                lock,
                target: Target::Appointment {
                    agenda: AgendaId::new(need(agenda, "agenda_id")?),
                    service: ServiceId::new(need(service, "service_id")?),
                    resource,
                    slot: interval(
                        need(slot_start, "slot_start_us")?,
                        need(slot_end, "slot_end_us")?,
                    )?,
                    busy,
                },
                created_at: crate::instant(need(created, "created_at_us")?)?,
                expires_at: crate::instant(need(expires, "expires_at_us")?)?,
            });
        } else {
            let status = BookingStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?;
            out.occupancy.bookings.push(BusyBooking {
                id: BookingId::new(id),
                resource,
                busy,
                status,
            });
        }
    }
    Ok(out)
}

/// A list of strings as a JSON array.
#[must_use]
pub fn write_strings(items: &[String]) -> String {
    Value::Array(items.iter().cloned().map(Value::String).collect()).to_string()
}

/// Reads [`write_strings`] back.
pub fn read_strings(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("string list", e))
}
