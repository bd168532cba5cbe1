//! §B3 The outbox: side effects written as jobs in the same transaction as the booking change.
//!
//! The engine appends a [`NewJob`] for every booking change it decides ([`crate::jobs::jobs_for`]), so a
//! committed booking always has its jobs and a rolled-back one never does. Workers
//! [`Outbox::claim`] due jobs under a lease, run them, and either [`Outbox::complete`] them or
//! [`Outbox::fail`] them; a failure is retried with exponential backoff ([`RetryPolicy`]) until
//! it is parked. A worker that dies simply lets its lease lapse: the job is claimed again.
//!
//! Completion and failure name the attempt they belong to, so a worker whose lease was taken
//! over cannot overwrite the newer attempt's outcome. Delivery to the outside world is made
//! idempotent with [`Job::delivery_key`], which stays the same across every attempt of a job.
//!
//! Jobs carry no personal data: only ids and the kind of change. A handler reads the booking
//! when it runs, so an anonymised customer's details never reach a queued email.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::booking::BookingStatus;
use crate::ids::{BookingId, BusinessId, JobId};

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Tell the customer (§E).
    Notify,
    /// Call the business's webhook endpoints (§C9).
    Webhook,
    /// Tell the staff member taking the booking (§E1 staff notifications).
    NotifyStaff,
    /// Update the employee's external calendar (§H2).
    Calendar,
    /// Make, move or delete the occasion's Zoom meeting (§J1, §J5).
    Video,
}

impl Effect {
    /// Every effect a booking change has.
    pub const ALL: [Self; 5] =
        [Self::Notify, Self::Webhook, Self::NotifyStaff, Self::Calendar, Self::Video];

    /// The stable code stored and shown (`notify`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Notify => "notify",
            Self::Webhook => "webhook",
            Self::NotifyStaff => "notify_staff",
            Self::Calendar => "calendar",
            Self::Video => "video",
        }
    }

    /// Parses [`Self::code`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == text)
    }
}

/// The booking change a job is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BookingEvent {
    /// A booking was made (or a hold confirmed).
    Created,
    /// A booking was moved: this is the new booking; its `rescheduled_from` names the old one.
    Rescheduled,
    /// A booking's status changed to this one.
    Status(BookingStatus),
    /// The booking starts soon: remind its customer (a job due before the start).
    Reminder,
    /// Its customer was anonymised (§A7): only the calendar, which may show their name, has
    /// something to do (the store writes these jobs in the anonymisation's transaction).
    Anonymised,
    /// Its video link changed (§J: an account connected, replaced or disconnected, a course's
    /// link, the occasion turned online or in person). The store writes these jobs in the
    /// change's transaction: `video` ones for the meetings, and `notify` ones when the customers
    /// are to be told.
    VideoChanged,
}

impl BookingEvent {
    /// The stable code stored and shown (`booking.created`, `booking.canceled`, …).
    #[must_use]
    pub fn code(self) -> String {
        match self {
            Self::Created => "booking.created".to_owned(),
            Self::Rescheduled => "booking.rescheduled".to_owned(),
            Self::Status(status) => format!("booking.{}", status.code()),
            Self::Reminder => "booking.reminder".to_owned(),
            Self::Anonymised => "booking.anonymised".to_owned(),
            Self::VideoChanged => "booking.video".to_owned(),
        }
    }

    /// Parses [`Self::code`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.strip_prefix("booking.")? {
            "created" => Some(Self::Created),
            "rescheduled" => Some(Self::Rescheduled),
            "reminder" => Some(Self::Reminder),
            "anonymised" => Some(Self::Anonymised),
            "video" => Some(Self::VideoChanged),
            status => BookingStatus::parse(status).map(Self::Status),
        }
    }
}

/// Which booking a new job is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingRef {
    /// A booking that exists.
    Existing(BookingId),
    /// The n-th booking (from 0) that the same transaction's writes create.
    Created(usize),
}

/// A job to write in the transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    /// Tenant.
    pub business: BusinessId,
    /// What to do.
    pub effect: Effect,
    /// What happened.
    pub event: BookingEvent,
    /// To which booking.
    pub booking: BookingRef,
    /// Not before.
    pub run_at: Timestamp,
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for `run_at`.
    Pending,
    /// A worker holds it until `lease_until`.
    Claimed,
    /// Done; never run again.
    Done,
    /// Failed too often (or permanently); waits for an operator.
    Parked,
}

impl JobState {
    /// Every state.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Claimed, Self::Done, Self::Parked];

    /// The stable code stored and shown.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed => "claimed",
            Self::Done => "done",
            Self::Parked => "parked",
        }
    }

    /// Parses [`Self::code`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == text)
    }
}

/// A stored job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Id.
    pub id: JobId,
    /// Tenant.
    pub business: BusinessId,
    /// What to do.
    pub effect: Effect,
    /// What happened.
    pub event: BookingEvent,
    /// To which booking.
    pub booking: BookingId,
    /// Where it is.
    pub state: JobState,
    /// How many times it was claimed (the current attempt's number once claimed).
    pub attempts: u32,
    /// Not before (the next retry's time after a failure).
    pub run_at: Timestamp,
    /// While claimed: until when the claim holds.
    pub lease_until: Option<Timestamp>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// When it was written.
    pub created_at: Timestamp,
}

