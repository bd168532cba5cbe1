//! Calendar sync (§H): sealing secrets, storing integrations, connections and pushed events,
//! and a provider's OAuth flow and HTTP API.

use async_trait::async_trait;

use crate::calendar::{
    CalendarError, CalendarEvent, Connection, Grant, Integration, OAuthApp, Provider, PushedEvent,
    PushedRecord,
};
use crate::error::StoreError;
use crate::ids::{BusinessId, ResourceId};
use crate::settings::Locale;
use crate::time::Interval;

/// Seals secrets before they are stored (client secrets, OAuth tokens) and opens them again.
/// Implementations use an authenticated cipher, so a sealed value that was altered or sealed
/// under another key does not open.
pub trait Sealer: Send + Sync {
    /// Seals `plain` (a fresh nonce each time: sealing twice gives two different texts).
    fn seal(&self, plain: &str) -> String;
    /// Opens a value [`Self::seal`] made; `None` when it was altered or sealed with another key.
    fn open(&self, sealed: &str) -> Option<String>;
}

/// Storage of integrations, connections and pushed events. Implementations seal nothing
/// themselves: they store what they are given.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Creates or replaces a business's integration with a provider.
    async fn put_integration(&self, integration: &Integration) -> Result<(), StoreError>;
    /// A business's integration with a provider.
    async fn integration(
        &self,
        business: BusinessId,
        provider: Provider,
    ) -> Result<Option<Integration>, StoreError>;
    /// Removes an integration; `false` when there was none.
    async fn delete_integration(
        &self,
        business: BusinessId,
        provider: Provider,
    ) -> Result<bool, StoreError>;
    /// Creates or replaces an employee's connection.
    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError>;
    /// Saves a change to a connection (tokens, state, last sync) only if that same connection
    /// (same `connected_at`) is still stored: `false` and no change when it was disconnected
    /// or replaced meanwhile, so a sync in flight never brings a disconnected calendar back.
    async fn update_connection(&self, connection: &Connection) -> Result<bool, StoreError>;
    /// An employee's connection.
    async fn connection(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<Option<Connection>, StoreError>;
    /// Every connection of a business, by resource.
    async fn connections(&self, business: BusinessId) -> Result<Vec<Connection>, StoreError>;
    /// Every connection of every business, by business and resource (the busy-time puller's
    /// list, and `/metrics`).
    async fn all_connections(&self) -> Result<Vec<Connection>, StoreError>;
    /// Removes an employee's connection and every pushed-event record in its calendar; `false`
    /// when there was none.
    async fn delete_connection(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<bool, StoreError>;
    /// The external event of a key.
    async fn pushed(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<PushedRecord>, StoreError>;
    /// Records (creates or replaces) the external event of a key.
    async fn put_pushed(&self, record: &PushedRecord) -> Result<(), StoreError>;
    /// Forgets the external event of a key.
    async fn delete_pushed(&self, business: BusinessId, key: &str) -> Result<(), StoreError>;
}

/// A provider's OAuth 2.0 authorization-code flow (the web-server flow: consent page, code
/// exchange, refresh, revocation).
#[async_trait]
pub trait OAuthFlow: Send + Sync {
    /// The page where the employee consents (offline access, so a refresh token is granted).
    fn authorize_url(&self, app: &OAuthApp, state: &str) -> String;
    /// Exchanges the code the provider sent back.
    async fn exchange_code(&self, app: &OAuthApp, code: &str) -> Result<Grant, CalendarError>;
    /// Gets a fresh access token; [`CalendarError::Revoked`] when the refresh token is dead.
    async fn refresh(&self, app: &OAuthApp, refresh_token: &str) -> Result<Grant, CalendarError>;
    /// Revokes a token where the provider can (a provider that cannot answers `Ok`).
    async fn revoke(&self, app: &OAuthApp, token: &str) -> Result<(), CalendarError>;
}

/// One provider's HTTP API: its OAuth flow, events and busy times. The adapters
/// (`booking-calendar-google`, `booking-calendar-outlook`) implement it; nothing in the core
/// calls a provider otherwise.
#[async_trait]
pub trait CalendarApi: Send + Sync {
    /// Which provider this is.
    fn provider(&self) -> Provider;
    /// The product's name in a language, for pages and emails (`Google Agenda`, `Google
    /// Calendar`).
    fn label(&self, locale: Locale) -> &'static str;
    /// The email placeholder its events' meeting links fill (`google_meet_url`), if it makes
    /// meetings (§H3, §E).
    fn meeting_placeholder(&self) -> Option<&'static str> {
        None
    }
    /// Its OAuth flow.
    fn oauth(&self) -> &dyn OAuthFlow;
    /// The connected account's address.
    async fn account(&self, access: &str) -> Result<String, CalendarError>;
    /// Creates the event, or updates it when `existing` names one; a create whose key the
    /// provider already holds updates that event instead.
    async fn push(
        &self,
        access: &str,
        existing: Option<&str>,
        event: &CalendarEvent,
    ) -> Result<PushedEvent, CalendarError>;
    /// Deletes an event; deleting a missing one is a success.
    async fn delete(&self, access: &str, external_id: &str) -> Result<(), CalendarError>;
    /// The *busy* intervals (not free, not tentative) of the account's calendar over a window.
    async fn busy(
        &self,
        access: &str,
        account: &str,
        window: Interval,
    ) -> Result<Vec<Interval>, CalendarError>;
}
