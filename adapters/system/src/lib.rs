//! # booking-system
//!
//! The real clock and the operating system's randomness behind `booking-core`'s
//! [`Clock`] and [`TokenSource`] ports. This is the only crate allowed to call them
//! (`clippy.toml` bans the calls everywhere else). Also the outbox [`worker`]'s loop, which
//! needs a timer.

pub mod worker;

use booking_core::ports::{Clock, TokenSource};
use jiff::Timestamp;

/// The wall clock of the machine.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "this adapter is the one place that reads the real clock"
    )]
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The operating system's cryptographically secure random number generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsTokens;

impl TokenSource for OsTokens {
    #[allow(
        clippy::disallowed_methods,
        reason = "this adapter is the one place that draws OS randomness"
    )]
    fn fill(&self, buf: &mut [u8]) {
        // The OS generator only fails when the platform has none at all, which the server cannot
        // run without: issuing predictable tokens instead would be worse than stopping.
        getrandom::fill(buf)
            .expect("the operating system's random number generator is unavailable");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_have_the_requested_length() {
        let a = OsTokens.token(16);
        let b = OsTokens.token(16);
        assert_eq!(a.expose().len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn the_clock_is_after_this_code_was_written() {
        assert!(SystemClock.now() > "2026-01-01T00:00:00Z".parse().unwrap());
    }
}
