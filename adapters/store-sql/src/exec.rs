//! What a database adapter implements so that the storage ports of this crate run on it: an
//! [`Executor`] (run one statement: its text and its typed arguments) and a [`Database`] (hand
//! out connections and transactions, run the booking transaction, upkeep). Everything else —
//! every query, every row read — is this crate's ordinary code over those two traits
//! ([`SqlStore`]).
//!
//! The statements are written once, with `$1`-style placeholders both databases read. Where
//! the dialects differ, the text comes from the adapter's [`Dialect`].

use std::future::Future;
use std::sync::OnceLock;

use booking_core::ports::store::{Decide, StoreError, TxError, TxOutcome, TxScope};

use crate::Cells;

/// A value bound to a statement's placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg<'q> {
    /// A `BIGINT` (or `NULL`).
    Int(Option<i64>),
    /// A text borrowed for the statement's run (or `NULL`).
    Text(Option<&'q str>),
    /// A text the statement owns (or `NULL`).
    Owned(Option<String>),
    /// A boolean.
    Flag(bool),
    /// A list of integers: what [`Dialect::in_ids_2`] tests membership of (SQLite reads it as a
    /// JSON array, PostgreSQL as a `BIGINT[]`).
    Ints(Vec<i64>),
    /// A list of texts, the same way.
    Texts(Vec<String>),
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl From<bool> for Arg<'_> {
    fn from(value: bool) -> Self {
        Self::Flag(value)
    }
}

impl<'q> From<&'q str> for Arg<'q> {
    fn from(value: &'q str) -> Self {
        Self::Text(Some(value))
    }
}

impl<'q> From<&'q String> for Arg<'q> {
    fn from(value: &'q String) -> Self {
        Self::Text(Some(value))
    }
}

impl<'q> From<Option<&'q str>> for Arg<'q> {
    fn from(value: Option<&'q str>) -> Self {
        Self::Text(value)
    }
}

impl<'q> From<&'q Option<String>> for Arg<'q> {
    fn from(value: &'q Option<String>) -> Self {
        Self::Text(value.as_deref())
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Self::Owned(Some(value))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(value: Option<String>) -> Self {
        Self::Owned(value)
    }
}

/// The ids of a list, bound as one argument ([`Arg::Ints`]).
pub fn id_list(ids: impl IntoIterator<Item = i64>) -> Arg<'static> {
    Arg::Ints(ids.into_iter().collect())
}

/// One statement: its text and its arguments, `$1` first.
#[derive(Clone, Debug)]
pub struct Query<'q> {
    /// The text.
    pub sql: &'q str,
    /// The arguments, in placeholder order.
    pub args: Vec<Arg<'q>>,
}

/// A statement with no arguments yet.
#[must_use]
pub fn query(sql: &str) -> Query<'_> {
    Query { sql, args: Vec::new() }
}

impl<'q> Query<'q> {
    /// Binds the next placeholder.
    #[must_use]
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Runs it; how many rows it changed.
    pub fn execute<E: Executor + ?Sized>(
        self,
        on: &mut E,
    ) -> impl Future<Output = Result<Executed, DbError>> + Send {
        on.execute(self)
    }

    /// Runs it; every row.
    pub fn fetch_all<E: Executor + ?Sized>(
        self,
        on: &mut E,
    ) -> impl Future<Output = Result<Vec<E::Row>, DbError>> + Send {
        on.fetch_all(self)
    }

    /// Runs it; the first row, if any.
    pub fn fetch_optional<E: Executor + ?Sized>(
        self,
        on: &mut E,
    ) -> impl Future<Output = Result<Option<E::Row>, DbError>> + Send {
        on.fetch_optional(self)
    }

    /// Runs it; the first row, which must exist.
    pub async fn fetch_one<E: Executor + ?Sized>(self, on: &mut E) -> Result<E::Row, DbError> {
        on.fetch_optional(self).await?.ok_or_else(|| DbError {
            kind: DbErrorKind::Other,
            message: "no rows returned by a query that expected to return at least one row"
                .to_owned(),
        })
    }
}

/// What a statement changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Executed(pub u64);

impl Executed {
    /// How many rows it inserted, updated or deleted.
    #[must_use]
    pub fn rows_affected(self) -> u64 {
        self.0
    }
}

/// A database error, as the adapter classified it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError {
    /// What kind of failure.
    pub kind: DbErrorKind,
    /// The driver's message.
    pub message: String,
}

