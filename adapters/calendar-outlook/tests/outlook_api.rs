//! The Outlook adapter against a local fake of Microsoft Graph and the Microsoft identity
//! platform (wiremock). The mocks check the paths, query parameters and JSON bodies of
//! Microsoft's published reference (`POST /me/events`, `PATCH` / `DELETE /me/events/{id}`,
//! `POST /me/calendar/getSchedule`, `GET /me`, the v2.0 token endpoint); a stateful fake then
//! runs the whole sync through the real SDK, including a refused token and its refresh.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use booking_calendar_outlook::{OutlookCalendar, OutlookEndpoints};
use booking_core::calendar::{Attendee, CalendarError, CalendarEvent, OAuthApp};
use booking_core::catalog::{Email, ResourceKind};
use booking_core::outbox::RetryPolicy;
use booking_core::ports::calendar::CalendarApi;
use booking_core::services::calendar::CalendarSync;
use booking_core::services::outbox::drain;
use booking_core::time::Interval;
use booking_core::{Actor, Details, Limits, Offer, Role};
use booking_testkit::{FakeSealer, Harness};
use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_partial_json, body_string_contains, header, method, path, path_regex,
};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn app() -> OAuthApp {
    OAuthApp {
        provider: booking_calendar_outlook::PROVIDER,
        client_id: "6731de76-14a6-49ae-97bc-6eba6914391e".into(),
        client_secret: "azure~secret".into(),
        redirect_uri: "https://book.example/oauth/outlook".into(),
    }
}

async fn outlook() -> (MockServer, OutlookCalendar) {
    let server = MockServer::start().await;
    let api = OutlookCalendar::new(OutlookEndpoints::at(&server.uri()))
        .with_timeout(Duration::from_millis(700));
    (server, api)
}

fn event(key: &str) -> CalendarEvent {
    CalendarEvent {
        key: key.into(),
        title: "Haircut – Ann Lee".into(),
        description: "Booked online".into(),
        interval: Interval::new(at("2027-01-04T09:00:00Z"), at("2027-01-04T09:30:00Z")).unwrap(),
        zone: "Europe/Paris".into(),
        tentative: false,
        attendees: Vec::new(),
        attendees_see_each_other: false,
        send_invitations: false,
        with_meeting_link: false,
    }
}

#[tokio::test]
async fn oauth_asks_for_offline_calendar_access() {
    let (server, api) = outlook().await;
    let url = url::Url::parse(&api.oauth().authorize_url(&app(), "st4te")).unwrap();
    assert_eq!(url.path(), "/common/oauth2/v2.0/authorize");
    let q: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "6731de76-14a6-49ae-97bc-6eba6914391e");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["response_mode"], "query");
    assert_eq!(q["scope"], "offline_access Calendars.ReadWrite User.Read");
    assert_eq!(q["state"], "st4te");

    Mock::given(method("POST"))
        .and(path("/common/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=M.C5"))
        .and(body_string_contains("scope=offline_access+Calendars.ReadWrite+User.Read"))
        .and(body_string_contains("client_secret=azure%7Esecret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "scope": "Calendars.ReadWrite User.Read",
            "expires_in": 4000, "access_token": "eyJ0eXAi", "refresh_token": "M.R3_B"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let grant = api.oauth().exchange_code(&app(), "M.C5").await.unwrap();
    assert_eq!(grant.refresh_token.as_deref(), Some("M.R3_B"));
    Mock::given(method("POST"))
        .and(path("/common/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "AADSTS70000: The user has revoked consent."
        })))
        .mount(&server)
        .await;
    assert_eq!(api.oauth().refresh(&app(), "M.R3_B").await.unwrap_err(), CalendarError::Revoked);
    api.oauth().revoke(&app(), "M.R3_B").await.unwrap();
    let revoke_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().contains("revoke"))
        .count();
    assert_eq!(revoke_calls, 0, "Microsoft has no revocation endpoint: nothing is called");

    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .and(header("authorization", "Bearer eyJ0eXAi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "displayName": "Ann", "mail": null, "userPrincipalName": "ann@contoso.onmicrosoft.com"
        })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(api.account("eyJ0eXAi").await.unwrap(), "ann@contoso.onmicrosoft.com");
}

