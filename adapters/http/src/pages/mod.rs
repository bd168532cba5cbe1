//! Server-rendered pages for customers (§D): the public booking page, sign-up, log-in,
//! verification, password reset, magic links, the customer panel and the cancel links of
//! emails. HTML from askama templates, usable on a phone and without JavaScript, in French and
//! English.
//!
//! Security rules every page follows:
//! - every POST carries a form token: HMAC-SHA256 (server secret) of the visitor's form cookie
//!   (`bk_form`, random, `HttpOnly`, `SameSite=Lax`); a POST without the right one is refused
//!   with 403 (CSRF);
//! - a GET never changes anything: links from emails (verification, magic link, cancel) show a
//!   page with a button, and the POST behind the button acts (§D2);
//! - session cookies are `HttpOnly`, `SameSite=Lax`, `Secure` when the public URL is https,
//!   scoped to the business's path (`/b/<id>`); tokens travel in query strings, which the
//!   access log does not record, and `Referrer-Policy: no-referrer` keeps them from leaking;
//! - pages may be framed only by the origins of the business's `frame_ancestors` setting.

// A page handler's early answer is a whole `Response`; boxing it everywhere buys nothing.
#![allow(clippy::result_large_err, reason = "the Err of a page helper is the page to answer")]

mod account;
mod book;
mod office;
mod office_calendar;
mod office_codes;
mod office_video;
mod panel;
pub(crate) mod texts;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{HeaderValue, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use booking_core::accounts::PanelSession;
use booking_core::app::catalog::CatalogError;
use booking_core::catalog::Business;
use booking_core::holds::LockCode;
use booking_core::ids::BusinessId;
use booking_core::ports::mail::Mailer;
use booking_core::ports::mail::Message;
use booking_core::ports::passwords::PasswordHasher;
use booking_core::services::accounts::Accounts;
use booking_core::settings::Locale;
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use sha2::Sha256;

use crate::AppState;
use texts::Texts;

/// What the pages need beyond the engine: where they are served from (for links in emails),
/// the key of form tokens, and the ports of accounts.
#[derive(Clone)]
pub struct Web {
    /// The public base URL (`https://booking.example.org`), without a trailing slash.
    pub public_url: String,
    /// Key of the form tokens and of the lock codes bound to form sessions. Keep it stable
    /// across restarts (a new key expires the forms open at the time, nothing else).
    pub secret: [u8; 32],
    /// Sends account emails (verification, reset, magic links).
    pub mailer: Arc<dyn Mailer>,
    /// Hashes passwords (argon2id).
    pub hasher: Arc<dyn PasswordHasher>,
    /// Behind a reverse proxy: the client is the last address of `X-Forwarded-For` (what the
    /// proxy appended), not the connection's peer — attempt limits count per real client.
    pub trusted_proxy: bool,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Web").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

/// Attempts per key in a window, to slow password guessing and mail bombing.
#[derive(Default)]
pub(crate) struct Attempts(Mutex<HashMap<String, (Timestamp, u32)>>);

impl Attempts {
    /// Counts one attempt for `key`; `false` once `limit` attempts were made in `window`.
    pub(crate) fn allow(
        &self,
        key: &str,
        now: Timestamp,
        limit: u32,
        window: SignedDuration,
    ) -> bool {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= limit
    }
}

/// The pages' share of the state.
pub(crate) struct PagesState {
    pub(crate) web: Web,
    pub(crate) accounts: Accounts,
    pub(crate) attempts: Attempts,
}

impl PagesState {
    pub(crate) fn new(web: Web, ports: &booking_core::Ports) -> Self {
        let accounts = Accounts::new(
            ports.store.clone(),
            ports.clock.clone(),
            ports.tokens.clone(),
            web.hasher.clone(),
        );
        Self { web, accounts, attempts: Attempts::default() }
    }
}

/// The page routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/b/{business}", get(book::services))
        .route("/b/{business}/book", get(book::week))
        .route("/b/{business}/accessibility", get(book::accessibility))
        .route("/b/{business}/book/hold", post(book::hold))
        .route("/b/{business}/book/details", get(book::details))
        .route("/b/{business}/book/confirm", post(book::confirm))
        .route("/b/{business}/book/done", get(book::done))
        .route("/b/{business}/book/done.ics", get(book::done_calendar))
        .route("/b/{business}/signup", get(account::sign_up_page).post(account::sign_up))
        .route("/b/{business}/login", get(account::log_in_page).post(account::log_in))
        .route("/b/{business}/logout", post(account::log_out))
        .route("/b/{business}/verify", get(account::verify_page).post(account::verify))
        .route("/b/{business}/reset", get(account::reset_request_page).post(account::reset_request))
        .route("/b/{business}/reset/new", get(account::reset_page).post(account::reset))
        .route("/b/{business}/magic", get(account::magic_page).post(account::magic))
        .route("/b/{business}/magic/request", post(account::magic_request))
        .route("/b/{business}/cancel", get(panel::cancel_link_page).post(panel::cancel_link))
        .route("/b/{business}/office", get(office::home))
        .route("/b/{business}/office/login", get(office::log_in_page).post(office::log_in))
        .route("/b/{business}/office/logout", post(office::log_out))
        .route("/b/{business}/office/office.js", get(office::script))
        .route("/b/{business}/office/agendas/{agenda}", get(office::calendar))
        .route("/b/{business}/office/agendas/{agenda}/new", get(office::new_page))
        .route("/b/{business}/office/agendas/{agenda}/hold", post(office::hold))
        .route("/b/{business}/office/agendas/{agenda}/form", get(office::form))
        .route("/b/{business}/office/agendas/{agenda}/confirm", post(office::confirm))
        .route("/b/{business}/office/agendas/{agenda}/release", post(office::release))
        .route("/b/{business}/office/profile", get(office_calendar::profile))
        .route("/b/{business}/office/calendar/{provider}/connect", post(office_calendar::connect))
        .route("/b/{business}/office/calendar/{provider}/callback", get(office_calendar::callback))
        .route("/b/{business}/office/calendar/disconnect", post(office_calendar::disconnect))
        .route("/b/{business}/office/calendar/sync", post(office_calendar::sync_now))
        .route(
            "/b/{business}/office/integrations",
            get(office_calendar::integrations_page).post(office_calendar::save_integration),
        )
        .route("/b/{business}/office/integrations/options", post(office_calendar::save_options))
        .route("/b/{business}/office/video", get(office_video::page))
        .route("/b/{business}/office/video/account", post(office_video::save_account))
        .route("/b/{business}/office/video/account/remove", post(office_video::remove_account))
        .route("/b/{business}/office/video/privacy", post(office_video::save_privacy))
        .route("/b/{business}/office/video/course", post(office_video::save_course))
        .route("/b/{business}/office/video/occasion", post(office_video::save_occasion))
        .route("/b/{business}/office/codes", get(office_codes::page).post(office_codes::issue))
        .route("/b/{business}/office/codes/change", post(office_codes::change))
        .route("/b/{business}/panel", get(panel::panel))
        .route("/b/{business}/panel/bookings/{booking}/cancel", post(panel::cancel))
        .route(
            "/b/{business}/panel/bookings/{booking}/reschedule",
            get(panel::reschedule_page).post(panel::reschedule),
        )
        .route("/b/{business}/panel/profile", get(panel::profile_page).post(panel::profile))
        .route("/b/{business}/panel/delete", get(panel::delete_page).post(panel::delete))
        .route(
            "/b/{business}/panel/account/delete",
            get(panel::delete_account_page).post(panel::delete_account),
        )
}

type HmacSha256 = Hmac<Sha256>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn keyed(secret: &[u8; 32], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac =
        HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!("any key size"));
    for p in parts {
        mac.update(p);
        mac.update(b"\0");
    }
    mac.finalize().into_bytes().to_vec()
}

