//! [`CalendarApi`] over Google Calendar v3 (`google-calendar3`), §H.
//!
//! - **Events** go to the employee's `primary` calendar. A new event is inserted with a
//!   client-chosen id derived from our idempotency key (lower-case hex, inside Google's
//!   `[a-v0-9]` alphabet), so a retry after a lost answer gets `409 Conflict` and becomes an
//!   update of that same event: never a second one. Updates are full `PUT`s, so an option turned
//!   off (attendees, the Meet link) disappears from the event too.
//! - **Options**: `status: tentative` for pending bookings; attendees with
//!   `guestsCanSeeOtherGuests`; `sendUpdates=all|none`; a Meet link through
//!   `conferenceData.createRequest` (`conferenceDataVersion=1`), read back from `hangoutLink`.
//! - **Busy times**: `freeBusy` over the window in pieces of 60 days; Google reports only
//!   opaque (busy) events there, so free ("transparent") ones never block.
//! - **OAuth**: [`booking_oauth`], offline access with a forced consent (so a refresh token
//!   is always granted); the account is the `primary` calendar's id (its address).

use std::time::Duration;

use async_trait::async_trait;
use booking_core::calendar::{CalendarError, CalendarEvent, Provider, PushedEvent, pieces};
use booking_core::ports::calendar::CalendarApi;
use booking_core::ports::calendar::OAuthFlow;
use booking_core::time::Interval;
use booking_oauth::{OAuthClient, OAuthEndpoints, classify, transport};
use google_calendar3::api::{
    ConferenceData, ConferenceSolutionKey, CreateConferenceRequest, Event, EventAttendee,
    EventDateTime, FreeBusyRequest, FreeBusyRequestItem,
};
use google_calendar3::{CalendarHub, common};
use jiff::{SignedDuration, Timestamp};

/// This provider's id (`google`), as stored and in URLs.
pub const PROVIDER: Provider = Provider::new("google");

type Connector = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;

/// The scopes asked for: events, free/busy, and reading the calendar list (for the address).
pub const SCOPES: &str = "https://www.googleapis.com/auth/calendar.events \
                          https://www.googleapis.com/auth/calendar.freebusy \
                          https://www.googleapis.com/auth/calendar.calendarlist.readonly";

/// Where Google's APIs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoogleEndpoints {
    /// The Calendar API root, ending in `/calendar/v3/`.
    pub api: String,
    /// OAuth.
    pub oauth: OAuthEndpoints,
}

impl GoogleEndpoints {
    /// Google's production endpoints.
    #[must_use]
    pub fn google() -> Self {
        Self::with(
            "https://www.googleapis.com/calendar/v3/",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com",
        )
    }

    /// Everything under one base URL, with Google's paths (a local fake).
    #[must_use]
    pub fn at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Self::with(&format!("{base}/calendar/v3/"), &format!("{base}/o/oauth2/v2/auth"), base)
    }

    fn with(api: &str, authorize: &str, oauth: &str) -> Self {
        Self {
            api: api.to_owned(),
            oauth: OAuthEndpoints {
                authorize: authorize.to_owned(),
                token: format!("{oauth}/token"),
                revoke: Some(format!("{oauth}/revoke")),
                scopes: SCOPES.to_owned(),
                extra: vec![
                    ("access_type".into(), "offline".into()),
                    ("prompt".into(), "consent".into()),
                    ("include_granted_scopes".into(), "true".into()),
                ],
            },
        }
    }
}

/// Google Calendar.
#[derive(Clone)]
pub struct GoogleCalendar {
    client: common::Client<Connector>,
    endpoints: GoogleEndpoints,
    oauth: OAuthClient,
    timeout: Duration,
}

impl std::fmt::Debug for GoogleCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleCalendar").field("endpoints", &self.endpoints).finish_non_exhaustive()
    }
}

/// The longest `freeBusy` query.
const LONGEST_QUERY: SignedDuration = SignedDuration::from_hours(24 * 60);

impl GoogleCalendar {
    /// A client of these endpoints (HTTPS with the system's roots; plain HTTP only when an
    /// endpoint says so, for local fakes).
    ///
    /// # Errors
    /// When the system has no root certificates.
    pub fn new(endpoints: GoogleEndpoints) -> std::io::Result<Self> {
        booking_oauth::install_crypto_provider();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        let oauth = OAuthClient::new(endpoints.oauth.clone());
        Ok(Self { client, endpoints, oauth, timeout: booking_oauth::TIMEOUT })
    }

