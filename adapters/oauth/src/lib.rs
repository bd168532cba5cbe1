//! The OAuth 2.0 authorization-code client (RFC 6749 §4.1, §6; RFC 7009 revocation) that both
//! calendar adapters use, and the mapping of provider HTTP failures onto
//! [`CalendarError`] (§H5: 401 → refresh once; 429 and 5xx → retry after `Retry-After`).
//!
//! The SDKs' own OAuth helpers are not used: `yup-oauth2` drives installed-app and device flows
//! from the process itself, and `graph-oauth` cannot be pointed at a local fake; the web-server
//! flow is three form POSTs, written here once (ADR 0010).

use std::time::Duration;

use booking_core::calendar::{CalendarError, Grant, OAuthApp};
use booking_core::ports::calendar::OAuthFlow;
use jiff::SignedDuration;

/// Each call's time limit.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Where a provider's OAuth endpoints are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthEndpoints {
    /// The consent page (`…/authorize`).
    pub authorize: String,
    /// The token endpoint.
    pub token: String,
    /// The revocation endpoint, where the provider has one.
    pub revoke: Option<String>,
    /// The scopes asked for, space-separated.
    pub scopes: String,
    /// Extra parameters of the consent URL (`access_type=offline`, …).
    pub extra: Vec<(String, String)>,
}

/// An OAuth client over HTTPS (rustls with `ring`).
#[derive(Clone, Debug)]
pub struct OAuthClient {
    http: reqwest::Client,
    endpoints: OAuthEndpoints,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

impl OAuthClient {
    /// A client of these endpoints.
    ///
    /// # Panics
    /// If no TLS back-end can be built (never with the bundled `ring` provider).
    #[must_use]
    pub fn new(endpoints: OAuthEndpoints) -> Self {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with rustls");
        Self { http, endpoints }
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<Grant, CalendarError> {
        let answer =
            self.http.post(&self.endpoints.token).form(form).send().await.map_err(transport)?;
        let status = answer.status().as_u16();
        let after = retry_after(answer.headers());
        let body = answer.text().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            if body.contains("invalid_grant") {
                return Err(CalendarError::Revoked);
            }
            return Err(classify(status, after, &body));
        }
        let t: TokenAnswer = serde_json::from_str(&body)
            .map_err(|e| CalendarError::Failed(format!("unreadable token answer: {e}")))?;
        Ok(Grant {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            lifetime: SignedDuration::from_secs(t.expires_in.unwrap_or(3600).clamp(60, 86_400)),
        })
    }
}

#[async_trait::async_trait]
impl OAuthFlow for OAuthClient {
    /// The consent URL: `response_type=code`, the app's client id and redirect URI, the scopes,
    /// the extra parameters and `state`.
    fn authorize_url(&self, app: &OAuthApp, state: &str) -> String {
        let Ok(mut url) = url::Url::parse(&self.endpoints.authorize) else {
            return self.endpoints.authorize.clone();
        };
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &app.client_id)
                .append_pair("redirect_uri", &app.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &self.endpoints.scopes);
            for (k, v) in &self.endpoints.extra {
                q.append_pair(k, v);
            }
            q.append_pair("state", state);
        }
        url.into()
    }

    /// Exchanges an authorization code.
    ///
    /// # Errors
    /// [`CalendarError::Revoked`] when the provider refuses the code (`invalid_grant`), else
    /// as [`classify`].
    async fn exchange_code(&self, app: &OAuthApp, code: &str) -> Result<Grant, CalendarError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &app.redirect_uri),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("scope", &self.endpoints.scopes),
        ];
        self.token(&form).await
    }

    /// Refreshes an access token.
    ///
    /// # Errors
    /// [`CalendarError::Revoked`] when the refresh token is dead (`invalid_grant`).
    async fn refresh(&self, app: &OAuthApp, refresh_token: &str) -> Result<Grant, CalendarError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("scope", &self.endpoints.scopes),
        ];
        self.token(&form).await
    }

    /// Revokes a token where the provider has an endpoint for it (RFC 7009); a token already
    /// invalid counts as revoked.
    ///
    /// # Errors
    /// As [`classify`].
    async fn revoke(&self, app: &OAuthApp, token: &str) -> Result<(), CalendarError> {
        let Some(endpoint) = &self.endpoints.revoke else { return Ok(()) };
        let form = [("token", token), ("client_id", &app.client_id)];
        let answer = self.http.post(endpoint).form(&form).send().await.map_err(transport)?;
        let status = answer.status().as_u16();
        if answer.status().is_success() || status == 400 {
            return Ok(());
        }
        Err(classify(
            status,
            retry_after(answer.headers()),
            &answer.text().await.unwrap_or_default(),
        ))
    }
}

/// Makes rustls' `ring` provider the process default (the workspace's one crypto provider);
/// harmless when one is installed.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A transport failure (connection refused, timeout): worth retrying.
#[must_use]
pub fn transport(e: impl std::fmt::Display) -> CalendarError {
    CalendarError::RetryLater(format!("transport: {e}"), None)
}

/// The seconds of a `Retry-After: <seconds>` header (the HTTP-date form is read as absent).
#[must_use]
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// A provider's failed answer as the port's error: 401 → [`CalendarError::Unauthorized`];
/// 408, 429, 5xx, and Google's 403 rate limits → [`CalendarError::RetryLater`] (with the
/// provider's `Retry-After`); anything else → [`CalendarError::Failed`] with the status and the
/// start of the body.
#[must_use]
pub fn classify(status: u16, retry_after: Option<u64>, body: &str) -> CalendarError {
    let rate_limited = status == 403 && body.contains("ateLimitExceeded");
    match status {
        401 => CalendarError::Unauthorized,
        408 | 429 | 500..=599 => CalendarError::RetryLater(format!("HTTP {status}"), retry_after),
        _ if rate_limited => CalendarError::RetryLater(format!("HTTP {status}"), retry_after),
        _ => {
            let start: String = body.chars().take(200).collect();
            CalendarError::Failed(format!("HTTP {status}: {start}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_port() {
        assert_eq!(classify(401, None, ""), CalendarError::Unauthorized);
        assert_eq!(
            classify(429, Some(7), ""),
            CalendarError::RetryLater("HTTP 429".into(), Some(7))
        );
        assert!(matches!(classify(503, None, ""), CalendarError::RetryLater(_, None)));
        assert!(matches!(
            classify(403, None, r#"{"error":{"errors":[{"reason":"rateLimitExceeded"}]}}"#),
            CalendarError::RetryLater(..)
        ));
        assert!(matches!(classify(403, None, "forbidden"), CalendarError::Failed(_)));
        assert!(
            matches!(classify(400, None, "bad"), CalendarError::Failed(m) if m.contains("400"))
        );
    }
}