/// Whether two secrets (form tokens, MACs) are equal, in time independent of where they differ.
pub(crate) fn same_secret(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Reads one cookie.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

const FORM_COOKIE: &str = "bk_form";
const LANG_COOKIE: &str = "bk_lang";

/// One request to a page of a business: who is asking, in which language, with which form
/// session and panel session.
pub(crate) struct Ctx {
    pub(crate) state: AppState,
    pub(crate) business: Business,
    pub(crate) t: &'static Texts,
    pub(crate) locale: Locale,
    form_id: String,
    new_form: bool,
    set_lang: Option<Locale>,
    pub(crate) session: Option<PanelSession>,
    session_token: Option<String>,
    staff_token: Option<String>,
    /// The nonce of an OAuth flow this browser started (`bk_oauth<id>` cookie).
    oauth_nonce: Option<String>,
    pub(crate) client: String,
    query: String,
    cookies_out: Vec<String>,
}

impl Ctx {
    pub(crate) fn pages(&self) -> &PagesState {
        self.state.pages()
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.state.app().now()
    }

    /// The signed-in customer as a caller, or `None` for a guest.
    pub(crate) fn caller(&self) -> Option<booking_core::access::Principal> {
        self.session.map(|s| s.principal())
    }

    /// `/b/<id>` and what follows.
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("/b/{}{rest}", self.business.id)
    }

    /// The absolute URL of a page, for emails.
    pub(crate) fn url(&self, rest: &str) -> String {
        format!("{}{}", self.pages().web.public_url, self.path(rest))
    }

    /// The token the forms of this page carry.
    pub(crate) fn csrf(&self) -> String {
        hex(&keyed(&self.pages().web.secret, &[b"csrf", self.form_id.as_bytes()]))
    }

    /// Refuses a POST whose form token is not this visitor's.
    pub(crate) fn check_csrf(&self, token: &str) -> Result<(), Response> {
        if !self.new_form && same_secret(&self.csrf(), token) {
            Ok(())
        } else {
            Err(self.message(StatusCode::FORBIDDEN, self.t.error_title, self.t.form_expired))
        }
    }

    /// The lock code of this visitor's form session in this business: holds made while they
    /// fill the form belong to it, and choosing another slot moves the hold (§A4).
    pub(crate) fn lock_code(&self) -> LockCode {
        self.lock_code_for("book")
    }

    /// The lock code of this form session for one kind of form (`book`, `office`): a customer
    /// page and a back-office page open in the same browser hold apart.
    pub(crate) fn lock_code_for(&self, form: &str) -> LockCode {
        let digest = keyed(
            &self.pages().web.secret,
            &[
                b"lock",
                form.as_bytes(),
                self.business.id.to_string().as_bytes(),
                self.form_id.as_bytes(),
            ],
        );
        LockCode::parse(&format!("web-{}", hex(&digest)))
            .unwrap_or_else(|_| unreachable!("hex is a valid lock code"))
    }

    /// Keyed proof that this form session made `what` (a booking id shown after a redirect).
    pub(crate) fn sign(&self, what: &str) -> String {
        hex(&keyed(&self.pages().web.secret, &[b"sign", self.form_id.as_bytes(), what.as_bytes()]))
            [..32]
            .to_owned()
    }

    fn secure(&self) -> &'static str {
        if self.pages().web.public_url.starts_with("https://") { "; Secure" } else { "" }
    }

    /// Sets the panel session cookie.
    pub(crate) fn open_session(&mut self, token: &str, expires_at: Timestamp) {
        let max_age = expires_at.duration_since(self.now()).as_secs().max(0);
        let cookie = format!(
            "bk_s{}={token}; Path=/b/{}; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            self.business.id,
            self.business.id,
            self.secure()
        );
        self.cookies_out.push(cookie);
    }

    /// Clears the panel session cookie.
    pub(crate) fn close_session(&mut self) {
        let cookie = format!(
            "bk_s{}=; Path=/b/{}; Max-Age=0; HttpOnly; SameSite=Lax{}",
            self.business.id,
            self.business.id,
            self.secure()
        );
        self.cookies_out.push(cookie);
    }

    pub(crate) fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// The back-office session cookie's value, if sent.
    pub(crate) fn staff_token(&self) -> Option<&str> {
        self.staff_token.as_deref()
    }

    /// Sets (`Some`) or clears (`None`) the back-office session cookie: scoped to the business's
    /// `/office` pages, `SameSite=Strict` (no cross-site request carries it).
    pub(crate) fn staff_cookie(&mut self, token: Option<&str>) {
        let max_age =
            if token.is_some() { booking_core::accounts::STAFF_SESSION_TTL.as_secs() } else { 0 };
        let cookie = format!(
            "bk_o{}={}; Path=/b/{}/office; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
            self.business.id,
            token.unwrap_or_default(),
            self.business.id,
            self.secure()
        );
        self.cookies_out.push(cookie);
    }

    /// An HMAC of `parts` under the server's secret, in hex (signed OAuth states).
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> String {
        hex(&keyed(&self.pages().web.secret, parts))
    }

    /// The OAuth nonce cookie sent, if any.
    pub(crate) fn oauth_nonce(&self) -> Option<&str> {
        self.oauth_nonce.as_deref()
    }

    /// Sets (`Some`) or clears (`None`) the OAuth nonce cookie: `SameSite=Lax`, so the
    /// provider's redirect back (a cross-site top-level GET) carries it; 10 minutes.
    pub(crate) fn oauth_cookie(&mut self, nonce: Option<&str>) {
        let max_age = if nonce.is_some() { 600 } else { 0 };
        let cookie = format!(
            "bk_oauth{}={}; Path=/b/{}/office/calendar; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            self.business.id,
            nonce.unwrap_or_default(),
            self.business.id,
            self.secure()
        );
        self.cookies_out.push(cookie);
    }

    /// A rendered template as a page, with the security headers and pending cookies.
    pub(crate) fn render(&self, status: StatusCode, page: &impl Template) -> Response {
        match page.render() {
            Ok(html) => self.html(status, html),
            Err(e) => {
                tracing::error!(error = %e, "a page template failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, "page unavailable").into_response()
            }
        }
    }

    fn html(&self, status: StatusCode, html: String) -> Response {
        let mut response = (status, axum::response::Html(html)).into_response();
        self.decorate(&mut response);
        response
    }

    /// Security headers and cookies on any answer (pages and redirects).
    pub(crate) fn decorate(&self, response: &mut Response) {
        let ancestors = self.business.settings.frame_ancestors.trim();
        let csp = format!(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'self'{}{}",
            if ancestors.is_empty() { "" } else { " " },
            ancestors
        );
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&csp) {
            headers.insert("content-security-policy", v);
        }
        headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
        let mut cookies = self.cookies_out.clone();
        if self.new_form {
            cookies.push(format!(
                "{FORM_COOKIE}={}; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax{}",
                self.form_id,
                self.secure()
            ));
        }
        if let Some(l) = self.set_lang {
            cookies.push(format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
                l.code(),
                self.secure()
            ));
        }
        for c in cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                headers.append(SET_COOKIE, v);
            }
        }
    }

    /// A 303 to another page, with the headers and cookies.
    pub(crate) fn redirect(&self, to: &str) -> Response {
        let mut response = Redirect::to(to).into_response();
        self.decorate(&mut response);
        response
    }

    /// A page with a title and one paragraph.
    pub(crate) fn message(&self, status: StatusCode, title: &str, text: &str) -> Response {
        self.render(status, &MessagePage { c: self.view(), title, text, action: None, link: None })
    }

    /// A page with a title, a paragraph and a link onwards.
    pub(crate) fn linked(&self, title: &str, text: &str, href: String, label: &str) -> Response {
        self.linked_with(StatusCode::OK, title, text, href, label)
    }

    /// [`Self::linked`] with another status.
    pub(crate) fn linked_with(
        &self,
        status: StatusCode,
        title: &str,
        text: &str,
        href: String,
        label: &str,
    ) -> Response {
        let link = Some((href, label.to_owned()));
        self.render(status, &MessagePage { c: self.view(), title, text, action: None, link })
    }

    /// A page with a title, a paragraph and one button that POSTs `fields` to `to`.
    pub(crate) fn button(
        &self,
        title: &str,
        text: &str,
        to: String,
        label: &str,
        fields: Vec<(&'static str, String)>,
    ) -> Response {
        let action = Some(Action { to, label: label.to_owned(), fields });
        self.render(
            StatusCode::OK,
            &MessagePage { c: self.view(), title, text, action, link: None },
        )
    }

    /// The step before an irreversible action: what will happen, a button that POSTs
    /// `fields` and `confirmed=yes` to `to`, and a way back to `back` that changes nothing.
    pub(crate) fn confirm(&self, step: Confirm<'_>) -> Response {
        let page = ConfirmPage {
            c: self.view(),
            title: step.title,
            text: step.text,
            detail: step.detail,
            to: step.to,
            fields: step.fields,
            yes: step.yes,
            back: step.back,
            no: step.no,
        };
        self.render(StatusCode::OK, &page)
    }

    /// What the layout shows.
    pub(crate) fn view(&self) -> View {
        View {
            t: self.t,
            base: self.path(""),
            company: self.business.name.clone(),
            csrf: self.csrf(),
            logged_in: self.session.is_some(),
            panel: self.business.settings.panel_enabled,
            terms_url: self.business.settings.terms_url.clone(),
            lang_href: {
                let mut q: Vec<&str> = self
                    .query
                    .split('&')
                    .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
                    .collect();
                let lang = format!("lang={}", self.t.other_lang);
                q.push(&lang);
                format!("?{}", q.join("&"))
            },
        }
    }
}

