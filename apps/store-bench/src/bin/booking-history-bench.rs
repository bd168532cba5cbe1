//! How the hot paths' cost grows with stored history (issue 25): on a fresh database of one
//! backend, ten businesses each book a week of appointments through the engine (400 each:
//! ten desks, one every four hours), and those rows are copied into past weeks by bulk SQL —
//! every column but the id, times moved back a whole number of weeks, through every trigger,
//! check and key of the table — until the database holds the size asked for. Then, for
//! business 1 (a tenth of the history), it times:
//!
//! - availability of the booked week (any of the ten desks, the engine's use case);
//! - the day view (`bookings_in` for one day of that week);
//! - the outbox claim with nothing due;
//! - bookings of distinct slots from ten concurrent clients (one desk each), in a later month.
//!
//! Each size is measured three times and the median kept; the report gives each figure's ratio
//! to the empty database (size 0, measured first), and the process's resident memory. A
//! benchmark, not a test: it only reads the clock to measure.
//!
//! ```text
//! cargo run --release -p booking-store-bench --bin booking-history-bench -- \
//!     [sqlite|postgres] [sizes…]      # default: sqlite 0 100000 1000000
//! ```
//!
//! PostgreSQL runs on a scratch database of the server in `BOOKING_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped after each size.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use booking_core::outbox::Effect;
use booking_core::ports::store::Store;
use booking_core::time::{Interval, SignedDuration, Timestamp};
use booking_core::{Actor, Details, Limits, Offer};
use booking_store_bench::{NOW, Setup, percentile, setup, slot};
use booking_store_postgres::scratch::{ScratchDatabase, URL_VARIABLE};
use futures::future::join_all;

/// Businesses in the database; business 1 is measured.
const BUSINESSES: usize = 10;
/// Desks per business.
const DESKS: usize = 10;
/// Appointments per desk in the booked week: one every four hours (16 slots of 15 minutes).
const PER_DESK: usize = 40;
const STRIDE: usize = 16;
/// Rows one copy of the booked weeks adds.
const ROWS_PER_COPY: usize = BUSINESSES * DESKS * PER_DESK;
/// Calls per timed read, and bookings per client per run.
const READS: usize = 300;
const BOOKINGS_PER_CLIENT: usize = 40;
/// A week, in microseconds.
const WEEK_US: i64 = 7 * 24 * 3600 * 1_000_000;

/// A database the bench writes to directly, beside the store.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn execute(&self, sql: &str) -> anyhow::Result<u64> {
        Ok(match self {
            Self::Sqlite(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
            Self::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        })
    }

    async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        use sqlx::Row as _;
        Ok(match self {
            Self::Sqlite(pool) => sqlx::query(sql).fetch_one(pool).await?.try_get(0)?,
            Self::Postgres(pool) => sqlx::query(sql).fetch_one(pool).await?.try_get(0)?,
        })
    }

    /// The columns of `bookings` an insert names: all but the id.
    async fn booking_columns(&self) -> anyhow::Result<Vec<String>> {
        use sqlx::Row as _;
        let names: Vec<String> = match self {
            Self::Sqlite(pool) => sqlx::query("SELECT name FROM pragma_table_info('bookings')")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?,
            Self::Postgres(pool) => sqlx::query(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_name = 'bookings' AND table_schema = current_schema() \
                 ORDER BY ordinal_position",
            )
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?,
        };
        Ok(names.into_iter().filter(|n| n != "id").collect())
    }
}

/// One size's database: the store, direct access, and what keeps it alive.
struct Database {
    store: Arc<dyn Store>,
    raw: Raw,
    _keep: Box<dyn std::any::Any>,
}

async fn open(backend: &str, dir: &Path, size: usize) -> anyhow::Result<Database> {
    Ok(match backend {
        "sqlite" => {
            let store = booking_store_sqlite::open(dir.join(format!("history-{size}.db"))).await?;
            let raw = Raw::Sqlite(store.database().pool().clone());
            Database { store: Arc::new(store), raw, _keep: Box::new(()) }
        }
        "postgres" => {
            let url = std::env::var(URL_VARIABLE)
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
            let db = ScratchDatabase::create_on(&url).await?;
            let store = booking_store_postgres::connect(db.url(), 16).await?;
            let raw = Raw::Postgres(store.database().pool().clone());
            Database { store: Arc::new(store), raw, _keep: Box::new(db) }
        }
        other => bail!("unknown backend {other:?}: sqlite or postgres"),
    })
}

/// The slot of the `i`-th appointment of desk `desk` in the booked week.
fn booked_slot(desk: usize, i: usize) -> Timestamp {
    slot(i * STRIDE + desk % STRIDE)
}

