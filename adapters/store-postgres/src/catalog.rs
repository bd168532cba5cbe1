//! `CatalogStore`: businesses, resources, exceptions, external busy times, agendas, services,
//! events and sessions.

use async_trait::async_trait;
use booking_core::BookingStatus;
use booking_core::catalog::{Agenda, Business, Email, Event, Resource, Service, Session};
use booking_core::ids::{
    AgendaId, BusinessId, EventId, ExceptionId, ResourceId, ServiceId, SessionId,
};
use booking_core::schedule::Exception;
use booking_core::store::{CatalogStore, StoreError};
use booking_core::time::Interval;
use booking_store_sql::{json, micros, read, seconds};
use sqlx::{PgConnection, Postgres, Row};

use crate::{PgStore, all, id_list, one, unavailable};

async fn agenda_links(conn: &mut PgConnection, agenda: &Agenda) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM agenda_resources WHERE agenda_id = $1")
        .bind(agenda.id.get())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM agenda_services WHERE agenda_id = $1")
        .bind(agenda.id.get())
        .execute(&mut *conn)
        .await?;
    for (position, resource) in (0_i64..).zip(&agenda.resources) {
        sqlx::query(
            "INSERT INTO agenda_resources (agenda_id, position, resource_id) \
             SELECT $1, $2, id FROM resources WHERE id = $3 AND business_id = $4",
        )
        .bind(agenda.id.get())
        .bind(position)
        .bind(resource.get())
        .bind(agenda.business.get())
        .execute(&mut *conn)
        .await?;
    }
    for (position, service) in (0_i64..).zip(&agenda.services) {
        sqlx::query(
            "INSERT INTO agenda_services (agenda_id, position, service_id) \
             SELECT $1, $2, id FROM services WHERE id = $3 AND business_id = $4",
        )
        .bind(agenda.id.get())
        .bind(position)
        .bind(service.get())
        .bind(agenda.business.get())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl PgStore {
    async fn read_agendas(
        &self,
        business: BusinessId,
        only: Option<AgendaId>,
    ) -> Result<Vec<Agenda>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.*, \
             (SELECT COALESCE(json_agg(resource_id ORDER BY position), '[]')::text \
             FROM agenda_resources WHERE agenda_id = a.id) AS resource_ids, \
             (SELECT COALESCE(json_agg(service_id ORDER BY position), '[]')::text \
             FROM agenda_services WHERE agenda_id = a.id) AS service_ids \
             FROM agendas a WHERE a.business_id = $1 AND ($2 IS NULL OR a.id = $2) ORDER BY a.id",
        )
        .bind(business.get())
        .bind(only.map(AgendaId::get))
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        all(&rows, read::agenda)
    }
}

