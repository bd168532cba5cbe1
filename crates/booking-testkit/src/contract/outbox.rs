//! Contract cases of the outbox: jobs written with the change, claims, leases, retries.

use super::*;

/// Every booking change writes its jobs with it; a refused change writes none.
pub async fn booking_changes_write_their_jobs_in_the_transaction(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let booking = book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    assert!(book(&h, "2027-01-04T10:00:00Z").await.is_err());
    let all = h.store.jobs(h.business).await.unwrap();
    let (reminders, jobs): (Vec<Job>, Vec<Job>) =
        all.into_iter().partition(|j| j.event == BookingEvent::Reminder);
    assert_eq!(events_of(&jobs), vec![(BookingEvent::Created, booking.id)]);
    let effects: Vec<Effect> = jobs.iter().map(|j| j.effect).collect();
    assert_eq!(
        effects,
        [Effect::Notify, Effect::Webhook, Effect::NotifyStaff],
        "one job per effect; no calendar job without calendar sync"
    );
    assert_eq!(reminders.len(), 1, "and a reminder");
    assert_eq!((reminders[0].effect, reminders[0].booking), (Effect::Notify, booking.id));
    assert_eq!(reminders[0].run_at, at("2027-01-03T10:00:00Z"), "due a day before the start");
    let job = &jobs[0];
    assert_eq!((job.effect, job.state, job.attempts), (Effect::Notify, JobState::Pending, 0));
    assert_eq!((job.run_at, job.lease_until, job.last_error.as_deref()), (at(NOW), None, None));
    let moved = h
        .engine
        .reschedule(
            h.business,
            booking.id,
            at("2027-01-04T13:00:00Z"),
            None,
            None,
            Actor::staff(Role::Agent, None),
            Limits::Apply,
        )
        .await
        .unwrap();
    h.engine.cancel(h.business, moved.id, Actor::staff(Role::Agent, None), None).await.unwrap();
    let jobs = h.store.jobs(h.business).await.unwrap();
    assert_eq!(
        events_of(&jobs),
        vec![
            (BookingEvent::Created, booking.id),
            (BookingEvent::Rescheduled, moved.id),
            (BookingEvent::Status(BookingStatus::Canceled), moved.id),
        ]
    );
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    assert!(h.store.jobs(other.business).await.unwrap().is_empty(), "scoped by business");
}

async fn book_jobs(h: &Harness, count: usize) -> Vec<JobId> {
    let mut start = at("2027-01-04T08:00:00Z");
    for _ in 0..count {
        book(h, &start.to_string()).await.unwrap();
        start = start.checked_add(SignedDuration::from_mins(30)).unwrap();
    }
    jobs_of(h, Effect::Notify).await.iter().map(|j| j.id).collect()
}

/// Eight workers claiming at once never get the same job.
pub async fn outbox_claims_are_exclusive(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let ids = book_jobs(&h, 12).await;
    assert_eq!(ids.len(), 12);
    let lease = SignedDuration::from_mins(1);
    let claims = join_all((0..8).map(|_| h.store.claim(at(NOW), lease, 2, Effect::Notify))).await;
    let claimed: Vec<JobId> = claims.into_iter().flat_map(Result::unwrap).map(|j| j.id).collect();
    let unique: BTreeSet<JobId> = claimed.iter().copied().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice: {claimed:?}");
    assert_eq!(claimed.len(), 12);
    assert!(
        h.store.claim(at(NOW), lease, 10, Effect::Notify).await.unwrap().is_empty(),
        "all leased"
    );
    // Another effect's worker gets that effect's jobs only.
    let webhooks = h.store.claim(at(NOW), lease, 100, Effect::Webhook).await.unwrap();
    assert_eq!(webhooks.len(), 12);
    assert!(webhooks.iter().all(|j| j.effect == Effect::Webhook && !unique.contains(&j.id)));
}

