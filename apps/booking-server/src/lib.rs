//! # booking-server
//!
//! One process serving the API and pages (`booking-http`) and running the background work —
//! the outbox workers (webhooks through `booking-webhooks`, customers' and staff's emails,
//! calendar pushes, video meetings), the calendar busy-time puller, and the housekeeping that
//! purges expired holds, tokens and old idempotency answers every minute — over SQLite (a file,
//! the default) or PostgreSQL (a URL). [`Config`] comes from the environment and an optional TOML file
//! (`docs/OPERATIONS.md`). [`demo::seed`] creates the demo business of `--demo`.

pub mod config;
pub mod demo;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use booking_core::ports::clock::Clock;
use booking_core::ports::mail::Mailer;
use booking_core::ports::outbox::JobHandler;
use booking_core::ports::store::Store;
use booking_core::ports::tokens::TokenSource;
use booking_core::{Engine, Ports};
use booking_http::{AppState, HttpLimits};
use booking_system::{OsTokens, SystemClock};
use jiff::SignedDuration;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use crate::config::Config;

pub use booking_store::open_store;

/// The engine over a store, the system clock and the OS random generator.
#[must_use]
pub fn engine(store: Arc<dyn Store>) -> Engine {
    Engine::new(Ports { store, clock: Arc::new(SystemClock), tokens: Arc::new(OsTokens) })
}

/// What the server runs on: its ports and providers. [`Wiring::from_config`] builds the real
/// ones; a test replaces what it needs (a fake clock, a recording mailer, provider fakes) and
/// may turn the background workers off to run the jobs itself ([`Running::run_until_idle`]).
pub struct Wiring {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The random generator.
    pub tokens: Arc<dyn TokenSource>,
    /// Where emails go.
    pub mailer: Arc<dyn Mailer>,
    /// The calendar providers offered (§H).
    pub calendars: Vec<Arc<dyn booking_core::ports::calendar::CalendarApi>>,
    /// The Zoom clients (§J).
    pub meetings: Vec<Arc<dyn booking_core::ports::video::MeetingConnector>>,
    /// Whether the outbox workers and the busy-time puller run in the background (on in
    /// production; off, jobs run when [`Running::run_until_idle`] is called).
    pub workers: bool,
}

impl Wiring {
    /// The real ports and providers for `config` over `store`: the system clock and random
    /// generator, SMTP (or the configured `.eml` directory), Google and Microsoft, Zoom.
    ///
    /// # Errors
    /// A mail URL that does not parse.
    pub fn from_config(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        use booking_calendar_google::{GoogleCalendar, GoogleEndpoints};
        use booking_calendar_outlook::{OutlookCalendar, OutlookEndpoints};
        use booking_video_zoom::{ZoomClients, ZoomEndpoints};
        booking_webhooks::install_crypto_provider();
        let mailer = booking_email_smtp::from_url(&config.mail_url, &config.mail_from)
            .map_err(|e| anyhow::anyhow!("mail_url / mail_from: {e}"))?;
        let google = match &config.calendar_google_url {
            Some(url) => GoogleEndpoints::at(url),
            None => GoogleEndpoints::google(),
        };
        let microsoft = match &config.calendar_microsoft_url {
            Some(url) => OutlookEndpoints::at(url),
            None => OutlookEndpoints::microsoft(&config.calendar_microsoft_tenant),
        };
        let mut calendars: Vec<Arc<dyn booking_core::ports::calendar::CalendarApi>> =
            vec![Arc::new(OutlookCalendar::new(microsoft))];
        match GoogleCalendar::new(google) {
            Ok(api) => calendars.push(Arc::new(api)),
            Err(e) => tracing::warn!(error = %e, "Google Calendar is off: no root certificates"),
        }
        let zoom = config.zoom_url.as_deref().map_or_else(ZoomEndpoints::zoom, ZoomEndpoints::at);
        Ok(Self {
            store,
            clock: Arc::new(SystemClock),
            tokens: Arc::new(OsTokens),
            mailer,
            calendars,
            meetings: vec![Arc::new(ZoomClients::new(zoom))],
            workers: true,
        })
    }
}

