//! Calendar sync (§H) as people see it: admins read the OAuth applications set up and the
//! employees' connections; each employee reads their own connection and the providers they
//! may connect to.

use super::App;
use super::access::{UseCase, authorize};
use super::catalog::CatalogError;
use crate::access::{Denied, Principal};
use crate::calendar::{Connection, Integration, OAuthApp, Provider, SyncError};
use crate::catalog::Resource;
use crate::error::{InvalidValue, StoreError, error_enum};
use crate::ids::{BusinessId, ResourceId};
use crate::services::calendar::CalendarSync;

/// An employee's own calendar, as their profile shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyCalendar {
    /// The staff member the caller is, if any.
    pub employee: Option<Resource>,
    /// Their connection, if they have one.
    pub connection: Option<Connection>,
    /// The providers set up for the business, which they may connect to.
    pub offered: Vec<Provider>,
}

impl App {
    /// The calendar providers this server offers (none while calendar sync is off).
    #[must_use]
    pub fn calendar_providers(&self) -> Vec<Provider> {
        self.calendar.as_ref().map(CalendarSync::providers).unwrap_or_default()
    }

    /// The provider an id names, if this server offers it.
    #[must_use]
    pub fn calendar_provider(&self, code: &str) -> Option<Provider> {
        let wanted = Provider::parse(code)?;
        self.calendar_providers().into_iter().find(|p| *p == wanted)
    }

    /// A provider's product name in a language (its id for one this server does not offer).
    #[must_use]
    pub fn calendar_label(&self, provider: Provider, locale: crate::settings::Locale) -> String {
        self.calendar
            .as_ref()
            .and_then(|c| c.label(provider, locale))
            .map_or_else(|| provider.code().to_owned(), str::to_owned)
    }

    /// Each provider with its OAuth application, when one is set up (admins).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn calendar_integrations(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Vec<(Provider, Option<Integration>)>, CatalogError> {
        authorize(caller, business, UseCase::ReadIntegrations)?;
        let store = &self.engine.ports().store;
        let mut out = Vec::new();
        for p in self.calendar_providers() {
            out.push((p, store.integration(business, p).await?));
        }
        Ok(out)
    }

    /// The employees' connections, by resource (admins).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn calendar_connections(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Vec<Connection>, CatalogError> {
        authorize(caller, business, UseCase::ReadIntegrations)?;
        Ok(self.engine.ports().store.connections(business).await?)
    }

    /// The caller's own calendar: who they are, their connection, what they may connect to
    /// (any member; a caller who is no staff member has no connection).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn my_calendar(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<MyCalendar, CatalogError> {
        let employee = self.employee(caller, business).await?;
        let store = &self.engine.ports().store;
        let connection = match &employee {
            Some(r) => store.connection(business, r.id).await?,
            None => None,
        };
        let mut offered = Vec::new();
        for p in self.calendar_providers() {
            if store.integration(business, p).await?.is_some() {
                offered.push(p);
            }
        }
        Ok(MyCalendar { employee, connection, offered })
    }
}

