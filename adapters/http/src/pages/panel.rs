//! §D3 The customer panel: upcoming and past appointments and events, cancel, reschedule to
//! a real free slot when the business allows it, the reason when a window refuses, profile
//! edit, "Delete profile" when allowed; and the cancel links of emails (GET shows a button,
//! the POST cancels).

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::Offer;
use booking_core::accounts::PanelSession;
use booking_core::app::bookings::BookingUse;
use booking_core::app::catalog::ShownCatalog;
use booking_core::booking::{Actor, Booking, BookingStatus, Role, Target};
use booking_core::error::{ErrorCode, Kind};
use booking_core::ids::{BookingId, ResourceId};
use booking_core::notify;
use booking_core::policy::{Change, WindowPolicy};
use jiff::Timestamp;
use serde::Deserialize;

use super::book::{WeekPage, build_week, unavailable};
use super::{
    CodeSummary, Confirm, ConfirmedForm, CsrfForm, Ctx, PageForm, TokenForm, TokenQuery, View,
};

pub(crate) struct Row {
    id: BookingId,
    what: String,
    when: String,
    with: String,
    location: String,
    status_code: &'static str,
    status: &'static str,
    cancel: Result<(), &'static str>,
    reschedule: Option<Result<(), &'static str>>,
    start: Timestamp,
    /// The video link (§J), unless the business hides it from the panel (§J6).
    video: Option<booking_core::video::VideoLink>,
}

#[derive(Template)]
#[template(path = "panel.html")]
struct PanelPage {
    c: View,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    upcoming: Vec<Row>,
    past: Vec<Row>,
    codes: Vec<CodeSummary>,
    /// Where the newer and the older page of past bookings start, when there is one.
    newer: Option<usize>,
    older: Option<usize>,
}

/// Past bookings shown per page of the panel.
const PAST_PAGE: usize = 20;

/// The customer's codes that can still pay: not revoked, not expired.
async fn code_rows(ctx: &Ctx, session: &PanelSession) -> Result<Vec<CodeSummary>, Response> {
    let caller = session.principal();
    let Ok(codes) =
        ctx.state.app().customer_codes(&caller, ctx.business.id, session.customer).await
    else {
        return Err(unavailable(ctx));
    };
    let now = ctx.now();
    Ok(codes
        .iter()
        .filter(|c| !c.ledger.revoked && c.ledger.expires_at.is_none_or(|e| now < e))
        .map(|c| CodeSummary::of(ctx, c))
        .collect())
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    c: View,
    saved: bool,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    may_delete: bool,
    has_account: bool,
}

/// The panel's customer, or the answer to give instead (log in, or panel off).
fn me(ctx: &Ctx) -> Result<Actor, Response> {
    if !ctx.business.settings.panel_enabled {
        return Err(ctx.message(StatusCode::NOT_FOUND, ctx.t.panel_title, ctx.t.panel_off));
    }
    match ctx.session {
        Some(s) => Ok(Actor::customer(s.customer)),
        None => Err(ctx.redirect(&ctx.path("/login"))),
    }
}

