//! Contract cases of the video set-up and meetings.

use super::*;

/// The video set-up and meeting records read back as written, per business; set-up changes
/// keep the `video_meetings` flag and write the affected bookings' jobs in their transaction.
pub async fn video_setup_and_meetings_round_trip(store: Arc<dyn Store>) {
    use booking_core::video::{
        CustomLink, MeetingApp, MeetingRecord, Occasion, Source, StoredAccount, StoredMeeting,
        VideoAccount, resolve, setup_of,
    };
    let h = Harness::demo_in(store.clone(), NOW).await;
    let other = fixtures::demo_business(store.as_ref(), 1).await;
    let monday_nine =
        Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T09:00:00Z")).unwrap();
    let (course, session) =
        fixtures::event_session(store.as_ref(), h.business, 5, monday_nine).await;
    let app = MeetingApp {
        provider: booking_core::provider::Provider::new("zoom"),
        account_id: "acc-1".into(),
        client_id: "cid".into(),
        sealed_secret: "sealed:terces".into(),
        user: "host@example.com".into(),
    };
    let zoom = StoredAccount::Meetings(app.clone());
    let link = |url: &str| CustomLink {
        url: url.into(),
        password: Some("1234".into()),
        description: Some("Dial +33 1 00".into()),
    };
    let booked = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let seat = h
        .engine
        .book_seats(h.business, session, 1, None, Details::default(), Actor::guest())
        .await
        .unwrap();
    let past = at(NOW);
    let revision = store.business(h.business).await.unwrap().unwrap().revision;
    store.put_video_account(h.business, None, &StoredAccount::Calendar, past).await.unwrap();
    let b = store.business(h.business).await.unwrap().unwrap();
    assert!(!b.video_meetings && b.revision == revision, "no Zoom: no flag");
    assert!(jobs_of(&h, Effect::Video).await.is_empty(), "no Zoom meetings: no video job");
    store.put_video_account(h.business, None, &zoom, past).await.unwrap();
    let b = store.business(h.business).await.unwrap().unwrap();
    assert!(b.video_meetings && b.revision > revision, "a Zoom account turns the flag on");
    assert!(!store.business(other.business).await.unwrap().unwrap().video_meetings);
    let jobs = jobs_of(&h, Effect::Video).await;
    let mut about: Vec<booking_core::ids::BookingId> = jobs.iter().map(|j| j.booking).collect();
    about.sort_unstable();
    assert_eq!(about, vec![booked.id, seat.id], "every upcoming booking gets a video job");
    assert!(jobs.iter().all(|j| j.event == BookingEvent::VideoChanged));
    store
        .put_video_account(
            h.business,
            Some(h.desk),
            &StoredAccount::Custom(link("https://ana")),
            past,
        )
        .await
        .unwrap();
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 3, "only the desk's appointment");
    assert!(!store.put_course_link(h.business, course, None, past, false).await.unwrap());
    store
        .put_course_link(h.business, course, Some(&link("https://yoga")), past, true)
        .await
        .unwrap();
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 5, "only the course's booking, twice");
    let told = jobs_of(&h, Effect::Notify).await;
    assert!(
        told.iter().any(|j| j.booking == seat.id && j.event == BookingEvent::VideoChanged),
        "the booked customers are told when asked"
    );
    assert!(!told.iter().any(|j| j.booking == booked.id && j.event == BookingEvent::VideoChanged));
    let accounts = store.video_accounts(h.business).await.unwrap();
    assert_eq!(
        accounts,
        vec![(None, zoom.clone()), (Some(h.desk), StoredAccount::Custom(link("https://ana")))],
        "replaced, not added"
    );
    assert!(store.video_accounts(other.business).await.unwrap().is_empty());
    let courses = store.course_links(h.business).await.unwrap();
    assert_eq!(courses, vec![(course, link("https://yoga"))]);
    let setup = setup_of(&accounts, courses);
    let led = Occasion { leader: Some(h.desk), course: None, online: true };
    assert_eq!(
        resolve(&setup, &led).map(|r| r.source),
        Some(Source::Staff(h.desk)),
        "the staff member's own link"
    );
    let in_course = Occasion { leader: Some(h.desk), course: Some(course), online: true };
    assert_eq!(
        resolve(&setup, &in_course).map(|r| r.account),
        Some(VideoAccount::Custom(link("https://yoga")))
    );

    let key = booking_core::calendar::booking_key(booked.id);
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), None);
    store.set_online(h.business, &key, Some(false), past).await.unwrap();
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), Some(false));
    store.set_online(h.business, &key, Some(true), past).await.unwrap();
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), Some(true));
    assert_eq!(store.online_override(other.business, &key).await.unwrap(), None);
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 7, "one job per change of that one");
    store.set_online(h.business, &key, None, past).await.unwrap();
    assert_eq!(store.online_override(h.business, &key).await.unwrap(), None);

    let later = at("2027-01-05T00:00:00Z");
    assert!(store.delete_video_account(h.business, None, later).await.unwrap());
    assert!(!store.delete_video_account(h.business, None, later).await.unwrap());
    let b = store.business(h.business).await.unwrap().unwrap();
    assert!(!b.video_meetings, "off with the last Zoom account");
    assert_eq!(jobs_of(&h, Effect::Video).await.len(), 8, "past bookings get no job");
    let accounts = store.video_accounts(h.business).await.unwrap();
    let disconnected = setup_of(&accounts, store.course_links(h.business).await.unwrap());
    assert_eq!(resolve(&disconnected, &led), None, "§J3");
    assert_eq!(resolve(&disconnected, &in_course), None, "§J3");
    assert!(store.put_course_link(h.business, course, None, later, false).await.unwrap());
    assert!(store.course_links(h.business).await.unwrap().is_empty());

    let record = MeetingRecord {
        business: h.business,
        key: "session-1".into(),
        meeting: StoredMeeting { host: app.host(), meeting_id: "85746065".into() },
        join_url: "https://zoom.us/j/85746065".into(),
        start_url: Some("https://zoom.us/s/85746065".into()),
        password: Some("p".into()),
        app,
        interval: monday_nine,
        made_at: at(NOW),
    };
    assert!(store.insert_meeting(&record).await.unwrap());
    let second = MeetingRecord {
        meeting: StoredMeeting { meeting_id: "2".into(), ..record.meeting.clone() },
        ..record.clone()
    };
    assert!(!store.insert_meeting(&second).await.unwrap(), "one meeting per occasion");
    assert_eq!(store.meeting(h.business, "session-1").await.unwrap(), Some(record.clone()));
    assert_eq!(store.meeting(other.business, "session-1").await.unwrap(), None);
    let moved = MeetingRecord { start_url: None, password: None, ..record };
    store.put_meeting(&moved).await.unwrap();
    assert_eq!(store.meeting(h.business, "session-1").await.unwrap(), Some(moved));
    store.delete_meeting(h.business, "session-1").await.unwrap();
    assert_eq!(store.meeting(h.business, "session-1").await.unwrap(), None);
}

