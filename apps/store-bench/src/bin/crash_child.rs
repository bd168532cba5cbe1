//! The process the crash test kills: books distinct slots from 8 tasks, as fast as it can, and
//! prints one line per acknowledged booking (`booked <id> <start>`), until it is killed.
//!
//! ```text
//! crash_child sqlite <file> | crash_child postgres <url>
//! ```
//!
//! Its first line is `ready <business id>`. A line is printed only after `Engine::book` returned
//! the booking: every printed booking must survive the `SIGKILL` that ends this process.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use booking_core::ports::store::Store;
use booking_core::{Actor, Details, Limits, Offer};
use booking_store_bench::{setup, slot};
use futures::future::join_all;

const TASKS: usize = 8;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(backend), Some(target)) = (args.first(), args.get(1)) else {
        bail!("usage: crash_child sqlite <file> | crash_child postgres <url>");
    };
    let store: Arc<dyn Store> = match backend.as_str() {
        "sqlite" => Arc::new(booking_store_sqlite::open(target).await?),
        "postgres" => Arc::new(booking_store_postgres::connect(target, 8).await?),
        other => bail!("unknown backend {other:?}"),
    };
    let s = setup(store, TASKS).await.context("setting up the business")?;
    println!("ready {}", s.business);
    let s = &s;
    join_all((0..TASKS).map(|task| async move {
        let offer = Offer { agenda: s.agenda, service: s.service, resource: Some(s.desks[task]) };
        for n in 0.. {
            let start = slot(n);
            let booked = s
                .engine
                .book(
                    s.business,
                    offer,
                    start,
                    None,
                    Details::default(),
                    Actor::guest(),
                    Limits::Apply,
                )
                .await;
            if let Ok(booking) = booked {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "booked {} {start}", booking.id);
                let _ = out.flush();
            }
        }
    }))
    .await;
    Ok(())
}