async fn rows(ctx: &Ctx, bookings: Vec<Booking>) -> Result<(Vec<Row>, Vec<Row>), Response> {
    let app = ctx.state.app();
    let Ok(ShownCatalog { services, resources, events }) =
        app.shown_catalog(None, ctx.business.id).await
    else {
        return Err(unavailable(ctx));
    };
    let settings = &ctx.business.settings;
    let zone = &ctx.business.zone;
    let now = ctx.now();
    let show_video = booking_core::video::shown(
        booking_core::video::Channel::Panel,
        settings.hide_video_links_in_emails,
        settings.hide_video_links_in_panel,
    );
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for booking in bookings {
        let (interval, what, with, location, service) = match booking.target {
            Target::Appointment { service, resource, slot, .. } => {
                if !settings.panel_appointments {
                    continue;
                }
                let s = services.iter().find(|s| s.id == service);
                let staff = resources
                    .iter()
                    .find(|r| {
                        r.id == resource && r.kind == booking_core::catalog::ResourceKind::Staff
                    })
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                (slot, s.map(|s| s.name.clone()).unwrap_or_default(), staff, String::new(), s)
            }
            Target::Session { session, .. } => {
                if !settings.panel_events {
                    continue;
                }
                let Ok(s) = app.session(None, ctx.business.id, session).await else { continue };
                let event = events.iter().find(|e| e.id == s.event);
                let name = event.map(|e| e.name.clone()).unwrap_or_default();
                let location = event.and_then(|e| e.location.clone()).unwrap_or_default();
                (s.interval, name, String::new(), location, None)
            }
        };
        let live = matches!(booking.status, BookingStatus::Approved | BookingStatus::Pending);
        let policy = WindowPolicy::for_service(settings, service);
        let check = |change| {
            policy
                .check(change, Role::Customer, interval.start(), now)
                .map_err(|e| ctx.t.reason(e.code()))
        };
        let is_appointment = matches!(booking.target, Target::Appointment { .. });
        let moved = booking.status == BookingStatus::Canceled
            && is_appointment
            && match app.was_moved(ctx.business.id, booking.id).await {
                Ok(moved) => moved,
                Err(_) => return Err(unavailable(ctx)),
            };
        let status_code = if booking.status == BookingStatus::Approved && interval.end() <= now {
            "completed"
        } else if moved {
            "moved"
        } else {
            booking.status.code()
        };
        let video = if interval.end() > now && live && show_video {
            match app.shown_link(&ctx.business, &booking).await {
                Ok(booking_core::video::LinkState::Ready(link)) => Some(link),
                Ok(_) => None,
                Err(_) => return Err(unavailable(ctx)),
            }
        } else {
            None
        };
        let row = Row {
            video,
            id: booking.id,
            what,
            when: format!(
                "{} – {}",
                notify::date_time(zone.local(interval.start()), ctx.locale),
                notify::time(zone.local(interval.end()), ctx.locale)
            ),
            with,
            location,
            status_code,
            status: ctx.t.status(status_code),
            cancel: if live { check(Change::Cancel) } else { Err(ctx.t.reason_already) },
            reschedule: (live && is_appointment && settings.customers_may_reschedule)
                .then(|| check(Change::Reschedule)),
            start: interval.start(),
        };
        if interval.end() > now && live {
            upcoming.push(row);
        } else {
            past.push(row);
        }
    }
    upcoming.sort_by_key(|r| r.start);
    past.sort_by_key(|r| std::cmp::Reverse(r.start));
    Ok((upcoming, past))
}

/// The panel: every upcoming booking, and one page of past ones (`skip` latest left out; a
/// canceled booking still to come is listed with the past on the first page only).
async fn panel_page(
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    skip: usize,
) -> Response {
    let Some(session) = ctx.session else { return ctx.redirect(&ctx.path("/login")) };
    let caller = session.principal();
    let found = ctx.state.app().customer_timeline(
        &caller,
        ctx.business.id,
        session.customer,
        skip,
        PAST_PAGE,
    );
    let Ok(timeline) = found.await else {
        return unavailable(ctx);
    };
    let codes = match code_rows(ctx, &session).await {
        Ok(codes) => codes,
        Err(r) => return r,
    };
    let live = |b: &Booking| matches!(b.status, BookingStatus::Approved | BookingStatus::Pending);
    let bookings = timeline
        .upcoming
        .into_iter()
        .filter(|b| skip == 0 || live(b))
        .chain(timeline.past)
        .collect();
    let newer = (skip > 0).then(|| skip.saturating_sub(PAST_PAGE));
    let older = timeline.more_past.then_some(skip.saturating_add(PAST_PAGE));
    match rows(ctx, bookings).await {
        Ok((upcoming, past)) => ctx.render(
            status,
            &PanelPage { c: ctx.view(), notice, error, upcoming, past, codes, newer, older },
        ),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub(crate) struct PanelQuery {
    done: Option<String>,
    /// How many of the latest past bookings the page leaves out (a page of them follows);
    /// anything but a number is the first page.
    past: Option<String>,
}

/// The panel.
pub(crate) async fn panel(ctx: Ctx, Query(q): Query<PanelQuery>) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    let notice = match q.done.as_deref() {
        Some("canceled") => Some(ctx.t.canceled_ok),
        Some("rescheduled") => Some(ctx.t.rescheduled_ok),
        _ => None,
    };
    let skip = q.past.and_then(|p| p.parse().ok()).unwrap_or(0);
    panel_page(&ctx, StatusCode::OK, notice, None, skip).await
}

/// Cancels one of the customer's bookings (windows apply, §A6).
///
/// Asks first: without `confirmed`, a page says what will be canceled, with the button that
/// does it and a way back.
pub(crate) async fn cancel(
    ctx: Ctx,
    Path((_, id)): Path<(i64, i64)>,
    PageForm(form): PageForm<ConfirmedForm>,
) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let Some(caller) = ctx.caller() else { return ctx.redirect(&ctx.path("/login")) };
    if !form.confirmed() {
        let row = match own_row(&ctx, &caller, id).await {
            Ok(row) => row,
            Err(r) => return r,
        };
        if let Err(reason) = row.cancel {
            return panel_page(&ctx, StatusCode::CONFLICT, None, Some(reason), 0).await;
        }
        return ctx.confirm(Confirm {
            title: ctx.t.cancel_title,
            text: ctx.t.cancel_question,
            detail: format!("{} — {}", row.what, row.when),
            to: ctx.path(&format!("/panel/bookings/{id}/cancel")),
            fields: Vec::new(),
            yes: ctx.t.cancel_yes,
            back: ctx.path("/panel"),
            no: ctx.t.keep_it,
        });
    }
    match ctx.state.app().cancel(&caller, ctx.business.id, BookingId::new(id), None).await {
        Ok(_) => ctx.redirect(&ctx.path("/panel?done=canceled")),
        Err(e) => refused(&ctx, e.code()).await,
    }
}