impl Job {
    /// The key that makes delivery idempotent: the same for every attempt of this job, so an
    /// email's `Message-ID` or a calendar event's id derived from it deduplicates a retry.
    #[must_use]
    pub fn delivery_key(&self) -> String {
        format!("job-{}-{}", self.business, self.id)
    }
}

/// How long done jobs are kept by default (`Job`s are the operators' view of what ran; the
/// webhook delivery log is kept apart).
pub const DONE_RETENTION: SignedDuration = SignedDuration::from_hours(7 * 24);

/// How many done jobs one purge statement deletes: small, so that the write connection is never
/// held long.
pub const PURGE_BATCH: usize = 500;

/// How many batches one housekeeping round deletes at most; a backlog (the first run after an
/// upgrade) drains over the following rounds.
pub const PURGE_BATCHES_PER_ROUND: usize = 20;

/// The effects that only some businesses' booking changes have: each costs a job per change,
/// so a business pays for it only while it uses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// `calendar` jobs: an employee has connected a calendar (§H).
    pub calendar: bool,
    /// `video` jobs: the business has a Zoom account (§J).
    pub video: bool,
}

impl Extras {
    /// The extras of a business, from the flags its store keeps.
    #[must_use]
    pub const fn of(business: &crate::catalog::Business) -> Self {
        Self { calendar: business.calendar_sync, video: business.video_meetings }
    }

    /// Whether a booking change writes a job of this effect.
    #[must_use]
    pub const fn wants(self, effect: Effect) -> bool {
        match effect {
            Effect::Calendar => self.calendar,
            Effect::Video => self.video,
            Effect::Notify | Effect::Webhook | Effect::NotifyStaff => true,
        }
    }
}

/// When to retry a failed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; each further failure doubles it.
    pub first_delay: SignedDuration,
    /// The longest wait.
    pub max_delay: SignedDuration,
    /// After this many failed attempts the job is parked.
    pub max_attempts: u32,
    /// How long a claim holds before another worker may take the job.
    pub lease: SignedDuration,
}

impl Default for RetryPolicy {
    /// 30 s, 1 min, 2 min, … capped at 1 h; parked after 10 attempts; 5-minute leases.
    fn default() -> Self {
        Self {
            first_delay: SignedDuration::from_secs(30),
            max_delay: SignedDuration::from_hours(1),
            max_attempts: 10,
            lease: SignedDuration::from_mins(5),
        }
    }
}

impl RetryPolicy {
    /// When attempt number `attempt` (from 1) having failed at `now`, the job runs again; `None`
    /// when it must be parked.
    #[must_use]
    pub fn retry_at(&self, attempt: u32, now: Timestamp) -> Option<Timestamp> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doublings = attempt.saturating_sub(1).min(30);
        let delay = self.first_delay.checked_mul(1 << doublings).unwrap_or(self.max_delay);
        let delay = if delay > self.max_delay { self.max_delay } else { delay };
        Some(now.saturating_add(delay).unwrap_or(Timestamp::MAX))
    }
}

/// Why a handler could not run a job.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth retrying (a timeout, a 5xx).
    #[error("temporary failure: {0}")]
    Retry(String),
    /// Worth retrying, and the other side said when (HTTP `Retry-After`): the next attempt waits
    /// at least that long, and at least the policy's backoff.
    #[error("temporary failure: {0}")]
    RetryAfter(String, Option<SignedDuration>),
    /// Not a failure: something the job needs is being made by another job right now (a video
    /// meeting); run it again after this short delay, without the backoff. Counts as an
    /// attempt, so it still parks after the policy's last one.
    #[error("waiting: {0}")]
    Wait(String, SignedDuration),
    /// Retrying cannot help (the address was refused); the job is parked at once.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// What one pass of [`drain`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Jobs completed.
    pub done: usize,
    /// Jobs rescheduled after a failure.
    pub retried: usize,
    /// Jobs parked.
    pub parked: usize,
    /// Jobs whose lease was lost before their outcome was recorded.
    pub lost: usize,
}

impl Drained {
    /// Jobs claimed in all.
    #[must_use]
    pub const fn claimed(&self) -> usize {
        self.done + self.retried + self.parked + self.lost
    }
}

impl fmt::Display for Drained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} done, {} retried, {} parked, {} lost",
            self.done, self.retried, self.parked, self.lost
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn backoff_doubles_then_caps_then_parks() {
        let policy = RetryPolicy::default();
        let now = at("2027-01-01T00:00:00Z");
        let waits: Vec<i64> = (1..10)
            .map(|n| policy.retry_at(n, now).unwrap().duration_since(now).as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(policy.retry_at(10, now), None);
        assert_eq!(policy.retry_at(u32::MAX, now), None);
    }

    #[test]
    fn codes_round_trip() {
        for status in BookingStatus::ALL {
            let event = BookingEvent::Status(status);
            assert_eq!(BookingEvent::parse(&event.code()), Some(event));
        }
        for event in [
            BookingEvent::Created,
            BookingEvent::Rescheduled,
            BookingEvent::Reminder,
            BookingEvent::Anonymised,
        ] {
            assert_eq!(BookingEvent::parse(&event.code()), Some(event));
        }
        assert_eq!(BookingEvent::parse("created"), None);
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.code()), Some(state));
        }
        for effect in Effect::ALL {
            assert_eq!(Effect::parse(effect.code()), Some(effect));
        }
    }
}
