//! The public booking page: choose a service (and a staff member), pick a slot in a week of
//! real availability, give your details, confirm.
//!
//! Choosing a slot holds it (§A4) with a lock code derived from the visitor's form session,
//! so the slot stays theirs while they type and choosing another one moves the hold; if it
//! was taken meanwhile the week comes back with the reason and the next free slots. The week
//! and the hold read the same engine path, so a listed slot can be held.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use booking_core::app::commands::{CommandError, Wanted};
use booking_core::booking::{BookingStatus, Role, Target};
use booking_core::catalog::{Contact, Customer, Email};
use booking_core::error::{ErrorCode, Kind};
use booking_core::holds::LockCode;
use booking_core::ids::{AgendaId, BookingId, CustomerId, ResourceId, ServiceId};
use booking_core::notify;
use booking_core::policy::{Change, WindowPolicy};
use booking_core::time::Interval;
use booking_core::{Details, Offer};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::{ContactForm, Ctx, PageForm, Problem, View};

pub(crate) struct ServiceLink {
    name: String,
    minutes: i64,
    price: String,
    href: String,
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    c: View,
    agendas: Vec<(String, Vec<ServiceLink>)>,
}

/// One bookable slot as a button.
pub(crate) struct SlotView {
    /// `09:30` / `9:30 AM`.
    pub(crate) label: String,
    /// The day, for slots listed outside the week.
    pub(crate) day: String,
    /// RFC 3339 instant, posted back.
    pub(crate) start: String,
}

pub(crate) struct DayView {
    /// `lundi 14 décembre 2026`: the day's heading, and the start of each slot's name.
    pub(crate) label: String,
    /// `lundi 14 décembre`: its link in the list of days.
    pub(crate) short: String,
    /// The id of its heading (`day-2026-12-14`).
    pub(crate) anchor: String,
    pub(crate) slots: Vec<SlotView>,
}

/// A week of free slots, each a form posting `start` (and `hidden`) to `action`.
pub(crate) struct WeekView {
    pub(crate) action: String,
    pub(crate) hidden: Vec<(&'static str, String)>,
    pub(crate) days: Vec<DayView>,
    pub(crate) previous: Option<String>,
    pub(crate) following: String,
    pub(crate) empty: bool,
    /// Staff choice: (name, link, chosen).
    pub(crate) staff: Vec<(String, String, bool)>,
    /// Today and the week's first day (`2026-12-14`), for the "go to a day" field.
    pub(crate) today: String,
    pub(crate) first: String,
    /// The page's path and query without `from`, for the "go to a day" form (a GET).
    pub(crate) here: String,
    pub(crate) here_query: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "week.html")]
pub(crate) struct WeekPage {
    pub(crate) c: View,
    pub(crate) title: String,
    pub(crate) error: Option<&'static str>,
    pub(crate) next: Vec<SlotView>,
    pub(crate) w: WeekView,
}

fn price(minor: i64, locale: booking_core::settings::Locale) -> String {
    if minor == 0 {
        return String::new();
    }
    let (units, cents) = (minor / 100, (minor % 100).abs());
    match locale {
        booking_core::settings::Locale::Fr => format!("{units},{cents:02} €"),
        booking_core::settings::Locale::En => format!("€{units}.{cents:02}"),
    }
}

/// The services of the business, by agenda.
pub(crate) async fn services(ctx: Ctx) -> Response {
    let (app, b) = (ctx.state.app(), ctx.business.id);
    let (Ok(agendas), Ok(services)) = (app.agendas(None, b).await, app.services(None, b).await)
    else {
        return unavailable(&ctx);
    };
    let agendas = agendas
        .into_iter()
        .map(|a| {
            let links = a
                .services
                .iter()
                .filter_map(|id| services.iter().find(|s| s.id == *id))
                .map(|s| ServiceLink {
                    name: s.name.clone(),
                    minutes: s.duration.as_mins(),
                    price: price(s.price_minor, ctx.locale),
                    href: ctx.path(&format!("/book?agenda={}&service={}", a.id, s.id)),
                })
                .collect::<Vec<_>>();
            (a.name, links)
        })
        .filter(|(_, links)| !links.is_empty())
        .collect();
    ctx.render(StatusCode::OK, &ServicesPage { c: ctx.view(), agendas })
}

