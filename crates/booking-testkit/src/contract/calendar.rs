//! Contract cases of calendar sync records.

use super::*;

/// The demo desk made an employee with an address, and a calendar sync over a fake provider
/// whose integration is configured (Google, or the given provider).
async fn calendar_harness(
    store: Arc<dyn Store>,
    provider: booking_core::calendar::Provider,
) -> (
    Harness,
    Arc<crate::FakeCalendarApi>,
    booking_core::services::calendar::CalendarSync,
    Arc<crate::RecordingMailer>,
) {
    use booking_core::calendar::OAuthApp;
    use booking_core::services::calendar::CalendarSync;
    let h = Harness::demo_in(store, NOW).await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = booking_core::catalog::ResourceKind::Staff;
    desk.email = Some(Email::parse("ann@example.com").unwrap());
    h.store.update_resource(&desk).await.unwrap();
    let api = Arc::new(crate::FakeCalendarApi::new(provider));
    let mailer = Arc::new(crate::RecordingMailer::default());
    let sync = CalendarSync::new(
        h.store.clone(),
        vec![api.clone()],
        Arc::new(crate::FakeSealer),
        h.clock.clone(),
    )
    .with_mailer(mailer.clone());
    let app = OAuthApp {
        provider,
        client_id: "client-1".into(),
        client_secret: "s3cret".into(),
        redirect_uri: "https://book.example/cb".into(),
    };
    sync.configure(h.business, &app).await.unwrap();
    (h, api, sync, mailer)
}

async fn run_calendar_jobs(
    h: &Harness,
    sync: &booking_core::services::calendar::CalendarSync,
) -> usize {
    let policy = RetryPolicy::default();
    let pass = drain(h.store.as_ref(), h.clock.as_ref(), sync, &policy, 8).await.unwrap();
    pass.done
}

/// Integrations, connections and pushed-event records read back as written, per business;
/// disconnecting forgets the records of that calendar.
pub async fn calendar_records_round_trip(store: Arc<dyn Store>) {
    use booking_core::calendar::{
        Connection, ConnectionState, Integration, Provider, PushedRecord,
    };
    let h = Harness::demo_in(store.clone(), NOW).await;
    let other = fixtures::demo_business(store.as_ref(), 1).await;
    let integration = Integration {
        business: h.business,
        provider: OUTLOOK,
        client_id: "app".into(),
        sealed_secret: "sealed:x".into(),
        redirect_uri: "https://e.example/cb".into(),
    };
    store.put_integration(&integration).await.unwrap();
    let replaced = Integration { client_id: "app-2".into(), ..integration.clone() };
    store.put_integration(&replaced).await.unwrap();
    assert_eq!(store.integration(h.business, OUTLOOK).await.unwrap(), Some(replaced));
    assert_eq!(store.integration(h.business, GOOGLE).await.unwrap(), None);
    assert_eq!(store.integration(other.business, OUTLOOK).await.unwrap(), None);
    // Providers are an open set: a store keeps any provider id, not a list of known ones.
    let caldav = Integration { provider: Provider::new("caldav-2"), ..integration.clone() };
    store.put_integration(&caldav).await.unwrap();
    assert_eq!(
        store.integration(h.business, Provider::new("caldav-2")).await.unwrap(),
        Some(caldav)
    );
    assert!(store.delete_integration(h.business, Provider::new("caldav-2")).await.unwrap());
    let connection = Connection {
        business: h.business,
        resource: h.desk,
        provider: OUTLOOK,
        account: "ann@example.com".into(),
        sealed_access: "sealed:a".into(),
        sealed_refresh: "sealed:r".into(),
        expires_at: at("2027-01-01T09:00:00Z"),
        state: ConnectionState::Connected,
        last_sync: None,
        last_error: None,
        connected_at: at(NOW),
    };
    let before = store.business(h.business).await.unwrap().unwrap();
    assert!(!before.calendar_sync, "no connection yet");
    store.put_connection(&connection).await.unwrap();
    let after = store.business(h.business).await.unwrap().unwrap();
    assert!(
        after.calendar_sync && after.revision > before.revision,
        "on with the first connection"
    );
    store.update_business(&before).await.unwrap();
    assert!(
        store.business(h.business).await.unwrap().unwrap().calendar_sync,
        "a business written from an older copy keeps it"
    );
    assert!(!store.business(other.business).await.unwrap().unwrap().calendar_sync);
    let broken = Connection {
        state: ConnectionState::Broken,
        last_sync: Some(at("2027-01-01T08:30:00Z")),
        last_error: Some("refused".into()),
        ..connection.clone()
    };
    store.put_connection(&broken).await.unwrap();
    assert_eq!(store.connection(h.business, h.desk).await.unwrap(), Some(broken.clone()));
    assert_eq!(store.connections(h.business).await.unwrap(), vec![broken.clone()]);
    assert_eq!(store.all_connections().await.unwrap(), vec![broken.clone()]);
    store.put_connection(&connection).await.unwrap();
    assert_eq!(store.all_connections().await.unwrap(), vec![connection.clone()]);
    let record = PushedRecord {
        business: h.business,
        key: "booking-1".into(),
        resource: h.desk,
        provider: OUTLOOK,
        external_id: "AAMk1".into(),
        meeting_url: Some("https://teams.example/1".into()),
    };
    store.put_pushed(&record).await.unwrap();
    assert_eq!(store.pushed(h.business, "booking-1").await.unwrap(), Some(record.clone()));
    assert_eq!(store.pushed(other.business, "booking-1").await.unwrap(), None);
    store.delete_pushed(h.business, "booking-1").await.unwrap();
    assert_eq!(store.pushed(h.business, "booking-1").await.unwrap(), None);
    store.put_pushed(&record).await.unwrap();
    let refreshed = Connection { sealed_access: "sealed:b".into(), ..connection.clone() };
    assert!(store.update_connection(&refreshed).await.unwrap());
    assert_eq!(store.connection(h.business, h.desk).await.unwrap(), Some(refreshed.clone()));
    let older = Connection { connected_at: at("2026-12-01T00:00:00Z"), ..refreshed.clone() };
    assert!(!store.update_connection(&older).await.unwrap(), "another connection's update");
    assert!(store.delete_connection(h.business, h.desk).await.unwrap());
    assert!(!store.delete_connection(h.business, h.desk).await.unwrap());
    assert!(!store.update_connection(&refreshed).await.unwrap(), "a sync in flight");
    assert_eq!(store.connection(h.business, h.desk).await.unwrap(), None, "never brought back");
    assert!(!store.business(h.business).await.unwrap().unwrap().calendar_sync, "off with the last");
    assert_eq!(store.pushed(h.business, "booking-1").await.unwrap(), None, "forgotten with it");
    assert!(store.delete_integration(h.business, OUTLOOK).await.unwrap());
    assert_eq!(store.integration(h.business, OUTLOOK).await.unwrap(), None);
}

