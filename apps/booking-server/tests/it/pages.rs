//! §D The customer pages over HTTP, as a browser without JavaScript uses them: the public
//! booking page, accounts, magic links, the panel, cancel links; the security rules (CSRF, no
//! user enumeration, single-use tokens, one business per session); and every panel setting
//! flipped both ways.

use crate::common;

use crate::common::web::{Page, Visitor, mails_in, wait_for_mail};
use crate::common::{Catalog, Server, Tenant, setup};
use serde_json::{Value, json};

on_both_databases!(
    a_guest_books_then_proves_the_email_and_sees_it_in_the_panel,
    deleting_the_profile_leaves_no_personal_value_anywhere,
);
on_both_databases!(quiet: the_panel_pages_a_long_past);

async fn settings(server: &Server, t: &Tenant, patch: Value) {
    let r = server
        .call(reqwest::Method::PATCH, &t.path("/settings"), Some(&t.admin), Some(patch), &[])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

fn week_path(t: &Tenant, c: &Catalog) -> String {
    format!("/b/{}/book?agenda={}&service={}", t.id, c.agenda, c.service)
}

/// Books the `nth` free slot of the week on the public page; returns the booking id.
/// Holds the slot starting at `start` from the week page; the details form it leads to.
async fn hold(v: &mut Visitor, t: &Tenant, c: &Catalog, start: &str) -> Page {
    let (agenda, service) = (c.agenda.to_string(), c.service.to_string());
    let fields = [("agenda", agenda.as_str()), ("service", service.as_str()), ("start", start)];
    let held = v.post(&format!("/b/{}/book/hold", t.id), &fields).await;
    assert_eq!(held.status, 303, "{}", held.html);
    v.open(held.location.as_deref().unwrap()).await
}

async fn book(
    v: &mut Visitor,
    t: &Tenant,
    c: &Catalog,
    nth: usize,
    who: (&str, &str, &str),
) -> i64 {
    let week = v.open(&week_path(t, c)).await;
    assert_eq!(week.status, 200, "{}", week.html);
    let details = hold(v, t, c, &week.slots()[nth]).await;
    assert!(details.shows("Vos coordonnées"), "{}", details.html);
    let done = v
        .post(
            &format!("/b/{}/book/confirm", t.id),
            &[
                ("first_name", who.0),
                ("last_name", who.1),
                ("email", who.2),
                ("phone", "+33 6 12 34 56 78"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.html);
    let location = done.location.clone().unwrap();
    let page = v.open(&location).await;
    assert!(page.shows("Rendez-vous enregistré"), "{}", page.html);
    // The confirmation says where and when (the zone named), offers the calendar file and a
    // cancel link.
    assert!(
        page.shows("(Europe/Paris)") && page.html.contains("id=\"cancel-link\""),
        "{}",
        page.html
    );
    let ics = page
        .html
        .split("id=\"add-to-calendar\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let file = v.get(&ics).await;
    assert_eq!(file.status, 200);
    assert!(file.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert!(
        file.html.contains("BEGIN:VEVENT") && file.html.contains("UID:booking-"),
        "{}",
        file.html
    );
    let mut stranger = Visitor::new(&v.base);
    assert_eq!(stranger.get(&ics).await.status, 404, "only the form session that booked");
    location.split("booking=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap()
}

async fn sign_up(v: &mut Visitor, t: &Tenant, email: &str, password: &str) -> Page {
    v.open(&format!("/b/{}/signup", t.id)).await;
    v.post(
        &format!("/b/{}/signup", t.id),
        &[
            ("first_name", "Zoé"),
            ("last_name", "Martin"),
            ("email", email),
            ("password", password),
            ("terms", "yes"),
        ],
    )
    .await
}

async fn log_in(v: &mut Visitor, t: &Tenant, email: &str, password: &str) -> Page {
    v.open(&format!("/b/{}/login", t.id)).await;
    v.post(&format!("/b/{}/login", t.id), &[("email", email), ("password", password)]).await
}

/// Signs up, verifies through the emailed link, logs in.
async fn account(server: &Server, v: &mut Visitor, t: &Tenant, email: &str) {
    let page = sign_up(v, t, email, "correct horse battery").await;
    assert!(page.shows("Vérifiez votre messagerie"), "{}", page.html);
    let mail = wait_for_mail(&server.mail_dir, email, "/verify?token=").await;
    let link = mail.link("/verify?token=").unwrap();
    v.open(&link).await;
    let verified = v.post(&format!("/b/{}/verify", t.id), &[("token", &token_of(&link))]).await;
    assert!(verified.shows("Votre adresse est confirmée"), "{}", verified.html);
    let logged = log_in(v, t, email, "correct horse battery").await;
    assert_eq!(logged.status, 303, "{}", logged.html);
}

/// The token of an email's link (links also carry the customer's `lang`).
fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned()
}

async fn booking_status(server: &Server, t: &Tenant, id: i64) -> String {
    let r = server.get(&t.path(&format!("/bookings/{id}")), Some(&t.admin)).await;
    r.body["status"].as_str().unwrap().to_owned()
}

/// The journey of the issue: book on the public page as a guest → the email has the right
/// values and links → sign up with the same address → the GET of the verification link
/// changes nothing, its POST proves the address → log in → the panel shows the guest booking
/// → cancel it there.
async fn a_guest_books_then_proves_the_email_and_sees_it_in_the_panel(server: Server) {
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    let id = book(&mut v, &t, &c, 0, ("Zoé", "Martin", "zoe@example.org")).await;
    let mail = wait_for_mail(&server.mail_dir, "zoe@example.org", "Passeport").await;
    assert!(mail.body.contains("Bonjour Zoé"), "{}", mail.body);
    assert!(mail.subject.starts_with("Votre rendez-vous du"), "{}", mail.subject);
    let panel_link = mail.link("/panel").expect("a panel link");
    assert_eq!(panel_link, format!("{}/b/{}/panel", server.base, t.id));
    let cancel_link = mail.link("/cancel?token=").expect("a cancel link");
    // A guest's panel needs an account: the panel link leads to the log-in page.
    let panel = v.open(&panel_link).await;
    assert!(panel.shows("Se connecter"), "{}", panel.html);

    let page = sign_up(&mut v, &t, "Zoe@Example.org", "correct horse battery").await;
    assert!(page.shows("Vérifiez votre messagerie"), "{}", page.html);
    let mail = wait_for_mail(&server.mail_dir, "zoe@example.org", "/verify?token=").await;
    let link = mail.link("/verify?token=").unwrap();
    let button = v.open(&link).await;
    assert!(button.shows("Confirmer mon adresse"), "{}", button.html);
    let early = log_in(&mut v, &t, "zoe@example.org", "correct horse battery").await;
    assert_eq!(early.status, 403, "the GET of the link verified nothing: {}", early.html);
    v.open(&link).await;
    let verified = v.post(&format!("/b/{}/verify", t.id), &[("token", &token_of(&link))]).await;
    assert!(verified.shows("Votre adresse est confirmée"), "{}", verified.html);
    let logged = log_in(&mut v, &t, "zoe@example.org", "correct horse battery").await;
    assert_eq!(logged.status, 303, "{}", logged.html);
    let cookie = logged
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("bk_s"))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains(&format!("Path=/b/{}", t.id)),
        "{cookie}"
    );
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(
        panel.html.contains(&format!("data-booking=\"{id}\"")),
        "the guest booking is attached: {}",
        panel.html
    );
    assert!(panel.shows("Passeport") && panel.shows("Confirmé"), "{}", panel.html);

    // Cancelling asks first: the first POST says what will be canceled and changes nothing.
    let cancel = format!("/b/{}/panel/bookings/{id}/cancel", t.id);
    let asked = v.submit(&cancel, &[]).await;
    assert!(
        asked.html.contains("id=\"confirm-yes\"")
            && asked.shows("Voulez-vous vraiment annuler")
            && asked.shows("Passeport"),
        "{}",
        asked.html
    );
    assert_eq!(booking_status(&server, &t, id).await, "approved", "nothing changed yet");
    let canceled = v.submit(&cancel, &[("confirmed", "yes")]).await;
    assert!(canceled.shows("Le rendez-vous est annulé"), "{}", canceled.html);
    assert_eq!(booking_status(&server, &t, id).await, "canceled");
    wait_for_mail(&server.mail_dir, "zoe@example.org", "est annulé").await;
    // The cancel link of the first email now shows the booking as closed.
    let late = v.open(&cancel_link).await;
    assert_eq!(late.status, 409, "{}", late.html);
    server.stop().await;
}

/// The scan: after "Delete profile", no text column of any table holds a former
/// personal value, and an email that was still queued goes nowhere.
async fn deleting_the_profile_leaves_no_personal_value_anywhere(server: Server) {
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    settings(&server, &t, json!({"customers_may_delete_profile": true})).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "zoe.unique@example.org").await;
    let id = book(&mut v, &t, &c, 1, ("Zoéunique", "Martinunique", "zoe.unique@example.org")).await;
    wait_for_mail(&server.mail_dir, "zoe.unique@example.org", "Passeport").await;
    let profile = v.open(&format!("/b/{}/panel/profile", t.id)).await;
    assert!(profile.html.contains("id=\"delete-profile\""), "{}", profile.html);
    let confirm = v.open(&format!("/b/{}/panel/delete", t.id)).await;
    assert!(confirm.shows("Oui, supprimer mon profil"), "{}", confirm.html);
    // The step says what happens to the appointment still to come, and offers to cancel it.
    assert!(
        confirm.html.contains("id=\"delete-upcoming\"")
            && confirm.shows("Passeport")
            && confirm.html.contains("id=\"cancel-upcoming\" name=\"cancel_upcoming\" type=\"checkbox\" value=\"yes\" checked"),
        "{}",
        confirm.html
    );
    let unconfirmed = v.post(&format!("/b/{}/panel/delete", t.id), &[]).await;
    assert_eq!(unconfirmed.status, 303, "nothing erased without the confirmation");
    assert_eq!(booking_status(&server, &t, id).await, "approved");
    let deleted = v
        .post(
            &format!("/b/{}/panel/delete", t.id),
            &[("confirmed", "yes"), ("cancel_upcoming", "yes")],
        )
        .await;
    assert!(deleted.shows("Votre profil est supprimé"), "{}", deleted.html);
    assert_eq!(booking_status(&server, &t, id).await, "canceled", "canceled as asked");
    let last =
        wait_for_mail(&server.mail_dir, "zoe.unique@example.org", "Rendez-vous annulés").await;
    assert!(
        last.body.contains("votre profil est supprimé") && last.body.contains("Passeport"),
        "the last email lists what was canceled: {}",
        last.body
    );
    let after = v.get(&format!("/b/{}/panel", t.id)).await;
    assert_eq!(after.status, 303, "logged out");
    let booking = server.get(&t.path(&format!("/bookings/{id}")), Some(&t.admin)).await;
    let customer = booking.body["customer_id"].as_i64().unwrap();
    let staff_view = server.get(&t.path(&format!("/customers/{customer}")), Some(&t.admin)).await;
    assert_eq!(staff_view.body["display_name"], format!("Customer #{customer}"));
    for value in ["Zoéunique", "Martinunique", "zoe.unique@example.org", "+33 6 12 34 56 78", "Zoé"]
    {
        let found = common::scan(&server.database_url, value).await;
        // The account (its email, its password) is the identity, not the business's record
        // (§D5): it stays until the account itself is deleted.
        let found: Vec<_> = found.into_iter().filter(|f| f != "accounts.email").collect();
        assert!(found.is_empty(), "{value:?} left in {found:?}");
    }
    server.stop().await;
}

/// A slot taken by someone else meanwhile: the page says so and offers the next free slots;
/// choosing another slot moves the visitor's own hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slot_taken_meanwhile_is_reported_with_the_next_free_ones() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    // One resource only, so a held slot is gone for others.
    let r = server.call(reqwest::Method::PUT, &t.path(&format!("/agendas/{}", c.agenda)), Some(&t.admin), Some(json!({"name": "Accueil", "slug": "accueil", "resources": [c.desk], "services": [c.service]})), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let (mut a, mut b) = (Visitor::new(&server.base), Visitor::new(&server.base));
    let week_b = b.open(&week_path(&t, &c)).await;
    let week_a = a.open(&week_path(&t, &c)).await;
    let (first, second) = (week_a.slots()[0].clone(), week_a.slots()[1].clone());
    assert_eq!(week_b.slots()[0], first);
    let fields = |start: &str| {
        vec![
            ("agenda".to_owned(), c.agenda.to_string()),
            ("service".to_owned(), c.service.to_string()),
            ("start".to_owned(), start.to_owned()),
        ]
    };
    let post = async |v: &mut Visitor, start: &str| {
        let f = fields(start);
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        v.post(&format!("/b/{}/book/hold", t.id), &refs).await
    };
    assert_eq!(post(&mut a, &first).await.status, 303);
    let taken = post(&mut b, &first).await;
    assert_eq!(taken.status, 409, "{}", taken.html);
    assert!(taken.shows("vient d'être pris"), "{}", taken.html);
    assert!(taken.html.contains("id=\"next-free\""), "{}", taken.html);
    assert!(!taken.slots().contains(&first), "the taken slot is not offered again");
    assert!(taken.slots().contains(&second));
    // A moves to the second slot: the first is free again for B.
    assert_eq!(post(&mut a, &second).await.status, 303);
    assert_eq!(post(&mut b, &first).await.status, 303);
    assert_eq!(post(&mut a, &first).await.status, 409);
    server.stop().await;
}

/// Every POST needs the visitor's own form token (CSRF).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn posts_without_the_form_token_are_refused() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "ana@example.org").await;
    let id = book(&mut v, &t, &c, 0, ("Ana", "Lima", "ana@example.org")).await;
    let mut other = Visitor::new(&server.base);
    other.open(&format!("/b/{}/login", t.id)).await;
    let foreign = other.csrf.clone().unwrap();
    let cancel = format!("/b/{}/panel/bookings/{id}/cancel", t.id);
    for token in [None, Some("0".repeat(64)), Some(foreign)] {
        let mut fields = vec![];
        if let Some(tk) = &token {
            fields.push(("csrf", tk.as_str()));
        }
        let r = v.post_raw(&cancel, &fields).await;
        assert_eq!(r.status, 403, "{token:?}: {}", r.html);
        assert!(r.shows("Ce formulaire a expiré"));
        let r = other
            .post_raw(
                &format!("/b/{}/login", t.id),
                &[("email", "ana@example.org"), ("password", "correct horse battery")],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = other
            .post_raw(
                &format!("/b/{}/signup", t.id),
                &[
                    ("email", "x@example.org"),
                    ("password", "correct horse battery"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, 403);
    }
    assert_eq!(booking_status(&server, &t, id).await, "approved");
    // Garbage bodies are a 4xx, never a 5xx.
    let r = v
        .post_raw(&format!("/b/{}/book/hold", t.id), &[("csrf", "x"), ("start", "yesterday")])
        .await;
    assert_eq!(r.status, 400, "{}", r.html);
    server.stop().await;
}

/// Sign-up, log-in, reset and magic-link requests answer the same whether or not the address
/// has an account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_never_tell_which_addresses_have_accounts() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "ana@example.org").await;
    let mut w = Visitor::new(&server.base);
    // Equal but for the form token and the address the visitor typed (echoed in the form).
    let same = |a: &Page, b: &Page| {
        assert_eq!(a.status, b.status);
        let strip = |p: &Page| {
            let mut html = p.html.replace(p.field("csrf").unwrap_or_default().as_str(), "");
            for typed in [
                "ana@example.org",
                "nobody@example.org",
                "nobody2@example.org",
                "nobody3@example.org",
            ] {
                html = html.replace(typed, "");
            }
            html
        };
        assert_eq!(strip(a), strip(b));
    };
    let known = sign_up(&mut w, &t, "ana@example.org", "another password").await;
    let unknown = sign_up(&mut w, &t, "nobody@example.org", "another password").await;
    same(&known, &unknown);
    let wrong = log_in(&mut w, &t, "ana@example.org", "wrong password!!").await;
    let nobody = log_in(&mut w, &t, "nobody2@example.org", "wrong password!!").await;
    same(&wrong, &nobody);
    assert_eq!(wrong.status, 401);
    w.open(&format!("/b/{}/reset", t.id)).await;
    let known = w.post(&format!("/b/{}/reset", t.id), &[("email", "ana@example.org")]).await;
    let unknown = w.post(&format!("/b/{}/reset", t.id), &[("email", "nobody3@example.org")]).await;
    same(&known, &unknown);
    // The owner of the address was told, in an email only they read.
    wait_for_mail(&server.mail_dir, "ana@example.org", "qui en a déjà un").await;
    wait_for_mail(&server.mail_dir, "ana@example.org", "/reset/new?token=").await;
    assert!(mails_in(&server.mail_dir).iter().all(|m| !m.to.contains("nobody3")));
    server.stop().await;
}

/// Reset, verification and magic links work once; revoked or another business's links never.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn used_revoked_and_foreign_links_are_refused() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let other = server.tenant("Autre").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "ana@example.org").await;
    let verify = wait_for_mail(&server.mail_dir, "ana@example.org", "/verify?token=")
        .await
        .link("/verify?token=")
        .unwrap();
    let again = v.post(&format!("/b/{}/verify", t.id), &[("token", &token_of(&verify))]).await;
    assert_eq!(again.status, 410, "a verification link works once");
    // Reset: once.
    v.open(&format!("/b/{}/reset", t.id)).await;
    v.post(&format!("/b/{}/reset", t.id), &[("email", "ana@example.org")]).await;
    let reset = wait_for_mail(&server.mail_dir, "ana@example.org", "/reset/new?token=")
        .await
        .link("/reset/new?token=")
        .unwrap();
    let form = v.open(&reset).await;
    assert_eq!(form.status, 200);
    let done = v
        .post(
            &format!("/b/{}/reset/new", t.id),
            &[("token", &token_of(&reset)), ("password", "a brand new password")],
        )
        .await;
    assert!(done.shows("Votre mot de passe est changé"), "{}", done.html);
    let reused = v
        .post(
            &format!("/b/{}/reset/new", t.id),
            &[("token", &token_of(&reset)), ("password", "yet another password")],
        )
        .await;
    assert_eq!(reused.status, 410);
    assert_eq!(v.open(&reset).await.status, 410);
    // The reset closed the session.
    assert_eq!(v.get(&format!("/b/{}/panel", t.id)).await.status, 303);
    // Magic links: once, per business, revocable.
    settings(&server, &t, json!({"require_password": false})).await;
    settings(&server, &other, json!({"require_password": false})).await;
    let mut g = Visitor::new(&server.base);
    book(&mut g, &t, &c, 2, ("Bo", "Diaz", "bo@example.org")).await;
    let magic = wait_for_mail(&server.mail_dir, "bo@example.org", "/magic?token=")
        .await
        .link("/magic?token=")
        .unwrap();
    let token = token_of(&magic);
    let foreign = g.open(&format!("/b/{}/magic?token={token}", other.id)).await;
    assert_eq!(foreign.status, 410, "another business's link");
    g.open(&magic).await;
    let opened = g.post(&format!("/b/{}/magic", t.id), &[("token", &token)]).await;
    assert_eq!(opened.status, 303, "{}", opened.html);
    let reused = g.post(&format!("/b/{}/magic", t.id), &[("token", &token)]).await;
    assert_eq!(reused.status, 410);
    // Revocation by staff.
    let mut h = Visitor::new(&server.base);
    h.open(&format!("/b/{}/login", t.id)).await;
    h.post(&format!("/b/{}/magic/request", t.id), &[("email", "bo@example.org")]).await;
    let fresh = wait_for_mail(&server.mail_dir, "bo@example.org", "lien de connexion")
        .await
        .link("/magic?token=")
        .unwrap();
    let customer = server
        .state()
        .engine()
        .ports()
        .store
        .guest_by_email(
            booking_core::ids::BusinessId::new(t.id),
            &booking_core::catalog::Email::parse("bo@example.org").unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = server
        .post(
            &t.path(&format!("/customers/{customer}/magic-links/revoke")),
            Some(&t.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["revoked"].as_u64().unwrap() >= 1);
    assert_eq!(h.open(&fresh).await.status, 410);
    server.stop().await;
}

/// One account, two businesses: each session opens one business, and each panel shows that
/// business's bookings only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_opens_one_business() {
    let server = Server::sqlite().await;
    let a = server.tenant("A").await;
    let b = server.tenant("B").await;
    let (ca, cb) = (setup(&server, &a).await, setup(&server, &b).await);
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &a, "ana@example.org").await;
    let in_a = book(&mut v, &a, &ca, 0, ("Ana", "Lima", "ana@example.org")).await;
    let logged = log_in(&mut v, &b, "ana@example.org", "correct horse battery").await;
    assert_eq!(logged.status, 303, "one account works with every business");
    let in_b = book(&mut v, &b, &cb, 0, ("Ana", "Lima", "ana@example.org")).await;
    let panel_a = v.open(&format!("/b/{}/panel", a.id)).await;
    let panel_b = v.open(&format!("/b/{}/panel", b.id)).await;
    assert!(panel_a.html.contains(&format!("data-booking=\"{in_a}\"")));
    assert!(!panel_a.html.contains(&format!("data-booking=\"{in_b}\"")), "{}", panel_a.html);
    assert!(panel_b.html.contains(&format!("data-booking=\"{in_b}\"")));
    assert!(!panel_b.html.contains(&format!("data-booking=\"{in_a}\"")));
    // A's session presented to B opens nothing; cancelling A's booking through B's URL neither.
    let session_a = v.cookies[&format!("bk_s{}", a.id)].clone();
    let mut thief = Visitor::new(&server.base);
    thief.cookies.insert(format!("bk_s{}", b.id), session_a.clone());
    assert_eq!(thief.get(&format!("/b/{}/panel", b.id)).await.status, 303);
    let r = v
        .submit(&format!("/b/{}/panel/bookings/{in_a}/cancel", b.id), &[("confirmed", "yes")])
        .await;
    assert_eq!(r.status, 404, "{}", r.html);
    assert_eq!(booking_status(&server, &a, in_a).await, "approved");
    server.stop().await;
}

/// Each panel setting, flipped both ways: require password (magic links), panel URL, allow
/// reschedule with its window, the cancel window, allow delete, appointments and events,
/// panel enabled, frame policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_panel_setting_flips() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "ana@example.org").await;

    // Require password (on): the log-in page asks for one; off: it offers a link, and the
    // booking email carries a magic link whose GET opens nothing and whose POST logs in.
    let mut g = Visitor::new(&server.base);
    assert!(g.open(&format!("/b/{}/login", t.id)).await.html.contains("type=\"password\""));
    settings(&server, &t, json!({"require_password": false})).await;
    let login = g.open(&format!("/b/{}/login", t.id)).await;
    assert!(
        !login.html.contains("type=\"password\"") && login.shows("Recevoir un lien de connexion")
    );
    let guest = book(&mut g, &t, &c, 3, ("Bo", "Diaz", "bo@example.org")).await;
    let magic = wait_for_mail(&server.mail_dir, "bo@example.org", "/magic?token=")
        .await
        .link("/magic?token=")
        .unwrap();
    let button = g.open(&magic).await;
    assert!(button.shows("Ouvrir mon espace"), "{}", button.html);
    assert_eq!(g.get(&format!("/b/{}/panel", t.id)).await.status, 303, "the GET logged nobody in");
    let opened = g.post(&format!("/b/{}/magic", t.id), &[("token", &token_of(&magic))]).await;
    assert_eq!(opened.location.as_deref(), Some(format!("/b/{}/panel", t.id).as_str()));
    let panel = g.open(&format!("/b/{}/panel", t.id)).await;
    assert!(panel.html.contains(&format!("data-booking=\"{guest}\"")), "{}", panel.html);
    settings(&server, &t, json!({"require_password": true})).await;

    // Panel URL: emails link to the business's own page.
    settings(&server, &t, json!({"panel_url": "https://www.example.org/mes-rendez-vous"})).await;
    book(&mut v, &t, &c, 4, ("Ana", "Lima", "ana@example.org")).await;
    wait_for_mail(&server.mail_dir, "ana@example.org", "https://www.example.org/mes-rendez-vous")
        .await;
    settings(&server, &t, json!({"panel_url": ""})).await;

    // Reschedule: off by default (reason shown, POST refused); on: real free slots, moved.
    let id = book(&mut v, &t, &c, 5, ("Ana", "Lima", "ana@example.org")).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(!panel.html.contains("class=\"button secondary reschedule\""));
    let later = common::now() + jiff::SignedDuration::from_hours(30);
    let refused = v
        .post(
            &format!("/b/{}/panel/bookings/{id}/reschedule", t.id),
            &[("start", &later.round(jiff::Unit::Hour).unwrap().to_string())],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.shows("ne permet pas de déplacer"), "{}", refused.html);
    assert_eq!(v.get(&format!("/b/{}/panel/bookings/{id}/reschedule", t.id)).await.status, 409);
    settings(&server, &t, json!({"customers_may_reschedule": true})).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(panel.html.contains("class=\"button secondary reschedule\""), "{}", panel.html);
    let week = v.open(&format!("/b/{}/panel/bookings/{id}/reschedule", t.id)).await;
    let target = week.slots()[10].clone();
    let reschedule = format!("/b/{}/panel/bookings/{id}/reschedule", t.id);
    let asked = v.submit(&reschedule, &[("start", &target)]).await;
    assert!(
        asked.shows("Déplacer ce rendez-vous ?")
            && asked.html.contains(&format!("name=\"start\" value=\"{target}\"")),
        "{}",
        asked.html
    );
    assert_eq!(booking_status(&server, &t, id).await, "approved", "not moved before confirming");
    let moved = v.submit(&reschedule, &[("start", &target), ("confirmed", "yes")]).await;
    assert!(moved.shows("Le rendez-vous est déplacé"), "{}", moved.html);
    assert_eq!(booking_status(&server, &t, id).await, "canceled", "the old booking is replaced");
    settings(
        &server,
        &t,
        json!({"min_before_reschedule_minutes": 525_600, "min_before_cancel_minutes": 525_600}),
    )
    .await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(
        panel.shows("trop tard pour déplacer") && panel.shows("trop tard pour annuler"),
        "{}",
        panel.html
    );
    let moved_id =
        panel.html.split("data-booking=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let refused = v.post(&format!("/b/{}/panel/bookings/{moved_id}/cancel", t.id), &[]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.shows("trop tard pour annuler"));
    settings(&server, &t, json!({"min_before_reschedule_minutes": 0, "min_before_cancel_minutes": 0, "customers_may_reschedule": false})).await;

    // Delete profile: off by default (no button, the page refuses).
    let profile = v.open(&format!("/b/{}/panel/profile", t.id)).await;
    assert!(!profile.html.contains("id=\"delete-profile\""));
    assert_eq!(v.get(&format!("/b/{}/panel/delete", t.id)).await.status, 403);
    assert_eq!(v.post(&format!("/b/{}/panel/delete", t.id), &[]).await.status, 403);
    // Profile edit; the email stays.
    let saved = v
        .post(
            &format!("/b/{}/panel/profile", t.id),
            &[("first_name", "Anabela"), ("last_name", "Lima"), ("phone", "")],
        )
        .await;
    assert!(
        saved.shows("Profil enregistré") && saved.html.contains("value=\"Anabela\""),
        "{}",
        saved.html
    );

    // Appointments and events: each can be left out of the panel.
    let seat = server.post(&t.path("/bookings"), Some(&t.admin), json!({"session_id": c.session, "customer_id": customer_of(&server, &t, "ana@example.org").await})).await;
    assert_eq!(seat.status, 201, "{:?}", seat.body);
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(panel.shows("Yoga") && panel.shows("Passeport"));
    settings(&server, &t, json!({"panel_events": false})).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(!panel.shows("Yoga") && panel.shows("Passeport"));
    settings(&server, &t, json!({"panel_events": true, "panel_appointments": false})).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(panel.shows("Yoga") && !panel.shows("Passeport"));
    settings(&server, &t, json!({"panel_appointments": true})).await;

    // Frame policy: only the engine itself, unless origins are allowed.
    let csp = |p: &Page| p.headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp(&panel).ends_with("frame-ancestors 'self'"), "{}", csp(&panel));
    settings(&server, &t, json!({"frame_ancestors": "https://www.example.org"})).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(csp(&panel).ends_with("frame-ancestors 'self' https://www.example.org"));
    let bad = server
        .call(
            reqwest::Method::PATCH,
            &t.path("/settings"),
            Some(&t.admin),
            Some(json!({"frame_ancestors": "https://x.org; script-src *"})),
            &[],
        )
        .await;
    assert_eq!(bad.status, 422);

    // Panel off: no log-in, no sign-up, no panel.
    settings(&server, &t, json!({"panel_enabled": false})).await;
    assert_eq!(v.get(&format!("/b/{}/login", t.id)).await.status, 404);
    assert_eq!(v.get(&format!("/b/{}/signup", t.id)).await.status, 404);
    assert_eq!(v.get(&format!("/b/{}/panel", t.id)).await.status, 404);
    server.stop().await;
}

async fn customer_of(server: &Server, t: &Tenant, email: &str) -> i64 {
    let account = server
        .state()
        .engine()
        .ports()
        .store
        .account_by_email(&booking_core::catalog::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    server
        .state()
        .engine()
        .ports()
        .store
        .customer_of_account(booking_core::ids::BusinessId::new(t.id), account.id)
        .await
        .unwrap()
        .unwrap()
        .id
        .get()
}

/// Pages speak French or English (the business's locale, switchable), and an unknown business
/// or a broken query is a 4xx page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_speak_both_languages_and_refuse_nonsense() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    let fr = v.open(&format!("/b/{}", t.id)).await;
    assert!(fr.shows("Prendre rendez-vous") && fr.html.contains("lang=\"fr\""));
    let en = v.open(&format!("/b/{}?lang=en", t.id)).await;
    assert!(en.shows("Book an appointment") && en.html.contains("<html lang=\"en\""));
    let still = v.open(&week_path(&t, &c)).await;
    assert!(still.shows("Choose a time"), "the choice is remembered");
    assert!(still.headers["referrer-policy"] == "no-referrer");
    assert_eq!(v.get("/b/999999").await.status, 404);
    assert_eq!(v.get("/b/abc/panel").await.status, 404);
    // The terms the sign-up asks to accept are the business's own, linked.
    let signup = v.open(&format!("/b/{}/signup", t.id)).await;
    assert!(!signup.html.contains("id=\"terms-link\""), "no terms set, no dead link");
    let bad = server
        .call(
            reqwest::Method::PATCH,
            &t.path("/settings"),
            Some(&t.admin),
            Some(json!({"terms_url": "javascript:alert(1)"})),
            &[],
        )
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    settings(&server, &t, json!({"terms_url": "https://mairie.example/cgu"})).await;
    let signup = v.open(&format!("/b/{}/signup", t.id)).await;
    assert!(
        signup.html.contains("id=\"terms-link\" href=\"https://mairie.example/cgu\""),
        "{}",
        signup.html
    );
    assert_eq!(v.get(&format!("/b/{}/book?agenda=x", t.id)).await.status, 400);
    assert_eq!(
        v.get(&format!("/b/{}/book?agenda=999&service={}", t.id, c.service)).await.status,
        404
    );
    server.stop().await;
}

/// §E: a person's language follows them. An English visitor of a French business books on
/// the public page; the confirmation email is English (dates too), its cancel link opens the
/// cancel page in English, and the cancellation email is English as well. A French visitor's
/// email stays French; the API books in the language it is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_english_booking_gets_english_emails() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    let week = v.open(&format!("{}&lang=en", week_path(&t, &c))).await;
    assert!(week.shows("Choose a time"), "{}", week.html);
    let details = hold(&mut v, &t, &c, &week.slots()[0]).await;
    assert!(details.shows("Your details"), "{}", details.html);
    let done = v
        .submit(
            &format!("/b/{}/book/confirm", t.id),
            &[("first_name", "Amy"), ("last_name", "Brown"), ("email", "amy@example.org")],
        )
        .await;
    assert!(done.shows("Appointment booked"), "{}", done.html);
    let mail = wait_for_mail(&server.mail_dir, "amy@example.org", "Passeport").await;
    assert!(
        mail.subject.starts_with("Your appointment on") && mail.body.contains("Hello Amy"),
        "{} / {}",
        mail.subject,
        mail.body
    );
    assert!(!mail.body.contains("Bonjour") && !mail.body.contains("décembre"), "{}", mail.body);
    let cancel = mail.link("/cancel?token=").expect("a cancel link");
    assert!(cancel.ends_with("&lang=en"), "{cancel}");
    let mut later = Visitor::new(&server.base);
    let page = later.open(&cancel).await;
    assert!(
        page.html.contains("<html lang=\"en\""),
        "the link's page speaks English: {}",
        page.html
    );
    let token = cancel.split("token=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let canceled = later.post(&format!("/b/{}/cancel", t.id), &[("token", &token)]).await;
    assert_eq!(canceled.status, 200, "{}", canceled.html);
    let bye = wait_for_mail(&server.mail_dir, "amy@example.org", "canceled").await;
    assert!(bye.body.contains("Hello Amy"), "{}", bye.body);
    // A French visitor's stays French; the API takes a language, and refuses another.
    book(&mut Visitor::new(&server.base), &t, &c, 1, ("Zoé", "Martin", "zoe@example.org")).await;
    let fr = wait_for_mail(&server.mail_dir, "zoe@example.org", "Passeport").await;
    assert!(fr.body.contains("Bonjour Zoé"), "{}", fr.body);
    let monday = common::next_monday();
    let api = server
        .post(
            &t.path("/bookings"),
            None,
            json!({"agenda_id": c.agenda, "service_id": c.service, "start": common::paris(monday, 9, 0),
                   "locale": "en", "contact": {"first_name": "Bob", "email": "bob@example.org"}}),
        )
        .await;
    assert_eq!((api.status, &api.body["locale"]), (201, &json!("en")), "{:?}", api.body);
    let en = wait_for_mail(&server.mail_dir, "bob@example.org", "Passeport").await;
    assert!(en.body.contains("Hello Bob"), "{}", en.body);
    let refused = server
        .post(
            &t.path("/bookings"),
            None,
            json!({"agenda_id": c.agenda, "service_id": c.service, "start": common::paris(monday, 10, 0),
                   "locale": "de", "contact": {"first_name": "Udo"}}),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (422, "invalid_value"), "{:?}", refused.body);
    server.stop().await;
}

/// A week of slots is one form, not one per slot, and the accessibility statement is linked
/// from its footer; pages, JSON and calendar feeds go gzip-compressed to the clients that ask
/// (and plain to the others).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_week_is_one_form_and_answers_are_compressed() {
    use std::io::Read as _;
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let url = format!("{}{}", server.base, week_path(&t, &c));
    let http = reqwest::Client::new();
    let plain = http.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none(), "plain unless asked");
    let html = plain.text().await.unwrap();
    let slots = html.matches("class=\"slot\"").count();
    assert!(slots > 100, "a week of half-hour slots: {slots}");
    assert_eq!(html.matches("<form method=\"post\"").count(), 1, "one form for the week");
    assert!(
        html.contains(&format!("href=\"/b/{}/accessibility\"", t.id)),
        "the statement is linked"
    );
    let zipped = http.get(&url).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.unwrap();
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut unzipped).unwrap();
    assert_eq!(unzipped.matches("class=\"slot\"").count(), slots, "the same page");
    assert!(bytes.len() * 5 < unzipped.len(), "{} bytes for {}", bytes.len(), unzipped.len());
    eprintln!("week page: {} bytes, {} gzipped, {slots} slots", unzipped.len(), bytes.len());
    let api = format!(
        "{}{}?agenda_id={}&service_id={}&from={}&to={}",
        server.base,
        t.path("/availability"),
        c.agenda,
        c.service,
        common::next_monday(),
        common::next_monday().tomorrow().unwrap()
    );
    let json = http.get(&api).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(json.status(), 200);
    assert_eq!(json.headers()["content-encoding"], "gzip", "JSON too");
    server.stop().await;
}

