//! §F back office: staff sign in with an API key of the business (their role is the key's:
//! admin, manager, agent, staff) and see the agendas they work on — a staff member their own,
//! agents and managers every agenda of the business (§F3); an agenda's day or week calendar
//! with its resources as columns (§F1); and, for the back-office booking role on an agenda
//! that allows it, booking from a free slot or "Add a booking" (§F2): the slot is pre-reserved
//! with a lock code bound to this form, then confirmed with it.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::access::Principal;
use booking_core::app::access::{UseCase, permits};
use booking_core::app::commands::Wanted;
use booking_core::app::office::{AgendaDays, OfficeAgenda};
use booking_core::booking::Target;
use booking_core::catalog::{Agenda, Contact, Email, Service};
use booking_core::error::{ErrorCode, Kind};
use booking_core::ids::ResourceId;
use booking_core::notify;
use booking_core::time::Interval;
use booking_core::{Details, Offer};
use jiff::Span;
use jiff::civil::{Date, DateTime, Time};
use serde::Deserialize;

use super::book::unavailable;
use super::texts::Texts;
use super::{ContactForm, CsrfForm, Ctx, PageForm, Problem, View};

#[derive(Template)]
#[template(path = "office_login.html")]
struct LogInPage {
    c: View,
    error: Problem,
}

#[derive(Template)]
#[template(path = "office.html")]
struct HomePage {
    c: View,
    role: &'static str,
    /// (name, slug, back-office booking enabled)
    agendas: Vec<(String, String, bool)>,
}

/// The layout's view for staff pages: no customer links in the header.
fn office_view(ctx: &Ctx) -> View {
    View { panel: false, ..ctx.view() }
}

/// The calendar's progressive enhancement: free slots open the form in a `<dialog>`.
pub(crate) async fn script() -> Response {
    use axum::response::IntoResponse as _;
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
    ];
    (headers, include_str!("../../static/office.js")).into_response()
}

/// The signed-in staff member, or the sign-in page to answer with.
pub(crate) async fn staff(ctx: &Ctx) -> Result<Principal, Response> {
    let accounts = &ctx.pages().accounts;
    let found = match ctx.staff_token() {
        Some(token) => {
            accounts.staff_session(ctx.business.id, token).await.map_err(|_| unavailable(ctx))?
        }
        None => None,
    };
    found.ok_or_else(|| ctx.redirect(&ctx.path("/office/login")))
}

/// The back office's home: who is signed in, and their agendas.
pub(crate) async fn home(ctx: Ctx) -> Response {
    let principal = match staff(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(all) = ctx.state.app().office_agendas(&principal, ctx.business.id).await else {
        return unavailable(&ctx);
    };
    let agendas = all
        .into_iter()
        .map(|OfficeAgenda { agenda: a, .. }| (a.name, a.slug, a.backoffice_booking))
        .collect();
    let page = HomePage { c: office_view(&ctx), role: ctx.t.role(principal.role), agendas };
    ctx.render(StatusCode::OK, &page)
}

/// The sign-in form.
pub(crate) async fn log_in_page(ctx: Ctx) -> Response {
    ctx.render(StatusCode::OK, &LogInPage { c: office_view(&ctx), error: Problem::none() })
}

#[derive(Deserialize)]
pub(crate) struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
}

