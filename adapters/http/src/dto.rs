//! The JSON shapes of the API and their conversions to and from the core's types.
//!
//! Instants are RFC 3339 strings with the offset of the zone they are shown in; durations are
//! whole minutes (`*_minutes`); money is integer minor units; wall times are `HH:MM`.

use std::collections::BTreeMap;

use booking_core::BookingStatus;
use booking_core::access::ApiKey;
use booking_core::app::When;
use booking_core::app::business::ProfileChange;
use booking_core::app::commands::Wanted;
use booking_core::booking::{Booking, HistoryEntry, Target};
use booking_core::catalog::{
    Agenda, Business, Contact, Email, Event, EventKind, Resource, ResourceKind, Service, Session,
};
use booking_core::holds::Hold;
use booking_core::schedule::{DayHours, Exception, OpeningHours, WallRange};
use booking_core::settings::{CalendarSyncOptions, Settings, SettingsChange};
use booking_core::time::{Interval, WallTime, Zone};
use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::Problem;

/// An instant as RFC 3339 in `zone` (`2027-01-04T09:00:00+01:00`).
#[must_use]
pub fn instant(at: Timestamp, zone: &Zone) -> String {
    at.to_zoned(zone.tz().clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Reads an RFC 3339 instant (an offset or `Z` is required).
pub fn parse_instant(field: &str, text: &str) -> Result<Timestamp, Problem> {
    text.parse::<Timestamp>().map_err(|_| {
        Problem::invalid(format!(
            "`{field}` must be an RFC 3339 instant with an offset, like 2027-01-04T09:00:00+01:00"
        ))
    })
}

/// Reads an IANA zone name.
pub fn parse_zone(field: &str, text: &str) -> Result<Zone, Problem> {
    Zone::parse(text)
        .map_err(|_| Problem::invalid(format!("`{field}`: {text:?} is not an IANA time zone")))
}

/// Reads a date (`2027-01-04`).
pub fn parse_date(field: &str, text: &str) -> Result<Date, Problem> {
    text.parse::<Date>()
        .map_err(|_| Problem::invalid(format!("`{field}` must be a date like 2027-01-04")))
}

/// Reads an instant, or a date meaning its local midnight in `zone`.
pub fn parse_instant_or_date(field: &str, text: &str, zone: &Zone) -> Result<Timestamp, Problem> {
    Ok(match when(field, text)? {
        When::At(t) => t,
        When::Day(d) => zone.start_of_day(d),
    })
}

/// Reads an RFC 3339 instant, or a date (`2027-01-04`) the core places in a zone.
pub fn when(field: &str, text: &str) -> Result<When, Problem> {
    if text.len() == 10 {
        Ok(When::Day(parse_date(field, text)?))
    } else {
        Ok(When::At(parse_instant(field, text)?))
    }
}

fn minutes(d: SignedDuration) -> i64 {
    d.as_secs() / 60
}

/// Whole minutes as a duration (the core checks its range; this only refuses a number of
/// minutes no duration holds).
pub fn from_minutes(field: &str, m: i64) -> Result<SignedDuration, Problem> {
    m.checked_mul(60)
        .map(SignedDuration::from_secs)
        .ok_or_else(|| Problem::invalid(format!("`{field}` is a number of minutes")))
}

fn parse_email(field: &str, text: Option<String>) -> Result<Option<Email>, Problem> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| Email::parse(&t).map_err(|e| Problem::invalid(format!("`{field}`: {e}"))))
        .transpose()
}

/// The status new bookings get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewStatus {
    /// Booked at once.
    Approved,
    /// Awaiting staff approval.
    Pending,
}

impl From<NewStatus> for BookingStatus {
    fn from(s: NewStatus) -> Self {
        match s {
            NewStatus::Approved => Self::Approved,
            NewStatus::Pending => Self::Pending,
        }
    }
}

/// What a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A staff member.
    Staff,
    /// A desk, room or counter.
    Desk,
}

/// An event or a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Offering {
    /// A one-off event.
    Event,
    /// Several sessions sold together.
    Course,
}

/// The role an API key acts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// Everything in the business.
    Admin,
    /// Set-up and bookings.
    Manager,
    /// Bookings for customers (back office).
    Agent,
    /// One staff member's own agenda (`subject`: the staff resource).
    Staff,
    /// One customer (`subject`: the customer record).
    Customer,
}

impl From<KeyRole> for booking_core::booking::Role {
    fn from(r: KeyRole) -> Self {
        match r {
            KeyRole::Admin => Self::Admin,
            KeyRole::Manager => Self::Manager,
            KeyRole::Agent => Self::Agent,
            KeyRole::Staff => Self::Staff,
            KeyRole::Customer => Self::Customer,
        }
    }
}

// ---------------------------------------------------------------- business and settings

/// A business (tenant).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BusinessOut {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// IANA zone of its wall times.
    pub zone: String,
    /// `fr` or `en`.
    pub locale: String,
    /// Contact email.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

impl From<&Business> for BusinessOut {
    fn from(b: &Business) -> Self {
        Self {
            id: b.id.get(),
            name: b.name.clone(),
            zone: b.zone.name().to_owned(),
            locale: b.locale.code().to_owned(),
            email: b.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: b.phone.clone(),
            address: b.address.clone(),
        }
    }
}

/// Changes to a business's profile: only the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessPatch {
    /// Display name.
    pub name: Option<String>,
    /// IANA zone.
    pub zone: Option<String>,
    /// `fr` or `en`.
    pub locale: Option<String>,
    /// Contact email (empty string clears it).
    pub email: Option<String>,
    /// Contact phone (empty string clears it).
    pub phone: Option<String>,
    /// Postal address (empty string clears it).
    pub address: Option<String>,
}

