//! §E3 Email templates: the shipped wording, or the business's own (admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::ids::BusinessId;
use booking_core::notify::{EmailTemplate, Trigger};
use booking_core::settings::Locale;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Errors;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Body, Path, Problem};

/// One email in one language, as it is sent.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TemplateOut {
    /// `booking_approved`, `booking_pending`, `booking_canceled`, `booking_rejected`,
    /// `booking_rescheduled`, `booking_reminder`, `booking_video_link`.
    trigger: String,
    /// `fr` or `en`.
    locale: String,
    /// Subject, with `%placeholders%`.
    subject: String,
    /// Plain-text body, with `%placeholders%`.
    text: String,
    /// Whether it is the business's own wording (else the shipped one).
    custom: bool,
}

/// A business's wording.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateIn {
    /// Subject, one line, with `%placeholders%`.
    subject: String,
    /// Plain-text body, with `%placeholders%`.
    text: String,
}

fn path_parts(trigger: &str, locale: &str) -> Result<(Trigger, Locale), Problem> {
    let trigger = Trigger::parse(trigger).ok_or_else(Problem::not_found)?;
    let locale = match locale {
        "fr" => Locale::Fr,
        "en" => Locale::En,
        _ => return Err(Problem::not_found()),
    };
    Ok((trigger, locale))
}

/// Every email in every language, as sent (admin).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/email-templates", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = Vec<TemplateOut>), Errors))]
pub(crate) async fn list_templates(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TemplateOut>>, Problem> {
    let all = state.app().email_templates(&caller.required()?, BusinessId::new(id)).await?;
    let out = all
        .into_iter()
        .map(|(t, custom)| TemplateOut {
            trigger: t.trigger.code().to_owned(),
            locale: t.locale.code().to_owned(),
            subject: t.subject,
            text: t.text,
            custom,
        })
        .collect();
    Ok(Json(out))
}

/// Replaces one email's wording; unknown placeholders are refused and named (admin).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/email-templates/{trigger}/{locale}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("trigger" = String, Path, description = "Which email"), ("locale" = String, Path, description = "fr or en")),
    request_body = TemplateIn, security(("api_key" = [])),
    responses((status = 200, body = TemplateOut), Errors))]
pub(crate) async fn put_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, trigger, locale)): Path<(i64, String, String)>,
    Body(input): Body<TemplateIn>,
) -> Result<Json<TemplateOut>, Problem> {
    let (b, p) = (BusinessId::new(id), caller.required()?);
    let (trigger, locale) = path_parts(&trigger, &locale)?;
    let template =
        EmailTemplate { business: b, trigger, locale, subject: input.subject, text: input.text };
    state.app().save_email_template(&p, template.clone()).await?;
    Ok(Json(TemplateOut {
        trigger: trigger.code().to_owned(),
        locale: locale.code().to_owned(),
        subject: template.subject,
        text: template.text,
        custom: true,
    }))
}

/// Goes back to the shipped wording of one email (admin).
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/email-templates/{trigger}/{locale}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("trigger" = String, Path, description = "Which email"), ("locale" = String, Path, description = "fr or en")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, trigger, locale)): Path<(i64, String, String)>,
) -> Result<StatusCode, Problem> {
    let (b, p) = (BusinessId::new(id), caller.required()?);
    let (trigger, locale) = path_parts(&trigger, &locale)?;
    state.app().reset_email_template(&p, b, trigger, locale).await?;
    Ok(StatusCode::NO_CONTENT)
}
