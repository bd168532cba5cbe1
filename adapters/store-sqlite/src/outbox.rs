//! `Outbox`: claims are one conditional `UPDATE … RETURNING`, atomic under SQLite's write lock.

use async_trait::async_trait;
use booking_core::ids::{BusinessId, JobId};
use booking_core::outbox::{Job, Outbox};
use booking_core::store::StoreError;
use booking_core::time::{SignedDuration, Timestamp};
use booking_store_sql::{micros, read};

use crate::{SqliteStore, all, unavailable};

#[async_trait]
impl Outbox for SqliteStore {
    async fn claim(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        let until = now.saturating_add(lease).unwrap_or(Timestamp::MAX);
        let mut w = self.write().await?;
        let rows = sqlx::query(
            "UPDATE outbox SET state = 'claimed', attempts = attempts + 1, lease_until_us = $2 \
             WHERE id IN (SELECT id FROM outbox \
                 WHERE (state = 'pending' AND run_at_us <= $1) \
                    OR (state = 'claimed' AND lease_until_us <= $1) \
                 ORDER BY run_at_us, id LIMIT $3) \
             RETURNING *",
        )
        .bind(micros(now))
        .bind(micros(until))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *w)
        .await
        .map_err(unavailable)?;
        w.commit().await?;
        let mut jobs = all(&rows, read::job)?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn complete(&self, id: JobId, attempt: u32) -> Result<bool, StoreError> {
        let mut w = self.writer.exclusive().await?;
        let done = sqlx::query(
            "UPDATE outbox SET state = 'done', lease_until_us = NULL \
             WHERE id = $1 AND state = 'claimed' AND attempts = $2",
        )
        .bind(id.get())
        .bind(i64::from(attempt))
        .execute(&mut *w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let mut w = self.writer.exclusive().await?;
        let done = sqlx::query(
            "UPDATE outbox SET lease_until_us = NULL, last_error = $3, \
             state = CASE WHEN $4 IS NULL THEN 'parked' ELSE 'pending' END, \
             run_at_us = COALESCE($4, run_at_us) \
             WHERE id = $1 AND state = 'claimed' AND attempts = $2",
        )
        .bind(id.get())
        .bind(i64::from(attempt))
        .bind(error)
        .bind(retry_at.map(micros))
        .execute(&mut *w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn jobs(&self, business: BusinessId) -> Result<Vec<Job>, StoreError> {
        let rows = sqlx::query("SELECT * FROM outbox WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        all(&rows, read::job)
    }

    async fn retry_parked(
        &self,
        business: BusinessId,
        id: JobId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.writer.exclusive().await?;
        let done = sqlx::query(
            "UPDATE outbox SET state = 'pending', run_at_us = $3 \
             WHERE business_id = $1 AND id = $2 AND state = 'parked'",
        )
        .bind(business.get())
        .bind(id.get())
        .bind(micros(now))
        .execute(&mut *w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }
}
