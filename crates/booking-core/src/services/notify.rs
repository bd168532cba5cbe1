//! The email service (§E): the `notify` and `notify_staff` jobs compose each email from the
//! booking as it is now, read through the storage port, and send it through the mailer.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::booking::{Booking, Target};
use crate::catalog::Business;
use crate::notify::{Subject, Trigger, compose, render, staff_template};
use crate::outbox::{BookingEvent, Effect, Job, JobError};
use crate::ports::clock::Clock;
use crate::ports::mail::MailError;
use crate::ports::mail::Mailer;
use crate::ports::mail::Message;
use crate::ports::outbox::JobHandler;
use crate::ports::store::{Store, StoreError};

/// Runs `notify` jobs: composes the customer's email from the booking as it is now and sends
/// it through the mailer.
pub struct Notifier {
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    links: Option<(crate::services::accounts::Accounts, String)>,
    video: Option<crate::services::video::VideoSync>,
    meeting_placeholders: std::collections::BTreeMap<crate::calendar::Provider, &'static str>,
}

impl Notifier {
    /// A notifier over the ports.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, mailer: Arc<dyn Mailer>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            mailer,
            clock,
            links: None,
            video: None,
            meeting_placeholders: std::collections::BTreeMap::new(),
        }
    }

    /// The placeholder each calendar provider's meeting links fill in emails (§H3;
    /// [`crate::services::calendar::CalendarSync::meeting_placeholders`]).
    #[must_use]
    pub fn with_meeting_placeholders(
        mut self,
        placeholders: std::collections::BTreeMap<crate::calendar::Provider, &'static str>,
    ) -> Self {
        self.meeting_placeholders = placeholders;
        self
    }

    /// Makes an occasion's Zoom meeting itself when its email finds none yet, rather than
    /// waiting for the `video` job (which then finds it made: one meeting per occasion).
    #[must_use]
    pub fn with_video(mut self, video: crate::services::video::VideoSync) -> Self {
        self.video = Some(video);
        self
    }

    /// Fills `%customer_panel_url%` and `%appointment_cancel_url%` with links to the pages
    /// served at `base_url`: the panel (a one-use magic link when the business does not require
    /// passwords, §D2), and a cancel link valid until the booking starts.
    #[must_use]
    pub fn with_links(
        mut self,
        accounts: crate::services::accounts::Accounts,
        base_url: &str,
    ) -> Self {
        self.links = Some((accounts, base_url.trim_end_matches('/').to_owned()));
        self
    }

    async fn links(
        &self,
        business: &Business,
        booking: &Booking,
        trigger: Trigger,
        start: Timestamp,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let Some((accounts, base)) = &self.links else { return Ok((None, None)) };
        let settings = &business.settings;
        let root = format!("{base}/b/{}", business.id);
        // The pages a link opens speak the customer's language too.
        let lang = booking.locale.map(|l| format!("&lang={}", l.code())).unwrap_or_default();
        let live = matches!(
            trigger,
            Trigger::Approved | Trigger::Pending | Trigger::Rescheduled | Trigger::Reminder
        );
        let cancel = if live && start > self.clock.now() {
            let token =
                accounts.cancel_link(business.id, booking.customer, booking.id, start).await?;
            Some(format!("{root}/cancel?token={}{lang}", token.expose()))
        } else {
            None
        };
        if !settings.panel_enabled {
            return Ok((None, cancel));
        }
        let magic = match booking.customer {
            Some(customer) if !settings.require_password => {
                match accounts.magic_link(business.id, customer).await {
                    Ok(token) => Some(format!("{root}/magic?token={}{lang}", token.expose())),
                    Err(crate::accounts::AccountError::Store(e)) => return Err(e),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        let panel =
            magic.or_else(|| settings.panel_url.clone()).unwrap_or_else(|| format!("{root}/panel"));
        Ok((Some(panel), cancel))
    }

    async fn subject_of<'a>(
        &self,
        business: &'a Business,
        booking: &'a Booking,
    ) -> Result<Option<Subject<'a>>, StoreError> {
        let store = &self.store;
        let lineage = crate::services::lineage::lineage(&**store, business.id, booking).await?;
        let subject = match &booking.target {
            Target::Appointment { service, resource, slot, .. } => {
                let service = store.service(business.id, *service).await?;
                let resource = store.resource(business.id, *resource).await?;
                let initial = match booking.rescheduled_from {
                    Some(old) => store.booking(business.id, old).await?.and_then(|b| b.slot()),
                    None => None,
                };
                Subject {
                    business,
                    booking,
                    what: service.map_or_else(|| (String::new(), 0), |s| (s.name, s.price_minor)),
                    interval: *slot,
                    location: None,
                    employee: resource
                        .filter(|r| r.kind == crate::catalog::ResourceKind::Staff)
                        .map(|r| (r.name, r.email)),
                    initial,
                    panel_url: None,
                    cancel_url: None,
                    meeting: None,
                    video: None,
                    lineage,
                }
            }
            Target::Session { session, .. } => {
                let Some(s) = store.session(business.id, *session).await? else { return Ok(None) };
                let event = store.event(business.id, s.event).await?;
                let leader = match s.leader {
                    Some(id) => store.resource(business.id, id).await?,
                    None => None,
                };
                Subject {
                    business,
                    booking,
                    what: event
                        .as_ref()
                        .map_or_else(|| (String::new(), 0), |e| (e.name.clone(), e.price_minor)),
                    interval: s.interval,
                    location: event.and_then(|e| e.location),
                    employee: leader.map(|r| (r.name, r.email)),
                    initial: None,
                    panel_url: None,
                    cancel_url: None,
                    meeting: None,
                    video: None,
                    lineage,
                }
            }
        };
        Ok(Some(subject))
    }
}

