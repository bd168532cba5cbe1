//! Seats in an event's session (§B): holding and booking them against its capacity.

use super::*;

pub(super) enum SeatOutcome {
    Held(Hold),
    Booked(Booking),
}

impl Engine {
    /// §A3/§A4: holds seats in a session for `lock` (moving any hold the lock already has).
    pub async fn hold_seats(
        &self,
        business: BusinessId,
        session: SessionId,
        seats: u32,
        lock: &LockCode,
        actor: Actor,
    ) -> Result<Hold, SeatError> {
        match self.seats(business, session, seats, Some(lock), None, actor).await? {
            SeatOutcome::Held(hold) => Ok(hold),
            SeatOutcome::Booked(_) => Err(SeatError::Store(missing("hold"))),
        }
    }

    /// §A3: books seats in a session; with `lock`, the caller's own held seats count as free.
    pub async fn book_seats(
        &self,
        business: BusinessId,
        session: SessionId,
        seats: u32,
        lock: Option<&LockCode>,
        details: Details,
        actor: Actor,
    ) -> Result<Booking, SeatError> {
        details.check()?;
        if !self.customer_of(business, &details).await? {
            return Err(SeatError::UnknownCustomer);
        }
        match self.seats(business, session, seats, lock, Some(details), actor).await? {
            SeatOutcome::Booked(booking) => Ok(booking),
            SeatOutcome::Held(_) => Err(SeatError::Store(missing("booking"))),
        }
    }

    pub(super) async fn seats(
        &self,
        business: BusinessId,
        session: SessionId,
        seats: u32,
        lock: Option<&LockCode>,
        details: Option<Details>,
        actor: Actor,
    ) -> Result<SeatOutcome, SeatError> {
        if seats == 0 {
            return Err(SeatError::InvalidSeats);
        }
        let biz = self.ports.store.business(business).await?.ok_or(SeatError::SessionNotFound)?;
        let now = self.now();
        let digest = lock.map(LockCode::digest);
        let code = details.as_ref().and_then(|d| d.code);
        let scope = TxScope {
            sessions: vec![session],
            lock: digest,
            codes: code.into_iter().collect(),
            ..TxScope::new(business)
        };
        let ttl = biz.settings.hold_ttl;
        // What a code pays: the event's price for each seat.
        let price = match code {
            Some(_) => {
                let s = self.ports.store.session(business, session).await?;
                let event = match s {
                    Some(s) => self.ports.store.event(business, s.event).await?,
                    None => None,
                };
                event.map_or(0, |e| e.price_minor.saturating_mul(i64::from(seats)))
            }
            None => 0,
        };
        let mut decide = |view: &TxView| {
            let load = view
                .sessions
                .iter()
                .find(|s| s.session.id == session)
                .ok_or(Refusal::SessionNotFound)?;
            if load.session.interval.start() <= now {
                return Err(Refusal::InThePast);
            }
            let held: u32 = load
                .holds
                .iter()
                .filter(|h| h.blocks(now, digest.as_ref()))
                .map(|h| match h.target {
                    Target::Session { seats, .. } => seats,
                    Target::Appointment { .. } => 0,
                })
                .sum();
            if seats > free_seats(load.session.capacity, load.booked_seats, held) {
                return Err(Refusal::SessionFull);
            }
            let target = Target::Session { session, seats };
            let write = match (&details, &digest) {
                (Some(details), _) => {
                    insert(&biz, target, details, biz.settings.default_status, now, actor, None)
                }
                (None, Some(lock)) => Write::InsertHold(NewHold {
                    business,
                    lock: *lock,
                    target: Target::Session { session, seats },
                    created_at: now,
                    expires_at: now.saturating_add(ttl).unwrap_or(Timestamp::MAX),
                }),
                (None, None) => return Err(Refusal::HoldNotFound),
            };
            let starts_at = load.session.interval.start();
            let paid = Paid { service: None, units: seats, price, starts_at };
            let mut writes = vec![stale_holds(view, now), write];
            writes.extend(redeem(view, code, paid, now)?);
            Ok(writes)
        };
        let outcome = self.transact_with(&scope, Announce::of(&biz), &mut decide).await.map_err(
            |e| match e {
                TxError::Refused(Refusal::SessionNotFound | Refusal::HoldNotFound) => {
                    SeatError::SessionNotFound
                }
                TxError::Refused(Refusal::InThePast) => SeatError::InThePast,
                TxError::Refused(Refusal::Code(r)) => SeatError::Code(r),
                TxError::Refused(_) | TxError::Conflict => SeatError::SessionFull,
                TxError::Store(e) => SeatError::Store(e),
            },
        )?;
        if let Some(booking) = outcome.bookings.into_iter().next() {
            return Ok(SeatOutcome::Booked(booking));
        }
        outcome
            .holds
            .into_iter()
            .next()
            .map(SeatOutcome::Held)
            .ok_or_else(|| SeatError::Store(missing("hold")))
    }
}
