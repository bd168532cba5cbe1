//! Offers and availability: loading an offer once (cached per catalog revision), its free
//! slots over a window, the first free slot, and the back office's slots with their status.

use super::*;

/// The first free slot found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstSlot {
    /// The appointment.
    pub interval: Interval,
    /// Resources that can take it.
    pub resources: Vec<ResourceId>,
}

/// Everything loaded to evaluate one offer (read-only: the resource index is derived from it).
#[derive(Clone, Debug)]
pub struct OfferContext {
    pub(super) business: Business,
    pub(super) agenda: Agenda,
    pub(super) service: Service,
    pub(super) resources: Vec<Resource>,
    pub(super) rules: SlotRules,
    /// `(resource id, position in resources)`, sorted: bookings are matched to resources by it.
    index: Vec<(ResourceId, usize)>,
}

/// Bookings, holds or a lock code to look through.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Ignore<'a> {
    pub(super) lock: Option<&'a LockDigest>,
    pub(super) booking: Option<BookingId>,
}

/// Exceptions and external busy times: what does not change inside a booking transaction.
#[derive(Clone, Debug, Default)]
pub struct StaticBusy {
    per_resource: Vec<Vec<(i64, i64)>>,
}

impl OfferContext {
    /// Exceptions and external busy times, per resource of the offer.
    pub(super) fn statics(&self, busy: impl Iterator<Item = (ResourceId, Interval)>) -> StaticBusy {
        let mut per_resource = vec![Vec::new(); self.resources.len()];
        for (resource, interval) in busy {
            if let Some(i) = self.index_of(resource) {
                per_resource[i].push(interval.seconds());
            }
        }
        StaticBusy { per_resource }
    }

    pub(super) fn new(
        business: Business,
        agenda: Agenda,
        service: Service,
        resources: Vec<Resource>,
        rules: SlotRules,
    ) -> Self {
        let mut index: Vec<(ResourceId, usize)> =
            resources.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        index.sort_unstable();
        Self { business, agenda, service, resources, rules, index }
    }

    /// The business.
    #[must_use]
    pub fn business(&self) -> &Business {
        &self.business
    }

    /// The agenda.
    #[must_use]
    pub fn agenda(&self) -> &Agenda {
        &self.agenda
    }

    /// The service.
    #[must_use]
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The resources considered, in agenda order.
    #[must_use]
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// Slot rules of the service.
    #[must_use]
    pub fn rules(&self) -> &SlotRules {
        &self.rules
    }

    /// Position of a resource in `resources`: thousands of bookings are matched per query.
    pub(super) fn index_of(&self, resource: ResourceId) -> Option<usize> {
        self.index.binary_search_by_key(&resource, |e| e.0).ok().map(|found| self.index[found].1)
    }

    pub(super) fn query(&self, window: Interval, now: Timestamp, limits: Limits) -> SlotQuery {
        let query = SlotQuery::new(window);
        match limits {
            Limits::Apply => {
                let notice = self
                    .service
                    .min_before_booking
                    .unwrap_or(self.business.settings.min_before_booking);
                query.with_limits(now, notice, self.business.settings.max_advance())
            }
            Limits::Bypass => query.not_before(now),
        }
    }

    /// Where busy times can matter for starts inside `window`.
    pub(super) fn reach(&self, window: Interval) -> Interval {
        let (_, busy) = self.rules.slot_at(window.start());
        let (_, last) = self.rules.slot_at(window.end());
        Interval::new(busy.start(), last.end()).unwrap_or(window)
    }

    /// The availability of this offer given an occupancy snapshot: the one code path of listing
    /// and booking.
    #[must_use]
    pub fn availability(
        &self,
        statics: &StaticBusy,
        occupancy: &Occupancy,
        now: Timestamp,
        caller: Option<&LockDigest>,
        query: &SlotQuery,
    ) -> Availability {
        self.availability_ignoring(
            statics,
            occupancy,
            now,
            Ignore { lock: caller, booking: None },
            query,
        )
    }