/// Books the week of every business through the engine; business 1's set-up is returned.
async fn book_the_week(store: &Arc<dyn Store>) -> anyhow::Result<Setup> {
    let mut first = None;
    for _ in 0..BUSINESSES {
        let s = setup(store.clone(), DESKS).await?;
        let booked = join_all((0..DESKS).map(|d| {
            let s = &s;
            async move {
                let offer =
                    Offer { agenda: s.agenda, service: s.service, resource: Some(s.desks[d]) };
                let mut n = 0;
                for i in 0..PER_DESK {
                    let at = booked_slot(d, i);
                    let details = Details::default();
                    let result = s
                        .engine
                        .book(s.business, offer, at, None, details, Actor::guest(), Limits::Apply)
                        .await;
                    n += usize::from(result.is_ok());
                }
                n
            }
        }))
        .await;
        let booked: usize = booked.iter().sum();
        if booked != DESKS * PER_DESK {
            bail!("only {booked} of the week's {} bookings were made", DESKS * PER_DESK);
        }
        first.get_or_insert(s);
    }
    first.context("a business")
}

/// Copies the booked weeks (rows `1..=template`) `copies` times into past weeks.
async fn grow(raw: &Raw, template: i64, copies: usize) -> anyhow::Result<()> {
    let columns = raw.booking_columns().await?;
    let names = columns.join(", ");
    let began = Instant::now();
    // The oldest week first: each copy then lands after every row already stored, as the
    // server writes them (SQLite's no-overlap trigger reads the rows ending after a new one).
    for (n, copy) in (1..=copies).rev().enumerate() {
        // Two weeks back for the newest copy, so that every copy is in the past of the clock.
        let shift = i64::try_from(copy + 1)? * WEEK_US;
        let values: Vec<String> = columns
            .iter()
            .map(|c| match c.as_str() {
                "rescheduled_from" => "NULL".to_owned(),
                c if c.ends_with("_us") => format!("{c} - {shift}"),
                c => c.to_owned(),
            })
            .collect();
        let sql = format!(
            "INSERT INTO bookings ({names}) SELECT {} FROM bookings WHERE id <= {template}",
            values.join(", ")
        );
        let added = raw.execute(&sql).await?;
        if added != u64::try_from(template)? {
            bail!("copy {copy} added {added} rows, not {template}");
        }
        if (n + 1) % 50 == 0 {
            eprintln!("  {}/{copies} copies in {:.0} s", n + 1, began.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// The median and 99th percentile of timed calls.
fn spread(times: &[Duration]) -> (Duration, Duration) {
    (percentile(times, 0.5), percentile(times, 0.99))
}

/// One run's figures.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    availability_p50: f64,
    availability_p99: f64,
    day_view_p50: f64,
    claim_p50: f64,
    bookings_per_s: f64,
    booking_p99: f64,
}

async fn time_reads<F, Fut>(n: usize, mut call: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let began = Instant::now();
        call().await?;
        times.push(began.elapsed());
    }
    Ok(spread(&times))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn measure(s: &Setup, run: usize) -> anyhow::Result<Figures> {
    let week = Interval::new(slot(0), slot(7 * 96))?;
    let any_desk = Offer { agenda: s.agenda, service: s.service, resource: None };
    let (a50, a99) = time_reads(READS, || async {
        let slots = s
            .engine
            .availability(s.business, any_desk, week, None, Actor::guest(), Limits::Apply)
            .await?;
        anyhow::ensure!(!slots.is_empty(), "the week has free slots");
        Ok(())
    })
    .await?;
    let day = Interval::new(slot(96), slot(2 * 96))?;
    let (d50, _) = time_reads(READS, || async {
        let found = s.store.bookings_in(s.business, day).await?;
        anyhow::ensure!(found.len() >= DESKS * 96 / STRIDE - DESKS, "the day's bookings");
        Ok(())
    })
    .await?;
    let before: Timestamp = NOW.parse()?;
    let nothing_due = before.checked_sub(SignedDuration::from_hours(1))?;
    let (c50, _) = time_reads(READS, || async {
        let jobs =
            s.store.claim(nothing_due, SignedDuration::from_secs(60), 16, Effect::Notify).await?;
        anyhow::ensure!(jobs.is_empty(), "nothing due");
        Ok(())
    })
    .await?;
    // Bookings: a later month, a fresh stretch of slots for each run.
    let first = 30_000 + run * STRIDE * BOOKINGS_PER_CLIENT * 2;
    let began = Instant::now();
    let results = join_all((0..DESKS).map(|d| async move {
        let offer = Offer { agenda: s.agenda, service: s.service, resource: Some(s.desks[d]) };
        let mut out = Vec::with_capacity(BOOKINGS_PER_CLIENT);
        for i in 0..BOOKINGS_PER_CLIENT {
            let at = slot(first + i * 2);
            let t = Instant::now();
            let ok = s
                .engine
                .book(
                    s.business,
                    offer,
                    at,
                    None,
                    Details::default(),
                    Actor::guest(),
                    Limits::Apply,
                )
                .await
                .is_ok();
            out.push((ok, t.elapsed()));
        }
        out
    }))
    .await;
    let elapsed = began.elapsed();
    let all: Vec<(bool, Duration)> = results.into_iter().flatten().collect();
    let booked = all.iter().filter(|r| r.0).count();
    if booked != all.len() {
        bail!("{} of {} distinct bookings failed", all.len() - booked, all.len());
    }
    let (_, b99) = spread(&all.iter().map(|r| r.1).collect::<Vec<_>>());
    #[allow(clippy::cast_precision_loss, reason = "a few hundred")]
    let per_s = booked as f64 / elapsed.as_secs_f64();
    Ok(Figures {
        availability_p50: ms(a50),
        availability_p99: ms(a99),
        day_view_p50: ms(d50),
        claim_p50: ms(c50),
        bookings_per_s: per_s,
        booking_p99: ms(b99),
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// This process's resident memory, in MB.
fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or_default();
    kb / 1024.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("sqlite", String::as_str).to_owned();
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..].iter().map(|a| a.parse().context("a size")).collect::<Result<_, _>>()?
    } else {
        vec![0, 100_000, 1_000_000]
    };
    let dir = tempfile::tempdir()?;
    println!(
        "{backend}: {BUSINESSES} businesses × {} bookings a week; business 1 measured; \
         median of 3 runs",
        DESKS * PER_DESK
    );
    println!(
        "| stored bookings (business 1) | availability p50 / p99 | day view p50 | claim p50 | \
         bookings/s, p99 | RSS |"
    );
    println!("|---|---|---|---|---|---|");
    let mut empty: Option<Figures> = None;
    for size in sizes {
        let began = Instant::now();
        let db = open(&backend, dir.path(), size).await?;
        let s = book_the_week(&db.store).await?;
        let template = db.raw.count("SELECT MAX(id) FROM bookings").await?;
        grow(&db.raw, template, size.saturating_sub(ROWS_PER_COPY) / ROWS_PER_COPY).await?;
        let total = db.raw.count("SELECT COUNT(*) FROM bookings").await?;
        let own = db
            .raw
            .count(&format!("SELECT COUNT(*) FROM bookings WHERE business_id = {}", s.business))
            .await?;
        // Statistics and visibility as a server's own upkeep keeps them: PostgreSQL's
        // autovacuum vacuums and analyses a table soon after a bulk change (done here first, so
        // that it does not run during the measurement); SQLite's store runs `PRAGMA optimize`
        // when it opens.
        if let Raw::Postgres(_) = db.raw {
            db.raw.execute("VACUUM ANALYZE").await?;
        }
        // Reopened as the server does at start.
        let fill = began.elapsed();
        drop(s);
        let store = match (&db.raw, backend.as_str()) {
            (Raw::Sqlite(_), _) => Arc::new(
                booking_store_sqlite::open(dir.path().join(format!("history-{size}.db"))).await?,
            ) as Arc<dyn Store>,
            _ => db.store.clone(),
        };
        let s = booking_store_bench::reattach(store, booking_core::ids::BusinessId::new(1)).await?;
        let mut runs = Vec::new();
        for run in 0..3 {
            runs.push(measure(&s, run).await?);
        }
        let pick = |f: fn(&Figures) -> f64| median(runs.iter().map(f).collect());
        let m = Figures {
            availability_p50: pick(|f| f.availability_p50),
            availability_p99: pick(|f| f.availability_p99),
            day_view_p50: pick(|f| f.day_view_p50),
            claim_p50: pick(|f| f.claim_p50),
            bookings_per_s: pick(|f| f.bookings_per_s),
            booking_p99: pick(|f| f.booking_p99),
        };
        let base = *empty.get_or_insert(m);
        let ratio = |now: f64, then: f64| if then > 0.0 { now / then } else { 1.0 };
        println!(
            "| {total} ({own}) | {:.3} / {:.3} ms (×{:.2}) | {:.3} ms (×{:.2}) | {:.3} ms (×{:.2}) | \
             {:.0}, {:.1} ms (×{:.2}) | {:.0} MB |",
            m.availability_p50,
            m.availability_p99,
            ratio(m.availability_p50, base.availability_p50),
            m.day_view_p50,
            ratio(m.day_view_p50, base.day_view_p50),
            m.claim_p50,
            ratio(m.claim_p50, base.claim_p50),
            m.bookings_per_s,
            m.booking_p99,
            ratio(base.bookings_per_s, m.bookings_per_s),
            rss_mb(),
        );
        eprintln!("  size {size}: filled in {:.0} s", fill.as_secs_f64());
        if std::env::var_os("HISTORY_BENCH_KEEP").is_some() {
            eprintln!("  kept for inspection");
            std::mem::forget(db);
        }
    }
    Ok(())
}