fn clearable(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl From<BusinessPatch> for ProfileChange {
    fn from(p: BusinessPatch) -> Self {
        Self {
            name: p.name,
            zone: p.zone,
            locale: p.locale,
            email: p.email,
            phone: p.phone,
            address: p.address,
        }
    }
}

/// Every setting of a business. Durations in minutes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingsOut {
    /// Grid step of slots.
    pub slot_step_minutes: i64,
    /// Status of new bookings: `approved` or `pending`.
    pub default_status: String,
    /// Minimum notice before a booking.
    pub min_before_booking_minutes: i64,
    /// Minimum time before a customer cancels.
    pub min_before_cancel_minutes: i64,
    /// Minimum time before a customer reschedules.
    pub min_before_reschedule_minutes: i64,
    /// How many days ahead slots are offered.
    pub days_in_advance: u32,
    /// Customers may reschedule their appointments.
    pub customers_may_reschedule: bool,
    /// Customers may delete their profile.
    pub customers_may_delete_profile: bool,
    /// Customers log in with a password (else magic links).
    pub require_password: bool,
    /// Lifetime of magic links.
    pub magic_link_lifetime_minutes: i64,
    /// Lifetime of holds.
    pub hold_ttl_minutes: i64,
    /// Chrono: minimum delay in days.
    pub chrono_min_delay_days: u32,
    /// Chrono: maximum delay in days.
    pub chrono_max_delay_days: u32,
    /// Calendar sync options.
    pub calendar: CalendarOptions,
    /// Title of calendar events for appointments.
    pub appointment_event_title: String,
    /// Title of calendar events for events.
    pub event_event_title: String,
    /// Description of calendar events for appointments.
    pub appointment_event_description: String,
    /// Description of calendar events for events.
    pub event_event_description: String,
    /// How many days ahead employees' busy times are pulled.
    pub calendar_window_days: u32,
    /// Hide video links from emails.
    pub hide_video_links_in_emails: bool,
    /// Hide video links from the customer panel.
    pub hide_video_links_in_panel: bool,
    /// Reminder email this long before each appointment or session (0: none).
    pub reminder_minutes_before: i64,
    /// The public booking page lets customers choose the staff member.
    pub customers_choose_staff: bool,
    /// Customers can sign up, log in and use the panel.
    pub panel_enabled: bool,
    /// The page of the business's site embedding the panel (links in emails lead there).
    pub panel_url: Option<String>,
    /// The business's terms of use (linked from sign-up and the booking confirmation).
    pub terms_url: Option<String>,
    /// The panel lists appointments.
    pub panel_appointments: bool,
    /// The panel lists events and courses.
    pub panel_events: bool,
    /// Origins allowed to frame the pages (CSP `frame-ancestors`), space-separated.
    pub frame_ancestors: String,
}

/// Calendar sync options.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarOptions {
    /// Push pending appointments too (as tentative).
    pub add_pending: bool,
    /// Add customers as attendees.
    pub customers_as_attendees: bool,
    /// Attendees see each other.
    pub attendees_see_each_other: bool,
    /// Let the provider send invitations.
    pub send_invitations: bool,
    /// Busy events of the calendar remove availability.
    pub remove_busy_slots: bool,
    /// Include buffers in pushed events.
    pub include_buffers: bool,
    /// Add a Google Meet / Teams link.
    pub add_meeting_link: bool,
}

impl From<&CalendarSyncOptions> for CalendarOptions {
    fn from(c: &CalendarSyncOptions) -> Self {
        Self {
            add_pending: c.add_pending,
            customers_as_attendees: c.customers_as_attendees,
            attendees_see_each_other: c.attendees_see_each_other,
            send_invitations: c.send_invitations,
            remove_busy_slots: c.remove_busy_slots,
            include_buffers: c.include_buffers,
            add_meeting_link: c.add_meeting_link,
        }
    }
}

impl From<CalendarOptions> for CalendarSyncOptions {
    fn from(c: CalendarOptions) -> Self {
        Self {
            add_pending: c.add_pending,
            customers_as_attendees: c.customers_as_attendees,
            attendees_see_each_other: c.attendees_see_each_other,
            send_invitations: c.send_invitations,
            remove_busy_slots: c.remove_busy_slots,
            include_buffers: c.include_buffers,
            add_meeting_link: c.add_meeting_link,
        }
    }
}

impl From<&Settings> for SettingsOut {
    fn from(s: &Settings) -> Self {
        Self {
            slot_step_minutes: minutes(s.slot_step),
            default_status: s.default_status.code().to_owned(),
            min_before_booking_minutes: minutes(s.min_before_booking),
            min_before_cancel_minutes: minutes(s.min_before_cancel),
            min_before_reschedule_minutes: minutes(s.min_before_reschedule),
            days_in_advance: s.days_in_advance,
            customers_may_reschedule: s.customers_may_reschedule,
            customers_may_delete_profile: s.customers_may_delete_profile,
            require_password: s.require_password,
            magic_link_lifetime_minutes: minutes(s.magic_link_lifetime),
            hold_ttl_minutes: minutes(s.hold_ttl),
            chrono_min_delay_days: s.chrono_min_delay_days,
            chrono_max_delay_days: s.chrono_max_delay_days,
            calendar: (&s.calendar).into(),
            appointment_event_title: s.appointment_event_title.clone(),
            event_event_title: s.event_event_title.clone(),
            appointment_event_description: s.appointment_event_description.clone(),
            event_event_description: s.event_event_description.clone(),
            calendar_window_days: s.calendar_window_days,
            hide_video_links_in_emails: s.hide_video_links_in_emails,
            hide_video_links_in_panel: s.hide_video_links_in_panel,
            reminder_minutes_before: s.reminder_before.map_or(0, minutes),
            customers_choose_staff: s.customers_choose_staff,
            panel_enabled: s.panel_enabled,
            panel_url: s.panel_url.clone(),
            terms_url: s.terms_url.clone(),
            panel_appointments: s.panel_appointments,
            panel_events: s.panel_events,
            frame_ancestors: s.frame_ancestors.clone(),
        }
    }
}

