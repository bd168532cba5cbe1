//! Business settings with the §K defaults (Amelia's shipped settings unless noted).

use jiff::SignedDuration;

use crate::status::BookingStatus;

/// Languages the product ships (§E3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// French.
    #[default]
    Fr,
    /// English.
    En,
}

impl Locale {
    /// Parses `fr` / `en` (case-insensitive, region ignored: `fr-BE` is French).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let lang = text.split(['-', '_']).next().unwrap_or_default();
        if lang.eq_ignore_ascii_case("fr") {
            Some(Self::Fr)
        } else if lang.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// The two-letter code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }
}

/// Calendar-sync options (§H3), all off by default.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[allow(clippy::struct_excessive_bools, reason = "each flag is an independent §H3 option")]
pub struct CalendarSyncOptions {
    /// Push pending appointments (as tentative).
    pub add_pending: bool,
    /// Add customers as attendees.
    pub customers_as_attendees: bool,
    /// Let customers see the other attendees.
    pub attendees_see_each_other: bool,
    /// Send invitation emails (only with attendees).
    pub send_invitations: bool,
    /// The employee's busy external events remove availability.
    pub remove_busy_slots: bool,
    /// Include buffer time in the pushed event.
    pub include_buffers: bool,
    /// Add a Google Meet / Microsoft Teams link.
    pub add_meeting_link: bool,
}

/// Every setting of a business, each with its §K default.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools, reason = "each flag is an independent business setting")]
pub struct Settings {
    /// Grid step for slot starts when a service sets none (30 min).
    pub slot_step: SignedDuration,
    /// Status of new bookings (approved).
    pub default_status: BookingStatus,
    /// Minimum time between now and a slot's start to book it (0).
    pub min_before_booking: SignedDuration,
    /// Minimum time between now and a booking's start for a customer to cancel (0).
    pub min_before_cancel: SignedDuration,
    /// Minimum time between now and a booking's start for a customer to reschedule (0).
    pub min_before_reschedule: SignedDuration,
    /// How far ahead slots are offered, in days (365).
    pub days_in_advance: u32,
    /// Customers may reschedule their own bookings (no).
    pub customers_may_reschedule: bool,
    /// Customers may delete their profile from the panel (no).
    pub customers_may_delete_profile: bool,
    /// The customer panel requires a password; when off, magic links are used (yes).
    pub require_password: bool,
    /// Lifetime of a magic link (30 days).
    pub magic_link_lifetime: SignedDuration,
    /// Lifetime of a hold unless the agenda sets its own (10 minutes).
    pub hold_ttl: SignedDuration,
    /// Chrono-compatible minimal booking delay, days from local midnight (1).
    pub chrono_min_delay_days: u32,
    /// Chrono-compatible maximal booking delay, days, exclusive (56).
    pub chrono_max_delay_days: u32,
    /// Calendar-sync options (all off).
    pub calendar: CalendarSyncOptions,
    /// Title of pushed calendar events for appointments (`%service_name%`).
    pub appointment_event_title: String,
    /// Title of pushed calendar events for events/courses (`%event_name%`).
    pub event_event_title: String,
    /// Description of pushed calendar events for appointments (empty).
    pub appointment_event_description: String,
    /// Description of pushed calendar events for events/courses (empty).
    pub event_event_description: String,
    /// How far ahead employees' busy times are pulled, in days (365, §H4).
    pub calendar_window_days: u32,
    /// Hide video links from confirmation emails (no).
    pub hide_video_links_in_emails: bool,
    /// Hide video links from the customer panel (no).
    pub hide_video_links_in_panel: bool,
    /// How long before an appointment or session its customer gets a reminder email; `None`:
    /// no reminders (24 hours).
    pub reminder_before: Option<SignedDuration>,
    /// The public booking page lets customers choose the staff member (yes).
    pub customers_choose_staff: bool,
    /// Customers can sign up, log in and use the panel (yes).
    pub panel_enabled: bool,
    /// The page of the business's own site where the panel is embedded; links in emails lead
    /// there when set, else to the engine's own panel page (none).
    pub panel_url: Option<String>,
    /// The business's terms of use, linked from the sign-up form's checkbox and from the
    /// booking confirmation (none).
    pub terms_url: Option<String>,
    /// The panel lists appointments (yes).
    pub panel_appointments: bool,
    /// The panel lists events and courses (yes).
    pub panel_events: bool,
    /// Origins allowed to embed the pages in a frame (CSP `frame-ancestors`), space-separated;
    /// empty: only the engine's own origin (none).
    pub frame_ancestors: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            slot_step: SignedDuration::from_mins(30),
            default_status: BookingStatus::Approved,
            min_before_booking: SignedDuration::ZERO,
            min_before_cancel: SignedDuration::ZERO,
            min_before_reschedule: SignedDuration::ZERO,
            days_in_advance: 365,
            customers_may_reschedule: false,
            customers_may_delete_profile: false,
            require_password: true,
            magic_link_lifetime: SignedDuration::from_hours(30 * 24),
            hold_ttl: SignedDuration::from_mins(10),
            chrono_min_delay_days: 1,
            chrono_max_delay_days: 56,
            calendar: CalendarSyncOptions::default(),
            appointment_event_title: "%service_name%".to_owned(),
            event_event_title: "%event_name%".to_owned(),
            appointment_event_description: String::new(),
            event_event_description: String::new(),
            calendar_window_days: 365,
            hide_video_links_in_emails: false,
            hide_video_links_in_panel: false,
            reminder_before: Some(SignedDuration::from_hours(24)),
            customers_choose_staff: true,
            panel_enabled: true,
            panel_url: None,
            terms_url: None,
            panel_appointments: true,
            panel_events: true,
            frame_ancestors: String::new(),
        }
    }
}

