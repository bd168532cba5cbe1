//! Time: the only source of "now" in the core, so every rule runs under a fake clock.

use jiff::Timestamp;

/// The current instant.
pub trait Clock: Send + Sync {
    /// Now. MUST be monotonic enough for expiry checks (never far behind a previous answer).
    fn now(&self) -> Timestamp;
}