/// A job whose worker died is claimed again once its lease ends, and the dead worker's late
/// answer is ignored.
pub async fn outbox_reclaims_a_job_whose_lease_lapsed(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 1).await;
    let lease = SignedDuration::from_mins(1);
    let first = h.store.claim(at(NOW), lease, 10, Effect::Notify).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].attempts, first[0].state), (1, JobState::Claimed));
    assert_eq!(first[0].lease_until, Some(at("2027-01-01T08:01:00Z")));
    assert!(
        h.store
            .claim(at("2027-01-01T08:00:59Z"), lease, 10, Effect::Notify)
            .await
            .unwrap()
            .is_empty()
    );
    let second =
        h.store.claim(at("2027-01-01T08:01:00Z"), lease, 10, Effect::Notify).await.unwrap();
    assert_eq!(second.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(), [(first[0].id, 2)]);
    assert!(!h.store.complete(first[0].id, 1).await.unwrap(), "the dead worker lost its lease");
    assert!(!h.store.fail(first[0].id, 1, "late", None).await.unwrap());
    assert!(h.store.complete(first[0].id, 2).await.unwrap());
    assert!(!h.store.complete(first[0].id, 2).await.unwrap(), "completion is idempotent");
    let jobs = jobs_of(&h, Effect::Notify).await;
    assert_eq!((jobs[0].state, jobs[0].attempts, jobs[0].lease_until), (JobState::Done, 2, None));
    assert!(
        h.store
            .claim(at("2027-01-02T00:00:00Z"), lease, 10, Effect::Notify)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Fails its first `failures` runs of each job with a temporary error, then delivers once.
struct Flaky {
    failures: u32,
    runs: Mutex<Vec<(JobId, u32)>>,
    delivered: Mutex<Vec<String>>,
}

impl Flaky {
    fn new(failures: u32) -> Self {
        Self { failures, runs: Mutex::new(Vec::new()), delivered: Mutex::new(Vec::new()) }
    }
}

#[async_trait]
impl JobHandler for Flaky {
    fn effect(&self) -> Effect {
        Effect::Notify
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let mut runs = self.runs.lock().unwrap();
        runs.push((job.id, job.attempts));
        if job.attempts <= self.failures {
            return Err(JobError::Retry(format!("smtp timeout #{}", job.attempts)));
        }
        let mut delivered = self.delivered.lock().unwrap();
        if !delivered.contains(&job.delivery_key()) {
            delivered.push(job.delivery_key());
        }
        Ok(())
    }
}

/// A failing job is retried after 30 s, then 60 s, and delivered once.
pub async fn outbox_retries_with_backoff_and_delivers_once(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 1).await;
    let handler = Flaky::new(2);
    let policy = RetryPolicy::default();
    let run = || drain(h.store.as_ref(), h.clock.as_ref(), &handler, &policy, 10);
    assert_eq!(run().await.unwrap().retried, 1);
    assert_eq!(run().await.unwrap().claimed(), 0, "not before its backoff");
    h.clock.advance(SignedDuration::from_secs(29));
    assert_eq!(run().await.unwrap().claimed(), 0);
    h.clock.advance(SignedDuration::from_secs(1));
    assert_eq!(run().await.unwrap().retried, 1);
    let job = jobs_of(&h, Effect::Notify).await.remove(0);
    assert_eq!(job.run_at, at("2027-01-01T08:01:30Z"), "60 s after the second failure");
    assert_eq!(job.last_error.as_deref(), Some("temporary failure: smtp timeout #2"));
    h.clock.advance(SignedDuration::from_secs(60));
    assert_eq!(run().await.unwrap().done, 1);
    h.clock.advance(SignedDuration::from_hours(2));
    assert_eq!(run().await.unwrap().claimed(), 0, "done jobs never run again");
    assert_eq!(handler.delivered.lock().unwrap().len(), 1);
    assert_eq!(
        handler.runs.lock().unwrap().iter().map(|r| r.1).collect::<Vec<_>>(),
        [1, 2, 3],
        "attempts are counted"
    );
    assert_eq!(jobs_of(&h, Effect::Notify).await[0].state, JobState::Done);
}

struct Refused;

#[async_trait]
impl JobHandler for Refused {
    fn effect(&self) -> Effect {
        Effect::Notify
    }

    async fn handle(&self, _: &Job) -> Result<(), JobError> {
        Err(JobError::Permanent("mailbox does not exist".into()))
    }
}

/// Jobs that keep failing are parked (at once when permanent); an operator puts them back.
pub async fn outbox_parks_and_operators_retry(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let ids = book_jobs(&h, 2).await;
    let policy = RetryPolicy { max_attempts: 2, ..RetryPolicy::default() };
    let report = drain(h.store.as_ref(), h.clock.as_ref(), &Refused, &policy, 1).await.unwrap();
    assert_eq!((report.parked, report.retried), (2, 0));
    let always = Flaky::new(u32::MAX);
    assert_eq!(
        drain(h.store.as_ref(), h.clock.as_ref(), &always, &policy, 1).await.unwrap().claimed(),
        0,
        "parked jobs are not claimed"
    );
    assert!(h.store.retry_parked(h.business, ids[0], at(NOW)).await.unwrap());
    assert!(!h.store.retry_parked(h.business, ids[0], at(NOW)).await.unwrap(), "not parked now");
    let other = BusinessId::new(h.business.get() + 1_000);
    assert!(!h.store.retry_parked(other, ids[1], at(NOW)).await.unwrap(), "scoped by business");
    let report = drain(h.store.as_ref(), h.clock.as_ref(), &always, &policy, 1).await.unwrap();
    assert_eq!(report.parked, 1, "the attempt count goes on, so it parks again: {report}");
    let jobs = jobs_of(&h, Effect::Notify).await;
    assert!(jobs.iter().all(|j| j.state == JobState::Parked));
}

