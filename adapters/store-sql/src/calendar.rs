//! The calendar port (`CalendarStore`): integrations, connections, pushed events, busy times.

use async_trait::async_trait;
use booking_core::ids::{BusinessId, ResourceId};
use booking_core::ports::store::StoreError;

use crate::exec::{Database, SqlStore, Transaction, all, one, query, unavailable};
use crate::{micros, read};

#[async_trait]
impl<D: Database> booking_core::ports::calendar::CalendarStore for SqlStore<D> {
    async fn put_integration(
        &self,
        i: &booking_core::calendar::Integration,
    ) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "INSERT INTO calendar_integrations (business_id, provider, client_id, \
             sealed_secret, redirect_uri) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (business_id, provider) DO UPDATE SET client_id = excluded.client_id, \
             sealed_secret = excluded.sealed_secret, redirect_uri = excluded.redirect_uri",
        )
        .bind(i.business.get())
        .bind(i.provider.code())
        .bind(&i.client_id)
        .bind(&i.sealed_secret)
        .bind(&i.redirect_uri)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn integration(
        &self,
        business: BusinessId,
        provider: booking_core::calendar::Provider,
    ) -> Result<Option<booking_core::calendar::Integration>, StoreError> {
        let row =
            query("SELECT * FROM calendar_integrations WHERE business_id = $1 AND provider = $2")
                .bind(business.get())
                .bind(provider.code())
                .fetch_optional(&mut self.db.read().await?)
                .await
                .map_err(unavailable)?;
        one(row.as_ref(), read::integration)
    }

    async fn delete_integration(
        &self,
        business: BusinessId,
        provider: booking_core::calendar::Provider,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done =
            query("DELETE FROM calendar_integrations WHERE business_id = $1 AND provider = $2")
                .bind(business.get())
                .bind(provider.code())
                .execute(&mut w)
                .await
                .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_connection(
        &self,
        c: &booking_core::calendar::Connection,
    ) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "INSERT INTO calendar_connections (business_id, resource_id, provider, account, \
             sealed_access, sealed_refresh, expires_at_us, state, last_sync_us, last_error, \
             connected_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (business_id, resource_id) DO UPDATE SET provider = excluded.provider, \
             account = excluded.account, sealed_access = excluded.sealed_access, \
             sealed_refresh = excluded.sealed_refresh, expires_at_us = excluded.expires_at_us, \
             state = excluded.state, last_sync_us = excluded.last_sync_us, \
             last_error = excluded.last_error, connected_at_us = excluded.connected_at_us",
        )
        .bind(c.business.get())
        .bind(c.resource.get())
        .bind(c.provider.code())
        .bind(&c.account)
        .bind(&c.sealed_access)
        .bind(&c.sealed_refresh)
        .bind(micros(c.expires_at))
        .bind(c.state.code())
        .bind(c.last_sync.map(micros))
        .bind(c.last_error.as_deref())
        .bind(micros(c.connected_at))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        query(
            "UPDATE businesses SET calendar_sync = TRUE, revision = revision + 1 \
             WHERE id = $1 AND NOT calendar_sync",
        )
        .bind(c.business.get())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn update_connection(
        &self,
        c: &booking_core::calendar::Connection,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE calendar_connections SET provider = $3, account = $4, sealed_access = $5, \
             sealed_refresh = $6, expires_at_us = $7, state = $8, last_sync_us = $9, \
             last_error = $10 WHERE business_id = $1 AND resource_id = $2 AND connected_at_us = $11",
        )
        .bind(c.business.get())
        .bind(c.resource.get())
        .bind(c.provider.code())
        .bind(&c.account)
        .bind(&c.sealed_access)
        .bind(&c.sealed_refresh)
        .bind(micros(c.expires_at))
        .bind(c.state.code())
        .bind(c.last_sync.map(micros))
        .bind(c.last_error.as_deref())
        .bind(micros(c.connected_at))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn connection(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<Option<booking_core::calendar::Connection>, StoreError> {
        let row =
            query("SELECT * FROM calendar_connections WHERE business_id = $1 AND resource_id = $2")
                .bind(business.get())
                .bind(resource.get())
                .fetch_optional(&mut self.db.read().await?)
                .await
                .map_err(unavailable)?;
        one(row.as_ref(), read::connection)
    }

    async fn connections(
        &self,
        business: BusinessId,
    ) -> Result<Vec<booking_core::calendar::Connection>, StoreError> {
        let rows =
            query("SELECT * FROM calendar_connections WHERE business_id = $1 ORDER BY resource_id")
                .bind(business.get())
                .fetch_all(&mut self.db.read().await?)
                .await
                .map_err(unavailable)?;
        all(&rows, read::connection)
    }

    async fn all_connections(&self) -> Result<Vec<booking_core::calendar::Connection>, StoreError> {
        let rows = query("SELECT * FROM calendar_connections ORDER BY business_id, resource_id")
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::connection)
    }

    async fn delete_connection(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.write().await?;
        query("DELETE FROM calendar_events WHERE business_id = $1 AND resource_id = $2")
            .bind(business.get())
            .bind(resource.get())
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        let done =
            query("DELETE FROM calendar_connections WHERE business_id = $1 AND resource_id = $2")
                .bind(business.get())
                .bind(resource.get())
                .execute(&mut w)
                .await
                .map_err(unavailable)?;
        query(
            "UPDATE businesses SET calendar_sync = FALSE, revision = revision + 1 \
             WHERE id = $1 AND calendar_sync AND NOT EXISTS \
             (SELECT 1 FROM calendar_connections WHERE business_id = $1)",
        )
        .bind(business.get())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn pushed(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<booking_core::calendar::PushedRecord>, StoreError> {
        let row = query("SELECT * FROM calendar_events WHERE business_id = $1 AND event_key = $2")
            .bind(business.get())
            .bind(key)
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::pushed)
    }

    async fn put_pushed(&self, r: &booking_core::calendar::PushedRecord) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "INSERT INTO calendar_events (business_id, event_key, resource_id, provider, \
             external_id, meeting_url) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (business_id, event_key) DO UPDATE SET resource_id = excluded.resource_id, \
             provider = excluded.provider, external_id = excluded.external_id, \
             meeting_url = excluded.meeting_url",
        )
        .bind(r.business.get())
        .bind(&r.key)
        .bind(r.resource.get())
        .bind(r.provider.code())
        .bind(&r.external_id)
        .bind(r.meeting_url.as_deref())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn delete_pushed(&self, business: BusinessId, key: &str) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query("DELETE FROM calendar_events WHERE business_id = $1 AND event_key = $2")
            .bind(business.get())
            .bind(key)
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
