//! §H Calendar sync: each employee's Google or Outlook calendar.
//!
//! - **Push** (§H2, §H3): every booking change writes a `calendar` outbox job in the booking's own
//!   transaction; [`CalendarSync`] runs it by computing what the employee's calendar should show
//!   now ([`plan`], a pure function of the booking, its neighbours and the §H3 options) and
//!   creating, updating or deleting one external event. The external id is stored per *key*
//!   (`booking-12`, or `session-4` for a group session), and the key itself is sent to the
//!   provider as an idempotency key (Google's client-chosen event id, Outlook's
//!   `transactionId`), so neither a retry nor a crash between the provider's answer and our
//!   write can make a second event.
//! - **Busy times** (§H4): [`CalendarSync::pull_busy`] copies the employee's *busy* intervals
//!   over the configured window into the store's cache; availability reads only the cache.
//! - **Tokens** (§H1): OAuth grants are sealed ([`Sealer`]) before they reach the store, refreshed
//!   a minute before they expire, and refreshed once more on a 401; a refused refresh marks the
//!   connection broken and tells the employee by email.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::booking::{Booking, BookingStatus, Target};
use crate::catalog::Email;
use crate::error::Kind;
use crate::error::StoreError;
use crate::ids::{BookingId, BusinessId, ResourceId, SessionId};
use crate::settings::CalendarSyncOptions;
use crate::time::Interval;

pub use crate::provider::Provider;

/// A business's OAuth application at one provider (§H1), as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthApp {
    /// Which provider.
    pub provider: Provider,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret, in clear (only in memory).
    pub client_secret: String,
    /// Where the provider sends the employee back (must be registered with the provider).
    pub redirect_uri: String,
}

impl OAuthApp {
    /// An application as typed: a client id of 1 to 500 characters, a secret of 1 to 2000, and
    /// an absolute http(s) redirect address (`default_redirect` when none is given).
    ///
    /// # Errors
    /// A value out of its bounds, naming its field.
    pub fn checked(
        provider: Provider,
        client_id: &str,
        client_secret: &str,
        redirect_uri: Option<&str>,
        default_redirect: impl FnOnce() -> String,
    ) -> Result<Self, crate::error::InvalidValue> {
        use crate::error::InvalidValue;
        let client_id = client_id.trim().to_owned();
        let client_secret = client_secret.trim().to_owned();
        if client_id.is_empty() || client_id.chars().count() > 500 {
            return Err(InvalidValue("`client_id` is 1 to 500 characters".into()));
        }
        if client_secret.is_empty() || client_secret.chars().count() > 2000 {
            return Err(InvalidValue("`client_secret` is 1 to 2000 characters".into()));
        }
        let redirect_uri = match redirect_uri.map(str::trim).filter(|u| !u.is_empty()) {
            Some(uri) => {
                let absolute = uri.starts_with("https://") || uri.starts_with("http://");
                if !absolute || uri.chars().count() > 2000 || uri.contains(char::is_whitespace) {
                    return Err(InvalidValue("`redirect_uri` is an absolute http(s) URL".into()));
                }
                uri.to_owned()
            }
            None => default_redirect(),
        };
        Ok(Self { provider, client_id, client_secret, redirect_uri })
    }
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A stored integration: the [`OAuthApp`] with its secret sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integration {
    /// Owner tenant.
    pub business: BusinessId,
    /// Which provider.
    pub provider: Provider,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret, sealed.
    pub sealed_secret: String,
    /// The redirect URI.
    pub redirect_uri: String,
}

/// What an OAuth token endpoint granted.
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    /// The access token.
    pub access_token: String,
    /// The refresh token (a refresh may omit it: the old one stays valid).
    pub refresh_token: Option<String>,
    /// How long the access token lives from now (`expires_in`).
    pub lifetime: SignedDuration,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

/// Whether a connection works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// Tokens valid as far as we know.
    Connected,
    /// The provider refused our refresh token: the employee must connect again.
    Broken,
}

