//! Where the time of one availability request goes on SQLite: each store read alone, then the
//! whole use case (`cargo run --release -p booking-store-bench --example availability_cost`).

use std::sync::Arc;
use std::time::Instant;

use booking_core::time::{Interval, Timestamp};
use booking_core::{Actor, Limits, Offer};
use booking_store_bench::{FIRST_SLOT, setup};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(booking_store_sqlite::open(dir.path().join("a.db")).await?);
    let s = setup(store.clone(), 1).await?;
    let start: Timestamp = FIRST_SLOT.parse()?;
    let week = Interval::new(start, start + jiff::SignedDuration::from_hours(168))?;
    let offer = Offer { agenda: s.agenda, service: s.service, resource: None };
    let empty = s.store.occupancy(s.business, &s.desks, week).await?;
    for n in 0..50 {
        let at = start + jiff::SignedDuration::from_mins(15 * 4 * n);
        s.engine
            .book(
                s.business,
                offer,
                at,
                None,
                booking_core::Details::default(),
                Actor::guest(),
                Limits::Apply,
            )
            .await?;
    }
    println!(
        "occupancy rows: {} before, {} after 50 bookings",
        empty.bookings.len(),
        s.store.occupancy(s.business, &s.desks, week).await?.bookings.len()
    );
    const N: u32 = 5000;
    macro_rules! time {
        ($name:literal, $e:expr) => {{
            let t = Instant::now();
            for _ in 0..N {
                let _ = $e;
            }
            println!("{:<28} {:>8.1} µs", $name, t.elapsed().as_secs_f64() * 1e6 / f64::from(N));
        }};
    }
    time!("business", s.store.business(s.business).await?);
    time!("exceptions", s.store.exceptions(s.business, &s.desks, week).await?);
    time!("occupancy", s.store.occupancy(s.business, &s.desks, week).await?);
    time!(
        "availability (use case)",
        s.engine.availability(s.business, offer, week, None, Actor::guest(), Limits::Apply).await?
    );
    Ok(())
}
