//! §I Codes: staff issue, find, inspect, adjust and revoke packages, gift certificates and
//! subscriptions; customers list their own. A code's text is shown once, when issued.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::access::Action;
use booking_core::codes::{FindError, Period, StoredCode, Value};
use booking_core::error::Kind;
use booking_core::ids::{BusinessId, CodeId, CustomerId, ServiceId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Errors, business};
use crate::AppState;
use crate::auth::Caller;
use crate::dto::parse_instant;
use crate::problem::{Body, Path, Problem, Query};

/// One use of a code.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UseOut {
    /// The booking it paid for.
    booking_id: Option<i64>,
    /// Sessions or minor units taken.
    amount: i64,
    /// When the booking starts (RFC 3339).
    starts_at: String,
    /// Given back (canceled in time, or rejected).
    refunded: bool,
}

/// A code as staff and its customer see it (never its text, but once when issued).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CodeOut {
    /// Id.
    id: i64,
    /// The full code, `XXXX-XXXX-XXXX-X`: only in the answer that issues it.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    /// Its last four symbols.
    tail: String,
    /// `package`, `gift` or `subscription`.
    kind: String,
    /// Sessions (package; subscription, per period) or minor units (gift) it is worth.
    amount: i64,
    /// `week` or `month` for a subscription.
    period: Option<String>,
    /// Services it covers; empty: all.
    services: Vec<i64>,
    /// The customer it was issued to.
    customer_id: Option<i64>,
    /// What staff wrote about it.
    note: String,
    /// When it was issued (RFC 3339).
    issued_at: String,
    /// When it expires (RFC 3339).
    expires_at: Option<String>,
    /// Revoked by staff.
    revoked: bool,
    /// Staff adjustments so far.
    adjustment: i64,
    /// What is left now (for a subscription, in the current period).
    balance: i64,
    /// Whether it can pay for a booking now: not revoked, not expired, something left.
    active: bool,
    /// Its uses.
    uses: Vec<UseOut>,
}

impl CodeOut {
    pub(crate) fn new(c: &StoredCode, now: jiff::Timestamp) -> Self {
        let l = &c.ledger;
        let (kind, amount, period, services) = l.value.parts();
        let balance = l.balance(now).amount();
        let expired = l.expires_at.is_some_and(|e| now >= e);
        Self {
            id: c.id.get(),
            code: None,
            tail: c.tail.clone(),
            kind: kind.to_owned(),
            amount,
            period: period.map(|p| p.code().to_owned()),
            services: services.iter().map(|s| s.get()).collect(),
            customer_id: c.customer.map(CustomerId::get),
            note: c.note.clone(),
            issued_at: l.issued_at.to_string(),
            expires_at: l.expires_at.map(|t| t.to_string()),
            revoked: l.revoked,
            adjustment: l.adjustment,
            balance,
            active: !l.revoked && !expired && balance > 0,
            uses: l
                .uses
                .iter()
                .map(|u| UseOut {
                    booking_id: u.booking.map(booking_core::ids::BookingId::get),
                    amount: u.amount,
                    starts_at: u.starts_at.to_string(),
                    refunded: u.refunded,
                })
                .collect(),
        }
    }
}

/// A code to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeIn {
    /// `package`, `gift` or `subscription`.
    kind: String,
    /// Sessions (package: 1 to 1000; subscription: per period, 1 to 100) or minor units (gift:
    /// 1 to 100000000).
    amount: i64,
    /// `week` or `month`, for a subscription.
    #[serde(default)]
    period: Option<String>,
    /// Services it covers (package, subscription); empty or absent: all.
    #[serde(default)]
    services: Vec<i64>,
    /// The customer it is for: it shows in their panel.
    #[serde(default)]
    customer_id: Option<i64>,
    /// A note for staff (at most 200 characters).
    #[serde(default)]
    note: String,
    /// When it expires (RFC 3339), if ever.
    #[serde(default)]
    expires_at: Option<String>,
}

/// A change of balance.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdjustIn {
    /// Sessions or minor units to add (negative: to take); the balance never goes below zero.
    delta: i64,
}

/// Staff search.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CodeQuery {
    /// The code's last four symbols (as printed at its end, `XXX-X`), any case.
    #[serde(default)]
    tail: Option<String>,
    /// Or: the customer's codes.
    #[serde(default)]
    customer_id: Option<i64>,
}