impl ConnectionState {
    /// The stable code stored and shown.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Broken => "broken",
        }
    }

    /// Parses [`Self::code`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Connected, Self::Broken].into_iter().find(|s| s.code() == text)
    }
}

/// An employee's connected calendar (§H1). One per employee: connecting another provider
/// replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Owner tenant.
    pub business: BusinessId,
    /// The employee (a staff resource).
    pub resource: ResourceId,
    /// Which provider.
    pub provider: Provider,
    /// The connected account's address, as the provider reports it.
    pub account: String,
    /// The sealed access token.
    pub sealed_access: String,
    /// The sealed refresh token.
    pub sealed_refresh: String,
    /// When the access token expires.
    pub expires_at: Timestamp,
    /// Whether it works.
    pub state: ConnectionState,
    /// When busy times were last pulled successfully.
    pub last_sync: Option<Timestamp>,
    /// The last failure (push or pull), cleared by the next success of a pull.
    pub last_error: Option<String>,
    /// When the employee connected.
    pub connected_at: Timestamp,
}

/// Which external event stands for a key (a booking or a session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedRecord {
    /// Owner tenant.
    pub business: BusinessId,
    /// `booking-{id}` or `session-{id}`.
    pub key: String,
    /// In whose calendar.
    pub resource: ResourceId,
    /// At which provider.
    pub provider: Provider,
    /// The provider's event id.
    pub external_id: String,
    /// The Meet / Teams link the provider made, if any.
    pub meeting_url: Option<String>,
}

/// An attendee of a pushed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    /// Address.
    pub email: Email,
    /// Display name.
    pub name: String,
}

/// An event to create or update in an external calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Our stable key, unique across businesses ([`idempotency_key`]), sent as the provider's
    /// idempotency key.
    pub key: String,
    /// Title (rendered template).
    pub title: String,
    /// Description (rendered template).
    pub description: String,
    /// When (with buffers when the business includes them).
    pub interval: Interval,
    /// The business's IANA zone, so the event shows in it.
    pub zone: String,
    /// Tentative (a pending appointment) rather than confirmed.
    pub tentative: bool,
    /// Customers as attendees (empty unless the business adds them).
    pub attendees: Vec<Attendee>,
    /// Attendees see each other (else each sees only themselves).
    pub attendees_see_each_other: bool,
    /// The provider emails invitations (never without attendees).
    pub send_invitations: bool,
    /// Ask the provider for a Meet / Teams link.
    pub with_meeting_link: bool,
}

/// The provider's answer after a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedEvent {
    /// The provider's event id.
    pub external_id: String,
    /// A Meet / Teams link, when one was requested and made.
    pub meeting_url: Option<String>,
}

/// A calendar call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The access token was refused (HTTP 401): refresh and try once more.
    #[error("access token refused")]
    Unauthorized,
    /// The grant was revoked or expired (the token endpoint answered `invalid_grant`).
    #[error("calendar access revoked")]
    Revoked,
    /// Retry later (429, 5xx, a timeout), after this many seconds if the provider said.
    #[error("calendar temporarily unavailable ({0})")]
    RetryLater(String, Option<u64>),
    /// Any other failure (a 4xx that retrying cannot fix, an unreadable answer).
    #[error("calendar failure: {0}")]
    Failed(String),
}

/// What one booking or session looks like to the calendar rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// `booking-{id}` or `session-{id}`.
    pub key: String,
    /// The bookings it stands for with their status (one for an appointment; every seat
    /// booking of a session).
    pub statuses: Vec<BookingStatus>,
    /// The appointment or session.
    pub slot: Interval,
    /// With the service's buffers (equal to `slot` for sessions).
    pub busy: Interval,
    /// Rendered title.
    pub title: String,
    /// Rendered description.
    pub description: String,
    /// The business zone.
    pub zone: String,
    /// The customers of the bookings that hold their place, with an address.
    pub customers: Vec<Attendee>,
}