/// What every page's layout needs.
pub(crate) struct View {
    pub(crate) t: &'static Texts,
    /// `/b/<id>`.
    pub(crate) base: String,
    pub(crate) company: String,
    pub(crate) csrf: String,
    pub(crate) logged_in: bool,
    pub(crate) panel: bool,
    /// The business's terms of use, if it links them.
    pub(crate) terms_url: Option<String>,
    /// This page in the other language (query kept).
    pub(crate) lang_href: String,
}

pub(crate) struct Action {
    pub(crate) to: String,
    pub(crate) label: String,
    pub(crate) fields: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage<'a> {
    pub(crate) c: View,
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
    pub(crate) action: Option<Action>,
    pub(crate) link: Option<(String, String)>,
}

/// What a confirmation step says and where it leads ([`Ctx::confirm`]).
pub(crate) struct Confirm<'a> {
    pub(crate) title: &'a str,
    pub(crate) text: &'a str,
    /// What it is about ("Passeport — lundi 14 décembre 2026 à 09:00"), shown first.
    pub(crate) detail: String,
    pub(crate) to: String,
    pub(crate) fields: Vec<(&'static str, String)>,
    /// The button's words ("Yes, cancel it").
    pub(crate) yes: &'a str,
    pub(crate) back: String,
    /// The way back's words ("No, keep it").
    pub(crate) no: &'a str,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    c: View,
    title: &'a str,
    text: &'a str,
    detail: String,
    to: String,
    fields: Vec<(&'static str, String)>,
    yes: &'a str,
    back: String,
    no: &'a str,
}

/// A form whose action asks first: its token, and `confirmed=yes` once the person confirmed.
#[derive(Deserialize)]
pub(crate) struct ConfirmedForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) confirmed: String,
}

