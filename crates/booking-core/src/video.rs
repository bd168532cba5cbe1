//! §J Video conferencing: which link a session or an appointment gets, as pure rules.
//!
//! A business has a default video account (a meeting service such as Zoom, a custom link, or
//! Meet / Teams through the
//! employees' calendars, §J1); a staff member may have their own, used instead of the default
//! for what they lead (§J2); a course may carry its own custom link, used for all its sessions
//! (§J4). Disconnecting the default removes every link, even where a staff account or a course
//! link exists (§J3). [`resolve`] decides the link of one occasion from the current set-up, so a
//! change of set-up (a course's new link, a disconnected default) reaches every past and future
//! session by resolving again; [`plan`] turns a resolution and what is stored for the occasion
//! into the provider calls (one meeting per occasion at a meeting service, the same custom link
//! for all). Meeting services are open: each is an adapter with a [`Provider`] id
//! (`booking-video-zoom` is `zoom`), reached through [`crate::ports::video::MeetingConnector`].

use jiff::Timestamp;

use crate::booking::BookingStatus;
use crate::error::StoreError;
use crate::error::{InvalidValue, Kind};
use crate::ids::{BookingId, BusinessId, EventId, ResourceId};
use crate::outbox::{BookingEvent, BookingRef, Effect, NewJob};
use crate::ports::meetings::MeetingError;
use crate::provider::Provider;
use crate::time::Interval;

/// A custom meeting link (§J1): the same for every occasion that uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomLink {
    /// The URL participants open.
    pub url: String,
    /// The meeting password, if any.
    pub password: Option<String>,
    /// What to tell participants (dial-in numbers, …).
    pub description: Option<String>,
}

/// A video account (§J1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VideoAccount {
    /// An account at a meeting service (Zoom): a unique meeting per occasion, made on it.
    Meetings(MeetingHost),
    /// A custom link, the same for every occasion.
    Custom(CustomLink),
    /// Google Meet or Microsoft Teams through the employee's connected calendar (§H3).
    Calendar,
}

/// The video set-up of a business, as it is now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VideoSetup {
    /// The business's default account; `None` once disconnected (§J3).
    pub default: Option<VideoAccount>,
    /// Staff members' own accounts (§J2).
    pub staff: Vec<(ResourceId, VideoAccount)>,
    /// Courses' own custom links (§J4).
    pub courses: Vec<(EventId, CustomLink)>,
}

/// What is being linked: an appointment or a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occasion {
    /// Who leads it (the appointment's staff member, the session's leader).
    pub leader: Option<ResourceId>,
    /// The course it is a session of, if any.
    pub course: Option<EventId>,
    /// Online (the default of an online service or event) or, after staff removed its link,
    /// in person (§J2).
    pub online: bool,
}

/// Where a resolved link comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The business's default account.
    Default,
    /// The leader's own account.
    Staff(ResourceId),
    /// The course's custom link.
    Course(EventId),
}

/// The link an occasion gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The account or link to use.
    pub account: VideoAccount,
    /// Where it comes from.
    pub source: Source,
}

/// §J1–§J4: the link of one occasion, or `None`.
///
/// 1. In person: none.
/// 2. No default account (never set, or disconnected): none, whatever else is set (§J3).
/// 3. A session of a course: the course's custom link if it has one, else the default (§J4;
///    a staff member's own account does not apply to courses).
/// 4. Led by a staff member with their own account: that account (§J2).
/// 5. Otherwise: the default.
#[must_use]
pub fn resolve(setup: &VideoSetup, occasion: &Occasion) -> Option<Resolution> {
    if !occasion.online {
        return None;
    }
    let default = setup.default.as_ref()?;
    let found = |source, account: &VideoAccount| Resolution { account: account.clone(), source };
    if let Some(course) = occasion.course {
        return Some(match setup.courses.iter().find(|(id, _)| *id == course) {
            Some((_, link)) => found(Source::Course(course), &VideoAccount::Custom(link.clone())),
            None => found(Source::Default, default),
        });
    }
    if let Some(leader) = occasion.leader
        && let Some((_, own)) = setup.staff.iter().find(|(id, _)| *id == leader)
    {
        return Some(found(Source::Staff(leader), own));
    }
    Some(found(Source::Default, default))
}