#[tokio::test]
async fn events_carry_every_option() {
    let ann = Attendee { email: Email::parse("ann@example.com").unwrap(), name: "Ann Lee".into() };
    let plain = event("bookingengine-1-booking-1");
    let cases = [
        (
            "defaults",
            plain.clone(),
            json!({
                "subject": "Haircut – Ann Lee",
                "body": {"contentType": "text", "content": "Booked online"},
                "start": {"dateTime": "2027-01-04T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2027-01-04T09:30:00", "timeZone": "UTC"},
                "showAs": "busy",
                "attendees": [],
                "isOnlineMeeting": false,
                "transactionId": "bookingengine-1-booking-1"
            }),
        ),
        (
            "pending",
            CalendarEvent { tentative: true, ..plain.clone() },
            json!({"showAs": "tentative"}),
        ),
        (
            "attendees hidden from each other",
            CalendarEvent { attendees: vec![ann.clone()], ..plain.clone() },
            json!({
                "attendees": [{"emailAddress": {"address": "ann@example.com", "name": "Ann Lee"},
                               "type": "required"}],
                "hideAttendees": true,
                "responseRequested": false
            }),
        ),
        (
            "attendees who see each other, invited",
            CalendarEvent {
                attendees: vec![ann],
                attendees_see_each_other: true,
                send_invitations: true,
                ..plain.clone()
            },
            json!({"hideAttendees": false, "responseRequested": true}),
        ),
        (
            "a Teams link",
            CalendarEvent { with_meeting_link: true, ..plain.clone() },
            json!({"isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness"}),
        ),
    ];
    for (name, event, body) in cases {
        let (server, api) = outlook().await;
        let mut answer = json!({"id": "AAMkAGI2TG93AAA="});
        if event.with_meeting_link {
            answer["onlineMeeting"] =
                json!({"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3a1"});
        }
        Mock::given(method("POST"))
            .and(path("/v1.0/me/events"))
            .and(header("authorization", "Bearer eyJ0eXAi"))
            .and(header("content-type", "application/json"))
            .and(body_partial_json(&body))
            .respond_with(ResponseTemplate::new(201).set_body_json(&answer))
            .expect(1)
            .named(name)
            .mount(&server)
            .await;
        let pushed =
            api.push("eyJ0eXAi", None, &event).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pushed.external_id, "AAMkAGI2TG93AAA=", "{name}");
        assert_eq!(pushed.meeting_url.is_some(), event.with_meeting_link, "{name}");
        let sent: Value =
            serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
        assert_eq!(sent.get("onlineMeetingProvider").is_some(), event.with_meeting_link, "{name}");
    }
}

#[tokio::test]
async fn updates_patch_and_deletes_tolerate_missing_events() {
    let (server, api) = outlook().await;
    Mock::given(method("PATCH"))
        .and(path("/v1.0/me/events/AAMk1"))
        .and(body_partial_json(json!({"subject": "Haircut – Ann Lee", "showAs": "busy"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "AAMk1"})))
        .expect(1)
        .mount(&server)
        .await;
    api.push("eyJ0eXAi", Some("AAMk1"), &event("k")).await.unwrap();
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(sent.get("transactionId").is_none(), "only a create carries the transaction id");
    Mock::given(method("DELETE"))
        .and(path("/v1.0/me/events/AAMk1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    api.delete("eyJ0eXAi", "AAMk1").await.unwrap();
    Mock::given(method("DELETE"))
        .and(path("/v1.0/me/events/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": "ErrorItemNotFound", "message": "The specified object was not found in the store."}
        })))
        .mount(&server)
        .await;
    api.delete("eyJ0eXAi", "gone").await.unwrap();
}

