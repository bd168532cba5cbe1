//! Holds: a slot kept under a lock code while the form is filled (§A4), and releasing them.

use super::*;

impl Engine {
    /// §A4: holds the slot starting at `start` for `lock`, moving any hold the lock already has.
    pub async fn hold(
        &self,
        business: BusinessId,
        offer: Offer,
        start: Timestamp,
        lock: &LockCode,
        actor: Actor,
        limits: Limits,
    ) -> Result<Hold, HoldError> {
        let ctx = self.offer(business, offer).await?;
        let now = self.now();
        let digest = lock.digest();
        let (slot, busy) = ctx.rules.slot_at(start);
        let statics = self.static_busy(&ctx, one_second(start)).await?;
        let query = ctx.query(one_second(start), now, effective(actor, limits));
        let scope = ctx.scope(busy, Some(digest));
        let expires_at = now.saturating_add(ctx.hold_ttl()).unwrap_or(Timestamp::MAX);
        let mut decide = |view: &TxView| {
            let ignore = Ignore { lock: Some(&digest), booking: None };
            let resource = ctx.place(&statics, &view.occupancy, now, ignore, &query, start)?;
            Ok(vec![
                stale_holds(view, now),
                Write::InsertHold(NewHold {
                    business: ctx.business.id,
                    lock: digest,
                    target: Target::Appointment {
                        agenda: ctx.agenda.id,
                        service: ctx.service.id,
                        resource,
                        slot,
                        busy,
                    },
                    created_at: now,
                    expires_at,
                }),
            ])
        };
        // A hold is no booking change: it announces nothing.
        let outcome =
            self.transact(&scope, Extras::default(), &mut decide).await.map_err(|e| match e {
                TxError::Store(e) => HoldError::Store(e),
                TxError::Refused(_) | TxError::Conflict => HoldError::SlotTaken,
            })?;
        outcome.holds.into_iter().next().ok_or_else(|| HoldError::Store(missing("hold")))
    }

    /// Releases every hold of a lock code; how many there were.
    pub async fn release(
        &self,
        business: BusinessId,
        lock: &LockCode,
    ) -> Result<usize, StoreError> {
        self.ports.store.release(business, &lock.digest()).await
    }
}
