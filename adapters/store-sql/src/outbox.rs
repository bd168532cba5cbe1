//! The outbox port (`Outbox`): jobs, claimed by the workers.

use async_trait::async_trait;
use booking_core::ids::{BusinessId, JobId};
use booking_core::outbox::{Effect, Job};
use booking_core::ports::outbox::Outbox;
use booking_core::ports::store::StoreError;
use booking_core::time::{SignedDuration, Timestamp};

use crate::exec::{Database, Dialect, SqlStore, Transaction, all, query, unavailable};
use crate::{micros, read};

/// Claims up to `$3` due jobs of effect `$4` at `$1` until `$2`: pending ones due, and
/// claimed ones whose lease lapsed (a claimed job was due when it was claimed). Both
/// states and the time bound the search of `outbox_effect_due (effect, state,
/// run_at_us)`, so done and future jobs are never read.
#[must_use]
pub fn outbox_claim(dialect: &Dialect) -> &str {
    dialect.statement(
        |b| &b.claim,
        |d| {
            format!(
                "UPDATE outbox SET state = 'claimed', attempts = attempts + 1, lease_until_us = $2 \
                 WHERE id IN (SELECT id FROM outbox \
                     WHERE effect = $4 AND state IN ('pending', 'claimed') AND run_at_us <= $1 \
                       AND (state = 'pending' OR lease_until_us <= $1) \
                     ORDER BY run_at_us, id LIMIT $3{}) RETURNING *",
                d.lock_skip
            )
        },
    )
}

#[async_trait]
impl<D: Database> Outbox for SqlStore<D> {
    async fn claim(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
        effect: Effect,
    ) -> Result<Vec<Job>, StoreError> {
        let until = now.saturating_add(lease).unwrap_or(Timestamp::MAX);
        let mut w = self.db.write().await?;
        let rows = query(outbox_claim(self.db.dialect()))
            .bind(micros(now))
            .bind(micros(until))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(effect.code())
            .fetch_all(&mut w)
            .await
            .map_err(unavailable)?;
        w.commit().await?;
        let mut jobs = all(&rows, read::job)?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn complete(&self, id: JobId, attempt: u32) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE outbox SET state = 'done', lease_until_us = NULL \
             WHERE id = $1 AND state = 'claimed' AND attempts = $2",
        )
        .bind(id.get())
        .bind(i64::from(attempt))
        .execute(&mut w)
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
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE outbox SET lease_until_us = NULL, last_error = $3, \
             state = CASE WHEN $4 IS NULL THEN 'parked' ELSE 'pending' END, \
             run_at_us = COALESCE($4, run_at_us) \
             WHERE id = $1 AND state = 'claimed' AND attempts = $2",
        )
        .bind(id.get())
        .bind(i64::from(attempt))
        .bind(error)
        .bind(retry_at.map(micros))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn jobs(&self, business: BusinessId) -> Result<Vec<Job>, StoreError> {
        let rows = query("SELECT * FROM outbox WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
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
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE outbox SET state = 'pending', run_at_us = $3 \
             WHERE business_id = $1 AND id = $2 AND state = 'parked'",
        )
        .bind(business.get())
        .bind(id.get())
        .bind(micros(now))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_done(
        &self,
        effect: Effect,
        before: Timestamp,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(outbox_purge(self.db.dialect()))
            .bind(effect.code())
            .bind(micros(before))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}

/// Deletes up to `$3` done jobs of effect `$1` due before `$2`, found through
/// `outbox_effect_due (effect, state, run_at_us)` and deleted by id: the cost is what it
/// deletes, not the history.
#[must_use]
pub fn outbox_purge(dialect: &Dialect) -> &str {
    dialect.statement(
        |b| &b.purge,
        |d| {
            let old = "SELECT id FROM outbox WHERE effect = $1 AND state = 'done' \
                       AND run_at_us < $2 ORDER BY run_at_us LIMIT $3";
            format!("DELETE FROM outbox WHERE id {}", d.ids_from.replace("{}", old))
        },
    )
}
