//! # booking-store-postgres
//!
//! Every storage port of `booking-core` on PostgreSQL: the scale-out option, where several app
//! instances behind a load balancer share one database (§B1). The ports themselves are
//! `booking-store-sql`'s ([`SqlStore`]); this crate is its [`Database`]: the pool, the booking
//! transaction's locks and retries, and the dialect.
//!
//! - Migrations are embedded and applied on connect ([`connect`]); sqlx's migrator
//!   takes an advisory lock, so instances starting together migrate once.
//! - A booking transaction locks, in id order, the rows of the resources, sessions and bookings
//!   its scope names (`SELECT … FOR UPDATE`), then reads and decides: writers on the same
//!   resources queue, writers on others run in parallel. Under `READ COMMITTED`, every read
//!   after the lock sees the previous writer's commit.
//! - The exclusion constraint `occupancy_no_overlap` (`btree_gist`, `tstzrange`) refuses two
//!   overlapping appointments or holds on one resource, and a `CHECK` on
//!   `sessions.booked_seats` refuses overbooking, whatever the code above does. Both are
//!   reported as [`TxError::Conflict`](booking_core::ports::store::TxError::Conflict).
//! - Workers claim outbox jobs with `FOR UPDATE SKIP LOCKED`.

mod bookings;
pub mod scratch;

use std::ops::DerefMut;
use std::str::FromStr as _;
use std::time::Duration;

use booking_core::ports::store::{Decide, StoreError, TxError, TxOutcome, TxScope};
use booking_store_sql::{
    Arg, Cells, Database, DbError, DbErrorKind, Dialect, Executed, Executor, Query, SqlStore,
    Transaction,
};
use sqlx::Postgres;
use sqlx::Row as _;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};

/// The migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// PostgreSQL's SQL where the ports' text differs.
static DIALECT: Dialect = Dialect::new(
    "= ANY($2)",
    "(SELECT COALESCE(json_agg(resource_id ORDER BY position), '[]')::text \
     FROM agenda_resources WHERE agenda_id = a.id) AS resource_ids, \
     (SELECT COALESCE(json_agg(service_id ORDER BY position), '[]')::text \
     FROM agenda_services WHERE agenda_id = a.id) AS service_ids",
    " FOR UPDATE",
    " FOR UPDATE SKIP LOCKED",
    // Kept out of the choice of index, as on SQLite: with statistics of a real history (ten
    // businesses), the planner ANDed the business index into the resource one and read every
    // booking of the business (`tests/plans.rs`, `booking-history-bench`).
    "(business_id + 0)",
    "COALESCE(json_agg(json_build_array(o.source, o.id, o.resource_id, o.busy_start_us, \
     o.busy_end_us, o.status, o.lock_digest, o.expires_at_us, o.agenda_id, o.service_id, \
     o.slot_start_us, o.slot_end_us, o.created_at_us)), '[]')::text",
    true,
    "= ANY(ARRAY({}))",
);

/// The storage ports on a PostgreSQL database.
pub type PgStore = SqlStore<PgDatabase>;

/// Connects with up to `connections` connections (`postgres://user@host/db`) and migrates.
///
/// # Errors
/// The server cannot be reached, or the database cannot be migrated.
pub async fn connect(url: &str, connections: u32) -> Result<PgStore, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(unavailable)?.options(SESSION);
    let pool = PgPoolOptions::new()
        .max_connections(connections.max(1))
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(unavailable)?;
    on(pool).await
}

/// Settings of every connection [`connect`] opens (docs/adr/0013):
/// - no parallel query and no JIT compilation: each statement here reads a few rows by index,
///   and starting workers or compiling costs milliseconds where the whole read takes a
///   fraction of one (a window of bookings took 7 ms with workers, 31 ms with JIT, 0.2 ms
///   without, once the planner expected a large join);
/// - generic plans for the prepared statements: every statement's shape fixes its index (the
///   tenant column kept out of the choice), so planning again on each call only costs time —
///   0.15 ms a call once a table holds a million rows, against 0.01 for a cached plan.
pub const SESSION: [(&str, &str); 3] = [
    ("max_parallel_workers_per_gather", "0"),
    ("jit", "off"),
    ("plan_cache_mode", "force_generic_plan"),
];

/// Uses an existing pool, migrating its database. Its connections should carry [`SESSION`]
/// (as [`connect`]'s do).
///
/// # Errors
/// The database cannot be migrated.
pub async fn on(pool: PgPool) -> Result<PgStore, StoreError> {
    MIGRATOR.run(&pool).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(SqlStore::new(PgDatabase { pool }))
}

/// A PostgreSQL database: a pool of connections.
pub struct PgDatabase {
    pool: PgPool,
}

impl std::fmt::Debug for PgDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDatabase").field("pool", &self.pool).finish_non_exhaustive()
    }
}

