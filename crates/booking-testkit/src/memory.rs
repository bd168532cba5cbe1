//! `InMemoryStore`: every storage port, with the semantics the databases have.
//!
//! One mutex serialises transactions (as SQLite's `BEGIN IMMEDIATE` does). Writes are applied to
//! a copy of the state and checked against the same constraint PostgreSQL's exclusion
//! constraint enforces — no two occupying appointments or holds overlap on one resource — so a
//! core bug that tried to double-book would surface as [`TxError::Conflict`], not pass silently.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use booking_core::access::{ApiKey, KeyDigest};
use booking_core::accounts::{AuthToken, TokenDigest, TokenOwner, TokenPurpose};
use booking_core::anonymise::{anonymise_booking, anonymise_customer};
use booking_core::booking::{Booking, HistoryEntry, Target};
use booking_core::calendar::{Connection, Integration, Provider, PushedRecord};
use booking_core::catalog::{
    Account, Agenda, Business, Customer, Email, Event, Resource, Service, Session,
};
use booking_core::codes::{CodeDigest, Ledger, NewCode, StoredCode, Use};
use booking_core::holds::{Hold, LockDigest};
use booking_core::ids::{
    AccountId, AgendaId, ApiKeyId, BookingId, BusinessId, CodeId, CustomerId, EventId, ExceptionId,
    HoldId, JobId, ResourceId, ServiceId, SessionId, WebhookId,
};
use booking_core::notify::{EmailTemplate, Trigger};
use booking_core::outbox::{BookingEvent, BookingRef, Effect, Job, JobState, NewJob};
use booking_core::ports::accounts::AccountStore;
use booking_core::ports::calendar::CalendarStore;
use booking_core::ports::codes::CodeStore;
use booking_core::ports::outbox::Outbox;
use booking_core::ports::passwords::PasswordHash;
use booking_core::ports::store::{
    AccessStore, AuditEntry, AuditLog, BookingStore, Busy, BusyBooking, CatalogStore,
    CustomerStore, Decide, IdempotencyStore, IdempotentAnswer, Occupancy, SessionLoad, StoreError,
    TemplateStore, TxError, TxOutcome, TxScope, TxView, WebhookStore, Write,
};
use booking_core::ports::video::VideoStore;
use booking_core::schedule::Exception;
use booking_core::settings::Locale;
use booking_core::time::{Interval, SignedDuration, Timestamp};
use booking_core::video::{Affected, Concerned, CustomLink, MeetingRecord, StoredAccount};
use booking_core::webhooks::{Delivery, Endpoint};

#[derive(Clone, Debug, Default)]
struct State {
    next_id: i64,
    businesses: BTreeMap<BusinessId, Business>,
    resources: BTreeMap<ResourceId, Resource>,
    exceptions: BTreeMap<ExceptionId, (BusinessId, ResourceId, Exception)>,
    external: Vec<(BusinessId, ResourceId, Interval)>,
    agendas: BTreeMap<AgendaId, Agenda>,
    services: BTreeMap<ServiceId, Service>,
    events: BTreeMap<EventId, Event>,
    sessions: BTreeMap<SessionId, Session>,
    bookings: BTreeMap<BookingId, Booking>,
    history: BTreeMap<BookingId, Vec<HistoryEntry>>,
    holds: BTreeMap<HoldId, Hold>,
    customers: BTreeMap<CustomerId, Customer>,
    accounts: BTreeMap<AccountId, Account>,
    audit: Vec<AuditEntry>,
    jobs: BTreeMap<JobId, Job>,
    answers: BTreeMap<(BusinessId, String), IdempotentAnswer>,
    api_keys: BTreeMap<ApiKeyId, ApiKey>,
    webhooks: BTreeMap<WebhookId, Endpoint>,
    deliveries: Vec<Delivery>,
    templates: Vec<EmailTemplate>,
    passwords: BTreeMap<AccountId, PasswordHash>,
    tokens: BTreeMap<String, AuthToken>,
    integrations: BTreeMap<(BusinessId, Provider), Integration>,
    connections: BTreeMap<(BusinessId, ResourceId), Connection>,
    pushed: BTreeMap<(BusinessId, String), PushedRecord>,
    video_accounts: BTreeMap<(BusinessId, Option<ResourceId>), StoredAccount>,
    course_links: BTreeMap<(BusinessId, EventId), CustomLink>,
    meetings: BTreeMap<(BusinessId, String), MeetingRecord>,
    online: BTreeMap<(BusinessId, String), bool>,
    codes: BTreeMap<CodeId, (StoredCode, CodeDigest)>,
}

impl State {
    /// A change to the catalog of a business: its revision grows.
    fn touch(&mut self, business: BusinessId) {
        if let Some(b) = self.businesses.get_mut(&business) {
            b.revision += 1;
        }
    }

    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A pending job about an existing booking, due at `at`.
    fn enqueue(
        &mut self,
        business: BusinessId,
        effect: Effect,
        event: BookingEvent,
        booking: BookingId,
        at: Timestamp,
    ) {
        let id = JobId::new(self.id());
        let job = Job {
            id,
            business,
            effect,
            event,
            booking,
            state: JobState::Pending,
            attempts: 0,
            run_at: at,
            lease_until: None,
            last_error: None,
            created_at: at,
        };
        self.jobs.insert(id, job);
    }

    /// Writes jobs about existing bookings, as the SQL stores' `enqueue` does.
    fn enqueue_all(&mut self, jobs: &[NewJob]) {
        for job in jobs {
            if let BookingRef::Existing(booking) = job.booking {
                self.enqueue(job.business, job.effect, job.event, booking, job.run_at);
            }
        }
    }

