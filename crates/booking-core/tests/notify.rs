//! §E booking emails through the outbox: composed when the job runs, in the business locale,
//! with an invitation; retried on a temporary failure; never sent to an anonymised customer.

use std::sync::Arc;

use booking_core::catalog::{Contact, Email};
use booking_core::outbox::RetryPolicy;
use booking_core::ports::mail::MailError;
use booking_core::services::notify::Notifier;
use booking_core::services::outbox::drain;
use booking_core::settings::Locale;
use booking_core::time::{SignedDuration, Timestamp};
use booking_core::{Actor, Details, Limits, Offer, Role};
use booking_testkit::{Harness, RecordingMailer, fixtures};

const NOW: &str = "2027-01-01T08:00:00Z";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn booked(h: &Harness, start: &str, email: Option<&str>) -> booking_core::Booking {
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let details = Details {
        customer: None,
        contact: Contact {
            first_name: "Zoé".into(),
            last_name: "Martin".into(),
            email: email.map(|e| Email::parse(e).unwrap()),
            phone: None,
        },
        answers: vec![],
        code: None,
        locale: None,
    };
    h.engine
        .book(h.business, offer, at(start), None, details, Actor::guest(), Limits::Apply)
        .await
        .unwrap()
}

#[test]
fn customers_are_told_in_their_business_language_with_an_invitation() {
    futures::executor::block_on(async {
        let h = Harness::demo(NOW).await;
        let mailer = Arc::new(RecordingMailer::default());
        let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone());
        let policy = RetryPolicy::default();
        let booking = booked(&h, "2027-01-04T08:00:00Z", Some("zoe@example.org")).await;
        booked(&h, "2027-01-04T09:00:00Z", None).await; // no address: no email
        let done = drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        assert_eq!(done.done, 2);
        let sent = mailer.sent();
        assert_eq!(sent.len(), 1);
        let m = &sent[0];
        assert_eq!(m.to.as_str(), "zoe@example.org");
        assert_eq!(m.subject, "Votre rendez-vous du lundi 4 janvier 2027 est confirmé");
        assert!(m.text.contains("Bonjour Zoé,"), "{}", m.text);
        assert!(m.text.contains("le lundi 4 janvier 2027 à 09:00 (Europe/Paris)"), "{}", m.text);
        let ics = String::from_utf8(m.attachments[0].content.clone()).unwrap();
        assert!(m.attachments[0].content_type.contains("method=REQUEST"));
        assert!(ics.contains("METHOD:REQUEST\r\n") && ics.contains("DTSTART:20270104T080000Z\r\n"));
        let uid = ics.lines().find(|l| l.starts_with("UID:")).unwrap().to_owned();

        // Canceled: a cancellation with the same UID. A temporary failure is retried.
        h.engine
            .cancel(h.business, booking.id, Actor::staff(Role::Admin, None), None)
            .await
            .unwrap();
        mailer.fail_next(vec![MailError::Temporary("421 try later".into())]);
        let first =
            drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        assert_eq!((first.done, first.retried), (0, 1));
        h.clock.advance(SignedDuration::from_secs(30));
        let second =
            drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        assert_eq!(second.done, 1);
        let sent = mailer.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].subject, "Votre rendez-vous du lundi 4 janvier 2027 est annulé");
        let ics = String::from_utf8(sent[1].attachments[0].content.clone()).unwrap();
        assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains(&uid));
        assert_ne!(sent[0].idempotency_key, sent[1].idempotency_key);
    });
}

