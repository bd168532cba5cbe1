//! The video service (§J): the default account, staff members' own, courses' links, online
//! occasions, and the `video` job that makes, moves and deletes meetings at the meeting
//! services (Zoom, or any other [`MeetingConnector`] the wiring registers); and each
//! booking's link as it is now, read through the storage port.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::SignedDuration;

use crate::booking::{Booking, Target};
use crate::catalog::{Business, EventKind, ResourceKind};
use crate::ids::{BookingId, BusinessId, EventId, ResourceId};
use crate::outbox::{Effect, Job, JobError};
use crate::ports::calendar::Sealer;
use crate::ports::clock::Clock;
use crate::ports::meetings::MeetingProvider;
use crate::ports::meetings::MeetingRequest;
use crate::ports::outbox::JobHandler;
use crate::ports::store::{Store, StoreError};
use crate::ports::video::MeetingConnector;
use crate::provider::Provider;
use crate::settings::Locale;
use crate::video::{
    AccountInput, CustomLink, LinkState, MeetingApp, MeetingChange, MeetingHost, MeetingRecord,
    Occasion, OccasionOf, Resolution, StoredAccount, StoredMeeting, VideoAccount, VideoError,
    VideoLink, plan, resolve, setup_of,
};

/// The occasion a booking belongs to (`None` when its service, session or event is gone).
///
/// # Errors
/// Storage errors.
pub async fn occasion_of(
    store: &dyn Store,
    business: &Business,
    booking: &Booking,
) -> Result<Option<OccasionOf>, StoreError> {
    let key = crate::calendar::occasion_key(booking);
    let chosen = store.online_override(business.id, &key).await?;
    match booking.target {
        Target::Appointment { service, resource, slot, .. } => {
            let Some(service) = store.service(business.id, service).await? else {
                return Ok(None);
            };
            Ok(Some(OccasionOf {
                key,
                occasion: Occasion {
                    leader: Some(resource),
                    course: None,
                    online: chosen.unwrap_or(service.online),
                },
                interval: slot,
                topic: service.name,
                live: booking.status.occupies(),
            }))
        }
        Target::Session { session, .. } => {
            let Some(s) = store.session(business.id, session).await? else { return Ok(None) };
            let Some(event) = store.event(business.id, s.event).await? else { return Ok(None) };
            let live = booking.status.occupies()
                || store.bookings_in(business.id, s.interval).await?.iter().any(|b| {
                    b.status.occupies()
                        && matches!(b.target, Target::Session { session: id, .. } if id == session)
                });
            Ok(Some(OccasionOf {
                key,
                occasion: Occasion {
                    leader: s.leader,
                    course: (event.kind == EventKind::Course).then_some(event.id),
                    online: chosen.unwrap_or(event.online),
                },
                interval: s.interval,
                topic: event.name,
                live,
            }))
        }
    }
}

/// [`resolve`] over what is stored: `accounts` (already read), and the course links when the
/// occasion is a course's session.
async fn resolution_for(
    store: &dyn Store,
    business: BusinessId,
    accounts: &[(Option<ResourceId>, StoredAccount)],
    occasion: &Occasion,
) -> Result<Option<Resolution>, StoreError> {
    let courses = match occasion.course {
        Some(_) => store.course_links(business).await?,
        None => Vec::new(),
    };
    Ok(resolve(&setup_of(accounts, courses), occasion))
}

/// §J: the link of a booking as it is now (the channel's hide flag is the caller's, see
/// [`shown`]). Reads only: the set-up, the occasion, and the meeting made for it.
///
/// # Errors
/// Storage errors.
pub async fn link_of(
    store: &dyn Store,
    business: &Business,
    booking: &Booking,
) -> Result<LinkState, StoreError> {
    if !booking.status.occupies() {
        return Ok(LinkState::None);
    }
    // Every email and panel row asks: a business without a default account (most of them, or
    // one that disconnected it, §J3) answers after one read.
    let accounts = store.video_accounts(business.id).await?;
    if !has_default(&accounts) {
        return Ok(LinkState::None);
    }
    match occasion_of(store, business, booking).await? {
        Some(of) => link_for(store, business.id, &accounts, &of).await,
        None => Ok(LinkState::None),
    }
}

/// Whether the business has a default account: without one (§J3), no occasion has a link.
fn has_default(accounts: &[(Option<ResourceId>, StoredAccount)]) -> bool {
    accounts.iter().any(|(owner, _)| owner.is_none())
}

/// [`link_of`] for an occasion already read.
///
/// # Errors
/// Storage errors.
pub async fn link_of_occasion(
    store: &dyn Store,
    business: BusinessId,
    of: &OccasionOf,
) -> Result<LinkState, StoreError> {
    let accounts = store.video_accounts(business).await?;
    if !has_default(&accounts) {
        return Ok(LinkState::None);
    }
    link_for(store, business, &accounts, of).await
}