/// Where an occasion's meetings are made: a meeting service and the account and host there
/// ([`MeetingApp::host`]), so a change of either is a change of meetings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingHost {
    /// The meeting service.
    pub provider: Provider,
    /// The account and host there (`account/user`).
    pub account: String,
}

/// A meeting stored for an occasion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMeeting {
    /// Where it was made.
    pub host: MeetingHost,
    /// The service's meeting id.
    pub meeting_id: String,
}

/// What to do for an occasion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeetingChange {
    /// Nothing to call: no link, or a custom / calendar link (nothing stored at a service).
    Nothing,
    /// Create a meeting there.
    Create {
        /// The service, account and host.
        host: MeetingHost,
    },
    /// Update the stored meeting (its time or topic changed).
    Update {
        /// The service's meeting id.
        meeting_id: String,
    },
    /// Delete the stored meeting (no longer online, another account or another kind of link).
    Delete {
        /// The service's meeting id.
        meeting_id: String,
    },
    /// Delete the stored meeting, then create one elsewhere.
    Replace {
        /// The meeting to delete.
        meeting_id: String,
        /// Where the new one is made.
        host: MeetingHost,
    },
}

/// §J1, §J5: the meeting service calls that bring an occasion's stored meeting in line with its resolution
/// (`live`: the occasion still takes place; a canceled one keeps no meeting).
#[must_use]
pub fn plan(
    resolution: Option<&Resolution>,
    stored: Option<&StoredMeeting>,
    live: bool,
) -> MeetingChange {
    let wanted = match resolution.map(|r| &r.account) {
        Some(VideoAccount::Meetings(host)) if live => Some(host),
        _ => None,
    };
    match (wanted, stored) {
        (None, None) => MeetingChange::Nothing,
        (None, Some(m)) => MeetingChange::Delete { meeting_id: m.meeting_id.clone() },
        (Some(host), None) => MeetingChange::Create { host: host.clone() },
        (Some(host), Some(m)) if *host == m.host => {
            MeetingChange::Update { meeting_id: m.meeting_id.clone() }
        }
        (Some(host), Some(m)) => {
            MeetingChange::Replace { meeting_id: m.meeting_id.clone(), host: host.clone() }
        }
    }
}

/// Where a link would be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A confirmation or reminder email.
    Email,
    /// The customer panel.
    Panel,
}

/// §J6: whether a link may be shown on a channel, given the business's two settings.
#[must_use]
pub const fn shown(channel: Channel, hide_in_emails: bool, hide_in_panel: bool) -> bool {
    match channel {
        Channel::Email => !hide_in_emails,
        Channel::Panel => !hide_in_panel,
    }
}

/// An app at a meeting service as stored (Zoom's server-to-server OAuth app: an account, a
/// client id and secret, a host), its secret sealed ([`crate::ports::calendar::Sealer`]).
#[derive(Clone, PartialEq, Eq)]
pub struct MeetingApp {
    /// The meeting service.
    pub provider: Provider,
    /// The account id there.
    pub account_id: String,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret, sealed.
    pub sealed_secret: String,
    /// The host whose meetings it makes (user id or email).
    pub user: String,
}

impl MeetingApp {
    /// What identifies the meetings' owner: the service, the account and the host
    /// (`account/user`), so a staff member's own host on the business's account still gets
    /// meetings of their own.
    #[must_use]
    pub fn host(&self) -> MeetingHost {
        MeetingHost {
            provider: self.provider,
            account: format!("{}/{}", self.account_id, self.user),
        }
    }
}

