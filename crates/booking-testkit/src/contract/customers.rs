//! Contract cases of customers, their accounts, tokens and erasure.

use super::*;

/// Anonymisation erases the customer and their bookings' personal data, keeps the bookings,
/// is idempotent, and audits without the erased values.
pub async fn anonymisation_erases_and_keeps_bookings(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let customer = h
        .store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let details = Details {
        customer: Some(customer.id),
        contact: customer.contact.clone(),
        answers: vec![("reason".into(), "passport renewal".into())],
        code: None,
        locale: None,
    };
    let booking = book_with(&h, "2027-01-04T09:00:00Z", details).await.unwrap();
    assert_eq!(
        h.store.customer_bookings(h.business, customer.id).await.unwrap(),
        vec![booking.clone()]
    );
    let admin = Actor::staff(Role::Admin, None);
    let erased = h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    assert!(booking_core::anonymise::is_anonymous(&erased));
    assert_eq!(erased.display_name(), format!("Customer #{}", customer.id));
    let kept = h.store.booking(h.business, booking.id).await.unwrap().unwrap();
    assert_eq!(kept.contact, Contact::default());
    assert!(kept.answers.is_empty());
    assert_eq!((kept.status, kept.target), (booking.status, booking.target));
    let again = h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    assert_eq!(again, erased, "idempotent");
    let audit = h.store.audit_entries(h.business).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "customer.anonymised"));
    let text = format!("{audit:?}");
    assert!(!text.contains("Ana") && !text.contains("ana@example.org"));
    let denied = h
        .engine
        .anonymise_customer(h.business, customer.id, Actor::customer(customer.id))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), "profile_deletion_not_allowed", "off by default");
}

/// One account per email address; verification is recorded once.
pub async fn accounts_are_unique_per_email(store: Arc<dyn Store>) {
    let email = Email::parse("ana@example.org").unwrap();
    let account = store.create_account(email.clone()).await.unwrap();
    assert_eq!(account.verified_at, None);
    assert!(store.create_account(email.clone()).await.is_err());
    assert_eq!(store.account_by_email(&email).await.unwrap(), Some(account.clone()));
    assert_eq!(store.account(account.id).await.unwrap(), Some(account.clone()));
    assert!(store.verify_account(account.id, at(NOW)).await.unwrap());
    assert!(store.verify_account(account.id, at("2027-02-01T00:00:00Z")).await.unwrap());
    let verified = store.account(account.id).await.unwrap().unwrap();
    assert_eq!(verified.verified_at, Some(at(NOW)), "the first proof is kept");
    let other = Email::parse("bo@example.org").unwrap();
    assert_eq!(store.account_by_email(&other).await.unwrap(), None);
}

/// For the adapters' database scans (§A7): stores a customer with distinctive personal values —
/// contact, notes, custom fields, a booking with answers, a rescheduled one, a cancellation
/// reason — anonymises them, then asks `find` (every `table.column` of the database whose text
/// contains a value) for each of them: none may be found. A control value (the agenda's slug)
/// must be found in `agendas.slug`, so a scan that sees nothing fails.
pub async fn assert_anonymisation_leaves_nothing(
    store: Arc<dyn Store>,
    find: impl AsyncFn(&str) -> Vec<String>,
) {
    let values = anonymised_customer_values(store).await;
    let control = find("etat-civil").await;
    assert!(control.contains(&"agendas.slug".to_owned()), "the scan sees stored text: {control:?}");
    for value in &values {
        assert_eq!(find(value).await, Vec::<String>::new(), "{value:?} was left");
    }
}

