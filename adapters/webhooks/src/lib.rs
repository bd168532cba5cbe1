//! # booking-webhooks
//!
//! §C9 The webhook job handler: posts each booking event to the business's endpoints, signed,
//! logging every attempt. HTTPS through rustls with the `ring` provider (the workspace's one
//! crypto provider); redirects are not followed; each call has a 10-second timeout. The booking
//! in the body is the JSON API's representation, which the composition root hands in
//! ([`BookingJson`]), so a receiver reads the same shape as `GET /bookings/{id}`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use booking_core::booking::Booking;
use booking_core::outbox::{Effect, Job, JobError};
use booking_core::ports::clock::Clock;
use booking_core::ports::outbox::JobHandler;
use booking_core::ports::store::Store;
use booking_core::time::Zone;
use booking_core::webhooks::{
    DELIVERY_HEADER, Delivery, Endpoint, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature,
};
use serde::Serialize;

/// How a booking reads in a webhook's body: the JSON API's representation, in the business's
/// zone.
pub type BookingJson = Arc<dyn Fn(&Booking, &Zone) -> serde_json::Value + Send + Sync>;

/// The body of a webhook call.
#[derive(Debug, Serialize)]
pub struct WebhookEvent {
    /// The delivery's id: the same on every retry, for the receiver to drop duplicates.
    pub id: String,
    /// `booking.created`, `booking.rescheduled`, `booking.canceled`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change happened (RFC 3339).
    pub created_at: String,
    /// The business.
    pub business_id: i64,
    /// The booking as it is now (after an anonymisation, without what it erased).
    pub booking: Option<serde_json::Value>,
}

/// Makes rustls' `ring` provider the process default (the workspace's one crypto provider):
/// call it before building any HTTP client of this build (reqwest is built without a provider
/// of its own). Calling it again is harmless.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Runs `webhook` jobs.
pub struct WebhookSender {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    booking_json: BookingJson,
    http: reqwest::Client,
}

impl WebhookSender {
    /// A sender over the store, writing bookings as `booking_json` does, with its own HTTP
    /// client.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        booking_json: BookingJson,
    ) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("booking-webhooks/1")
            .build()?;
        Ok(Self { store, clock, booking_json, http })
    }

    /// One call: its status, or why there was none.
    async fn post(&self, endpoint: &Endpoint, key: &str, body: &[u8]) -> Result<u16, String> {
        let timestamp = self.clock.now().as_second();
        let response = self
            .http
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature(&endpoint.secret, timestamp, body))
            .header(DELIVERY_HEADER, key)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        Ok(response.status().as_u16())
    }
}

#[async_trait]
impl JobHandler for WebhookSender {
    fn effect(&self) -> Effect {
        Effect::Webhook
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let store = &self.store;
        let temporary = |e: booking_core::ports::store::StoreError| JobError::Retry(e.to_string());
        let event = job.event.code();
        let endpoints: Vec<Endpoint> = store
            .webhooks(job.business)
            .await
            .map_err(temporary)?
            .into_iter()
            .filter(|e| e.wants(&event))
            .collect();
        if endpoints.is_empty() {
            return Ok(());
        }
        let Some(business) = store.business(job.business).await.map_err(temporary)? else {
            return Err(JobError::Permanent("the business no longer exists".into()));
        };
        let booking = store.booking(job.business, job.booking).await.map_err(temporary)?;
        let body = WebhookEvent {
            id: job.delivery_key(),
            kind: event.clone(),
            created_at: job
                .created_at
                .to_zoned(business.zone.tz().clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
            business_id: business.id.get(),
            booking: booking.as_ref().map(|b| (self.booking_json)(b, &business.zone)),
        };
        let body = serde_json::to_vec(&body).map_err(|e| JobError::Permanent(e.to_string()))?;
        let mut failed = Vec::new();
        for endpoint in &endpoints {
            if store.delivered(job.id, endpoint.id).await.map_err(temporary)? {
                continue; // taken on an earlier attempt of this job
            }
            let key = format!("{}-{}", job.delivery_key(), endpoint.id);
            let outcome = self.post(endpoint, &key, &body).await;
            let ok = matches!(outcome, Ok(status) if (200..300).contains(&status));
            let error = match &outcome {
                Ok(status) if !ok => Some(format!("HTTP {status}")),
                Ok(_) => None,
                Err(why) => Some(why.clone()),
            };
            store
                .record_delivery(Delivery {
                    business: job.business,
                    endpoint: endpoint.id,
                    job: job.id,
                    booking: job.booking,
                    event: event.clone(),
                    at: self.clock.now(),
                    status: outcome.ok(),
                    ok,
                    error: error.clone(),
                })
                .await
                .map_err(temporary)?;
            if let Some(why) = error {
                failed.push(format!("{}: {why}", endpoint.url));
            }
        }
        if failed.is_empty() { Ok(()) } else { Err(JobError::Retry(failed.join("; "))) }
    }
}
