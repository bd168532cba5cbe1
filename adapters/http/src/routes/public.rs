//! §C3 Availability and holds: anyone may ask, in the business zone or a zone of their own.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::Offer;
use booking_core::holds::LockCode;
use booking_core::ids::{AgendaId, BusinessId, ResourceId, ServiceId};
use booking_core::slots::Availability;
use booking_core::time::Zone;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::{Errors, business};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    AvailabilityOut, FirstSlotOut, HoldIn, HoldOut, SlotOut, instant, parse_instant_or_date,
    parse_zone, wanted,
};
use crate::idempotency::{self, Answer, Fingerprint, IdempotencyKey};
use crate::problem::{Body, Path, Problem, Query};
use crate::routes::setup::Window;

/// What to list slots of.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OfferQuery {
    /// The agenda.
    agenda_id: i64,
    /// The service.
    service_id: i64,
    /// One resource of the agenda (default: any).
    resource_id: Option<i64>,
    /// Show instants in this IANA zone (default: the business zone).
    zone: Option<String>,
    /// Your lock code: your own hold counts as free.
    lock_code: Option<String>,
    /// Staff: ignore minimum notice and maximum advance.
    bypass_delays: Option<bool>,
}

impl OfferQuery {
    /// The offer, loaded once (it carries the business), and the zone to show instants in.
    async fn load(
        &self,
        state: &AppState,
        business: BusinessId,
    ) -> Result<(std::sync::Arc<booking_core::engine::OfferContext>, Zone), Problem> {
        let ctx = state.app().offer(business, self.offer()).await.map_err(|e| match e {
            booking_core::engine::OfferError::UnknownBusiness => Problem::not_found(),
            other => other.into(),
        })?;
        let zone = match &self.zone {
            Some(z) => parse_zone("zone", z)?,
            None => ctx.business().zone.clone(),
        };
        Ok((ctx, zone))
    }

    fn offer(&self) -> Offer {
        Offer {
            agenda: AgendaId::new(self.agenda_id),
            service: ServiceId::new(self.service_id),
            resource: self.resource_id.map(ResourceId::new),
        }
    }
}

pub(crate) fn lock_code(text: Option<&str>) -> Result<Option<LockCode>, Problem> {
    text.map(|t| {
        LockCode::parse(t)
            .map_err(|_| Problem::invalid("`lock_code` is 1 to 256 visible characters"))
    })
    .transpose()
}

fn slots_out(found: &Availability, zone: &Zone) -> Vec<SlotOut> {
    found
        .slots()
        .iter()
        .map(|s| SlotOut {
            start: instant(s.start(), zone),
            end: instant(s.interval().end(), zone),
            free: s.free(),
            resources: found.resources(s).iter().map(|r| r.get()).collect(),
        })
        .collect()
}

/// Free slots whose start lies in a window.
#[utoipa::path(operation_id = "availability", get, path = "/api/v1/businesses/{business}/availability", tag = "public",
    params(("business" = i64, Path, description = "Business id"), OfferQuery, Window),
    responses((status = 200, body = AvailabilityOut), Errors))]
pub(crate) async fn availability(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<OfferQuery>,
    Query(window): Query<Window>,
) -> Result<Json<AvailabilityOut>, Problem> {
    let business = BusinessId::new(id);
    let (ctx, zone) = query.load(&state, business).await?;
    let window = window.interval(&zone)?;
    let lock = lock_code(query.lock_code.as_deref())?;
    let bypass = query.bypass_delays.unwrap_or(false);
    let found =
        state.app().availability(caller.0.as_ref(), &ctx, window, lock.as_ref(), bypass).await?;
    Ok(Json(AvailabilityOut { zone: zone.name().to_owned(), slots: slots_out(&found, &zone) }))
}

/// Where to start looking.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct From {
    /// Earliest start (RFC 3339 instant or a date; default: now).
    from: Option<String>,
}

/// The first free slot at or after a moment.
#[utoipa::path(operation_id = "first_available", get, path = "/api/v1/businesses/{business}/availability/first", tag = "public",
    params(("business" = i64, Path, description = "Business id"), OfferQuery, From),
    responses((status = 200, body = FirstSlotOut), Errors))]
pub(crate) async fn first_available(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<OfferQuery>,
    Query(from): Query<From>,
) -> Result<Json<FirstSlotOut>, Problem> {
    let business = BusinessId::new(id);
    let (ctx, zone) = query.load(&state, business).await?;
    let now = state.app().now();
    let from = match &from.from {
        Some(t) => parse_instant_or_date("from", t, &zone)?,
        None => now,
    };
    let lock = lock_code(query.lock_code.as_deref())?;
    let bypass = query.bypass_delays.unwrap_or(false);
    let found =
        state.app().first_available(caller.0.as_ref(), &ctx, from, lock.as_ref(), bypass).await?;
    let slot = found.map(|f| SlotOut {
        start: instant(f.interval.start(), &zone),
        end: instant(f.interval.end(), &zone),
        free: u32::try_from(f.resources.len()).unwrap_or(u32::MAX),
        resources: f.resources.iter().map(|r| r.get()).collect(),
    });
    Ok(Json(FirstSlotOut { zone: zone.name().to_owned(), slot }))
}

/// Holds a slot (or seats) for a lock code, moving any hold that code already has.
#[utoipa::path(operation_id = "hold", post, path = "/api/v1/businesses/{business}/holds", tag = "public",
    params(("business" = i64, Path, description = "Business id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    request_body = HoldIn, responses((status = 201, body = HoldOut), Errors))]
pub(crate) async fn hold(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<i64>,
    Body(input): Body<HoldIn>,
) -> Response {
    let business = BusinessId::new(id);
    let Ok(lock) = LockCode::parse(&input.lock_code) else {
        let problem = Problem::invalid("`lock_code` is 1 to 256 visible characters");
        return axum::response::IntoResponse::into_response(problem);
    };
    let anonymous = HoldIn { lock_code: String::new(), ..input.clone() };
    let fingerprint = Fingerprint::new(Some(&input.lock_code), &anonymous);
    let run_state = state.clone();
    let run = move || async move {
        let state = run_state;
        let b = super::business(&state, business.get()).await?;
        let wanted = wanted(
            input.session_id,
            input.seats,
            input.agenda_id,
            input.service_id,
            input.resource_id,
            input.start.as_deref(),
        )?;
        let held = state.app().hold(caller.0.as_ref(), b.id, wanted, &lock, false).await?;
        Ok(Answer::plain(StatusCode::CREATED, &HoldOut::new(&held, &b.zone)))
    };
    idempotency::once(&state, business, &caller, key, "POST /holds", &fingerprint, run).await
}

/// The count of holds released.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Released {
    /// How many holds the lock code had.
    released: usize,
}

/// Releases every hold of a lock code.
#[utoipa::path(operation_id = "release_holds", delete, path = "/api/v1/businesses/{business}/holds/{lock_code}", tag = "public",
    params(("business" = i64, Path, description = "Business id"), ("lock_code" = String, Path, description = "The lock code")),
    responses((status = 200, body = Released), Errors))]
pub(crate) async fn release(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Json<Released>, Problem> {
    let b = business(&state, id).await?;
    let lock =
        lock_code(Some(&code))?.ok_or_else(|| Problem::invalid("`lock_code` is required"))?;
    let released = state.app().release(caller.0.as_ref(), b.id, &lock).await?;
    Ok(Json(Released { released }))
}