#[test]
fn english_businesses_write_english_and_anonymised_customers_get_nothing() {
    futures::executor::block_on(async {
        let h = Harness::demo(NOW).await;
        let mut business = h.store.business(h.business).await.unwrap().unwrap();
        business.locale = Locale::En;
        h.store.update_business(&business).await.unwrap();
        let customer = h
            .store
            .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
            .await
            .unwrap();
        let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
        let details = Details {
            customer: Some(customer.id),
            contact: customer.contact.clone(),
            answers: vec![],
            code: None,
            locale: None,
        };
        h.engine
            .book(
                h.business,
                offer,
                at("2027-01-04T13:00:00Z"),
                None,
                details,
                Actor::guest(),
                Limits::Apply,
            )
            .await
            .unwrap();
        let mailer = Arc::new(RecordingMailer::default());
        let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone());
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &RetryPolicy::default(), 10)
            .await
            .unwrap();
        assert_eq!(
            mailer.sent()[0].subject,
            "Your appointment on Monday, January 4, 2027 is confirmed"
        );
        assert!(
            mailer.sent()[0].text.contains("Monday, January 4, 2027 at 2:00 PM (Europe/Paris)")
        );
        // Erased before its email went: nothing is sent.
        let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
        let details = Details {
            customer: Some(customer.id),
            contact: customer.contact.clone(),
            answers: vec![],
            code: None,
            locale: None,
        };
        h.engine
            .book(
                h.business,
                offer,
                at("2027-01-05T13:00:00Z"),
                None,
                details,
                Actor::guest(),
                Limits::Apply,
            )
            .await
            .unwrap();
        h.engine
            .anonymise_customer(h.business, customer.id, Actor::staff(Role::Admin, None))
            .await
            .unwrap();
        let pass =
            drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &RetryPolicy::default(), 10)
                .await
                .unwrap();
        assert_eq!(pass.done, 1);
        assert_eq!(mailer.sent().len(), 1, "no email to an anonymised customer");
    });
}

#[test]
fn a_business_writes_its_own_wording() {
    futures::executor::block_on(async {
        use booking_core::notify::{EmailTemplate, Trigger};
        let h = Harness::demo(NOW).await;
        h.engine
            .save_email_template(EmailTemplate {
                business: h.business,
                trigger: Trigger::Approved,
                locale: Locale::Fr,
                subject: "C'est noté pour le %appointment_start_time%".into(),
                text: "%customer_full_name% : %service_name%, %appointment_duration%.".into(),
            })
            .await
            .unwrap();
        booked(&h, "2027-01-04T08:00:00Z", Some("zoe@example.org")).await;
        let mailer = Arc::new(RecordingMailer::default());
        let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone());
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &RetryPolicy::default(), 10)
            .await
            .unwrap();
        let m = &mailer.sent()[0];
        assert_eq!(m.subject, "C'est noté pour le 09:00");
        assert_eq!(m.text, "Zoé Martin : passeport, 30 min.");
    });
}

#[test]
fn each_change_is_announced_as_it_was() {
    futures::executor::block_on(async {
        let h = Harness::demo(NOW).await;
        let mut business = h.store.business(h.business).await.unwrap().unwrap();
        business.settings.default_status = booking_core::BookingStatus::Pending;
        h.store.update_business(&business).await.unwrap();
        let booking = booked(&h, "2027-01-04T08:00:00Z", Some("zoe@example.org")).await;
        // Approved before the first email went out: two emails, pending then approved.
        h.engine
            .set_status(
                h.business,
                booking.id,
                booking_core::BookingStatus::Approved,
                Actor::staff(Role::Admin, None),
                None,
            )
            .await
            .unwrap();
        let mailer = Arc::new(RecordingMailer::default());
        let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone());
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &RetryPolicy::default(), 10)
            .await
            .unwrap();
        let subjects: Vec<String> = mailer.sent().into_iter().map(|m| m.subject).collect();
        assert_eq!(
            subjects,
            [
                "Votre demande de rendez-vous du lundi 4 janvier 2027 est enregistrée",
                "Votre rendez-vous du lundi 4 janvier 2027 est confirmé",
            ]
        );
    });
}

async fn jobs_of(h: &Harness, event: booking_core::outbox::BookingEvent) -> usize {
    h.store.jobs(h.business).await.unwrap().iter().filter(|j| j.event == event).count()
}

