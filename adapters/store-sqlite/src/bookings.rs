//! The booking transaction on SQLite: group-committed on the write connection (`writer`).
//! The reads and writes around it are shared with PostgreSQL (`booking_ports`).

use booking_core::booking::{Booking, NewBooking};
use booking_core::ids::{BookingId, BusinessId};
use booking_core::outbox::{BookingRef, JobState};
use booking_core::store::{Decide, StoreError, TxError, TxOutcome, TxScope, Write};
use booking_store_sql::write::Target;
use booking_store_sql::{micros, write};
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};

use crate::booking_ports::{
    INSERT_BOOKING, bind_new_booking, change_status, delete_holds, insert_hold, view,
};
use crate::writer::Finished;
use crate::{SqliteStore, tx_error, unavailable};

/// Inserts a booking (its first history line and its occupancy follow by trigger).
async fn insert_booking(conn: &mut SqliteConnection, new: NewBooking) -> Result<Booking, TxError> {
    let t = Target::of_booking(&new.target);
    let row = bind_new_booking(sqlx::query(INSERT_BOOKING), &new, &t)
        .fetch_one(&mut *conn)
        .await
        .map_err(tx_error)?;
    // Its first history line is written by the database (trigger `bookings_history`).
    let id: i64 = row.try_get("id").map_err(tx_error)?;
    Ok(write::booking(BookingId::new(id), new))
}

async fn apply(
    conn: &mut SqliteConnection,
    business: BusinessId,
    writes: Vec<Write>,
) -> Result<TxOutcome, TxError> {
    let mut outcome = TxOutcome::default();
    for write in writes {
        match write {
            Write::DeleteHolds(ids) if ids.is_empty() => {}
            Write::DeleteHolds(ids) => {
                delete_holds(conn, business, &ids).await.map_err(tx_error)?;
            }
            Write::InsertHold(new) => outcome.holds.push(insert_hold(conn, new).await?),
            Write::InsertBooking(new) => outcome.bookings.push(insert_booking(conn, new).await?),
            Write::ChangeStatus { booking, entry } => {
                change_status(conn, business, booking, entry).await?;
            }
            Write::Enqueue(job) => {
                let booking = match job.booking {
                    BookingRef::Existing(id) => id,
                    BookingRef::Created(n) => outcome.bookings.get(n).ok_or(TxError::Conflict)?.id,
                };
                sqlx::query(
                    "INSERT INTO outbox (business_id, effect, event, booking_id, state, \
                     run_at_us, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(job.business.get())
                .bind(job.effect.code())
                .bind(job.event.code())
                .bind(booking.get())
                .bind(JobState::Pending.code())
                .bind(micros(job.run_at))
                .execute(&mut *conn)
                .await
                .map_err(tx_error)?;
            }
        }
    }
    Ok(outcome)
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