    /// Changes each API call's time limit (15 s by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn hub(&self, access: &str) -> CalendarHub<Connector> {
        let mut hub = CalendarHub::new(self.client.clone(), access.to_owned());
        hub.base_url(self.endpoints.api.clone());
        hub.root_url(self.endpoints.api.clone());
        hub
    }
}

/// Captures the status and `Retry-After` of a failed answer (the SDK keeps only the body).
#[derive(Default)]
struct Capture {
    status: Option<u16>,
    retry_after: Option<u64>,
}

impl common::Delegate for Capture {
    fn http_failure(
        &mut self,
        response: &common::Response,
        _err: Option<&serde_json::Value>,
    ) -> common::Retry {
        self.status = Some(response.status().as_u16());
        self.retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        common::Retry::Abort
    }
}

/// Runs one SDK call with the time limit and maps its failure onto the port.
async fn call<T>(
    capture: &Capture,
    result: Result<Result<T, common::Error>, tokio::time::error::Elapsed>,
) -> Result<T, CalendarError> {
    match result {
        Err(_) => Err(CalendarError::RetryLater("timed out".into(), None)),
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(failure(capture, &error)),
    }
}

fn failure(capture: &Capture, error: &common::Error) -> CalendarError {
    match (error, capture.status) {
        (common::Error::HttpError(e), _) => transport(e),
        (common::Error::Io(e), _) => transport(e),
        (common::Error::BadRequest(body), Some(status)) => {
            classify(status, capture.retry_after, &body.to_string())
        }
        (common::Error::Failure(response), _) => {
            classify(response.status().as_u16(), capture.retry_after, "")
        }
        (other, Some(status)) => classify(status, capture.retry_after, &other.to_string()),
        (other, None) => CalendarError::Failed(other.to_string()),
    }
}

/// Google's event id for our key: its bytes in lower-case hex (`[0-9a-f]` is inside Google's
/// base32hex alphabet; 5 to 1024 characters).
#[must_use]
pub fn event_id(key: &str) -> String {
    use std::fmt::Write as _;
    key.bytes().take(500).fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn utc(at: Timestamp) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(at.as_second(), at.subsec_nanosecond().unsigned_abs())
}

fn instant(at: chrono::DateTime<chrono::Utc>) -> Option<Timestamp> {
    Timestamp::new(at.timestamp(), i32::try_from(at.timestamp_subsec_nanos()).ok()?).ok()
}

/// The event body Google's reference describes for `events.insert` / `events.update`.
#[must_use]
pub fn event_body(event: &CalendarEvent, id: Option<String>) -> Event {
    let when = |at: Timestamp| EventDateTime {
        date_time: utc(at),
        time_zone: Some(event.zone.clone()),
        ..EventDateTime::default()
    };
    Event {
        id,
        summary: Some(event.title.clone()),
        description: Some(event.description.clone()),
        start: Some(when(event.interval.start())),
        end: Some(when(event.interval.end())),
        status: Some(if event.tentative { "tentative" } else { "confirmed" }.to_owned()),
        attendees: Some(
            event
                .attendees
                .iter()
                .map(|a| EventAttendee {
                    email: Some(a.email.as_str().to_owned()),
                    display_name: Some(a.name.clone()),
                    ..EventAttendee::default()
                })
                .collect(),
        ),
        guests_can_see_other_guests: Some(event.attendees_see_each_other),
        conference_data: event.with_meeting_link.then(|| ConferenceData {
            create_request: Some(CreateConferenceRequest {
                request_id: Some(event.key.clone()),
                conference_solution_key: Some(ConferenceSolutionKey {
                    type_: Some("hangoutsMeet".into()),
                }),
                status: None,
            }),
            ..ConferenceData::default()
        }),
        ..Event::default()
    }
}

fn meeting_url(event: &Event) -> Option<String> {
    event.hangout_link.clone().or_else(|| {
        event.conference_data.as_ref()?.entry_points.as_ref()?.iter().find_map(|p| {
            (p.entry_point_type.as_deref() == Some("video")).then(|| p.uri.clone()).flatten()
        })
    })
}

