//! §C2 Set-up: the business, its settings, resources, hours, exceptions, agendas, services,
//! events and sessions, customers and API keys.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::access::Action;
use booking_core::booking::Role;
use booking_core::catalog::{Customer, Session};
use booking_core::error::Kind;
use booking_core::ids::{
    AgendaId, ApiKeyId, BusinessId, CustomerId, EventId, ExceptionId, ResourceId, ServiceId,
    SessionId,
};
use booking_core::time::Interval;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Errors, business};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::{
    AgendaIn, AgendaOut, ApiKeyIn, ApiKeyOut, AttachIn, BusinessOut, BusinessPatch, CustomerIn,
    CustomerOut, EventIn, EventOut, ExceptionIn, ExceptionOut, HoursDto, ResourceIn, ResourceOut,
    RevokedOut, ServiceIn, ServiceOut, SessionIn, SessionOut, SettingsOut, SettingsPatch,
    parse_instant, when,
};
use crate::problem::{Body, Path, Problem, Query};

type Answer<T> = Result<Json<T>, Problem>;
type Created<T> = Result<(StatusCode, Json<T>), Problem>;

fn created<T>(value: T) -> Created<T> {
    Ok((StatusCode::CREATED, Json(value)))
}

/// The public profile of a business.
#[utoipa::path(get, path = "/api/v1/businesses/{business}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    responses((status = 200, body = BusinessOut), Errors))]
pub(crate) async fn get_business(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<BusinessOut> {
    let b = state.app().business_profile(caller.0.as_ref(), BusinessId::new(id)).await?;
    Ok(Json((&b).into()))
}

/// Changes the business profile (admin).
#[utoipa::path(patch, path = "/api/v1/businesses/{business}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = BusinessPatch, security(("api_key" = [])),
    responses((status = 200, body = BusinessOut), Errors))]
pub(crate) async fn patch_business(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(patch): Body<BusinessPatch>,
) -> Answer<BusinessOut> {
    let b =
        state.app().update_profile(&caller.required()?, BusinessId::new(id), patch.into()).await?;
    Ok(Json((&b).into()))
}

/// Every setting (admin, manager).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/settings", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = SettingsOut), Errors))]
pub(crate) async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<SettingsOut> {
    let settings = state.app().settings(&caller.required()?, BusinessId::new(id)).await?;
    Ok(Json((&settings).into()))
}

/// Changes settings: only the fields sent (admin).
#[utoipa::path(patch, path = "/api/v1/businesses/{business}/settings", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = SettingsPatch, security(("api_key" = [])),
    responses((status = 200, body = SettingsOut), Errors))]
pub(crate) async fn patch_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(patch): Body<SettingsPatch>,
) -> Answer<SettingsOut> {
    let change = patch.into();
    let settings =
        state.app().update_settings(&caller.required()?, BusinessId::new(id), change).await?;
    Ok(Json((&settings).into()))
}

/// Staff and desks (admin, manager).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/resources", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = Vec<ResourceOut>), Errors))]
pub(crate) async fn list_resources(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<Vec<ResourceOut>> {
    let found = state.app().resources(&caller.required()?, BusinessId::new(id)).await?;
    Ok(Json(found.iter().map(Into::into).collect()))
}

/// Creates a staff member or desk (admin, manager).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/resources", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = ResourceIn, security(("api_key" = [])),
    responses((status = 201, body = ResourceOut), Errors))]
pub(crate) async fn create_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<ResourceIn>,
) -> Created<ResourceOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let r = state.app().create_resource(&p, b.id, input.to_core(&b, 0)?).await?;
    created((&r).into())
}

/// One resource (admin, manager, or the staff member themself).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/resources/{resource}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id")),
    security(("api_key" = [])), responses((status = 200, body = ResourceOut), Errors))]
pub(crate) async fn get_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
) -> Answer<ResourceOut> {
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    let r = state.app().resource(&caller.required()?, b, r).await?;
    Ok(Json((&r).into()))
}

