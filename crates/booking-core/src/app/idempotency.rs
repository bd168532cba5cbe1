//! `Idempotency-Key` (§C5): a request is reserved under its key before it runs (the first
//! writer wins, so two racing retries cannot both book), then its outcome is settled; a retry
//! of the same request replays the outcome, the same key with another request is refused. An
//! outcome the server failed to reach may be run again by one retry. Inbound adapters say what
//! a request is (its fingerprint) and what it answered; the rules are here.

use jiff::{SignedDuration, Timestamp};

use super::App;
use crate::error::error_enum;
use crate::ids::BusinessId;
use crate::ports::store::{IdempotentAnswer, StoreError};

/// How the subject of a reservation whose request has not answered yet starts.
pub const PENDING: &str = "pending:";
/// The subject of an outcome the server failed to reach: one retry may run it again.
pub const RETRYABLE: &str = "retry";
/// How long a reservation may stay unsettled before its retry is told the outcome is unknown.
pub const STALE: SignedDuration = SignedDuration::from_secs(120);

/// How long an answer is remembered: a retry after a day runs as a new request.
pub const ANSWER_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// What to do with a request sent with a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Run it, then settle its outcome under this reservation.
    Run(String),
    /// It ran already: answer this again.
    Replay(IdempotentAnswer),
}

error_enum!(
    /// Why a request with a key may not run.
    IdempotencyRefused {
        /// The key was used for another request.
        Reused => (Conflict, "idempotency_key_reused"), "this Idempotency-Key was used for another request";
        /// The first request with the key is still running.
        InUse => (Conflict, "idempotency_key_in_use"), "a request with this key is still running; retry in a moment";
        /// The first request with the key started long ago and never finished.
        Unfinished => (Conflict, "idempotency_key_in_use"), "the first request with this key did not finish; check its outcome before retrying with a new key";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

/// A request's outcome to remember: what it answered, as the inbound adapter's reference to
/// re-read and replay (the HTTP adapter's `201 booking:7`, `409 error:slot_taken`), never
/// personal values; [`RETRYABLE`] when the server failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The reference.
    pub subject: String,
}

impl App {
    /// Reserves `key` for the request with this `fingerprint`, or says to replay its outcome.
    ///
    /// # Errors
    /// The key used for another request, or still running; storage.
    pub async fn reserve_request(
        &self,
        business: BusinessId,
        key: &str,
        fingerprint: &str,
    ) -> Result<Reservation, IdempotencyRefused> {
        let ports = self.engine.ports();
        let now = ports.clock.now();
        // A nonce tells this request's reservation from a racing twin's.
        let nonce = ports.tokens.token(8);
        let mine = IdempotentAnswer {
            fingerprint: fingerprint.to_owned(),
            subject: format!("{PENDING}{}", nonce.expose()),
            created_at: now,
        };
        let kept = ports.store.remember(business, key, mine.clone()).await?;
        if kept.subject == mine.subject {
            return Ok(Reservation::Run(mine.subject));
        }
        decide(kept, &mine, now, async |mine: IdempotentAnswer| {
            ports.store.settle(business, key, RETRYABLE, mine).await
        })
        .await
    }

    /// Settles the outcome of a request run under `reservation`; `false` when the reservation
    /// changed hands meanwhile.
    ///
    /// # Errors
    /// Storage.
    pub async fn settle_request(
        &self,
        business: BusinessId,
        key: &str,
        reservation: &str,
        outcome: Outcome,
        fingerprint: String,
    ) -> Result<bool, StoreError> {
        let ports = self.engine.ports();
        let answer = IdempotentAnswer {
            fingerprint,
            subject: outcome.subject,
            created_at: ports.clock.now(),
        };
        ports.store.settle(business, key, reservation, answer).await
    }
}

/// What a request finds when another reservation holds its key: replay a settled outcome,
/// take over a retryable one (if `take_over` wins), or refuse.
async fn decide(
    kept: IdempotentAnswer,
    mine: &IdempotentAnswer,
    now: Timestamp,
    take_over: impl AsyncFnOnce(IdempotentAnswer) -> Result<bool, StoreError>,
) -> Result<Reservation, IdempotencyRefused> {
    if kept.fingerprint != mine.fingerprint {
        return Err(IdempotencyRefused::Reused);
    }
    if kept.subject == RETRYABLE {
        // The first attempt failed on the server's side: one retry takes it over and runs it
        // again; a retry racing it is told the key is in use.
        let subject = mine.subject.clone();
        return if take_over(mine.clone()).await? {
            Ok(Reservation::Run(subject))
        } else {
            Err(IdempotencyRefused::InUse)
        };
    }
    if kept.subject.starts_with(PENDING) {
        let stale = now.duration_since(kept.created_at) > STALE;
        return Err(if stale { IdempotencyRefused::Unfinished } else { IdempotencyRefused::InUse });
    }
    Ok(Reservation::Replay(kept))
}
