//! Sending email (SMTP in production; `.eml` files in development).

use async_trait::async_trait;

use crate::catalog::Email;

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