impl std::fmt::Debug for MeetingApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeetingApp")
            .field("provider", &self.provider)
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A video account as stored (§J1, §J2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredAccount {
    /// A meeting service, with its app.
    Meetings(MeetingApp),
    /// A custom link.
    Custom(CustomLink),
    /// Meet / Teams through the employee's calendar.
    Calendar,
}

impl StoredAccount {
    /// What [`resolve`] needs of it (no secret).
    #[must_use]
    pub fn account(&self) -> VideoAccount {
        match self {
            Self::Meetings(app) => VideoAccount::Meetings(app.host()),
            Self::Custom(link) => VideoAccount::Custom(link.clone()),
            Self::Calendar => VideoAccount::Calendar,
        }
    }
}

/// A meeting made for an occasion, as stored (§J1: its id, links and password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRecord {
    /// Owner tenant.
    pub business: BusinessId,
    /// `booking-<id>` or `session-<id>`.
    pub key: String,
    /// The meeting and the account it was made on.
    pub meeting: StoredMeeting,
    /// The participants' link.
    pub join_url: String,
    /// The host's link.
    pub start_url: Option<String>,
    /// The password, if any.
    pub password: Option<String>,
    /// The app it was made on, so it can still be moved or deleted once that account is
    /// replaced or disconnected.
    pub app: MeetingApp,
    /// The times the service was last given (an update is sent only when they change).
    pub interval: Interval,
    /// When this record was written: for a claim ([`Self::is_claim`]), when the job making
    /// the meeting started.
    pub made_at: Timestamp,
}

impl MeetingRecord {
    /// A claim: a job is making this occasion's meeting (no meeting id yet), so no other job
    /// makes a second one.
    #[must_use]
    pub fn is_claim(&self) -> bool {
        self.meeting.meeting_id.is_empty()
    }

    /// Whether a claim is older than any call to a meeting service can take: its job died; the next job
    /// may claim again.
    #[must_use]
    pub fn claim_lapsed(&self, now: Timestamp) -> bool {
        self.is_claim() && now.duration_since(self.made_at) > CLAIM_LIFETIME
    }
}

/// How long a claim holds (meeting service calls time out after 15 seconds).
pub const CLAIM_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);

/// Which bookings a change of the video set-up concerns: the store writes a job for each of
/// them that is still to come and still holds, in the change's own transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Affected {
    /// Every booking of the business (its default account changed).
    Business,
    /// The appointments a staff member takes and the sessions they lead (their own account).
    Staff(ResourceId),
    /// The bookings of a course's sessions (its link).
    Course(EventId),
    /// One appointment (`booking-<id>`) or one session's bookings (`session-<id>`).
    Occasion(String),
}

/// A booking a change of the video set-up may concern, as a store reads it: one of the
/// [`Affected`] scope that ends after the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Concerned {
    /// The booking.
    pub booking: BookingId,
    /// Its status.
    pub status: BookingStatus,
    /// When its appointment or session ends.
    pub end: Timestamp,
}

/// The jobs a change of a business's video set-up enqueues, due `at` (§J): for each booking
/// concerned that is still to come and still holds (pending or approved), a `video` job
/// (`booking.video`: make, move or remove its meeting) while the business has or had meetings
/// made at a meeting service (`meetings`), and a `notify` job (the customer is told the new link) when asked.
/// The one place this rule lives: each store loads [`Concerned`] and writes what this returns,
/// in the change's own transaction.
#[must_use]
pub fn jobs_after_change(
    business: BusinessId,
    concerned: &[Concerned],
    meetings: bool,
    notify: bool,
    at: Timestamp,
) -> Vec<NewJob> {
    let effects = [(Effect::Video, meetings), (Effect::Notify, notify)];
    concerned
        .iter()
        .filter(|c| {
            c.end > at && matches!(c.status, BookingStatus::Pending | BookingStatus::Approved)
        })
        .flat_map(|c| {
            effects.iter().filter(|(_, wanted)| *wanted).map(move |(effect, _)| NewJob {
                business,
                effect: *effect,
                event: BookingEvent::VideoChanged,
                booking: BookingRef::Existing(c.booking),
                run_at: at,
            })
        })
        .collect()
}