    /// After a change of a business's video set-up: its `video_meetings` flag, and the jobs
    /// the core decides for the bookings of the affected scope that end after `at`.
    fn video_changed(
        &mut self,
        business: BusinessId,
        affected: &Affected,
        at: Timestamp,
        notify: bool,
    ) {
        let zoom = self
            .video_accounts
            .iter()
            .any(|((b, _), a)| *b == business && matches!(a, StoredAccount::Meetings(_)));
        if let Some(b) = self.businesses.get_mut(&business).filter(|b| b.video_meetings != zoom) {
            b.video_meetings = zoom;
            b.revision += 1;
        }
        let meetings = zoom || self.meetings.keys().any(|(b, _)| *b == business);
        let concerned: Vec<Concerned> = self
            .bookings
            .values()
            .filter(|b| b.business == business)
            .filter_map(|b| {
                let (end, leader, event, session) = match b.target {
                    Target::Appointment { slot, resource, .. } => {
                        (Some(slot.end()), Some(resource), None, None)
                    }
                    Target::Session { session, .. } => {
                        let s = self.sessions.get(&session);
                        (
                            s.map(|s| s.interval.end()),
                            s.and_then(|s| s.leader),
                            s.map(|s| s.event),
                            Some(session),
                        )
                    }
                };
                let in_scope = match affected {
                    Affected::Business => true,
                    Affected::Staff(r) => leader == Some(*r),
                    Affected::Course(e) => event == Some(*e),
                    Affected::Occasion(key) => {
                        *key == booking_core::calendar::booking_key(b.id)
                            || session
                                .is_some_and(|s| *key == booking_core::calendar::session_key(s))
                    }
                };
                let end = end.filter(|end| *end > at && in_scope)?;
                Some(Concerned { booking: b.id, status: b.status, end })
            })
            .collect();
        let jobs =
            booking_core::video::jobs_after_change(business, &concerned, meetings, notify, at);
        self.enqueue_all(&jobs);
    }

    fn view(&self, scope: &TxScope) -> TxView {
        let b = scope.business;
        let occupancy = match scope.window {
            Some(window) => self.occupancy(b, &scope.resources, window),
            None => Occupancy::default(),
        };
        let lock_holds = scope
            .lock
            .map(|lock| {
                self.holds.values().filter(|h| h.business == b && h.lock == lock).cloned().collect()
            })
            .unwrap_or_default();
        let bookings = scope
            .bookings
            .iter()
            .filter_map(|id| self.bookings.get(id))
            .filter(|x| x.business == b)
            .cloned()
            .collect();
        let sessions = self.session_loads(b, &scope.sessions);
        let codes = scope
            .codes
            .iter()
            .filter_map(|id| self.codes.get(id))
            .filter(|(c, _)| c.business == b)
            .map(|(c, _)| c.clone())
            .collect();
        TxView { occupancy, lock_holds, bookings, sessions, codes }
    }

    fn occupancy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Occupancy {
        let bookings = self
            .bookings
            .values()
            .filter(|x| x.business == business && x.status.occupies())
            .filter_map(BusyBooking::of)
            .filter(|x| resources.contains(&x.resource) && x.busy.overlaps(&window))
            .collect();
        let holds = self
            .holds
            .values()
            .filter(|h| h.business == business)
            .filter(|h| matches!(&h.target, Target::Appointment { resource, busy, .. } if resources.contains(resource) && busy.overlaps(&window)))
            .cloned()
            .collect();
        Occupancy { bookings, holds }
    }

    fn session_loads(&self, business: BusinessId, sessions: &[SessionId]) -> Vec<SessionLoad> {
        sessions
            .iter()
            .filter_map(|id| self.sessions.get(id))
            .filter(|s| s.business == business)
            .map(|session| {
                let booked_seats = self
                    .bookings
                    .values()
                    .filter(|x| x.status.occupies())
                    .filter_map(|x| match x.target {
                        Target::Session { session: s, seats } if s == session.id => Some(seats),
                        _ => None,
                    })
                    .sum();
                let holds = self
                    .holds
                    .values()
                    .filter(|h| matches!(h.target, Target::Session { session: s, .. } if s == session.id))
                    .cloned()
                    .collect();
                SessionLoad { session: session.clone(), booked_seats, holds }
            })
            .collect()
    }

    fn apply(&mut self, writes: Vec<Write>) -> Result<TxOutcome, TxError> {
        let mut outcome = TxOutcome::default();
        let mut touched_resources = Vec::new();
        let mut touched_sessions = Vec::new();
        for write in writes {
            match write {
                Write::DeleteHolds(ids) => {
                    for id in ids {
                        self.holds.remove(&id);
                    }
                }
                Write::InsertHold(new) => {
                    let id = HoldId::new(self.id());
                    match &new.target {
                        Target::Appointment { resource, .. } => touched_resources.push(*resource),
                        Target::Session { session, .. } => touched_sessions.push(*session),
                    }
                    let hold = Hold {
                        id,
                        business: new.business,
                        lock: new.lock,
                        target: new.target,
                        created_at: new.created_at,
                        expires_at: new.expires_at,
                    };
                    self.holds.insert(id, hold.clone());
                    outcome.holds.push(hold);
                }
                Write::InsertBooking(new) => {
                    let id = BookingId::new(self.id());
                    match &new.target {
                        Target::Appointment { resource, .. } => {
                            touched_resources.push(*resource);
                        }
                        Target::Session { session, .. } => touched_sessions.push(*session),
                    }
                    let booking = Booking {
                        id,
                        business: new.business,
                        target: new.target,
                        customer: new.customer,
                        contact: new.contact,
                        answers: new.answers,
                        status: new.status,
                        created_at: new.created_at,
                        rescheduled_from: new.rescheduled_from,
                        locale: new.locale,
                    };
                    let entry = HistoryEntry {
                        at: new.created_at,
                        actor: new.created_by,
                        from: None,
                        to: new.status,
                        reason: None,
                    };
                    self.history.insert(id, vec![entry]);
                    self.bookings.insert(id, booking.clone());
                    outcome.bookings.push(booking);
                }
                Write::ChangeStatus { booking, entry } => {
                    let stored = self.bookings.get_mut(&booking).ok_or(TxError::Conflict)?;
                    stored.status = entry.to;
                    self.history.entry(booking).or_default().push(entry);
                }
                Write::Redeem { code, booking, amount, starts_at, at: _ } => {
                    let booking = match booking {
                        BookingRef::Existing(id) => id,
                        BookingRef::Created(n) => {
                            outcome.bookings.get(n).ok_or(TxError::Conflict)?.id
                        }
                    };
                    let (stored, _) = self.codes.get_mut(&code).ok_or(TxError::Conflict)?;
                    let taken = Use { booking: Some(booking), amount, starts_at, refunded: false };
                    stored.ledger.uses.push(taken);
                }
                Write::Adjust { code, delta } => {
                    let (stored, _) = self.codes.get_mut(&code).ok_or(TxError::Conflict)?;
                    stored.ledger.adjustment += delta;
                }
                Write::Refund { code, booking, at: _ } => {
                    let (stored, _) = self.codes.get_mut(&code).ok_or(TxError::Conflict)?;
                    if let Some(u) = stored
                        .ledger
                        .uses
                        .iter_mut()
                        .find(|u| u.booking == Some(booking) && !u.refunded)
                    {
                        u.refunded = true;
                    }
                }
                Write::Enqueue(new) => {
                    let booking = match new.booking {
                        BookingRef::Existing(id) => id,
                        BookingRef::Created(n) => {
                            outcome.bookings.get(n).ok_or(TxError::Conflict)?.id
                        }
                    };
                    let id = JobId::new(self.id());
                    let job = Job {
                        id,
                        business: new.business,
                        effect: new.effect,
                        event: new.event,
                        booking,
                        state: JobState::Pending,
                        attempts: 0,
                        run_at: new.run_at,
                        lease_until: None,
                        last_error: None,
                        created_at: new.run_at,
                    };
                    self.jobs.insert(id, job);
                }
            }
        }
        for resource in touched_resources {
            self.check_no_overlap(resource)?;
        }
        for session in touched_sessions {
            self.check_capacity(session)?;
        }
        Ok(outcome)
    }

