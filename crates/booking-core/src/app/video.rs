//! Video conferencing (§J) as people set it up and use it: admins and managers read the set-up,
//! admins set the default account, staff members their own, courses get links of their own,
//! and each booking's link is shown to who may see it. The JSON API and the back office both
//! come here.

use super::App;
use super::access::{UseCase, authorize};
use super::bookings::{BookingUse, staff_action};
use crate::access::{Action, Principal};
use crate::booking::{Booking, Target};
use crate::catalog::Business;
use crate::ids::{BookingId, BusinessId, EventId, ResourceId, SessionId};
use crate::services::video::{
    VideoSync, for_host, link_for, link_of, link_of_occasion, occasion_of,
};
use crate::time::Interval;
use crate::video::{
    AccountInput, Channel, CustomLink, LinkState, StoredAccount, VideoError, shown,
};

/// The business's video set-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoSetupView {
    /// The default account (owner `None`) and staff members' own.
    pub accounts: Vec<(Option<ResourceId>, StoredAccount)>,
    /// The courses' own links.
    pub courses: Vec<(EventId, CustomLink)>,
}

/// A booking's video as its viewer may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OccasionVideo {
    /// Whether the occasion is online.
    pub online: bool,
    /// Its link (none when hidden from this viewer).
    pub link: LinkState,
    /// For staff, the link that opens a Zoom meeting as its host.
    pub start_url: Option<String>,
}

/// One of a staff member's upcoming occasions, with the link they host it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedOccasion {
    /// `booking-<id>` or `session-<id>`.
    pub key: String,
    /// The service's or event's name.
    pub topic: String,
    /// When it starts.
    pub start: jiff::Timestamp,
    /// Whether it is online.
    pub online: bool,
    /// A Zoom meeting's start link, else the link everyone uses, once there is one.
    pub link: Option<String>,
}

