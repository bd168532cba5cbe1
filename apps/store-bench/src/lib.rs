//! What the storage benchmark and the crash test share: a business built for throughput, and
//! its slots.

use std::sync::Arc;

use booking_core::ids::{AgendaId, BusinessId, ResourceId, ServiceId};
use booking_core::ports::store::Store;
use booking_core::schedule::OpeningHours;
use booking_core::time::{SignedDuration, Timestamp};
use booking_core::{Engine, Ports};
use booking_testkit::{FakeClock, SeqTokens, fixtures};

/// Monday 2027-01-04 00:00 UTC: the first slot; the clock stands a few days before.
pub const FIRST_SLOT: &str = "2027-01-04T00:00:00Z";
pub const NOW: &str = "2027-01-01T00:00:00Z";
pub const SLOT_MINUTES: i64 = 15;

/// A business set up for booking, with its engine.
pub struct Setup {
    /// The engine (fake clock at [`NOW`]).
    pub engine: Engine,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The business.
    pub business: BusinessId,
    /// Its agenda.
    pub agenda: AgendaId,
    /// Its 15-minute service.
    pub service: ServiceId,
    /// Its desks, open around the clock.
    pub desks: Vec<ResourceId>,
}

/// A business whose `desks` desks are open around the clock, with a 15-minute service
/// bookable ten years ahead.
pub async fn setup(store: Arc<dyn Store>, desks: usize) -> anyhow::Result<Setup> {
    let mut draft = fixtures::business("Bench", "UTC");
    draft.settings.days_in_advance = 3650;
    let business = store.create_business(draft).await?;
    let open =
        OpeningHours::closed().on(&fixtures::EVERY_DAY, &[fixtures::hours("00:00", "24:00")]);
    let mut ids = Vec::new();
    for n in 0..desks {
        let desk = fixtures::desk(business.id, &format!("desk {n}"), &business.zone, open.clone());
        ids.push(store.create_resource(desk).await?.id);
    }
    let mut service = fixtures::service(business.id, "quick", SLOT_MINUTES);
    service.step = Some(SignedDuration::from_mins(SLOT_MINUTES));
    let service = store.create_service(service).await?;
    let agenda = store
        .create_agenda(fixtures::agenda(business.id, "bench", ids.clone(), vec![service.id]))
        .await?;
    let engine = Engine::new(Ports {
        store: store.clone(),
        clock: Arc::new(FakeClock::parse(NOW)),
        tokens: Arc::new(SeqTokens::new(1)),
    });
    Ok(Setup {
        engine,
        store,
        business: business.id,
        agenda: agenda.id,
        service: service.id,
        desks: ids,
    })
}

/// The set-up [`setup`] made for `business` on `store` (its first agenda, with its service and
/// desks), with a new engine: what a process reopening the database works with.
///
/// # Errors
/// Storage errors, or a business without an agenda.
pub async fn reattach(store: Arc<dyn Store>, business: BusinessId) -> anyhow::Result<Setup> {
    let agenda = store.agendas(business).await?.into_iter().next();
    let agenda = agenda.ok_or_else(|| anyhow::anyhow!("business {business} has no agenda"))?;
    let service = *agenda.services.first().ok_or_else(|| anyhow::anyhow!("no service"))?;
    let engine = Engine::new(Ports {
        store: store.clone(),
        clock: Arc::new(FakeClock::parse(NOW)),
        tokens: Arc::new(SeqTokens::new(1_000_000)),
    });
    Ok(Setup { engine, store, business, agenda: agenda.id, service, desks: agenda.resources })
}

/// The `n`-th 15-minute slot from [`FIRST_SLOT`].
#[must_use]
pub fn slot(n: usize) -> Timestamp {
    let first: Timestamp = FIRST_SLOT.parse().expect("an instant");
    let minutes = i64::try_from(n).unwrap_or(i64::MAX / 60) * SLOT_MINUTES;
    first.checked_add(SignedDuration::from_mins(minutes)).expect("in range")
}

/// The `p`-quantile (0 to 1) of some durations, nearest rank; zero when there are none.
#[must_use]
pub fn percentile(times: &[std::time::Duration], p: f64) -> std::time::Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}