/// Connect, book, reschedule, cancel: the employee's calendar holds exactly one event with the
/// right content at each step, a job run twice changes nothing, and secrets are stored sealed.
pub async fn calendar_sync_keeps_one_event_per_booking(store: Arc<dyn Store>) {
    let (h, api, sync, _) = calendar_harness(store, GOOGLE).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.appointment_event_title = "%service_name% – %customer_full_name%".into();
    h.store.update_business(&business).await.unwrap();
    let before = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    assert!(jobs_of(&h, Effect::Calendar).await.is_empty(), "no calendar sync yet: no job");
    let c = sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    assert_eq!(c.account, "employee@example.com");
    assert!(!c.sealed_access.contains("access-1") && !c.sealed_refresh.contains("refresh-1"));
    let stored = h.store.integration(h.business, GOOGLE).await.unwrap().unwrap();
    assert_ne!(stored.sealed_secret, "s3cret", "the client secret is stored sealed");
    assert_eq!(api.events().len(), 1, "connecting pushes the upcoming booking");
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(api.events().len(), 1, "the booking's own job updates the same event");

    let booked = book(&h, "2027-01-04T13:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    let events = api.events();
    assert_eq!(events.len(), 2);
    let key =
        booking_core::calendar::idempotency_key(h.business, &format!("booking-{}", booked.id));
    let (id, event) = events.iter().find(|(_, e)| e.key == key).unwrap();
    assert_eq!(event.interval, booked.slot().unwrap());
    assert!(
        event
            .title
            .starts_with(&h.store.service(h.business, h.service).await.unwrap().unwrap().name)
    );
    assert!(!event.tentative && event.attendees.is_empty());

    let moved = h
        .engine
        .reschedule(
            h.business,
            booked.id,
            at("2027-01-04T14:00:00Z"),
            None,
            None,
            Actor::staff(Role::Admin, None),
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(run_calendar_jobs(&h, &sync).await, 1);
    let events = api.events();
    assert_eq!(events.len(), 2, "a reschedule moves the event");
    let (moved_id, moved_event) =
        events.iter().find(|(_, e)| e.interval == moved.slot().unwrap()).unwrap();
    assert_eq!(moved_id, id, "the same external event");
    // A job that runs again (a crash before completion) changes nothing.
    sync.sync_booking(h.business, moved.id).await.unwrap();
    assert_eq!(api.events(), events);
    assert_eq!(moved_event.interval, moved.slot().unwrap());

    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    let left: Vec<_> = api.events().into_iter().map(|(_, e)| e.key).collect();
    let kept =
        booking_core::calendar::idempotency_key(h.business, &format!("booking-{}", before.id));
    assert_eq!(left, vec![kept], "the canceled booking's event is gone");
    assert!(sync.disconnect(h.business, h.desk).await.unwrap());
    assert!(api.calls().contains(&"revoke".to_owned()));
    assert_eq!(h.store.connection(h.business, h.desk).await.unwrap(), None);
}

/// Pulled busy times remove exactly their slots (with `remove_busy_slots`), and the pull
/// records its success.
pub async fn calendar_busy_times_remove_slots(store: Arc<dyn Store>) {
    let (h, api, sync, _) = calendar_harness(store, OUTLOOK).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.remove_busy_slots = true;
    h.store.update_business(&business).await.unwrap();
    let all = listed(&h, None).await;
    api.set_busy(vec![
        Interval::new(at("2027-01-04T10:10:00Z"), at("2027-01-04T10:40:00Z")).unwrap(),
    ]);
    sync.connect(h.business, h.desk, OUTLOOK, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    let now = listed(&h, None).await;
    let gone: Vec<_> = all.iter().filter(|s| !now.contains(s)).copied().collect();
    assert_eq!(gone, vec![at("2027-01-04T10:00:00Z"), at("2027-01-04T10:30:00Z")]);
    let c = h.store.connection(h.business, h.desk).await.unwrap().unwrap();
    assert_eq!(c.last_sync, Some(h.clock.now()));
    api.set_busy(Vec::new());
    assert_eq!(sync.pull_all().await.unwrap(), (1, 0));
    assert_eq!(listed(&h, None).await, all, "a freed busy time frees its slots");
    sync.disconnect(h.business, h.desk).await.unwrap();
    api.set_busy(vec![
        Interval::new(at("2027-01-04T10:10:00Z"), at("2027-01-04T10:40:00Z")).unwrap(),
    ]);
    assert_eq!(listed(&h, None).await, all, "disconnecting clears the cache");
}

/// An expired access token is refreshed once and the call goes through; a revoked grant marks
/// the connection broken, emails the employee once, and the job does not loop.
pub async fn calendar_tokens_refresh_then_break(store: Arc<dyn Store>) {
    use booking_core::calendar::ConnectionState;
    let (h, api, sync, mailer) = calendar_harness(store, GOOGLE).await;
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    assert!(matches!(
        sync.connect(h.business, h.desk, GOOGLE, "bad-code").await,
        Err(booking_core::calendar::SyncError::Provider(_))
    ));
    api.expire_access();
    book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(api.events().len(), 1);
    let calls = api.calls();
    assert_eq!(calls.iter().filter(|c| *c == "refresh").count(), 1, "{calls:?}");
    // The access token's lifetime runs out: refreshed before the call, not after a 401.
    h.clock.advance(SignedDuration::from_mins(59) + SignedDuration::from_secs(30));
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(api.calls().iter().filter(|c| *c == "refresh").count(), 2);
    assert_eq!(api.events().len(), 2);

    api.revoke_grant();
    book(&h, "2027-01-04T11:00:00Z").await.unwrap();
    assert_eq!(run_calendar_jobs(&h, &sync).await, 1, "the job ends; reconnecting resyncs");
    let c = h.store.connection(h.business, h.desk).await.unwrap().unwrap();
    assert_eq!(c.state, ConnectionState::Broken);
    let mails = mailer.sent();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to.as_str(), "ann@example.com");
    assert!(mails[0].text.contains("Reconnect") || mails[0].text.contains("Reconnectez"));
    book(&h, "2027-01-04T12:00:00Z").await.unwrap();
    run_calendar_jobs(&h, &sync).await;
    assert_eq!(mailer.sent().len(), 1, "told once");
    assert_eq!(
        sync.pull_busy(h.business, h.desk, 30).await.unwrap(),
        None,
        "a broken one is not pulled"
    );
    // Reconnecting pushes what was missed.
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    assert_eq!(api.events().len(), 4);
    let c = h.store.connection(h.business, h.desk).await.unwrap().unwrap();
    assert_eq!(c.state, ConnectionState::Connected);
}

/// With the Meet / Teams option, the booking email waits for the calendar's event and carries
/// its link (`%google_meet_url%`); with video links hidden from emails (§J6), it does not.
pub async fn calendar_meeting_links_reach_the_email(store: Arc<dyn Store>) {
    use booking_core::notify::{EmailTemplate, Trigger};
    use booking_core::services::notify::Notifier;
    let (h, _, sync, _) = calendar_harness(store, GOOGLE).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.add_meeting_link = true;
    h.store.update_business(&business).await.unwrap();
    let template = EmailTemplate {
        business: h.business,
        trigger: Trigger::Approved,
        locale: business.locale,
        subject: "Booked".into(),
        text: "Join: %google_meet_url%\nTeams: %microsoft_teams_url%\n".into(),
    };
    h.engine.save_email_template(template).await.unwrap();
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    let mailer = Arc::new(crate::RecordingMailer::default());
    let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone())
        .with_meeting_placeholders(sync.meeting_placeholders());
    let policy = RetryPolicy::default();
    let details = Details {
        contact: Contact {
            first_name: "Bea".into(),
            email: Some(Email::parse("bea@example.com").unwrap()),
            ..Contact::default()
        },
        ..Details::default()
    };
    let booked = book_with(&h, "2027-01-04T09:00:00Z", details.clone()).await.unwrap();
    let first = drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 8).await.unwrap();
    assert_eq!(first.retried, 1, "the email waits for the event");
    run_calendar_jobs(&h, &sync).await;
    h.clock.advance(SignedDuration::from_secs(30));
    drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 8).await.unwrap();
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1);
    let key =
        booking_core::calendar::idempotency_key(h.business, &format!("booking-{}", booked.id));
    assert!(
        sent[0].text.contains(&format!("Join: https://meet.invalid/ev-{key}")),
        "{}",
        sent[0].text
    );
    assert!(!sent[0].text.contains("Teams:"), "an empty line is left out: {}", sent[0].text);

    business.settings.hide_video_links_in_emails = true;
    h.store.update_business(&business).await.unwrap();
    book_with(&h, "2027-01-04T10:00:00Z", details).await.unwrap();
    let report = drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 8).await.unwrap();
    assert_eq!(report.done, 1, "no waiting when links are hidden");
    assert!(!mailer.sent()[1].text.contains("meet.invalid"));
}

