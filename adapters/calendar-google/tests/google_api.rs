//! The Google adapter against a local fake of Google's HTTP APIs (wiremock). The mocks check
//! the paths, query parameters and JSON bodies of Google's published reference (Calendar v3
//! `events.insert` / `events.update` / `events.delete` / `freeBusy.query` / `calendarList.get`,
//! and OAuth 2.0 for web-server apps); a stateful fake of the events collection then runs the
//! whole sync (connect, book, reschedule, cancel, busy times) through the real SDK.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use booking_calendar_google::{GoogleCalendar, GoogleEndpoints, event_id};
use booking_core::calendar::{Attendee, CalendarError, CalendarEvent, OAuthApp};
use booking_core::catalog::{Email, ResourceKind};
use booking_core::outbox::RetryPolicy;
use booking_core::ports::calendar::CalendarApi;
use booking_core::services::calendar::CalendarSync;
use booking_core::services::outbox::drain;
use booking_core::time::Interval;
use booking_core::{Actor, Details, Limits, Offer, Role};
use booking_testkit::google_fake::GoogleFake;
use booking_testkit::{FakeSealer, Harness};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use wiremock::matchers::{
    body_partial_json, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn app() -> OAuthApp {
    OAuthApp {
        provider: booking_calendar_google::PROVIDER,
        client_id: "client-1.apps.googleusercontent.com".into(),
        client_secret: "GOCSPX-secret".into(),
        redirect_uri: "https://book.example/oauth/google".into(),
    }
}

async fn google() -> (MockServer, GoogleCalendar) {
    let server = MockServer::start().await;
    let api = GoogleCalendar::new(GoogleEndpoints::at(&server.uri()))
        .unwrap()
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

fn ann() -> Attendee {
    Attendee { email: Email::parse("ann@example.com").unwrap(), name: "Ann Lee".into() }
}

#[tokio::test]
async fn oauth_code_exchange_refresh_and_revoke() {
    let (server, api) = google().await;
    let url = api.oauth().authorize_url(&app(), "st4te");
    let parsed = url::Url::parse(&url).unwrap();
    assert_eq!(parsed.path(), "/o/oauth2/v2/auth");
    let q: BTreeMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "client-1.apps.googleusercontent.com");
    assert_eq!(q["redirect_uri"], "https://book.example/oauth/google");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["state"], "st4te");
    assert!(q["scope"].contains("https://www.googleapis.com/auth/calendar.events"));

    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=4%2F0Ab"))
        .and(body_string_contains("client_secret=GOCSPX-secret"))
        .and(body_string_contains("redirect_uri=https%3A%2F%2Fbook.example%2Foauth%2Fgoogle"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.a", "expires_in": 3599, "refresh_token": "1//r",
            "scope": "https://www.googleapis.com/auth/calendar.events", "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let grant = api.oauth().exchange_code(&app(), "4/0Ab").await.unwrap();
    assert_eq!(grant.access_token, "ya29.a");
    assert_eq!(grant.refresh_token.as_deref(), Some("1//r"));
    assert_eq!(grant.lifetime, SignedDuration::from_secs(3599));

    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=1%2F%2Fr"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.b", "expires_in": 3599, "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let fresh = api.oauth().refresh(&app(), "1//r").await.unwrap();
    assert_eq!((fresh.access_token.as_str(), fresh.refresh_token), ("ya29.b", None));

    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=dead"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Token has been expired or revoked."
        })))
        .mount(&server)
        .await;
    assert_eq!(api.oauth().refresh(&app(), "dead").await.unwrap_err(), CalendarError::Revoked);

    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=1%2F%2Fr"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    api.oauth().revoke(&app(), "1//r").await.unwrap();
}

#[tokio::test]
async fn the_account_is_the_primary_calendar() {
    let (server, api) = google().await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList/primary"))
        .and(header("authorization", "Bearer ya29.a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#calendarListEntry", "id": "ann.staff@gmail.com", "primary": true
        })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(api.account("ya29.a").await.unwrap(), "ann.staff@gmail.com");
}

