//! §I Codes: staff issue, find, inspect, adjust and revoke packages, gift certificates and
//! subscriptions; customers list their own. A code's text is shown once, when issued.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::app::codes::{CodeKind, CodeSearch, Holder, IssueCode};
use booking_core::codes::{FindError, Period, StoredCode};
use booking_core::error::Kind;
use booking_core::ids::{BusinessId, CodeId, CustomerId, ServiceId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Errors;
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
    fn command(&self) -> Result<IssueCode, Problem> {
        let shape = || {
            Problem::invalid(
                "`kind` is `package` or `gift` (no `period`; a gift lists no services), or \
                 `subscription` with `period` `week` or `month`",
            )
        };
        let kind = match (self.kind.as_str(), self.period.as_deref()) {
            ("package", None) => CodeKind::Package,
            ("gift", None) if self.services.is_empty() => CodeKind::Gift,
            ("subscription", Some("week")) => CodeKind::Subscription(Period::Week),
            ("subscription", Some("month")) => CodeKind::Subscription(Period::Month),
            _ => return Err(shape()),
        };
        let expires_at =
            self.expires_at.as_deref().map(|t| parse_instant("expires_at", t)).transpose()?;
        Ok(IssueCode {
            kind,
            amount: self.amount,
            services: self.services.iter().map(|s| ServiceId::new(*s)).collect(),
            holder: self.customer_id.map(|c| Holder::Customer(CustomerId::new(c))),
            note: self.note.clone(),
            expires_at,
        })
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
    let principal = caller.required()?;
    let command = input.command()?;
    let (code, text) = state.app().issue_code(&principal, BusinessId::new(id), command).await?;
    let mut out = CodeOut::new(&code, state.app().now());
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
    let search = CodeSearch { tail: q.tail, customer: q.customer_id.map(CustomerId::new) };
    let found = state.app().find_codes(&caller.required()?, BusinessId::new(id), &search).await?;
    let now = state.app().now();
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
    let found =
        state.app().code(&caller.required()?, BusinessId::new(id), CodeId::new(code)).await?;
    let now = state.app().now();
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
    let found = state
        .app()
        .adjust_code(&caller.required()?, BusinessId::new(id), CodeId::new(code), input.delta)
        .await?;
    Ok(Json(CodeOut::new(&found, state.app().now())))
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
    let found = state
        .app()
        .revoke_code(&caller.required()?, BusinessId::new(id), CodeId::new(code))
        .await?;
    Ok(Json(CodeOut::new(&found, state.app().now())))
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
    let found = state
        .app()
        .customer_codes(&caller.required()?, BusinessId::new(id), CustomerId::new(customer))
        .await?;
    let now = state.app().now();
    Ok(Json(found.iter().map(|code| CodeOut::new(code, now)).collect()))
}