impl Notifier {
    /// The Meet / Teams link of the booking's calendar event for its email (§H3), unless the
    /// business hides video links from emails (§J6). While the employee's calendar has not
    /// made the event yet (the calendar job runs beside this one), the email waits for it:
    /// a retry, three at most, then it goes without the link.
    async fn meeting_link(
        &self,
        business: &Business,
        booking: &Booking,
        job: &Job,
    ) -> Result<Option<(Option<&'static str>, String)>, JobError> {
        let settings = &business.settings;
        if !settings.calendar.add_meeting_link || settings.hide_video_links_in_emails {
            return Ok(None);
        }
        let temporary = |e: StoreError| JobError::Retry(e.to_string());
        let key = crate::calendar::occasion_key(booking);
        let employee = match booking.target {
            Target::Appointment { resource, .. } => Some(resource),
            Target::Session { session, .. } => {
                let leader = self.store.session(business.id, session).await.map_err(temporary)?;
                leader.and_then(|s| s.leader)
            }
        };
        if let Some(record) = self.store.pushed(business.id, &key).await.map_err(temporary)? {
            let placeholder = self.meeting_placeholders.get(&record.provider).copied();
            return Ok(record.meeting_url.map(|url| (placeholder, url)));
        }
        let Some(employee) = employee else { return Ok(None) };
        let connected = self
            .store
            .connection(business.id, employee)
            .await
            .map_err(temporary)?
            .is_some_and(|c| c.state == crate::calendar::ConnectionState::Connected);
        let live = booking.status.occupies();
        if connected && live && job.attempts < 4 {
            return Err(JobError::Retry("waiting for the calendar's meeting link".into()));
        }
        Ok(None)
    }

