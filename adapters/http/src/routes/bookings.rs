//! §C3/§A5/§A6 Bookings: book (guest, customer, or staff for a customer), read, cancel,
//! reschedule, approve, reject, mark no-show.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::Details;
use booking_core::access::Principal;
use booking_core::booking::{Booking, BookingStatus};
use booking_core::error::Kind;
use booking_core::ids::{BookingId, BusinessId, CustomerId, ResourceId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Errors;
use super::public::lock_code;
use super::setup::Window;
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    BookingIn, BookingOut, HistoryOut, ReasonIn, RescheduleIn, parse_instant, wanted,
};
use crate::idempotency::{self, Answer, Fingerprint, IdempotencyKey};
use crate::problem::{Body, Path, Problem, Query};

/// Books an appointment, seats in a session, or confirms a hold (its lock code alone).
#[utoipa::path(operation_id = "create_booking", post, path = "/api/v1/businesses/{business}/bookings", tag = "public",
    params(("business" = i64, Path, description = "Business id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body = BookingIn, responses((status = 201, body = BookingOut), Errors))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<i64>,
    Body(input): Body<BookingIn>,
) -> Response {
    let business = BusinessId::new(id);
    let anonymous = BookingIn { lock_code: None, ..input.clone() };
    let fingerprint = Fingerprint::new(input.lock_code.as_deref(), &anonymous);
    let run_state = state.clone();
    let run = move || async move {
        let state = run_state;
        let b = super::business(&state, business.get()).await?;
        let mut details =
            Details {
                customer: input.customer_id.map(CustomerId::new),
                contact: input.contact.to_core()?,
                answers: input.answers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                code: None,
                locale: match input.locale.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(l) => Some(booking_core::settings::Locale::parse(l).ok_or_else(|| {
                        crate::problem::Problem::invalid("`locale` is `fr` or `en`")
                    })?),
                },
            };
        if let Some(typed) = input.code.as_deref().filter(|c| !c.trim().is_empty()) {
            details.code = Some(super::codes::find(&state, b.id, typed).await?.id);
        }
        let lock = lock_code(input.lock_code.as_deref())?;
        let wanted = wanted(
            input.session_id,
            input.seats,
            input.agenda_id,
            input.service_id,
            input.resource_id,
            input.start.as_deref(),
        )?;
        let booking = state
            .app()
            .book(caller.0.as_ref(), b.id, wanted, lock.as_ref(), details, input.bypass_delays)
            .await?;
        Ok(Answer::booking(StatusCode::CREATED, booking.id, &BookingOut::new(&booking, &b.zone)))
    };
    idempotency::once(&state, business, &caller, key, "POST /bookings", &fingerprint, run).await
}

/// Bookings overlapping a window (agents and up: all; staff: their own resource's).
#[utoipa::path(operation_id = "list_bookings", get, path = "/api/v1/businesses/{business}/bookings", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), Window),
    security(("api_key" = [])), responses((status = 200, body = Vec<BookingOut>), Errors))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(window): Query<Window>,
) -> Result<Json<Vec<BookingOut>>, Problem> {
    let (biz, found) = state
        .app()
        .bookings_in(&caller.required()?, BusinessId::new(id), &window.to_core()?)
        .await?;
    Ok(Json(found.iter().map(|bk| BookingOut::new(bk, &biz.zone)).collect()))
}

/// One booking with its history.
#[utoipa::path(operation_id = "get_booking", get, path = "/api/v1/businesses/{business}/bookings/{booking}", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id")),
    security(("api_key" = [])), responses((status = 200, body = BookingOut), Errors))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, booking)): Path<(i64, i64)>,
) -> Result<Json<BookingOut>, Problem> {
    let b = BusinessId::new(id);
    let booking = BookingId::new(booking);
    let (b, found, history) = state.app().booking_history(&caller.required()?, b, booking).await?;
    let mut out = BookingOut::new(&found, &b.zone);
    out.history = Some(history.iter().map(|h| HistoryOut::new(h, &b.zone)).collect());
    Ok(Json(out))
}

/// An optional JSON body: empty means the defaults.
fn optional<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            Problem::unreadable(e.to_string())
        } else {
            Problem::of(Kind::Invalid, "invalid_body", e.to_string())
        }
    })
}