/// Replaces a resource, hours included (admin, manager).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/resources/{resource}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id")),
    request_body = ResourceIn, security(("api_key" = [])),
    responses((status = 200, body = ResourceOut), Errors))]
pub(crate) async fn put_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    Body(input): Body<ResourceIn>,
) -> Answer<ResourceOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let r = state.app().update_resource(&p, b.id, input.to_core(&b, resource)?).await?;
    Ok(Json((&r).into()))
}

/// Replaces a resource's opening hours (admin, manager, or the staff member themself).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/resources/{resource}/hours", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id")),
    request_body = HoursDto, security(("api_key" = [])),
    responses((status = 200, body = ResourceOut), Errors))]
pub(crate) async fn put_hours(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    Body(hours): Body<HoursDto>,
) -> Answer<ResourceOut> {
    let p = caller.required()?;
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    let r = state.app().set_hours(&p, b, r, hours.to_core()?).await?;
    Ok(Json((&r).into()))
}

/// A window of time, as instants or dates in the business zone.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Window {
    /// From (RFC 3339 instant, or a date: its local midnight).
    from: String,
    /// To, exclusive (RFC 3339 instant, or a date: its local midnight).
    to: String,
}

impl Window {
    /// The window as the core takes it: each end an instant or a local date.
    pub(crate) fn to_core(&self) -> Result<booking_core::app::Window, Problem> {
        Ok(booking_core::app::Window { from: when("from", &self.from)?, to: when("to", &self.to)? })
    }

    /// The instants it covers in `zone`.
    pub(crate) fn interval(&self, zone: &booking_core::time::Zone) -> Result<Interval, Problem> {
        Ok(self.to_core()?.interval(zone)?)
    }
}

/// Exceptions of a resource over a window.
#[utoipa::path(get, path = "/api/v1/businesses/{business}/resources/{resource}/exceptions", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id"), Window),
    security(("api_key" = [])), responses((status = 200, body = Vec<ExceptionOut>), Errors))]
pub(crate) async fn list_exceptions(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    Query(window): Query<Window>,
) -> Answer<Vec<ExceptionOut>> {
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    let (b, found) = state.app().exceptions(&caller.required()?, b, r, &window.to_core()?).await?;
    Ok(Json(found.iter().map(|e| ExceptionOut::new(e, &b.zone)).collect()))
}

/// Adds an exception: time off, a holiday (admin, manager, or the staff member themself).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/resources/{resource}/exceptions", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id")),
    request_body = ExceptionIn, security(("api_key" = [])),
    responses((status = 201, body = ExceptionOut), Errors))]
pub(crate) async fn add_exception(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    Body(input): Body<ExceptionIn>,
) -> Created<ExceptionOut> {
    let (p, r) = (caller.required()?, ResourceId::new(resource));
    let b = business(&state, id).await?;
    let e = state.app().add_exception(&p, b.id, r, input.to_core(&b.zone)?).await?;
    created(ExceptionOut::new(&e, &b.zone))
}

/// Removes an exception.
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/resources/{resource}/exceptions/{exception}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "Resource id"), ("exception" = i64, Path, description = "Exception id")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete_exception(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource, exception)): Path<(i64, i64, i64)>,
) -> Result<StatusCode, Problem> {
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    let p = caller.required()?;
    state.app().remove_exception(&p, b, r, ExceptionId::new(exception)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The business's agendas (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/agendas", tag = "public",
    params(("business" = i64, Path, description = "Business id")),
    responses((status = 200, body = Vec<AgendaOut>), Errors))]
pub(crate) async fn list_agendas(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<Vec<AgendaOut>> {
    let found = state.app().agendas(caller.0.as_ref(), BusinessId::new(id)).await?;
    Ok(Json(found.iter().map(Into::into).collect()))
}

/// Creates an agenda over resources and services of the business (admin, manager).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/agendas", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = AgendaIn, security(("api_key" = [])),
    responses((status = 201, body = AgendaOut), Errors))]