/// Each option combination reaches Google as its reference requires.
#[tokio::test]
async fn events_carry_every_option() {
    struct Case {
        name: &'static str,
        event: CalendarEvent,
        send_updates: &'static str,
        body: Value,
    }
    let plain = event("bookingengine-1-booking-1");
    let with_buffers = CalendarEvent {
        interval: Interval::new(at("2027-01-04T08:45:00Z"), at("2027-01-04T09:45:00Z")).unwrap(),
        ..event("bookingengine-1-booking-2")
    };
    let cases = [
        Case {
            name: "defaults",
            event: plain.clone(),
            send_updates: "none",
            body: json!({
                "id": event_id("bookingengine-1-booking-1"),
                "summary": "Haircut – Ann Lee",
                "description": "Booked online",
                "status": "confirmed",
                "start": {"dateTime": "2027-01-04T09:00:00Z", "timeZone": "Europe/Paris"},
                "end": {"dateTime": "2027-01-04T09:30:00Z", "timeZone": "Europe/Paris"},
                "attendees": [],
                "guestsCanSeeOtherGuests": false
            }),
        },
        Case {
            name: "pending as tentative",
            event: CalendarEvent { tentative: true, ..plain.clone() },
            send_updates: "none",
            body: json!({"status": "tentative"}),
        },
        Case {
            name: "attendees who see each other, with invitations",
            event: CalendarEvent {
                attendees: vec![ann()],
                attendees_see_each_other: true,
                send_invitations: true,
                ..plain.clone()
            },
            send_updates: "all",
            body: json!({
                "attendees": [{"email": "ann@example.com", "displayName": "Ann Lee"}],
                "guestsCanSeeOtherGuests": true
            }),
        },
        Case {
            name: "attendees without invitations",
            event: CalendarEvent { attendees: vec![ann()], ..plain.clone() },
            send_updates: "none",
            body: json!({"guestsCanSeeOtherGuests": false}),
        },
        Case {
            name: "buffers",
            event: with_buffers,
            send_updates: "none",
            body: json!({
                "start": {"dateTime": "2027-01-04T08:45:00Z"},
                "end": {"dateTime": "2027-01-04T09:45:00Z"}
            }),
        },
        Case {
            name: "a Meet link",
            event: CalendarEvent { with_meeting_link: true, ..plain.clone() },
            send_updates: "none",
            body: json!({"conferenceData": {"createRequest": {
                "requestId": "bookingengine-1-booking-1",
                "conferenceSolutionKey": {"type": "hangoutsMeet"}
            }}}),
        },
    ];
    for case in cases {
        let (server, api) = google().await;
        let id = event_id(&case.event.key);
        let mut answer = json!({"id": id, "status": "confirmed"});
        if case.event.with_meeting_link {
            answer["hangoutLink"] = json!("https://meet.google.com/abc-defg-hij");
        }
        Mock::given(method("POST"))
            .and(path("/calendar/v3/calendars/primary/events"))
            .and(query_param("conferenceDataVersion", "1"))
            .and(query_param("sendUpdates", case.send_updates))
            .and(header("authorization", "Bearer ya29.a"))
            .and(body_partial_json(&case.body))
            .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
            .expect(1)
            .named(case.name)
            .mount(&server)
            .await;
        let pushed = api.push("ya29.a", None, &case.event).await.unwrap_or_else(|e| {
            panic!("{}: {e}", case.name);
        });
        assert_eq!(pushed.external_id, id, "{}", case.name);
        assert_eq!(
            pushed.meeting_url.is_some(),
            case.event.with_meeting_link,
            "{}: the Meet link comes back",
            case.name
        );
        if !case.event.with_meeting_link {
            let sent: Value =
                serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
            assert!(sent.get("conferenceData").is_none(), "{}: no conference asked", case.name);
        }
    }
}

