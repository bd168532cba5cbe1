//! Contract cases of codes (packages, gift certificates).

use super::*;

/// Codes read back as issued, per business, found by digest, by tail (any case) and by
/// customer; the digest is unique per business; adjustments add up; a revocation stays.
pub async fn codes_round_trip(store: Arc<dyn Store>) {
    use booking_core::codes::{Balance, CodeDigest, CodeText, NewCode, Period, Value};
    let h = Harness::demo_in(store.clone(), NOW).await;
    let other = fixtures::demo_business(store.as_ref(), 1).await;
    let ana = store
        .create_customer(fixtures::customer(h.business, "Ana", "Lima", "ana@example.org"))
        .await
        .unwrap();
    let key = [9u8; 32];
    let text = CodeText::from_random([1, 2, 3, 4, 5, 6, 7, 8]);
    let digest = CodeDigest::of(&key, &text);
    let package = NewCode {
        business: h.business,
        digest,
        tail: text.tail(),
        customer: Some(ana.id),
        note: "10-class pass".into(),
        value: Value::Package { sessions: 10, services: vec![h.service] },
        issued_at: at(NOW),
        expires_at: Some(at("2027-07-01T00:00:00Z")),
    };
    let issued = store.issue_code(&package).await.unwrap();
    assert_eq!((issued.tail.as_str(), issued.customer), (text.tail().as_str(), Some(ana.id)));
    assert_eq!(issued.ledger.balance(at(NOW)), Balance::Sessions(10));
    let again = store.issue_code(&package).await;
    assert!(
        matches!(again, Err(booking_core::ports::store::StoreError::Duplicate(_))),
        "{again:?}"
    );
    let elsewhere = NewCode { business: other.business, customer: None, ..package.clone() };
    store.issue_code(&elsewhere).await.unwrap();
    let gift_text = CodeText::from_random([8, 7, 6, 5, 4, 3, 2, 1]);
    let gift = store
        .issue_code(&NewCode {
            digest: CodeDigest::of(&key, &gift_text),
            tail: gift_text.tail(),
            note: String::new(),
            value: Value::Gift { amount_minor: 5000 },
            expires_at: None,
            ..package.clone()
        })
        .await
        .unwrap();
    let monthly_text = CodeText::from_random([5; 8]);
    let monthly = store
        .issue_code(&NewCode {
            digest: CodeDigest::of(&key, &monthly_text),
            tail: monthly_text.tail(),
            customer: None,
            value: Value::Subscription { sessions: 4, period: Period::Month, services: Vec::new() },
            ..package.clone()
        })
        .await
        .unwrap();

    assert_eq!(store.code(h.business, issued.id).await.unwrap(), Some(issued.clone()));
    assert_eq!(store.code(other.business, issued.id).await.unwrap(), None, "per business");
    assert_eq!(store.code(h.business, monthly.id).await.unwrap(), Some(monthly.clone()));
    assert_eq!(store.code_by_digest(h.business, &digest).await.unwrap(), Some(issued.clone()));
    let wrong_key = CodeDigest::of(&[1; 32], &text);
    assert_eq!(store.code_by_digest(h.business, &wrong_key).await.unwrap(), None);
    let by_tail = store.codes_by_tail(h.business, &text.tail().to_lowercase()).await.unwrap();
    assert_eq!(by_tail, vec![issued.clone()]);
    let mine = store.customer_codes(h.business, ana.id).await.unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), vec![gift.id, issued.id]);

    let book = booking_core::services::codes::CodeBook::new(h.engine.ports(), &[0; 32]);
    assert!(book.adjust(h.business, issued.id, 2).await.unwrap().is_some());
    assert!(book.adjust(h.business, issued.id, -1).await.unwrap().is_some());
    assert!(book.adjust(other.business, issued.id, 5).await.unwrap().is_none(), "per business");
    let below = book.adjust(h.business, issued.id, -12).await;
    assert!(
        matches!(
            below,
            Err(TxError::Refused(booking_core::ports::store::Refusal::Code(
                booking_core::codes::CodeRefusal::Exhausted
            )))
        ),
        "never below zero: {below:?}"
    );
    let adjusted = store.code(h.business, issued.id).await.unwrap().unwrap();
    assert_eq!(adjusted.ledger.balance(at(NOW)), Balance::Sessions(11));
    assert!(store.revoke_code(h.business, gift.id, at(NOW)).await.unwrap());
    assert!(store.revoke_code(h.business, gift.id, at("2027-02-01T00:00:00Z")).await.unwrap());
    assert!(!store.revoke_code(other.business, issued.id, at(NOW)).await.unwrap());
    assert!(store.code(h.business, gift.id).await.unwrap().unwrap().ledger.revoked);
    assert!(!store.code(h.business, issued.id).await.unwrap().unwrap().ledger.revoked);
}

