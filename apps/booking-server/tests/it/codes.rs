//! §I Codes through the running server, on both databases: staff issue a package (its text
//! shown once, never stored), its customer books with it (typed any case), concurrent
//! bookings of its last session succeed exactly once, a cancellation in time gives it back,
//! the customer sees the balance, and a revoked code pays for nothing.

use crate::common;

use crate::common::{Server, next_monday, paris, scan, setup};
use futures::future::join_all;
use serde_json::json;

on_both_databases!(a_package_pays_for_exactly_its_sessions);

async fn a_package_pays_for_exactly_its_sessions(s: Server) {
    let t = s.tenant("Studio").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let customer = s
        .post(
            &t.path("/customers"),
            admin,
            json!({"contact": {"first_name": "Léa", "email": "lea@example.org"}}),
        )
        .await;
    let customer = customer.body["id"].as_i64().unwrap();
    let key = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Léa", "role": "customer", "subject": customer}),
        )
        .await;
    let lea = key.body["key"].as_str().unwrap().to_owned();

    // Issued: the text once, then never again, and nowhere in the database.
    let issued = s
        .post(
            &t.path("/codes"),
            admin,
            json!({"kind": "package", "amount": 2, "services": [c.service], "customer_id": customer, "note": "2-session pass"}),
        )
        .await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let text = issued.body["code"].as_str().unwrap().to_owned();
    assert_eq!(text.len(), 16, "{text}");
    assert_eq!(issued.body["balance"], 2);
    let id = issued.body["id"].as_i64().unwrap();
    let shown = s.get(&t.path(&format!("/codes/{id}")), admin).await;
    assert!(shown.body.get("code").is_none(), "{:?}", shown.body);
    for form in [text.clone(), text.replace('-', "")] {
        assert!(scan(&s.database_url, &form).await.is_empty(), "{form} is not stored");
    }
    let by_tail =
        s.get(&t.path(&format!("/codes?tail={}", text[11..].to_lowercase())), admin).await;
    assert_eq!(by_tail.body[0]["id"], id, "{:?}", by_tail.body);
    let bad = s.post(&t.path("/codes"), admin, json!({"kind": "gift", "amount": 0})).await;
    assert_eq!(bad.status, 422);

    let monday = next_monday();
    let bookings = t.path("/bookings");
    let book = |hour: i8, code: &str| {
        let body = json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": paris(monday, hour, 0), "code": code});
        s.post(&bookings, Some(lea.as_str()), body)
    };
    let typed = text.to_lowercase().replace('-', " ");
    let first = book(9, &typed).await;
    assert_eq!(first.status, 201, "typed in lower case with spaces: {:?}", first.body);
    // Another check symbol than the code's own (the code is random: never itself).
    let other_check = if text.ends_with('X') { 'Y' } else { 'X' };
    let typo = book(10, &format!("{}{other_check}", &text[..15])).await;
    assert!(["invalid_code", "code_not_found"].contains(&typo.code()), "{:?}", typo.body);
    assert_eq!(typo.status, 422);

    // The last session, six times at once: exactly one booking.
    let tries = join_all((11..17).map(|h| book(h, &text))).await;
    let won: Vec<_> = tries.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        tries.iter().map(|r| (r.status, r.code().to_owned())).collect::<Vec<_>>()
    );
    assert!(
        tries
            .iter()
            .filter(|r| r.status != 201)
            .all(|r| r.status == 409 && r.code() == "code_exhausted")
    );
    let mine = s.get(&t.path(&format!("/customers/{customer}/codes")), Some(&lea)).await;
    assert_eq!(
        (mine.body[0]["balance"].as_i64(), mine.body[0]["active"].as_bool()),
        (Some(0), Some(false)),
        "{:?}",
        mine.body
    );

    // Canceled in time: the session comes back.
    let first_id = first.body["id"].as_i64().unwrap();
    let cancel =
        s.post(&t.path(&format!("/bookings/{first_id}/cancel")), Some(&lea), json!({})).await;
    assert_eq!(cancel.status, 200, "{:?}", cancel.body);
    let mine = s.get(&t.path(&format!("/customers/{customer}/codes")), Some(&lea)).await;
    assert_eq!(mine.body[0]["balance"], 1, "{:?}", mine.body);
    let refunded =
        mine.body[0]["uses"].as_array().unwrap().iter().filter(|u| u["refunded"] == true).count();
    assert_eq!(refunded, 1);

    // Staff adjust (never below zero) and revoke; a revoked code pays for nothing.
    let adjust_path = t.path(&format!("/codes/{id}/adjust"));
    let adjust = |delta: i64| s.post(&adjust_path, admin, json!({"delta": delta}));
    assert_eq!(adjust(-5).await.code(), "code_exhausted");
    assert_eq!(adjust(3).await.body["balance"], 4);
    let revoked = s.post(&t.path(&format!("/codes/{id}/revoke")), admin, json!({})).await;
    assert_eq!((revoked.status, &revoked.body["revoked"]), (200, &json!(true)));
    let refused = book(9, &text).await;
    assert_eq!((refused.status, refused.code()), (409, "code_revoked"), "{:?}", refused.body);
    // Another customer's key cannot read it.
    let other =
        s.post(&t.path("/customers"), admin, json!({"contact": {"first_name": "Max"}})).await;
    let other_key = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Max", "role": "customer", "subject": other.body["id"]}),
        )
        .await;
    let peek = s.get(&t.path(&format!("/codes/{id}")), other_key.body["key"].as_str()).await;
    assert_eq!(peek.status, 404);
}

