//! The booking transaction on PostgreSQL: row locks in id order, then read, decide, write.
//! The reads and writes around it are shared with SQLite (`booking_ports`).

use booking_core::booking::{Booking, NewBooking};
use booking_core::ids::BookingId;
use booking_core::outbox::NewJob;
use booking_core::store::{Decide, TxError, TxOutcome, TxScope};
use booking_store_sql::write::Target;
use booking_store_sql::{micros, write};
use sqlx::{PgConnection, Row};

use crate::booking_ports::{INSERT_BOOKING, apply, bind_new_booking, view};
use crate::{PgStore, id_list, retryable, tx_error};

/// Inserts a booking and, in the same statement, the outbox jobs about it (one round trip).
pub(crate) async fn insert_booking(
    conn: &mut PgConnection,
    new: NewBooking,
    jobs: &[NewJob],
) -> Result<Booking, TxError> {
    let t = Target::of_booking(&new.target);
    let row = bind_new_booking(
        sqlx::query(&format!(
            "WITH b AS ({INSERT_BOOKING}), \
             j AS (INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
             created_at_us) SELECT $1::bigint, e.effect, e.event, b.id, 'pending', e.run_at, \
             e.run_at FROM b, \
             unnest($23::text[], $24::text[], $25::bigint[]) AS e(effect, event, run_at)) \
             SELECT id FROM b"
        )),
        &new,
        &t,
    )
    .bind(jobs.iter().map(|j| j.effect.code()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.event.code()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| micros(j.run_at)).collect::<Vec<_>>())
    .fetch_one(&mut *conn)
    .await
    .map_err(tx_error)?;
    // Its first history line is written by the database (trigger `bookings_history`).
    let id: i64 = row.try_get("id").map_err(tx_error)?;
    Ok(write::booking(BookingId::new(id), new))
}

/// How many times a transaction caught in a lock cycle is run again.
const MAX_ATTEMPTS: u32 = 5;

/// Locks, in id order, the rows a scope names, so that writers on the same resources, sessions
/// or bookings queue here and every read after it sees the previous writer's commit.
async fn lock(conn: &mut PgConnection, scope: &TxScope) -> Result<(), TxError> {
    let b = scope.business.get();
    for (table, ids) in [
        ("resources", id_list(scope.resources.iter().map(|r| r.get()))),
        ("sessions", id_list(scope.sessions.iter().map(|s| s.get()))),
        ("bookings", id_list(scope.bookings.iter().map(|x| x.get()))),
        ("codes", id_list(scope.codes.iter().map(|c| c.get()))),
    ] {
        if ids.is_empty() {
            continue;
        }
        sqlx::query(&format!(
            "SELECT id FROM {table} WHERE business_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE"
        ))
        .bind(b)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(tx_error)?;
    }
    Ok(())
}

impl PgStore {
    /// The booking transaction, run again after a lock cycle or serialisation failure.
    pub(crate) async fn transaction(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_transact(scope, decide).await {
                Err(e) if attempt < MAX_ATTEMPTS && retryable(&e) => {}
                done => return done,
            }
        }
    }

    async fn try_transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        let mut tx = self.begin().await?;
        lock(&mut tx, scope).await?;
        let view = view(&mut tx, scope).await?;
        let writes = decide(&view).map_err(TxError::Refused)?;
        let outcome = apply(&mut tx, scope.business, writes).await?;
        tx.commit().await.map_err(tx_error)?;
        Ok(outcome)
    }
}