/// Runs a change of one booking under the idempotency rules.
async fn change<F, Fut>(
    state: AppState,
    caller: Caller,
    key: IdempotencyKey,
    (id, booking): (i64, i64),
    route: &'static str,
    request: &impl Serialize,
    how: F,
) -> Response
where
    F: FnOnce(AppState, BusinessId, BookingId, Principal) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Booking, Problem>> + Send + 'static,
{
    // Credentials first: a caller without a key is told so before anything about its request.
    let principal = match caller.required() {
        Ok(p) => p,
        Err(problem) => return axum::response::IntoResponse::into_response(problem),
    };
    let business = BusinessId::new(id);
    let booking = BookingId::new(booking);
    let run_state = state.clone();
    let run = move || async move {
        let state = run_state;
        let changed = how(state.clone(), business, booking, principal).await?;
        let b = super::business(&state, business.get()).await?;
        let status = if changed.id == booking { StatusCode::OK } else { StatusCode::CREATED };
        Ok(Answer::booking(status, changed.id, &BookingOut::new(&changed, &b.zone)))
    };
    let route = format!("{route} {booking}");
    idempotency::once(&state, business, &caller, key, &route, request, run).await
}

/// Cancels a booking (customers only within their window).
#[utoipa::path(operation_id = "cancel_booking", post, path = "/api/v1/businesses/{business}/bookings/{booking}/cancel", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body(content = Option<ReasonIn>, description = "Optional reason"),
    security(("api_key" = [])), responses((status = 200, body = BookingOut), Errors))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(path): Path<(i64, i64)>,
    body: Bytes,
) -> Response {
    let input: ReasonIn = match optional(&body) {
        Ok(i) => i,
        Err(p) => return axum::response::IntoResponse::into_response(p),
    };
    let request = input.clone();
    change(state, caller, key, path, "cancel", &request, move |state, b, id, p| async move {
        Ok(state.app().cancel(&p, b, id, input.reason).await?)
    })
    .await
}

/// Moves an appointment to another slot, atomically: if the new slot is taken, nothing
/// changes. Answers the new booking.
#[utoipa::path(operation_id = "reschedule_booking", post, path = "/api/v1/businesses/{business}/bookings/{booking}/reschedule", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body = RescheduleIn, security(("api_key" = [])),
    responses((status = 201, body = BookingOut), Errors))]
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(path): Path<(i64, i64)>,
    Body(input): Body<RescheduleIn>,
) -> Response {
    let anonymous = RescheduleIn { lock_code: None, ..input.clone() };
    let fingerprint = Fingerprint::new(input.lock_code.as_deref(), &anonymous);
    let bypass = input.bypass_delays;
    change(
        state,
        caller,
        key,
        path,
        "reschedule",
        &fingerprint,
        move |state, b, id, p| async move {
            let start = parse_instant("start", &input.start)?;
            let lock = lock_code(input.lock_code.as_deref())?;
            let resource = input.resource_id.map(ResourceId::new);
            let app = state.app();
            Ok(app.reschedule(&p, b, id, start, resource, lock.as_ref(), bypass).await?)
        },
    )
    .await
}

async fn set_status(
    state: AppState,
    caller: Caller,
    key: IdempotencyKey,
    path: (i64, i64),
    body: &Bytes,
    to: BookingStatus,
) -> Response {
    let input: ReasonIn = match optional(body) {
        Ok(i) => i,
        Err(p) => return axum::response::IntoResponse::into_response(p),
    };
    let request = input.clone();
    change(state, caller, key, path, to.code(), &request, move |state, b, id, p| async move {
        Ok(state.app().set_status(&p, b, id, to, input.reason).await?)
    })
    .await
}

/// Approves a pending booking (staff of its resource, agents and up).
#[utoipa::path(operation_id = "approve_booking", post, path = "/api/v1/businesses/{business}/bookings/{booking}/approve", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body(content = Option<ReasonIn>, description = "Optional reason"),
    security(("api_key" = [])), responses((status = 200, body = BookingOut), Errors))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(path): Path<(i64, i64)>,
    body: Bytes,
) -> Response {
    set_status(state, caller, key, path, &body, BookingStatus::Approved).await
}

/// Rejects a booking (staff of its resource, agents and up).
#[utoipa::path(operation_id = "reject_booking", post, path = "/api/v1/businesses/{business}/bookings/{booking}/reject", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body(content = Option<ReasonIn>, description = "Optional reason"),
    security(("api_key" = [])), responses((status = 200, body = BookingOut), Errors))]
pub(crate) async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(path): Path<(i64, i64)>,
    body: Bytes,
) -> Response {
    set_status(state, caller, key, path, &body, BookingStatus::Rejected).await
}

/// Records a no-show once the appointment has started (staff of its resource, agents and up).
#[utoipa::path(operation_id = "mark_no_show", post, path = "/api/v1/businesses/{business}/bookings/{booking}/no-show", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body(content = Option<ReasonIn>, description = "Optional reason"),
    security(("api_key" = [])), responses((status = 200, body = BookingOut), Errors))]
pub(crate) async fn no_show(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(path): Path<(i64, i64)>,
    body: Bytes,
) -> Response {
    set_status(state, caller, key, path, &body, BookingStatus::NoShow).await
}
