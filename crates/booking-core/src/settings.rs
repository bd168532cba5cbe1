//! Business settings with the §K defaults (Amelia's shipped settings unless noted).

use jiff::SignedDuration;

use crate::booking::BookingStatus;

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
