//! §A9 Storage ports.
//!
//! Reads are plain async methods. Every change to bookings and holds goes through
//! [`BookingStore::transact`]: the store opens a write transaction, loads what the
//! [`TxScope`] names (locking it), hands a read-only [`TxView`] to the core's pure `decide`
//! function, applies the [`Write`]s it returns, and commits. The core's rules — the same slot
//! engine that lists availability — therefore run *inside* the transaction, and the database's
//! own constraints (exclusion constraint, serialised writers) are a second line of defence
//! reported as [`TxError::Conflict`].

use async_trait::async_trait;
use jiff::Timestamp;

use crate::BookingStatus;
use crate::access::{ApiKey, KeyDigest};
use crate::booking::{Actor, Booking, HistoryEntry, NewBooking, Target};
use crate::catalog::{
    Account, Agenda, Business, Customer, Email, Event, Resource, Service, Session,
};
use crate::holds::{Hold, LockDigest, NewHold};
use crate::ids::{
    AccountId, AgendaId, ApiKeyId, BookingId, BusinessId, CustomerId, EventId, ExceptionId, HoldId,
    JobId, ResourceId, ServiceId, SessionId, WebhookId,
};
use crate::notify::{EmailTemplate, Trigger};
use crate::outbox::NewJob;
pub use crate::ports::accounts::AccountStore;
use crate::ports::outbox::Outbox;
use crate::schedule::Exception;
use crate::settings::Locale;
use crate::time::Interval;
use crate::webhooks::{Delivery, Endpoint};

pub use crate::error::StoreError;

/// An occupying appointment as availability sees it: where and when, never who (availability
/// moves no personal data, and reads less).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusyBooking {
    /// The booking.
    pub id: BookingId,
    /// The resource it takes.
    pub resource: ResourceId,
    /// What it blocks (buffers included).
    pub busy: Interval,
    /// Its status.
    pub status: BookingStatus,
}

impl BusyBooking {
    /// The occupancy of an appointment; `None` for seats in a session.
    #[must_use]
    pub fn of(booking: &Booking) -> Option<Self> {
        match &booking.target {
            Target::Appointment { resource, busy, .. } => Some(Self {
                id: booking.id,
                resource: *resource,
                busy: *busy,
                status: booking.status,
            }),
            Target::Session { .. } => None,
        }
    }
}

/// Bookings and holds around some resources over a window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Occupancy {
    /// Appointments that occupy (pending, approved, no-show) on those resources, whose busy
    /// interval (buffers included) overlaps the window.
    pub bookings: Vec<BusyBooking>,
    /// Slot holds on those resources whose busy interval overlaps the window. May include expired
    /// ones: the core ignores them.
    pub holds: Vec<Hold>,
}

/// Everything that blocks time on some resources around a window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Busy {
    /// Occupying appointments and slot holds.
    pub occupancy: Occupancy,
    /// Exceptions (time off, holidays), by resource.
    pub exceptions: Vec<(ResourceId, Interval)>,
    /// External calendar busy times, by resource (only when asked for).
    pub external: Vec<(ResourceId, Interval)>,
}

/// A session with what occupies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionLoad {
    /// The session.
    pub session: Session,
    /// Seats taken by occupying bookings.
    pub booked_seats: u32,
    /// Holds on it (possibly expired).
    pub holds: Vec<Hold>,
}

/// What a transaction locks and loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxScope {
    /// The tenant; nothing outside it is loaded or written.
    pub business: BusinessId,
    /// Resources whose occupancy over `window` is loaded (and locked against other writers).
    pub resources: Vec<ResourceId>,
    /// The window for `resources`.
    pub window: Option<Interval>,
    /// Load every hold of this lock code, whatever it holds.
    pub lock: Option<LockDigest>,
    /// Load these bookings (any status).
    pub bookings: Vec<BookingId>,
    /// Load (and lock) these sessions with their seat counts.
    pub sessions: Vec<SessionId>,
    /// Load (and lock) these codes with their uses (§I2: no double spend).
    pub codes: Vec<crate::ids::CodeId>,
}

impl TxScope {
    /// An empty scope of one business.
    #[must_use]
    pub fn new(business: BusinessId) -> Self {
        Self {
            business,
            resources: Vec::new(),
            window: None,
            lock: None,
            bookings: Vec::new(),
            sessions: Vec::new(),
            codes: Vec::new(),
        }
    }
}

