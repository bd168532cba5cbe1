//! Starts the real app on 127.0.0.1:0 over a fresh database and talks to it over HTTP.

#![allow(dead_code, unreachable_pub, reason = "each test binary uses a part of this module")]

use std::sync::Arc;

pub mod web;

use booking_core::ports::clock::Clock as _;
use booking_core::ports::store::Store;
use booking_core::settings::Locale;
use booking_server::{Config, Running, Wiring, create_business, open_store, start};
use booking_store_postgres::scratch::ScratchDatabase;
use booking_system::SystemClock;
use jiff::civil::{Date, Weekday};
use jiff::{Timestamp, ToSpan};
use reqwest::Method;
use serde_json::{Value, json};

/// Runs each named test against SQLite and PostgreSQL (skipped with a notice when PostgreSQL is
/// unreachable, except under `CI=true`). After `quiet:`, the servers run no background
/// workers: the test runs the jobs itself ([`Server::run_jobs`]), so nothing is sent before it
/// says and nothing needs waiting for. After `at_noon:`, they are quiet too and their clock
/// stands at noon today in Paris ([`noon_in_paris`]): a test that reasons about "what is left of
/// today" reads the same at whatever hour it runs.
#[macro_export]
macro_rules! on_both_databases {
    (quiet: $($name:ident),* $(,)?) => {
        mod sqlite_quiet {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::common::Server::sqlite_quiet().await).await;
                }
            )*
        }
        mod postgres_quiet {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(server) = super::common::Server::postgres_quiet().await {
                        super::$name(server).await;
                    }
                }
            )*
        }
    };
    (at_noon: $($name:ident),* $(,)?) => {
        mod sqlite_at_noon {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let noon = super::common::noon_in_paris();
                    super::$name(super::common::Server::sqlite_quiet_at(noon).await).await;
                }
            )*
        }
        mod postgres_at_noon {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let noon = super::common::noon_in_paris();
                    if let Some(server) = super::common::Server::postgres_quiet_at(noon).await {
                        super::$name(server).await;
                    }
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::common::Server::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(server) = super::common::Server::postgres().await {
                        super::$name(server).await;
                    }
                }
            )*
        }
    };
}

/// A running app and a client.
pub struct Server {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub database_url: String,
    /// Where the app writes its emails (`.eml` files).
    pub mail_dir: std::path::PathBuf,
    /// A quiet server's clock: it stands still until the test moves it ([`Self::advance`]).
    clock: Option<Arc<booking_testkit::FakeClock>>,
    running: Option<Running>,
    _guard: Box<dyn std::any::Any + Send + Sync>,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The problem's code, for an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

impl Server {
    pub async fn sqlite() -> Self {
        Self::sqlite_with(|_| {}).await
    }

    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(|_| {}).await
    }

    /// On SQLite, with settings changed by `tweak`.
    pub async fn sqlite_with(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::sqlite_wired(tweak, true).await
    }

    /// On SQLite, with no background workers ([`Self::run_jobs`] runs the jobs).
    pub async fn sqlite_quiet() -> Self {
        Self::sqlite_wired(|_| {}, false).await
    }

    /// On SQLite, with settings changed by `tweak`, and background workers only if `workers`.
    pub async fn sqlite_wired(tweak: impl FnOnce(&mut Config), workers: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = dir.path().join("booking.db").to_string_lossy().into_owned();
        let store = open_store(&url, 8).await.expect("the database opens");
        Self::with_store_and(&url, store, Box::new(dir), tweak, workers).await
    }

    /// On a scratch PostgreSQL database, with settings changed by `tweak`.
    pub async fn postgres_with(tweak: impl FnOnce(&mut Config)) -> Option<Self> {
        Self::postgres_wired(tweak, true).await
    }

    /// On a scratch PostgreSQL database, with no background workers.
    pub async fn postgres_quiet() -> Option<Self> {
        Self::postgres_wired(|_| {}, false).await
    }

    async fn postgres_wired(tweak: impl FnOnce(&mut Config), workers: bool) -> Option<Self> {
        let db = ScratchDatabase::for_test().await?;
        let url = db.url().to_owned();
        let store = open_store(&url, 8).await.expect("the database opens");
        Some(Self::with_store_and(&url, store, Box::new(db), tweak, workers).await)
    }

