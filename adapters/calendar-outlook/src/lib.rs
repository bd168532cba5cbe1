//! [`CalendarApi`] over Outlook calendars through Microsoft Graph v1.0 (`graph-rs-sdk`), §H.
//!
//! - **Events** go to the signed-in employee's default calendar (`/me/events`). A new event
//!   carries our idempotency key as Graph's `transactionId`, which Graph documents as the guard
//!   against a retried POST creating a second event; updates are `PATCH /me/events/{id}`.
//! - **Options**: `showAs: tentative` for pending bookings (else `busy`); attendees
//!   (`type: required`) with `hideAttendees` when they must not see each other;
//!   `responseRequested` follows "send invitations"; a Teams link through `isOnlineMeeting` and
//!   `onlineMeetingProvider: teamsForBusiness`, read back from `onlineMeeting.joinUrl`. Graph
//!   itself emails attendees when an event with attendees is created: the option cannot stop
//!   that (documented in docs/OPERATIONS.md).
//! - **Busy times**: `POST /me/calendar/getSchedule` in pieces of 60 days (Graph's limit is 62);
//!   only items whose status is `busy` or `oof` block, never `free`, `tentative` or
//!   `workingElsewhere`.
//! - **OAuth**: [`booking_oauth`] against the Microsoft identity platform (`common` tenant by
//!   default), scopes `offline_access Calendars.ReadWrite User.Read`. Microsoft has no endpoint
//!   to revoke one refresh token, so disconnecting forgets it (the employee can also remove the
//!   app's consent from their Microsoft account).

use std::time::Duration;

use async_trait::async_trait;
use booking_core::calendar::{CalendarError, CalendarEvent, Provider, PushedEvent, pieces};
use booking_core::ports::calendar::CalendarApi;
use booking_core::ports::calendar::OAuthFlow;
use booking_core::time::Interval;
use booking_oauth::{OAuthClient, OAuthEndpoints, classify, retry_after, transport};
use graph_rs_sdk::{GraphClient, GraphClientConfiguration};
use jiff::{SignedDuration, Timestamp, civil, tz::TimeZone};
use serde_json::{Value, json};

/// This provider's id (`outlook`), as stored and in URLs.
pub const PROVIDER: Provider = Provider::new("outlook");

/// The scopes asked for.
pub const SCOPES: &str = "offline_access Calendars.ReadWrite User.Read";

/// The longest `getSchedule` query.
const LONGEST_QUERY: SignedDuration = SignedDuration::from_hours(24 * 60);

/// Where Microsoft's APIs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutlookEndpoints {
    /// The Graph root (`https://graph.microsoft.com/v1.0`); `None` keeps the SDK's own.
    pub graph: Option<url::Url>,
    /// OAuth.
    pub oauth: OAuthEndpoints,
}

impl OutlookEndpoints {
    /// Microsoft's production endpoints, for a tenant (`common` for any work, school or
    /// personal account).
    #[must_use]
    pub fn microsoft(tenant: &str) -> Self {
        Self::with(None, &format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0"))
    }

    /// Everything under one base URL with Microsoft's paths (a local fake).
    ///
    /// # Panics
    /// If `base` is not a URL.
    #[must_use]
    pub fn at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        let graph = url::Url::parse(&format!("{base}/v1.0")).expect("a base URL");
        Self::with(Some(graph), &format!("{base}/common/oauth2/v2.0"))
    }

    fn with(graph: Option<url::Url>, identity: &str) -> Self {
        Self {
            graph,
            oauth: OAuthEndpoints {
                authorize: format!("{identity}/authorize"),
                token: format!("{identity}/token"),
                revoke: None,
                scopes: SCOPES.to_owned(),
                extra: vec![
                    ("response_mode".into(), "query".into()),
                    ("prompt".into(), "select_account".into()),
                ],
            },
        }
    }
}

/// Outlook through Microsoft Graph.
#[derive(Clone, Debug)]
pub struct OutlookCalendar {
    endpoints: OutlookEndpoints,
    oauth: OAuthClient,
    timeout: Duration,
}

impl OutlookCalendar {
    /// A client of these endpoints.
    #[must_use]
    pub fn new(endpoints: OutlookEndpoints) -> Self {
        let oauth = OAuthClient::new(endpoints.oauth.clone());
        Self { endpoints, oauth, timeout: booking_oauth::TIMEOUT }
    }

    /// Changes each API call's time limit (15 s by default).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn graph(&self, access: &str) -> GraphClient {
        let local = self.endpoints.graph.as_ref().is_some_and(|u| u.scheme() == "http");
        let config = GraphClientConfiguration::new()
            .access_token(access)
            .timeout(self.timeout)
            .https_only(!local);
        let mut client = GraphClient::from(config);
        if let Some(url) = &self.endpoints.graph {
            client.use_test_endpoint(url);
        }
        client
    }
}

/// Reads a Graph answer: its JSON on success (or `Null` for an empty body), else the port's
/// error.
async fn answer(
    sent: Result<reqwest::Response, graph_rs_sdk::error::GraphFailure>,
) -> Result<Value, CalendarError> {
    let response = sent.map_err(transport)?;
    let status = response.status().as_u16();
    let after = retry_after(response.headers());
    let body = response.text().await.map_err(transport)?;
    if !(200..300).contains(&status) {
        return Err(classify(status, after, &body));
    }
    if body.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&body)
        .map_err(|e| CalendarError::Failed(format!("unreadable answer: {e}")))
}