/// A server that is listening.
pub struct Running {
    /// Where it listens (useful with port 0).
    pub addr: SocketAddr,
    /// Its state (engine, store).
    pub state: AppState,
    jobs: Arc<Jobs>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Asks it to stop (graceful: requests in flight finish) and waits.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.state.set_ready(false);
        let _ = self.stop.send(true);
        self.task.await.context("the server task panicked")?
    }

    /// Waits until it stops by itself (after `shutdown` resolves).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("the server task panicked")?
    }

    /// Runs every due outbox job of every handler (webhooks, customers' and staff's emails,
    /// calendar pushes, video meetings) until none is due at the clock's time; what a job
    /// schedules for later (a retry, a reminder) waits for its time. What the workers do in the
    /// background, on demand: tests with the workers off call it instead of waiting.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn run_until_idle(&self) -> anyhow::Result<booking_core::outbox::Drained> {
        self.jobs.run_until_idle().await
    }
}

/// The outbox handlers, each with its retry policy.
struct Jobs {
    outbox: Arc<dyn booking_core::ports::outbox::Outbox>,
    clock: Arc<dyn Clock>,
    handlers: Vec<(Arc<dyn JobHandler>, booking_core::outbox::RetryPolicy)>,
    poll: Duration,
}

impl Jobs {
    async fn run_until_idle(&self) -> anyhow::Result<booking_core::outbox::Drained> {
        let mut total = booking_core::outbox::Drained::default();
        loop {
            let mut ran = 0;
            for (handler, policy) in &self.handlers {
                let pass = booking_core::services::outbox::drain(
                    self.outbox.as_ref(),
                    self.clock.as_ref(),
                    handler.as_ref(),
                    policy,
                    16,
                )
                .await?;
                ran += pass.done + pass.retried + pass.parked + pass.lost;
                total.done += pass.done;
                total.retried += pass.retried;
                total.parked += pass.parked;
                total.lost += pass.lost;
            }
            // A job may write another (an email after a calendar push): run until a whole
            // round finds nothing due.
            if ran == 0 {
                return Ok(total);
            }
        }
    }

    /// One background worker per handler, until `stop`.
    fn spawn(
        &self,
        stop: &watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<booking_system::worker::WorkerReport>> {
        self.handlers
            .iter()
            .map(|(handler, policy)| {
                let worker = booking_system::worker::WorkerConfig {
                    policy: *policy,
                    poll: self.poll,
                    ..booking_system::worker::WorkerConfig::default()
                };
                tokio::spawn(booking_system::worker::run(
                    self.outbox.clone(),
                    self.clock.clone(),
                    handler.clone(),
                    worker,
                    stop.clone(),
                ))
            })
            .collect()
    }
}

/// Binds `config.listen`, serves the API over the `wiring`'s ports, and runs the housekeeping
/// (and, with `wiring.workers`, the outbox workers and the busy-time puller) until `shutdown`
/// resolves or [`Running::stop`] is called.
pub async fn start(
    config: &Config,
    wiring: Wiring,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    if config.secret.is_none() {
        tracing::warn!(
            "no `secret` set: form tokens, and the calendar tokens of connections made now, are \
             keyed by a key drawn at start; they will not open after a restart"
        );
    }
    let secret = config.secret_key();
    let Wiring { store, clock, tokens, mailer, calendars, meetings, workers } = wiring;
    let web = booking_http::Web {
        public_url: config.public_base(addr),
        secret,
        mailer: mailer.clone(),
        hasher: Arc::new(booking_system::Argon2Hasher),
        trusted_proxy: config.trusted_proxy,
    };
    let sealer: Arc<dyn booking_core::ports::calendar::Sealer> =
        Arc::new(booking_system::ChaChaSealer::new(&secret));
    let calendar = booking_core::services::calendar::CalendarSync::new(
        store.clone(),
        calendars,
        sealer.clone(),
        clock.clone(),
    )
    .with_mailer(mailer.clone());
    let video = booking_core::services::video::VideoSync::new(
        store.clone(),
        meetings,
        sealer,
        clock.clone(),
    );
    let engine = Engine::new(Ports { store: store.clone(), clock: clock.clone(), tokens });
    let state =
        AppState::new(engine, web).with_calendar(calendar.clone()).with_video(video.clone());
    let limits = HttpLimits {
        max_body_bytes: config.max_body_bytes,
        request_timeout: Duration::from_secs(config.request_timeout_secs),
    };
    let app = booking_http::app(state.clone(), limits);
    let jobs = Arc::new(jobs(config, &store, &clock, &state, &calendar, &video, mailer, addr)?);
    let (stop, mut stopped) = watch::channel(false);
    let keep_done_jobs =
        SignedDuration::from_hours(24 * i64::try_from(config.outbox_retention_days)?);
    let housekeeping = tokio::spawn(housekeeping(state.clone(), keep_done_jobs, stopped.clone()));
    let (stop_worker, worker_stopped) = watch::channel(false);
    let mut background = Vec::new();
    if workers {
        background = jobs.spawn(&worker_stopped);
        let pull_every = Duration::from_secs(60 * config.calendar_pull_minutes);
        let puller = tokio::spawn(pull_busy_times(calendar, pull_every, worker_stopped));
        background.push(tokio::spawn(async move {
            puller.await.ok();
            booking_system::worker::WorkerReport::default()
        }));
    }
    let ready = state.clone();
    let task = tokio::spawn(async move {
        let signal = async move {
            tokio::select! {
                () = shutdown => {}
                _ = stopped.wait_for(|s| *s) => {}
            }
            ready.set_ready(false);
            tracing::info!("shutting down: finishing requests in flight");
        };
        // Client addresses reach the pages' attempt counters (log-in rate limits).
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app).with_graceful_shutdown(signal).await?;
        housekeeping.abort();
        // Each worker finishes the job in hand, then stops (a job cut short is retried later).
        let _ = stop_worker.send(true);
        for worker in background {
            let _ = tokio::time::timeout(Duration::from_secs(15), worker).await;
        }
        Ok(())
    });
    Ok(Running { addr, state, jobs, stop, task })
}

