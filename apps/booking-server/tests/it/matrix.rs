//! §C4 The cross-tenant and role matrix, over every route of the OpenAPI document: each role of
//! business A calls every operation on business B (always 404, never B's data) and on its own
//! business (401/403/404 where its role may not; never refused where it may).

use crate::common;

use std::collections::BTreeMap;

use crate::common::{Catalog, Server, next_monday, paris, setup};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(every_role_against_every_route);

const ROLES: [&str; 6] = ["guest", "customer", "staff", "agent", "manager", "admin"];

/// Who may call each operation in their own business (ids below are set up so that the staff
/// member is not the booked resource and the customer owns the booking).
fn allowed(op: &str) -> &'static [&'static str] {
    const ALL: &[&str] = &["guest", "customer", "staff", "agent", "manager", "admin"];
    const ADMIN: &[&str] = &["admin"];
    const CATALOG: &[&str] = &["manager", "admin"];
    const BACK_OFFICE: &[&str] = &["agent", "manager", "admin"];
    const OWNER: &[&str] = &["customer", "agent", "manager", "admin"];
    match op {
        "PATCH /businesses/{business}"
        | "PATCH /businesses/{business}/settings"
        | "GET /businesses/{business}/api-keys"
        | "POST /businesses/{business}/api-keys"
        | "DELETE /businesses/{business}/api-keys/{key}"
        | "GET /businesses/{business}/webhooks"
        | "POST /businesses/{business}/webhooks"
        | "DELETE /businesses/{business}/webhooks/{webhook}"
        | "GET /businesses/{business}/webhooks/{webhook}/deliveries"
        | "GET /businesses/{business}/email-templates"
        | "PUT /businesses/{business}/email-templates/{trigger}/{locale}"
        | "DELETE /businesses/{business}/email-templates/{trigger}/{locale}"
        | "GET /businesses/{business}/calendar/integrations"
        | "PUT /businesses/{business}/calendar/integrations/{provider}"
        | "DELETE /businesses/{business}/calendar/integrations/{provider}"
        | "GET /businesses/{business}/calendar/connections"
        | "DELETE /businesses/{business}/calendar/connections/{resource}"
        | "POST /businesses/{business}/calendar/connections/{resource}/pull"
        | "PUT /businesses/{business}/video/default"
        | "DELETE /businesses/{business}/video/default" => ADMIN,
        "GET /businesses/{business}"
        | "GET /businesses/{business}/agendas"
        | "GET /businesses/{business}/agendas/{agenda}"
        | "GET /businesses/{business}/services"
        | "GET /businesses/{business}/services/{service}"
        | "GET /businesses/{business}/events"
        | "GET /businesses/{business}/events/{event}"
        | "GET /businesses/{business}/events/{event}/sessions"
        | "GET /businesses/{business}/availability"
        | "GET /businesses/{business}/availability/first"
        | "POST /businesses/{business}/holds"
        | "DELETE /businesses/{business}/holds/{lock_code}"
        | "POST /businesses/{business}/bookings" => ALL,
        "POST /businesses/{business}/customers"
        | "POST /businesses/{business}/customers/{customer}/account"
        | "POST /businesses/{business}/customers/{customer}/magic-links/revoke"
        | "POST /businesses/{business}/bookings/{booking}/approve"
        | "POST /businesses/{business}/bookings/{booking}/reject"
        | "POST /businesses/{business}/bookings/{booking}/no-show"
        | "GET /businesses/{business}/resources/{resource}/feed.ics"
        | "PUT /businesses/{business}/bookings/{booking}/video"
        | "POST /businesses/{business}/codes"
        | "GET /businesses/{business}/codes"
        | "POST /businesses/{business}/codes/{code}/adjust"
        | "POST /businesses/{business}/codes/{code}/revoke" => BACK_OFFICE,
        // The session is led by the staff member.
        "PUT /businesses/{business}/sessions/{session}/video" => {
            &["staff", "agent", "manager", "admin"]
        }
        "GET /businesses/{business}/bookings" => &["staff", "agent", "manager", "admin"],
        "GET /businesses/{business}/customers/{customer}"
        | "GET /businesses/{business}/customers/{customer}/feed.ics"
        | "GET /businesses/{business}/bookings/{booking}"
        | "GET /businesses/{business}/bookings/{booking}/video"
        | "GET /businesses/{business}/codes/{code}"
        | "GET /businesses/{business}/customers/{customer}/codes"
        | "POST /businesses/{business}/bookings/{booking}/cancel"
        | "POST /businesses/{business}/bookings/{booking}/reschedule" => OWNER,
        // The rest is set-up, and anonymisation by staff (customers may not by default).
        _ => CATALOG,
    }
}