/// One of the caller's bookings as their panel shows it: what, when ("Passeport — lundi 14
/// décembre 2026 à 09:00 – 09:30"), and whether they may cancel or move it now.
async fn own_row(
    ctx: &Ctx,
    caller: &booking_core::access::Principal,
    id: i64,
) -> Result<Row, Response> {
    let found = ctx.state.app().booking_for(
        caller,
        ctx.business.id,
        BookingId::new(id),
        BookingUse::Manage,
    );
    let booking = match found.await {
        Ok((b, _)) => b,
        Err(e) if e.kind() == Kind::Unavailable => return Err(unavailable(ctx)),
        Err(_) => {
            return Err(ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found));
        }
    };
    let (upcoming, past) = rows(ctx, vec![booking]).await?;
    upcoming
        .into_iter()
        .chain(past)
        .next()
        .ok_or_else(|| ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found))
}

async fn refused(ctx: &Ctx, code: &str) -> Response {
    match code {
        "storage_unavailable" => unavailable(ctx),
        "booking_not_found" | "not_found" | "not_an_appointment" => {
            ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found)
        }
        _ => panel_page(ctx, StatusCode::CONFLICT, None, Some(ctx.t.reason(code)), 0).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct FromQuery {
    from: Option<String>,
}

/// Real free slots to move a booking to (when the business lets customers reschedule and the
/// window is open).
pub(crate) async fn reschedule_page(
    ctx: Ctx,
    Path((_, id)): Path<(i64, i64)>,
    Query(q): Query<FromQuery>,
) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    let Some(session) = ctx.session else { return ctx.redirect(&ctx.path("/login")) };
    let (app, caller) = (ctx.state.app(), session.principal());
    let found = app.booking_for(&caller, ctx.business.id, BookingId::new(id), BookingUse::Manage);
    let booking = match found.await {
        Ok((b, _)) => b,
        Err(e) if e.kind() == Kind::Unavailable => return unavailable(&ctx),
        Err(_) => return ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found),
    };
    let Target::Appointment { agenda, service, slot, .. } = booking.target else {
        return refused(&ctx, "not_an_appointment").await;
    };
    let svc = app.service(None, ctx.business.id, service).await.ok();
    let policy = WindowPolicy::for_service(&ctx.business.settings, svc.as_ref());
    if let Err(e) = policy.check(Change::Reschedule, Role::Customer, slot.start(), ctx.now()) {
        return refused(&ctx, e.code()).await;
    }
    let offer = Offer { agenda, service, resource: None::<ResourceId> };
    let path = ctx.path(&format!("/panel/bookings/{id}/reschedule"));
    match build_week(&ctx, offer, q.from.as_deref(), &path.clone(), path, Vec::new(), None).await {
        Ok(w) => {
            let title =
                format!("{} — {}", ctx.t.reschedule, svc.map(|s| s.name).unwrap_or_default());
            ctx.render(
                StatusCode::OK,
                &WeekPage { c: ctx.view(), title, error: None, next: Vec::new(), w },
            )
        }
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub(crate) struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    start: String,
    /// `yes` once the customer confirmed the new time.
    #[serde(default)]
    confirmed: String,
}

