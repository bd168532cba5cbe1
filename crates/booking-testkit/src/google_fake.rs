//! A stateful local fake of Google Calendar and Google's OAuth endpoints (wiremock), for tests
//! that run the whole calendar sync: the events collection of one `primary` calendar kept as
//! Google keeps it (inserting a taken id answers 409; updating or deleting a missing event 404
//! or 410), a token endpoint, the calendar list, and a free/busy answer. Shapes checked in
//! detail live in the adapter's own tests; this fake is about state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The account the fake connects.
pub const ACCOUNT: &str = "ann.staff@gmail.com";

/// The access token the fake grants.
pub const ACCESS: &str = "ya29.live";

/// A running fake.
pub struct GoogleFake {
    /// The wiremock server (its `uri()` is the base of `GoogleEndpoints::at`).
    pub server: MockServer,
    events: Arc<Mutex<BTreeMap<String, Value>>>,
}

impl GoogleFake {
    /// Starts a fake whose first `slow_inserts` inserts answer after 2 s (the event is made at
    /// once: a caller that gives up earlier has lost the answer, not the event), and whose
    /// free/busy reports `busy` (RFC 3339 start and end) for the account.
    pub async fn start(slow_inserts: u32, busy: &[(&str, &str)]) -> Self {
        let server = MockServer::start().await;
        let events = Arc::new(Mutex::new(BTreeMap::new()));
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": ACCESS, "expires_in": 3599, "refresh_token": "1//live"
            })))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/revoke"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/calendar/v3/users/me/calendarList/primary"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": ACCOUNT})))
            .mount(&server)
            .await;
        let periods: Vec<Value> =
            busy.iter().map(|(start, end)| json!({"start": start, "end": end})).collect();
        Mock::given(method("POST"))
            .and(path("/calendar/v3/freeBusy"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"calendars": {
                ACCOUNT: {"busy": periods}
            }})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/calendar/v3/calendars/primary/events"))
            .and(header("authorization", format!("Bearer {ACCESS}").as_str()))
            .respond_with(Insert(events.clone(), Arc::new(Mutex::new(slow_inserts))))
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path_regex("^/calendar/v3/calendars/primary/events/[0-9a-v]+$"))
            .respond_with(Update(events.clone()))
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path_regex("^/calendar/v3/calendars/primary/events/[0-9a-v]+$"))
            .respond_with(Delete(events.clone()))
            .mount(&server)
            .await;
        Self { server, events }
    }

    /// The events in the calendar now, by id, as their last insert or update sent them.
    #[must_use]
    pub fn events(&self) -> BTreeMap<String, Value> {
        lock(&self.events).clone()
    }

    /// How many requests reached a path.
    pub async fn calls_to(&self, wanted: &str) -> usize {
        let received = self.server.received_requests().await.unwrap_or_default();
        received.iter().filter(|r| r.url.path() == wanted).count()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn json_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

fn last_segment(request: &Request) -> String {
    request.url.path().rsplit('/').next().unwrap_or_default().to_owned()
}

struct Insert(Arc<Mutex<BTreeMap<String, Value>>>, Arc<Mutex<u32>>);

impl Respond for Insert {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut body = json_of(request);
        let Some(id) = body["id"].as_str().map(str::to_owned) else {
            return ResponseTemplate::new(400).set_body_json(json!({"error": {"code": 400}}));
        };
        let mut events = lock(&self.0);
        if events.contains_key(&id) {
            return ResponseTemplate::new(409).set_body_json(json!({"error": {"code": 409,
                "message": "The requested identifier already exists."}}));
        }
        if body.get("conferenceData").is_some() {
            body["hangoutLink"] =
                json!(format!("https://meet.google.com/{}", &id[..6.min(id.len())]));
        }
        events.insert(id, body.clone());
        let template = ResponseTemplate::new(200).set_body_json(body);
        let mut slow = lock(&self.1);
        if *slow > 0 {
            *slow -= 1;
            return template.set_delay(Duration::from_secs(2));
        }
        template
    }
}

struct Update(Arc<Mutex<BTreeMap<String, Value>>>);

impl Respond for Update {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = last_segment(request);
        let mut body = json_of(request);
        let mut events = lock(&self.0);
        if !events.contains_key(&id) {
            return ResponseTemplate::new(404).set_body_json(json!({"error": {"code": 404}}));
        }
        body["id"] = json!(id);
        events.insert(id, body.clone());
        ResponseTemplate::new(200).set_body_json(body)
    }
}

struct Delete(Arc<Mutex<BTreeMap<String, Value>>>);

impl Respond for Delete {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match lock(&self.0).remove(&last_segment(request)) {
            Some(_) => ResponseTemplate::new(204),
            None => ResponseTemplate::new(410).set_body_json(json!({"error": {"code": 410}})),
        }
    }
}