/// A valid body for each operation that takes one (a new route without one fails the test).
fn body(op: &str, c: &Catalog) -> Option<Value> {
    let monday = next_monday();
    Some(match op {
        "PATCH /businesses/{business}" => json!({"phone": "+33 1 00 00 00 00"}),
        "PATCH /businesses/{business}/settings" => json!({"days_in_advance": 300}),
        "POST /businesses/{business}/resources"
        | "PUT /businesses/{business}/resources/{resource}" => {
            json!({"kind": "desk", "name": "Guichet", "hours": common::always_open()})
        }
        "PUT /businesses/{business}/resources/{resource}/hours" => common::always_open(),
        "POST /businesses/{business}/resources/{resource}/exceptions" => {
            json!({"start": "2030-01-01", "end": "2030-01-01", "label": "holiday"})
        }
        "POST /businesses/{business}/agendas" | "PUT /businesses/{business}/agendas/{agenda}" => {
            json!({"name": "A", "slug": format!("a-{}", rand_slug()), "resources": [c.desk], "services": [c.service]})
        }
        "POST /businesses/{business}/services"
        | "PUT /businesses/{business}/services/{service}" => {
            json!({"name": "S", "slug": format!("s-{}", rand_slug()), "duration_minutes": 30})
        }
        "POST /businesses/{business}/events" => {
            json!({"kind": "event", "name": "E", "capacity": 3})
        }
        "POST /businesses/{business}/events/{event}/sessions" => {
            json!({"start": paris(monday, 18, 0), "end": paris(monday, 19, 0)})
        }
        "POST /businesses/{business}/api-keys" => json!({"name": "k", "role": "agent"}),
        "POST /businesses/{business}/webhooks" => json!({"url": "https://example.org/hook"}),
        "PUT /businesses/{business}/email-templates/{trigger}/{locale}" => {
            json!({"subject": "RDV %appointment_date%", "text": "Bonjour %customer_first_name%"})
        }
        "POST /businesses/{business}/customers" => json!({"contact": {"first_name": "New"}}),
        "PUT /businesses/{business}/calendar/integrations/{provider}" => {
            json!({"client_id": "client", "client_secret": "secret"})
        }
        "PUT /businesses/{business}/video/default"
        | "PUT /businesses/{business}/video/staff/{resource}" => {
            json!({"kind": "custom", "url": "https://meet.example/room"})
        }
        "PUT /businesses/{business}/events/{event}/video-link" => {
            json!({"url": "https://meet.example/course"})
        }
        "PUT /businesses/{business}/bookings/{booking}/video"
        | "PUT /businesses/{business}/sessions/{session}/video" => json!({"online": true}),
        "POST /businesses/{business}/codes" => json!({"kind": "package", "amount": 5}),
        "POST /businesses/{business}/codes/{code}/adjust" => json!({"delta": 1}),
        "POST /businesses/{business}/customers/{customer}/account" => {
            json!({"email": "nobody@example.org"})
        }
        "POST /businesses/{business}/holds" => {
            json!({"lock_code": format!("l-{}", rand_slug()), "session_id": c.session})
        }
        "POST /businesses/{business}/bookings" => json!({"session_id": c.session}),
        "POST /businesses/{business}/bookings/{booking}/reschedule" => {
            json!({"start": paris(monday, 15, 0)})
        }
        "POST /businesses/{business}/bookings/{booking}/cancel"
        | "POST /businesses/{business}/bookings/{booking}/approve"
        | "POST /businesses/{business}/bookings/{booking}/reject"
        | "POST /businesses/{business}/bookings/{booking}/no-show"
        | "POST /businesses/{business}/customers/{customer}/anonymise"
        | "POST /businesses/{business}/calendar/connections/{resource}/pull"
        | "POST /businesses/{business}/customers/{customer}/magic-links/revoke"
        | "POST /businesses/{business}/codes/{code}/revoke" => json!({}),
        "POST /businesses/{business}/resources/{resource}/exceptions/import" => {
            Value::String(ICS.to_owned())
        }
        _ if op.starts_with("GET ") || op.starts_with("DELETE ") => return None,
        _ => panic!("the matrix has no example body for {op}: add one"),
    })
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20320101\r\nSUMMARY:Off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// Sends `body` as JSON, or as a calendar when it is a string.
async fn send(
    s: &Server,
    m: Method,
    url: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> common::Reply {
    match body {
        Some(Value::String(text)) => s.raw(m, url, key, "text/calendar", text).await,
        other => s.call(m, url, key, other, &[]).await,
    }
}

fn rand_slug() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// One business with a key per role, a booking by its customer on the desk, and things to
/// delete.
struct Fixture {
    catalog: Catalog,
    keys: BTreeMap<&'static str, String>,
    ids: BTreeMap<&'static str, String>,
    secret: String,
}

async fn fixture(s: &Server, name: &str) -> Fixture {
    let t = s.tenant(name).await;
    let c = setup(s, &t).await;
    let admin = Some(t.admin.as_str());
    let secret = format!("secret-{name}@example.org").to_lowercase();
    let customer = s
        .post(
            &t.path("/customers"),
            admin,
            json!({"contact": {"first_name": "C", "email": secret}}),
        )
        .await;
    let spare = s.post(&t.path("/customers"), admin, json!({"contact": {"first_name": "D"}})).await;
    let mut keys = BTreeMap::new();
    keys.insert("admin", t.admin.clone());
    for (role, subject) in [
        ("manager", Value::Null),
        ("agent", Value::Null),
        ("staff", json!(c.staff)),
        ("customer", customer.body["id"].clone()),
    ] {
        let k = s
            .post(
                &t.path("/api-keys"),
                admin,
                json!({"name": role, "role": role, "subject": subject}),
            )
            .await;
        assert_eq!(k.status, 201, "{:?}", k.body);
        keys.insert(role, k.body["key"].as_str().unwrap().to_owned());
    }
    let throwaway =
        s.post(&t.path("/api-keys"), admin, json!({"name": "spare", "role": "agent"})).await;
    let hook =
        s.post(&t.path("/webhooks"), admin, json!({"url": "https://example.org/hook"})).await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let booking = s
        .post(&t.path("/bookings"), Some(&keys["customer"]),
            json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(next_monday(), 9, 0)}))
        .await;
    assert_eq!(booking.status, 201, "{:?}", booking.body);
    let exception = s
        .post(
            &t.path(&format!("/resources/{}/exceptions", c.desk)),
            admin,
            json!({"start": "2031-01-01", "end": "2031-01-02"}),
        )
        .await;
    assert_eq!(exception.status, 201, "{:?}", exception.body);
    let mut ids = BTreeMap::new();
    ids.insert("business", t.id.to_string());
    ids.insert("resource", c.desk.to_string());
    ids.insert("agenda", c.agenda.to_string());
    ids.insert("service", c.service.to_string());
    ids.insert("event", c.event.to_string());
    ids.insert("booking", booking.body["id"].to_string());
    ids.insert("customer", customer.body["id"].to_string());
    ids.insert("key", throwaway.body["id"].to_string());
    ids.insert("webhook", hook.body["id"].to_string());
    ids.insert("exception", exception.body["id"].to_string());
    ids.insert("lock_code", "some-lock".to_owned());
    ids.insert("trigger", "booking_approved".to_owned());
    ids.insert("locale", "fr".to_owned());
    ids.insert("provider", "google".to_owned());
    ids.insert("session", c.session.to_string());
    let code = s
        .post(
            &t.path("/codes"),
            admin,
            json!({"kind": "package", "amount": 3, "customer_id": customer.body["id"]}),
        )
        .await;
    assert_eq!(code.status, 201, "{:?}", code.body);
    ids.insert("code", code.body["id"].to_string());
    let _ = spare;
    Fixture { catalog: c, keys, ids, secret }
}

