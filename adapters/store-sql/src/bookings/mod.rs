//! The booking port (`BookingStore`): occupancy and busy-time reads, the reads and writes of the booking transaction, bookings and holds.

mod busy;
mod tx;

pub use busy::hot_queries;
use busy::{busy, occupancy, session_loads};
use tx::delete_holds;
pub(crate) use tx::enqueue;
pub use tx::{apply, view};

use async_trait::async_trait;
use booking_core::booking::{Booking, HistoryEntry};
use booking_core::holds::{Hold, LockDigest};
use booking_core::ids::{BookingId, BusinessId, CustomerId, HoldId, ResourceId, SessionId};
use booking_core::ports::store::{
    BookingStore, Busy, Decide, Occupancy, SessionLoad, StoreError, TxError, TxOutcome, TxScope,
};
use booking_core::time::{Interval, Timestamp};

use crate::exec::{Database, SqlStore, Transaction, all, one, query, unavailable};
use crate::{Cells, micros, read};

/// The bookings overlapping a window (`$2`..`$3`) of business `$1`: the appointments
/// by their start, at most a service's longest span before the window (`$4`), and the
/// seats of the sessions overlapping it. Each branch reads what the window holds, never
/// the business's whole history (no `OR` across the two kinds keeps the indexes usable).
/// `b.kind = 'session'` says what the join implies: without it, PostgreSQL estimated the join
/// of a business without sessions at the whole table, and planned (and compiled) for that.
pub const BOOKINGS_IN: &str = "SELECT b.* FROM bookings b WHERE b.business_id = $1 \
     AND b.slot_start_us > $4 AND b.slot_start_us < $3 AND b.slot_end_us > $2 \
     UNION ALL SELECT b.* FROM sessions s JOIN bookings b ON b.session_id = s.id \
     WHERE s.business_id = $1 AND s.end_us > $2 AND s.start_us < $3 AND b.kind = 'session' \
     ORDER BY id";

#[async_trait]
impl<D: Database> BookingStore for SqlStore<D> {
    async fn occupancy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Occupancy, StoreError> {
        // One statement sees one snapshot: no transaction needed (it cost two more round
        // trips per availability query).
        let mut conn = self.db.read().await?;
        occupancy(&mut conn, business, resources, window).await
    }