/// The black-box journey through a real SMTP server process: book on the public page
/// → the email arrives with the right values → its panel link (a magic link: this business
/// does not require passwords) → the button → the panel shows the booking; a password reset
/// and a verification go the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn emails_reach_a_real_smtp_server_and_their_links_work() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    let Some(smtp) = booking_testkit::smtp::smtp_server(&maildir) else { return };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let server = Server::sqlite_with(|c| c.mail_url = url).await;
    let t = server.tenant("Mairie de Paimpol").await;
    let c = setup(&server, &t).await;
    settings(&server, &t, json!({"require_password": false})).await;
    let mut v = Visitor::new(&server.base);
    let id = book(&mut v, &t, &c, 0, ("Zoé", "Martin", "zoe@example.org")).await;
    let mail = wait_for_mail(&maildir, "zoe@example.org", "/magic?token=").await;
    assert!(
        mail.raw.contains("Mairie de Paimpol") && mail.body.contains("Bonjour Zoé"),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("« Passeport »"), "{}", mail.body);
    assert!(mail.raw.contains("invitation.ics"));
    let magic = mail.link("/magic?token=").unwrap();
    let button = v.open(&magic).await;
    assert!(button.shows("Ouvrir mon espace"));
    v.post(&format!("/b/{}/magic", t.id), &[("token", &token_of(&magic))]).await;
    let panel = v.open(&format!("/b/{}/panel", t.id)).await;
    assert!(panel.html.contains(&format!("data-booking=\"{id}\"")), "{}", panel.html);
    // Account emails take the same road.
    settings(&server, &t, json!({"require_password": true})).await;
    let mut w = Visitor::new(&server.base);
    sign_up(&mut w, &t, "al@example.org", "correct horse battery").await;
    wait_for_mail(&maildir, "al@example.org", "/verify?token=").await;
    drop(smtp);
    server.stop().await;
}