#[tokio::test]
async fn updates_put_the_whole_event_and_deletes_tolerate_gone_events() {
    let (server, api) = google().await;
    Mock::given(method("PUT"))
        .and(path("/calendar/v3/calendars/primary/events/ev123"))
        .and(query_param("sendUpdates", "none"))
        .and(query_param("conferenceDataVersion", "1"))
        .and(body_partial_json(json!({"summary": "Haircut – Ann Lee", "status": "confirmed"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "ev123"})))
        .expect(1)
        .mount(&server)
        .await;
    let pushed = api.push("ya29.a", Some("ev123"), &event("k")).await.unwrap();
    assert_eq!(pushed.external_id, "ev123");
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(sent.get("id").is_none(), "an update does not send an id");

    Mock::given(method("DELETE"))
        .and(path("/calendar/v3/calendars/primary/events/ev123"))
        .and(query_param("sendUpdates", "all"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    api.delete("ya29.a", "ev123").await.unwrap();
    for (id, status) in [("gone", 410), ("missing", 404)] {
        Mock::given(method("DELETE"))
            .and(path(format!("/calendar/v3/calendars/primary/events/{id}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({
                "error": {"code": status, "message": "Resource has been deleted"}
            })))
            .mount(&server)
            .await;
        api.delete("ya29.a", id).await.unwrap();
    }
}

#[tokio::test]
async fn failures_map_to_refresh_retry_or_fail() {
    let (server, api) = google().await;
    let error = |status: u16| {
        ResponseTemplate::new(status)
            .set_body_json(json!({"error": {"code": status, "message": "x"}}))
    };
    let cases = [
        (error(401), CalendarError::Unauthorized),
        (
            error(429).insert_header("retry-after", "30"),
            CalendarError::RetryLater("HTTP 429".into(), Some(30)),
        ),
        (error(503), CalendarError::RetryLater("HTTP 503".into(), None)),
        (
            ResponseTemplate::new(403).set_body_json(json!({"error": {"code": 403,
                "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded"}]}})),
            CalendarError::RetryLater("HTTP 403".into(), None),
        ),
    ];
    for (i, (response, expected)) in cases.into_iter().enumerate() {
        let id = format!("ev{i}");
        Mock::given(method("PUT"))
            .and(path(format!("/calendar/v3/calendars/primary/events/{id}")))
            .respond_with(response)
            .mount(&server)
            .await;
        let got = api.push("ya29.a", Some(&id), &event("k")).await.unwrap_err();
        match (&got, &expected) {
            (CalendarError::RetryLater(_, a), CalendarError::RetryLater(_, b)) => {
                assert_eq!(a, b, "case {i}");
            }
            _ => assert_eq!(got, expected, "case {i}"),
        }
    }
    Mock::given(method("PUT"))
        .and(path("/calendar/v3/calendars/primary/events/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    assert!(matches!(
        api.push("ya29.a", Some("slow"), &event("k")).await,
        Err(CalendarError::RetryLater(m, None)) if m.contains("timed out")
    ));
    Mock::given(method("PUT"))
        .and(path("/calendar/v3/calendars/primary/events/bad"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {"code": 400}})))
        .mount(&server)
        .await;
    assert!(matches!(
        api.push("ya29.a", Some("bad"), &event("k")).await,
        Err(CalendarError::Failed(m)) if m.contains("400")
    ));
}

#[tokio::test]
async fn free_busy_is_asked_in_pieces_and_read_back() {
    let (server, api) = google().await;
    Mock::given(method("POST"))
        .and(path("/calendar/v3/freeBusy"))
        .and(header("authorization", "Bearer ya29.a"))
        .and(body_partial_json(
            json!({"items": [{"id": "ann.staff@gmail.com"}], "timeZone": "UTC"}),
        ))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let busy = if body["timeMin"] == "2027-01-01T00:00:00Z" {
                json!([{"start": "2027-01-04T10:00:00Z", "end": "2027-01-04T11:00:00Z"}])
            } else {
                json!([])
            };
            ResponseTemplate::new(200).set_body_json(json!({
                "kind": "calendar#freeBusy",
                "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                "calendars": {"ann.staff@gmail.com": {"busy": busy}}
            }))
        })
        .expect(3)
        .mount(&server)
        .await;
    let window = Interval::new(at("2027-01-01T00:00:00Z"), at("2027-05-11T00:00:00Z")).unwrap();
    let busy = api.busy("ya29.a", "ann.staff@gmail.com", window).await.unwrap();
    assert_eq!(
        busy,
        vec![Interval::new(at("2027-01-04T10:00:00Z"), at("2027-01-04T11:00:00Z")).unwrap()]
    );
    let asked: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(asked[0]["timeMax"], asked[1]["timeMin"], "consecutive pieces");
    assert_eq!(asked[2]["timeMax"], "2027-05-11T00:00:00Z");
}

/// The demo business with its desk made an employee, a Google integration, and a sync over
/// the fake.
async fn employee_with_google(server: &MockServer) -> (Harness, CalendarSync) {
    let h = Harness::demo("2027-01-01T08:00:00Z").await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = ResourceKind::Staff;
    desk.email = Some(Email::parse("ann.staff@gmail.com").unwrap());
    h.store.update_resource(&desk).await.unwrap();
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    business.settings.calendar.customers_as_attendees = true;
    business.settings.appointment_event_title = "%service_name% – %customer_full_name%".into();
    h.store.update_business(&business).await.unwrap();
    let sync = sync_over(&h, server);
    sync.configure(h.business, &app()).await.unwrap();
    (h, sync)
}