impl ConfirmedForm {
    /// Whether the person confirmed.
    pub(crate) fn confirmed(&self) -> bool {
        self.confirmed == "yes"
    }
}

/// A plain 404 page for an unknown business (no business, no language: both shown).
fn no_business() -> Response {
    let html = "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta \
                name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>\
                Page introuvable — Page not found</title></head><body><main><h1>Page \
                introuvable. — <span lang=\"en\">Page not found.</span></h1></main></body>\
                </html>";
    (StatusCode::NOT_FOUND, axum::response::Html(html)).into_response()
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let id = parts
            .uri
            .path()
            .strip_prefix("/b/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .ok_or_else(no_business)?;
        let business = match state.app().business_profile(None, BusinessId::new(id)).await {
            Ok(b) => b,
            Err(CatalogError::NotFound) => return Err(no_business()),
            Err(e) => {
                tracing::warn!(error = %e, "store unavailable for a page");
                return Err((StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response());
            }
        };
        let query_lang = parts.uri.query().and_then(|q| {
            q.split('&').find_map(|kv| kv.strip_prefix("lang=")).and_then(Locale::parse)
        });
        let cookie_lang = cookie(&parts.headers, LANG_COOKIE).and_then(Locale::parse);
        let locale = query_lang.or(cookie_lang).unwrap_or(business.locale);
        let (form_id, new_form) = match cookie(&parts.headers, FORM_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(v) => (v.to_owned(), false),
            None => (state.app().token(32).expose().to_owned(), true),
        };
        let session_token = cookie(&parts.headers, &format!("bk_s{id}")).map(str::to_owned);
        let staff_token = cookie(&parts.headers, &format!("bk_o{id}")).map(str::to_owned);
        let oauth_nonce = cookie(&parts.headers, &format!("bk_oauth{id}")).map(str::to_owned);
        let session = match &session_token {
            Some(token) => state.pages().accounts.session(business.id, token).await.ok().flatten(),
            None => None,
        };
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| state.pages().web.trusted_proxy && !v.is_empty());
        let client = forwarded.unwrap_or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
        });
        Ok(Self {
            state: state.clone(),
            business,
            t: texts::of(locale),
            locale,
            form_id,
            new_form,
            set_lang: query_lang.filter(|l| Some(*l) != cookie_lang),
            session,
            session_token,
            staff_token,
            oauth_nonce,
            client,
            query: parts.uri.query().unwrap_or_default().to_owned(),
            cookies_out: Vec::new(),
        })
    }
}