/// "Choose a staff member" on the booking page, when the business allows it (default on).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_choose_the_staff_member_when_allowed() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let key = Some(t.admin.as_str());
    let bo = server
        .post(
            &t.path("/resources"),
            key,
            json!({"kind": "staff", "name": "Bo", "hours": common::always_open()}),
        )
        .await;
    let bo = bo.body["id"].as_i64().unwrap();
    let r = server.call(reqwest::Method::PUT, &t.path(&format!("/agendas/{}", c.agenda)), key, Some(json!({"name": "Accueil", "slug": "accueil", "resources": [c.desk, c.staff, bo], "services": [c.service]})), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mut v = Visitor::new(&server.base);
    let week = v.open(&week_path(&t, &c)).await;
    assert!(week.shows("Indifférent") && week.shows(&format!("&resource={bo}\"")), "{}", week.html);
    // Bo's own week: holding a slot books Bo.
    let bo_week = v.open(&format!("{}&resource={bo}", week_path(&t, &c))).await;
    assert!(bo_week.html.contains(&format!("name=\"resource\" value=\"{bo}\"")));
    let start = bo_week.slots()[0].clone();
    let held = v
        .post(
            &format!("/b/{}/book/hold", t.id),
            &[
                ("agenda", &c.agenda.to_string()),
                ("service", &c.service.to_string()),
                ("resource", &bo.to_string()),
                ("start", &start),
            ],
        )
        .await;
    assert_eq!(held.status, 303);
    v.open(&format!("/b/{}/book/details", t.id)).await;
    let done = v
        .post(
            &format!("/b/{}/book/confirm", t.id),
            &[("first_name", "A"), ("last_name", "B"), ("email", "ab@example.org")],
        )
        .await;
    let id = done
        .location
        .unwrap()
        .split("booking=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let booking = server.get(&t.path(&format!("/bookings/{id}")), key).await;
    assert_eq!(booking.body["resource_id"].as_i64(), Some(bo), "{:?}", booking.body);
    // Off: no choice, and a resource in the URL is ignored.
    settings(&server, &t, json!({"customers_choose_staff": false})).await;
    let week = v.open(&format!("{}&resource={bo}", week_path(&t, &c))).await;
    assert!(
        !week.shows("Indifférent") && !week.html.contains("name=\"resource\""),
        "{}",
        week.html
    );
    server.stop().await;
}

/// §D5: "Delete my account" removes the identity; the business keeps its record and bookings.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_the_account_keeps_the_business_record() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "ana@example.org").await;
    let id = book(&mut v, &t, &c, 0, ("Ana", "Lima", "ana@example.org")).await;
    let profile = v.open(&format!("/b/{}/panel/profile", t.id)).await;
    assert!(profile.html.contains("id=\"delete-account\""));
    v.open(&format!("/b/{}/panel/account/delete", t.id)).await;
    let done = v.post(&format!("/b/{}/panel/account/delete", t.id), &[]).await;
    assert!(done.shows("Votre compte est supprimé"), "{}", done.html);
    assert_eq!(v.get(&format!("/b/{}/panel", t.id)).await.status, 303);
    assert_eq!(log_in(&mut v, &t, "ana@example.org", "correct horse battery").await.status, 401);
    let booking = server.get(&t.path(&format!("/bookings/{id}")), Some(&t.admin)).await;
    assert_eq!(booking.body["status"], "approved");
    assert_eq!(booking.body["contact"]["first_name"], "Ana", "the business keeps what it had");
    server.stop().await;
}

