//! Throw-away databases for tests and benchmarks: each one is created empty on the server of a
//! connection URL, and dropped (with any connection still open to it) when the handle is.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, PgConnection};

/// The variable holding the PostgreSQL URL tests and benchmarks use
/// (`postgres://postgres@127.0.0.1:5432/postgres`); `.ci/run` and `scripts/test.sh` set it.
pub const URL_VARIABLE: &str = "BOOKING_TEST_POSTGRES_URL";

/// A database that exists as long as this handle.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

/// Why a scratch database could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScratchError {
    /// [`URL_VARIABLE`] is not set.
    #[error("{URL_VARIABLE} is not set")]
    NotConfigured,
    /// The server could not be reached or refused.
    #[error("PostgreSQL at {url} is unreachable: {error}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// What the driver said.
        error: sqlx::Error,
    },
}

impl ScratchDatabase {
    /// A new empty database on the server of [`URL_VARIABLE`].
    pub async fn create() -> Result<Self, ScratchError> {
        let admin_url = std::env::var(URL_VARIABLE).map_err(|_| ScratchError::NotConfigured)?;
        Self::create_on(&admin_url).await
    }

    /// A new empty database on the server of `admin_url` (a database its user may connect to,
    /// as a user allowed to create databases).
    pub async fn create_on(admin_url: &str) -> Result<Self, ScratchError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let unreachable = |error| ScratchError::Unreachable { url: admin_url.to_owned(), error };
        let mut admin = PgConnection::connect(admin_url).await.map_err(unreachable)?;
        let name = format!(
            "booking_scratch_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // A crashed earlier process with the same id may have left one behind.
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await
            .map_err(unreachable)?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .map_err(unreachable)?;
        let _ = admin.close().await;
        let url = replace_database(admin_url, &name);
        Ok(Self { admin_url: admin_url.to_owned(), name, url })
    }

    /// For tests: a scratch database, or `None` after a printed notice when PostgreSQL is not
    /// available here. Panics instead when `CI=true`: CI must run every PostgreSQL test.
    pub async fn for_test() -> Option<Self> {
        match Self::create().await {
            Ok(db) => Some(db),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true and PostgreSQL is not available: {e}")
            }
            Err(e) => {
                eprintln!("notice: skipping a PostgreSQL test: {e}");
                None
            }
        }
    }

    /// The URL of the scratch database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// `url` with its database path replaced by `name` (query parameters kept).
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop may run inside an async runtime that must not be blocked on: do it on a thread of
        // its own with a runtime of its own, and wait for it.
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&sql).execute(&mut admin).await.ok()?;
                admin.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: scratch database {} could not be dropped", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h:5432", "x"), "postgres://h:5432/x");
    }
}
