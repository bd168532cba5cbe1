//! # booking-store-sql
//!
//! Every storage port of `booking-core`, written once for `booking-store-sqlite` and
//! `booking-store-postgres` ([`SqlStore`], one module per port). A database adapter implements
//! [`Executor`] (run one statement, its text and typed arguments) and [`Database`] (connections,
//! transactions, the booking transaction) and gives its [`Dialect`] (the few fragments of SQL
//! that differ); the queries, the row reading and the writes of the booking transaction are
//! this crate's, in plain code.
//!
//! The two databases store the same values the same way and read them back with the same code:
//!
//! - instants are `BIGINT` microseconds since the Unix epoch ([`micros`], [`instant`]); finer
//!   precision is dropped on write ([`stored`]), as PostgreSQL's `timestamptz` would;
//! - durations are `BIGINT` seconds;
//! - enums are their stable `code()` strings;
//! - nested values with no query on their parts (settings, opening hours, custom fields) are
//!   JSON text ([`json`]).
//!
//! Each adapter implements [`Cells`] for its row type; [`read`] turns rows into domain values.
//!
//! Adding a store on another SQL database: implement the two traits and a `Dialect`, write its
//! migrations to the same column layout, and run `booking_testkit::store_contract_tests!`
//! against `SqlStore::new(your_database)` (`docs/ARCHITECTURE.md`).

mod access;
mod accounts;
mod audit;
pub mod bookings;
mod calendar;
mod catalog;
mod codes;
mod customers;
pub mod exec;
pub mod json;
pub mod outbox;
pub mod read;
mod templates;
mod video;
mod webhooks;
pub mod write;

pub use exec::{
    Arg, Database, DbError, DbErrorKind, Dialect, Executed, Executor, Query, SqlStore, Transaction,
};

use booking_core::ports::store::StoreError;
use booking_core::time::{SignedDuration, Timestamp};

/// Typed access to a row's columns, by name.
pub trait Cells {
    /// A non-null integer.
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    /// A nullable integer.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    /// A non-null text.
    fn text(&self, column: &str) -> Result<String, StoreError>;
    /// A nullable text.
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    /// A boolean.
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
}

/// An instant as stored: microseconds since the Unix epoch.
#[must_use]
pub fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// A stored instant.
pub fn instant(micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(micros).map_err(|e| corrupt("instant", e))
}

/// `at` as it reads back from the store (to the microsecond).
#[must_use]
pub fn stored(at: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(micros(at)).unwrap_or(at)
}

/// A duration as stored: whole seconds.
#[must_use]
pub fn seconds(duration: SignedDuration) -> i64 {
    duration.as_secs()
}

/// A stored duration.
#[must_use]
pub fn duration(seconds: i64) -> SignedDuration {
    SignedDuration::from_secs(seconds)
}

/// A stored value that does not decode.
pub fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {error}"))
}

/// A non-negative count as stored.
pub fn count(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|e| corrupt(what, e))
}
