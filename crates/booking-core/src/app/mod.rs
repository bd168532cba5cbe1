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
pub mod calendar;
pub mod catalog;
pub mod chrono;
pub mod codes;
pub mod commands;
pub mod feeds;
pub mod idempotency;
pub mod office;
pub mod setup;
pub mod video;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::Engine;
use crate::engine::MAX_WINDOW_DAYS;
use crate::error::error_enum;
use crate::services::calendar::CalendarSync;
use crate::services::codes::CodeBook;
use crate::services::video::VideoSync;
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

/// The use cases over the engine, its ports and the optional services (codes, video,
/// calendars).
#[derive(Clone)]
pub struct App {
    engine: Engine,
    codes: CodeBook,
    video: Option<VideoSync>,
    calendar: Option<CalendarSync>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("App")
    }
}

impl App {
    /// The application over an engine (which holds the ports), digesting codes under a key
    /// derived from the server's `secret`. Video and calendar sync are off until given.
    #[must_use]
    pub fn new(engine: Engine, secret: &[u8; 32]) -> Self {
        let codes = CodeBook::new(engine.ports(), secret);
        Self { engine, codes, video: None, calendar: None }
    }

    /// Turns video conferencing on.
    #[must_use]
    pub fn with_video(mut self, video: VideoSync) -> Self {
        self.video = Some(video);
        self
    }

    /// Turns calendar sync on.
    #[must_use]
    pub fn with_calendar(mut self, calendar: CalendarSync) -> Self {
        self.calendar = Some(calendar);
        self
    }

    /// Whether storage answers (readiness probes).
    ///
    /// # Errors
    /// Storage.
    pub async fn storage_ready(&self) -> Result<(), crate::ports::store::StoreError> {
        self.engine.ports().store.business(crate::ids::BusinessId::new(0)).await.map(|_| ())
    }

    /// Every employee calendar connection of every business, for the operator's metrics.
    ///
    /// # Errors
    /// Storage.
    pub async fn all_calendar_connections(
        &self,
    ) -> Result<Vec<crate::calendar::Connection>, crate::ports::store::StoreError> {
        self.engine.ports().store.all_connections().await
    }

    /// Purges what is already ignored when read — expired account tokens and holds, and the
    /// `Idempotency-Key` answers older than [`idempotency::ANSWER_LIFETIME`] —, the outbox's done
    /// jobs due more than `keep_done_jobs` ago (in small batches, issue 25), and runs the
    /// database's upkeep ([`crate::ports::store::Maintenance`]). Each failure is returned with what it
    /// was purging, for the caller to log; the rest still ran.
    pub async fn housekeeping(
        &self,
        keep_done_jobs: jiff::SignedDuration,
    ) -> Vec<(&'static str, crate::ports::store::StoreError)> {
        let ports = self.engine.ports();
        let now = ports.clock.now();
        let before = now.checked_sub(idempotency::ANSWER_LIFETIME).unwrap_or(now);
        let mut failed = Vec::new();
        let done_before = now.checked_sub(keep_done_jobs).unwrap_or(now);
        if let Err(e) = crate::services::outbox::purge_done(ports.store.as_ref(), done_before).await
        {
            failed.push(("done outbox jobs", e));
        }
        if let Err(e) = ports.store.purge_expired_tokens(now).await {
            failed.push(("expired account tokens", e));
        }
        if let Err(e) = ports.store.purge_expired_holds(now).await {
            failed.push(("expired holds", e));
        }
        if let Err(e) = ports.store.forget_answers_before(before).await {
            failed.push(("old idempotency answers", e));
        }
        if let Err(e) = ports.store.maintain().await {
            failed.push(("the database's upkeep", e));
        }
        failed
    }

    /// The codes service.
    #[must_use]
    pub fn codes(&self) -> &CodeBook {
        &self.codes
    }

    /// The video service, when video conferencing is on.
    #[must_use]
    pub fn video(&self) -> Option<&VideoSync> {
        self.video.as_ref()
    }

    /// The calendar service, when calendar sync is on.
    #[must_use]
    pub fn calendar(&self) -> Option<&CalendarSync> {
        self.calendar.as_ref()
    }

    /// The engine, for the use cases that have not moved here yet.
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