async fn anonymised_customer_values(store: Arc<dyn Store>) -> Vec<String> {
    let h = Harness::demo_in(store, NOW).await;
    let values: Vec<String> = [
        "Zéphyrine",
        "Quillfeather",
        "zephyrine.q@example.org",
        "+33 6 12 34 56 78",
        "allergic to latex",
        "badge-4471-secret",
        "renewal for Zéphyrine junior",
        "Zéphyrine is ill",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut draft = fixtures::customer(h.business, &values[0], &values[1], &values[2]);
    draft.contact.phone = Some(values[3].clone());
    draft.notes = values[4].clone();
    draft.fields = vec![("badge".into(), values[5].clone())];
    let customer = h.store.create_customer(draft).await.unwrap();
    let details = Details {
        customer: Some(customer.id),
        contact: customer.contact.clone(),
        answers: vec![("reason".into(), values[6].clone())],
        code: None,
        locale: None,
    };
    let first = book_with(&h, "2027-01-04T09:00:00Z", details.clone()).await.unwrap();
    let agent = Actor::staff(Role::Agent, None);
    let moved = h
        .engine
        .reschedule(
            h.business,
            first.id,
            at("2027-01-04T14:00:00Z"),
            None,
            None,
            agent,
            Limits::Apply,
        )
        .await
        .unwrap();
    h.engine.cancel(h.business, moved.id, agent, Some(values[7].clone())).await.unwrap();
    book_with(&h, "2027-01-05T09:00:00Z", details).await.unwrap();
    let admin = Actor::staff(Role::Admin, None);
    h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    for booking in h.store.customer_bookings(h.business, customer.id).await.unwrap() {
        let history = h.store.history(h.business, booking.id).await.unwrap();
        assert!(history.iter().all(|e| e.reason.is_none()), "reasons are erased: {history:?}");
        assert!(!history.is_empty(), "the history itself is kept");
    }
    values
}

pub(super) fn accounts_of(h: &Harness) -> booking_core::services::accounts::Accounts {
    booking_core::services::accounts::Accounts::new(
        h.store.clone(),
        h.clock.clone(),
        Arc::new(crate::SeqTokens::new(99)),
        Arc::new(crate::FakeHasher),
    )
}

fn secret(text: &str) -> booking_core::ports::tokens::Secret {
    booking_core::ports::tokens::Secret::new(text.to_owned())
}

fn sign_up_form(email: &str) -> booking_core::accounts::SignUp {
    booking_core::accounts::SignUp {
        email: email.to_owned(),
        password: secret("correct horse battery"),
        first_name: "Ana".into(),
        last_name: "Lima".into(),
        phone: None,
        accepted_terms: true,
    }
}

async fn set_settings(
    store: &dyn Store,
    business: BusinessId,
    f: impl FnOnce(&mut booking_core::settings::Settings),
) {
    let mut b = store.business(business).await.unwrap().unwrap();
    f(&mut b.settings);
    store.update_business(&b).await.unwrap();
}

/// §D1: sign-up, verification, log-in, sessions scoped to one business, log-out.
pub async fn accounts_sign_up_verify_and_log_in(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let err = |e: booking_core::accounts::AccountError| e.code();
    let no_terms =
        booking_core::accounts::SignUp { accepted_terms: false, ..sign_up_form("ana@example.org") };
    assert_eq!(
        a.sign_up(h.business, no_terms).await.map(|_| ()).map_err(err),
        Err("terms_not_accepted")
    );
    let weak = booking_core::accounts::SignUp {
        password: secret("short"),
        ..sign_up_form("ana@example.org")
    };
    assert_eq!(a.sign_up(h.business, weak).await.map(|_| ()).map_err(err), Err("weak_password"));
    let SignedUp::Created { account, token } =
        a.sign_up(h.business, sign_up_form("Ana@Example.org")).await.unwrap()
    else {
        panic!("a new email makes an account")
    };
    assert!(matches!(
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap(),
        SignedUp::AlreadyExists { .. }
    ));
    let password = secret("correct horse battery");
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &password).await.map(|_| ()).map_err(err),
        Err("email_not_verified")
    );
    let (verified, _) = a.verify_email(&token).await.unwrap();
    assert_eq!(verified.id, account.id);
    assert!(verified.verified_at.is_some());
    assert_eq!(
        a.verify_email(&token).await.map(|_| ()).map_err(err),
        Err("invalid_token"),
        "single use"
    );
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &secret("wrong password!"))
            .await
            .map(|_| ())
            .map_err(err),
        Err("invalid_credentials")
    );
    assert_eq!(
        a.log_in(h.business, "bo@example.org", &password).await.map(|_| ()).map_err(err),
        Err("invalid_credentials")
    );
    let here = a.log_in(h.business, "ana@example.org", &password).await.unwrap();
    let record = h.store.customer(h.business, here.session.customer).await.unwrap().unwrap();
    assert_eq!(record.account, Some(account.id));
    assert_eq!(record.contact.first_name, "Ana");
    assert_eq!(a.session(h.business, here.token.expose()).await.unwrap(), Some(here.session));
    assert_eq!(
        a.session(other, here.token.expose()).await.unwrap(),
        None,
        "a session opens one business"
    );
    // The same account through another business: its own record there.
    let there = a.log_in(other, "ana@example.org", &password).await.unwrap();
    assert_ne!(there.session.customer, here.session.customer);
    assert_eq!(h.store.customer(h.business, there.session.customer).await.unwrap(), None);
    a.log_out(here.token.expose()).await.unwrap();
    assert_eq!(a.session(h.business, here.token.expose()).await.unwrap(), None);
    assert!(a.session(other, there.token.expose()).await.unwrap().is_some());
    h.clock.advance(booking_core::accounts::SESSION_TTL);
    assert_eq!(a.session(other, there.token.expose()).await.unwrap(), None, "sessions expire");
}