/// What a transaction sees.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxView {
    /// Occupancy of the scope's resources over its window.
    pub occupancy: Occupancy,
    /// Holds of the scope's lock code.
    pub lock_holds: Vec<Hold>,
    /// The scope's bookings that exist in this business.
    pub bookings: Vec<Booking>,
    /// The scope's sessions that exist in this business.
    pub sessions: Vec<SessionLoad>,
    /// The scope's codes that exist in this business, with their uses.
    pub codes: Vec<crate::codes::StoredCode>,
}

/// A change decided by the core, applied in order by the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Delete these holds (re-lock, confirm, or expired ones in the way).
    DeleteHolds(Vec<HoldId>),
    /// Create a hold.
    InsertHold(NewHold),
    /// Create a booking with its first history line.
    InsertBooking(NewBooking),
    /// Change a booking's status to `entry.to` and append `entry` to its history.
    ChangeStatus {
        /// The booking.
        booking: BookingId,
        /// The history line (its `to` is the new status).
        entry: HistoryEntry,
    },
    /// Write an outbox job (§B3), committed or rolled back with the rest.
    Enqueue(NewJob),
    /// A code pays for a booking (§I2): a use of `amount`, decided on the locked code.
    Redeem {
        /// The code.
        code: crate::ids::CodeId,
        /// The booking it pays for.
        booking: crate::outbox::BookingRef,
        /// Sessions or minor units taken.
        amount: i64,
        /// When the booked occasion starts.
        starts_at: jiff::Timestamp,
        /// When.
        at: jiff::Timestamp,
    },
    /// Adds `delta` to a code's adjustment (staff, §I3), decided on the locked code so that
    /// its balance never goes below zero.
    Adjust {
        /// The code.
        code: crate::ids::CodeId,
        /// Sessions or minor units; negative takes.
        delta: i64,
    },
    /// Gives back the code's use by a booking (§I2: canceled in time).
    Refund {
        /// The code.
        code: crate::ids::CodeId,
        /// The booking whose use is given back.
        booking: BookingId,
        /// When.
        at: jiff::Timestamp,
    },
}

/// What a committed transaction created, in the order of the writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxOutcome {
    /// Holds created.
    pub holds: Vec<Hold>,
    /// Bookings created.
    pub bookings: Vec<Booking>,
}

/// Why the core refused inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The slot is not free.
    #[error("slot taken")]
    SlotTaken,
    /// Not enough seats.
    #[error("session full")]
    SessionFull,
    /// The lock code holds nothing.
    #[error("no hold for this lock code")]
    HoldNotFound,
    /// The hold lapsed and the slot was taken meanwhile.
    #[error("hold expired")]
    HoldExpired,
    /// The booking does not exist (or is not visible to the actor).
    #[error("booking not found")]
    BookingNotFound,
    /// The session does not exist.
    #[error("session not found")]
    SessionNotFound,
    /// A status change that the lifecycle forbids.
    #[error(transparent)]
    Transition(#[from] crate::booking::TransitionError),
    /// The session has started.
    #[error("in the past")]
    InThePast,
    /// The code cannot pay for this booking (§I2).
    #[error(transparent)]
    Code(#[from] crate::codes::CodeRefusal),
}

/// Why a transaction did not commit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The core's decision refused; nothing was written.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// The database's own constraint rejected the writes (a concurrent writer won).
    #[error("conflict with a concurrent change")]
    Conflict,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The core's decision inside a transaction: pure, synchronous, may be called more than once
/// (a store may retry after a serialisation failure).
pub type Decide<'a> = dyn FnMut(&TxView) -> Result<Vec<Write>, Refusal> + Send + 'a;

/// A page of a customer's bookings ([`BookingStore::customer_timeline`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Every booking that ends after the time asked for, by start (any status).
    pub upcoming: Vec<Booking>,
    /// The page of those that ended by then, latest first.
    pub past: Vec<Booking>,
    /// Whether older ones follow the page.
    pub more_past: bool,
}

/// An audit-log line. Never holds personal values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Tenant.
    pub business: BusinessId,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: Actor,
    /// What, as a stable code (`customer.anonymised`).
    pub action: String,
    /// On what (`customer:7`).
    pub subject: String,
}

