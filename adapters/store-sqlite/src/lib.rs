//! # booking-store-sqlite
//!
//! Every storage port of `booking-core` on one SQLite file: the embedded default (§B1). The
//! ports themselves are `booking-store-sql`'s ([`SqlStore`]); this crate is its [`Database`]:
//! connections, the write connection, the booking transaction and the dialect.
//!
//! - The file is created on first start and migrated automatically ([`open`]).
//! - WAL journal, `synchronous = FULL`: a booking is acknowledged only once its commit is on
//!   disk (ADR 0003), `foreign_keys = ON`, a `busy_timeout` for other processes.
//! - Every write transaction starts with `BEGIN IMMEDIATE`, so it holds SQLite's single write
//!   lock from its first read: the core decides on data no one else can change before commit.
//!   Inside one process, every write goes through one dedicated connection, so writers queue
//!   for it (first come, first served) instead of spinning in SQLite's busy handler, and never
//!   wait for a connection that readers hold; reads use a pool of their own.
//! - Booking transactions are group-committed ([`writer`]): those queued together run one after
//!   another in one SQLite transaction and share its commit and fsync; each is answered only
//!   once that commit is done.
//! - A trigger on the `occupancy` table refuses overlapping appointments and holds on one
//!   resource, and a `CHECK` on `sessions.booked_seats` refuses overbooking: the database's
//!   own defence, reported as [`TxError::Conflict`](booking_core::ports::store::TxError::Conflict).

mod bookings;
mod writer;

use std::ops::DerefMut;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use booking_core::ports::store::{Decide, StoreError, TxError, TxOutcome, TxScope};
use booking_store_sql::{
    Arg, Cells, Database, DbError, DbErrorKind, Dialect, Executed, Executor, Query, SqlStore,
    Transaction,
};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Row as _};
pub use writer::Exclusive;
use writer::WriterShared;

/// The migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections for reads (writes have one of their own).
const READERS: u32 = 8;

/// How long a writer of another process may make us wait for the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite's SQL where the ports' text differs.
static DIALECT: Dialect = Dialect::new(
    "IN (SELECT value FROM json_each($2))",
    "(SELECT json_group_array(resource_id) FROM (SELECT resource_id \
     FROM agenda_resources WHERE agenda_id = a.id ORDER BY position)) AS resource_ids, \
     (SELECT json_group_array(service_id) FROM (SELECT service_id FROM agenda_services \
     WHERE agenda_id = a.id ORDER BY position)) AS service_ids",
    // The write transaction holds the database: nothing to lock row by row.
    "",
    "",
    // Unary plus keeps `business_id` out of the planner's choice of index, so the reads that
    // name resources search by resource and time (`bookings_resource`, `holds_resource`, …)
    // instead of scanning every booking of the business (ADR 0003).
    "+business_id",
    "json_group_array(json_array(o.source, o.id, o.resource_id, o.busy_start_us, \
     o.busy_end_us, o.status, o.lock_digest, o.expires_at_us, o.agenda_id, o.service_id, \
     o.slot_start_us, o.slot_end_us, o.created_at_us))",
    false,
    "IN ({})",
);

/// The storage ports on a SQLite database.
pub type SqliteStore = SqlStore<SqliteDatabase>;

/// Opens (creating if missing) the database file at `path` and migrates it.
///
/// # Errors
/// The file cannot be opened or migrated.
pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
    let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
    SqliteDatabase::with_options(options).await
}

/// Opens a database from a `sqlite:` URL (`sqlite://data/booking.db`) and migrates it.
///
/// # Errors
/// The URL is not one, or the database cannot be opened or migrated.
pub async fn connect(url: &str) -> Result<SqliteStore, StoreError> {
    let options = SqliteConnectOptions::from_str(url).map_err(unavailable)?.create_if_missing(true);
    SqliteDatabase::with_options(options).await
}

/// A SQLite database: a pool of read connections and the one write connection.
pub struct SqliteDatabase {
    pool: SqlitePool,
    writer: Arc<WriterShared>,
}

impl std::fmt::Debug for SqliteDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDatabase").field("pool", &self.pool).finish_non_exhaustive()
    }
}

