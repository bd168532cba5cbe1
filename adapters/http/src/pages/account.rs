//! §D1/§D2 Sign-up, email verification, log-in and log-out, password reset, magic links.
//!
//! Sign-up, reset and magic-link requests answer "check your email" whatever the address, and
//! mail in the background; log-in says "wrong email or password" for both; attempts are
//! counted per address and per client, so none of them tells which addresses have accounts.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::accounts::{AccountError, ResetRequested, SignUp, SignedUp};
use booking_core::error::ErrorCode;
use booking_core::notify::AccountMail;
use booking_core::ports::tokens::Secret;
use jiff::SignedDuration;
use serde::Deserialize;

use super::{
    CsrfForm, Ctx, PageForm, Problem, TokenForm, TokenQuery, View, query_value, send_later,
};

/// Log-in attempts per address, and per client, in [`WINDOW`].
const LOGIN_LIMIT: u32 = 10;
const CLIENT_LIMIT: u32 = 60;
/// Emails asked for per address in [`WINDOW`] (reset, magic link, sign-up).
const MAIL_LIMIT: u32 = 5;
const WINDOW: SignedDuration = SignedDuration::from_mins(15);

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage {
    c: View,
    error: Problem,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LogInPage {
    c: View,
    error: Problem,
    password: bool,
    email: String,
}

#[derive(Template)]
#[template(path = "reset_request.html")]
struct ResetRequestPage {
    c: View,
}

#[derive(Template)]
#[template(path = "reset_form.html")]
struct ResetPage {
    c: View,
    error: Problem,
    token: String,
}

fn panel_off(ctx: &Ctx) -> Option<Response> {
    (!ctx.business.settings.panel_enabled)
        .then(|| ctx.message(StatusCode::NOT_FOUND, ctx.t.panel_title, ctx.t.panel_off))
}

fn check_email_page(ctx: &Ctx) -> Response {
    ctx.message(StatusCode::OK, ctx.t.check_your_email, ctx.t.check_your_email_text)
}

fn too_many(ctx: &Ctx) -> Response {
    ctx.message(StatusCode::TOO_MANY_REQUESTS, ctx.t.error_title, ctx.t.too_many_attempts)
}

fn allow(ctx: &Ctx, what: &str, email: &str, limit: u32) -> bool {
    let now = ctx.now();
    let attempts = &ctx.pages().attempts;
    let by_client = attempts.allow(&format!("client:{}", ctx.client), now, CLIENT_LIMIT, WINDOW);
    let by_email =
        attempts.allow(&format!("{what}:{}", email.trim().to_lowercase()), now, limit, WINDOW);
    by_client && by_email
}

fn mail(ctx: &Ctx, kind: AccountMail, to: booking_core::catalog::Email, link: &str) {
    let key = format!("account-{}", ctx.state.app().token(16).expose());
    let message = kind.message(ctx.locale, &ctx.business, to, link, key);
    send_later(ctx.pages().web.mailer.clone(), message);
}

/// The sign-up form.
pub(crate) async fn sign_up_page(ctx: Ctx) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    let page = SignUpPage {
        c: ctx.view(),
        error: Problem::none(),
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        phone: String::new(),
    };
    ctx.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    terms: Option<String>,
}

/// Signs up: a new address gets a verification link, a known one a note to its owner; the
/// visitor reads "check your email" either way.
pub(crate) async fn sign_up(ctx: Ctx, PageForm(form): PageForm<SignUpForm>) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    if !allow(&ctx, "signup", &form.email, MAIL_LIMIT) {
        return too_many(&ctx);
    }
    let input = SignUp {
        email: form.email.clone(),
        password: Secret::new(form.password),
        first_name: form.first_name.chars().take(200).collect(),
        last_name: form.last_name.chars().take(200).collect(),
        phone: Some(form.phone.chars().take(40).collect()),
        accepted_terms: form.terms.is_some(),
    };
    match ctx.pages().accounts.sign_up(ctx.business.id, input).await {
        Ok(SignedUp::Created { account, token }) => {
            let link = ctx.url(&format!("/verify?token={}", query_value(token.expose())));
            mail(&ctx, AccountMail::Verify, account.email, &link);
            check_email_page(&ctx)
        }
        Ok(SignedUp::AlreadyExists { account }) => {
            mail(&ctx, AccountMail::AlreadyRegistered, account.email, &ctx.url("/reset"));
            check_email_page(&ctx)
        }
        Err(
            e @ (AccountError::InvalidEmail
            | AccountError::WeakPassword
            | AccountError::TermsNotAccepted),
        ) => {
            let page = SignUpPage {
                c: ctx.view(),
                error: Problem::at(
                    match e {
                        AccountError::InvalidEmail => "email",
                        AccountError::WeakPassword => "password",
                        _ => "terms",
                    },
                    ctx.t.reason(e.code()),
                ),
                first_name: form.first_name,
                last_name: form.last_name,
                email: form.email,
                phone: form.phone,
            };
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => failed(&ctx, &e),
    }
}

