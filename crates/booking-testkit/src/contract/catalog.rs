//! Contract cases of the catalogue (businesses, resources, exceptions, services, agendas; set-up scoped by business) and email templates.

use super::*;

/// Set-up data reads back as written, and never across businesses.
pub async fn catalog_round_trips_and_is_scoped_by_business(store: Arc<dyn Store>) {
    let a = fixtures::demo_business(store.as_ref(), 2).await;
    let b = fixtures::demo_business(store.as_ref(), 1).await;
    let b_revision = store.business(b.business).await.unwrap().unwrap().revision;
    let agenda = store.agenda(a.business, a.agenda).await.unwrap().unwrap();
    assert_eq!(agenda.resources, a.desks);
    assert_eq!(agenda.services, vec![a.service]);
    let revision = |store: Arc<dyn Store>, id| async move {
        store.business(id).await.unwrap().map(|b| b.revision).unwrap()
    };
    let before = revision(store.clone(), a.business).await;
    let mut desk = store.resource(a.business, a.desks[0]).await.unwrap().unwrap();
    desk.hours.set_override("2027-01-04".parse().unwrap(), DayHours::Closed);
    store.update_resource(&desk).await.unwrap();
    assert_eq!(store.resource(a.business, a.desks[0]).await.unwrap().unwrap(), desk);
    let after_desk = revision(store.clone(), a.business).await;
    assert!(after_desk > before, "a resource change is a catalog change");
    let mut business = store.business(a.business).await.unwrap().unwrap();
    business.settings.customers_may_reschedule = true;
    business.settings.hold_ttl = SignedDuration::from_mins(3);
    store.update_business(&business).await.unwrap();
    let stored = store.business(a.business).await.unwrap().unwrap();
    assert!(stored.revision > after_desk, "a business change is a catalog change");
    assert_eq!(stored, Business { revision: stored.revision, ..business });
    let mut service = store.service(a.business, a.service).await.unwrap().unwrap();
    service.buffer_after = SignedDuration::from_mins(5);
    store.update_service(&service).await.unwrap();
    assert!(revision(store.clone(), a.business).await > stored.revision, "so is a service's");
    assert_eq!(revision(store.clone(), b.business).await, b_revision, "not another business's");
    assert_eq!(store.resources(a.business).await.unwrap().len(), 2);
    assert!(store.agenda(b.business, a.agenda).await.unwrap().is_none());
    assert!(store.resource(b.business, a.desks[0]).await.unwrap().is_none());
    assert!(store.service(b.business, a.service).await.unwrap().is_none());
    let duplicate = fixtures::agenda(a.business, "etat-civil", vec![], vec![]);
    assert!(store.create_agenda(duplicate).await.is_err(), "agenda slugs are unique per business");
    let other = fixtures::agenda(b.business, "autre", vec![], vec![]);
    assert!(store.create_agenda(other).await.is_ok());
}

/// The engine caches the catalog, yet a change to hours, a service or the agenda is seen by the
/// very next request.
pub async fn catalog_changes_reach_the_next_request(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    assert_eq!(listed(&h, None).await.len(), 16);
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.hours.set_override(
        "2027-01-04".parse().unwrap(),
        DayHours::Open(vec![fixtures::hours("09:00", "12:00")]),
    );
    h.store.update_resource(&desk).await.unwrap();
    assert_eq!(listed(&h, None).await.len(), 6, "new hours");
    let mut service = h.store.service(h.business, h.service).await.unwrap().unwrap();
    service.duration = SignedDuration::from_mins(60);
    service.step = Some(SignedDuration::from_mins(60));
    h.store.update_service(&service).await.unwrap();
    assert_eq!(listed(&h, None).await.len(), 3, "new duration");
    let mut agenda = h.store.agenda(h.business, h.agenda).await.unwrap().unwrap();
    agenda.services.clear();
    h.store.update_agenda(&agenda).await.unwrap();
    let gone = h
        .engine
        .availability(h.business, offer(&h), monday(), None, Actor::guest(), Limits::Apply)
        .await;
    assert_eq!(gone.unwrap_err().code(), "service_not_on_agenda");
}