impl SqliteDatabase {
    async fn with_options(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let mut writer = options.connect().await.map_err(unavailable)?;
        MIGRATOR.run(&mut writer).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // Statistics where a table changed enough since the last ones (a quick, bounded ANALYZE):
        // the planner then keeps choosing the indexes the hot reads are written for as the
        // history grows (issue 25). The housekeeping runs it again (`Database::maintain`).
        // `analysis_limit` bounds the rows each index's statistics sample (the writer keeps it).
        sqlx::query("PRAGMA analysis_limit=1000")
            .execute(&mut writer)
            .await
            .map_err(unavailable)?;
        sqlx::query("PRAGMA optimize=0x10002").execute(&mut writer).await.map_err(unavailable)?;
        let writer = WriterShared::new(writer);
        // A local file has no connection to lose: no ping before each use (it doubled the cost
        // of a read).
        let pool = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        Ok(SqlStore::new(Self { pool, writer }))
    }

    /// The pool of read connections (for tools and tests that inspect the database).
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// SQLite's plan (`EXPLAIN QUERY PLAN`, one detail line a step) of each hot query: the
    /// busy times availability reads, and the occupancy the booking transaction reads. For the
    /// plan tests, which fail when a change makes these reads scan a business's whole history.
    ///
    /// # Errors
    /// Storage errors.
    #[doc(hidden)]
    pub async fn hot_query_plans(&self) -> Result<Vec<Vec<String>>, StoreError> {
        let mut plans = Vec::new();
        for sql in booking_store_sql::bookings::hot_queries(&DIALECT) {
            let mut query = booking_store_sql::exec::query(sql)
                .bind(1_i64)
                .bind(booking_store_sql::exec::id_list([1, 2]))
                .bind(0_i64)
                .bind(1_i64);
            if sql.contains("$5") {
                query = query.bind(true);
            }
            plans.push(self.plan(query).await?);
        }
        Ok(plans)
    }

    /// SQLite's plan of the windowed bookings read (day and week views, the list API,
    /// calendar pushes), one step a line, for the plan tests.
    ///
    /// # Errors
    /// Storage errors.
    #[doc(hidden)]
    pub async fn bookings_in_plan(&self) -> Result<Vec<String>, StoreError> {
        let query = booking_store_sql::exec::query(booking_store_sql::bookings::BOOKINGS_IN)
            .bind(1_i64)
            .bind(0_i64)
            .bind(1_i64)
            .bind(-1_i64);
        self.plan(query).await
    }

    /// SQLite's plan of the outbox claim the workers run every second, for the plan tests.
    ///
    /// # Errors
    /// Storage errors.
    #[doc(hidden)]
    pub async fn outbox_claim_plan(&self) -> Result<Vec<String>, StoreError> {
        let sql = booking_store_sql::outbox::outbox_claim(&DIALECT);
        let query =
            booking_store_sql::exec::query(sql).bind(1_i64).bind(2_i64).bind(10_i64).bind("notify");
        self.plan(query).await
    }

    /// SQLite's plan of the purge of done outbox jobs the housekeeping runs, for the plan tests.
    ///
    /// # Errors
    /// Storage errors.
    #[doc(hidden)]
    pub async fn outbox_purge_plan(&self) -> Result<Vec<String>, StoreError> {
        let sql = booking_store_sql::outbox::outbox_purge(&DIALECT);
        let query = booking_store_sql::exec::query(sql).bind("notify").bind(1_i64).bind(500_i64);
        self.plan(query).await
    }

    /// `EXPLAIN QUERY PLAN` of a statement: one detail line a step.
    async fn plan(&self, query: Query<'_>) -> Result<Vec<String>, StoreError> {
        let text = format!("EXPLAIN QUERY PLAN {}", query.sql);
        let explain = Query { sql: &text, args: query.args };
        let rows = self.read().await?.fetch_all(explain).await.map_err(db_unavailable)?;
        rows.iter().map(|r| r.text("detail")).collect()
    }
}

