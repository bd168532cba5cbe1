//! The calendar service (§H): OAuth integrations, connecting employees, pushing bookings to
//! their calendars, pulling their busy times, and the `calendar` job, over the storage port.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::booking::{Booking, Target};
use crate::calendar::{
    Attendee, CalendarError, Connection, ConnectionState, Grant, Integration, OAuthApp, Occurrence,
    Plan, Provider, PushedRecord, SyncError, booking_key, idempotency_key, needs_refresh, plan,
    session_key,
};
use crate::catalog::{Business, Resource};
use crate::ids::{BookingId, BusinessId, ResourceId, SessionId};
use crate::outbox::{Effect, Job, JobError};
use crate::ports::calendar::CalendarApi;
use crate::ports::calendar::Sealer;
use crate::ports::clock::Clock;
use crate::ports::mail::Mailer;
use crate::ports::mail::Message;
use crate::ports::outbox::JobHandler;
use crate::ports::store::{Store, StoreError};
use crate::template::{Escape, Template, Values};
use crate::time::Interval;

/// The calendar use cases: integrations, connecting employees, pushing, pulling busy times.
#[derive(Clone)]
pub struct CalendarSync {
    store: Arc<dyn Store>,
    apis: BTreeMap<Provider, Arc<dyn CalendarApi>>,
    sealer: Arc<dyn Sealer>,
    clock: Arc<dyn Clock>,
    mailer: Option<Arc<dyn Mailer>>,
}

impl CalendarSync {
    /// The use cases over these ports, with one API per provider.
    pub fn new(
        store: Arc<dyn Store>,
        apis: Vec<Arc<dyn CalendarApi>>,
        sealer: Arc<dyn Sealer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let apis = apis.into_iter().map(|a| (a.provider(), a)).collect();
        Self { store, apis, sealer, clock, mailer: None }
    }

