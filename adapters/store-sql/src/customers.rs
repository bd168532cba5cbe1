//! The customer port (`CustomerStore`): customers, their accounts' links and their anonymisation.

use async_trait::async_trait;
use booking_core::anonymise::anonymise_customer;
use booking_core::catalog::{Account, Customer, Email};
use booking_core::ids::{AccountId, BookingId, BusinessId, CustomerId};
use booking_core::ports::store::{AuditEntry, CustomerStore, StoreError};
use booking_core::time::Timestamp;

use crate::bookings::enqueue;
use crate::exec::{Database, Executor, SqlStore, Transaction, all, one, query, unavailable};
use crate::{Cells, json, micros, read};

pub(crate) async fn append_audit(
    conn: &mut impl Executor,
    e: &AuditEntry,
) -> Result<(), StoreError> {
    query(
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

async fn save_customer(conn: &mut impl Executor, c: &Customer) -> Result<(), StoreError> {
    query(
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
impl<D: Database> CustomerStore for SqlStore<D> {
    async fn create_customer(&self, mut draft: Customer) -> Result<Customer, StoreError> {
        let mut w = self.db.single().await?;
        let row = query(
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
        .fetch_one(&mut w)
        .await
        .map_err(unavailable)?;
        draft.id = CustomerId::new(row.int("id")?);
        Ok(draft)
    }

    async fn customer(
        &self,
        business: BusinessId,
        id: CustomerId,
    ) -> Result<Option<Customer>, StoreError> {
        let row = query("SELECT * FROM customers WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::customer)
    }

    async fn update_customer(&self, customer: &Customer) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        save_customer(&mut w, customer).await
    }

    async fn create_account(&self, email: Email) -> Result<Account, StoreError> {
        let mut w = self.db.single().await?;
        let row = query("INSERT INTO accounts (email) VALUES ($1) RETURNING id")
            .bind(email.as_str())
            .fetch_one(&mut w)
            .await
            .map_err(unavailable)?;
        let id = AccountId::new(row.int("id")?);
        Ok(Account { id, email, verified_at: None })
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        let row = query("SELECT * FROM accounts WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::account)
    }

    async fn account_by_email(&self, email: &Email) -> Result<Option<Account>, StoreError> {
        let row = query("SELECT * FROM accounts WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::account)
    }

    async fn verify_account(&self, id: AccountId, at: Timestamp) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE accounts SET verified_at_us = COALESCE(verified_at_us, $2) WHERE id = $1",
        )
        .bind(id.get())
        .bind(micros(at))
        .execute(&mut w)
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
        let mut w = self.db.write().await?;
        let sql = self.db.dialect().statement(
            |b| &b.customer_locked,
            |d| format!("SELECT * FROM customers WHERE business_id = $1 AND id = $2{}", d.lock_row),
        );
        let row = query(sql)
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&mut w)
            .await
            .map_err(unavailable)?;
        let Some(customer) = one(row.as_ref(), read::customer)? else {
            return Ok(None);
        };
        let erased = anonymise_customer(&customer, at);
        save_customer(&mut w, &erased).await?;
        query(
            "UPDATE bookings SET first_name = '', last_name = '', email = NULL, phone = NULL, \
             answers = '[]' WHERE business_id = $1 AND customer_id = $2",
        )
        .bind(business.get())
        .bind(id.get())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        query(
            "UPDATE booking_history SET reason = NULL WHERE reason IS NOT NULL AND booking_id IN \
             (SELECT id FROM bookings WHERE business_id = $1 AND customer_id = $2)",
        )
        .bind(business.get())
        .bind(id.get())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        // Sessions, magic links and cancel links die with the identity they opened.
        query(
            "DELETE FROM auth_tokens WHERE business_id = $1 AND (customer_id = $2 OR booking_id IN \
             (SELECT id FROM bookings WHERE business_id = $1 AND customer_id = $2))",
        )
        .bind(business.get())
        .bind(id.get())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        // §H: the employee's calendar may show the name; the core decides the jobs that
        // rewrite the events.
        let rows = query(
            "SELECT b.id FROM bookings b WHERE b.business_id = $1 AND b.customer_id = $2 \
             AND EXISTS (SELECT 1 FROM calendar_events e WHERE e.business_id = b.business_id \
             AND (e.event_key = 'booking-' || b.id OR e.event_key = 'session-' || b.session_id)) \
             ORDER BY b.id",
        )
        .bind(business.get())
        .bind(id.get())
        .fetch_all(&mut w)
        .await
        .map_err(unavailable)?;
        let in_calendars = all(&rows, |row| Ok(BookingId::new(row.int("id")?)))?;
        let jobs = booking_core::anonymise::jobs_after_erasure(business, &in_calendars, at);
        enqueue(&mut w, &jobs).await.map_err(unavailable)?;
        append_audit(&mut w, &audit).await?;
        w.commit().await?;
        Ok(Some(erased))
    }
}
