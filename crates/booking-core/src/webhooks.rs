//! §C9 Signed, timestamped webhooks for booking events.
//!
//! A business registers endpoints (an HTTPS URL, the events it wants); each booking change
//! writes a [`Effect::Webhook`](crate::outbox::Effect::Webhook) job in its transaction (§B3). The
//! job's handler posts the event to every endpoint that wants it, signed with the endpoint's
//! secret: `HMAC-SHA256(secret, "<timestamp>.<body>")` in hex, with the Unix timestamp beside it,
//! so a receiver checks both who sent it and that it is fresh. Every attempt is logged
//! ([`Delivery`]); an endpoint that already took a job is not called again when the job is
//! retried for another endpoint.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::ids::{BookingId, BusinessId, JobId, WebhookId};
use crate::ports::tokens::Secret;
use crate::ports::tokens::TokenSource;

/// The header carrying the Unix time of the signature.
pub const TIMESTAMP_HEADER: &str = "x-booking-timestamp";
/// The header carrying `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-booking-signature";
/// The header naming the delivery (the same across retries of one job to one endpoint).
pub const DELIVERY_HEADER: &str = "x-booking-delivery";

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
#[must_use]
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
#[must_use]
pub fn signature(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!("sha256={}", hex(&hmac_sha256(secret.expose().as_bytes(), &message)))
}

/// What a receiver does: the signature matches and the timestamp is within `tolerance_secs` of
/// `now` (in constant time over the signature).
#[must_use]
pub fn verify(
    secret: &Secret,
    timestamp: i64,
    body: &[u8],
    presented: &str,
    now: Timestamp,
    tolerance_secs: i64,
) -> bool {
    let expected = signature(secret, timestamp, body);
    let same = expected.len() == presented.len()
        && expected.bytes().zip(presented.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    same && (now.as_second() - timestamp).abs() <= tolerance_secs
}

/// A registered endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Id.
    pub id: WebhookId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Where events are posted (`https://`; `http://` only to loopback, for development).
    pub url: String,
    /// Signs every delivery; shown to the owner once, when created.
    pub secret: Secret,
    /// Event codes it wants (`booking.created`, `booking.canceled`…); empty: all.
    pub events: Vec<String>,
    /// When registered.
    pub created_at: Timestamp,
}

impl Endpoint {
    /// Whether it wants `event`.
    #[must_use]
    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }
}

/// One attempt to deliver a job to an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Owner tenant.
    pub business: BusinessId,
    /// The endpoint.
    pub endpoint: WebhookId,
    /// The outbox job.
    pub job: JobId,
    /// The booking it is about.
    pub booking: BookingId,
    /// The event code.
    pub event: String,
    /// When it was attempted.
    pub at: Timestamp,
    /// The HTTP status answered, if any.
    pub status: Option<u16>,
    /// Whether the endpoint took it (2xx).
    pub ok: bool,
    /// Why not, when it did not.
    pub error: Option<String>,
}

/// Why an endpoint cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not an `https://` URL (or `http://` to loopback).
    #[error(
        "a webhook URL is https:// (http:// only to 127.0.0.1 or localhost), at most 2000 characters"
    )]
    BadUrl,
    /// An event code nobody sends.
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
}

crate::error::error_codes!(EndpointError, |_e| (crate::error::Kind::Invalid, "invalid_value"));

/// Every event code a webhook may ask for.
#[must_use]
pub fn event_codes() -> Vec<String> {
    use crate::BookingStatus;
    use crate::outbox::BookingEvent;
    let mut all = vec![BookingEvent::Created.code(), BookingEvent::Rescheduled.code()];
    all.extend(BookingStatus::ALL.into_iter().map(|s| BookingEvent::Status(s).code()));
    all
}

/// Checks a URL and event list, and draws the secret.
pub fn new_endpoint(
    business: BusinessId,
    url: &str,
    events: Vec<String>,
    tokens: &dyn TokenSource,
    now: Timestamp,
) -> Result<Endpoint, EndpointError> {
    let url = url.trim();
    let host_of = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or_default().to_owned();
    let ok = url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
            (Some(rest), _) => !host_of(rest).is_empty(),
            (None, Some(rest)) => {
                let host = host_of(rest);
                let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
                matches!(name, "127.0.0.1" | "localhost" | "[::1]")
            }
            (None, None) => false,
        };
    if !ok {
        return Err(EndpointError::BadUrl);
    }
    let known = event_codes();
    if let Some(bad) = events.iter().find(|e| !known.contains(e)) {
        return Err(EndpointError::UnknownEvent(bad.clone()));
    }
    Ok(Endpoint {
        id: WebhookId::new(0),
        business,
        url: url.to_owned(),
        secret: Secret::new(format!("whsec_{}", tokens.token(24).expose())),
        events,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(unhex("0a0b"), vec![10, 11]);
    }

    #[test]
    fn signatures_bind_the_timestamp_and_the_body() {
        let secret = Secret::new("whsec_test".into());
        let now: Timestamp = "2027-01-04T08:00:00Z".parse().unwrap();
        let t = now.as_second();
        let sig = signature(&secret, t, b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        assert!(verify(&secret, t, b"{\"a\":1}", &sig, now, 300));
        assert!(!verify(&secret, t, b"{\"a\":2}", &sig, now, 300), "another body");
        assert!(!verify(&secret, t + 1, b"{\"a\":1}", &sig, now, 300), "another time");
        assert!(!verify(&Secret::new("other".into()), t, b"{\"a\":1}", &sig, now, 300));
        let later = now + jiff::SignedDuration::from_secs(301);
        assert!(!verify(&secret, t, b"{\"a\":1}", &sig, later, 300), "too old: a replay");
    }

    #[test]
    fn endpoints_take_https_and_known_events() {
        struct Zero;
        impl TokenSource for Zero {
            fn fill(&self, buf: &mut [u8]) {
                buf.fill(7);
            }
        }
        let now = Timestamp::UNIX_EPOCH;
        let b = BusinessId::new(1);
        let ok = new_endpoint(b, "https://example.org/hooks", vec![], &Zero, now).unwrap();
        assert!(ok.secret.expose().starts_with("whsec_"));
        assert!(ok.wants("booking.created"));
        for url in ["http://example.org/x", "ftp://x", "https://", "https://a b", "javascript:x"] {
            assert_eq!(
                new_endpoint(b, url, vec![], &Zero, now),
                Err(EndpointError::BadUrl),
                "{url}"
            );
        }
        assert!(new_endpoint(b, "http://127.0.0.1:9000/hook", vec![], &Zero, now).is_ok());
        assert!(new_endpoint(b, "http://localhost/hook", vec![], &Zero, now).is_ok());
        let picky =
            new_endpoint(b, "https://x.org", vec!["booking.canceled".into()], &Zero, now).unwrap();
        assert!(picky.wants("booking.canceled") && !picky.wants("booking.created"));
        assert!(matches!(
            new_endpoint(b, "https://x.org", vec!["booking.exploded".into()], &Zero, now),
            Err(EndpointError::UnknownEvent(_))
        ));
    }
}