/// Businesses and their set-up. Implementations MUST scope every read and write by business:
/// an id of another business reads as absent. The `id` of an entity passed to `create_*` is
/// ignored; the store assigns a fresh one. Every change to a business or to one of its
/// resources, agendas or services MUST increase the business's `revision` (the engine caches
/// the catalog until it changes).
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Creates a business.
    async fn create_business(&self, draft: Business) -> Result<Business, StoreError>;
    /// A business.
    async fn business(&self, id: BusinessId) -> Result<Option<Business>, StoreError>;
    /// Replaces a business's name, zone, locale, contact and settings.
    async fn update_business(&self, business: &Business) -> Result<(), StoreError>;

    /// Creates a resource.
    async fn create_resource(&self, draft: Resource) -> Result<Resource, StoreError>;
    /// A resource.
    async fn resource(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Option<Resource>, StoreError>;
    /// The business's resources, by id.
    async fn resources(&self, business: BusinessId) -> Result<Vec<Resource>, StoreError>;
    /// Replaces a resource (name, zone, opening hours and overrides).
    async fn update_resource(&self, resource: &Resource) -> Result<(), StoreError>;

    /// Adds an exception to a resource.
    async fn add_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        exception: Exception,
    ) -> Result<Exception, StoreError>;
    /// Removes one; `false` if it did not exist.
    async fn remove_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        id: ExceptionId,
    ) -> Result<bool, StoreError>;
    /// Exceptions of some resources overlapping a window, with their resource.
    async fn exceptions(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Exception)>, StoreError>;
    /// Replaces the external busy times of a resource inside `window` (calendar sync cache).
    async fn replace_external_busy(
        &self,
        business: BusinessId,
        resource: ResourceId,
        window: Interval,
        busy: Vec<Interval>,
    ) -> Result<(), StoreError>;
    /// External busy times of some resources overlapping a window.
    async fn external_busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Interval)>, StoreError>;

    /// Creates an agenda (its slug is unique in the business).
    async fn create_agenda(&self, draft: Agenda) -> Result<Agenda, StoreError>;
    /// An agenda.
    async fn agenda(
        &self,
        business: BusinessId,
        id: AgendaId,
    ) -> Result<Option<Agenda>, StoreError>;
    /// The business's agendas, by id.
    async fn agendas(&self, business: BusinessId) -> Result<Vec<Agenda>, StoreError>;
    /// Replaces an agenda.
    async fn update_agenda(&self, agenda: &Agenda) -> Result<(), StoreError>;

    /// Creates a service (its slug is unique in the business).
    async fn create_service(&self, draft: Service) -> Result<Service, StoreError>;
    /// A service.
    async fn service(
        &self,
        business: BusinessId,
        id: ServiceId,
    ) -> Result<Option<Service>, StoreError>;
    /// The business's services, by id.
    async fn services(&self, business: BusinessId) -> Result<Vec<Service>, StoreError>;
    /// Replaces a service.
    async fn update_service(&self, service: &Service) -> Result<(), StoreError>;

    /// Creates an event or course.
    async fn create_event(&self, draft: Event) -> Result<Event, StoreError>;
    /// An event.
    async fn event(&self, business: BusinessId, id: EventId) -> Result<Option<Event>, StoreError>;
    /// The business's events and courses, by id.
    async fn events(&self, business: BusinessId) -> Result<Vec<Event>, StoreError>;
    /// Creates a session of an event.
    async fn create_session(&self, draft: Session) -> Result<Session, StoreError>;
    /// A session.
    async fn session(
        &self,
        business: BusinessId,
        id: SessionId,
    ) -> Result<Option<Session>, StoreError>;
    /// The sessions of an event, by start.
    async fn sessions(
        &self,
        business: BusinessId,
        event: EventId,
    ) -> Result<Vec<Session>, StoreError>;
}