pub(crate) fn unavailable(ctx: &Ctx) -> Response {
    ctx.message(StatusCode::SERVICE_UNAVAILABLE, ctx.t.error_title, ctx.t.reason_other)
}

fn not_found(ctx: &Ctx) -> Response {
    ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found)
}

/// Builds a week of free slots of `offer` from the local date `from` (today at the earliest).
/// `href` is the page's link without `from` (with or without a query), for the pager.
pub(crate) async fn build_week(
    ctx: &Ctx,
    offer: Offer,
    from: Option<&str>,
    href: &str,
    action: String,
    hidden: Vec<(&'static str, String)>,
    lock: Option<&LockCode>,
) -> Result<WeekView, Response> {
    let zone = &ctx.business.zone;
    let today = zone.local_date(ctx.now());
    let start_date =
        from.and_then(|f| f.parse::<Date>().ok()).filter(|d| *d > today).unwrap_or(today);
    let end_date = start_date.checked_add(jiff::Span::new().days(7)).map_err(|_| not_found(ctx))?;
    let window = Interval::new(zone.start_of_day(start_date), zone.start_of_day(end_date))
        .map_err(|_| not_found(ctx))?;
    let found = ctx
        .state
        .app()
        .slots(ctx.caller().as_ref(), ctx.business.id, offer, window, lock, false)
        .await
        .map_err(|e| match e.kind() {
            Kind::Unavailable => unavailable(ctx),
            _ => not_found(ctx),
        })?;
    let mut days: Vec<DayView> = (0..7)
        .filter_map(|n| start_date.checked_add(jiff::Span::new().days(n)).ok())
        .map(|d| {
            let label = notify::date(d.to_datetime(jiff::civil::Time::midnight()), ctx.locale);
            let year = d.year().to_string();
            let short = label.trim_end_matches(year.as_str()).trim_end_matches([' ', ',']);
            DayView {
                short: short.to_owned(),
                anchor: format!("day-{d}"),
                label,
                slots: Vec::new(),
            }
        })
        .collect();
    for slot in found.slots() {
        let local = zone.local(slot.start());
        let index = usize::try_from((local.date() - start_date).get_days()).unwrap_or(usize::MAX);
        if let Some(day) = days.get_mut(index) {
            day.slots.push(SlotView {
                label: notify::time(local, ctx.locale),
                day: String::new(),
                start: slot.start().to_string(),
            });
        }
    }
    let empty = days.iter().all(|d| d.slots.is_empty());
    let joint = if href.contains('?') { '&' } else { '?' };
    let previous = start_date
        .checked_sub(jiff::Span::new().days(7))
        .ok()
        .filter(|_| start_date > today)
        .map(|d| format!("{href}{joint}from={}", d.max(today)));
    let following = format!("{href}{joint}from={end_date}");
    let (here, query) = href.split_once('?').unwrap_or((href, ""));
    let here_query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k != "from")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(WeekView {
        action,
        hidden,
        days,
        previous,
        following,
        empty,
        staff: Vec::new(),
        today: today.to_string(),
        first: start_date.to_string(),
        here: here.to_owned(),
        here_query,
    })
}