/// Exceptions always remove availability; external busy times only with `remove_busy_slots`.
pub async fn exceptions_and_external_busy_times_block(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let morning = Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T10:00:00Z")).unwrap();
    h.store
        .add_exception(
            h.business,
            h.desk,
            Exception { id: None, interval: morning, label: "dentist".into() },
        )
        .await
        .unwrap();
    assert_eq!(listed(&h, None).await.first(), Some(&at("2027-01-04T10:00:00Z")));
    let afternoon = Interval::new(at("2027-01-04T13:00:00Z"), at("2027-01-04T16:00:00Z")).unwrap();
    h.store.replace_external_busy(h.business, h.desk, monday(), vec![afternoon]).await.unwrap();
    assert_eq!(
        listed(&h, None).await.len(),
        12,
        "external busy is ignored while the option is off"
    );
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    h.store.update_business(&business).await.unwrap();
    assert_eq!(
        listed(&h, None).await,
        vec![
            at("2027-01-04T10:00:00Z"),
            at("2027-01-04T10:30:00Z"),
            at("2027-01-04T11:00:00Z"),
            at("2027-01-04T11:30:00Z"),
            at("2027-01-04T12:00:00Z"),
            at("2027-01-04T12:30:00Z")
        ]
    );
    assert_eq!(
        book(&h, "2027-01-04T13:00:00Z").await.unwrap_err().code(),
        "slot_taken",
        "booking uses the same rules"
    );
    // Removing the exception gives the morning back; only its owner can remove it.
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let id = h.store.exceptions(h.business, &[h.desk], monday()).await.unwrap()[0].1.id.unwrap();
    assert!(!h.store.remove_exception(other.business, h.desk, id).await.unwrap());
    assert!(h.store.remove_exception(h.business, h.desk, id).await.unwrap());
    assert!(!h.store.remove_exception(h.business, h.desk, id).await.unwrap());
    assert_eq!(listed(&h, None).await.first(), Some(&at("2027-01-04T08:00:00Z")));
}

/// Another business can neither read nor change this business's bookings and holds.
pub async fn another_business_sees_nothing(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let booking = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let code = lock("shared-code");
    hold(&h, at("2027-01-04T10:00:00Z"), &code).await.unwrap();
    assert!(h.store.booking(other.business, booking.id).await.unwrap().is_none());
    assert!(h.store.history(other.business, booking.id).await.unwrap().is_empty());
    let staff = Actor::staff(Role::Admin, None);
    assert_eq!(
        h.engine.cancel(other.business, booking.id, staff, None).await.unwrap_err().code(),
        "booking_not_found"
    );
    assert!(h.store.holds_of(other.business, &code.digest()).await.unwrap().is_empty());
    assert_eq!(h.engine.release(other.business, &code).await.unwrap(), 0);
    let foreign = Offer { agenda: h.agenda, service: h.service, resource: None };
    let err = h
        .engine
        .availability(other.business, foreign, monday(), None, Actor::guest(), Limits::Apply)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_agenda");
    // A customer sees only their own bookings.
    let stranger = Actor::customer(booking_core::ids::CustomerId::new(999));
    assert_eq!(
        h.engine.cancel(h.business, booking.id, stranger, None).await.unwrap_err().code(),
        "booking_not_found"
    );
}

