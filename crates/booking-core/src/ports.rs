//! §A9 Ports other than storage: clock, randomness, password hashing, mail, calendars, meetings.
//!
//! Time and randomness come only through these traits, so every rule runs under a fake clock
//! and deterministic tokens in tests.

use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::catalog::Email;
use crate::time::Interval;

/// The current instant.
pub trait Clock: Send + Sync {
    /// Now. MUST be monotonic enough for expiry checks (never far behind a previous answer).
    fn now(&self) -> Timestamp;
}

/// Unpredictable bytes for tokens, lock codes, magic links and codes.
pub trait TokenSource: Send + Sync {
    /// Fills `buf` with bytes an attacker cannot predict (a fake may be deterministic).
    fn fill(&self, buf: &mut [u8]);

    /// A URL-safe token of `bytes` random bytes, as lower-case hex.
    fn token(&self, bytes: usize) -> Secret {
        let mut buf = vec![0u8; bytes];
        self.fill(&mut buf);
        let mut out = String::with_capacity(bytes * 2);
        for b in buf {
            out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
        }
        Secret::new(out)
    }
}

/// A secret string (token, password, API key): `Debug` redacts it, and it has no `Display`; only
/// [`Secret::expose`] reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    #[must_use]
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret, for the one place that must use it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A password hash in PHC string format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHash(pub String);

/// Hashing failed (resource limits, bad parameters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

/// Password hashing (argon2id in production).
pub trait PasswordHasher: Send + Sync {
    /// Hashes with a fresh salt.
    fn hash(&self, password: &Secret) -> Result<PasswordHash, HashError>;
    /// Whether `password` matches `hash`, in time independent of where they differ.
    fn verify(&self, password: &Secret, hash: &PasswordHash) -> bool;
}

/// A file attached to an email (an .ics invitation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// File name.
    pub filename: String,
    /// MIME type (`text/calendar; method=REQUEST`).
    pub content_type: String,
    /// Content.
    pub content: Vec<u8>,
}

/// An email to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Recipient.
    pub to: Email,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: Option<String>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// Stable key of this message (outbox job id): a mailer MAY use it to drop duplicates.
    pub idempotency_key: String,
}

/// Mail could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later (connection refused, 4xx).
    #[error("temporary mail failure: {0}")]
    Temporary(String),
    /// Will never succeed (address rejected, 5xx).
    #[error("permanent mail failure: {0}")]
    Permanent(String),
}

/// Sends emails (SMTP in production; `.eml` files in development).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one message.
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}

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