error_enum!(
    /// Why a calendar use case was refused.
    CalendarRefused {
        /// The caller may not (or the business is not theirs).
        Denied(#[from] Denied) => delegate, "{0}";
        /// Calendar sync is off on this server.
        Off => (NotFound, "calendar_sync_off"), "calendar sync is off on this server";
        /// The caller is no staff member with a calendar to connect.
        NoEmployee => (Forbidden, "not_an_employee"), "only a staff member connects a calendar";
        /// The OAuth application as typed is refused.
        Invalid(#[from] InvalidValue) => delegate, "{0}";
        /// The sync failed (not configured, the provider, storage).
        Sync(#[from] SyncError) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

impl From<CatalogError> for CalendarRefused {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Denied(d) => Self::Denied(d),
            CatalogError::Store(s) => Self::Store(s),
            _ => Self::NoEmployee,
        }
    }
}

/// A provider's OAuth application as typed in the API or the settings page.
#[derive(Clone, Copy, Debug)]
pub struct TypedApp<'a> {
    /// The client id.
    pub client_id: &'a str,
    /// The client secret; empty keeps the stored one.
    pub client_secret: &'a str,
    /// Where the provider sends the employee back; none for the server's own callback.
    pub redirect_uri: Option<&'a str>,
}

impl App {
    fn sync(&self) -> Result<&CalendarSync, CalendarRefused> {
        self.calendar.as_ref().ok_or(CalendarRefused::Off)
    }

    /// Sets a provider's OAuth application (admins); an empty secret keeps the stored one.
    /// `default_redirect` is the server's own callback, used when none is typed.
    ///
    /// # Errors
    /// Denied, sync off, a value out of bounds, storage.
    pub async fn configure_calendar(
        &self,
        caller: &Principal,
        business: BusinessId,
        provider: Provider,
        typed: TypedApp<'_>,
        default_redirect: impl FnOnce() -> String,
    ) -> Result<OAuthApp, CalendarRefused> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        let sync = self.sync()?;
        let kept;
        let secret = if typed.client_secret.trim().is_empty() {
            kept = sync.app(business, provider).await.map(|a| a.client_secret).unwrap_or_default();
            kept.as_str()
        } else {
            typed.client_secret
        };
        let (id, redirect) = (typed.client_id, typed.redirect_uri);
        let app = OAuthApp::checked(provider, id, secret, redirect, default_redirect)?;
        sync.configure(business, &app).await?;
        Ok(app)
    }

    /// Removes a provider's OAuth application (admins); `false` when there was none.
    ///
    /// # Errors
    /// Denied, sync off, storage.
    pub async fn remove_calendar_integration(
        &self,
        caller: &Principal,
        business: BusinessId,
        provider: Provider,
    ) -> Result<bool, CalendarRefused> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        Ok(self.sync()?.remove_integration(business, provider).await?)
    }

    /// Disconnects an employee's calendar (admins); `false` when none was connected.
    ///
    /// # Errors
    /// Denied, sync off, the provider, storage.
    pub async fn disconnect_calendar(
        &self,
        caller: &Principal,
        business: BusinessId,
        employee: ResourceId,
    ) -> Result<bool, CalendarRefused> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        Ok(self.sync()?.disconnect(business, employee).await?)
    }

    /// Pulls an employee's busy times now, over the business's calendar window (admins);
    /// `None` when none is connected.
    ///
    /// # Errors
    /// Denied, sync off, the provider, storage.
    pub async fn pull_calendar(
        &self,
        caller: &Principal,
        business: BusinessId,
        employee: ResourceId,
    ) -> Result<Option<usize>, CalendarRefused> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        let window = self.calendar_window(business).await?;
        Ok(self.sync()?.pull_busy(business, employee, window).await?)
    }

    /// The business's calendar window (§H4), in days.
    async fn calendar_window(&self, business: BusinessId) -> Result<u32, CalendarRefused> {
        let found = self.engine.ports().store.business(business).await?;
        Ok(found.map_or(0, |b| b.settings.calendar_window_days))
    }

    /// The caller's own staff resource, to connect or manage their calendar.
    async fn connecting_employee(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<ResourceId, CalendarRefused> {
        self.sync()?;
        let me = self.employee(caller, business).await?;
        me.map(|r| r.id).ok_or(CalendarRefused::NoEmployee)
    }

    /// The caller's staff resource and the provider's consent page for them, `state` carried
    /// through it (any staff member with a staff resource).
    ///
    /// # Errors
    /// Denied, sync off, not an employee, the provider not configured, storage.
    pub async fn start_calendar_connection(
        &self,
        caller: &Principal,
        business: BusinessId,
        provider: Provider,
        state: impl FnOnce(ResourceId) -> String,
    ) -> Result<String, CalendarRefused> {
        let me = self.connecting_employee(caller, business).await?;
        Ok(self.sync()?.authorize_url(business, provider, &state(me)).await?)
    }

    /// Finishes connecting `employee`'s calendar with the provider's `code` (the caller proved
    /// who started the flow with its signed state). Run [`Self::catch_up_calendar`] next, in
    /// the background: a year of busy times and every upcoming booking take a while.
    ///
    /// # Errors
    /// Sync off, no such employee, the provider, storage.
    pub async fn finish_calendar_connection(
        &self,
        business: BusinessId,
        employee: ResourceId,
        provider: Provider,
        code: &str,
    ) -> Result<(), CalendarRefused> {
        self.sync()?.connect(business, employee, provider, code).await?;
        Ok(())
    }

    /// Pulls a newly connected employee's busy times over the business's calendar window and
    /// pushes their upcoming bookings.
    ///
    /// # Errors
    /// Sync off, the provider, storage.
    pub async fn catch_up_calendar(
        &self,
        business: BusinessId,
        employee: ResourceId,
    ) -> Result<(), CalendarRefused> {
        let window = self.calendar_window(business).await?;
        self.sync()?.catch_up(business, employee, window).await?;
        Ok(())
    }

    /// Disconnects the caller's own calendar; `false` when none was connected.
    ///
    /// # Errors
    /// Denied, sync off, not an employee, the provider, storage.
    pub async fn disconnect_my_calendar(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<bool, CalendarRefused> {
        let me = self.connecting_employee(caller, business).await?;
        Ok(self.sync()?.disconnect(business, me).await?)
    }

    /// Pulls the caller's own busy times now; `None` when none is connected.
    ///
    /// # Errors
    /// Denied, sync off, not an employee, the provider, storage.
    pub async fn pull_my_calendar(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Option<usize>, CalendarRefused> {
        let me = self.connecting_employee(caller, business).await?;
        let window = self.calendar_window(business).await?;
        Ok(self.sync()?.pull_busy(business, me, window).await?)
    }
}
