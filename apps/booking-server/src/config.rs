//! Configuration: defaults, then an optional TOML file, then environment variables (which win).
//! Every key is documented in `docs/OPERATIONS.md`.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

/// A setting that is a secret: `Debug` never shows it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The server's settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`BOOKING_LISTEN`, default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Database: a SQLite file path or `sqlite:` URL, or a `postgres://` URL
    /// (`BOOKING_DATABASE_URL`, default `booking.db`).
    pub database_url: String,
    /// PostgreSQL connections per instance (`BOOKING_PG_CONNECTIONS`, default 16).
    pub pg_connections: u32,
    /// Largest request body in bytes (`BOOKING_MAX_BODY_BYTES`, default 262144).
    pub max_body_bytes: usize,
    /// Longest a request may run, in seconds (`BOOKING_REQUEST_TIMEOUT_SECS`, default 30).
    pub request_timeout_secs: u64,
    /// Log filter (`BOOKING_LOG`, default `info`), in `tracing` `EnvFilter` syntax.
    pub log: String,
    /// `text` or `json` (`BOOKING_LOG_FORMAT`, default `text`).
    pub log_format: String,
    /// How often the webhook and email workers look for due outbox jobs, in milliseconds
    /// (`BOOKING_OUTBOX_POLL_MS`, default 1000).
    pub outbox_poll_ms: u64,
    /// The wait before the first retry of a failed webhook, in seconds; each further failure
    /// doubles it, up to an hour, and the tenth failure parks the job
    /// (`BOOKING_WEBHOOK_FIRST_RETRY_SECS`, default 30).
    pub webhook_first_retry_secs: u64,
    /// How long done outbox jobs are kept before the housekeeping deletes them, in days
    /// (`BOOKING_OUTBOX_RETENTION_DAYS`, default 7, 1 to 3650). The webhook delivery log is kept
    /// apart.
    pub outbox_retention_days: u64,
    /// Where emails go: `file:<folder>` (one `.eml` per email, the development default),
    /// `smtp://host:25`, `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (`BOOKING_MAIL_URL`, default `file:mail`).
    pub mail_url: String,
    /// The sender of emails (`BOOKING_MAIL_FROM`, default `Booking <booking@localhost>`).
    pub mail_from: String,
    /// The address customers reach the server at, for links in emails (`BOOKING_PUBLIC_URL`,
    /// default `http://<listen>`). With `https://`, cookies are `Secure`.
    pub public_url: Option<String>,
    /// 64 hex digits keying form tokens (`BOOKING_SECRET`; default: drawn at start, so forms
    /// open during a restart must be sent again). Secret: never logged.
    pub secret: Option<SecretText>,
    /// The server is reached through a reverse proxy that appends the client's address to
    /// `X-Forwarded-For` (`BOOKING_TRUSTED_PROXY`, default `false`). Only then is the header
    /// believed (log-in attempt limits count per client).
    pub trusted_proxy: bool,
    /// How often employees' busy times are pulled from their calendars, in minutes
    /// (`BOOKING_CALENDAR_PULL_MINUTES`, default 15, 1 to 1440).
    pub calendar_pull_minutes: u64,
    /// Where Google's APIs are (`BOOKING_CALENDAR_GOOGLE_URL`; default Google's own hosts).
    /// One base URL with Google's paths: for a proxy or a local fake.
    pub calendar_google_url: Option<String>,
    /// Where Microsoft Graph and the Microsoft identity platform are
    /// (`BOOKING_CALENDAR_MICROSOFT_URL`; default Microsoft's own hosts).
    pub calendar_microsoft_url: Option<String>,
    /// The Microsoft Entra tenant employees sign in with (`BOOKING_CALENDAR_MICROSOFT_TENANT`,
    /// default `common`: any work, school or personal account).
    pub calendar_microsoft_tenant: String,
    /// Where Zoom's API and OAuth token endpoint are (`BOOKING_ZOOM_URL`; default Zoom's own
    /// hosts). One base URL with Zoom's paths (`/v2/…`, `/oauth/token`): for a local fake.
    pub zoom_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "booking.db".to_owned(),
            pg_connections: 16,
            max_body_bytes: 256 * 1024,
            request_timeout_secs: 30,
            log: "info".to_owned(),
            log_format: "text".to_owned(),
            outbox_poll_ms: 1000,
            webhook_first_retry_secs: 30,
            outbox_retention_days: 7,
            mail_url: "file:mail".to_owned(),
            mail_from: "Booking <booking@localhost>".to_owned(),
            public_url: None,
            secret: None,
            trusted_proxy: false,
            calendar_pull_minutes: 15,
            calendar_google_url: None,
            calendar_microsoft_url: None,
            calendar_microsoft_tenant: "common".to_owned(),
            zoom_url: None,
        }
    }
}