/// Signs in with an API key of this business (attempts counted per client).
pub(crate) async fn log_in(mut ctx: Ctx, PageForm(form): PageForm<KeyForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let now = ctx.now();
    let window = jiff::SignedDuration::from_mins(15);
    if !ctx.pages().attempts.allow(&format!("office:{}", ctx.client), now, 20, window) {
        let error = Problem::general(ctx.t.too_many_attempts);
        let page = LogInPage { c: office_view(&ctx), error };
        return ctx.render(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    match ctx.pages().accounts.staff_log_in(ctx.business.id, &form.key).await {
        Ok((token, _)) => {
            ctx.staff_cookie(Some(token.expose()));
            ctx.redirect(&ctx.path("/office"))
        }
        Err(booking_core::accounts::AccountError::InvalidCredentials) => {
            let error = Problem::at("key", ctx.t.wrong_key);
            let page = LogInPage { c: office_view(&ctx), error };
            ctx.render(StatusCode::UNAUTHORIZED, &page)
        }
        Err(_) => unavailable(&ctx),
    }
}

/// Signs out.
pub(crate) async fn log_out(mut ctx: Ctx, PageForm(form): PageForm<CsrfForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    if let Some(token) = ctx.staff_token().map(str::to_owned) {
        let _ = ctx.pages().accounts.log_out(&token).await;
    }
    ctx.staff_cookie(None);
    ctx.redirect(&ctx.path("/office/login"))
}

// ---------------------------------------------------------------- the calendar view (§F1)

/// What one cell of the calendar shows. Every state is told in words (shown, or for screen
/// readers) and by a mark, never by its colour alone.
pub(crate) enum Cell {
    /// A booking.
    Booked(Booked),
    /// A live hold (someone is filling a form).
    Held,
    /// A free slot, `what` it is in words (day, time, resource); a link to book it when the
    /// caller may.
    Free { href: Option<String>, what: String },
    /// Open but not bookable (a neighbour's buffer, a gap).
    Taken,
    /// Closed.
    Closed,
    /// The week view: every resource of one day and time in one cell.
    Group { booked: Vec<Booked>, held: usize, free: usize, href: Option<String>, what: String },
}

/// A booking in a cell: its status (class, mark, words) and who it is for.
pub(crate) struct Booked {
    code: &'static str,
    mark: &'static str,
    status: &'static str,
    who: String,
}

impl Booked {
    fn of(t: &Texts, code: &'static str, who: String) -> Self {
        Self { code, mark: status_mark(code), status: t.status(code), who }
    }
}

/// The mark shown before a status, beside its words (the panel's pills use the same).
pub(crate) const fn status_mark(code: &str) -> &'static str {
    match code.as_bytes() {
        b"approved" => "✓",
        b"pending" => "◷",
        b"canceled" | b"rejected" => "✕",
        b"no_show" => "∅",
        _ => "•",
    }
}

/// The week view's cell of one day and time: the resources' cells folded into one.
fn group(cells: Vec<Cell>, href: Option<String>, what: String) -> Cell {
    let (mut booked, mut held, mut free, mut open) = (Vec::new(), 0, 0, false);
    for cell in cells {
        match cell {
            Cell::Booked(b) => booked.push(b),
            Cell::Held => held += 1,
            Cell::Free { .. } => free += 1,
            Cell::Taken => open = true,
            Cell::Closed | Cell::Group { .. } => {}
        }
    }
    if booked.is_empty() && held == 0 && free == 0 {
        return if open { Cell::Taken } else { Cell::Closed };
    }
    Cell::Group { booked, held, free, href: href.filter(|_| free > 0), what }
}

pub(crate) struct Row {
    time: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "office_agenda.html")]
struct CalendarPage {
    c: View,
    agenda: String,
    notice: Option<&'static str>,
    services: Vec<(String, String, bool)>,
    views: Vec<(&'static str, String, bool)>,
    previous: String,
    next: String,
    add: Option<String>,
    days: Vec<String>,
    resources: Vec<String>,
    rows: Vec<Row>,
    week: bool,
}

/// The agenda of `slug` if this staff member may see it, and whether they may book on it
/// (the back-office booking role and the agenda's setting, §F3).
async fn agenda_for(
    ctx: &Ctx,
    principal: &Principal,
    slug: &str,
) -> Result<(Agenda, bool), Response> {
    match ctx.state.app().office_agenda(principal, ctx.business.id, slug).await {
        Ok(OfficeAgenda { agenda, may_book }) => Ok((agenda, may_book)),
        Err(e) if e.kind() == Kind::Unavailable => Err(unavailable(ctx)),
        Err(_) => Err(ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found)),
    }
}

/// The signed-in agent booking on the agenda of `slug` (sign-in page, 404 or 403 otherwise).
async fn booking_agent(ctx: &Ctx, slug: &str) -> Result<(Agenda, Principal), Response> {
    let principal = staff(ctx).await?;
    let (agenda, may_book) = agenda_for(ctx, &principal, slug).await?;
    let actor = booker(ctx, &principal, may_book)?;
    Ok((agenda, actor))
}

/// The agent acting (refused with 403 without the back-office booking role or setting).
fn booker(ctx: &Ctx, principal: &Principal, may_book: bool) -> Result<Principal, Response> {
    if may_book && permits(principal, ctx.business.id, UseCase::BookForCustomers) {
        Ok(*principal)
    } else {
        Err(ctx.message(StatusCode::FORBIDDEN, ctx.t.office_title, ctx.t.reason_other))
    }
}

async fn services_of(ctx: &Ctx, agenda: &Agenda) -> Result<Vec<Service>, Response> {
    let found = ctx.state.app().services(None, ctx.business.id).await;
    let all = found.map_err(|_| unavailable(ctx))?;
    Ok(agenda.services.iter().filter_map(|id| all.iter().find(|s| s.id == *id).cloned()).collect())
}

