//! # booking-store-sqlite
//!
//! Every storage port of `booking-core` on one SQLite file: the embedded default (§B1).
//!
//! - The file is created on first start and migrated automatically ([`SqliteStore::open`]).
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
//!   own defence, reported as [`TxError::Conflict`](booking_core::store::TxError::Conflict).

mod bookings;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use booking_core::store::{StoreError, TxError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use std::sync::Arc;

use sqlx::ConnectOptions;
use writer::{Exclusive, WriterShared};

/// The migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections for reads (writes have one of their own).
const READERS: u32 = 8;

/// How long a writer of another process may make us wait for the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The storage ports on a SQLite database.
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Arc<WriterShared>,
    guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("pool", &self.pool).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        Self::with_options(options).await
    }

    /// Opens a database from a `sqlite:` URL (`sqlite://data/booking.db`) and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options =
            SqliteConnectOptions::from_str(url).map_err(unavailable)?.create_if_missing(true);
        Self::with_options(options).await
    }

    async fn with_options(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let mut writer = options.connect().await.map_err(unavailable)?;
        MIGRATOR.run(&mut writer).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // Statistics where a table changed enough since the last ones (a quick, bounded ANALYZE):
        // the planner then keeps choosing the indexes the hot reads are written for as the
        // history grows (issue 25). The housekeeping runs it again (`SqliteStore::optimize`).
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
        Ok(Self { pool, writer, guard: None })
    }

    /// Keeps `guard` alive as long as the store (a test's temporary directory, say).
    #[must_use]
    pub fn keeping(mut self, guard: impl std::any::Any + Send + Sync) -> Self {
        self.guard = Some(Box::new(guard));
        self
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
        for sql in booking_ports::hot_queries() {
            use sqlx::Row as _;
            let text = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query =
                sqlx::query(&text).bind(1_i64).bind(id_list([1, 2])).bind(0_i64).bind(1_i64);
            if sql.contains("$5") {
                query = query.bind(true);
            }
            let rows = query.fetch_all(&self.pool).await.map_err(unavailable)?;
            plans.push(
                rows.iter()
                    .map(|r| r.try_get::<String, _>("detail"))
                    .collect::<Result<_, _>>()
                    .map_err(unavailable)?,
            );
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
        use sqlx::Row as _;
        let text = format!("EXPLAIN QUERY PLAN {}", booking_ports::BOOKINGS_IN);
        let query = sqlx::query(&text).bind(1_i64).bind(0_i64).bind(1_i64).bind(-1_i64);
        let rows = query.fetch_all(&self.pool).await.map_err(unavailable)?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail"))
            .collect::<Result<_, _>>()
            .map_err(unavailable)
    }

    /// SQLite's plan of the outbox claim the workers run every second, for the plan tests.
    ///
    /// # Errors
    /// Storage errors.
    #[doc(hidden)]
    pub async fn outbox_claim_plan(&self) -> Result<Vec<String>, StoreError> {
        use sqlx::Row as _;
        let text = format!("EXPLAIN QUERY PLAN {}", shared_ports::OUTBOX_CLAIM);
        let query = sqlx::query(&text).bind(1_i64).bind(2_i64).bind(10_i64).bind("notify");
        let rows = query.fetch_all(&self.pool).await.map_err(unavailable)?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail"))
            .collect::<Result<_, _>>()
            .map_err(unavailable)
    }

    /// The write connection for single statements (any open batch of booking transactions is
    /// committed first).
    async fn write_conn(&self) -> Result<Exclusive<'_>, StoreError> {
        self.writer.exclusive().await
    }

    /// Starts a write transaction of its own on the write connection (any open batch of
    /// booking transactions is committed first).
    async fn write(&self) -> Result<Exclusive<'_>, StoreError> {
        let mut w = self.writer.exclusive().await?;
        w.begin().await?;
        Ok(w)
    }
}

#[async_trait::async_trait]
impl booking_core::store::Maintenance for SqliteStore {
    /// `PRAGMA optimize` on the write connection: statistics for the tables that changed
    /// enough since the last ones (usually nothing to do).
    async fn maintain(&self) -> Result<(), StoreError> {
        let mut w = self.write_conn().await?;
        sqlx::query("PRAGMA optimize").execute(&mut *w).await.map_err(unavailable)?;
        Ok(())
    }
}

/// A driver error as a store error: uniqueness is `Duplicate`, the rest `Unavailable`.
#[allow(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
fn unavailable(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        return StoreError::Duplicate(db.message().to_owned());
    }
    StoreError::Unavailable(error.to_string())
}

/// A driver error inside a booking transaction: the database's own no-overlap and capacity
/// defences are `Conflict`.
fn tx_error(error: sqlx::Error) -> TxError {
    if let sqlx::Error::Database(db) = &error {
        let message = db.message();
        if message.contains("occupancy_overlap") || db.is_check_violation() {
            return TxError::Conflict;
        }
    }
    TxError::Store(unavailable(error))
}

/// A list of ids as the JSON array `json_each` reads.
fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    serde_json::Value::from(ids.into_iter().collect::<Vec<_>>()).to_string()
}

booking_store_sql::sql_row_readers!(SqliteRow);

booking_store_sql::sql_store_ports! {
    store: SqliteStore,
    connection: sqlx::SqliteConnection,
    database: sqlx::Sqlite,
    in_ids_2: "IN (SELECT value FROM json_each($2))",
    agenda_links: "(SELECT json_group_array(resource_id) FROM (SELECT resource_id \
        FROM agenda_resources WHERE agenda_id = a.id ORDER BY position)) AS resource_ids, \
        (SELECT json_group_array(service_id) FROM (SELECT service_id FROM agenda_services \
        WHERE agenda_id = a.id ORDER BY position)) AS service_ids",
    lock_row: "",
    lock_skip: "",
}

use bookings::insert_booking;

booking_store_sql::sql_booking_store! {
    store: SqliteStore,
    connection: sqlx::SqliteConnection,
    database: sqlx::Sqlite,
    in_ids_2: "IN (SELECT value FROM json_each($2))",
    // Unary plus keeps `business_id` out of the planner's choice of index, so the reads that
    // name resources search by resource and time (`bookings_resource`, `holds_resource`, …)
    // instead of scanning every booking of the business (ADR 0003).
    by_resource_business: "+business_id",
    json_rows: "json_group_array(json_array(o.source, o.id, o.resource_id, o.busy_start_us, \
                o.busy_end_us, o.status, o.lock_digest, o.expires_at_us, o.agenda_id, o.service_id, \
                o.slot_start_us, o.slot_end_us, o.created_at_us))",
}
