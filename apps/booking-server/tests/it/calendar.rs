//! §H calendar sync through the running server, against a local fake of Google (wiremock):
//! an admin sets the OAuth application (the secret stored sealed), an employee connects from
//! their profile page (state checked, bound to their browser), bookings made, moved and
//! canceled through the API appear, move and disappear as exactly one event, a busy external
//! event removes its slot, `/metrics` reports the last sync, and "Disconnect" revokes.

use std::time::Duration;

use crate::common::web::Visitor;
use crate::common::{Server, next_monday, paris, scan, setup};
use booking_testkit::google_fake::{ACCOUNT, GoogleFake};
use serde_json::{Value, json};

/// Runs the server's jobs (it has no background workers), then the fake must hold `n` events.
async fn events_after_jobs(
    s: &Server,
    google: &GoogleFake,
    n: usize,
) -> std::collections::BTreeMap<String, Value> {
    s.run_jobs().await;
    let events = google.events();
    assert_eq!(events.len(), n, "{events:?}");
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_employee_connects_google_and_every_booking_change_follows() {
    let monday = next_monday();
    let (busy_from, busy_to) = (paris(monday, 14, 0), paris(monday, 14, 20));
    let google = GoogleFake::start(0, &[(busy_from.as_str(), busy_to.as_str())]).await;
    let fake = google.server.uri();
    let s = Server::sqlite_wired(
        |c| {
            c.calendar_google_url = Some(fake);
            c.public_url = Some("http://book.example.test".into());
        },
        false,
    )
    .await;
    let t = s.tenant("Salon").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());

    // §H1: the admin sets Google's OAuth application; the secret never comes back, nor sits in
    // the database in clear.
    let put = s
        .call(
            reqwest::Method::PUT,
            &t.path("/calendar/integrations/google"),
            admin,
            Some(json!({"client_id": "client-1.apps.googleusercontent.com", "client_secret": "GOCSPX-very-secret"})),
            &[],
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    let callback = format!("http://book.example.test/b/{}/office/calendar/google/callback", t.id);
    assert_eq!(put.body["redirect_uri"], callback.as_str());
    let listed = s.get(&t.path("/calendar/integrations"), admin).await;
    assert!(!listed.body.to_string().contains("GOCSPX"), "{:?}", listed.body);
    assert_eq!(listed.body[0]["configured"], true);
    assert_eq!(listed.body[1]["configured"], false);
    assert!(scan(&s.database_url, "GOCSPX-very-secret").await.is_empty(), "sealed at rest");
    let bad = s
        .call(
            reqwest::Method::PUT,
            &t.path("/calendar/integrations/google"),
            admin,
            Some(json!({"client_id": "", "client_secret": "x"})),
            &[],
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    let unknown = s
        .call(
            reqwest::Method::PUT,
            &t.path("/calendar/integrations/yahoo"),
            admin,
            Some(json!({"client_id": "a", "client_secret": "b"})),
            &[],
        )
        .await;
    assert_eq!(unknown.status, 404);
    s.call(
        reqwest::Method::PATCH,
        &t.path("/settings"),
        admin,
        Some(json!({"calendar": {"add_pending": false, "customers_as_attendees": true,
            "attendees_see_each_other": false, "send_invitations": false, "remove_busy_slots": true,
            "include_buffers": false, "add_meeting_link": false},
            "appointment_event_title": "%service_name% – %customer_full_name%"})),
        &[],
    )
    .await;

    // §H1: the employee connects from their own profile.
    let key = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Ana", "role": "staff", "subject": c.staff}),
        )
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    let mut ana = Visitor::new(&s.base);
    let login = format!("/b/{}/office/login", t.id);
    ana.open(&login).await;
    ana.post(&login, &[("key", &key)]).await;
    let profile_path = format!("/b/{}/office/profile", t.id);
    let profile = ana.open(&profile_path).await;
    assert!(profile.html.contains("id=\"calendar-none\""), "{}", profile.html);
    assert!(profile.html.contains("id=\"connect-google\""));
    assert!(!profile.html.contains("id=\"connect-outlook\""), "Outlook is not configured");
    let connect = format!("/b/{}/office/calendar/google/connect", t.id);
    assert_eq!(ana.post_raw(&connect, &[]).await.status, 403, "CSRF");
    let started = ana.post(&connect, &[]).await;
    assert_eq!(started.status, 303);
    let consent = url::Url::parse(started.location.as_deref().unwrap()).unwrap();
    assert!(consent.as_str().starts_with(&format!("{}/o/oauth2/v2/auth", google.server.uri())));
    let q: std::collections::BTreeMap<_, _> = consent.query_pairs().into_owned().collect();
    assert_eq!(q["redirect_uri"], callback);
    assert_eq!(q["access_type"], "offline");
    let state = q["state"].clone();
    let back = |state: &str, code: &str| {
        format!("/b/{}/office/calendar/google/callback?code={code}&state={state}", t.id)
    };
    // A forged or foreign state, or another browser, does not connect anyone.
    let mut forged = state.clone();
    forged.pop();
    forged.push(if state.ends_with('0') { '1' } else { '0' });
    assert_eq!(ana.get(&back(&forged, "4/0Ab")).await.status, 400);
    let mut stranger = Visitor::new(&s.base);
    assert_eq!(
        stranger.get(&back(&state, "4/0Ab")).await.status,
        400,
        "not the browser that started"
    );
    let denied =
        format!("/b/{}/office/calendar/google/callback?error=access_denied&state={state}", t.id);
    assert_eq!(ana.get(&denied).await.status, 400);
    assert_eq!(google.calls_to("/token").await, 0, "no code was exchanged so far");
    let done = ana.get(&back(&state, "4/0Ab")).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.shows("Agenda connecté"), "{}", done.html);
    let profile = ana.open(&profile_path).await;
    assert!(profile.html.contains(ACCOUNT), "{}", profile.html);
    assert!(profile.html.contains("id=\"calendar-disconnect\""));
    assert!(scan(&s.database_url, "1//live").await.is_empty(), "tokens are sealed at rest");
    let mut connections = s.get(&t.path("/calendar/connections"), admin).await;
    for _ in 0..200 {
        if connections.body[0]["last_sync"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        connections = s.get(&t.path("/calendar/connections"), admin).await;
    }
    assert_eq!(connections.body[0]["account"], ACCOUNT);
    assert_eq!(connections.body[0]["state"], "connected");
    assert!(
        connections.body[0]["last_sync"].is_string(),
        "pulled in the background after connecting"
    );

    // §H4: the busy external event removes its slot (and only it) from the employee.
    let day = format!(
        "?agenda_id={}&service_id={}&resource_id={}&from={monday}&to={}",
        c.agenda,
        c.service,
        c.staff,
        monday.tomorrow().unwrap()
    );
    let free = s.get(&t.path(&format!("/availability{day}")), None).await;
    let starts: Vec<String> = free.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["start"].as_str().unwrap().to_owned())
        .collect();
    let local = |h: i8, m: i8| {
        let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        monday.at(h, m, 0, 0).to_zoned(zone).unwrap().strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    };
    assert!(!starts.contains(&local(14, 0)), "{starts:?}");
    assert!(starts.contains(&local(13, 30)) && starts.contains(&local(14, 30)), "{starts:?}");

    // §H2: book, move, cancel: one event at each step, with the right content.
    let booked = s
        .post(
            &t.path("/bookings"),
            None,
            json!({"agenda_id": c.agenda, "service_id": c.service,
            "resource_id": c.staff, "start": paris(monday, 9, 0),
            "contact": {"first_name": "Bea", "last_name": "Cole", "email": "bea@example.com"}}),
        )
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let events = events_after_jobs(&s, &google, 1).await;
    let (id, event) = events.iter().next().unwrap();
    assert_eq!(event["summary"], "Passeport – Bea Cole");
    assert_eq!(event["start"]["dateTime"], paris(monday, 9, 0).as_str());
    assert_eq!(event["start"]["timeZone"], "Europe/Paris");
    assert_eq!(
        event["attendees"],
        json!([{"email": "bea@example.com", "displayName": "Bea Cole"}])
    );
    let moved = s
        .post(
            &t.path(&format!("/bookings/{}/reschedule", booked.body["id"])),
            admin,
            json!({"start": paris(monday, 11, 0), "resource_id": c.staff}),
        )
        .await;
    assert_eq!(moved.status, 201, "{:?}", moved.body);
    let events = events_after_jobs(&s, &google, 1).await;
    assert_eq!(
        events[id]["start"]["dateTime"],
        paris(monday, 11, 0).as_str(),
        "the same event moved"
    );
    s.post(&t.path(&format!("/bookings/{}/cancel", moved.body["id"])), admin, json!({})).await;
    events_after_jobs(&s, &google, 0).await;

    // §H4: /metrics reports the connection and its last pull.
    let metrics =
        s.http.get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap();
    let labels = format!("business=\"{}\",resource=\"{}\",provider=\"google\"", t.id, c.staff);
    assert!(metrics.contains(&format!("booking_calendar_connected{{{labels}}} 1")), "{metrics}");
    assert!(metrics.contains(&format!("booking_calendar_last_sync_timestamp_seconds{{{labels}}}")));

    // "Disconnect" revokes the token and stops the sync.
    let profile = ana.open(&profile_path).await;
    assert!(profile.html.contains("id=\"calendar-disconnect\""));
    let gone = ana.post(&format!("/b/{}/office/calendar/disconnect", t.id), &[]).await;
    assert_eq!(gone.status, 303);
    assert_eq!(google.calls_to("/revoke").await, 1);
    let connections = s.get(&t.path("/calendar/connections"), admin).await;
    assert_eq!(connections.body, json!([]));
    let free = s.get(&t.path(&format!("/availability{day}")), None).await;
    assert!(free.body.to_string().contains(&local(14, 0)), "the busy time is forgotten");
    s.stop().await;
}