impl Database for SqliteDatabase {
    type Row = Row;
    type Read<'a> = Conn<PoolConnection<sqlx::Sqlite>>;
    type Snapshot<'a> = Conn<sqlx::Transaction<'static, sqlx::Sqlite>>;
    type Single<'a> = Conn<Exclusive<'a>>;
    type Write<'a> = Conn<Exclusive<'a>>;

    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    async fn read(&self) -> Result<Self::Read<'_>, StoreError> {
        Ok(Conn(self.pool.acquire().await.map_err(unavailable)?))
    }

    async fn snapshot(&self) -> Result<Self::Snapshot<'_>, StoreError> {
        Ok(Conn(self.pool.begin().await.map_err(unavailable)?))
    }

    /// The write connection for single statements (any open batch of booking transactions is
    /// committed first).
    async fn single(&self) -> Result<Self::Single<'_>, StoreError> {
        Ok(Conn(self.writer.exclusive().await?))
    }

    /// A write transaction of its own on the write connection (any open batch of booking
    /// transactions is committed first).
    async fn write(&self) -> Result<Self::Write<'_>, StoreError> {
        let mut w = self.writer.exclusive().await?;
        w.begin().await?;
        Ok(Conn(w))
    }

    async fn transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        self.transaction(scope, decide).await
    }

    /// `PRAGMA optimize` on the write connection: statistics for the tables that changed
    /// enough since the last ones (usually nothing to do).
    async fn maintain(&self) -> Result<(), StoreError> {
        let mut w = self.writer.exclusive().await?;
        sqlx::query("PRAGMA optimize").execute(&mut *w).await.map_err(unavailable)?;
        Ok(())
    }
}

/// A connection (pooled, the write connection, or a transaction on either) as an [`Executor`].
pub struct Conn<C>(C);

/// A result row, read through [`Cells`].
pub struct Row(SqliteRow);

impl Row {
    fn get<'r, T>(&'r self, column: &str) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        self.0.try_get(column).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

impl Cells for Row {
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.get(column)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.get(column)
    }

    fn text(&self, column: &str) -> Result<String, StoreError> {
        self.get(column)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }

    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        self.get(column)
    }
}

/// A statement with its arguments bound; a list is bound as the JSON array `json_each` reads.
fn bound(
    query: Query<'_>,
) -> sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'_>> {
    let mut out = sqlx::query(query.sql);
    for arg in query.args {
        out = match arg {
            Arg::Int(v) => out.bind(v),
            Arg::Text(v) => out.bind(v),
            Arg::Owned(v) => out.bind(v),
            Arg::Flag(v) => out.bind(v),
            Arg::Ints(v) => out.bind(serde_json::Value::from(v).to_string()),
            Arg::Texts(v) => out.bind(serde_json::Value::from(v).to_string()),
        };
    }
    out
}

impl<C> Executor for Conn<C>
where
    C: DerefMut<Target = SqliteConnection> + Send,
{
    type Row = Row;

    async fn execute(&mut self, query: Query<'_>) -> Result<Executed, DbError> {
        let done = bound(query).execute(&mut *self.0).await.map_err(db_error)?;
        Ok(Executed(done.rows_affected()))
    }

    async fn fetch_all(&mut self, query: Query<'_>) -> Result<Vec<Row>, DbError> {
        let rows = bound(query).fetch_all(&mut *self.0).await.map_err(db_error)?;
        Ok(rows.into_iter().map(Row).collect())
    }

    async fn fetch_optional(&mut self, query: Query<'_>) -> Result<Option<Row>, DbError> {
        let row = bound(query).fetch_optional(&mut *self.0).await.map_err(db_error)?;
        Ok(row.map(Row))
    }

    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }
}

impl Transaction for Conn<Exclusive<'_>> {
    async fn commit(self) -> Result<(), StoreError> {
        self.0.commit().await
    }
}

/// A driver error, classified: uniqueness is `Duplicate`; the no-overlap trigger on occupancy
/// and the `CHECK` on booked seats are the database's `Defence`.
#[allow(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
fn db_error(error: sqlx::Error) -> DbError {
    if let sqlx::Error::Database(db) = &error {
        if db.is_unique_violation() {
            return DbError { kind: DbErrorKind::Duplicate, message: db.message().to_owned() };
        }
        if db.message().contains("occupancy_overlap") || db.is_check_violation() {
            return DbError { kind: DbErrorKind::Defence, message: error.to_string() };
        }
    }
    DbError { kind: DbErrorKind::Other, message: error.to_string() }
}

/// A driver error as a store error.
fn unavailable(error: sqlx::Error) -> StoreError {
    db_unavailable(db_error(error))
}

use booking_store_sql::exec::unavailable as db_unavailable;