/// §I2 on the store itself: 8 concurrent transactions each redeem the last session of a
/// package for a different booking, each deciding on the code as it loaded it: exactly one
/// commits. A refund gives the session back once, however many times it is written.
pub async fn concurrent_redemptions_of_the_last_session_one_wins(store: Arc<dyn Store>) {
    use booking_core::codes::{Balance, CodeDigest, CodeText, NewCode, Value};
    use booking_core::ports::store::{Refusal, TxScope, Write};
    let h = Harness::demo_in(store.clone(), NOW).await;
    let text = CodeText::from_random([3; 8]);
    let code = store
        .issue_code(&NewCode {
            business: h.business,
            digest: CodeDigest::of(&[4; 32], &text),
            tail: text.tail(),
            customer: None,
            note: String::new(),
            value: Value::Package { sessions: 1, services: Vec::new() },
            issued_at: at(NOW),
            expires_at: None,
        })
        .await
        .unwrap();
    let mut bookings = Vec::new();
    for hour in 8..16 {
        bookings.push(book(&h, &format!("2027-01-04T{hour:02}:00:00Z")).await.unwrap());
    }
    let redeem = |booking: booking_core::Booking| {
        let store = store.clone();
        let scope = TxScope {
            codes: vec![code.id],
            bookings: vec![booking.id],
            ..TxScope::new(h.business)
        };
        async move {
            let starts = booking.slot().unwrap().start();
            let mut decide = |view: &booking_core::ports::store::TxView| {
                let found = view.codes.first().ok_or(Refusal::BookingNotFound)?;
                let amount = found.ledger.quote(None, 1, 0, starts, at(NOW))?;
                Ok(vec![Write::Redeem {
                    code: found.id,
                    booking: booking_core::outbox::BookingRef::Existing(booking.id),
                    amount,
                    starts_at: starts,
                    at: at(NOW),
                }])
            };
            store.transact(&scope, &mut decide).await
        }
    };
    let results = join_all(bookings.iter().cloned().map(redeem)).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(
        e,
        TxError::Refused(Refusal::Code(booking_core::codes::CodeRefusal::Exhausted))
    )));
    let after = store.code(h.business, code.id).await.unwrap().unwrap();
    assert_eq!(after.ledger.uses.len(), 1);
    assert_eq!(after.ledger.balance(at(NOW)), Balance::Sessions(0), "never below zero");
    let paid = after.ledger.uses[0].booking.unwrap();
    assert!(bookings.iter().any(|b| b.id == paid));
    for _ in 0..2 {
        let scope = TxScope { codes: vec![code.id], ..TxScope::new(h.business) };
        let mut refund = |_: &booking_core::ports::store::TxView| {
            Ok(vec![Write::Refund { code: code.id, booking: paid, at: at(NOW) }])
        };
        store.transact(&scope, &mut refund).await.unwrap();
    }
    let refunded = store.code(h.business, code.id).await.unwrap().unwrap();
    assert_eq!(refunded.ledger.balance(at(NOW)), Balance::Sessions(1), "given back once");
}

