//! Calendar sync (§H) as people see it: admins read the OAuth applications set up and the
//! employees' connections; each employee reads their own connection and the providers they
//! may connect to.

use super::App;
use super::access::{UseCase, authorize};
use super::catalog::CatalogError;
use crate::access::Principal;
use crate::calendar::{Connection, Integration, Provider};
use crate::catalog::Resource;
use crate::ids::BusinessId;
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
