//! §C5 `Idempotency-Key` on every POST that creates or changes a booking or a hold.
//!
//! The key is reserved before the request runs (the first writer wins, so two racing retries
//! cannot both book), the request runs in its own task (a client that hangs up does not leave
//! the key half-done), and the final answer is settled. A retry with the same key and the same
//! request replays the answer: the same status and the same booking or hold. The same key with
//! another request is a 409. Answers keep no body — a booking is re-read when replayed, so a
//! replay after anonymisation shows the anonymised booking — and are forgotten after a day.

use std::future::Future;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use booking_core::app::idempotency::{Outcome, RETRYABLE, Reservation};
use booking_core::error::Kind;
use booking_core::ids::{BookingId, BusinessId};
use booking_core::ports::store::IdempotentAnswer;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Caller;
use crate::dto::BookingOut;
use crate::problem::Problem;

/// The header.
pub const HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` header, when sent: 1 to 255 visible ASCII characters. A malformed key
/// is reported by [`once`], after the caller's credentials were checked (a missing key is a
/// 401 before a bad header is a 422).
#[derive(Clone, Debug)]
pub struct IdempotencyKey(Result<Option<String>, Problem>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(HEADER) else {
            return Ok(Self(Ok(None)));
        };
        let text = value.to_str().unwrap_or_default();
        if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Ok(Self(Err(Problem::of(
                Kind::Invalid,
                "invalid_idempotency_key",
                "`Idempotency-Key` is 1 to 255 visible ASCII characters",
            ))));
        }
        Ok(Self(Ok(Some(text.to_owned()))))
    }
}

/// What a request answered, and how to find it again.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// `booking:<id>`, or `hold:<json>` (a hold has no personal data).
    pub subject: String,
    /// The body.
    pub body: serde_json::Value,
}

impl Answer {
    /// A booking answer.
    pub fn booking(status: StatusCode, id: BookingId, body: &BookingOut) -> Self {
        Self {
            status,
            subject: format!("booking:{id}"),
            body: serde_json::to_value(body).unwrap_or_default(),
        }
    }

    /// An answer whose body holds no personal data, replayed as is.
    pub fn plain(status: StatusCode, body: &impl Serialize) -> Self {
        let body = serde_json::to_value(body).unwrap_or_default();
        Self { status, subject: format!("plain:{body}"), body }
    }

    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// A request with its lock code replaced by the code's digest: what the fingerprint hashes
/// (the secret itself is never hashed into a stored value).
#[derive(Serialize)]
pub struct Fingerprint<'a, T: Serialize> {
    lock: Option<String>,
    input: &'a T,
}

impl<'a, T: Serialize> Fingerprint<'a, T> {
    /// `input` (with its lock code blanked by the caller) and the code's digest.
    pub fn new(lock_code: Option<&str>, input: &'a T) -> Self {
        let lock = lock_code.map(|c| {
            booking_core::holds::LockCode::parse(c)
                .map_or_else(|_| String::new(), |l| l.digest().to_hex())
        });
        Self { lock, input }
    }
}

fn fingerprint(caller: &Caller, route: &str, request: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update(b"\0");
    if let Some(p) = caller.0 {
        h.update(format!("{}:{}:{:?}", p.business, p.role.code(), p.subject).as_bytes());
    }
    h.update(b"\0");
    h.update(serde_json::to_vec(request).unwrap_or_default());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `run` once per key: the first time for real, then as a replay of its answer.
pub async fn once<F, Fut>(
    state: &AppState,
    business: BusinessId,
    caller: &Caller,
    key: IdempotencyKey,
    route: &str,
    request: &impl Serialize,
    run: F,
) -> Response
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<Answer, Problem>> + Send + 'static,
{
    let key = match key.0 {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let Some(key) = key else {
        return match run().await {
            Ok(answer) => answer.into_response(),
            Err(problem) => problem.into_response(),
        };
    };
    let fingerprint = fingerprint(caller, route, request);
    match state.app().reserve_request(business, &key, &fingerprint).await {
        Ok(Reservation::Run(reservation)) => {
            let state = state.clone();
            // Its own task: the request completes and settles even if the client hangs up.
            let task = tokio::spawn(async move {
                let result = run().await;
                // The status first, then what to re-read: `201 booking:7`, `409 error:slot_taken`.
                let subject = match &result {
                    Ok(a) => format!("{} {}", a.status.as_u16(), a.subject),
                    Err(p) if p.status().is_server_error() => RETRYABLE.to_owned(),
                    Err(p) => format!("{} error:{}", p.status, p.code),
                };
                let outcome = Outcome { subject };
                let app = state.app();
                match app.settle_request(business, &key, &reservation, outcome, fingerprint).await {
                    Ok(true) => {}
                    Ok(false) => tracing::error!("an idempotency reservation changed hands"),
                    Err(e) => tracing::error!(error = %e, "could not settle an idempotency key"),
                }
                result
            });
            match task.await {
                Ok(Ok(answer)) => answer.into_response(),
                Ok(Err(problem)) => problem.into_response(),
                Err(_) => Problem::internal("the request failed").into_response(),
            }
        }
        Ok(Reservation::Replay(answer)) => {
            let mut response = replay(state, business, &answer).await;
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Err(refused) => Problem::from(refused).into_response(),
    }
}

async fn replay(state: &AppState, business: BusinessId, answer: &IdempotentAnswer) -> Response {
    let Some((status, subject)) = answer
        .subject
        .split_once(' ')
        .and_then(|(code, rest)| Some((StatusCode::from_bytes(code.as_bytes()).ok()?, rest)))
    else {
        return Problem::internal("unreadable idempotent answer").into_response();
    };
    if let Some(code) = subject.strip_prefix("error:") {
        let mut problem =
            Problem::of(Kind::Invalid, code, "the first request with this key failed");
        problem.status = status.as_u16();
        return problem.into_response();
    }
    if let Some(body) = subject.strip_prefix("plain:") {
        let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        return (status, Json(body)).into_response();
    }
    if let Some(id) = subject.strip_prefix("booking:").and_then(|i| i.parse::<i64>().ok()) {
        let id = BookingId::new(id);
        return match state.app().proven_booking(business, id).await {
            Ok(Some((b, found))) => {
                (status, Json(BookingOut::new(&found, &b.zone))).into_response()
            }
            Ok(None) => {
                Problem::of(Kind::NotFound, "booking_not_found", "unknown booking").into_response()
            }
            Err(e) => Problem::from(e).into_response(),
        };
    }
    Problem::internal("unreadable idempotent answer").into_response()
}