/// The code its holder typed, or a 422 naming why not.
pub(crate) async fn find(
    state: &AppState,
    business: BusinessId,
    typed: &str,
) -> Result<StoredCode, Problem> {
    match state.codes().find(business, typed).await {
        Ok(code) => Ok(code),
        Err(FindError::Text(e)) => Err(Problem::of(Kind::Invalid, "invalid_code", e.to_string())),
        Err(FindError::Unknown) => {
            Err(Problem::of(Kind::Invalid, "code_not_found", "no such code"))
        }
        Err(FindError::Store(e)) => Err(e.into()),
    }
}

impl CodeIn {
    fn value(&self, services: Vec<ServiceId>) -> Result<Value, Problem> {
        let sessions = |max: i64| {
            u32::try_from(self.amount)
                .ok()
                .filter(|n| (1..=max).contains(&i64::from(*n)))
                .ok_or_else(|| Problem::invalid(format!("`amount` is 1 to {max} sessions")))
        };
        match (self.kind.as_str(), self.period.as_deref()) {
            ("package", None) => Ok(Value::Package { sessions: sessions(1000)?, services }),
            ("gift", None) if services.is_empty() => {
                if !(1..=100_000_000).contains(&self.amount) {
                    return Err(Problem::invalid("`amount` is 1 to 100000000 minor units"));
                }
                Ok(Value::Gift { amount_minor: self.amount })
            }
            ("subscription", Some(p @ ("week" | "month"))) => Ok(Value::Subscription {
                sessions: sessions(100)?,
                period: if p == "week" { Period::Week } else { Period::Month },
                services,
            }),
            _ => Err(Problem::invalid(
                "`kind` is `package` or `gift` (no `period`; a gift lists no services), or \
                 `subscription` with `period` `week` or `month`",
            )),
        }
    }
}

/// Issues a code (agents and up). The answer holds the code's text: it is not stored and is
/// never shown again.
#[utoipa::path(post, path = "/api/v1/businesses/{business}/codes", tag = "bookings",
    params(("business" = i64, Path, description = "Business id")), request_body = CodeIn,
    security(("api_key" = [])), responses((status = 201, body = CodeOut), Errors))]
pub(crate) async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<CodeIn>,
) -> Result<(StatusCode, Json<CodeOut>), Problem> {
    caller.authorize(BusinessId::new(id), Action::ManageAllBookings)?;
    let b = business(&state, id).await?;
    let mut services = Vec::new();
    for s in &input.services {
        let found = state.store().service(b.id, ServiceId::new(*s)).await?;
        services.push(
            found
                .ok_or_else(|| {
                    Problem::of(Kind::Invalid, "service_not_found", format!("no service {s}"))
                })?
                .id,
        );
    }
    let value = input.value(services)?;
    let customer = match input.customer_id {
        Some(c) => Some(
            state
                .store()
                .customer(b.id, CustomerId::new(c))
                .await?
                .ok_or_else(|| {
                    Problem::of(Kind::Invalid, "customer_not_found", "unknown customer")
                })?
                .id,
        ),
        None => None,
    };
    let note = input.note.trim();
    if note.chars().count() > 200 || note.chars().any(char::is_control) {
        return Err(Problem::invalid("`note` is at most 200 characters"));
    }
    let now = state.engine().ports().clock.now();
    let expires_at =
        input.expires_at.as_deref().map(|t| parse_instant("expires_at", t)).transpose()?;
    if expires_at.is_some_and(|e| e <= now) {
        return Err(Problem::invalid("`expires_at` is in the future"));
    }
    let (code, text) =
        state.codes().issue(b.id, value, customer, note.to_owned(), expires_at).await?;
    let mut out = CodeOut::new(&code, now);
    out.code = Some(text.grouped());
    Ok((StatusCode::CREATED, Json(out)))
}

/// Finds codes by their last four symbols, or a customer's (agents and up).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/codes", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), CodeQuery),
    security(("api_key" = [])), responses((status = 200, body = Vec<CodeOut>), Errors))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<CodeQuery>,
) -> Result<Json<Vec<CodeOut>>, Problem> {
    caller.authorize(BusinessId::new(id), Action::ManageAllBookings)?;
    let b = business(&state, id).await?;
    let tail = q.tail.as_deref().map(booking_core::codes::CodeText::read_tail);
    let found = match (tail, q.customer_id) {
        (Some(Some(tail)), None) => state.store().codes_by_tail(b.id, &tail).await?,
        (None, Some(c)) => state.store().customer_codes(b.id, CustomerId::new(c)).await?,
        _ => return Err(Problem::invalid("give `tail` (the last 4 symbols) or `customer_id`")),
    };
    let now = state.engine().ports().clock.now();
    Ok(Json(found.iter().map(|c| CodeOut::new(c, now)).collect()))
}