fn sync_over(h: &Harness, server: &MockServer) -> CalendarSync {
    let api = GoogleCalendar::new(GoogleEndpoints::at(&server.uri()))
        .unwrap()
        .with_timeout(Duration::from_millis(500));
    CalendarSync::new(h.store.clone(), vec![Arc::new(api)], Arc::new(FakeSealer), h.clock.clone())
}

async fn book(h: &Harness, start: &str) -> booking_core::Booking {
    let details = Details {
        contact: booking_core::catalog::Contact {
            first_name: "Bea".into(),
            last_name: "Cole".into(),
            email: Some(Email::parse("bea@example.com").unwrap()),
            phone: None,
        },
        ..Details::default()
    };
    h.engine
        .book(
            h.business,
            Offer { agenda: h.agenda, service: h.service, resource: None },
            at(start),
            None,
            details,
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap()
}

async fn run_jobs(h: &Harness, sync: &CalendarSync) -> booking_core::outbox::Drained {
    drain(h.store.as_ref(), h.clock.as_ref(), sync, &RetryPolicy::default(), 8).await.unwrap()
}

/// Done when: connecting, booking, rescheduling and cancelling leave exactly one event with the
/// right content at each step, and a busy external event removes its slots.
#[tokio::test]
async fn connect_book_reschedule_cancel_through_the_sdk() {
    let google = GoogleFake::start(0, &[("2027-01-04T14:00:00Z", "2027-01-04T14:20:00Z")]).await;
    let (h, sync) = employee_with_google(&google.server).await;
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let monday = Interval::new(at("2027-01-03T23:00:00Z"), at("2027-01-04T23:00:00Z")).unwrap();
    let slots = |h: &Harness| {
        let engine = h.engine.clone();
        let business = h.business;
        async move {
            let found = engine
                .availability(business, offer, monday, None, Actor::guest(), Limits::Apply)
                .await
                .unwrap();
            found.slots().iter().map(booking_core::slots::Slot::start).collect::<Vec<_>>()
        }
    };
    assert!(slots(&h).await.contains(&at("2027-01-04T14:00:00Z")));

    let connection =
        sync.connect(h.business, h.desk, booking_calendar_google::PROVIDER, "4/0Ab").await.unwrap();
    sync.catch_up(h.business, h.desk, 365).await.unwrap();
    assert_eq!(connection.account, "ann.staff@gmail.com");
    let open = slots(&h).await;
    assert!(!open.contains(&at("2027-01-04T14:00:00Z")), "the busy event removes its slot");
    assert!(open.contains(&at("2027-01-04T14:30:00Z")), "and only that one");

    let booked = book(&h, "2027-01-04T09:00:00Z").await;
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    let all = google.events();
    assert_eq!(all.len(), 1);
    let (id, e) = all.iter().next().unwrap();
    assert_eq!(e["start"]["dateTime"], "2027-01-04T09:00:00Z");
    assert_eq!(e["status"], "confirmed");
    assert_eq!(e["attendees"], json!([{"email": "bea@example.com", "displayName": "Bea Cole"}]));
    assert!(e["summary"].as_str().unwrap().ends_with("– Bea Cole"), "{}", e["summary"]);

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
    let all = google.events();
    assert_eq!(all.len(), 1, "moved, not duplicated");
    assert_eq!(all[id]["start"]["dateTime"], "2027-01-04T10:00:00Z");

    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    assert_eq!(run_jobs(&h, &sync).await.done, 1);
    assert!(google.events().is_empty(), "canceled: deleted");
}

/// Google as a provider of the calendar contract, over the stateful fake.
struct Google(GoogleFake);

impl booking_testkit::calendar_contract::CalendarFake for Google {
    fn api(&self) -> Arc<dyn CalendarApi> {
        let api = GoogleCalendar::new(GoogleEndpoints::at(&self.0.server.uri()))
            .unwrap()
            .with_timeout(Duration::from_millis(500));
        Arc::new(api)
    }

    fn code(&self) -> &'static str {
        "4/0Ab"
    }

    fn account(&self) -> &'static str {
        booking_testkit::google_fake::ACCOUNT
    }

    fn starts(&self) -> Vec<Timestamp> {
        self.0.events().values().map(|e| at(e["start"]["dateTime"].as_str().unwrap())).collect()
    }
}

booking_testkit::calendar_contract_tests!(|lost_answers| async move {
    Google(GoogleFake::start(lost_answers, &[booking_testkit::calendar_contract::BUSY]).await)
});
