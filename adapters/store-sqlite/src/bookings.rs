//! The booking transaction on SQLite: group-committed on the write connection (`writer`).
//! Its reads and writes are `booking-store-sql`'s ([`view`], [`apply`]).

use booking_core::ports::store::{Decide, TxError, TxOutcome, TxScope};
use booking_store_sql::bookings::{apply, view};
use sqlx::SqliteConnection;

use crate::writer::Finished;
use crate::{Conn, SqliteDatabase};

/// How many times a transaction runs again after its batch was rolled back for another's sake.
const MAX_RUNS: u32 = 8;

/// One booking transaction: read the scope, let the core decide, apply its writes.
async fn run(
    conn: &mut SqliteConnection,
    scope: &TxScope,
    decide: &mut Decide<'_>,
) -> Result<TxOutcome, TxError> {
    let mut conn = Conn(conn);
    let view = view(&mut conn, scope).await?;
    let writes = decide(&view).map_err(TxError::Refused)?;
    apply(&mut conn, scope.business, writes).await
}

impl SqliteDatabase {
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
