//! Contract cases of bookings and holds: the booking transaction, concurrency, capacity, the database's own defences.

use super::*;

/// A listed slot books, and is then no longer listed; the history records the creation.
pub async fn books_a_listed_slot_and_unlists_it(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let before = listed(&h, None).await;
    assert_eq!(before.len(), 16);
    let booking = book(&h, "2027-01-04T09:30:00Z").await.expect("a listed slot books");
    assert_eq!(booking.status, BookingStatus::Approved);
    let after = listed(&h, None).await;
    assert_eq!(after.len(), 15);
    assert!(!after.contains(&at("2027-01-04T09:30:00Z")));
    let history = h.store.history(h.business, booking.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].from, history[0].to), (None, BookingStatus::Approved));
    assert_eq!(h.store.booking(h.business, booking.id).await.unwrap(), Some(booking));
}

/// The first free slot moves past bookings, minimum notice and stops at the maximum advance.
pub async fn first_available_honours_bookings_notice_and_advance(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let first = || {
        h.engine.first_available(
            h.business,
            offer(&h),
            at(NOW),
            None,
            Actor::guest(),
            Limits::Apply,
        )
    };
    // Friday 2027-01-01 08:00 UTC is 09:00 in Paris: the desk is open and nothing is booked.
    assert_eq!(
        first().await.unwrap().map(|s| s.interval.start()),
        Some(at("2027-01-01T08:00:00Z"))
    );
    book(&h, "2027-01-01T08:00:00Z").await.unwrap();
    assert_eq!(
        first().await.unwrap().map(|s| s.interval.start()),
        Some(at("2027-01-01T08:30:00Z"))
    );
    let mut business = h.store.business(h.business).await.unwrap().unwrap();
    business.settings.min_before_booking = SignedDuration::from_hours(8);
    h.store.update_business(&business).await.unwrap();
    // 16:00 UTC is 17:00 in Paris, closing time: the next opening is Monday 09:00.
    let next = first().await.unwrap().unwrap();
    assert_eq!(next.interval.start(), at("2027-01-04T08:00:00Z"));
    assert_eq!(next.resources, vec![h.desk]);
    business.settings.days_in_advance = 2;
    h.store.update_business(&business).await.unwrap();
    assert_eq!(first().await.unwrap(), None, "Monday is beyond two days ahead");
    // Staff may bypass notice and advance, never the past.
    let staff = Actor::staff(Role::Agent, None);
    let bypass = h
        .engine
        .first_available(
            h.business,
            offer(&h),
            at("2026-12-01T00:00:00Z"),
            None,
            staff,
            Limits::Bypass,
        )
        .await
        .unwrap();
    assert_eq!(bypass.map(|s| s.interval.start()), Some(at("2027-01-01T08:30:00Z")));
}

/// The same slot twice: the second is `slot_taken`; an unlisted start too.
pub async fn double_booking_is_refused(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    assert_eq!(book(&h, "2027-01-04T10:00:00Z").await.unwrap_err().code(), "slot_taken");
    assert_eq!(
        book(&h, "2027-01-04T10:15:00Z").await.unwrap_err().code(),
        "slot_taken",
        "off the grid"
    );
    assert_eq!(
        book(&h, "2027-01-04T16:45:00Z").await.unwrap_err().code(),
        "slot_taken",
        "past closing"
    );
}

/// 64 concurrent bookings of one slot: exactly one succeeds.
pub async fn concurrent_bookings_of_one_slot_one_wins(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let results = join_all((0..64).map(|_| book(&h, "2027-01-04T11:00:00Z"))).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{:?}", results.iter().filter_map(|r| r.as_ref().err()).collect::<Vec<_>>());
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "slot_taken"));
}

/// 64 concurrent holds of one slot with different lock codes: exactly one succeeds.
pub async fn concurrent_holds_of_one_slot_one_wins(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let codes: Vec<LockCode> = (0..64).map(|i| lock(&format!("lock-{i}"))).collect();
    let results =
        join_all(codes.iter().map(|code| hold(&h, at("2027-01-04T11:00:00Z"), code))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, HoldError::SlotTaken))
    );
}

