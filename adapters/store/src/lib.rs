//! # booking-store
//!
//! Opens the store a database URL names, migrated, as the core's port: what the server and the
//! `booking` CLI share, so that neither depends on the other. `postgres://…` or
//! `postgresql://…` is PostgreSQL; `sqlite:…` or a plain file path is SQLite.

use std::sync::Arc;

use anyhow::Context as _;
use booking_core::ports::store::Store;

/// Opens (creating and migrating) the store `url` names; PostgreSQL gets a pool of
/// `pg_connections`.
///
/// # Errors
/// When the database cannot be opened or migrated.
pub async fn open_store(url: &str, pg_connections: u32) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = booking_store_postgres::connect(url, pg_connections)
            .await
            .context("cannot open the PostgreSQL database")?;
        Ok(Arc::new(store))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(
            booking_store_sqlite::connect(url).await.context("cannot open the SQLite database")?,
        ))
    } else {
        Ok(Arc::new(
            booking_store_sqlite::open(url).await.context("cannot open the SQLite database")?,
        ))
    }
}
