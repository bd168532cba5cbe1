//! §G The Chrono-compatible API, so that a Publik / w.c.s. form can point at this server:
//! `/api/agenda/…` and `/api/booking/…` with Chrono's paths, shapes and error bodies, HTTP Basic
//! with an API key (the key's business is the one served).
//!
//! A thin adapter: it reads Chrono's shapes into the core's use cases and writes their answers
//! back. Finding agendas and meeting types by slug, listing datetimes with Chrono's booking
//! delays and a user's own bookings disabled, and the delay check of a fill are
//! [`booking_core::app::App`]'s (`app::chrono`); holding, booking, rescheduling and cancelling
//! are the engine's use cases. No rule lives here.
//!
//! Slot ids are `<service slug>:<YYYY-MM-DD-HHMM>` in the business's local time; datetimes are
//! `YYYY-MM-DD HH:MM:SS` local. Business failures answer 200 with `{"err": 1, "err_class", …}`;
//! a malformed slot id or body 400; an unknown agenda, service or booking 404.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use booking_core::access::Principal;
use booking_core::app::access::{self, UseCase};
use booking_core::app::chrono::{
    AgendaOf, BookingView, ChronoError, Datetimes, DatetimesQuery, answer,
};
use booking_core::app::commands::{CommandError, Wanted};
use booking_core::booking::{Actor, BookingStatus, TransitionError};
use booking_core::catalog::{Business, Contact, Email, Service};
use booking_core::engine::{CancelError, OfferError};
use booking_core::error::{ErrorCode, Kind};
use booking_core::holds::LockCode;
use booking_core::ids::{BookingId, BusinessId};
use booking_core::policy::BookingDelays;
use booking_core::time::Interval;
use booking_core::{Details, Offer};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::auth::Caller;

/// The Chrono routes (not in the OpenAPI document: Chrono's own documentation describes them).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/agenda/", get(agendas))
        .route("/api/agenda/{agenda}/meetings/", get(meetings))
        .route("/api/agenda/{agenda}/desks/", get(desks))
        .route("/api/agenda/{agenda}/meetings/{service}/datetimes/", get(datetimes))
        .route("/api/agenda/{agenda}/fillslot/{slot}/", post(fillslot))
        .route("/api/booking/{id}/", get(booking))
        .route("/api/booking/{id}/cancel/", post(cancel))
}

