//! §J video conferencing through the running server, a local fake of Zoom (wiremock) and a
//! real SMTP server: the admin connects Zoom (checked with Zoom, the secret stored sealed),
//! a customer books an online service and gets the meeting's link in the confirmation email
//! and in the panel; the §J6 hide flags, set from the back-office page, take the link out of
//! both; a cancel deletes the meeting; an employee sets their own account from the same page.

use crate::common;

use std::sync::{Arc, Mutex};

use crate::common::web::{Visitor, mail_to};
use crate::common::{Catalog, Server, Tenant, scan, setup};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// `Basic base64("cid:zoom-secret")`.
const BASIC: &str = "Basic Y2lkOnpvb20tc2VjcmV0";

/// Zoom's token endpoint (only these credentials), the host, and meetings numbered from 1001.
async fn zoom_fake() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(query_param("grant_type", "account_credentials"))
        .and(query_param("account_id", "acc-1"))
        .and(header("authorization", BASIC))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "zt-1", "token_type": "bearer", "expires_in": 3599}),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}),
        ))
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/host@example.org"))
        .and(header("authorization", "Bearer zt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "u-1"})))
        .mount(&server)
        .await;
    let made = Arc::new(Mutex::new(1000u64));
    Mock::given(method("POST"))
        .and(path("/v2/users/host@example.org/meetings"))
        .and(header("authorization", "Bearer zt-1"))
        .respond_with(move |_: &Request| {
            let mut n = made.lock().unwrap();
            *n += 1;
            ResponseTemplate::new(201).set_body_json(json!({
                "id": *n,
                "join_url": format!("https://zoom.example/j/{n}"),
                "start_url": format!("https://zoom.example/s/{n}"),
                "password": format!("pw{n}")
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(r"^/v2/meetings/\d+$"))
        .and(header("authorization", "Bearer zt-1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

async fn requests(zoom: &MockServer, verb: &str, prefix: &str) -> Vec<(String, Value)> {
    zoom.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().starts_with(prefix))
        .map(|r| (r.url.path().to_owned(), serde_json::from_slice(&r.body).unwrap_or(Value::Null)))
        .collect()
}

/// Books the first free slot of the week on the public page as a guest; returns the booking.
async fn book(v: &mut Visitor, t: &Tenant, c: &Catalog, email: &str) -> i64 {
    let week = v.open(&format!("/b/{}/book?agenda={}&service={}", t.id, c.agenda, c.service)).await;
    assert_eq!(week.status, 200, "{}", week.html);
    let start = week.slots()[0].clone();
    let (agenda, service) = (c.agenda.to_string(), c.service.to_string());
    let held = v
        .post(
            &format!("/b/{}/book/hold", t.id),
            &[("agenda", &agenda), ("service", &service), ("start", &start)],
        )
        .await;
    assert_eq!(held.status, 303, "{}", held.html);
    v.open(held.location.as_deref().unwrap()).await;
    let done = v
        .post(
            &format!("/b/{}/book/confirm", t.id),
            &[("first_name", "Zoé"), ("last_name", "Martin"), ("email", email), ("phone", "")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    let location = done.location.unwrap();
    // The confirmation says the appointment is online and how the link comes.
    let page = v.open(&location).await;
    assert!(page.html.contains("id=\"online\""), "{}", page.html);
    location.split("booking=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap()
}

/// Follows the email's magic link into the panel.
async fn panel(v: &mut Visitor, t: &Tenant, mail: &common::web::Mail) -> String {
    let magic = mail.link("/magic?token=").expect("a magic link");
    v.open(&magic).await;
    let token = magic.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    v.post(&format!("/b/{}/magic", t.id), &[("token", &token)]).await;
    v.open(&format!("/b/{}/panel", t.id)).await.html
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booked_online_appointment_shows_its_zoom_link_or_none_when_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    let Some(smtp) = booking_testkit::smtp::smtp_server(&maildir) else { return };
    let zoom = zoom_fake().await;
    let zoom_url = zoom.uri();
    let s = Server::sqlite_wired(
        |c| {
            c.mail_url = format!("smtp://127.0.0.1:{}", smtp.port);
            c.zoom_url = Some(zoom_url);
        },
        false,
    )
    .await;
    let t = s.tenant("Cabinet Martin").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let default_path = t.path("/video/default");
    let put = |body: Value| s.call(reqwest::Method::PUT, &default_path, admin, Some(body), &[]);

    // §J1: Zoom refuses wrong credentials; right ones are saved, the secret never shown.
    let zoom_app = |secret: &str| json!({"kind": "meetings", "provider": "zoom", "account_id": "acc-1", "client_id": "cid", "client_secret": secret, "user": "host@example.org"});
    let refused = put(zoom_app("wrong")).await;
    assert_eq!(
        (refused.status, refused.code()),
        (422, "video_credentials_refused"),
        "{:?}",
        refused.body
    );
    let saved = put(zoom_app("zoom-secret")).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(
        saved.body,
        json!({"kind": "meetings", "provider": "zoom", "account_id": "acc-1", "client_id": "cid", "user": "host@example.org"})
    );
    let shown = s.get(&t.path("/video"), admin).await;
    assert_eq!(
        (shown.body["default"]["kind"].as_str(), shown.body["default"]["provider"].as_str()),
        (Some("meetings"), Some("zoom"))
    );
    assert!(!shown.body.to_string().contains("zoom-secret"));
    assert!(scan(&s.database_url, "zoom-secret").await.is_empty(), "sealed at rest");
    let elsewhere = put(json!({"kind": "meetings", "provider": "webex", "account_id": "a", "client_id": "c", "client_secret": "s", "user": "u"})).await;
    assert_eq!(
        (elsewhere.status, elsewhere.code()),
        (422, "invalid_value"),
        "{:?}",
        elsewhere.body
    );
    assert!(
        elsewhere.body.to_string().contains("provider"),
        "names the field: {:?}",
        elsewhere.body
    );
    let bad = put(json!({"kind": "custom", "url": "javascript:alert(1)"})).await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);

    // The service is held online; passwords are off, so emails carry a magic link to the panel.
    let online = s
        .call(
            reqwest::Method::PUT,
            &t.path(&format!("/services/{}", c.service)),
            admin,
            Some(json!({"name": "Passeport", "slug": "passeport", "duration_minutes": 30, "online": true})),
            &[],
        )
        .await;
    assert_eq!((online.status, &online.body["online"]), (200, &json!(true)), "{:?}", online.body);
    let r = s
        .call(
            reqwest::Method::PATCH,
            &t.path("/settings"),
            admin,
            Some(json!({"require_password": false})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);

    let mut zoe = Visitor::new(&s.base);
    let first = book(&mut zoe, &t, &c, "zoe@example.org").await;
    let mail = {
        s.run_jobs().await;
        mail_to(&maildir, "zoe@example.org", "/magic?token=")
    };
    assert!(mail.body.contains("En ligne : https://zoom.example/j/1001"), "{}", mail.body);
    assert!(mail.body.contains("Mot de passe : pw1001"), "{}", mail.body);
    let made = requests(&zoom, "POST", "/v2/users/").await;
    assert_eq!(made.len(), 1, "one meeting for the appointment");
    let body = &made[0].1;
    assert_eq!(
        (body["type"].as_i64(), body["duration"].as_i64(), body["timezone"].as_str()),
        (Some(2), Some(30), Some("UTC"))
    );
    assert!(body["topic"].as_str().unwrap().starts_with("Passeport"), "{body}");
    assert_eq!(body["agenda"], format!("booking-{first}").as_str());
    let page = panel(&mut zoe, &t, &mail).await;
    assert!(page.contains("class=\"video-link\" href=\"https://zoom.example/j/1001\""), "{page}");
    assert!(page.contains("pw1001"));
    let api = s.get(&t.path(&format!("/bookings/{first}/video")), admin).await;
    assert_eq!(api.body["url"], "https://zoom.example/j/1001", "{:?}", api.body);
    assert_eq!(api.body["start_url"], "https://zoom.example/s/1001", "staff get the host's link");

    // §J4: a course's own link replaces Zoom for all its sessions, and the booked customers
    // are told when asked.
    let course = s
        .post(
            &t.path("/events"),
            admin,
            json!({"kind": "course", "name": "Yoga en ligne", "capacity": 5, "online": true}),
        )
        .await;
    assert_eq!(course.status, 201, "{:?}", course.body);
    let course = course.body["id"].as_i64().unwrap();
    let start = common::now() + jiff::SignedDuration::from_hours(48);
    let end = start + jiff::SignedDuration::from_hours(1);
    let session = s
        .post(
            &t.path(&format!("/events/{course}/sessions")),
            admin,
            json!({"start": start.to_string(), "end": end.to_string()}),
        )
        .await;
    assert_eq!(session.status, 201, "{:?}", session.body);
    let seat = s
        .post(&t.path("/bookings"), admin, json!({"session_id": session.body["id"], "contact": {"first_name": "Léa", "last_name": "Roux", "email": "lea@example.org"}}))
        .await;
    assert_eq!(seat.status, 201, "{:?}", seat.body);
    let confirmed = {
        s.run_jobs().await;
        mail_to(&maildir, "lea@example.org", "https://zoom.example/j/")
    };
    assert!(confirmed.body.contains("En ligne : https://zoom.example/j/"), "{}", confirmed.body);
    let link = s
        .call(
            reqwest::Method::PUT,
            &t.path(&format!("/events/{course}/video-link")),
            admin,
            Some(json!({"url": "https://meet.example/yoga", "password": "om", "notify": true})),
            &[],
        )
        .await;
    assert_eq!(link.status, 200, "{:?}", link.body);
    let told = {
        s.run_jobs().await;
        mail_to(&maildir, "lea@example.org", "https://meet.example/yoga")
    };
    assert!(told.subject.starts_with("Nouveau lien"), "{}", told.subject);
    assert!(told.body.contains("Mot de passe : om"), "{}", told.body);
    // The customer's invitation says where to join, as calendar clients read it.
    let invitation = told.raw.clone();
    let calendar = invitation_in(&invitation);
    let unfolded = calendar.replace("\r\n ", "");
    assert!(
        unfolded.contains("CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.example/yoga")
            && unfolded.contains("LOCATION:https://meet.example/yoga")
            && unfolded.contains("Mot de passe : om"),
        "{unfolded}"
    );
    let talk = s
        .post(&t.path("/events"), admin, json!({"kind": "event", "name": "Talk", "capacity": 5}))
        .await;
    let talk = talk.body["id"].as_i64().unwrap();
    for (event, status, code) in [(c.event + 1000, 404, "not_found"), (talk, 422, "not_a_course")] {
        let r = s
            .call(
                reqwest::Method::PUT,
                &t.path(&format!("/events/{event}/video-link")),
                admin,
                Some(json!({"url": "https://meet.example/x"})),
                &[],
            )
            .await;
        assert_eq!((r.status, r.code()), (status, code), "{:?}", r.body);
    }

    // §J6 from the back office: hide the links from the panel, then from emails too.
    let mut office = Visitor::new(&s.base);
    let login = format!("/b/{}/office/login", t.id);
    office.open(&login).await;
    office.post(&login, &[("key", &t.admin)]).await;
    let video_page = format!("/b/{}/office/video", t.id);
    let shown = office.open(&video_page).await;
    assert_eq!(shown.status, 200, "{}", shown.html);
    assert!(shown.html.contains("id=\"default-kind-zoom\" checked"), "{}", shown.html);
    assert!(!shown.html.contains("zoom-secret"));
    let privacy = format!("/b/{}/office/video/privacy", t.id);
    let done = office.post(&privacy, &[("hide_in_panel", "on")]).await;
    assert_eq!(done.status, 303, "{}", done.html);
    let page = zoe.open(&format!("/b/{}/panel", t.id)).await.html;
    assert!(
        page.contains(&format!("data-booking=\"{first}\"")) && !page.contains("zoom.example"),
        "{page}"
    );
    office.open(&video_page).await;
    office.post(&privacy, &[("hide_in_panel", "on"), ("hide_in_emails", "on")]).await;
    let mut bob = Visitor::new(&s.base);
    book(&mut bob, &t, &c, "bob@example.org").await;
    let mail = {
        s.run_jobs().await;
        mail_to(&maildir, "bob@example.org", "/magic?token=")
    };
    assert!(
        !mail.body.contains("zoom.example") && !mail.body.contains("En ligne"),
        "{}",
        mail.body
    );
    assert!(!mail.body.replace("\r\n", "\n").contains("\n\n\n"), "no gap left: {}", mail.body);

    // §J5: a cancel deletes the meeting, through the outbox.
    let cancel = s.post(&t.path(&format!("/bookings/{first}/cancel")), admin, json!({})).await;
    assert_eq!(cancel.status, 200, "{:?}", cancel.body);
    s.run_jobs().await;
    let deleted = requests(&zoom, "DELETE", "/v2/meetings/1001").await;
    assert_eq!(deleted.len(), 1, "the canceled appointment's meeting is deleted");

    // §J2: an employee sets their own link from the same page; they cannot touch the default.
    let key = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Ana", "role": "staff", "subject": c.staff}),
        )
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    let mut ana = Visitor::new(&s.base);
    ana.open(&login).await;
    ana.post(&login, &[("key", &key)]).await;
    let own = ana.open(&video_page).await;
    assert!(
        own.html.contains("id=\"video-me\"") && !own.html.contains("id=\"video-default\""),
        "{}",
        own.html
    );
    let account = format!("/b/{}/office/video/account", t.id);
    let forbidden = ana.post(&account, &[("owner", "default"), ("kind", "calendar")]).await;
    assert_eq!(forbidden.status, 403);
    ana.open(&video_page).await;
    let saved = ana
        .post(
            &account,
            &[
                ("owner", "me"),
                ("kind", "custom"),
                ("url", "https://meet.example/ana"),
                ("password", "1234"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let mine = s.get(&t.path(&format!("/video/staff/{}", c.staff)), Some(&key)).await;
    assert_eq!(
        mine.body,
        json!({"kind": "custom", "url": "https://meet.example/ana", "password": "1234", "description": null})
    );
    let other = s.get(&t.path(&format!("/video/staff/{}", c.desk)), Some(&key)).await;
    assert_eq!(other.status, 403, "only their own");
    // Disconnecting asks first, and the way back keeps the account.
    ana.open(&video_page).await;
    let remove = format!("/b/{}/office/video/account/remove", t.id);
    let asked = ana.post(&remove, &[("owner", "me")]).await;
    assert!(
        asked.status == 200
            && asked.html.contains("id=\"confirm-yes\"")
            && asked.html.contains(&format!("id=\"confirm-no\" href=\"{video_page}\"")),
        "{}",
        asked.html
    );
    let still = s.get(&t.path(&format!("/video/staff/{}", c.staff)), Some(&key)).await;
    assert_eq!(still.body["kind"], "custom", "nothing changed yet");

    // Her own link reaches the staff email of an appointment she takes.
    let monday = common::next_monday();
    let hers = s
        .post(&t.path("/bookings"), admin, json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.staff, "start": common::paris(monday, 15, 0), "contact": {"first_name": "Noé", "email": "noe@example.org"}}))
        .await;
    assert_eq!(hers.status, 201, "{:?}", hers.body);
    let staff_mail = {
        s.run_jobs().await;
        mail_to(&maildir, "ana@example.org", "Noé")
    };
    assert!(staff_mail.body.contains("En ligne : https://meet.example/ana"), "{}", staff_mail.body);

    // §J2: the session Ana leads is listed on her page; she turns it online, and it gets the
    // default account's link (courses do not take her own).
    let seat = s
        .post(&t.path("/bookings"), admin, json!({"session_id": c.session, "contact": {"first_name": "Max", "email": "max@example.org"}}))
        .await;
    assert_eq!(seat.status, 201, "{:?}", seat.body);
    let seat = seat.body["id"].as_i64().unwrap();
    let key_of_session = format!("session-{}", c.session);
    let listed = ana.open(&video_page).await;
    assert!(
        listed.html.contains(&format!("data-occasion=\"{key_of_session}\"")),
        "{}",
        listed.html
    );
    assert!(listed.html.contains("en présentiel"), "{}", listed.html);
    let occasion = format!("/b/{}/office/video/occasion", t.id);
    let refused = ana.post(&occasion, &[("key", "session-999999"), ("online", "1")]).await;
    assert_eq!(refused.status, 403, "not hers");
    ana.open(&video_page).await;
    let turned = ana.post(&occasion, &[("key", &key_of_session), ("online", "1")]).await;
    assert_eq!(turned.status, 303, "{}", turned.html);
    s.run_jobs().await;
    let shown = ana.open(&video_page).await.html;
    assert!(
        shown.contains("class=\"video-link\" href=\"https://zoom.example/s/"),
        "the host's link: {shown}"
    );
    let api = s.get(&t.path(&format!("/bookings/{seat}/video")), admin).await;
    assert_eq!(
        (api.body["online"].as_bool(), api.body["state"].as_str()),
        (Some(true), Some("ready")),
        "{:?}",
        api.body
    );
    drop(smtp);
    s.stop().await;
}

/// The `text/calendar` part of a raw email, decoded (base64).
fn invitation_in(raw: &str) -> String {
    use base64::Engine as _;
    let part = raw.split("Content-Type: text/calendar").nth(1).expect("an invitation");
    let body = part.split("\r\n\r\n").nth(1).or_else(|| part.split("\n\n").nth(1)).unwrap();
    let encoded: String =
        body.lines().take_while(|l| !l.starts_with("--")).flat_map(|l| l.trim().chars()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64");
    String::from_utf8(bytes).unwrap()
}