/// Moves the booking, atomically (the old one stays if the new slot is taken).
pub(crate) async fn reschedule(
    ctx: Ctx,
    Path((_, id)): Path<(i64, i64)>,
    PageForm(form): PageForm<StartForm>,
) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let Ok(start) = form.start.parse::<Timestamp>() else {
        return ctx.message(StatusCode::BAD_REQUEST, ctx.t.error_title, ctx.t.reason_other);
    };
    let Some(caller) = ctx.caller() else { return ctx.redirect(&ctx.path("/login")) };
    if form.confirmed != "yes" {
        let row = match own_row(&ctx, &caller, id).await {
            Ok(row) => row,
            Err(r) => return r,
        };
        match row.reschedule {
            None => return refused(&ctx, "reschedule_not_allowed").await,
            Some(Err(reason)) => {
                return panel_page(&ctx, StatusCode::CONFLICT, None, Some(reason), 0).await;
            }
            Some(Ok(())) => {}
        }
        let to = notify::date_time(ctx.business.zone.local(start), ctx.locale);
        return ctx.confirm(Confirm {
            title: ctx.t.reschedule,
            text: ctx.t.reschedule_question,
            detail: format!("{} — {} → {to}", row.what, row.when),
            to: ctx.path(&format!("/panel/bookings/{id}/reschedule")),
            fields: vec![("start", form.start.clone())],
            yes: ctx.t.reschedule_yes,
            back: ctx.path(&format!("/panel/bookings/{id}/reschedule")),
            no: ctx.t.choose_another_time,
        });
    }
    let id = BookingId::new(id);
    match ctx.state.app().reschedule(&caller, ctx.business.id, id, start, None, None, false).await {
        Ok(_) => ctx.redirect(&ctx.path("/panel?done=rescheduled")),
        Err(e) => refused(&ctx, e.code()).await,
    }
}

async fn profile_view(ctx: &Ctx, saved: bool) -> Response {
    let Some(session) = ctx.session else { return ctx.redirect(&ctx.path("/login")) };
    let caller = session.principal();
    let Ok((_, me)) = ctx.state.app().customer(&caller, ctx.business.id, session.customer).await
    else {
        return unavailable(ctx);
    };
    let page = ProfilePage {
        c: ctx.view(),
        saved,
        first_name: me.contact.first_name,
        last_name: me.contact.last_name,
        email: me.contact.email.map(|e| e.to_string()).unwrap_or_default(),
        phone: me.contact.phone.unwrap_or_default(),
        may_delete: ctx.business.settings.customers_may_delete_profile,
        has_account: session.account.is_some(),
    };
    ctx.render(StatusCode::OK, &page)
}

/// The profile form.
pub(crate) async fn profile_page(ctx: Ctx) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    profile_view(&ctx, false).await
}

#[derive(Deserialize)]
pub(crate) struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
}

/// Saves the profile (the email stays: it is the username).
pub(crate) async fn profile(ctx: Ctx, PageForm(form): PageForm<ProfileForm>) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let Some(session) = ctx.session else { return ctx.redirect(&ctx.path("/login")) };
    let first: String = form.first_name.chars().take(200).collect();
    let last: String = form.last_name.chars().take(200).collect();
    let phone: String = form.phone.chars().take(40).collect();
    let accounts = &ctx.pages().accounts;
    match accounts
        .update_profile(ctx.business.id, session.customer, &first, &last, Some(&phone))
        .await
    {
        Ok(_) => profile_view(&ctx, true).await,
        Err(_) => unavailable(&ctx),
    }
}

fn may_delete(ctx: &Ctx) -> Result<Actor, Response> {
    let actor = me(ctx)?;
    if ctx.business.settings.customers_may_delete_profile {
        Ok(actor)
    } else {
        Err(ctx.message(StatusCode::FORBIDDEN, ctx.t.delete_profile, ctx.t.reason_other))
    }
}

#[derive(Template)]
#[template(path = "delete_profile.html")]
struct DeleteProfilePage {
    c: View,
    /// The upcoming appointments and events: what and when, and whether the customer may still
    /// cancel each.
    upcoming: Vec<(String, bool)>,
}

