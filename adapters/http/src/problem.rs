//! RFC 9457 `application/problem+json` errors, each with the core's stable `code`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use booking_core::access::Denied;
use booking_core::error::{ErrorCode, Kind};
use booking_core::ports::store::StoreError;
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

    /// A refusal of a kind the core names ([`Kind`]); its status follows from the kind
    /// ([`status_of`]).
    #[must_use]
    pub fn of(kind: Kind, code: &str, detail: impl Into<String>) -> Self {
        Self::new(status_of(kind), code, detail)
    }

    /// 422 `invalid_value`: a field's value is not acceptable.
    #[must_use]
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::of(Kind::Invalid, "invalid_value", detail)
    }

    /// 404 `not_found`.
    #[must_use]
    pub fn not_found() -> Self {
        Self::of(Kind::NotFound, "not_found", "no such thing here")
    }

    /// 401 `unauthenticated`.
    #[must_use]
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "send a valid API key as `Authorization: Bearer <key>`",
        )
    }

    /// 503 `storage_unavailable`, with a detail that reveals nothing of the failure.
    #[must_use]
    pub fn unavailable() -> Self {
        Self::of(Kind::Unavailable, "storage_unavailable", "storage is unavailable; retry later")
    }

    /// 500 `internal`: something that should not happen did.
    #[must_use]
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// 400 `invalid_json`: the body is not JSON.
    #[must_use]
    pub fn unreadable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_json", detail)
    }

    /// 413 `payload_too_large`.
    #[must_use]
    pub fn too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the body is too large")
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The HTTP status of each kind of refusal: the one place the core's kinds meet HTTP.
/// Problems of HTTP's own (401, 400 on unreadable JSON, 405, 413, 415, 500) are built with
/// their status where they arise.
#[must_use]
pub const fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Kind::Upstream => StatusCode::BAD_GATEWAY,
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

/// Core errors carry their code and kind; storage failures are logged, never shown.
pub(crate) fn from_core<E: ErrorCode + std::fmt::Display>(e: &E) -> Problem {
    let code = e.code();
    if code == "storage_unavailable" {
        tracing::error!(error = %e, "storage failed");
        return Problem::of(e.kind(), code, "storage is unavailable; retry later");
    }
    Problem::of(e.kind(), code, e.to_string())
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
    booking_core::video::VideoError,
    booking_core::calendar::SyncError,
    booking_core::app::calendar::CalendarRefused,
    booking_core::ics::IcsError,
    booking_core::app::business::BusinessError,
    booking_core::app::catalog::CatalogError,
    booking_core::app::bookings::BookingAccessError,
    booking_core::app::WindowRefused,
    booking_core::app::codes::CodesError,
    booking_core::app::feeds::FeedError,
    booking_core::app::idempotency::IdempotencyRefused,
    booking_core::app::setup::EraseError,
    booking_core::app::commands::CommandError,
    booking_core::accounts::AccountError,
    booking_core::codes::CodeRefusal,
    booking_core::webhooks::EndpointError,
    booking_core::error::InvalidValue,
);

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failed");
        Self::unavailable()
    }
}

impl From<Denied> for Problem {
    fn from(e: Denied) -> Self {
        match e {
            Denied::NotFound => Self::not_found(),
            Denied::Forbidden => Self::of(e.kind(), e.code(), "your role does not allow this"),
        }
    }
}

impl From<JsonRejection> for Problem {
    fn from(e: JsonRejection) -> Self {
        match e {
            JsonRejection::JsonSyntaxError(e) => Self::unreadable(e.body_text()),
            JsonRejection::JsonDataError(e) => {
                Self::of(Kind::Invalid, "invalid_body", e.body_text())
            }
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(e) => {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Self::too_large()
                } else {
                    Self::unreadable(e.body_text())
                }
            }
            other => Self::unreadable(other.body_text()),
        }
    }
}

impl From<QueryRejection> for Problem {
    fn from(e: QueryRejection) -> Self {
        Self::of(Kind::Invalid, "invalid_query", e.body_text())
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