/// What the employee's calendar should show for an occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// This event (created or updated).
    Push(CalendarEvent),
    /// No event (deleted if there is one).
    Remove,
}

/// The §H3 rules: which bookings appear, how, and with whom.
///
/// - an approved (or no-show: it happened) booking appears as confirmed; a pending one only
///   with `add_pending`, as tentative; canceled and rejected ones never;
/// - a session appears while one of its bookings would (tentative only if all are pending);
/// - customers become attendees only with `customers_as_attendees`; invitations go out only
///   with `send_invitations` *and* attendees;
/// - the interval includes the buffers only with `include_buffers`.
#[must_use]
pub fn plan(options: &CalendarSyncOptions, occurrence: &Occurrence) -> Plan {
    let shown = |s: &BookingStatus| match s {
        BookingStatus::Approved | BookingStatus::NoShow => Some(false),
        BookingStatus::Pending if options.add_pending => Some(true),
        BookingStatus::Pending | BookingStatus::Canceled | BookingStatus::Rejected => None,
    };
    let tentative: Vec<bool> = occurrence.statuses.iter().filter_map(shown).collect();
    if tentative.is_empty() {
        return Plan::Remove;
    }
    let attendees =
        if options.customers_as_attendees { occurrence.customers.clone() } else { Vec::new() };
    Plan::Push(CalendarEvent {
        key: occurrence.key.clone(),
        title: occurrence.title.clone(),
        description: occurrence.description.clone(),
        interval: if options.include_buffers { occurrence.busy } else { occurrence.slot },
        zone: occurrence.zone.clone(),
        tentative: tentative.iter().all(|t| *t),
        send_invitations: options.send_invitations && !attendees.is_empty(),
        attendees_see_each_other: options.attendees_see_each_other,
        attendees,
        with_meeting_link: options.add_meeting_link,
    })
}

/// Whether an access token expiring at `expires_at` should be refreshed before use at `now`
/// (less than a minute left).
#[must_use]
pub fn needs_refresh(expires_at: Timestamp, now: Timestamp) -> bool {
    expires_at <= now.saturating_add(SignedDuration::from_mins(1)).unwrap_or(Timestamp::MAX)
}

/// The key sent to a provider for a business's record key: unique across businesses (two
/// businesses may share one employee's calendar), stable across retries.
#[must_use]
pub fn idempotency_key(business: BusinessId, key: &str) -> String {
    format!("bookingengine-{business}-{key}")
}

/// `window` cut into consecutive pieces of at most `longest` (providers bound one query's
/// range: Microsoft's getSchedule to 62 days).
#[must_use]
pub fn pieces(window: Interval, longest: SignedDuration) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut start = window.start();
    while start < window.end() {
        let end = start.saturating_add(longest).map_or(window.end(), |e| e.min(window.end()));
        match Interval::new(start, end) {
            Ok(piece) => out.push(piece),
            Err(_) => break,
        }
        start = end;
    }
    out
}

/// The key of an appointment's event.
#[must_use]
pub fn booking_key(booking: BookingId) -> String {
    format!("booking-{booking}")
}

/// The key of a session's event.
#[must_use]
pub fn session_key(session: SessionId) -> String {
    format!("session-{session}")
}

/// The key of the event a booking shows in: its own, or its session's.
#[must_use]
pub fn occasion_key(booking: &Booking) -> String {
    match booking.target {
        Target::Appointment { .. } => booking_key(booking.id),
        Target::Session { session, .. } => session_key(session),
    }
}