/// The `video` job makes one Zoom meeting per occasion on the account the rules choose, moves
/// it with a reschedule, deletes it on a cancel, in person or after a disconnection (§J1–§J5),
/// and the link read for emails and the panel follows.
pub async fn video_meetings_follow_the_rules(store: Arc<dyn Store>) {
    use booking_core::services::video::{VideoSync, link_of};
    use booking_core::video::{AccountInput, CustomLink, LinkState, StoredAccount};
    let h = Harness::demo_in(store, NOW).await;
    let mut desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
    desk.kind = booking_core::catalog::ResourceKind::Staff;
    h.store.update_resource(&desk).await.unwrap();
    let mut service = h.store.service(h.business, h.service).await.unwrap().unwrap();
    service.online = true;
    h.store.update_service(&service).await.unwrap();
    let zoom = Arc::new(crate::FakeMeetingService::default());
    let sync = VideoSync::new(
        h.store.clone(),
        vec![zoom.clone()],
        Arc::new(crate::FakeSealer),
        h.clock.clone(),
    );
    let run = || async {
        let policy = RetryPolicy::default();
        drain(h.store.as_ref(), h.clock.as_ref(), &sync, &policy, 16).await.unwrap().done
    };
    let app = |account: &str, user: &str, secret: Option<&str>| AccountInput::Meetings {
        provider: crate::FakeMeetingService::PROVIDER,
        account_id: account.into(),
        client_id: "cid".into(),
        client_secret: secret.map(Into::into),
        user: user.into(),
    };
    let elsewhere = AccountInput::Meetings {
        provider: booking_core::provider::Provider::new("not-wired"),
        account_id: "biz".into(),
        client_id: "cid".into(),
        client_secret: Some("s".into()),
        user: "owner".into(),
    };
    let unknown = sync.set_account(h.business, None, elsewhere).await;
    assert!(
        matches!(unknown, Err(booking_core::video::VideoError::UnknownProvider(ref id)) if id == "not-wired"),
        "a service this server does not wire: {unknown:?}"
    );
    assert_eq!(
        sync.services(booking_core::settings::Locale::En),
        [(crate::FakeMeetingService::PROVIDER, "Fake Meet")]
    );
    let refused = sync.set_account(h.business, None, app("biz", "owner", Some("wrong"))).await;
    assert!(matches!(refused, Err(booking_core::video::VideoError::Refused(_))), "{refused:?}");
    let needs = sync.set_account(h.business, None, app("biz", "owner", None)).await;
    assert!(matches!(needs, Err(booking_core::video::VideoError::SecretNeeded)), "{needs:?}");
    sync.set_account(h.business, None, app("biz", "owner", Some("zoom-secret"))).await.unwrap();
    let stored = h.store.video_accounts(h.business).await.unwrap();
    assert!(!format!("{stored:?}").contains("zoom-secret"), "the secret is stored sealed");
    sync.set_account(h.business, None, app("biz", "owner", None)).await.unwrap();

    let business = h.store.business(h.business).await.unwrap().unwrap();
    let booked = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    assert_eq!(link_of(h.store.as_ref(), &business, &booked).await.unwrap(), LinkState::Waiting);
    run().await;
    let meetings = zoom.meetings();
    assert_eq!(meetings.len(), 1, "one meeting for the appointment");
    assert_eq!(meetings[0].0, "biz/owner", "on the default account");
    assert_eq!(meetings[0].2.interval, booked.slot().unwrap());
    let LinkState::Ready(link) = link_of(h.store.as_ref(), &business, &booked).await.unwrap()
    else {
        panic!("a link once made")
    };
    assert!(
        link.made_by == Some(crate::FakeMeetingService::PROVIDER)
            && link.url == meetings[0].1.join_url
            && link.password == meetings[0].1.password
    );
    // A job that runs again changes nothing.
    sync.sync_booking(h.business, booked.id).await.unwrap();
    assert_eq!(zoom.meetings(), meetings);

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
    run().await;
    let after = zoom.meetings();
    assert_eq!(after.len(), 1, "a reschedule moves the meeting (§J5)");
    assert_eq!(after[0].1.id, meetings[0].1.id, "the same meeting");
    assert_eq!(after[0].2.interval, moved.slot().unwrap());
    assert!(
        h.store.meeting(h.business, &format!("booking-{}", booked.id)).await.unwrap().is_none()
    );

    // §J2: the desk's own account replaces the default for what they take.
    sync.set_account(h.business, Some(h.desk), app("biz", "ana", Some("zoom-secret")))
        .await
        .unwrap();
    run().await;
    let after = zoom.meetings();
    assert_eq!(after.len(), 1, "the default's meeting is replaced, not kept");
    assert_eq!(after[0].0, "biz/ana");
    // §J2: staff turn it in person: the meeting goes, and no link is shown.
    let key = format!("booking-{}", moved.id);
    sync.set_online(h.business, &key, Some(false)).await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "in person: no meeting");
    assert_eq!(link_of(h.store.as_ref(), &business, &moved).await.unwrap(), LinkState::None);
    sync.set_online(h.business, &key, None).await.unwrap();
    run().await;
    assert_eq!(zoom.meetings().len(), 1, "back online: a meeting again");

    // A course: one meeting per session however many are booked; then its own link (§J4).
    let yoga = h
        .store
        .create_event(booking_core::catalog::Event {
            id: booking_core::ids::EventId::new(0),
            business: h.business,
            kind: booking_core::catalog::EventKind::Course,
            name: "Yoga".into(),
            location: None,
            capacity: 5,
            price_minor: 0,
            online: true,
        })
        .await
        .unwrap();
    let session = h
        .store
        .create_session(booking_core::catalog::Session {
            id: booking_core::ids::SessionId::new(0),
            business: h.business,
            event: yoga.id,
            interval: Interval::new(at("2027-01-06T08:00:00Z"), at("2027-01-06T09:00:00Z"))
                .unwrap(),
            capacity: 5,
            leader: Some(h.desk),
        })
        .await
        .unwrap();
    let mut seats = Vec::new();
    for _ in 0..3 {
        seats.push(
            h.engine
                .book_seats(h.business, session.id, 1, None, Details::default(), Actor::guest())
                .await
                .unwrap(),
        );
    }
    run().await;
    let for_session: Vec<_> = zoom
        .meetings()
        .into_iter()
        .filter(|(_, _, r)| r.key == format!("session-{}", session.id))
        .collect();
    assert_eq!(for_session.len(), 1, "one meeting for the session, not one per booking");
    assert_eq!(for_session[0].0, "biz/owner", "a staff account does not apply to courses");
    let store = h.store.as_ref();
    assert_eq!(
        link_of(store, &business, &seats[0]).await.unwrap(),
        link_of(store, &business, &seats[2]).await.unwrap(),
        "the same link for every booking"
    );
    let link = CustomLink {
        url: "https://meet.example/yoga".into(),
        password: Some("om".into()),
        description: None,
    };
    sync.set_course_link(h.business, yoga.id, Some(&link), false).await.unwrap();
    run().await;
    assert!(
        !zoom.meetings().iter().any(|(_, _, r)| r.key == format!("session-{}", session.id)),
        "the course's own link: its Zoom meeting goes"
    );
    let LinkState::Ready(got) = link_of(store, &business, &seats[1]).await.unwrap() else {
        panic!("the course link")
    };
    assert_eq!(
        (got.url.as_str(), got.password.as_deref(), got.made_by),
        ("https://meet.example/yoga", Some("om"), None)
    );
    // §J4 is about courses: a one-off event has no link of its own.
    let one_off = h
        .store
        .create_event(booking_core::catalog::Event {
            id: booking_core::ids::EventId::new(0),
            business: h.business,
            kind: booking_core::catalog::EventKind::Event,
            name: "Talk".into(),
            location: None,
            capacity: 5,
            price_minor: 0,
            online: true,
        })
        .await
        .unwrap();
    let not_a_course = sync.set_course_link(h.business, one_off.id, Some(&link), false).await;
    assert!(
        matches!(not_a_course, Err(booking_core::video::VideoError::NoCourse)),
        "{not_a_course:?}"
    );

    // Cancel deletes (§J5); disconnecting the default removes every link and meeting (§J3).
    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "a canceled appointment keeps no meeting");
    let again = book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    // Another job's claim holds: no second meeting while it makes one; a lapsed claim (its job
    // died) is taken over.
    let key = format!("booking-{}", again.id);
    let StoredAccount::Meetings(app) =
        h.store.video_accounts(h.business).await.unwrap()[0].1.clone()
    else {
        panic!("the default is at the meeting service")
    };
    let claim = booking_core::video::MeetingRecord {
        business: h.business,
        key: key.clone(),
        meeting: booking_core::video::StoredMeeting { host: app.host(), meeting_id: String::new() },
        join_url: String::new(),
        start_url: None,
        password: None,
        app,
        interval: again.slot().unwrap(),
        made_at: h.clock.now(),
    };
    assert!(h.store.insert_meeting(&claim).await.unwrap());
    let busy = sync.sync_booking(h.business, again.id).await;
    assert!(matches!(busy, Err(booking_core::video::VideoError::Busy)), "{busy:?}");
    assert_eq!(link_of(store, &business, &again).await.unwrap(), LinkState::Waiting);
    assert!(zoom.meetings().is_empty(), "no second meeting while a claim holds");
    h.clock.advance(SignedDuration::from_mins(3));
    sync.sync_booking(h.business, again.id).await.unwrap();
    assert_eq!(zoom.meetings().len(), 1, "a lapsed claim is taken over");
    run().await;
    assert_eq!(zoom.meetings().len(), 1);
    sync.remove_account(h.business, None).await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "§J3: no meeting left, even the desk's own");
    for b in [&again, &seats[0]] {
        assert_eq!(link_of(h.store.as_ref(), &business, b).await.unwrap(), LinkState::None, "§J3");
    }

    // A custom default: the same link for every occasion, and nothing to make at Zoom.
    sync.remove_account(h.business, Some(h.desk)).await.unwrap();
    let room = CustomLink {
        url: "https://meet.example/room".into(),
        password: None,
        description: Some("Code 42".into()),
    };
    sync.set_account(h.business, None, AccountInput::Custom(room.clone())).await.unwrap();
    let other = book(&h, "2027-01-04T11:00:00Z").await.unwrap();
    run().await;
    assert!(zoom.meetings().is_empty(), "a custom link calls nobody");
    let first = link_of(store, &business, &again).await.unwrap();
    assert_eq!(first, link_of(store, &business, &other).await.unwrap(), "the same link for all");
    let LinkState::Ready(first) = first else { panic!("the custom link") };
    assert_eq!(
        (first.url.as_str(), first.description.as_deref(), first.made_by),
        ("https://meet.example/room", Some("Code 42"), None)
    );
    // Meet / Teams through the calendars: none while the employee has no calendar connected.
    sync.set_account(h.business, None, AccountInput::Calendar).await.unwrap();
    assert_eq!(link_of(store, &business, &other).await.unwrap(), LinkState::None);
    // Once the employee's calendar made the event with its Meet link, that is the link.
    h.store
        .put_pushed(&booking_core::calendar::PushedRecord {
            business: h.business,
            key: format!("booking-{}", other.id),
            resource: h.desk,
            provider: booking_core::calendar::Provider::new("google"),
            external_id: "evt-1".into(),
            meeting_url: Some("https://meet.google.com/abc-defg-hij".into()),
        })
        .await
        .unwrap();
    let LinkState::Ready(meet) = link_of(store, &business, &other).await.unwrap() else {
        panic!("the calendar's Meet link")
    };
    assert_eq!((meet.url.as_str(), meet.made_by), ("https://meet.google.com/abc-defg-hij", None));
}
