//! §F back office, first part: staff sign in with an API key of the business; the session
//! has the key's role, ends with the key's revocation or on sign-out; a staff member sees
//! their own agenda, agents and managers every agenda.

use crate::common;

use crate::common::web::Visitor;
use crate::common::{Server, always_open, setup};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_sign_in_with_their_key_and_see_their_agendas() {
    let s = Server::sqlite().await;
    let t = s.tenant("Mairie").await;
    let other = s.tenant("Autre").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    // A second agenda without the staff member.
    let desk = s
        .post(
            &t.path("/resources"),
            admin,
            json!({"kind": "desk", "name": "Guichet 9", "hours": always_open()}),
        )
        .await;
    let r = s.post(&t.path("/agendas"), admin, json!({"name": "Annexe", "slug": "annexe", "resources": [desk.body["id"]], "services": [c.service]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let key = |role: &str, subject: Option<i64>| {
        let body = json!({"name": role, "role": role, "subject": subject});
        let s = &s;
        let t = &t;
        async move { s.post(&t.path("/api-keys"), Some(&t.admin), body).await }
    };
    let agent = key("agent", None).await;
    let staff = key("staff", Some(c.staff)).await;
    let (agent_key, agent_id) =
        (agent.body["key"].as_str().unwrap().to_owned(), agent.body["id"].as_i64().unwrap());
    let staff_key = staff.body["key"].as_str().unwrap().to_owned();
    let office = format!("/b/{}/office", t.id);
    let login = format!("/b/{}/office/login", t.id);

    let mut v = Visitor::new(&s.base);
    assert_eq!(v.get(&office).await.location.as_deref(), Some(login.as_str()));
    v.open(&login).await;
    for wrong in
        ["bk_00000000_0000000000000000000000000000000000000000", other.admin.as_str(), "nonsense"]
    {
        let r = v.post(&login, &[("key", wrong)]).await;
        assert_eq!(r.status, 401, "{wrong}");
        assert!(r.shows("Cette clé n'est pas valable"));
    }
    assert_eq!(v.post_raw(&login, &[("key", &agent_key)]).await.status, 403, "CSRF");
    let signed = v.post(&login, &[("key", &agent_key)]).await;
    assert_eq!(signed.location.as_deref(), Some(office.as_str()));
    let cookie = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("bk_o"))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains(&format!("Path=/b/{}/office", t.id)),
        "{cookie}"
    );
    let home = v.open(&office).await;
    assert!(home.html.contains("id=\"role\">agent<"), "{}", home.html);
    assert!(
        home.html.contains("data-agenda=\"accueil\"")
            && home.html.contains("data-agenda=\"annexe\"")
    );
    // The staff member sees their own agenda only.
    let mut w = Visitor::new(&s.base);
    w.open(&login).await;
    w.post(&login, &[("key", &staff_key)]).await;
    let mine = w.open(&office).await;
    assert!(mine.html.contains("id=\"role\">personnel<"));
    assert!(
        mine.html.contains("data-agenda=\"accueil\"")
            && !mine.html.contains("data-agenda=\"annexe\""),
        "{}",
        mine.html
    );
    // Revoking the key ends the session; signing out too.
    let revoked = s
        .call(reqwest::Method::DELETE, &t.path(&format!("/api-keys/{agent_id}")), admin, None, &[])
        .await;
    assert!(revoked.status < 300, "{:?}", revoked.body);
    assert_eq!(v.get(&office).await.status, 303);
    let name = format!("bk_o{}", t.id);
    let old = w.cookies[&name].clone();
    w.post(&format!("/b/{}/office/logout", t.id), &[]).await;
    assert!(!w.cookies.contains_key(&name), "the cookie is cleared");
    w.cookies.insert(name, old);
    assert_eq!(w.get(&office).await.status, 303, "and the session is gone on the server");
    s.stop().await;
}

/// §F1–§F3: an agent books from the calendar view: a free slot opens the prefilled form,
/// "Go to the booking form" pre-reserves it for that form, the details confirm it, and the
/// booking shows in the view; a second agent trying the slot meanwhile is told it is taken;
/// "Add a booking" prefills the first free slot; without the role or the agenda's setting,
/// no booking at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_books_from_the_calendar_view() {
    let s = Server::sqlite().await;
    let t = s.tenant("Mairie").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    let key = |role: &str, subject: Option<i64>| {
        let body = json!({"name": role, "role": role, "subject": subject});
        let (s, t) = (&s, &t);
        async move {
            s.post(&t.path("/api-keys"), Some(&t.admin), body).await.body["key"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (agent, agent2, staff) =
        (key("agent", None).await, key("agent", None).await, key("staff", Some(c.staff)).await);
    let sign_in = |k: String| {
        let s = &s;
        let id = t.id;
        async move {
            let mut v = Visitor::new(&s.base);
            v.open(&format!("/b/{id}/office/login")).await;
            let r = v.post(&format!("/b/{id}/office/login"), &[("key", &k)]).await;
            assert_eq!(r.status, 303);
            v
        }
    };
    let mut a = sign_in(agent).await;
    let day = common::next_monday();
    let view = format!("/b/{}/office/agendas/accueil?service={}&date={day}", t.id, c.service);
    // The agenda does not allow back-office booking yet: free slots, no links, no form.
    let page = a.open(&view).await;
    assert!(
        page.html.contains("class=\"free\"") && !page.html.contains("class=\"free-slot\""),
        "{}",
        page.html
    );
    assert_eq!(a.get(&format!("/b/{}/office/agendas/accueil/new", t.id)).await.status, 403);
    let r = s.call(reqwest::Method::PUT, &t.path(&format!("/agendas/{}", c.agenda)), admin, Some(json!({"name": "Accueil", "slug": "accueil", "resources": [c.desk, c.staff], "services": [c.service], "backoffice_booking": true})), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let page = a.open(&view).await;
    assert!(page.shows("Guichet 1") && page.shows("Ana"), "resources are the columns");
    let href = page
        .html
        .split("class=\"free-slot\" href=\"")
        .skip(1)
        .map(|h| h.split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&"))
        .find(|h| h.ends_with(&format!("start={day}T10:00")))
        .expect("a free 10:00 slot");
    let form = a.open(&href).await;
    assert!(
        form.html.contains(&format!("value=\"{day}T10:00\"")),
        "the slot is prefilled: {}",
        form.html
    );
    let resource = href.split("resource=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let start = format!("{day}T10:00");
    let fields = [
        ("service", c.service.to_string()),
        ("resource", resource.clone()),
        ("start", start.clone()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let held = a.post(&format!("/b/{}/office/agendas/accueil/hold", t.id), &fields).await;
    assert_eq!(held.status, 303, "{}", held.html);
    // Meanwhile, another agent on the same slot and resource is told it is taken.
    let mut b = sign_in(agent2).await;
    b.open(&href).await;
    let taken = b.post(&format!("/b/{}/office/agendas/accueil/hold", t.id), &fields).await;
    assert_eq!(taken.status, 409);
    assert!(taken.shows("vient d'être pris"));
    let during = b.open(&view).await;
    assert!(during.html.contains("class=\"held\""), "the hold shows in the view");
    // The service asks a question: the form asks it, an empty answer is refused.
    let r = s.call(reqwest::Method::PUT, &t.path(&format!("/services/{}", c.service)), admin, Some(json!({"name": "Passeport", "slug": "passeport", "duration_minutes": 30, "fields": [{"key": "pre_demande", "label": "Numéro de pré-demande", "required": true}]})), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The first agent completes the form.
    let details = a.open(held.location.as_deref().unwrap()).await;
    assert!(details.shows("10:00") && details.shows("Numéro de pré-demande"), "{}", details.html);
    let confirm = format!("/b/{}/office/agendas/accueil/confirm", t.id);
    let missing = a
        .post(
            &confirm,
            &[("first_name", "Zoé"), ("last_name", "Martin"), ("email", ""), ("phone", "")],
        )
        .await;
    assert_eq!(missing.status, 422, "a required answer");
    assert!(
        missing.html.contains("id=\"field-pre_demande\"")
            && missing
                .html
                .contains("aria-invalid=\"true\" aria-describedby=\"field-pre_demande-error\"")
            && missing.html.contains("<a href=\"#field-pre_demande\">"),
        "the error names the question, marks its field and links to it: {}",
        missing.html
    );
    assert!(missing.html.contains("value=\"Zoé\""), "what was typed is kept");
    let done = a
        .submit(
            &confirm,
            &[
                ("first_name", "Zoé"),
                ("last_name", "Martin"),
                ("email", ""),
                ("phone", ""),
                ("field.pre_demande", "ANTS-1234"),
            ],
        )
        .await;
    assert!(
        done.shows("Le rendez-vous est enregistré")
            && done.html.contains(
                "class=\"booked approved\"><span class=\"mark\" aria-hidden=\"true\">✓</span> \
                 Zoé Martin<span class=\"vh\"> (Confirmé)</span>"
            ),
        "{}",
        done.html
    );
    let listed = s
        .get(&t.path(&format!("/bookings?from={day}&to={}", day.tomorrow().unwrap())), admin)
        .await;
    assert!(listed.body.to_string().contains("ANTS-1234"), "the answer is kept: {}", listed.body);
    // "Add a booking" prefills the first available slot.
    let add =
        b.open(&format!("/b/{}/office/agendas/accueil/new?service={}", t.id, c.service)).await;
    assert_eq!(add.status, 200);
    assert!(
        add.html.contains("name=\"start\" type=\"datetime-local\" required value=\""),
        "{}",
        add.html
    );
    // Abandoning releases the hold at once.
    let later = [
        ("service", c.service.to_string()),
        ("resource", resource.clone()),
        ("start", format!("{day}T11:00")),
    ];
    let later: Vec<(&str, &str)> = later.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        b.post(&format!("/b/{}/office/agendas/accueil/hold", t.id), &later).await.status,
        303
    );
    b.post(&format!("/b/{}/office/agendas/accueil/release", t.id), &[]).await;
    assert_eq!(
        a.post(&format!("/b/{}/office/agendas/accueil/hold", t.id), &later).await.status,
        303,
        "free again"
    );
    // A staff member sees their agenda but may not book.
    let mut st = sign_in(staff).await;
    let theirs = st.open(&view).await;
    assert!(theirs.status == 200 && !theirs.html.contains("class=\"free-slot\""));
    assert_eq!(st.get(&format!("/b/{}/office/agendas/accueil/new", t.id)).await.status, 403);
    // The agenda is editable in the form: a slot on another agenda that allows booking.
    let desk9 = s
        .post(
            &t.path("/resources"),
            admin,
            json!({"kind": "desk", "name": "Guichet 9", "hours": always_open()}),
        )
        .await;
    let annexe = s.post(&t.path("/agendas"), admin, json!({"name": "Annexe", "slug": "annexe", "resources": [desk9.body["id"]], "services": [c.service], "backoffice_booking": true})).await;
    assert_eq!(annexe.status, 201, "{:?}", annexe.body);
    let form =
        a.open(&format!("/b/{}/office/agendas/accueil/new?service={}", t.id, c.service)).await;
    assert!(form.html.contains("<option value=\"annexe\">Annexe</option>"), "{}", form.html);
    let elsewhere = [
        ("agenda", "annexe".to_owned()),
        ("service", c.service.to_string()),
        ("resource", resource.clone()),
        ("start", format!("{day}T12:00")),
    ];
    let elsewhere: Vec<(&str, &str)> = elsewhere.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let moved = a.post(&format!("/b/{}/office/agendas/accueil/hold", t.id), &elsewhere).await;
    assert_eq!(
        moved.location.as_deref(),
        Some(format!("/b/{}/office/agendas/annexe/form", t.id).as_str())
    );
    let annexe_view = b
        .open(&format!("/b/{}/office/agendas/annexe?service={}&date={day}", t.id, c.service))
        .await;
    assert!(annexe_view.html.contains("class=\"held\""), "{}", annexe_view.html);
    // The week view has a column per day (its two resources share each cell, so seven days
    // fit a laptop's width), the day's free desks counted in a link that books the first.
    let week = a.open(&format!("{view}&view=week")).await;
    assert_eq!(
        week.html.matches("<th scope=\"col\">").count(),
        8,
        "time and 7 days: {}",
        week.html
    );
    assert!(week.html.contains("class=\"free-slot entry\""), "{}", week.html);
    assert!(
        week.html.contains(&format!("/new?service={}&#38;start={day}T09:00\"", c.service)),
        "a free time of the week books any desk: {}",
        week.html
    );
    s.stop().await;
}