#[derive(Deserialize)]
pub(crate) struct CalendarQuery {
    service: Option<i64>,
    date: Option<String>,
    view: Option<String>,
    done: Option<String>,
}

/// §F1 Day or week view of an agenda, its resources as columns: bookings, holds, closed
/// times and free slots of the chosen service, in the business's zone.
pub(crate) async fn calendar(
    ctx: Ctx,
    Path((_, slug)): Path<(i64, String)>,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let principal = match staff(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (agenda, may_book) = match agenda_for(&ctx, &principal, &slug).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let services = match services_of(&ctx, &agenda).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(service) =
        services.iter().find(|s| Some(s.id.get()) == q.service).or(services.first()).cloned()
    else {
        return ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found);
    };
    let zone = &ctx.business.zone;
    let today = zone.local_date(ctx.now());
    let first = q.date.as_deref().and_then(|d| d.parse::<Date>().ok()).unwrap_or(today);
    let week = q.view.as_deref() == Some("week");
    let count: i64 = if week { 7 } else { 1 };
    let dates: Vec<Date> =
        (0..count).filter_map(|n| first.checked_add(Span::new().days(n)).ok()).collect();
    let Some(end_date) = first.checked_add(Span::new().days(count)).ok() else {
        return unavailable(&ctx);
    };
    let Ok(window) = Interval::new(zone.start_of_day(first), zone.start_of_day(end_date)) else {
        return unavailable(&ctx);
    };
    let b = ctx.business.id;
    let Ok(AgendaDays { columns, bookings, occupancy }) =
        ctx.state.app().agenda_days(&principal, b, &agenda.slug, window).await
    else {
        return unavailable(&ctx);
    };
    let app = ctx.state.app();
    let mut slots = Vec::new();
    for r in &columns {
        let offer = Offer { agenda: agenda.id, service: service.id, resource: Some(r.id) };
        match app.slots_with_status(&principal, b, offer, window, true).await {
            Ok(s) => slots.push(s),
            Err(_) => return unavailable(&ctx),
        }
    }
    // Rows: every wall time a slot of the shown days starts at, in order.
    let mut times: Vec<Time> =
        slots.iter().flatten().map(|(i, _)| zone.local(i.start()).time()).collect();
    times.sort();
    times.dedup();
    let now = ctx.now();
    let customers = |booking: &booking_core::Booking| {
        let name = booking.contact.full_name();
        // An anonymised (or nameless) customer shows as "Client n° id" / "Customer #id" (§A7).
        match (name.is_empty(), booking.customer) {
            (false, _) => name,
            (true, Some(customer)) => format!("{}{customer}", ctx.t.customer_number),
            (true, None) => format!("#{}", booking.id),
        }
    };
    let base = ctx.path(&format!("/office/agendas/{}", agenda.slug));
    let rows = times
        .iter()
        .map(|t| {
            let mut cells = Vec::new();
            for d in &dates {
                let at = zone.instant_of(d.to_datetime(*t));
                let when = format!(
                    "{} {}",
                    notify::date(d.to_datetime(Time::midnight()), ctx.locale),
                    notify::time(d.to_datetime(*t), ctx.locale)
                );
                let mut day = Vec::new();
                for (n, r) in columns.iter().enumerate() {
                    let Some(at) = at else {
                        day.push(Cell::Closed);
                        continue;
                    };
                    let cell = if let Some(booked) = bookings.iter().find(|x| {
                        x.status.occupies()
                            && matches!(x.target, Target::Appointment { resource, slot, .. } if resource == r.id && slot.start() <= at && at < slot.end())
                    }) {
                        Cell::Booked(Booked::of(ctx.t, booked.status.code(), customers(booked)))
                    } else if occupancy.holds.iter().any(|h| {
                        h.expires_at > now
                            && matches!(h.target, Target::Appointment { resource, slot, .. } if resource == r.id && slot.start() <= at && at < slot.end())
                    }) {
                        Cell::Held
                    } else {
                        match slots[n].iter().find(|(i, _)| i.start() == at) {
                            Some((_, true)) => Cell::Free {
                                href: may_book.then(|| {
                                    format!(
                                        "{base}/new?service={}&resource={}&start={}",
                                        service.id,
                                        r.id,
                                        zone.local(at).strftime("%Y-%m-%dT%H:%M")
                                    )
                                }),
                                what: format!("{when}, {}", r.name),
                            },
                            Some((_, false)) => Cell::Taken,
                            None => Cell::Closed,
                        }
                    };
                    day.push(cell);
                }
                if week {
                    let href = may_book.then(|| {
                        format!("{base}/new?service={}&start={}T{}", service.id, d, t.strftime("%H:%M"))
                    });
                    cells.push(group(day, href, when));
                } else {
                    cells.extend(day);
                }
            }
            Row { time: t.strftime("%H:%M").to_string(), cells }
        })
        .collect();
    let view_of = |week: bool| if week { "week" } else { "day" };
    let link = |date: Date, week: bool| {
        format!("{base}?service={}&date={date}&view={}", service.id, view_of(week))
    };
    let step = Span::new().days(count);
    let page = CalendarPage {
        c: office_view(&ctx),
        agenda: agenda.name.clone(),
        notice: (q.done.as_deref() == Some("booked")).then_some(ctx.t.booked_ok),
        services: services
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    format!("{base}?service={}&date={first}&view={}", s.id, view_of(week)),
                    s.id == service.id,
                )
            })
            .collect(),
        views: vec![(ctx.t.day, link(first, false), !week), (ctx.t.week, link(first, true), week)],
        previous: link(first.checked_sub(step).unwrap_or(first), week),
        next: link(end_date, week),
        add: may_book.then(|| format!("{base}/new?service={}", service.id)),
        days: dates
            .iter()
            .map(|d| notify::date(d.to_datetime(Time::midnight()), ctx.locale))
            .collect(),
        resources: columns.iter().map(|r| r.name.clone()).collect(),
        rows,
        week,
    };
    ctx.render(StatusCode::OK, &page)
}

