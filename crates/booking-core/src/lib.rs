//! # booking-core
//!
//! The pure rules of the booking engine: opening hours with explicit DST rules, the slot engine,
//! capacity, holds with lock codes, the booking lifecycle with its history, cancellation and
//! reschedule windows, GDPR anonymisation and `%placeholder%` templates — behind port traits.
//!
//! No I/O, no async runtime, no database: adapters implement the [`ports`];
//! the [`Engine`] runs the use cases over them. Time comes only from [`ports::clock::Clock`] and
//! randomness only from [`ports::tokens::TokenSource`], so every rule runs under a fake clock.
//!
//! | rule | module |
//! |---|---|
//! | the vocabulary: businesses, resources, agendas, services, events, customers; ids | [`catalog`], [`ids`] |
//! | the use cases inbound adapters call, with their permissions | [`app`] |
//! | the booking use cases (availability, holds, bookings, changes) | [`engine`] |
//! | §A1 opening hours, DST | [`schedule`], [`time`] |
//! | §A2 slots, §A3 capacity | [`slots`] |
//! | §A4 holds | [`holds`] |
//! | §A5 lifecycle | [`booking`] |
//! | §A6 windows | [`policy`] |
//! | §A7 anonymisation | [`anonymise`] |
//! | §A8 templates | [`template`] |
//! | §A9 ports, one file per capability | [`ports`] |
//! | §B3 outbox, and which jobs a booking change enqueues | [`outbox`], [`jobs`] |
//! | §C4 roles, API keys | [`access`] |
//! | §C8 iCalendar import and feeds | [`ics`] |
//! | §C9 signed webhooks | [`webhooks`] |
//! | §D customer accounts, magic links, panel sessions | [`accounts`] |
//! | §H calendar sync | [`calendar`] |
//! | outside services (calendars, video meetings) by id | [`provider`] |
//! | §I codes: packages, gift certificates, subscriptions | [`codes`] |
//! | the services over the storage port: accounts, calendar sync, video, codes, emails | [`services`] |
//! | §J video conferencing | [`video`] |
//! | §E booking emails | [`notify`] |
//! | catalog set-up with tenant checks | [`setup`] |
//! | §K defaults | [`settings`] |
//! | §C1 error codes and their kinds | [`error`] |
//!
//! ## Booking a slot end to end
//!
//! With the in-memory fakes of `booking-testkit`:
//!
//! ```
//! use booking_core::{Actor, Details, Limits, Offer};
//! use booking_core::holds::LockCode;
//! use booking_core::time::{Interval, Timestamp};
//! use booking_testkit::Harness;
//!
//! # futures::executor::block_on(async {
//! // A business in Paris with one desk open Monday to Friday 09:00–17:00, a 30-minute service,
//! // and a clock set to Friday 2027-01-01 08:00 UTC.
//! let h = Harness::demo("2027-01-01T08:00:00Z").await;
//! let offer = Offer { agenda: h.agenda, service: h.service, resource: None };
//! let monday = Interval::new(
//!     "2027-01-04T00:00:00+01:00".parse::<Timestamp>().unwrap(),
//!     "2027-01-05T00:00:00+01:00".parse::<Timestamp>().unwrap(),
//! ).unwrap();
//!
//! let slots = h.engine.availability(h.business, offer, monday, None, Actor::guest(), Limits::Apply).await.unwrap();
//! assert_eq!(slots.len(), 16); // 09:00, 09:30, …, 16:30 local
//! let first = slots.first().unwrap().start();
//!
//! // Hold it while the customer fills the form, then confirm with the same lock code.
//! let lock = LockCode::parse("form-1234").unwrap();
//! h.engine.hold(h.business, offer, first, &lock, Actor::guest(), Limits::Apply).await.unwrap();
//! let booking = h.engine.confirm(h.business, &lock, Details::default(), Actor::guest()).await.unwrap();
//! assert_eq!(booking.slot().unwrap().start(), first);
//!
//! // The slot is no longer offered.
//! let after = h.engine.availability(h.business, offer, monday, None, Actor::guest(), Limits::Apply).await.unwrap();
//! assert_eq!(after.len(), 15);
//! assert!(after.find(first).is_none());
//! # });
//! ```
#![deny(missing_docs)]

pub mod access;
pub mod accounts;
pub mod anonymise;
pub mod app;
pub mod booking;
pub mod calendar;
pub mod catalog;
pub mod codes;
pub mod engine;
pub mod error;
mod hex;
pub mod holds;
pub mod ics;
pub mod ids;
pub mod jobs;
pub mod notify;
pub mod outbox;
pub mod policy;
pub mod ports;
pub mod provider;
pub mod schedule;
pub mod services;
pub mod settings;
pub mod setup;
pub mod slots;
mod status;
pub mod template;
pub mod time;
pub mod video;
pub mod webhooks;

pub use booking::{Actor, Booking, BookingStatus, Role};
pub use engine::{Details, Engine, ErrorCode, Limits, Offer, Ports};
