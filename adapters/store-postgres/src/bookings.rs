//! `BookingStore`: occupancy, the booking transaction, bookings, history and holds.

use async_trait::async_trait;
use booking_core::booking::{Booking, BookingStatus, HistoryEntry};
use booking_core::catalog::Email;
use booking_core::holds::{Hold, LockDigest};
use booking_core::ids::{BookingId, BusinessId, CustomerId, HoldId, ResourceId, SessionId};
use booking_core::outbox::{BookingRef, JobState, NewJob};
use booking_core::store::{
    BookingStore, Decide, Occupancy, SessionLoad, StoreError, TxError, TxOutcome, TxScope, TxView,
    Write,
};
use booking_core::time::{Interval, Timestamp};
use booking_store_sql::write::Target;
use booking_store_sql::{json, micros, read, write};
use sqlx::{PgConnection, Row};

use crate::{Cols, PgStore, all, id_list, one, retryable, tx_error, unavailable};

const OCCUPYING: &str = "('pending', 'approved', 'no_show')";

/// Columns of `bookings` and `holds` side by side, for one query over both.
const OCCUPANCY_COLUMNS: &str = "id, business_id, kind, agenda_id, service_id, resource_id, \
    slot_start_us, slot_end_us, busy_start_us, busy_end_us, session_id, seats, created_at_us";

/// Occupying appointments and slot holds on some resources overlapping a window, in one query
/// (this runs inside every booking transaction, where each round trip counts).
async fn occupancy(
    conn: &mut PgConnection,
    business: BusinessId,
    resources: &[ResourceId],
    window: Interval,
) -> Result<Occupancy, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT 'booking' AS source, {OCCUPANCY_COLUMNS}, customer_id, first_name, last_name, \
         email, phone, answers, status, rescheduled_from, NULL::text AS lock_digest, \
         NULL::bigint AS expires_at_us \
         FROM bookings WHERE business_id = $1 AND kind = 'appointment' \
         AND status IN {OCCUPYING} AND resource_id = ANY($2) \
         AND busy_end_us > $3 AND busy_start_us < $4 \
         UNION ALL \
         SELECT 'hold', {OCCUPANCY_COLUMNS}, NULL, '', '', NULL, NULL, '[]', 'approved', NULL, \
         lock_digest, expires_at_us \
         FROM holds WHERE business_id = $1 AND kind = 'slot' AND resource_id = ANY($2) \
         AND busy_end_us > $3 AND busy_start_us < $4 \
         ORDER BY source, id"
    ))
    .bind(business.get())
    .bind(id_list(resources.iter().map(|r| r.get())))
    .bind(micros(window.start()))
    .bind(micros(window.end()))
    .fetch_all(&mut *conn)
    .await
    .map_err(unavailable)?;
    let mut out = Occupancy::default();
    for row in &rows {
        let source: String = row.try_get("source").map_err(unavailable)?;
        if source == "hold" {
            out.holds.push(read::hold(&Cols(row))?);
        } else {
            out.bookings.push(read::booking(&Cols(row))?);
        }
    }
    Ok(out)
}

async fn session_loads(
    conn: &mut PgConnection,
    business: BusinessId,
    sessions: &[SessionId],
) -> Result<Vec<SessionLoad>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM sessions WHERE business_id = $1 \
         AND id = ANY($2) ORDER BY id",
    )
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

async fn view(conn: &mut PgConnection, scope: &TxScope) -> Result<TxView, StoreError> {
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
        let rows = sqlx::query(
            "SELECT * FROM bookings WHERE business_id = $1 \
             AND id = ANY($2) ORDER BY id",
        )
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
    Ok(TxView { occupancy, lock_holds, bookings, sessions })
}

async fn insert_hold(
    conn: &mut PgConnection,
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

/// Inserts a booking and, in the same statement, the outbox jobs about it (one round trip).
async fn insert_booking(
    conn: &mut PgConnection,
    new: booking_core::booking::NewBooking,
    jobs: &[&NewJob],
) -> Result<Booking, TxError> {
    let t = Target::of_booking(&new.target);
    let row = sqlx::query(
        "WITH b AS (INSERT INTO bookings (business_id, kind, agenda_id, service_id, resource_id, \
         slot_start_us, slot_end_us, busy_start_us, busy_end_us, session_id, seats, customer_id, \
         first_name, last_name, email, phone, answers, status, created_at_us, rescheduled_from, \
         created_by_role, created_by_user) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22) RETURNING id), \
         j AS (INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
         created_at_us) SELECT $1::bigint, e.effect, e.event, b.id, 'pending', e.run_at, \
         e.run_at FROM b, \
         unnest($23::text[], $24::text[], $25::bigint[]) AS e(effect, event, run_at)) \
         SELECT id FROM b",
    )
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
    .bind(jobs.iter().map(|j| j.effect.code()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.event.code()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| micros(j.run_at)).collect::<Vec<_>>())
    .fetch_one(&mut *conn)
    .await
    .map_err(tx_error)?;
    // Its first history line is written by the database (trigger `bookings_history`).
    let id: i64 = row.try_get("id").map_err(tx_error)?;
    Ok(write::booking(BookingId::new(id), new))
}