impl Config {
    /// Defaults, overridden by `file` (TOML) if given, overridden by `env` (`BOOKING_*`).
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("invalid {}", path.display()))?
            }
            None => Self::default(),
        };
        if let Some(v) = env("BOOKING_LISTEN") {
            config.listen =
                v.parse().context("BOOKING_LISTEN is an address like 127.0.0.1:8080")?;
        }
        if let Some(v) = env("BOOKING_DATABASE_URL") {
            config.database_url = v;
        }
        if let Some(v) = env("BOOKING_PG_CONNECTIONS") {
            config.pg_connections = v.parse().context("BOOKING_PG_CONNECTIONS is a number")?;
        }
        if let Some(v) = env("BOOKING_MAX_BODY_BYTES") {
            config.max_body_bytes = v.parse().context("BOOKING_MAX_BODY_BYTES is a number")?;
        }
        if let Some(v) = env("BOOKING_REQUEST_TIMEOUT_SECS") {
            config.request_timeout_secs =
                v.parse().context("BOOKING_REQUEST_TIMEOUT_SECS is a number")?;
        }
        if let Some(v) = env("BOOKING_LOG") {
            config.log = v;
        }
        if let Some(v) = env("BOOKING_LOG_FORMAT") {
            config.log_format = v;
        }
        if let Some(v) = env("BOOKING_MAIL_URL") {
            config.mail_url = v;
        }
        if let Some(v) = env("BOOKING_MAIL_FROM") {
            config.mail_from = v;
        }
        if let Some(v) = env("BOOKING_PUBLIC_URL") {
            config.public_url = Some(v);
        }
        if let Some(v) = env("BOOKING_TRUSTED_PROXY") {
            config.trusted_proxy =
                v.parse().context("BOOKING_TRUSTED_PROXY is `true` or `false`")?;
        }
        if let Some(v) = env("BOOKING_SECRET") {
            config.secret = Some(SecretText(v));
        }
        if let Some(v) = env("BOOKING_OUTBOX_POLL_MS") {
            config.outbox_poll_ms = v.parse().context("BOOKING_OUTBOX_POLL_MS is a number")?;
        }
        if let Some(v) = env("BOOKING_WEBHOOK_FIRST_RETRY_SECS") {
            config.webhook_first_retry_secs =
                v.parse().context("BOOKING_WEBHOOK_FIRST_RETRY_SECS is a number")?;
        }
        if let Some(v) = env("BOOKING_OUTBOX_RETENTION_DAYS") {
            config.outbox_retention_days =
                v.parse().context("BOOKING_OUTBOX_RETENTION_DAYS is a number")?;
        }
        if let Some(v) = env("BOOKING_CALENDAR_PULL_MINUTES") {
            config.calendar_pull_minutes =
                v.parse().context("BOOKING_CALENDAR_PULL_MINUTES is a number")?;
        }
        if let Some(v) = env("BOOKING_CALENDAR_GOOGLE_URL") {
            config.calendar_google_url = Some(v);
        }
        if let Some(v) = env("BOOKING_CALENDAR_MICROSOFT_URL") {
            config.calendar_microsoft_url = Some(v);
        }
        if let Some(v) = env("BOOKING_CALENDAR_MICROSOFT_TENANT") {
            config.calendar_microsoft_tenant = v;
        }
        if let Some(v) = env("BOOKING_ZOOM_URL") {
            config.zoom_url = Some(v);
        }
        anyhow::ensure!(
            (1..=1440).contains(&config.calendar_pull_minutes),
            "calendar_pull_minutes is 1 to 1440"
        );
        for url in [&config.calendar_google_url, &config.calendar_microsoft_url, &config.zoom_url]
            .into_iter()
            .flatten()
        {
            anyhow::ensure!(
                url.starts_with("http://") || url.starts_with("https://"),
                "calendar_google_url, calendar_microsoft_url and zoom_url start with http:// or \
                 https://"
            );
        }
        anyhow::ensure!(
            !config.calendar_microsoft_tenant.is_empty()
                && config
                    .calendar_microsoft_tenant
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
            "calendar_microsoft_tenant is a tenant id or domain"
        );
        anyhow::ensure!(
            matches!(config.log_format.as_str(), "text" | "json"),
            "log_format is `text` or `json`"
        );
        anyhow::ensure!(config.request_timeout_secs > 0, "request_timeout_secs is at least 1");
        anyhow::ensure!(config.outbox_poll_ms > 0, "outbox_poll_ms is at least 1");
        if let Some(url) = &config.public_url {
            anyhow::ensure!(
                url.starts_with("http://") || url.starts_with("https://"),
                "public_url starts with http:// or https://"
            );
        }
        if let Some(SecretText(secret)) = &config.secret {
            anyhow::ensure!(
                secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()),
                "secret is 64 hex digits"
            );
        }
        anyhow::ensure!(
            (1..=3600).contains(&config.webhook_first_retry_secs),
            "webhook_first_retry_secs is 1 to 3600"
        );
        anyhow::ensure!(
            (1..=3650).contains(&config.outbox_retention_days),
            "outbox_retention_days is 1 to 3650"
        );
        Ok(config)
    }

    /// The public base URL, without a trailing slash (`http://<bound>` when not set, where
    /// `bound` is the address the server actually listens on).
    #[must_use]
    pub fn public_base(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The form-token key: [`Self::secret`], else drawn from the OS.
    #[must_use]
    pub fn secret_key(&self) -> [u8; 32] {
        let mut key = [0u8; 32];
        match &self.secret {
            Some(SecretText(hex)) => {
                for (i, byte) in key.iter_mut().enumerate() {
                    *byte = hex
                        .get(2 * i..2 * i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .unwrap_or(0);
                }
            }
            None => {
                booking_core::ports::tokens::TokenSource::fill(&booking_system::OsTokens, &mut key);
            }
        }
        key
    }

    /// The database URL with any password replaced, for logs.
    #[must_use]
    pub fn database_for_logs(&self) -> String {
        redact(&self.database_url)
    }

    /// The mail URL with any password replaced, for logs.
    #[must_use]
    pub fn mail_for_logs(&self) -> String {
        redact(&self.mail_url)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("booking.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npg_connections = 4\n").unwrap();
        let env = |k: &str| (k == "BOOKING_PG_CONNECTIONS").then(|| "8".to_owned());
        let config = Config::load(Some(&file), env).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.pg_connections, 8);
        assert_eq!(config.database_url, "booking.db");
    }

    #[test]
    fn bad_values_are_reported() {
        let env = |k: &str| (k == "BOOKING_LISTEN").then(|| "nowhere".to_owned());
        assert!(Config::load(None, env).unwrap_err().to_string().contains("BOOKING_LISTEN"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "unknown_key = 1\n").unwrap();
        assert!(Config::load(Some(&file), |_| None).is_err());
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/booking"),
            "postgres://app:***@db:5432/booking"
        );
        assert_eq!(redact("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(redact("booking.db"), "booking.db");
    }
}
