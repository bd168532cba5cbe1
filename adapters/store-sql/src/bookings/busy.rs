//! Occupancy and busy times: what availability and the booking transaction read, each in one
//! statement returning one row.

use booking_core::ids::{BusinessId, ResourceId, SessionId};
use booking_core::ports::store::{Busy, Occupancy, SessionLoad, StoreError};
use booking_core::time::Interval;

use crate::exec::{Dialect, Executor, all, id_list, query, unavailable};
use crate::{Cells, micros, read};

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
fn aggregated<'d>(
    dialect: &'d Dialect,
    cache: &'d std::sync::OnceLock<String>,
    rows: &[&str],
) -> &'d str {
    cache.get_or_init(|| {
        let rows = rows
            .concat()
            .replace("IN_IDS", dialect.in_ids_2)
            .replace("BY_RESOURCE_BUSINESS", dialect.by_resource_business);
        format!("SELECT {} AS occupancy FROM ({rows}) o", dialect.json_rows)
    })
}

async fn aggregate_query(
    conn: &mut impl Executor,
    sql: &str,
    business: BusinessId,
    resources: &[ResourceId],
    window: Interval,
    external: Option<bool>,
) -> Result<crate::json::Aggregate, StoreError> {
    let mut query = query(sql)
        .bind(business.get())
        .bind(id_list(resources.iter().map(|r| r.get())))
        .bind(micros(window.start()))
        .bind(micros(window.end()));
    if let Some(external) = external {
        query = query.bind(external);
    }
    let row = query.fetch_one(&mut *conn).await.map_err(unavailable)?;
    let text: Option<String> = row.opt_text("occupancy")?;
    crate::json::read_aggregate(business, text.as_deref().unwrap_or("[]"))
}

/// Occupying appointments and slot holds on some resources overlapping a window, in one
/// query returning one row. This runs inside every booking transaction.
pub(super) async fn occupancy(
    conn: &mut impl Executor,
    business: BusinessId,
    resources: &[ResourceId],
    window: Interval,
) -> Result<Occupancy, StoreError> {
    let dialect = conn.dialect();
    let sql = aggregated(dialect, &dialect.built.occupancy, &[OCCUPANCY_ROWS]);
    Ok(aggregate_query(conn, sql, business, resources, window, None).await?.occupancy)
}

/// The text of the busy-times query (occupancy, exceptions, external busy times) and of
/// the occupancy query of the booking transaction, for plan tests.
#[doc(hidden)]
pub fn hot_queries(dialect: &Dialect) -> [&str; 2] {
    [
        aggregated(dialect, &dialect.built.busy, &[OCCUPANCY_ROWS, STATIC_ROWS]),
        aggregated(dialect, &dialect.built.occupancy, &[OCCUPANCY_ROWS]),
    ]
}

/// Occupancy, exceptions and (with `external`) external busy times in one query.
pub(super) async fn busy(
    conn: &mut impl Executor,
    business: BusinessId,
    resources: &[ResourceId],
    window: Interval,
    external: bool,
) -> Result<Busy, StoreError> {
    let dialect = conn.dialect();
    let sql = aggregated(dialect, &dialect.built.busy, &[OCCUPANCY_ROWS, STATIC_ROWS]);
    let found = aggregate_query(conn, sql, business, resources, window, Some(external)).await?;
    Ok(Busy { occupancy: found.occupancy, exceptions: found.exceptions, external: found.external })
}

pub(super) async fn session_loads(
    conn: &mut impl Executor,
    business: BusinessId,
    sessions: &[SessionId],
) -> Result<Vec<SessionLoad>, StoreError> {
    let sql = conn.dialect().statement(
        |b| &b.sessions_by_id,
        |d| {
            format!(
                "SELECT * FROM sessions WHERE business_id = $1 AND id {} ORDER BY id",
                d.in_ids_2
            )
        },
    );
    let rows = query(sql)
        .bind(business.get())
        .bind(id_list(sessions.iter().map(|s| s.get())))
        .fetch_all(&mut *conn)
        .await
        .map_err(unavailable)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let session = read::session(row)?;
        let booked: i64 = row.int("booked_seats")?;
        let holds = query("SELECT * FROM holds WHERE session_id = $1 ORDER BY id")
            .bind(session.id.get())
            .fetch_all(&mut *conn)
            .await
            .map_err(unavailable)?;
        out.push(SessionLoad {
            session,
            booked_seats: crate::count(booked, "booked seats")?,
            holds: all(&holds, read::hold)?,
        });
    }
    Ok(out)
}
