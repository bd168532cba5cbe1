//! §F back office: staff sign in with an API key of the business (their role is the key's:
//! admin, manager, agent, staff) and see the agendas they work on — a staff member their own,
//! agents and managers every agenda of the business (§F3).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::access::Principal;
use booking_core::booking::Role;
use serde::Deserialize;

use super::book::unavailable;
use super::{Ctx, PageForm, View};

#[derive(Template)]
#[template(path = "office_login.html")]
struct LogInPage {
    c: View,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "office.html")]
struct HomePage {
    c: View,
    role: &'static str,
    /// (name, slug, back-office booking enabled)
    agendas: Vec<(String, String, bool)>,
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
    let Ok(all) = ctx.state.store().agendas(ctx.business.id).await else {
        return unavailable(&ctx);
    };
    let agendas = all
        .into_iter()
        .filter(|a| match principal.role {
            Role::Staff => {
                principal.subject.is_some_and(|me| a.resources.iter().any(|r| r.get() == me))
            }
            _ => true,
        })
        .map(|a| (a.name, a.slug, a.backoffice_booking))
        .collect();
    let page = HomePage { c: ctx.view(), role: ctx.t.role(principal.role), agendas };
    ctx.render(StatusCode::OK, &page)
}

/// The sign-in form.
pub(crate) async fn log_in_page(ctx: Ctx) -> Response {
    ctx.render(StatusCode::OK, &LogInPage { c: ctx.view(), error: None })
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
        let page = LogInPage { c: ctx.view(), error: Some(ctx.t.too_many_attempts) };
        return ctx.render(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    match ctx.pages().accounts.staff_log_in(ctx.business.id, &form.key).await {
        Ok((token, _)) => {
            ctx.staff_cookie(Some(token.expose()));
            ctx.redirect(&ctx.path("/office"))
        }
        Err(booking_core::accounts::AccountError::InvalidCredentials) => {
            let page = LogInPage { c: ctx.view(), error: Some(ctx.t.wrong_key) };
            ctx.render(StatusCode::UNAUTHORIZED, &page)
        }
        Err(_) => unavailable(&ctx),
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
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