/// A form with nothing but its form token (log-out, cancel, delete, release).
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

/// The token of a link from an email, in its page's query string.
#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    pub(crate) token: String,
}

/// The POST behind a link's button: the token, and a new password for a reset.
#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) password: String,
}

/// A customer's details for a booking (public page and back office), with the answers to the
/// service's questions (`field.<key>`).
#[derive(Deserialize)]
pub(crate) struct ContactForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) first_name: String,
    #[serde(default)]
    pub(crate) last_name: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(flatten)]
    pub(crate) rest: HashMap<String, String>,
}

/// A code as the panel and the back office show it (§I3): never its text, its tail only.
pub(crate) struct CodeSummary {
    /// Package, gift certificate or subscription, in words.
    pub(crate) kind: &'static str,
    /// Its last four symbols.
    pub(crate) tail: String,
    /// What staff wrote about it.
    pub(crate) note: String,
    /// What is left now, in words.
    pub(crate) left: String,
    /// Its expiry date, in words.
    pub(crate) until: Option<String>,
}

impl CodeSummary {
    pub(crate) fn of(ctx: &Ctx, c: &booking_core::codes::StoredCode) -> Self {
        use booking_core::codes::{Balance, Value};
        let locale = ctx.locale;
        Self {
            kind: match c.ledger.value {
                Value::Package { .. } => ctx.t.code_kind_package,
                Value::Gift { .. } => ctx.t.code_kind_gift,
                Value::Subscription { .. } => ctx.t.code_kind_subscription,
            },
            tail: c.tail.clone(),
            note: c.note.clone(),
            left: match c.ledger.balance(ctx.now()) {
                Balance::Sessions(n) => format!("{n} {}", ctx.t.code_left_sessions),
                Balance::Money(m) => {
                    format!("{} {}", booking_core::notify::price(m, locale), ctx.t.code_left_money)
                }
            },
            until: c
                .ledger
                .expires_at
                .map(|e| booking_core::notify::date(ctx.business.zone.local(e), locale)),
        }
    }
}