/// §D1: reset links are single-use and expire; a reset closes the account's sessions.
pub async fn account_tokens_are_single_use_and_expire(store: Arc<dyn Store>) {
    use booking_core::accounts::{ResetRequested, SignedUp};
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    let SignedUp::Created { token, .. } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    a.verify_email(&token).await.unwrap();
    let session =
        a.log_in(h.business, "ana@example.org", &secret("correct horse battery")).await.unwrap();
    assert!(matches!(
        a.request_reset("nobody@example.org").await.unwrap(),
        ResetRequested::Unknown
    ));
    let ResetRequested::Mail { token: old, .. } = a.request_reset("ana@example.org").await.unwrap()
    else {
        panic!()
    };
    h.clock.advance(booking_core::accounts::RESET_TTL);
    assert!(!a.reset_is_live(&old).await.unwrap());
    assert_eq!(
        a.reset_password(&old, &secret("a new long password")).await.unwrap_err().code(),
        "invalid_token",
        "expired"
    );
    let ResetRequested::Mail { token, .. } = a.request_reset("ana@example.org").await.unwrap()
    else {
        panic!()
    };
    assert!(a.reset_is_live(&token).await.unwrap());
    assert_eq!(
        a.reset_password(&token, &secret("short")).await.unwrap_err().code(),
        "weak_password"
    );
    assert!(a.reset_is_live(&token).await.unwrap(), "a refused password does not spend the link");
    a.reset_password(&token, &secret("a new long password")).await.unwrap();
    assert_eq!(
        a.reset_password(&token, &secret("another password")).await.unwrap_err().code(),
        "invalid_token",
        "reused"
    );
    assert_eq!(
        a.session(h.business, session.token.expose()).await.unwrap(),
        None,
        "a reset closes sessions"
    );
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &secret("correct horse battery"))
            .await
            .unwrap_err()
            .code(),
        "invalid_credentials"
    );
    a.log_in(h.business, "ana@example.org", &secret("a new long password")).await.unwrap();
}

/// §D2: magic links exist only when the business does not require a password; they are
/// single-use, scoped to one business, expire, and can be revoked.
pub async fn magic_links_follow_the_business_setting(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let guest = h
        .store
        .create_customer(booking_core::catalog::Customer {
            id: booking_core::ids::CustomerId::new(0),
            business: h.business,
            account: None,
            contact: Contact {
                first_name: "Bo".into(),
                email: Some(Email::parse("bo@example.org").unwrap()),
                ..Contact::default()
            },
            notes: String::new(),
            fields: vec![],
            anonymised_at: None,
        })
        .await
        .unwrap();
    assert_eq!(
        a.magic_link(h.business, guest.id).await.unwrap_err().code(),
        "not_offered",
        "passwords by default"
    );
    set_settings(h.store.as_ref(), h.business, |s| s.require_password = false).await;
    set_settings(h.store.as_ref(), other, |s| s.require_password = false).await;
    let link = a.magic_link(h.business, guest.id).await.unwrap();
    assert!(link.expose().len() >= 32, "at least 128 bits");
    assert!(a.magic_link_is_live(h.business, &link).await.unwrap());
    assert!(!a.magic_link_is_live(other, &link).await.unwrap());
    assert_eq!(a.redeem_magic_link(other, &link).await.unwrap_err().code(), "invalid_token");
    let opened = a.redeem_magic_link(h.business, &link).await.unwrap();
    assert_eq!(opened.session.customer, guest.id);
    assert_eq!(
        a.redeem_magic_link(h.business, &link).await.unwrap_err().code(),
        "invalid_token",
        "reused"
    );
    let revoked = a.magic_link(h.business, guest.id).await.unwrap();
    assert_eq!(a.revoke_magic_links(h.business, guest.id).await.unwrap(), 1);
    assert_eq!(
        a.redeem_magic_link(h.business, &revoked).await.unwrap_err().code(),
        "invalid_token"
    );
    let late = a.magic_link(h.business, guest.id).await.unwrap();
    h.clock.advance(booking_core::settings::Settings::default().magic_link_lifetime);
    assert_eq!(
        a.redeem_magic_link(h.business, &late).await.unwrap_err().code(),
        "invalid_token",
        "expired"
    );
    let (found, _) = a.request_magic_link(h.business, "BO@example.org").await.unwrap().unwrap();
    assert_eq!(found.id, guest.id);
    assert!(a.request_magic_link(other, "bo@example.org").await.unwrap().is_none());
    set_settings(h.store.as_ref(), h.business, |s| s.require_password = true).await;
    assert_eq!(a.redeem_magic_link(h.business, &link).await.unwrap_err().code(), "not_offered");
}

