//! The catalogue's offer: agendas (with their ordered resources and services), services, events
//! and their sessions.

use booking_core::BookingStatus;
use booking_core::catalog::{Agenda, Event, Service, Session};
use booking_core::ids::{AgendaId, BusinessId, EventId, ResourceId, ServiceId, SessionId};
use booking_core::ports::store::StoreError;

use crate::exec::{Database, DbError, Executor, Query, Transaction, all, one, query, unavailable};
use crate::{Cells, json, micros, read, seconds};

async fn agenda_links(conn: &mut impl Executor, agenda: &Agenda) -> Result<(), DbError> {
    query("DELETE FROM agenda_resources WHERE agenda_id = $1")
        .bind(agenda.id.get())
        .execute(&mut *conn)
        .await?;
    query("DELETE FROM agenda_services WHERE agenda_id = $1")
        .bind(agenda.id.get())
        .execute(&mut *conn)
        .await?;
    for (position, resource) in (0_i64..).zip(&agenda.resources) {
        query(
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
        query(
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

async fn read_agendas<D: Database>(
    db: &D,
    business: BusinessId,
    only: Option<AgendaId>,
) -> Result<Vec<Agenda>, StoreError> {
    let dialect = db.dialect();
    let sql = dialect.built.agendas.get_or_init(|| {
        format!(
            "SELECT a.*, {} FROM agendas a WHERE a.business_id = $1 \
                 AND ($2 IS NULL OR a.id = $2) ORDER BY a.id",
            dialect.agenda_links
        )
    });
    let rows = query(sql)
        .bind(business.get())
        .bind(only.map(AgendaId::get))
        .fetch_all(&mut db.read().await?)
        .await
        .map_err(unavailable)?;
    all(&rows, read::agenda)
}

fn service_query<'q>(sql: &'q str, s: &'q Service) -> Query<'q> {
    query(sql)
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
        .bind(json::custom_fields(&s.fields))
        .bind(s.online)
}

pub(super) async fn create_agenda<D: Database>(
    db: &D,
    mut draft: Agenda,
) -> Result<Agenda, StoreError> {
    let mut w = db.write().await?;
    let row = query(
        "INSERT INTO agendas (business_id, name, slug, hold_ttl_s, backoffice_booking) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(draft.business.get())
    .bind(&draft.name)
    .bind(&draft.slug)
    .bind(draft.hold_ttl.map(seconds))
    .bind(draft.backoffice_booking)
    .fetch_one(&mut w)
    .await
    .map_err(unavailable)?;
    draft.id = AgendaId::new(row.int("id")?);
    agenda_links(&mut w, &draft).await.map_err(unavailable)?;
    w.commit().await?;
    Ok(draft)
}

pub(super) async fn agenda<D: Database>(
    db: &D,
    business: BusinessId,
    id: AgendaId,
) -> Result<Option<Agenda>, StoreError> {
    Ok(read_agendas(db, business, Some(id)).await?.pop())
}

pub(super) async fn agendas<D: Database>(
    db: &D,
    business: BusinessId,
) -> Result<Vec<Agenda>, StoreError> {
    read_agendas(db, business, None).await
}

pub(super) async fn update_agenda<D: Database>(db: &D, a: &Agenda) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let done = query(
        "UPDATE agendas SET name = $3, slug = $4, hold_ttl_s = $5, backoffice_booking = $6 \
             WHERE business_id = $1 AND id = $2",
    )
    .bind(a.business.get())
    .bind(a.id.get())
    .bind(&a.name)
    .bind(&a.slug)
    .bind(a.hold_ttl.map(seconds))
    .bind(a.backoffice_booking)
    .execute(&mut w)
    .await
    .map_err(unavailable)?;
    if done.rows_affected() > 0 {
        agenda_links(&mut w, a).await.map_err(unavailable)?;
    }
    w.commit().await
}

pub(super) async fn create_service<D: Database>(
    db: &D,
    mut draft: Service,
) -> Result<Service, StoreError> {
    let mut w = db.single().await?;
    let row = service_query(
        "INSERT INTO services (business_id, name, slug, duration_s, step_s, buffer_before_s, \
             buffer_after_s, price_minor, default_status, min_before_booking_s, \
             min_before_cancel_s, min_before_reschedule_s, fields, online) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        &draft,
    )
    .fetch_one(&mut w)
    .await
    .map_err(unavailable)?;
    draft.id = ServiceId::new(row.int("id")?);
    Ok(draft)
}

pub(super) async fn service<D: Database>(
    db: &D,
    business: BusinessId,
    id: ServiceId,
) -> Result<Option<Service>, StoreError> {
    let row = query("SELECT * FROM services WHERE business_id = $1 AND id = $2")
        .bind(business.get())
        .bind(id.get())
        .fetch_optional(&mut db.read().await?)
        .await
        .map_err(unavailable)?;
    one(row.as_ref(), read::service)
}

pub(super) async fn services<D: Database>(
    db: &D,
    business: BusinessId,
) -> Result<Vec<Service>, StoreError> {
    let rows = query("SELECT * FROM services WHERE business_id = $1 ORDER BY id")
        .bind(business.get())
        .fetch_all(&mut db.read().await?)
        .await
        .map_err(unavailable)?;
    all(&rows, read::service)
}

pub(super) async fn update_service<D: Database>(db: &D, s: &Service) -> Result<(), StoreError> {
    let mut w = db.single().await?;
    service_query(
        "UPDATE services SET name = $2, slug = $3, duration_s = $4, step_s = $5, \
             buffer_before_s = $6, buffer_after_s = $7, price_minor = $8, default_status = $9, \
             min_before_booking_s = $10, min_before_cancel_s = $11, \
             min_before_reschedule_s = $12, fields = $13, online = $14 \
             WHERE business_id = $1 AND id = $15",
        s,
    )
    .bind(s.id.get())
    .execute(&mut w)
    .await
    .map_err(unavailable)?;
    Ok(())
}

pub(super) async fn create_event<D: Database>(
    db: &D,
    mut draft: Event,
) -> Result<Event, StoreError> {
    let mut w = db.single().await?;
    let row = query(
        "INSERT INTO events (business_id, kind, name, location, capacity, price_minor, online) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(draft.business.get())
    .bind(read::event_kind(draft.kind))
    .bind(&draft.name)
    .bind(&draft.location)
    .bind(i64::from(draft.capacity))
    .bind(draft.price_minor)
    .bind(draft.online)
    .fetch_one(&mut w)
    .await
    .map_err(unavailable)?;
    draft.id = EventId::new(row.int("id")?);
    Ok(draft)
}

pub(super) async fn event<D: Database>(
    db: &D,
    business: BusinessId,
    id: EventId,
) -> Result<Option<Event>, StoreError> {
    let row = query("SELECT * FROM events WHERE business_id = $1 AND id = $2")
        .bind(business.get())
        .bind(id.get())
        .fetch_optional(&mut db.read().await?)
        .await
        .map_err(unavailable)?;
    one(row.as_ref(), read::event)
}

pub(super) async fn events<D: Database>(
    db: &D,
    business: BusinessId,
) -> Result<Vec<Event>, StoreError> {
    let rows = query("SELECT * FROM events WHERE business_id = $1 ORDER BY id")
        .bind(business.get())
        .fetch_all(&mut db.read().await?)
        .await
        .map_err(unavailable)?;
    all(&rows, read::event)
}

pub(super) async fn create_session<D: Database>(
    db: &D,
    mut draft: Session,
) -> Result<Session, StoreError> {
    let mut w = db.single().await?;
    let row = query(
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
    .fetch_optional(&mut w)
    .await
    .map_err(unavailable)?
    .ok_or_else(|| StoreError::Unavailable(format!("no event {}", draft.event)))?;
    draft.id = SessionId::new(row.int("id")?);
    Ok(draft)
}

pub(super) async fn session<D: Database>(
    db: &D,
    business: BusinessId,
    id: SessionId,
) -> Result<Option<Session>, StoreError> {
    let row = query("SELECT * FROM sessions WHERE business_id = $1 AND id = $2")
        .bind(business.get())
        .bind(id.get())
        .fetch_optional(&mut db.read().await?)
        .await
        .map_err(unavailable)?;
    one(row.as_ref(), read::session)
}

pub(super) async fn sessions<D: Database>(
    db: &D,
    business: BusinessId,
    event: EventId,
) -> Result<Vec<Session>, StoreError> {
    let rows = query(
        "SELECT * FROM sessions WHERE business_id = $1 AND event_id = $2 \
             ORDER BY start_us, id",
    )
    .bind(business.get())
    .bind(event.get())
    .fetch_all(&mut db.read().await?)
    .await
    .map_err(unavailable)?;
    all(&rows, read::session)
}