impl PgDatabase {
    /// The connection pool (for tools and tests that inspect the database).
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL's plans (`EXPLAIN`, one line a row) of the hot queries, with the
    /// arguments they run with for business `business` on resources `resources` over
    /// `[from, to)` microseconds: the busy times, the transaction's occupancy, the windowed
    /// bookings read, the outbox claim and the outbox purge. For the plan tests.
    ///
    /// # Errors
    /// Storage errors.
    #[doc(hidden)]
    pub async fn hot_query_plans(
        &self,
        business: i64,
        resources: &[i64],
        from: i64,
        to: i64,
    ) -> Result<Vec<(&'static str, String)>, StoreError> {
        use booking_store_sql::exec::{id_list, query};
        let [busy, occupancy] = booking_store_sql::bookings::hot_queries(&DIALECT);
        let claim = booking_store_sql::outbox::outbox_claim(&DIALECT);
        let purge = booking_store_sql::outbox::outbox_purge(&DIALECT);
        let window = |sql| {
            query(sql).bind(business).bind(id_list(resources.iter().copied())).bind(from).bind(to)
        };
        let asked = [
            ("busy", window(busy).bind(true)),
            ("occupancy", window(occupancy)),
            (
                "bookings_in",
                query(booking_store_sql::bookings::BOOKINGS_IN)
                    .bind(business)
                    .bind(from)
                    .bind(to)
                    .bind(from - 86_400_000_000),
            ),
            ("claim", query(claim).bind(to).bind(to + 1).bind(10_i64).bind("notify")),
            ("purge", query(purge).bind("notify").bind(from).bind(500_i64)),
        ];
        let mut plans = Vec::new();
        let mut conn = self.read().await?;
        for (name, q) in asked {
            let text = format!("EXPLAIN {}", q.sql);
            let explain = Query { sql: &text, args: q.args };
            let rows =
                conn.fetch_all(explain).await.map_err(booking_store_sql::exec::unavailable)?;
            let lines: Vec<String> =
                rows.iter().map(|r| r.text("QUERY PLAN")).collect::<Result<_, _>>()?;
            plans.push((name, lines.join("\n")));
        }
        Ok(plans)
    }
}

/// PostgreSQL keeps its own statistics (autovacuum's ANALYZE): no upkeep here.
impl Database for PgDatabase {
    type Row = Row;
    type Read<'a> = Conn<PoolConnection<Postgres>>;
    type Snapshot<'a> = Conn<sqlx::Transaction<'static, Postgres>>;
    type Single<'a> = Conn<PoolConnection<Postgres>>;
    type Write<'a> = Conn<sqlx::Transaction<'static, Postgres>>;

    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    async fn read(&self) -> Result<Self::Read<'_>, StoreError> {
        Ok(Conn(self.pool.acquire().await.map_err(unavailable)?))
    }

    /// A read-only transaction whose statements all see one snapshot.
    async fn snapshot(&self) -> Result<Self::Snapshot<'_>, StoreError> {
        let tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(unavailable)?;
        Ok(Conn(tx))
    }

    async fn single(&self) -> Result<Self::Single<'_>, StoreError> {
        self.read().await
    }

    async fn write(&self) -> Result<Self::Write<'_>, StoreError> {
        Ok(Conn(self.pool.begin().await.map_err(unavailable)?))
    }

    async fn transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        self.transaction(scope, decide).await
    }
}

/// A connection (pooled, or a transaction) as an [`Executor`].
pub struct Conn<C>(C);

/// A result row, read through [`Cells`].
pub struct Row(PgRow);

impl Row {
    fn get<'r, T>(&'r self, column: &str) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
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

/// A statement with its arguments bound; a list is bound as an array (`= ANY($2)`, `unnest`).
fn bound(query: Query<'_>) -> sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments> {
    let mut out = sqlx::query(query.sql);
    for arg in query.args {
        out = match arg {
            Arg::Int(v) => out.bind(v),
            Arg::Text(v) => out.bind(v),
            Arg::Owned(v) => out.bind(v),
            Arg::Flag(v) => out.bind(v),
            Arg::Ints(v) => out.bind(v),
            Arg::Texts(v) => out.bind(v),
        };
    }
    out
}

impl<C> Executor for Conn<C>
where
    C: DerefMut<Target = PgConnection> + Send,
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

impl Transaction for Conn<sqlx::Transaction<'static, Postgres>> {
    async fn commit(self) -> Result<(), StoreError> {
        self.0.commit().await.map_err(unavailable)
    }
}

/// SQLSTATEs of the database's own defences.
const EXCLUSION_VIOLATION: &str = "23P01";
/// A lock cycle or a serialisation failure: the transaction may be run again.
const RETRYABLE: [&str; 2] = ["40P01", "40001"];

/// A driver error, classified: uniqueness is `Duplicate`; the exclusion constraint on
/// occupancy and the `CHECK` on booked seats are the database's `Defence`; a lock cycle or
/// serialisation failure is `Retry`, written `<SQLSTATE>: <message>`.
#[allow(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
fn db_error(error: sqlx::Error) -> DbError {
    if let sqlx::Error::Database(db) = &error {
        if db.is_unique_violation() {
            return DbError { kind: DbErrorKind::Duplicate, message: db.message().to_owned() };
        }
        if db.code().as_deref() == Some(EXCLUSION_VIOLATION) || db.is_check_violation() {
            return DbError { kind: DbErrorKind::Defence, message: error.to_string() };
        }
        if let Some(code) = db.code().filter(|c| RETRYABLE.contains(&c.as_ref())) {
            return DbError {
                kind: DbErrorKind::Retry,
                message: format!("{code}: {}", db.message()),
            };
        }
    }
    DbError { kind: DbErrorKind::Other, message: error.to_string() }
}

/// A driver error as a store error.
fn unavailable(error: sqlx::Error) -> StoreError {
    booking_store_sql::exec::unavailable(db_error(error))
}

/// Whether running the transaction again may succeed.
fn retryable(error: &TxError) -> bool {
    // `db_error` writes these as `<SQLSTATE>: <message>`.
    matches!(error, TxError::Store(StoreError::Unavailable(m))
        if RETRYABLE.iter().any(|c| m.strip_prefix(c).is_some_and(|rest| rest.starts_with(": "))))
}

/// A driver error inside a booking transaction.
fn tx_error(error: sqlx::Error) -> TxError {
    booking_store_sql::exec::tx_error(db_error(error))
}