/// Bookings, holds and their history.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Occupancy of some resources over a window (a consistent snapshot is enough).
    async fn occupancy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Occupancy, StoreError>;
    /// [`Busy`] on some resources around a window: occupancy, exceptions and, with `external`,
    /// external busy times — in one read where the store can (each availability query makes it).
    async fn busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
        external: bool,
    ) -> Result<Busy, StoreError>;
    /// Sessions with their seat counts.
    async fn session_loads(
        &self,
        business: BusinessId,
        sessions: &[SessionId],
    ) -> Result<Vec<SessionLoad>, StoreError>;
    /// Runs `decide` inside one write transaction (see the module docs). Implementations MUST:
    /// serialise against every other `transact` touching the same resources or sessions; load
    /// exactly what the scope names within the business; apply the writes atomically (all or
    /// none); report a constraint violation as [`TxError::Conflict`]; never call `decide` while
    /// another transaction's writes on the scope are uncommitted.
    async fn transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError>;
    /// A booking.
    async fn booking(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Option<Booking>, StoreError>;
    /// The booking that replaced `id` when it was rescheduled (the one whose
    /// `rescheduled_from` is `id`), if any.
    async fn successor(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Option<BookingId>, StoreError>;
    /// The bookings (any status) whose appointment or session overlaps `window`, by id.
    async fn bookings_in(
        &self,
        business: BusinessId,
        window: Interval,
    ) -> Result<Vec<Booking>, StoreError>;
    /// A customer's bookings, by creation.
    async fn customer_bookings(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<Booking>, StoreError>;
    /// A customer's bookings as their panel pages them: every one that ends after `now`, by
    /// start; and of those that ended by then, latest first, `skip` left out and up to `take`.
    /// Reads the customer's own bookings only, never the business's history.
    async fn customer_timeline(
        &self,
        business: BusinessId,
        customer: CustomerId,
        now: Timestamp,
        skip: usize,
        take: usize,
    ) -> Result<Timeline, StoreError>;
    /// A booking's history, oldest first. Entries are never removed; only anonymisation changes
    /// them (it erases their free-text reasons).
    async fn history(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Vec<HistoryEntry>, StoreError>;
    /// The holds of a lock code.
    async fn holds_of(
        &self,
        business: BusinessId,
        lock: &LockDigest,
    ) -> Result<Vec<Hold>, StoreError>;
    /// Deletes the holds of a lock code; how many there were.
    async fn release(&self, business: BusinessId, lock: &LockDigest) -> Result<usize, StoreError>;
    /// Deletes holds that expired at or before `now` (housekeeping; correctness never needs it).
    async fn purge_expired_holds(&self, now: Timestamp) -> Result<usize, StoreError>;
}

/// Customer records and anonymisation.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Creates a customer record.
    async fn create_customer(&self, draft: Customer) -> Result<Customer, StoreError>;
    /// A customer.
    async fn customer(
        &self,
        business: BusinessId,
        id: CustomerId,
    ) -> Result<Option<Customer>, StoreError>;
    /// Replaces a customer's contact, notes and fields.
    async fn update_customer(&self, customer: &Customer) -> Result<(), StoreError>;
    /// Creates an account; [`StoreError::Duplicate`] if the email already has one.
    async fn create_account(&self, email: Email) -> Result<Account, StoreError>;
    /// An account.
    async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError>;
    /// The account of an email address.
    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError>;
    /// Records that the account's owner proved the address; `false` if there is no such account.
    async fn verify_account(&self, id: AccountId, at: Timestamp) -> Result<bool, StoreError>;
    /// In one transaction: replace the customer by [`crate::anonymise::anonymise_customer`],
    /// every booking of the customer by [`crate::anonymise::anonymise_booking`], erase the
    /// reasons in those bookings' histories (and whatever else the adapter keeps for them),
    /// write the jobs [`crate::anonymise::jobs_after_erasure`] decides for those bookings
    /// whose event (`booking-<id>`, or its session's `session-<id>`) is in an employee's
    /// external calendar, so the name leaves it too (§H), and append `audit`. Returns the
    /// anonymised record, `None` if there is no such customer. Idempotent.
    async fn anonymise_customer(
        &self,
        business: BusinessId,
        id: CustomerId,
        at: Timestamp,
        audit: AuditEntry,
    ) -> Result<Option<Customer>, StoreError>;
}

/// The append-only audit log.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends a line.
    async fn append(&self, entry: AuditEntry) -> Result<(), StoreError>;
    /// The business's lines, oldest first.
    async fn audit_entries(&self, business: BusinessId) -> Result<Vec<AuditEntry>, StoreError>;
}

/// The remembered answer to a request made with an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotentAnswer {
    /// A digest of the request (method, path, body): a key reused for another request is refused.
    pub fingerprint: String,
    /// What was answered, as the inbound adapter's opaque reference to replay it (the HTTP
    /// adapter's `201 booking:7`, `409 error:slot_taken`); while the request runs,
    /// `pending:<nonce>`, and `retry` when it failed on the server's side. MUST NOT hold personal
    /// values: answers outlive anonymisation.
    pub subject: String,
    /// When it was first answered.
    pub created_at: Timestamp,
}