    /// The exclusion constraint: occupying appointments and holds never overlap on a resource.
    fn check_no_overlap(&self, resource: ResourceId) -> Result<(), TxError> {
        let mut spans: Vec<Interval> = self
            .bookings
            .values()
            .filter(|b| b.status.occupies())
            .filter_map(|b| match &b.target {
                Target::Appointment { resource: r, busy, .. } if *r == resource => Some(*busy),
                _ => None,
            })
            .chain(self.holds.values().filter_map(|h| match &h.target {
                Target::Appointment { resource: r, busy, .. } if *r == resource => Some(*busy),
                Target::Appointment { .. } | Target::Session { .. } => None,
            }))
            .collect();
        spans.sort();
        if spans.windows(2).any(|w| w[0].overlaps(&w[1])) { Err(TxError::Conflict) } else { Ok(()) }
    }

    /// The row-lock check: booked seats never exceed a session's capacity.
    fn check_capacity(&self, session: SessionId) -> Result<(), TxError> {
        let Some(load) =
            self.sessions.get(&session).map(|s| self.session_loads(s.business, &[session]))
        else {
            return Err(TxError::Conflict);
        };
        match load.first() {
            Some(l) if l.booked_seats <= l.session.capacity => Ok(()),
            _ => Err(TxError::Conflict),
        }
    }
}

/// All storage ports in memory.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
}

impl InMemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every hold stored, live or not (for tests that check cleanup).
    #[must_use]
    pub fn all_holds(&self) -> Vec<Hold> {
        self.state().holds.values().cloned().collect()
    }
}

fn check_slug_free<'a>(
    mut existing: impl Iterator<Item = (&'a BusinessId, &'a str)>,
    business: BusinessId,
    slug: &str,
) -> Result<(), StoreError> {
    if existing.any(|(b, s)| *b == business && s == slug) {
        Err(StoreError::Duplicate(format!("slug {slug:?}")))
    } else {
        Ok(())
    }
}

#[async_trait]
impl CatalogStore for InMemoryStore {
    async fn create_business(&self, mut draft: Business) -> Result<Business, StoreError> {
        let mut s = self.state();
        draft.id = BusinessId::new(s.id());
        draft.revision = 0;
        (draft.calendar_sync, draft.video_meetings) = (false, false); // the store's own flags
        s.businesses.insert(draft.id, draft.clone());
        Ok(draft)
    }

    async fn business(&self, id: BusinessId) -> Result<Option<Business>, StoreError> {
        Ok(self.state().businesses.get(&id).cloned())
    }

    async fn update_business(&self, business: &Business) -> Result<(), StoreError> {
        if let Some(stored) = self.state().businesses.get_mut(&business.id) {
            let (revision, calendar_sync, video_meetings) =
                (stored.revision + 1, stored.calendar_sync, stored.video_meetings);
            *stored = Business { revision, calendar_sync, video_meetings, ..business.clone() };
        }
        Ok(())
    }

    async fn create_resource(&self, mut draft: Resource) -> Result<Resource, StoreError> {
        let mut s = self.state();
        draft.id = ResourceId::new(s.id());
        s.resources.insert(draft.id, draft.clone());
        s.touch(draft.business);
        Ok(draft)
    }

    async fn resource(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Option<Resource>, StoreError> {
        Ok(self.state().resources.get(&id).filter(|r| r.business == business).cloned())
    }

    async fn resources(&self, business: BusinessId) -> Result<Vec<Resource>, StoreError> {
        Ok(self.state().resources.values().filter(|r| r.business == business).cloned().collect())
    }

    async fn update_resource(&self, resource: &Resource) -> Result<(), StoreError> {
        let mut s = self.state();
        if let Some(stored) =
            s.resources.get_mut(&resource.id).filter(|x| x.business == resource.business)
        {
            *stored = resource.clone();
            s.touch(resource.business);
        }
        Ok(())
    }

    async fn add_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        mut exception: Exception,
    ) -> Result<Exception, StoreError> {
        let mut s = self.state();
        let id = ExceptionId::new(s.id());
        exception.id = Some(id);
        s.exceptions.insert(id, (business, resource, exception.clone()));
        Ok(exception)
    }