/// The admin's integrations page saves credentials (an empty secret keeps the saved one) and
/// lists connected staff; other roles may not open it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_admin_sets_integrations_in_the_back_office() {
    let s = Server::sqlite().await;
    let t = s.tenant("Salon").await;
    let c = setup(&s, &t).await;
    let mut admin = Visitor::new(&s.base);
    let login = format!("/b/{}/office/login", t.id);
    admin.open(&login).await;
    admin.post(&login, &[("key", &t.admin)]).await;
    let page = format!("/b/{}/office/integrations", t.id);
    let before = admin.open(&page).await;
    assert_eq!(before.status, 200);
    assert!(
        before.html.contains("id=\"integration-google\"")
            && before.html.contains("id=\"integration-outlook\"")
    );
    let saved = admin
        .post(
            &page,
            &[
                ("provider", "outlook"),
                ("client_id", "6731de76"),
                ("client_secret", "azure~1"),
                ("redirect_uri", ""),
            ],
        )
        .await;
    assert_eq!(saved.location.as_deref(), Some(format!("{page}?done=saved").as_str()));
    let listed = s.get(&t.path("/calendar/integrations"), Some(&t.admin)).await;
    assert_eq!(listed.body[1]["client_id"], "6731de76");
    assert!(
        listed.body[1]["redirect_uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/b/{}/office/calendar/outlook/callback", t.id))
    );
    admin.open(&page).await;
    let kept = admin
        .post(
            &page,
            &[
                ("provider", "outlook"),
                ("client_id", "6731de77"),
                ("client_secret", ""),
                ("redirect_uri", "https://book.example/cb"),
            ],
        )
        .await;
    assert_eq!(kept.location.as_deref(), Some(format!("{page}?done=saved").as_str()));
    let sync = s.state().calendar().unwrap();
    let app = sync
        .app(
            booking_core::ids::BusinessId::new(t.id),
            booking_core::calendar::Provider::new("outlook"),
        )
        .await
        .unwrap();
    assert_eq!(
        (app.client_id.as_str(), app.client_secret.as_str(), app.redirect_uri.as_str()),
        ("6731de77", "azure~1", "https://book.example/cb")
    );
    admin.open(&page).await;
    let invalid = admin
        .post(
            &page,
            &[
                ("provider", "outlook"),
                ("client_id", "x"),
                ("client_secret", ""),
                ("redirect_uri", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(invalid.location.as_deref(), Some(format!("{page}?done=invalid").as_str()));
    // The §H3 options and the event templates, as the API checks them.
    admin.open(&page).await;
    let options = format!("{page}/options");
    let form = |title: &'static str, window: &'static str| {
        vec![
            ("remove_busy_slots", "on"),
            ("add_pending", "on"),
            ("appointment_event_title", title),
            ("event_event_title", "%event_name%"),
            ("appointment_event_description", "Tél. %customer_phone%"),
            ("event_event_description", ""),
            ("calendar_window_days", window),
        ]
    };
    let saved = admin.post(&options, &form("%service_name% avec %customer_full_name%", "90")).await;
    assert_eq!(saved.location.as_deref(), Some(format!("{page}?done=saved").as_str()));
    let settings = s.get(&t.path("/settings"), Some(&t.admin)).await.body;
    assert_eq!(settings["calendar"]["remove_busy_slots"], true);
    assert_eq!(settings["calendar"]["add_pending"], true);
    assert_eq!(settings["calendar"]["customers_as_attendees"], false, "unchecked boxes are off");
    assert_eq!(settings["appointment_event_title"], "%service_name% avec %customer_full_name%");
    assert_eq!(settings["appointment_event_description"], "Tél. %customer_phone%");
    assert_eq!(settings["calendar_window_days"], 90);
    let shown = admin.open(&page).await;
    assert!(shown.html.contains("id=\"opt-remove_busy_slots\" checked"), "{}", shown.html);
    for (title, window) in [("%nonsense%", "90"), ("ok", "abc"), ("ok", "5000")] {
        admin.open(&page).await;
        let refused = admin.post(&options, &form(title, window)).await;
        assert_eq!(refused.location.as_deref(), Some(format!("{page}?done=invalid").as_str()));
    }
    let unchanged = s.get(&t.path("/settings"), Some(&t.admin)).await.body;
    assert_eq!(unchanged["calendar_window_days"], 90, "a refused form changes nothing");
    // A staff member may not open it, and has no calendar to connect without a provider.
    let key = s
        .post(
            &t.path("/api-keys"),
            Some(&t.admin),
            json!({"name": "Ana", "role": "staff", "subject": c.staff}),
        )
        .await;
    let mut ana = Visitor::new(&s.base);
    ana.open(&login).await;
    ana.post(&login, &[("key", key.body["key"].as_str().unwrap())]).await;
    assert_eq!(ana.get(&page).await.status, 403);
    let staff_post = ana.post(&options, &[("calendar_window_days", "10")]).await;
    assert_eq!(staff_post.status, 403);
    let profile = ana.open(&format!("/b/{}/office/profile", t.id)).await;
    assert!(profile.html.contains("id=\"connect-outlook\""), "{}", profile.html);
    // Only a staff member has a calendar: not the admin (no resource); no key names a desk.
    let mine = admin.open(&format!("/b/{}/office/profile", t.id)).await;
    assert!(!mine.html.contains("id=\"connect-"), "{}", mine.html);
    let desk_key = s
        .post(
            &t.path("/api-keys"),
            Some(&t.admin),
            json!({"name": "Desk", "role": "staff", "subject": c.desk}),
        )
        .await;
    assert_eq!(desk_key.status, 422, "a staff key names a staff member: {:?}", desk_key.body);
    s.stop().await;
}