/// A urlencoded form body; anything else is a 400 page, never a 5xx.
pub(crate) struct PageForm<T>(pub(crate) T);

impl<T, S> FromRequest<S> for PageForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(Self(v)),
            Err(e) => {
                let text = format!("bad form: {}", e.body_text());
                Err((StatusCode::BAD_REQUEST, text).into_response())
            }
        }
    }
}

/// A service's question in a booking form, with what was typed.
pub(crate) struct FieldView {
    pub(crate) key: String,
    /// The input's id (`field-<key>`).
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) required: bool,
    pub(crate) value: String,
}

/// The questions of a service as form fields (`field.<key>`), refilled from `form`.
pub(crate) fn field_views(
    fields: &[booking_core::catalog::CustomField],
    form: &HashMap<String, String>,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| FieldView {
            key: f.key.clone(),
            id: format!("field-{}", f.key),
            label: f.label.clone(),
            required: f.required,
            value: form.get(&format!("field.{}", f.key)).cloned().unwrap_or_default(),
        })
        .collect()
}

/// The answers to a service's questions (`None` when a required one is empty), at most 5000
/// characters each.
pub(crate) fn answers_of(
    fields: &[booking_core::catalog::CustomField],
    form: &HashMap<String, String>,
) -> Option<Vec<(String, String)>> {
    let mut answers = Vec::new();
    for f in fields {
        let value = form.get(&format!("field.{}", f.key)).map_or("", |v| v.trim());
        if value.is_empty() {
            if f.required {
                return None;
            }
            continue;
        }
        answers.push((f.key.clone(), value.chars().take(5000).collect()));
    }
    Some(answers)
}

/// The first thing wrong with a customer's details, on the field it is about: a missing
/// first or last name, an address that is not one (`email_ok` false), a required question
/// left empty (named in the message).
pub(crate) fn contact_problem(
    t: &Texts,
    first: &str,
    last: &str,
    email_ok: bool,
    fields: &[booking_core::catalog::CustomField],
    form: &HashMap<String, String>,
) -> Problem {
    if first.is_empty() {
        return Problem::at("first_name", t.first_name_required);
    }
    if last.is_empty() {
        return Problem::at("last_name", t.last_name_required);
    }
    if !email_ok {
        return Problem::at("email", t.invalid_email);
    }
    let unanswered = fields.iter().find(|f| {
        f.required && form.get(&format!("field.{}", f.key)).is_none_or(|v| v.trim().is_empty())
    });
    match unanswered {
        Some(f) => {
            Problem::at(format!("field-{}", f.key), format!("{} {}", t.answer_required, f.label))
        }
        None => Problem::none(),
    }
}

