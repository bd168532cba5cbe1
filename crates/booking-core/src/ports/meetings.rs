//! Video meetings at a provider (Zoom): one call each to make, move and delete a meeting.

use async_trait::async_trait;

use crate::time::Interval;

/// A video meeting to create for a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRequest {
    /// Our stable key (session or booking id).
    pub key: String,
    /// Topic (rendered template).
    pub topic: String,
    /// When.
    pub interval: Interval,
}

/// A created meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    /// Provider id.
    pub id: String,
    /// Link for participants.
    pub join_url: String,
    /// Link for the host.
    pub start_url: Option<String>,
    /// Password, if any.
    pub password: Option<String>,
}

/// A meeting call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("meeting provider failure: {0}")]
pub struct MeetingError(pub String);

/// Creates video meetings (Zoom, a custom link).
#[async_trait]
pub trait MeetingProvider: Send + Sync {
    /// Creates a meeting.
    async fn create(&self, request: &MeetingRequest) -> Result<Meeting, MeetingError>;
    /// Moves a meeting.
    async fn update(&self, id: &str, request: &MeetingRequest) -> Result<Meeting, MeetingError>;
    /// Deletes a meeting; deleting a missing one is a success.
    async fn delete(&self, id: &str) -> Result<(), MeetingError>;
}