fn failed(ctx: &Ctx, e: &AccountError) -> Response {
    match e {
        AccountError::NotOffered => {
            ctx.message(StatusCode::NOT_FOUND, ctx.t.panel_title, ctx.t.panel_off)
        }
        AccountError::InvalidToken => {
            ctx.message(StatusCode::GONE, ctx.t.error_title, ctx.t.link_invalid)
        }
        _ => {
            tracing::warn!(error = %e, "an account action failed");
            ctx.message(StatusCode::SERVICE_UNAVAILABLE, ctx.t.error_title, ctx.t.reason_other)
        }
    }
}

/// The log-in form: email and password, or "email me a link" when the business does not
/// require passwords (§D2).
pub(crate) async fn log_in_page(ctx: Ctx) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    if ctx.session.is_some() {
        return ctx.redirect(&ctx.path("/panel"));
    }
    let page = LogInPage {
        c: ctx.view(),
        error: Problem::none(),
        password: ctx.business.settings.require_password,
        email: String::new(),
    };
    ctx.render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct LogInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Logs in and opens the panel.
pub(crate) async fn log_in(mut ctx: Ctx, PageForm(form): PageForm<LogInForm>) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let refuse = |ctx: &Ctx, status, error: Problem| {
        let page = LogInPage { c: ctx.view(), error, password: true, email: form.email.clone() };
        ctx.render(status, &page)
    };
    if !allow(&ctx, "login", &form.email, LOGIN_LIMIT) {
        return refuse(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            Problem::general(ctx.t.too_many_attempts),
        );
    }
    let password = Secret::new(form.password.clone());
    match ctx.pages().accounts.log_in(ctx.business.id, &form.email, &password).await {
        Ok(opened) => {
            ctx.open_session(opened.token.expose(), opened.session.expires_at);
            ctx.redirect(&ctx.path("/panel"))
        }
        Err(AccountError::InvalidCredentials | AccountError::InvalidEmail) => {
            refuse(&ctx, StatusCode::UNAUTHORIZED, Problem::at("email", ctx.t.wrong_credentials))
        }
        Err(AccountError::NotVerified) => {
            // Only the owner of the password gets here: sending the link again tells nothing.
            if let Ok(Some((email, token))) =
                ctx.pages().accounts.verification_for_email(&form.email).await
            {
                let link = ctx.url(&format!("/verify?token={}", query_value(token.expose())));
                mail(&ctx, AccountMail::Verify, email, &link);
            }
            refuse(&ctx, StatusCode::FORBIDDEN, Problem::general(ctx.t.not_verified))
        }
        Err(e) => failed(&ctx, &e),
    }
}

/// Ends the panel session.
pub(crate) async fn log_out(mut ctx: Ctx, PageForm(form): PageForm<CsrfForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    if let Some(token) = ctx.session_token().map(str::to_owned) {
        let _ = ctx.pages().accounts.log_out(&token).await;
    }
    ctx.close_session();
    ctx.session = None;
    ctx.redirect(&ctx.path(""))
}

/// The page behind a verification link: a button, nothing done yet (§D2: a GET never acts).
pub(crate) async fn verify_page(ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    match ctx.pages().accounts.verification_is_live(&Secret::new(q.token.clone())).await {
        Ok(true) => ctx.button(
            ctx.t.verify_title,
            ctx.t.verify_text,
            ctx.path("/verify"),
            ctx.t.verify_button,
            vec![("token", q.token)],
        ),
        Ok(false) => failed(&ctx, &AccountError::InvalidToken),
        Err(e) => failed(&ctx, &e.into()),
    }
}

/// Proves the address (single use) and attaches the guest bookings made with it (§D4).
pub(crate) async fn verify(ctx: Ctx, PageForm(form): PageForm<TokenForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    match ctx.pages().accounts.verify_email(&Secret::new(form.token)).await {
        Ok(_) => ctx.linked(ctx.t.verify_title, ctx.t.verified, ctx.path("/login"), ctx.t.log_in),
        Err(e) => failed(&ctx, &e),
    }
}