/// Escapes a value for a query string.
pub(crate) fn query_value(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

/// Sends an account email in the background with a few retries: the visitor's answer never
/// waits for (or reveals anything through) the mail server.
pub(crate) fn send_later(mailer: Arc<dyn Mailer>, message: Message) {
    tokio::spawn(async move {
        let mut delay = std::time::Duration::from_secs(2);
        for attempt in 1..=4 {
            match mailer.send(&message).await {
                Ok(()) => return,
                Err(booking_core::ports::mail::MailError::Permanent(why)) => {
                    tracing::warn!(%why, "an account email was refused");
                    return;
                }
                Err(booking_core::ports::mail::MailError::Temporary(why)) => {
                    tracing::warn!(%why, attempt, "an account email could not be sent yet");
                    tokio::time::sleep(delay).await;
                    delay *= 4;
                }
            }
        }
    });
}

/// What was wrong with a sent form: one message, and the id of the field it is about (none
/// for the form as a whole). The page shows it in a summary that takes the focus on load
/// (`autofocus`, no script needed) and links to the field; the field itself is marked
/// `aria-invalid` and described by the message shown next to it (WCAG 3.3.1, RGAA 11.10).
#[derive(Debug, Default)]
pub(crate) struct Problem(Option<(String, Option<String>)>);

impl Problem {
    /// No problem: the form as first shown.
    pub(crate) const fn none() -> Self {
        Self(None)
    }

    /// A problem with the form as a whole.
    pub(crate) fn general(text: impl Into<String>) -> Self {
        Self(Some((text.into(), None)))
    }

    /// A problem with the field of id `field`.
    pub(crate) fn at(field: impl Into<String>, text: impl Into<String>) -> Self {
        Self(Some((text.into(), Some(field.into()))))
    }

    /// Whether there is one.
    pub(crate) const fn shown(&self) -> bool {
        self.0.is_some()
    }

    /// Its message.
    pub(crate) fn text(&self) -> &str {
        self.0.as_ref().map_or("", |(text, _)| text)
    }

    /// The id of the field it is about, if any.
    pub(crate) fn field(&self) -> Option<&str> {
        self.0.as_ref().and_then(|(_, field)| field.as_deref())
    }

    /// The attributes of the input of id `field`: invalid and described by its message when
    /// the problem is about it.
    pub(crate) fn attrs(&self, field: &str) -> String {
        if self.field() == Some(field) {
            format!(" aria-invalid=\"true\" aria-describedby=\"{}-error\"", escape(field))
        } else {
            String::new()
        }
    }

    /// The message next to the field of id `field`, when the problem is about it.
    pub(crate) fn note(&self, field: &str) -> String {
        if self.field() == Some(field) {
            let (id, text) = (escape(field), escape(self.text()));
            format!("<p class=\"field-error\" id=\"{id}-error\">{text}</p>")
        } else {
            String::new()
        }
    }
}

impl From<Option<&'static str>> for Problem {
    fn from(text: Option<&'static str>) -> Self {
        Self(text.map(|t| (t.to_owned(), None)))
    }
}

/// Text made safe inside HTML.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Problem, escape};

    #[test]
    fn a_problem_marks_only_its_field_and_escapes_its_text() {
        let p = Problem::at("email", "<b>Adresse</b> \"invalide\"");
        assert_eq!(p.attrs("email"), " aria-invalid=\"true\" aria-describedby=\"email-error\"");
        assert_eq!(p.attrs("phone"), "");
        assert_eq!(
            p.note("email"),
            "<p class=\"field-error\" id=\"email-error\">&lt;b&gt;Adresse&lt;/b&gt; &quot;invalide&quot;</p>"
        );
        assert_eq!(p.note("phone"), "");
        let general = Problem::general("Non");
        assert!(general.shown() && general.field().is_none() && general.attrs("email").is_empty());
        assert!(!Problem::none().shown());
        assert_eq!(escape("a&b'"), "a&amp;b&#39;");
    }
}