/// Anonymising a customer (§A7) takes their name and address out of the employee's calendar
/// too: the store enqueues a calendar job in the same transaction, which rewrites the event.
pub async fn calendar_events_forget_an_anonymised_customer(store: Arc<dyn Store>) {
    let (h, api, sync, _) = calendar_harness(store, GOOGLE).await;
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.calendar.customers_as_attendees = true;
    business.settings.appointment_event_title = "%service_name% – %customer_full_name%".into();
    h.store.update_business(&business).await.unwrap();
    sync.connect(h.business, h.desk, GOOGLE, "good-code").await.unwrap();
    sync.catch_up(h.business, h.desk, 30).await.unwrap();
    let customer = h
        .store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let details = Details {
        customer: Some(customer.id),
        contact: customer.contact.clone(),
        ..Details::default()
    };
    book_with(&h, "2027-01-04T09:00:00Z", details).await.unwrap();
    // Another customer's booking that is not in any calendar yet gets no job.
    let other = h
        .store
        .create_customer(fixtures::customer(h.business, "Bo", "Berg", "bo@example.org"))
        .await
        .unwrap();
    run_calendar_jobs(&h, &sync).await;
    let shown = api.events();
    assert_eq!(shown.len(), 1);
    assert!(shown[0].1.title.contains("Ana Lima") && shown[0].1.attendees.len() == 1);
    let admin = Actor::staff(Role::Admin, None);
    h.engine.anonymise_customer(h.business, customer.id, admin).await.unwrap();
    h.engine.anonymise_customer(h.business, other.id, admin).await.unwrap();
    assert_eq!(run_calendar_jobs(&h, &sync).await, 1, "one job: the booking in the calendar");
    let rewritten = api.events();
    assert_eq!(rewritten.len(), 1);
    assert_eq!(rewritten[0].0, shown[0].0, "the same event");
    assert!(!rewritten[0].1.title.contains("Ana") && !rewritten[0].1.title.contains("Lima"));
    assert!(rewritten[0].1.attendees.is_empty(), "no address left");
}