    /// The occasion's video link for its email (§J), unless the business hides video links
    /// from emails (§J6). A Zoom meeting not made yet is made here (with [`Self::with_video`]);
    /// while it cannot be (Zoom failing, or a calendar's meeting still to come), the email
    /// waits: a retry, three at most, then it goes without the link.
    async fn video_link(
        &self,
        business: &Business,
        booking: &Booking,
        job: &Job,
    ) -> Result<Option<crate::video::VideoLink>, JobError> {
        use crate::video::{Channel, LinkState, shown};
        let settings = &business.settings;
        if !shown(
            Channel::Email,
            settings.hide_video_links_in_emails,
            settings.hide_video_links_in_panel,
        ) {
            return Ok(None);
        }
        let (state, busy) =
            self.made_link(business, booking).await.map_err(|e| JobError::Retry(e.to_string()))?;
        match state {
            LinkState::Ready(link) => Ok(Some(link)),
            LinkState::Waiting if busy && job.attempts < 8 => Err(JobError::Wait(
                "the video meeting is being made".into(),
                SignedDuration::from_secs(2),
            )),
            LinkState::Waiting if job.attempts < 4 => {
                Err(JobError::Retry("waiting for the video meeting".into()))
            }
            LinkState::Waiting | LinkState::None => Ok(None),
        }
    }

    /// The occasion's link, its Zoom meeting made here when none is made yet (with
    /// [`Self::with_video`]); `true` when the `video` job is making it at this very moment.
    /// Zoom failing leaves it [`crate::video::LinkState::Waiting`]: the caller decides whether to
    /// wait.
    async fn made_link(
        &self,
        business: &Business,
        booking: &Booking,
    ) -> Result<(crate::video::LinkState, bool), StoreError> {
        use crate::services::video::link_of;
        use crate::video::{LinkState, VideoError};
        let state = link_of(self.store.as_ref(), business, booking).await?;
        let (LinkState::Waiting, Some(video)) = (&state, &self.video) else {
            return Ok((state, false));
        };
        match video.sync_booking(business.id, booking.id).await {
            Ok(()) => Ok((link_of(self.store.as_ref(), business, booking).await?, false)),
            Err(VideoError::Busy) => Ok((state, true)),
            Err(_) => Ok((state, false)),
        }
    }

    /// What a notify job announces: the business, the booking as it is now, and the email
    /// trigger of the status the event announced (not today's: a booking made pending and
    /// approved since is announced as pending, and the approval sends its own email). `None`
    /// when there is nothing to tell.
    async fn announced(
        &self,
        job: &Job,
    ) -> Result<Option<(Business, Booking, Trigger)>, StoreError> {
        let Some(business) = self.store.business(job.business).await? else {
            return Ok(None); // nothing to tell about a business that is gone
        };
        let Some(booking) = self.store.booking(job.business, job.booking).await? else {
            return Ok(None);
        };
        let status = match job.event {
            BookingEvent::Status(s) => s,
            BookingEvent::Reminder | BookingEvent::Anonymised | BookingEvent::VideoChanged => {
                booking.status
            }
            BookingEvent::Created | BookingEvent::Rescheduled => {
                let history = self.store.history(business.id, booking.id).await?;
                history.first().map_or(booking.status, |h| h.to)
            }
        };
        Ok(Trigger::of(job.event, status).map(|t| (business, booking, t)))
    }
}

/// A temporary mail failure is retried with backoff, a permanent one parks the job.
fn retry_or_park(e: MailError) -> JobError {
    match e {
        MailError::Temporary(why) => JobError::Retry(why),
        MailError::Permanent(why) => JobError::Permanent(why),
    }
}