/// Set-up and bookings refuse ids of another business: nothing links two tenants.
pub async fn set_up_refuses_another_business_references(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let zone = fixtures::zone("Europe/Paris");
    let mut draft =
        fixtures::agenda(h.business, "mixed", vec![h.desk, other.desks[0]], vec![h.service]);
    let err = h.engine.create_agenda(h.business, draft.clone()).await.unwrap_err();
    assert_eq!(err.code(), "unknown_resource");
    draft.resources = vec![h.desk];
    draft.services = vec![other.service];
    assert_eq!(
        h.engine.create_agenda(h.business, draft).await.unwrap_err().code(),
        "unknown_service"
    );
    // Updating another business's agenda or service is "not found".
    let mut foreign = h.store.agenda(other.business, other.agenda).await.unwrap().unwrap();
    foreign.name = "stolen".into();
    assert_eq!(h.engine.update_agenda(h.business, foreign).await.unwrap_err().code(), "not_found");
    // A session of another business's event.
    assert!(h.store.events(h.business).await.unwrap().is_empty());
    let (event, _) = fixtures::event_session(
        h.store.as_ref(),
        other.business,
        3,
        Interval::new(at("2027-01-05T09:00:00Z"), at("2027-01-05T10:00:00Z")).unwrap(),
    )
    .await;
    let session = booking_core::catalog::Session {
        id: booking_core::ids::SessionId::new(0),
        business: h.business,
        event,
        interval: Interval::new(at("2027-01-06T09:00:00Z"), at("2027-01-06T10:00:00Z")).unwrap(),
        capacity: 3,
        leader: None,
    };
    assert_eq!(
        h.engine.create_session(h.business, session).await.unwrap_err().code(),
        "unknown_event"
    );
    // An exception on another business's resource.
    let exception = Exception::all_day(
        &zone,
        at(NOW).to_zoned(zone.tz().clone()).date(),
        at(NOW).to_zoned(zone.tz().clone()).date(),
        "off",
    )
    .unwrap();
    let err = h.engine.add_exception(h.business, other.desks[0], exception).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
    // A booking for another business's customer.
    let stranger = h
        .store
        .create_customer(fixtures::customer(other.business, "Bo", "Ng", "bo@example.org"))
        .await
        .unwrap();
    let details = Details { customer: Some(stranger.id), ..Details::default() };
    let err = book_with(&h, "2027-01-04T09:00:00Z", details).await.unwrap_err();
    assert_eq!(err.code(), "customer_not_found");
    assert!(listed(&h, None).await.contains(&at("2027-01-04T09:00:00Z")), "nothing was booked");
}

/// §E3 A business's templates replace the shipped wording per trigger and locale, are checked
/// when saved, and belong to it alone.
pub async fn email_templates_are_per_business_trigger_and_locale(store: Arc<dyn Store>) {
    use booking_core::notify::{EmailTemplate, Trigger};
    use booking_core::settings::Locale;
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let mine = EmailTemplate {
        business: h.business,
        trigger: Trigger::Approved,
        locale: Locale::Fr,
        subject: "RDV %appointment_date%".into(),
        text: "À bientôt %customer_first_name%".into(),
    };
    h.engine.save_email_template(mine.clone()).await.unwrap();
    let again = EmailTemplate { subject: "RDV confirmé".into(), ..mine.clone() };
    h.engine.save_email_template(again.clone()).await.unwrap();
    assert_eq!(h.store.email_templates(h.business).await.unwrap(), vec![again.clone()], "replaced");
    assert_eq!(
        h.store.email_template(h.business, Trigger::Approved, Locale::Fr).await.unwrap(),
        Some(again)
    );
    assert_eq!(
        h.store.email_template(h.business, Trigger::Approved, Locale::En).await.unwrap(),
        None
    );
    assert_eq!(h.store.email_template(other, Trigger::Approved, Locale::Fr).await.unwrap(), None);
    let wrong = EmailTemplate { text: "Bonjour %customer_nickname%".into(), ..mine.clone() };
    let err = h.engine.save_email_template(wrong).await.unwrap_err();
    assert_eq!(err.code(), "invalid_template");
    assert!(err.to_string().contains("%customer_nickname%"), "{err}");
    assert_eq!(
        h.engine
            .reset_email_template(other, Trigger::Approved, Locale::Fr)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    h.engine.reset_email_template(h.business, Trigger::Approved, Locale::Fr).await.unwrap();
    assert!(h.store.email_templates(h.business).await.unwrap().is_empty());
}