/// The set-up [`resolve`] reads, from what is stored.
#[must_use]
pub fn setup_of(
    accounts: &[(Option<ResourceId>, StoredAccount)],
    courses: Vec<(EventId, CustomLink)>,
) -> VideoSetup {
    VideoSetup {
        default: accounts.iter().find(|(owner, _)| owner.is_none()).map(|(_, a)| a.account()),
        staff: accounts.iter().filter_map(|(owner, a)| owner.map(|id| (id, a.account()))).collect(),
        courses,
    }
}

/// An occasion of a booking as the video rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OccasionOf {
    /// `booking-<id>` or `session-<id>`.
    pub key: String,
    /// Leader, course, online.
    pub occasion: Occasion,
    /// When.
    pub interval: Interval,
    /// The meeting's topic (the service's or event's name).
    pub topic: String,
    /// Whether it still takes place: the appointment holds, or one of the session's bookings.
    pub live: bool,
}

/// A link to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoLink {
    /// The participants' link.
    pub url: String,
    /// The password, if any.
    pub password: Option<String>,
    /// What to tell participants, if anything.
    pub description: Option<String>,
    /// The meeting service that made it, if one did (its placeholder,
    /// `%zoom_join_url%` for `zoom`, and a start link for its host).
    pub made_by: Option<Provider>,
}

/// What a booking's video link is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// No link: in person, no account, or the occasion no longer takes place.
    None,
    /// The link.
    Ready(VideoLink),
    /// A meeting service's or a calendar's meeting is still being made (its job runs beside).
    Waiting,
}

/// What a video set-up change asks for.
#[derive(Clone, PartialEq, Eq)]
pub enum AccountInput {
    /// An app at a meeting service (Zoom's server-to-server OAuth app); `client_secret: None`
    /// keeps the saved one (same service, account and client).
    Meetings {
        /// The meeting service.
        provider: Provider,
        /// The account id there.
        account_id: String,
        /// The app's client id.
        client_id: String,
        /// The app's client secret.
        client_secret: Option<String>,
        /// The host (user id or email).
        user: String,
    },
    /// A custom link.
    Custom(CustomLink),
    /// Meet / Teams through the employees' calendars.
    Calendar,
}

impl std::fmt::Debug for AccountInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Meetings { provider, account_id, user, .. } => f
                .debug_struct("Meetings")
                .field("provider", provider)
                .field("account_id", account_id)
                .field("user", user)
                .finish_non_exhaustive(),
            Self::Custom(link) => f.debug_tuple("Custom").field(link).finish(),
            Self::Calendar => f.write_str("Calendar"),
        }
    }
}

/// The longest custom link password, in characters.
pub const MAX_LINK_PASSWORD_CHARS: usize = 100;
/// The longest custom link description, in characters.
pub const MAX_LINK_DESCRIPTION_CHARS: usize = 1000;

/// A trimmed text of 1 to `max` characters without control characters.
fn text(field: &str, value: &str, max: usize) -> Result<String, InvalidValue> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(InvalidValue(format!("`{field}` is 1 to {max} characters")));
    }
    Ok(value.to_owned())
}

/// A trimmed text of at most `max` characters, `None` when empty.
fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, InvalidValue> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => {
            Err(InvalidValue(format!("`{field}` is at most {max} characters")))
        }
        Some(v) => Ok(Some(v.to_owned())),
        None => Ok(None),
    }
}

