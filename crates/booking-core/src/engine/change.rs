//! Changes of a booking: cancelling and moving it within the windows (§A6), its status
//! (approve, reject, no-show), and erasing a customer (§A7).

use super::*;

impl Engine {
    /// §A5/§A6: cancels a booking. Customers only within their window and only their own.
    pub async fn cancel(
        &self,
        business: BusinessId,
        id: BookingId,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<Booking, CancelError> {
        let booking =
            self.visible_booking(business, id, actor).await?.ok_or(CancelError::BookingNotFound)?;
        let biz = self.ports.store.business(business).await?;
        let extras = biz.as_ref().map(Extras::of).unwrap_or_default();
        let settings = biz.map(|b| b.settings).unwrap_or_default();
        let (start, service) = self.start_and_service(&booking).await?;
        let now = self.now();
        booking.status.check_transition(BookingStatus::Canceled)?;
        let policy = WindowPolicy::for_service(&settings, service.as_ref());
        policy.check(Change::Cancel, actor.role, start, now)?;
        // §I2: a cancellation the customer could make gives the code's use back; a late one
        // (staff are exempt from the window) keeps it.
        let code = self.ports.store.code_used_by(business, id).await?;
        let in_time = policy.check(Change::Cancel, Role::Customer, start, now).is_ok();
        let scope = TxScope {
            bookings: vec![id],
            codes: code.into_iter().collect(),
            ..TxScope::new(business)
        };
        let mut decide = |view: &TxView| {
            let current =
                view.bookings.iter().find(|b| b.id == id).ok_or(Refusal::BookingNotFound)?;
            current.status.check_transition(BookingStatus::Canceled)?;
            let entry = HistoryEntry {
                at: now,
                actor,
                from: Some(current.status),
                to: BookingStatus::Canceled,
                reason: reason.clone(),
            };
            let mut writes = vec![Write::ChangeStatus { booking: id, entry }];
            writes.extend(code.filter(|_| in_time).map(|code| Write::Refund {
                code,
                booking: id,
                at: now,
            }));
            Ok(writes)
        };
        self.transact(&scope, extras, &mut decide).await.map_err(|e| match e {
            TxError::Refused(Refusal::Transition(t)) => CancelError::Transition(t),
            TxError::Refused(_) => CancelError::BookingNotFound,
            TxError::Conflict => {
                CancelError::Store(StoreError::Unavailable("concurrent change".into()))
            }
            TxError::Store(e) => CancelError::Store(e),
        })?;
        self.visible_booking(business, id, actor).await?.ok_or(CancelError::BookingNotFound)
    }

    /// §A5: moves an appointment to the slot starting at `start`, atomically: the old booking is
    /// canceled and the new one created in one transaction, or nothing changes.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is a distinct part of a reschedule request"
    )]
    pub async fn reschedule(
        &self,
        business: BusinessId,
        id: BookingId,
        start: Timestamp,
        resource: Option<ResourceId>,
        lock: Option<&LockCode>,
        actor: Actor,
        limits: Limits,
    ) -> Result<Booking, RescheduleError> {
        let old = self
            .visible_booking(business, id, actor)
            .await?
            .ok_or(RescheduleError::BookingNotFound)?;
        let Target::Appointment { agenda, service, slot: old_slot, .. } = old.target else {
            return Err(RescheduleError::NotAnAppointment);
        };
        if !old.status.occupies() {
            old.status.check_transition(BookingStatus::Canceled)?;
        }
        let ctx = self.offer(business, Offer { agenda, service, resource }).await?;
        let now = self.now();
        WindowPolicy::for_service(&ctx.business.settings, Some(&ctx.service)).check(
            Change::Reschedule,
            actor.role,
            old_slot.start(),
            now,
        )?;
        let digest = lock.map(LockCode::digest);
        let statics = self.static_busy(&ctx, one_second(start)).await?;
        let query = ctx.query(one_second(start), now, effective(actor, limits));
        let (slot, busy) = ctx.rules.slot_at(start);
        // §I2: the code's use moves with the appointment.
        let code = self.ports.store.code_used_by(business, id).await?;
        let scope = TxScope {
            bookings: vec![id],
            codes: code.into_iter().collect(),
            ..ctx.scope(busy, digest)
        };
        let mut decide = |view: &TxView| {
            let current =
                view.bookings.iter().find(|b| b.id == id).ok_or(Refusal::BookingNotFound)?;
            if !current.status.occupies() {
                current.status.check_transition(BookingStatus::Canceled)?;
            }
            let ignore = Ignore { lock: digest.as_ref(), booking: Some(id) };
            let resource = ctx.place(&statics, &view.occupancy, now, ignore, &query, start)?;
            let entry = HistoryEntry {
                at: now,
                actor,
                from: Some(current.status),
                to: BookingStatus::Canceled,
                reason: Some("rescheduled".to_owned()),
            };
            let details = Details {
                customer: current.customer,
                contact: current.contact.clone(),
                answers: current.answers.clone(),
                code: None,
                locale: current.locale,
            };
            let moved = code.and_then(|code| {
                let found = view.codes.iter().find(|c| c.id == code)?;
                let used =
                    found.ledger.uses.iter().find(|u| u.booking == Some(id) && !u.refunded)?;
                Some([
                    Write::Refund { code, booking: id, at: now },
                    Write::Redeem {
                        code,
                        booking: BookingRef::Created(0),
                        amount: used.amount,
                        starts_at: slot.start(),
                        at: now,
                    },
                ])
            });
            let target = Target::Appointment { agenda, service, resource, slot, busy };
            let status = if current.status == BookingStatus::Pending {
                BookingStatus::Pending
            } else {
                ctx.default_status()
            };
            let mut writes = vec![
                stale_holds(view, now),
                Write::ChangeStatus { booking: id, entry },
                insert(&ctx.business, target, &details, status, now, actor, Some(id)),
            ];
            writes.extend(moved.into_iter().flatten());
            Ok(writes)
        };
        let outcome = self
            .transact_with(&scope, Announce::of(&ctx.business), &mut decide)
            .await
            .map_err(|e| match e {
                TxError::Refused(Refusal::Transition(t)) => RescheduleError::Transition(t),
                TxError::Refused(Refusal::BookingNotFound) => RescheduleError::BookingNotFound,
                TxError::Refused(_) | TxError::Conflict => RescheduleError::SlotTaken,
                TxError::Store(e) => RescheduleError::Store(e),
            })?;
        outcome
            .bookings
            .into_iter()
            .next()
            .ok_or_else(|| RescheduleError::Store(missing("booking")))
    }

    /// §A5: staff approve, reject or mark a no-show (cancel has its own use case).
    pub async fn set_status(
        &self,
        business: BusinessId,
        id: BookingId,
        to: BookingStatus,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<Booking, StatusError> {
        if actor.role == Role::Customer {
            return Err(StatusError::Forbidden);
        }
        let booking =
            self.ports.store.booking(business, id).await?.ok_or(StatusError::BookingNotFound)?;
        let (start, _) = self.start_and_service(&booking).await?;
        let extras =
            self.ports.store.business(business).await?.as_ref().map(Extras::of).unwrap_or_default();
        let now = self.now();
        if to == BookingStatus::NoShow && start > now {
            return Err(StatusError::NotStarted);
        }
        // §I2: a rejected request gives the code's use back (a no-show keeps it).
        let code = match to {
            BookingStatus::Rejected => self.ports.store.code_used_by(business, id).await?,
            _ => None,
        };
        let scope = TxScope {
            bookings: vec![id],
            codes: code.into_iter().collect(),
            ..TxScope::new(business)
        };
        let mut decide = |view: &TxView| {
            let current =
                view.bookings.iter().find(|b| b.id == id).ok_or(Refusal::BookingNotFound)?;
            current.status.check_transition(to)?;
            let entry = HistoryEntry {
                at: now,
                actor,
                from: Some(current.status),
                to,
                reason: reason.clone(),
            };
            let mut writes = vec![Write::ChangeStatus { booking: id, entry }];
            writes.extend(code.map(|code| Write::Refund { code, booking: id, at: now }));
            Ok(writes)
        };
        self.transact(&scope, extras, &mut decide).await.map_err(|e| match e {
            TxError::Refused(Refusal::Transition(t)) => StatusError::Transition(t),
            TxError::Refused(_) => StatusError::BookingNotFound,
            TxError::Conflict => {
                StatusError::Store(StoreError::Unavailable("concurrent change".into()))
            }
            TxError::Store(e) => StatusError::Store(e),
        })?;
        self.ports.store.booking(business, id).await?.ok_or(StatusError::BookingNotFound)
    }

    /// §A7: erases a customer's personal data and keeps their bookings. A customer may do it to
    /// themself only when the business allows profile deletion; staff always may.
    pub async fn anonymise_customer(
        &self,
        business: BusinessId,
        customer: CustomerId,
        actor: Actor,
    ) -> Result<Customer, AnonymiseError> {
        let store = &self.ports.store;
        if actor.role == Role::Customer {
            let settings = store.business(business).await?.map(|b| b.settings).unwrap_or_default();
            if actor.user != Some(customer.get()) || !settings.customers_may_delete_profile {
                return Err(AnonymiseError::NotAllowed);
            }
        }
        let now = self.now();
        let audit = AuditEntry {
            business,
            at: now,
            actor,
            action: "customer.anonymised".to_owned(),
            subject: format!("customer:{customer}"),
        };
        store
            .anonymise_customer(business, customer, now, audit)
            .await?
            .ok_or(AnonymiseError::CustomerNotFound)
    }
}