/// The customer's bookings still to come that hold (approved or pending), as the panel shows
/// them.
async fn live_upcoming(
    ctx: &Ctx,
    caller: &booking_core::access::Principal,
) -> Result<Vec<Row>, Response> {
    let Some(session) = ctx.session else { return Err(ctx.redirect(&ctx.path("/login"))) };
    let timeline =
        ctx.state.app().customer_timeline(caller, ctx.business.id, session.customer, 0, 0).await;
    let Ok(timeline) = timeline else { return Err(unavailable(ctx)) };
    let live: Vec<Booking> = timeline
        .upcoming
        .into_iter()
        .filter(|b| matches!(b.status, BookingStatus::Approved | BookingStatus::Pending))
        .collect();
    let (upcoming, _) = rows(ctx, live).await?;
    Ok(upcoming)
}

/// "Delete my profile" (only when the business allows it): what will be erased, the
/// appointments still to come and what will happen to them (canceled, or kept without a name
/// when it is too late to cancel or the customer chooses to keep them), and the final email.
pub(crate) async fn delete_page(ctx: Ctx) -> Response {
    if let Err(r) = may_delete(&ctx) {
        return r;
    }
    let Some(caller) = ctx.caller() else { return ctx.redirect(&ctx.path("/login")) };
    let upcoming = match live_upcoming(&ctx, &caller).await {
        Ok(rows) => rows,
        Err(r) => return r,
    };
    let upcoming = upcoming
        .into_iter()
        .map(|r| (format!("{} — {}", r.what, r.when), r.cancel.is_ok()))
        .collect();
    ctx.render(StatusCode::OK, &DeleteProfilePage { c: ctx.view(), upcoming })
}

#[derive(Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirmed: String,
    cancel_upcoming: Option<String>,
}

/// Anonymises the customer (§A7) and logs out, after canceling their upcoming bookings when
/// they asked (those the windows still let them cancel). Before the erasure, one last email
/// (kept in memory only: no outbox row keeps the address) lists what was canceled, what was
/// kept without their name and why, and what was erased.
pub(crate) async fn delete(mut ctx: Ctx, PageForm(form): PageForm<DeleteForm>) -> Response {
    if let Err(r) = may_delete(&ctx) {
        return r;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    if form.confirmed != "yes" {
        return ctx.redirect(&ctx.path("/panel/delete"));
    }
    let Some(session) = ctx.session else { return ctx.redirect(&ctx.path("/login")) };
    let caller = session.principal();
    let upcoming = match live_upcoming(&ctx, &caller).await {
        Ok(rows) => rows,
        Err(r) => return r,
    };
    let app = ctx.state.app();
    let (mut canceled, mut kept) = (Vec::new(), Vec::new());
    for row in upcoming {
        let line = format!("{} — {}", row.what, row.when);
        if form.cancel_upcoming.is_some() && row.cancel.is_ok() {
            match app.cancel(&caller, ctx.business.id, row.id, None).await {
                Ok(_) => canceled.push(line),
                Err(e) if e.kind() == Kind::Unavailable => return unavailable(&ctx),
                Err(_) => kept.push(line),
            }
        } else {
            kept.push(line);
        }
    }
    let address = match app.customer(&caller, ctx.business.id, session.customer).await {
        Ok((_, me)) => me.contact.email,
        Err(_) => return unavailable(&ctx),
    };
    match app.anonymise_customer(&caller, ctx.business.id, session.customer).await {
        Ok(_) => {
            if let Some(to) = address {
                let message = farewell(&ctx, to, &canceled, &kept);
                super::send_later(ctx.pages().web.mailer.clone(), message);
            }
            ctx.close_session();
            ctx.session = None;
            ctx.message(StatusCode::OK, ctx.t.delete_profile, ctx.t.profile_deleted)
        }
        Err(_) => unavailable(&ctx),
    }
}

/// The last email to a customer who deleted their profile, in the page's language.
fn farewell(
    ctx: &Ctx,
    to: booking_core::catalog::Email,
    canceled: &[String],
    kept: &[String],
) -> booking_core::ports::mail::Message {
    let t = ctx.t;
    let list = |lines: &[String]| lines.iter().map(|l| format!("- {l}\n")).collect::<String>();
    let mut text = format!("{}\n\n{}\n", t.farewell_hello, t.farewell_erased);
    if !canceled.is_empty() {
        text.push_str(&format!("\n{}\n{}", t.farewell_canceled, list(canceled)));
    }
    if !kept.is_empty() {
        text.push_str(&format!("\n{}\n{}", t.farewell_kept, list(kept)));
    }
    text.push_str(&format!("\n{}\n\n{}\n", t.farewell_records, ctx.business.name));
    booking_core::ports::mail::Message {
        to,
        subject: format!("{} — {}", t.farewell_subject, ctx.business.name),
        text,
        html: None,
        attachments: Vec::new(),
        idempotency_key: format!("farewell-{}", ctx.state.app().token(16).expose()),
    }
}

/// §D5 "Delete my account": what it does, and the button (account holders).
pub(crate) async fn delete_account_page(ctx: Ctx) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    if ctx.session.is_none_or(|s| s.account.is_none()) {
        return ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found);
    }
    ctx.button(
        ctx.t.delete_account,
        ctx.t.delete_account_warning,
        ctx.path("/panel/account/delete"),
        ctx.t.delete_account_confirm,
        Vec::new(),
    )
}