/// Changes to settings: only the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// Grid step of slots (1 to 1440).
    pub slot_step_minutes: Option<i64>,
    /// `approved` or `pending`.
    pub default_status: Option<NewStatus>,
    /// Minimum notice before a booking.
    pub min_before_booking_minutes: Option<i64>,
    /// Minimum time before a customer cancels.
    pub min_before_cancel_minutes: Option<i64>,
    /// Minimum time before a customer reschedules.
    pub min_before_reschedule_minutes: Option<i64>,
    /// Days ahead slots are offered (1 to 1000).
    pub days_in_advance: Option<u32>,
    /// Customers may reschedule.
    pub customers_may_reschedule: Option<bool>,
    /// Customers may delete their profile.
    pub customers_may_delete_profile: Option<bool>,
    /// Customers log in with a password.
    pub require_password: Option<bool>,
    /// Lifetime of magic links.
    pub magic_link_lifetime_minutes: Option<i64>,
    /// Lifetime of holds (1 to 1440).
    pub hold_ttl_minutes: Option<i64>,
    /// Chrono minimum delay in days.
    pub chrono_min_delay_days: Option<u32>,
    /// Chrono maximum delay in days.
    pub chrono_max_delay_days: Option<u32>,
    /// Calendar sync options, all at once.
    pub calendar: Option<CalendarOptions>,
    /// Title template of appointment events.
    pub appointment_event_title: Option<String>,
    /// Title template of event events.
    pub event_event_title: Option<String>,
    /// Description template of appointment events.
    pub appointment_event_description: Option<String>,
    /// Description template of event events.
    pub event_event_description: Option<String>,
    /// Days ahead of busy-time pulls, 1 to 730.
    pub calendar_window_days: Option<u32>,
    /// Hide video links from emails.
    pub hide_video_links_in_emails: Option<bool>,
    /// Hide video links from the panel.
    pub hide_video_links_in_panel: Option<bool>,
    /// Reminder email this long before each appointment or session (0 to 43200; 0: none).
    pub reminder_minutes_before: Option<i64>,
    /// The public booking page lets customers choose the staff member.
    pub customers_choose_staff: Option<bool>,
    /// Customers can sign up, log in and use the panel.
    pub panel_enabled: Option<bool>,
    /// `http(s)://` URL of the page embedding the panel; `""` removes it.
    pub panel_url: Option<String>,
    /// `http(s)://` URL of the business's terms of use; `""` removes it.
    pub terms_url: Option<String>,
    /// The panel lists appointments.
    pub panel_appointments: Option<bool>,
    /// The panel lists events and courses.
    pub panel_events: Option<bool>,
    /// Up to 10 origins (`https://example.org`, `https://*.example.org`) allowed to frame the
    /// pages, space-separated; `""`: only the engine itself.
    pub frame_ancestors: Option<String>,
}

impl From<SettingsPatch> for SettingsChange {
    fn from(p: SettingsPatch) -> Self {
        Self {
            slot_step_minutes: p.slot_step_minutes,
            default_status: p.default_status.map(Into::into),
            min_before_booking_minutes: p.min_before_booking_minutes,
            min_before_cancel_minutes: p.min_before_cancel_minutes,
            min_before_reschedule_minutes: p.min_before_reschedule_minutes,
            days_in_advance: p.days_in_advance,
            customers_may_reschedule: p.customers_may_reschedule,
            customers_may_delete_profile: p.customers_may_delete_profile,
            require_password: p.require_password,
            magic_link_lifetime_minutes: p.magic_link_lifetime_minutes,
            hold_ttl_minutes: p.hold_ttl_minutes,
            chrono_min_delay_days: p.chrono_min_delay_days,
            chrono_max_delay_days: p.chrono_max_delay_days,
            calendar: p.calendar.map(Into::into),
            appointment_event_title: p.appointment_event_title,
            event_event_title: p.event_event_title,
            appointment_event_description: p.appointment_event_description,
            event_event_description: p.event_event_description,
            calendar_window_days: p.calendar_window_days,
            hide_video_links_in_emails: p.hide_video_links_in_emails,
            hide_video_links_in_panel: p.hide_video_links_in_panel,
            reminder_minutes_before: p.reminder_minutes_before,
            customers_choose_staff: p.customers_choose_staff,
            panel_enabled: p.panel_enabled,
            panel_url: p.panel_url,
            terms_url: p.terms_url,
            panel_appointments: p.panel_appointments,
            panel_events: p.panel_events,
            frame_ancestors: p.frame_ancestors,
        }
    }
}

// ---------------------------------------------------------------- opening hours

/// Weekly hours and date overrides, in the resource's wall time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursDto {
    /// Per weekday (`monday` … `sunday`), a list of `["HH:MM", "HH:MM"]` ranges; a missing day is
    /// closed.
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    /// Dates with other hours (an empty list: closed that day).
    #[serde(default)]
    pub overrides: Vec<OverrideDto>,
}

/// Other hours on one date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideDto {
    /// The local date.
    pub date: String,
    /// Ranges that day; empty: closed.
    pub hours: Vec<[String; 2]>,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