/// The next few free slots from `from` (after a slot was taken).
pub(crate) async fn next_free(
    ctx: &Ctx,
    offer: Offer,
    from: Timestamp,
    lock: Option<&LockCode>,
) -> Vec<SlotView> {
    let zone = &ctx.business.zone;
    let Ok(window) =
        Interval::starting_at(from.max(ctx.now()), SignedDuration::from_hours(24 * 14))
    else {
        return Vec::new();
    };
    let app = ctx.state.app();
    let Ok(found) =
        app.slots(ctx.caller().as_ref(), ctx.business.id, offer, window, lock, false).await
    else {
        return Vec::new();
    };
    found
        .slots()
        .iter()
        .take(5)
        .map(|s| {
            let local = zone.local(s.start());
            SlotView {
                label: notify::time(local, ctx.locale),
                day: notify::date(local, ctx.locale),
                start: s.start().to_string(),
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub(crate) struct WeekQuery {
    agenda: i64,
    service: i64,
    resource: Option<i64>,
    from: Option<String>,
}

async fn offer_title(ctx: &Ctx, offer: Offer) -> Option<String> {
    let service = ctx.state.app().service(None, ctx.business.id, offer.service).await.ok()?;
    Some(service.name)
}

/// Staff choice for an agenda with several staff members (when the business lets customers
/// choose).
async fn staff_links(ctx: &Ctx, offer: Offer) -> Vec<(String, String, bool)> {
    if !ctx.business.settings.customers_choose_staff {
        return Vec::new();
    }
    let Ok(staff) = ctx.state.app().agenda_staff(None, ctx.business.id, offer.agenda).await else {
        return Vec::new();
    };
    if staff.len() < 2 {
        return Vec::new();
    }
    let base = ctx.path(&format!("/book?agenda={}&service={}", offer.agenda, offer.service));
    let mut links = vec![(ctx.t.anyone.to_owned(), base.clone(), offer.resource.is_none())];
    links.extend(staff.into_iter().map(|r| {
        (r.name.clone(), format!("{base}&resource={}", r.id), offer.resource == Some(r.id))
    }));
    links
}

async fn week_page(
    ctx: &Ctx,
    offer: Offer,
    from: Option<&str>,
    status: StatusCode,
    error: Option<&'static str>,
    next: Vec<SlotView>,
) -> Response {
    let Some(title) = offer_title(ctx, offer).await else { return not_found(ctx) };
    let mut href = ctx.path(&format!("/book?agenda={}&service={}", offer.agenda, offer.service));
    let mut hidden =
        vec![("agenda", offer.agenda.to_string()), ("service", offer.service.to_string())];
    if let Some(r) = offer.resource {
        href.push_str(&format!("&resource={r}"));
        hidden.push(("resource", r.to_string()));
    }
    let lock = ctx.lock_code();
    let mut w = match build_week(
        ctx,
        offer,
        from,
        &href,
        ctx.path("/book/hold"),
        hidden,
        Some(&lock),
    )
    .await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    w.staff = staff_links(ctx, offer).await;
    ctx.render(status, &WeekPage { c: ctx.view(), title, error, next, w })
}

/// A week of free slots of one service.
pub(crate) async fn week(ctx: Ctx, Query(q): Query<WeekQuery>) -> Response {
    let choose = ctx.business.settings.customers_choose_staff;
    let offer = Offer {
        agenda: AgendaId::new(q.agenda),
        service: ServiceId::new(q.service),
        resource: q.resource.filter(|_| choose).map(ResourceId::new),
    };
    week_page(&ctx, offer, q.from.as_deref(), StatusCode::OK, None, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct HoldForm {
    #[serde(default)]
    csrf: String,
    agenda: i64,
    service: i64,
    resource: Option<i64>,
    start: String,
}

/// Holds the chosen slot for this form session, then asks for the details.
pub(crate) async fn hold(ctx: Ctx, PageForm(form): PageForm<HoldForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let choose = ctx.business.settings.customers_choose_staff;
    let offer = Offer {
        agenda: AgendaId::new(form.agenda),
        service: ServiceId::new(form.service),
        resource: form.resource.filter(|_| choose).map(ResourceId::new),
    };
    let Ok(start) = form.start.parse::<Timestamp>() else { return not_found(&ctx) };
    let lock = ctx.lock_code();
    let wanted = Wanted::Slot { offer, start };
    let caller = ctx.caller();
    match ctx.state.app().hold(caller.as_ref(), ctx.business.id, wanted, &lock, false).await {
        Ok(_) => ctx.redirect(&ctx.path("/book/details")),
        Err(e) if e.code() == "slot_taken" => {
            let next = next_free(&ctx, offer, start, Some(&lock)).await;
            let from = ctx.business.zone.local_date(start).to_string();
            week_page(&ctx, offer, Some(&from), StatusCode::CONFLICT, Some(ctx.t.slot_taken), next)
                .await
        }
        Err(e) if e.kind() == Kind::Unavailable => unavailable(&ctx),
        Err(_) => not_found(&ctx),
    }
}

#[derive(Template)]
#[template(path = "details.html")]
struct DetailsPage {
    c: View,
    error: Problem,
    what: String,
    when: String,
    until: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    logged_in: bool,
    back: String,
    fields: Vec<super::FieldView>,
    /// A package, gift or subscription code, as typed (§I2).
    code: String,
}

struct Held {
    offer: Offer,
    slot: Interval,
    expires_at: Timestamp,
    what: String,
    fields: Vec<booking_core::catalog::CustomField>,
}

async fn held(ctx: &Ctx) -> Option<Held> {
    let held = ctx.state.app().held_slot(ctx.business.id, &ctx.lock_code()).await.ok()??;
    let (hold, service_row) = held;
    let Target::Appointment { agenda, service, slot, .. } = hold.target else { return None };
    Some(Held {
        offer: Offer { agenda, service, resource: None },
        slot,
        expires_at: hold.expires_at,
        what: service_row.name,
        fields: service_row.fields,
    })
}

fn when(ctx: &Ctx, slot: Interval) -> String {
    let zone = &ctx.business.zone;
    format!(
        "{} – {} ({})",
        notify::date_time(zone.local(slot.start()), ctx.locale),
        notify::time(zone.local(slot.end()), ctx.locale),
        zone.name()
    )
}

async fn hold_lost(ctx: &Ctx) -> Response {
    ctx.linked(ctx.t.error_title, ctx.t.hold_lost, ctx.path(""), ctx.t.choose_service)
}

async fn own_record(ctx: &Ctx) -> Option<Customer> {
    let session = ctx.session?;
    let caller = session.principal();
    let found = ctx.state.app().customer(&caller, ctx.business.id, session.customer).await;
    found.ok().map(|(_, c)| c)
}

/// The details form for the held slot (prefilled for a logged-in customer).
pub(crate) async fn details(ctx: Ctx) -> Response {
    let Some(h) = held(&ctx).await else { return hold_lost(&ctx).await };
    let me = own_record(&ctx).await;
    let contact = me.map(|c| c.contact).unwrap_or_default();
    let page = DetailsPage {
        c: ctx.view(),
        error: Problem::none(),
        what: h.what,
        when: when(&ctx, h.slot),
        until: notify::time(ctx.business.zone.local(h.expires_at), ctx.locale),
        first_name: contact.first_name,
        last_name: contact.last_name,
        email: contact.email.map(|e| e.to_string()).unwrap_or_default(),
        phone: contact.phone.unwrap_or_default(),
        logged_in: ctx.session.is_some(),
        back: ctx.path(&format!("/book?agenda={}&service={}", h.offer.agenda, h.offer.service)),
        fields: super::field_views(&h.fields, &std::collections::HashMap::new()),
        code: String::new(),
    };
    ctx.render(StatusCode::OK, &page)
}

/// The details form again, as sent, with what was wrong.
fn details_again(ctx: &Ctx, h: Held, form: ContactForm, error: Problem) -> Response {
    let code = form.rest.get("code").cloned().unwrap_or_default();
    let page = DetailsPage {
        c: ctx.view(),
        error,
        what: h.what,
        when: when(ctx, h.slot),
        until: notify::time(ctx.business.zone.local(h.expires_at), ctx.locale),
        fields: super::field_views(&h.fields, &form.rest),
        first_name: form.first_name,
        last_name: form.last_name,
        email: form.email,
        phone: form.phone,
        logged_in: ctx.session.is_some(),
        back: ctx.path(&format!("/book?agenda={}&service={}", h.offer.agenda, h.offer.service)),
        code,
    };
    ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The customer record a booking belongs to: the logged-in customer's, else the business's
/// guest record of the address (created on first use). A guest record joins an account once
/// the address is proven (§D4).
async fn record_for(ctx: &Ctx, email: &Email, contact: &Contact) -> Result<CustomerId, Response> {
    if let Some(s) = ctx.session {
        return Ok(s.customer);
    }
    let record = ctx.state.app().guest_record(ctx.business.id, email, contact).await;
    record.map_err(|_| unavailable(ctx))
}

/// Confirms the held slot with the details (the hold's lock code is this form session's).
pub(crate) async fn confirm(ctx: Ctx, PageForm(form): PageForm<ContactForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let Some(h) = held(&ctx).await else { return hold_lost(&ctx).await };
    let me = own_record(&ctx).await;
    let typed = booking_core::accounts::username(&form.email).ok();
    let email = me.as_ref().and_then(|c| c.contact.email.clone()).or(typed);
    let (first, last) = (form.first_name.trim(), form.last_name.trim());
    let answers = super::answers_of(&h.fields, &form.rest);
    let problem =
        super::contact_problem(ctx.t, first, last, email.is_some(), &h.fields, &form.rest);
    let (Some(email), Some(answers), false) = (email, answers, problem.shown()) else {
        return details_again(&ctx, h, form, problem);
    };
    // §I2: a code typed on the form pays for the booking, or the form comes back saying why.
    let typed = form.rest.get("code").map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let code = match typed {
        Some(typed) => match ctx.state.codes().find(ctx.business.id, &typed).await {
            Ok(code) => Some(code.id),
            Err(booking_core::codes::FindError::Store(_)) => return unavailable(&ctx),
            Err(_) => {
                return details_again(&ctx, h, form, Problem::at("code", ctx.t.code_unknown));
            }
        },
        None => None,
    };
    let phone = form.phone.trim();
    let contact = Contact {
        first_name: first.chars().take(200).collect(),
        last_name: last.chars().take(200).collect(),
        email: Some(email.clone()),
        phone: (!phone.is_empty()).then(|| phone.chars().take(40).collect()),
    };
    let customer = match record_for(&ctx, &email, &contact).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    // The customer's emails follow the language of the page they booked in.
    let locale = Some(ctx.locale);
    let details = Details { customer: Some(customer), contact, answers, code, locale };
    let (caller, lock) = (ctx.caller(), ctx.lock_code());
    let app = ctx.state.app();
    match app
        .book(caller.as_ref(), ctx.business.id, Wanted::Nothing, Some(&lock), details, false)
        .await
    {
        Ok(booking) => {
            let id = booking.id.to_string();
            ctx.redirect(&ctx.path(&format!("/book/done?booking={id}&proof={}", ctx.sign(&id))))
        }
        Err(CommandError::Confirm(booking_core::engine::ConfirmError::Code(refusal))) => {
            let why = ctx.t.reason(ErrorCode::code(&refusal));
            details_again(&ctx, h, form, Problem::at("code", why))
        }
        Err(e)
            if matches!(
                e.code(),
                "hold_not_found" | "hold_expired" | "slot_taken" | "session_full"
            ) =>
        {
            let next = next_free(&ctx, h.offer, h.slot.start(), None).await;
            let from = ctx.business.zone.local_date(h.slot.start()).to_string();
            week_page(&ctx, h.offer, Some(&from), StatusCode::CONFLICT, Some(ctx.t.hold_lost), next)
                .await
        }
        Err(_) => unavailable(&ctx),
    }
}

#[derive(Template)]
#[template(path = "done.html")]
struct DonePage {
    c: View,
    what: String,
    when: String,
    /// The business's address (where to go), if it gave one and the appointment is not online.
    place: Option<String>,
    /// The appointment is online.
    online: bool,
    /// Its link, once made and unless the business hides links from the panel (§J6).
    video: Option<booking_core::video::VideoLink>,
    pending: bool,
    /// The booking as a calendar file.
    ics: String,
    /// A cancel link, while the customer may still cancel.
    cancel: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    booking: i64,
    #[serde(default)]
    proof: String,
}

/// "Booked": shown only to the form session that made the booking.
pub(crate) async fn done(ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    if ctx.sign(&q.booking.to_string()) != q.proof {
        return not_found(&ctx);
    }
    let app = ctx.state.app();
    let Ok(Some((_, booking))) =
        app.proven_booking(ctx.business.id, BookingId::new(q.booking)).await
    else {
        return not_found(&ctx);
    };
    let Target::Appointment { service, slot, .. } = booking.target else {
        return not_found(&ctx);
    };
    let found = app.service(None, ctx.business.id, service).await.ok();
    let policy = WindowPolicy::for_service(&ctx.business.settings, found.as_ref());
    let may_cancel = booking.status.occupies()
        && policy.check(Change::Cancel, Role::Customer, slot.start(), ctx.now()).is_ok();
    let cancel = if may_cancel {
        let link = ctx.pages().accounts.cancel_link(
            ctx.business.id,
            booking.customer,
            booking.id,
            slot.start(),
        );
        match link.await {
            Ok(token) => {
                Some(ctx.path(&format!("/cancel?token={}", super::query_value(token.expose()))))
            }
            Err(_) => return unavailable(&ctx),
        }
    } else {
        None
    };
    let (online, video) = match app.shown_link(&ctx.business, &booking).await {
        Ok(booking_core::video::LinkState::Ready(link)) => {
            let settings = &ctx.business.settings;
            let shown = booking_core::video::shown(
                booking_core::video::Channel::Panel,
                settings.hide_video_links_in_emails,
                settings.hide_video_links_in_panel,
            );
            (true, Some(link).filter(|_| shown))
        }
        Ok(booking_core::video::LinkState::Waiting) => (true, None),
        Ok(booking_core::video::LinkState::None) => (false, None),
        Err(_) => return unavailable(&ctx),
    };
    let page = DonePage {
        c: ctx.view(),
        what: found.map(|s| s.name).unwrap_or_default(),
        when: when(&ctx, slot),
        place: ctx.business.address.clone().filter(|a| !online && !a.trim().is_empty()),
        online,
        video,
        pending: booking.status == BookingStatus::Pending,
        ics: ctx.path(&format!("/book/done.ics?booking={}&proof={}", q.booking, q.proof)),
        cancel,
    };
    ctx.render(StatusCode::OK, &page)
}

/// The booking of the confirmation page as a calendar file (`.ics`), for the same form
/// session only.
pub(crate) async fn done_calendar(ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    if !super::same_secret(&ctx.sign(&q.booking.to_string()), &q.proof) {
        return not_found(&ctx);
    }
    let app = ctx.state.app();
    let Ok(Some((business, booking))) =
        app.proven_booking(ctx.business.id, BookingId::new(q.booking)).await
    else {
        return not_found(&ctx);
    };
    match app.booking_calendar(&business, &booking).await {
        Ok(text) => {
            let mut response = (
                StatusCode::OK,
                [
                    (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                    (
                        axum::http::header::CONTENT_DISPOSITION,
                        "attachment; filename=\"rendez-vous.ics\"",
                    ),
                ],
                text,
            )
                .into_response();
            ctx.decorate(&mut response);
            response
        }
        Err(_) => unavailable(&ctx),
    }
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct StatementPage {
    c: View,
    intro: String,
    scope: String,
    made: String,
    contact: String,
    /// How to reach the business: (link, text).
    contacts: Vec<(Option<String>, String)>,
}

/// The day the statement was last prepared (the checks it reports were run on that version).
const STATEMENT_DATE: Date = jiff::civil::date(2026, 12, 8);

/// The business's accessibility statement (RGAA's "déclaration d'accessibilité"): compliance
/// status, what was tested, what is not accessible yet, how to report a problem (the
/// business's own contact details) and where to appeal, in the page's language.
pub(crate) async fn accessibility(ctx: Ctx) -> Response {
    let company = ctx.business.name.as_str();
    let with_company = |text: &str| text.replace("%company%", company);
    let day = notify::date(STATEMENT_DATE.to_datetime(jiff::civil::Time::midnight()), ctx.locale);
    let mut contacts = Vec::new();
    if let Some(email) = &ctx.business.email {
        contacts.push((Some(format!("mailto:{email}")), email.to_string()));
    }
    if let Some(phone) = ctx.business.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        let dial: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        contacts.push((Some(format!("tel:{dial}")), phone.to_owned()));
    }
    if let Some(address) = ctx.business.address.as_deref().filter(|a| !a.trim().is_empty()) {
        contacts.push((None, address.to_owned()));
    }
    let page = StatementPage {
        c: ctx.view(),
        intro: with_company(ctx.t.statement_intro),
        scope: with_company(ctx.t.statement_scope),
        made: ctx.t.statement_made.replace("%date%", &day),
        contact: with_company(ctx.t.statement_contact),
        contacts,
    };
    ctx.render(StatusCode::OK, &page)
}