impl App {
    /// The upcoming occasions (within `days`) that `staff` hosts and that still hold: the
    /// appointments they take and the sessions they lead, each once, by start (admins,
    /// managers, or that staff member).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn hosted_occasions(
        &self,
        caller: &Principal,
        business: &Business,
        staff: ResourceId,
        days: i64,
    ) -> Result<Vec<HostedOccasion>, VideoError> {
        authorize(caller, business.id, UseCase::ManageVideoOf(staff))?;
        let store = self.engine.ports().store.as_ref();
        let now = self.engine.ports().clock.now();
        let ahead = jiff::SignedDuration::from_hours(24 * days);
        let Ok(window) = Interval::new(now, now.saturating_add(ahead).unwrap_or(now)) else {
            return Ok(Vec::new());
        };
        let bookings = store.bookings_in(business.id, window).await?;
        let accounts = store.video_accounts(business.id).await?;
        let mut seen = std::collections::BTreeSet::new();
        let mut found = Vec::new();
        for booking in bookings.iter().filter(|b| b.status.occupies()) {
            // Each occasion once (a session's bookings share it), and only the employee's.
            let key = crate::calendar::occasion_key(booking);
            if !seen.insert(key.clone()) {
                continue;
            }
            let hosts = match booking.target {
                Target::Appointment { resource, .. } => resource == staff,
                Target::Session { session, .. } => store
                    .session(business.id, session)
                    .await?
                    .is_some_and(|s| s.leader == Some(staff)),
            };
            if !hosts {
                continue;
            }
            let Some(of) = occasion_of(store, business, booking).await? else { continue };
            let link = match link_for(store, business.id, &accounts, &of).await? {
                LinkState::Ready(l) => Some(for_host(store, business.id, &key, l).await?.url),
                LinkState::Waiting | LinkState::None => None,
            };
            found.push(HostedOccasion {
                key,
                topic: of.topic,
                start: of.interval.start(),
                online: of.occasion.online,
                link,
            });
        }
        found.sort_by_key(|o| o.start);
        Ok(found)
    }

    /// The link of a booking a page already shows (its customer's panel, an email's cancel
    /// page): the channel's hide setting is the page's to apply.
    ///
    /// # Errors
    /// Storage.
    pub async fn shown_link(
        &self,
        business: &Business,
        booking: &Booking,
    ) -> Result<LinkState, crate::ports::store::StoreError> {
        link_of(self.engine.ports().store.as_ref(), business, booking).await
    }

    /// The video service, or [`VideoError::Off`].
    fn video_on(&self) -> Result<&VideoSync, VideoError> {
        self.video.as_ref().ok_or(VideoError::Off)
    }

    /// Whose account this is, as a use case: the default is the business's, a staff member's
    /// their own.
    const fn account_use(owner: Option<ResourceId>) -> UseCase {
        match owner {
            None => UseCase::UpdateSettings,
            Some(r) => UseCase::ManageVideoOf(r),
        }
    }

    /// The default account, staff members' own and the courses' links (admins, managers).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn video_setup(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<VideoSetupView, VideoError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        let store = &self.engine.ports().store;
        Ok(VideoSetupView {
            accounts: store.video_accounts(business).await?,
            courses: store.course_links(business).await?,
        })
    }

    /// A staff member's own account (admins, or that staff member).
    ///
    /// # Errors
    /// Denied, none set, storage.
    pub async fn staff_video_account(
        &self,
        caller: &Principal,
        business: BusinessId,
        staff: ResourceId,
    ) -> Result<StoredAccount, VideoError> {
        authorize(caller, business, UseCase::ManageVideoOf(staff))?;
        let accounts = self.engine.ports().store.video_accounts(business).await?;
        accounts
            .into_iter()
            .find(|(o, _)| *o == Some(staff))
            .map(|(_, a)| a)
            .ok_or(VideoError::NotFound)
    }

    /// Sets the default account (`owner: None`, admins) or a staff member's own (admins, or
    /// that staff member). A Zoom app is checked with Zoom first.
    ///
    /// # Errors
    /// Denied, video off, Zoom's refusal, storage.
    pub async fn set_video_account(
        &self,
        caller: &Principal,
        business: BusinessId,
        owner: Option<ResourceId>,
        input: AccountInput,
    ) -> Result<StoredAccount, VideoError> {
        authorize(caller, business, Self::account_use(owner))?;
        self.video_on()?.set_account(business, owner, input).await
    }

    /// Removes the default account (admins; no occasion has a link any more) or a staff
    /// member's own (admins, or that staff member; the default applies again).
    ///
    /// # Errors
    /// Denied, video off, none set, storage.
    pub async fn remove_video_account(
        &self,
        caller: &Principal,
        business: BusinessId,
        owner: Option<ResourceId>,
    ) -> Result<(), VideoError> {
        authorize(caller, business, Self::account_use(owner))?;
        let removed = self.video_on()?.remove_account(business, owner).await?;
        if removed { Ok(()) } else { Err(VideoError::NotFound) }
    }

    /// Sets (`Some`) or removes (`None`) a course's own link (admins, managers); with
    /// `notify`, the customers booked on its upcoming sessions are emailed the new one.
    ///
    /// # Errors
    /// Denied, video off, no such event, not a course, no link to remove, storage.
    pub async fn set_course_link(
        &self,
        caller: &Principal,
        business: BusinessId,
        course: EventId,
        link: Option<&CustomLink>,
        notify: bool,
    ) -> Result<(), VideoError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        self.engine.ports().store.event(business, course).await?.ok_or(VideoError::NotFound)?;
        let changed = self.video_on()?.set_course_link(business, course, link, notify).await?;
        if changed || link.is_some() { Ok(()) } else { Err(VideoError::NotFound) }
    }

    /// A booking's video: for its customer (unless the business hides links from the panel),
    /// the staff member taking it, agents and up; staff also get the host's link.
    ///
    /// # Errors
    /// Denied (a customer is told "not found" for others' bookings), storage.
    pub async fn booking_video(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<OccasionVideo, VideoError> {
        let (b, found) = self.video_booking(caller, business, booking).await?;
        let staff_side = caller.may(staff_action(&found, BookingUse::Read));
        if !staff_side {
            super::bookings::may_use(caller, &found, BookingUse::Read)?;
        }
        let s = &b.settings;
        let hidden = !staff_side
            && !shown(Channel::Panel, s.hide_video_links_in_emails, s.hide_video_links_in_panel);
        self.occasion_video(&b, &found, hidden, staff_side).await
    }

    /// Turns an appointment online or in person, or back to its service's default (the staff
    /// member taking it, agents and up; for a seat, the session's leader).
    ///
    /// # Errors
    /// Denied, video off, not found, storage.
    pub async fn set_booking_online(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
        online: Option<bool>,
    ) -> Result<OccasionVideo, VideoError> {
        let (b, found) = self.video_booking(caller, business, booking).await?;
        let action = match found.target {
            Target::Appointment { resource, .. } => Action::ManageBookingsOf(resource),
            Target::Session { session, .. } => self.session_action(business, session).await?,
        };
        caller.authorize(business, action)?;
        let key = crate::calendar::occasion_key(&found);
        self.video_on()?.set_online(business, &key, online).await?;
        self.occasion_video(&b, &found, false, true).await
    }

    /// Turns a session online or in person, or back to its event's default (its leader, agents
    /// and up).
    ///
    /// # Errors
    /// Denied, video off, not found, storage.
    pub async fn set_session_online(
        &self,
        caller: &Principal,
        business: BusinessId,
        session: SessionId,
        online: Option<bool>,
    ) -> Result<(), VideoError> {
        caller.member_of(business)?;
        let action = self.session_action(business, session).await?;
        caller.authorize(business, action)?;
        let key = crate::calendar::session_key(session);
        self.video_on()?.set_online(business, &key, online).await
    }

    /// The business and one of its bookings, for a member of it.
    async fn video_booking(
        &self,
        caller: &Principal,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<(Business, Booking), VideoError> {
        caller.member_of(business)?;
        let store = &self.engine.ports().store;
        let b = store.business(business).await?.ok_or(VideoError::NotFound)?;
        let found = store.booking(business, booking).await?.ok_or(VideoError::NotFound)?;
        Ok((b, found))
    }

    /// Who may change a session's link: its leader, agents and up.
    async fn session_action(
        &self,
        business: BusinessId,
        session: SessionId,
    ) -> Result<Action, VideoError> {
        let store = &self.engine.ports().store;
        let s = store.session(business, session).await?.ok_or(VideoError::NotFound)?;
        Ok(s.leader.map_or(Action::ManageAllBookings, Action::ManageBookingsOf))
    }

    async fn occasion_video(
        &self,
        b: &Business,
        booking: &Booking,
        hidden: bool,
        host: bool,
    ) -> Result<OccasionVideo, VideoError> {
        let store = self.engine.ports().store.as_ref();
        let of = occasion_of(store, b, booking).await?;
        let online = of.as_ref().is_some_and(|o| o.occasion.online);
        // The occasion is read once; its link comes from it (a booking that no longer holds,
        // a canceled seat in a session that goes on, has none).
        let link = match &of {
            Some(of) if !hidden && booking.status.occupies() => {
                link_of_occasion(store, b.id, of).await?
            }
            _ => LinkState::None,
        };
        let start_url = match (&link, &of) {
            (LinkState::Ready(l), Some(of)) if host && l.made_by.is_some() => {
                store.meeting(b.id, &of.key).await?.and_then(|m| m.start_url)
            }
            _ => None,
        };
        Ok(OccasionVideo { online, link, start_url })
    }
}
