//! §G The Chrono-compatible API, as a w.c.s. client uses it: HTTP Basic with an API key,
//! agendas, meeting types, desks, datetimes with lock codes and delays, fillslot (hold,
//! re-lock, confirm, atomic reschedule, extra data), booking, cancel — on both databases.

use crate::common;

use crate::common::{Reply, Server, Tenant, always_open};
use base64::Engine as _;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    at_noon:
    a_wcs_client_lists_holds_confirms_reschedules_and_cancels,
    two_desks_give_two_places_and_reschedule_is_atomic,
    concurrent_fillslots_on_the_last_desk_one_wins,
    both_apis_keep_the_same_limits_on_a_booking_s_details,
);

/// A business with an agenda `accueil` of two desks open all the time, a 30-minute meeting type
/// `passeport` and a 60-minute `etat-civil`; the key of an agent (Publik's API user).
async fn chrono_business(s: &Server) -> (Tenant, String) {
    let t = s.tenant("Mairie").await;
    let key = Some(t.admin.as_str());
    let mut desks = Vec::new();
    for name in ["Guichet 1", "Guichet 2"] {
        let r = s
            .post(
                &t.path("/resources"),
                key,
                json!({"kind": "desk", "name": name, "hours": always_open()}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        desks.push(r.body["id"].clone());
    }
    let mut services = Vec::new();
    for (slug, minutes) in [("passeport", 30), ("etat-civil", 60)] {
        let r = s
            .post(
                &t.path("/services"),
                key,
                json!({"name": slug, "slug": slug, "duration_minutes": minutes}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        services.push(r.body["id"].clone());
    }
    let r = s
        .post(
            &t.path("/agendas"),
            key,
            json!({"name": "Accueil", "slug": "accueil", "resources": desks, "services": services}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let agent = s.post(&t.path("/api-keys"), key, json!({"name": "publik", "role": "agent"})).await;
    assert_eq!(agent.status, 201, "{:?}", agent.body);
    (t, agent.body["key"].as_str().unwrap().to_owned())
}

/// A Chrono call with HTTP Basic (the key as the user name, no password, as Publik sends it).
async fn chrono(s: &Server, method: Method, path: &str, key: &str, body: Option<Value>) -> Reply {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    let auth = format!("Basic {basic}");
    let mut req = s.http.request(method, format!("{}{path}", s.base)).header("authorization", auth);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    assert!(status < 500, "{status} {text}");
    Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), headers }
}

async fn datetimes(s: &Server, key: &str, query: &str) -> Value {
    let r = chrono(
        s,
        Method::GET,
        &format!("/api/agenda/accueil/meetings/passeport/datetimes/?{query}"),
        key,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

fn ids(body: &Value, disabled: bool) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["disabled"] == disabled)
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

fn fill_path(id: &str) -> String {
    format!("/api/agenda/accueil/fillslot/{id}/")
}

/// Tomorrow in Paris by the app's clock, the first day the default delays (1 to 56 days) allow.
fn tomorrow(s: &Server) -> jiff::civil::Date {
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    s.now().to_zoned(paris).date().tomorrow().unwrap()
}

async fn a_wcs_client_lists_holds_confirms_reschedules_and_cancels(s: Server) {
    let (t, key) = chrono_business(&s).await;
    // Authentication: none, a wrong key → 401; the key in the password works too.
    let anonymous = s.http.get(format!("{}/api/agenda/", s.base)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let wrong = chrono(
        &s,
        Method::GET,
        "/api/agenda/",
        "bk_00000000_0000000000000000000000000000000000000000",
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    let agendas = chrono(&s, Method::GET, "/api/agenda/", &key, None).await;
    let a = &agendas.body["data"][0];
    assert_eq!((a["id"].as_str(), a["kind"].as_str()), (Some("accueil"), Some("meetings")));
    assert_eq!(
        (a["minimal_booking_delay"].as_u64(), a["maximal_booking_delay"].as_u64()),
        (Some(1), Some(56))
    );
    assert!(a["api"]["meetings_url"].as_str().unwrap().ends_with("/api/agenda/accueil/meetings/"));
    let meetings = chrono(&s, Method::GET, "/api/agenda/accueil/meetings/", &key, None).await;
    assert_eq!(meetings.body["data"][0]["id"], "passeport");
    assert_eq!(meetings.body["data"][1]["duration"], 60);
    let desks = chrono(&s, Method::GET, "/api/agenda/accueil/desks/", &key, None).await;
    assert_eq!(desks.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        chrono(&s, Method::GET, "/api/agenda/nowhere/meetings/", &key, None).await.status,
        404
    );

    // Delays count from local midnight: nothing today, the first slot is tomorrow 00:00.
    let day = tomorrow(&s);
    let all = datetimes(&s, &key, "").await;
    let first = &all["data"][0];
    assert_eq!(first["id"], format!("passeport:{day}-0000"));
    assert_eq!(first["datetime"], format!("{day} 00:00:00"));
    assert_eq!(first["end_datetime"], format!("{day} 00:30:00"));
    assert_eq!(all["meta"]["first_bookable_slot"]["id"], first["id"]);
    let last =
        all["data"].as_array().unwrap().last().unwrap()["datetime"].as_str().unwrap().to_owned();
    let limit = day.checked_add(jiff::Span::new().days(54)).unwrap(); // today + 55
    assert_eq!(last, format!("{limit} 23:30:00"), "the maximal delay (56 days) is exclusive");
    let today = day.yesterday().unwrap();
    let bypass =
        datetimes(&s, &key, &format!("bypass_delays=true&date_start={today}&date_end={day}")).await;
    assert!(!bypass["data"].as_array().unwrap().is_empty(), "an agent bypasses the delays");
    assert!(
        ids(&bypass, false).iter().all(|id| id.contains(&today.to_string())),
        "date_end is exclusive"
    );

    // One day, a hold: disabled for others (both desks held), enabled for its owner.
    let window = format!("date_start={day}&date_end={}", day.tomorrow().unwrap());
    let day_slots = datetimes(&s, &key, &window).await;
    assert_eq!(day_slots["meta"]["bookable_datetimes_number_total"], 48);
    let (slot_a, slot_b) = (ids(&day_slots, false)[20].clone(), ids(&day_slots, false)[21].clone());
    for lock in ["form-1", "form-2"] {
        let held =
            chrono(&s, Method::POST, &fill_path(&slot_a), &key, Some(json!({"lock_code": lock})))
                .await;
        assert_eq!(held.body["err"], 0, "{:?}", held.body);
    }
    let other = datetimes(&s, &key, &format!("{window}&lock_code=someone-else")).await;
    assert!(ids(&other, true).contains(&slot_a), "held by two forms, both desks: disabled");
    assert_eq!(other["meta"]["bookable_datetimes_number_available"], 47);
    let hidden =
        datetimes(&s, &key, &format!("{window}&lock_code=someone-else&hide_disabled=true")).await;
    assert!(!ids(&hidden, false).contains(&slot_a) && ids(&hidden, true).is_empty());
    let owner = datetimes(&s, &key, &format!("{window}&lock_code=form-1")).await;
    assert!(ids(&owner, false).contains(&slot_a), "the owner's own hold is not disabled");
    // Re-lock moves form-1's hold: slot A has a desk again.
    let moved =
        chrono(&s, Method::POST, &fill_path(&slot_b), &key, Some(json!({"lock_code": "form-1"})))
            .await;
    assert_eq!(moved.body["err"], 0, "{:?}", moved.body);
    let other = datetimes(&s, &key, &format!("{window}&lock_code=someone-else")).await;
    assert!(ids(&other, false).contains(&slot_a) && ids(&other, false).contains(&slot_b));

    // Confirm with the lock code, keeping the w.c.s. fields and unknown keys.
    let booked = chrono(&s, Method::POST, &fill_path(&slot_b), &key, Some(json!({
        "lock_code": "form-1", "confirm_after_lock": true, "user_external_id": "u-42",
        "user_first_name": "Zoé", "user_last_name": "Martin", "user_email": "zoe@example.org",
        "user_phone_number": "+33 6 12 34 56 78", "form_url": "https://demarches.example.org/f/1",
        "label": "Passeport de Zoé", "dossier": {"numero": 7}, "urgent": true,
    }))).await;
    assert_eq!(booked.body["err"], 0, "{:?}", booked.body);
    let id = booked.body["booking_id"].as_i64().unwrap();
    assert_eq!(booked.body["datetime"], format!("{day} 10:30:00"));
    let got = chrono(&s, Method::GET, &format!("/api/booking/{id}/"), &key, None).await;
    assert_eq!(got.body["user_first_name"], "Zoé");
    assert_eq!(got.body["user_external_id"], "u-42");
    assert_eq!(got.body["form_url"], "https://demarches.example.org/f/1");
    assert_eq!(got.body["extra_data"], json!({"dossier": {"numero": 7}, "urgent": true}));
    // That user's own booking makes the overlapping slot unavailable to them.
    let theirs = datetimes(&s, &key, &format!("{window}&exclude_user_external_id=u-42")).await;
    assert!(ids(&theirs, true).contains(&slot_b));
    // Atomic reschedule to a free slot; then cancel, twice.
    let target = ids(&day_slots, false)[30].clone();
    let rescheduled =
        chrono(&s, Method::POST, &fill_path(&target), &key, Some(json!({"cancel_booking_id": id})))
            .await;
    assert_eq!(rescheduled.body["err"], 0, "{:?}", rescheduled.body);
    let new_id = rescheduled.body["booking_id"].as_i64().unwrap();
    assert_eq!(
        chrono(&s, Method::GET, &format!("/api/booking/{id}/"), &key, None).await.body["status"],
        "canceled"
    );
    let cancel = |b: i64| format!("/api/booking/{b}/cancel/");
    assert_eq!(chrono(&s, Method::POST, &cancel(new_id), &key, None).await.body, json!({"err": 0}));
    let again = chrono(&s, Method::POST, &cancel(new_id), &key, None).await;
    assert_eq!(
        (again.status, again.body["err"].as_i64(), again.body["err_class"].as_str()),
        (200, Some(1), Some("already cancelled"))
    );
    let gone = chrono(&s, Method::GET, &format!("/api/booking/{new_id}/"), &key, None).await;
    assert!(gone.body["cancellation_datetime"].is_string(), "{:?}", gone.body);

    // Refusals: malformed → 400; unknown → 404; outside the delays → err 1.
    assert_eq!(chrono(&s, Method::POST, &fill_path("passeport"), &key, None).await.status, 400);
    assert_eq!(
        chrono(&s, Method::POST, &fill_path("passeport:2027-13-01-0900"), &key, None).await.status,
        400
    );
    assert_eq!(
        chrono(&s, Method::POST, &fill_path(&format!("nothing:{day}-0900")), &key, None)
            .await
            .status,
        404
    );
    let not_json = s
        .http
        .post(format!("{}{}", s.base, fill_path(&target)))
        .header(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
            ),
        )
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status().as_u16(), 400);
    assert_eq!(chrono(&s, Method::POST, &cancel(999_999), &key, None).await.status, 404);
    let today_slot = format!("passeport:{today}-2330");
    let early = chrono(&s, Method::POST, &fill_path(&today_slot), &key, Some(json!({}))).await;
    assert_eq!((early.status, early.body["err"].as_i64()), (200, Some(1)), "{:?}", early.body);
    // A staff member's key (no back-office booking role) may list but not fill.
    let ana = s
        .post(
            &t.path("/resources"),
            Some(&t.admin),
            json!({"kind": "staff", "name": "Ana", "hours": always_open()}),
        )
        .await;
    let viewer = s
        .post(
            &t.path("/api-keys"),
            Some(&t.admin),
            json!({"name": "ana", "role": "staff", "subject": ana.body["id"]}),
        )
        .await;
    let viewer =
        viewer.body["key"].as_str().unwrap_or_else(|| panic!("{:?}", viewer.body)).to_owned();
    assert_eq!(chrono(&s, Method::GET, "/api/agenda/", &viewer, None).await.status, 200);
    assert_eq!(
        chrono(&s, Method::POST, &fill_path(&target), &viewer, Some(json!({}))).await.status,
        403
    );
    s.stop().await;
}

async fn two_desks_give_two_places_and_reschedule_is_atomic(s: Server) {
    let (_, key) = chrono_business(&s).await;
    let day = tomorrow(&s);
    let slot = format!("passeport:{day}-0900");
    let mut booked = Vec::new();
    for _ in 0..2 {
        let r = chrono(
            &s,
            Method::POST,
            &fill_path(&slot),
            &key,
            Some(json!({"user_name": "Ana Lima"})),
        )
        .await;
        assert_eq!(r.body["err"], 0, "{:?}", r.body);
        booked.push(r.body["booking_id"].as_i64().unwrap());
    }
    let third = chrono(&s, Method::POST, &fill_path(&slot), &key, Some(json!({}))).await;
    assert_eq!(
        (third.status, third.body["err_class"].as_str()),
        (200, Some("no more desk available"))
    );
    let window = format!("date_start={day}&date_end={}", day.tomorrow().unwrap());
    assert!(ids(&datetimes(&s, &key, &window).await, true).contains(&slot));
    // Moving a booking onto the full slot fails and keeps it; onto a free one it moves.
    let elsewhere = format!("passeport:{day}-1400");
    let other = chrono(&s, Method::POST, &fill_path(&elsewhere), &key, Some(json!({}))).await;
    let other = other.body["booking_id"].as_i64().unwrap();
    let refused = chrono(
        &s,
        Method::POST,
        &fill_path(&slot),
        &key,
        Some(json!({"cancel_booking_id": other})),
    )
    .await;
    assert_eq!(refused.body["err"], 1, "{:?}", refused.body);
    let kept = chrono(&s, Method::GET, &format!("/api/booking/{other}/"), &key, None).await;
    assert_eq!(
        (kept.body["status"].as_str(), kept.body["datetime"].as_str()),
        (Some("approved"), Some(format!("{day} 14:00:00").as_str()))
    );
    assert_eq!(
        chrono(
            &s,
            Method::POST,
            &fill_path(&slot),
            &key,
            Some(json!({"cancel_booking_id": 999_999}))
        )
        .await
        .status,
        404
    );
    s.stop().await;
}

async fn concurrent_fillslots_on_the_last_desk_one_wins(s: Server) {
    let (_, key) = chrono_business(&s).await;
    let slot = format!("passeport:{}-1000", tomorrow(&s));
    let first = chrono(&s, Method::POST, &fill_path(&slot), &key, Some(json!({}))).await;
    assert_eq!(first.body["err"], 0);
    let path = fill_path(&slot);
    let tries = (0..8).map(|n| {
        chrono(&s, Method::POST, &path, &key, Some(json!({"user_external_id": format!("u-{n}")})))
    });
    let answers = join_all(tries).await;
    let wins = answers.iter().filter(|r| r.body["err"] == 0).count();
    assert_eq!(wins, 1, "{:?}", answers.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(answers.iter().all(|r| r.status == 200));
    s.stop().await;
}

/// DST: slot ids and datetimes are local wall time; the spring gap has no slot, and naming one
/// is a malformed slot id; in the autumn fold each wall time is offered once (the earlier
/// instant, §A1), so slot ids stay unique.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clock_changes_in_slot_ids() {
    let s = Server::sqlite().await;
    let (_, key) = chrono_business(&s).await;
    let spring =
        datetimes(&s, &key, "bypass_delays=true&date_start=2027-03-28&date_end=2027-03-29").await;
    let spring_ids = ids(&spring, false);
    assert_eq!(spring_ids.len(), 46, "a 23-hour day");
    assert!(spring_ids.contains(&"passeport:2027-03-28-0130".to_owned()));
    assert!(!spring_ids.iter().any(|i| i.ends_with("-0200") || i.ends_with("-0230")));
    assert!(spring_ids.contains(&"passeport:2027-03-28-0300".to_owned()));
    let gap = chrono(
        &s,
        Method::POST,
        &fill_path("passeport:2027-03-28-0230"),
        &key,
        Some(json!({"bypass_delays": true})),
    )
    .await;
    assert_eq!(gap.status, 400, "{:?}", gap.body);
    let autumn =
        datetimes(&s, &key, "bypass_delays=true&date_start=2027-10-31&date_end=2027-11-01").await;
    let autumn_ids = ids(&autumn, false);
    let unique: std::collections::BTreeSet<&String> = autumn_ids.iter().collect();
    assert_eq!((autumn_ids.len(), unique.len()), (48, 48), "each wall time once");
    let booked = chrono(
        &s,
        Method::POST,
        &fill_path("passeport:2027-10-31-0300"),
        &key,
        Some(json!({"bypass_delays": true})),
    )
    .await;
    assert_eq!(
        (booked.body["err"].as_i64(), booked.body["datetime"].as_str()),
        (Some(0), Some("2027-10-31 03:00:00"))
    );
    s.stop().await;
}

/// The native API and the Chrono-compatible API refuse the same details (the core's
/// `Details::check`): an answer over 5,000 characters, a name over 200; and both accept the
/// longest allowed.
async fn both_apis_keep_the_same_limits_on_a_booking_s_details(s: Server) {
    let (t, key) = chrono_business(&s).await;
    let day = tomorrow(&s);
    let long = "a".repeat(5001);
    for (at, body) in [
        ("0900", json!({"user_name": "Ana Lima", "note": long})),
        ("0930", json!({"user_first_name": "a".repeat(201), "user_last_name": "Lima"})),
    ] {
        let r = chrono(
            &s,
            Method::POST,
            &fill_path(&format!("passeport:{day}-{at}")),
            &key,
            Some(body),
        )
        .await;
        assert_eq!(r.status, 400, "Chrono refuses it as a bad request: {:?}", r.body);
    }
    let ok = chrono(
        &s,
        Method::POST,
        &fill_path(&format!("passeport:{day}-1000")),
        &key,
        // An extra field is kept as its JSON text: 4,998 letters and two quotes.
        Some(json!({"user_name": "Ana Lima", "note": "a".repeat(4998)})),
    )
    .await;
    assert_eq!(ok.body["err"], 0, "{:?}", ok.body);
    let agendas = s.get(&t.path("/agendas"), Some(t.admin.as_str())).await;
    let agenda = agendas.body[0]["id"].clone();
    let service = agendas.body[0]["services"][0].clone();
    let start = |h: i8| common::paris(day, h, 0);
    let native = |start: String, contact: Value, answers: Value| json!({"agenda_id": agenda, "service_id": service, "start": start, "contact": contact, "answers": answers});
    let too_long = s
        .post(
            &t.path("/bookings"),
            None,
            native(start(11), json!({"first_name": "Ana"}), json!({"note": long})),
        )
        .await;
    assert_eq!((too_long.status, too_long.code()), (422, "invalid_value"), "{:?}", too_long.body);
    let long_name = s
        .post(
            &t.path("/bookings"),
            None,
            native(start(12), json!({"first_name": "a".repeat(201)}), json!({})),
        )
        .await;
    assert_eq!(
        (long_name.status, long_name.code()),
        (422, "invalid_value"),
        "{:?}",
        long_name.body
    );
    let fine = s
        .post(
            &t.path("/bookings"),
            None,
            native(start(13), json!({"first_name": "Ana"}), json!({"note": "a".repeat(5000)})),
        )
        .await;
    assert_eq!(fine.status, 201, "{:?}", fine.body);
}
