//! Fakes of the non-storage ports: a settable clock, deterministic tokens, and recorders.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use booking_core::ports::{
    CalendarError, CalendarEvent, CalendarProvider, Clock, HashError, MailError, Meeting,
    MeetingError, MeetingProvider, MeetingRequest, Message, PasswordHash, PasswordHasher,
    PushedEvent, Secret, TokenSource,
};
use booking_core::time::{Interval, SignedDuration, Timestamp};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct FakeClock(Mutex<Timestamp>);

impl FakeClock {
    /// A clock at `now`.
    #[must_use]
    pub fn at(now: Timestamp) -> Self {
        Self(Mutex::new(now))
    }

    /// Parses an RFC 3339 instant; panics on bad input (tests only).
    #[must_use]
    pub fn parse(now: &str) -> Self {
        Self::at(now.parse().expect("an RFC 3339 instant"))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut now = lock(&self.0);
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    /// Sets the clock.
    pub fn set(&self, to: Timestamp) {
        *lock(&self.0) = to;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *lock(&self.0)
    }
}

/// Deterministic "random" bytes (splitmix64 from a seed): the same seed gives the same tokens.
#[derive(Debug)]
pub struct SeqTokens(AtomicU64);

impl SeqTokens {
    /// A source seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }
}

impl TokenSource for SeqTokens {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut z = self
                .0
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// A reversible "hash" for tests: `fake$<password>`. Never use outside tests.
#[derive(Debug, Default)]
pub struct FakeHasher;

impl PasswordHasher for FakeHasher {
    fn hash(&self, password: &Secret) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash(format!("fake${}", password.expose())))
    }

    fn verify(&self, password: &Secret, hash: &PasswordHash) -> bool {
        hash.0.strip_prefix("fake$") == Some(password.expose())
    }
}

/// Keeps every message it is asked to send; can be told to fail the next sends.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Message>>,
    failures: Mutex<Vec<MailError>>,
}

impl RecordingMailer {
    /// Everything sent so far.
    #[must_use]
    pub fn sent(&self) -> Vec<Message> {
        lock(&self.sent).clone()
    }

    /// The next sends fail with these errors, in order.
    pub fn fail_next(&self, errors: Vec<MailError>) {
        *lock(&self.failures) = errors;
    }
}

#[async_trait]
impl booking_core::ports::Mailer for RecordingMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let mut failures = lock(&self.failures);
        if !failures.is_empty() {
            return Err(failures.remove(0));
        }
        lock(&self.sent).push(message.clone());
        Ok(())
    }
}

/// An external calendar held in memory.
#[derive(Debug, Default)]
pub struct RecordingCalendar {
    events: Mutex<Vec<(String, CalendarEvent)>>,
    busy: Mutex<Vec<Interval>>,
    next: AtomicU64,
}

impl RecordingCalendar {
    /// Events currently in the calendar, with their external ids.
    #[must_use]
    pub fn events(&self) -> Vec<(String, CalendarEvent)> {
        lock(&self.events).clone()
    }

    /// Sets the busy intervals the calendar reports.
    pub fn set_busy(&self, busy: Vec<Interval>) {
        *lock(&self.busy) = busy;
    }
}

#[async_trait]
impl CalendarProvider for RecordingCalendar {
    async fn push(
        &self,
        existing: Option<&str>,
        event: &CalendarEvent,
    ) -> Result<PushedEvent, CalendarError> {
        let mut events = lock(&self.events);
        let external_id = match existing.and_then(|id| events.iter().position(|(e, _)| e == id)) {
            Some(i) => {
                events[i].1 = event.clone();
                events[i].0.clone()
            }
            None => {
                let id = format!("ev{}", self.next.fetch_add(1, Ordering::Relaxed));
                events.push((id.clone(), event.clone()));
                id
            }
        };
        let meeting_url =
            event.with_meeting_link.then(|| format!("https://meet.invalid/{external_id}"));
        Ok(PushedEvent { external_id, meeting_url })
    }

    async fn delete(&self, external_id: &str) -> Result<(), CalendarError> {
        lock(&self.events).retain(|(id, _)| id != external_id);
        Ok(())
    }

    async fn busy(&self, window: Interval) -> Result<Vec<Interval>, CalendarError> {
        Ok(lock(&self.busy).iter().filter(|b| b.overlaps(&window)).copied().collect())
    }
}

/// A meeting provider that makes one unique meeting per request.
#[derive(Debug, Default)]
pub struct FakeMeetings {
    meetings: Mutex<Vec<(Meeting, MeetingRequest)>>,
    next: AtomicU64,
}

impl FakeMeetings {
    /// Meetings that exist now.
    #[must_use]
    pub fn meetings(&self) -> Vec<(Meeting, MeetingRequest)> {
        lock(&self.meetings).clone()
    }
}

#[async_trait]
impl MeetingProvider for FakeMeetings {
    async fn create(&self, request: &MeetingRequest) -> Result<Meeting, MeetingError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let meeting = Meeting {
            id: n.to_string(),
            join_url: format!("https://video.invalid/j/{n}"),
            start_url: Some(format!("https://video.invalid/s/{n}")),
            password: Some(format!("pw{n}")),
        };
        lock(&self.meetings).push((meeting.clone(), request.clone()));
        Ok(meeting)
    }

    async fn update(&self, id: &str, request: &MeetingRequest) -> Result<Meeting, MeetingError> {
        let mut meetings = lock(&self.meetings);
        let entry = meetings
            .iter_mut()
            .find(|(m, _)| m.id == id)
            .ok_or_else(|| MeetingError(format!("no meeting {id}")))?;
        entry.1 = request.clone();
        Ok(entry.0.clone())
    }

    async fn delete(&self, id: &str) -> Result<(), MeetingError> {
        lock(&self.meetings).retain(|(m, _)| m.id != id);
        Ok(())
    }
}
