//! Booking a slot, or confirming the hold of a lock code (§A5), in one transaction that
//! decides with the same slot engine availability lists with.

use super::*;

impl Engine {
    /// §A2/§A5: books the slot starting at `start`. With `lock`, the caller's own hold counts as
    /// free and is consumed.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is a distinct part of a booking request"
    )]
    pub async fn book(
        &self,
        business: BusinessId,
        offer: Offer,
        start: Timestamp,
        lock: Option<&LockCode>,
        details: Details,
        actor: Actor,
        limits: Limits,
    ) -> Result<Booking, BookError> {
        details.check()?;
        if !self.customer_of(business, &details).await? {
            return Err(BookError::UnknownCustomer);
        }
        let ctx = self.offer(business, offer).await?;
        let now = self.now();
        let digest = lock.map(LockCode::digest);
        let statics = self.static_busy(&ctx, one_second(start)).await?;
        let query = ctx.query(one_second(start), now, effective(actor, limits));
        let (slot, busy) = ctx.rules.slot_at(start);
        let scope =
            TxScope { codes: details.code.into_iter().collect(), ..ctx.scope(busy, digest) };
        let price = ctx.service.price_minor;
        let mut decide = |view: &TxView| {
            let ignore = Ignore { lock: digest.as_ref(), booking: None };
            let resource = ctx.place(&statics, &view.occupancy, now, ignore, &query, start)?;
            let target = Target::Appointment {
                agenda: ctx.agenda.id,
                service: ctx.service.id,
                resource,
                slot,
                busy,
            };
            let mut writes = vec![
                stale_holds(view, now),
                insert(&ctx.business, target, &details, ctx.default_status(), now, actor, None),
            ];
            let paid =
                Paid { service: Some(ctx.service.id), units: 1, price, starts_at: slot.start() };
            writes.extend(redeem(view, details.code, paid, now)?);
            Ok(writes)
        };
        let outcome = self
            .transact_with(&scope, Announce::of(&ctx.business), &mut decide)
            .await
            .map_err(|e| match e {
                TxError::Store(e) => BookError::Store(e),
                TxError::Refused(Refusal::Code(r)) => BookError::Code(r),
                TxError::Refused(_) | TxError::Conflict => BookError::SlotTaken,
            })?;
        outcome.bookings.into_iter().next().ok_or_else(|| BookError::Store(missing("booking")))
    }

    /// §A4: turns the hold of `lock` into a booking. A live hold always confirms; an expired one
    /// confirms only if its slot (or its seats) is still free.
    pub async fn confirm(
        &self,
        business: BusinessId,
        lock: &LockCode,
        details: Details,
        actor: Actor,
    ) -> Result<Booking, ConfirmError> {
        details.check()?;
        if !self.customer_of(business, &details).await? {
            return Err(ConfirmError::UnknownCustomer);
        }
        let digest = lock.digest();
        let holds = self.ports.store.holds_of(business, &digest).await?;
        let hold = holds.into_iter().next().ok_or(ConfirmError::HoldNotFound)?;
        match hold.target.clone() {
            Target::Appointment { agenda, service, resource, slot, busy } => {
                let offer = Offer { agenda, service, resource: Some(resource) };
                let ctx = self.offer(business, offer).await?;
                let now = self.now();
                let statics = self.static_busy(&ctx, one_second(slot.start())).await?;
                let scope = TxScope {
                    resources: vec![resource],
                    window: Some(busy),
                    lock: Some(digest),
                    codes: details.code.into_iter().collect(),
                    ..TxScope::new(business)
                };
                let price = ctx.service.price_minor;
                let mut decide = |view: &TxView| {
                    let current = view
                        .lock_holds
                        .iter()
                        .find(|h| h.id == hold.id)
                        .ok_or(Refusal::HoldNotFound)?;
                    // A live hold was checked when taken: notice no longer applies. An expired one
                    // is a new booking attempt under the usual limits.
                    let limits = if current.is_live(now) {
                        Limits::Bypass
                    } else {
                        effective(actor, Limits::Apply)
                    };
                    let query = ctx.query(one_second(slot.start()), now, limits);
                    let found =
                        ctx.availability(&statics, &view.occupancy, now, Some(&digest), &query);
                    if found.find(slot.start()).is_none() {
                        return Err(Refusal::HoldExpired);
                    }
                    let target = Target::Appointment { agenda, service, resource, slot, busy };
                    let mut writes = vec![
                        stale_holds(view, now),
                        insert(
                            &ctx.business,
                            target,
                            &details,
                            ctx.default_status(),
                            now,
                            actor,
                            None,
                        ),
                    ];
                    let paid =
                        Paid { service: Some(service), units: 1, price, starts_at: slot.start() };
                    writes.extend(redeem(view, details.code, paid, now)?);
                    Ok(writes)
                };
                let outcome = self
                    .transact_with(&scope, Announce::of(&ctx.business), &mut decide)
                    .await
                    .map_err(|e| match e {
                        TxError::Store(e) => ConfirmError::Store(e),
                        TxError::Refused(Refusal::HoldNotFound) => ConfirmError::HoldNotFound,
                        TxError::Refused(Refusal::Code(r)) => ConfirmError::Code(r),
                        TxError::Refused(_) | TxError::Conflict => ConfirmError::HoldExpired,
                    })?;
                outcome
                    .bookings
                    .into_iter()
                    .next()
                    .ok_or_else(|| ConfirmError::Store(missing("booking")))
            }
            Target::Session { session, seats } => {
                let result =
                    self.seats(business, session, seats, Some(lock), Some(details), actor).await;
                match result {
                    Ok(SeatOutcome::Booked(booking)) => Ok(booking),
                    Ok(SeatOutcome::Held(_)) => Err(ConfirmError::Store(missing("booking"))),
                    Err(SeatError::SessionFull) => Err(ConfirmError::SessionFull),
                    Err(SeatError::Code(r)) => Err(ConfirmError::Code(r)),
                    Err(SeatError::Store(e)) => Err(ConfirmError::Store(e)),
                    Err(_) => Err(ConfirmError::HoldExpired),
                }
            }
        }
    }

    pub(super) async fn visible_booking(
        &self,
        business: BusinessId,
        id: BookingId,
        actor: Actor,
    ) -> Result<Option<Booking>, StoreError> {
        let booking = self.ports.store.booking(business, id).await?;
        Ok(booking.filter(|b| {
            actor.role != Role::Customer || b.customer.map(CustomerId::get) == actor.user
        }))
    }

    pub(super) async fn start_and_service(
        &self,
        booking: &Booking,
    ) -> Result<(Timestamp, Option<Service>), StoreError> {
        match &booking.target {
            Target::Appointment { service, slot, .. } => {
                Ok((slot.start(), self.ports.store.service(booking.business, *service).await?))
            }
            Target::Session { session, .. } => {
                let start = self
                    .ports
                    .store
                    .session(booking.business, *session)
                    .await?
                    .map(|s| s.interval.start());
                Ok((start.unwrap_or(Timestamp::MIN), None))
            }
        }
    }
}