#[tokio::test]
async fn failures_map_to_refresh_retry_or_fail() {
    let (server, api) = outlook().await;
    let error = |status: u16| {
        ResponseTemplate::new(status).set_body_json(json!({"error": {"code": "x", "message": "y"}}))
    };
    let cases = [
        (error(401), CalendarError::Unauthorized),
        (
            error(429).insert_header("Retry-After", "12"),
            CalendarError::RetryLater("HTTP 429".into(), Some(12)),
        ),
        (error(503), CalendarError::RetryLater("HTTP 503".into(), None)),
        (error(400), CalendarError::Failed(String::new())),
    ];
    for (i, (response, expected)) in cases.into_iter().enumerate() {
        let id = format!("e{i}");
        Mock::given(method("PATCH"))
            .and(path(format!("/v1.0/me/events/{id}")))
            .respond_with(response)
            .mount(&server)
            .await;
        let got = api.push("eyJ0eXAi", Some(&id), &event("k")).await.unwrap_err();
        match (&got, &expected) {
            (CalendarError::Failed(m), CalendarError::Failed(_)) => assert!(m.contains("400")),
            _ => assert_eq!(got, expected, "case {i}"),
        }
    }
    Mock::given(method("PATCH"))
        .and(path("/v1.0/me/events/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    assert!(matches!(
        api.push("eyJ0eXAi", Some("slow"), &event("k")).await,
        Err(CalendarError::RetryLater(_, None))
    ));
}

#[tokio::test]
async fn get_schedule_keeps_only_busy_items() {
    let (server, api) = outlook().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/calendar/getSchedule"))
        .and(body_partial_json(json!({
            "schedules": ["ann@contoso.com"],
            "startTime": {"timeZone": "UTC"},
            "endTime": {"timeZone": "UTC"}
        })))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let first = body["startTime"]["dateTime"] == "2027-01-01T00:00:00";
            let item = |status: &str, from: &str, to: &str| {
                json!({"isPrivate": false, "status": status, "subject": "x",
                       "start": {"dateTime": from, "timeZone": "UTC"},
                       "end": {"dateTime": to, "timeZone": "UTC"}})
            };
            let items = if first {
                json!([
                    item("busy", "2027-01-04T10:00:00.0000000", "2027-01-04T11:00:00.0000000"),
                    item("free", "2027-01-04T12:00:00.0000000", "2027-01-04T13:00:00.0000000"),
                    item("tentative", "2027-01-04T13:00:00.0000000", "2027-01-04T14:00:00.0000000"),
                    item("oof", "2027-01-05T00:00:00.0000000", "2027-01-06T00:00:00.0000000"),
                    item(
                        "workingElsewhere",
                        "2027-01-07T08:00:00.0000000",
                        "2027-01-07T17:00:00.0000000"
                    )
                ])
            } else {
                json!([])
            };
            ResponseTemplate::new(200).set_body_json(json!({"value": [{
                "scheduleId": "ann@contoso.com", "availabilityView": "0", "scheduleItems": items
            }]}))
        })
        .expect(2)
        .mount(&server)
        .await;
    let window = Interval::new(at("2027-01-01T00:00:00Z"), at("2027-03-15T00:00:00Z")).unwrap();
    let busy = api.busy("eyJ0eXAi", "ann@contoso.com", window).await.unwrap();
    assert_eq!(
        busy,
        vec![
            Interval::new(at("2027-01-04T10:00:00Z"), at("2027-01-04T11:00:00Z")).unwrap(),
            Interval::new(at("2027-01-05T00:00:00Z"), at("2027-01-06T00:00:00Z")).unwrap(),
        ]
    );
}

/// The events of one mailbox, as Graph keeps them: a POST whose `transactionId` was seen
/// returns the event it made then; the first POST's answer can be made to time out.
#[derive(Clone, Default)]
struct Mailbox {
    events: Arc<Mutex<BTreeMap<String, Value>>>,
    slow_posts: Arc<Mutex<u32>>,
    access: Arc<Mutex<String>>,
}