/// Deletes the account (the identity; the business keeps its record) and logs out.
pub(crate) async fn delete_account(mut ctx: Ctx, PageForm(form): PageForm<CsrfForm>) -> Response {
    if let Err(r) = me(&ctx) {
        return r;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let Some(session) = ctx.session.filter(|s| s.account.is_some()) else {
        return ctx.message(StatusCode::NOT_FOUND, ctx.t.error_title, ctx.t.not_found);
    };
    match ctx.pages().accounts.delete_account(&session).await {
        Ok(_) => {
            ctx.close_session();
            ctx.session = None;
            ctx.message(StatusCode::OK, ctx.t.delete_account, ctx.t.account_deleted)
        }
        Err(_) => unavailable(&ctx),
    }
}

/// The booking of a cancel link, and whether it is another than the link's own: the link's
/// booking was moved since the email, and the link follows it to the booking that holds now.
async fn linked_booking(ctx: &Ctx, token: &str) -> Result<(Booking, bool), Response> {
    let gone = || ctx.message(StatusCode::GONE, ctx.t.error_title, ctx.t.link_invalid);
    let id = match ctx.pages().accounts.cancel_link_booking(ctx.business.id, token).await {
        Ok(Some(id)) => id,
        Ok(None) => return Err(gone()),
        Err(_) => return Err(unavailable(ctx)),
    };
    let app = ctx.state.app();
    let Ok(latest) = app.latest_booking(ctx.business.id, id).await else {
        return Err(unavailable(ctx));
    };
    match app.proven_booking(ctx.business.id, latest).await {
        Ok(Some((_, b))) => Ok((b, latest != id)),
        Ok(None) => Err(gone()),
        Err(_) => Err(unavailable(ctx)),
    }
}

/// The page behind an email's cancel link: what would be canceled, and a button (§D2).
pub(crate) async fn cancel_link_page(ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    let (booking, moved) = match linked_booking(&ctx, &q.token).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (upcoming, past) = match rows(&ctx, vec![booking]).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(row) = upcoming.into_iter().chain(past).next() else {
        return ctx.message(StatusCode::GONE, ctx.t.error_title, ctx.t.link_invalid);
    };
    let text = if moved {
        format!("{} {} — {}", ctx.t.moved_since, row.what, row.when)
    } else {
        format!("{} — {}", row.what, row.when)
    };
    match row.cancel {
        Ok(()) => ctx.button(
            ctx.t.cancel_link_title,
            &text,
            ctx.path("/cancel"),
            ctx.t.cancel_link_button,
            vec![("token", q.token)],
        ),
        Err(reason) => {
            ctx.message(StatusCode::CONFLICT, ctx.t.cancel_link_title, &format!("{text}. {reason}"))
        }
    }
}

/// Cancels the booking of a cancel link, as its customer (windows apply).
pub(crate) async fn cancel_link(ctx: Ctx, PageForm(form): PageForm<TokenForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let (booking, _) = match linked_booking(&ctx, &form.token).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    match ctx.state.app().cancel_by_link(ctx.business.id, &booking).await {
        Ok(_) => ctx.message(StatusCode::OK, ctx.t.cancel_link_title, ctx.t.canceled_ok),
        Err(e) if e.kind() == Kind::Unavailable => unavailable(&ctx),
        Err(e) => {
            ctx.message(StatusCode::CONFLICT, ctx.t.cancel_link_title, ctx.t.reason(e.code()))
        }
    }
}
