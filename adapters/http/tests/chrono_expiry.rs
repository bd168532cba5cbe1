//! §G fillslot across a hold's expiry, on a fake clock (the app in process, the in-memory
//! store): a confirm after expiry succeeds only if the slot is still free, and a held slot is
//! refused to others until its hold expires.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use booking_core::booking::Role;
use booking_core::time::SignedDuration;
use booking_core::{Engine, Ports};
use booking_http::{AppState, HttpLimits, Web, app};
use booking_testkit::{FakeHasher, Harness, RecordingMailer, SeqTokens};
use serde_json::{Value, json};
use tower::ServiceExt as _;

async fn fill(app: &axum::Router, key: &str, slot: &str, body: Value) -> Value {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    let request = Request::post(format!("/api/agenda/etat-civil/fillslot/{slot}/"))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn confirming_after_expiry_books_only_a_slot_still_free() {
    let h = Harness::demo("2027-01-01T08:00:00Z").await; // a Friday; one desk, Mon–Fri 9–17
    let engine = Engine::new(Ports {
        store: h.store.clone(),
        clock: h.clock.clone(),
        tokens: Arc::new(SeqTokens::new(3)),
    });
    let (_, key) = engine.issue_api_key(h.business, "publik", Role::Agent, None).await.unwrap();
    let web = Web {
        public_url: "http://booking.test".into(),
        secret: [7; 32],
        mailer: Arc::new(RecordingMailer::default()),
        hasher: Arc::new(FakeHasher),
        trusted_proxy: false,
    };
    let app = app(AppState::new(engine, web), HttpLimits::default());
    let key = key.expose();
    let (nine, half_past) = ("passeport:2027-01-04-0900", "passeport:2027-01-04-0930");

    // Held, then expired, still free: the confirm books it.
    assert_eq!(fill(&app, key, nine, json!({"lock_code": "form-1"})).await["err"], 0);
    assert_eq!(fill(&app, key, nine, json!({})).await["err"], 1, "held for form-1");
    h.clock.advance(SignedDuration::from_mins(11));
    let late =
        fill(&app, key, nine, json!({"lock_code": "form-1", "confirm_after_lock": true})).await;
    assert_eq!(late["err"], 0, "{late}");
    assert_eq!(late["datetime"], "2027-01-04 09:00:00");

    // Held, expired, taken by someone else meanwhile: the confirm is refused.
    assert_eq!(fill(&app, key, half_past, json!({"lock_code": "form-2"})).await["err"], 0);
    h.clock.advance(SignedDuration::from_mins(11));
    assert_eq!(
        fill(&app, key, half_past, json!({})).await["err"],
        0,
        "an expired hold holds nothing"
    );
    let refused =
        fill(&app, key, half_past, json!({"lock_code": "form-2", "confirm_after_lock": true}))
            .await;
    assert_eq!(
        (refused["err"].as_i64(), refused["err_class"].as_str()),
        (Some(1), Some("no more desk available"))
    );
}
