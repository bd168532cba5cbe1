//! Contract cases of API keys, staff sessions and idempotency answers.

use super::customers::accounts_of;
use super::*;

/// The first answer remembered for a key wins; keys are per business; old answers are purged.
pub async fn idempotency_keys_remember_the_first_answer(store: Arc<dyn Store>) {
    let a = fixtures::demo_business(store.as_ref(), 1).await.business;
    let b = fixtures::demo_business(store.as_ref(), 1).await.business;
    let answer = |subject: &str, when: &str| IdempotentAnswer {
        fingerprint: "f1".into(),
        subject: subject.into(),
        created_at: at(when),
    };
    assert_eq!(store.recall(a, "key-1").await.unwrap(), None);
    let first = answer("201 booking:1", NOW);
    assert_eq!(store.remember(a, "key-1", first.clone()).await.unwrap(), first);
    let late = answer("201 booking:2", NOW);
    assert_eq!(store.remember(a, "key-1", late).await.unwrap(), first, "first wins");
    assert_eq!(store.recall(a, "key-1").await.unwrap(), Some(first.clone()));
    assert_eq!(store.recall(b, "key-1").await.unwrap(), None, "per business");
    let later = answer("booking:3", "2027-01-02T08:00:00Z");
    store.remember(b, "key-1", later.clone()).await.unwrap();
    assert_eq!(store.forget_answers_before(at("2027-01-02T00:00:00Z")).await.unwrap(), 1);
    assert_eq!(store.recall(a, "key-1").await.unwrap(), None);
    assert_eq!(store.recall(b, "key-1").await.unwrap(), Some(later.clone()));
    // A reservation is settled with the final answer, only from the subject it expects: of two
    // requests taking one over, one wins.
    let settled = answer("booking:4", "2027-01-02T08:00:00Z");
    assert!(store.settle(b, "key-1", "booking:3", settled.clone()).await.unwrap());
    assert_eq!(store.recall(b, "key-1").await.unwrap(), Some(settled.clone()));
    let late = answer("booking:5", "2027-01-02T08:00:00Z");
    assert!(!store.settle(b, "key-1", "booking:3", late).await.unwrap(), "already settled");
    assert_eq!(store.recall(b, "key-1").await.unwrap(), Some(settled));
    assert!(!store.settle(b, "no-such-key", "x", answer("y", NOW)).await.unwrap());
}

/// §C4: a key authenticates its business and role until revoked; only its digest is stored;
/// another business can neither list nor revoke it.
pub async fn api_keys_authenticate_until_revoked(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let (key, secret) =
        h.engine.issue_api_key(h.business, "integration", Role::Agent, None).await.unwrap();
    let principal = h.engine.authenticate(secret.expose()).await.unwrap().unwrap();
    assert_eq!(
        (principal.business, principal.role, principal.subject),
        (h.business, Role::Agent, None)
    );
    assert_eq!(h.store.api_keys(h.business).await.unwrap(), vec![key.clone()]);
    assert!(h.store.api_keys(other).await.unwrap().is_empty());
    let stored = h.store.api_key_by_digest(&key.digest).await.unwrap().unwrap();
    assert_ne!(stored.digest.to_hex(), secret.expose(), "the key itself is not stored");
    // A near miss authenticates no one.
    let mut wrong = secret.expose().to_owned();
    wrong.pop();
    wrong.push(if secret.expose().ends_with('0') { '1' } else { '0' });
    assert_eq!(h.engine.authenticate(&wrong).await.unwrap(), None);
    assert_eq!(h.engine.authenticate("not a key").await.unwrap(), None);
    assert_eq!(
        h.engine.revoke_api_key(other, key.id).await.unwrap_err().code(),
        "not_found",
        "another business cannot revoke it"
    );
    assert!(h.engine.authenticate(secret.expose()).await.unwrap().is_some());
    h.engine.revoke_api_key(h.business, key.id).await.unwrap();
    assert_eq!(h.engine.authenticate(secret.expose()).await.unwrap(), None);
    assert_eq!(h.engine.revoke_api_key(h.business, key.id).await.unwrap_err().code(), "not_found");
    // Staff and customer keys name one of the business's own.
    let staff = h.engine.issue_api_key(h.business, "desk", Role::Staff, Some(h.desk.get())).await;
    assert_eq!(staff.unwrap_err().code(), "invalid_value", "a desk is not a staff member");
    let foreign = fixtures::demo_business(h.store.as_ref(), 1).await;
    let err = h
        .engine
        .issue_api_key(h.business, "x", Role::Staff, Some(foreign.desks[0].get()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_resource");
    let err = h.engine.issue_api_key(h.business, "x", Role::System, None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_value");
}

/// §F: a staff member signs in to the back office with an API key of the business; the
/// session acts as the key's principal until it expires or the key is revoked, and is never a
/// customer's session.
pub async fn staff_sessions_last_while_their_key_does(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let a = accounts_of(&h);
    let (key, secret_key) =
        h.engine.issue_api_key(h.business, "agent", Role::Agent, None).await.unwrap();
    let (token, principal) = a.staff_log_in(h.business, secret_key.expose()).await.unwrap();
    assert_eq!((principal.business, principal.role), (h.business, Role::Agent));
    assert_eq!(a.staff_session(h.business, token.expose()).await.unwrap(), Some(principal));
    assert_eq!(a.staff_session(other, token.expose()).await.unwrap(), None);
    assert_eq!(
        a.session(h.business, token.expose()).await.unwrap(),
        None,
        "not a customer session"
    );
    assert_eq!(
        a.staff_log_in(other, secret_key.expose()).await.unwrap_err().code(),
        "invalid_credentials"
    );
    assert_eq!(
        a.staff_log_in(h.business, "bk_nothing").await.unwrap_err().code(),
        "invalid_credentials"
    );
    h.engine.revoke_api_key(h.business, key.id).await.unwrap();
    assert_eq!(
        a.staff_session(h.business, token.expose()).await.unwrap(),
        None,
        "revoking the key ends it"
    );
    assert_eq!(
        a.staff_log_in(h.business, secret_key.expose()).await.unwrap_err().code(),
        "invalid_credentials"
    );
    let (_, fresh) = h.engine.issue_api_key(h.business, "admin", Role::Admin, None).await.unwrap();
    let (token, _) = a.staff_log_in(h.business, fresh.expose()).await.unwrap();
    h.clock.advance(booking_core::accounts::STAFF_SESSION_TTL);
    assert_eq!(a.staff_session(h.business, token.expose()).await.unwrap(), None, "it expires");
}