/// [`link_of`] for an occasion already read, against the business's `accounts` already read
/// (a page listing many occasions reads them once).
///
/// # Errors
/// Storage errors.
pub async fn link_for(
    store: &dyn Store,
    business: BusinessId,
    accounts: &[(Option<ResourceId>, StoredAccount)],
    of: &OccasionOf,
) -> Result<LinkState, StoreError> {
    if !of.live {
        return Ok(LinkState::None);
    }
    let Some(resolution) = resolution_for(store, business, accounts, &of.occasion).await? else {
        return Ok(LinkState::None);
    };
    Ok(match resolution.account {
        VideoAccount::Custom(link) => LinkState::Ready(VideoLink {
            url: link.url,
            password: link.password,
            description: link.description,
            made_by: None,
        }),
        VideoAccount::Meetings(host) => match store.meeting(business, &of.key).await? {
            Some(m) if m.meeting.host == host && !m.is_claim() => LinkState::Ready(VideoLink {
                url: m.join_url,
                password: m.password,
                description: None,
                made_by: Some(host.provider),
            }),
            _ => LinkState::Waiting,
        },
        VideoAccount::Calendar => match store.pushed(business, &of.key).await? {
            Some(record) => match record.meeting_url {
                Some(url) => LinkState::Ready(VideoLink {
                    url,
                    password: None,
                    description: None,
                    made_by: None,
                }),
                None => LinkState::None,
            },
            None => {
                let connected = match of.occasion.leader {
                    Some(leader) => store
                        .connection(business, leader)
                        .await?
                        .is_some_and(|c| c.state == crate::calendar::ConnectionState::Connected),
                    None => false,
                };
                if connected { LinkState::Waiting } else { LinkState::None }
            }
        },
    })
}

/// The link as its host uses it: a Zoom meeting's start link (when Zoom gave one), else the
/// same link as everyone's. For staff only: a start link opens the meeting as its host.
///
/// # Errors
/// Storage errors.
pub async fn for_host(
    store: &dyn Store,
    business: BusinessId,
    key: &str,
    mut link: VideoLink,
) -> Result<VideoLink, StoreError> {
    if link.made_by.is_some()
        && let Some(start) = store.meeting(business, key).await?.and_then(|m| m.start_url)
    {
        link.url = start;
    }
    Ok(link)
}

/// The video use cases: accounts, course links, online occasions, and the `video` job that
/// makes, moves and deletes meetings at the meeting services (§J1–§J5).
#[derive(Clone)]
pub struct VideoSync {
    store: Arc<dyn Store>,
    services: Vec<Arc<dyn MeetingConnector>>,
    sealer: Arc<dyn Sealer>,
    clock: Arc<dyn Clock>,
}

/// The kinds of video account that are not meeting services, and `none` (no account): no
/// service may take these ids.
pub const RESERVED_KINDS: [&str; 3] = ["custom", "calendar", "none"];