    async fn remove_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        id: ExceptionId,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let owned = s.exceptions.get(&id).is_some_and(|(b, r, _)| *b == business && *r == resource);
        Ok(owned && s.exceptions.remove(&id).is_some())
    }

    async fn exceptions(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Exception)>, StoreError> {
        Ok(self
            .state()
            .exceptions
            .values()
            .filter(|(b, r, e)| {
                *b == business && resources.contains(r) && e.interval.overlaps(&window)
            })
            .map(|(_, r, e)| (*r, e.clone()))
            .collect())
    }

    async fn replace_external_busy(
        &self,
        business: BusinessId,
        resource: ResourceId,
        window: Interval,
        busy: Vec<Interval>,
    ) -> Result<(), StoreError> {
        let mut s = self.state();
        s.external.retain(|(b, r, i)| !(*b == business && *r == resource && window.contains(i)));
        s.external.extend(busy.into_iter().map(|i| (business, resource, i)));
        Ok(())
    }

    async fn external_busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Interval)>, StoreError> {
        Ok(self
            .state()
            .external
            .iter()
            .filter(|(b, r, i)| *b == business && resources.contains(r) && i.overlaps(&window))
            .map(|(_, r, i)| (*r, *i))
            .collect())
    }

    async fn create_agenda(&self, mut draft: Agenda) -> Result<Agenda, StoreError> {
        let mut s = self.state();
        check_slug_free(
            s.agendas.values().map(|a| (&a.business, a.slug.as_str())),
            draft.business,
            &draft.slug,
        )?;
        draft.id = AgendaId::new(s.id());
        s.agendas.insert(draft.id, draft.clone());
        s.touch(draft.business);
        Ok(draft)
    }

    async fn agenda(
        &self,
        business: BusinessId,
        id: AgendaId,
    ) -> Result<Option<Agenda>, StoreError> {
        Ok(self.state().agendas.get(&id).filter(|a| a.business == business).cloned())
    }

    async fn agendas(&self, business: BusinessId) -> Result<Vec<Agenda>, StoreError> {
        Ok(self.state().agendas.values().filter(|a| a.business == business).cloned().collect())
    }

    async fn update_agenda(&self, agenda: &Agenda) -> Result<(), StoreError> {
        let mut s = self.state();
        if let Some(stored) =
            s.agendas.get_mut(&agenda.id).filter(|x| x.business == agenda.business)
        {
            *stored = agenda.clone();
            s.touch(agenda.business);
        }
        Ok(())
    }

    async fn create_service(&self, mut draft: Service) -> Result<Service, StoreError> {
        let mut s = self.state();
        check_slug_free(
            s.services.values().map(|x| (&x.business, x.slug.as_str())),
            draft.business,
            &draft.slug,
        )?;
        draft.id = ServiceId::new(s.id());
        s.services.insert(draft.id, draft.clone());
        s.touch(draft.business);
        Ok(draft)
    }

    async fn service(
        &self,
        business: BusinessId,
        id: ServiceId,
    ) -> Result<Option<Service>, StoreError> {
        Ok(self.state().services.get(&id).filter(|x| x.business == business).cloned())
    }

    async fn services(&self, business: BusinessId) -> Result<Vec<Service>, StoreError> {
        Ok(self.state().services.values().filter(|x| x.business == business).cloned().collect())
    }

    async fn update_service(&self, service: &Service) -> Result<(), StoreError> {
        let mut s = self.state();
        if let Some(stored) =
            s.services.get_mut(&service.id).filter(|x| x.business == service.business)
        {
            *stored = service.clone();
            s.touch(service.business);
        }
        Ok(())
    }

    async fn create_event(&self, mut draft: Event) -> Result<Event, StoreError> {
        let mut s = self.state();
        draft.id = EventId::new(s.id());
        s.events.insert(draft.id, draft.clone());
        Ok(draft)
    }

    async fn event(&self, business: BusinessId, id: EventId) -> Result<Option<Event>, StoreError> {
        Ok(self.state().events.get(&id).filter(|e| e.business == business).cloned())
    }

    async fn events(&self, business: BusinessId) -> Result<Vec<Event>, StoreError> {
        Ok(self.state().events.values().filter(|e| e.business == business).cloned().collect())
    }

    async fn create_session(&self, mut draft: Session) -> Result<Session, StoreError> {
        let mut s = self.state();
        draft.id = SessionId::new(s.id());
        s.sessions.insert(draft.id, draft.clone());
        Ok(draft)
    }

    async fn session(
        &self,
        business: BusinessId,
        id: SessionId,
    ) -> Result<Option<Session>, StoreError> {
        Ok(self.state().sessions.get(&id).filter(|x| x.business == business).cloned())
    }

    async fn sessions(
        &self,
        business: BusinessId,
        event: EventId,
    ) -> Result<Vec<Session>, StoreError> {
        let mut out: Vec<Session> = self
            .state()
            .sessions
            .values()
            .filter(|x| x.business == business && x.event == event)
            .cloned()
            .collect();
        out.sort_by_key(|s| s.interval.start());
        Ok(out)
    }
}

#[async_trait]
impl BookingStore for InMemoryStore {
    async fn occupancy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Occupancy, StoreError> {
        Ok(self.state().occupancy(business, resources, window))
    }