struct Throttled;

#[async_trait]
impl JobHandler for Throttled {
    fn effect(&self) -> Effect {
        Effect::Webhook
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let after = if job.attempts == 1 { 600 } else { 1 };
        Err(JobError::RetryAfter("HTTP 429".into(), Some(SignedDuration::from_secs(after))))
    }
}

/// A provider's `Retry-After` delays the next attempt when it asks for more than the backoff,
/// and never shortens the backoff.
pub async fn outbox_honours_retry_after(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 1).await;
    let policy = RetryPolicy::default();
    let run = || drain(h.store.as_ref(), h.clock.as_ref(), &Throttled, &policy, 10);
    assert_eq!(run().await.unwrap().retried, 1);
    let job = jobs_of(&h, Effect::Webhook).await.remove(0);
    assert_eq!(job.run_at, at("2027-01-01T08:10:00Z"), "the provider asked for 10 minutes");
    h.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(run().await.unwrap().retried, 1);
    let job = jobs_of(&h, Effect::Webhook).await.remove(0);
    assert_eq!(job.run_at, at("2027-01-01T08:11:00Z"), "1 s asked, the 60 s backoff kept");
}

/// Done jobs due before a time are deleted, a bounded batch at a time; pending and parked jobs
/// stay; and a job written after a purge never takes a deleted job's id (a webhook delivery is
/// recognised by its job's id).
pub async fn outbox_keeps_only_due_and_recent_jobs(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book_jobs(&h, 3).await;
    let lease = SignedDuration::from_mins(1);
    let claimed = h.store.claim(at(NOW), lease, 10, Effect::Notify).await.unwrap();
    assert_eq!(claimed.len(), 3, "the confirmations");
    assert!(h.store.complete(claimed[0].id, 1).await.unwrap());
    assert!(h.store.complete(claimed[1].id, 1).await.unwrap());
    assert!(h.store.fail(claimed[2].id, 1, "refused", None).await.unwrap(), "parked");
    let after = at("2027-01-01T08:01:00Z");
    assert_eq!(
        h.store.purge_done(Effect::Notify, at(NOW), 10).await.unwrap(),
        0,
        "due at, not before"
    );
    assert_eq!(h.store.purge_done(Effect::Webhook, after, 10).await.unwrap(), 0, "not done");
    assert_eq!(h.store.purge_done(Effect::Notify, after, 1).await.unwrap(), 1, "a batch at most");
    assert_eq!(h.store.purge_done(Effect::Notify, after, 10).await.unwrap(), 1);
    assert_eq!(h.store.purge_done(Effect::Notify, after, 10).await.unwrap(), 0);
    let left = jobs_of(&h, Effect::Notify).await;
    assert_eq!(left.len(), 1, "the parked job stays: {left:?}");
    assert_eq!((left[0].id, left[0].state), (claimed[2].id, JobState::Parked));
    let others = h.store.jobs(h.business).await.unwrap();
    assert!(others.iter().all(|j| j.state != JobState::Done), "pending jobs stay: {others:?}");

    // Everything done, then purged: the next jobs take new ids.
    let every: Vec<JobId> = h.store.jobs(h.business).await.unwrap().iter().map(|j| j.id).collect();
    let last = *every.iter().max().unwrap();
    let later = at("2027-01-05T00:00:00Z");
    for effect in Effect::ALL {
        for job in h.store.claim(later, lease, 100, effect).await.unwrap() {
            assert!(h.store.complete(job.id, job.attempts).await.unwrap());
        }
    }
    assert!(h.store.retry_parked(h.business, claimed[2].id, later).await.unwrap());
    for job in h.store.claim(later, lease, 100, Effect::Notify).await.unwrap() {
        assert!(h.store.complete(job.id, job.attempts).await.unwrap());
    }
    let purged =
        booking_core::services::outbox::purge_done(h.store.as_ref(), at("2027-01-06T00:00:00Z"))
            .await
            .unwrap();
    assert_eq!(purged, every.len(), "every job left, all done by now");
    assert!(h.store.jobs(h.business).await.unwrap().is_empty());
    book(&h, "2027-01-04T12:00:00Z").await.unwrap();
    let fresh = h.store.jobs(h.business).await.unwrap();
    assert!(!fresh.is_empty());
    assert!(fresh.iter().all(|j| j.id > last), "no id given twice: {fresh:?} after {last:?}");
}