impl Settings {
    /// How far ahead slots are offered, as a duration.
    #[must_use]
    pub fn max_advance(&self) -> SignedDuration {
        SignedDuration::from_hours(i64::from(self.days_in_advance) * 24)
    }
}

/// Why a change to a business's profile or settings was refused: the field, and what it takes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidSetting {
    /// The field, as the API names it (`slot_step_minutes`).
    pub field: &'static str,
    /// What the field takes, for a person.
    pub message: String,
}

crate::error::error_codes!(InvalidSetting, |_e| (crate::error::Kind::Invalid, "invalid_value"));

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidSetting {
    InvalidSetting { field, message: message.into() }
}

/// Whole minutes within `range`, as a duration.
fn minutes_in(
    field: &'static str,
    minutes: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<SignedDuration, InvalidSetting> {
    if range.contains(&minutes) {
        Ok(SignedDuration::from_mins(minutes))
    } else {
        Err(invalid(field, format!("`{field}` is {} to {} minutes", range.start(), range.end())))
    }
}

/// At most `max` characters.
fn bounded(field: &'static str, text: &str, max: usize) -> Result<(), InvalidSetting> {
    if text.chars().count() > max {
        Err(invalid(field, format!("`{field}` is at most {max} characters")))
    } else {
        Ok(())
    }
}

/// The longest notice or window a setting may give: a year.
const YEAR_MINUTES: i64 = 366 * 24 * 60;

/// An `http://` or `https://` URL a person can open: at most 2000 characters, no spaces, no
/// control characters, a host. Links shown in emails and pages are of this kind only (never
/// `javascript:` or `data:`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WebUrl(String);

impl WebUrl {
    /// The longest URL accepted.
    pub const MAX_LEN: usize = 2000;

    /// Parses a URL, trimmed.
    ///
    /// # Errors
    /// When it is not an http(s) URL with a host, or too long.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
        let ok = host.is_some_and(|h| !h.is_empty())
            && text.len() <= Self::MAX_LEN
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err("an http(s) URL of at most 2000 characters")
        }
    }

    /// The URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether `text` is an origin a CSP `frame-ancestors` accepts: `http(s)://host[:port]`, the