/// A Graph `dateTimeTimeZone` in UTC.
fn graph_time(at: Timestamp) -> Value {
    let civil = TimeZone::UTC.to_datetime(at);
    json!({"dateTime": civil.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"})
}

/// Reads a Graph `dateTimeTimeZone` (`2027-01-04T10:00:00.0000000` in `UTC` or an IANA zone).
fn read_time(value: &Value) -> Option<Timestamp> {
    let text = value.get("dateTime")?.as_str()?;
    let zone = value.get("timeZone").and_then(Value::as_str).unwrap_or("UTC");
    let civil: civil::DateTime = text.parse().ok()?;
    let tz =
        if zone.eq_ignore_ascii_case("UTC") { TimeZone::UTC } else { TimeZone::get(zone).ok()? };
    civil.to_zoned(tz).ok().map(|z| z.timestamp())
}

/// The event body of Graph's reference for `POST /me/events` (with the `transactionId`) and
/// `PATCH /me/events/{id}` (without).
#[must_use]
pub fn event_body(event: &CalendarEvent, create: bool) -> Value {
    let attendees: Vec<Value> = event
        .attendees
        .iter()
        .map(|a| {
            json!({
                "emailAddress": {"address": a.email.as_str(), "name": a.name},
                "type": "required"
            })
        })
        .collect();
    let mut body = json!({
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description},
        "start": graph_time(event.interval.start()),
        "end": graph_time(event.interval.end()),
        "showAs": if event.tentative { "tentative" } else { "busy" },
        "attendees": attendees,
        "hideAttendees": !event.attendees_see_each_other,
        "responseRequested": event.send_invitations,
        "isOnlineMeeting": event.with_meeting_link,
    });
    if event.with_meeting_link {
        body["onlineMeetingProvider"] = json!("teamsForBusiness");
    }
    if create {
        body["transactionId"] = json!(event.key);
    }
    body
}

#[async_trait]
impl CalendarApi for OutlookCalendar {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    fn label(&self, _locale: booking_core::settings::Locale) -> &'static str {
        "Outlook"
    }

    fn meeting_placeholder(&self) -> Option<&'static str> {
        Some("microsoft_teams_url")
    }

    fn oauth(&self) -> &dyn OAuthFlow {
        &self.oauth
    }

    async fn account(&self, access: &str) -> Result<String, CalendarError> {
        let me = answer(self.graph(access).me().get_user().send().await).await?;
        me.get("mail")
            .and_then(Value::as_str)
            .or_else(|| me.get("userPrincipalName").and_then(Value::as_str))
            .map(str::to_owned)
            .ok_or_else(|| CalendarError::Failed("the account has no address".into()))
    }

    async fn push(
        &self,
        access: &str,
        existing: Option<&str>,
        event: &CalendarEvent,
    ) -> Result<PushedEvent, CalendarError> {
        let graph = self.graph(access);
        let saved = match existing {
            Some(id) => {
                let body = event_body(event, false);
                answer(graph.me().event(id).update_events(&body).send().await).await?
            }
            None => {
                let body = event_body(event, true);
                answer(graph.me().events().create_events(&body).send().await).await?
            }
        };
        let external_id = saved
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| CalendarError::Failed("event without id".into()))?
            .to_owned();
        let meeting_url =
            saved.pointer("/onlineMeeting/joinUrl").and_then(Value::as_str).map(str::to_owned);
        Ok(PushedEvent { external_id, meeting_url })
    }

    async fn delete(&self, access: &str, external_id: &str) -> Result<(), CalendarError> {
        let sent = self.graph(access).me().event(external_id).delete_events().send().await;
        match answer(sent).await {
            Ok(_) => Ok(()),
            Err(CalendarError::Failed(m)) if m.starts_with("HTTP 404") => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn busy(
        &self,
        access: &str,
        account: &str,
        window: Interval,
    ) -> Result<Vec<Interval>, CalendarError> {
        let graph = self.graph(access);
        let mut busy = Vec::new();
        for piece in pieces(window, LONGEST_QUERY) {
            let body = json!({
                "schedules": [account],
                "startTime": graph_time(piece.start()),
                "endTime": graph_time(piece.end()),
                "availabilityViewInterval": 30,
            });
            let found =
                answer(graph.me().default_calendar().get_schedule(&body).send().await).await?;
            let schedules =
                found.get("value").and_then(Value::as_array).cloned().unwrap_or_default();
            for schedule in schedules {
                if let Some(error) = schedule.get("error").filter(|e| !e.is_null()) {
                    return Err(CalendarError::Failed(format!("getSchedule: {error}")));
                }
                let items = schedule.get("scheduleItems").and_then(Value::as_array);
                for item in items.into_iter().flatten() {
                    let status = item.get("status").and_then(Value::as_str).unwrap_or("busy");
                    if !matches!(status, "busy" | "oof") {
                        continue;
                    }
                    let (Some(start), Some(end)) = (
                        item.get("start").and_then(read_time),
                        item.get("end").and_then(read_time),
                    ) else {
                        continue;
                    };
                    if let Ok(interval) = Interval::new(start, end) {
                        busy.push(interval);
                    }
                }
            }
        }
        Ok(busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_read_back() {
        let at: Timestamp = "2027-01-04T09:00:00Z".parse().unwrap();
        assert_eq!(graph_time(at)["dateTime"], "2027-01-04T09:00:00");
        assert_eq!(read_time(&graph_time(at)), Some(at));
        let paris = json!({"dateTime": "2027-01-04T10:00:00.0000000", "timeZone": "Europe/Paris"});
        assert_eq!(read_time(&paris), Some(at));
        assert_eq!(read_time(&json!({"dateTime": "x", "timeZone": "UTC"})), None);
    }
}
