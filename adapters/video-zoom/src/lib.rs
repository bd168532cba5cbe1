//! [`MeetingProvider`] over Zoom (§J1, §J5): a server-to-server OAuth app of the business (or
//! of a staff member, §J2) makes a **unique** meeting per session with
//! `POST /v2/users/{userId}/meetings`, moves it with `PATCH /v2/meetings/{id}` and deletes it
//! with `DELETE /v2/meetings/{id}` (a meeting already gone counts as deleted). The access token
//! comes from `POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=…`
//! with the app's client id and secret in HTTP Basic, is kept until a minute before it expires,
//! and is fetched again once after a 401. HTTPS through rustls with the `ring` provider.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use booking_core::ports::meetings::Meeting;
use booking_core::ports::meetings::MeetingError;
use booking_core::ports::meetings::MeetingProvider;
use booking_core::ports::meetings::MeetingRequest;
use booking_core::ports::video::MeetingConnector;
use booking_core::provider::Provider;
use booking_core::settings::Locale;
use booking_core::video::MeetingApp;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Where Zoom is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoomEndpoints {
    /// The REST API root (`https://api.zoom.us/v2`).
    pub api: String,
    /// The token endpoint (`https://zoom.us/oauth/token`).
    pub token: String,
}

impl ZoomEndpoints {
    /// Zoom's production endpoints.
    #[must_use]
    pub fn zoom() -> Self {
        Self { api: "https://api.zoom.us/v2".into(), token: "https://zoom.us/oauth/token".into() }
    }

    /// Everything under one base URL with Zoom's paths (a local fake).
    #[must_use]
    pub fn at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Self { api: format!("{base}/v2"), token: format!("{base}/oauth/token") }
    }
}

/// A server-to-server OAuth app's credentials and the user whose meetings it makes.
#[derive(Clone, PartialEq, Eq)]
pub struct ZoomCredentials {
    /// The Zoom account id.
    pub account_id: String,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret (only in memory; stored sealed).
    pub client_secret: String,
    /// The host: the user's id or email.
    pub user: String,
}

impl std::fmt::Debug for ZoomCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoomCredentials")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Zoom meetings of one account.
#[derive(Debug)]
pub struct ZoomMeetings {
    http: reqwest::Client,
    endpoints: ZoomEndpoints,
    credentials: ZoomCredentials,
    token: Mutex<Option<(String, Instant)>>,
}

impl ZoomMeetings {
    /// A client of these endpoints with these credentials (15-second calls).
    ///
    /// # Panics
    /// If no TLS back-end can be built (never with the bundled `ring` provider).
    #[must_use]
    pub fn new(endpoints: ZoomEndpoints, credentials: ZoomCredentials) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with rustls");
        Self { http, endpoints, credentials, token: Mutex::new(None) }
    }

    /// A valid access token: the cached one, or a new one (`fresh`: never the cached one).
    async fn access(&self, fresh: bool) -> Result<String, MeetingError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref().filter(|_| !fresh)
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let c = &self.credentials;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", c.client_id, c.client_secret));
        let answer = self
            .http
            .post(&self.endpoints.token)
            .query(&[("grant_type", "account_credentials"), ("account_id", c.account_id.as_str())])
            .header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"))
            .send()
            .await
            .map_err(failure)?;
        let body = read(answer).await?;
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| MeetingError("the token answer has no access_token".into()))?
            .to_owned();
        let lifetime = body["expires_in"].as_u64().unwrap_or(3600).clamp(120, 86_400);
        let until = Instant::now() + Duration::from_secs(lifetime - 60);
        *cached = Some((token.clone(), until));
        Ok(token)
    }

    /// Sends a request built by `build` with a bearer token; after a 401, once more with a new
    /// token.
    async fn call(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync,
    ) -> Result<reqwest::Response, MeetingError> {
        let token = self.access(false).await?;
        let answer = build(&self.http).bearer_auth(&token).send().await.map_err(failure)?;
        if answer.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(answer);
        }
        let token = self.access(true).await?;
        build(&self.http).bearer_auth(&token).send().await.map_err(failure)
    }
}

/// The meeting body of Zoom's reference: a scheduled meeting (`type: 2`) at the session's start,
/// for its length in minutes, in UTC.
#[must_use]
pub fn meeting_body(request: &MeetingRequest) -> Value {
    let start = request.interval.start();
    let minutes = request.interval.duration().as_mins().max(1);
    json!({
        "topic": request.topic,
        "type": 2,
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "duration": minutes,
        "timezone": "UTC",
        "agenda": request.key,
        "settings": {"join_before_host": false, "waiting_room": true}
    })
}

