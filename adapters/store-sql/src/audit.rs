//! The audit log (`AuditLog`) and the idempotency answers (`IdempotencyStore`).

use async_trait::async_trait;
use booking_core::ids::BusinessId;
use booking_core::ports::store::{
    AuditEntry, AuditLog, IdempotencyStore, IdempotentAnswer, StoreError,
};
use booking_core::time::Timestamp;

use crate::customers::append_audit;
use crate::exec::{Database, SqlStore, Transaction, all, one, query, unavailable};
use crate::{micros, read};

#[async_trait]
impl<D: Database> AuditLog for SqlStore<D> {
    async fn append(&self, entry: AuditEntry) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        append_audit(&mut w, &entry).await
    }

    async fn audit_entries(&self, business: BusinessId) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = query("SELECT * FROM audit_log WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::audit_entry)
    }
}

#[async_trait]
impl<D: Database> IdempotencyStore for SqlStore<D> {
    async fn recall(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<IdempotentAnswer>, StoreError> {
        let row = query("SELECT * FROM idempotency_keys WHERE business_id = $1 AND key = $2")
            .bind(business.get())
            .bind(key)
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::answer)
    }

    async fn remember(
        &self,
        business: BusinessId,
        key: &str,
        answer: IdempotentAnswer,
    ) -> Result<IdempotentAnswer, StoreError> {
        let mut w = self.db.write().await?;
        query(
            "INSERT INTO idempotency_keys (business_id, key, fingerprint, subject, \
             created_at_us) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(business.get())
        .bind(key)
        .bind(&answer.fingerprint)
        .bind(&answer.subject)
        .bind(micros(answer.created_at))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        let row = query("SELECT * FROM idempotency_keys WHERE business_id = $1 AND key = $2")
            .bind(business.get())
            .bind(key)
            .fetch_one(&mut w)
            .await
            .map_err(unavailable)?;
        let kept = read::answer(&row)?;
        w.commit().await?;
        Ok(kept)
    }

    async fn settle(
        &self,
        business: BusinessId,
        key: &str,
        expected: &str,
        answer: IdempotentAnswer,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE idempotency_keys SET fingerprint = $3, subject = $4 \
             WHERE business_id = $1 AND key = $2 AND subject = $5",
        )
        .bind(business.get())
        .bind(key)
        .bind(&answer.fingerprint)
        .bind(&answer.subject)
        .bind(expected)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn forget_answers_before(&self, before: Timestamp) -> Result<usize, StoreError> {
        let mut w = self.db.single().await?;
        let done = query("DELETE FROM idempotency_keys WHERE created_at_us < $1")
            .bind(micros(before))
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}
