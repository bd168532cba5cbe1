//! The storage ports that read and write the same way on both databases, written once.
//!
//! [`sql_store_ports!`](crate::sql_store_ports) expands, inside an adapter crate, to the
//! `CatalogStore`, `CustomerStore`, `AuditLog`, `IdempotencyStore` and `Outbox` implementations
//! of its store. The few SQL fragments that differ between the dialects are its parameters; the
//! booking transaction, where the databases really differ, stays in each adapter;
//! [`sql_booking_store!`](crate::sql_booking_store) gives it the reads and writes around it.

/// Implements the shared storage ports for an adapter's store.
///
/// The invoking crate's root must provide, under these names: the store type with a read pool
/// `pool` and the methods `write()` (a transaction of its own: a guard that derefs to the
/// connection and has `commit()`) and `write_conn()` (a connection for single statements);
/// `unavailable` (driver error to `StoreError`), `id_list` (ids to the value `$in_ids_2` binds),
/// and the row readers `Cols`, `all` and `one`.
#[macro_export]
macro_rules! sql_store_ports {
    (
        store: $store:ident,
        connection: $connection:ty,
        database: $database:ty,
        in_ids_2: $in_ids_2:literal,
        agenda_links: $agenda_links:literal,
        lock_row: $lock_row:literal,
        lock_skip: $lock_skip:literal $(,)?
    ) => {
        /// The ports shared with the other SQL store (`booking_store_sql::sql_store_ports!`).
        mod shared_ports {
            use async_trait::async_trait;
            use booking_core::BookingStatus;
            use booking_core::access::{ApiKey, KeyDigest};
            use booking_core::webhooks::{Delivery, Endpoint};
            use booking_core::notify::{EmailTemplate, Trigger};
            use booking_core::settings::Locale;
            use booking_core::anonymise::anonymise_customer;
            use booking_core::accounts::{AccountStore, AuthToken, TokenDigest, TokenOwner, TokenPurpose};
            use booking_core::ports::PasswordHash;
            use booking_core::catalog::{
                Account, Agenda, Business, Customer, Email, Event, Resource, Service, Session,
            };
            use booking_core::ids::{
                AccountId, AgendaId, ApiKeyId, BookingId, BusinessId, CustomerId, EventId, ExceptionId,
                JobId, WebhookId,
                ResourceId, ServiceId, SessionId,
            };
            use booking_core::outbox::{Effect, Job, Outbox};
            use booking_core::schedule::Exception;
            use booking_core::store::{
                AccessStore, AuditEntry, AuditLog, CatalogStore, CustomerStore, IdempotencyStore,
                IdempotentAnswer, StoreError, TemplateStore, WebhookStore,
            };
            use booking_core::time::{Interval, SignedDuration, Timestamp};
            use booking_store_sql::{json, micros, read, seconds};
            use sqlx::Row;

            use super::{$store, Cols, all, id_list, one, unavailable};

        async fn agenda_links(conn: &mut $connection, agenda: &Agenda) -> Result<(), sqlx::Error> {
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

        impl $store {
            async fn read_agendas(
                &self,
                business: BusinessId,
                only: Option<AgendaId>,
            ) -> Result<Vec<Agenda>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT a.*, ",
                    $agenda_links,
                    " FROM agendas a WHERE a.business_id = $1 AND ($2 IS NULL OR a.id = $2) ORDER BY a.id",
                ))
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
        ) -> sqlx::query::Query<'q, $database, <$database as sqlx::Database>::Arguments<'q>> {
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
                .bind(json::custom_fields(&s.fields))
                .bind(s.online)
        }

        #[async_trait]
        impl CatalogStore for $store {
            async fn create_business(&self, mut draft: Business) -> Result<Business, StoreError> {
                let mut w = self.write_conn().await?;
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
                .fetch_one(&mut *w)
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
                let mut w = self.write_conn().await?;
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
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn create_resource(&self, mut draft: Resource) -> Result<Resource, StoreError> {
                let mut w = self.write_conn().await?;
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
                .fetch_one(&mut *w)
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
                let mut w = self.write_conn().await?;
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
                .execute(&mut *w)
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
                let mut w = self.write_conn().await?;
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
                .fetch_optional(&mut *w)
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
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "DELETE FROM exceptions WHERE business_id = $1 AND resource_id = $2 AND id = $3",
                )
                .bind(business.get())
                .bind(resource.get())
                .bind(id.get())
                .execute(&mut *w)
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
                let rows = sqlx::query(concat!(
                    "SELECT * FROM exceptions WHERE business_id = $1 AND resource_id ",
                    $in_ids_2,
                    " AND start_us < $4 AND end_us > $3 ORDER BY start_us, id",
                ))
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
                let mut w = self.write().await?;
                sqlx::query(
                    "DELETE FROM external_busy WHERE business_id = $1 AND resource_id = $2 \
                     AND start_us >= $3 AND end_us <= $4",
                )
                .bind(business.get())
                .bind(resource.get())
                .bind(micros(window.start()))
                .bind(micros(window.end()))
                .execute(&mut *w)
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
                    .execute(&mut *w)
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
                let rows = sqlx::query(concat!(
                    "SELECT resource_id, start_us, end_us FROM external_busy WHERE business_id = $1 \
                     AND resource_id ",
                    $in_ids_2,
                    " AND start_us < $4 AND end_us > $3 ORDER BY start_us",
                ))
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
                let mut w = self.write().await?;
                let row = sqlx::query(
                    "INSERT INTO agendas (business_id, name, slug, hold_ttl_s, backoffice_booking) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(draft.business.get())
                .bind(&draft.name)
                .bind(&draft.slug)
                .bind(draft.hold_ttl.map(seconds))
                .bind(draft.backoffice_booking)
                .fetch_one(&mut *w)
                .await
                .map_err(unavailable)?;
                draft.id = AgendaId::new(row.try_get("id").map_err(unavailable)?);
                agenda_links(&mut w, &draft).await.map_err(unavailable)?;
                w.commit().await?;
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
                let mut w = self.write().await?;
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
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                if done.rows_affected() > 0 {
                    agenda_links(&mut w, a).await.map_err(unavailable)?;
                }
                w.commit().await
            }

            async fn create_service(&self, mut draft: Service) -> Result<Service, StoreError> {
                let mut w = self.write_conn().await?;
                let row = service_query(
                    "INSERT INTO services (business_id, name, slug, duration_s, step_s, buffer_before_s, \
                     buffer_after_s, price_minor, default_status, min_before_booking_s, \
                     min_before_cancel_s, min_before_reschedule_s, fields, online) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                    &draft,
                )
                .fetch_one(&mut *w)
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
                let mut w = self.write_conn().await?;
                service_query(
                    "UPDATE services SET name = $2, slug = $3, duration_s = $4, step_s = $5, \
                     buffer_before_s = $6, buffer_after_s = $7, price_minor = $8, default_status = $9, \
                     min_before_booking_s = $10, min_before_cancel_s = $11, \
                     min_before_reschedule_s = $12, fields = $13, online = $14 \
                     WHERE business_id = $1 AND id = $15",
                    s,
                )
                .bind(s.id.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn create_event(&self, mut draft: Event) -> Result<Event, StoreError> {
                let mut w = self.write_conn().await?;
                let row = sqlx::query(
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
                .fetch_one(&mut *w)
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

            async fn events(&self, business: BusinessId) -> Result<Vec<Event>, StoreError> {
                let rows = sqlx::query("SELECT * FROM events WHERE business_id = $1 ORDER BY id")
                    .bind(business.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                all(&rows, read::event)
            }

            async fn create_session(&self, mut draft: Session) -> Result<Session, StoreError> {
                let mut w = self.write_conn().await?;
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
                .fetch_optional(&mut *w)
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

        async fn append_audit(conn: &mut $connection, e: &AuditEntry) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO audit_log (business_id, at_us, actor_role, actor_user, action, subject) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(e.business.get())
            .bind(micros(e.at))
            .bind(e.actor.role.code())
            .bind(e.actor.user)
            .bind(&e.action)
            .bind(&e.subject)
            .execute(&mut *conn)
            .await
            .map_err(unavailable)?;
            Ok(())
        }

        async fn save_customer(conn: &mut $connection, c: &Customer) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE customers SET account_id = $3, first_name = $4, last_name = $5, email = $6, \
                 phone = $7, notes = $8, fields = $9, anonymised_at_us = $10 \
                 WHERE business_id = $1 AND id = $2",
            )
            .bind(c.business.get())
            .bind(c.id.get())
            .bind(c.account.map(AccountId::get))
            .bind(&c.contact.first_name)
            .bind(&c.contact.last_name)
            .bind(c.contact.email.as_ref().map(Email::as_str))
            .bind(&c.contact.phone)
            .bind(&c.notes)
            .bind(json::pairs(&c.fields))
            .bind(c.anonymised_at.map(micros))
            .execute(&mut *conn)
            .await
            .map_err(unavailable)?;
            Ok(())
        }

        #[async_trait]
        impl CustomerStore for $store {
            async fn create_customer(&self, mut draft: Customer) -> Result<Customer, StoreError> {
                let mut w = self.write_conn().await?;
                let row = sqlx::query(
                    "INSERT INTO customers (business_id, account_id, first_name, last_name, email, phone, \
                     notes, fields, anonymised_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     RETURNING id",
                )
                .bind(draft.business.get())
                .bind(draft.account.map(AccountId::get))
                .bind(&draft.contact.first_name)
                .bind(&draft.contact.last_name)
                .bind(draft.contact.email.as_ref().map(Email::as_str))
                .bind(&draft.contact.phone)
                .bind(&draft.notes)
                .bind(json::pairs(&draft.fields))
                .bind(draft.anonymised_at.map(micros))
                .fetch_one(&mut *w)
                .await
                .map_err(unavailable)?;
                draft.id = CustomerId::new(row.try_get("id").map_err(unavailable)?);
                Ok(draft)
            }

            async fn customer(
                &self,
                business: BusinessId,
                id: CustomerId,
            ) -> Result<Option<Customer>, StoreError> {
                let row = sqlx::query("SELECT * FROM customers WHERE business_id = $1 AND id = $2")
                    .bind(business.get())
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                one(row.as_ref(), read::customer)
            }

            async fn update_customer(&self, customer: &Customer) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                save_customer(&mut w, customer).await
            }

            async fn create_account(&self, email: Email) -> Result<Account, StoreError> {
                let mut w = self.write_conn().await?;
                let row = sqlx::query("INSERT INTO accounts (email) VALUES ($1) RETURNING id")
                    .bind(email.as_str())
                    .fetch_one(&mut *w)
                    .await
                    .map_err(unavailable)?;
                let id = AccountId::new(row.try_get("id").map_err(unavailable)?);
                Ok(Account { id, email, verified_at: None })
            }

            async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
                let row = sqlx::query("SELECT * FROM accounts WHERE id = $1")
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                one(row.as_ref(), read::account)
            }

            async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
                let row = sqlx::query("SELECT * FROM accounts WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                one(row.as_ref(), read::account)
            }

            async fn verify_account(&self, id: AccountId, at: Timestamp) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "UPDATE accounts SET verified_at_us = COALESCE(verified_at_us, $2) WHERE id = $1",
                )
                .bind(id.get())
                .bind(micros(at))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() > 0)
            }

            async fn anonymise_customer(
                &self,
                business: BusinessId,
                id: CustomerId,
                at: Timestamp,
                audit: AuditEntry,
            ) -> Result<Option<Customer>, StoreError> {
                let mut w = self.write().await?;
                let row = sqlx::query(concat!(
                    "SELECT * FROM customers WHERE business_id = $1 AND id = $2",
                    $lock_row,
                ))
                .bind(business.get())
                .bind(id.get())
                .fetch_optional(&mut *w)
                    .await
                    .map_err(unavailable)?;
                let Some(customer) = one(row.as_ref(), read::customer)? else {
                    return Ok(None);
                };
                let erased = anonymise_customer(&customer, at);
                save_customer(&mut w, &erased).await?;
                sqlx::query(
                    "UPDATE bookings SET first_name = '', last_name = '', email = NULL, phone = NULL, \
                     answers = '[]' WHERE business_id = $1 AND customer_id = $2",
                )
                .bind(business.get())
                .bind(id.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                sqlx::query(
                    "UPDATE booking_history SET reason = NULL WHERE reason IS NOT NULL AND booking_id IN \
                     (SELECT id FROM bookings WHERE business_id = $1 AND customer_id = $2)",
                )
                .bind(business.get())
                .bind(id.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                // Sessions, magic links and cancel links die with the identity they opened.
                sqlx::query(
                    "DELETE FROM auth_tokens WHERE business_id = $1 AND (customer_id = $2 OR booking_id IN \
                     (SELECT id FROM bookings WHERE business_id = $1 AND customer_id = $2))",
                )
                .bind(business.get())
                .bind(id.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                // §H: the employee's calendar may show the name; its job rewrites the event.
                sqlx::query(
                    "INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
                     created_at_us) SELECT b.business_id, 'calendar', 'booking.anonymised', b.id, \
                     'pending', $3, $3 FROM bookings b WHERE b.business_id = $1 AND b.customer_id = $2 \
                     AND EXISTS (SELECT 1 FROM calendar_events e WHERE e.business_id = b.business_id \
                     AND (e.event_key = 'booking-' || b.id OR e.event_key = 'session-' || b.session_id))",
                )
                .bind(business.get())
                .bind(id.get())
                .bind(micros(at))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                append_audit(&mut w, &audit).await?;
                w.commit().await?;
                Ok(Some(erased))
            }
        }

        #[async_trait]
        impl AccountStore for $store {
            async fn password_hash(&self, account: AccountId) -> Result<Option<PasswordHash>, StoreError> {
                let row = sqlx::query("SELECT password_hash FROM accounts WHERE id = $1")
                    .bind(account.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                let hash: Option<String> = match row {
                    Some(r) => r.try_get("password_hash").map_err(unavailable)?,
                    None => None,
                };
                Ok(hash.map(PasswordHash))
            }

            async fn set_password_hash(&self, account: AccountId, hash: &PasswordHash) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
                    .bind(account.get())
                    .bind(&hash.0)
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }

            async fn insert_token(&self, token: &AuthToken) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query(
                    "INSERT INTO auth_tokens (digest, purpose, account_id, business_id, customer_id, \
                     booking_id, created_at_us, expires_at_us, api_key_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(token.digest.to_hex())
                .bind(token.purpose.code())
                .bind(token.account.map(AccountId::get))
                .bind(token.business.map(BusinessId::get))
                .bind(token.customer.map(CustomerId::get))
                .bind(token.booking.map(BookingId::get))
                .bind(micros(token.created_at))
                .bind(micros(token.expires_at))
                .bind(token.api_key.map(ApiKeyId::get))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn token(&self, digest: &TokenDigest, now: Timestamp) -> Result<Option<AuthToken>, StoreError> {
                let row = sqlx::query("SELECT * FROM auth_tokens WHERE digest = $1 AND expires_at_us > $2")
                    .bind(digest.to_hex())
                    .bind(micros(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                one(row.as_ref(), read::auth_token)
            }

            async fn take_token(&self, digest: &TokenDigest, now: Timestamp) -> Result<Option<AuthToken>, StoreError> {
                let mut w = self.write_conn().await?;
                let row = sqlx::query("DELETE FROM auth_tokens WHERE digest = $1 RETURNING *")
                    .bind(digest.to_hex())
                    .fetch_optional(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(one(row.as_ref(), read::auth_token)?.filter(|t| t.expires_at > now))
            }

            async fn revoke_tokens(&self, owner: TokenOwner, purpose: Option<TokenPurpose>) -> Result<usize, StoreError> {
                let mut w = self.write_conn().await?;
                let code = purpose.map(TokenPurpose::code);
                let done = match owner {
                    TokenOwner::Account(account) => sqlx::query(
                        "DELETE FROM auth_tokens WHERE ($2 IS NULL OR purpose = $2) AND (account_id = $1 \
                         OR customer_id IN (SELECT id FROM customers WHERE account_id = $1))",
                    )
                    .bind(account.get())
                    .bind(code),
                    TokenOwner::Customer(business, customer) => sqlx::query(
                        "DELETE FROM auth_tokens WHERE business_id = $1 AND customer_id = $2 \
                         AND ($3 IS NULL OR purpose = $3)",
                    )
                    .bind(business.get())
                    .bind(customer.get())
                    .bind(code),
                }
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }

            async fn purge_expired_tokens(&self, now: Timestamp) -> Result<usize, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query("DELETE FROM auth_tokens WHERE expires_at_us <= $1")
                    .bind(micros(now))
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }

            async fn customer_of_account(&self, business: BusinessId, account: AccountId) -> Result<Option<Customer>, StoreError> {
                let row = sqlx::query(
                    "SELECT * FROM customers WHERE business_id = $1 AND account_id = $2 \
                     AND anonymised_at_us IS NULL ORDER BY id LIMIT 1",
                )
                .bind(business.get())
                .bind(account.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::customer)
            }

            async fn attach_guests(&self, account: AccountId, email: &Email, business: Option<BusinessId>) -> Result<usize, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "UPDATE customers SET account_id = $1 WHERE lower(email) = $2 AND account_id IS NULL \
                     AND anonymised_at_us IS NULL AND ($3 IS NULL OR business_id = $3)",
                )
                .bind(account.get())
                .bind(email.as_str().to_lowercase())
                .bind(business.map(BusinessId::get))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }

            async fn delete_account(&self, account: AccountId) -> Result<bool, StoreError> {
                let mut w = self.write().await?;
                sqlx::query(
                    "DELETE FROM auth_tokens WHERE account_id = $1 \
                     OR customer_id IN (SELECT id FROM customers WHERE account_id = $1)",
                )
                .bind(account.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                sqlx::query("UPDATE customers SET account_id = NULL WHERE account_id = $1")
                    .bind(account.get())
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                let done = sqlx::query("DELETE FROM accounts WHERE id = $1")
                    .bind(account.get())
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                w.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn guest_by_email(&self, business: BusinessId, email: &Email) -> Result<Option<Customer>, StoreError> {
                let row = sqlx::query(
                    "SELECT * FROM customers WHERE business_id = $1 AND lower(email) = $2 AND account_id IS NULL \
                     AND anonymised_at_us IS NULL ORDER BY id LIMIT 1",
                )
                .bind(business.get())
                .bind(email.as_str().to_lowercase())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::customer)
            }
        }

        #[async_trait]
        impl AuditLog for $store {
            async fn append(&self, entry: AuditEntry) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                append_audit(&mut w, &entry).await
            }

            async fn audit_entries(&self, business: BusinessId) -> Result<Vec<AuditEntry>, StoreError> {
                let rows = sqlx::query("SELECT * FROM audit_log WHERE business_id = $1 ORDER BY id")
                    .bind(business.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                all(&rows, read::audit_entry)
            }
        }

        #[async_trait]
        impl IdempotencyStore for $store {
            async fn recall(
                &self,
                business: BusinessId,
                key: &str,
            ) -> Result<Option<IdempotentAnswer>, StoreError> {
                let row = sqlx::query("SELECT * FROM idempotency_keys WHERE business_id = $1 AND key = $2")
                    .bind(business.get())
                    .bind(key)
                    .fetch_optional(&self.pool)
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
                let mut w = self.write().await?;
                sqlx::query(
                    "INSERT INTO idempotency_keys (business_id, key, fingerprint, status, subject, \
                     created_at_us) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(business.get())
                .bind(key)
                .bind(&answer.fingerprint)
                .bind(i64::from(answer.status))
                .bind(&answer.subject)
                .bind(micros(answer.created_at))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                let row = sqlx::query("SELECT * FROM idempotency_keys WHERE business_id = $1 AND key = $2")
                    .bind(business.get())
                    .bind(key)
                    .fetch_one(&mut *w)
                    .await
                    .map_err(unavailable)?;
                let kept = read::answer(&Cols(&row))?;
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
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "UPDATE idempotency_keys SET fingerprint = $3, status = $4, subject = $5 \
                     WHERE business_id = $1 AND key = $2 AND subject = $6",
                )
                .bind(business.get())
                .bind(key)
                .bind(&answer.fingerprint)
                .bind(i64::from(answer.status))
                .bind(&answer.subject)
                .bind(expected)
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }

            async fn forget_answers_before(&self, before: Timestamp) -> Result<usize, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at_us < $1")
                    .bind(micros(before))
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }
        }

        #[async_trait]
        impl TemplateStore for $store {
            async fn email_template(
                &self,
                business: BusinessId,
                trigger: Trigger,
                locale: Locale,
            ) -> Result<Option<EmailTemplate>, StoreError> {
                let row = sqlx::query(
                    "SELECT * FROM email_templates WHERE business_id = $1 AND trigger_code = $2 \
                     AND locale = $3",
                )
                .bind(business.get())
                .bind(trigger.code())
                .bind(locale.code())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::email_template)
            }

            async fn email_templates(&self, business: BusinessId) -> Result<Vec<EmailTemplate>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM email_templates WHERE business_id = $1 ORDER BY trigger_code, locale",
                )
                .bind(business.get())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::email_template)
            }

            async fn save_email_template(&self, t: &EmailTemplate) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query(
                    "INSERT INTO email_templates (business_id, trigger_code, locale, subject, body) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (business_id, trigger_code, locale) \
                     DO UPDATE SET subject = excluded.subject, body = excluded.body",
                )
                .bind(t.business.get())
                .bind(t.trigger.code())
                .bind(t.locale.code())
                .bind(&t.subject)
                .bind(&t.text)
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn delete_email_template(
                &self,
                business: BusinessId,
                trigger: Trigger,
                locale: Locale,
            ) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "DELETE FROM email_templates WHERE business_id = $1 AND trigger_code = $2 \
                     AND locale = $3",
                )
                .bind(business.get())
                .bind(trigger.code())
                .bind(locale.code())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl booking_core::calendar::CalendarStore for $store {
            async fn put_integration(
                &self,
                i: &booking_core::calendar::Integration,
            ) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query(
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
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn integration(
                &self,
                business: BusinessId,
                provider: booking_core::calendar::Provider,
            ) -> Result<Option<booking_core::calendar::Integration>, StoreError> {
                let row = sqlx::query(
                    "SELECT * FROM calendar_integrations WHERE business_id = $1 AND provider = $2",
                )
                .bind(business.get())
                .bind(provider.code())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::integration)
            }

            async fn delete_integration(
                &self,
                business: BusinessId,
                provider: booking_core::calendar::Provider,
            ) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "DELETE FROM calendar_integrations WHERE business_id = $1 AND provider = $2",
                )
                .bind(business.get())
                .bind(provider.code())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }

            async fn put_connection(
                &self,
                c: &booking_core::calendar::Connection,
            ) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query(
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
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                sqlx::query(
                    "UPDATE businesses SET calendar_sync = TRUE, revision = revision + 1 \
                     WHERE id = $1 AND NOT calendar_sync",
                )
                .bind(c.business.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn update_connection(
                &self,
                c: &booking_core::calendar::Connection,
            ) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
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
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }

            async fn connection(
                &self,
                business: BusinessId,
                resource: ResourceId,
            ) -> Result<Option<booking_core::calendar::Connection>, StoreError> {
                let row = sqlx::query(
                    "SELECT * FROM calendar_connections WHERE business_id = $1 AND resource_id = $2",
                )
                .bind(business.get())
                .bind(resource.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::connection)
            }

            async fn connections(
                &self,
                business: BusinessId,
            ) -> Result<Vec<booking_core::calendar::Connection>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM calendar_connections WHERE business_id = $1 ORDER BY resource_id",
                )
                .bind(business.get())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::connection)
            }

            async fn all_connections(
                &self,
            ) -> Result<Vec<booking_core::calendar::Connection>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM calendar_connections ORDER BY business_id, resource_id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::connection)
            }

            async fn delete_connection(
                &self,
                business: BusinessId,
                resource: ResourceId,
            ) -> Result<bool, StoreError> {
                let mut w = self.write().await?;
                sqlx::query("DELETE FROM calendar_events WHERE business_id = $1 AND resource_id = $2")
                    .bind(business.get())
                    .bind(resource.get())
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                let done = sqlx::query(
                    "DELETE FROM calendar_connections WHERE business_id = $1 AND resource_id = $2",
                )
                .bind(business.get())
                .bind(resource.get())
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                sqlx::query(
                    "UPDATE businesses SET calendar_sync = FALSE, revision = revision + 1 \
                     WHERE id = $1 AND calendar_sync AND NOT EXISTS \
                     (SELECT 1 FROM calendar_connections WHERE business_id = $1)",
                )
                .bind(business.get())
                .execute(&mut *w)
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
                let row = sqlx::query(
                    "SELECT * FROM calendar_events WHERE business_id = $1 AND event_key = $2",
                )
                .bind(business.get())
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::pushed)
            }

            async fn put_pushed(
                &self,
                r: &booking_core::calendar::PushedRecord,
            ) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query(
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
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn delete_pushed(&self, business: BusinessId, key: &str) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query("DELETE FROM calendar_events WHERE business_id = $1 AND event_key = $2")
                    .bind(business.get())
                    .bind(key)
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }
        }

        /// After a change of a business's video set-up, in its transaction: the
        /// `video_meetings` flag, and the jobs of the affected upcoming bookings that hold
        /// (`video` ones while the business has or had Zoom meetings, `notify` ones when asked).
        async fn video_changed(
            conn: &mut $connection,
            business: BusinessId,
            affected: &booking_core::video::Affected,
            at: jiff::Timestamp,
            notify: bool,
        ) -> Result<(), StoreError> {
            use booking_core::video::Affected;
            sqlx::query(
                "UPDATE businesses SET video_meetings = NOT video_meetings, revision = revision + 1 \
                 WHERE id = $1 AND video_meetings <> EXISTS \
                 (SELECT 1 FROM video_accounts WHERE business_id = $1 AND kind = 'zoom')",
            )
            .bind(business.get())
            .execute(&mut *conn)
            .await
            .map_err(unavailable)?;
            let (scope, id, key) = match affected {
                Affected::Business => ("TRUE", 0, ""),
                Affected::Staff(r) => ("(b.resource_id = $3 OR s.leader_id = $3)", r.get(), ""),
                Affected::Course(e) => ("s.event_id = $3", e.get(), ""),
                Affected::Occasion(key) => ("('booking-' || b.id = $4 OR 'session-' || b.session_id = $4)", 0, key.as_str()),
            };
            let effects: [(&str, &str); 2] = [
                (
                    "video",
                    "(EXISTS (SELECT 1 FROM businesses WHERE id = $1 AND video_meetings) \
                     OR EXISTS (SELECT 1 FROM video_meetings WHERE business_id = $1))",
                ),
                ("notify", "TRUE"),
            ];
            for (effect, wanted) in effects.into_iter().take(if notify { 2 } else { 1 }) {
                // Every scope's statement binds the same four parameters (`$3 = $3` and
                // `$4 = $4` keep the ones a scope does not use typed and bound).
                let sql = format!(
                    "INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
                     created_at_us) SELECT b.business_id, '{effect}', 'booking.video', b.id, 'pending', $2, $2 \
                     FROM bookings b LEFT JOIN sessions s ON s.id = b.session_id \
                     WHERE b.business_id = $1 AND b.status IN ('pending', 'approved') \
                     AND COALESCE(b.slot_end_us, s.end_us) > $2 AND {scope} AND {wanted} \
                     AND $3 = $3 AND $4 = $4"
                );
                sqlx::query(&sql)
                    .bind(business.get())
                    .bind(micros(at))
                    .bind(id)
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                    .map_err(unavailable)?;
            }
            Ok(())
        }

        #[async_trait]
        impl booking_core::video::VideoStore for $store {
            async fn put_video_account(
                &self,
                business: BusinessId,
                owner: Option<ResourceId>,
                account: &booking_core::video::StoredAccount,
                at: jiff::Timestamp,
            ) -> Result<(), StoreError> {
                use booking_core::video::{Affected, StoredAccount};
                let (kind, zoom, link) = match account {
                    StoredAccount::Zoom(app) => ("zoom", Some(app), None),
                    StoredAccount::Custom(link) => ("custom", None, Some(link)),
                    StoredAccount::Calendar => ("calendar", None, None),
                };
                let mut w = self.write().await?;
                sqlx::query(
                    "INSERT INTO video_accounts (business_id, owner, kind, zoom_account_id, zoom_client_id, \
                     zoom_sealed_secret, zoom_user, url, password, description) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (business_id, owner) \
                     DO UPDATE SET kind = excluded.kind, zoom_account_id = excluded.zoom_account_id, \
                     zoom_client_id = excluded.zoom_client_id, zoom_sealed_secret = excluded.zoom_sealed_secret, \
                     zoom_user = excluded.zoom_user, url = excluded.url, password = excluded.password, \
                     description = excluded.description",
                )
                .bind(business.get())
                .bind(owner.map_or(0, |r| r.get()))
                .bind(kind)
                .bind(zoom.map(|z| z.account_id.as_str()))
                .bind(zoom.map(|z| z.client_id.as_str()))
                .bind(zoom.map(|z| z.sealed_secret.as_str()))
                .bind(zoom.map(|z| z.user.as_str()))
                .bind(link.map(|l| l.url.as_str()))
                .bind(link.and_then(|l| l.password.as_deref()))
                .bind(link.and_then(|l| l.description.as_deref()))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                let affected = owner.map_or(Affected::Business, Affected::Staff);
                video_changed(&mut w, business, &affected, at, false).await?;
                w.commit().await
            }

            async fn delete_video_account(
                &self,
                business: BusinessId,
                owner: Option<ResourceId>,
                at: jiff::Timestamp,
            ) -> Result<bool, StoreError> {
                use booking_core::video::Affected;
                let mut w = self.write().await?;
                let done = sqlx::query("DELETE FROM video_accounts WHERE business_id = $1 AND owner = $2")
                    .bind(business.get())
                    .bind(owner.map_or(0, |r| r.get()))
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                let affected = owner.map_or(Affected::Business, Affected::Staff);
                video_changed(&mut w, business, &affected, at, false).await?;
                w.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn video_accounts(
                &self,
                business: BusinessId,
            ) -> Result<Vec<(Option<ResourceId>, booking_core::video::StoredAccount)>, StoreError> {
                let rows = sqlx::query("SELECT * FROM video_accounts WHERE business_id = $1 ORDER BY owner")
                    .bind(business.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                all(&rows, read::video_account)
            }

            async fn put_course_link(
                &self,
                business: BusinessId,
                course: EventId,
                link: Option<&booking_core::video::CustomLink>,
                at: jiff::Timestamp,
                notify: bool,
            ) -> Result<bool, StoreError> {
                use booking_core::video::Affected;
                let mut w = self.write().await?;
                let done = match link {
                    Some(link) => sqlx::query(
                        "INSERT INTO course_links (business_id, event_id, url, password, description) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (business_id, event_id) DO UPDATE SET \
                         url = excluded.url, password = excluded.password, description = excluded.description",
                    )
                    .bind(business.get())
                    .bind(course.get())
                    .bind(&link.url)
                    .bind(link.password.as_deref())
                    .bind(link.description.as_deref())
                    .execute(&mut *w)
                    .await,
                    None => sqlx::query("DELETE FROM course_links WHERE business_id = $1 AND event_id = $2")
                        .bind(business.get())
                        .bind(course.get())
                        .execute(&mut *w)
                        .await,
                }
                .map_err(unavailable)?;
                video_changed(&mut w, business, &Affected::Course(course), at, notify).await?;
                w.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn course_links(
                &self,
                business: BusinessId,
            ) -> Result<Vec<(EventId, booking_core::video::CustomLink)>, StoreError> {
                let rows = sqlx::query("SELECT * FROM course_links WHERE business_id = $1 ORDER BY event_id")
                    .bind(business.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                all(&rows, read::course_link)
            }

            async fn set_online(
                &self,
                business: BusinessId,
                key: &str,
                online: Option<bool>,
                at: jiff::Timestamp,
            ) -> Result<(), StoreError> {
                use booking_core::video::Affected;
                let mut w = self.write().await?;
                match online {
                    Some(online) => sqlx::query(
                        "INSERT INTO video_occasions (business_id, occasion_key, online) VALUES ($1, $2, $3) \
                         ON CONFLICT (business_id, occasion_key) DO UPDATE SET online = excluded.online",
                    )
                    .bind(business.get())
                    .bind(key)
                    .bind(online)
                    .execute(&mut *w)
                    .await,
                    None => sqlx::query("DELETE FROM video_occasions WHERE business_id = $1 AND occasion_key = $2")
                        .bind(business.get())
                        .bind(key)
                        .execute(&mut *w)
                        .await,
                }
                .map_err(unavailable)?;
                video_changed(&mut w, business, &Affected::Occasion(key.to_owned()), at, false).await?;
                w.commit().await
            }

            async fn online_override(
                &self,
                business: BusinessId,
                key: &str,
            ) -> Result<Option<bool>, StoreError> {
                let row = sqlx::query(
                    "SELECT online FROM video_occasions WHERE business_id = $1 AND occasion_key = $2",
                )
                .bind(business.get())
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), |c| booking_store_sql::Cells::flag(c, "online"))
            }

            async fn meeting(
                &self,
                business: BusinessId,
                key: &str,
            ) -> Result<Option<booking_core::video::MeetingRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT * FROM video_meetings WHERE business_id = $1 AND occasion_key = $2",
                )
                .bind(business.get())
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), read::meeting_record)
            }

            async fn insert_meeting(
                &self,
                r: &booking_core::video::MeetingRecord,
            ) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = bind_meeting(sqlx::query(
                    "INSERT INTO video_meetings (business_id, occasion_key, account, meeting_id, join_url, \
                     start_url, password, zoom_account_id, zoom_client_id, zoom_sealed_secret, zoom_user, \
                     start_us, end_us, made_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                     $13, $14) ON CONFLICT (business_id, occasion_key) DO NOTHING",
                ), r)
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }

            async fn put_meeting(
                &self,
                r: &booking_core::video::MeetingRecord,
            ) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                bind_meeting(sqlx::query(
                    "INSERT INTO video_meetings (business_id, occasion_key, account, meeting_id, join_url, \
                     start_url, password, zoom_account_id, zoom_client_id, zoom_sealed_secret, zoom_user, \
                     start_us, end_us, made_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                     $13, $14) ON CONFLICT (business_id, occasion_key) DO UPDATE SET account = excluded.account, \
                     meeting_id = excluded.meeting_id, join_url = excluded.join_url, \
                     start_url = excluded.start_url, password = excluded.password, \
                     zoom_account_id = excluded.zoom_account_id, zoom_client_id = excluded.zoom_client_id, \
                     zoom_sealed_secret = excluded.zoom_sealed_secret, zoom_user = excluded.zoom_user, \
                     start_us = excluded.start_us, end_us = excluded.end_us, made_at_us = excluded.made_at_us",
                ), r)
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(())
            }

            async fn delete_meeting(&self, business: BusinessId, key: &str) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query("DELETE FROM video_meetings WHERE business_id = $1 AND occasion_key = $2")
                    .bind(business.get())
                    .bind(key)
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(())
            }
        }

        /// The codes of `rows`, each with its uses (a query per code: staff and panel lists are short).
        async fn codes_with_uses(
            pool: &sqlx::Pool<$database>,
            rows: &[<$database as sqlx::Database>::Row],
        ) -> Result<Vec<booking_core::codes::StoredCode>, StoreError> {
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let id: i64 = row.try_get("id").map_err(unavailable)?;
                let uses = sqlx::query("SELECT * FROM code_uses WHERE code_id = $1 ORDER BY id")
                    .bind(id)
                    .fetch_all(pool)
                    .await
                    .map_err(unavailable)?;
                let uses = all(&uses, read::code_use)?;
                out.push(read::code(&Cols(row), uses)?);
            }
            Ok(out)
        }

        #[async_trait]
        impl booking_core::codes::CodeStore for $store {
            async fn issue_code(
                &self,
                new: &booking_core::codes::NewCode,
            ) -> Result<booking_core::codes::StoredCode, StoreError> {
                let (kind, amount, period, services) = read::code_value(&new.value);
                let mut w = self.write_conn().await?;
                let row = sqlx::query(
                    "INSERT INTO codes (business_id, digest, tail, kind, amount, period, services, \
                     customer_id, note, issued_at_us, expires_at_us) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *",
                )
                .bind(new.business.get())
                .bind(new.digest.to_hex())
                .bind(&new.tail)
                .bind(kind)
                .bind(amount)
                .bind(period)
                .bind(services)
                .bind(new.customer.map(|c| c.get()))
                .bind(&new.note)
                .bind(micros(new.issued_at))
                .bind(new.expires_at.map(micros))
                .fetch_one(&mut *w)
                .await
                .map_err(unavailable)?;
                read::code(&Cols(&row), Vec::new())
            }

            async fn code(
                &self,
                business: BusinessId,
                id: booking_core::ids::CodeId,
            ) -> Result<Option<booking_core::codes::StoredCode>, StoreError> {
                let rows = sqlx::query("SELECT * FROM codes WHERE business_id = $1 AND id = $2")
                    .bind(business.get())
                    .bind(id.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(codes_with_uses(&self.pool, &rows).await?.pop())
            }

            async fn code_by_digest(
                &self,
                business: BusinessId,
                digest: &booking_core::codes::CodeDigest,
            ) -> Result<Option<booking_core::codes::StoredCode>, StoreError> {
                let rows = sqlx::query("SELECT * FROM codes WHERE business_id = $1 AND digest = $2")
                    .bind(business.get())
                    .bind(digest.to_hex())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(codes_with_uses(&self.pool, &rows).await?.pop())
            }

            async fn codes_by_tail(
                &self,
                business: BusinessId,
                tail: &str,
            ) -> Result<Vec<booking_core::codes::StoredCode>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM codes WHERE business_id = $1 AND tail = $2 ORDER BY id",
                )
                .bind(business.get())
                .bind(tail.to_ascii_uppercase())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                codes_with_uses(&self.pool, &rows).await
            }

            async fn customer_codes(
                &self,
                business: BusinessId,
                customer: CustomerId,
            ) -> Result<Vec<booking_core::codes::StoredCode>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM codes WHERE business_id = $1 AND customer_id = $2 ORDER BY id DESC",
                )
                .bind(business.get())
                .bind(customer.get())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                codes_with_uses(&self.pool, &rows).await
            }

            async fn code_used_by(
                &self,
                business: BusinessId,
                booking: BookingId,
            ) -> Result<Option<booking_core::ids::CodeId>, StoreError> {
                let row = sqlx::query(
                    "SELECT u.code_id FROM code_uses u JOIN codes c ON c.id = u.code_id \
                     WHERE c.business_id = $1 AND u.booking_id = $2 AND u.refunded_at_us IS NULL \
                     ORDER BY u.id LIMIT 1",
                )
                .bind(business.get())
                .bind(booking.get())
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
                one(row.as_ref(), |c| Ok(booking_core::ids::CodeId::new(booking_store_sql::Cells::int(c, "code_id")?)))
            }

            async fn revoke_code(
                &self,
                business: BusinessId,
                id: booking_core::ids::CodeId,
                at: jiff::Timestamp,
            ) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "UPDATE codes SET revoked_at_us = COALESCE(revoked_at_us, $3) \
                     WHERE business_id = $1 AND id = $2",
                )
                .bind(business.get())
                .bind(id.get())
                .bind(micros(at))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }
        }

        /// Binds a meeting record's 14 columns as `$1`…`$14`.
        fn bind_meeting<'q>(
            query: sqlx::query::Query<'q, $database, <$database as sqlx::Database>::Arguments<'q>>,
            r: &'q booking_core::video::MeetingRecord,
        ) -> sqlx::query::Query<'q, $database, <$database as sqlx::Database>::Arguments<'q>> {
            query
                .bind(r.business.get())
                .bind(&r.key)
                .bind(&r.meeting.account)
                .bind(&r.meeting.meeting_id)
                .bind(&r.join_url)
                .bind(r.start_url.as_deref())
                .bind(r.password.as_deref())
                .bind(&r.app.account_id)
                .bind(&r.app.client_id)
                .bind(&r.app.sealed_secret)
                .bind(&r.app.user)
                .bind(micros(r.interval.start()))
                .bind(micros(r.interval.end()))
                .bind(micros(r.made_at))
        }

        #[async_trait]
        impl WebhookStore for $store {
            async fn create_webhook(&self, mut draft: Endpoint) -> Result<Endpoint, StoreError> {
                let mut w = self.write_conn().await?;
                let row = sqlx::query(
                    "INSERT INTO webhooks (business_id, url, secret, events, created_at_us) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(draft.business.get())
                .bind(&draft.url)
                .bind(draft.secret.expose())
                .bind(json::write_strings(&draft.events))
                .bind(micros(draft.created_at))
                .fetch_one(&mut *w)
                .await
                .map_err(unavailable)?;
                draft.id = WebhookId::new(row.try_get("id").map_err(unavailable)?);
                Ok(draft)
            }

            async fn webhooks(&self, business: BusinessId) -> Result<Vec<Endpoint>, StoreError> {
                let rows = sqlx::query("SELECT * FROM webhooks WHERE business_id = $1 ORDER BY id")
                    .bind(business.get())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                all(&rows, read::webhook)
            }

            async fn delete_webhook(&self, business: BusinessId, id: WebhookId) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
                let done = sqlx::query("DELETE FROM webhooks WHERE business_id = $1 AND id = $2")
                    .bind(business.get())
                    .bind(id.get())
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_delivery(&self, d: Delivery) -> Result<(), StoreError> {
                let mut w = self.write_conn().await?;
                sqlx::query(
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
                .execute(&mut *w)
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
                let rows = sqlx::query(
                    "SELECT * FROM webhook_deliveries WHERE business_id = $1 AND endpoint_id = $2 \
                     ORDER BY id DESC LIMIT $3",
                )
                .bind(business.get())
                .bind(endpoint.get())
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::delivery)
            }

            async fn delivered(&self, job: JobId, endpoint: WebhookId) -> Result<bool, StoreError> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM webhook_deliveries \
                     WHERE job_id = $1 AND endpoint_id = $2 AND ok",
                )
                .bind(job.get())
                .bind(endpoint.get())
                .fetch_one(&self.pool)
                .await
                .map_err(unavailable)?;
                let n: i64 = row.try_get("n").map_err(unavailable)?;
                Ok(n > 0)
            }
        }

        #[async_trait]
        impl AccessStore for $store {
            async fn create_api_key(&self, mut draft: ApiKey) -> Result<ApiKey, StoreError> {
                let mut w = self.write_conn().await?;
                let row = sqlx::query(
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
                .fetch_one(&mut *w)
                .await
                .map_err(unavailable)?;
                draft.id = ApiKeyId::new(row.try_get("id").map_err(unavailable)?);
                Ok(draft)
            }

            async fn api_key_by_digest(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, StoreError> {
                let row = sqlx::query("SELECT * FROM api_keys WHERE digest = $1")
                    .bind(digest.to_hex())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                one(row.as_ref(), read::api_key)
            }

            async fn api_keys(&self, business: BusinessId) -> Result<Vec<ApiKey>, StoreError> {
                let rows = sqlx::query("SELECT * FROM api_keys WHERE business_id = $1 ORDER BY id")
                    .bind(business.get())
                    .fetch_all(&self.pool)
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
                let mut w = self.write_conn().await?;
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at_us = $3 \
                     WHERE business_id = $1 AND id = $2 AND revoked_at_us IS NULL",
                )
                .bind(business.get())
                .bind(id.get())
                .bind(micros(at))
                .execute(&mut *w)
                .await
                .map_err(unavailable)?;
                Ok(done.rows_affected() == 1)
            }
        }

        /// Claims up to `$3` due jobs of effect `$4` at `$1` until `$2`: pending ones due, and
        /// claimed ones whose lease lapsed (a claimed job was due when it was claimed). Both
        /// states and the time bound the search of `outbox_effect_due (effect, state,
        /// run_at_us)`, so done and future jobs are never read.
        pub const OUTBOX_CLAIM: &str = concat!(
            "UPDATE outbox SET state = 'claimed', attempts = attempts + 1, lease_until_us = $2 \
             WHERE id IN (SELECT id FROM outbox \
                 WHERE effect = $4 AND state IN ('pending', 'claimed') AND run_at_us <= $1 \
                   AND (state = 'pending' OR lease_until_us <= $1) \
                 ORDER BY run_at_us, id LIMIT $3",
            $lock_skip,
            ") RETURNING *",
        );

        #[async_trait]
        impl Outbox for $store {
            async fn claim(
                &self,
                now: Timestamp,
                lease: SignedDuration,
                limit: usize,
                effect: Effect,
            ) -> Result<Vec<Job>, StoreError> {
                let until = now.saturating_add(lease).unwrap_or(Timestamp::MAX);
                let mut w = self.write().await?;
                let rows = sqlx::query(OUTBOX_CLAIM)
                .bind(micros(now))
                .bind(micros(until))
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(effect.code())
                .fetch_all(&mut *w)
                .await
                .map_err(unavailable)?;
                w.commit().await?;
                let mut jobs = all(&rows, read::job)?;
                jobs.sort_by_key(|j| (j.run_at, j.id));
                Ok(jobs)
            }

            async fn complete(&self, id: JobId, attempt: u32) -> Result<bool, StoreError> {
                let mut w = self.write_conn().await?;
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
                let mut w = self.write_conn().await?;
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
                let mut w = self.write_conn().await?;
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
        }
    };
}

