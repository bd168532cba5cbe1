//! The worker loop runs the jobs a booking wrote, once, and stops when told.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use booking_core::outbox::{BookingEvent, Effect, Job, JobError, JobState};
use booking_core::ports::outbox::JobHandler;
use booking_core::ports::outbox::Outbox;
use booking_core::{Actor, Details, Limits, Offer};
use booking_system::worker::{WorkerConfig, run};
use booking_testkit::Harness;

#[derive(Default)]
struct Record(Mutex<Vec<(BookingEvent, String)>>);

#[async_trait]
impl JobHandler for Record {
    fn effect(&self) -> Effect {
        Effect::Notify
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        self.0.lock().unwrap().push((job.event, job.delivery_key()));
        Ok(())
    }
}

#[tokio::test]
async fn runs_booking_jobs_then_stops() {
    let h = Harness::demo("2027-01-01T08:00:00Z").await;
    let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
    let start = "2027-01-04T10:00:00Z".parse().unwrap();
    let booking = h
        .engine
        .book(h.business, offer, start, None, Details::default(), Actor::guest(), Limits::Apply)
        .await
        .unwrap();
    let handler = Arc::new(Record::default());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let config = WorkerConfig { poll: Duration::from_millis(10), ..WorkerConfig::default() };
    let outbox: Arc<dyn Outbox> = h.store.clone();
    let worker = tokio::spawn(run(outbox, h.clock.clone(), handler.clone(), config, rx));
    while handler.0.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tx.send(true).unwrap();
    let report = worker.await.unwrap();
    assert_eq!((report.drained.done, report.store_errors), (1, 0));
    let seen = handler.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, BookingEvent::Created);
    let jobs = h.store.jobs(h.business).await.unwrap();
    let notify = jobs.iter().find(|j| j.effect == Effect::Notify).unwrap();
    assert_eq!((notify.booking, notify.state), (booking.id, JobState::Done));
    let webhook = jobs.iter().find(|j| j.effect == Effect::Webhook).unwrap();
    assert_eq!(webhook.state, JobState::Pending, "another effect's worker runs it");
}