fn ranges_out(ranges: &[WallRange]) -> Vec<[String; 2]> {
    ranges.iter().map(|r| [r.start().to_string(), r.end().to_string()]).collect()
}

fn ranges_in(field: &str, ranges: &[[String; 2]]) -> Result<Vec<WallRange>, Problem> {
    ranges
        .iter()
        .map(|[a, b]| {
            let wall = |t: &str| {
                WallTime::parse(t).map_err(|e| Problem::invalid(format!("`{field}`: {e}")))
            };
            WallRange::new(wall(a)?, wall(b)?)
                .map_err(|e| Problem::invalid(format!("`{field}`: {e}")))
        })
        .collect()
}

impl From<&OpeningHours> for HoursDto {
    fn from(h: &OpeningHours) -> Self {
        let weekly = WEEKDAYS
            .iter()
            .filter(|(_, d)| !h.weekday(*d).is_empty())
            .map(|(name, d)| ((*name).to_owned(), ranges_out(h.weekday(*d))))
            .collect();
        let overrides = h
            .overrides()
            .map(|(date, hours)| OverrideDto {
                date: date.to_string(),
                hours: match hours {
                    DayHours::Closed => Vec::new(),
                    DayHours::Open(r) => ranges_out(&r),
                },
            })
            .collect();
        Self { weekly, overrides }
    }
}

impl HoursDto {
    /// The core's opening hours.
    pub fn to_core(&self) -> Result<OpeningHours, Problem> {
        let mut hours = OpeningHours::closed();
        for (name, ranges) in &self.weekly {
            let day =
                WEEKDAYS.iter().find(|(n, _)| n == name).map(|(_, d)| *d).ok_or_else(|| {
                    Problem::invalid(format!("`weekly`: {name:?} is not a weekday"))
                })?;
            hours.set_weekday(day, ranges_in(&format!("weekly.{name}"), ranges)?);
        }
        for o in &self.overrides {
            let date = parse_date("overrides.date", &o.date)?;
            let ranges = ranges_in("overrides.hours", &o.hours)?;
            let day = if ranges.is_empty() { DayHours::Closed } else { DayHours::Open(ranges) };
            hours.set_override(date, day);
        }
        Ok(hours)
    }
}

// ---------------------------------------------------------------- resources

/// A staff member or desk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResourceOut {
    /// Id.
    pub id: i64,
    /// `staff` or `desk`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Staff email.
    pub email: Option<String>,
    /// IANA zone of its hours.
    pub zone: String,
    /// Opening hours.
    pub hours: HoursDto,
}

impl From<&Resource> for ResourceOut {
    fn from(r: &Resource) -> Self {
        Self {
            id: r.id.get(),
            kind: match r.kind {
                ResourceKind::Staff => "staff",
                ResourceKind::Desk => "desk",
            }
            .to_owned(),
            name: r.name.clone(),
            email: r.email.as_ref().map(|e| e.as_str().to_owned()),
            zone: r.zone.name().to_owned(),
            hours: (&r.hours).into(),
        }
    }
}

/// A resource to create or replace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceIn {
    /// `staff` or `desk`.
    pub kind: Kind,
    /// Display name.
    pub name: String,
    /// Staff email.
    #[serde(default)]
    pub email: Option<String>,
    /// IANA zone (default: the business zone).
    #[serde(default)]
    pub zone: Option<String>,
    /// Opening hours (default: closed).
    #[serde(default)]
    pub hours: HoursDto,
}

impl ResourceIn {
    /// The core's resource (id and business are set by the use case).
    pub fn to_core(&self, business: &Business, id: i64) -> Result<Resource, Problem> {
        let kind = match self.kind {
            Kind::Staff => ResourceKind::Staff,
            Kind::Desk => ResourceKind::Desk,
        };
        let zone = match &self.zone {
            Some(z) => parse_zone("zone", z)?,
            None => business.zone.clone(),
        };
        Ok(Resource {
            id: booking_core::ids::ResourceId::new(id),
            business: business.id,
            kind,
            name: self.name.trim().to_owned(),
            email: parse_email("email", self.email.clone())?,
            zone,
            hours: self.hours.to_core()?,
        })
    }
}

/// An exception (time off, holiday).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExceptionOut {
    /// Id.
    pub id: Option<i64>,
    /// First instant.
    pub start: String,
    /// End (exclusive).
    pub end: String,
    /// Label.
    pub label: String,
}

impl ExceptionOut {
    /// In `zone`.
    #[must_use]
    pub fn new(e: &Exception, zone: &Zone) -> Self {
        Self {
            id: e.id.map(booking_core::ids::ExceptionId::get),
            start: instant(e.interval.start(), zone),
            end: instant(e.interval.end(), zone),
            label: e.label.clone(),
        }
    }
}

/// An exception to add.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionIn {
    /// First instant (RFC 3339) or first date (all day, local).
    pub start: String,
    /// End instant (exclusive) or last date (inclusive, all day).
    pub end: String,
    /// Label shown to staff.
    #[serde(default)]
    pub label: String,
}

impl ExceptionIn {
    /// The core's exception.
    pub fn to_core(&self, zone: &Zone) -> Result<Exception, Problem> {
        if self.start.len() == 10 && self.end.len() == 10 {
            let first = parse_date("start", &self.start)?;
            let last = parse_date("end", &self.end)?;
            return Exception::all_day(zone, first, last, &self.label)
                .ok_or_else(|| Problem::invalid("`end` is on or after `start`"));
        }
        let start = parse_instant("start", &self.start)?;
        let end = parse_instant("end", &self.end)?;
        let interval =
            Interval::new(start, end).map_err(|_| Problem::invalid("`end` is after `start`"))?;
        Ok(Exception { id: None, interval, label: self.label.clone() })
    }
}