/// Implements `BookingStore` for an adapter's store, around the adapter's own transaction.
///
/// Besides what [`sql_store_ports!`](crate::sql_store_ports) needs, the invoking crate's root
/// provides `tx_error` (driver error inside a transaction to `TxError`), and the store the methods
/// `snapshot()` (a read transaction seeing one snapshot) and `transaction(scope, decide)` (the
/// booking transaction, which calls this module's `view` and applies the writes with its
/// helpers: `insert_hold`, `append_history`, `change_status`, `delete_holds`).
#[macro_export]
macro_rules! sql_booking_store {
    (
        store: $store:ident,
        connection: $connection:ty,
        database: $database:ty,
        in_ids_2: $in_ids_2:literal,
        by_resource_business: $by_resource_business:literal,
        json_rows: $json_rows:literal $(,)?
    ) => {
        /// Reads and writes of bookings and holds shared with the other SQL store
        /// (`booking_store_sql::sql_booking_store!`).
        pub(crate) mod booking_ports {
            use async_trait::async_trait;
            use booking_core::booking::{Booking, BookingStatus, HistoryEntry};
            use booking_core::holds::{Hold, LockDigest};
            use booking_core::ids::{BookingId, BusinessId, CustomerId, HoldId, ResourceId, SessionId};
            use booking_core::store::{
                BookingStore, Busy, Decide, Occupancy, SessionLoad, StoreError, TxError, TxOutcome,
                TxScope, TxView,
            };
            use booking_core::time::{Interval, Timestamp};
            use booking_store_sql::write::Target;
            use booking_core::catalog::Email;
            use booking_store_sql::{json, micros, read, write};
            use sqlx::Row;

            use super::{$store, Cols, all, id_list, one, tx_error, unavailable};

            /// Membership of the list bound as `$2`.
            const IN_IDS_2: &str = $in_ids_2;

            /// The insert of a booking's 22 columns, `RETURNING id`.
            pub(crate) const INSERT_BOOKING: &str = "INSERT INTO bookings (business_id, kind, agenda_id, service_id, resource_id, \
                 slot_start_us, slot_end_us, busy_start_us, busy_end_us, session_id, seats, customer_id, \
                 first_name, last_name, email, phone, answers, status, created_at_us, rescheduled_from, \
                 created_by_role, created_by_user) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, $20, $21, $22) RETURNING id";

            /// Applies the core's writes in order. Jobs about a booking the same transaction creates
            /// are handed to the adapter's `insert_booking` with it (PostgreSQL writes them in the
            /// same statement); jobs about existing bookings are inserted as they come.
            pub(crate) async fn apply(
                conn: &mut $connection,
                business: BusinessId,
                writes: Vec<::booking_core::store::Write>,
            ) -> Result<TxOutcome, TxError> {
                use ::booking_core::outbox::{BookingRef, NewJob};
                use ::booking_core::store::Write;
                let mut created_jobs: Vec<Vec<NewJob>> = Vec::new();
                for write in &writes {
                    if let Write::Enqueue(job @ NewJob { booking: BookingRef::Created(n), .. }) = write {
                        if created_jobs.len() <= *n {
                            created_jobs.resize_with(n + 1, Vec::new);
                        }
                        created_jobs[*n].push(job.clone());
                    }
                }
                let mut outcome = TxOutcome::default();
                for write in writes {
                    match write {
                        Write::DeleteHolds(ids) if ids.is_empty() => {}
                        Write::DeleteHolds(ids) => {
                            delete_holds(conn, business, &ids).await.map_err(tx_error)?;
                        }
                        Write::InsertHold(new) => outcome.holds.push(insert_hold(conn, new).await?),
                        Write::InsertBooking(new) => {
                            let n = outcome.bookings.len();
                            let jobs = created_jobs.get(n).map_or(&[][..], Vec::as_slice);
                            outcome.bookings.push(super::insert_booking(conn, new, jobs).await?);
                        }
                        Write::ChangeStatus { booking, entry } => {
                            change_status(conn, business, booking, entry).await?;
                        }
                        Write::Enqueue(NewJob { booking: BookingRef::Created(n), .. }) => {
                            if n >= outcome.bookings.len() {
                                return Err(TxError::Conflict); // about a booking not (yet) created
                            }
                        }
                        Write::Enqueue(job @ NewJob { booking: BookingRef::Existing(id), .. }) => {
                            insert_job(conn, &job, id).await?;
                        }
                        Write::Redeem { code, booking, amount, starts_at, at } => {
                            let booking = match booking {
                                BookingRef::Existing(id) => id,
                                BookingRef::Created(n) => {
                                    outcome.bookings.get(n).ok_or(TxError::Conflict)?.id
                                }
                            };
                            sqlx::query(
                                "INSERT INTO code_uses (code_id, booking_id, amount, starts_at_us, \
                                 used_at_us) SELECT id, $3, $4, $5, $6 FROM codes \
                                 WHERE business_id = $1 AND id = $2",
                            )
                            .bind(business.get())
                            .bind(code.get())
                            .bind(booking.get())
                            .bind(amount)
                            .bind(micros(starts_at))
                            .bind(micros(at))
                            .execute(&mut *conn)
                            .await
                            .map_err(tx_error)?;
                        }
                        Write::Adjust { code, delta } => {
                            sqlx::query(
                                "UPDATE codes SET adjustment = adjustment + $3 \
                                 WHERE business_id = $1 AND id = $2",
                            )
                            .bind(business.get())
                            .bind(code.get())
                            .bind(delta)
                            .execute(&mut *conn)
                            .await
                            .map_err(tx_error)?;
                        }
                        Write::Refund { code, booking, at } => {
                            sqlx::query(
                                "UPDATE code_uses SET refunded_at_us = $4 WHERE code_id = $2 \
                                 AND booking_id = $3 AND refunded_at_us IS NULL AND code_id IN \
                                 (SELECT id FROM codes WHERE business_id = $1)",
                            )
                            .bind(business.get())
                            .bind(code.get())
                            .bind(booking.get())
                            .bind(micros(at))
                            .execute(&mut *conn)
                            .await
                            .map_err(tx_error)?;
                        }
                    }
                }
                Ok(outcome)
            }

            /// Inserts one outbox job about booking `booking`.
            pub(crate) async fn insert_job(
                conn: &mut $connection,
                job: &::booking_core::outbox::NewJob,
                booking: BookingId,
            ) -> Result<(), TxError> {
                sqlx::query(
                    "INSERT INTO outbox (business_id, effect, event, booking_id, state, \
                     run_at_us, created_at_us) VALUES ($1, $2, $3, $4, 'pending', $5, $5)",
                )
                .bind(job.business.get())
                .bind(job.effect.code())
                .bind(job.event.code())
                .bind(booking.get())
                .bind(micros(job.run_at))
                .execute(&mut *conn)
                .await
                .map_err(tx_error)?;
                Ok(())
            }

            /// Binds a booking's 22 columns as `$1`…`$22`, in [`INSERT_BOOKING`]'s order.
            pub(crate) fn bind_new_booking<'q>(
                query: ::sqlx::query::Query<'q, $database, <$database as ::sqlx::Database>::Arguments<'q>>,
                new: &'q ::booking_core::booking::NewBooking,
                t: &'q Target,
            ) -> ::sqlx::query::Query<'q, $database, <$database as ::sqlx::Database>::Arguments<'q>> {
                query
                .bind(new.business.get())
                .bind(t.kind)
                .bind(t.agenda)
                .bind(t.service)
                .bind(t.resource)
                .bind(t.slot.map(|s| s.0))
                .bind(t.slot.map(|s| s.1))
                .bind(t.busy.map(|s| s.0))
                .bind(t.busy.map(|s| s.1))
                .bind(t.session)
                .bind(t.seats)
                .bind(new.customer.map(CustomerId::get))
                .bind(&new.contact.first_name)
                .bind(&new.contact.last_name)
                .bind(new.contact.email.as_ref().map(Email::as_str))
                .bind(&new.contact.phone)
                .bind(json::pairs(&new.answers))
                .bind(new.status.code())
                .bind(micros(new.created_at))
                .bind(new.rescheduled_from.map(BookingId::get))
                .bind(new.created_by.role.code())
                .bind(new.created_by.user)
            }

        pub(crate) const OCCUPYING: &str = "('pending', 'approved', 'no_show')";

        /// The rows of occupancy (`booking`, `hold`) and, for [`busy`], of exceptions and
        /// external busy times, side by side over the same columns.
        const OCCUPANCY_ROWS: &str = "SELECT 'booking' AS source, id, resource_id, busy_start_us, \
             busy_end_us, status, CAST(NULL AS TEXT) AS lock_digest, \
             CAST(NULL AS BIGINT) AS expires_at_us, CAST(NULL AS BIGINT) AS agenda_id, \
             CAST(NULL AS BIGINT) AS service_id, CAST(NULL AS BIGINT) AS slot_start_us, \
             CAST(NULL AS BIGINT) AS slot_end_us, CAST(NULL AS BIGINT) AS created_at_us \
             FROM bookings WHERE BY_RESOURCE_BUSINESS = $1 AND kind = 'appointment' \
             AND status IN ('pending', 'approved', 'no_show') AND resource_id IN_IDS \
             AND busy_end_us > $3 AND busy_start_us < $4 \
             UNION ALL \
             SELECT 'hold', id, resource_id, busy_start_us, busy_end_us, 'approved', lock_digest, \
             expires_at_us, agenda_id, service_id, slot_start_us, slot_end_us, created_at_us \
             FROM holds WHERE BY_RESOURCE_BUSINESS = $1 AND kind = 'slot' AND resource_id IN_IDS \
             AND busy_end_us > $3 AND busy_start_us < $4";

        const STATIC_ROWS: &str = " UNION ALL \
             SELECT 'exception', id, resource_id, start_us, end_us, '', NULL, NULL, NULL, NULL, \
             NULL, NULL, NULL FROM exceptions WHERE BY_RESOURCE_BUSINESS = $1 AND resource_id IN_IDS \
             AND start_us < $4 AND end_us > $3 \
             UNION ALL \
             SELECT 'external', id, resource_id, start_us, end_us, '', NULL, NULL, NULL, NULL, \
             NULL, NULL, NULL FROM external_busy WHERE $5 AND BY_RESOURCE_BUSINESS = $1 \
             AND resource_id IN_IDS AND start_us < $4 AND end_us > $3";

        /// The aggregate of some rows as one JSON text: one row crosses the driver, because a
        /// driver that hands rows over one by one (sqlx's SQLite worker thread) spent most of an
        /// availability request on the hand-over. Built once per statement.
        fn aggregated(cache: &'static std::sync::OnceLock<String>, rows: &[&str]) -> &'static str {
            cache.get_or_init(|| {
                let rows = rows
                    .concat()
                    .replace("IN_IDS", IN_IDS_2)
                    .replace("BY_RESOURCE_BUSINESS", $by_resource_business);
                format!("SELECT {} AS occupancy FROM ({rows}) o", $json_rows)
            })
        }

        async fn aggregate_query(
            conn: &mut $connection,
            sql: &str,
            business: BusinessId,
            resources: &[ResourceId],
            window: Interval,
            external: Option<bool>,
        ) -> Result<booking_store_sql::json::Aggregate, StoreError> {
            let mut query = sqlx::query(sql)
                .bind(business.get())
                .bind(id_list(resources.iter().map(|r| r.get())))
                .bind(micros(window.start()))
                .bind(micros(window.end()));
            if let Some(external) = external {
                query = query.bind(external);
            }
            let row = query.fetch_one(&mut *conn).await.map_err(unavailable)?;
            let text: Option<String> = row.try_get("occupancy").map_err(unavailable)?;
            booking_store_sql::json::read_aggregate(business, text.as_deref().unwrap_or("[]"))
        }

        /// Occupying appointments and slot holds on some resources overlapping a window, in one
        /// query returning one row. This runs inside every booking transaction.
        pub(crate) async fn occupancy(
            conn: &mut $connection,
            business: BusinessId,
            resources: &[ResourceId],
            window: Interval,
        ) -> Result<Occupancy, StoreError> {
            static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let sql = aggregated(&SQL, &[OCCUPANCY_ROWS]);
            Ok(aggregate_query(conn, sql, business, resources, window, None).await?.occupancy)
        }

        /// The bookings overlapping a window (`$2`..`$3`) of business `$1`: the appointments
        /// by their start, at most a service's longest span before the window (`$4`), and the
        /// seats of the sessions overlapping it. Each branch reads what the window holds, never
        /// the business's whole history (no `OR` across the two kinds keeps the indexes usable).
        pub const BOOKINGS_IN: &str = "SELECT b.* FROM bookings b WHERE b.business_id = $1 \
             AND b.slot_start_us > $4 AND b.slot_start_us < $3 AND b.slot_end_us > $2 \
             UNION ALL SELECT b.* FROM sessions s JOIN bookings b ON b.session_id = s.id \
             WHERE s.business_id = $1 AND s.end_us > $2 AND s.start_us < $3 ORDER BY id";

        /// The text of the busy-times query (occupancy, exceptions, external busy times) and of
        /// the occupancy query of the booking transaction, for plan tests.
        #[doc(hidden)]
        pub fn hot_queries() -> [&'static str; 2] {
            static BUSY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            static OCCUPANCY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            [
                aggregated(&BUSY, &[OCCUPANCY_ROWS, STATIC_ROWS]),
                aggregated(&OCCUPANCY, &[OCCUPANCY_ROWS]),
            ]
        }

        /// Occupancy, exceptions and (with `external`) external busy times in one query.
        pub(crate) async fn busy(
            conn: &mut $connection,
            business: BusinessId,
            resources: &[ResourceId],
            window: Interval,
            external: bool,
        ) -> Result<Busy, StoreError> {
            static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let sql = aggregated(&SQL, &[OCCUPANCY_ROWS, STATIC_ROWS]);
            let found = aggregate_query(conn, sql, business, resources, window, Some(external)).await?;
            Ok(Busy { occupancy: found.occupancy, exceptions: found.exceptions, external: found.external })
        }

        pub(crate) async fn session_loads(
            conn: &mut $connection,
            business: BusinessId,
            sessions: &[SessionId],
        ) -> Result<Vec<SessionLoad>, StoreError> {
            let rows = sqlx::query(&format!(
                "SELECT * FROM sessions WHERE business_id = $1 \
                 AND id {IN_IDS_2} ORDER BY id"
            ))
            .bind(business.get())
            .bind(id_list(sessions.iter().map(|s| s.get())))
            .fetch_all(&mut *conn)
            .await
            .map_err(unavailable)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let session = read::session(&Cols(row))?;
                let booked: i64 = row.try_get("booked_seats").map_err(unavailable)?;
                let holds = sqlx::query("SELECT * FROM holds WHERE session_id = $1 ORDER BY id")
                    .bind(session.id.get())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(unavailable)?;
                out.push(SessionLoad {
                    session,
                    booked_seats: booking_store_sql::count(booked, "booked seats")?,
                    holds: all(&holds, read::hold)?,
                });
            }
            Ok(out)
        }

        pub(crate) async fn view(conn: &mut $connection, scope: &TxScope) -> Result<TxView, StoreError> {
            let b = scope.business;
            let occupancy = match scope.window {
                Some(window) => occupancy(conn, b, &scope.resources, window).await?,
                None => Occupancy::default(),
            };
            let lock_holds = match &scope.lock {
                Some(lock) => {
                    let rows = sqlx::query(
                        "SELECT * FROM holds WHERE business_id = $1 AND lock_digest = $2 ORDER BY id",
                    )
                    .bind(b.get())
                    .bind(lock.to_hex())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(unavailable)?;
                    all(&rows, read::hold)?
                }
                None => Vec::new(),
            };
            let bookings = if scope.bookings.is_empty() {
                Vec::new()
            } else {
                let rows = sqlx::query(&format!(
                    "SELECT * FROM bookings WHERE business_id = $1 \
                     AND id {IN_IDS_2} ORDER BY id"
                ))
                .bind(b.get())
                .bind(id_list(scope.bookings.iter().map(|x| x.get())))
                .fetch_all(&mut *conn)
                .await
                .map_err(unavailable)?;
                all(&rows, read::booking)?
            };
            let sessions = if scope.sessions.is_empty() {
                Vec::new()
            } else {
                session_loads(conn, b, &scope.sessions).await?
            };
            let mut codes = Vec::with_capacity(scope.codes.len());
            for id in &scope.codes {
                let row = sqlx::query("SELECT * FROM codes WHERE business_id = $1 AND id = $2")
                    .bind(b.get())
                    .bind(id.get())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(unavailable)?;
                let Some(row) = row else { continue };
                let uses = sqlx::query("SELECT * FROM code_uses WHERE code_id = $1 ORDER BY id")
                    .bind(id.get())
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(unavailable)?;
                codes.push(read::code(&Cols(&row), all(&uses, read::code_use)?)?);
            }
            Ok(TxView { occupancy, lock_holds, bookings, sessions, codes })
        }

        pub(crate) async fn insert_hold(
            conn: &mut $connection,
            new: booking_core::holds::NewHold,
        ) -> Result<Hold, TxError> {
            let t = Target::of_hold(&new.target);
            let row = sqlx::query(
                "INSERT INTO holds (business_id, lock_digest, kind, agenda_id, service_id, resource_id, \
                 slot_start_us, slot_end_us, busy_start_us, busy_end_us, session_id, seats, \
                 created_at_us, expires_at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(new.business.get())
            .bind(new.lock.to_hex())
            .bind(t.kind)
            .bind(t.agenda)
            .bind(t.service)
            .bind(t.resource)
            .bind(t.slot.map(|s| s.0))
            .bind(t.slot.map(|s| s.1))
            .bind(t.busy.map(|s| s.0))
            .bind(t.busy.map(|s| s.1))
            .bind(t.session)
            .bind(t.seats)
            .bind(micros(new.created_at))
            .bind(micros(new.expires_at))
            .fetch_one(&mut *conn)
            .await
            .map_err(tx_error)?;
            let id: i64 = row.try_get("id").map_err(tx_error)?;
            Ok(write::hold(HoldId::new(id), new))
        }

        pub(crate) async fn append_history(
            conn: &mut $connection,
            booking: i64,
            entry: &HistoryEntry,
        ) -> Result<(), TxError> {
            sqlx::query(
                "INSERT INTO booking_history (booking_id, at_us, actor_role, actor_user, from_status, \
                 to_status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(booking)
            .bind(micros(entry.at))
            .bind(entry.actor.role.code())
            .bind(entry.actor.user)
            .bind(entry.from.map(BookingStatus::code))
            .bind(entry.to.code())
            .bind(&entry.reason)
            .execute(&mut *conn)
            .await
            .map_err(tx_error)?;
            Ok(())
        }

        /// Changes a booking's status; the database's triggers free or take its occupancy and seats.
        pub(crate) async fn change_status(
            conn: &mut $connection,
            business: BusinessId,
            booking: BookingId,
            entry: HistoryEntry,
        ) -> Result<(), TxError> {
            let done = sqlx::query("UPDATE bookings SET status = $3 WHERE business_id = $1 AND id = $2")
                .bind(business.get())
                .bind(booking.get())
                .bind(entry.to.code())
                .execute(&mut *conn)
                .await
                .map_err(tx_error)?;
            if done.rows_affected() != 1 {
                return Err(TxError::Conflict);
            }
            append_history(conn, booking.get(), &entry).await
        }

        pub(crate) async fn delete_holds(
            conn: &mut $connection,
            business: BusinessId,
            ids: &[HoldId],
        ) -> Result<u64, sqlx::Error> {
            let list = id_list(ids.iter().map(|h| h.get()));
            let done = sqlx::query(&format!(
                "DELETE FROM holds WHERE business_id = $1 AND id {IN_IDS_2}"
            ))
            .bind(business.get())
            .bind(&list)
            .execute(&mut *conn)
            .await?;
            Ok(done.rows_affected())
        }

        #[async_trait]
        impl BookingStore for $store {
            async fn occupancy(
                &self,
                business: BusinessId,
                resources: &[ResourceId],
                window: Interval,
            ) -> Result<Occupancy, StoreError> {
                // One statement sees one snapshot: no transaction needed (it cost two more round
                // trips per availability query).
                let mut conn = self.pool.acquire().await.map_err(unavailable)?;
                occupancy(&mut conn, business, resources, window).await
            }

            async fn busy(
                &self,
                business: BusinessId,
                resources: &[ResourceId],
                window: Interval,
                external: bool,
            ) -> Result<Busy, StoreError> {
                let mut conn = self.pool.acquire().await.map_err(unavailable)?;
                busy(&mut conn, business, resources, window, external).await
            }

            async fn session_loads(
                &self,
                business: BusinessId,
                sessions: &[SessionId],
            ) -> Result<Vec<SessionLoad>, StoreError> {
                let mut tx = self.snapshot().await?;
                session_loads(&mut tx, business, sessions).await
            }

            async fn transact(
                &self,
                scope: &TxScope,
                decide: &mut Decide<'_>,
            ) -> Result<TxOutcome, TxError> {
                self.transaction(scope, decide).await
            }

            async fn booking(
                &self,
                business: BusinessId,
                id: BookingId,
            ) -> Result<Option<Booking>, StoreError> {
                let row = sqlx::query("SELECT * FROM bookings WHERE business_id = $1 AND id = $2")
                    .bind(business.get())
                    .bind(id.get())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                one(row.as_ref(), read::booking)
            }

            async fn bookings_in(
                &self,
                business: BusinessId,
                window: Interval,
            ) -> Result<Vec<Booking>, StoreError> {
                let rows = sqlx::query(BOOKINGS_IN)
                .bind(business.get())
                .bind(micros(window.start()))
                .bind(micros(window.end()))
                .bind(micros(window.start()) - booking_core::setup::MAX_SERVICE_SPAN.as_secs() * 1_000_000)
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::booking)
            }

            async fn customer_bookings(
                &self,
                business: BusinessId,
                customer: CustomerId,
            ) -> Result<Vec<Booking>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM bookings WHERE business_id = $1 AND customer_id = $2 ORDER BY id",
                )
                .bind(business.get())
                .bind(customer.get())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::booking)
            }

            async fn history(
                &self,
                business: BusinessId,
                id: BookingId,
            ) -> Result<Vec<HistoryEntry>, StoreError> {
                let rows = sqlx::query(
                    "SELECT h.* FROM booking_history h JOIN bookings b ON b.id = h.booking_id \
                     WHERE b.business_id = $1 AND b.id = $2 ORDER BY h.id",
                )
                .bind(business.get())
                .bind(id.get())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::history_entry)
            }

            async fn holds_of(
                &self,
                business: BusinessId,
                lock: &LockDigest,
            ) -> Result<Vec<Hold>, StoreError> {
                let rows = sqlx::query(
                    "SELECT * FROM holds WHERE business_id = $1 AND lock_digest = $2 ORDER BY id",
                )
                .bind(business.get())
                .bind(lock.to_hex())
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
                all(&rows, read::hold)
            }

            async fn release(&self, business: BusinessId, lock: &LockDigest) -> Result<usize, StoreError> {
                let mut w = self.write().await?;
                let ids: Vec<HoldId> =
                    sqlx::query("SELECT id FROM holds WHERE business_id = $1 AND lock_digest = $2")
                        .bind(business.get())
                        .bind(lock.to_hex())
                        .fetch_all(&mut *w)
                        .await
                        .map_err(unavailable)?
                        .iter()
                        .filter_map(|r| r.try_get("id").ok().map(HoldId::new))
                        .collect();
                let count = delete_holds(&mut w, business, &ids).await.map_err(unavailable)?;
                w.commit().await?;
                Ok(usize::try_from(count).unwrap_or(usize::MAX))
            }

            async fn purge_expired_holds(&self, now: Timestamp) -> Result<usize, StoreError> {
                let mut w = self.write().await?;
                let done = sqlx::query("DELETE FROM holds WHERE expires_at_us <= $1")
                    .bind(micros(now))
                    .execute(&mut *w)
                    .await
                    .map_err(unavailable)?;
                w.commit().await?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }
        }
        }
    };
}

