//! # booking-testkit
//!
//! What a test of the booking engine needs, for this workspace and for developers embedding
//! `booking-core`:
//!
//! - [`InMemoryStore`], every storage port with the databases' semantics (serialised
//!   transactions, the no-overlap constraint, capacity checks);
//! - fakes of the other ports: [`FakeClock`], [`SeqTokens`], [`FakeHasher`],
//!   [`RecordingMailer`], [`FakeCalendarApi`], [`FakeSealer`], [`FakeMeetings`],
//!   [`FakeMeetingService`];
//! - [`fixtures`] to build businesses, resources and services, and [`Harness`], a ready engine;
//! - [`strategies`], proptest generators of schedules, zones, bookings and holds;
//! - [`google_fake`], a stateful local fake of Google Calendar for whole-sync tests;
//! - [`contract`], the storage contract suite every store runs ([`store_contract_tests!`]), and
//!   [`upgrade`], the rows of older versions every SQL store must read after its migrations.

pub mod calendar_contract;
pub mod contract;
mod fakes;
pub mod fixtures;
pub mod google_fake;
pub mod meeting_contract;
mod memory;
pub mod smtp;
pub mod strategies;
pub mod upgrade;

use std::sync::Arc;

use booking_core::ids::{AgendaId, BusinessId, ResourceId, ServiceId};
use booking_core::ports::store::Store;
use booking_core::{Engine, Ports};

pub use fakes::{
    FakeCalendarApi, FakeClock, FakeHasher, FakeMeetingService, FakeMeetings, FakeSealer,
    RecordingMailer, SeqTokens,
};
pub use memory::InMemoryStore;

/// An engine over a store, a fake clock and deterministic tokens, with a demo business: one
/// desk in Europe/Paris open Monday–Friday 09:00–17:00 and a 30-minute service on one agenda.
pub struct Harness {
    /// The engine under test.
    pub engine: Engine,
    /// The store behind it.
    pub store: Arc<dyn Store>,
    /// The clock behind it.
    pub clock: Arc<FakeClock>,
    /// The demo business.
    pub business: BusinessId,
    /// Its agenda.
    pub agenda: AgendaId,
    /// Its 30-minute service.
    pub service: ServiceId,
    /// Its desk.
    pub desk: ResourceId,
}

impl Harness {
    /// The demo business in a fresh [`InMemoryStore`], the clock at `now` (RFC 3339).
    pub async fn demo(now: &str) -> Self {
        Self::demo_in(Arc::new(InMemoryStore::new()), now).await
    }

    /// The demo business in any store.
    pub async fn demo_in(store: Arc<dyn Store>, now: &str) -> Self {
        let clock = Arc::new(FakeClock::parse(now));
        let engine = Engine::new(Ports {
            store: store.clone(),
            clock: clock.clone(),
            tokens: Arc::new(SeqTokens::new(7)),
        });
        let demo = fixtures::demo_business(store.as_ref(), 1).await;
        Self {
            engine,
            store,
            clock,
            business: demo.business,
            agenda: demo.agenda,
            service: demo.service,
            desk: demo.desks[0],
        }
    }
}