/// host possibly starting with `*.`.
fn is_origin(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else {
        return false;
    };
    let (host, port) = rest.split_once(':').unwrap_or((rest, "0"));
    let host = host.strip_prefix("*.").unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// A change to a business's settings: only the fields given change, and every value is checked
/// by [`Settings::apply`] (durations in whole minutes, as people and the API give them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs, reason = "each field changes the setting of the same name")]
pub struct SettingsChange {
    pub slot_step_minutes: Option<i64>,
    pub default_status: Option<BookingStatus>,
    pub min_before_booking_minutes: Option<i64>,
    pub min_before_cancel_minutes: Option<i64>,
    pub min_before_reschedule_minutes: Option<i64>,
    pub days_in_advance: Option<u32>,
    pub customers_may_reschedule: Option<bool>,
    pub customers_may_delete_profile: Option<bool>,
    pub require_password: Option<bool>,
    pub magic_link_lifetime_minutes: Option<i64>,
    pub hold_ttl_minutes: Option<i64>,
    pub chrono_min_delay_days: Option<u32>,
    pub chrono_max_delay_days: Option<u32>,
    pub calendar: Option<CalendarSyncOptions>,
    pub appointment_event_title: Option<String>,
    pub event_event_title: Option<String>,
    pub appointment_event_description: Option<String>,
    pub event_event_description: Option<String>,
    pub calendar_window_days: Option<u32>,
    pub hide_video_links_in_emails: Option<bool>,
    pub hide_video_links_in_panel: Option<bool>,
    /// 0 turns reminders off.
    pub reminder_minutes_before: Option<i64>,
    pub customers_choose_staff: Option<bool>,
    pub panel_enabled: Option<bool>,
    /// `""` removes it.
    pub panel_url: Option<String>,
    /// `""` removes it.
    pub terms_url: Option<String>,
    pub panel_appointments: Option<bool>,
    pub panel_events: Option<bool>,
    /// Space-separated origins; `""`: only the engine itself.
    pub frame_ancestors: Option<String>,
}

impl Settings {
    /// Applies a change, all or nothing: on the first value refused, nothing changes.
    ///
    /// # Errors
    /// The first field whose value is out of its range or malformed.
    pub fn apply(&mut self, change: SettingsChange) -> Result<(), InvalidSetting> {
        let mut s = self.clone();
        let c = change;
        if let Some(m) = c.slot_step_minutes {
            s.slot_step = minutes_in("slot_step_minutes", m, 1..=1440)?;
        }
        if let Some(status) = c.default_status {
            if !matches!(status, BookingStatus::Approved | BookingStatus::Pending) {
                return Err(invalid("default_status", "`default_status` is approved or pending"));
            }
            s.default_status = status;
        }
        if let Some(m) = c.min_before_booking_minutes {
            s.min_before_booking = minutes_in("min_before_booking_minutes", m, 0..=YEAR_MINUTES)?;
        }
        if let Some(m) = c.min_before_cancel_minutes {
            s.min_before_cancel = minutes_in("min_before_cancel_minutes", m, 0..=YEAR_MINUTES)?;
        }
        if let Some(m) = c.min_before_reschedule_minutes {
            s.min_before_reschedule =
                minutes_in("min_before_reschedule_minutes", m, 0..=YEAR_MINUTES)?;
        }
        if let Some(d) = c.days_in_advance {
            if !(1..=1000).contains(&d) {
                return Err(invalid("days_in_advance", "`days_in_advance` is 1 to 1000"));
            }
            s.days_in_advance = d;
        }
        set(&mut s.customers_may_reschedule, c.customers_may_reschedule);
        set(&mut s.customers_may_delete_profile, c.customers_may_delete_profile);
        set(&mut s.require_password, c.require_password);
        if let Some(m) = c.magic_link_lifetime_minutes {
            s.magic_link_lifetime = minutes_in("magic_link_lifetime_minutes", m, 1..=YEAR_MINUTES)?;
        }
        if let Some(m) = c.hold_ttl_minutes {
            s.hold_ttl = minutes_in("hold_ttl_minutes", m, 1..=1440)?;
        }
        set(&mut s.chrono_min_delay_days, c.chrono_min_delay_days);
        set(&mut s.chrono_max_delay_days, c.chrono_max_delay_days);
        if s.chrono_max_delay_days > 1000 || s.chrono_min_delay_days > s.chrono_max_delay_days {
            let field = if c.chrono_max_delay_days.is_some() {
                "chrono_max_delay_days"
            } else {
                "chrono_min_delay_days"
            };
            return Err(invalid(field, "`chrono_min_delay_days` ≤ `chrono_max_delay_days` ≤ 1000"));
        }
        set(&mut s.calendar, c.calendar);
        for (field, value, into, max) in [
            (
                "appointment_event_title",
                c.appointment_event_title,
                &mut s.appointment_event_title,
                500,
            ),
            ("event_event_title", c.event_event_title, &mut s.event_event_title, 500),
            (
                "appointment_event_description",
                c.appointment_event_description,
                &mut s.appointment_event_description,
                4000,
            ),
            (
                "event_event_description",
                c.event_event_description,
                &mut s.event_event_description,
                4000,
            ),
        ] {
            if let Some(text) = value {
                bounded(field, &text, max)?;
                crate::template::Template::parse(&text)
                    .map_err(|e| invalid(field, format!("`{field}`: {e}")))?;
                *into = text;
            }
        }
        if let Some(days) = c.calendar_window_days {
            if !(1..=730).contains(&days) {
                return Err(invalid("calendar_window_days", "`calendar_window_days` is 1 to 730"));
            }
            s.calendar_window_days = days;
        }
        set(&mut s.hide_video_links_in_emails, c.hide_video_links_in_emails);
        set(&mut s.hide_video_links_in_panel, c.hide_video_links_in_panel);
        if let Some(m) = c.reminder_minutes_before {
            s.reminder_before = match m {
                0 => None,
                m => Some(minutes_in("reminder_minutes_before", m, 1..=30 * 1440)?),
            };
        }
        set(&mut s.customers_choose_staff, c.customers_choose_staff);
        set(&mut s.panel_enabled, c.panel_enabled);
        if let Some(url) = c.panel_url {
            s.panel_url = match url.trim() {
                "" => None,
                url => Some(
                    WebUrl::parse(url)
                        .map_err(|why| invalid("panel_url", format!("`panel_url` is {why}")))?
                        .into_string(),
                ),
            };
        }
        if let Some(url) = c.terms_url {
            s.terms_url = match url.trim() {
                "" => None,
                url => Some(
                    WebUrl::parse(url)
                        .map_err(|why| invalid("terms_url", format!("`terms_url` is {why}")))?
                        .into_string(),
                ),
            };
        }
        set(&mut s.panel_appointments, c.panel_appointments);
        set(&mut s.panel_events, c.panel_events);
        if let Some(origins) = c.frame_ancestors {
            let list: Vec<&str> = origins.split_whitespace().collect();
            if list.len() > 10 || !list.iter().all(|o| is_origin(o)) {
                return Err(invalid(
                    "frame_ancestors",
                    "`frame_ancestors` is up to 10 origins like https://example.org, space-separated",
                ));
            }
            s.frame_ancestors = list.join(" ");
        }
        *self = s;
        Ok(())
    }
}

fn set<T>(into: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *into = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(change: SettingsChange) -> Result<Settings, InvalidSetting> {
        let mut s = Settings::default();
        s.apply(change).map(|()| s)
    }

    #[test]
    fn a_change_sets_only_what_it_names() {
        let s = applied(SettingsChange {
            slot_step_minutes: Some(15),
            reminder_minutes_before: Some(0),
            panel_url: Some(" https://town.example/rdv ".into()),
            frame_ancestors: Some("https://town.example   https://*.town.example:8443".into()),
            ..SettingsChange::default()
        })
        .unwrap();
        assert_eq!(s.slot_step, SignedDuration::from_mins(15));
        assert_eq!(s.reminder_before, None);
        assert_eq!(s.panel_url.as_deref(), Some("https://town.example/rdv"));
        assert_eq!(s.frame_ancestors, "https://town.example https://*.town.example:8443");
        assert_eq!(s.days_in_advance, Settings::default().days_in_advance);
        let cleared =
            applied(SettingsChange { panel_url: Some(String::new()), ..Default::default() });
        assert_eq!(cleared.unwrap().panel_url, None);
    }

    #[test]
    fn a_refused_value_names_its_field_and_changes_nothing() {
        let cases = [
            (
                SettingsChange { slot_step_minutes: Some(0), ..Default::default() },
                "slot_step_minutes",
            ),
            (
                SettingsChange { hold_ttl_minutes: Some(1441), ..Default::default() },
                "hold_ttl_minutes",
            ),
            (SettingsChange { days_in_advance: Some(0), ..Default::default() }, "days_in_advance"),
            (
                SettingsChange {
                    default_status: Some(BookingStatus::Canceled),
                    ..Default::default()
                },
                "default_status",
            ),
            (
                SettingsChange { chrono_min_delay_days: Some(60), ..Default::default() },
                "chrono_min_delay_days",
            ),
            (
                SettingsChange {
                    panel_url: Some("javascript:alert(1)".into()),
                    ..Default::default()
                },
                "panel_url",
            ),
            (
                SettingsChange { frame_ancestors: Some("*".into()), ..Default::default() },
                "frame_ancestors",
            ),
            (
                SettingsChange { event_event_title: Some("%nope%".into()), ..Default::default() },
                "event_event_title",
            ),
        ];
        for (change, field) in cases {
            let mut s = Settings::default();
            let before = s.clone();
            let refused =
                s.apply(SettingsChange { require_password: Some(false), ..change }).unwrap_err();
            assert_eq!(refused.field, field);
            assert!(refused.message.contains(field), "{}", refused.message);
            assert_eq!(s, before, "{field}: nothing changes");
        }
    }

    #[test]
    fn web_urls_are_http_links_with_a_host() {
        assert!(WebUrl::parse("https://meet.example/room?x=1").is_ok());
        assert!(WebUrl::parse("http://localhost:8080").is_ok());
        for bad in ["javascript:alert(1)", "https://", "https:// a.example", "ftp://x", ""] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(WebUrl::parse(&format!("https://a.example/{}", "x".repeat(2000))).is_err());
    }
}