/// The kinds of database failure the ports tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbErrorKind {
    /// A unique constraint refused the row.
    Duplicate,
    /// The database's own defence refused it: the no-overlap rule on occupancy, or a `CHECK`
    /// (overbooked seats).
    Defence,
    /// A lock cycle or serialisation failure: the transaction may be run again. The message
    /// starts with the SQLSTATE and `": "`.
    Retry,
    /// Anything else (connection lost, disk full, bad statement).
    Other,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A database error as a store error: uniqueness is `Duplicate`, the rest `Unavailable`.
#[allow(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
#[must_use]
pub fn unavailable(error: DbError) -> StoreError {
    match error.kind {
        DbErrorKind::Duplicate => StoreError::Duplicate(error.message),
        _ => StoreError::Unavailable(error.message),
    }
}

/// A database error inside a booking transaction: the database's own no-overlap and capacity
/// defences are `Conflict`.
#[must_use]
pub fn tx_error(error: DbError) -> TxError {
    match error.kind {
        DbErrorKind::Defence => TxError::Conflict,
        _ => TxError::Store(unavailable(error)),
    }
}

/// Runs statements on one connection (or transaction).
pub trait Executor: Send {
    /// A row of its results.
    type Row: Cells + Send + Sync;

    /// Runs a statement; how many rows it changed.
    fn execute(
        &mut self,
        query: Query<'_>,
    ) -> impl Future<Output = Result<Executed, DbError>> + Send;

    /// Runs a statement; every row.
    fn fetch_all(
        &mut self,
        query: Query<'_>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, DbError>> + Send;

    /// Runs a statement; the first row, if any.
    fn fetch_optional(
        &mut self,
        query: Query<'_>,
    ) -> impl Future<Output = Result<Option<Self::Row>, DbError>> + Send;

    /// The dialect of its database.
    fn dialect(&self) -> &'static Dialect;
}

/// A transaction: an [`Executor`] whose writes count once committed (dropped, it rolls back).
pub trait Transaction: Executor {
    /// Commits.
    fn commit(self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A database the ports run on.
pub trait Database: Send + Sync + 'static {
    /// A row of its results.
    type Row: Cells + Send + Sync;
    /// A connection for reads (each statement sees one snapshot).
    type Read<'a>: Executor<Row = Self::Row>
    where
        Self: 'a;
    /// A read-only transaction whose statements all see one snapshot.
    type Snapshot<'a>: Executor<Row = Self::Row>
    where
        Self: 'a;
    /// A connection for single-statement writes.
    type Single<'a>: Executor<Row = Self::Row>
    where
        Self: 'a;
    /// A write transaction.
    type Write<'a>: Transaction<Row = Self::Row>
    where
        Self: 'a;

    /// Its dialect.
    fn dialect(&self) -> &'static Dialect;

    /// A connection for reads.
    fn read(&self) -> impl Future<Output = Result<Self::Read<'_>, StoreError>> + Send;

    /// A read-only transaction.
    fn snapshot(&self) -> impl Future<Output = Result<Self::Snapshot<'_>, StoreError>> + Send;

    /// A connection for single-statement writes.
    fn single(&self) -> impl Future<Output = Result<Self::Single<'_>, StoreError>> + Send;

    /// A write transaction of its own.
    fn write(&self) -> impl Future<Output = Result<Self::Write<'_>, StoreError>> + Send;

    /// The booking transaction (ADR 0002): read `scope` with [`crate::bookings::view`], let the
    /// core `decide`, apply its writes with [`crate::bookings::apply`], commit — with the
    /// database's own locking, batching and retries.
    fn transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> impl Future<Output = Result<TxOutcome, TxError>> + Send;

    /// Periodic upkeep (planner statistics); nothing by default.
    fn maintain(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        async { Ok(()) }
    }
}

/// How a database's SQL differs from the text the ports are written in. An adapter keeps one in
/// a `static` (it caches the statements built from it).
#[derive(Debug)]
pub struct Dialect {
    /// Membership of the list bound as `$2`: `IN (SELECT value FROM json_each($2))` or
    /// `= ANY($2)`.
    pub in_ids_2: &'static str,
    /// An agenda's ordered resource and service ids as the JSON columns `resource_ids` and
    /// `service_ids`, for the agenda `a`.
    pub agenda_links: &'static str,
    /// Locks the rows read (`FOR UPDATE`), or nothing where the transaction holds the database.
    pub lock_row: &'static str,
    /// Locks the rows read, skipping those others hold (`FOR UPDATE SKIP LOCKED`), or nothing.
    pub lock_skip: &'static str,
    /// How the occupancy reads name the business column (SQLite's `+business_id` keeps it out
    /// of the planner's choice of index).
    pub by_resource_business: &'static str,
    /// The aggregate of the occupancy rows `o` as one JSON text.
    pub json_rows: &'static str,
    /// Whether a new booking and its jobs are inserted by one statement (PostgreSQL: a
    /// data-modifying `WITH`, with the jobs bound as arrays); otherwise one statement each.
    pub booking_with_jobs: bool,
    /// Membership of the ids a subquery `{}` selects, as the planner reads it row by row:
    /// `IN ({})` on SQLite; `= ANY(ARRAY({}))` on PostgreSQL, whose planner would otherwise
    /// hash-join a large `IN (…)` against a scan of the whole table.
    pub ids_from: &'static str,
    pub(crate) built: Built,
}

/// Statements built from a dialect, once (some run on every request or every second).
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) busy: OnceLock<String>,
    pub(crate) occupancy: OnceLock<String>,
    pub(crate) agendas: OnceLock<String>,
    pub(crate) exceptions: OnceLock<String>,
    pub(crate) external_busy: OnceLock<String>,
    pub(crate) sessions_by_id: OnceLock<String>,
    pub(crate) bookings_by_id: OnceLock<String>,
    pub(crate) delete_holds: OnceLock<String>,
    pub(crate) customer_locked: OnceLock<String>,
    pub(crate) claim: OnceLock<String>,
    pub(crate) purge: OnceLock<String>,
}

