//! §H1 in the back office: an employee connects their own Google or Outlook calendar from
//! their profile page (OAuth authorization-code flow), sees the connected account and its last
//! sync, syncs now or disconnects; an admin enters the business's OAuth applications.
//!
//! The flow's `state` is `<employee>.<expiry>.<nonce>.<mac>`: the MAC (HMAC-SHA-256 under the server
//! secret) binds the business, the provider, the employee and the expiry; the nonce is also in
//! a `SameSite=Lax` cookie set when the flow starts, so only the browser that started it can
//! finish it (the staff session cookie is `SameSite=Strict` and does not come back with the
//! provider's cross-site redirect). The callback then answers with a page and a link, not a
//! redirect, so the next request is same-site and carries the staff session again.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::access::Principal;
use booking_core::app::calendar::{CalendarRefused, MyCalendar, TypedApp};
use booking_core::booking::Role;
use booking_core::calendar::{Connection, ConnectionState, Provider};
use booking_core::catalog::Resource;
use booking_core::error::{ErrorCode, Kind};
use booking_core::ids::ResourceId;
use booking_core::notify;
use booking_core::settings::{CalendarSyncOptions, SettingsChange};
use serde::Deserialize;

use super::book::unavailable;
use super::office::staff;
use super::{CsrfForm, Ctx, PageForm, View, same_secret};
use crate::routes::integrations::default_redirect_uri;

/// How long a started connection may take.
const FLOW_SECONDS: i64 = 600;

#[derive(Template)]
#[template(path = "office_profile.html")]
struct ProfilePage {
    c: View,
    name: String,
    notice: Option<&'static str>,
    employee: bool,
    /// (provider code, label, account, broken, last sync, last error)
    connected: Option<(String, String, bool, String, Option<String>)>,
    /// (provider code, button label) of the configured providers.
    offers: Vec<(String, String)>,
    admin: bool,
}

#[derive(Template)]
#[template(path = "office_integrations.html")]
struct IntegrationsPage {
    c: View,
    notice: Option<&'static str>,
    /// (field name, label, on) of the §H3 options.
    options: Vec<(&'static str, &'static str, bool)>,
    /// (field name, label, value) of the event templates.
    templates: Vec<(&'static str, &'static str, String)>,
    window: u32,
    /// (provider code, label, client id, secret saved, redirect URI)
    providers: Vec<(String, String, String, bool, String)>,
    /// (employee, provider, account, state, last sync)
    connections: Vec<(String, String, String, String, String)>,
}

fn office_view(ctx: &Ctx) -> View {
    View { panel: false, ..ctx.view() }
}

/// The employee a back-office session stands for: the staff resource its key names (`Ok(None)`
/// for a key that names none, or names a desk).
pub(crate) async fn employee_of(
    ctx: &Ctx,
    principal: &Principal,
) -> Result<Option<Resource>, Response> {
    ctx.state.app().employee(principal, ctx.business.id).await.map_err(|_| unavailable(ctx))
}

#[derive(Deserialize)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    pub(crate) done: Option<String>,
}

fn notice(ctx: &Ctx, code: Option<&str>) -> Option<&'static str> {
    match code? {
        "disconnected" => Some(ctx.t.calendar_disconnected),
        "synced" => Some(ctx.t.calendar_synced),
        "sync_failed" => Some(ctx.t.calendar_sync_failed),
        "saved" => Some(ctx.t.changes_saved),
        "invalid" => Some(ctx.t.integration_invalid),
        _ => None,
    }
}

fn when(ctx: &Ctx, at: jiff::Timestamp) -> String {
    notify::date_time(ctx.business.zone.local(at), ctx.locale)
}