// ---------------------------------------------------------------- pre-reservation and booking (§F1, §F2)

#[derive(Template)]
#[template(path = "office_new.html")]
struct NewPage {
    c: View,
    agenda: String,
    error: Problem,
    action: String,
    back: String,
    /// Agendas this agent may book on: (slug, name, chosen).
    agendas: Vec<(String, String, bool)>,
    services: Vec<(i64, String, bool)>,
    resources: Vec<(i64, String, bool)>,
    start: String,
}

#[derive(Deserialize)]
pub(crate) struct NewQuery {
    service: Option<i64>,
    resource: Option<i64>,
    start: Option<String>,
}

fn office_lock(ctx: &Ctx) -> booking_core::holds::LockCode {
    ctx.lock_code_for("office")
}

/// Opens a booking: the chosen agenda, service, slot and resource are prefilled and editable
/// ("Add a booking" prefills the first available slot, §F2). Nothing is held yet.
pub(crate) async fn new_page(
    ctx: Ctx,
    Path((_, slug)): Path<(i64, String)>,
    Query(q): Query<NewQuery>,
) -> Response {
    let (agenda, actor) = match booking_agent(&ctx, &slug).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    new_form(&ctx, &agenda, actor, q.service, q.resource, q.start, StatusCode::OK, Problem::none())
        .await
}

#[allow(clippy::too_many_arguments, reason = "the form's prefilled values, each its own")]
async fn new_form(
    ctx: &Ctx,
    agenda: &Agenda,
    actor: Principal,
    service: Option<i64>,
    resource: Option<i64>,
    start: Option<String>,
    status: StatusCode,
    error: Problem,
) -> Response {
    let services = match services_of(ctx, agenda).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(chosen) = services.iter().find(|s| Some(s.id.get()) == service).or(services.first())
    else {
        return ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found);
    };
    let start = match start {
        Some(s) => s,
        None => {
            let offer = Offer {
                agenda: agenda.id,
                service: chosen.id,
                resource: resource.map(ResourceId::new),
            };
            match ctx
                .state
                .app()
                .first_free(Some(&actor), ctx.business.id, offer, ctx.now(), None, true)
                .await
            {
                Ok(Some(first)) => ctx
                    .business
                    .zone
                    .local(first.interval.start())
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string(),
                Ok(None) => {
                    return ctx.message(StatusCode::OK, ctx.t.add_booking, ctx.t.no_free_slot);
                }
                Err(_) => return unavailable(ctx),
            }
        }
    };
    let app = ctx.state.app();
    let (Ok(shown), Ok(agendas)) =
        (app.shown_catalog(None, ctx.business.id).await, app.agendas(None, ctx.business.id).await)
    else {
        return unavailable(ctx);
    };
    let all = shown.resources;
    let base = ctx.path(&format!("/office/agendas/{}", agenda.slug));
    let page = NewPage {
        agendas: agendas
            .into_iter()
            .filter(|a| a.backoffice_booking)
            .map(|a| (a.slug.clone(), a.name, a.id == agenda.id))
            .collect(),
        c: office_view(ctx),
        agenda: agenda.name.clone(),
        error,
        action: format!("{base}/hold"),
        back: format!("{base}?service={}", chosen.id),
        services: services
            .iter()
            .map(|s| (s.id.get(), s.name.clone(), s.id == chosen.id))
            .collect(),
        resources: agenda
            .resources
            .iter()
            .filter_map(|id| all.iter().find(|r| r.id == *id))
            .map(|r| (r.id.get(), r.name.clone(), Some(r.id.get()) == resource))
            .collect(),
        start,
    };
    ctx.render(status, &page)
}