    async fn busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
        external: bool,
    ) -> Result<Busy, StoreError> {
        let s = self.state();
        let exceptions = s
            .exceptions
            .values()
            .filter(|(b, r, e)| {
                *b == business && resources.contains(r) && e.interval.overlaps(&window)
            })
            .map(|(_, r, e)| (*r, e.interval))
            .collect();
        let external = if external {
            s.external
                .iter()
                .filter(|(b, r, i)| *b == business && resources.contains(r) && i.overlaps(&window))
                .map(|(_, r, i)| (*r, *i))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Busy { occupancy: s.occupancy(business, resources, window), exceptions, external })
    }

    async fn session_loads(
        &self,
        business: BusinessId,
        sessions: &[SessionId],
    ) -> Result<Vec<SessionLoad>, StoreError> {
        Ok(self.state().session_loads(business, sessions))
    }

    async fn transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        let mut state = self.state();
        let view = state.view(scope);
        let writes = decide(&view).map_err(TxError::Refused)?;
        let mut next = state.clone();
        let outcome = next.apply(writes)?;
        *state = next;
        Ok(outcome)
    }

    async fn booking(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Option<Booking>, StoreError> {
        Ok(self.state().bookings.get(&id).filter(|b| b.business == business).cloned())
    }

    async fn bookings_in(
        &self,
        business: BusinessId,
        window: Interval,
    ) -> Result<Vec<Booking>, StoreError> {
        let s = self.state();
        let overlaps = |b: &Booking| match &b.target {
            Target::Appointment { slot, .. } => slot.overlaps(&window),
            Target::Session { session, .. } => {
                s.sessions.get(session).is_some_and(|x| x.interval.overlaps(&window))
            }
        };
        Ok(s.bookings.values().filter(|b| b.business == business && overlaps(b)).cloned().collect())
    }

    async fn successor(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Option<BookingId>, StoreError> {
        let s = self.state();
        let next = s.bookings.values().filter(|b| b.business == business);
        Ok(next.filter(|b| b.rescheduled_from == Some(id)).map(|b| b.id).min())
    }

    async fn customer_bookings(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<Booking>, StoreError> {
        Ok(self
            .state()
            .bookings
            .values()
            .filter(|b| b.business == business && b.customer == Some(customer))
            .cloned()
            .collect())
    }

    async fn customer_timeline(
        &self,
        business: BusinessId,
        customer: CustomerId,
        now: Timestamp,
        skip: usize,
        take: usize,
    ) -> Result<booking_core::ports::store::Timeline, StoreError> {
        let s = self.state();
        let interval = |b: &Booking| match &b.target {
            Target::Appointment { slot, .. } => Some(*slot),
            Target::Session { session, .. } => s.sessions.get(session).map(|x| x.interval),
        };
        let mut mine: Vec<(Interval, Booking)> = s
            .bookings
            .values()
            .filter(|b| b.business == business && b.customer == Some(customer))
            .filter_map(|b| interval(b).map(|i| (i, b.clone())))
            .collect();
        mine.sort_by_key(|(i, b)| (i.start(), b.id));
        let (mut past, upcoming): (Vec<_>, Vec<_>) =
            mine.into_iter().partition(|(i, _)| i.end() <= now);
        past.reverse();
        let more_past = past.len() > skip.saturating_add(take);
        Ok(booking_core::ports::store::Timeline {
            upcoming: upcoming.into_iter().map(|(_, b)| b).collect(),
            past: past.into_iter().skip(skip).take(take).map(|(_, b)| b).collect(),
            more_past,
        })
    }

    async fn history(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let s = self.state();
        let visible = s.bookings.get(&id).is_some_and(|b| b.business == business);
        Ok(if visible { s.history.get(&id).cloned().unwrap_or_default() } else { Vec::new() })
    }

    async fn holds_of(
        &self,
        business: BusinessId,
        lock: &LockDigest,
    ) -> Result<Vec<Hold>, StoreError> {
        Ok(self
            .state()
            .holds
            .values()
            .filter(|h| h.business == business && h.lock == *lock)
            .cloned()
            .collect())
    }

    async fn release(&self, business: BusinessId, lock: &LockDigest) -> Result<usize, StoreError> {
        let mut s = self.state();
        let before = s.holds.len();
        s.holds.retain(|_, h| !(h.business == business && h.lock == *lock));
        Ok(before - s.holds.len())
    }

    async fn purge_expired_holds(&self, now: Timestamp) -> Result<usize, StoreError> {
        let mut s = self.state();
        let before = s.holds.len();
        s.holds.retain(|_, h| h.is_live(now));
        Ok(before - s.holds.len())
    }
}

#[async_trait]
impl CustomerStore for InMemoryStore {
    async fn create_customer(&self, mut draft: Customer) -> Result<Customer, StoreError> {
        let mut s = self.state();
        draft.id = CustomerId::new(s.id());
        s.customers.insert(draft.id, draft.clone());
        Ok(draft)
    }

    async fn customer(
        &self,
        business: BusinessId,
        id: CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        Ok(self.state().customers.get(&id).filter(|c| c.business == business).cloned())
    }

    async fn update_customer(&self, customer: &Customer) -> Result<(), StoreError> {
        if let Some(stored) =
            self.state().customers.get_mut(&customer.id).filter(|c| c.business == customer.business)
        {
            *stored = customer.clone();
        }
        Ok(())
    }

    async fn create_account(&self, email: Email) -> Result<Account, StoreError> {
        let mut s = self.state();
        if s.accounts.values().any(|a| a.email == email) {
            return Err(StoreError::Duplicate("account email".into()));
        }
        let account = Account { id: AccountId::new(s.id()), email, verified_at: None };
        s.accounts.insert(account.id, account.clone());
        Ok(account)
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        Ok(self.state().accounts.get(&id).cloned())
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
        Ok(self.state().accounts.values().find(|a| a.email == *email).cloned())
    }

    async fn verify_account(&self, id: AccountId, at: Timestamp) -> Result<bool, StoreError> {
        let mut s = self.state();
        let Some(account) = s.accounts.get_mut(&id) else { return Ok(false) };
        account.verified_at.get_or_insert(at);
        Ok(true)
    }

    async fn anonymise_customer(
        &self,
        business: BusinessId,
        id: CustomerId,
        at: Timestamp,
        audit: AuditEntry,
    ) -> Result<Option<Customer>, StoreError> {
        let mut s = self.state();
        let Some(customer) = s.customers.get(&id).filter(|c| c.business == business).cloned()
        else {
            return Ok(None);
        };
        let erased = anonymise_customer(&customer, at);
        s.customers.insert(id, erased.clone());
        let mut theirs = Vec::new();
        for booking in
            s.bookings.values_mut().filter(|b| b.business == business && b.customer == Some(id))
        {
            *booking = anonymise_booking(booking);
            theirs.push(booking.id);
        }
        for booking in &theirs {
            for entry in s.history.get_mut(booking).into_iter().flatten() {
                entry.reason = None;
            }
        }
        s.tokens.retain(|_, t| {
            t.business != Some(business)
                || (t.customer != Some(id) && !t.booking.is_some_and(|b| theirs.contains(&b)))
        });
        let mut shown = Vec::new();
        for booking in &theirs {
            let key = s.bookings.get(booking).map(booking_core::calendar::occasion_key);
            if key.is_some_and(|key| s.pushed.contains_key(&(business, key))) {
                shown.push(*booking);
            }
        }
        s.enqueue_all(&booking_core::anonymise::jobs_after_erasure(business, &shown, at));
        s.audit.push(audit);
        Ok(Some(erased))
    }
}

fn same_address(a: Option<&Email>, b: &Email) -> bool {
    a.is_some_and(|a| a.as_str().eq_ignore_ascii_case(b.as_str()))
}

#[async_trait]
impl AccountStore for InMemoryStore {
    async fn password_hash(&self, account: AccountId) -> Result<Option<PasswordHash>, StoreError> {
        Ok(self.state().passwords.get(&account).cloned())
    }

    async fn set_password_hash(
        &self,
        account: AccountId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let mut s = self.state();
        if s.accounts.contains_key(&account) {
            s.passwords.insert(account, hash.clone());
        }
        Ok(())
    }

    async fn insert_token(&self, token: &AuthToken) -> Result<(), StoreError> {
        let mut s = self.state();
        let key = token.digest.to_hex();
        if s.tokens.contains_key(&key) {
            return Err(StoreError::Duplicate("token".into()));
        }
        s.tokens.insert(key, token.clone());
        Ok(())
    }

    async fn token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError> {
        Ok(self.state().tokens.get(&digest.to_hex()).filter(|t| t.expires_at > now).cloned())
    }

    async fn take_token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError> {
        Ok(self.state().tokens.remove(&digest.to_hex()).filter(|t| t.expires_at > now))
    }

    async fn revoke_tokens(
        &self,
        owner: TokenOwner,
        purpose: Option<TokenPurpose>,
    ) -> Result<usize, StoreError> {
        let mut s = self.state();
        let records: Vec<CustomerId> = match owner {
            TokenOwner::Account(a) => {
                s.customers.values().filter(|c| c.account == Some(a)).map(|c| c.id).collect()
            }
            TokenOwner::Customer(..) => Vec::new(),
        };
        let before = s.tokens.len();
        s.tokens.retain(|_, t| {
            let owned = match owner {
                TokenOwner::Account(a) => {
                    t.account == Some(a) || t.customer.is_some_and(|c| records.contains(&c))
                }
                TokenOwner::Customer(b, c) => t.business == Some(b) && t.customer == Some(c),
            };
            !(owned && purpose.is_none_or(|p| p == t.purpose))
        });
        Ok(before - s.tokens.len())
    }

    async fn purge_expired_tokens(&self, now: Timestamp) -> Result<usize, StoreError> {
        let mut s = self.state();
        let before = s.tokens.len();
        s.tokens.retain(|_, t| t.expires_at > now);
        Ok(before - s.tokens.len())
    }

    async fn customer_of_account(
        &self,
        business: BusinessId,
        account: AccountId,
    ) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .state()
            .customers
            .values()
            .find(|c| {
                c.business == business && c.account == Some(account) && c.anonymised_at.is_none()
            })
            .cloned())
    }

    async fn attach_guests(
        &self,
        account: AccountId,
        email: &Email,
        business: Option<BusinessId>,
    ) -> Result<usize, StoreError> {
        let mut s = self.state();
        let mut attached = 0;
        for c in s.customers.values_mut().filter(|c| {
            c.account.is_none()
                && c.anonymised_at.is_none()
                && same_address(c.contact.email.as_ref(), email)
                && business.is_none_or(|b| b == c.business)
        }) {
            c.account = Some(account);
            attached += 1;
        }
        Ok(attached)
    }

    async fn delete_account(&self, account: AccountId) -> Result<bool, StoreError> {
        let mut s = self.state();
        let records: Vec<CustomerId> =
            s.customers.values().filter(|c| c.account == Some(account)).map(|c| c.id).collect();
        s.tokens.retain(|_, t| {
            t.account != Some(account) && !t.customer.is_some_and(|c| records.contains(&c))
        });
        for id in records {
            if let Some(c) = s.customers.get_mut(&id) {
                c.account = None;
            }
        }
        s.passwords.remove(&account);
        Ok(s.accounts.remove(&account).is_some())
    }

    async fn guest_by_email(
        &self,
        business: BusinessId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError> {
        Ok(self
            .state()
            .customers
            .values()
            .find(|c| {
                c.business == business
                    && c.account.is_none()
                    && c.anonymised_at.is_none()
                    && same_address(c.contact.email.as_ref(), email)
            })
            .cloned())
    }
}

#[async_trait]
impl AuditLog for InMemoryStore {
    async fn append(&self, entry: AuditEntry) -> Result<(), StoreError> {
        self.state().audit.push(entry);
        Ok(())
    }

    async fn audit_entries(&self, business: BusinessId) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self.state().audit.iter().filter(|e| e.business == business).cloned().collect())
    }
}

