//! §J Video conferencing: the business's default account, staff members' own accounts,
//! courses' custom links, and turning an appointment or a session online or in person.
//! Secrets are never shown.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use booking_core::app::video::{OccasionVideo, VideoSetupView};
use booking_core::error::InvalidValue;
use booking_core::ids::{BookingId, BusinessId, EventId, ResourceId, SessionId};
use booking_core::provider::Provider;
use booking_core::video::{AccountInput, CustomLink, LinkState, StoredAccount};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Errors;
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Body, Path, Problem};

/// A video account as shown: an app at a meeting service (Zoom) without its secret, a custom
/// link, or the calendars' Meet / Teams links.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum AccountOut {
    /// An app at a meeting service (Zoom's server-to-server OAuth app): a meeting of its own
    /// for every occasion.
    Meetings {
        /// The meeting service (`zoom`).
        provider: String,
        /// The account id there.
        account_id: String,
        /// The app's client id.
        client_id: String,
        /// The host whose meetings it makes (user id or email).
        user: String,
    },
    /// A custom link, the same for every occasion.
    Custom {
        /// The link.
        url: String,
        /// Its password.
        password: Option<String>,
        /// What participants are told.
        description: Option<String>,
    },
    /// Google Meet / Microsoft Teams, made by the employees' connected calendars.
    Calendar,
}

impl From<&StoredAccount> for AccountOut {
    fn from(a: &StoredAccount) -> Self {
        match a {
            StoredAccount::Meetings(app) => Self::Meetings {
                provider: app.provider.code().to_owned(),
                account_id: app.account_id.clone(),
                client_id: app.client_id.clone(),
                user: app.user.clone(),
            },
            StoredAccount::Custom(link) => Self::Custom {
                url: link.url.clone(),
                password: link.password.clone(),
                description: link.description.clone(),
            },
            StoredAccount::Calendar => Self::Calendar,
        }
    }
}

/// A video account to set.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum AccountIn {
    /// An app at a meeting service (Zoom's server-to-server OAuth app), checked with the service
    /// before it is saved.
    Meetings {
        /// The meeting service, one of this server's (`zoom`).
        provider: String,
        /// The account id there.
        account_id: String,
        /// The app's client id.
        client_id: String,
        /// The app's client secret (stored sealed); leave it out to keep the saved one.
        #[serde(default)]
        client_secret: Option<String>,
        /// The host (user id or email) whose meetings it makes.
        user: String,
    },
    /// A custom link, the same for every occasion.
    Custom {
        /// An absolute http(s) URL.
        url: String,
        /// Its password.
        #[serde(default)]
        password: Option<String>,
        /// What participants are told (dial-in numbers, …).
        #[serde(default)]
        description: Option<String>,
    },
    /// Google Meet / Microsoft Teams through the employees' connected calendars.
    Calendar,
}

/// A course's own link.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourseLinkIn {
    /// An absolute http(s) URL.
    url: String,
    /// Its password.
    #[serde(default)]
    password: Option<String>,
    /// What participants are told.
    #[serde(default)]
    description: Option<String>,
    /// Email the new link to the customers booked on the course's upcoming sessions.
    #[serde(default)]
    notify: bool,
}

/// A course's link as shown.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CourseLinkOut {
    /// The course.
    event: i64,
    /// The link.
    url: String,
    /// Its password.
    password: Option<String>,
    /// What participants are told.
    description: Option<String>,
}

/// A staff member's own account.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StaffAccountOut {
    /// The staff member.
    resource: i64,
    /// Their account.
    account: AccountOut,
}

/// The business's video set-up.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VideoOut {
    /// The default account; none means no occasion has a link.
    default: Option<AccountOut>,
    /// Staff members' own accounts, used instead of the default for what they lead.
    staff: Vec<StaffAccountOut>,
    /// Courses' own links.
    courses: Vec<CourseLinkOut>,
}

/// Online or in person.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnlineIn {
    /// `true` online, `false` in person, `null` back to the service's or event's default.
    online: Option<bool>,
}

/// An occasion's video link.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OccasionVideoOut {
    /// Whether it is held online.
    online: bool,
    /// `ready`, `waiting` (the meeting is being made) or `none`.
    state: String,
    /// The participants' link.
    url: Option<String>,
    /// Its password.
    password: Option<String>,
    /// What participants are told.
    description: Option<String>,
    /// The host's link of a meeting service's meeting (staff only).
    start_url: Option<String>,
}

