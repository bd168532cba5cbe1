//! A fresh PostgreSQL database per test, dropped after it.
//!
//! The server is the one of `BOOKING_TEST_POSTGRES_URL`. When it is not set or unreachable, the
//! test fails if `CI=true` (CI must run these) and is skipped with a notice otherwise.

use booking_store_postgres::scratch::ScratchDatabase;

/// A store on a fresh database, or `None`. Its 16 connections make racing tasks interleave;
/// two tests at a time stay well under the server's 100 connections.
pub(crate) async fn fresh_store() -> Option<booking_store_postgres::PgStore> {
    let db = ScratchDatabase::for_test().await?;
    let store =
        booking_store_postgres::connect(db.url(), 16).await.expect("the scratch database migrates");
    Some(store.keeping(db))
}
