//! The services over the storage port: what reads and writes through [`crate::ports::store::Store`]
//! apart from the booking engine. Kept apart from the domain modules (whose types and port
//! traits the store names), so the core's modules import each other without a cycle.

pub mod accounts;
pub mod calendar;
pub mod codes;
pub mod lineage;
pub mod notify;
pub mod outbox;
pub mod video;