#[async_trait]
impl Outbox for InMemoryStore {
    async fn claim(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
        effect: Effect,
    ) -> Result<Vec<Job>, StoreError> {
        let mut s = self.state();
        let mut due: Vec<&mut Job> = s
            .jobs
            .values_mut()
            .filter(|j| j.effect == effect)
            .filter(|j| match j.state {
                JobState::Pending => j.run_at <= now,
                JobState::Claimed => j.lease_until.is_some_and(|l| l <= now),
                JobState::Done | JobState::Parked => false,
            })
            .collect();
        due.sort_by_key(|j| (j.run_at, j.id));
        let until = now.saturating_add(lease).unwrap_or(Timestamp::MAX);
        Ok(due
            .into_iter()
            .take(limit)
            .map(|job| {
                job.state = JobState::Claimed;
                job.attempts += 1;
                job.lease_until = Some(until);
                job.clone()
            })
            .collect())
    }

    async fn complete(&self, id: JobId, attempt: u32) -> Result<bool, StoreError> {
        let mut s = self.state();
        let Some(job) = s.jobs.get_mut(&id) else { return Ok(false) };
        if job.state != JobState::Claimed || job.attempts != attempt {
            return Ok(false);
        }
        job.state = JobState::Done;
        job.lease_until = None;
        Ok(true)
    }

