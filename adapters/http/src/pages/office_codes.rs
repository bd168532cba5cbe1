//! §I3 in the back office: `/b/{id}/office/codes`, for agents and up. Issue a package, gift
//! certificate or subscription (its text shown once, on the page that issued it), find codes
//! by the last four symbols a customer reads out, see each one's balance and uses, adjust it
//! or revoke it. The same checks as the API (`routes::codes`).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::access::Principal;
use booking_core::app::access::{UseCase, permits};
use booking_core::app::codes::{
    CodeKind, CodeSearch, CodesError, Holder, IssueCode, MAX_NOTE_CHARS,
};
use booking_core::codes::{CodeText, Period, StoredCode, Value};
use booking_core::error::{ErrorCode, Kind};
use booking_core::ids::CodeId;
use serde::Deserialize;

use super::book::unavailable;
use super::office::staff;
use super::{CodeSummary, Ctx, PageForm, Problem, View};

/// A code as the page lists it.
struct CodeView {
    id: i64,
    summary: CodeSummary,
    revoked: bool,
    /// Uses not given back.
    uses: usize,
}

#[derive(Template)]
#[template(path = "office_codes.html")]
struct CodesPage {
    c: View,
    notice: Option<&'static str>,
    /// The notice reports a refused change.
    failed: bool,
    /// What was wrong with the issue form, sent back with what was typed.
    error: Problem,
    typed: IssueForm,
    /// The text of the code just issued: shown this once.
    issued: Option<String>,
    tail: String,
    found: Vec<CodeView>,
}

#[derive(Deserialize)]
pub(crate) struct CodesQuery {
    #[serde(default)]
    tail: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

fn view_of(ctx: &Ctx, c: &StoredCode) -> CodeView {
    CodeView {
        id: c.id.get(),
        summary: CodeSummary::of(ctx, c),
        revoked: c.ledger.revoked,
        uses: c.ledger.uses.iter().filter(|u| !u.refunded).count(),
    }
}

/// An amount of money typed in currency units (`25`, `25,5`, `-10.50`), in minor units:
/// exact, at most two decimals, at most a million either way.
fn minor_units(typed: &str) -> Option<i64> {
    let typed = typed.trim().replace(',', ".");
    let (negative, digits) = match typed.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, typed.strip_prefix('+').unwrap_or(&typed).to_owned()),
    };
    let (units, cents) = digits.split_once('.').unwrap_or((&digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty()
        || units.len() > 7
        || cents.len() > 2
        || !all_digits(units)
        || !all_digits(cents)
    {
        return None;
    }
    let cents = format!("{cents:0<2}").parse::<i64>().ok()?;
    let minor = units.parse::<i64>().ok()? * 100 + cents;
    (minor <= 100_000_000).then_some(if negative { -minor } else { minor })
}

/// Agents and up.
async fn agent(ctx: &Ctx) -> Result<Principal, Response> {
    let principal = staff(ctx).await?;
    if permits(&principal, ctx.business.id, UseCase::ManageCodes) {
        Ok(principal)
    } else {
        Err(ctx.message(StatusCode::FORBIDDEN, ctx.t.error_title, ctx.t.reason_other))
    }
}

fn notice(ctx: &Ctx, code: Option<&str>) -> Option<&'static str> {
    match code? {
        "saved" => Some(ctx.t.changes_saved),
        "invalid" => Some(ctx.t.codes_invalid),
        "exhausted" => Some(ctx.t.code_exhausted),
        _ => None,
    }
}

/// The issue form as sent, and what was wrong with it.
struct Refused {
    typed: IssueForm,
    error: Problem,
}

async fn render(
    ctx: &Ctx,
    principal: &Principal,
    status: StatusCode,
    tail: Option<&str>,
    done: Option<&str>,
    issued: Option<String>,
    refused: Option<Refused>,
) -> Response {
    let tail = tail.and_then(CodeText::read_tail);
    let found = match &tail {
        Some(t) => {
            let search = CodeSearch { tail: Some(t.clone()), customer: None };
            match ctx.state.app().find_codes(principal, ctx.business.id, &search).await {
                Ok(found) => found.iter().map(|c| view_of(ctx, c)).collect(),
                Err(_) => return unavailable(ctx),
            }
        }
        None => Vec::new(),
    };
    let Refused { typed, error } =
        refused.unwrap_or(Refused { typed: IssueForm::default(), error: Problem::none() });
    let page = CodesPage {
        c: View { panel: false, ..ctx.view() },
        notice: notice(ctx, done),
        failed: matches!(done, Some("invalid" | "exhausted")),
        error,
        typed,
        issued,
        tail: tail.unwrap_or_default(),
        found,
    };
    ctx.render(status, &page)
}