/// One code with its uses (agents and up, or the customer it was issued to).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/codes/{code}", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("code" = i64, Path, description = "Code id")),
    security(("api_key" = [])), responses((status = 200, body = CodeOut), Errors))]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, code)): Path<(i64, i64)>,
) -> Result<Json<CodeOut>, Problem> {
    let bid = BusinessId::new(id);
    let staff = caller.may(bid, Action::ManageAllBookings);
    if !staff {
        caller.required()?.member_of(bid)?;
    }
    let b = business(&state, id).await?;
    let found =
        state.store().code(b.id, CodeId::new(code)).await?.ok_or_else(Problem::not_found)?;
    if !staff {
        let own = found.customer.is_some_and(|c| caller.may(bid, Action::ActAsCustomer(c)));
        if !own {
            return Err(if caller.role() == Some(booking_core::booking::Role::Customer) {
                Problem::not_found()
            } else {
                booking_core::access::Denied::Forbidden.into()
            });
        }
    }
    let now = state.engine().ports().clock.now();
    Ok(Json(CodeOut::new(&found, now)))
}

/// Adds to or takes from a code's balance (agents and up); never below zero.
#[utoipa::path(post, path = "/api/v1/businesses/{business}/codes/{code}/adjust", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("code" = i64, Path, description = "Code id")),
    request_body = AdjustIn, security(("api_key" = [])), responses((status = 200, body = CodeOut), Errors))]
pub(crate) async fn adjust(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, code)): Path<(i64, i64)>,
    Body(input): Body<AdjustIn>,
) -> Result<Json<CodeOut>, Problem> {
    caller.authorize(BusinessId::new(id), Action::ManageAllBookings)?;
    let b = business(&state, id).await?;
    if input.delta == 0 || input.delta.unsigned_abs() > 100_000_000 {
        return Err(Problem::invalid("`delta` is a non-zero number up to 100000000 either way"));
    }
    let now = state.engine().ports().clock.now();
    match state.codes().adjust(b.id, CodeId::new(code), input.delta).await {
        Ok(Some(found)) => Ok(Json(CodeOut::new(&found, now))),
        Ok(None) => Err(Problem::not_found()),
        Err(booking_core::store::TxError::Store(e)) => Err(e.into()),
        Err(_) => {
            Err(Problem::of(Kind::Conflict, "code_exhausted", "the balance would go below zero"))
        }
    }
}

/// Revokes a code: it pays for nothing more (agents and up).
#[utoipa::path(post, path = "/api/v1/businesses/{business}/codes/{code}/revoke", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("code" = i64, Path, description = "Code id")),
    security(("api_key" = [])), responses((status = 200, body = CodeOut), Errors))]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, code)): Path<(i64, i64)>,
) -> Result<Json<CodeOut>, Problem> {
    caller.authorize(BusinessId::new(id), Action::ManageAllBookings)?;
    let b = business(&state, id).await?;
    let found =
        state.codes().revoke(b.id, CodeId::new(code)).await?.ok_or_else(Problem::not_found)?;
    Ok(Json(CodeOut::new(&found, state.engine().ports().clock.now())))
}

/// A customer's codes, newest first (agents and up, or the customer themself): what the panel
/// shows.
#[utoipa::path(get, path = "/api/v1/businesses/{business}/customers/{customer}/codes", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("customer" = i64, Path, description = "Customer id")),
    security(("api_key" = [])), responses((status = 200, body = Vec<CodeOut>), Errors))]
pub(crate) async fn of_customer(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, customer)): Path<(i64, i64)>,
) -> Result<Json<Vec<CodeOut>>, Problem> {
    let bid = BusinessId::new(id);
    let c = CustomerId::new(customer);
    if !caller.may(bid, Action::ManageAllBookings) {
        caller.authorize(bid, Action::ActAsCustomer(c))?;
    }
    let b = business(&state, id).await?;
    let found = state.store().customer_codes(b.id, c).await?;
    let now = state.engine().ports().clock.now();
    Ok(Json(found.iter().map(|code| CodeOut::new(code, now)).collect()))
}
