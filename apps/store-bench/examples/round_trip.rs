//! The floor under every storage figure: one `SELECT 1` round trip through sqlx, on SQLite (a
//! hand-off to the connection's worker thread) and on PostgreSQL over loopback.
//!
//! ```text
//! cargo run --release -p booking-store-bench --example round_trip
//! ```

use std::time::Instant;

use sqlx::Connection;

const ROUNDS: u32 = 5000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut sqlite = sqlx::SqliteConnection::connect("sqlite::memory:").await?;
    let began = Instant::now();
    for _ in 0..ROUNDS {
        sqlx::query("SELECT 1").execute(&mut sqlite).await?;
    }
    println!("sqlite round trip: {:?}", began.elapsed() / ROUNDS);
    let url = std::env::var("BOOKING_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut pg = sqlx::PgConnection::connect(&url).await?;
    let began = Instant::now();
    for _ in 0..ROUNDS {
        sqlx::query("SELECT 1").execute(&mut pg).await?;
    }
    println!("postgres round trip: {:?}", began.elapsed() / ROUNDS);
    Ok(())
}