/// Idempotency keys of the HTTP API.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// The answer remembered for `key`.
    async fn recall(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StoreError>;
    /// Remembers `answer` for `key` unless one is already remembered; returns the one that is
    /// (the first writer wins, so two racing requests replay the same answer).
    async fn remember(
        &self,
        business: BusinessId,
        key: &str,
        answer: IdempotentAnswer,
    ) -> Result<IdempotentAnswer, StoreError>;
    /// Replaces the answer remembered for `key` by `answer` if its subject is still `expected`
    /// (a reservation settled by its final answer, or taken over by one request only); whether
    /// it was replaced.
    async fn settle(
        &self,
        business: BusinessId,
        key: &str,
        expected: &str,
        answer: IdempotentAnswer,
    ) -> Result<bool, StoreError>;
    /// Forgets answers given before `before`; how many.
    async fn forget_answers_before(&self, before: Timestamp) -> Result<usize, StoreError>;
}

/// §C4 API keys.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Stores a key (its id is assigned).
    async fn create_api_key(&self, draft: ApiKey) -> Result<ApiKey, StoreError>;
    /// The key with this digest, whatever its business (this is how a caller is identified).
    async fn api_key_by_digest(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError>;
    /// The business's keys, revoked ones included, oldest first.
    async fn api_keys(&self, business: BusinessId) -> Result<Vec<ApiKey>, StoreError>;
    /// Revokes a key of the business; whether it was live.
    async fn revoke_api_key(
        &self,
        business: BusinessId,
        id: ApiKeyId,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
}

/// §C9 Webhook endpoints and their delivery log.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores an endpoint (its id is assigned).
    async fn create_webhook(&self, draft: Endpoint) -> Result<Endpoint, StoreError>;
    /// The business's endpoints, by id.
    async fn webhooks(&self, business: BusinessId) -> Result<Vec<Endpoint>, StoreError>;
    /// Removes an endpoint of the business (its log stays); whether it existed.
    async fn delete_webhook(&self, business: BusinessId, id: WebhookId)
    -> Result<bool, StoreError>;
    /// Appends an attempt to the log.
    async fn record_delivery(&self, delivery: Delivery) -> Result<(), StoreError>;
    /// The log of one endpoint of the business, newest first, at most `limit` lines.
    async fn deliveries(
        &self,
        business: BusinessId,
        endpoint: WebhookId,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError>;
    /// Whether the endpoint already took this job (a retry skips it).
    async fn delivered(&self, job: JobId, endpoint: WebhookId) -> Result<bool, StoreError>;
}

/// §E3 Email templates a business wrote in place of the shipped ones.
#[async_trait]
pub trait TemplateStore: Send + Sync {
    /// The business's template for a trigger and locale, if it wrote one.
    async fn email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<Option<EmailTemplate>, StoreError>;
    /// Every template the business wrote.
    async fn email_templates(&self, business: BusinessId)
    -> Result<Vec<EmailTemplate>, StoreError>;
    /// Saves (replaces) one.
    async fn save_email_template(&self, template: &EmailTemplate) -> Result<(), StoreError>;
    /// Removes one (the shipped wording applies again); whether it existed.
    async fn delete_email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<bool, StoreError>;
}

/// Upkeep a database may want now and then: on SQLite, fresh planner statistics as the history
/// grows, so the hot reads keep the indexes they are written for. The housekeeping calls it.
#[async_trait]
pub trait Maintenance: Send + Sync {
    /// Keeps the database's own bookkeeping current; nothing where there is none.
    ///
    /// # Errors
    /// Storage errors.
    async fn maintain(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Everything a storage adapter provides.
pub trait Store:
    CatalogStore
    + AccountStore
    + crate::ports::calendar::CalendarStore
    + crate::ports::video::VideoStore
    + crate::ports::codes::CodeStore
    + BookingStore
    + CustomerStore
    + AuditLog
    + Outbox
    + IdempotencyStore
    + AccessStore
    + WebhookStore
    + TemplateStore
    + Maintenance
{
}

impl<
    T: CatalogStore
        + AccountStore
        + crate::ports::calendar::CalendarStore
        + crate::ports::video::VideoStore
        + crate::ports::codes::CodeStore
        + BookingStore
        + CustomerStore
        + AuditLog
        + Outbox
        + IdempotencyStore
        + AccessStore
        + WebhookStore
        + TemplateStore
        + Maintenance,
> Store for T
{
}