    pub(super) fn availability_ignoring(
        &self,
        statics: &StaticBusy,
        occupancy: &Occupancy,
        now: Timestamp,
        ignore: Ignore<'_>,
        query: &SlotQuery,
    ) -> Availability {
        let mut spans: Vec<Vec<(i64, i64)>> = (0..self.resources.len())
            .map(|i| statics.per_resource.get(i).cloned().unwrap_or_default())
            .collect();
        for booking in &occupancy.bookings {
            if booking.status.occupies()
                && Some(booking.id) != ignore.booking
                && let Some(i) = self.index_of(booking.resource)
            {
                spans[i].push(booking.busy.seconds());
            }
        }
        for hold in &occupancy.holds {
            if let Target::Appointment { resource, busy, .. } = &hold.target
                && hold.blocks(now, ignore.lock)
                && let Some(i) = self.index_of(*resource)
            {
                spans[i].push(busy.seconds());
            }
        }
        let busy: Vec<BusyTimes> = spans.into_iter().map(BusyTimes::from_spans).collect();
        let calendars: Vec<ResourceCalendar<'_>> = self
            .resources
            .iter()
            .zip(&busy)
            .map(|(r, b)| ResourceCalendar {
                resource: r.id,
                zone: &r.zone,
                hours: &r.hours,
                busy: b,
            })
            .collect();
        availability(&calendars, &self.rules, query)
    }

    /// The resource that takes the slot starting at `start`, deciding exactly as listing does.
    pub(super) fn place(
        &self,
        statics: &StaticBusy,
        occupancy: &Occupancy,
        now: Timestamp,
        ignore: Ignore<'_>,
        query: &SlotQuery,
        start: Timestamp,
    ) -> Result<ResourceId, Refusal> {
        let found = self.availability_ignoring(statics, occupancy, now, ignore, query);
        let slot = found.find(start).ok_or(Refusal::SlotTaken)?;
        found.resources(slot).first().copied().ok_or(Refusal::SlotTaken)
    }

    /// A transaction over every considered resource around `busy`.
    pub(super) fn scope(&self, busy: Interval, lock: Option<LockDigest>) -> TxScope {
        TxScope {
            resources: self.resources.iter().map(|r| r.id).collect(),
            window: Some(busy),
            lock,
            ..TxScope::new(self.business.id)
        }
    }

    pub(super) fn hold_ttl(&self) -> SignedDuration {
        self.agenda.hold_ttl.unwrap_or(self.business.settings.hold_ttl)
    }

    pub(super) fn default_status(&self) -> BookingStatus {
        self.service.default_status.unwrap_or(self.business.settings.default_status)
    }
}

/// Expired holds seen in a transaction: deleted there, so a database constraint never trips on them.
fn expired_holds(view: &TxView, now: Timestamp) -> impl Iterator<Item = HoldId> + '_ {
    view.occupancy
        .holds
        .iter()
        .chain(view.sessions.iter().flat_map(|s| &s.holds))
        .filter(move |h| !h.is_live(now))
        .map(|h| h.id)
}

pub(super) fn stale_holds(view: &TxView, now: Timestamp) -> Write {
    let mut ids: Vec<HoldId> =
        view.lock_holds.iter().map(|h| h.id).chain(expired_holds(view, now)).collect();
    ids.sort_unstable();
    ids.dedup();
    Write::DeleteHolds(ids)
}

/// The window of starts that contains only `start`: how booking asks the engine for one slot.
pub(super) fn one_second(start: Timestamp) -> Interval {
    let second = start.min(Timestamp::MAX - SignedDuration::from_secs(1)).as_second();
    Interval::from_seconds(second, second + 1)
}

