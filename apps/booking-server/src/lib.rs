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
use booking_core::store::Store;
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

/// A server that is listening.
pub struct Running {
    /// Where it listens (useful with port 0).
    pub addr: SocketAddr,
    /// Its state (engine, store).
    pub state: AppState,
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
}

/// Binds `config.listen`, serves the API over `store`, and runs the housekeeping until
/// `shutdown` resolves or [`Running::stop`] is called.
pub async fn start(
    config: &Config,
    store: Arc<dyn Store>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    booking_webhooks::install_crypto_provider();
    let mailer = booking_email_smtp::from_url(&config.mail_url, &config.mail_from)
        .map_err(|e| anyhow::anyhow!("mail_url / mail_from: {e}"))?;
    if config.secret.is_none() {
        tracing::warn!(
            "no `secret` set: form tokens, and the calendar tokens of connections made now, are \
             keyed by a key drawn at start; they will not open after a restart"
        );
    }
    let secret = config.secret_key();
    let web = booking_http::Web {
        public_url: config.public_base(addr),
        secret,
        mailer: mailer.clone(),
        hasher: Arc::new(booking_system::Argon2Hasher),
        trusted_proxy: config.trusted_proxy,
    };
    let calendar = calendar_sync(config, &store, secret, mailer.clone())?;
    let video = video_sync(config, &store, secret);
    let state = AppState::new(engine(store.clone()), web)
        .with_calendar(calendar.clone())
        .with_video(video.clone());
    let limits = HttpLimits {
        max_body_bytes: config.max_body_bytes,
        request_timeout: Duration::from_secs(config.request_timeout_secs),
    };
    let app = booking_http::app(state.clone(), limits);
    let (stop, mut stopped) = watch::channel(false);
    let housekeeping = tokio::spawn(housekeeping(state.clone(), stopped.clone()));
    let (stop_worker, worker_stopped) = watch::channel(false);
    let webhooks = spawn_webhook_worker(config, &store, worker_stopped.clone())?;
    let notifier = booking_core::services::notify::Notifier::new(
        store.clone(),
        mailer.clone(),
        Arc::new(SystemClock),
    )
    .with_links(state.accounts().clone(), &config.public_base(addr))
    .with_video(video.clone())
    .with_meeting_placeholders(calendar.meeting_placeholders());
    let staff = booking_core::services::notify::StaffNotifier::new(
        store.clone(),
        mailer,
        Arc::new(SystemClock),
    )
    .with_video(video.clone());
    let emails = spawn_job_worker(config, &store, Arc::new(notifier), worker_stopped.clone());
    let staff_emails = spawn_job_worker(config, &store, Arc::new(staff), worker_stopped.clone());
    let calendar_jobs =
        spawn_job_worker(config, &store, Arc::new(calendar.clone()), worker_stopped.clone());
    let video_jobs =
        spawn_job_worker(config, &store, Arc::new(video.clone()), worker_stopped.clone());
    let pull_every = Duration::from_secs(60 * config.calendar_pull_minutes);
    let puller = tokio::spawn(pull_busy_times(calendar, pull_every, worker_stopped));
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
        // The worker finishes the job in hand, then stops (a job cut short is retried later).
        let _ = stop_worker.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(15), webhooks).await;
        let _ = tokio::time::timeout(Duration::from_secs(15), emails).await;
        let _ = tokio::time::timeout(Duration::from_secs(15), staff_emails).await;
        let _ = tokio::time::timeout(Duration::from_secs(15), calendar_jobs).await;
        let _ = tokio::time::timeout(Duration::from_secs(15), video_jobs).await;
        let _ = tokio::time::timeout(Duration::from_secs(15), puller).await;
        Ok(())
    });
    Ok(Running { addr, state, stop, task })
}

