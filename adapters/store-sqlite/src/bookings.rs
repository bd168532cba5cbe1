//! The booking transaction on SQLite: group-committed on the write connection (`writer`).
//! The reads and writes around it are shared with PostgreSQL (`booking_ports`).

use booking_core::booking::{Booking, NewBooking};
use booking_core::ids::BookingId;
use booking_core::outbox::NewJob;
use booking_core::store::{Decide, StoreError, TxError, TxOutcome, TxScope};
use booking_store_sql::write;
use booking_store_sql::write::Target;
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};

use crate::booking_ports::{INSERT_BOOKING, apply, bind_new_booking, insert_job, view};
use crate::writer::Finished;
use crate::{SqliteStore, tx_error, unavailable};

/// Inserts a booking (its first history line and its occupancy follow by trigger), then the
/// outbox jobs about it.
pub(crate) async fn insert_booking(
    conn: &mut SqliteConnection,
    new: NewBooking,
    jobs: &[NewJob],
) -> Result<Booking, TxError> {
    let t = Target::of_booking(&new.target);
    let row = bind_new_booking(sqlx::query(INSERT_BOOKING), &new, &t)
        .fetch_one(&mut *conn)
        .await
        .map_err(tx_error)?;
    // Its first history line is written by the database (trigger `bookings_history`).
    let id = BookingId::new(row.try_get("id").map_err(tx_error)?);
    for job in jobs {
        insert_job(conn, job, id).await?;
    }
    Ok(write::booking(id, new))
}

/// How many times a transaction runs again after its batch was rolled back for another's sake.
const MAX_RUNS: u32 = 8;

/// One booking transaction: read the scope, let the core decide, apply its writes.
async fn run(
    conn: &mut SqliteConnection,
    scope: &TxScope,
    decide: &mut Decide<'_>,
) -> Result<TxOutcome, TxError> {
    let view = view(conn, scope).await?;
    let writes = decide(&view).map_err(TxError::Refused)?;
    apply(conn, scope.business, writes).await
}

impl SqliteStore {
    /// A read transaction: its statements see one snapshot.
    pub(crate) async fn snapshot(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool.begin().await.map_err(unavailable)
    }

    /// The booking transaction, group-committed (see `writer`).
    pub(crate) async fn transaction(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        for _ in 0..MAX_RUNS {
            let mut member = self.writer.join().await?;
            let result = run(&mut member, scope, decide).await;
            match member.finish(result).await {
                Finished::Done(result) => return result,
                Finished::Again => {}
            }
        }
        Err(TxError::Conflict)
    }
}
