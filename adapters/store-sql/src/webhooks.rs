//! The webhook port (`WebhookStore`): endpoints and deliveries.

use async_trait::async_trait;
use booking_core::ids::{BusinessId, JobId, WebhookId};
use booking_core::ports::store::{StoreError, WebhookStore};
use booking_core::webhooks::{Delivery, Endpoint};

use crate::exec::{Database, SqlStore, all, query, unavailable};
use crate::{Cells, json, micros, read};

#[async_trait]
impl<D: Database> WebhookStore for SqlStore<D> {
    async fn create_webhook(&self, mut draft: Endpoint) -> Result<Endpoint, StoreError> {
        let mut w = self.db.single().await?;
        let row = query(
            "INSERT INTO webhooks (business_id, url, secret, events, created_at_us) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(draft.business.get())
        .bind(&draft.url)
        .bind(draft.secret.expose())
        .bind(json::write_strings(&draft.events))
        .bind(micros(draft.created_at))
        .fetch_one(&mut w)
        .await
        .map_err(unavailable)?;
        draft.id = WebhookId::new(row.int("id")?);
        Ok(draft)
    }

    async fn webhooks(&self, business: BusinessId) -> Result<Vec<Endpoint>, StoreError> {
        let rows = query("SELECT * FROM webhooks WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::webhook)
    }

    async fn delete_webhook(
        &self,
        business: BusinessId,
        id: WebhookId,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query("DELETE FROM webhooks WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_delivery(&self, d: Delivery) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "INSERT INTO webhook_deliveries (business_id, endpoint_id, job_id, booking_id, \
             event, at_us, status, ok, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(d.business.get())
        .bind(d.endpoint.get())
        .bind(d.job.get())
        .bind(d.booking.get())
        .bind(&d.event)
        .bind(micros(d.at))
        .bind(d.status.map(i64::from))
        .bind(d.ok)
        .bind(&d.error)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn deliveries(
        &self,
        business: BusinessId,
        endpoint: WebhookId,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = query(
            "SELECT * FROM webhook_deliveries WHERE business_id = $1 AND endpoint_id = $2 \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(business.get())
        .bind(endpoint.get())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        all(&rows, read::delivery)
    }

    async fn delivered(&self, job: JobId, endpoint: WebhookId) -> Result<bool, StoreError> {
        let row = query(
            "SELECT COUNT(*) AS n FROM webhook_deliveries \
             WHERE job_id = $1 AND endpoint_id = $2 AND ok",
        )
        .bind(job.get())
        .bind(endpoint.get())
        .fetch_one(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        let n: i64 = row.int("n")?;
        Ok(n > 0)
    }
}