/// §I2 through the engine: a package pays for exactly N bookings, in their own transactions;
/// an exhausted code books nothing; a cancellation in time gives the session back and a late
/// one does not; a reschedule keeps the use; a rejection gives it back; a seat booking pays
/// per seat; an expired code pays for nothing.
pub async fn codes_pay_for_bookings_and_come_back(store: Arc<dyn Store>) {
    use booking_core::codes::{Balance, CodeDigest, CodeRefusal, CodeText, NewCode, Value};
    let h = Harness::demo_in(store.clone(), NOW).await;
    let mut business = store.business(h.business).await.unwrap().unwrap();
    business.settings.min_before_cancel = SignedDuration::from_hours(24);
    store.update_business(&business).await.unwrap();
    let issue = |value: Value, expires: Option<&str>, seed: u8| {
        let store = store.clone();
        let text = CodeText::from_random([seed; 8]);
        let new = NewCode {
            business: h.business,
            digest: CodeDigest::of(&[6; 32], &text),
            tail: text.tail(),
            customer: None,
            note: String::new(),
            value,
            issued_at: at(NOW),
            expires_at: expires.map(at),
        };
        async move { store.issue_code(&new).await.unwrap().id }
    };
    let pack = issue(Value::Package { sessions: 2, services: vec![h.service] }, None, 1).await;
    let with = |code| Details { code: Some(code), ..Details::default() };
    let paid = |start: &'static str, code| book_with(&h, start, with(code));
    let balance = |code| {
        let store = store.clone();
        async move { store.code(h.business, code).await.unwrap().unwrap().ledger.balance(at(NOW)) }
    };
    let first = paid("2027-01-04T08:00:00Z", pack).await.unwrap();
    let second = paid("2027-01-05T08:00:00Z", pack).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(0));
    let third = paid("2027-01-06T08:00:00Z", pack).await;
    assert_eq!(third.unwrap_err(), BookError::Code(CodeRefusal::Exhausted));
    let free = book(&h, "2027-01-06T08:00:00Z").await;
    assert!(free.is_ok(), "the refused booking left its slot free: {free:?}");

    // In time (three days ahead, the window is 24 h): the session comes back.
    let admin = Actor::staff(Role::Admin, None);
    h.engine.cancel(h.business, first.id, admin, None).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(1), "a cancellation in time refunds");
    // A reschedule keeps the use on the new booking.
    let moved = h
        .engine
        .reschedule(
            h.business,
            second.id,
            at("2027-01-05T10:00:00Z"),
            None,
            None,
            admin,
            Limits::Apply,
        )
        .await
        .unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(1));
    assert_eq!(store.code_used_by(h.business, moved.id).await.unwrap(), Some(pack));
    assert_eq!(store.code_used_by(h.business, second.id).await.unwrap(), None);
    // Late (staff may cancel, but inside the customer's window): the session stays used.
    h.clock.advance(SignedDuration::from_hours(24 * 4 - 3));
    h.engine.cancel(h.business, moved.id, admin, None).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(1), "a late cancellation keeps the use");
    h.clock.advance(-SignedDuration::from_hours(24 * 4 - 3));

    // A rejected request gives it back.
    let mut business = store.business(h.business).await.unwrap().unwrap();
    business.settings.default_status = booking_core::booking::BookingStatus::Pending;
    store.update_business(&business).await.unwrap();
    let again = paid("2027-01-07T08:00:00Z", pack).await.unwrap();
    assert_eq!(balance(pack).await, Balance::Sessions(0));
    h.engine
        .set_status(
            h.business,
            again.id,
            booking_core::booking::BookingStatus::Rejected,
            admin,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(balance(pack).await, Balance::Sessions(1), "a rejection refunds");

    // Seats: a package pays one session per seat.
    let (_, session) = fixtures::event_session(
        store.as_ref(),
        h.business,
        5,
        Interval::new(at("2027-01-08T08:00:00Z"), at("2027-01-08T09:00:00Z")).unwrap(),
    )
    .await;
    let all = issue(Value::Package { sessions: 3, services: Vec::new() }, None, 2).await;
    let seats = h.engine.book_seats(h.business, session, 2, None, with(all), Actor::guest()).await;
    assert!(seats.is_ok(), "{seats:?}");
    assert_eq!(balance(all).await, Balance::Sessions(1));
    let too_many =
        h.engine.book_seats(h.business, session, 2, None, with(all), Actor::guest()).await;
    assert_eq!(too_many.unwrap_err(), SeatError::Code(CodeRefusal::Exhausted));
    let covered =
        h.engine.book_seats(h.business, session, 1, None, with(pack), Actor::guest()).await;
    assert_eq!(
        covered.unwrap_err(),
        SeatError::Code(CodeRefusal::NotCovered),
        "listed services only"
    );

    // Expired: nothing.
    let old = issue(Value::Gift { amount_minor: 10_000 }, Some("2027-01-02T00:00:00Z"), 3).await;
    let late = paid("2027-01-04T12:00:00Z", old).await;
    assert_eq!(late.unwrap_err(), BookError::Code(CodeRefusal::Expired));
}