/// `GET /b/{id}/office/codes`: the issue form, and the codes ending with `tail`.
pub(crate) async fn page(ctx: Ctx, Query(q): Query<CodesQuery>) -> Response {
    let principal = match agent(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let status = match q.done.as_deref() {
        Some("invalid" | "exhausted") => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    render(&ctx, &principal, status, q.tail.as_deref(), q.done.as_deref(), None, None).await
}

#[derive(Deserialize, Default)]
pub(crate) struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    customer_email: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    expires_on: String,
}

/// `POST /b/{id}/office/codes`: issues a code and shows its text once. Gifts are typed in
/// currency units (`25` or `25,50`), sessions as a count; an email names the customer whose
/// panel lists it.
pub(crate) async fn issue(ctx: Ctx, PageForm(form): PageForm<IssueForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let principal = match agent(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = ctx.t;
    let kind = match form.kind.as_str() {
        "package" => Some(CodeKind::Package),
        "week" => Some(CodeKind::Subscription(Period::Week)),
        "month" => Some(CodeKind::Subscription(Period::Month)),
        "gift" => Some(CodeKind::Gift),
        _ => None,
    };
    let amount = match kind {
        Some(CodeKind::Gift) => minor_units(&form.amount),
        _ => form.amount.trim().parse::<i64>().ok(),
    };
    let expires_at = match form.expires_on.trim() {
        "" => Ok(None),
        day => day
            .parse::<jiff::civil::Date>()
            .map(|d| d.tomorrow().ok().map(|next| ctx.business.zone.start_of_day(next))),
    };
    let holder = match form.customer_email.trim() {
        "" => None,
        email => Some(Holder::Email(email.to_owned())),
    };
    let note: String =
        form.note.trim().chars().filter(|c| !c.is_control()).take(MAX_NOTE_CHARS).collect();
    let problem = match (kind, amount, &expires_at) {
        (None, _, _) => Problem::at("kind", t.codes_invalid),
        (_, None, _) => Problem::at("amount", t.codes_amount_invalid),
        (_, _, Err(_)) => Problem::at("expires-on", t.codes_date_invalid),
        _ => Problem::none(),
    };
    let (Some(kind), Some(amount), Ok(expires_at), false) =
        (kind, amount, expires_at, problem.shown())
    else {
        return refuse(&ctx, &principal, form, problem).await;
    };
    let command = IssueCode { kind, amount, services: Vec::new(), holder, note, expires_at };
    match ctx.state.app().issue_code(&principal, ctx.business.id, command).await {
        Ok((code, text)) => {
            let tail = code.tail.clone();
            let issued = Some(text.grouped());
            let status = StatusCode::CREATED;
            render(&ctx, &principal, status, Some(&tail), Some("saved"), issued, None).await
        }
        Err(e) if e.kind() == Kind::Invalid => {
            let problem = match e {
                CodesError::Sessions(_) | CodesError::Money => {
                    Problem::at("amount", t.codes_amount_invalid)
                }
                CodesError::CustomerNotFound => {
                    Problem::at("customer-email", t.codes_customer_unknown)
                }
                CodesError::Note => Problem::at("note", t.codes_note_invalid),
                CodesError::ExpiresInPast => Problem::at("expires-on", t.codes_date_invalid),
                _ => Problem::general(t.codes_invalid),
            };
            refuse(&ctx, &principal, form, problem).await
        }
        Err(_) => unavailable(&ctx),
    }
}

/// The codes page again with the issue form as typed and what was wrong with it.
async fn refuse(ctx: &Ctx, principal: &Principal, typed: IssueForm, error: Problem) -> Response {
    let refused = Some(Refused { typed, error });
    render(ctx, principal, StatusCode::UNPROCESSABLE_ENTITY, None, None, None, refused).await
}

#[derive(Deserialize)]
pub(crate) struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    delta: String,
    revoke: Option<String>,
    /// `yes` once the revocation was confirmed.
    #[serde(default)]
    confirmed: String,
}

/// `POST /b/{id}/office/codes/change`: adjusts a code's balance (never below zero) or revokes
/// it.
pub(crate) async fn change(ctx: Ctx, PageForm(form): PageForm<ChangeForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let principal = match agent(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (app, business) = (ctx.state.app(), ctx.business.id);
    let Ok(id) = form.code.trim().parse::<i64>().map(CodeId::new) else {
        return ctx.redirect(&ctx.path("/office/codes?done=invalid"));
    };
    let found = match app.code(&principal, business, id).await {
        Ok(c) => c,
        Err(CodesError::NotFound) => return ctx.redirect(&ctx.path("/office/codes?done=invalid")),
        Err(_) => return unavailable(&ctx),
    };
    let back = |done: &str| {
        ctx.redirect(&ctx.path(&format!("/office/codes?tail={}&done={done}", found.tail)))
    };
    if form.revoke.is_some() && form.confirmed != "yes" {
        return ctx.confirm(super::Confirm {
            title: ctx.t.codes_revoke,
            text: ctx.t.codes_revoke_question,
            detail: format!("…{}", found.tail),
            to: ctx.path("/office/codes/change"),
            fields: vec![("code", form.code.clone()), ("revoke", "1".to_owned())],
            yes: ctx.t.codes_revoke,
            back: ctx.path(&format!("/office/codes?tail={}", found.tail)),
            no: ctx.t.keep_it,
        });
    }
    if form.revoke.is_some() {
        return match app.revoke_code(&principal, business, id).await {
            Ok(_) => back("saved"),
            Err(_) => unavailable(&ctx),
        };
    }
    let money = matches!(found.ledger.value, Value::Gift { .. });
    let delta = if money {
        minor_units(&form.delta)
    } else {
        form.delta.trim().trim_start_matches('+').parse::<i64>().ok()
    };
    let Some(delta) = delta else { return back("invalid") };
    match app.adjust_code(&principal, business, id, delta).await {
        Ok(_) => back("saved"),
        Err(CodesError::Exhausted) => back("exhausted"),
        Err(e) if e.kind() == Kind::Invalid => back("invalid"),
        Err(_) => unavailable(&ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::minor_units;

    #[test]
    fn money_is_read_exactly() {
        assert_eq!(minor_units("25,50"), Some(2550));
        assert_eq!(minor_units(" 25 "), Some(2500));
        assert_eq!(minor_units("0.1"), Some(10));
        assert_eq!(minor_units("-10.5"), Some(-1050));
        assert_eq!(minor_units("+3"), Some(300));
        assert_eq!(minor_units("1000000"), Some(100_000_000));
        for bad in ["", "-", "1.234", "1e3", "abc", ",5", "1000001", "2.5.1"] {
            assert_eq!(minor_units(bad), None, "{bad}");
        }
    }
}
