//! Complete journeys over HTTP against the real app, on SQLite and PostgreSQL.

use crate::common;

use crate::common::{Server, next_monday, now, paris, setup};
use jiff::ToSpan;
use reqwest::Method;
use serde_json::json;

on_both_databases!(
    set_up_list_hold_confirm_and_replay,
    customers_cancel_inside_their_window_only,
    reschedule_is_atomic,
    staff_approve_reject_and_no_show,
    seats_in_a_session,
    bad_input_gets_a_clear_4xx,
    two_instances_race_for_one_slot,
    calendars_in_and_out,
    probes_metrics_and_request_ids,
    relocking_moves_the_hold_and_release_frees_it,
);

on_both_databases!(
    quiet: customers_get_their_emails,
    webhooks_are_signed_retried_and_logged,
    one_invitation_follows_a_booking_through_its_moves,
);

/// The `.eml` files the app wrote so far, in order.
fn emails_now(dir: &std::path::Path) -> Vec<String> {
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// §E through the whole server: a booking's confirmation and its cancellation reach the
/// customer, with the invitation; a booking without an address sends nothing.
async fn customers_get_their_emails(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    // The business writes its own cancellation email; an unknown placeholder is refused.
    let path = t.path("/email-templates/booking_canceled/fr");
    let wrong = s
        .call(
            Method::PUT,
            &path,
            admin,
            Some(json!({"subject": "Annulé", "text": "%customer_nickname%"})),
            &[],
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (422, "invalid_template"));
    assert!(wrong.body["detail"].as_str().unwrap().contains("%customer_nickname%"));
    let own = s.call(Method::PUT, &path, admin, Some(json!({"subject": "Annulation n°%appointment_id%", "text": "Au revoir %customer_first_name%."})), &[]).await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    let all = s.get(&t.path("/email-templates"), admin).await;
    assert_eq!(all.body.as_array().unwrap().len(), 14, "7 emails in 2 languages");
    assert_eq!(all.body.as_array().unwrap().iter().filter(|t| t["custom"] == true).count(), 1);
    let unknown = s
        .call(Method::DELETE, &t.path("/email-templates/booking_nothing/fr"), admin, None, &[])
        .await;
    assert_eq!(unknown.status, 404);
    let monday = next_monday();
    let booked = s
        .post(
            &t.path("/bookings"),
            None,
            json!({"agenda_id": c.agenda, "service_id": c.service, "start": paris(monday, 9, 0),
            "contact": {"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"}}),
        )
        .await;
    assert_eq!(booked.status, 201);
    s.post(
        &t.path("/bookings"),
        None,
        json!({"agenda_id": c.agenda, "service_id": c.service, "start": paris(monday, 10, 0)}),
    )
    .await;
    assert!(emails_now(&s.mail_dir).is_empty(), "nothing is sent before the jobs run");
    s.run_jobs().await;
    let first = emails_now(&s.mail_dir);
    assert_eq!(first.len(), 1, "one email: the booking without an address sends nothing");
    assert!(first[0].contains("To: zoe@example.org"), "{}", first[0]);
    assert!(first[0].contains("Bonjour Zo"), "{}", first[0]);
    assert!(first[0].contains("method=REQUEST"), "the invitation: {}", first[0]);
    s.post(&t.path(&format!("/bookings/{}/cancel", booked.body["id"])), Some(&t.admin), json!({}))
        .await;
    s.run_jobs().await;
    let both = emails_now(&s.mail_dir);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(both.iter().any(|m| m.contains("method=CANCEL")), "{both:?}");
    assert!(both.iter().any(|m| m.contains("Au revoir Zo")), "the business's wording: {both:?}");
    assert_eq!(s.run_jobs().await, booking_core::outbox::Drained::default(), "nothing left to run");
    assert_eq!(emails_now(&s.mail_dir).len(), 2);
}

/// The invitation (`.ics`) of an email, as the customer's mail client reads it (Python's
/// `email` package decodes the MIME part).
fn invitation_of(python: &str, eml: &str) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new(python)
        .args([
            "-c",
            "import email, sys\n\
             m = email.message_from_binary_file(sys.stdin.buffer)\n\
             for p in m.walk():\n\
             \x20   if p.get_content_type() == 'text/calendar':\n\
             \x20       sys.stdout.buffer.write(p.get_payload(decode=True))\n",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(eml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// §A5, §E: a booking moved twice, then canceled from its first email's link, is one event in
/// the customer's calendar for its whole life. Every email's invitation (parsed by a real RFC
/// 5545 parser) has the same UID and a strictly growing SEQUENCE, the last is a CANCEL, and a
/// calendar that applies them in order ends with nothing. The first email's cancel link,
/// opened after the moves, says the appointment moved and cancels the one that holds now.
async fn one_invitation_follows_a_booking_through_its_moves(s: Server) {
    let Some(python) = python() else { return };
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let monday = next_monday();
    let booked = s
        .post(
            &t.path("/bookings"),
            None,
            json!({"agenda_id": c.agenda, "service_id": c.service, "start": paris(monday, 9, 0),
            "contact": {"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"}}),
        )
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    s.run_jobs().await;
    let mut seen = emails_now(&s.mail_dir);
    assert_eq!(seen.len(), 1);
    let first_email = common::web::Mail::parse(&seen[0]);
    let mut invitations = vec![invitation_of(&python, &seen[0])];
    let mut id = booked.body["id"].as_i64().unwrap();
    for hour in [11, 14] {
        let moved = s
            .post(
                &t.path(&format!("/bookings/{id}/reschedule")),
                admin,
                json!({"start": paris(monday, hour, 0)}),
            )
            .await;
        assert_eq!(moved.status, 201, "{:?}", moved.body);
        id = moved.body["id"].as_i64().unwrap();
        s.run_jobs().await;
        let now = emails_now(&s.mail_dir);
        let new: Vec<&String> = now.iter().filter(|m| !seen.contains(m)).collect();
        assert_eq!(new.len(), 1, "one email per move, no cancellation of the old time: {new:?}");
        invitations.push(invitation_of(&python, new[0]));
        seen = now;
    }
    // The first email's cancel link, after two moves.
    let link = first_email.link("/cancel?token=").expect("a cancel link");
    let mut v = common::web::Visitor::new(&s.base);
    let page = v.open(&link).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.shows("a été déplacé") && page.shows("14:00"), "{}", page.html);
    let path = link.trim_start_matches(&s.base).split('?').next().unwrap().to_owned();
    let token = link.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let done = v.post(&path, &[("token", &token)]).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let now = s.get(&t.path(&format!("/bookings/{id}")), admin).await;
    assert_eq!(now.body["status"], "canceled", "the booking that held is canceled");
    s.run_jobs().await;
    let last = emails_now(&s.mail_dir);
    let new: Vec<&String> = last.iter().filter(|m| !seen.contains(m)).collect();
    assert_eq!(new.len(), 1, "{new:?}");
    invitations.push(invitation_of(&python, new[0]));
    // Read as a calendar reads them.
    let parsed: Vec<serde_json::Value> =
        invitations.iter().map(|i| parse_with_icalendar(&python, i)).collect();
    let methods: Vec<&str> = parsed.iter().map(|p| p["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]);
    let events: Vec<&serde_json::Value> = parsed.iter().map(|p| &p["events"][0]).collect();
    let uid = events[0]["uid"].as_str().unwrap();
    assert!(events.iter().all(|e| e["uid"] == uid), "one UID: {events:?}");
    let sequences: Vec<i64> = events.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "SEQUENCE grows: {sequences:?}");
    let moved_to = events[2]["start"].as_str().unwrap();
    assert!(moved_to.starts_with(&format!("{monday}T13:00:00")), "14:00 in Paris: {moved_to}");
    let mut calendar: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (method, event) in methods.iter().zip(&events) {
        let (uid, sequence) =
            (event["uid"].as_str().unwrap().to_owned(), event["sequence"].as_i64().unwrap());
        let newer = calendar.get(&uid).is_none_or(|held| sequence > *held);
        match *method {
            "REQUEST" if newer => {
                calendar.insert(uid, sequence);
            }
            "CANCEL" if newer => {
                calendar.remove(&uid);
            }
            _ => panic!("an invitation a calendar would ignore: {method} {sequence}"),
        }
        assert_eq!(calendar.len(), usize::from(*method == "REQUEST"), "one event at most");
    }
    assert!(calendar.is_empty(), "the calendar ends with nothing: {calendar:?}");
}

/// §A4 over HTTP: the same lock code moves its hold; releasing frees the slot.
async fn relocking_moves_the_hold_and_release_frees_it(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let monday = next_monday();
    let hold = |h: i8| json!({"lock_code": "form-7", "agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, h, 0)});
    let by_other = |h: i8| json!({"lock_code": "someone-else", "agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, h, 0)});
    assert_eq!(s.post(&t.path("/holds"), None, hold(9)).await.status, 201);
    assert_eq!(s.post(&t.path("/holds"), None, by_other(9)).await.code(), "slot_taken");
    assert_eq!(
        s.post(&t.path("/holds"), None, hold(10)).await.status,
        201,
        "the code moves to 10:00"
    );
    let nine = s.post(&t.path("/holds"), None, by_other(9)).await;
    assert_eq!(nine.status, 201, "09:00 is free again: {:?}", nine.body);
    assert_eq!(s.post(&t.path("/holds"), None, json!({"lock_code": "third", "agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, 10, 0)})).await.code(), "slot_taken");
    let released = s.call(Method::DELETE, &t.path("/holds/form-7"), None, None, &[]).await;
    assert_eq!(released.body["released"], 1);
    let again = s.call(Method::DELETE, &t.path("/holds/form-7"), None, None, &[]).await;
    assert_eq!(again.body["released"], 0);
    assert_eq!(s.post(&t.path("/holds"), None, json!({"lock_code": "third", "agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, 10, 0)})).await.status, 201);
}

/// §C6: liveness, readiness, Prometheus metrics by route template, request ids echoed.
async fn probes_metrics_and_request_ids(s: Server) {
    let t = s.tenant("Mairie").await;
    assert_eq!(s.get("/healthz", None).await.status, 200);
    assert_eq!(s.get("/readyz", None).await.status, 200);
    let r = s
        .call(Method::GET, &t.path("/services"), None, None, &[("x-request-id", "trace-me-42")])
        .await;
    assert_eq!(r.headers["x-request-id"], "trace-me-42", "a client's request id is kept");
    let fresh = s.get(&t.path("/services"), None).await;
    assert_eq!(fresh.headers["x-request-id"].len(), 36, "one is made when missing (a UUID)");
    let metrics = s.get("/metrics", None).await;
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains(r#"booking_http_requests_total{method="GET",route="/api/v1/businesses/{business}/services",status="200"} 2"#), "{text}");
    assert!(text.contains("booking_http_request_duration_seconds_count"));
    assert!(!text.contains(&format!("/businesses/{}/", t.id)), "ids never become labels");
    let docs = s.http.get(format!("{}/api/v1/docs/", s.base)).send().await.unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "the docs page is served from the binary"
    );
}

/// What a local webhook receiver saw: headers and body of each call.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

/// A receiver on 127.0.0.1 that fails its first call (500), then takes every call (204).
async fn receiver() -> (String, Seen) {
    let seen: Seen = std::sync::Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let record = record.clone();
            async move {
                let mut calls = record.lock().unwrap();
                calls.push((headers, body.to_vec()));
                if calls.len() == 1 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// §C9: every booking event reaches the endpoint signed and timestamped; a failure is retried
/// with the same delivery id; a taken delivery is never repeated; every attempt is logged.
async fn webhooks_are_signed_retried_and_logged(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let (url, seen) = receiver().await;
    let hook = s.post(&t.path("/webhooks"), admin, json!({"url": url})).await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let secret =
        booking_core::ports::tokens::Secret::new(hook.body["secret"].as_str().unwrap().to_owned());
    let listed = s.get(&t.path("/webhooks"), admin).await;
    assert!(listed.body[0].get("secret").is_none(), "the secret is shown once");
    let bad = s.post(&t.path("/webhooks"), admin, json!({"url": "http://example.org/x"})).await;
    assert_eq!((bad.status, bad.code()), (422, "invalid_value"));

    let booked = s.post(&t.path("/bookings"), None, json!({"agenda_id": c.agenda, "service_id": c.service, "start": paris(next_monday(), 9, 0), "contact": {"first_name": "Ana"}})).await;
    assert_eq!(booked.status, 201);
    s.run_jobs().await;
    assert_eq!(seen.lock().unwrap().len(), 1, "a 500: the retry waits for its time");
    s.advance(jiff::SignedDuration::from_secs(1));
    s.run_jobs().await;
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "retried a second later");
    let header = |i: usize, name: &str| calls[i].0[name].to_str().unwrap().to_owned();
    assert_eq!(
        header(0, "x-booking-delivery"),
        header(1, "x-booking-delivery"),
        "a retry is the same delivery"
    );
    assert_eq!(calls[0].1, calls[1].1, "and the same body");
    for (headers, body) in &calls {
        let ts: i64 = headers["x-booking-timestamp"].to_str().unwrap().parse().unwrap();
        let sig = headers["x-booking-signature"].to_str().unwrap();
        assert!(
            booking_core::webhooks::verify(&secret, ts, body, sig, now(), 300),
            "a valid signature"
        );
        assert!(!booking_core::webhooks::verify(&secret, ts, b"{}", sig, now(), 300));
    }
    let event: serde_json::Value = serde_json::from_slice(&calls[1].1).unwrap();
    assert_eq!(event["type"], "booking.created");
    assert_eq!(event["booking"]["id"], booked.body["id"]);
    assert_eq!(event["booking"]["contact"]["first_name"], "Ana");

    // A cancellation: one more event, delivered once.
    s.post(&t.path(&format!("/bookings/{}/cancel", booked.body["id"])), admin, json!({})).await;
    s.run_jobs().await;
    s.advance(jiff::SignedDuration::from_hours(1));
    s.run_jobs().await;
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls.len(), 3, "nothing delivered twice");
    let event: serde_json::Value = serde_json::from_slice(&calls[2].1).unwrap();
    assert_eq!(event["type"], "booking.canceled");
    assert_eq!(event["booking"]["status"], "canceled");

    let log = s.get(&t.path(&format!("/webhooks/{}/deliveries", hook.body["id"])), admin).await;
    let oks: Vec<bool> =
        log.body.as_array().unwrap().iter().map(|d| d["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, true, false], "newest first: {:?}", log.body);
    assert_eq!(log.body[2]["status"], 500);
    assert_eq!(log.body[2]["error"], "HTTP 500");
    let removed = s
        .call(Method::DELETE, &t.path(&format!("/webhooks/{}", hook.body["id"])), admin, None, &[])
        .await;
    assert_eq!(removed.status, 204);
}

/// The Python that has `icalendar` (scripts/setup.sh makes it), or `None` with a notice.
fn python() -> Option<String> {
    let venv = std::env::var("BOOKING_VENV").unwrap_or_else(|_| "/var/tmp/booking-venv".to_owned());
    let python = format!("{venv}/bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import icalendar"])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true and {python} has no icalendar: run scripts/setup.sh"
    );
    eprintln!(
        "notice: skipping the RFC 5545 check: {python} has no icalendar (run scripts/setup.sh)"
    );
    None
}

/// Parses a feed with Python's `icalendar` (scripts/check_ics.py); its events as JSON.
fn parse_with_icalendar(python: &str, text: &str) -> serde_json::Value {
    use std::io::Write as _;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/check_ics.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// §C8 feeds parse with a real RFC 5545 parser, with stable UIDs and growing SEQUENCE; §C2
/// exceptions imported from an .ics file remove availability.
async fn calendars_in_and_out(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let monday = next_monday();
    // Import: the desk is away 10:00–12:00 on Monday (Paris), and a repeating event is skipped.
    let d = monday.strftime("%Y%m%d");
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n\
         DTSTART;TZID=Europe/Paris:{d}T100000\r\nDTEND;TZID=Europe/Paris:{d}T120000\r\nSUMMARY:Formation\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{d}\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let imported = s
        .raw(
            Method::POST,
            &t.path(&format!("/resources/{}/exceptions/import", c.desk)),
            admin,
            "text/calendar",
            ics,
        )
        .await;
    assert_eq!(imported.status, 201, "{:?}", imported.body);
    assert_eq!(imported.body["imported"][0]["start"], paris_local(&paris(monday, 10, 0)));
    assert_eq!(imported.body["skipped"].as_array().unwrap().len(), 1);
    let q = format!(
        "?agenda_id={}&service_id={}&resource_id={}&from={monday}&to={}",
        c.agenda,
        c.service,
        c.desk,
        monday.tomorrow().unwrap()
    );
    let slots = s.get(&t.path(&format!("/availability{q}")), None).await;
    let starts: Vec<&str> = slots.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["start"].as_str().unwrap())
        .collect();
    assert!(starts.contains(&paris_local(&paris(monday, 9, 30)).as_str()));
    assert!(
        !starts.contains(&paris_local(&paris(monday, 10, 0)).as_str()),
        "the imported time off removes 10:00"
    );
    assert!(!starts.contains(&paris_local(&paris(monday, 11, 30)).as_str()));
    let not_ics = s
        .raw(
            Method::POST,
            &t.path(&format!("/resources/{}/exceptions/import", c.desk)),
            admin,
            "text/calendar",
            "hello".into(),
        )
        .await;
    assert_eq!((not_ics.status, not_ics.code()), (422, "invalid_ics"));
    let url = format!("{}{}", s.base, t.path(&format!("/resources/{}/exceptions/import", c.desk)));
    let binary = s
        .http
        .post(url)
        .bearer_auth(&t.admin)
        .header("content-type", "text/calendar")
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(binary.status().as_u16(), 422);
    assert_eq!(binary.headers()["content-type"], "application/problem+json");

    // Feeds: a booking on the desk, then cancelled; a staff key reads the desk's feed.
    let customer = s.post(&t.path("/customers"), admin, json!({"contact": {"first_name": "Zoé", "last_name": "Ñandú, Jr.", "email": "zoe@example.org"}})).await;
    let booked = s.post(&t.path("/bookings"), admin,
        json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, 9, 0), "customer_id": customer.body["id"], "contact": {"first_name": "Zoé", "last_name": "Ñandú, Jr."}})).await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let feed_path = t.path(&format!("/resources/{}/feed.ics", c.desk));
    let first = s.get(&feed_path, admin).await;
    assert_eq!(first.status, 200);
    assert!(first.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let text = first.body.as_str().unwrap().to_owned();
    s.post(&t.path(&format!("/bookings/{}/cancel", booked.body["id"])), admin, json!({})).await;
    let key = s.post(&t.path("/api-keys"), admin, json!({"name": "feed", "role": "agent"})).await;
    let key = key.body["key"].as_str().unwrap();
    let second = s.get(&format!("{feed_path}?key={key}"), None).await;
    assert_eq!(second.status, 200, "a calendar program passes the key in the URL");
    let customer_feed =
        s.get(&t.path(&format!("/customers/{}/feed.ics", customer.body["id"])), admin).await;
    assert_eq!(customer_feed.status, 200);
    let wrong_key = s
        .get(&format!("{feed_path}?key=bk_00000000_0000000000000000000000000000000000000000"), None)
        .await;
    assert_eq!(wrong_key.status, 401);
    let Some(python) = python() else { return };
    let before = parse_with_icalendar(&python, &text);
    let after = parse_with_icalendar(&python, second.body.as_str().unwrap());
    let mine = parse_with_icalendar(&python, customer_feed.body.as_str().unwrap());
    assert_eq!(before["events"][0]["summary"], "Passeport — Zoé Ñandú, Jr.");
    assert_eq!(before["events"][0]["status"], "CONFIRMED");
    assert_eq!(after["events"][0]["uid"], before["events"][0]["uid"], "a stable UID");
    assert_eq!(after["events"][0]["status"], "CANCELLED");
    assert!(after["events"][0]["sequence"].as_i64() > before["events"][0]["sequence"].as_i64());
    assert_eq!(mine["events"][0]["uid"], before["events"][0]["uid"]);
    assert_eq!(mine["events"][0]["summary"], "Passeport — Mairie");
    let start: jiff::Timestamp = before["events"][0]["start"].as_str().unwrap().parse().unwrap();
    assert_eq!(start.to_string(), paris(monday, 9, 0));
}

/// §B2: two app instances on one database, 24 requests for one desk at once: exactly one wins.
async fn two_instances_race_for_one_slot(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let sibling = s.sibling().await;
    let body = json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(next_monday(), 9, 0)});
    let path = t.path("/bookings");
    let calls = (0..24).map(|i| {
        let server = if i % 2 == 0 { &s } else { &sibling };
        server.post(&path, None, body.clone())
    });
    let replies = futures::future::join_all(calls).await;
    let won = replies.iter().filter(|r| r.status == 201).count();
    let lost = replies.iter().filter(|r| r.status == 409 && r.code() == "slot_taken").count();
    assert_eq!((won, lost), (1, 23), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    sibling.stop().await;
}

/// Set-up, availability, a hold with a lock code, its confirmation, idempotent replays.
async fn set_up_list_hold_confirm_and_replay(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let monday = next_monday();
    let q = format!("?agenda_id={}&service_id={}", c.agenda, c.service);
    let day = format!("{q}&from={monday}&to={}", monday.tomorrow().unwrap());
    let before = s.get(&t.path(&format!("/availability{day}")), None).await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    let slots = before.body["slots"].as_array().unwrap().clone();
    assert_eq!(slots.len(), 48, "two resources open all day: every half hour");
    assert_eq!(
        slots[18]["start"],
        "2026-11-30T09:00:00+01:00".replace("2026-11-30", &monday.to_string())
    );
    assert_eq!(slots[18]["free"], 2);
    // The same day shown in New York.
    let ny = s.get(&t.path(&format!("/availability{day}&zone=America/New_York")), None).await;
    assert_eq!(ny.body["zone"], "America/New_York");
    assert!(ny.body["slots"][0]["start"].as_str().unwrap().ends_with("-05:00"));

    // Hold 09:00 for lock A on the desk: others see one place, A sees two.
    let nine = paris(monday, 9, 0);
    let hold = json!({"lock_code": "lock-A", "agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": nine});
    let held = s
        .call(
            Method::POST,
            &t.path("/holds"),
            None,
            Some(hold.clone()),
            &[("Idempotency-Key", "h-1")],
        )
        .await;
    assert_eq!(held.status, 201, "{:?}", held.body);
    assert_eq!(held.body["resource_id"], c.desk);
    let replayed = s
        .call(Method::POST, &t.path("/holds"), None, Some(hold), &[("Idempotency-Key", "h-1")])
        .await;
    assert_eq!((replayed.status, &replayed.body), (201, &held.body));
    assert_eq!(replayed.headers["idempotent-replayed"], "true");
    let free_at_nine = |r: &common::Reply| {
        r.body["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["start"].as_str() == Some(&paris_local(&nine)))
            .map(|x| x["free"].as_i64().unwrap())
    };
    let others = s.get(&t.path(&format!("/availability{day}")), None).await;
    assert_eq!(free_at_nine(&others), Some(1));
    let owner = s.get(&t.path(&format!("/availability{day}&lock_code=lock-A")), None).await;
    assert_eq!(free_at_nine(&owner), Some(2));
    // Lock B cannot take the held desk.
    let taken = s
        .post(&t.path("/holds"), None, json!({"lock_code": "lock-B", "agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": nine}))
        .await;
    assert_eq!((taken.status, taken.code()), (409, "slot_taken"));

    // Confirm A's hold as a guest.
    let confirm = json!({"lock_code": "lock-A", "contact": {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.org"}});
    let booked = s
        .call(
            Method::POST,
            &t.path("/bookings"),
            None,
            Some(confirm.clone()),
            &[("Idempotency-Key", "b-1")],
        )
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    assert_eq!(booked.body["status"], "approved");
    assert_eq!(booked.body["start"], paris_local(&nine));
    let again = s
        .call(
            Method::POST,
            &t.path("/bookings"),
            None,
            Some(confirm),
            &[("Idempotency-Key", "b-1")],
        )
        .await;
    assert_eq!((again.status, &again.body["id"]), (201, &booked.body["id"]), "a retry replays");
    let other = s
        .call(
            Method::POST,
            &t.path("/bookings"),
            None,
            Some(json!({"lock_code": "lock-Z"})),
            &[("Idempotency-Key", "b-1")],
        )
        .await;
    assert_eq!((other.status, other.code()), (409, "idempotency_key_reused"));
    // A second confirmation finds nothing held.
    let twice = s.post(&t.path("/bookings"), None, json!({"lock_code": "lock-A"})).await;
    assert_eq!((twice.status, twice.code()), (409, "hold_not_found"));
    // The desk is taken at 09:00; the staff member is still free.
    let after = s.get(&t.path(&format!("/availability{day}")), None).await;
    assert_eq!(free_at_nine(&after), Some(1));
    // Staff read it with its history.
    let id = booked.body["id"].as_i64().unwrap();
    let read = s.get(&t.path(&format!("/bookings/{id}")), Some(&t.admin)).await;
    assert_eq!(read.body["history"][0]["to"], "approved");
    assert_eq!(read.body["contact"]["email"], "ana@example.org");
    // And in the list of the week.
    let list = s
        .get(&t.path(&format!("/bookings?from={monday}&to={}", monday + 7.days())), Some(&t.admin))
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    // First available is the earliest listed slot.
    let first = s.get(&t.path(&format!("/availability/first{q}&from={monday}")), None).await;
    assert_eq!(first.body["slot"]["start"], slots[0]["start"]);
}

/// `2027-01-04T08:00:00Z` → `2027-01-04T09:00:00+01:00`.
fn paris_local(utc: &str) -> String {
    let t: jiff::Timestamp = utc.parse().unwrap();
    t.to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The next half hour at least `hours` from now, as RFC 3339.
fn soon(hours: i64) -> String {
    let t = now() + hours.hours();
    let secs = t.as_second();
    let rounded = secs + (1800 - secs.rem_euclid(1800));
    jiff::Timestamp::from_second(rounded).unwrap().to_string()
}

/// §A6: a customer cannot cancel inside the window, staff can; outside, the customer can.
async fn customers_cancel_inside_their_window_only(s: Server) {
    let t = s.tenant("Salon").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let patched = s
        .call(
            Method::PATCH,
            &t.path("/settings"),
            admin,
            Some(json!({"min_before_cancel_minutes": 1440})),
            &[],
        )
        .await;
    assert_eq!(patched.body["min_before_cancel_minutes"], 1440);
    let customer = s
        .post(
            &t.path("/customers"),
            admin,
            json!({"contact": {"first_name": "Bo", "email": "bo@example.org"}}),
        )
        .await;
    assert_eq!(customer.status, 201, "{:?}", customer.body);
    let key = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Bo", "role": "customer", "subject": customer.body["id"]}),
        )
        .await;
    assert_eq!(key.status, 201, "{:?}", key.body);
    let bo = key.body["key"].as_str().unwrap().to_owned();
    let book =
        |start: String| json!({"agenda_id": c.agenda, "service_id": c.service, "start": start});
    let close = s.post(&t.path("/bookings"), Some(&bo), book(soon(3))).await;
    assert_eq!(close.status, 201, "{:?}", close.body);
    assert_eq!(close.body["customer_id"], customer.body["id"], "booked as the customer");
    let far = s.post(&t.path("/bookings"), Some(&bo), book(soon(72))).await;
    assert_eq!(far.status, 201, "{:?}", far.body);
    let cancel = |id: &serde_json::Value| t.path(&format!("/bookings/{id}/cancel"));
    let refused = s.post(&cancel(&close.body["id"]), Some(&bo), json!({})).await;
    assert_eq!((refused.status, refused.code()), (409, "cancel_too_close"));
    let ok =
        s.post(&cancel(&far.body["id"]), Some(&bo), json!({"reason": "changed my mind"})).await;
    assert_eq!((ok.status, &ok.body["status"]), (200, &json!("canceled")));
    let again = s.post(&cancel(&far.body["id"]), Some(&bo), json!({})).await;
    assert_eq!((again.status, again.code()), (409, "already_canceled"));
    // Staff are exempt from the window (and need no body).
    let staff = s.call(Method::POST, &cancel(&close.body["id"]), admin, None, &[]).await;
    assert_eq!(staff.status, 200, "{:?}", staff.body);
    // Another customer does not see Bo's bookings.
    let other =
        s.post(&t.path("/customers"), admin, json!({"contact": {"first_name": "Cy"}})).await;
    let cy = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Cy", "role": "customer", "subject": other.body["id"]}),
        )
        .await;
    let cy = cy.body["key"].as_str().unwrap();
    let hidden = s.get(&t.path(&format!("/bookings/{}", far.body["id"])), Some(cy)).await;
    assert_eq!(hidden.status, 404);
    let mine = s.get(&t.path(&format!("/bookings/{}", far.body["id"])), Some(&bo)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["history"][1]["reason"], "changed my mind");
}

/// §A5: a reschedule onto a taken slot changes nothing; onto a free one, it moves.
async fn reschedule_is_atomic(s: Server) {
    let t = s.tenant("Clinique").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let monday = next_monday();
    let at = |h| json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, h, 0)});
    let x = s.post(&t.path("/bookings"), None, at(9)).await;
    let y = s.post(&t.path("/bookings"), None, at(10)).await;
    assert_eq!((x.status, y.status), (201, 201));
    let path = t.path(&format!("/bookings/{}/reschedule", x.body["id"]));
    let taken =
        s.post(&path, admin, json!({"start": paris(monday, 10, 0), "resource_id": c.desk})).await;
    assert_eq!((taken.status, taken.code()), (409, "slot_taken"));
    let still = s.get(&t.path(&format!("/bookings/{}", x.body["id"])), admin).await;
    assert_eq!(still.body["status"], "approved", "the old booking stays");
    let moved = s
        .call(
            Method::POST,
            &path,
            admin,
            Some(json!({"start": paris(monday, 11, 0), "resource_id": c.desk})),
            &[("Idempotency-Key", "r-1")],
        )
        .await;
    assert_eq!(moved.status, 201, "{:?}", moved.body);
    assert_eq!(moved.body["rescheduled_from"], x.body["id"]);
    let replay = s
        .call(
            Method::POST,
            &path,
            admin,
            Some(json!({"start": paris(monday, 11, 0), "resource_id": c.desk})),
            &[("Idempotency-Key", "r-1")],
        )
        .await;
    assert_eq!(replay.body["id"], moved.body["id"], "a retried reschedule does not move twice");
    let old = s.get(&t.path(&format!("/bookings/{}", x.body["id"])), admin).await;
    assert_eq!(old.body["status"], "canceled");
    assert_eq!(old.body["history"][1]["reason"], "rescheduled");
    // A guest (no key) cannot reschedule by id.
    let guest = s
        .post(
            &t.path(&format!("/bookings/{}/reschedule", y.body["id"])),
            None,
            json!({"start": paris(monday, 12, 0)}),
        )
        .await;
    assert_eq!((guest.status, guest.code()), (401, "unauthenticated"));
}

/// §A5: pending bookings are approved or rejected by staff; a no-show needs the start passed.
async fn staff_approve_reject_and_no_show(s: Server) {
    let t = s.tenant("Cabinet").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let svc = s.call(Method::PUT, &t.path(&format!("/services/{}", c.service)), admin,
        Some(json!({"name": "Passeport", "slug": "passeport", "duration_minutes": 30, "default_status": "pending"})), &[]).await;
    assert_eq!(svc.status, 200, "{:?}", svc.body);
    let monday = next_monday();
    let book =
        |h| json!({"agenda_id": c.agenda, "service_id": c.service, "start": paris(monday, h, 0)});
    let a = s.post(&t.path("/bookings"), None, book(9)).await;
    assert_eq!(a.body["status"], "pending");
    let b = s.post(&t.path("/bookings"), None, book(10)).await;
    let approve = s
        .call(
            Method::POST,
            &t.path(&format!("/bookings/{}/approve", a.body["id"])),
            admin,
            None,
            &[],
        )
        .await;
    assert_eq!(approve.body["status"], "approved");
    let reject = s
        .post(
            &t.path(&format!("/bookings/{}/reject", b.body["id"])),
            admin,
            json!({"reason": "no documents"}),
        )
        .await;
    assert_eq!(reject.body["status"], "rejected");
    let no_show = s
        .call(
            Method::POST,
            &t.path(&format!("/bookings/{}/no-show", a.body["id"])),
            admin,
            None,
            &[],
        )
        .await;
    assert_eq!((no_show.status, no_show.code()), (409, "not_started"));
    let reapprove = s
        .call(
            Method::POST,
            &t.path(&format!("/bookings/{}/approve", b.body["id"])),
            admin,
            None,
            &[],
        )
        .await;
    assert_eq!(reapprove.status, 409, "{:?}", reapprove.body);
}

/// §A3: seats in a session never exceed its capacity; a hold on seats confirms.
async fn seats_in_a_session(s: Server) {
    let t = s.tenant("Studio").await;
    let c = setup(&s, &t).await;
    let held = s
        .post(
            &t.path("/holds"),
            None,
            json!({"lock_code": "yoga-1", "session_id": c.session, "seats": 1}),
        )
        .await;
    assert_eq!(held.status, 201, "{:?}", held.body);
    let one = s.post(&t.path("/bookings"), None, json!({"session_id": c.session})).await;
    assert_eq!(one.status, 201, "{:?}", one.body);
    let full = s.post(&t.path("/bookings"), None, json!({"session_id": c.session})).await;
    assert_eq!((full.status, full.code()), (409, "session_full"));
    let confirmed = s.post(&t.path("/bookings"), None, json!({"lock_code": "yoga-1"})).await;
    assert_eq!((confirmed.status, &confirmed.body["kind"]), (201, &json!("session")));
    let sessions = s.get(&t.path(&format!("/events/{}/sessions", c.event)), None).await;
    assert_eq!(sessions.body[0]["capacity"], 2);
}

/// §C1: malformed or wrong input is a 4xx problem with a code, never a 5xx.
async fn bad_input_gets_a_clear_4xx(s: Server) {
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let raw = |body: &'static str, ct: &'static str| {
        let url = format!("{}{}", s.base, t.path("/bookings"));
        let http = s.http.clone();
        async move {
            let r = http.post(url).header("content-type", ct).body(body).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
            let body: serde_json::Value = r.json().await.unwrap();
            (status, ct, body["code"].as_str().unwrap().to_owned())
        }
    };
    assert_eq!(
        raw("{\"agenda_id\": 1", "application/json").await,
        (400, "application/problem+json".into(), "invalid_json".into())
    );
    assert_eq!(raw("{\"nonsense\": 1}", "application/json").await.2, "invalid_body");
    assert_eq!(raw("{\"agenda_id\": \"x\"}", "application/json").await.2, "invalid_body");
    assert_eq!(raw("{}", "text/plain").await.2, "unsupported_media_type");
    let big = "x".repeat(300 * 1024);
    let r = s
        .http
        .post(format!("{}{}", s.base, t.path("/bookings")))
        .header("content-type", "application/json")
        .body(format!("{{\"contact\": {{\"first_name\": \"{big}\"}}}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let q = format!("?agenda_id={}&service_id={}", c.agenda, c.service);
    for (query, code) in [
        (format!("{q}&from=2027-13-01&to=2027-01-02"), "invalid_value"),
        (format!("{q}&from=2027-01-01&to=2027-01-02&zone=Mars/Olympus"), "invalid_value"),
        (format!("{q}&from=2027-01-02&to=2027-01-01"), "invalid_value"),
        (format!("{q}&from=2027-01-01&to=2029-01-01"), "window_too_long"),
        (
            format!("?agenda_id=999&service_id={}&from=2027-01-01&to=2027-01-02", c.service),
            "unknown_agenda",
        ),
        ("?agenda_id=abc".to_owned(), "invalid_query"),
    ] {
        let r = s.get(&t.path(&format!("/availability{query}")), None).await;
        assert_eq!((r.status, r.code()), (422, code), "{query}: {:?}", r.body);
    }
    let bad_start = s
        .post(
            &t.path("/bookings"),
            None,
            json!({"agenda_id": c.agenda, "service_id": c.service, "start": "tomorrow"}),
        )
        .await;
    assert_eq!((bad_start.status, bad_start.code()), (422, "invalid_value"));
    let bad_email = s.post(&t.path("/bookings"), None, json!({"agenda_id": c.agenda, "service_id": c.service, "start": paris(next_monday(), 9, 0), "contact": {"email": "nope"}})).await;
    assert_eq!((bad_email.status, bad_email.code()), (422, "invalid_value"));
    let missing = s.get(&t.path("/bookings/999999"), admin).await;
    assert_eq!((missing.status, missing.code()), (404, "not_found"));
    let not_a_number = s.get(&t.path("/bookings/abc"), admin).await;
    assert_eq!(not_a_number.status, 404);
    let no_business = s.get("/api/v1/businesses/999999/services", None).await;
    assert_eq!(no_business.status, 404);
    let no_route = s.get("/api/v1/nothing", None).await;
    assert_eq!((no_route.status, no_route.code()), (404, "route_not_found"));
    let wrong_method = s.call(Method::DELETE, &t.path("/services"), admin, None, &[]).await;
    assert_eq!(wrong_method.status, 405);
    let bad_key = s
        .get(&t.path("/settings"), Some("bk_00000000_0000000000000000000000000000000000000000"))
        .await;
    assert_eq!((bad_key.status, bad_key.code()), (401, "unauthenticated"));
    let bad_agenda =
        s.post(&t.path("/agendas"), admin, json!({"name": "X", "slug": "Not A Slug"})).await;
    assert_eq!((bad_agenda.status, bad_agenda.code()), (422, "invalid_value"));
    let huge = s
        .post(
            &t.path("/agendas"),
            admin,
            json!({"name": "X", "slug": "x", "hold_ttl_minutes": i64::MAX}),
        )
        .await;
    assert_eq!((huge.status, huge.code()), (422, "invalid_value"), "no overflow");
    let far = s.get(&t.path(&format!("/availability?agenda_id={}&service_id={}&from=9999-12-29T00:00:00Z&to=9999-12-30T00:00:00Z", c.agenda, c.service)), None).await;
    assert_eq!(far.status, 200, "the end of time is an empty answer");
    let dup = s.post(&t.path("/agendas"), admin, json!({"name": "X", "slug": "accueil"})).await;
    assert_eq!((dup.status, dup.code()), (409, "duplicate_slug"));
    let bad_hours = s
        .call(
            Method::PUT,
            &t.path(&format!("/resources/{}/hours", c.desk)),
            admin,
            Some(json!({"weekly": {"monday": [["17:00", "09:00"]]}})),
            &[],
        )
        .await;
    assert_eq!((bad_hours.status, bad_hours.code()), (422, "invalid_value"));
    let bad_key_header = s
        .call(Method::POST, &t.path("/bookings"), None, Some(json!({})), &[("Idempotency-Key", "")])
        .await;
    assert_eq!(bad_key_header.status, 422);
}
