//! The Zoom adapter against a local fake of Zoom's API (wiremock) that asserts the requests of
//! Zoom's reference: the server-to-server token request (Basic credentials, `account_id`), the
//! meeting bodies, one unique meeting per session, updates, deletes, and a token refused once.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use booking_core::ports::meetings::MeetingProvider;
use booking_core::ports::meetings::MeetingRequest;
use booking_core::time::Interval;
use booking_video_zoom::{ZoomCredentials, ZoomEndpoints, ZoomMeetings};
use jiff::Timestamp;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn credentials() -> ZoomCredentials {
    ZoomCredentials {
        account_id: "acc-1".into(),
        client_id: "cid".into(),
        client_secret: "csecret".into(),
        user: "host@example.com".into(),
    }
}

fn session(key: &str, hour: &str) -> MeetingRequest {
    MeetingRequest {
        key: key.into(),
        topic: "Yoga".into(),
        interval: Interval::new(
            at(&format!("2027-01-04T{hour}:00:00Z")),
            at(&format!("2027-01-04T{hour}:45:00Z")),
        )
        .unwrap(),
    }
}

/// The token endpoint: `Basic base64("cid:csecret")`, `grant_type=account_credentials`.
async fn token(server: &MockServer, expected_calls: u64) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(query_param("grant_type", "account_credentials"))
        .and(query_param("account_id", "acc-1"))
        .and(header("authorization", "Basic Y2lkOmNzZWNyZXQ="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "zt-1", "token_type": "bearer", "expires_in": 3599, "scope": "meeting:write:meeting:admin"
        })))
        .expect(expected_calls)
        .mount(server)
        .await;
}

#[tokio::test]
async fn each_session_gets_its_own_meeting() {
    let server = MockServer::start().await;
    token(&server, 1).await;
    let made = Arc::new(Mutex::new(0u64));
    let counter = made.clone();
    Mock::given(method("POST"))
        .and(path("/v2/users/host@example.com/meetings"))
        .and(header("authorization", "Bearer zt-1"))
        .and(body_partial_json(json!({
            "topic": "Yoga", "type": 2, "duration": 45, "timezone": "UTC",
            "settings": {"join_before_host": false, "waiting_room": true}
        })))
        .respond_with(move |request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let mut n = counter.lock().unwrap();
            *n += 1;
            ResponseTemplate::new(201).set_body_json(json!({
                "id": 85_746_065_000_u64 + *n,
                "topic": body["topic"],
                "start_time": body["start_time"],
                "join_url": format!("https://zoom.us/j/{}?pwd=abc{}", 85_746_065_000_u64 + *n, *n),
                "start_url": format!("https://zoom.us/s/{}", 85_746_065_000_u64 + *n),
                "password": format!("p{n}")
            }))
        })
        .expect(3)
        .mount(&server)
        .await;
    let zoom = ZoomMeetings::new(ZoomEndpoints::at(&server.uri()), credentials());
    let mut ids = BTreeSet::new();
    let mut joins = BTreeSet::new();
    for (key, hour) in [("session-1", "09"), ("session-2", "10"), ("session-3", "11")] {
        let m = zoom.create(&session(key, hour)).await.unwrap();
        assert!(m.start_url.is_some() && m.password.is_some());
        ids.insert(m.id);
        joins.insert(m.join_url);
    }
    assert_eq!((ids.len(), joins.len()), (3, 3), "a unique meeting per session");
    let first: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    assert_eq!(first["start_time"], "2027-01-04T09:00:00Z");
    assert_eq!(first["agenda"], "session-1");
}

#[tokio::test]
async fn moves_and_deletes_and_a_gone_meeting_is_deleted() {
    let server = MockServer::start().await;
    token(&server, 1).await;
    Mock::given(method("PATCH"))
        .and(path("/v2/meetings/85746065"))
        .and(body_partial_json(json!({"start_time": "2027-01-04T10:00:00Z", "duration": 45})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/meetings/85746065"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 85_746_065, "join_url": "https://zoom.us/j/85746065", "password": ""
        })))
        .mount(&server)
        .await;
    let zoom = ZoomMeetings::new(ZoomEndpoints::at(&server.uri()), credentials());
    let moved = zoom.update("85746065", &session("session-1", "10")).await.unwrap();
    assert_eq!((moved.id.as_str(), moved.password), ("85746065", None));
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/85746065"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    zoom.delete("85746065").await.unwrap();
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/1"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 3001, "message": "Meeting does not exist: 1."})),
        )
        .mount(&server)
        .await;
    zoom.delete("1").await.unwrap();
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/2"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({"code": 429, "message": "Too many requests"})),
        )
        .mount(&server)
        .await;
    let err = zoom.delete("2").await.unwrap_err();
    assert!(err.0.contains("429"), "{err}");
}

#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    let server = MockServer::start().await;
    token(&server, 2).await;
    let calls = Arc::new(Mutex::new(0));
    let seen = calls.clone();
    Mock::given(method("POST"))
        .and(path("/v2/users/host@example.com/meetings"))
        .respond_with(move |_: &Request| {
            let mut n = seen.lock().unwrap();
            *n += 1;
            if *n == 1 {
                ResponseTemplate::new(401)
                    .set_body_json(json!({"code": 124, "message": "Invalid access token."}))
            } else {
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": 9, "join_url": "https://zoom.us/j/9"}))
            }
        })
        .mount(&server)
        .await;
    let zoom = ZoomMeetings::new(ZoomEndpoints::at(&server.uri()), credentials());
    let m = zoom.create(&session("session-9", "09")).await.unwrap();
    assert_eq!(m.id, "9");
    assert_eq!(*calls.lock().unwrap(), 2);
}

