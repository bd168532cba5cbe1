//! §J in the back office: `/b/{id}/office/video`. An admin sets the business's default video
//! account (an app at one of the server's meeting services such as Zoom, a custom link, or the
//! calendars' Meet / Teams), disconnects it, chooses
//! where links are hidden (§J6) and sets courses' own links (§J4, optionally telling the booked
//! customers). Every employee sets or removes their own account there (§J2). The same checks
//! as the API (`routes::video`).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use booking_core::access::Principal;
use booking_core::booking::Role;
use booking_core::catalog::EventKind;
use booking_core::error::{ErrorCode, Kind};
use booking_core::ids::{BookingId, EventId, ResourceId, SessionId};
use booking_core::provider::Provider;
use booking_core::settings::SettingsChange;
use booking_core::video::{StoredAccount, VideoError};
use serde::Deserialize;

use super::book::unavailable;
use super::office::staff;
use super::office_calendar::{NoticeQuery, employee_of};
use super::{Ctx, PageForm, View};
use crate::routes::video::{AccountIn, checked_link};

/// An account as the page's form shows it: its kind (a meeting service's id, `custom`,
/// `calendar` or `none`), the app's fields (account id, client id, user), the link's (url,
/// password, description).
#[derive(Default)]
struct AccountView {
    kind: String,
    account_id: String,
    client_id: String,
    user: String,
    url: String,
    password: String,
    description: String,
}

impl From<Option<&StoredAccount>> for AccountView {
    fn from(a: Option<&StoredAccount>) -> Self {
        match a {
            None => Self { kind: "none".into(), ..Self::default() },
            Some(StoredAccount::Meetings(app)) => Self {
                kind: app.provider.code().to_owned(),
                account_id: app.account_id.clone(),
                client_id: app.client_id.clone(),
                user: app.user.clone(),
                ..Self::default()
            },
            Some(StoredAccount::Custom(l)) => Self {
                kind: "custom".into(),
                url: l.url.clone(),
                password: l.password.clone().unwrap_or_default(),
                description: l.description.clone().unwrap_or_default(),
                ..Self::default()
            },
            Some(StoredAccount::Calendar) => Self { kind: "calendar".into(), ..Self::default() },
        }
    }
}

impl AccountView {
    /// Whether it is an app at a meeting service (its secret is kept when left empty).
    fn is_app(&self) -> bool {
        !matches!(self.kind.as_str(), "none" | "custom" | "calendar")
    }
}