#[async_trait]
impl CalendarApi for GoogleCalendar {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    fn label(&self, locale: booking_core::settings::Locale) -> &'static str {
        match locale {
            booking_core::settings::Locale::Fr => "Google Agenda",
            booking_core::settings::Locale::En => "Google Calendar",
        }
    }

    fn meeting_placeholder(&self) -> Option<&'static str> {
        Some("google_meet_url")
    }

    fn oauth(&self) -> &dyn OAuthFlow {
        &self.oauth
    }

    async fn account(&self, access: &str) -> Result<String, CalendarError> {
        let hub = self.hub(access);
        let mut capture = Capture::default();
        let get = hub.calendar_list().get("primary").delegate(&mut capture).doit();
        let result = tokio::time::timeout(self.timeout, get).await;
        let (_, entry) = call(&capture, result).await?;
        entry.id.ok_or_else(|| CalendarError::Failed("the primary calendar has no id".into()))
    }

    async fn push(
        &self,
        access: &str,
        existing: Option<&str>,
        event: &CalendarEvent,
    ) -> Result<PushedEvent, CalendarError> {
        let hub = self.hub(access);
        let send = if event.send_invitations { "all" } else { "none" };
        let update = |id: String| {
            let hub = &hub;
            async move {
                let mut capture = Capture::default();
                let put = hub
                    .events()
                    .update(event_body(event, None), "primary", &id)
                    .send_updates(send)
                    .conference_data_version(1)
                    .delegate(&mut capture)
                    .doit();
                let result = tokio::time::timeout(self.timeout, put).await;
                call(&capture, result).await
            }
        };
        let (_, saved) = if let Some(id) = existing {
            update(id.to_owned()).await?
        } else {
            let id = event_id(&event.key);
            let mut capture = Capture::default();
            let insert = hub
                .events()
                .insert(event_body(event, Some(id.clone())), "primary")
                .send_updates(send)
                .conference_data_version(1)
                .delegate(&mut capture)
                .doit();
            let result = tokio::time::timeout(self.timeout, insert).await;
            match call(&capture, result).await {
                // The id is taken: an earlier attempt made the event (or it was deleted and the
                // booking came back); update that one.
                Err(CalendarError::Failed(m)) if m.starts_with("HTTP 409") => update(id).await?,
                other => other?,
            }
        };
        let external_id =
            saved.id.clone().ok_or_else(|| CalendarError::Failed("event without id".into()))?;
        Ok(PushedEvent { meeting_url: meeting_url(&saved), external_id })
    }

    async fn delete(&self, access: &str, external_id: &str) -> Result<(), CalendarError> {
        let hub = self.hub(access);
        let mut capture = Capture::default();
        let delete = hub
            .events()
            .delete("primary", external_id)
            .send_updates("all")
            .delegate(&mut capture)
            .doit();
        let result = tokio::time::timeout(self.timeout, delete).await;
        match call(&capture, result).await {
            Ok(_) => Ok(()),
            Err(CalendarError::Failed(m))
                if m.starts_with("HTTP 404") || m.starts_with("HTTP 410") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn busy(
        &self,
        access: &str,
        account: &str,
        window: Interval,
    ) -> Result<Vec<Interval>, CalendarError> {
        let hub = self.hub(access);
        let mut busy = Vec::new();
        for piece in pieces(window, LONGEST_QUERY) {
            let request = FreeBusyRequest {
                time_min: utc(piece.start()),
                time_max: utc(piece.end()),
                items: Some(vec![FreeBusyRequestItem { id: Some(account.to_owned()) }]),
                time_zone: Some("UTC".into()),
                ..FreeBusyRequest::default()
            };
            let mut capture = Capture::default();
            let query = hub.freebusy().query(request).delegate(&mut capture).doit();
            let result = tokio::time::timeout(self.timeout, query).await;
            let (_, answer) = call(&capture, result).await?;
            let calendars = answer.calendars.unwrap_or_default();
            let Some(calendar) = calendars.get(account).or_else(|| calendars.values().next())
            else {
                return Err(CalendarError::Failed("free/busy answered no calendar".into()));
            };
            if let Some(errors) = calendar.errors.as_ref().filter(|e| !e.is_empty()) {
                let reasons: Vec<_> = errors.iter().filter_map(|e| e.reason.clone()).collect();
                return Err(CalendarError::Failed(format!("free/busy: {}", reasons.join(", "))));
            }
            for period in calendar.busy.iter().flatten() {
                let (Some(start), Some(end)) =
                    (period.start.and_then(instant), period.end.and_then(instant))
                else {
                    continue;
                };
                if let Ok(interval) = Interval::new(start, end) {
                    busy.push(interval);
                }
            }
        }
        Ok(busy)
    }
}
