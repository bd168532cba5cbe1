//! The reads and writes of the booking transaction: what [`view`] reads for the core to decide
//! on, and how [`apply`] writes what it decided.

use booking_core::booking::{Booking, BookingStatus, HistoryEntry};
use booking_core::catalog::Email;
use booking_core::holds::Hold;
use booking_core::ids::{BookingId, BusinessId, CustomerId, HoldId};
use booking_core::outbox::{BookingRef, NewJob};
use booking_core::ports::store::{Occupancy, StoreError, TxError, TxOutcome, TxScope, TxView};

use super::busy::{occupancy, session_loads};
use crate::exec::{Arg, DbError, Executor, Query, all, id_list, query, tx_error, unavailable};
use crate::write::Columns;
use crate::{Cells, json, micros, read, write};

/// The insert of a booking's 23 columns, `RETURNING id`.
const INSERT_BOOKING: &str = "INSERT INTO bookings (business_id, kind, agenda_id, service_id, resource_id, \
         slot_start_us, slot_end_us, busy_start_us, busy_end_us, session_id, seats, customer_id, \
         first_name, last_name, email, phone, answers, status, created_at_us, rescheduled_from, \
         created_by_role, created_by_user, locale) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23) RETURNING id";

/// Applies the core's writes in order. Jobs about a booking the same transaction creates
/// are handed to the adapter's `insert_booking` with it (PostgreSQL writes them in the
/// same statement); jobs about existing bookings are inserted as they come.
pub async fn apply(
    conn: &mut impl Executor,
    business: BusinessId,
    writes: Vec<booking_core::ports::store::Write>,
) -> Result<TxOutcome, TxError> {
    use booking_core::ports::store::Write;
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
                outcome.bookings.push(insert_booking(conn, new, jobs).await?);
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
                    BookingRef::Created(n) => outcome.bookings.get(n).ok_or(TxError::Conflict)?.id,
                };
                query(
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
                query(
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
                query(
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

/// Inserts a booking (its first history line and its occupancy follow by the database's
/// triggers), then the outbox jobs about it: in the same statement where the dialect can
/// (one round trip on PostgreSQL), else one statement each.
async fn insert_booking(
    conn: &mut impl Executor,
    new: booking_core::booking::NewBooking,
    jobs: &[NewJob],
) -> Result<Booking, TxError> {
    let t = Columns::of_booking(&new.target);
    let id = if conn.dialect().booking_with_jobs {
        let sql = format!(
            "WITH b AS ({INSERT_BOOKING}), \
                 j AS (INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
                 created_at_us) SELECT $1::bigint, e.effect, e.event, b.id, 'pending', e.run_at, \
                 e.run_at FROM b, \
                 unnest($24::text[], $25::text[], $26::bigint[]) AS e(effect, event, run_at)) \
                 SELECT id FROM b"
        );
        let row = bind_new_booking(query(&sql), &new, &t)
            .bind(Arg::Texts(jobs.iter().map(|j| j.effect.code().to_owned()).collect()))
            .bind(Arg::Texts(jobs.iter().map(|j| j.event.code().clone()).collect()))
            .bind(Arg::Ints(jobs.iter().map(|j| micros(j.run_at)).collect()))
            .fetch_one(&mut *conn)
            .await
            .map_err(tx_error)?;
        BookingId::new(row.int("id").map_err(TxError::Store)?)
    } else {
        let row = bind_new_booking(query(INSERT_BOOKING), &new, &t)
            .fetch_one(&mut *conn)
            .await
            .map_err(tx_error)?;
        let id = BookingId::new(row.int("id").map_err(TxError::Store)?);
        for job in jobs {
            insert_job(conn, job, id).await?;
        }
        id
    };
    Ok(write::booking(id, new))
}

/// Inserts one outbox job about booking `booking`.
async fn insert_job(
    conn: &mut impl Executor,
    job: &NewJob,
    booking: BookingId,
) -> Result<(), TxError> {
    let job = NewJob { booking: BookingRef::Existing(booking), ..job.clone() };
    enqueue(conn, std::slice::from_ref(&job)).await.map_err(tx_error)
}

/// How many jobs one `INSERT` writes at most.
const JOBS_PER_INSERT: usize = 100;

/// The insert of one job: every booking's jobs on SQLite, so written once.
const INSERT_JOB: &str = "INSERT INTO outbox (business_id, effect, event, booking_id, state, \
     run_at_us, created_at_us) VALUES ($1, $2, $3, $4, 'pending', $5, $5)";

/// Writes outbox jobs about existing bookings (`BookingRef::Existing`; a job about a booking
/// not yet created has no id to write and is skipped), pending and due at their `run_at`,
/// [`JOBS_PER_INSERT`] a statement. Every job the stores write goes through here or through
/// PostgreSQL's booking insert; which jobs, the core decides.
pub(crate) async fn enqueue(conn: &mut impl Executor, jobs: &[NewJob]) -> Result<(), DbError> {
    let jobs: Vec<(&NewJob, BookingId)> = jobs
        .iter()
        .filter_map(|j| match j.booking {
            BookingRef::Existing(id) => Some((j, id)),
            BookingRef::Created(_) => None,
        })
        .collect();
    for chunk in jobs.chunks(JOBS_PER_INSERT) {
        let sql: std::borrow::Cow<'static, str> = if chunk.len() == 1 {
            INSERT_JOB.into()
        } else {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = i * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, 'pending', ${}, ${})",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 5
                    )
                })
                .collect();
            format!(
                "INSERT INTO outbox (business_id, effect, event, booking_id, state, run_at_us, \
                 created_at_us) VALUES {}",
                rows.join(", ")
            )
            .into()
        };
        let mut insert = query(&sql);
        for (job, booking) in chunk {
            insert = insert
                .bind(job.business.get())
                .bind(job.effect.code())
                .bind(job.event.code())
                .bind(booking.get())
                .bind(micros(job.run_at));
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Binds a booking's 23 columns as `$1`…`$23`, in [`INSERT_BOOKING`]'s order.
fn bind_new_booking<'q>(
    query: Query<'q>,
    new: &'q booking_core::booking::NewBooking,
    t: &'q Columns,
) -> Query<'q> {
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
        .bind(new.locale.map(booking_core::settings::Locale::code))
}