/// Others see a held slot as taken; the owner sees it free and can book it.
pub async fn a_hold_blocks_others_but_not_its_owner(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let mine = lock("mine");
    let slot = at("2027-01-04T12:00:00Z");
    hold(&h, slot, &mine).await.unwrap();
    assert!(!listed(&h, None).await.contains(&slot));
    assert!(!listed(&h, Some(&lock("theirs"))).await.contains(&slot));
    assert!(listed(&h, Some(&mine)).await.contains(&slot));
    assert_eq!(book(&h, "2027-01-04T12:00:00Z").await.unwrap_err().code(), "slot_taken");
    let booking = h
        .engine
        .book(
            h.business,
            offer(&h),
            slot,
            Some(&mine),
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(booking.slot().unwrap().start(), slot);
    assert!(
        h.store.holds_of(h.business, &mine.digest()).await.unwrap().is_empty(),
        "booking consumes the hold"
    );
}

/// Holding again with the same lock code moves the hold: one hold per lock code.
pub async fn relocking_moves_the_hold(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let code = lock("form-7");
    hold(&h, at("2027-01-04T08:00:00Z"), &code).await.unwrap();
    hold(&h, at("2027-01-04T13:00:00Z"), &code).await.unwrap();
    let holds = h.store.holds_of(h.business, &code.digest()).await.unwrap();
    assert_eq!(holds.len(), 1);
    let free = listed(&h, None).await;
    assert!(free.contains(&at("2027-01-04T08:00:00Z")), "the old slot is free again");
    assert!(!free.contains(&at("2027-01-04T13:00:00Z")));
    // Re-locking onto the slot it already holds works too.
    hold(&h, at("2027-01-04T13:00:00Z"), &code).await.unwrap();
    assert_eq!(h.store.holds_of(h.business, &code.digest()).await.unwrap().len(), 1);
}

/// After its deadline a hold blocks nobody, though no cleanup has run.
pub async fn an_expired_hold_never_blocks(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let slot = at("2027-01-04T14:00:00Z");
    hold(&h, slot, &lock("slow")).await.unwrap();
    h.clock.advance(SignedDuration::from_mins(10));
    assert!(listed(&h, None).await.contains(&slot));
    hold(&h, slot, &lock("fast")).await.expect("expired holds do not block holds");
    h.clock.advance(SignedDuration::from_mins(11));
    book(&h, "2027-01-04T14:00:00Z").await.expect("nor bookings");
    // Housekeeping removes expired holds only.
    let idle = lock("idle");
    hold(&h, at("2027-01-04T15:00:00Z"), &idle).await.unwrap();
    assert_eq!(h.store.purge_expired_holds(h.clock.now()).await.unwrap(), 0, "a live hold is kept");
    h.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(h.store.purge_expired_holds(h.clock.now()).await.unwrap(), 1);
    assert!(h.store.holds_of(h.business, &idle.digest()).await.unwrap().is_empty());
}

/// A live hold confirms; an expired one confirms only if nobody took the slot meanwhile.
pub async fn confirm_after_expiry_only_if_still_free(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let first = lock("first");
    hold(&h, at("2027-01-04T09:00:00Z"), &first).await.unwrap();
    h.clock.advance(SignedDuration::from_mins(30));
    h.engine
        .confirm(h.business, &first, Details::default(), Actor::guest())
        .await
        .expect("expired but still free");

    let second = lock("second");
    hold(&h, at("2027-01-04T10:00:00Z"), &second).await.unwrap();
    h.clock.advance(SignedDuration::from_mins(30));
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    // The booking removed the lapsed hold in its transaction: nothing is held any more.
    let err = h
        .engine
        .confirm(h.business, &second, Details::default(), Actor::guest())
        .await
        .unwrap_err();
    assert!(matches!(err, ConfirmError::HoldNotFound), "{err:?}");

    // A lapsed hold whose slot became unavailable without being booked (an exception) is expired.
    let third = lock("third");
    hold(&h, at("2027-01-04T11:00:00Z"), &third).await.unwrap();
    let closed = Interval::new(at("2027-01-04T11:00:00Z"), at("2027-01-04T12:00:00Z")).unwrap();
    h.store
        .add_exception(
            h.business,
            h.desk,
            Exception { id: None, interval: closed, label: "meeting".into() },
        )
        .await
        .unwrap();
    h.clock.advance(SignedDuration::from_mins(30));
    let err =
        h.engine.confirm(h.business, &third, Details::default(), Actor::guest()).await.unwrap_err();
    assert!(matches!(err, ConfirmError::HoldExpired), "{err:?}");

    let none = h
        .engine
        .confirm(h.business, &lock("never"), Details::default(), Actor::guest())
        .await
        .unwrap_err();
    assert_eq!(none.code(), "hold_not_found");
    assert_eq!(h.engine.release(h.business, &third).await.unwrap(), 1);
    assert_eq!(h.engine.release(h.business, &third).await.unwrap(), 0);
}

/// Cancelling frees the slot, a second cancel is `already_canceled`, and the history grows.
pub async fn cancel_frees_the_slot_and_keeps_history(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let booking = book(&h, "2027-01-04T15:00:00Z").await.unwrap();
    let staff = Actor::staff(Role::Agent, Some(1));
    let canceled = h
        .engine
        .cancel(h.business, booking.id, staff, Some("asked by phone".into()))
        .await
        .unwrap();
    assert_eq!(canceled.status, BookingStatus::Canceled);
    assert!(listed(&h, None).await.contains(&at("2027-01-04T15:00:00Z")));
    assert_eq!(
        h.engine.cancel(h.business, booking.id, staff, None).await.unwrap_err().code(),
        "already_canceled"
    );
    let history = h.store.history(h.business, booking.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[1].from, history[1].to, history[1].actor),
        (Some(BookingStatus::Approved), BookingStatus::Canceled, staff)
    );
    assert_eq!(history[1].reason.as_deref(), Some("asked by phone"));
}

