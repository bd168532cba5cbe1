//! §C8 iCalendar feeds of a staff member's and a customer's bookings, and §C2 `.ics` import of
//! exceptions.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use booking_core::access::Action;
use booking_core::booking::{Booking, BookingStatus, BookingTarget};
use booking_core::catalog::Business;
use booking_core::error::Kind;
use booking_core::ics::{self, FeedEvent, FeedStatus};
use booking_core::ids::{BusinessId, CustomerId, ResourceId};
use booking_core::time::Interval;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Errors, business};
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
            let principal = state.engine().authenticate(key).await?;
            principal.map(|p| Caller(Some(p))).ok_or_else(Problem::unauthenticated)
        }
    }
}

/// What a feed shows: 90 days back, 400 days ahead.
fn feed_window(state: &AppState) -> Result<Interval, Problem> {
    let now = state.engine().ports().clock.now();
    let from = now.checked_sub(SignedDuration::from_hours(24 * 90)).unwrap_or(now);
    let to = now.checked_add(SignedDuration::from_hours(24 * 400)).unwrap_or(now);
    Interval::new(from, to).map_err(|_| Problem::internal("the clock is out of range"))
}

/// The feed events of some bookings, with names looked up once.
async fn events(
    state: &AppState,
    b: &Business,
    bookings: &[Booking],
    for_staff: bool,
) -> Result<Vec<FeedEvent>, Problem> {
    let store = state.store();
    let services = store.services(b.id).await?;
    let mut out = Vec::with_capacity(bookings.len());
    for booking in bookings {
        let (interval, what, location) = match &booking.target {
            BookingTarget::Appointment { service, slot, .. } => {
                let name = services.iter().find(|s| s.id == *service).map(|s| s.name.clone());
                (*slot, name.unwrap_or_else(|| "Appointment".to_owned()), b.address.clone())
            }
            BookingTarget::Session { session, .. } => {
                let Some(s) = store.session(b.id, *session).await? else { continue };
                let event = store.event(b.id, s.event).await?;
                let name = event.as_ref().map_or_else(|| "Event".to_owned(), |e| e.name.clone());
                let location = event.and_then(|e| e.location).or_else(|| b.address.clone());
                (s.interval, name, location)
            }
        };
        let history = store.history(b.id, booking.id).await?;
        let stamp = history.last().map_or(booking.created_at, |h| h.at);
        let who = booking.contact.full_name();
        let (summary, description) = if for_staff {
            let mut details = Vec::new();
            if let Some(e) = &booking.contact.email {
                details.push(e.as_str().to_owned());
            }
            if let Some(p) = &booking.contact.phone {
                details.push(p.clone());
            }
            let summary = if who.is_empty() { what } else { format!("{what} — {who}") };
            (summary, details.join("\n"))
        } else {
            (format!("{what} — {}", b.name), String::new())
        };
        out.push(FeedEvent {
            uid: format!("booking-{}-{}@booking", b.id, booking.id),
            sequence: u32::try_from(history.len().saturating_sub(1)).unwrap_or(u32::MAX),
            interval,
            summary,
            description,
            location,
            status: match booking.status {
                BookingStatus::Pending => FeedStatus::Tentative,
                BookingStatus::Approved | BookingStatus::NoShow => FeedStatus::Confirmed,
                BookingStatus::Canceled | BookingStatus::Rejected => FeedStatus::Cancelled,
            },
            stamp,
        });
    }
    Ok(out)
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
    let r = ResourceId::new(resource);
    caller.authorize(BusinessId::new(id), Action::ReadBookingsOf(r))?;
    let b = business(&state, id).await?;
    let found = state.store().resource(b.id, r).await?.ok_or_else(Problem::not_found)?;
    let bookings: Vec<Booking> = state
        .store()
        .bookings_in(b.id, feed_window(&state)?)
        .await?
        .into_iter()
        .filter(|bk| matches!(&bk.target, BookingTarget::Appointment { resource, .. } if *resource == r))
        .collect();
    let events = events(&state, &b, &bookings, true).await?;
    Ok(calendar(ics::feed(&format!("{} — {}", found.name, b.name), &events)))
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
    let c = CustomerId::new(customer);
    let b = BusinessId::new(id);
    if !caller.may(b, Action::ReadAllBookings) {
        caller.authorize(b, Action::ActAsCustomer(c))?;
    }
    let biz = business(&state, id).await?;
    state.store().customer(b, c).await?.ok_or_else(Problem::not_found)?;
    let window = feed_window(&state)?;
    let mut bookings = state.store().customer_bookings(b, c).await?;
    bookings.retain(|bk| bk.slot().is_none_or(|s| s.overlaps(&window)));
    let events = events(&state, &biz, &bookings, false).await?;
    Ok(calendar(ics::feed(&biz.name, &events)))
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
    let r = ResourceId::new(resource);
    caller.authorize(BusinessId::new(id), Action::ManageHours(r))?;
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
    let b = business(&state, id).await?;
    let found = state.store().resource(b.id, r).await?.ok_or_else(Problem::not_found)?;
    let parsed = ics::import(body, &found.zone)?;
    let mut imported = Vec::with_capacity(parsed.exceptions.len());
    for exception in parsed.exceptions {
        let e = state.engine().add_exception(b.id, r, exception).await?;
        imported.push(ExceptionOut::new(&e, &b.zone));
    }
    Ok((StatusCode::CREATED, axum::Json(ImportOut { imported, skipped: parsed.skipped })))
}
