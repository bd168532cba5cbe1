//! The account port (`AccountStore`): customers' sign-in accounts and their one-time tokens.

use async_trait::async_trait;
use booking_core::accounts::{AuthToken, TokenDigest, TokenOwner, TokenPurpose};
use booking_core::catalog::{Customer, Email};
use booking_core::ids::{AccountId, ApiKeyId, BookingId, BusinessId, CustomerId};
use booking_core::ports::accounts::AccountStore;
use booking_core::ports::passwords::PasswordHash;
use booking_core::ports::store::StoreError;
use booking_core::time::Timestamp;

use crate::exec::{Database, SqlStore, Transaction, one, query, unavailable};
use crate::{Cells, micros, read};

#[async_trait]
impl<D: Database> AccountStore for SqlStore<D> {
    async fn password_hash(&self, account: AccountId) -> Result<Option<PasswordHash>, StoreError> {
        let row = query("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(account.get())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        let hash: Option<String> = match row {
            Some(r) => r.opt_text("password_hash")?,
            None => None,
        };
        Ok(hash.map(PasswordHash))
    }

    async fn set_password_hash(
        &self,
        account: AccountId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
            .bind(account.get())
            .bind(&hash.0)
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn insert_token(&self, token: &AuthToken) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
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
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError> {
        let row = query("SELECT * FROM auth_tokens WHERE digest = $1 AND expires_at_us > $2")
            .bind(digest.to_hex())
            .bind(micros(now))
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::auth_token)
    }

    async fn take_token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError> {
        let mut w = self.db.single().await?;
        let row = query("DELETE FROM auth_tokens WHERE digest = $1 RETURNING *")
            .bind(digest.to_hex())
            .fetch_optional(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(one(row.as_ref(), read::auth_token)?.filter(|t| t.expires_at > now))
    }

    async fn revoke_tokens(
        &self,
        owner: TokenOwner,
        purpose: Option<TokenPurpose>,
    ) -> Result<usize, StoreError> {
        let mut w = self.db.single().await?;
        let code = purpose.map(TokenPurpose::code);
        let done = match owner {
            TokenOwner::Account(account) => query(
                "DELETE FROM auth_tokens WHERE ($2 IS NULL OR purpose = $2) AND (account_id = $1 \
                 OR customer_id IN (SELECT id FROM customers WHERE account_id = $1))",
            )
            .bind(account.get())
            .bind(code),
            TokenOwner::Customer(business, customer) => query(
                "DELETE FROM auth_tokens WHERE business_id = $1 AND customer_id = $2 \
                 AND ($3 IS NULL OR purpose = $3)",
            )
            .bind(business.get())
            .bind(customer.get())
            .bind(code),
        }
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    async fn purge_expired_tokens(&self, now: Timestamp) -> Result<usize, StoreError> {
        let mut w = self.db.single().await?;
        let done = query("DELETE FROM auth_tokens WHERE expires_at_us <= $1")
            .bind(micros(now))
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    async fn customer_of_account(
        &self,
        business: BusinessId,
        account: AccountId,
    ) -> Result<Option<Customer>, StoreError> {
        let row = query(
            "SELECT * FROM customers WHERE business_id = $1 AND account_id = $2 \
             AND anonymised_at_us IS NULL ORDER BY id LIMIT 1",
        )
        .bind(business.get())
        .bind(account.get())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        one(row.as_ref(), read::customer)
    }

    async fn attach_guests(
        &self,
        account: AccountId,
        email: &Email,
        business: Option<BusinessId>,
    ) -> Result<usize, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE customers SET account_id = $1 WHERE lower(email) = $2 AND account_id IS NULL \
             AND anonymised_at_us IS NULL AND ($3 IS NULL OR business_id = $3)",
        )
        .bind(account.get())
        .bind(email.as_str().to_lowercase())
        .bind(business.map(BusinessId::get))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }

    async fn delete_account(&self, account: AccountId) -> Result<bool, StoreError> {
        let mut w = self.db.write().await?;
        query(
            "DELETE FROM auth_tokens WHERE account_id = $1 \
             OR customer_id IN (SELECT id FROM customers WHERE account_id = $1)",
        )
        .bind(account.get())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        query("UPDATE customers SET account_id = NULL WHERE account_id = $1")
            .bind(account.get())
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        let done = query("DELETE FROM accounts WHERE id = $1")
            .bind(account.get())
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        w.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn guest_by_email(
        &self,
        business: BusinessId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError> {
        let row = query(
            "SELECT * FROM customers WHERE business_id = $1 AND lower(email) = $2 AND account_id IS NULL \
             AND anonymised_at_us IS NULL ORDER BY id LIMIT 1",
        )
        .bind(business.get())
        .bind(email.as_str().to_lowercase())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        one(row.as_ref(), read::customer)
    }
}