/// `GET /b/{id}/office/profile`: the employee's own profile with their calendar.
pub(crate) async fn profile(ctx: Ctx, Query(q): Query<NoticeQuery>) -> Response {
    let principal = match staff(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(MyCalendar { employee: me, connection, offered }) =
        ctx.state.app().my_calendar(&principal, ctx.business.id).await
    else {
        return unavailable(&ctx);
    };
    let app = ctx.state.app();
    let offers = offered
        .into_iter()
        .map(|p| {
            let label = format!("{} {}", ctx.t.calendar_connect, app.calendar_label(p, ctx.locale));
            (p.code().to_owned(), label)
        })
        .collect();
    let connected = connection.map(|c: Connection| {
        (
            app.calendar_label(c.provider, ctx.locale),
            c.account,
            c.state == ConnectionState::Broken,
            c.last_sync.map_or_else(|| ctx.t.calendar_never.to_owned(), |t| when(&ctx, t)),
            c.last_error,
        )
    });
    let page = ProfilePage {
        c: office_view(&ctx),
        name: me.as_ref().map_or_else(|| ctx.t.role(principal.role).to_owned(), |r| r.name.clone()),
        notice: notice(&ctx, q.done.as_deref()),
        employee: me.is_some(),
        connected,
        offers,
        admin: principal.role == Role::Admin,
    };
    ctx.render(StatusCode::OK, &page)
}

/// The guard of the employee's calendar actions: the form token and the staff session.
async fn acting_staff(ctx: &Ctx, csrf: &str) -> Result<Principal, Response> {
    ctx.check_csrf(csrf)?;
    staff(ctx).await
}

/// The page for a refused calendar action: not an employee (or sync off) is forbidden.
fn refused(ctx: &Ctx, e: &CalendarRefused) -> Response {
    match e {
        CalendarRefused::NoEmployee | CalendarRefused::Off | CalendarRefused::Denied(_) => {
            ctx.message(StatusCode::FORBIDDEN, ctx.t.error_title, ctx.t.calendar_no_employee)
        }
        _ => ctx.message(StatusCode::CONFLICT, ctx.t.error_title, ctx.t.calendar_not_offered),
    }
}

fn provider_of(ctx: &Ctx, code: &str) -> Result<Provider, Response> {
    ctx.state
        .app()
        .calendar_provider(code)
        .ok_or_else(|| ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.reason_other))
}