/// Why a calendar use case failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The business has not configured this provider.
    #[error("calendar integration not configured")]
    NotConfigured,
    /// No such employee (or not a staff resource).
    #[error("no such employee")]
    NoEmployee,
    /// The provider refused or failed.
    #[error(transparent)]
    Provider(#[from] CalendarError),
    /// A sealed value did not open (the server secret changed).
    #[error("stored calendar secrets do not open with this server's secret")]
    Sealed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::error::error_codes!(SyncError, |e| match e {
    SyncError::NotConfigured => (Kind::Conflict, "calendar_not_configured"),
    SyncError::NoEmployee => (Kind::NotFound, "not_found"),
    SyncError::Provider(_) => (Kind::Upstream, "calendar_provider_failed"),
    SyncError::Sealed => (Kind::Conflict, "calendar_secret_unreadable"),
    SyncError::Store(e) => (e.kind(), e.code()),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_ids_are_short_lower_case_words() {
        for good in ["google", "outlook", "caldav-2", "a", "abcdefghijklmnopqrstuvwx"] {
            let p = Provider::parse(good).unwrap();
            assert_eq!(p.code(), good);
            assert_eq!(p.to_string(), good);
        }
        for bad in ["", "Google", "out look", "é", "abcdefghijklmnopqrstuvwxy", "a_b", "a/b"] {
            assert_eq!(Provider::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Provider::new("google"), Provider::parse("google").unwrap());
        assert!(Provider::new("google") < Provider::new("outlook"));
    }
    use proptest::prelude::*;

    #[test]
    fn typed_oauth_apps_are_checked() {
        let default = || "https://booking.example.org/cb".to_owned();
        let app =
            OAuthApp::checked(Provider::new("google"), " id ", " secret ", None, default).unwrap();
        assert_eq!((app.client_id.as_str(), app.client_secret.as_str()), ("id", "secret"));
        assert_eq!(app.redirect_uri, "https://booking.example.org/cb");
        let own = OAuthApp::checked(
            Provider::new("google"),
            "id",
            "s",
            Some("http://localhost/cb"),
            default,
        );
        assert_eq!(own.unwrap().redirect_uri, "http://localhost/cb");
        for (id, secret, uri) in [
            ("", "s", None),
            ("id", "", None),
            ("id", "s", Some("/relative")),
            ("id", "s", Some("https://a b")),
        ] {
            assert!(OAuthApp::checked(Provider::new("outlook"), id, secret, uri, default).is_err());
        }
    }

    fn at(h: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + h * 3600).unwrap()
    }

    fn occurrence(statuses: Vec<BookingStatus>, customers: usize) -> Occurrence {
        Occurrence {
            key: "booking-1".into(),
            statuses,
            slot: Interval::new(at(10), at(11)).unwrap(),
            busy: Interval::new(at(9), at(12)).unwrap(),
            title: "Cut".into(),
            description: String::new(),
            zone: "Europe/Paris".into(),
            customers: (0..customers)
                .map(|i| Attendee {
                    email: Email::parse(&format!("c{i}@example.com")).unwrap(),
                    name: format!("C {i}"),
                })
                .collect(),
        }
    }

    fn status() -> impl Strategy<Value = BookingStatus> {
        prop::sample::select(BookingStatus::ALL.to_vec())
    }

    fn options() -> impl Strategy<Value = CalendarSyncOptions> {
        prop::array::uniform7(any::<bool>()).prop_map(|f| CalendarSyncOptions {
            add_pending: f[0],
            customers_as_attendees: f[1],
            attendees_see_each_other: f[2],
            send_invitations: f[3],
            remove_busy_slots: f[4],
            include_buffers: f[5],
            add_meeting_link: f[6],
        })
    }

    #[test]
    fn defaults_push_approved_appointments_plainly() {
        let o = CalendarSyncOptions::default();
        let Plan::Push(e) = plan(&o, &occurrence(vec![BookingStatus::Approved], 1)) else {
            panic!("an approved booking is pushed");
        };
        assert!(!e.tentative && e.attendees.is_empty() && !e.send_invitations);
        assert!(!e.with_meeting_link);
        assert_eq!(e.interval, Interval::new(at(10), at(11)).unwrap());
        assert_eq!(plan(&o, &occurrence(vec![BookingStatus::Pending], 1)), Plan::Remove);
    }

    #[test]
    fn a_session_is_tentative_only_when_every_booking_is_pending() {
        let o = CalendarSyncOptions { add_pending: true, ..Default::default() };
        let mixed = occurrence(vec![BookingStatus::Pending, BookingStatus::Approved], 2);
        assert!(matches!(plan(&o, &mixed), Plan::Push(e) if !e.tentative));
        let pending = occurrence(vec![BookingStatus::Pending, BookingStatus::Pending], 2);
        assert!(matches!(plan(&o, &pending), Plan::Push(e) if e.tentative));
        let gone = occurrence(vec![BookingStatus::Canceled, BookingStatus::Rejected], 2);
        assert_eq!(plan(&o, &gone), Plan::Remove);
        assert_eq!(plan(&o, &occurrence(Vec::new(), 0)), Plan::Remove);
    }

    #[test]
    fn windows_are_cut_into_bounded_pieces() {
        let window = Interval::new(at(0), at(24 * 130)).unwrap();
        let cut = pieces(window, SignedDuration::from_hours(24 * 60));
        assert_eq!(cut.len(), 3);
        assert_eq!(cut[0].start(), window.start());
        assert_eq!(cut[2].end(), window.end());
        assert!(cut.windows(2).all(|w| w[0].end() == w[1].start()));
        assert!(cut.iter().all(|p| p.duration() <= SignedDuration::from_hours(24 * 60)));
    }

    #[test]
    fn refresh_a_minute_ahead() {
        assert!(needs_refresh(at(1), at(1)));
        assert!(needs_refresh(at(1), at(1) - SignedDuration::from_secs(59)));
        assert!(!needs_refresh(at(1), at(1) - SignedDuration::from_secs(61)));
    }

    proptest! {
        /// Canceled and rejected bookings never appear; pending ones only with the option and
        /// then as tentative; approved ones always.
        #[test]
        fn what_appears(o in options(), s in status(), n in 0usize..3) {
            let p = plan(&o, &occurrence(vec![s], n));
            match s {
                BookingStatus::Canceled | BookingStatus::Rejected => prop_assert_eq!(p, Plan::Remove),
                BookingStatus::Pending if !o.add_pending => prop_assert_eq!(p, Plan::Remove),
                BookingStatus::Pending => prop_assert!(matches!(p, Plan::Push(e) if e.tentative)),
                BookingStatus::Approved | BookingStatus::NoShow => {
                    prop_assert!(matches!(p, Plan::Push(e) if !e.tentative));
                }
            }
        }

        /// Attendees only with the option; invitations only with attendees; buffers only with
        /// the option; the meeting link follows its option; the key never changes.
        #[test]
        fn how_it_appears(o in options(), n in 0usize..4) {
            if let Plan::Push(e) = plan(&o, &occurrence(vec![BookingStatus::Approved], n)) {
                prop_assert_eq!(e.attendees.len(), if o.customers_as_attendees { n } else { 0 });
                prop_assert!(!e.send_invitations || (o.send_invitations && !e.attendees.is_empty()));
                prop_assert_eq!(e.send_invitations, o.send_invitations && o.customers_as_attendees && n > 0);
                let slot = Interval::new(at(10), at(11)).unwrap();
                let busy = Interval::new(at(9), at(12)).unwrap();
                prop_assert_eq!(e.interval, if o.include_buffers { busy } else { slot });
                prop_assert!(e.interval.start() <= slot.start() && slot.end() <= e.interval.end());
                prop_assert_eq!(e.with_meeting_link, o.add_meeting_link);
                prop_assert_eq!(e.attendees_see_each_other, o.attendees_see_each_other);
                prop_assert_eq!(e.key, "booking-1");
            } else {
                prop_assert!(false, "an approved booking is always pushed");
            }
        }

    }
}
