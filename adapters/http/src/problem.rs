//! RFC 9457 `application/problem+json` errors, each with the core's stable `code`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use booking_core::access::Denied;
use booking_core::engine::ErrorCode;
use booking_core::store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer: `type`, `title`, `status`, `detail` (RFC 9457) and the stable `code`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:booking:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this request, for a human.
    pub detail: String,
    /// The stable, machine-readable code (`slot_taken`, `cancel_too_close`, …).
    pub code: String,
}

impl Problem {
    /// A problem with an explicit status.
    #[must_use]
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:booking:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
        }
    }

    /// A problem whose status follows from its code ([`status_of`]).
    #[must_use]
    pub fn coded(code: &str, detail: impl Into<String>) -> Self {
        Self::new(status_of(code), code, detail)
    }

    /// 422 `invalid_value`: a field's value is not acceptable.
    #[must_use]
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::coded("invalid_value", detail)
    }

    /// 404 `not_found`.
    #[must_use]
    pub fn not_found() -> Self {
        Self::coded("not_found", "no such thing here")
    }

    /// 401 `unauthenticated`.
    #[must_use]
    pub fn unauthenticated() -> Self {
        Self::coded("unauthenticated", "send a valid API key as `Authorization: Bearer <key>`")
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The HTTP status of a stable code.
#[must_use]
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "unauthenticated" => StatusCode::UNAUTHORIZED,
        "forbidden" | "profile_deletion_not_allowed" => StatusCode::FORBIDDEN,
        "not_found" | "booking_not_found" | "unknown_business" | "route_not_found"
        | "account_not_found" => StatusCode::NOT_FOUND,
        "method_not_allowed" => StatusCode::METHOD_NOT_ALLOWED,
        "slot_taken"
        | "session_full"
        | "hold_expired"
        | "hold_not_found"
        | "duplicate_slug"
        | "already_canceled"
        | "already_rejected"
        | "transition_not_allowed"
        | "cancel_too_close"
        | "reschedule_too_close"
        | "reschedule_not_allowed"
        | "in_the_past"
        | "not_started"
        | "idempotency_key_reused"
        | "idempotency_key_in_use"
        | "calendar_not_configured"
        | "video_secret_unreadable"
        | "code_exhausted"
        | "code_expired"
        | "code_revoked" => StatusCode::CONFLICT,
        "invalid_json" => StatusCode::BAD_REQUEST,
        "payload_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "unsupported_media_type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "timeout" | "storage_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        "calendar_provider_failed" | "video_provider_failed" => StatusCode::BAD_GATEWAY,
        "internal" => StatusCode::INTERNAL_SERVER_ERROR,
        // unknown_*, invalid_*, *_not_found for referenced ids, window_too_long, …
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

/// Core errors carry their code; storage failures are logged, never shown.
pub(crate) fn from_core<E: ErrorCode + std::fmt::Display>(e: &E) -> Problem {
    let code = e.code();
    if code == "storage_unavailable" {
        tracing::error!(error = %e, "storage failed");
        return Problem::coded(code, "storage is unavailable; retry later");
    }
    Problem::coded(code, e.to_string())
}

macro_rules! core_errors {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for Problem {
            fn from(e: $t) -> Self {
                from_core(&e)
            }
        })*
    };
}

core_errors!(
    booking_core::engine::OfferError,
    booking_core::engine::HoldError,
    booking_core::engine::BookError,
    booking_core::engine::ConfirmError,
    booking_core::engine::CancelError,
    booking_core::engine::RescheduleError,
    booking_core::engine::StatusError,
    booking_core::engine::SeatError,
    booking_core::engine::AnonymiseError,
    booking_core::setup::SetupError,
);

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failed");
        Problem::coded("storage_unavailable", "storage is unavailable; retry later")
    }
}

impl From<Denied> for Problem {
    fn from(e: Denied) -> Self {
        match e {
            Denied::NotFound => Self::not_found(),
            Denied::Forbidden => Self::coded("forbidden", "your role does not allow this"),
        }
    }
}

impl From<JsonRejection> for Problem {
    fn from(e: JsonRejection) -> Self {
        match e {
            JsonRejection::JsonSyntaxError(e) => Self::coded("invalid_json", e.body_text()),
            JsonRejection::JsonDataError(e) => Self::coded("invalid_body", e.body_text()),
            JsonRejection::MissingJsonContentType(_) => Self::coded(
                "unsupported_media_type",
                "send the body as `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(e) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Self::coded("payload_too_large", "the body is too large")
                } else {
                    Self::coded("invalid_json", e.body_text())
                }
            }
            other => Self::coded("invalid_json", other.body_text()),
        }
    }
}

impl From<QueryRejection> for Problem {
    fn from(e: QueryRejection) -> Self {
        Self::coded("invalid_query", e.body_text())
    }
}

impl From<PathRejection> for Problem {
    fn from(e: PathRejection) -> Self {
        // A path that does not parse names nothing that exists.
        Self::new(StatusCode::NOT_FOUND, "not_found", e.body_text())
    }
}

/// `Json` that answers a problem on bad input.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Body<T>(pub T);

/// `Query` that answers a problem on bad input.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);

/// `Path` that answers a problem on bad input.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Path<T>(pub T);
