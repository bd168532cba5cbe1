//! Prometheus metrics at `/metrics`, in the text exposition format.
//!
//! Request counts by method, route and status, a and a latency histogram:
//! hand-rolled atomics, because a handful of series do not justify a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// (method, status) → requests of one route.
type Counts = BTreeMap<(String, u16), u64>;

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    /// Route → (method, status) → count: a known route is counted without allocating.
    requests: Mutex<BTreeMap<String, Counts>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !requests.contains_key(route) {
            requests.insert(route.to_owned(), BTreeMap::new());
        }
        if let Some(by_route) = requests.get_mut(route) {
            match by_route.iter_mut().find(|((m, s), _)| m == method && *s == status) {
                Some((_, n)) => *n += 1,
                None => {
                    by_route.insert((method.to_owned(), status), 1);
                }
            }
        }
        drop(requests);
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a request's duration in microseconds fits u64"
        )]
        self.sum_micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// The text exposition.
    #[must_use]
    pub fn exposition(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP booking_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE booking_http_requests_total counter\n");
        let requests = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (route, counts) in requests.iter() {
            for ((method, status), n) in counts {
                let _ = writeln!(
                    out,
                    "booking_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP booking_http_request_duration_seconds Time to answer.\n");
        out.push_str("# TYPE booking_http_request_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "booking_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ =
            writeln!(out, "booking_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss, reason = "a sum of microseconds, shown as seconds")]
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "booking_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "booking_http_request_duration_seconds_count {count}");
        out
    }
}

/// Records every request under its route template (never its concrete path: ids stay out of
/// label values).
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let elapsed = started.elapsed().as_secs_f64();
    state.metrics().observe(method.as_str(), route, response.status().as_u16(), elapsed);
    response
}

/// `GET /metrics`: the requests, and calendar sync per employee (§H4).
pub(crate) async fn render(State(state): State<AppState>) -> Response {
    let mut body = state.metrics().exposition();
    if let Ok(all) = state.app().all_calendar_connections().await {
        body.push_str(&calendar_exposition(&all));
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Calendar sync figures: per connection, whether it works and when busy times were last
/// pulled (absent until the first success).
fn calendar_exposition(all: &[booking_core::calendar::Connection]) -> String {
    let mut out = String::new();
    out.push_str("# HELP booking_calendar_connected Employee calendars: 1 working, 0 broken.\n");
    out.push_str("# TYPE booking_calendar_connected gauge\n");
    let label = |c: &booking_core::calendar::Connection| {
        format!(
            "business=\"{}\",resource=\"{}\",provider=\"{}\"",
            c.business, c.resource, c.provider
        )
    };
    for c in all {
        let up = u8::from(c.state == booking_core::calendar::ConnectionState::Connected);
        let _ = writeln!(out, "booking_calendar_connected{{{}}} {up}", label(c));
    }
    out.push_str(
        "# HELP booking_calendar_last_sync_timestamp_seconds Last successful busy-time pull.\n",
    );
    out.push_str("# TYPE booking_calendar_last_sync_timestamp_seconds gauge\n");
    for c in all {
        if let Some(at) = c.last_sync {
            let _ = writeln!(
                out,
                "booking_calendar_last_sync_timestamp_seconds{{{}}} {}",
                label(c),
                at.as_second()
            );
        }
    }
    out
}
