//! # booking-store-postgres
//!
//! Every storage port of `booking-core` on PostgreSQL: the scale-out option, where several app
//! instances behind a load balancer share one database (§B1).
//!
//! - Migrations are embedded and applied on connect ([`PgStore::connect`]); sqlx's migrator
//!   takes an advisory lock, so instances starting together migrate once.
//! - A booking transaction locks, in id order, the rows of the resources, sessions and bookings
//!   its scope names (`SELECT … FOR UPDATE`), then reads and decides: writers on the same
//!   resources queue, writers on others run in parallel. Under `READ COMMITTED`, every read
//!   after the lock sees the previous writer's commit.
//! - The exclusion constraint `occupancy_no_overlap` (`btree_gist`, `tstzrange`) refuses two
//!   overlapping appointments or holds on one resource, and a `CHECK` on
//!   `sessions.booked_seats` refuses overbooking, whatever the code above does. Both are
//!   reported as [`TxError::Conflict`](booking_core::store::TxError::Conflict).
//! - Workers claim outbox jobs with `FOR UPDATE SKIP LOCKED`.

mod bookings;
pub mod scratch;

use std::time::Duration;

use booking_core::store::{StoreError, TxError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Transaction};

/// The migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The storage ports on a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// PostgreSQL keeps its own statistics (autovacuum's ANALYZE): nothing to do here.
impl booking_core::store::Maintenance for PgStore {}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("pool", &self.pool).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects with up to `connections` connections (`postgres://user@host/db`) and migrates.
    pub async fn connect(url: &str, connections: u32) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(unavailable)?;
        Self::on(pool).await
    }

    /// Uses an existing pool, migrating its database.
    pub async fn on(pool: PgPool) -> Result<Self, StoreError> {
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self { pool, guard: None })
    }

    /// Keeps `guard` alive as long as the store (a test's throw-away database, say).
    #[must_use]
    pub fn keeping(mut self, guard: impl std::any::Any + Send + Sync) -> Self {
        self.guard = Some(Box::new(guard));
        self
    }

    /// The connection pool (for tools and tests that inspect the database).
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(unavailable)
    }

    /// A connection for single statements.
    async fn write_conn(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.pool.acquire().await.map_err(unavailable)
    }

    /// A transaction of its own.
    async fn write(&self) -> Result<Write, StoreError> {
        Ok(Write(self.begin().await?))
    }

    /// A read-only transaction whose statements all see one snapshot.
    async fn snapshot(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(unavailable)
    }
}

/// SQLSTATEs of the database's own defences.
const EXCLUSION_VIOLATION: &str = "23P01";
/// A lock cycle or a serialisation failure: the transaction may be run again.
const RETRYABLE: [&str; 2] = ["40P01", "40001"];

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

/// Whether running the transaction again may succeed.
fn retryable(error: &TxError) -> bool {
    // `tx_error` writes these as `<SQLSTATE>: <message>`.
    matches!(error, TxError::Store(StoreError::Unavailable(m))
        if RETRYABLE.iter().any(|c| m.strip_prefix(c).is_some_and(|rest| rest.starts_with(": "))))
}

/// A driver error inside a booking transaction: the database's own no-overlap and capacity
/// defences are `Conflict`.
fn tx_error(error: sqlx::Error) -> TxError {
    if let sqlx::Error::Database(db) = &error {
        if db.code().as_deref() == Some(EXCLUSION_VIOLATION) || db.is_check_violation() {
            return TxError::Conflict;
        }
        if let Some(code) = db.code().filter(|c| RETRYABLE.contains(&c.as_ref())) {
            return TxError::Store(StoreError::Unavailable(format!("{code}: {}", db.message())));
        }
    }
    TxError::Store(unavailable(error))
}

/// A list of ids as a `BIGINT[]` for `= ANY($n)`.
fn id_list(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    ids.into_iter().collect()
}

booking_store_sql::sql_row_readers!(PgRow);

/// A write transaction of the shared ports.
struct Write(Transaction<'static, Postgres>);

impl Write {
    async fn commit(self) -> Result<(), StoreError> {
        self.0.commit().await.map_err(unavailable)
    }
}

impl std::ops::Deref for Write {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}

booking_store_sql::sql_store_ports! {
    store: PgStore,
    connection: sqlx::PgConnection,
    database: sqlx::Postgres,
    in_ids_2: "= ANY($2)",
    agenda_links: "(SELECT COALESCE(json_agg(resource_id ORDER BY position), '[]')::text \
        FROM agenda_resources WHERE agenda_id = a.id) AS resource_ids, \
        (SELECT COALESCE(json_agg(service_id ORDER BY position), '[]')::text \
        FROM agenda_services WHERE agenda_id = a.id) AS service_ids",
    lock_row: " FOR UPDATE",
    lock_skip: " FOR UPDATE SKIP LOCKED",
}

use bookings::insert_booking;

booking_store_sql::sql_booking_store! {
    store: PgStore,
    connection: sqlx::PgConnection,
    database: sqlx::Postgres,
    in_ids_2: "= ANY($2)",
    // PostgreSQL's planner picks the resource index from its statistics.
    by_resource_business: "business_id",
    json_rows: "COALESCE(json_agg(json_build_array(o.source, o.id, o.resource_id, o.busy_start_us, \
                o.busy_end_us, o.status, o.lock_digest, o.expires_at_us, o.agenda_id, o.service_id, \
                o.slot_start_us, o.slot_end_us, o.created_at_us)), '[]')::text",
}