impl Engine {
    /// Loads and checks an offer: the business, the agenda, the service on it, the resources.
    ///
    /// The catalog part (agenda, service, resources, rules) is cached per engine and reused while
    /// the business's `revision` is unchanged, so a request reads the business row only: any
    /// change to the business or its resources, agendas or services bumps the revision (the
    /// store guarantees it) and the next request reloads.
    pub async fn offer(
        &self,
        business: BusinessId,
        offer: Offer,
    ) -> Result<Arc<OfferContext>, OfferError> {
        let store = &self.ports.store;
        let business = store.business(business).await?.ok_or(OfferError::UnknownBusiness)?;
        let key = (business.id, offer);
        let cached = self.offers.lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
        if let Some(ctx) = cached.filter(|c| c.business == business) {
            return Ok(ctx);
        }
        let agenda =
            store.agenda(business.id, offer.agenda).await?.ok_or(OfferError::UnknownAgenda)?;
        let service =
            store.service(business.id, offer.service).await?.ok_or(OfferError::UnknownService)?;
        if !agenda.services.contains(&service.id) {
            return Err(OfferError::ServiceNotOnAgenda);
        }
        let wanted: Vec<ResourceId> = match offer.resource {
            Some(r) if agenda.resources.contains(&r) => vec![r],
            Some(_) => return Err(OfferError::UnknownResource),
            None => agenda.resources.clone(),
        };
        let all = store.resources(business.id).await?;
        let resources =
            wanted.iter().filter_map(|id| all.iter().find(|r| r.id == *id).cloned()).collect();
        let rules = SlotRules::for_service(&service, &business.settings)?;
        let ctx = Arc::new(OfferContext::new(business, agenda, service, resources, rules));
        let mut offers = self.offers.lock().unwrap_or_else(PoisonError::into_inner);
        if offers.len() >= MAX_CACHED_OFFERS {
            offers.clear();
        }
        offers.insert(key, ctx.clone());
        Ok(ctx)
    }

    /// Exceptions, and external busy times when the business removes busy slots (§H3).
    pub async fn static_busy(
        &self,
        ctx: &OfferContext,
        window: Interval,
    ) -> Result<StaticBusy, StoreError> {
        // Not `busy_around`: a booking reads occupancy inside its transaction, so reading it
        // here too would be wasted on the hot path (measured: a fifth fewer bookings/s).
        let store = &self.ports.store;
        let ids: Vec<ResourceId> = ctx.resources.iter().map(|r| r.id).collect();
        let reach = ctx.reach(window);
        let exceptions = store.exceptions(ctx.business.id, &ids, reach).await?;
        let external = if ctx.business.settings.calendar.remove_busy_slots {
            store.external_busy(ctx.business.id, &ids, reach).await?
        } else {
            Vec::new()
        };
        let exceptions = exceptions.iter().map(|(r, e)| (*r, e.interval));
        Ok(ctx.statics(exceptions.chain(external)))
    }

    /// Everything blocking the offer's resources around `window`, in one store read.
    pub(super) async fn busy_around(
        &self,
        ctx: &OfferContext,
        window: Interval,
    ) -> Result<Busy, StoreError> {
        let ids: Vec<ResourceId> = ctx.resources.iter().map(|r| r.id).collect();
        let external = ctx.business.settings.calendar.remove_busy_slots;
        self.ports.store.busy(ctx.business.id, &ids, ctx.reach(window), external).await
    }