impl Respond for Mailbox {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let bearer = format!("Bearer {}", self.access.lock().unwrap());
        if request.headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&bearer) {
            return ResponseTemplate::new(401).set_body_json(json!({"error": {
                "code": "InvalidAuthenticationToken", "message": "Access token has expired."}}));
        }
        let mut events = self.events.lock().unwrap();
        let id = request.url.path().strip_prefix("/v1.0/me/events/").map(str::to_owned);
        match (request.method.as_str(), id) {
            ("POST", None) => {
                let mut body: Value = serde_json::from_slice(&request.body).unwrap();
                let tx = body["transactionId"].as_str().unwrap().to_owned();
                let found = events.iter().find(|(_, e)| e["transactionId"] == tx.as_str());
                if let Some((id, e)) = found {
                    let mut e = e.clone();
                    e["id"] = json!(id);
                    return ResponseTemplate::new(201).set_body_json(e);
                }
                let id = format!("AAMk{}", events.len() + 1);
                body["id"] = json!(id);
                events.insert(id, body.clone());
                let mut slow = self.slow_posts.lock().unwrap();
                let template = ResponseTemplate::new(201).set_body_json(body);
                if *slow > 0 {
                    *slow -= 1;
                    return template.set_delay(Duration::from_secs(2));
                }
                template
            }
            ("PATCH", Some(id)) => {
                let Some(e) = events.get_mut(&id) else { return ResponseTemplate::new(404) };
                let patch: Value = serde_json::from_slice(&request.body).unwrap();
                for (k, v) in patch.as_object().unwrap() {
                    e[k] = v.clone();
                }
                ResponseTemplate::new(200).set_body_json(e.clone())
            }
            ("DELETE", Some(id)) => match events.remove(&id) {
                Some(_) => ResponseTemplate::new(204),
                None => ResponseTemplate::new(404),
            },
            _ => ResponseTemplate::new(405),
        }
    }
}

async fn stateful_graph(server: &MockServer, slow_posts: u32) -> Mailbox {
    let mailbox = Mailbox { slow_posts: Arc::new(Mutex::new(slow_posts)), ..Mailbox::default() };
    *mailbox.access.lock().unwrap() = "at-1".into();
    let issued = Arc::new(Mutex::new(1));
    let (issued_2, access) = (issued.clone(), mailbox.access.clone());
    Mock::given(method("POST"))
        .and(path("/common/oauth2/v2.0/token"))
        .respond_with(move |_: &Request| {
            let mut n = issued_2.lock().unwrap();
            *n += 1;
            *access.lock().unwrap() = format!("at-{n}");
            ResponseTemplate::new(200).set_body_json(json!({
                "access_token": format!("at-{n}"), "expires_in": 3600, "refresh_token": "rt"
            }))
        })
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"mail": "ann@contoso.com"})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/calendar/getSchedule"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{
            "scheduleId": "ann@contoso.com",
            "scheduleItems": [{"status": "busy",
                "start": {"dateTime": "2027-01-04T14:00:00.0000000", "timeZone": "UTC"},
                "end": {"dateTime": "2027-01-04T14:20:00.0000000", "timeZone": "UTC"}}]
        }]})))
        .mount(server)
        .await;
    Mock::given(path_regex("^/v1.0/me/events(/[^/]+)?$"))
        .respond_with(mailbox.clone())
        .mount(server)
        .await;
    mailbox
}

async fn employee_with_outlook(server: &MockServer) -> (Harness, CalendarSync) {
    let h = Harness::demo("2027-01-01T08:00:00Z").await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = ResourceKind::Staff;
    desk.email = Some(Email::parse("ann@contoso.com").unwrap());
    h.store.update_resource(&desk).await.unwrap();
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    business.settings.calendar.add_pending = true;
    h.store.update_business(&business).await.unwrap();
    let sync = sync_over(&h, server);
    sync.configure(h.business, &app()).await.unwrap();
    (h, sync)
}