// ---------------------------------------------------------------- agendas and services

/// An agenda.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaOut {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// URL name.
    pub slug: String,
    /// Resource ids, in offer order.
    pub resources: Vec<i64>,
    /// Service ids.
    pub services: Vec<i64>,
    /// Hold lifetime (default: the business setting).
    pub hold_ttl_minutes: Option<i64>,
    /// Back-office booking enabled.
    pub backoffice_booking: bool,
}

impl From<&Agenda> for AgendaOut {
    fn from(a: &Agenda) -> Self {
        Self {
            id: a.id.get(),
            name: a.name.clone(),
            slug: a.slug.clone(),
            resources: a.resources.iter().map(|r| r.get()).collect(),
            services: a.services.iter().map(|s| s.get()).collect(),
            hold_ttl_minutes: a.hold_ttl.map(minutes),
            backoffice_booking: a.backoffice_booking,
        }
    }
}

/// An agenda to create or replace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaIn {
    /// Display name.
    pub name: String,
    /// URL name: a-z, 0-9, -.
    pub slug: String,
    /// Resource ids of this business.
    #[serde(default)]
    pub resources: Vec<i64>,
    /// Service ids of this business.
    #[serde(default)]
    pub services: Vec<i64>,
    /// Hold lifetime (1 to 1440).
    #[serde(default)]
    pub hold_ttl_minutes: Option<i64>,
    /// Back-office booking enabled.
    #[serde(default)]
    pub backoffice_booking: bool,
}

impl AgendaIn {
    /// The core's agenda.
    pub fn to_core(&self, business: &Business, id: i64) -> Result<Agenda, Problem> {
        Ok(Agenda {
            id: booking_core::ids::AgendaId::new(id),
            business: business.id,
            name: self.name.trim().to_owned(),
            slug: self.slug.clone(),
            resources: self
                .resources
                .iter()
                .map(|r| booking_core::ids::ResourceId::new(*r))
                .collect(),
            services: self.services.iter().map(|s| booking_core::ids::ServiceId::new(*s)).collect(),
            hold_ttl: self
                .hold_ttl_minutes
                .map(|m| from_minutes("hold_ttl_minutes", m))
                .transpose()?,
            backoffice_booking: self.backoffice_booking,
        })
    }
}

/// A service (a kind of appointment).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceOut {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// URL name.
    pub slug: String,
    /// Length.
    pub duration_minutes: i64,
    /// Grid step (default: the business setting).
    pub step_minutes: Option<i64>,
    /// Blocked before.
    pub buffer_before_minutes: i64,
    /// Blocked after.
    pub buffer_after_minutes: i64,
    /// Price in minor units.
    pub price_minor: i64,
    /// Status of new bookings (default: the business setting).
    pub default_status: Option<String>,
    /// Minimum notice (override).
    pub min_before_booking_minutes: Option<i64>,
    /// Minimum time before a customer cancels (override).
    pub min_before_cancel_minutes: Option<i64>,
    /// Minimum time before a customer reschedules (override).
    pub min_before_reschedule_minutes: Option<i64>,
    /// Questions asked when booking.
    pub fields: Vec<FieldDto>,
    /// Held online: its appointments get a video link.
    pub online: bool,
}

impl From<&Service> for ServiceOut {
    fn from(s: &Service) -> Self {
        Self {
            id: s.id.get(),
            name: s.name.clone(),
            slug: s.slug.clone(),
            duration_minutes: minutes(s.duration),
            step_minutes: s.step.map(minutes),
            buffer_before_minutes: minutes(s.buffer_before),
            buffer_after_minutes: minutes(s.buffer_after),
            price_minor: s.price_minor,
            default_status: s.default_status.map(|d| d.code().to_owned()),
            min_before_booking_minutes: s.min_before_booking.map(minutes),
            min_before_cancel_minutes: s.min_before_cancel.map(minutes),
            min_before_reschedule_minutes: s.min_before_reschedule.map(minutes),
            fields: s
                .fields
                .iter()
                .map(|f| FieldDto {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    required: f.required,
                })
                .collect(),
            online: s.online,
        }
    }
}

/// A service to create or replace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceIn {
    /// Display name.
    pub name: String,
    /// URL name: a-z, 0-9, -.
    pub slug: String,
    /// Length (1 to 1440).
    pub duration_minutes: i64,
    /// Grid step.
    #[serde(default)]
    pub step_minutes: Option<i64>,
    /// Blocked before.
    #[serde(default)]
    pub buffer_before_minutes: i64,
    /// Blocked after.
    #[serde(default)]
    pub buffer_after_minutes: i64,
    /// Price in minor units.
    #[serde(default)]
    pub price_minor: i64,
    /// `approved` or `pending` (default: the business setting).
    #[serde(default)]
    pub default_status: Option<NewStatus>,
    /// Minimum notice (override).
    #[serde(default)]
    pub min_before_booking_minutes: Option<i64>,
    /// Minimum time before a customer cancels (override).
    #[serde(default)]
    pub min_before_cancel_minutes: Option<i64>,
    /// Minimum time before a customer reschedules (override).
    #[serde(default)]
    pub min_before_reschedule_minutes: Option<i64>,
    /// Questions asked when booking (at most 30); answers are kept with the booking.
    #[serde(default)]
    pub fields: Vec<FieldDto>,
    /// Held online: its appointments get the business's video link. Default false.
    #[serde(default)]
    pub online: bool,
}