/// Log-in attempts are limited per address and per client; behind a trusted proxy, the client
/// is the address the proxy appended to `X-Forwarded-For`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_in_attempts_are_limited() {
    let server = Server::sqlite_with(|c| c.trusted_proxy = true).await;
    let t = server.tenant("Mairie").await;
    setup(&server, &t).await;
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "ana@example.org").await;
    let mut w = Visitor::new(&server.base);
    w.open(&format!("/b/{}/login", t.id)).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let r = w
            .post(
                &format!("/b/{}/login", t.id),
                &[("email", "ana@example.org"), ("password", "guess guess guess")],
            )
            .await;
        statuses.push(r.status);
    }
    assert_eq!(statuses[..9], [401; 9]);
    assert_eq!(statuses[10], 429, "{statuses:?}");
    // Even the right password waits now: the limit is on the address, not on failures.
    let r = w
        .post(
            &format!("/b/{}/login", t.id),
            &[("email", "ana@example.org"), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.shows("Trop de tentatives"));
    // Per client: sixty attempts from one forwarded address, whatever the addresses tried.
    let http = common::client();
    let mut last = 0;
    for n in 0..61 {
        let r = http
            .post(format!("{}/b/{}/login", server.base, t.id))
            .header("x-forwarded-for", "203.0.113.7")
            .header("cookie", format!("bk_form={}", w.cookies["bk_form"]))
            .form(&[
                ("csrf", w.csrf.clone().unwrap()),
                ("email", format!("n{n}@example.org")),
                ("password", "guess guess guess".into()),
            ])
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
    }
    assert_eq!(last, 429);
    let other = http
        .post(format!("{}/b/{}/login", server.base, t.id))
        .header("x-forwarded-for", "203.0.113.8")
        .header("cookie", format!("bk_form={}", w.cookies["bk_form"]))
        .form(&[
            ("csrf", w.csrf.clone().unwrap()),
            ("email", "x@example.org".to_owned()),
            ("password", "guess guess guess".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 401, "another client is not held back");
    server.stop().await;
}

/// A service's questions are asked on the public page too; a required one must be answered,
/// and the answer is kept with the booking.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_booking_page_asks_the_service_questions() {
    let server = Server::sqlite().await;
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let key = Some(t.admin.as_str());
    let r = server.call(reqwest::Method::PUT, &t.path(&format!("/services/{}", c.service)), key, Some(json!({"name": "Passeport", "slug": "passeport", "duration_minutes": 30, "fields": [{"key": "pre_demande", "label": "Numéro de pré-demande", "required": true}, {"key": "note", "label": "Remarque"}]})), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let bad = server.call(reqwest::Method::PUT, &t.path(&format!("/services/{}", c.service)), key, Some(json!({"name": "Passeport", "slug": "passeport", "duration_minutes": 30, "fields": [{"key": "Not A Key", "label": "x"}]})), &[]).await;
    assert_eq!(bad.status, 422);
    let mut v = Visitor::new(&server.base);
    let week = v.open(&week_path(&t, &c)).await;
    let start = week.slots()[0].clone();
    v.post(
        &format!("/b/{}/book/hold", t.id),
        &[
            ("agenda", &c.agenda.to_string()),
            ("service", &c.service.to_string()),
            ("start", &start),
        ],
    )
    .await;
    let details = v.open(&format!("/b/{}/book/details", t.id)).await;
    assert!(details.shows("Numéro de pré-demande") && details.html.contains("name=\"field.note\""));
    let who = [("first_name", "Zoé"), ("last_name", "Martin"), ("email", "zoe@example.org")];
    let missing = v.post(&format!("/b/{}/book/confirm", t.id), &who).await;
    assert_eq!(missing.status, 422);
    let mut answered = who.to_vec();
    answered.push(("field.pre_demande", "ANTS-77"));
    let done = v.post(&format!("/b/{}/book/confirm", t.id), &answered).await;
    assert_eq!(done.status, 303, "{}", done.html);
    let id = done
        .location
        .unwrap()
        .split("booking=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let booking = server.get(&t.path(&format!("/bookings/{id}")), key).await;
    assert_eq!(booking.body["answers"], json!({"pre_demande": "ANTS-77"}));
    server.stop().await;
}

/// A loyal customer's panel shows every upcoming appointment and their past twenty at a time,
/// latest first, with links to the older and the newer page.
async fn the_panel_pages_a_long_past(server: Server) {
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let admin = Some(t.admin.as_str());
    let lea = server
        .post(
            &t.path("/customers"),
            admin,
            json!({"contact": {"first_name": "Léa", "email": "lea@example.org"}}),
        )
        .await;
    let monday = common::next_monday();
    for day in 0..22 {
        let date = monday.checked_add(jiff::Span::new().days(day)).unwrap();
        let booked = server
            .post(
                &t.path("/bookings"),
                admin,
                json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": common::paris(date, 9, 0), "customer_id": lea.body["id"]}),
            )
            .await;
        assert_eq!(booked.status, 201, "{:?}", booked.body);
    }
    let upcoming = server
        .post(
            &t.path("/bookings"),
            admin,
            json!({"agenda_id": c.agenda, "service_id": c.service, "resource_id": c.desk, "start": common::paris(monday.checked_add(jiff::Span::new().days(70)).unwrap(), 9, 0), "customer_id": lea.body["id"]}),
        )
        .await;
    assert_eq!(upcoming.status, 201, "{:?}", upcoming.body);
    // Two months on, the 22 are past; the customer proves the address and opens the panel.
    server.advance(jiff::SignedDuration::from_hours(24 * 60));
    let mut v = Visitor::new(&server.base);
    account(&server, &mut v, &t, "lea@example.org").await;
    let count = |html: &str, list: &str| {
        let part = html.split(&format!("id=\"{list}\"")).nth(1).unwrap_or_default();
        part.split("</ul>").next().unwrap_or_default().matches("data-booking=").count()
    };
    let first = v.open(&format!("/b/{}/panel", t.id)).await;
    assert_eq!(count(&first.html, "upcoming"), 1, "{}", first.html);
    assert_eq!(count(&first.html, "past"), 20, "a page of the past");
    assert!(
        first.html.contains(&format!("/b/{}/panel?past=20\" id=\"older-past\"", t.id)),
        "{}",
        first.html
    );
    assert!(first.shows("Plus anciens") && !first.html.contains("newer-past"));
    let second = v.open(&format!("/b/{}/panel?past=20", t.id)).await;
    assert_eq!(count(&second.html, "past"), 2, "the oldest two");
    assert_eq!(count(&second.html, "upcoming"), 1, "what is to come, on every page");
    assert!(second.html.contains(&format!("/b/{}/panel?past=0\" id=\"newer-past\"", t.id)));
    assert!(!second.html.contains("older-past"), "nothing older");
    let odd = v.open(&format!("/b/{}/panel?past=many", t.id)).await;
    assert_eq!(
        (odd.status, count(&odd.html, "past")),
        (200, 20),
        "a page it cannot read is the first"
    );
    let far = v.open(&format!("/b/{}/panel?past={}", t.id, usize::MAX)).await;
    assert_eq!((far.status, count(&far.html, "past")), (200, 0), "beyond the last page: none");
    server.stop().await;
}