fn sync_over(h: &Harness, server: &MockServer) -> CalendarSync {
    let api = OutlookCalendar::new(OutlookEndpoints::at(&server.uri()))
        .with_timeout(Duration::from_millis(500));
    CalendarSync::new(h.store.clone(), vec![Arc::new(api)], Arc::new(FakeSealer), h.clock.clone())
}

async fn book(h: &Harness, start: &str) -> booking_core::Booking {
    h.engine
        .book(
            h.business,
            Offer { agenda: h.agenda, service: h.service, resource: None },
            at(start),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap()
}

async fn run_jobs(h: &Harness, sync: &CalendarSync) -> booking_core::outbox::Drained {
    drain(h.store.as_ref(), h.clock.as_ref(), sync, &RetryPolicy::default(), 8).await.unwrap()
}

/// Done when, on Outlook: one event per booking through book, reschedule and cancel; a refused
/// access token is refreshed once; the busy item removes its slot.
#[tokio::test]
async fn connect_book_reschedule_cancel_through_the_sdk() {
    let server = MockServer::start().await;
    let mailbox = stateful_graph(&server, 0).await;
    let (h, sync) = employee_with_outlook(&server).await;
    sync.connect(h.business, h.desk, booking_calendar_outlook::PROVIDER, "M.C5").await.unwrap();
    sync.catch_up(h.business, h.desk, 365).await.unwrap();
    let monday = Interval::new(at("2027-01-03T23:00:00Z"), at("2027-01-04T23:00:00Z")).unwrap();
    let found = h
        .engine
        .availability(
            h.business,
            Offer { agenda: h.agenda, service: h.service, resource: None },
            monday,
            None,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let starts: Vec<_> = found.slots().iter().map(booking_core::slots::Slot::start).collect();
    assert!(!starts.contains(&at("2027-01-04T14:00:00Z")));
    assert!(
        starts.contains(&at("2027-01-04T13:30:00Z"))
            && starts.contains(&at("2027-01-04T14:30:00Z"))
    );

    let booked = book(&h, "2027-01-04T09:00:00Z").await;
    run_jobs(&h, &sync).await;
    assert_eq!(mailbox.events.lock().unwrap().len(), 1);
    // The access token dies early: one refresh, then the reschedule goes through.
    *mailbox.access.lock().unwrap() = "rotated-by-microsoft".into();
    let moved = h
        .engine
        .reschedule(
            h.business,
            booked.id,
            at("2027-01-04T10:00:00Z"),
            None,
            None,
            Actor::staff(Role::Admin, None),
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    {
        let events = mailbox.events.lock().unwrap();
        assert_eq!(events.len(), 1);
        let e = events.values().next().unwrap();
        assert_eq!(e["start"]["dateTime"], "2027-01-04T10:00:00");
        assert_eq!(e["showAs"], "busy");
    }
    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    assert!(mailbox.events.lock().unwrap().is_empty());
}

/// Outlook as a provider of the calendar contract, over the stateful Graph fake.
struct Outlook {
    server: MockServer,
    mailbox: Mailbox,
}

impl Outlook {
    async fn start(lost_answers: u32) -> Self {
        let server = MockServer::start().await;
        let mailbox = stateful_graph(&server, lost_answers).await;
        Self { server, mailbox }
    }
}

impl booking_testkit::calendar_contract::CalendarFake for Outlook {
    fn api(&self) -> Arc<dyn CalendarApi> {
        let api = OutlookCalendar::new(OutlookEndpoints::at(&self.server.uri()))
            .with_timeout(Duration::from_millis(500));
        Arc::new(api)
    }

    fn code(&self) -> &'static str {
        "M.C5"
    }

    fn account(&self) -> &'static str {
        "ann@contoso.com"
    }

    fn starts(&self) -> Vec<Timestamp> {
        let events = self.mailbox.events.lock().unwrap();
        events
            .values()
            .map(|e| {
                assert_eq!(e["start"]["timeZone"], "UTC", "{e}");
                at(&format!("{}Z", e["start"]["dateTime"].as_str().unwrap()))
            })
            .collect()
    }
}

booking_testkit::calendar_contract_tests!(Outlook::start);