    async fn busy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
        external: bool,
    ) -> Result<Busy, StoreError> {
        let mut conn = self.db.read().await?;
        busy(&mut conn, business, resources, window, external).await
    }

    async fn session_loads(
        &self,
        business: BusinessId,
        sessions: &[SessionId],
    ) -> Result<Vec<SessionLoad>, StoreError> {
        let mut tx = self.db.snapshot().await?;
        session_loads(&mut tx, business, sessions).await
    }

    async fn transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        self.db.transact(scope, decide).await
    }

    async fn booking(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Option<Booking>, StoreError> {
        let row = query("SELECT * FROM bookings WHERE business_id = $1 AND id = $2")
            .bind(business.get())
            .bind(id.get())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        one(row.as_ref(), read::booking)
    }

    async fn successor(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Option<BookingId>, StoreError> {
        // `bookings_successor` (migration 0016): one index probe, whatever the history.
        let row = query(
            "SELECT id FROM bookings WHERE rescheduled_from = $1 AND business_id = $2 \
             ORDER BY id LIMIT 1",
        )
        .bind(id.get())
        .bind(business.get())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        row.map(|r| r.int("id").map(BookingId::new)).transpose()
    }

    async fn bookings_in(
        &self,
        business: BusinessId,
        window: Interval,
    ) -> Result<Vec<Booking>, StoreError> {
        let rows = query(BOOKINGS_IN)
            .bind(business.get())
            .bind(micros(window.start()))
            .bind(micros(window.end()))
            .bind(
                micros(window.start())
                    - booking_core::setup::MAX_SERVICE_SPAN.as_secs() * 1_000_000,
            )
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::booking)
    }

    async fn customer_bookings(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<Booking>, StoreError> {
        let rows =
            query("SELECT * FROM bookings WHERE business_id = $1 AND customer_id = $2 ORDER BY id")
                .bind(business.get())
                .bind(customer.get())
                .fetch_all(&mut self.db.read().await?)
                .await
                .map_err(unavailable)?;
        all(&rows, read::booking)
    }

    async fn customer_timeline(
        &self,
        business: BusinessId,
        customer: CustomerId,
        now: jiff::Timestamp,
        skip: usize,
        take: usize,
    ) -> Result<booking_core::ports::store::Timeline, StoreError> {
        // Through the customer's index: the customer's own bookings, whatever the history.
        const MINE: &str = "SELECT b.* FROM bookings b LEFT JOIN sessions s ON s.id = b.session_id \
             WHERE b.business_id = $1 AND b.customer_id = $2";
        let mut conn = self.db.read().await?;
        let upcoming = query(&format!(
            "{MINE} AND COALESCE(b.slot_end_us, s.end_us) > $3 \
             ORDER BY COALESCE(b.slot_start_us, s.start_us), b.id"
        ))
        .bind(business.get())
        .bind(customer.get())
        .bind(micros(now))
        .fetch_all(&mut conn)
        .await
        .map_err(unavailable)?;
        let past = query(&format!(
            "{MINE} AND COALESCE(b.slot_end_us, s.end_us) <= $3 \
             ORDER BY COALESCE(b.slot_start_us, s.start_us) DESC, b.id DESC LIMIT $4 OFFSET $5"
        ))
        .bind(business.get())
        .bind(customer.get())
        .bind(micros(now))
        .bind(i64::try_from(take.saturating_add(1)).unwrap_or(i64::MAX))
        .bind(i64::try_from(skip).unwrap_or(i64::MAX))
        .fetch_all(&mut conn)
        .await
        .map_err(unavailable)?;
        let mut past = all(&past, read::booking)?;
        let more_past = past.len() > take;
        past.truncate(take);
        Ok(booking_core::ports::store::Timeline {
            upcoming: all(&upcoming, read::booking)?,
            past,
            more_past,
        })
    }

    async fn history(
        &self,
        business: BusinessId,
        id: BookingId,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = query(
            "SELECT h.* FROM booking_history h JOIN bookings b ON b.id = h.booking_id \
             WHERE b.business_id = $1 AND b.id = $2 ORDER BY h.id",
        )
        .bind(business.get())
        .bind(id.get())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        all(&rows, read::history_entry)
    }

    async fn holds_of(
        &self,
        business: BusinessId,
        lock: &LockDigest,
    ) -> Result<Vec<Hold>, StoreError> {
        let rows =
            query("SELECT * FROM holds WHERE business_id = $1 AND lock_digest = $2 ORDER BY id")
                .bind(business.get())
                .bind(lock.to_hex())
                .fetch_all(&mut self.db.read().await?)
                .await
                .map_err(unavailable)?;
        all(&rows, read::hold)
    }

    async fn release(&self, business: BusinessId, lock: &LockDigest) -> Result<usize, StoreError> {
        let mut w = self.db.write().await?;
        let ids: Vec<HoldId> =
            query("SELECT id FROM holds WHERE business_id = $1 AND lock_digest = $2")
                .bind(business.get())
                .bind(lock.to_hex())
                .fetch_all(&mut w)
                .await
                .map_err(unavailable)?
                .iter()
                .filter_map(|r| r.int("id").ok().map(HoldId::new))
                .collect();
        let count = delete_holds(&mut w, business, &ids).await.map_err(unavailable)?;
        w.commit().await?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    async fn purge_expired_holds(&self, now: Timestamp) -> Result<usize, StoreError> {
        let mut w = self.db.write().await?;
        let done = query("DELETE FROM holds WHERE expires_at_us <= $1")
            .bind(micros(now))
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        w.commit().await?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}