pub(crate) async fn create_agenda(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<AgendaIn>,
) -> Created<AgendaOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let a = state.app().create_agenda(&p, b.id, input.to_core(&b, 0)?).await?;
    created((&a).into())
}

/// One agenda (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/agendas/{agenda}", tag = "public",
    params(("business" = i64, Path, description = "Business id"), ("agenda" = i64, Path, description = "Agenda id")),
    responses((status = 200, body = AgendaOut), Errors))]
pub(crate) async fn get_agenda(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, agenda)): Path<(i64, i64)>,
) -> Answer<AgendaOut> {
    let (b, a) = (BusinessId::new(id), AgendaId::new(agenda));
    let a = state.app().agenda(caller.0.as_ref(), b, a).await?;
    Ok(Json((&a).into()))
}

/// Replaces an agenda (admin, manager).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/agendas/{agenda}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("agenda" = i64, Path, description = "Agenda id")),
    request_body = AgendaIn, security(("api_key" = [])),
    responses((status = 200, body = AgendaOut), Errors))]
pub(crate) async fn put_agenda(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, agenda)): Path<(i64, i64)>,
    Body(input): Body<AgendaIn>,
) -> Answer<AgendaOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let a = state.app().update_agenda(&p, b.id, input.to_core(&b, agenda)?).await?;
    Ok(Json((&a).into()))
}

/// The business's services (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/services", tag = "public",
    params(("business" = i64, Path, description = "Business id")),
    responses((status = 200, body = Vec<ServiceOut>), Errors))]
pub(crate) async fn list_services(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<Vec<ServiceOut>> {
    let found = state.app().services(caller.0.as_ref(), BusinessId::new(id)).await?;
    Ok(Json(found.iter().map(Into::into).collect()))
}

/// Creates a service (admin, manager).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/services", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = ServiceIn, security(("api_key" = [])),
    responses((status = 201, body = ServiceOut), Errors))]
pub(crate) async fn create_service(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<ServiceIn>,
) -> Created<ServiceOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let s = state.app().create_service(&p, b.id, input.to_core(&b, 0)?).await?;
    created((&s).into())
}

/// One service (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/services/{service}", tag = "public",
    params(("business" = i64, Path, description = "Business id"), ("service" = i64, Path, description = "Service id")),
    responses((status = 200, body = ServiceOut), Errors))]
pub(crate) async fn get_service(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, service)): Path<(i64, i64)>,
) -> Answer<ServiceOut> {
    let (b, s) = (BusinessId::new(id), ServiceId::new(service));
    let s = state.app().service(caller.0.as_ref(), b, s).await?;
    Ok(Json((&s).into()))
}

/// Replaces a service (admin, manager).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/services/{service}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("service" = i64, Path, description = "Service id")),
    request_body = ServiceIn, security(("api_key" = [])),
    responses((status = 200, body = ServiceOut), Errors))]
pub(crate) async fn put_service(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, service)): Path<(i64, i64)>,
    Body(input): Body<ServiceIn>,
) -> Answer<ServiceOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let s = state.app().update_service(&p, b.id, input.to_core(&b, service)?).await?;
    Ok(Json((&s).into()))
}

/// The business's events and courses (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/events", tag = "public",
    params(("business" = i64, Path, description = "Business id")),
    responses((status = 200, body = Vec<EventOut>), Errors))]
pub(crate) async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<Vec<EventOut>> {
    let found = state.app().events(caller.0.as_ref(), BusinessId::new(id)).await?;
    Ok(Json(found.iter().map(Into::into).collect()))
}

/// Creates an event or course (admin, manager).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/events", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = EventIn, security(("api_key" = [])),
    responses((status = 201, body = EventOut), Errors))]
