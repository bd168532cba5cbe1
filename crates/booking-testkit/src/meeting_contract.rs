//! The meeting provider contract: what every [`MeetingProvider`] must do for §J's one meeting
//! per occasion — a meeting per key, moved in place, deleted once and for all.
//!
//! A provider adapter runs it with one line in its tests, given a way to start a stateful fake
//! of the provider's service ([`MeetingFake`]):
//!
//! ```text
//! booking_testkit::meeting_contract_tests!(MyFake::start);
//! ```

use std::sync::Arc;

use booking_core::ports::meetings::MeetingProvider;
use booking_core::ports::meetings::MeetingRequest;
use booking_core::time::{Interval, Timestamp};

/// A meeting provider over a running fake of its service.
pub trait MeetingFake: Send + Sync {
    /// A client of the provider talking to this fake.
    fn provider(&self) -> Arc<dyn MeetingProvider>;
    /// Every meeting the service holds now: its id and its start.
    fn meetings(&self) -> Vec<(String, Timestamp)>;
}

/// Runs every case for a provider. `$start` returns a future of a started [`MeetingFake`]
/// holding no meeting.
#[macro_export]
macro_rules! meeting_contract_tests {
    ($start:expr) => {
        $crate::meeting_contract_tests!(@cases $start;
            meeting_contract_made_moved_and_deleted => made_moved_and_deleted,
            meeting_contract_each_occasion_gets_its_own_meeting => each_occasion_gets_its_own_meeting,
        );
    };
    (@cases $start:expr; $($name:ident => $case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let fake = ($start)().await;
                $crate::meeting_contract::$case(&fake).await;
            }
        )*
    };
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 instant")
}

fn request(key: &str, start: &str, end: &str) -> MeetingRequest {
    MeetingRequest {
        key: key.into(),
        topic: "Yoga".into(),
        interval: Interval::new(at(start), at(end)).expect("non-empty"),
    }
}

/// A meeting is made at the occasion's time with a join link, moved in place (same id, same
/// link), deleted, and deleting it again is a success.
pub async fn made_moved_and_deleted(fake: &dyn MeetingFake) {
    let provider = fake.provider();
    let made = provider
        .create(&request("session-1", "2027-01-04T09:00:00Z", "2027-01-04T09:45:00Z"))
        .await
        .unwrap();
    assert!(made.join_url.starts_with("https://"), "{}", made.join_url);
    assert_eq!(fake.meetings(), [(made.id.clone(), at("2027-01-04T09:00:00Z"))]);
    let moved = provider
        .update(&made.id, &request("session-1", "2027-01-04T10:00:00Z", "2027-01-04T10:45:00Z"))
        .await
        .unwrap();
    assert_eq!((&moved.id, &moved.join_url), (&made.id, &made.join_url), "moved in place");
    assert_eq!(fake.meetings(), [(made.id.clone(), at("2027-01-04T10:00:00Z"))]);
    provider.delete(&made.id).await.unwrap();
    assert_eq!(fake.meetings(), []);
    provider.delete(&made.id).await.expect("deleting a deleted meeting is a success");
}

/// Two occasions at the same time get two meetings, with their own ids and links.
pub async fn each_occasion_gets_its_own_meeting(fake: &dyn MeetingFake) {
    let provider = fake.provider();
    let a = provider
        .create(&request("session-1", "2027-01-04T09:00:00Z", "2027-01-04T09:45:00Z"))
        .await
        .unwrap();
    let b = provider
        .create(&request("booking-7", "2027-01-04T09:00:00Z", "2027-01-04T09:45:00Z"))
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_ne!(a.join_url, b.join_url);
    let mut held: Vec<String> = fake.meetings().into_iter().map(|(id, _)| id).collect();
    held.sort();
    let mut made = vec![a.id, b.id];
    made.sort();
    assert_eq!(held, made);
}

/// The in-memory provider ([`crate::FakeMeetings`]) as a [`MeetingFake`].
#[derive(Default)]
pub struct MemoryMeetings(Arc<crate::FakeMeetings>);

impl MemoryMeetings {
    /// A provider in memory holding no meeting.
    pub async fn start() -> Self {
        Self::default()
    }
}

impl MeetingFake for MemoryMeetings {
    fn provider(&self) -> Arc<dyn MeetingProvider> {
        self.0.clone()
    }

    fn meetings(&self) -> Vec<(String, Timestamp)> {
        self.0.meetings().into_iter().map(|(m, r)| (m.id, r.interval.start())).collect()
    }
}