/// `POST …/office/calendar/{provider}/connect`: off to the provider's consent page.
pub(crate) async fn connect(
    mut ctx: Ctx,
    Path((_, code)): Path<(i64, String)>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    let provider = match provider_of(&ctx, &code) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let principal = match acting_staff(&ctx, &form.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let nonce = ctx.state.app().token(16).expose().to_owned();
    let expires = ctx.now().as_second() + FLOW_SECONDS;
    let state = |resource| {
        let mac = flow_mac(&ctx, provider, resource, expires, &nonce);
        format!("{resource}.{expires}.{nonce}.{mac}")
    };
    let business = ctx.business.id;
    match ctx.state.app().start_calendar_connection(&principal, business, provider, state).await {
        Ok(url) => {
            ctx.oauth_cookie(Some(&nonce));
            ctx.redirect(&url)
        }
        Err(e) => refused(&ctx, &e),
    }
}

fn flow_mac(
    ctx: &Ctx,
    provider: Provider,
    resource: ResourceId,
    expires: i64,
    nonce: &str,
) -> String {
    ctx.mac(&[
        b"oauth",
        ctx.business.id.to_string().as_bytes(),
        provider.code().as_bytes(),
        resource.to_string().as_bytes(),
        expires.to_string().as_bytes(),
        nonce.as_bytes(),
    ])
}

#[derive(Deserialize)]
pub(crate) struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Which employee a returning `state` stands for, if it is genuine, fresh, and this browser's.
fn check_state(ctx: &Ctx, provider: Provider, state: &str) -> Option<ResourceId> {
    let mut parts = state.splitn(4, '.');
    let resource = ResourceId::new(parts.next()?.parse().ok()?);
    let expires: i64 = parts.next()?.parse().ok()?;
    let nonce = parts.next()?;
    let mac = parts.next()?;
    let fresh = expires >= ctx.now().as_second() && ctx.oauth_nonce() == Some(nonce);
    let genuine = same_secret(&flow_mac(ctx, provider, resource, expires, nonce), mac);
    (fresh && genuine).then_some(resource)
}

/// `GET …/office/calendar/{provider}/callback`: where the provider sends the employee back.
pub(crate) async fn callback(
    mut ctx: Ctx,
    Path((_, code)): Path<(i64, String)>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let provider = match provider_of(&ctx, &code) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let back = ctx.path("/office/profile");
    let failed = |ctx: &Ctx, status| {
        let t = ctx.t;
        ctx.linked_with(
            status,
            t.calendar_failed_title,
            t.calendar_failed_text,
            back.clone(),
            t.calendar_back,
        )
    };
    let (Some(state), Some(code), None) =
        (q.state.as_deref(), q.code.as_deref(), q.error.as_deref())
    else {
        return failed(&ctx, StatusCode::BAD_REQUEST);
    };
    // `connect` checks that the resource is still a staff member of the business.
    let Some(resource) = check_state(&ctx, provider, state) else {
        return failed(&ctx, StatusCode::BAD_REQUEST);
    };
    ctx.oauth_cookie(None);
    let business = ctx.business.id;
    match ctx.state.app().finish_calendar_connection(business, resource, provider, code).await {
        Ok(()) => {
            // Pulling a year of busy times and pushing every upcoming booking can take a while:
            // not inside this request.
            let state = ctx.state.clone();
            tokio::spawn(async move {
                if let Err(e) = state.app().catch_up_calendar(business, resource).await {
                    tracing::warn!(error = %e, "calendar catch-up after connecting failed");
                }
            });
            ctx.linked(
                ctx.t.calendar_done_title,
                ctx.t.calendar_done_text,
                back.clone(),
                ctx.t.calendar_back,
            )
        }
        Err(CalendarRefused::Sync(booking_core::calendar::SyncError::NoEmployee)) => {
            failed(&ctx, StatusCode::BAD_REQUEST)
        }
        Err(e) => {
            tracing::warn!(error = %e, provider = %provider, "calendar connection failed");
            failed(&ctx, StatusCode::BAD_GATEWAY)
        }
    }
}

/// `POST …/office/calendar/disconnect`.
pub(crate) async fn disconnect(ctx: Ctx, PageForm(form): PageForm<CsrfForm>) -> Response {
    let principal = match acting_staff(&ctx, &form.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match ctx.state.app().disconnect_my_calendar(&principal, ctx.business.id).await {
        Ok(_) => ctx.redirect(&ctx.path("/office/profile?done=disconnected")),
        Err(e @ (CalendarRefused::NoEmployee | CalendarRefused::Off)) => refused(&ctx, &e),
        Err(_) => unavailable(&ctx),
    }
}

/// `POST …/office/calendar/sync`: pulls busy times now.
pub(crate) async fn sync_now(ctx: Ctx, PageForm(form): PageForm<CsrfForm>) -> Response {
    let principal = match acting_staff(&ctx, &form.csrf).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let done = match ctx.state.app().pull_my_calendar(&principal, ctx.business.id).await {
        Ok(_) => "synced",
        Err(e @ (CalendarRefused::NoEmployee | CalendarRefused::Off)) => return refused(&ctx, &e),
        Err(_) => "sync_failed",
    };
    ctx.redirect(&ctx.path(&format!("/office/profile?done={done}")))
}

async fn admin(ctx: &Ctx) -> Result<Principal, Response> {
    let principal = staff(ctx).await?;
    if principal.role == Role::Admin {
        Ok(principal)
    } else {
        Err(ctx.message(StatusCode::FORBIDDEN, ctx.t.error_title, ctx.t.reason_other))
    }
}

/// `GET /b/{id}/office/integrations`: the business's OAuth applications (admin).
pub(crate) async fn integrations_page(ctx: Ctx, Query(q): Query<NoticeQuery>) -> Response {
    let principal = match admin(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let status = if q.done.as_deref() == Some("invalid") {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_integrations(&ctx, &principal, status, notice(&ctx, q.done.as_deref())).await
}

async fn render_integrations(
    ctx: &Ctx,
    principal: &Principal,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Response {
    let (app, business) = (ctx.state.app(), ctx.business.id);
    let (Ok(integrations), Ok(all), Ok(resources)) = (
        app.calendar_integrations(principal, business).await,
        app.calendar_connections(principal, business).await,
        app.resources(principal, business).await,
    ) else {
        return unavailable(ctx);
    };
    let providers = integrations
        .into_iter()
        .map(|(p, found)| match found {
            Some(i) => (
                p.code().to_owned(),
                app.calendar_label(p, ctx.locale),
                i.client_id,
                true,
                i.redirect_uri,
            ),
            None => {
                let default = default_redirect_uri(&ctx.state, business, p);
                (
                    p.code().to_owned(),
                    app.calendar_label(p, ctx.locale),
                    String::new(),
                    false,
                    default,
                )
            }
        })
        .collect();
    let connections = all
        .into_iter()
        .map(|c| {
            let name = resources
                .iter()
                .find(|r| r.id == c.resource)
                .map_or_else(|| format!("#{}", c.resource), |r| r.name.clone());
            let last =
                c.last_sync.map_or_else(|| ctx.t.calendar_never.to_owned(), |t| when(ctx, t));
            (
                name,
                app.calendar_label(c.provider, ctx.locale),
                c.account,
                c.state.code().to_owned(),
                last,
            )
        })
        .collect();
    let s = &ctx.business.settings;
    let (o, t) = (&s.calendar, ctx.t);
    let options = vec![
        ("add_pending", t.opt_add_pending, o.add_pending),
        ("customers_as_attendees", t.opt_attendees, o.customers_as_attendees),
        ("attendees_see_each_other", t.opt_see_each_other, o.attendees_see_each_other),
        ("send_invitations", t.opt_invitations, o.send_invitations),
        ("remove_busy_slots", t.opt_busy, o.remove_busy_slots),
        ("include_buffers", t.opt_buffers, o.include_buffers),
        ("add_meeting_link", t.opt_meeting, o.add_meeting_link),
    ];
    let templates = vec![
        ("appointment_event_title", t.event_title_appointments, s.appointment_event_title.clone()),
        ("event_event_title", t.event_title_events, s.event_event_title.clone()),
        (
            "appointment_event_description",
            t.event_description_appointments,
            s.appointment_event_description.clone(),
        ),
        ("event_event_description", t.event_description_events, s.event_event_description.clone()),
    ];
    let page = IntegrationsPage {
        c: office_view(ctx),
        notice,
        options,
        templates,
        window: s.calendar_window_days,
        providers,
        connections,
    };
    ctx.render(status, &page)
}

#[derive(Deserialize)]
pub(crate) struct IntegrationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    redirect_uri: String,
}

/// `POST /b/{id}/office/integrations`: saves one provider's application (admin). An empty
/// secret keeps the saved one.
pub(crate) async fn save_integration(
    ctx: Ctx,
    PageForm(form): PageForm<IntegrationForm>,
) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let principal = match admin(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(provider) = ctx.state.app().calendar_provider(&form.provider) else {
        return ctx.redirect(&ctx.path("/office/integrations?done=invalid"));
    };
    let business = ctx.business.id;
    let default = || default_redirect_uri(&ctx.state, business, provider);
    let configured = ctx
        .state
        .app()
        .configure_calendar(
            &principal,
            business,
            provider,
            TypedApp {
                client_id: &form.client_id,
                client_secret: &form.client_secret,
                redirect_uri: Some(&form.redirect_uri),
            },
            default,
        )
        .await;
    match configured {
        Ok(_) => ctx.redirect(&ctx.path("/office/integrations?done=saved")),
        Err(CalendarRefused::Invalid(_)) => {
            ctx.redirect(&ctx.path("/office/integrations?done=invalid"))
        }
        Err(_) => unavailable(&ctx),
    }
}

#[derive(Deserialize)]
pub(crate) struct OptionsForm {
    #[serde(default)]
    csrf: String,
    add_pending: Option<String>,
    customers_as_attendees: Option<String>,
    attendees_see_each_other: Option<String>,
    send_invitations: Option<String>,
    remove_busy_slots: Option<String>,
    include_buffers: Option<String>,
    add_meeting_link: Option<String>,
    #[serde(default)]
    appointment_event_title: String,
    #[serde(default)]
    event_event_title: String,
    #[serde(default)]
    appointment_event_description: String,
    #[serde(default)]
    event_event_description: String,
    #[serde(default)]
    calendar_window_days: String,
}

/// `POST /b/{id}/office/integrations/options`: the §H3 options and the event templates (admin),
/// checked as the API checks them (`PATCH …/settings`).
pub(crate) async fn save_options(ctx: Ctx, PageForm(form): PageForm<OptionsForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let principal = match admin(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let invalid = || ctx.redirect(&ctx.path("/office/integrations?done=invalid"));
    let Ok(window) = form.calendar_window_days.trim().parse::<u32>() else { return invalid() };
    let change = SettingsChange {
        calendar: Some(CalendarSyncOptions {
            add_pending: form.add_pending.is_some(),
            customers_as_attendees: form.customers_as_attendees.is_some(),
            attendees_see_each_other: form.attendees_see_each_other.is_some(),
            send_invitations: form.send_invitations.is_some(),
            remove_busy_slots: form.remove_busy_slots.is_some(),
            include_buffers: form.include_buffers.is_some(),
            add_meeting_link: form.add_meeting_link.is_some(),
        }),
        appointment_event_title: Some(form.appointment_event_title),
        event_event_title: Some(form.event_event_title),
        appointment_event_description: Some(form.appointment_event_description),
        event_event_description: Some(form.event_event_description),
        calendar_window_days: Some(window),
        ..SettingsChange::default()
    };
    match ctx.state.app().update_settings(&principal, ctx.business.id, change).await {
        Ok(_) => ctx.redirect(&ctx.path("/office/integrations?done=saved")),
        Err(e) if e.kind() == Kind::Invalid => invalid(),
        Err(e) if e.kind() == Kind::Unavailable => unavailable(&ctx),
        Err(_) => ctx.message(StatusCode::FORBIDDEN, ctx.t.error_title, ctx.t.reason_other),
    }
}
