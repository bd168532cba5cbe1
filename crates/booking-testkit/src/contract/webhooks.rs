//! Contract cases of webhook endpoints and deliveries.

use super::*;

/// §C9 Endpoints belong to one business; every attempt is logged; `delivered` is per job and
/// endpoint and only counts successes.
pub async fn webhooks_are_scoped_and_logged(store: Arc<dyn Store>) {
    let h = Harness::demo_in(store, NOW).await;
    let other = fixtures::demo_business(h.store.as_ref(), 1).await.business;
    let hook =
        h.engine.register_webhook(h.business, "https://example.org/hook", vec![]).await.unwrap();
    let picky = h
        .engine
        .register_webhook(h.business, "https://example.org/cancel", vec!["booking.canceled".into()])
        .await
        .unwrap();
    assert!(hook.secret.expose().starts_with("whsec_"));
    assert_ne!(hook.secret, picky.secret);
    let err =
        h.engine.register_webhook(h.business, "http://example.org/x", vec![]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_value");
    assert_eq!(h.store.webhooks(h.business).await.unwrap(), vec![hook.clone(), picky.clone()]);
    assert!(h.store.webhooks(other).await.unwrap().is_empty());
    assert_eq!(h.engine.remove_webhook(other, hook.id).await.unwrap_err().code(), "not_found");
    let booking = book(&h, "2027-01-04T09:00:00Z").await.unwrap();
    let job = jobs_of(&h, Effect::Webhook).await.remove(0);
    let attempt = |ok: bool, status: Option<u16>| booking_core::webhooks::Delivery {
        business: h.business,
        endpoint: hook.id,
        job: job.id,
        booking: booking.id,
        event: "booking.created".into(),
        at: at(NOW),
        status,
        ok,
        error: (!ok).then(|| "HTTP 500".to_owned()),
    };
    h.store.record_delivery(attempt(false, Some(500))).await.unwrap();
    assert!(!h.store.delivered(job.id, hook.id).await.unwrap(), "a failure is not a delivery");
    h.store.record_delivery(attempt(true, Some(204))).await.unwrap();
    assert!(h.store.delivered(job.id, hook.id).await.unwrap());
    assert!(!h.store.delivered(job.id, picky.id).await.unwrap(), "per endpoint");
    let log = h.store.deliveries(h.business, hook.id, 10).await.unwrap();
    assert_eq!(log.iter().map(|d| d.ok).collect::<Vec<_>>(), [true, false], "newest first");
    assert_eq!(log[1].error.as_deref(), Some("HTTP 500"));
    assert_eq!(h.store.deliveries(h.business, hook.id, 1).await.unwrap().len(), 1);
    assert!(h.store.deliveries(other, hook.id, 10).await.unwrap().is_empty());
    h.engine.remove_webhook(h.business, hook.id).await.unwrap();
    assert_eq!(h.store.webhooks(h.business).await.unwrap(), vec![picky]);
    assert_eq!(
        h.store.deliveries(h.business, hook.id, 10).await.unwrap().len(),
        2,
        "the log stays"
    );
}