/// Rescheduling onto a taken slot leaves the old booking; onto a free one swaps in one step.
pub async fn reschedule_is_atomic(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let staff = Actor::staff(Role::Admin, None);
    let old = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    let err = h
        .engine
        .reschedule(
            h.business,
            old.id,
            at("2027-01-04T10:00:00Z"),
            None,
            None,
            staff,
            Limits::Apply,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "slot_taken");
    assert_eq!(
        h.store.booking(h.business, old.id).await.unwrap().unwrap().status,
        BookingStatus::Approved
    );
    // Moving by 30 minutes onto a slot that overlaps only the booking itself works.
    let moved = h
        .engine
        .reschedule(
            h.business,
            old.id,
            at("2027-01-04T08:30:00Z"),
            None,
            None,
            staff,
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(moved.rescheduled_from, Some(old.id));
    assert_eq!(
        h.store.booking(h.business, old.id).await.unwrap().unwrap().status,
        BookingStatus::Canceled
    );
    assert!(listed(&h, None).await.contains(&at("2027-01-04T09:00:00Z")));
    // The move is found both ways: the old booking's successor, the chain's first booking.
    assert_eq!(h.store.successor(h.business, old.id).await.unwrap(), Some(moved.id));
    assert_eq!(h.store.successor(h.business, moved.id).await.unwrap(), None);
    let again = h
        .engine
        .reschedule(
            h.business,
            moved.id,
            at("2027-01-04T11:00:00Z"),
            None,
            None,
            staff,
            Limits::Apply,
        )
        .await
        .unwrap();
    let store = h.store.as_ref();
    let latest = booking_core::services::lineage::latest(store, h.business, old.id).await;
    assert_eq!(latest.unwrap(), again.id, "an old link follows every move");
    let lineage = booking_core::services::lineage::lineage(store, h.business, &again).await;
    let lineage = lineage.unwrap();
    assert_eq!((lineage.first, lineage.moves), (old.id, 2), "one identity for the chain");
    assert_eq!((lineage.sequence(false), lineage.sequence(true)), (4, 5));
    let other = book(&h, "2027-01-05T09:00:00Z").await.unwrap();
    assert_eq!(h.store.successor(h.business, other.id).await.unwrap(), None);
    assert_eq!(
        h.store.successor(booking_core::ids::BusinessId::new(999), old.id).await.unwrap(),
        None,
        "another business sees no move"
    );
}

/// A booking's buffers block neighbours, and a neighbour's buffers must fit too.
pub async fn buffers_block_neighbours(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let mut service = h.store.service(h.business, h.service).await.unwrap().unwrap();
    service.buffer_after = SignedDuration::from_mins(15);
    h.store.update_service(&service).await.unwrap();
    book(&h, "2027-01-04T10:00:00Z").await.unwrap(); // blocks 10:00–10:45 local+buffer
    let free = listed(&h, None).await;
    assert!(!free.contains(&at("2027-01-04T10:30:00Z")), "inside the first booking's buffer");
    assert!(
        !free.contains(&at("2027-01-04T09:30:00Z")),
        "its own buffer would overlap the booking"
    );
    assert!(free.contains(&at("2027-01-04T11:00:00Z")));
    assert!(!free.contains(&at("2027-01-04T15:30:00Z")), "its buffer would pass closing time");
}

/// An agenda of two desks offers two places per slot; a third booking is refused.
pub async fn desks_give_capacity(store: Arc<dyn Store>) {
    let demo = fixtures::demo_business(store.as_ref(), 2).await;
    let h = Harness::demo_in(store, NOW).await;
    let two = Offer { agenda: demo.agenda, service: demo.service, resource: None };
    let go = || {
        h.engine.book(
            demo.business,
            two,
            at("2027-01-04T09:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
    };
    let found = h
        .engine
        .availability(demo.business, two, monday(), None, Actor::guest(), Limits::Apply)
        .await
        .unwrap();
    assert_eq!(found.find(at("2027-01-04T09:00:00Z")).unwrap().free(), 2);
    let first = go().await.unwrap();
    let second = go().await.unwrap();
    assert_ne!(first.target, second.target, "each on its own desk");
    assert_eq!(go().await.unwrap_err().code(), "slot_taken");
    let results = join_all((0..16).map(|_| {
        h.engine.book(
            demo.business,
            two,
            at("2027-01-04T10:00:00Z"),
            None,
            Details::default(),
            Actor::guest(),
            Limits::Apply,
        )
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
}

/// Concurrent seat bookings and holds never exceed a session's capacity.
pub async fn concurrent_seats_never_exceed_capacity(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (event, session) = fixtures::event_session(h.store.as_ref(), h.business, 5, when).await;
    assert_eq!(h.store.event(h.business, event).await.unwrap().map(|e| e.capacity), Some(5));
    let sessions = h.store.sessions(h.business, event).await.unwrap();
    assert_eq!(
        sessions.iter().map(|s| (s.id, s.interval)).collect::<Vec<_>>(),
        vec![(session, when)]
    );
    let code = lock("seat-holder");
    h.engine.hold_seats(h.business, session, 2, &code, Actor::guest()).await.unwrap();
    let results = join_all((0..16).map(|_| {
        h.engine.book_seats(h.business, session, 1, None, Details::default(), Actor::guest())
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3, "5 seats, 2 held");
    assert!(matches!(
        h.engine.book_seats(h.business, session, 1, None, Details::default(), Actor::guest()).await,
        Err(SeatError::SessionFull)
    ));
    h.engine
        .confirm(h.business, &code, Details::default(), Actor::guest())
        .await
        .expect("held seats confirm");
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].booked_seats, 5);
}

/// 32 concurrent seat holds with different lock codes: exactly the capacity succeeds. Held seats
/// have no database constraint of their own, so this is the transaction's guarantee alone.
pub async fn concurrent_seat_holds_never_exceed_capacity(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, 5, when).await;
    let codes: Vec<LockCode> = (0..32).map(|i| lock(&format!("seat-{i}"))).collect();
    let results = join_all(
        codes.iter().map(|code| h.engine.hold_seats(h.business, session, 1, code, Actor::guest())),
    )
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == "session_full"));
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].holds.len(), 5);
}

/// A booking written without the core's check, as a buggy or concurrent writer would.
fn blind_booking(h: &Harness, target: Target) -> Write {
    Write::InsertBooking(NewBooking {
        business: h.business,
        target,
        customer: None,
        contact: Contact::default(),
        answers: Vec::new(),
        status: BookingStatus::Approved,
        created_at: at(NOW),
        created_by: Actor::system(),
        rescheduled_from: None,
        locale: None,
    })
}

/// The database's own constraint: 16 concurrent transactions that skip the core's check and
/// write overlapping appointments on one desk: exactly one commits, the others are `Conflict`.
pub async fn the_store_itself_refuses_overlaps(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let slot = Interval::new(at("2027-01-04T10:00:00Z"), at("2027-01-04T10:30:00Z")).unwrap();
    let results = join_all((0..16).map(|i| {
        let store = h.store.clone();
        // Each writer's interval differs but all overlap 10:15–10:20.
        let busy = Interval::new(
            slot.start().checked_sub(SignedDuration::from_mins(i)).unwrap(),
            slot.end(),
        )
        .unwrap();
        let target = Target::Appointment {
            agenda: h.agenda,
            service: h.service,
            resource: h.desk,
            slot: busy,
            busy,
        };
        let write = blind_booking(&h, target);
        let scope = TxScope::new(h.business);
        async move {
            let mut decide = |_: &booking_core::ports::store::TxView| Ok(vec![write.clone()]);
            store.transact(&scope, &mut decide).await
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().filter_map(|r| r.as_ref().err()).all(|e| *e == TxError::Conflict),
        "every loser is a conflict: {results:?}"
    );
    // Touching intervals do not overlap: the next half hour is still writable.
    let next = Interval::new(slot.end(), at("2027-01-04T11:00:00Z")).unwrap();
    let target = Target::Appointment {
        agenda: h.agenda,
        service: h.service,
        resource: h.desk,
        slot: next,
        busy: next,
    };
    let write = blind_booking(&h, target);
    let mut decide = |_: &booking_core::ports::store::TxView| Ok(vec![write.clone()]);
    h.store.transact(&TxScope::new(h.business), &mut decide).await.expect("adjacent is free");
    // A canceled booking no longer occupies: its interval can be written again.
    let booked = h.store.occupancy(h.business, &[h.desk], monday()).await.unwrap().bookings;
    let first = booked.iter().find(|b| b.busy.end() == slot.end()).unwrap();
    let entry = booking_core::booking::HistoryEntry {
        at: at(NOW),
        actor: Actor::system(),
        from: Some(first.status),
        to: BookingStatus::Canceled,
        reason: None,
    };
    let cancel = Write::ChangeStatus { booking: first.id, entry };
    let again = blind_booking(
        &h,
        Target::Appointment {
            agenda: h.agenda,
            service: h.service,
            resource: h.desk,
            slot,
            busy: slot,
        },
    );
    let mut decide =
        |_: &booking_core::ports::store::TxView| Ok(vec![cancel.clone(), again.clone()]);
    h.store.transact(&TxScope::new(h.business), &mut decide).await.expect("freed by the cancel");
}

/// The database's own capacity check: concurrent seat bookings that skip the core's check never
/// exceed the session's capacity.
pub async fn the_store_itself_refuses_overbooked_sessions(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let when = Interval::new(at("2027-01-05T17:00:00Z"), at("2027-01-05T18:00:00Z")).unwrap();
    let (_, session) = fixtures::event_session(h.store.as_ref(), h.business, 3, when).await;
    let results = join_all((0..16).map(|_| {
        let store = h.store.clone();
        let write = blind_booking(&h, Target::Session { session, seats: 1 });
        let scope = TxScope { sessions: vec![session], ..TxScope::new(h.business) };
        async move {
            let mut decide = |_: &booking_core::ports::store::TxView| Ok(vec![write.clone()]);
            store.transact(&scope, &mut decide).await
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| *e == TxError::Conflict));
    let load = h.store.session_loads(h.business, &[session]).await.unwrap();
    assert_eq!(load[0].booked_seats, 3);
}

/// The bookings of a window: appointments and sessions overlapping it, any status, this
/// business only.
pub async fn bookings_in_a_window(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await;
    let nine = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let ten = book(&h, "2027-01-04T10:00:00Z").await.unwrap();
    book(&h, "2027-01-05T10:00:00Z").await.unwrap();
    h.engine.cancel(h.business, ten.id, Actor::staff(Role::Admin, None), None).await.unwrap();
    let (_, session) = fixtures::event_session(
        h.store.as_ref(),
        h.business,
        3,
        Interval::new(at("2027-01-04T12:00:00Z"), at("2027-01-04T13:00:00Z")).unwrap(),
    )
    .await;
    let seat = h
        .engine
        .book_seats(h.business, session, 1, None, Details::default(), Actor::guest())
        .await
        .unwrap();
    let window = Interval::new(at("2027-01-04T09:29:00Z"), at("2027-01-04T12:30:00Z")).unwrap();
    let found: Vec<_> =
        h.store.bookings_in(h.business, window).await.unwrap().iter().map(|b| b.id).collect();
    assert_eq!(found, vec![nine.id, ten.id, seat.id]);
    assert!(h.store.bookings_in(other.business, window).await.unwrap().is_empty());
    let before = Interval::new(at("2027-01-04T08:00:00Z"), at("2027-01-04T09:00:00Z")).unwrap();
    assert!(h.store.bookings_in(h.business, before).await.unwrap().is_empty(), "end is exclusive");
}
