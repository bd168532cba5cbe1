//! `CustomerStore` (customers, accounts, anonymisation), `AuditLog` and `IdempotencyStore`.

use async_trait::async_trait;
use booking_core::anonymise::anonymise_customer;
use booking_core::catalog::{Account, Customer, Email};
use booking_core::ids::{AccountId, BusinessId, CustomerId};
use booking_core::store::{
    AuditEntry, AuditLog, CustomerStore, IdempotencyStore, IdempotentAnswer, StoreError,
};
use booking_core::time::Timestamp;
use booking_store_sql::{json, micros, read};
use sqlx::{Row, SqliteConnection};

use crate::{Cols, SqliteStore, all, one, unavailable};

async fn append_audit(conn: &mut SqliteConnection, e: &AuditEntry) -> Result<(), StoreError> {
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

async fn save_customer(conn: &mut SqliteConnection, c: &Customer) -> Result<(), StoreError> {
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
impl CustomerStore for SqliteStore {
    async fn create_customer(&self, mut draft: Customer) -> Result<Customer, StoreError> {
        let mut w = self.writer.exclusive().await?;
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
        let mut w = self.writer.exclusive().await?;
        save_customer(&mut w, customer).await
    }

    async fn create_account(&self, email: Email) -> Result<Account, StoreError> {
        let mut w = self.writer.exclusive().await?;
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
        let mut w = self.writer.exclusive().await?;
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
        let row = sqlx::query("SELECT * FROM customers WHERE business_id = $1 AND id = $2")
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
        append_audit(&mut w, &audit).await?;
        w.commit().await?;
        Ok(Some(erased))
    }
}

#[async_trait]
impl AuditLog for SqliteStore {
    async fn append(&self, entry: AuditEntry) -> Result<(), StoreError> {
        let mut w = self.writer.exclusive().await?;
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
impl IdempotencyStore for SqliteStore {
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

    async fn forget_answers_before(&self, before: Timestamp) -> Result<usize, StoreError> {
        let mut w = self.writer.exclusive().await?;
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at_us < $1")
            .bind(micros(before))
            .execute(&mut *w)
            .await
            .map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}
