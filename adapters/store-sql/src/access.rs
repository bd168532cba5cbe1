//! The access port (`AccessStore`): API keys.

use async_trait::async_trait;
use booking_core::access::{ApiKey, KeyDigest};
use booking_core::ids::{ApiKeyId, BusinessId};
use booking_core::ports::store::{AccessStore, StoreError};
use booking_core::time::Timestamp;

use crate::exec::{Database, SqlStore, all, one, query, unavailable};
use crate::{Cells, micros, read};

#[async_trait]
impl<D: Database> AccessStore for SqlStore<D> {
    async fn create_api_key(&self, mut draft: ApiKey) -> Result<ApiKey, StoreError> {
        let mut w = self.db.single().await?;
        let row = query(
            "INSERT INTO api_keys (business_id, name, role, subject, prefix, digest, \
             created_at_us, revoked_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(draft.business.get())
        .bind(&draft.name)
        .bind(draft.role.code())
        .bind(draft.subject)
        .bind(&draft.prefix)
        .bind(draft.digest.to_hex())
        .bind(micros(draft.created_at))
        .bind(draft.revoked_at.map(micros))
        .fetch_one(&mut w)
        .await
        .map_err(unavailable)?;
        draft.id = ApiKeyId::new(row.int("id")?);
        Ok(draft)
    }

    async fn api_key_by_digest(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError> {
        let row = query("SELECT * FROM api_keys WHERE digest = $1")
            .bind(digest.to_hex())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::api_key)
    }

    async fn api_keys(&self, business: BusinessId) -> Result<Vec<ApiKey>, StoreError> {
        let rows = query("SELECT * FROM api_keys WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::api_key)
    }

    async fn revoke_api_key(
        &self,
        business: BusinessId,
        id: ApiKeyId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE api_keys SET revoked_at_us = $3 \
             WHERE business_id = $1 AND id = $2 AND revoked_at_us IS NULL",
        )
        .bind(business.get())
        .bind(id.get())
        .bind(micros(at))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }
}