fn fill(template: &str, f: &Fixture, c: &Catalog) -> String {
    let mut path = template.to_owned();
    for (name, value) in &f.ids {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(!path.contains('{'), "no value for a parameter of {template}");
    let monday = next_monday();
    let query = format!(
        "agenda_id={}&service_id={}&from={monday}&to={}",
        c.agenda,
        c.service,
        monday.tomorrow().unwrap()
    );
    if template.ends_with("/availability") || template.ends_with("/availability/first") {
        format!("{path}?{query}")
    } else if template.ends_with("/exceptions") || template.ends_with("/bookings") {
        format!("{path}?from={monday}&to={}", monday.tomorrow().unwrap())
    } else {
        path
    }
}

async fn every_role_against_every_route(s: Server) {
    let a = fixture(&s, "A").await;
    let b = fixture(&s, "B").await;
    let doc = s.get("/api/v1/openapi.json", None).await.body;
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let template = path.strip_prefix("/api/v1").unwrap();
            operations.push((method.to_uppercase(), template.to_owned()));
        }
    }
    assert!(operations.len() >= 35, "every route is in the document: {}", operations.len());
    // Destructive operations last, so the others see the fixture intact.
    operations.sort_by_key(|(m, p)| {
        (
            m == "DELETE"
                || p.ends_with("/anonymise")
                || p.ends_with("/cancel")
                || p.ends_with("/reschedule"),
            p.clone(),
            m.clone(),
        )
    });
    let mut checked = 0;
    for (method, template) in &operations {
        let op = format!("{method} {template}");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        // Business A's roles against business B: nothing exists.
        for role in ROLES.iter().filter(|r| **r != "guest") {
            let key = &a.keys[role];
            let url = format!("/api/v1{}", fill(template, &b, &b.catalog));
            let r = send(&s, m.clone(), &url, Some(key), body(&op, &b.catalog)).await;
            assert_eq!(r.status, 404, "{role} of A → {op} of B: {:?}", r.body);
            assert!(!r.body.to_string().contains(&b.secret), "{role} of A read B's data via {op}");
            checked += 1;
        }
        // Each role in its own business.
        for role in ROLES {
            let key = a.keys.get(role).map(String::as_str);
            let url = format!("/api/v1{}", fill(template, &a, &a.catalog));
            let r = send(&s, m.clone(), &url, key, body(&op, &a.catalog)).await;
            assert!(
                r.code() != "route_not_found" && r.status != 405,
                "{op} is documented but not served"
            );
            let may = allowed(&op).contains(&role);
            if may {
                assert!(
                    ![401, 403].contains(&r.status),
                    "{role} may {op} but got {}: {:?}",
                    r.status,
                    r.body
                );
            } else {
                assert!(
                    [401, 403, 404].contains(&r.status),
                    "{role} may not {op} but got {}: {:?}",
                    r.status,
                    r.body
                );
                if role == "guest" {
                    assert_eq!(r.status, 401, "a guest is asked to authenticate for {op}");
                }
                assert!(
                    !r.body.to_string().contains(&a.secret) || role == "customer",
                    "{role} read data via {op}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 350, "{checked} calls");
}
