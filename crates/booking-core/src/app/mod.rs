//! The application layer: one method per inbound use case, taking the caller and a typed
//! command. Each one authorises through one table ([`access::required`]), validates with the
//! core's rules, and calls the engine or a store port. Inbound adapters (the JSON API, the pages,
//! the Chrono-compatible API) only translate shapes and call these methods, so the three never
//! disagree on a rule.
//!
//! The use cases move here from the adapters one family at a time; today: the business's
//! profile and settings ([`business`]), who reaches which booking ([`bookings`]), reading the set-up ([`catalog`]) and the
//! Chrono-compatible API's reads and rules ([`chrono`]).

pub mod access;
pub mod bookings;
pub mod business;
pub mod catalog;
pub mod chrono;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::Engine;
use crate::engine::MAX_WINDOW_DAYS;
use crate::error::error_enum;
use crate::time::{Interval, Zone};

/// One end of a window as people give it: an instant, or a local date (its midnight in the
/// business's zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// An instant.
    At(Timestamp),
    /// A local date.
    Day(Date),
}

/// A window as asked: from, and to (exclusive), each an instant or a local date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Where it starts.
    pub from: When,
    /// Where it ends (exclusive).
    pub to: When,
}

error_enum!(
    /// Why a window is refused.
    WindowRefused {
        /// It ends before it starts.
        Backwards => (Invalid, "invalid_value"), "`to` is after `from`";
        /// It spans more than the longest window a read may.
        TooLong => (Invalid, "window_too_long"), "a window spans at most 400 days";
    }
);

impl Window {
    /// The instants it covers in `zone`, at most [`MAX_WINDOW_DAYS`] long.
    ///
    /// # Errors
    /// A backwards or too long window.
    pub fn interval(&self, zone: &Zone) -> Result<Interval, WindowRefused> {
        let at = |w: When| match w {
            When::At(t) => t,
            When::Day(d) => zone.start_of_day(d),
        };
        let window =
            Interval::new(at(self.from), at(self.to)).map_err(|_| WindowRefused::Backwards)?;
        if window.duration() > jiff::SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(WindowRefused::TooLong);
        }
        Ok(window)
    }
}

/// The use cases over the engine and its ports.
#[derive(Clone)]
pub struct App {
    engine: Engine,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("App")
    }
}

impl App {
    /// The application over an engine (which holds the ports).
    #[must_use]
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// The engine, for the use cases that have not moved here yet.
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