    /// On SQLite, quiet, with its clock standing at `at`.
    pub async fn sqlite_quiet_at(at: Timestamp) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = dir.path().join("booking.db").to_string_lossy().into_owned();
        let store = open_store(&url, 8).await.expect("the database opens");
        Self::started(&url, store, Box::new(dir), |_| {}, Some(at)).await
    }

    /// On a scratch PostgreSQL database, quiet, with its clock standing at `at`.
    pub async fn postgres_quiet_at(at: Timestamp) -> Option<Self> {
        let db = ScratchDatabase::for_test().await?;
        let url = db.url().to_owned();
        let store = open_store(&url, 8).await.expect("the database opens");
        Some(Self::started(&url, store, Box::new(db), |_| {}, Some(at)).await)
    }

    /// The app's time: a quiet server's standing clock, or the real one.
    pub fn now(&self) -> Timestamp {
        self.clock.as_ref().map_or_else(now, |clock| clock.now())
    }

    /// Moves a quiet server's clock on (a quiet server's time stands still otherwise).
    pub fn advance(&self, by: jiff::SignedDuration) {
        self.clock.as_ref().expect("a quiet server's clock").advance(by);
    }

    /// Runs every due job (emails, webhooks, calendar and video changes) until none is due:
    /// what the background workers would do by themselves.
    pub async fn run_jobs(&self) -> booking_core::outbox::Drained {
        let running = self.running.as_ref().expect("running");
        running.run_until_idle().await.expect("the jobs run")
    }

    /// The app's state (engine, store, accounts).
    pub fn state(&self) -> &booking_http::AppState {
        &self.running.as_ref().expect("running").state
    }

    /// Waits until every due job of `business` has run (done, or parked after its last
    /// attempt) and none waits for a retry: from then on, nothing that has happened so far sends
    /// another email, webhook call or calendar change until a scheduled job (a reminder) falls
    /// due. What a test checks "did not happen" it checks after this, not after a fixed sleep.
    pub async fn settled(&self, business: i64) {
        use booking_core::outbox::JobState;
        let store = &self.state().engine().ports().store;
        for _ in 0..1200 {
            let now = self.state().engine().ports().clock.now();
            let jobs = store.jobs(booking_core::ids::BusinessId::new(business)).await.unwrap();
            let idle = jobs.iter().all(|j| match j.state {
                JobState::Done | JobState::Parked => true,
                JobState::Pending => j.attempts == 0 && j.run_at > now,
                JobState::Claimed => false,
            });
            if idle {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the jobs of business {business} did not settle in 30 s");
    }

    /// Another app instance on the same database (PostgreSQL: two instances side by side).
    pub async fn sibling(&self) -> Self {
        let store = open_store(&self.database_url, 8).await.expect("the database opens");
        Self::with_store(&self.database_url, store, Box::new(())).await
    }

    async fn with_store(
        url: &str,
        store: Arc<dyn Store>,
        guard: Box<dyn std::any::Any + Send + Sync>,
    ) -> Self {
        Self::with_store_and(url, store, guard, |_| {}, true).await
    }

    async fn with_store_and(
        url: &str,
        store: Arc<dyn Store>,
        guard: Box<dyn std::any::Any + Send + Sync>,
        tweak: impl FnOnce(&mut Config),
        workers: bool,
    ) -> Self {
        let clock_at = (!workers).then(now);
        Self::started(url, store, guard, tweak, clock_at).await
    }

    /// Starts the app; with `clock_at`, quiet (no background workers) on a clock standing there.
    async fn started(
        url: &str,
        store: Arc<dyn Store>,
        guard: Box<dyn std::any::Any + Send + Sync>,
        tweak: impl FnOnce(&mut Config),
        clock_at: Option<Timestamp>,
    ) -> Self {
        let mail = tempfile::tempdir().expect("a temporary directory");
        let mail_dir = mail.path().join("mail");
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            outbox_poll_ms: 50,
            webhook_first_retry_secs: 1,
            mail_url: format!("file:{}", mail_dir.display()),
            ..Config::default()
        };
        tweak(&mut config);
        let mut wiring = Wiring::from_config(&config, store.clone()).expect("the wiring builds");
        wiring.workers = clock_at.is_none();
        // A quiet server's time moves only when the test says: a retry or a reminder falls due
        // when the test advances the clock, not after a sleep.
        let clock = clock_at.map(|at| Arc::new(booking_testkit::FakeClock::at(at)));
        if let Some(clock) = &clock {
            wiring.clock = clock.clone();
        }
        let running = start(&config, wiring, std::future::pending()).await.expect("the app starts");
        Self {
            base: format!("http://{}", running.addr),
            http: client(),
            store,
            database_url: url.to_owned(),
            mail_dir,
            clock,
            running: Some(running),
            _guard: Box::new((guard, mail)),
        }
    }

    /// A new business and its first admin key.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let running = self.running.as_ref().expect("running");
        let (b, key) = create_business(running.state.engine(), name, "Europe/Paris", Locale::Fr)
            .await
            .unwrap();
        Tenant { id: b.id.get(), admin: key.expose().to_owned() }
    }

    /// Sends a request; `path` is under `/api/v1/businesses/{business}` when it does not start
    /// with `/`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert!(status < 500, "a 5xx answer: {status} {body}");
        Reply { status, body, headers }
    }

    /// Sends a body of another type than JSON.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        content_type: &str,
        body: String,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.expect("the server answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert!(status < 500, "a 5xx answer: {status} {body}");
        Reply { status, body, headers }
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> Reply {
        self.call(Method::GET, path, key, None, &[]).await
    }

    pub async fn post(&self, path: &str, key: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, key, Some(body), &[]).await
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// A business and its admin key.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: i64,
    pub admin: String,
}

