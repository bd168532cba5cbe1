//! Video conferencing (§J): storing the set-up and the meetings made, and connecting to the
//! meeting services (Zoom).

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;

use crate::error::StoreError;
use crate::ids::{BusinessId, EventId, ResourceId};
use crate::ports::meetings::{MeetingError, MeetingProvider};
use crate::provider::Provider;
use crate::settings::Locale;
use crate::video::{CustomLink, MeetingApp, MeetingRecord, StoredAccount};

/// Storage of the video set-up and of the meetings made. Sealing is the caller's.
///
/// Every set-up change also writes, in its transaction, the jobs
/// [`crate::video::jobs_after_change`] decides for the [`crate::video::Concerned`] bookings of
/// its [`crate::video::Affected`] scope, so the meetings follow even after a crash; and keeps
/// [`crate::catalog::Business`]'s `video_meetings` flag (an account at a meeting service
/// exists), bumping the revision when it flips.
#[async_trait]
pub trait VideoStore: Send + Sync {
    /// Sets the business's default account (`owner: None`) or a staff member's own.
    async fn put_video_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        account: &StoredAccount,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Removes an account (disconnecting the default, §J3); `false` when there was none.
    async fn delete_video_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Every account of a business: the default (`None`) and the staff members' own.
    async fn video_accounts(
        &self,
        business: BusinessId,
    ) -> Result<Vec<(Option<ResourceId>, StoredAccount)>, StoreError>;
    /// Sets (`Some`) or removes a course's custom link (§J4); with `notify`, also writes a
    /// `notify` job (event `booking.video`) for each upcoming booking of its sessions. `false`
    /// when there was nothing to remove.
    async fn put_course_link(
        &self,
        business: BusinessId,
        course: EventId,
        link: Option<&CustomLink>,
        at: Timestamp,
        notify: bool,
    ) -> Result<bool, StoreError>;
    /// Every course link of a business.
    async fn course_links(
        &self,
        business: BusinessId,
    ) -> Result<Vec<(EventId, CustomLink)>, StoreError>;
    /// Turns an occasion online or in person (§J2), or back to its service's or event's
    /// default (`None`).
    async fn set_online(
        &self,
        business: BusinessId,
        key: &str,
        online: Option<bool>,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    /// What staff chose for an occasion, if anything.
    async fn online_override(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<bool>, StoreError>;
    /// The meeting made for an occasion.
    async fn meeting(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<MeetingRecord>, StoreError>;
    /// Records a new meeting for an occasion unless it already has one: `false` when another
    /// worker got there first (one meeting per occasion).
    async fn insert_meeting(&self, record: &MeetingRecord) -> Result<bool, StoreError>;
    /// Replaces the record of an occasion's meeting (moved, or re-keyed on a reschedule).
    async fn put_meeting(&self, record: &MeetingRecord) -> Result<(), StoreError>;
    /// Forgets the meeting of an occasion.
    async fn delete_meeting(&self, business: BusinessId, key: &str) -> Result<(), StoreError>;
}

/// One meeting service (`booking-video-zoom` implements it for Zoom): its id and name, and its
/// clients, made from stored apps. The set is open: the wiring registers any number, each with
/// an id of its own other than `custom`, `calendar` and `none`.
#[async_trait]
pub trait MeetingConnector: Send + Sync {
    /// Which service this is (`zoom`).
    fn provider(&self) -> Provider;
    /// The service's name in a language, for pages (`Zoom`).
    fn label(&self, locale: Locale) -> &'static str;
    /// The meetings of an app, its secret opened.
    fn meetings(&self, app: &MeetingApp, secret: &str) -> Arc<dyn MeetingProvider>;
    /// Whether the service grants the app a token and knows its host.
    async fn check(&self, app: &MeetingApp, secret: &str) -> Result<(), MeetingError>;
}
