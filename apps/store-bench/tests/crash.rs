//! §B4: an acknowledged booking is durable. A child process books as fast as it can and prints
//! each booking once `Engine::book` returned it; the test kills it with `SIGKILL` mid-stream,
//! reopens the database, and finds every printed booking, with its slot.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use booking_core::ids::{BookingId, BusinessId};
use booking_core::ports::store::Store;
use booking_core::time::Timestamp;
use booking_store_postgres::scratch::ScratchDatabase;

/// Bookings acknowledged before the kill (at least this many are awaited).
const BEFORE_KILL: usize = 300;

/// `booked <id> <start>`.
fn parse(line: &str) -> (BookingId, Timestamp) {
    let mut parts = line.split(' ');
    assert_eq!(parts.next(), Some("booked"), "{line}");
    let id: i64 = parts.next().and_then(|x| x.parse().ok()).expect(line);
    let start: Timestamp = parts.next().and_then(|x| x.parse().ok()).expect(line);
    (BookingId::new(id), start)
}

/// Runs the child on `backend` `target`, kills it after [`BEFORE_KILL`] acknowledgements, and
/// returns its business and every booking it acknowledged, including lines still in the pipe.
fn book_then_kill(backend: &str, target: &str) -> (BusinessId, Vec<(BookingId, Timestamp)>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_child"))
        .args([backend, target])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let ready = lines.next().expect("a first line").expect("text");
    let business: i64 = ready.strip_prefix("ready ").and_then(|b| b.parse().ok()).expect(&ready);
    let mut acknowledged = Vec::new();
    for line in lines.by_ref() {
        acknowledged.push(parse(&line.expect("text")));
        if acknowledged.len() >= BEFORE_KILL {
            break;
        }
    }
    child.kill().expect("SIGKILL"); // `Child::kill` sends SIGKILL on Unix
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "killed, not finished: {status}");
    // What the child printed before dying was acknowledged too.
    for line in lines {
        match line {
            Ok(line) if line.starts_with("booked ") && line.split(' ').count() == 3 => {
                acknowledged.push(parse(&line));
            }
            _ => break, // a line cut by the kill was never a whole acknowledgement
        }
    }
    (BusinessId::new(business), acknowledged)
}

async fn every_acknowledged_booking_is_there(
    store: &dyn Store,
    business: BusinessId,
    acknowledged: &[(BookingId, Timestamp)],
) {
    assert!(acknowledged.len() >= BEFORE_KILL);
    for (id, start) in acknowledged {
        let booking = store.booking(business, *id).await.expect("readable");
        let slot = booking.as_ref().and_then(booking_core::Booking::slot);
        assert_eq!(slot.map(|s| s.start()), Some(*start), "booking {id} was acknowledged");
        assert_eq!(store.history(business, *id).await.unwrap().len(), 1, "whole");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_booking_through_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let target = path.to_str().unwrap().to_owned();
    let (business, acknowledged) =
        tokio::task::spawn_blocking(move || book_then_kill("sqlite", &target)).await.unwrap();
    let store = booking_store_sqlite::open(&path).await.expect("reopens after the crash");
    let check: String =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(store.pool()).await.unwrap();
    assert_eq!(check, "ok");
    every_acknowledged_booking_is_there(&store, business, &acknowledged).await;
    let store: Arc<dyn Store> = Arc::new(store);
    let jobs = store.jobs(business).await.unwrap();
    assert!(jobs.len() >= acknowledged.len(), "each booking has its outbox job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_booking_through_sigkill() {
    let Some(db) = ScratchDatabase::for_test().await else { return };
    let target = db.url().to_owned();
    let (business, acknowledged) =
        tokio::task::spawn_blocking(move || book_then_kill("postgres", &target)).await.unwrap();
    let store =
        booking_store_postgres::connect(db.url(), 2).await.expect("reconnects after the crash");
    every_acknowledged_booking_is_there(&store, business, &acknowledged).await;
}