    /// §A2: the free slots of an offer whose start lies in `window`. `lock` makes the caller's
    /// own holds count as free. Customers always get [`Limits::Apply`].
    pub async fn availability(
        &self,
        business: BusinessId,
        offer: Offer,
        window: Interval,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Availability, OfferError> {
        let ctx = self.offer(business, offer).await?;
        self.availability_for(&ctx, window, lock, actor, limits).await
    }

    /// [`Engine::availability`] of an offer already loaded with [`Engine::offer`] (an adapter
    /// that needs the business too, for its zone, reads it once).
    pub async fn availability_for(
        &self,
        ctx: &OfferContext,
        window: Interval,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Availability, OfferError> {
        if window.duration() > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(OfferError::WindowTooLong);
        }
        let digest = lock.map(LockCode::digest);
        let now = self.now();
        let query = ctx.query(window, now, effective(actor, limits));
        self.availability_of(ctx, &query, now, digest.as_ref()).await
    }

    /// Availability of a loaded offer: reads occupancy and static busy times around the query.
    pub(super) async fn availability_of(
        &self,
        ctx: &OfferContext,
        query: &SlotQuery,
        now: Timestamp,
        caller: Option<&LockDigest>,
    ) -> Result<Availability, OfferError> {
        let busy = self.busy_around(ctx, query.window()).await?;
        let statics = ctx.statics(busy.exceptions.iter().chain(&busy.external).copied());
        Ok(ctx.availability(&statics, &busy.occupancy, now, caller, query))
    }

    /// §G datetimes: every slot the offer's hours and exceptions allow whose start lies in
    /// `window`, each with whether it can still be booked (`true`) or is taken by bookings and
    /// others' holds (`false`). The free ones are exactly [`Engine::availability`]'s: the same
    /// code path decides, run once with the occupancy and once without.
    pub async fn slots_with_status(
        &self,
        business: BusinessId,
        offer: Offer,
        window: Interval,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Vec<(Interval, bool)>, OfferError> {
        if window.duration() > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            return Err(OfferError::WindowTooLong);
        }
        let ctx = self.offer(business, offer).await?;
        let digest = lock.map(LockCode::digest);
        let now = self.now();
        let query = ctx.query(window, now, effective(actor, limits));
        let busy = self.busy_around(&ctx, query.window()).await?;
        let statics = ctx.statics(busy.exceptions.iter().chain(&busy.external).copied());
        let free = ctx.availability(&statics, &busy.occupancy, now, digest.as_ref(), &query);
        let all = ctx.availability(&statics, &Occupancy::default(), now, None, &query);
        Ok(all
            .slots()
            .iter()
            .map(|slot| (slot.interval(), free.find(slot.start()).is_some()))
            .collect())
    }

    /// §A2: the first free slot at or after `from`, searched week by week up to the maximum advance.
    pub async fn first_available(
        &self,
        business: BusinessId,
        offer: Offer,
        from: Timestamp,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Option<FirstSlot>, OfferError> {
        let ctx = self.offer(business, offer).await?;
        self.first_available_for(&ctx, from, lock, actor, limits).await
    }

    /// [`Engine::first_available`] of an offer already loaded with [`Engine::offer`].
    pub async fn first_available_for(
        &self,
        ctx: &OfferContext,
        from: Timestamp,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Option<FirstSlot>, OfferError> {
        let now = self.now();
        let digest = lock.map(LockCode::digest);
        let horizon = match effective(actor, limits) {
            Limits::Apply => {
                now.saturating_add(ctx.business.settings.max_advance()).unwrap_or(Timestamp::MAX)
            }
            Limits::Bypass => now
                .saturating_add(SignedDuration::from_hours(24 * MAX_WINDOW_DAYS))
                .unwrap_or(Timestamp::MAX),
        };
        let mut start = from.max(now);
        let week = SignedDuration::from_hours(24 * 7);
        while start < horizon {
            let end = start.saturating_add(week).unwrap_or(Timestamp::MAX).min(horizon);
            let Ok(window) = Interval::new(start, end) else { break };
            let query = ctx.query(window, now, effective(actor, limits));
            let found = self.availability_of(ctx, &query, now, digest.as_ref()).await?;
            if let Some(slot) = found.first() {
                return Ok(Some(FirstSlot {
                    interval: slot.interval(),
                    resources: found.resources(slot).to_vec(),
                }));
            }
            start = end;
        }
        Ok(None)
    }
}
