//! Fakes of the non-storage ports: a settable clock, deterministic tokens, and recorders.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use booking_core::calendar::{
    CalendarError, CalendarEvent, Grant, OAuthApp, Provider, PushedEvent,
};
use booking_core::ports::calendar::CalendarApi;
use booking_core::ports::calendar::OAuthFlow;
use booking_core::ports::calendar::Sealer;
use booking_core::ports::clock::Clock;
use booking_core::ports::mail::MailError;
use booking_core::ports::mail::Message;
use booking_core::ports::meetings::Meeting;
use booking_core::ports::meetings::MeetingError;
use booking_core::ports::meetings::MeetingProvider;
use booking_core::ports::meetings::MeetingRequest;
use booking_core::ports::passwords::HashError;
use booking_core::ports::passwords::PasswordHash;
use booking_core::ports::passwords::PasswordHasher;
use booking_core::ports::tokens::Secret;
use booking_core::ports::tokens::TokenSource;
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
impl booking_core::ports::mail::Mailer for RecordingMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let mut failures = lock(&self.failures);
        if !failures.is_empty() {
            return Err(failures.remove(0));
        }
        lock(&self.sent).push(message.clone());
        Ok(())
    }
}

/// A calendar provider held in memory: OAuth (codes, access and refresh tokens that it can
/// expire or revoke), events keyed by our idempotency key, and busy intervals.
pub struct FakeCalendarApi {
    provider: Provider,
    state: Mutex<FakeCalendarState>,
}

#[derive(Debug, Default)]
struct FakeCalendarState {
    events: Vec<(String, CalendarEvent)>,
    busy: Vec<Interval>,
    access: String,
    refresh: String,
    revoked: bool,
    issued: u64,
    calls: Vec<String>,
    /// Event creations still to lose the answer of.
    lost_answers: u32,
}

impl std::fmt::Debug for FakeCalendarApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeCalendarApi").field("provider", &self.provider).finish_non_exhaustive()
    }
}

impl FakeCalendarApi {
    /// A provider that accepts the code `good-code` for the account `employee@example.com`.
    #[must_use]
    pub fn new(provider: Provider) -> Self {
        Self { provider, state: Mutex::new(FakeCalendarState::default()) }
    }

    /// Events currently in the calendar, with their external ids.
    #[must_use]
    pub fn events(&self) -> Vec<(String, CalendarEvent)> {
        lock(&self.state).events.clone()
    }

    /// Makes the next `n` event creations lose their answer: the event is made, the caller
    /// is told to retry later (as after a timeout).
    pub fn lose_answers(&self, n: u32) {
        lock(&self.state).lost_answers = n;
    }

    /// Sets the busy intervals the calendar reports.
    pub fn set_busy(&self, busy: Vec<Interval>) {
        lock(&self.state).busy = busy;
    }

    /// Makes the current access token invalid (as if it expired early).
    pub fn expire_access(&self) {
        lock(&self.state).access = "expired".into();
    }

    /// Revokes the grant: every token stops working and refreshes fail.
    pub fn revoke_grant(&self) {
        let mut s = lock(&self.state);
        s.revoked = true;
        s.access = "revoked".into();
    }

    /// The calls made so far (`push`, `refresh`, `delete`, …).
    #[must_use]
    pub fn calls(&self) -> Vec<String> {
        lock(&self.state).calls.clone()
    }

    fn grant(s: &mut FakeCalendarState) -> Grant {
        s.issued += 1;
        s.access = format!("access-{}", s.issued);
        s.refresh = format!("refresh-{}", s.issued);
        Grant {
            access_token: s.access.clone(),
            refresh_token: Some(s.refresh.clone()),
            lifetime: SignedDuration::from_hours(1),
        }
    }

    fn check(
        &self,
        access: &str,
        call: &str,
    ) -> Result<std::sync::MutexGuard<'_, FakeCalendarState>, CalendarError> {
        let mut s = lock(&self.state);
        s.calls.push(call.to_owned());
        if s.revoked || access != s.access {
            return Err(CalendarError::Unauthorized);
        }
        Ok(s)
    }
}

#[async_trait]
impl OAuthFlow for FakeCalendarApi {
    fn authorize_url(&self, app: &OAuthApp, state: &str) -> String {
        format!(
            "https://consent.invalid/{}?client_id={}&state={state}",
            self.provider, app.client_id
        )
    }

    async fn exchange_code(&self, _app: &OAuthApp, code: &str) -> Result<Grant, CalendarError> {
        let mut s = lock(&self.state);
        s.calls.push("exchange".into());
        if code != "good-code" {
            return Err(CalendarError::Failed("invalid_grant".into()));
        }
        s.revoked = false;
        Ok(Self::grant(&mut s))
    }

    async fn refresh(&self, _app: &OAuthApp, token: &str) -> Result<Grant, CalendarError> {
        let mut s = lock(&self.state);
        s.calls.push("refresh".into());
        if s.revoked || token != s.refresh {
            return Err(CalendarError::Revoked);
        }
        Ok(Self::grant(&mut s))
    }