fn service_query<'q>(
    sql: &'q str,
    s: &'q Service,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(sql)
        .bind(s.business.get())
        .bind(&s.name)
        .bind(&s.slug)
        .bind(seconds(s.duration))
        .bind(s.step.map(seconds))
        .bind(seconds(s.buffer_before))
        .bind(seconds(s.buffer_after))
        .bind(s.price_minor)
        .bind(s.default_status.map(BookingStatus::code))
        .bind(s.min_before_booking.map(seconds))
        .bind(s.min_before_cancel.map(seconds))
        .bind(s.min_before_reschedule.map(seconds))
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn create_business(&self, mut draft: Business) -> Result<Business, StoreError> {
        let row = sqlx::query(
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
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        draft.id = BusinessId::new(row.try_get("id").map_err(unavailable)?);
        draft.revision = 0;
        Ok(draft)
    }

    async fn business(&self, id: BusinessId) -> Result<Option<Business>, StoreError> {
        let row = sqlx::query("SELECT * FROM businesses WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::business)
    }

    async fn update_business(&self, b: &Business) -> Result<(), StoreError> {
        sqlx::query(
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
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn create_resource(&self, mut draft: Resource) -> Result<Resource, StoreError> {
        let row = sqlx::query(
            "INSERT INTO resources (business_id, kind, name, email, zone, hours) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(draft.business.get())
        .bind(read::resource_kind(draft.kind))
        .bind(&draft.name)
        .bind(draft.email.as_ref().map(Email::as_str))
        .bind(draft.zone.name())
        .bind(json::hours(&draft.hours))
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        draft.id = ResourceId::new(row.try_get("id").map_err(unavailable)?);
        Ok(draft)
    }

    async fn resource(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Option<Resource>, StoreError> {
        let row = sqlx::query("SELECT * FROM resources WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::resource)
    }

    async fn resources(&self, business: BusinessId) -> Result<Vec<Resource>, StoreError> {
        let rows = sqlx::query("SELECT * FROM resources WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        all(&rows, read::resource)
    }

    async fn update_resource(&self, r: &Resource) -> Result<(), StoreError> {
        sqlx::query(
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
        .execute(&self.pool)
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
        let row = sqlx::query(
            "INSERT INTO exceptions (business_id, resource_id, start_us, end_us, label) \
             SELECT $1, id, $3, $4, $5 FROM resources WHERE business_id = $1 AND id = $2 \
             RETURNING id",
        )
        .bind(business.get())
        .bind(resource.get())
        .bind(micros(exception.interval.start()))
        .bind(micros(exception.interval.end()))
        .bind(&exception.label)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| StoreError::Unavailable(format!("no resource {resource}")))?;
        exception.id = Some(ExceptionId::new(row.try_get("id").map_err(unavailable)?));
        Ok(exception)
    }

    async fn remove_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        id: ExceptionId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM exceptions WHERE business_id = $1 AND resource_id = $2 AND id = $3",
        )
        .bind(business.get())
        .bind(resource.get())
        .bind(id.get())
        .execute(&self.pool)
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
        let rows = sqlx::query(
            "SELECT * FROM exceptions WHERE business_id = $1 \
             AND resource_id = ANY($2) \
             AND start_us < $4 AND end_us > $3 ORDER BY start_us, id",
        )
        .bind(business.get())
        .bind(id_list(resources.iter().map(|r| r.get())))
        .bind(micros(window.start()))
        .bind(micros(window.end()))
        .fetch_all(&self.pool)
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
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM external_busy WHERE business_id = $1 AND resource_id = $2 \
             AND start_us >= $3 AND end_us <= $4",
        )
        .bind(business.get())
        .bind(resource.get())
        .bind(micros(window.start()))
        .bind(micros(window.end()))
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        for interval in busy {
            sqlx::query(
                "INSERT INTO external_busy (business_id, resource_id, start_us, end_us) \
                 SELECT $1, id, $3, $4 FROM resources WHERE business_id = $1 AND id = $2",
            )
            .bind(business.get())
            .bind(resource.get())
            .bind(micros(interval.start()))
            .bind(micros(interval.end()))
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn external_busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Vec<(ResourceId, Interval)>, StoreError> {
        let rows = sqlx::query(
            "SELECT resource_id, start_us, end_us FROM external_busy WHERE business_id = $1 \
             AND resource_id = ANY($2) \
             AND start_us < $4 AND end_us > $3 ORDER BY start_us",
        )
        .bind(business.get())
        .bind(id_list(resources.iter().map(|r| r.get())))
        .bind(micros(window.start()))
        .bind(micros(window.end()))
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        all(&rows, read::external_busy)
    }

    async fn create_agenda(&self, mut draft: Agenda) -> Result<Agenda, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO agendas (business_id, name, slug, hold_ttl_s, backoffice_booking) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(draft.business.get())
        .bind(&draft.name)
        .bind(&draft.slug)
        .bind(draft.hold_ttl.map(seconds))
        .bind(draft.backoffice_booking)
        .fetch_one(&mut *tx)
        .await
        .map_err(unavailable)?;
        draft.id = AgendaId::new(row.try_get("id").map_err(unavailable)?);
        agenda_links(&mut tx, &draft).await.map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(draft)
    }

    async fn agenda(
        &self,
        business: BusinessId,
        id: AgendaId,
    ) -> Result<Option<Agenda>, StoreError> {
        Ok(self.read_agendas(business, Some(id)).await?.pop())
    }

    async fn agendas(&self, business: BusinessId) -> Result<Vec<Agenda>, StoreError> {
        self.read_agendas(business, None).await
    }

    async fn update_agenda(&self, a: &Agenda) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE agendas SET name = $3, slug = $4, hold_ttl_s = $5, backoffice_booking = $6 \
             WHERE business_id = $1 AND id = $2",
        )
        .bind(a.business.get())
        .bind(a.id.get())
        .bind(&a.name)
        .bind(&a.slug)
        .bind(a.hold_ttl.map(seconds))
        .bind(a.backoffice_booking)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        if done.rows_affected() > 0 {
            agenda_links(&mut tx, a).await.map_err(unavailable)?;
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn create_service(&self, mut draft: Service) -> Result<Service, StoreError> {
        let row = service_query(
            "INSERT INTO services (business_id, name, slug, duration_s, step_s, buffer_before_s, \
             buffer_after_s, price_minor, default_status, min_before_booking_s, \
             min_before_cancel_s, min_before_reschedule_s) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            &draft,
        )
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        draft.id = ServiceId::new(row.try_get("id").map_err(unavailable)?);
        Ok(draft)
    }

    async fn service(
        &self,
        business: BusinessId,
        id: ServiceId,
    ) -> Result<Option<Service>, StoreError> {
        let row = sqlx::query("SELECT * FROM services WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::service)
    }

    async fn services(&self, business: BusinessId) -> Result<Vec<Service>, StoreError> {
        let rows = sqlx::query("SELECT * FROM services WHERE business_id = $1 ORDER BY id")
            .bind(business.get())
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        all(&rows, read::service)
    }

    async fn update_service(&self, s: &Service) -> Result<(), StoreError> {
        service_query(
            "UPDATE services SET name = $2, slug = $3, duration_s = $4, step_s = $5, \
             buffer_before_s = $6, buffer_after_s = $7, price_minor = $8, default_status = $9, \
             min_before_booking_s = $10, min_before_cancel_s = $11, \
             min_before_reschedule_s = $12 WHERE business_id = $1 AND id = $13",
            s,
        )
        .bind(s.id.get())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn create_event(&self, mut draft: Event) -> Result<Event, StoreError> {
        let row = sqlx::query(
            "INSERT INTO events (business_id, kind, name, location, capacity, price_minor) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(draft.business.get())
        .bind(read::event_kind(draft.kind))
        .bind(&draft.name)
        .bind(&draft.location)
        .bind(i64::from(draft.capacity))
        .bind(draft.price_minor)
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)?;
        draft.id = EventId::new(row.try_get("id").map_err(unavailable)?);
        Ok(draft)
    }

    async fn event(&self, business: BusinessId, id: EventId) -> Result<Option<Event>, StoreError> {
        let row = sqlx::query("SELECT * FROM events WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::event)
    }

    async fn create_session(&self, mut draft: Session) -> Result<Session, StoreError> {
        let row = sqlx::query(
            "INSERT INTO sessions (business_id, event_id, start_us, end_us, capacity, leader_id) \
             SELECT $1, id, $3, $4, $5, $6 FROM events WHERE business_id = $1 AND id = $2 \
             RETURNING id",
        )
        .bind(draft.business.get())
        .bind(draft.event.get())
        .bind(micros(draft.interval.start()))
        .bind(micros(draft.interval.end()))
        .bind(i64::from(draft.capacity))
        .bind(draft.leader.map(ResourceId::get))
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| StoreError::Unavailable(format!("no event {}", draft.event)))?;
        draft.id = SessionId::new(row.try_get("id").map_err(unavailable)?);
        Ok(draft)
    }

    async fn session(
        &self,
        business: BusinessId,
        id: SessionId,
    ) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query("SELECT * FROM sessions WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::session)
    }

    async fn sessions(
        &self,
        business: BusinessId,
        event: EventId,
    ) -> Result<Vec<Session>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM sessions WHERE business_id = $1 AND event_id = $2 \
             ORDER BY start_us, id",
        )
        .bind(business.get())
        .bind(event.get())
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        all(&rows, read::session)
    }
}