/// A custom link as typed in the API or the settings pages.
pub(crate) fn checked_link(
    url: &str,
    password: Option<&str>,
    description: Option<&str>,
) -> Result<CustomLink, Problem> {
    Ok(CustomLink::checked(url, password, description)?)
}

impl AccountIn {
    /// The use case's input, checked.
    pub(crate) fn checked(self) -> Result<AccountInput, Problem> {
        Ok(match self {
            Self::Meetings { provider, account_id, client_id, client_secret, user } => {
                let provider = Provider::parse(&provider).ok_or_else(|| {
                    InvalidValue("`provider` is a meeting service of this server".into())
                })?;
                AccountInput::meetings(
                    provider,
                    &account_id,
                    &client_id,
                    client_secret.as_deref(),
                    &user,
                )?
            }
            Self::Custom { url, password, description } => AccountInput::Custom(checked_link(
                &url,
                password.as_deref(),
                description.as_deref(),
            )?),
            Self::Calendar => AccountInput::Calendar,
        })
    }
}

/// The video set-up (admin and managers).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/video", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 200, body = VideoOut), Errors))]
pub(crate) async fn get_video(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<VideoOut>, Problem> {
    let VideoSetupView { accounts, courses } =
        state.app().video_setup(&caller.required()?, BusinessId::new(id)).await?;
    Ok(Json(VideoOut {
        default: accounts.iter().find(|(o, _)| o.is_none()).map(|(_, a)| a.into()),
        staff: accounts
            .iter()
            .filter_map(|(o, a)| {
                o.map(|r| StaffAccountOut { resource: r.get(), account: a.into() })
            })
            .collect(),
        courses: courses
            .into_iter()
            .map(|(e, l)| CourseLinkOut {
                event: e.get(),
                url: l.url,
                password: l.password,
                description: l.description,
            })
            .collect(),
    }))
}

/// Sets the default account (admin). A Zoom app is checked with Zoom first.
#[utoipa::path(put, path = "/api/v1/businesses/{business}/video/default", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), request_body = AccountIn,
    security(("api_key" = [])), responses((status = 200, body = AccountOut), Errors))]
pub(crate) async fn put_default(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(input): Body<AccountIn>,
) -> Result<Json<AccountOut>, Problem> {
    let principal = caller.required()?;
    let input = input.checked()?;
    let saved = state.app().set_video_account(&principal, BusinessId::new(id), None, input).await?;
    Ok(Json((&saved).into()))
}

/// Disconnects the default account: no occasion has a link any more, even those of staff
/// with their own account; the Zoom meetings are deleted (admin).
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/video/default", tag = "set-up",
    params(("business" = i64, Path, description = "Business id")), security(("api_key" = [])),
    responses((status = 204), Errors))]
pub(crate) async fn delete_default(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    state.app().remove_video_account(&caller.required()?, BusinessId::new(id), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A staff member's own account (admin, or that staff member).
#[utoipa::path(get, path = "/api/v1/businesses/{business}/video/staff/{resource}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "The staff member")),
    security(("api_key" = [])), responses((status = 200, body = AccountOut), Errors))]
pub(crate) async fn get_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
) -> Result<Json<AccountOut>, Problem> {
    let r = ResourceId::new(resource);
    let own = state.app().staff_video_account(&caller.required()?, BusinessId::new(id), r).await?;
    Ok(Json((&own).into()))
}

/// Sets a staff member's own account, used instead of the default for the appointments they
/// take and the event sessions they lead (admin, or that staff member).
#[utoipa::path(put, path = "/api/v1/businesses/{business}/video/staff/{resource}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "The staff member")),
    request_body = AccountIn, security(("api_key" = [])), responses((status = 200, body = AccountOut), Errors))]
pub(crate) async fn put_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
    Body(input): Body<AccountIn>,
) -> Result<Json<AccountOut>, Problem> {
    let principal = caller.required()?;
    let input = input.checked()?;
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    let saved = state.app().set_video_account(&principal, b, Some(r), input).await?;
    Ok(Json((&saved).into()))
}

