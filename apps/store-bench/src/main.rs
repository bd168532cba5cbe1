//! Books slots from concurrent tasks through the engine on one storage backend, and reports
//! throughput, latency and double bookings (§B2). A benchmark, not a test: it only reads the
//! clock to measure.
//!
//! ```text
//! cargo run --release -p booking-store-bench -- [memory|sqlite|postgres] [bookings] [clients]
//! ```
//!
//! Two runs per backend, each of `bookings` attempts from `clients` tasks:
//! - distinct: every attempt is for a different slot (one desk per client, consecutive slots);
//! - contended: all clients race for the same slot, round after round; one per round may win.
//!
//! SQLite runs on a file in a temporary directory with its production settings (WAL,
//! `synchronous = FULL`). PostgreSQL runs on a scratch database of the server in
//! `BOOKING_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), with one
//! pool of `clients` connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use booking_core::ids::ResourceId;
use booking_core::ports::store::Store;
use booking_core::time::{Interval, Timestamp};
use booking_core::{Actor, Details, Limits, Offer};
use booking_store_bench::{Setup, percentile, setup, slot};
use booking_store_postgres::scratch::{ScratchDatabase, URL_VARIABLE};
use booking_testkit::InMemoryStore;
use futures::future::join_all;

struct Run {
    attempts: usize,
    booked: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn percentile(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    fn report(&self, label: &str) {
        let secs = self.elapsed.as_secs_f64();
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let (attempts, booked) = (self.attempts as f64, self.booked as f64);
        println!(
            "{label:<10} {:>6} attempts {:>6} booked in {secs:>6.2} s: {:>8.0} attempts/s {:>8.0} bookings/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
            self.attempts,
            self.booked,
            attempts / secs,
            booked / secs,
            self.percentile(0.50).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
        );
    }
}

/// One booking attempt, timed.
async fn attempt(s: &Setup, desk: Option<ResourceId>, start: Timestamp) -> (bool, Duration) {
    let offer = Offer { agenda: s.agenda, service: s.service, resource: desk };
    let began = Instant::now();
    let result = s
        .engine
        .book(s.business, offer, start, None, Details::default(), Actor::guest(), Limits::Apply)
        .await;
    (result.is_ok(), began.elapsed())
}

/// Each client books its own desk's consecutive slots: no two attempts compete.
async fn distinct(s: &Setup, bookings: usize, clients: usize) -> Run {
    let per_client = bookings.div_ceil(clients);
    let began = Instant::now();
    let results = join_all((0..clients).map(|c| async move {
        let mut out = Vec::with_capacity(per_client);
        for n in 0..per_client {
            out.push(attempt(s, Some(s.desks[c]), slot(n)).await);
        }
        out
    }))
    .await;
    collect(results.into_iter().flatten().collect(), began.elapsed())
}

/// All clients race for one slot per round (on desk 0, after the distinct run's slots).
async fn contended(s: &Setup, bookings: usize, clients: usize, offset: usize) -> Run {
    let rounds = bookings.div_ceil(clients);
    let began = Instant::now();
    let mut all = Vec::with_capacity(rounds * clients);
    for round in 0..rounds {
        let start = slot(offset + round);
        all.extend(join_all((0..clients).map(|_| attempt(s, Some(s.desks[0]), start))).await);
    }
    collect(all, began.elapsed())
}

fn collect(results: Vec<(bool, Duration)>, elapsed: Duration) -> Run {
    Run {
        attempts: results.len(),
        booked: results.iter().filter(|r| r.0).count(),
        elapsed,
        latencies: results.into_iter().map(|r| r.1).collect(),
    }
}

/// Occupying appointments that overlap another on the same desk.
async fn double_bookings(s: &Setup) -> anyhow::Result<usize> {
    let window = Interval::new(slot(0), slot(1_000_000))?;
    let occupancy = s.store.occupancy(s.business, &s.desks, window).await?;
    let mut spans: Vec<(ResourceId, Interval)> =
        occupancy.bookings.iter().map(|b| (b.resource, b.busy)).collect();
    spans.sort();
    Ok(spans.windows(2).filter(|w| w[0].0 == w[1].0 && w[0].1.overlaps(&w[1].1)).count())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map_or("sqlite", String::as_str).to_owned();
    let bookings: usize = args.get(1).map_or(Ok(2000), |a| a.parse()).context("bookings")?;
    let clients: usize = args.get(2).map_or(Ok(16), |a| a.parse()).context("clients")?;
    if bookings == 0 || clients == 0 {
        bail!("bookings and clients must be positive");
    }
    let dir = tempfile::tempdir()?;
    let mut _scratch = None;
    let store: Arc<dyn Store> = match backend.as_str() {
        "memory" => Arc::new(InMemoryStore::new()),
        "sqlite" => Arc::new(booking_store_sqlite::open(dir.path().join("bench.db")).await?),
        "postgres" => {
            let url = std::env::var(URL_VARIABLE)
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
            let db = ScratchDatabase::create_on(&url).await?;
            let connections = u32::try_from(clients).unwrap_or(u32::MAX);
            let store = booking_store_postgres::connect(db.url(), connections).await?;
            _scratch = Some(db);
            Arc::new(store)
        }
        other => bail!("unknown backend {other:?}: memory, sqlite or postgres"),
    };
    let s = setup(store, clients).await?;
    println!("{backend}: {bookings} attempts per run from {clients} concurrent clients");
    let run = distinct(&s, bookings, clients).await;
    run.report("distinct");
    let run2 = contended(&s, bookings, clients, bookings.div_ceil(clients) + 1).await;
    run2.report("contended");
    let rounds = bookings.div_ceil(clients);
    let doubles = double_bookings(&s).await?;
    println!("double bookings: {doubles}; contended rounds won: {} of {rounds}", run2.booked);
    if doubles > 0 || run2.booked > rounds {
        bail!("double booking detected");
    }
    Ok(())
}