/// §D4: guest records with the proven email join the account, in every business on
/// verification, in the business logged into on log-in; anonymised ones never.
pub async fn proving_an_email_attaches_guest_records(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let email = Email::parse("ana@example.org").unwrap();
    let guest = |business| booking_core::catalog::Customer {
        id: booking_core::ids::CustomerId::new(0),
        business,
        account: None,
        contact: Contact { email: Some(email.clone()), ..Contact::default() },
        notes: String::new(),
        fields: vec![],
        anonymised_at: None,
    };
    let here = h.store.create_customer(guest(h.business)).await.unwrap();
    let there = h.store.create_customer(guest(other)).await.unwrap();
    let gone = h.store.create_customer(guest(h.business)).await.unwrap();
    h.engine.anonymise_customer(h.business, gone.id, Actor::system()).await.unwrap();
    assert_eq!(
        h.store.guest_by_email(h.business, &email).await.unwrap().map(|c| c.id),
        Some(here.id)
    );
    let SignedUp::Created { account, token } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(
        h.store.customer(h.business, here.id).await.unwrap().unwrap().account,
        None,
        "not before proof"
    );
    a.verify_email(&token).await.unwrap();
    assert_eq!(
        h.store.customer(h.business, here.id).await.unwrap().unwrap().account,
        Some(account.id)
    );
    assert_eq!(h.store.customer(other, there.id).await.unwrap().unwrap().account, Some(account.id));
    assert_eq!(h.store.customer(h.business, gone.id).await.unwrap().unwrap().account, None);
    // A guest booking made after verification joins on the next log-in.
    let later = h.store.create_customer(guest(other)).await.unwrap();
    a.log_in(other, "ana@example.org", &secret("correct horse battery")).await.unwrap();
    assert_eq!(h.store.customer(other, later.id).await.unwrap().unwrap().account, Some(account.id));
    assert_eq!(h.store.guest_by_email(other, &email).await.unwrap(), None);
}

/// Of many concurrent uses of one single-use token, exactly one succeeds.
pub async fn concurrent_takes_of_one_token_one_wins(store: Arc<dyn Store>) {
    use booking_core::accounts::ResetRequested;
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap();
    let ResetRequested::Mail { token, .. } = a.request_reset("ana@example.org").await.unwrap()
    else {
        panic!()
    };
    let password = secret("a new long password");
    let tries = (0..8).map(|_| a.reset_password(&token, &password));
    let wins = join_all(tries).await.into_iter().filter(Result::is_ok).count();
    assert_eq!(wins, 1);
}

