//! §C9 Webhook endpoints and their delivery log (admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::ids::{BusinessId, WebhookId};
use booking_core::webhooks::{Delivery, Endpoint};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Errors, business};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::instant;
use crate::problem::{Body, Path, Problem, Query};

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookOut {
    /// Id.
    id: i64,
    /// Where events are posted.
    url: String,
    /// Event codes it receives; empty: all.
    events: Vec<String>,
    /// When registered.
    created_at: String,
    /// The signing secret: only in the answer that registers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl WebhookOut {
    fn new(e: &Endpoint, zone: &booking_core::time::Zone) -> Self {
        Self {
            id: e.id.get(),
            url: e.url.clone(),
            events: e.events.clone(),
            created_at: instant(e.created_at, zone),
            secret: None,
        }
    }
}

/// An endpoint to register.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookIn {
    /// `https://…` (or `http://` to localhost, for development).
    url: String,
    /// Event codes (`booking.created`, `booking.rescheduled`, `booking.canceled`,
    /// `booking.approved`, `booking.pending`, `booking.rejected`, `booking.no_show`); empty: all.
    #[serde(default)]
    events: Vec<String>,
}

/// The business's webhook endpoints (admin).
#[utoipa::path(operation_id = "list_webhooks", get, path = "/api/v1/businesses/{business}/webhooks", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = Vec<WebhookOut>), Errors))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<WebhookOut>>, Problem> {
    let (b, hooks) = state.app().webhooks(&caller.required()?, BusinessId::new(id)).await?;
    Ok(Json(hooks.iter().map(|h| WebhookOut::new(h, &b.zone)).collect()))
}

/// Registers an endpoint; the answer holds its signing secret, shown this once (admin).
#[utoipa::path(operation_id = "create_webhook", post, path = "/api/v1/businesses/{business}/webhooks", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), request_body = WebhookIn,
    security(("api_key" = [])), responses((status = 201, body = WebhookOut), Errors))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<WebhookIn>,
) -> Result<(StatusCode, Json<WebhookOut>), Problem> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let hook = state.app().register_webhook(&p, b.id, &input.url, input.events).await?;
    let mut out = WebhookOut::new(&hook, &b.zone);
    out.secret = Some(hook.secret.expose().to_owned());
    Ok((StatusCode::CREATED, Json(out)))
}

/// Removes an endpoint; its delivery log stays (admin).
#[utoipa::path(operation_id = "delete_webhook", delete, path = "/api/v1/businesses/{business}/webhooks/{webhook}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("webhook" = i64, Path, description = "Webhook id")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, hook)): Path<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    let b = BusinessId::new(id);
    state.app().remove_webhook(&caller.required()?, b, WebhookId::new(hook)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many lines of the log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Limit {
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<u32>,
}

/// One attempt.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryOut {
    /// The booking event.
    event: String,
    /// The booking.
    booking_id: i64,
    /// The outbox job (the same on every retry).
    job_id: i64,
    /// When.
    at: String,
    /// The HTTP status answered.
    status: Option<u16>,
    /// Whether the endpoint took it.
    ok: bool,
    /// Why not.
    error: Option<String>,
}

impl DeliveryOut {
    fn new(d: &Delivery, zone: &booking_core::time::Zone) -> Self {
        Self {
            event: d.event.clone(),
            booking_id: d.booking.get(),
            job_id: d.job.get(),
            at: instant(d.at, zone),
            status: d.status,
            ok: d.ok,
            error: d.error.clone(),
        }
    }
}

/// The delivery log of an endpoint, newest first (admin).
#[utoipa::path(operation_id = "list_deliveries", get, path = "/api/v1/businesses/{business}/webhooks/{webhook}/deliveries", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("webhook" = i64, Path, description = "Webhook id"), Limit),
    security(("api_key" = [])), responses((status = 200, body = Vec<DeliveryOut>), Errors))]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, hook)): Path<(i64, i64)>,
    Query(limit): Query<Limit>,
) -> Result<Json<Vec<DeliveryOut>>, Problem> {
    let (b, hook) = (BusinessId::new(id), WebhookId::new(hook));
    let (b, log) = state.app().deliveries(&caller.required()?, b, hook, limit.limit).await?;
    Ok(Json(log.iter().map(|d| DeliveryOut::new(d, &b.zone)).collect()))
}