#[derive(Deserialize)]
pub(crate) struct HoldForm {
    #[serde(default)]
    csrf: String,
    /// Another agenda chosen in the form (its slug); the path's otherwise.
    #[serde(default)]
    agenda: String,
    service: i64,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    start: String,
}

/// "Go to the booking form": pre-reserves the slot with this form's lock code if it is still
/// free (re-choosing moves the hold), else says so on the refreshed form.
pub(crate) async fn hold(
    ctx: Ctx,
    Path((_, slug)): Path<(i64, String)>,
    PageForm(form): PageForm<HoldForm>,
) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let chosen = if form.agenda.is_empty() { slug.as_str() } else { form.agenda.as_str() };
    let (agenda, actor) = match booking_agent(&ctx, chosen).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let resource = form
        .resource
        .parse::<i64>()
        .ok()
        .filter(|r| agenda.resources.iter().any(|x| x.get() == *r));
    let start =
        form.start.parse::<DateTime>().ok().and_then(|wall| ctx.business.zone.instant_of(wall));
    let Some(start) = start else {
        let error = Problem::at("start", ctx.t.start_invalid);
        return new_form(
            &ctx,
            &agenda,
            actor,
            Some(form.service),
            resource,
            Some(form.start),
            StatusCode::BAD_REQUEST,
            error,
        )
        .await;
    };
    let offer = Offer {
        agenda: agenda.id,
        service: booking_core::ids::ServiceId::new(form.service),
        resource: resource.map(ResourceId::new),
    };
    let wanted = Wanted::Slot { offer, start };
    match ctx
        .state
        .app()
        .hold(Some(&actor), ctx.business.id, wanted, &office_lock(&ctx), true)
        .await
    {
        Ok(_) => ctx.redirect(&ctx.path(&format!("/office/agendas/{}/form", agenda.slug))),
        Err(e) if e.kind() == Kind::Unavailable => unavailable(&ctx),
        Err(e) => {
            let (status, error) = if e.code() == "slot_taken" {
                (StatusCode::CONFLICT, Problem::at("start", ctx.t.slot_taken))
            } else {
                (StatusCode::UNPROCESSABLE_ENTITY, Problem::at("start", ctx.t.start_not_bookable))
            };
            new_form(
                &ctx,
                &agenda,
                actor,
                Some(form.service),
                resource,
                Some(form.start),
                status,
                error,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "office_form.html")]
struct FormPage {
    c: View,
    slug: String,
    error: Problem,
    what: String,
    when: String,
    until: String,
    fields: Vec<super::FieldView>,
    /// What was typed (sent back with an error).
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
}

/// The live hold of this form, with its slot.
async fn held(ctx: &Ctx) -> Option<(booking_core::holds::Hold, Interval)> {
    let (hold, _) = ctx.state.app().held_slot(ctx.business.id, &office_lock(ctx)).await.ok()??;
    match hold.target {
        Target::Appointment { slot, .. } => Some((hold, slot)),
        Target::Session { .. } => None,
    }
}

async fn held_service(ctx: &Ctx, hold: &booking_core::holds::Hold) -> Option<Service> {
    match hold.target {
        Target::Appointment { service, .. } => {
            ctx.state.app().service(None, ctx.business.id, service).await.ok()
        }
        Target::Session { .. } => None,
    }
}

/// The booking form for the pre-reserved slot.
pub(crate) async fn form(ctx: Ctx, Path((_, slug)): Path<(i64, String)>) -> Response {
    let (agenda, _) = match booking_agent(&ctx, &slug).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let back = ctx.path(&format!("/office/agendas/{}", agenda.slug));
    let Some((hold, slot)) = held(&ctx).await else {
        return ctx.linked(ctx.t.error_title, ctx.t.hold_lost, back, ctx.t.back_to_calendar);
    };
    let (what, fields) =
        held_service(&ctx, &hold).await.map(|s| (s.name, s.fields)).unwrap_or_default();
    let zone = &ctx.business.zone;
    let page = FormPage {
        c: office_view(&ctx),
        slug: agenda.slug,
        error: Problem::none(),
        what,
        when: format!(
            "{} – {}",
            notify::date_time(zone.local(slot.start()), ctx.locale),
            notify::time(zone.local(slot.end()), ctx.locale)
        ),
        until: notify::time(zone.local(hold.expires_at), ctx.locale),
        fields: super::field_views(&fields, &std::collections::HashMap::new()),
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        phone: String::new(),
    };
    ctx.render(StatusCode::OK, &page)
}

/// Confirms the pre-reserved slot with the same lock code; back to the calendar.
pub(crate) async fn confirm(
    ctx: Ctx,
    Path((_, slug)): Path<(i64, String)>,
    PageForm(form): PageForm<ContactForm>,
) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let (agenda, actor) = match booking_agent(&ctx, &slug).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let back = ctx.path(&format!("/office/agendas/{}", agenda.slug));
    let Some((hold, slot)) = held(&ctx).await else {
        return ctx.linked(ctx.t.error_title, ctx.t.hold_lost, back, ctx.t.back_to_calendar);
    };
    let service = held_service(&ctx, &hold).await;
    let fields = service.as_ref().map(|s| s.fields.clone()).unwrap_or_default();
    let typed = form.email.trim();
    let email = if typed.is_empty() { None } else { Email::parse(typed).ok() };
    let (first, last) = (form.first_name.trim(), form.last_name.trim());
    let email_ok = typed.is_empty() || email.is_some();
    let problem = super::contact_problem(ctx.t, first, last, email_ok, &fields, &form.rest);
    let (Some(answers), false) = (super::answers_of(&fields, &form.rest), problem.shown()) else {
        let zone = &ctx.business.zone;
        let page = FormPage {
            c: office_view(&ctx),
            slug: agenda.slug,
            error: problem,
            what: service.map(|s| s.name).unwrap_or_default(),
            when: format!(
                "{} – {}",
                notify::date_time(zone.local(slot.start()), ctx.locale),
                notify::time(zone.local(slot.end()), ctx.locale)
            ),
            until: notify::time(zone.local(hold.expires_at), ctx.locale),
            fields: super::field_views(&fields, &form.rest),
            first_name: form.first_name.clone(),
            last_name: form.last_name.clone(),
            email: form.email.clone(),
            phone: form.phone.clone(),
        };
        return ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let details = Details {
        customer: None,
        contact: Contact {
            first_name: first.chars().take(200).collect(),
            last_name: last.chars().take(200).collect(),
            email,
            phone: Some(form.phone.trim().chars().take(40).collect::<String>())
                .filter(|p| !p.is_empty()),
        },
        answers,
        code: None,
        locale: None,
    };
    let (app, lock) = (ctx.state.app(), office_lock(&ctx));
    match app.book(Some(&actor), ctx.business.id, Wanted::Nothing, Some(&lock), details, true).await
    {
        Ok(booking) => {
            let (date, service) = match booking.target {
                Target::Appointment { slot, service, .. } => {
                    (ctx.business.zone.local_date(slot.start()), service.get())
                }
                Target::Session { .. } => (ctx.business.zone.local_date(ctx.now()), 0),
            };
            ctx.redirect(&format!("{back}?service={service}&date={date}&done=booked"))
        }
        Err(e) if e.kind() == Kind::Unavailable => unavailable(&ctx),
        Err(_) => ctx.linked(ctx.t.error_title, ctx.t.hold_lost, back, ctx.t.back_to_calendar),
    }
}

/// Abandons the form: the hold is released at once (else it expires).
pub(crate) async fn release(
    ctx: Ctx,
    Path((_, slug)): Path<(i64, String)>,
    PageForm(form): PageForm<CsrfForm>,
) -> Response {
    let principal = match staff(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let (agenda, _) = match agenda_for(&ctx, &principal, &slug).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let lock = office_lock(&ctx);
    if ctx.state.app().release(Some(&principal), ctx.business.id, &lock).await.is_err() {
        return unavailable(&ctx);
    }
    ctx.redirect(&ctx.path(&format!("/office/agendas/{}", agenda.slug)))
}