/// A question a service asks when booked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDto {
    /// Name of the answer: 1 to 40 of `a-z`, `0-9`, `_`.
    pub key: String,
    /// The question (1 to 200 characters).
    pub label: String,
    /// An answer is needed.
    #[serde(default)]
    pub required: bool,
}

impl FieldDto {
    fn to_core(&self) -> booking_core::catalog::CustomField {
        booking_core::catalog::CustomField {
            key: self.key.clone(),
            label: self.label.trim().to_owned(),
            required: self.required,
        }
    }
}

impl ServiceIn {
    /// The core's service.
    pub fn to_core(&self, business: &Business, id: i64) -> Result<Service, Problem> {
        let opt = |field: &str, m: Option<i64>| m.map(|m| from_minutes(field, m)).transpose();
        Ok(Service {
            id: booking_core::ids::ServiceId::new(id),
            business: business.id,
            name: self.name.trim().to_owned(),
            slug: self.slug.clone(),
            duration: from_minutes("duration_minutes", self.duration_minutes)?,
            step: self.step_minutes.map(|m| from_minutes("step_minutes", m)).transpose()?,
            buffer_before: from_minutes("buffer_before_minutes", self.buffer_before_minutes)?,
            buffer_after: from_minutes("buffer_after_minutes", self.buffer_after_minutes)?,
            price_minor: self.price_minor,
            default_status: self.default_status.map(Into::into),
            min_before_booking: opt("min_before_booking_minutes", self.min_before_booking_minutes)?,
            min_before_cancel: opt("min_before_cancel_minutes", self.min_before_cancel_minutes)?,
            min_before_reschedule: opt(
                "min_before_reschedule_minutes",
                self.min_before_reschedule_minutes,
            )?,
            fields: self.fields.iter().map(FieldDto::to_core).collect(),
            online: self.online,
        })
    }
}

// ---------------------------------------------------------------- events and sessions

/// An event or course.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    /// Id.
    pub id: i64,
    /// `event` or `course`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Where.
    pub location: Option<String>,
    /// Seats per session by default.
    pub capacity: u32,
    /// Price in minor units.
    pub price_minor: i64,
    /// Held online: its sessions get a video link.
    pub online: bool,
}

impl From<&Event> for EventOut {
    fn from(e: &Event) -> Self {
        Self {
            id: e.id.get(),
            kind: match e.kind {
                EventKind::Event => "event",
                EventKind::Course => "course",
            }
            .to_owned(),
            name: e.name.clone(),
            location: e.location.clone(),
            capacity: e.capacity,
            price_minor: e.price_minor,
            online: e.online,
        }
    }
}

/// An event or course to create.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// `event` or `course`.
    pub kind: Offering,
    /// Display name.
    pub name: String,
    /// Where.
    #[serde(default)]
    pub location: Option<String>,
    /// Seats per session by default (at most 100000).
    pub capacity: u32,
    /// Price in minor units.
    #[serde(default)]
    pub price_minor: i64,
    /// Held online: its sessions get the business's (or the course's) video link.
    /// Default false.
    #[serde(default)]
    pub online: bool,
}

impl EventIn {
    /// The core's event.
    pub fn to_core(&self, business: &Business) -> Result<Event, Problem> {
        let kind = match self.kind {
            Offering::Event => EventKind::Event,
            Offering::Course => EventKind::Course,
        };
        Ok(Event {
            id: booking_core::ids::EventId::new(0),
            business: business.id,
            kind,
            name: self.name.trim().to_owned(),
            location: self.location.clone(),
            capacity: self.capacity,
            price_minor: self.price_minor,
            online: self.online,
        })
    }
}

/// A session of an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionOut {
    /// Id.
    pub id: i64,
    /// Its event.
    pub event_id: i64,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// Seats.
    pub capacity: u32,
    /// Leading staff member.
    pub leader_id: Option<i64>,
}

impl SessionOut {
    /// In `zone`.
    #[must_use]
    pub fn new(s: &Session, zone: &Zone) -> Self {
        Self {
            id: s.id.get(),
            event_id: s.event.get(),
            start: instant(s.interval.start(), zone),
            end: instant(s.interval.end(), zone),
            capacity: s.capacity,
            leader_id: s.leader.map(booking_core::ids::ResourceId::get),
        }
    }
}

/// A session to create.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionIn {
    /// Start (RFC 3339).
    pub start: String,
    /// End (RFC 3339).
    pub end: String,
    /// Seats (default: the event's).
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Leading staff member.
    #[serde(default)]
    pub leader_id: Option<i64>,
}

// ---------------------------------------------------------------- availability and holds

/// One free slot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlotOut {
    /// Start, in the zone asked for.
    pub start: String,
    /// End.
    pub end: String,
    /// Free places (resources that can take it).
    pub free: u32,
    /// Resource ids that can take it.
    pub resources: Vec<i64>,
}

/// Free slots over a window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AvailabilityOut {
    /// The zone instants are shown in.
    pub zone: String,
    /// Slots by start.
    pub slots: Vec<SlotOut>,
}

/// The first free slot, if any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirstSlotOut {
    /// The zone instants are shown in.
    pub zone: String,
    /// The slot, or null when nothing is free before the booking horizon.
    pub slot: Option<SlotOut>,
}