/// The form asking for a reset link.
pub(crate) async fn reset_request_page(ctx: Ctx) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    ctx.render(StatusCode::OK, &ResetRequestPage { c: ctx.view() })
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Mails a reset link to a known address; says the same for any address.
pub(crate) async fn reset_request(ctx: Ctx, PageForm(form): PageForm<EmailForm>) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    if !allow(&ctx, "mail", &form.email, MAIL_LIMIT) {
        return too_many(&ctx);
    }
    match ctx.pages().accounts.request_reset(&form.email).await {
        Ok(ResetRequested::Mail { account, token }) => {
            let link = ctx.url(&format!("/reset/new?token={}", query_value(token.expose())));
            mail(&ctx, AccountMail::Reset, account.email, &link);
            check_email_page(&ctx)
        }
        Ok(ResetRequested::Unknown) => check_email_page(&ctx),
        Err(e) => failed(&ctx, &e),
    }
}

/// The new-password form behind a reset link (or why the link is dead).
pub(crate) async fn reset_page(ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    match ctx.pages().accounts.reset_is_live(&Secret::new(q.token.clone())).await {
        Ok(true) => ctx.render(
            StatusCode::OK,
            &ResetPage { c: ctx.view(), error: Problem::none(), token: q.token },
        ),
        Ok(false) => failed(&ctx, &AccountError::InvalidToken),
        Err(e) => failed(&ctx, &e.into()),
    }
}

/// Sets the new password (single use); every session of the account ends.
pub(crate) async fn reset(ctx: Ctx, PageForm(form): PageForm<TokenForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    let token = Secret::new(form.token.clone());
    match ctx.pages().accounts.reset_password(&token, &Secret::new(form.password)).await {
        Ok(_) => {
            ctx.linked(ctx.t.reset_title, ctx.t.password_changed, ctx.path("/login"), ctx.t.log_in)
        }
        Err(AccountError::WeakPassword) => {
            let error = Problem::at("password", ctx.t.weak_password);
            let page = ResetPage { c: ctx.view(), error, token: form.token };
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => failed(&ctx, &e),
    }
}

/// The page behind a magic link: a button, nothing done yet (§D2).
pub(crate) async fn magic_page(ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    match ctx
        .pages()
        .accounts
        .magic_link_is_live(ctx.business.id, &Secret::new(q.token.clone()))
        .await
    {
        Ok(true) => ctx.button(
            ctx.t.magic_title,
            ctx.t.magic_text,
            ctx.path("/magic"),
            ctx.t.magic_button,
            vec![("token", q.token)],
        ),
        Ok(false) => failed(&ctx, &AccountError::InvalidToken),
        Err(e) => failed(&ctx, &e.into()),
    }
}

/// Opens the panel with a magic link (single use), then goes to the panel (the business's
/// own page when it embeds it).
pub(crate) async fn magic(mut ctx: Ctx, PageForm(form): PageForm<TokenForm>) -> Response {
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    match ctx.pages().accounts.redeem_magic_link(ctx.business.id, &Secret::new(form.token)).await {
        Ok(opened) => {
            ctx.open_session(opened.token.expose(), opened.session.expires_at);
            let to = ctx.business.settings.panel_url.clone().unwrap_or_else(|| ctx.path("/panel"));
            ctx.redirect(&to)
        }
        Err(e) => failed(&ctx, &e),
    }
}

/// "Email me a link" (businesses without passwords): mails a magic link to a known customer;
/// says the same for any address.
pub(crate) async fn magic_request(ctx: Ctx, PageForm(form): PageForm<EmailForm>) -> Response {
    if let Some(off) = panel_off(&ctx) {
        return off;
    }
    if let Err(refused) = ctx.check_csrf(&form.csrf) {
        return refused;
    }
    if ctx.business.settings.require_password {
        return failed(&ctx, &AccountError::NotOffered);
    }
    if !allow(&ctx, "mail", &form.email, MAIL_LIMIT) {
        return too_many(&ctx);
    }
    match ctx.pages().accounts.request_magic_link(ctx.business.id, &form.email).await {
        Ok(Some((customer, token))) => {
            if let Some(to) = customer.contact.email {
                let link = ctx.url(&format!("/magic?token={}", query_value(token.expose())));
                mail(&ctx, AccountMail::MagicLink, to, &link);
            }
            check_email_page(&ctx)
        }
        Ok(None) => check_email_page(&ctx),
        Err(e) => failed(&ctx, &e),
    }
}
