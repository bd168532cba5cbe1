//! §C8 iCalendar feeds of a staff member's and a customer's bookings, and §C2 `.ics` import of
//! exceptions.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use booking_core::error::Kind;
use booking_core::ids::{BusinessId, CustomerId, ResourceId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Errors;
use crate::AppState;
use crate::auth::Caller;
use crate::dto::ExceptionOut;
use crate::problem::{Path, Problem, Query};

/// Calendar programs cannot send headers: a feed also takes its key in the query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FeedKey {
    /// An API key allowed to read the feed (a staff or customer key; prefer those to an admin
    /// key in a URL).
    key: Option<String>,
}

/// The caller of a feed: the `Authorization` header, else `?key=`.
async fn feed_caller(
    state: &AppState,
    caller: Caller,
    key: Option<&str>,
) -> Result<Caller, Problem> {
    match (caller.0, key) {
        (Some(_), _) | (None, None) => Ok(caller),
        (None, Some(key)) => {
            let principal = state.app().authenticate(key).await?;
            principal.map(|p| Caller(Some(p))).ok_or_else(Problem::unauthenticated)
        }
    }
}

fn calendar(text: String) -> Response {
    (
        [(CONTENT_TYPE, "text/calendar; charset=utf-8"), (CACHE_CONTROL, "private, max-age=300")],
        text,
    )
        .into_response()
}

/// The bookings of a staff member or desk as an iCalendar feed (staff themself, agents and
/// up).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/resources/{resource}/feed.ics", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id"), FeedKey),
    security(("api_key" = [])),
    responses((status = 200, description = "An RFC 5545 calendar", content_type = "text/calendar", body = String), Errors))]
pub(crate) async fn resource_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    Query(q): Query<FeedKey>,
) -> Result<Response, Problem> {
    let caller = feed_caller(&state, caller, q.key.as_deref()).await?;
    let principal = caller.required()?;
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    Ok(calendar(state.app().resource_feed(&principal, b, r).await?))
}

/// A customer's bookings as an iCalendar feed (the customer themself, agents and up).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/customers/{customer}/feed.ics", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("customer" = i64, Path, description = "Customer id"), FeedKey),
    security(("api_key" = [])),
    responses((status = 200, description = "An RFC 5545 calendar", content_type = "text/calendar", body = String), Errors))]
pub(crate) async fn customer_feed(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, customer)): Path<(i64, i64)>,
    Query(q): Query<FeedKey>,
) -> Result<Response, Problem> {
    let caller = feed_caller(&state, caller, q.key.as_deref()).await?;
    let principal = caller.required()?;
    let (b, c) = (BusinessId::new(id), CustomerId::new(customer));
    Ok(calendar(state.app().customer_feed(&principal, b, c).await?))
}

/// The outcome of an import.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ImportOut {
    /// Exceptions added.
    imported: Vec<ExceptionOut>,
    /// Events left out, with why.
    skipped: Vec<String>,
}

/// Imports the events of an `.ics` file as exceptions (time off) of a resource.
#[utoipa::path(post, path = "/api/v1/businesses/{business}/resources/{resource}/exceptions/import", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id")),
    request_body(content = String, content_type = "text/calendar", description = "An RFC 5545 file"),
    security(("api_key" = [])), responses((status = 201, body = ImportOut), Errors))]
pub(crate) async fn import_exceptions(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<ImportOut>), Problem> {
    let principal = caller.required()?;
    let calendar_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/calendar"));
    if !calendar_type {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as `Content-Type: text/calendar`",
        ));
    }
    let body = std::str::from_utf8(&body).map_err(|_| {
        Problem::of(Kind::Invalid, "invalid_ics", "an iCalendar file is UTF-8 text")
    })?;
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    let done = state.app().import_exceptions(&principal, b, r, body).await?;
    let zone = &done.business.zone;
    let imported = done.added.iter().map(|e| ExceptionOut::new(e, zone)).collect();
    let skipped = done.skipped;
    Ok((StatusCode::CREATED, axum::Json(ImportOut { imported, skipped })))
}
