use sqlx::Connection;
use std::time::Instant;
#[tokio::main]
async fn main() {
    let mut c = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
    let t = Instant::now();
    for _ in 0..5000 {
        sqlx::query("SELECT 1").execute(&mut c).await.unwrap();
    }
    println!("sqlite round trip: {:?}", t.elapsed() / 5000);
    let mut p =
        sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
    let t = Instant::now();
    for _ in 0..5000 {
        sqlx::query("SELECT 1").execute(&mut p).await.unwrap();
    }
    println!("pg round trip: {:?}", t.elapsed() / 5000);
}