/// §I2, §I3 on the pages: a code typed on the public booking form pays for the booking (a
/// mistyped one brings the form back saying so), and the customer's panel lists the code with
/// what is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_booking_form_takes_a_code_and_the_panel_shows_it() {
    use common::web::{Visitor, wait_for_mail};
    let s = Server::sqlite().await;
    let t = s.tenant("Studio").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
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
    let customer = s
        .post(&t.path("/customers"), admin, json!({"contact": {"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org"}}))
        .await;
    let issued = s
        .post(&t.path("/codes"), admin, json!({"kind": "package", "amount": 2, "customer_id": customer.body["id"], "note": "Pass 2"}))
        .await;
    let text = issued.body["code"].as_str().unwrap().to_owned();
    let tail = issued.body["tail"].as_str().unwrap().to_owned();

    let mut v = Visitor::new(&s.base);
    let week = v.open(&format!("/b/{}/book?agenda={}&service={}", t.id, c.agenda, c.service)).await;
    let start = week.slots()[0].clone();
    let (agenda, service) = (c.agenda.to_string(), c.service.to_string());
    let hold = format!("/b/{}/book/hold", t.id);
    let held =
        v.post(&hold, &[("agenda", &agenda), ("service", &service), ("start", &start)]).await;
    assert_eq!(held.status, 303, "{}", held.html);
    let form = v.open(held.location.as_deref().unwrap()).await;
    assert!(form.html.contains("id=\"code\""), "{}", form.html);
    let confirm = format!("/b/{}/book/confirm", t.id);
    let who = [
        ("first_name", "Zoé"),
        ("last_name", "Martin"),
        ("email", "zoe@example.org"),
        ("phone", ""),
    ];
    // The check symbol changed to another one (the code is random: never to itself).
    let wrong_check = if text.ends_with('0') { '1' } else { '0' };
    let mistyped = format!("{}{wrong_check}", &text[..15]);
    let wrong = v.post(&confirm, &[&who[..], &[("code", mistyped.as_str())]].concat()).await;
    assert_eq!(wrong.status, 422, "{}", wrong.html);
    assert!(wrong.shows("Ce code est inconnu"), "{}", wrong.html);
    let lower = text.to_lowercase();
    let done = v.post(&confirm, &[&who[..], &[("code", lower.as_str())]].concat()).await;
    assert_eq!(done.status, 303, "{}", done.html);
    let code = s.get(&t.path(&format!("/codes/{}", issued.body["id"])), admin).await;
    assert_eq!(code.body["balance"], 1, "{:?}", code.body);

    let mail = wait_for_mail(&s.mail_dir, "zoe@example.org", "/magic?token=").await;
    let magic = mail.link("/magic?token=").unwrap();
    v.open(&magic).await;
    let token = magic.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    v.post(&format!("/b/{}/magic", t.id), &[("token", &token)]).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(panel.html.contains(&format!("data-code=\"{tail}\"")), "{}", panel.html);
    assert!(panel.shows("1 séance(s) restante(s)") && panel.shows("Pass 2"), "{}", panel.html);
    assert!(!panel.html.contains(&text), "the panel never shows the whole code");
}