/// Defines, in the invoking crate, `Cols` (its row type read through [`Cells`](crate::Cells))
/// and the readers `all` and `one` that the shared ports use.
#[macro_export]
macro_rules! sql_row_readers {
    ($row:ty) => {
        /// A row read through `booking_store_sql::Cells`.
        struct Cols<'r>(&'r $row);

        impl booking_store_sql::Cells for Cols<'_> {
            fn int(&self, column: &str) -> Result<i64, booking_core::store::StoreError> {
                self.get(column)
            }

            fn opt_int(
                &self,
                column: &str,
            ) -> Result<Option<i64>, booking_core::store::StoreError> {
                self.get(column)
            }

            fn text(&self, column: &str) -> Result<String, booking_core::store::StoreError> {
                self.get(column)
            }

            fn opt_text(
                &self,
                column: &str,
            ) -> Result<Option<String>, booking_core::store::StoreError> {
                self.get(column)
            }

            fn flag(&self, column: &str) -> Result<bool, booking_core::store::StoreError> {
                self.get(column)
            }
        }

        impl<'r> Cols<'r> {
            fn get<T>(&self, column: &str) -> Result<T, booking_core::store::StoreError>
            where
                T: sqlx::Decode<'r, <$row as sqlx::Row>::Database>
                    + sqlx::Type<<$row as sqlx::Row>::Database>,
            {
                sqlx::Row::try_get(self.0, column)
                    .map_err(|e| booking_core::store::StoreError::Corrupt(e.to_string()))
            }
        }

        /// Reads every row with `read`.
        fn all<'r, T>(
            rows: &'r [$row],
            read: impl Fn(&Cols<'r>) -> Result<T, booking_core::store::StoreError>,
        ) -> Result<Vec<T>, booking_core::store::StoreError> {
            rows.iter().map(|r| read(&Cols(r))).collect()
        }

        /// Reads an optional row with `read`.
        fn one<'r, T>(
            row: Option<&'r $row>,
            read: impl Fn(&Cols<'r>) -> Result<T, booking_core::store::StoreError>,
        ) -> Result<Option<T>, booking_core::store::StoreError> {
            row.map(|r| read(&Cols(r))).transpose()
        }
    };
}