/// A hold to take (or move: the same lock code moves its hold).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldIn {
    /// Your secret for this hold (1 to 256 visible characters): draw it at random.
    pub lock_code: String,
    /// An appointment: the agenda.
    #[serde(default)]
    pub agenda_id: Option<i64>,
    /// An appointment: the service.
    #[serde(default)]
    pub service_id: Option<i64>,
    /// An appointment: one resource of the agenda (default: any).
    #[serde(default)]
    pub resource_id: Option<i64>,
    /// An appointment: its start (RFC 3339).
    #[serde(default)]
    pub start: Option<String>,
    /// Seats in a session instead.
    #[serde(default)]
    pub session_id: Option<i64>,
    /// How many seats (default 1).
    #[serde(default)]
    pub seats: Option<u32>,
}

/// A hold.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldOut {
    /// Id.
    pub id: i64,
    /// The agenda (appointments).
    pub agenda_id: Option<i64>,
    /// The service (appointments).
    pub service_id: Option<i64>,
    /// The resource taking it (appointments).
    pub resource_id: Option<i64>,
    /// Start (appointments).
    pub start: Option<String>,
    /// End (appointments).
    pub end: Option<String>,
    /// The session (seats).
    pub session_id: Option<i64>,
    /// Seats held (sessions).
    pub seats: Option<u32>,
    /// When it lapses.
    pub expires_at: String,
}

impl HoldOut {
    /// In `zone`.
    #[must_use]
    pub fn new(h: &Hold, zone: &Zone) -> Self {
        let mut out = Self {
            id: h.id.get(),
            agenda_id: None,
            service_id: None,
            resource_id: None,
            start: None,
            end: None,
            session_id: None,
            seats: None,
            expires_at: instant(h.expires_at, zone),
        };
        match &h.target {
            Target::Appointment { agenda, service, resource, slot, .. } => {
                out.agenda_id = Some(agenda.get());
                out.service_id = Some(service.get());
                out.resource_id = Some(resource.get());
                out.start = Some(instant(slot.start(), zone));
                out.end = Some(instant(slot.end(), zone));
            }
            Target::Session { session, seats } => {
                out.session_id = Some(session.get());
                out.seats = Some(*seats);
            }
        }
        out
    }
}

/// Reads the fields hold and booking requests share; a mix of both kinds is refused.
pub fn wanted(
    session: Option<i64>,
    seats: Option<u32>,
    agenda: Option<i64>,
    service: Option<i64>,
    resource: Option<i64>,
    start: Option<&str>,
) -> Result<Wanted, Problem> {
    {
        match (session, agenda, service, start) {
            (Some(session), None, None, None) => Ok(Wanted::Seats {
                session: booking_core::ids::SessionId::new(session),
                seats: seats.unwrap_or(1),
            }),
            (None, Some(agenda), Some(service), Some(start)) => Ok(Wanted::Slot {
                offer: booking_core::Offer {
                    agenda: booking_core::ids::AgendaId::new(agenda),
                    service: booking_core::ids::ServiceId::new(service),
                    resource: resource.map(booking_core::ids::ResourceId::new),
                },
                start: parse_instant("start", start)?,
            }),
            (None, None, None, None) => Ok(Wanted::Nothing),
            _ => Err(Problem::invalid(
                "name either a slot (`agenda_id`, `service_id`, `start`) or seats (`session_id`)",
            )),
        }
    }
}

// ---------------------------------------------------------------- bookings

/// Contact details of the person booking.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDto {
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
}

impl From<&Contact> for ContactDto {
    fn from(c: &Contact) -> Self {
        Self {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: c.phone.clone(),
        }
    }
}

impl ContactDto {
    /// The core's contact.
    pub fn to_core(&self) -> Result<Contact, Problem> {
        Ok(Contact {
            first_name: self.first_name.trim().to_owned(),
            last_name: self.last_name.trim().to_owned(),
            email: parse_email("contact.email", self.email.clone())?,
            phone: self.phone.as_deref().and_then(clearable),
        })
    }
}

/// A booking request: an appointment (agenda, service, start), seats in a session, or the
/// confirmation of a hold (its lock code alone).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingIn {
    /// The agenda (appointments).
    #[serde(default)]
    pub agenda_id: Option<i64>,
    /// The service (appointments).
    #[serde(default)]
    pub service_id: Option<i64>,
    /// One resource of the agenda (default: any).
    #[serde(default)]
    pub resource_id: Option<i64>,
    /// Start (RFC 3339).
    #[serde(default)]
    pub start: Option<String>,
    /// The session (seats).
    #[serde(default)]
    pub session_id: Option<i64>,
    /// Seats (default 1).
    #[serde(default)]
    pub seats: Option<u32>,
    /// The lock code of your hold: alone, it confirms the hold; with a slot, your hold counts
    /// as free.
    #[serde(default)]
    pub lock_code: Option<String>,
    /// For staff and integrations: the customer record it is for.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// Who it is for.
    #[serde(default)]
    pub contact: ContactDto,
    /// Custom-field answers.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// For staff: ignore minimum notice and maximum advance.
    #[serde(default)]
    pub bypass_delays: bool,
    /// A package, gift certificate or subscription code paying for it, as its holder
    /// types it (any case; spaces and hyphens ignored).
    #[serde(default)]
    pub code: Option<String>,
    /// The customer's language, `fr` or `en`: their emails about this booking are written in
    /// it (default: the business's).
    #[serde(default)]
    pub locale: Option<String>,
}

/// One line of a booking's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryOut {
    /// When.
    pub at: String,
    /// Who (role).
    pub actor: String,
    /// Status before.
    pub from: Option<String>,
    /// Status after.
    pub to: String,
    /// Why.
    pub reason: Option<String>,
}

impl HistoryOut {
    /// In `zone`.
    #[must_use]
    pub fn new(h: &HistoryEntry, zone: &Zone) -> Self {
        Self {
            at: instant(h.at, zone),
            actor: h.actor.role.code().to_owned(),
            from: h.from.map(|s| s.code().to_owned()),
            to: h.to.code().to_owned(),
            reason: h.reason.clone(),
        }
    }
}