/// §I3 in the back office: an admin issues a gift certificate for a customer (its text shown
/// once), finds it by the last four symbols, takes some of it (never below zero) and revokes
/// it; a staff member without the role is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_issue_find_adjust_and_revoke_codes_in_the_back_office() {
    use common::web::Visitor;
    let s = Server::sqlite().await;
    let t = s.tenant("Studio").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let customer = s
        .post(
            &t.path("/customers"),
            admin,
            json!({"contact": {"first_name": "Zoé", "email": "zoe@example.org"}}),
        )
        .await;
    let mut office = Visitor::new(&s.base);
    let login = format!("/b/{}/office/login", t.id);
    office.open(&login).await;
    office.post(&login, &[("key", &t.admin)]).await;
    let page = format!("/b/{}/office/codes", t.id);
    let home = office.open(&format!("/b/{}/office", t.id)).await;
    assert!(home.html.contains("id=\"codes-link\""), "{}", home.html);
    office.open(&page).await;
    let bad =
        office.post(&page, &[("kind", "gift"), ("amount", "-3"), ("note", "Pour Noël")]).await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.html.contains("<a href=\"#amount\">")
            && bad.html.contains("id=\"amount\" name=\"amount\" inputmode=\"decimal\" required maxlength=\"12\" value=\"-3\" aria-invalid=\"true\"")
            && bad.shows("value=\"Pour Noël\"")
            && bad.html.contains("<option value=\"gift\" selected>"),
        "the amount is named, everything typed kept: {}",
        bad.html
    );
    let unknown = office
        .post(
            &page,
            &[("kind", "package"), ("amount", "5"), ("customer_email", "nobody@example.org")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.html.contains("<a href=\"#customer-email\">"), "{}", unknown.html);
    let issued = office
        .post(
            &page,
            &[
                ("kind", "gift"),
                ("amount", "25,50"),
                ("customer_email", "ZOE@example.org"),
                ("note", "Bon cadeau"),
            ],
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.html);
    let start = issued.html.find("id=\"issued-code\">").unwrap() + "id=\"issued-code\">".len();
    let text = issued.html[start..start + 16].to_owned();
    assert!(issued.shows("25,50 restant") && issued.shows("Bon cadeau"), "{}", issued.html);
    let listed = s.get(&t.path(&format!("/customers/{}/codes", customer.body["id"])), admin).await;
    assert_eq!(
        (listed.body[0]["kind"].as_str(), listed.body[0]["balance"].as_i64()),
        (Some("gift"), Some(2550))
    );
    let again = office.open(&format!("{page}?tail={}", &text[11..])).await;
    assert!(!again.html.contains(&text), "shown once only");
    let id = listed.body[0]["id"].as_i64().unwrap().to_string();
    let change = format!("/b/{}/office/codes/change", t.id);
    let too_much = office.post(&change, &[("code", &id), ("delta", "-30")]).await;
    assert!(too_much.location.as_deref().unwrap().ends_with("done=exhausted"));
    office.open(&page).await;
    office.post(&change, &[("code", &id), ("delta", "-10")]).await;
    let after = office.open(&format!("{page}?tail={}", &text[11..])).await;
    assert!(after.shows("15,50 restant"), "{}", after.html);
    let asked = office.post(&change, &[("code", &id), ("revoke", "1")]).await;
    assert!(asked.html.contains("id=\"confirm-yes\""), "revoking asks first: {}", asked.html);
    let kept = s.get(&t.path(&format!("/codes/{id}")), admin).await;
    assert_eq!(kept.body["revoked"], false, "nothing changed yet");
    office.post(&change, &[("code", &id), ("revoke", "1"), ("confirmed", "yes")]).await;
    let revoked = s.get(&t.path(&format!("/codes/{id}")), admin).await;
    assert_eq!(revoked.body["revoked"], true);
    // Staff (not agents) may not.
    let key = s
        .post(
            &t.path("/api-keys"),
            admin,
            json!({"name": "Ana", "role": "staff", "subject": c.staff}),
        )
        .await;
    let mut ana = Visitor::new(&s.base);
    ana.open(&login).await;
    ana.post(&login, &[("key", key.body["key"].as_str().unwrap())]).await;
    assert_eq!(ana.open(&page).await.status, 403);
}