/// The outbox handlers: the §C9 webhook sender (its first retry as configured), customers'
/// emails (with links to the customer pages and the providers' meeting placeholders), staff
/// emails, calendar pushes (§H2) and video meetings (§J).
#[allow(clippy::too_many_arguments, reason = "the composition root hands each handler its ports")]
fn jobs(
    config: &Config,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
    state: &AppState,
    calendar: &booking_core::services::calendar::CalendarSync,
    video: &booking_core::services::video::VideoSync,
    mailer: Arc<dyn booking_core::ports::mail::Mailer>,
    addr: SocketAddr,
) -> anyhow::Result<Jobs> {
    use booking_core::outbox::RetryPolicy;
    let sender = booking_webhooks::WebhookSender::new(
        store.clone(),
        clock.clone(),
        Arc::new(booking_http::booking_json),
    )
    .context("cannot build the webhook HTTP client")?;
    let webhook_policy = RetryPolicy {
        first_delay: SignedDuration::from_secs(i64::try_from(config.webhook_first_retry_secs)?),
        ..RetryPolicy::default()
    };
    let notifier =
        booking_core::services::notify::Notifier::new(store.clone(), mailer.clone(), clock.clone())
            .with_links(state.accounts().clone(), &config.public_base(addr))
            .with_video(video.clone())
            .with_meeting_placeholders(calendar.meeting_placeholders());
    let staff =
        booking_core::services::notify::StaffNotifier::new(store.clone(), mailer, clock.clone())
            .with_video(video.clone());
    let default = RetryPolicy::default;
    Ok(Jobs {
        outbox: store.clone(),
        clock: clock.clone(),
        // In the order a round of `run_until_idle` runs them: the calendar event and the
        // meeting first, so the emails that carry their links find them made.
        handlers: vec![
            (Arc::new(calendar.clone()), default()),
            (Arc::new(video.clone()), default()),
            (Arc::new(notifier), default()),
            (Arc::new(staff), default()),
            (Arc::new(sender), webhook_policy),
        ],
        poll: Duration::from_millis(config.outbox_poll_ms),
    })
}

/// §H4: pulls every connected employee's busy times into the cache every `every` (and once at
/// start), until the server stops.
async fn pull_busy_times(
    calendar: booking_core::services::calendar::CalendarSync,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match calendar.pull_all().await {
            Ok((_, 0)) => {}
            Ok((ok, failed)) => tracing::warn!(ok, failed, "some calendars could not be pulled"),
            Err(e) => tracing::warn!(error = %e, "could not list the calendar connections"),
        }
    }
}

/// Every minute: purge expired holds and account tokens (both are already ignored when read),
/// idempotency answers older than a day and done outbox jobs older than `keep_done_jobs`.
async fn housekeeping(
    state: AppState,
    keep_done_jobs: SignedDuration,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        for (what, e) in state.app().housekeeping(keep_done_jobs).await {
            tracing::warn!(error = %e, "could not purge {what}");
        }
    }
}

/// Creates a business with default settings and its first admin API key (shown once): what
/// `--demo` and the tests use, since no API caller exists before it
/// ([`Engine::create_business`]).
pub async fn create_business(
    engine: &Engine,
    name: &str,
    zone: &str,
    locale: booking_core::settings::Locale,
) -> anyhow::Result<(booking_core::catalog::Business, booking_core::ports::tokens::Secret)> {
    Ok(engine.create_business(name, zone, locale).await?)
}