async fn append_history(
    conn: &mut PgConnection,
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
async fn change_status(
    conn: &mut PgConnection,
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

async fn delete_holds(
    conn: &mut PgConnection,
    business: BusinessId,
    ids: &[HoldId],
) -> Result<u64, sqlx::Error> {
    let list = id_list(ids.iter().map(|h| h.get()));
    let done = sqlx::query("DELETE FROM holds WHERE business_id = $1 AND id = ANY($2)")
        .bind(business.get())
        .bind(&list)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

async fn apply(
    conn: &mut PgConnection,
    business: BusinessId,
    writes: Vec<Write>,
) -> Result<TxOutcome, TxError> {
    let mut outcome = TxOutcome::default();
    // Jobs about a booking this transaction creates go in with its insert.
    let mut created_jobs: Vec<Vec<&NewJob>> = Vec::new();
    for write in &writes {
        if let Write::Enqueue(job @ NewJob { booking: BookingRef::Created(n), .. }) = write {
            if created_jobs.len() <= *n {
                created_jobs.resize_with(n + 1, Vec::new);
            }
            created_jobs[*n].push(job);
        }
    }
    let mut created = 0;
    for write in &writes {
        match write.clone() {
            Write::DeleteHolds(ids) if ids.is_empty() => {}
            Write::DeleteHolds(ids) => {
                delete_holds(conn, business, &ids).await.map_err(tx_error)?;
            }
            Write::InsertHold(new) => outcome.holds.push(insert_hold(conn, new).await?),
            Write::InsertBooking(new) => {
                let jobs = created_jobs.get(created).map_or(&[][..], Vec::as_slice);
                outcome.bookings.push(insert_booking(conn, new, jobs).await?);
                created += 1;
            }
            Write::ChangeStatus { booking, entry } => {
                change_status(conn, business, booking, entry).await?;
            }
            Write::Enqueue(NewJob { booking: BookingRef::Created(n), .. }) => {
                if n >= created {
                    return Err(TxError::Conflict); // a job about a booking not (yet) created
                }
            }
            Write::Enqueue(job @ NewJob { booking: BookingRef::Existing(booking), .. }) => {
                sqlx::query(
                    "INSERT INTO outbox (business_id, effect, event, booking_id, state, \
                     run_at_us, created_at_us) VALUES ($1, $2, $3, $4, $5, $6, $6)",
                )
                .bind(job.business.get())
                .bind(job.effect.code())
                .bind(job.event.code())
                .bind(booking.get())
                .bind(JobState::Pending.code())
                .bind(micros(job.run_at))
                .execute(&mut *conn)
                .await
                .map_err(tx_error)?;
            }
        }
    }
    Ok(outcome)
}

/// How many times a transaction caught in a lock cycle is run again.
const MAX_ATTEMPTS: u32 = 5;

/// Locks, in id order, the rows a scope names, so that writers on the same resources, sessions
/// or bookings queue here and every read after it sees the previous writer's commit.
async fn lock(conn: &mut PgConnection, scope: &TxScope) -> Result<(), TxError> {
    let b = scope.business.get();
    for (table, ids) in [
        ("resources", id_list(scope.resources.iter().map(|r| r.get()))),
        ("sessions", id_list(scope.sessions.iter().map(|s| s.get()))),
        ("bookings", id_list(scope.bookings.iter().map(|x| x.get()))),
    ] {
        if ids.is_empty() {
            continue;
        }
        sqlx::query(&format!(
            "SELECT id FROM {table} WHERE business_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE"
        ))
        .bind(b)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(tx_error)?;
    }
    Ok(())
}

impl PgStore {
    async fn try_transact(
        &self,
        scope: &TxScope,
        decide: &mut Decide<'_>,
    ) -> Result<TxOutcome, TxError> {
        let mut tx = self.begin().await?;
        lock(&mut tx, scope).await?;
        let view = view(&mut tx, scope).await?;
        let writes = decide(&view).map_err(TxError::Refused)?;
        let outcome = apply(&mut tx, scope.business, writes).await?;
        tx.commit().await.map_err(tx_error)?;
        Ok(outcome)
    }
}

#[async_trait]
impl BookingStore for PgStore {
    async fn occupancy(
        &self,
        business: BusinessId,
        resources: &[ResourceId],
        window: Interval,
    ) -> Result<Occupancy, StoreError> {
        let mut tx = self.snapshot().await?;
        occupancy(&mut tx, business, resources, window).await
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
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_transact(scope, decide).await {
                Err(e) if attempt < MAX_ATTEMPTS && retryable(&e) => {}
                done => return done,
            }
        }
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
        let mut tx = self.begin().await?;
        let ids: Vec<HoldId> =
            sqlx::query("SELECT id FROM holds WHERE business_id = $1 AND lock_digest = $2")
                .bind(business.get())
                .bind(lock.to_hex())
                .fetch_all(&mut *tx)
                .await
                .map_err(unavailable)?
                .iter()
                .filter_map(|r| r.try_get("id").ok().map(HoldId::new))
                .collect();
        let count = delete_holds(&mut tx, business, &ids).await.map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    async fn purge_expired_holds(&self, now: Timestamp) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM holds WHERE expires_at_us <= $1")
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}