#[async_trait]
impl JobHandler for Notifier {
    fn effect(&self) -> Effect {
        Effect::Notify
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let temporary = |e: StoreError| JobError::Retry(e.to_string());
        let Some((business, booking, trigger)) = self.announced(job).await.map_err(temporary)?
        else {
            return Ok(());
        };
        let Some(mut subject) = self.subject_of(&business, &booking).await.map_err(temporary)?
        else {
            return Ok(());
        };
        if trigger == Trigger::Reminder && subject.interval.start() <= self.clock.now() {
            return Ok(()); // a reminder that comes too late is noise
        }
        if booking.contact.email.is_none() {
            return Ok(()); // no address (or erased by anonymisation): no links to draw either
        }
        let (panel, cancel) = self
            .links(&business, &booking, trigger, subject.interval.start())
            .await
            .map_err(temporary)?;
        subject.panel_url = panel;
        subject.cancel_url = cancel;
        subject.meeting = self.meeting_link(&business, &booking, job).await?;
        subject.video = self.video_link(&business, &booking, job).await?;
        if trigger == Trigger::VideoLink && subject.video.is_none() {
            return Ok(()); // hidden from emails (§J6), or gone since: nothing to tell
        }
        // The customer's language: the business's own wording of this email in it, else the
        // default one in it.
        let custom = self
            .store
            .email_template(business.id, trigger, subject.locale())
            .await
            .map_err(temporary)?;
        let key = job.delivery_key();
        let Some(message) = compose(trigger, &subject, custom.as_ref(), &key, self.clock.now())
        else {
            return Ok(()); // no address (or erased by anonymisation)
        };
        self.mailer.send(&message).await.map_err(retry_or_park)
    }
}

/// Runs `notify_staff` jobs: tells the staff member taking a booking (the appointment's staff
/// resource, or the session's leader, when they have an email) that it was made, canceled,
/// rejected or moved.
pub struct StaffNotifier(Notifier);

impl StaffNotifier {
    /// A staff notifier over the ports.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, mailer: Arc<dyn Mailer>, clock: Arc<dyn Clock>) -> Self {
        Self(Notifier::new(store, mailer, clock))
    }

    /// Gives the staff member the occasion's video link, making its Zoom meeting when none is
    /// made yet (as [`Notifier::with_video`]).
    #[must_use]
    pub fn with_video(self, video: crate::services::video::VideoSync) -> Self {
        Self(self.0.with_video(video))
    }
}

impl Notifier {
    /// The link the staff member taking or leading an occasion uses: for a Zoom meeting, the
    /// host's start link. Staff emails are not customer confirmations: the §J6 flags do not
    /// apply. No waiting: when no link is made yet, the email goes without it (the back
    /// office's video page shows it once made).
    async fn staff_video_link(
        &self,
        business: &Business,
        booking: &Booking,
    ) -> Result<Option<crate::video::VideoLink>, StoreError> {
        let (crate::video::LinkState::Ready(link), _) = self.made_link(business, booking).await?
        else {
            return Ok(None);
        };
        let key = crate::calendar::occasion_key(booking);
        Ok(Some(
            crate::services::video::for_host(self.store.as_ref(), business.id, &key, link).await?,
        ))
    }
}

#[async_trait]
impl JobHandler for StaffNotifier {
    fn effect(&self) -> Effect {
        Effect::NotifyStaff
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let n = &self.0;
        let temporary = |e: StoreError| JobError::Retry(e.to_string());
        let Some((business, booking, trigger)) = n.announced(job).await.map_err(temporary)? else {
            return Ok(());
        };
        // Reminders are the customer's only: no staff wording.
        let Some((subject_text, body)) = staff_template(trigger, business.locale) else {
            return Ok(());
        };
        let Some(mut subject) = n.subject_of(&business, &booking).await.map_err(temporary)? else {
            return Ok(());
        };
        let Some(to) = subject.employee.as_ref().and_then(|(_, email)| email.clone()) else {
            return Ok(()); // a desk, or staff without an address
        };
        subject.video = n.staff_video_link(&business, &booking).await.map_err(temporary)?;
        let values = subject.values();
        let message = Message {
            to,
            subject: render(subject_text, &values, false),
            text: render(body, &values, true),
            html: None,
            attachments: Vec::new(),
            idempotency_key: job.delivery_key(),
        };
        n.mailer.send(&message).await.map_err(retry_or_park)
    }
}