/// §A7: anonymising a customer ends its sessions and kills its magic and cancel links.
pub async fn anonymisation_ends_sessions_and_links(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    let SignedUp::Created { token, .. } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    a.verify_email(&token).await.unwrap();
    let session =
        a.log_in(h.business, "ana@example.org", &secret("correct horse battery")).await.unwrap();
    let customer = session.session.customer;
    set_settings(h.store.as_ref(), h.business, |s| s.require_password = false).await;
    let magic = a.magic_link(h.business, customer).await.unwrap();
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let booking = h
        .engine
        .book(
            h.business,
            offer,
            at("2027-01-04T09:00:00Z"),
            None,
            Details { customer: Some(customer), ..Details::default() },
            Actor::system(),
            Limits::Apply,
        )
        .await
        .unwrap();
    let cancel = a
        .cancel_link(h.business, Some(customer), booking.id, at("2027-01-04T09:00:00Z"))
        .await
        .unwrap();
    assert_eq!(a.cancel_link_booking(h.business, cancel.expose()).await.unwrap(), Some(booking.id));
    h.engine.anonymise_customer(h.business, customer, Actor::system()).await.unwrap();
    assert_eq!(a.session(h.business, session.token.expose()).await.unwrap(), None);
    assert!(!a.magic_link_is_live(h.business, &magic).await.unwrap());
    assert_eq!(a.cancel_link_booking(h.business, cancel.expose()).await.unwrap(), None);
    assert!(
        h.store
            .customer_of_account(h.business, session.session.account.unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

/// §D5: deleting the account removes the identity (no more log-in, sessions closed) and keeps
/// each business's record, unlinked; the address may sign up again.
pub async fn deleting_an_account_keeps_the_business_records(store: Arc<dyn Store>) {
    use booking_core::accounts::SignedUp;
    let h = Harness::demo_in(store, NOW).await;
    let a = accounts_of(&h);
    let SignedUp::Created { token, account } =
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap()
    else {
        panic!()
    };
    a.verify_email(&token).await.unwrap();
    let password = secret("correct horse battery");
    let opened = a.log_in(h.business, "ana@example.org", &password).await.unwrap();
    assert!(a.delete_account(&opened.session).await.unwrap());
    assert_eq!(a.session(h.business, opened.token.expose()).await.unwrap(), None);
    assert_eq!(
        a.log_in(h.business, "ana@example.org", &password).await.unwrap_err().code(),
        "invalid_credentials"
    );
    assert_eq!(h.store.account(account.id).await.unwrap(), None);
    let record = h.store.customer(h.business, opened.session.customer).await.unwrap().unwrap();
    assert_eq!(record.account, None);
    assert_eq!(record.contact.first_name, "Ana", "the business keeps its record");
    let audit = h.store.audit_entries(h.business).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account.deleted" && !e.subject.contains('@')));
    assert!(matches!(
        a.sign_up(h.business, sign_up_form("ana@example.org")).await.unwrap(),
        SignedUp::Created { .. }
    ));
}

/// A customer's panel pages their bookings: every one still to come by start (appointments and
/// seats alike, canceled ones too), the past latest first a page at a time, and nobody
/// else's.
pub async fn a_customer_s_timeline_pages_the_past(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let ana = h
        .store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let details = Details {
        customer: Some(ana.id),
        contact: ana.contact.clone(),
        answers: Vec::new(),
        code: None,
        locale: None,
    };
    let mut appointments = Vec::new();
    for day in ["04", "05", "06", "07", "08"] {
        let start = format!("2027-01-{day}T09:00:00Z");
        let booked = book_with(&h, &start, details.clone()).await.unwrap();
        appointments.push(booked);
    }
    book(&h, "2027-01-05T10:00:00Z").await.unwrap(); // a guest's, not Ana's
    let evening = Interval::new(at("2027-01-06T18:00:00Z"), at("2027-01-06T19:00:00Z")).unwrap();
    let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, 5, evening).await;
    let seat = h
        .engine
        .book_seats(h.business, session, 1, None, details.clone(), Actor::guest())
        .await
        .unwrap();
    let ids =
        |bookings: &[booking_core::Booking]| bookings.iter().map(|b| b.id).collect::<Vec<_>>();
    // Wednesday noon: Monday's, Tuesday's and that morning's are past; the evening's seat and
    // the rest to come.
    let noon = at("2027-01-06T12:00:00Z");
    let page = h.store.customer_timeline(h.business, ana.id, noon, 0, 10).await.unwrap();
    assert_eq!(ids(&page.upcoming), [seat.id, appointments[3].id, appointments[4].id], "by start");
    assert_eq!(
        ids(&page.past),
        [appointments[2].id, appointments[1].id, appointments[0].id],
        "latest first"
    );
    assert!(!page.more_past);
    // Saturday: everything is past; pages of two, then the rest.
    let saturday = at("2027-01-09T12:00:00Z");
    let first = h.store.customer_timeline(h.business, ana.id, saturday, 0, 2).await.unwrap();
    assert!(first.upcoming.is_empty());
    assert_eq!(ids(&first.past), [appointments[4].id, appointments[3].id]);
    assert!(first.more_past);
    let second = h.store.customer_timeline(h.business, ana.id, saturday, 2, 2).await.unwrap();
    assert_eq!(ids(&second.past), [seat.id, appointments[2].id], "the seat by its session");
    assert!(second.more_past);
    let last = h.store.customer_timeline(h.business, ana.id, saturday, 4, 2).await.unwrap();
    assert_eq!(ids(&last.past), [appointments[1].id, appointments[0].id]);
    assert!(!last.more_past, "nothing older");
    let beyond = h.store.customer_timeline(h.business, ana.id, saturday, 40, 2).await.unwrap();
    assert!(beyond.past.is_empty() && !beyond.more_past);
    // A canceled booking still to come stays among the upcoming ones, with its status.
    h.engine
        .cancel(h.business, appointments[4].id, Actor::staff(Role::Admin, None), None)
        .await
        .unwrap();
    let page = h.store.customer_timeline(h.business, ana.id, noon, 0, 10).await.unwrap();
    assert_eq!(page.upcoming.len(), 3);
    assert_eq!(page.upcoming[2].status, booking_core::BookingStatus::Canceled);
}