/// Removes a staff member's own account: the default applies again (admin, or that staff
/// member).
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/video/staff/{resource}", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("resource" = i64, Path, description = "The staff member")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, resource)): Path<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    let (b, r) = (BusinessId::new(id), ResourceId::new(resource));
    state.app().remove_video_account(&caller.required()?, b, Some(r)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a course's own link, used for all its sessions, past and future, instead of the
/// default; `notify` emails it to the customers booked on upcoming sessions.
#[utoipa::path(put, path = "/api/v1/businesses/{business}/events/{event}/video-link", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("event" = i64, Path, description = "The course")),
    request_body = CourseLinkIn, security(("api_key" = [])), responses((status = 200, body = CourseLinkOut), Errors))]
pub(crate) async fn put_course_link(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, event)): Path<(i64, i64)>,
    Body(input): Body<CourseLinkIn>,
) -> Result<Json<CourseLinkOut>, Problem> {
    let principal = caller.required()?;
    let link = checked_link(&input.url, input.password.as_deref(), input.description.as_deref())?;
    let (b, course) = (BusinessId::new(id), EventId::new(event));
    state.app().set_course_link(&principal, b, course, Some(&link), input.notify).await?;
    Ok(Json(CourseLinkOut {
        event,
        url: link.url,
        password: link.password,
        description: link.description,
    }))
}

/// Removes a course's own link: its sessions use the default again.
#[utoipa::path(delete, path = "/api/v1/businesses/{business}/events/{event}/video-link", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("event" = i64, Path, description = "The course")),
    security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn delete_course_link(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, event)): Path<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    let (b, course) = (BusinessId::new(id), EventId::new(event));
    state.app().set_course_link(&caller.required()?, b, course, None, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The booking's video link: its customer (unless the business hides links from the panel),
/// the staff member taking it, agents and up. Staff also get the host's link.
#[utoipa::path(get, path = "/api/v1/businesses/{business}/bookings/{booking}/video", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id")),
    security(("api_key" = [])), responses((status = 200, body = OccasionVideoOut), Errors))]
pub(crate) async fn get_booking_video(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, booking)): Path<(i64, i64)>,
) -> Result<Json<OccasionVideoOut>, Problem> {
    let (b, booking) = (BusinessId::new(id), BookingId::new(booking));
    let video = state.app().booking_video(&caller.required()?, b, booking).await?;
    Ok(Json(video.into()))
}

impl From<OccasionVideo> for OccasionVideoOut {
    fn from(v: OccasionVideo) -> Self {
        match v.link {
            LinkState::Ready(l) => Self {
                online: v.online,
                state: "ready".into(),
                url: Some(l.url),
                password: l.password,
                description: l.description,
                start_url: v.start_url,
            },
            other => Self {
                online: v.online,
                state: if other == LinkState::Waiting { "waiting" } else { "none" }.into(),
                url: None,
                password: None,
                description: None,
                start_url: None,
            },
        }
    }
}

/// Turns an appointment online or in person: the staff member taking it, agents and
/// up.
#[utoipa::path(put, path = "/api/v1/businesses/{business}/bookings/{booking}/video", tag = "bookings",
    params(("business" = i64, Path, description = "Business id"), ("booking" = i64, Path, description = "Booking id")),
    request_body = OnlineIn, security(("api_key" = [])), responses((status = 200, body = OccasionVideoOut), Errors))]
pub(crate) async fn put_booking_video(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, booking)): Path<(i64, i64)>,
    Body(input): Body<OnlineIn>,
) -> Result<Json<OccasionVideoOut>, Problem> {
    let (b, booking) = (BusinessId::new(id), BookingId::new(booking));
    let principal = caller.required()?;
    let video = state.app().set_booking_online(&principal, b, booking, input.online).await?;
    Ok(Json(video.into()))
}

/// Turns a session online or in person: its leader, agents and up.
#[utoipa::path(put, path = "/api/v1/businesses/{business}/sessions/{session}/video", tag = "set-up",
    params(("business" = i64, Path, description = "Business id"), ("session" = i64, Path, description = "Session id")),
    request_body = OnlineIn, security(("api_key" = [])), responses((status = 204), Errors))]
pub(crate) async fn put_session_video(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, session)): Path<(i64, i64)>,
    Body(input): Body<OnlineIn>,
) -> Result<StatusCode, Problem> {
    let (b, session) = (BusinessId::new(id), SessionId::new(session));
    state.app().set_session_online(&caller.required()?, b, session, input.online).await?;
    Ok(StatusCode::NO_CONTENT)
}