pub async fn view(conn: &mut impl Executor, scope: &TxScope) -> Result<TxView, StoreError> {
    let b = scope.business;
    let occupancy = match scope.window {
        Some(window) => occupancy(conn, b, &scope.resources, window).await?,
        None => Occupancy::default(),
    };
    let lock_holds = match &scope.lock {
        Some(lock) => {
            let rows = query(
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
        let sql = conn.dialect().statement(
            |b| &b.bookings_by_id,
            |d| {
                format!(
                    "SELECT * FROM bookings WHERE business_id = $1 AND id {} ORDER BY id",
                    d.in_ids_2
                )
            },
        );
        let rows = query(sql)
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
        let row = query("SELECT * FROM codes WHERE business_id = $1 AND id = $2")
            .bind(b.get())
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await
            .map_err(unavailable)?;
        let Some(row) = row else { continue };
        let uses = query("SELECT * FROM code_uses WHERE code_id = $1 ORDER BY id")
            .bind(id.get())
            .fetch_all(&mut *conn)
            .await
            .map_err(unavailable)?;
        codes.push(read::code(&row, all(&uses, read::code_use)?)?);
    }
    Ok(TxView { occupancy, lock_holds, bookings, sessions, codes })
}

async fn insert_hold(
    conn: &mut impl Executor,
    new: booking_core::holds::NewHold,
) -> Result<Hold, TxError> {
    let t = Columns::of_hold(&new.target);
    let row = query(
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
    let id: i64 = row.int("id").map_err(TxError::Store)?;
    Ok(write::hold(HoldId::new(id), new))
}

async fn append_history(
    conn: &mut impl Executor,
    booking: i64,
    entry: &HistoryEntry,
) -> Result<(), TxError> {
    query(
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
    conn: &mut impl Executor,
    business: BusinessId,
    booking: BookingId,
    entry: HistoryEntry,
) -> Result<(), TxError> {
    let done = query("UPDATE bookings SET status = $3 WHERE business_id = $1 AND id = $2")
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

pub(super) async fn delete_holds(
    conn: &mut impl Executor,
    business: BusinessId,
    ids: &[HoldId],
) -> Result<u64, DbError> {
    let sql = conn.dialect().statement(
        |b| &b.delete_holds,
        |d| format!("DELETE FROM holds WHERE business_id = $1 AND id {}", d.in_ids_2),
    );
    let done = query(sql)
        .bind(business.get())
        .bind(id_list(ids.iter().map(|h| h.get())))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