    /// Tells employees by email when their connection breaks.
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Saves a business's OAuth application (the secret is sealed here).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn configure(&self, business: BusinessId, app: &OAuthApp) -> Result<(), StoreError> {
        let integration = Integration {
            business,
            provider: app.provider,
            client_id: app.client_id.clone(),
            sealed_secret: self.sealer.seal(&app.client_secret),
            redirect_uri: app.redirect_uri.clone(),
        };
        self.store.put_integration(&integration).await
    }

    /// Forgets a business's OAuth application for a provider; its employees' connections stay,
    /// but cannot refresh their tokens until an application is set again. `false`: there was
    /// none.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn remove_integration(
        &self,
        business: BusinessId,
        provider: Provider,
    ) -> Result<bool, StoreError> {
        self.store.delete_integration(business, provider).await
    }

    /// A business's OAuth application, secret opened.
    ///
    /// # Errors
    /// [`SyncError::NotConfigured`], [`SyncError::Sealed`], storage errors.
    pub async fn app(
        &self,
        business: BusinessId,
        provider: Provider,
    ) -> Result<OAuthApp, SyncError> {
        let Some(i) = self.store.integration(business, provider).await? else {
            return Err(SyncError::NotConfigured);
        };
        let client_secret = self.sealer.open(&i.sealed_secret).ok_or(SyncError::Sealed)?;
        Ok(OAuthApp {
            provider,
            client_id: i.client_id,
            client_secret,
            redirect_uri: i.redirect_uri,
        })
    }

    /// The providers registered, in id order.
    #[must_use]
    pub fn providers(&self) -> Vec<Provider> {
        self.apis.keys().copied().collect()
    }

    /// A registered provider's product name in a language.
    #[must_use]
    pub fn label(
        &self,
        provider: Provider,
        locale: crate::settings::Locale,
    ) -> Option<&'static str> {
        self.apis.get(&provider).map(|api| api.label(locale))
    }

    /// The email placeholder each provider's meeting links fill (§H3), for the notifier.
    #[must_use]
    pub fn meeting_placeholders(&self) -> BTreeMap<Provider, &'static str> {
        self.apis.iter().filter_map(|(p, api)| Some((*p, api.meeting_placeholder()?))).collect()
    }

    fn api(&self, provider: Provider) -> Result<&Arc<dyn CalendarApi>, SyncError> {
        self.apis.get(&provider).ok_or(SyncError::NotConfigured)
    }

    /// The consent page an employee is sent to; `state` is checked by the caller on return.
    ///
    /// # Errors
    /// As [`Self::app`].
    pub async fn authorize_url(
        &self,
        business: BusinessId,
        provider: Provider,
        state: &str,
    ) -> Result<String, SyncError> {
        let app = self.app(business, provider).await?;
        Ok(self.api(provider)?.oauth().authorize_url(&app, state))
    }

    /// Finishes the OAuth flow for an employee: exchanges the code, reads the account, stores
    /// the sealed tokens (replacing any earlier connection). Call [`Self::catch_up`] next (the
    /// server does it in the background).
    ///
    /// # Errors
    /// [`SyncError::NoEmployee`], provider refusals, storage errors.
    pub async fn connect(
        &self,
        business: BusinessId,
        resource: ResourceId,
        provider: Provider,
        code: &str,
    ) -> Result<Connection, SyncError> {
        let staff = self.store.resource(business, resource).await?;
        if !staff.is_some_and(|r| r.kind == crate::catalog::ResourceKind::Staff) {
            return Err(SyncError::NoEmployee);
        }
        let app = self.app(business, provider).await?;
        let api = self.api(provider)?;
        let grant = api.oauth().exchange_code(&app, code).await?;
        let account = api.account(&grant.access_token).await?;
        let Some(refresh) = grant.refresh_token.as_deref() else {
            return Err(
                CalendarError::Failed("the provider granted no refresh token".into()).into()
            );
        };
        if let Some(old) = self.store.connection(business, resource).await?
            && (old.provider != provider || old.account != account)
        {
            self.store.delete_connection(business, resource).await?;
        }
        let connection = Connection {
            business,
            resource,
            provider,
            account,
            sealed_access: self.sealer.seal(&grant.access_token),
            sealed_refresh: self.sealer.seal(refresh),
            expires_at: self.expiry(&grant),
            state: ConnectionState::Connected,
            last_sync: None,
            last_error: None,
            connected_at: self.clock.now(),
        };
        self.store.put_connection(&connection).await?;
        Ok(connection)
    }

    /// After connecting: pulls the employee's busy times and pushes their upcoming bookings
    /// (what was booked before, or missed while the connection was broken). A provider failure
    /// is recorded on the connection (`last_error`), not returned: the periodic pull and the
    /// next booking change try again.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn catch_up(
        &self,
        business: BusinessId,
        resource: ResourceId,
        window_days: u32,
    ) -> Result<(), StoreError> {
        let pulled = self.pull_busy(business, resource, window_days).await;
        let pushed = self.push_upcoming(business, resource).await;
        for result in [pulled.map(|_| ()), pushed] {
            match result {
                Ok(()) => {}
                Err(SyncError::Store(e)) => return Err(e),
                Err(e) => {
                    if let Some(mut c) = self.store.connection(business, resource).await? {
                        c.last_error = Some(e.to_string());
                        self.store.update_connection(&c).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Disconnects an employee: revokes the refresh token where the provider can, forgets the
    /// tokens, the pushed-event records and the cached busy times. `false` when not connected.
    ///
    /// # Errors
    /// Storage errors (a provider failure to revoke does not stop the disconnection).
    pub async fn disconnect(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<bool, SyncError> {
        let Some(c) = self.store.connection(business, resource).await? else { return Ok(false) };
        if let (Ok(app), Some(token), Ok(api)) = (
            self.app(business, c.provider).await,
            self.sealer.open(&c.sealed_refresh),
            self.api(c.provider),
        ) {
            let _ = api.oauth().revoke(&app, &token).await;
        }
        if let Ok(all) = Interval::new(Timestamp::MIN, Timestamp::MAX) {
            self.store.replace_external_busy(business, resource, all, Vec::new()).await?;
        }
        Ok(self.store.delete_connection(business, resource).await?)
    }

    /// Runs `call` with a valid access token of the employee's connection: refreshed first when
    /// it expires within a minute, and refreshed once more after a 401. A refused refresh
    /// marks the connection broken and tells the employee.
    async fn with_access<T, F>(&self, c: &mut Connection, call: F) -> Result<T, SyncError>
    where
        F: for<'a> Fn(
                &'a dyn CalendarApi,
                &'a str,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T, CalendarError>> + Send + 'a>,
            > + Send
            + Sync,
        T: Send,
    {
        let api = Arc::clone(self.api(c.provider)?);
        if needs_refresh(c.expires_at, self.clock.now()) {
            self.refresh(c).await?;
        }
        let Some(access) = self.sealer.open(&c.sealed_access) else {
            self.broken(c, "the stored tokens do not open: the server's secret changed").await?;
            return Err(SyncError::Sealed);
        };
        match call(api.as_ref(), &access).await {
            Err(CalendarError::Unauthorized) => {}
            other => return Ok(other?),
        }
        self.refresh(c).await?;
        let access = self.sealer.open(&c.sealed_access).ok_or(SyncError::Sealed)?;
        match call(api.as_ref(), &access).await {
            Err(CalendarError::Unauthorized) => {
                self.broken(c, "the provider refused a freshly refreshed token").await?;
                Err(CalendarError::Revoked.into())
            }
            other => Ok(other?),
        }
    }

    fn expiry(&self, grant: &Grant) -> Timestamp {
        self.clock.now().saturating_add(grant.lifetime).unwrap_or(Timestamp::MAX)
    }

    async fn refresh(&self, c: &mut Connection) -> Result<(), SyncError> {
        let app = self.app(c.business, c.provider).await?;
        let Some(token) = self.sealer.open(&c.sealed_refresh) else {
            self.broken(c, "the stored tokens do not open: the server's secret changed").await?;
            return Err(SyncError::Sealed);
        };
        match self.api(c.provider)?.oauth().refresh(&app, &token).await {
            Ok(grant) => {
                c.sealed_access = self.sealer.seal(&grant.access_token);
                if let Some(refresh) = &grant.refresh_token {
                    c.sealed_refresh = self.sealer.seal(refresh);
                }
                c.expires_at = self.expiry(&grant);
                self.store.update_connection(c).await?;
                Ok(())
            }
            Err(CalendarError::Revoked | CalendarError::Unauthorized) => {
                self.broken(c, "the provider refused the refresh token").await?;
                Err(CalendarError::Revoked.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Marks a connection broken (once) and emails the employee.
    async fn broken(&self, c: &mut Connection, why: &str) -> Result<(), StoreError> {
        if c.state == ConnectionState::Broken {
            return Ok(());
        }
        c.state = ConnectionState::Broken;
        c.last_error = Some(why.to_owned());
        if !self.store.update_connection(c).await? {
            return Ok(()); // disconnected meanwhile: nobody to tell
        }
        let (Some(mailer), Some(business)) = (&self.mailer, self.store.business(c.business).await?)
        else {
            return Ok(());
        };
        let Some(employee) = self.store.resource(c.business, c.resource).await? else {
            return Ok(());
        };
        let label = self.label(c.provider, business.locale).unwrap_or(c.provider.code());
        if let Some(message) = broken_message(&business, &employee, c, label) {
            let _ = mailer.send(&message).await;
        }
        Ok(())
    }

    /// Pulls the employee's busy times over `[now, now + window_days)` into the cache.
    /// Returns how many busy intervals were cached; `Ok(None)` when the employee has no working
    /// connection. The outcome (success time or error) is recorded on the connection.
    ///
    /// # Errors
    /// Provider and storage errors.
    pub async fn pull_busy(
        &self,
        business: BusinessId,
        resource: ResourceId,
        window_days: u32,
    ) -> Result<Option<usize>, SyncError> {
        let Some(mut c) = self.store.connection(business, resource).await? else {
            return Ok(None);
        };
        if c.state == ConnectionState::Broken {
            return Ok(None);
        }
        let now = self.clock.now();
        let end = now
            .saturating_add(SignedDuration::from_hours(24 * i64::from(window_days.max(1))))
            .unwrap_or(Timestamp::MAX);
        let Ok(window) = Interval::new(now, end) else { return Ok(None) };
        let account = c.account.clone();
        let result = self
            .with_access(&mut c, |api, access| {
                let account = account.clone();
                Box::pin(async move { api.busy(access, &account, window).await })
            })
            .await;
        match result {
            Ok(busy) => {
                let n = busy.len();
                self.store.replace_external_busy(business, resource, window, busy).await?;
                c.last_sync = Some(self.clock.now());
                c.last_error = None;
                self.store.update_connection(&c).await?;
                Ok(Some(n))
            }
            Err(e) => {
                if let Some(mut latest) = self.store.connection(business, resource).await? {
                    latest.last_error = Some(e.to_string());
                    self.store.update_connection(&latest).await?;
                }
                Err(e)
            }
        }
    }

    /// Pulls every working connection's busy times over its business's window (§H4); returns
    /// (succeeded, failed).
    ///
    /// # Errors
    /// Storage errors listing the connections.
    pub async fn pull_all(&self) -> Result<(usize, usize), StoreError> {
        let mut tally = (0, 0);
        let all = self.store.all_connections().await?;
        // Connections come by business: read each business's window once.
        let mut window: Option<(BusinessId, Option<u32>)> = None;
        for c in all.iter().filter(|c| c.state == ConnectionState::Connected) {
            if window.is_none_or(|(b, _)| b != c.business) {
                let days =
                    self.store.business(c.business).await?.map(|b| b.settings.calendar_window_days);
                window = Some((c.business, days));
            }
            let Some((_, Some(days))) = window else { continue };
            match self.pull_busy(c.business, c.resource, days).await {
                Ok(_) => tally.0 += 1,
                Err(_) => tally.1 += 1,
            }
        }
        Ok(tally)
    }

    /// Pushes every upcoming booking of an employee (after connecting).
    async fn push_upcoming(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<(), SyncError> {
        let now = self.clock.now();
        let Some(b) = self.store.business(business).await? else { return Ok(()) };
        let end = now
            .saturating_add(SignedDuration::from_hours(24 * i64::from(b.settings.days_in_advance)))
            .unwrap_or(Timestamp::MAX);
        let Ok(window) = Interval::new(now, end) else { return Ok(()) };
        let mut sessions = Vec::new();
        for booking in self.store.bookings_in(business, window).await? {
            match booking.target {
                Target::Appointment { resource: r, .. } if r == resource => {
                    self.sync_appointment(&b, &booking).await?;
                }
                Target::Session { session, .. } if !sessions.contains(&session) => {
                    sessions.push(session);
                    let led = self.store.session(business, session).await?;
                    if led.is_some_and(|s| s.leader == Some(resource)) {
                        self.sync_session(&b, session).await?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Brings the employee's calendar in line with one booking (the job's), and for a
    /// reschedule, moves the old booking's event instead of making a second one.
    ///
    /// # Errors
    /// Provider and storage errors.
    pub async fn sync_booking(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<(), SyncError> {
        let Some(b) = self.store.business(business).await? else { return Ok(()) };
        let Some(booking) = self.store.booking(business, booking).await? else { return Ok(()) };
        match booking.target {
            Target::Appointment { .. } => self.sync_appointment(&b, &booking).await,
            Target::Session { session, .. } => self.sync_session(&b, session).await,
        }
    }

    async fn sync_appointment(&self, b: &Business, booking: &Booking) -> Result<(), SyncError> {
        let Target::Appointment { service, resource, slot, busy, .. } = booking.target else {
            return Ok(());
        };
        let key = booking_key(booking.id);
        // A reschedule: the old booking's event becomes this one's (same calendar), so the
        // employee sees the event move rather than one deleted and another created.
        if let Some(old) = booking.rescheduled_from {
            let old_key = booking_key(old);
            if let Some(mut record) = self.store.pushed(b.id, &old_key).await? {
                if self.store.pushed(b.id, &key).await?.is_none() {
                    if record.resource == resource {
                        record.key.clone_from(&key);
                        self.store.put_pushed(&record).await?;
                    } else {
                        self.remove(b.id, &old_key).await?;
                    }
                }
                self.store.delete_pushed(b.id, &old_key).await?;
            }
        }
        let service = self.store.service(b.id, service).await?;
        let employee = self.store.resource(b.id, resource).await?;
        let values = values_of(
            b,
            booking,
            service.as_ref().map(|s| s.name.as_str()),
            employee.as_ref(),
            slot,
        );
        let occurrence = Occurrence {
            key: key.clone(),
            statuses: vec![booking.status],
            slot,
            busy,
            title: render(&b.settings.appointment_event_title, &values),
            description: render(&b.settings.appointment_event_description, &values),
            zone: b.zone.name().to_owned(),
            customers: attendee(booking).into_iter().collect(),
        };
        self.apply(b, resource, &key, plan(&b.settings.calendar, &occurrence)).await
    }

    async fn sync_session(&self, b: &Business, session: SessionId) -> Result<(), SyncError> {
        let key = session_key(session);
        let Some(s) = self.store.session(b.id, session).await? else {
            return self.remove(b.id, &key).await;
        };
        let Some(leader) = s.leader else { return self.remove(b.id, &key).await };
        let bookings: Vec<Booking> = self
            .store
            .bookings_in(b.id, s.interval)
            .await?
            .into_iter()
            .filter(|x| matches!(x.target, Target::Session { session: id, .. } if id == session))
            .collect();
        let event = self.store.event(b.id, s.event).await?;
        let employee = self.store.resource(b.id, leader).await?;
        let customers =
            bookings.iter().filter(|x| x.status.occupies()).filter_map(attendee).collect();
        let values = match bookings.first() {
            Some(first) => {
                let mut v = values_of(
                    b,
                    first,
                    event.as_ref().map(|e| e.name.as_str()),
                    employee.as_ref(),
                    s.interval,
                );
                v.set("event_name", event.as_ref().map(|e| e.name.clone()).unwrap_or_default());
                v.set("event_location", event.and_then(|e| e.location).unwrap_or_default());
                v
            }
            None => Values::new(),
        };
        let occurrence = Occurrence {
            key: key.clone(),
            statuses: bookings.iter().map(|x| x.status).collect(),
            slot: s.interval,
            busy: s.interval,
            title: render(&b.settings.event_event_title, &values),
            description: render(&b.settings.event_event_description, &values),
            zone: b.zone.name().to_owned(),
            customers,
        };
        self.apply(b, leader, &key, plan(&b.settings.calendar, &occurrence)).await
    }

    /// Makes the employee's calendar match a plan for a key.
    async fn apply(
        &self,
        b: &Business,
        resource: ResourceId,
        key: &str,
        plan: Plan,
    ) -> Result<(), SyncError> {
        let mut record = self.store.pushed(b.id, key).await?;
        // The event lives in another employee's calendar (the booking moved to them).
        if record.as_ref().is_some_and(|r| r.resource != resource) {
            self.remove(b.id, key).await?;
            record = None;
        }
        let Plan::Push(mut event) = plan else { return self.remove(b.id, key).await };
        event.key = idempotency_key(b.id, key);
        let Some(mut c) = self.store.connection(b.id, resource).await? else { return Ok(()) };
        if c.state == ConnectionState::Broken {
            return Ok(());
        }
        let existing =
            record.as_ref().filter(|r| r.provider == c.provider).map(|r| r.external_id.clone());
        let pushed = self
            .with_access(&mut c, |api, access| {
                let (existing, event) = (existing.clone(), event.clone());
                Box::pin(async move { api.push(access, existing.as_deref(), &event).await })
            })
            .await?;
        self.store
            .put_pushed(&PushedRecord {
                business: b.id,
                key: key.to_owned(),
                resource,
                provider: c.provider,
                external_id: pushed.external_id,
                meeting_url: pushed.meeting_url,
            })
            .await?;
        Ok(())
    }

    /// Deletes the external event of a key, if any, from the calendar it is in.
    async fn remove(&self, business: BusinessId, key: &str) -> Result<(), SyncError> {
        let Some(record) = self.store.pushed(business, key).await? else { return Ok(()) };
        let connection = self.store.connection(business, record.resource).await?;
        if let Some(mut c) = connection
            .filter(|c| c.provider == record.provider && c.state == ConnectionState::Connected)
        {
            let id = record.external_id.clone();
            self.with_access(&mut c, |api, access| {
                let id = id.clone();
                Box::pin(async move { api.delete(access, &id).await })
            })
            .await?;
        }
        self.store.delete_pushed(business, key).await?;
        Ok(())
    }
}

/// The outbox handler of [`Effect::Calendar`] jobs.
#[async_trait]
impl JobHandler for CalendarSync {
    fn effect(&self) -> Effect {
        Effect::Calendar
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        match self.sync_booking(job.business, job.booking).await {
            // Done; or the connection is broken (the employee was told) or the integration is
            // gone: the employee has to reconnect, and connecting pushes their bookings again.
            Ok(())
            | Err(
                SyncError::Provider(CalendarError::Revoked)
                | SyncError::Sealed
                | SyncError::NotConfigured
                | SyncError::NoEmployee,
            ) => Ok(()),
            Err(SyncError::Provider(CalendarError::RetryLater(why, after))) => {
                Err(JobError::RetryAfter(
                    why,
                    after.map(|s| SignedDuration::from_secs(s.min(86_400).cast_signed())),
                ))
            }
            Err(SyncError::Store(e)) => Err(JobError::Retry(e.to_string())),
            Err(e @ SyncError::Provider(_)) => Err(JobError::Retry(e.to_string())),
        }
    }
}

/// The booking's customer as an attendee, when they left an address.
fn attendee(booking: &Booking) -> Option<Attendee> {
    let email = booking.contact.email.clone()?;
    Some(Attendee { email, name: booking.contact.full_name() })
}

/// The placeholder values of a pushed event: the §E3 ones of the booking.
fn values_of(
    b: &Business,
    booking: &Booking,
    what: Option<&str>,
    employee: Option<&Resource>,
    interval: Interval,
) -> Values {
    crate::notify::Subject {
        business: b,
        booking,
        what: (what.unwrap_or_default().to_owned(), 0),
        interval,
        location: None,
        employee: employee.map(|r| (r.name.clone(), r.email.clone())),
        initial: None,
        panel_url: None,
        cancel_url: None,
        meeting: None,
        video: None,
        lineage: crate::booking::Lineage { first: booking.id, moves: 0 },
    }
    .values()
}

/// Renders a stored title or description template (templates are checked when saved; an
/// unparsable one is shown as written).
fn render(source: &str, values: &Values) -> String {
    match Template::parse(source) {
        Ok(t) => t.render(values, Escape::Text),
        Err(_) => source.to_owned(),
    }
}

/// The email telling an employee their calendar connection broke.
fn broken_message(
    b: &Business,
    employee: &Resource,
    c: &Connection,
    label: &str,
) -> Option<Message> {
    let to = employee.email.clone()?;
    let (subject, body) = match b.locale {
        crate::settings::Locale::Fr => (
            format!("{} : reconnectez votre agenda {}", b.name, label),
            format!(
                "Bonjour {},\n\nVotre agenda {} ({}) ne répond plus à nos demandes : les \
                 rendez-vous n'y sont plus ajoutés et ses créneaux occupés ne sont plus pris en \
                 compte.\n\nReconnectez-le depuis votre profil dans l'espace équipe.\n",
                employee.name, label, c.account
            ),
        ),
        crate::settings::Locale::En => (
            format!("{}: reconnect your {}", b.name, label),
            format!(
                "Hello {},\n\nYour {} ({}) no longer accepts our requests: bookings are no \
                 longer added to it and its busy times are no longer taken into account.\n\n\
                 Reconnect it from your profile in the back office.\n",
                employee.name, label, c.account
            ),
        ),
    };
    Some(Message {
        to,
        subject,
        text: body,
        html: None,
        attachments: Vec::new(),
        idempotency_key: format!(
            "calendar-broken-{}-{}-{}",
            c.business,
            c.resource,
            c.connected_at.as_second()
        ),
    })
}