/// A Chrono error body with its HTTP status.
struct Failure(StatusCode, &'static str, String);

impl Failure {
    fn business(class: &'static str) -> Self {
        Self(StatusCode::OK, class, class.to_owned())
    }

    fn not_found(what: &str) -> Self {
        Self(StatusCode::NOT_FOUND, "not found", format!("unknown {what}"))
    }

    fn bad(why: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, "invalid payload", why.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = json!({"err": 1, "err_class": self.1, "err_desc": self.2, "reason": self.1});
        (self.0, axum::Json(body)).into_response()
    }
}

impl From<booking_core::ports::store::StoreError> for Failure {
    fn from(e: booking_core::ports::store::StoreError) -> Self {
        Self(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable", e.to_string())
    }
}

type Answer = Result<axum::Json<Value>, Failure>;

fn forbidden() -> Failure {
    Failure(StatusCode::FORBIDDEN, "forbidden", "this key may not do this".into())
}

/// The caller: 401 without a key.
fn principal(caller: &Caller) -> Result<Principal, Failure> {
    caller.0.ok_or(Failure(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "an API key is needed".into(),
    ))
}

/// The caller's business and actor for a use case: 401 without a key, 403 when its role may
/// not.
fn who(caller: &Caller, use_case: UseCase) -> Result<(BusinessId, Actor), Failure> {
    let p = principal(caller)?;
    let actor = access::authorize(&p, p.business, use_case).map_err(|_| forbidden())?;
    Ok((p.business, actor))
}

impl From<ChronoError> for Failure {
    fn from(e: ChronoError) -> Self {
        match e {
            ChronoError::Denied(_) => forbidden(),
            ChronoError::UnknownBusiness => Self::not_found("business"),
            ChronoError::UnknownAgenda => Self::not_found("agenda"),
            ChronoError::UnknownService => Self::not_found("meeting type"),
            ChronoError::UnknownBooking => Self::not_found("booking"),
            ChronoError::OutOfDelays => Self::business("slot out of booking delays"),
            ChronoError::Offer(e @ OfferError::WindowTooLong) => Self::bad(e.to_string()),
            e if e.kind() == Kind::Unavailable => {
                Self(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable", e.to_string())
            }
            ChronoError::Offer(_) | ChronoError::Store(_) => Self::not_found("meeting type"),
        }
    }
}

fn base(state: &AppState) -> &str {
    &state.pages().web.public_url
}

fn local(b: &Business, at: Timestamp) -> String {
    b.zone.local(at).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// `GET /api/agenda/`: the business's agendas as Chrono meetings agendas.
async fn agendas(State(state): State<AppState>, caller: Caller) -> Answer {
    let (business, agendas) = state.app().chrono_agendas(&principal(&caller)?).await?;
    let delays = BookingDelays::of(&business.settings);
    let root = base(&state);
    let data: Vec<Value> = agendas
        .iter()
        .map(|a| {
            json!({
                "id": a.slug, "slug": a.slug, "text": a.name, "kind": "meetings",
                "minimal_booking_delay": delays.min_days,
                "maximal_booking_delay": delays.max_days,
                "api": {
                    "meetings_url": format!("{root}/api/agenda/{}/meetings/", a.slug),
                    "desks_url": format!("{root}/api/agenda/{}/desks/", a.slug),
                },
            })
        })
        .collect();
    Ok(axum::Json(json!({"err": 0, "data": data})))
}

/// `GET /api/agenda/<agenda>/meetings/`: its meeting types (services).
async fn meetings(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Answer {
    let app = state.app();
    let AgendaOf { agenda, .. } = app.agenda_by_slug(&principal(&caller)?, &slug).await?;
    let root = base(&state);
    let data: Vec<Value> = app
        .services_of(&agenda)
        .await?
        .iter()
        .map(|s| {
            json!({
                "id": s.slug, "slug": s.slug, "text": s.name, "duration": s.duration.as_mins(),
                "api": {"datetimes_url": format!("{root}/api/agenda/{}/meetings/{}/datetimes/", agenda.slug, s.slug)},
            })
        })
        .collect();
    Ok(axum::Json(json!({"err": 0, "data": data})))
}

/// `GET /api/agenda/<agenda>/desks/`: its resources.
async fn desks(State(state): State<AppState>, caller: Caller, Path(slug): Path<String>) -> Answer {
    let app = state.app();
    let AgendaOf { agenda, .. } = app.agenda_by_slug(&principal(&caller)?, &slug).await?;
    let data: Vec<Value> = app
        .desks_of(&agenda)
        .await?
        .iter()
        .map(|r| json!({"id": r.id.to_string(), "text": r.name}))
        .collect();
    Ok(axum::Json(json!({"err": 0, "data": data})))
}

fn flag(v: Option<&str>) -> bool {
    matches!(v, Some("true" | "1" | "on" | "yes" | "True"))
}

#[derive(Deserialize)]
struct DatetimesParams {
    date_start: Option<String>,
    date_end: Option<String>,
    hide_disabled: Option<String>,
    bypass_delays: Option<String>,
    lock_code: Option<String>,
    user_external_id: Option<String>,
    exclude_user_external_id: Option<String>,
}

fn lock_of(text: Option<&str>) -> Result<Option<LockCode>, Failure> {
    text.filter(|t| !t.is_empty())
        .map(|t| LockCode::parse(t).map_err(|e| Failure::bad(e.to_string())))
        .transpose()
}

fn date(text: Option<&str>) -> Result<Option<Date>, Failure> {
    text.map(|t| {
        t.parse::<Date>().map_err(|_| Failure::bad(format!("{t} is not a YYYY-MM-DD date")))
    })
    .transpose()
}

/// `GET /api/agenda/<agenda>/meetings/<service>/datetimes/`.
async fn datetimes(
    State(state): State<AppState>,
    caller: Caller,
    Path((agenda_slug, service_slug)): Path<(String, String)>,
    Query(q): Query<DatetimesParams>,
) -> Answer {
    let query = DatetimesQuery {
        from: date(q.date_start.as_deref())?,
        until: date(q.date_end.as_deref())?,
        bypass_delays: flag(q.bypass_delays.as_deref()),
        lock: lock_of(q.lock_code.as_deref())?,
        user_external_id: q.exclude_user_external_id.or(q.user_external_id),
    };
    let Datetimes { business, agenda, service, slots } =
        state.app().datetimes(&principal(&caller)?, &agenda_slug, &service_slug, query).await?;
    let root = base(&state);
    let item = |(interval, free): &(Interval, bool)| {
        let id = slot_id(&business, &service, interval.start());
        json!({
            "id": id,
            "text": booking_core::notify::date_time(business.zone.local(interval.start()), business.locale),
            "datetime": local(&business, interval.start()),
            "end_datetime": local(&business, interval.end()),
            "disabled": !free,
            "api": {"fillslot_url": format!("{root}/api/agenda/{}/fillslot/{id}/", agenda.slug)},
        })
    };
    let total = slots.len();
    let available = slots.iter().filter(|s| s.1).count();
    let first = slots.iter().find(|s| s.1).map(item);
    let hide = flag(q.hide_disabled.as_deref());
    let data: Vec<Value> = slots.iter().filter(|s| s.1 || !hide).map(item).collect();
    Ok(axum::Json(json!({
        "err": 0,
        "data": data,
        "meta": {
            "no_bookable_datetimes": available == 0,
            "bookable_datetimes_number_total": total,
            "bookable_datetimes_number_available": available,
            "first_bookable_slot": first,
        },
    })))
}

fn slot_id(b: &Business, service: &Service, start: Timestamp) -> String {
    format!("{}:{}", service.slug, b.zone.local(start).strftime("%Y-%m-%d-%H%M"))
}

/// Reads `<service slug>:<YYYY-MM-DD-HHMM>` into the service slug and the local time.
fn parse_slot(id: &str) -> Result<(&str, DateTime), Failure> {
    let (slug, when) = id
        .rsplit_once(':')
        .ok_or_else(|| Failure::bad("a slot id is <meeting type>:<YYYY-MM-DD-HHMM>"))?;
    let bad = || Failure::bad(format!("{when} is not YYYY-MM-DD-HHMM"));
    let (date, hm) = when.rsplit_once('-').ok_or_else(bad)?;
    if hm.len() != 4 || !hm.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let date: Date = date.parse().map_err(|_| bad())?;
    let hour: i8 = hm[..2].parse().map_err(|_| bad())?;
    let minute: i8 = hm[2..].parse().map_err(|_| bad())?;
    let time = jiff::civil::Time::new(hour, minute, 0, 0).map_err(|_| bad())?;
    Ok((slug, date.to_datetime(time)))
}

/// Contact details, answers and the Chrono flags of a fillslot body.
struct Fill {
    lock: Option<LockCode>,
    confirm: bool,
    bypass: bool,
    cancel_booking: Option<BookingId>,
    details: Details,
}

const KNOWN: &[&str] = &[
    "lock_code",
    "confirm_after_lock",
    "user_external_id",
    "user_first_name",
    "user_last_name",
    "user_name",
    "user_email",
    "user_phone_number",
    "label",
    "form_url",
    "backoffice_url",
    "cancel_booking_id",
    "bypass_delays",
];

/// Answers kept with the booking (and given back by `GET /api/booking/<id>/`).
const KEPT: &[&str] = &["user_external_id", "label", "form_url", "backoffice_url"];

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => flag(Some(s.as_str())),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

fn read_fill(body: &Bytes) -> Result<Fill, Failure> {
    let value: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| Failure::bad(format!("the body is not JSON: {e}")))?
    };
    let Value::Object(map) = value else { return Err(Failure::bad("the body is a JSON object")) };
    let get = |k: &str| map.get(k).and_then(text_of).filter(|s| !s.is_empty());
    let lock = lock_of(get("lock_code").as_deref())?;
    let cancel_booking = get("cancel_booking_id")
        .map(|t| {
            t.parse::<i64>()
                .map(BookingId::new)
                .map_err(|_| Failure::bad("cancel_booking_id is a booking id"))
        })
        .transpose()?;
    let (mut first, mut last) =
        (get("user_first_name").unwrap_or_default(), get("user_last_name").unwrap_or_default());
    if first.is_empty()
        && last.is_empty()
        && let Some(name) = get("user_name")
    {
        let (f, l) = name.trim().split_once(' ').unwrap_or(("", name.trim()));
        (first, last) = (f.to_owned(), l.to_owned());
    }
    let email = get("user_email")
        .map(|e| Email::parse(&e).map_err(|_| Failure::bad(format!("{e} is not an email address"))))
        .transpose()?;
    let mut answers: Vec<(String, String)> =
        KEPT.iter().filter_map(|k| get(k).map(|v| ((*k).to_owned(), v))).collect();
    for (k, v) in map.iter().filter(|(k, _)| !KNOWN.contains(&k.as_str())) {
        answers.push((format!("extra_data.{k}"), v.to_string()));
    }
    Ok(Fill {
        lock,
        confirm: truthy(map.get("confirm_after_lock")),
        bypass: truthy(map.get("bypass_delays")),
        cancel_booking,
        details: Details {
            customer: None,
            contact: Contact {
                first_name: first,
                last_name: last,
                email,
                phone: get("user_phone_number").map(|p| p.chars().take(40).collect()),
            },
            answers,
            code: None,
            locale: None,
        },
    })
}

/// A refusal in Chrono's words: its kind decides the status, and Chrono's own wording names
/// the few refusals w.c.s. tells apart.
fn refused(e: &(impl ErrorCode + std::fmt::Display)) -> Failure {
    let code = e.code();
    match (e.kind(), code) {
        (Kind::Unavailable, _) => {
            Failure(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable", code.to_owned())
        }
        // The booking a change names: unknown to the engine, or to the caller's access.
        (_, "booking_not_found") | (Kind::NotFound, "not_found") => Failure::not_found("booking"),
        // A value refused as given (a name or an answer too long): the request is bad.
        (Kind::Invalid, "invalid_value") => Failure::bad(e.to_string()),
        (_, "unknown_agenda" | "unknown_service" | "service_not_on_agenda") => {
            Failure::not_found("meeting type")
        }
        (_, "already_canceled" | "already_rejected" | "transition_not_allowed") => {
            Failure::business("cannot change a cancelled booking")
        }
        (_, "slot_taken" | "hold_expired" | "hold_not_found" | "session_full") => {
            Failure::business("no more desk available")
        }
        _ => Failure(StatusCode::OK, "booking failed", code.to_owned()),
    }
}

/// `POST /api/agenda/<agenda>/fillslot/<slot>/`: hold (with `lock_code`), re-lock, confirm
/// (`confirm_after_lock`), book, or move a booking there atomically (`cancel_booking_id`).
async fn fillslot(
    State(state): State<AppState>,
    caller: Caller,
    Path((agenda_slug, slot)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Failure> {
    let (b, _) = who(&caller, UseCase::BookForCustomers)?;
    let p = principal(&caller)?;
    let app = state.app();
    let AgendaOf { business, agenda } = app.agenda_by_slug(&p, &agenda_slug).await?;
    let (slug, wall) = parse_slot(&slot)?;
    let service = app.service_by_slug(&agenda, slug).await?;
    let fill = read_fill(&body)?;
    let start = business.zone.instant_of(wall).ok_or_else(|| {
        Failure::bad(format!("{wall} does not exist in {} (a clock change)", business.zone.name()))
    })?;
    app.check_delays(&p, &business, start, fill.bypass)?;
    // Chrono's delays were checked above: the engine's own are lifted.
    let wanted = Wanted::Slot {
        offer: Offer { agenda: agenda.id, service: service.id, resource: None },
        start,
    };
    let root = base(&state);
    if let (Some(lock), false) = (&fill.lock, fill.confirm) {
        let hold = app.hold(Some(&p), b, wanted, lock, true).await.map_err(|e| refused(&e))?;
        let slot = match hold.target {
            booking_core::booking::Target::Appointment { slot, .. } => slot,
            booking_core::booking::Target::Session { .. } => {
                return Err(refused(&OfferError::UnknownService));
            }
        };
        return Ok(axum::Json(json!({
            "err": 0,
            "datetime": local(&business, slot.start()),
            "end_datetime": local(&business, slot.end()),
            "lock_expires_at": local(&business, hold.expires_at),
        }))
        .into_response());
    }
    let booking = match fill.cancel_booking {
        Some(old) => app
            .reschedule(&p, b, old, start, None, fill.lock.as_ref(), true)
            .await
            .map_err(|e| refused(&e))?,
        None => app
            .book(Some(&p), b, wanted, fill.lock.as_ref(), fill.details, true)
            .await
            .map_err(|e| refused(&e))?,
    };
    let slot = booking.slot();
    Ok(axum::Json(json!({
        "err": 0,
        "booking_id": booking.id.get(),
        "datetime": slot.map(|s| local(&business, s.start())),
        "end_datetime": slot.map(|s| local(&business, s.end())),
        "api": {
            "booking_url": format!("{root}/api/booking/{}/", booking.id),
            "cancel_url": format!("{root}/api/booking/{}/cancel/", booking.id),
        },
    }))
    .into_response())
}

/// `GET /api/booking/<id>/`.
async fn booking(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Answer {
    let p = principal(&caller)?;
    let id = id.parse::<i64>().map_err(|_| Failure::not_found("booking"))?;
    let BookingView { business, booking: found, history, agenda } =
        state.app().booking_with_history(&p, BookingId::new(id)).await?;
    let slot = found.slot();
    let canceled = (found.status == BookingStatus::Canceled)
        .then(|| {
            history
                .iter()
                .rev()
                .find(|h| h.to == BookingStatus::Canceled)
                .map(|h| local(&business, h.at))
        })
        .flatten();
    let extra: Map<String, Value> = found
        .answers
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("extra_data.").map(|k| {
                (k.to_owned(), serde_json::from_str(v).unwrap_or(Value::String(v.clone())))
            })
        })
        .collect();
    let agenda = agenda.map(|a| a.slug);
    let c = &found.contact;
    let mut out = json!({
        "err": 0,
        "id": found.id.get(),
        "agenda": agenda,
        "status": found.status.code(),
        "datetime": slot.map(|s| local(&business, s.start())),
        "end_datetime": slot.map(|s| local(&business, s.end())),
        "cancellation_datetime": canceled,
        "user_first_name": c.first_name,
        "user_last_name": c.last_name,
        "user_email": c.email.as_ref().map(Email::as_str),
        "user_phone_number": c.phone,
        "extra_data": extra,
    });
    for key in KEPT {
        out[*key] = answer(&found, key).map_or(Value::Null, |v| Value::String(v.to_owned()));
    }
    Ok(axum::Json(out))
}

/// `POST /api/booking/<id>/cancel/`.
async fn cancel(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Answer {
    let (b, _) = who(&caller, UseCase::BookForCustomers)?;
    let p = principal(&caller)?;
    let id = id.parse::<i64>().map_err(|_| Failure::not_found("booking"))?;
    match state.app().cancel(&p, b, BookingId::new(id), None).await {
        Ok(_) => Ok(axum::Json(json!({"err": 0}))),
        Err(CommandError::Cancel(CancelError::Transition(TransitionError::AlreadyCanceled))) => {
            Err(Failure::business("already cancelled"))
        }
        Err(e) => Err(refused(&e)),
    }
}