impl CustomLink {
    /// A custom link as typed: a web address, an optional password and description.
    ///
    /// # Errors
    /// A value out of its bounds, naming its field.
    pub fn checked(
        url: &str,
        password: Option<&str>,
        description: Option<&str>,
    ) -> Result<Self, InvalidValue> {
        let url = crate::settings::WebUrl::parse(url)
            .map_err(|why| InvalidValue(format!("`url` is {why}")))?;
        Ok(Self {
            url: url.into_string(),
            password: optional("password", password, MAX_LINK_PASSWORD_CHARS)?,
            description: optional("description", description, MAX_LINK_DESCRIPTION_CHARS)?,
        })
    }
}

impl AccountInput {
    /// An app at a meeting service as typed; an empty `client_secret` keeps the saved one.
    ///
    /// # Errors
    /// A value out of its bounds, naming its field.
    pub fn meetings(
        provider: Provider,
        account_id: &str,
        client_id: &str,
        client_secret: Option<&str>,
        user: &str,
    ) -> Result<Self, InvalidValue> {
        let account_id = text("account_id", account_id, 200)?;
        let client_id = text("client_id", client_id, 200)?;
        let client_secret = client_secret
            .filter(|s| !s.trim().is_empty())
            .map(|s| text("client_secret", s, 2000))
            .transpose()?;
        let user = text("user", user, 320)?;
        if user.contains(['/', '?', '#', '%']) || user.contains(char::is_whitespace) {
            return Err(InvalidValue("`user` is a user id or email".into()));
        }
        Ok(Self::Meetings { provider, account_id, client_id, client_secret, user })
    }
}

