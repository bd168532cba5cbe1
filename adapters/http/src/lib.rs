//! # booking-http
//!
//! The HTTP adapter: the JSON API under `/api/v1` (§C1–§C5) over the core's use cases, its
//! OpenAPI 3.1 document at `/api/v1/openapi.json` with an offline docs page at `/api/v1/docs`,
//! RFC 9457 problems with the core's stable codes, API-key auth with roles, and
//! `Idempotency-Key`. Health and metrics routes are here too, so the server binary only wires.
//!
//! Every route is declared once with `utoipa_axum::routes!`: the router and the OpenAPI
//! document come from the same list, so a route cannot be served undocumented.

pub mod auth;
mod chrono;
pub mod dto;
pub mod idempotency;
pub mod metrics;
mod pages;
pub mod problem;
mod routes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use booking_core::Engine;
use booking_core::error::Kind;

use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::metrics::Metrics;
pub use crate::pages::Web;
use crate::problem::Problem;

/// Limits of the HTTP layer: body size, request timeout.
#[derive(Clone, Copy, Debug)]
pub struct HttpLimits {
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Longest a request may run.
    pub request_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self { max_body_bytes: 256 * 1024, request_timeout: Duration::from_secs(30) }
    }
}

struct Inner {
    app: booking_core::app::App,
    engine: Engine,
    pages: pages::PagesState,
    metrics: Metrics,
    ready: AtomicBool,
}

/// What every handler shares: the engine over its ports, metrics, readiness.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// A state over an engine, with what the customer pages need.
    #[must_use]
    pub fn new(engine: Engine, web: Web) -> Self {
        Self {
            inner: Arc::new(Inner {
                app: booking_core::app::App::new(engine.clone(), &web.secret),
                pages: pages::PagesState::new(web, engine.ports()),
                engine,
                metrics: Metrics::default(),
                ready: AtomicBool::new(true),
            }),
        }
    }

    /// Turns calendar sync on (§H): the integration settings, the employees' connect pages
    /// and the sync figures of `/metrics` use it.
    ///
    /// # Panics
    /// When called after the state was cloned (call it right after [`Self::new`]).
    #[must_use]
    pub fn with_calendar(
        mut self,
        calendar: booking_core::services::calendar::CalendarSync,
    ) -> Self {
        let inner =
            Arc::get_mut(&mut self.inner).expect("with_calendar before the state is shared");
        inner.app = inner.app.clone().with_calendar(calendar);
        self
    }

    /// Turns video conferencing on (§J): the video settings API and pages use it.
    ///
    /// # Panics
    /// When called after the state was cloned (call it right after [`Self::new`]).
    #[must_use]
    pub fn with_video(mut self, video: booking_core::services::video::VideoSync) -> Self {
        let inner = Arc::get_mut(&mut self.inner).expect("with_video before the state is shared");
        inner.app = inner.app.clone().with_video(video);
        self
    }

    /// The codes use cases (§I).
    #[must_use]
    pub fn codes(&self) -> &booking_core::services::codes::CodeBook {
        self.inner.app.codes()
    }

    /// The calendar use cases, when calendar sync is on.
    #[must_use]
    pub fn calendar(&self) -> Option<&booking_core::services::calendar::CalendarSync> {
        self.inner.app.calendar()
    }

    /// The application layer: the use cases handlers call (the rest still go to the engine).
    #[must_use]
    pub fn app(&self) -> &booking_core::app::App {
        &self.inner.app
    }

    /// The engine, for the composition root and the tests; handlers and pages go through
    /// [`Self::app`] (`scripts/check-architecture.sh` checks it).
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn pages(&self) -> &pages::PagesState {
        &self.inner.pages
    }

    /// The account use cases (sign-up, log-in, tokens).
    #[must_use]
    pub fn accounts(&self) -> &booking_core::services::accounts::Accounts {
        &self.inner.pages.accounts
    }

    /// The metrics.
    #[must_use]
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Marks the server as (not) ready: `/readyz` answers 503 while shutting down.
    pub fn set_ready(&self, ready: bool) {
        self.inner.ready.store(ready, Ordering::SeqCst);
    }

    fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::SeqCst)
    }
}

/// A booking as the API shows it, in `zone`: what the webhook sender puts in each event's body,
/// so receivers read the same shape as `GET /bookings/{id}`.
#[must_use]
pub fn booking_json(
    booking: &booking_core::Booking,
    zone: &booking_core::time::Zone,
) -> serde_json::Value {
    serde_json::to_value(dto::BookingOut::new(booking, zone)).unwrap_or_default()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Booking API",
        description = "Appointment and event booking: set-up, availability, holds with lock codes, \
                       bookings. Errors are RFC 9457 problems with a stable `code`. POSTs that \
                       create or change a booking or hold accept an `Idempotency-Key` header.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem)),
    tags(
        (name = "set-up", description = "Businesses, resources, hours, agendas, services, events, keys (admin, manager)"),
        (name = "public", description = "Services, availability, holds and bookings (anyone)"),
        (name = "bookings", description = "Reading and changing bookings (staff, customers)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key: `Authorization: Bearer bk_…`"))
                    .build(),
            ),
        );
    }
}

/// The API's routes and their OpenAPI document, from one list.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi());
    routes::all(router).split_for_parts()
}

/// The OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole HTTP app: the API, its document and docs page, health, readiness and metrics,
/// with body limits, timeouts, gzip compression, request ids and tracing.
pub fn app(state: AppState, limits: HttpLimits) -> Router {
    let (api, doc) = api();
    let request_id = HeaderName::from_static("x-request-id");
    let docs = SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", doc);
    Router::new()
        .merge(api)
        .merge(pages::router())
        .merge(chrono::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(readyz))
        .route("/metrics", axum::routing::get(metrics::render))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .merge(docs)
        .layer(middleware::from_fn_with_state(state.clone(), auth::tenant_guard))
        .layer(middleware::from_fn_with_state(state, metrics::track))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn(problems_for_layers))
        // Pages, JSON and calendar feeds gzip-compressed for clients that accept it (a week
        // page is mostly repeated markup: a phone on a slow line gets a tenth of it).
        .layer(CompressionLayer::new().gzip(true).no_br().no_deflate().no_zstd())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .make_span_with(|req: &Request| {
                    // Fields are evaluated only when the span is enabled.
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        request_id = %req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default(),
                    )
                }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn readyz(State(state): State<AppState>) -> Response {
    if !state.is_ready() {
        return Problem::of(Kind::Unavailable, "storage_unavailable", "shutting down")
            .into_response();
    }
    match state.app().storage_ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}

async fn not_found() -> Problem {
    Problem::of(Kind::NotFound, "route_not_found", "no such route")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method",
    )
}

/// Turns the plain-text answers of the layers (timeout, body limit) into problems.
async fn problems_for_layers(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !plain || response.status().is_success() {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::too_large().into_response(),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
            Problem::of(Kind::Unavailable, "timeout", "the request took too long").into_response()
        }
        _ => response,
    }
}