impl Dialect {
    /// A dialect from its differences.
    #[must_use]
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per difference, named in each adapter's static"
    )]
    pub const fn new(
        in_ids_2: &'static str,
        agenda_links: &'static str,
        lock_row: &'static str,
        lock_skip: &'static str,
        by_resource_business: &'static str,
        json_rows: &'static str,
        booking_with_jobs: bool,
        ids_from: &'static str,
    ) -> Self {
        Self {
            in_ids_2,
            agenda_links,
            lock_row,
            lock_skip,
            by_resource_business,
            json_rows,
            booking_with_jobs,
            ids_from,
            built: Built {
                busy: OnceLock::new(),
                occupancy: OnceLock::new(),
                agendas: OnceLock::new(),
                exceptions: OnceLock::new(),
                external_busy: OnceLock::new(),
                sessions_by_id: OnceLock::new(),
                bookings_by_id: OnceLock::new(),
                delete_holds: OnceLock::new(),
                customer_locked: OnceLock::new(),
                claim: OnceLock::new(),
                purge: OnceLock::new(),
            },
        }
    }

    /// The statement `pick` caches, built by `build` the first time.
    pub(crate) fn statement(
        &self,
        pick: fn(&Built) -> &OnceLock<String>,
        build: impl FnOnce(&Self) -> String,
    ) -> &str {
        pick(&self.built).get_or_init(|| build(self))
    }
}

/// Every storage port of `booking-core` over a [`Database`].
pub struct SqlStore<D> {
    pub(crate) db: D,
    guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl<D: Database> SqlStore<D> {
    /// The ports over `db`.
    #[must_use]
    pub fn new(db: D) -> Self {
        Self { db, guard: None }
    }

    /// Keeps `guard` alive as long as the store (a test's temporary directory, say).
    #[must_use]
    pub fn keeping(mut self, guard: impl std::any::Any + Send + Sync) -> Self {
        self.guard = Some(Box::new(guard));
        self
    }

    /// The database (for tools and tests that inspect it).
    #[must_use]
    pub fn database(&self) -> &D {
        &self.db
    }
}

impl<D: Database> std::ops::Deref for SqlStore<D> {
    type Target = D;

    fn deref(&self) -> &D {
        &self.db
    }
}

impl<D: std::fmt::Debug> std::fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore").field("db", &self.db).finish_non_exhaustive()
    }
}

/// Reads every row with `read`.
pub(crate) fn all<R: Cells, T>(
    rows: &[R],
    read: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(read).collect()
}

/// Reads an optional row with `read`.
pub(crate) fn one<R: Cells, T>(
    row: Option<&R>,
    read: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    row.map(read).transpose()
}

#[async_trait::async_trait]
impl<D: Database> booking_core::ports::store::Maintenance for SqlStore<D> {
    async fn maintain(&self) -> Result<(), StoreError> {
        self.db.maintain().await
    }
}