pub(crate) async fn create_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<EventIn>,
) -> Created<EventOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let e = state.app().create_event(&p, b.id, input.to_core(&b)?).await?;
    created((&e).into())
}

/// One event or course (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/events/{event}", tag = "public",
    params(("business" = i64, Path, description = "Business id"), ("event" = i64, Path, description = "Event id")),
    responses((status = 200, body = EventOut), Errors))]
pub(crate) async fn get_event(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, event)): Path<(i64, i64)>,
) -> Answer<EventOut> {
    let (b, e) = (BusinessId::new(id), EventId::new(event));
    let e = state.app().event(caller.0.as_ref(), b, e).await?;
    Ok(Json((&e).into()))
}

/// The sessions of an event (public).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/events/{event}/sessions", tag = "public",
    params(("business" = i64, Path, description = "Business id"), ("event" = i64, Path, description = "Event id")),
    responses((status = 200, body = Vec<SessionOut>), Errors))]
pub(crate) async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, event)): Path<(i64, i64)>,
) -> Answer<Vec<SessionOut>> {
    let (b, e) = (BusinessId::new(id), EventId::new(event));
    let (b, sessions) = state.app().sessions(caller.0.as_ref(), b, e).await?;
    Ok(Json(sessions.iter().map(|s| SessionOut::new(s, &b.zone)).collect()))
}

/// Adds a session to an event (admin, manager).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/events/{event}/sessions", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("event" = i64, Path, description = "Event id")),
    request_body = SessionIn, security(("api_key" = [])),
    responses((status = 201, body = SessionOut), Errors))]
pub(crate) async fn create_session(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, event)): Path<(i64, i64)>,
    Body(input): Body<SessionIn>,
) -> Created<SessionOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let e = state.app().event(Some(&p), b.id, EventId::new(event)).await?;
    let interval =
        Interval::new(parse_instant("start", &input.start)?, parse_instant("end", &input.end)?)
            .map_err(|_| Problem::invalid("`end` is after `start`"))?;
    let capacity = input.capacity.unwrap_or(e.capacity);
    let draft = Session {
        id: SessionId::new(0),
        business: b.id,
        event: e.id,
        interval,
        capacity,
        leader: input.leader_id.map(ResourceId::new),
    };
    let s = state.app().create_session(&p, b.id, draft).await?;
    created(SessionOut::new(&s, &b.zone))
}

/// The business's API keys, revoked ones included (admin).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/api-keys", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = Vec<ApiKeyOut>), Errors))]
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Answer<Vec<ApiKeyOut>> {
    let (b, keys) = state.app().api_keys(&caller.required()?, BusinessId::new(id)).await?;
    Ok(Json(keys.iter().map(|k| ApiKeyOut::new(k, &b.zone)).collect()))
}

/// Issues an API key; the answer is the only time the key is shown (admin).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/api-keys", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")),
    request_body = ApiKeyIn, security(("api_key" = [])),
    responses((status = 201, body = ApiKeyOut), Errors))]
pub(crate) async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<ApiKeyIn>,
) -> Created<ApiKeyOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let role: Role = input.role.into();
    let (key, secret) =
        state.app().issue_api_key(&p, b.id, &input.name, role, input.subject).await?;
    let mut out = ApiKeyOut::new(&key, &b.zone);
    out.key = Some(secret.expose().to_owned());
    created(out)
}

/// Revokes an API key (admin).
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/api-keys/{key}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("key" = i64, Path, description = "Key id")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, key)): Path<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    let b = BusinessId::new(id);
    state.app().revoke_api_key(&caller.required()?, b, ApiKeyId::new(key)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a customer record (agents and up).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/customers", tag = "bookings",
    params(("business" = i64, Path, description = "Business id")),
    request_body = CustomerIn, security(("api_key" = [])),
    responses((status = 201, body = CustomerOut), Errors))]