/// The connector checks an app when it is saved (a token, then the host), refuses wrong
/// credentials or an unknown host, and reuses one client (one token) per app.
#[tokio::test]
async fn the_connector_checks_apps_and_reuses_their_client() {
    use booking_core::ports::video::MeetingConnector;
    use booking_core::video::MeetingApp;
    use booking_video_zoom::{PROVIDER, ZoomClients};
    let server = MockServer::start().await;
    token(&server, 2).await; // the host's check, then the unknown host's
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/host@example.com"))
        .and(header("authorization", "Bearer zt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "u1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/nobody@example.com"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 1001, "message": "User does not exist"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/users/host@example.com/meetings"))
        .and(header("authorization", "Bearer zt-1"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": 7, "join_url": "https://zoom.us/j/7"})),
        )
        .mount(&server)
        .await;
    let clients = ZoomClients::new(ZoomEndpoints::at(&server.uri()));
    assert_eq!(
        (clients.provider().code(), clients.label(booking_core::settings::Locale::Fr)),
        ("zoom", "Zoom")
    );
    let app = |user: &str| MeetingApp {
        provider: PROVIDER,
        account_id: "acc-1".into(),
        client_id: "cid".into(),
        sealed_secret: "sealed".into(),
        user: user.into(),
    };
    clients.check(&app("host@example.com"), "csecret").await.unwrap();
    // The checked client, its token still valid, makes the meetings: no second token for it.
    let meetings = clients.meetings(&app("host@example.com"), "csecret");
    assert_eq!(meetings.create(&session("booking-1", "09")).await.unwrap().id, "7");
    let wrong = clients.check(&app("host@example.com"), "nope").await.unwrap_err();
    assert!(wrong.0.contains("401"), "{wrong}");
    let unknown = clients.check(&app("nobody@example.com"), "csecret").await.unwrap_err();
    assert!(unknown.0.contains("404"), "{unknown}");
}

/// A stateful fake of Zoom's meetings API: meetings kept by id as Zoom keeps them (a `PATCH`
/// moves one, a `GET` reads it back, a `DELETE` of a missing one answers 404 with code 3001).
#[derive(Clone, Default)]
struct ZoomService {
    meetings: Arc<Mutex<std::collections::BTreeMap<u64, Value>>>,
}

impl wiremock::Respond for ZoomService {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut meetings = self.meetings.lock().unwrap();
        let id = request.url.path().strip_prefix("/v2/meetings/").and_then(|id| id.parse().ok());
        let gone = || {
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 3001, "message": "Meeting does not exist."}))
        };
        match (request.method.as_str(), id) {
            ("POST", None) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap();
                let id = 85_746_065_000_u64 + meetings.len() as u64 + 1;
                let meeting = json!({
                    "id": id,
                    "start_time": body["start_time"],
                    "duration": body["duration"],
                    "join_url": format!("https://zoom.us/j/{id}"),
                    "start_url": format!("https://zoom.us/s/{id}"),
                    "password": "p"
                });
                meetings.insert(id, meeting.clone());
                ResponseTemplate::new(201).set_body_json(meeting)
            }
            ("PATCH", Some(id)) => {
                let Some(meeting) = meetings.get_mut(&id) else { return gone() };
                let patch: Value = serde_json::from_slice(&request.body).unwrap();
                for (k, v) in patch.as_object().unwrap() {
                    meeting[k] = v.clone();
                }
                ResponseTemplate::new(204)
            }
            ("GET", Some(id)) => match meetings.get(&id) {
                Some(meeting) => ResponseTemplate::new(200).set_body_json(meeting.clone()),
                None => gone(),
            },
            ("DELETE", Some(id)) => match meetings.remove(&id) {
                Some(_) => ResponseTemplate::new(204),
                None => gone(),
            },
            _ => ResponseTemplate::new(405),
        }
    }
}

/// Zoom as a provider of the meeting contract, over the stateful fake.
struct Zoom {
    server: MockServer,
    service: ZoomService,
}

impl Zoom {
    async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "zt-1", "token_type": "bearer", "expires_in": 3599
            })))
            .mount(&server)
            .await;
        let service = ZoomService::default();
        Mock::given(wiremock::matchers::path_regex(
            "^/v2/(users/host@example.com/meetings|meetings/[0-9]+)$",
        ))
        .respond_with(service.clone())
        .mount(&server)
        .await;
        Self { server, service }
    }
}

impl booking_testkit::meeting_contract::MeetingFake for Zoom {
    fn provider(&self) -> Arc<dyn MeetingProvider> {
        Arc::new(ZoomMeetings::new(ZoomEndpoints::at(&self.server.uri()), credentials()))
    }

    fn meetings(&self) -> Vec<(String, Timestamp)> {
        let meetings = self.service.meetings.lock().unwrap();
        meetings
            .iter()
            .map(|(id, m)| (id.to_string(), at(m["start_time"].as_str().unwrap())))
            .collect()
    }
}

booking_testkit::meeting_contract_tests!(Zoom::start);
