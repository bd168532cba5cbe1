//! §H1 Calendar integrations (admin): each business's OAuth application at Google and
//! Microsoft, and its employees' connections (list, disconnect, pull busy times now).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::app::calendar::{CalendarRefused, TypedApp};
use booking_core::calendar::{Connection, Provider};
use booking_core::ids::{BusinessId, ResourceId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Errors;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Body, Path, Problem};

/// A business's OAuth application at one provider. The client secret is never shown.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IntegrationOut {
    /// `google` or `outlook`.
    provider: String,
    /// Whether it is configured.
    configured: bool,
    /// The application (client) id.
    client_id: Option<String>,
    /// Where the provider sends employees back.
    redirect_uri: Option<String>,
    /// The redirect URI to register with the provider when none is set: the server's own
    /// callback page.
    default_redirect_uri: String,
}

/// An OAuth application's credentials.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntegrationIn {
    /// The application (client) id.
    client_id: String,
    /// The client secret (stored sealed); empty keeps the one stored.
    client_secret: String,
    /// The redirect URI registered with the provider; the server's callback page by default.
    redirect_uri: Option<String>,
}

/// An employee's connected calendar.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ConnectionOut {
    /// The employee (a staff resource).
    resource: i64,
    /// `google` or `outlook`.
    provider: String,
    /// The connected account.
    account: String,
    /// `connected`, or `broken` (the employee must connect again).
    state: String,
    /// When busy times were last pulled successfully (RFC 3339).
    last_sync: Option<String>,
    /// The last failure.
    last_error: Option<String>,
    /// When the employee connected (RFC 3339).
    connected_at: String,
}

impl From<&Connection> for ConnectionOut {
    fn from(c: &Connection) -> Self {
        Self {
            resource: c.resource.get(),
            provider: c.provider.code().to_owned(),
            account: c.account.clone(),
            state: c.state.code().to_owned(),
            last_sync: c.last_sync.map(|t| t.to_string()),
            last_error: c.last_error.clone(),
            connected_at: c.connected_at.to_string(),
        }
    }
}

/// The result of a pull.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PulledOut {
    /// Busy intervals now cached.
    busy_intervals: usize,
}

/// The provider an id names, if this server offers it (none while calendar sync is off).
fn provider(state: &AppState, code: &str) -> Result<Provider, Problem> {
    if state.app().calendar_providers().is_empty() {
        return Err(CalendarRefused::Off.into());
    }
    state.app().calendar_provider(code).ok_or_else(Problem::not_found)
}

/// The server's own OAuth callback page for a provider.
pub(crate) fn default_redirect_uri(state: &AppState, business: BusinessId, p: Provider) -> String {
    format!("{}/b/{business}/office/calendar/{}/callback", state.pages().web.public_url, p.code())
}

/// Both providers' settings (admin).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/calendar/integrations", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = Vec<IntegrationOut>), Errors))]
pub(crate) async fn list_integrations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<IntegrationOut>>, Problem> {
    let b = BusinessId::new(id);
    let all = state.app().calendar_integrations(&caller.required()?, b).await?;
    let mut out = Vec::new();
    for (p, found) in all {
        out.push(IntegrationOut {
            provider: p.code().to_owned(),
            configured: found.is_some(),
            client_id: found.as_ref().map(|i| i.client_id.clone()),
            redirect_uri: found.map(|i| i.redirect_uri),
            default_redirect_uri: default_redirect_uri(&state, b, p),
        });
    }
    Ok(Json(out))
}

/// Sets a provider's OAuth application; the secret is sealed before it is stored (admin).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/calendar/integrations/{provider}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("provider" = String, Path, description = "google or outlook")),
    request_body = IntegrationIn, security(("api_key" = [])),
    responses((status = 200, body = IntegrationOut), Errors))]
pub(crate) async fn put_integration(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, code)): Path<(i64, String)>,
    Body(input): Body<IntegrationIn>,
) -> Result<Json<IntegrationOut>, Problem> {
    let p = provider(&state, &code)?;
    let b = BusinessId::new(id);
    let default = || default_redirect_uri(&state, b, p);
    let typed = TypedApp {
        client_id: &input.client_id,
        client_secret: &input.client_secret,
        redirect_uri: input.redirect_uri.as_deref(),
    };
    let app = state.app().configure_calendar(&caller.required()?, b, p, typed, default).await?;
    Ok(Json(IntegrationOut {
        provider: p.code().to_owned(),
        configured: true,
        client_id: Some(app.client_id),
        redirect_uri: Some(app.redirect_uri),
        default_redirect_uri: default_redirect_uri(&state, b, p),
    }))
}

/// Removes a provider's OAuth application (admin). Connected employees stay connected until
/// their token needs a refresh.
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/calendar/integrations/{provider}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("provider" = String, Path, description = "google or outlook")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete_integration(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, code)): Path<(i64, String)>,
) -> Result<StatusCode, Problem> {
    let p = provider(&state, &code)?;
    let b = BusinessId::new(id);
    if state.app().remove_calendar_integration(&caller.required()?, b, p).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found())
    }
}

/// The employees' connections, with their last successful pull (admin).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/calendar/connections", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = Vec<ConnectionOut>), Errors))]
pub(crate) async fn list_connections(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ConnectionOut>>, Problem> {
    let all = state.app().calendar_connections(&caller.required()?, BusinessId::new(id)).await?;
    Ok(Json(all.iter().map(ConnectionOut::from).collect()))
}

/// Disconnects an employee's calendar: revokes the token where the provider can, stops
/// syncing, forgets the cached busy times (admin).
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/calendar/connections/{resource}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "The employee")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete_connection(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    let (b, employee) = (BusinessId::new(id), ResourceId::new(resource));
    let done = state.app().disconnect_calendar(&caller.required()?, b, employee).await?;
    if done { Ok(StatusCode::NO_CONTENT) } else { Err(Problem::not_found()) }
}

/// Pulls an employee's busy times now (admin).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/calendar/connections/{resource}/pull", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "The employee")),
    security(("api_key" = [])), responses((status = 200, body = PulledOut), Errors))]
pub(crate) async fn pull_connection(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
) -> Result<Json<PulledOut>, Problem> {
    let (b, employee) = (BusinessId::new(id), ResourceId::new(resource));
    let pulled = state.app().pull_calendar(&caller.required()?, b, employee).await?;
    let busy_intervals = pulled.ok_or_else(Problem::not_found)?;
    Ok(Json(PulledOut { busy_intervals }))
}
