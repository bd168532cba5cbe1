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

use crate::Engine;

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