#[test]
fn reminders_come_before_the_start_and_only_for_bookings_that_hold() {
    use booking_core::outbox::BookingEvent::Reminder;
    futures::executor::block_on(async {
        let h = Harness::demo(NOW).await;
        let mailer = Arc::new(RecordingMailer::default());
        let notifier = Notifier::new(h.store.clone(), mailer.clone(), h.clock.clone());
        let policy = RetryPolicy::default();
        booked(&h, "2027-01-04T08:00:00Z", Some("zoe@example.org")).await;
        let dropped = booked(&h, "2027-01-04T09:00:00Z", Some("bo@example.org")).await;
        assert_eq!(jobs_of(&h, Reminder).await, 2, "one reminder per booking");
        h.engine
            .cancel(h.business, dropped.id, Actor::staff(Role::Admin, None), None)
            .await
            .unwrap();
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        assert_eq!(mailer.sent().len(), 3, "two confirmations and a cancellation, no reminder yet");
        h.clock.set(at("2027-01-03T07:59:00Z"));
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        assert_eq!(mailer.sent().len(), 3, "not before the lead");
        h.clock.set(at("2027-01-03T09:00:00Z"));
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        let sent = mailer.sent();
        assert_eq!(sent.len(), 4, "the canceled booking is not reminded");
        assert_eq!(sent[3].to.as_str(), "zoe@example.org");
        assert_eq!(sent[3].subject, "Rappel : votre rendez-vous du lundi 4 janvier 2027");
        assert!(sent[3].text.contains("le lundi 4 janvier 2027 à 09:00"), "{}", sent[3].text);
        // Booked inside the lead: no reminder. Reminders off: none either.
        booked(&h, "2027-01-04T08:30:00Z", Some("al@example.org")).await;
        assert_eq!(jobs_of(&h, Reminder).await, 2);
        let mut b = h.store.business(h.business).await.unwrap().unwrap();
        b.settings.reminder_before = None;
        h.store.update_business(&b).await.unwrap();
        booked(&h, "2027-01-11T08:00:00Z", Some("al@example.org")).await;
        assert_eq!(jobs_of(&h, Reminder).await, 2);
    });
}

#[test]
fn staff_hear_of_their_own_bookings_desks_of_none() {
    use booking_core::catalog::ResourceKind;
    use booking_core::services::notify::StaffNotifier;
    futures::executor::block_on(async {
        let h = Harness::demo(NOW).await;
        let desk = h.store.resource(h.business, h.desk).await.unwrap().unwrap();
        let mut staff = desk.clone();
        staff.kind = ResourceKind::Staff;
        staff.name = "Ana Lima".into();
        staff.email = Some(Email::parse("ana.staff@example.org").unwrap());
        let staff = h.store.create_resource(staff).await.unwrap();
        let mut agenda = h.store.agenda(h.business, h.agenda).await.unwrap().unwrap();
        agenda.resources.push(staff.id);
        h.store.update_agenda(&agenda).await.unwrap();
        let mailer = Arc::new(RecordingMailer::default());
        let notifier = StaffNotifier::new(h.store.clone(), mailer.clone(), h.clock.clone());
        let policy = RetryPolicy::default();
        booked(&h, "2027-01-04T08:00:00Z", Some("zoe@example.org")).await; // the desk takes it
        let offer = Offer { agenda: h.agenda, service: h.service, resource: Some(staff.id) };
        let details = Details {
            customer: None,
            contact: Contact {
                first_name: "Bo".into(),
                last_name: "Diaz".into(),
                email: None,
                phone: Some("+33 6 00".into()),
            },
            answers: vec![],
            code: None,
            locale: None,
        };
        let mine = h
            .engine
            .book(
                h.business,
                offer,
                at("2027-01-04T08:00:00Z"),
                None,
                details,
                Actor::guest(),
                Limits::Apply,
            )
            .await
            .unwrap();
        h.engine.cancel(h.business, mine.id, Actor::staff(Role::Admin, None), None).await.unwrap();
        drain(h.store.as_ref(), h.clock.as_ref(), &notifier, &policy, 10).await.unwrap();
        let sent = mailer.sent();
        assert_eq!(sent.len(), 2, "{sent:#?}");
        assert!(sent.iter().all(|m| m.to.as_str() == "ana.staff@example.org"));
        assert_eq!(
            sent[0].subject,
            "Nouveau rendez-vous : passeport, lundi 4 janvier 2027 à 09:00"
        );
        assert!(
            sent[0].text.contains("Bonjour Ana Lima,") && sent[0].text.contains("Client : Bo Diaz"),
            "{}",
            sent[0].text
        );
        assert!(
            sent[0].text.contains("Téléphone : +33 6 00") && !sent[0].text.contains("E-mail :"),
            "an empty line is left out: {}",
            sent[0].text
        );
        assert_eq!(sent[1].subject, "Rendez-vous annulé : passeport, lundi 4 janvier 2027 à 09:00");
    });
}