impl Tenant {
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/businesses/{}{rest}", self.id)
    }
}

/// What `setup` created.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub desk: i64,
    pub staff: i64,
    pub service: i64,
    pub agenda: i64,
    pub event: i64,
    pub session: i64,
}

/// Open every day, all day: a slot is always near, whatever the hour the test runs.
pub fn always_open() -> Value {
    let day = json!([["00:00", "24:00"]]);
    json!({"weekly": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day,
                      "friday": day, "saturday": day, "sunday": day}})
}

/// A desk and a staff member open all the time, a 30-minute service, an agenda of the desk, an
/// event with a session in 10 days.
pub async fn setup(server: &Server, t: &Tenant) -> Catalog {
    let key = Some(t.admin.as_str());
    let desk = server
        .post(
            &t.path("/resources"),
            key,
            json!({"kind": "desk", "name": "Guichet 1", "hours": always_open()}),
        )
        .await;
    assert_eq!(desk.status, 201, "{:?}", desk.body);
    let staff = server
        .post(&t.path("/resources"), key, json!({"kind": "staff", "name": "Ana", "email": "ana@example.org", "hours": always_open()}))
        .await;
    assert_eq!(staff.status, 201, "{:?}", staff.body);
    let service = server
        .post(
            &t.path("/services"),
            key,
            json!({"name": "Passeport", "slug": "passeport", "duration_minutes": 30}),
        )
        .await;
    assert_eq!(service.status, 201, "{:?}", service.body);
    let agenda = server
        .post(
            &t.path("/agendas"),
            key,
            json!({"name": "Accueil", "slug": "accueil", "resources": [desk.body["id"], staff.body["id"]], "services": [service.body["id"]]}),
        )
        .await;
    assert_eq!(agenda.status, 201, "{:?}", agenda.body);
    let event = server
        .post(&t.path("/events"), key, json!({"kind": "course", "name": "Yoga", "capacity": 2}))
        .await;
    assert_eq!(event.status, 201, "{:?}", event.body);
    let start = now() + 240.hours();
    let session = server
        .post(
            &t.path(&format!("/events/{}/sessions", event.body["id"])),
            key,
            json!({"start": start.to_string(), "end": (start + 1.hour()).to_string(), "leader_id": staff.body["id"]}),
        )
        .await;
    assert_eq!(session.status, 201, "{:?}", session.body);
    let id = |r: &Reply| r.body["id"].as_i64().unwrap();
    Catalog {
        desk: id(&desk),
        staff: id(&staff),
        service: id(&service),
        agenda: id(&agenda),
        event: id(&event),
        session: id(&session),
    }
}

/// A Monday at least a week away, in Paris.
pub fn next_monday() -> Date {
    let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let mut day = now().to_zoned(zone).date() + 7.days();
    while day.weekday() != Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

/// `date` at `hh:mm` in Paris, as RFC 3339.
pub fn paris(date: Date, hour: i8, minute: i8) -> String {
    let zone = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    date.at(hour, minute, 0, 0).to_zoned(zone).unwrap().timestamp().to_string()
}

/// Noon today in Paris (by the real clock): where an `at_noon:` server's clock stands.
pub fn noon_in_paris() -> Timestamp {
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = now().to_zoned(paris.clone()).date();
    today.at(12, 0, 0, 0).to_zoned(paris).unwrap().timestamp()
}

/// The real clock (the app runs on it too).
pub fn now() -> Timestamp {
    SystemClock.now()
}

/// An HTTP client for the tests (reqwest is built without a crypto provider of its own).
pub fn client() -> reqwest::Client {
    booking_webhooks::install_crypto_provider();
    reqwest::Client::new()
}

/// Every `table.column` of the database (SQLite file or PostgreSQL URL) whose text contains
/// `value`, over every table and column: the §A7 scan.
pub async fn scan(database_url: &str, value: &str) -> Vec<String> {
    use sqlx::Row;
    let mut found = Vec::new();
    if database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(database_url).await.unwrap();
        let columns = sqlx::query(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(columns.len() > 50, "{} columns", columns.len());
        for row in columns {
            let (table, column): (String, String) = (row.get("t"), row.get("c"));
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM \"{table}\" WHERE strpos(CAST(\"{column}\" AS TEXT), $1) > 0"
            ))
            .bind(value)
            .fetch_one(&pool)
            .await
            .unwrap();
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{database_url}")).await.unwrap();
        let tables: Vec<String> = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name"))
        .collect();
        assert!(tables.len() >= 15, "{tables:?}");
        for table in &tables {
            let info = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
                .fetch_all(&pool)
                .await
                .unwrap();
            for column in info.iter().map(|r| r.get::<String, _>("name")) {
                let hits: i64 = sqlx::query_scalar(&format!(
                    "SELECT count(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), $1) > 0"
                ))
                .bind(value)
                .fetch_one(&pool)
                .await
                .unwrap();
                if hits > 0 {
                    found.push(format!("{table}.{column}"));
                }
            }
        }
        pool.close().await;
    }
    found
}