pub(crate) async fn create_customer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<CustomerIn>,
) -> Created<CustomerOut> {
    let p = caller.required()?;
    let b = business(&state, id).await?;
    let draft = Customer {
        id: CustomerId::new(0),
        business: b.id,
        account: None,
        contact: input.contact.to_core()?,
        notes: input.notes,
        fields: Vec::new(),
        anonymised_at: None,
    };
    let c = state.app().create_customer(&p, b.id, draft).await?;
    created(CustomerOut::new(&c, &b.zone))
}

/// A customer record (agents and up, or the customer themself).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/customers/{customer}", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("customer" = i64, Path, description = "Customer id")),
    security(("api_key" = [])), responses((status = 200, body = CustomerOut), Errors))]
pub(crate) async fn get_customer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, customer)): Path<(i64, i64)>,
) -> Answer<CustomerOut> {
    let (b, c) = (BusinessId::new(id), CustomerId::new(customer));
    let (biz, found) = state.app().customer(&caller.required()?, b, c).await?;
    Ok(Json(CustomerOut::new(&found, &biz.zone)))
}

/// Erases a customer's personal data and keeps their bookings (managers and up; the
/// customer themself when the business allows profile deletion).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/customers/{customer}/anonymise", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("customer" = i64, Path, description = "Customer id")),
    security(("api_key" = [])), responses((status = 200, body = CustomerOut), Errors))]
pub(crate) async fn anonymise_customer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, customer)): Path<(i64, i64)>,
) -> Answer<CustomerOut> {
    let b = BusinessId::new(id);
    let c = CustomerId::new(customer);
    let biz = business(&state, id).await?;
    let erased = state.app().anonymise_customer(&caller.required()?, b, c).await?;
    Ok(Json(CustomerOut::new(&erased, &biz.zone)))
}

/// Attaches a customer record (say, a guest's) to the account of an email: its bookings
/// then show in that account's panel (agents and up).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/customers/{customer}/account", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("customer" = i64, Path, description = "Customer id")),
    request_body = AttachIn, security(("api_key" = [])),
    responses((status = 200, body = CustomerOut), Errors))]
pub(crate) async fn attach_customer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, customer)): Path<(i64, i64)>,
    Body(input): Body<AttachIn>,
) -> Answer<CustomerOut> {
    let b = BusinessId::new(id);
    caller.authorize(b, Action::BookForCustomers)?;
    let email = booking_core::accounts::username(&input.email)
        .map_err(|_| Problem::of(Kind::Invalid, "invalid_email", "not an email address"))?;
    let c = CustomerId::new(customer);
    let (biz, _) = state.app().customer(&caller.required()?, b, c).await?;
    let attached = state
        .accounts()
        .attach_to_account(b, c, &email)
        .await
        .map_err(|e| match e {
            booking_core::accounts::AccountError::Store(e) => Problem::from(e),
            _ => Problem::of(
                Kind::Invalid,
                "customer_anonymised",
                "an anonymised record cannot be attached",
            ),
        })?
        .ok_or_else(|| {
            Problem::of(Kind::NotFound, "account_not_found", "no account has this email")
        })?;
    Ok(Json(CustomerOut::new(&attached, &biz.zone)))
}

/// Revokes every magic link of a customer (agents and up).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/customers/{customer}/magic-links/revoke", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("customer" = i64, Path, description = "Customer id")),
    security(("api_key" = [])), responses((status = 200, body = RevokedOut), Errors))]
pub(crate) async fn revoke_magic_links(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, customer)): Path<(i64, i64)>,
) -> Answer<RevokedOut> {
    let b = BusinessId::new(id);
    caller.authorize(b, Action::BookForCustomers)?;
    let c = CustomerId::new(customer);
    state.app().customer(&caller.required()?, b, c).await?;
    let revoked = state.accounts().revoke_magic_links(b, c).await?;
    Ok(Json(RevokedOut { revoked }))
}
