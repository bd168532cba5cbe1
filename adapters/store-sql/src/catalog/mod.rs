//! The catalogue port (`CatalogStore`): businesses, resources and their exceptions, services, agendas, events and sessions.

mod offer;

use async_trait::async_trait;
use booking_core::catalog::{Agenda, Business, Email, Event, Resource, Service, Session};
use booking_core::ids::{
    AgendaId, BusinessId, EventId, ExceptionId, ResourceId, ServiceId, SessionId,
};
use booking_core::ports::store::{CatalogStore, StoreError};
use booking_core::schedule::Exception;
use booking_core::time::Interval;

use crate::exec::{Database, SqlStore, Transaction, all, id_list, one, query, unavailable};
use crate::{Cells, json, micros, read};

#[async_trait]
impl<D: Database> CatalogStore for SqlStore<D> {
    async fn create_business(&self, mut draft: Business) -> Result<Business, StoreError> {
        let mut w = self.db.single().await?;
        let row = query(
            "INSERT INTO businesses (name, zone, locale, settings, email, phone, address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&draft.name)
        .bind(draft.zone.name())
        .bind(draft.locale.code())
        .bind(json::settings(&draft.settings))
        .bind(draft.email.as_ref().map(Email::as_str))
        .bind(&draft.phone)
        .bind(&draft.address)
        .fetch_one(&mut w)
        .await
        .map_err(unavailable)?;
        draft.id = BusinessId::new(row.int("id")?);
        draft.revision = 0;
        Ok(draft)
    }

    async fn business(&self, id: BusinessId) -> Result<Option<Business>, StoreError> {
        let row = query("SELECT * FROM businesses WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::business)
    }

    async fn update_business(&self, b: &Business) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "UPDATE businesses SET name = $2, zone = $3, locale = $4, settings = $5, email = $6, \
             phone = $7, address = $8, revision = revision + 1 WHERE id = $1",
        )
        .bind(b.id.get())
        .bind(&b.name)
        .bind(b.zone.name())
        .bind(b.locale.code())
        .bind(json::settings(&b.settings))
        .bind(b.email.as_ref().map(Email::as_str))
        .bind(&b.phone)
        .bind(&b.address)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn create_resource(&self, mut draft: Resource) -> Result<Resource, StoreError> {
        let mut w = self.db.single().await?;
        let row = query(
            "INSERT INTO resources (business_id, kind, name, email, zone, hours) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(draft.business.get())
        .bind(read::resource_kind(draft.kind))
        .bind(&draft.name)
        .bind(draft.email.as_ref().map(Email::as_str))
        .bind(draft.zone.name())
        .bind(json::hours(&draft.hours))
        .fetch_one(&mut w)
        .await
        .map_err(unavailable)?;
        draft.id = ResourceId::new(row.int("id")?);
        Ok(draft)
    }

    async fn resource(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Option<Resource>, StoreError> {
        let row = query("SELECT * FROM resources WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::resource)
    }

    async fn resources(&self, business: BusinessId) -> Result<Vec<Resource>, StoreError> {
        let rows = query("SELECT * FROM resources WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::resource)
    }

    async fn update_resource(&self, r: &Resource) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "UPDATE resources SET kind = $3, name = $4, email = $5, zone = $6, hours = $7 \
             WHERE business_id = $1 AND id = $2",
        )
        .bind(r.business.get())
        .bind(r.id.get())
        .bind(read::resource_kind(r.kind))
        .bind(&r.name)
        .bind(r.email.as_ref().map(Email::as_str))
        .bind(r.zone.name())
        .bind(json::hours(&r.hours))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn add_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        mut exception: Exception,
    ) -> Result<Exception, StoreError> {
        let mut w = self.db.single().await?;
        let row = query(
            "INSERT INTO exceptions (business_id, resource_id, start_us, end_us, label) \
             SELECT $1, id, $3, $4, $5 FROM resources WHERE business_id = $1 AND id = $2 \
             RETURNING id",
        )
        .bind(business.get())
        .bind(resource.get())
        .bind(micros(exception.interval.start()))
        .bind(micros(exception.interval.end()))
        .bind(&exception.label)
        .fetch_optional(&mut w)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| StoreError::Unavailable(format!("no resource {resource}")))?;
        exception.id = Some(ExceptionId::new(row.int("id")?));
        Ok(exception)
    }

    async fn remove_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        id: ExceptionId,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done =
            query("DELETE FROM exceptions WHERE business_id = $1 AND resource_id = $2 AND id = $3")
                .bind(business.get())
                .bind(resource.get())
                .bind(id.get())
                .execute(&mut w)
                .await
                .map_err(unavailable)?;
        Ok(done.rows_affected() > 0)
    }

    async fn exceptions(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Exception)>, StoreError> {
        let sql = self.db.dialect().statement(
            |b| &b.exceptions,
            |d| {
                format!(
                    "SELECT * FROM exceptions WHERE business_id = $1 AND resource_id {} \
                     AND start_us < $4 AND end_us > $3 ORDER BY start_us, id",
                    d.in_ids_2
                )
            },
        );
        let rows = query(sql)
            .bind(business.get())
            .bind(id_list(resources.iter().map(|r| r.get())))
            .bind(micros(window.start()))
            .bind(micros(window.end()))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::exception)
    }