    async fn revoke(&self, _app: &OAuthApp, _token: &str) -> Result<(), CalendarError> {
        self.revoke_grant();
        lock(&self.state).calls.push("revoke".into());
        Ok(())
    }
}

#[async_trait]
impl CalendarApi for FakeCalendarApi {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn label(&self, _locale: booking_core::settings::Locale) -> &'static str {
        "Fake Calendar"
    }

    fn meeting_placeholder(&self) -> Option<&'static str> {
        Some("google_meet_url")
    }

    fn oauth(&self) -> &dyn OAuthFlow {
        self
    }

    async fn account(&self, access: &str) -> Result<String, CalendarError> {
        drop(self.check(access, "account")?);
        Ok("employee@example.com".into())
    }

    async fn push(
        &self,
        access: &str,
        existing: Option<&str>,
        event: &CalendarEvent,
    ) -> Result<PushedEvent, CalendarError> {
        let mut s = self.check(access, "push")?;
        let found = existing
            .and_then(|id| s.events.iter().position(|(e, _)| e == id))
            .or_else(|| s.events.iter().position(|(_, e)| e.key == event.key));
        let external_id = match found {
            Some(i) => {
                s.events[i].1 = event.clone();
                s.events[i].0.clone()
            }
            None => {
                let id = format!("ev-{}", event.key);
                s.events.push((id.clone(), event.clone()));
                if s.lost_answers > 0 {
                    s.lost_answers -= 1;
                    return Err(CalendarError::RetryLater("the answer was lost".into(), None));
                }
                id
            }
        };
        let meeting_url =
            event.with_meeting_link.then(|| format!("https://meet.invalid/{external_id}"));
        Ok(PushedEvent { external_id, meeting_url })
    }

    async fn delete(&self, access: &str, external_id: &str) -> Result<(), CalendarError> {
        self.check(access, "delete")?.events.retain(|(id, _)| id != external_id);
        Ok(())
    }

    async fn busy(
        &self,
        access: &str,
        _account: &str,
        window: Interval,
    ) -> Result<Vec<Interval>, CalendarError> {
        let s = self.check(access, "busy")?;
        Ok(s.busy.iter().filter(|b| b.overlaps(&window)).copied().collect())
    }
}

/// Seals by reversing and tagging: enough to see that stored values are not the clear ones.
#[derive(Debug, Default)]
pub struct FakeSealer;

impl Sealer for FakeSealer {
    fn seal(&self, plain: &str) -> String {
        format!("sealed:{}", plain.chars().rev().collect::<String>())
    }

    fn open(&self, sealed: &str) -> Option<String> {
        sealed.strip_prefix("sealed:").map(|s| s.chars().rev().collect())
    }
}

/// A meeting service (`fake-meet`) as a set of [`FakeMeetings`], one per app (`account/user`):
/// a secret of `wrong` is refused, and every meeting remembers the app it was made on. (Zoom's
/// HTTP details, token and bodies, are `booking-video-zoom`'s tests, against a wiremock Zoom.)
#[derive(Debug, Default)]
pub struct FakeMeetingService {
    apps: Mutex<std::collections::BTreeMap<String, std::sync::Arc<FakeMeetings>>>,
    next: std::sync::Arc<AtomicU64>,
}

impl FakeMeetingService {
    /// Its id.
    pub const PROVIDER: booking_core::provider::Provider =
        booking_core::provider::Provider::new("fake-meet");

    /// The meetings that exist now, with the app that made each.
    #[must_use]
    pub fn meetings(&self) -> Vec<(String, Meeting, MeetingRequest)> {
        let apps = lock(&self.apps).clone();
        let mut all: Vec<_> = apps
            .into_iter()
            .flat_map(|(app, m)| m.meetings().into_iter().map(move |(m, r)| (app.clone(), m, r)))
            .collect();
        all.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        all
    }
}

#[async_trait]
impl booking_core::ports::video::MeetingConnector for FakeMeetingService {
    fn provider(&self) -> booking_core::provider::Provider {
        Self::PROVIDER
    }

    fn label(&self, _locale: booking_core::settings::Locale) -> &'static str {
        "Fake Meet"
    }

    fn meetings(
        &self,
        app: &booking_core::video::MeetingApp,
        secret: &str,
    ) -> std::sync::Arc<dyn MeetingProvider> {
        let _ = secret;
        let mut apps = lock(&self.apps);
        let next = std::sync::Arc::clone(&self.next);
        let meetings = apps.entry(app.host().account).or_insert_with(|| {
            std::sync::Arc::new(FakeMeetings { next, ..FakeMeetings::default() })
        });
        std::sync::Arc::clone(meetings) as std::sync::Arc<dyn MeetingProvider>
    }

    async fn check(
        &self,
        _app: &booking_core::video::MeetingApp,
        secret: &str,
    ) -> Result<(), MeetingError> {
        if secret == "wrong" {
            return Err(MeetingError("zoom answered 401: invalid client".into()));
        }
        Ok(())
    }
}

/// A meeting provider that makes one unique meeting per request.
#[derive(Debug, Default)]
pub struct FakeMeetings {
    meetings: Mutex<Vec<(Meeting, MeetingRequest)>>,
    next: std::sync::Arc<AtomicU64>,
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