    async fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let Some(job) = s.jobs.get_mut(&id) else { return Ok(false) };
        if job.state != JobState::Claimed || job.attempts != attempt {
            return Ok(false);
        }
        job.lease_until = None;
        job.last_error = Some(error.to_owned());
        match retry_at {
            Some(at) => {
                job.state = JobState::Pending;
                job.run_at = at;
            }
            None => job.state = JobState::Parked,
        }
        Ok(true)
    }

    async fn jobs(&self, business: BusinessId) -> Result<Vec<Job>, StoreError> {
        Ok(self.state().jobs.values().filter(|j| j.business == business).cloned().collect())
    }

    async fn retry_parked(
        &self,
        business: BusinessId,
        id: JobId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let Some(job) = s.jobs.get_mut(&id).filter(|j| j.business == business) else {
            return Ok(false);
        };
        if job.state != JobState::Parked {
            return Ok(false);
        }
        job.state = JobState::Pending;
        job.run_at = now;
        Ok(true)
    }

    async fn purge_done(
        &self,
        effect: Effect,
        before: Timestamp,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let mut s = self.state();
        let old: Vec<JobId> = s
            .jobs
            .values()
            .filter(|j| j.effect == effect && j.state == JobState::Done && j.run_at < before)
            .map(|j| j.id)
            .take(limit)
            .collect();
        for id in &old {
            s.jobs.remove(id);
        }
        Ok(old.len())
    }
}

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn recall(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StoreError> {
        Ok(self.state().answers.get(&(business, key.to_owned())).cloned())
    }

    async fn remember(
        &self,
        business: BusinessId,
        key: &str,
        answer: IdempotentAnswer,
    ) -> Result<IdempotentAnswer, StoreError> {
        Ok(self.state().answers.entry((business, key.to_owned())).or_insert(answer).clone())
    }

    async fn settle(
        &self,
        business: BusinessId,
        key: &str,
        expected: &str,
        answer: IdempotentAnswer,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        match s.answers.get_mut(&(business, key.to_owned())) {
            Some(current) if current.subject == expected => {
                *current = answer;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn forget_answers_before(&self, before: Timestamp) -> Result<usize, StoreError> {
        let mut s = self.state();
        let count = s.answers.len();
        s.answers.retain(|_, a| a.created_at >= before);
        Ok(count - s.answers.len())
    }
}

#[async_trait]
impl AccessStore for InMemoryStore {
    async fn create_api_key(&self, mut draft: ApiKey) -> Result<ApiKey, StoreError> {
        let mut s = self.state();
        if s.api_keys.values().any(|k| k.digest == draft.digest) {
            return Err(StoreError::Duplicate("api key".into()));
        }
        draft.id = ApiKeyId::new(s.id());
        s.api_keys.insert(draft.id, draft.clone());
        Ok(draft)
    }

    async fn api_key_by_digest(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        Ok(self.state().api_keys.values().find(|k| k.digest == *digest).cloned())
    }

    async fn api_keys(&self, business: BusinessId) -> Result<Vec<ApiKey>, StoreError> {
        Ok(self.state().api_keys.values().filter(|k| k.business == business).cloned().collect())
    }

    async fn revoke_api_key(
        &self,
        business: BusinessId,
        id: ApiKeyId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        match s.api_keys.get_mut(&id) {
            Some(k) if k.business == business && k.revoked_at.is_none() => {
                k.revoked_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl WebhookStore for InMemoryStore {
    async fn create_webhook(&self, mut draft: Endpoint) -> Result<Endpoint, StoreError> {
        let mut s = self.state();
        draft.id = WebhookId::new(s.id());
        s.webhooks.insert(draft.id, draft.clone());
        Ok(draft)
    }

    async fn webhooks(&self, business: BusinessId) -> Result<Vec<Endpoint>, StoreError> {
        Ok(self.state().webhooks.values().filter(|w| w.business == business).cloned().collect())
    }

    async fn delete_webhook(
        &self,
        business: BusinessId,
        id: WebhookId,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let mine = s.webhooks.get(&id).is_some_and(|w| w.business == business);
        if mine {
            s.webhooks.remove(&id);
        }
        Ok(mine)
    }

    async fn record_delivery(&self, delivery: Delivery) -> Result<(), StoreError> {
        self.state().deliveries.push(delivery);
        Ok(())
    }

    async fn deliveries(
        &self,
        business: BusinessId,
        endpoint: WebhookId,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        Ok(self
            .state()
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.business == business && d.endpoint == endpoint)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn delivered(&self, job: JobId, endpoint: WebhookId) -> Result<bool, StoreError> {
        Ok(self.state().deliveries.iter().any(|d| d.job == job && d.endpoint == endpoint && d.ok))
    }
}

#[async_trait]
impl booking_core::ports::store::Maintenance for InMemoryStore {}

#[async_trait]
impl TemplateStore for InMemoryStore {
    async fn email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<Option<EmailTemplate>, StoreError> {
        Ok(self
            .state()
            .templates
            .iter()
            .find(|t| t.business == business && t.trigger == trigger && t.locale == locale)
            .cloned())
    }

    async fn email_templates(
        &self,
        business: BusinessId,
    ) -> Result<Vec<EmailTemplate>, StoreError> {
        Ok(self.state().templates.iter().filter(|t| t.business == business).cloned().collect())
    }

    async fn save_email_template(&self, template: &EmailTemplate) -> Result<(), StoreError> {
        let mut s = self.state();
        s.templates.retain(|t| {
            (t.business, t.trigger, t.locale)
                != (template.business, template.trigger, template.locale)
        });
        s.templates.push(template.clone());
        Ok(())
    }

    async fn delete_email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let before = s.templates.len();
        s.templates.retain(|t| (t.business, t.trigger, t.locale) != (business, trigger, locale));
        Ok(s.templates.len() != before)
    }
}

#[async_trait]
impl CalendarStore for InMemoryStore {
    async fn put_integration(&self, integration: &Integration) -> Result<(), StoreError> {
        let key = (integration.business, integration.provider);
        self.state().integrations.insert(key, integration.clone());
        Ok(())
    }

    async fn integration(
        &self,
        business: BusinessId,
        provider: Provider,
    ) -> Result<Option<Integration>, StoreError> {
        Ok(self.state().integrations.get(&(business, provider)).cloned())
    }

    async fn delete_integration(
        &self,
        business: BusinessId,
        provider: Provider,
    ) -> Result<bool, StoreError> {
        Ok(self.state().integrations.remove(&(business, provider)).is_some())
    }

    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError> {
        let key = (connection.business, connection.resource);
        let mut s = self.state();
        s.connections.insert(key, connection.clone());
        if let Some(b) = s.businesses.get_mut(&connection.business).filter(|b| !b.calendar_sync) {
            b.calendar_sync = true;
            b.revision += 1;
        }
        Ok(())
    }

    async fn update_connection(&self, connection: &Connection) -> Result<bool, StoreError> {
        let mut s = self.state();
        let key = (connection.business, connection.resource);
        match s.connections.get_mut(&key) {
            Some(stored) if stored.connected_at == connection.connected_at => {
                *stored = connection.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn connection(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<Option<Connection>, StoreError> {
        Ok(self.state().connections.get(&(business, resource)).cloned())
    }

    async fn connections(&self, business: BusinessId) -> Result<Vec<Connection>, StoreError> {
        let s = self.state();
        Ok(s.connections.values().filter(|c| c.business == business).cloned().collect())
    }

    async fn all_connections(&self) -> Result<Vec<Connection>, StoreError> {
        Ok(self.state().connections.values().cloned().collect())
    }

    async fn delete_connection(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        s.pushed.retain(|(b, _), r| !(*b == business && r.resource == resource));
        let removed = s.connections.remove(&(business, resource)).is_some();
        let any = s.connections.keys().any(|(b, _)| *b == business);
        if let Some(b) = s.businesses.get_mut(&business).filter(|b| b.calendar_sync && !any) {
            b.calendar_sync = false;
            b.revision += 1;
        }
        Ok(removed)
    }

    async fn pushed(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<PushedRecord>, StoreError> {
        Ok(self.state().pushed.get(&(business, key.to_owned())).cloned())
    }

    async fn put_pushed(&self, record: &PushedRecord) -> Result<(), StoreError> {
        let key = (record.business, record.key.clone());
        self.state().pushed.insert(key, record.clone());
        Ok(())
    }

    async fn delete_pushed(&self, business: BusinessId, key: &str) -> Result<(), StoreError> {
        self.state().pushed.remove(&(business, key.to_owned()));
        Ok(())
    }
}

#[async_trait]
impl VideoStore for InMemoryStore {
    async fn put_video_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        account: &StoredAccount,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut s = self.state();
        s.video_accounts.insert((business, owner), account.clone());
        s.video_changed(business, &owner.map_or(Affected::Business, Affected::Staff), at, false);
        Ok(())
    }

    async fn delete_video_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let removed = s.video_accounts.remove(&(business, owner)).is_some();
        s.video_changed(business, &owner.map_or(Affected::Business, Affected::Staff), at, false);
        Ok(removed)
    }

    async fn video_accounts(
        &self,
        business: BusinessId,
    ) -> Result<Vec<(Option<ResourceId>, StoredAccount)>, StoreError> {
        let s = self.state();
        Ok(s.video_accounts
            .iter()
            .filter(|((b, _), _)| *b == business)
            .map(|((_, owner), a)| (*owner, a.clone()))
            .collect())
    }

    async fn put_course_link(
        &self,
        business: BusinessId,
        course: EventId,
        link: Option<&CustomLink>,
        at: Timestamp,
        notify: bool,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        let changed = match link {
            Some(link) => {
                s.course_links.insert((business, course), link.clone());
                true
            }
            None => s.course_links.remove(&(business, course)).is_some(),
        };
        s.video_changed(business, &Affected::Course(course), at, notify);
        Ok(changed)
    }

    async fn course_links(
        &self,
        business: BusinessId,
    ) -> Result<Vec<(EventId, CustomLink)>, StoreError> {
        let s = self.state();
        Ok(s.course_links
            .iter()
            .filter(|((b, _), _)| *b == business)
            .map(|((_, e), l)| (*e, l.clone()))
            .collect())
    }

    async fn set_online(
        &self,
        business: BusinessId,
        key: &str,
        online: Option<bool>,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut s = self.state();
        match online {
            Some(online) => s.online.insert((business, key.to_owned()), online),
            None => s.online.remove(&(business, key.to_owned())),
        };
        s.video_changed(business, &Affected::Occasion(key.to_owned()), at, false);
        Ok(())
    }

    async fn online_override(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<bool>, StoreError> {
        Ok(self.state().online.get(&(business, key.to_owned())).copied())
    }

    async fn meeting(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<MeetingRecord>, StoreError> {
        Ok(self.state().meetings.get(&(business, key.to_owned())).cloned())
    }

    async fn insert_meeting(&self, record: &MeetingRecord) -> Result<bool, StoreError> {
        let key = (record.business, record.key.clone());
        let mut s = self.state();
        if s.meetings.contains_key(&key) {
            return Ok(false);
        }
        s.meetings.insert(key, record.clone());
        Ok(true)
    }

    async fn put_meeting(&self, record: &MeetingRecord) -> Result<(), StoreError> {
        let key = (record.business, record.key.clone());
        self.state().meetings.insert(key, record.clone());
        Ok(())
    }

    async fn delete_meeting(&self, business: BusinessId, key: &str) -> Result<(), StoreError> {
        self.state().meetings.remove(&(business, key.to_owned()));
        Ok(())
    }
}

#[async_trait]
impl CodeStore for InMemoryStore {
    async fn issue_code(&self, new: &NewCode) -> Result<StoredCode, StoreError> {
        let mut s = self.state();
        let taken = s.codes.values().any(|(c, d)| c.business == new.business && *d == new.digest);
        if taken {
            return Err(StoreError::Duplicate("code digest".into()));
        }
        let code = StoredCode {
            id: CodeId::new(s.id()),
            business: new.business,
            tail: new.tail.clone(),
            customer: new.customer,
            note: new.note.clone(),
            ledger: Ledger::new(new.value.clone(), new.issued_at, new.expires_at),
        };
        s.codes.insert(code.id, (code.clone(), new.digest));
        Ok(code)
    }

    async fn code(
        &self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<StoredCode>, StoreError> {
        let s = self.state();
        Ok(s.codes.get(&id).map(|(c, _)| c).filter(|c| c.business == business).cloned())
    }

    async fn code_by_digest(
        &self,
        business: BusinessId,
        digest: &CodeDigest,
    ) -> Result<Option<StoredCode>, StoreError> {
        let s = self.state();
        let found = s.codes.values().find(|(c, d)| c.business == business && d == digest);
        Ok(found.map(|(c, _)| c.clone()))
    }

    async fn codes_by_tail(
        &self,
        business: BusinessId,
        tail: &str,
    ) -> Result<Vec<StoredCode>, StoreError> {
        let s = self.state();
        let tail = tail.to_ascii_uppercase();
        Ok(s.codes
            .values()
            .filter(|(c, _)| c.business == business && c.tail == tail)
            .map(|(c, _)| c.clone())
            .collect())
    }

    async fn customer_codes(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<StoredCode>, StoreError> {
        let s = self.state();
        Ok(s.codes
            .values()
            .rev()
            .filter(|(c, _)| c.business == business && c.customer == Some(customer))
            .map(|(c, _)| c.clone())
            .collect())
    }

    async fn code_used_by(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<Option<CodeId>, StoreError> {
        let s = self.state();
        Ok(s.codes.values().map(|(c, _)| c).find_map(|c| {
            let used = c.ledger.uses.iter().any(|u| u.booking == Some(booking) && !u.refunded);
            (c.business == business && used).then_some(c.id)
        }))
    }

    async fn revoke_code(
        &self,
        business: BusinessId,
        id: CodeId,
        _at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut s = self.state();
        match s.codes.get_mut(&id).filter(|(c, _)| c.business == business) {
            Some((c, _)) => {
                c.ledger.revoked = true;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