impl VideoSync {
    /// The use cases over these ports, with these meeting services (each of its own id).
    ///
    /// # Panics
    /// When two services have one id, or one takes a [`RESERVED_KINDS`] id: a wiring mistake.
    pub fn new(
        store: Arc<dyn Store>,
        services: Vec<Arc<dyn MeetingConnector>>,
        sealer: Arc<dyn Sealer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut ids: Vec<Provider> = services.iter().map(|s| s.provider()).collect();
        assert!(
            ids.iter().all(|id| !RESERVED_KINDS.contains(&id.code())),
            "a meeting service id other than custom, calendar and none"
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), services.len(), "one meeting service per id");
        Self { store, services, sealer, clock }
    }

    /// The meeting services this server offers, with their names in `locale`, in the order
    /// the wiring gave them.
    #[must_use]
    pub fn services(&self, locale: Locale) -> Vec<(Provider, &'static str)> {
        self.services.iter().map(|s| (s.provider(), s.label(locale))).collect()
    }

    fn service(&self, provider: Provider) -> Result<&dyn MeetingConnector, VideoError> {
        self.services
            .iter()
            .find(|s| s.provider() == provider)
            .map(AsRef::as_ref)
            .ok_or_else(|| VideoError::UnknownProvider(provider.code().to_owned()))
    }

    /// Sets the default account (`owner: None`, §J1) or a staff member's own (§J2). An app at a
    /// meeting service is checked with the service first (a token and its host) and its secret
    /// sealed; every affected upcoming booking gets a `video` job.
    ///
    /// # Errors
    /// [`VideoError::Refused`], [`VideoError::SecretNeeded`], [`VideoError::UnknownProvider`],
    /// [`VideoError::NoStaff`], storage.
    pub async fn set_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        input: AccountInput,
    ) -> Result<StoredAccount, VideoError> {
        if let Some(r) = owner {
            let staff = self.store.resource(business, r).await?;
            if !staff.is_some_and(|r| r.kind == ResourceKind::Staff) {
                return Err(VideoError::NoStaff);
            }
        }
        let account = match input {
            AccountInput::Custom(link) => StoredAccount::Custom(link),
            AccountInput::Calendar => StoredAccount::Calendar,
            AccountInput::Meetings { provider, account_id, client_id, client_secret, user } => {
                let service = self.service(provider)?;
                let secret = match client_secret {
                    Some(secret) => secret,
                    None => self
                        .saved_secret(business, owner, provider, &account_id, &client_id)
                        .await?
                        .ok_or(VideoError::SecretNeeded)?,
                };
                let app = MeetingApp {
                    provider,
                    account_id,
                    client_id,
                    sealed_secret: self.sealer.seal(&secret),
                    user,
                };
                service.check(&app, &secret).await.map_err(|e| VideoError::Refused(e.0))?;
                StoredAccount::Meetings(app)
            }
        };
        self.store.put_video_account(business, owner, &account, self.clock.now()).await?;
        Ok(account)
    }

    async fn saved_secret(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        provider: Provider,
        account_id: &str,
        client_id: &str,
    ) -> Result<Option<String>, VideoError> {
        let accounts = self.store.video_accounts(business).await?;
        let saved = accounts.into_iter().find_map(|(o, a)| match a {
            StoredAccount::Meetings(app)
                if o == owner
                    && app.provider == provider
                    && app.account_id == account_id
                    && app.client_id == client_id =>
            {
                Some(app.sealed_secret)
            }
            _ => None,
        });
        match saved {
            Some(sealed) => self.sealer.open(&sealed).map(Some).ok_or(VideoError::Sealed),
            None => Ok(None),
        }
    }

    /// Removes an account (§J3 for the default: every occasion loses its link, even those of
    /// staff with their own); the Zoom meetings it made are deleted by the jobs.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn remove_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
    ) -> Result<bool, VideoError> {
        Ok(self.store.delete_video_account(business, owner, self.clock.now()).await?)
    }

    /// Sets or removes a course's custom link (§J4): every session, past and future, resolves
    /// to it from now on; with `notify`, the customers booked on upcoming sessions are emailed
    /// the new link.
    ///
    /// # Errors
    /// [`VideoError::NoCourse`], storage errors.
    pub async fn set_course_link(
        &self,
        business: BusinessId,
        course: EventId,
        link: Option<&CustomLink>,
        notify: bool,
    ) -> Result<bool, VideoError> {
        let event = self.store.event(business, course).await?;
        if !event.is_some_and(|e| e.kind == EventKind::Course) {
            return Err(VideoError::NoCourse);
        }
        Ok(self.store.put_course_link(business, course, link, self.clock.now(), notify).await?)
    }

    /// Turns an occasion online or in person, or back to its default (§J2).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn set_online(
        &self,
        business: BusinessId,
        key: &str,
        online: Option<bool>,
    ) -> Result<(), VideoError> {
        Ok(self.store.set_online(business, key, online, self.clock.now()).await?)
    }

    /// Brings the Zoom meeting of a booking's occasion in line with the rules (§J1, §J5): made
    /// once per occasion, moved on a reschedule, deleted when canceled, in person, or no longer
    /// on Zoom; the old meeting of a rescheduled appointment becomes the new one's.
    ///
    /// # Errors
    /// Zoom and storage errors.
    pub async fn sync_booking(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<(), VideoError> {
        let Some(b) = self.store.business(business).await? else { return Ok(()) };
        let Some(booking) = self.store.booking(business, booking).await? else { return Ok(()) };
        let Some(of) = occasion_of(self.store.as_ref(), &b, &booking).await? else {
            return Ok(());
        };
        if let Some(old) = booking.rescheduled_from {
            let old_key = crate::calendar::booking_key(old);
            if let Some(mut record) = self.store.meeting(business, &old_key).await? {
                if self.store.meeting(business, &of.key).await?.is_none() {
                    record.key.clone_from(&of.key);
                    self.store.put_meeting(&record).await?;
                }
                self.store.delete_meeting(business, &old_key).await?;
            }
        }
        let accounts = self.store.video_accounts(business).await?;
        let resolution =
            resolution_for(self.store.as_ref(), business, &accounts, &of.occasion).await?;
        let mut stored = self.store.meeting(business, &of.key).await?;
        if let Some(claim) = stored.as_ref().filter(|m| m.is_claim()) {
            if !claim.claim_lapsed(self.clock.now()) {
                return Err(VideoError::Busy);
            }
            self.store.delete_meeting(business, &of.key).await?; // its job died: claim again
            stored = None;
        }
        let action = plan(resolution.as_ref(), stored.as_ref().map(|m| &m.meeting), of.live);
        let request = MeetingRequest {
            key: of.key.clone(),
            topic: format!("{} · {}", of.topic, b.name),
            interval: of.interval,
        };
        match action {
            MeetingChange::Nothing => Ok(()),
            MeetingChange::Create { host } => {
                self.create(business, &of, &accounts, &host, &request).await
            }
            MeetingChange::Update { .. } => match stored {
                Some(record) if record.interval != of.interval => {
                    let meeting = self
                        .provider(&record.app)?
                        .update(&record.meeting.meeting_id, &request)
                        .await?;
                    let record = MeetingRecord {
                        join_url: meeting.join_url,
                        start_url: meeting.start_url,
                        password: meeting.password,
                        interval: of.interval,
                        ..record
                    };
                    Ok(self.store.put_meeting(&record).await?)
                }
                _ => Ok(()),
            },
            MeetingChange::Delete { .. } => match stored {
                Some(record) => self.delete(&record).await,
                None => Ok(()),
            },
            MeetingChange::Replace { host, .. } => {
                if let Some(record) = stored {
                    self.delete(&record).await?;
                }
                self.create(business, &of, &accounts, &host, &request).await
            }
        }
    }

    fn provider(&self, app: &MeetingApp) -> Result<Arc<dyn MeetingProvider>, VideoError> {
        let service = self.service(app.provider)?;
        let secret = self.sealer.open(&app.sealed_secret).ok_or(VideoError::Sealed)?;
        Ok(service.meetings(app, &secret))
    }

    async fn create(
        &self,
        business: BusinessId,
        of: &OccasionOf,
        accounts: &[(Option<ResourceId>, StoredAccount)],
        host: &MeetingHost,
        request: &MeetingRequest,
    ) -> Result<(), VideoError> {
        let app = accounts.iter().find_map(|(_, a)| match a {
            StoredAccount::Meetings(app) if app.host() == *host => Some(app.clone()),
            _ => None,
        });
        let Some(app) = app else { return Ok(()) }; // changed meanwhile: its own job follows
        let provider = self.provider(&app)?;
        let claim = MeetingRecord {
            business,
            key: of.key.clone(),
            meeting: StoredMeeting { host: host.clone(), meeting_id: String::new() },
            join_url: String::new(),
            start_url: None,
            password: None,
            app,
            interval: of.interval,
            made_at: self.clock.now(),
        };
        // One meeting per occasion: only the job holding the claim calls the service.
        if !self.store.insert_meeting(&claim).await? {
            return Err(VideoError::Busy);
        }
        let meeting = match provider.create(request).await {
            Ok(meeting) => meeting,
            Err(e) => {
                self.store.delete_meeting(business, &of.key).await?;
                return Err(e.into());
            }
        };
        let record = MeetingRecord {
            meeting: StoredMeeting { host: host.clone(), meeting_id: meeting.id },
            join_url: meeting.join_url,
            start_url: meeting.start_url,
            password: meeting.password,
            made_at: self.clock.now(),
            ..claim
        };
        Ok(self.store.put_meeting(&record).await?)
    }

    async fn delete(&self, record: &MeetingRecord) -> Result<(), VideoError> {
        match self.provider(&record.app) {
            Ok(provider) => provider.delete(&record.meeting.meeting_id).await?,
            // Its secret no longer opens: nobody can reach that meeting any more; forget it.
            Err(VideoError::Sealed) => {}
            Err(e) => return Err(e),
        }
        Ok(self.store.delete_meeting(record.business, &record.key).await?)
    }
}

/// The outbox handler of [`Effect::Video`] jobs.
#[async_trait]
impl JobHandler for VideoSync {
    fn effect(&self) -> Effect {
        Effect::Video
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        match self.sync_booking(job.business, job.booking).await {
            Ok(()) => Ok(()),
            Err(VideoError::Sealed) => {
                Err(JobError::Permanent("stored meeting service secrets do not open".into()))
            }
            // The service is no longer wired on this server: no retry can reach it.
            Err(e @ VideoError::UnknownProvider(_)) => Err(JobError::Permanent(e.to_string())),
            Err(VideoError::Busy) => Err(JobError::Wait(
                "another job is making the meeting".into(),
                SignedDuration::from_secs(5),
            )),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }
}