    async fn replace_external_busy(
        &self,
        business: BusinessId,
        resource: ResourceId,
        window: Interval,
        busy: Vec<Interval>,
    ) -> Result<(), StoreError> {
        let mut w = self.db.write().await?;
        query(
            "DELETE FROM external_busy WHERE business_id = $1 AND resource_id = $2 \
             AND start_us >= $3 AND end_us <= $4",
        )
        .bind(business.get())
        .bind(resource.get())
        .bind(micros(window.start()))
        .bind(micros(window.end()))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        for interval in busy {
            query(
                "INSERT INTO external_busy (business_id, resource_id, start_us, end_us) \
                 SELECT $1, id, $3, $4 FROM resources WHERE business_id = $1 AND id = $2",
            )
            .bind(business.get())
            .bind(resource.get())
            .bind(micros(interval.start()))
            .bind(micros(interval.end()))
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        }
        w.commit().await
    }

    async fn external_busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Interval)>, StoreError> {
        let sql = self.db.dialect().statement(
            |b| &b.external_busy,
            |d| {
                format!(
                    "SELECT resource_id, start_us, end_us FROM external_busy \
                     WHERE business_id = $1 AND resource_id {} AND start_us < $4 AND end_us > $3 \
                     ORDER BY start_us",
                    d.in_ids_2
                )
            },
        );
        let rows = query(sql)
            .bind(business.get())
            .bind(id_list(resources.iter().map(|r| r.get())))
            .bind(micros(window.start()))
            .bind(micros(window.end()))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::external_busy)
    }

    async fn create_agenda(&self, draft: Agenda) -> Result<Agenda, StoreError> {
        offer::create_agenda(&self.db, draft).await
    }

    async fn agenda(
        &self,
        business: BusinessId,
        id: AgendaId,
    ) -> Result<Option<Agenda>, StoreError> {
        offer::agenda(&self.db, business, id).await
    }

    async fn agendas(&self, business: BusinessId) -> Result<Vec<Agenda>, StoreError> {
        offer::agendas(&self.db, business).await
    }

    async fn update_agenda(&self, a: &Agenda) -> Result<(), StoreError> {
        offer::update_agenda(&self.db, a).await
    }

    async fn create_service(&self, draft: Service) -> Result<Service, StoreError> {
        offer::create_service(&self.db, draft).await
    }

    async fn service(
        &self,
        business: BusinessId,
        id: ServiceId,
    ) -> Result<Option<Service>, StoreError> {
        offer::service(&self.db, business, id).await
    }

    async fn services(&self, business: BusinessId) -> Result<Vec<Service>, StoreError> {
        offer::services(&self.db, business).await
    }

    async fn update_service(&self, s: &Service) -> Result<(), StoreError> {
        offer::update_service(&self.db, s).await
    }

    async fn create_event(&self, draft: Event) -> Result<Event, StoreError> {
        offer::create_event(&self.db, draft).await
    }

    async fn event(&self, business: BusinessId, id: EventId) -> Result<Option<Event>, StoreError> {
        offer::event(&self.db, business, id).await
    }

    async fn events(&self, business: BusinessId) -> Result<Vec<Event>, StoreError> {
        offer::events(&self.db, business).await
    }

    async fn create_session(&self, draft: Session) -> Result<Session, StoreError> {
        offer::create_session(&self.db, draft).await
    }

    async fn session(
        &self,
        business: BusinessId,
        id: SessionId,
    ) -> Result<Option<Session>, StoreError> {
        offer::session(&self.db, business, id).await
    }

    async fn sessions(
        &self,
        business: BusinessId,
        event: EventId,
    ) -> Result<Vec<Session>, StoreError> {
        offer::sessions(&self.db, business, event).await
    }
}