/// An account's kind as the page names it: the meeting service's name for an app there.
fn kind_label(ctx: &Ctx, services: &[(Provider, &'static str)], kind: &str) -> String {
    match services.iter().find(|(id, _)| id.code() == kind) {
        Some((_, name)) => format!("{name} ({})", ctx.t.video_kind_app),
        None => ctx.t.video_kind_label(kind).to_owned(),
    }
}

#[derive(Template)]
#[template(path = "office_video.html")]
struct VideoPage {
    c: View,
    notice: Option<&'static str>,
    error: bool,
    admin: bool,
    default: AccountView,
    /// What the default is, named for the page.
    default_label: String,
    /// The signed-in employee's own account, when they are one.
    own: Option<AccountView>,
    /// The meeting services this server offers: (id, name with its kind of app).
    services: Vec<(String, String)>,
    hide_in_emails: bool,
    hide_in_panel: bool,
    /// (staff name, account kind as named) of the staff members with their own account.
    staff: Vec<(String, String)>,
    /// (course id, name, link) of every course.
    courses: Vec<(i64, String, AccountView)>,
    /// The employee's upcoming appointments and the sessions they lead (§J2).
    occasions: Vec<OccasionRow>,
}

/// One of the employee's occasions, with its link.
struct OccasionRow {
    key: String,
    what: String,
    when: String,
    online: bool,
    link: Option<String>,
}

/// How far ahead the employee's occasions are listed.
const OCCASION_DAYS: i64 = 60;

/// The employee's upcoming occasions that hold, by start.
async fn occasions_of(
    ctx: &Ctx,
    caller: &Principal,
    me: ResourceId,
) -> Result<Vec<OccasionRow>, Response> {
    let found = ctx.state.app().hosted_occasions(caller, &ctx.business, me, OCCASION_DAYS).await;
    let zone = &ctx.business.zone;
    Ok(found
        .map_err(|_| unavailable(ctx))?
        .into_iter()
        .map(|o| OccasionRow {
            key: o.key,
            what: o.topic,
            when: booking_core::notify::date_time(zone.local(o.start), ctx.locale),
            online: o.online,
            link: o.link,
        })
        .collect())
}

fn notice(ctx: &Ctx, code: Option<&str>) -> Option<&'static str> {
    match code? {
        "saved" => Some(ctx.t.changes_saved),
        "removed" => Some(ctx.t.video_removed),
        "invalid" => Some(ctx.t.video_invalid),
        "refused" => Some(ctx.t.video_refused),
        _ => None,
    }
}

/// `GET /b/{id}/office/video`.
pub(crate) async fn page(ctx: Ctx, Query(q): Query<NoticeQuery>) -> Response {
    let principal = match staff(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let me = match employee_of(&ctx, &principal).await {
        Ok(me) => me.map(|r| r.id),
        Err(r) => return r,
    };
    let admin = principal.role == Role::Admin;
    let (app, business) = (ctx.state.app(), ctx.business.id);
    let (accounts, links, resources, events) = if admin {
        let (Ok(setup), Ok(resources), Ok(events)) = (
            app.video_setup(&principal, business).await,
            app.resources(&principal, business).await,
            app.events(Some(&principal), business).await,
        ) else {
            return unavailable(&ctx);
        };
        (setup.accounts, setup.courses, resources, events)
    } else {
        let own = match me {
            Some(r) => match app.staff_video_account(&principal, business, r).await {
                Ok(a) => vec![(Some(r), a)],
                Err(e) if e.kind() == Kind::Unavailable => return unavailable(&ctx),
                Err(_) => Vec::new(),
            },
            None => Vec::new(),
        };
        (own, Vec::new(), Vec::new(), Vec::new())
    };
    let services = app.video().map(|v| v.services(ctx.locale)).unwrap_or_default();
    let find = |owner: Option<ResourceId>| accounts.iter().find(|(o, _)| *o == owner).map(|a| &a.1);
    let staff = accounts
        .iter()
        .filter_map(|(o, a)| {
            let name = resources.iter().find(|r| Some(r.id) == *o)?.name.clone();
            Some((name, kind_label(&ctx, &services, &AccountView::from(Some(a)).kind)))
        })
        .collect();
    let courses = events
        .iter()
        .filter(|e| e.kind == EventKind::Course)
        .map(|e| {
            let link = links.iter().find(|(id, _)| *id == e.id).map(|(_, l)| l.clone());
            let view = AccountView::from(link.map(StoredAccount::Custom).as_ref());
            (e.id.get(), e.name.clone(), view)
        })
        .collect();
    let occasions = match me {
        Some(me) => match occasions_of(&ctx, &principal, me).await {
            Ok(rows) => rows,
            Err(r) => return r,
        },
        None => Vec::new(),
    };
    let code = q.done.as_deref();
    let s = &ctx.business.settings;
    let default = AccountView::from(find(None));
    let page = VideoPage {
        c: View { panel: false, ..ctx.view() },
        notice: notice(&ctx, code),
        error: matches!(code, Some("invalid" | "refused")),
        admin,
        default_label: kind_label(&ctx, &services, &default.kind),
        default,
        own: me.map(|r| find(Some(r)).into()),
        services: services
            .iter()
            .map(|(id, name)| (id.code().to_owned(), format!("{name} ({})", ctx.t.video_kind_app)))
            .collect(),
        hide_in_emails: s.hide_video_links_in_emails,
        hide_in_panel: s.hide_video_links_in_panel,
        staff: if admin { staff } else { Vec::new() },
        courses: if admin { courses } else { Vec::new() },
        occasions,
    };
    let status = if page.error { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render(status, &page)
}

/// Who a form acts for (the business's default, admins only, or the signed-in employee), and
/// as whom.
async fn owner_of(
    ctx: &Ctx,
    csrf: &str,
    owner: &str,
) -> Result<(Option<ResourceId>, Principal), Response> {
    ctx.check_csrf(csrf)?;
    let principal = staff(ctx).await?;
    let owner = match owner {
        "default" if principal.role == Role::Admin => None,
        "me" => Some(employee_of(ctx, &principal).await?.ok_or_else(|| forbidden(ctx))?.id),
        _ => return Err(forbidden(ctx)),
    };
    Ok((owner, principal))
}

fn forbidden(ctx: &Ctx) -> Response {
    ctx.message(StatusCode::FORBIDDEN, ctx.t.error_title, ctx.t.reason_other)
}

/// A refusal of the video use cases as the page answers it.
fn refused(ctx: &Ctx, e: &VideoError) -> Response {
    match e {
        VideoError::Refused(_) | VideoError::Provider(_) => {
            ctx.redirect(&ctx.path("/office/video?done=refused"))
        }
        VideoError::SecretNeeded
        | VideoError::UnknownProvider(_)
        | VideoError::NoStaff
        | VideoError::NoCourse => ctx.redirect(&ctx.path("/office/video?done=invalid")),
        VideoError::Denied(_) | VideoError::Off | VideoError::NotFound => forbidden(ctx),
        VideoError::Sealed | VideoError::Store(_) | VideoError::Busy => unavailable(ctx),
    }
}

#[derive(Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    description: String,
}

/// `POST /b/{id}/office/video/account`: sets the default account or the employee's own; an
/// empty app secret keeps the saved one.
pub(crate) async fn save_account(ctx: Ctx, PageForm(form): PageForm<AccountForm>) -> Response {
    let (owner, principal) = match owner_of(&ctx, &form.csrf, &form.owner).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let input = match form.kind.as_str() {
        "custom" => AccountIn::Custom {
            url: form.url,
            password: Some(form.password),
            description: Some(form.description),
        },
        "calendar" => AccountIn::Calendar,
        // A meeting service's id; one this server does not offer is refused by the use case.
        _ => AccountIn::Meetings {
            provider: form.kind,
            account_id: form.account_id,
            client_id: form.client_id,
            client_secret: Some(form.client_secret),
            user: form.user,
        },
    };
    let Ok(input) = input.checked() else {
        return ctx.redirect(&ctx.path("/office/video?done=invalid"));
    };
    match ctx.state.app().set_video_account(&principal, ctx.business.id, owner, input).await {
        Ok(_) => ctx.redirect(&ctx.path("/office/video?done=saved")),
        Err(e) => refused(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    owner: String,
    /// `yes` once the person confirmed.
    #[serde(default)]
    confirmed: String,
}

/// `POST /b/{id}/office/video/account/remove`: disconnects the default (§J3) or the
/// employee's own account, once confirmed (the first POST shows what it does).
pub(crate) async fn remove_account(ctx: Ctx, PageForm(form): PageForm<RemoveForm>) -> Response {
    let (owner, principal) = match owner_of(&ctx, &form.csrf, &form.owner).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    if form.confirmed != "yes" {
        return ctx.confirm(super::Confirm {
            title: ctx.t.video_disconnect,
            text: ctx.t.video_disconnect_question,
            detail: String::new(),
            to: ctx.path("/office/video/account/remove"),
            fields: vec![("owner", form.owner.clone())],
            yes: ctx.t.video_disconnect,
            back: ctx.path("/office/video"),
            no: ctx.t.keep_it,
        });
    }
    match ctx.state.app().remove_video_account(&principal, ctx.business.id, owner).await {
        Ok(()) | Err(VideoError::NotFound) => ctx.redirect(&ctx.path("/office/video?done=removed")),
        Err(e) => refused(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct PrivacyForm {
    #[serde(default)]
    csrf: String,
    hide_in_emails: Option<String>,
    hide_in_panel: Option<String>,
}

/// `POST /b/{id}/office/video/privacy`: the two §J6 settings (admin).
pub(crate) async fn save_privacy(ctx: Ctx, PageForm(form): PageForm<PrivacyForm>) -> Response {
    if let Err(r) = ctx.check_csrf(&form.csrf) {
        return r;
    }
    // One read of the session; the application layer lets admins only.
    let principal = match staff(&ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if ctx.state.app().video().is_none() {
        return forbidden(&ctx);
    }
    let change = SettingsChange {
        hide_video_links_in_emails: Some(form.hide_in_emails.is_some()),
        hide_video_links_in_panel: Some(form.hide_in_panel.is_some()),
        ..SettingsChange::default()
    };
    match ctx.state.app().update_settings(&principal, ctx.business.id, change).await {
        Ok(_) => ctx.redirect(&ctx.path("/office/video?done=saved")),
        Err(e) if e.kind() == Kind::Unavailable => unavailable(&ctx),
        Err(_) => ctx.message(StatusCode::FORBIDDEN, ctx.t.error_title, ctx.t.reason_other),
    }
}

#[derive(Deserialize)]
pub(crate) struct CourseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    course: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    description: String,
    notify: Option<String>,
    remove: Option<String>,
}

/// `POST /b/{id}/office/video/course`: sets or removes a course's own link (admin), telling
/// the booked customers when asked.
pub(crate) async fn save_course(ctx: Ctx, PageForm(form): PageForm<CourseForm>) -> Response {
    let principal = match owner_of(&ctx, &form.csrf, "default").await {
        Ok((_, principal)) => principal,
        Err(r) => return r,
    };
    let invalid = || ctx.redirect(&ctx.path("/office/video?done=invalid"));
    let Ok(course) = form.course.trim().parse::<i64>().map(EventId::new) else { return invalid() };
    let link = if form.remove.is_some() {
        None
    } else {
        match checked_link(&form.url, Some(&form.password), Some(&form.description)) {
            Ok(link) => Some(link),
            Err(_) => return invalid(),
        }
    };
    let notify = form.notify.is_some();
    let app = ctx.state.app();
    match app.set_course_link(&principal, ctx.business.id, course, link.as_ref(), notify).await {
        // Removing a link a course did not have leaves it as asked.
        Ok(()) => ctx.redirect(&ctx.path("/office/video?done=saved")),
        Err(VideoError::NotFound) if link.is_none() => {
            ctx.redirect(&ctx.path("/office/video?done=saved"))
        }
        Err(VideoError::NoCourse | VideoError::NotFound) => invalid(),
        Err(e) => refused(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct OccasionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    online: String,
}

/// `POST /b/{id}/office/video/occasion`: the employee turns one of their appointments or
/// sessions online or in person (§J2), or back to its default.
pub(crate) async fn save_occasion(ctx: Ctx, PageForm(form): PageForm<OccasionForm>) -> Response {
    let principal = match owner_of(&ctx, &form.csrf, "me").await {
        Ok((Some(_), principal)) => principal,
        Ok((None, _)) => return forbidden(&ctx),
        Err(r) => return r,
    };
    let invalid = || ctx.redirect(&ctx.path("/office/video?done=invalid"));
    let online = match form.online.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        "default" => None,
        _ => return invalid(),
    };
    let (app, business) = (ctx.state.app(), ctx.business.id);
    let number = |prefix: &str| form.key.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok());
    let done = if let Some(id) = number("booking-") {
        app.set_booking_online(&principal, business, BookingId::new(id), online).await.map(|_| ())
    } else if let Some(id) = number("session-") {
        app.set_session_online(&principal, business, SessionId::new(id), online).await
    } else {
        return invalid();
    };
    match done {
        Ok(()) => ctx.redirect(&ctx.path("/office/video?done=saved")),
        Err(e) => refused(&ctx, &e),
    }
}
