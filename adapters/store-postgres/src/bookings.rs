//! The booking transaction on PostgreSQL: row locks in id order, then read, decide, write.
//! Its reads and writes are `booking-store-sql`'s ([`view`], [`apply`]).

use booking_core::ports::store::{Decide, TxError, TxOutcome, TxScope};
use booking_store_sql::bookings::{apply, view};
use sqlx::PgConnection;

use crate::{Conn, PgDatabase, retryable, tx_error, unavailable};

/// How many times a transaction caught in a lock cycle is run in all.
const MAX_ATTEMPTS: u32 = 10;

/// The pause before running again a transaction that lost a lock cycle: growing with the
/// attempt, with jitter, so racers that deadlocked together do not meet again at once.
fn backoff(attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    // A fresh `RandomState` is randomly keyed: enough to spread racers apart.
    let jitter = std::collections::hash_map::RandomState::new().build_hasher().finish() % 20;
    std::time::Duration::from_millis(u64::from(attempt) * 10 + jitter)
}

/// Locks, in id order, the rows a scope names, so that writers on the same resources, sessions
/// or bookings queue here and every read after it sees the previous writer's commit.
async fn lock(conn: &mut PgConnection, scope: &TxScope) -> Result<(), TxError> {
    let b = scope.business.get();
    for (table, ids) in [
        ("resources", scope.resources.iter().map(|r| r.get()).collect::<Vec<_>>()),
        ("sessions", scope.sessions.iter().map(|s| s.get()).collect()),
        ("bookings", scope.bookings.iter().map(|x| x.get()).collect()),
        ("codes", scope.codes.iter().map(|c| c.get()).collect()),
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

impl PgDatabase {
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
                Err(e) if attempt < MAX_ATTEMPTS && retryable(&e) => {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                done => return done,
            }
        }
    }

    async fn try_transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        let mut tx = self.pool.begin().await.map_err(|e| TxError::Store(unavailable(e)))?;
        lock(&mut tx, scope).await?;
        let mut conn = Conn(&mut *tx);
        let view = view(&mut conn, scope).await?;
        let writes = decide(&view).map_err(TxError::Refused)?;
        let outcome = apply(&mut conn, scope.business, writes).await?;
        tx.commit().await.map_err(tx_error)?;
        Ok(outcome)
    }
}