fn failure(e: impl std::fmt::Display) -> MeetingError {
    MeetingError(format!("zoom unreachable: {e}"))
}

/// The JSON of a successful answer (`Null` for an empty one), or the failure with Zoom's code
/// and message.
async fn read(answer: reqwest::Response) -> Result<Value, MeetingError> {
    let status = answer.status();
    let text = answer.text().await.map_err(failure)?;
    if !status.is_success() {
        let start: String = text.chars().take(200).collect();
        return Err(MeetingError(format!("zoom answered {}: {start}", status.as_u16())));
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| MeetingError(format!("unreadable zoom answer: {e}")))
}

fn meeting_of(body: &Value) -> Result<Meeting, MeetingError> {
    let id = match &body["id"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(MeetingError("the meeting has no id".into())),
    };
    let join_url = body["join_url"]
        .as_str()
        .ok_or_else(|| MeetingError("the meeting has no join_url".into()))?
        .to_owned();
    Ok(Meeting {
        id,
        join_url,
        start_url: body["start_url"].as_str().map(str::to_owned),
        password: body["password"].as_str().filter(|p| !p.is_empty()).map(str::to_owned),
    })
}

#[async_trait]
impl MeetingProvider for ZoomMeetings {
    async fn create(&self, request: &MeetingRequest) -> Result<Meeting, MeetingError> {
        let url = format!("{}/users/{}/meetings", self.endpoints.api, self.credentials.user);
        let body = meeting_body(request);
        let answer = self.call(|http| http.post(&url).json(&body)).await?;
        meeting_of(&read(answer).await?)
    }

    async fn update(&self, id: &str, request: &MeetingRequest) -> Result<Meeting, MeetingError> {
        let url = format!("{}/meetings/{id}", self.endpoints.api);
        let body = meeting_body(request);
        read(self.call(|http| http.patch(&url).json(&body)).await?).await?;
        meeting_of(&read(self.call(|http| http.get(&url)).await?).await?)
    }

    async fn delete(&self, id: &str) -> Result<(), MeetingError> {
        let url = format!("{}/meetings/{id}", self.endpoints.api);
        let answer = self.call(|http| http.delete(&url)).await?;
        if answer.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(()); // already gone (Zoom code 3001)
        }
        read(answer).await.map(|_| ())
    }
}

/// An app (account, client, host) and, for it, the secret a client was made with and the client.
type Clients = HashMap<(String, String, String), (String, Arc<ZoomMeetings>)>;

/// Zoom's id among the meeting services (stored with its accounts and meetings, typed as the
/// account's `kind`).
pub const PROVIDER: Provider = Provider::new("zoom");

/// [`MeetingConnector`] over Zoom (or a stand-in at other endpoints): one client per app, kept
/// with its token while the app's credentials stay the same.
#[derive(Debug)]
pub struct ZoomClients {
    endpoints: ZoomEndpoints,
    clients: std::sync::Mutex<Clients>,
}

impl ZoomClients {
    /// Clients of these endpoints.
    #[must_use]
    pub fn new(endpoints: ZoomEndpoints) -> Self {
        Self { endpoints, clients: std::sync::Mutex::new(HashMap::new()) }
    }

    fn client(&self, app: &MeetingApp, secret: &str) -> Arc<ZoomMeetings> {
        let key = (app.account_id.clone(), app.client_id.clone(), app.user.clone());
        let mut clients = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((known, client)) = clients.get(&key)
            && known == secret
        {
            return Arc::clone(client);
        }
        let credentials = ZoomCredentials {
            account_id: app.account_id.clone(),
            client_id: app.client_id.clone(),
            client_secret: secret.to_owned(),
            user: app.user.clone(),
        };
        let client = Arc::new(ZoomMeetings::new(self.endpoints.clone(), credentials));
        clients.insert(key, (secret.to_owned(), Arc::clone(&client)));
        client
    }
}

#[async_trait]
impl MeetingConnector for ZoomClients {
    fn provider(&self) -> Provider {
        PROVIDER
    }

    fn label(&self, _locale: Locale) -> &'static str {
        "Zoom"
    }

    fn meetings(&self, app: &MeetingApp, secret: &str) -> Arc<dyn MeetingProvider> {
        self.client(app, secret)
    }

    /// A fresh token, then `GET /users/{user}`: the credentials work and the host exists.
    async fn check(&self, app: &MeetingApp, secret: &str) -> Result<(), MeetingError> {
        let client = self.client(app, secret);
        client.access(true).await?;
        let url = format!("{}/users/{}", client.endpoints.api, client.credentials.user);
        read(client.call(|http| http.get(&url)).await?).await.map(|_| ())
    }
}
