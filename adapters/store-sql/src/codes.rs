//! The code port (`CodeStore`): packages, gift certificates and their uses.

use async_trait::async_trait;
use booking_core::ids::{BookingId, BusinessId, CustomerId};
use booking_core::ports::store::StoreError;

use crate::exec::{Database, Executor, SqlStore, all, one, query, unavailable};
use crate::{Cells, micros, read};

/// The codes of `rows`, each with its uses (a query per code: staff and panel lists are short).
async fn codes_with_uses(
    conn: &mut impl Executor,
    rows: &[impl Cells],
) -> Result<Vec<booking_core::codes::StoredCode>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.int("id")?;
        let uses = query("SELECT * FROM code_uses WHERE code_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(conn)
            .await
            .map_err(unavailable)?;
        let uses = all(&uses, read::code_use)?;
        out.push(read::code(row, uses)?);
    }
    Ok(out)
}

#[async_trait]
impl<D: Database> booking_core::ports::codes::CodeStore for SqlStore<D> {
    async fn issue_code(
        &self,
        new: &booking_core::codes::NewCode,
    ) -> Result<booking_core::codes::StoredCode, StoreError> {
        let (kind, amount, period, services) = read::code_value(&new.value);
        let mut w = self.db.single().await?;
        let row = query(
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
        .bind(new.customer.map(booking_core::ids::CustomerId::get))
        .bind(&new.note)
        .bind(micros(new.issued_at))
        .bind(new.expires_at.map(micros))
        .fetch_one(&mut w)
        .await
        .map_err(unavailable)?;
        read::code(&row, Vec::new())
    }

    async fn code(
        &self,
        business: BusinessId,
        id: booking_core::ids::CodeId,
    ) -> Result<Option<booking_core::codes::StoredCode>, StoreError> {
        let rows = query("SELECT * FROM codes WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        Ok(codes_with_uses(&mut self.db.read().await?, &rows).await?.pop())
    }

    async fn code_by_digest(
        &self,
        business: BusinessId,
        digest: &booking_core::codes::CodeDigest,
    ) -> Result<Option<booking_core::codes::StoredCode>, StoreError> {
        let rows = query("SELECT * FROM codes WHERE business_id = $1 AND digest = $2")
            .bind(business.get())
            .bind(digest.to_hex())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        Ok(codes_with_uses(&mut self.db.read().await?, &rows).await?.pop())
    }

    async fn codes_by_tail(
        &self,
        business: BusinessId,
        tail: &str,
    ) -> Result<Vec<booking_core::codes::StoredCode>, StoreError> {
        let rows = query("SELECT * FROM codes WHERE business_id = $1 AND tail = $2 ORDER BY id")
            .bind(business.get())
            .bind(tail.to_ascii_uppercase())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        codes_with_uses(&mut self.db.read().await?, &rows).await
    }

    async fn customer_codes(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<booking_core::codes::StoredCode>, StoreError> {
        let rows = query(
            "SELECT * FROM codes WHERE business_id = $1 AND customer_id = $2 ORDER BY id DESC",
        )
        .bind(business.get())
        .bind(customer.get())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        codes_with_uses(&mut self.db.read().await?, &rows).await
    }

    async fn code_used_by(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<Option<booking_core::ids::CodeId>, StoreError> {
        let row = query(
            "SELECT u.code_id FROM code_uses u JOIN codes c ON c.id = u.code_id \
             WHERE c.business_id = $1 AND u.booking_id = $2 AND u.refunded_at_us IS NULL \
             ORDER BY u.id LIMIT 1",
        )
        .bind(business.get())
        .bind(booking.get())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        one(row.as_ref(), |c| Ok(booking_core::ids::CodeId::new(crate::Cells::int(c, "code_id")?)))
    }

    async fn revoke_code(
        &self,
        business: BusinessId,
        id: booking_core::ids::CodeId,
        at: jiff::Timestamp,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "UPDATE codes SET revoked_at_us = COALESCE(revoked_at_us, $3) \
             WHERE business_id = $1 AND id = $2",
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
