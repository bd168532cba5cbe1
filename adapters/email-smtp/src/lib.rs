//! # booking-email-smtp
//!
//! The core's [`Mailer`] port (§E2): [`SmtpMailer`] sends through an SMTP server with lettre
//! (plain, STARTTLS or implicit TLS; rustls with the `ring` provider), and [`FileMailer`] writes
//! each message as an `.eml` file into a folder — the development default. Both build the same
//! MIME message: a plain-text body, the `.ics` invitation attached, and a `Message-ID` derived
//! from the outbox job so a resend is recognisably the same message (the file transport simply
//! overwrites it).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use booking_core::ports::mail::MailError;
use booking_core::ports::mail::Mailer;
use booking_core::ports::mail::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// Builds the MIME message.
fn mime(message: &Message, from: &Mailbox) -> Result<lettre::Message, MailError> {
    let permanent =
        |what: &str, e: &dyn std::fmt::Display| MailError::Permanent(format!("{what}: {e}"));
    let to: Mailbox = message.to.as_str().parse().map_err(|e| permanent("recipient", &e))?;
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(message.text.clone()));
    for a in &message.attachments {
        let kind =
            ContentType::parse(&a.content_type).map_err(|e| permanent("attachment type", &e))?;
        parts = parts.singlepart(Attachment::new(a.filename.clone()).body(a.content.clone(), kind));
    }
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(format!("<{}@booking>", message.idempotency_key)))
        .multipart(parts)
        .map_err(|e| permanent("message", &e))
}

fn sender(from: &str) -> Result<Mailbox, MailError> {
    from.parse().map_err(|e| MailError::Permanent(format!("sender address {from:?}: {e}")))
}

/// Sends through an SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// From a URL: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465` (implicit TLS); `from` is the sender address.
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Permanent(format!("SMTP URL: {e}")))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from: sender(from)? })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let email = mime(message, &self.from)?;
        self.transport.send(email).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                MailError::Permanent(e.to_string())
            } else {
                MailError::Temporary(e.to_string())
            }
        })
    }
}

/// Writes each message to `<folder>/<job key>.eml` (development): the same job overwrites its
/// file, so nothing is delivered twice.
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// Into `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<Self, MailError> {
        Ok(Self { dir: dir.into(), from: sender(from)? })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let email = mime(message, &self.from)?;
        let temporary =
            |e: std::io::Error| MailError::Temporary(format!("{}: {e}", self.dir.display()));
        tokio::fs::create_dir_all(&self.dir).await.map_err(temporary)?;
        let name: String = message
            .idempotency_key
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, email.formatted()).await.map_err(temporary)?;
        tokio::fs::rename(&tmp, self.dir.join(format!("{name}.eml"))).await.map_err(temporary)
    }
}

/// The mailer a URL names: `file:<folder>` or `smtp://…` / `smtps://…`.
pub fn from_url(url: &str, from: &str) -> Result<Arc<dyn Mailer>, MailError> {
    match url.strip_prefix("file:") {
        Some(dir) => Ok(Arc::new(FileMailer::new(dir, from)?)),
        None if url.starts_with("smtp://") || url.starts_with("smtps://") => {
            Ok(Arc::new(SmtpMailer::new(url, from)?))
        }
        None => Err(MailError::Permanent(format!(
            "mail URL {url:?}: use file:<folder>, smtp://… or smtps://…"
        ))),
    }
}