/// A booking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BookingOut {
    /// Id.
    pub id: i64,
    /// `pending`, `approved`, `canceled`, `rejected` or `no_show`.
    pub status: String,
    /// `appointment` or `session`.
    pub kind: String,
    /// The agenda (appointments).
    pub agenda_id: Option<i64>,
    /// The service (appointments).
    pub service_id: Option<i64>,
    /// The resource (appointments).
    pub resource_id: Option<i64>,
    /// The session (seats).
    pub session_id: Option<i64>,
    /// Seats (sessions).
    pub seats: Option<u32>,
    /// Start (appointments).
    pub start: Option<String>,
    /// End (appointments).
    pub end: Option<String>,
    /// The customer record.
    pub customer_id: Option<i64>,
    /// Contact snapshot.
    pub contact: ContactDto,
    /// Custom-field answers.
    pub answers: BTreeMap<String, String>,
    /// When it was made.
    pub created_at: String,
    /// The booking it replaced (reschedule).
    pub rescheduled_from: Option<i64>,
    /// The customer's language (`fr`, `en`), when the booking was made in one; else the
    /// business's is used.
    pub locale: Option<String>,
    /// Its history, oldest first (when asked for one booking).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryOut>>,
}

impl BookingOut {
    /// In `zone`.
    #[must_use]
    pub fn new(b: &Booking, zone: &Zone) -> Self {
        let mut out = Self {
            id: b.id.get(),
            status: b.status.code().to_owned(),
            kind: "appointment".to_owned(),
            agenda_id: None,
            service_id: None,
            resource_id: None,
            session_id: None,
            seats: None,
            start: None,
            end: None,
            customer_id: b.customer.map(booking_core::ids::CustomerId::get),
            contact: (&b.contact).into(),
            answers: b.answers.iter().cloned().collect(),
            created_at: instant(b.created_at, zone),
            rescheduled_from: b.rescheduled_from.map(booking_core::ids::BookingId::get),
            locale: b.locale.map(|l| l.code().to_owned()),
            history: None,
        };
        match &b.target {
            Target::Appointment { agenda, service, resource, slot, .. } => {
                out.agenda_id = Some(agenda.get());
                out.service_id = Some(service.get());
                out.resource_id = Some(resource.get());
                out.start = Some(instant(slot.start(), zone));
                out.end = Some(instant(slot.end(), zone));
            }
            Target::Session { session, seats } => {
                "session".clone_into(&mut out.kind);
                out.session_id = Some(session.get());
                out.seats = Some(*seats);
            }
        }
        out
    }
}

/// A cancellation or status change, with an optional reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Why (kept in the history; erased by anonymisation).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A move to another slot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleIn {
    /// The new start (RFC 3339).
    pub start: String,
    /// A resource of the agenda (default: any).
    #[serde(default)]
    pub resource_id: Option<i64>,
    /// The lock code of a hold on the new slot, if you hold it.
    #[serde(default)]
    pub lock_code: Option<String>,
    /// For staff: ignore minimum notice and maximum advance.
    #[serde(default)]
    pub bypass_delays: bool,
}

// ---------------------------------------------------------------- API keys

/// An API key (never the key itself, except once on creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyOut {
    /// Id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `admin`, `manager`, `agent`, `staff` or `customer`.
    pub role: String,
    /// The staff resource or customer it is.
    pub subject: Option<i64>,
    /// The first characters, to tell keys apart.
    pub prefix: String,
    /// When issued.
    pub created_at: String,
    /// When revoked.
    pub revoked_at: Option<String>,
    /// The key: present only in the answer that creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl ApiKeyOut {
    /// In `zone`.
    #[must_use]
    pub fn new(k: &ApiKey, zone: &Zone) -> Self {
        Self {
            id: k.id.get(),
            name: k.name.clone(),
            role: k.role.code().to_owned(),
            subject: k.subject,
            prefix: k.prefix.clone(),
            created_at: instant(k.created_at, zone),
            revoked_at: k.revoked_at.map(|t| instant(t, zone)),
            key: None,
        }
    }
}

/// An API key to issue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    /// What it is for.
    pub name: String,
    /// `admin`, `manager`, `agent`, `staff` or `customer`.
    pub role: KeyRole,
    /// For staff keys the staff resource id, for customer keys the customer id.
    #[serde(default)]
    pub subject: Option<i64>,
}

/// A customer record to create.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    /// Contact details.
    pub contact: ContactDto,
    /// Staff notes.
    #[serde(default)]
    pub notes: String,
}

/// A customer record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerOut {
    /// Id.
    pub id: i64,
    /// What staff see ("Customer #id" once anonymised).
    pub display_name: String,
    /// Contact details.
    pub contact: ContactDto,
    /// Staff notes.
    pub notes: String,
    /// When anonymised.
    pub anonymised_at: Option<String>,
}

impl CustomerOut {
    /// In `zone`.
    #[must_use]
    pub fn new(c: &booking_core::catalog::Customer, zone: &Zone) -> Self {
        Self {
            id: c.id.get(),
            display_name: c.display_name(),
            contact: (&c.contact).into(),
            notes: c.notes.clone(),
            anonymised_at: c.anonymised_at.map(|t| instant(t, zone)),
        }
    }
}

/// An account to attach a customer record to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachIn {
    /// The account's email (its username).
    pub email: String,
}

/// How many links were revoked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevokedOut {
    /// Magic links revoked.
    pub revoked: usize,
}