/// The §C9 webhook worker: runs `webhook` jobs until the server stops.
fn spawn_webhook_worker(
    config: &Config,
    store: &Arc<dyn Store>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<booking_system::worker::WorkerReport>> {
    let clock: Arc<dyn booking_core::ports::Clock> = Arc::new(SystemClock);
    let sender = booking_webhooks::WebhookSender::new(
        store.clone(),
        clock.clone(),
        Arc::new(booking_http::booking_json),
    )
    .context("cannot build the webhook HTTP client")?;
    let policy = booking_core::outbox::RetryPolicy {
        first_delay: SignedDuration::from_secs(i64::try_from(config.webhook_first_retry_secs)?),
        ..booking_core::outbox::RetryPolicy::default()
    };
    let worker = booking_system::worker::WorkerConfig {
        policy,
        poll: Duration::from_millis(config.outbox_poll_ms),
        ..booking_system::worker::WorkerConfig::default()
    };
    let outbox: Arc<dyn booking_core::outbox::Outbox> = store.clone();
    Ok(tokio::spawn(booking_system::worker::run(outbox, clock, Arc::new(sender), worker, stop)))
}

/// An outbox worker for one handler: customers' emails (with links to the customer pages),
/// staff emails, or calendar pushes (§H2).
fn spawn_job_worker(
    config: &Config,
    store: &Arc<dyn Store>,
    notifier: Arc<dyn booking_core::outbox::JobHandler>,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<booking_system::worker::WorkerReport> {
    let clock: Arc<dyn booking_core::ports::Clock> = Arc::new(SystemClock);
    let worker = booking_system::worker::WorkerConfig {
        poll: Duration::from_millis(config.outbox_poll_ms),
        ..booking_system::worker::WorkerConfig::default()
    };
    let outbox: Arc<dyn booking_core::outbox::Outbox> = store.clone();
    tokio::spawn(booking_system::worker::run(outbox, clock, notifier, worker, stop))
}

/// The §H calendar use cases over Google and Microsoft (or the configured stand-ins), sealing
/// secrets under a key derived from the server's `secret`, telling employees through `mailer`
/// when their connection breaks.
fn calendar_sync(
    config: &Config,
    store: &Arc<dyn Store>,
    secret: [u8; 32],
    mailer: Arc<dyn booking_core::ports::Mailer>,
) -> anyhow::Result<booking_core::services::calendar::CalendarSync> {
    use booking_calendar_google::{GoogleCalendar, GoogleEndpoints};
    use booking_calendar_outlook::{OutlookCalendar, OutlookEndpoints};
    let google = match &config.calendar_google_url {
        Some(url) => GoogleEndpoints::at(url),
        None => GoogleEndpoints::google(),
    };
    let microsoft = match &config.calendar_microsoft_url {
        Some(url) => OutlookEndpoints::at(url),
        None => OutlookEndpoints::microsoft(&config.calendar_microsoft_tenant),
    };
    let mut apis: Vec<Arc<dyn booking_core::calendar::CalendarApi>> =
        vec![Arc::new(OutlookCalendar::new(microsoft))];
    match GoogleCalendar::new(google) {
        Ok(api) => apis.push(Arc::new(api)),
        Err(e) => tracing::warn!(error = %e, "Google Calendar is off: no root certificates"),
    }
    Ok(booking_core::services::calendar::CalendarSync::new(
        store.clone(),
        apis,
        Arc::new(booking_system::ChaChaSealer::new(&secret)),
        Arc::new(SystemClock),
    )
    .with_mailer(mailer))
}

/// The §J video use cases over Zoom (or the configured stand-in), sealing Zoom secrets under a
/// key derived from the server's `secret`.
fn video_sync(
    config: &Config,
    store: &Arc<dyn Store>,
    secret: [u8; 32],
) -> booking_core::services::video::VideoSync {
    use booking_video_zoom::{ZoomClients, ZoomEndpoints};
    let endpoints = config.zoom_url.as_deref().map_or_else(ZoomEndpoints::zoom, ZoomEndpoints::at);
    booking_core::services::video::VideoSync::new(
        store.clone(),
        Arc::new(ZoomClients::new(endpoints)),
        Arc::new(booking_system::ChaChaSealer::new(&secret)),
        Arc::new(SystemClock),
    )
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

/// Every minute: purge expired holds and account tokens (both are already ignored when read)
/// and idempotency answers older than a day.
async fn housekeeping(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        for (what, e) in state.app().housekeeping().await {
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
) -> anyhow::Result<(booking_core::catalog::Business, booking_core::ports::Secret)> {
    Ok(engine.create_business(name, zone, locale).await?)
}