/// Why a video use case failed.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// The meeting service refused the app's credentials or does not know its host.
    #[error("the meeting service refused these credentials: {0}")]
    Refused(String),
    /// A new app without its secret.
    #[error("a new meeting service app needs its `client_secret`")]
    SecretNeeded,
    /// No meeting service of this id on this server.
    #[error("`provider` is a meeting service of this server (not `{0}`)")]
    UnknownProvider(String),
    /// The course does not exist (or is an event, not a course).
    #[error("only a course has a link of its own")]
    NoCourse,
    /// The staff member does not exist.
    #[error("no such staff member")]
    NoStaff,
    /// A stored secret does not open (the server's secret changed).
    #[error("stored meeting service secrets do not open with this server's secret")]
    Sealed,
    /// Another job is making the occasion's meeting right now.
    #[error("another change of this meeting is in progress; try again")]
    Busy,
    /// The meeting service failed.
    #[error(transparent)]
    Provider(#[from] MeetingError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The caller may not.
    #[error(transparent)]
    Denied(#[from] crate::access::Denied),
    /// No such booking, session, event or account here.
    #[error("no such thing here")]
    NotFound,
    /// Video conferencing is off on this server.
    #[error("video conferencing is off on this server")]
    Off,
}

crate::error::error_codes!(VideoError, |e| match e {
    VideoError::Denied(d) => (d.kind(), d.code()),
    VideoError::NotFound | VideoError::NoStaff => (Kind::NotFound, "not_found"),
    VideoError::Off => (Kind::NotFound, "video_off"),
    VideoError::Refused(_) => (Kind::Invalid, "video_credentials_refused"),
    VideoError::SecretNeeded | VideoError::UnknownProvider(_) => (Kind::Invalid, "invalid_value"),
    VideoError::NoCourse => (Kind::Invalid, "not_a_course"),
    VideoError::Sealed => (Kind::Conflict, "video_secret_unreadable"),
    VideoError::Busy => (Kind::Unavailable, "storage_unavailable"),
    VideoError::Provider(_) => (Kind::Upstream, "video_provider_failed"),
    VideoError::Store(e) => (e.kind(), e.code()),
});

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_set_up_change_concerns_bookings_still_to_come_that_hold() {
        let at: Timestamp = "2027-01-04T10:00:00Z".parse().unwrap();
        let later: Timestamp = "2027-01-04T11:00:00Z".parse().unwrap();
        let business = BusinessId::new(1);
        let c = |id, status, end| Concerned { booking: BookingId::new(id), status, end };
        let concerned = [
            c(1, BookingStatus::Approved, later),
            c(2, BookingStatus::Pending, later),
            c(3, BookingStatus::Canceled, later),
            c(4, BookingStatus::NoShow, later),
            c(5, BookingStatus::Rejected, later),
            c(6, BookingStatus::Approved, at), // ends as the change is made
        ];
        let of = |jobs: Vec<NewJob>| -> Vec<(Effect, BookingRef)> {
            jobs.into_iter().map(|j| (j.effect, j.booking)).collect()
        };
        let existing = |id| BookingRef::Existing(BookingId::new(id));
        assert_eq!(
            of(jobs_after_change(business, &concerned, true, false, at)),
            [(Effect::Video, existing(1)), (Effect::Video, existing(2))]
        );
        assert_eq!(
            of(jobs_after_change(business, &concerned, false, true, at)),
            [(Effect::Notify, existing(1)), (Effect::Notify, existing(2))]
        );
        assert_eq!(of(jobs_after_change(business, &concerned, false, false, at)), []);
        let jobs = jobs_after_change(business, &concerned[..1], true, true, at);
        assert_eq!(of(jobs.clone()), [(Effect::Video, existing(1)), (Effect::Notify, existing(1))]);
        assert!(jobs.iter().all(|j| j.run_at == at
            && j.business == business
            && j.event == BookingEvent::VideoChanged));
    }

    #[test]
    fn typed_accounts_and_links_are_checked() {
        let link = CustomLink::checked(" https://meet.example.org/r ", Some(" pw "), Some(""));
        assert_eq!(
            link,
            Ok(CustomLink {
                url: "https://meet.example.org/r".into(),
                password: Some("pw".into()),
                description: None,
            })
        );
        assert!(CustomLink::checked("javascript:alert(1)", None, None).is_err());
        let long = "p".repeat(MAX_LINK_PASSWORD_CHARS + 1);
        assert!(CustomLink::checked("https://meet.example.org/r", Some(&long), None).is_err());
        let typed =
            |account, secret, user| AccountInput::meetings(ZOOM, account, "client", secret, user);
        assert!(typed("acc", None, "host@example.org").is_ok());
        assert!(typed("acc", None, "../admin").is_err(), "a path");
        assert!(typed("", Some("s"), "host").is_err(), "no account id");
        let kept = typed("acc", Some("  "), "host");
        assert!(
            matches!(kept, Ok(AccountInput::Meetings { client_secret: None, .. })),
            "blank keeps"
        );
    }

    fn custom(url: &str) -> VideoAccount {
        VideoAccount::Custom(link(url))
    }

    fn link(url: &str) -> CustomLink {
        CustomLink { url: url.into(), password: None, description: None }
    }

    const ZOOM: Provider = Provider::new("zoom");

    fn host(provider: Provider, account: &str) -> MeetingHost {
        MeetingHost { provider, account: account.into() }
    }

    fn zoom(account: &str) -> VideoAccount {
        VideoAccount::Meetings(host(ZOOM, account))
    }

    const ANA: ResourceId = ResourceId::new(1);
    const YOGA: EventId = EventId::new(7);

    /// The resolution table of the issue: default × staff account × course link × disconnect.
    #[test]
    fn the_resolution_table() {
        type Row = (Option<VideoAccount>, bool, bool, bool, Option<(VideoAccount, Source)>);
        let appointment = Occasion { leader: Some(ANA), course: None, online: true };
        let course = Occasion { leader: Some(ANA), course: Some(YOGA), online: true };
        let rows: Vec<(&str, Occasion, Row)> = vec![
            (
                "appointment, default only",
                appointment,
                (Some(zoom("biz")), false, false, false, Some((zoom("biz"), Source::Default))),
            ),
            (
                "appointment, staff account",
                appointment,
                (Some(zoom("biz")), true, false, false, Some((zoom("ana"), Source::Staff(ANA)))),
            ),
            (
                "appointment, staff account, default disconnected",
                appointment,
                (Some(zoom("biz")), true, false, true, None),
            ),
            ("appointment, no default at all", appointment, (None, true, false, false, None)),
            (
                "course, default only",
                course,
                (
                    Some(custom("https://d")),
                    false,
                    false,
                    false,
                    Some((custom("https://d"), Source::Default)),
                ),
            ),
            (
                "course, staff account does not apply",
                course,
                (
                    Some(custom("https://d")),
                    true,
                    false,
                    false,
                    Some((custom("https://d"), Source::Default)),
                ),
            ),
            (
                "course, its own link",
                course,
                (
                    Some(zoom("biz")),
                    true,
                    true,
                    false,
                    Some((custom("https://yoga"), Source::Course(YOGA))),
                ),
            ),
            (
                "course, its own link, default disconnected",
                course,
                (Some(zoom("biz")), true, true, true, None),
            ),
            (
                "in person",
                Occasion { online: false, ..appointment },
                (Some(zoom("biz")), true, true, false, None),
            ),
            (
                "calendar meeting by default",
                appointment,
                (
                    Some(VideoAccount::Calendar),
                    false,
                    false,
                    false,
                    Some((VideoAccount::Calendar, Source::Default)),
                ),
            ),
        ];
        for (name, occasion, (default, staff, course_link, disconnected, expected)) in rows {
            let setup = VideoSetup {
                default: if disconnected { None } else { default },
                staff: if staff { vec![(ANA, zoom("ana"))] } else { Vec::new() },
                courses: if course_link { vec![(YOGA, link("https://yoga"))] } else { Vec::new() },
            };
            let got = resolve(&setup, &occasion).map(|r| (r.account, r.source));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn meetings_follow_the_resolution() {
        let on = |account: &str| Resolution { account: zoom(account), source: Source::Default };
        let stored = StoredMeeting { host: host(ZOOM, "biz"), meeting_id: "85746065".into() };
        assert_eq!(
            plan(Some(&on("biz")), None, true),
            MeetingChange::Create { host: host(ZOOM, "biz") }
        );
        assert_eq!(
            plan(Some(&on("biz")), Some(&stored), true),
            MeetingChange::Update { meeting_id: "85746065".into() }
        );
        assert_eq!(
            plan(Some(&on("ana")), Some(&stored), true),
            MeetingChange::Replace { meeting_id: "85746065".into(), host: host(ZOOM, "ana") }
        );
        let elsewhere = Resolution {
            account: VideoAccount::Meetings(host(Provider::new("other-meet"), "biz")),
            source: Source::Default,
        };
        assert_eq!(
            plan(Some(&elsewhere), Some(&stored), true),
            MeetingChange::Replace {
                meeting_id: "85746065".into(),
                host: host(Provider::new("other-meet"), "biz")
            },
            "the same account name at another service is another account"
        );
        assert_eq!(
            plan(Some(&on("biz")), Some(&stored), false),
            MeetingChange::Delete { meeting_id: "85746065".into() },
            "a canceled occasion keeps no meeting"
        );
        let link = Resolution { account: custom("https://x"), source: Source::Default };
        assert_eq!(
            plan(Some(&link), Some(&stored), true),
            MeetingChange::Delete { meeting_id: "85746065".into() }
        );
        assert_eq!(
            plan(Some(&link), None, true),
            MeetingChange::Nothing,
            "a custom link calls nobody"
        );
        assert_eq!(plan(None, None, true), MeetingChange::Nothing);
    }

    #[test]
    fn hide_flags_hide_per_channel() {
        assert!(shown(Channel::Email, false, true) && !shown(Channel::Panel, false, true));
        assert!(!shown(Channel::Email, true, false) && shown(Channel::Panel, true, false));
    }

    fn account() -> impl Strategy<Value = VideoAccount> {
        prop_oneof![
            "[a-c]".prop_map(|a| zoom(&a)),
            "[a-c]".prop_map(|u| custom(&format!("https://{u}"))),
            Just(VideoAccount::Calendar),
        ]
    }

    fn setup() -> impl Strategy<Value = VideoSetup> {
        (
            proptest::option::of(account()),
            proptest::collection::vec((1i64..4, account()), 0..3),
            proptest::collection::vec((1i64..4, "[a-c]"), 0..3),
        )
            .prop_map(|(default, staff, courses)| VideoSetup {
                default,
                staff: staff.into_iter().map(|(r, a)| (ResourceId::new(r), a)).collect(),
                courses: courses
                    .into_iter()
                    .map(|(e, u)| (EventId::new(e), link(&format!("https://course-{u}"))))
                    .collect(),
            })
    }

    fn occasion() -> impl Strategy<Value = Occasion> {
        (proptest::option::of(1i64..4), proptest::option::of(1i64..4), any::<bool>()).prop_map(
            |(leader, course, online)| Occasion {
                leader: leader.map(ResourceId::new),
                course: course.map(EventId::new),
                online,
            },
        )
    }

    proptest! {
        /// §J3: after disconnecting the default, no occasion resolves a link.
        #[test]
        fn no_default_no_link(s in setup(), o in occasion()) {
            let disconnected = VideoSetup { default: None, ..s };
            prop_assert_eq!(resolve(&disconnected, &o), None);
        }

        /// In person, never a link.
        #[test]
        fn in_person_never(s in setup(), o in occasion()) {
            prop_assert_eq!(resolve(&s, &Occasion { online: false, ..o }), None);
        }

        /// §J4: every session of a course with its own link gets that same link, whoever leads.
        #[test]
        fn a_course_link_is_the_same_for_every_session(s in setup(), a in occasion(), b in occasion()) {
            prop_assume!(s.default.is_some());
            if let Some((course, link)) = s.courses.first().cloned() {
                let first = resolve(&s, &Occasion { course: Some(course), online: true, ..a });
                let second = resolve(&s, &Occasion { course: Some(course), online: true, ..b });
                let expected = Resolution { account: VideoAccount::Custom(link), source: Source::Course(course) };
                prop_assert_eq!(first.as_ref(), Some(&expected));
                prop_assert_eq!(first, second);
            }
        }

        /// §J2: outside courses, a leader's own account is used instead of the default; without
        /// one, the default.
        #[test]
        fn a_staff_account_overrides_the_default(s in setup(), o in occasion()) {
            let o = Occasion { course: None, online: true, ..o };
            let got = resolve(&s, &o);
            match (&s.default, o.leader.and_then(|l| s.staff.iter().find(|(id, _)| *id == l))) {
                (None, _) => prop_assert_eq!(got, None),
                (Some(_), Some((id, own))) => prop_assert_eq!(got, Some(Resolution { account: own.clone(), source: Source::Staff(*id) })),
                (Some(d), None) => prop_assert_eq!(got, Some(Resolution { account: d.clone(), source: Source::Default })),
            }
        }

        /// §J1: a meeting service's resolution makes a meeting of its own for each occasion
        /// (nothing stored, a create), a custom link never calls one, and a plan applied twice
        /// is stable.
        #[test]
        fn a_meeting_service_makes_one_meeting_per_occasion(s in setup(), o in occasion(), live in any::<bool>()) {
            let r = resolve(&s, &o);
            let first = plan(r.as_ref(), None, live);
            match (r.as_ref().map(|r| &r.account), live) {
                (Some(VideoAccount::Meetings(host)), true) => {
                    prop_assert_eq!(&first, &MeetingChange::Create { host: host.clone() });
                    let stored = StoredMeeting { host: host.clone(), meeting_id: "m".into() };
                    prop_assert_eq!(plan(r.as_ref(), Some(&stored), live), MeetingChange::Update { meeting_id: "m".into() });
                }
                _ => prop_assert_eq!(first, MeetingChange::Nothing),
            }
        }
    }
}
