//! Reading a business's set-up (§C2): its resources and their exceptions, agendas, services,
//! events and sessions (public ones for anyone, guests included), API keys and customers, and a
//! resource's opening hours changed by the people who keep them.

use super::access::{UseCase, authorize, authorize_guest};
use super::{App, Window, WindowRefused};
use crate::access::{ApiKey, Denied, Principal};
use crate::catalog::{Agenda, Business, Customer, Event, Resource, Service, Session};
use crate::error::error_enum;
use crate::ids::{AgendaId, BusinessId, CustomerId, EventId, ResourceId, ServiceId};
use crate::ports::store::StoreError;
use crate::schedule::{Exception, OpeningHours};
use crate::setup::SetupError;

/// What customer-facing pages name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownCatalog {
    /// The services.
    pub services: Vec<Service>,
    /// The staff and desks.
    pub resources: Vec<Resource>,
    /// The events and courses.
    pub events: Vec<Event>,
}

error_enum!(
    /// Why a set-up read (or a change of hours) was refused.
    CatalogError {
        /// The caller may not (or the business is not theirs).
        Denied(#[from] Denied) => delegate, "{0}";
        /// The business, or the thing asked for in it, does not exist.
        NotFound => (NotFound, "not_found"), "no such thing here";
        /// The change was refused.
        Setup(#[from] SetupError) => delegate, "{0}";
        /// The window asked is refused.
        Window(#[from] WindowRefused) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

impl App {
    /// The business, once the caller (or a guest) may run `use_case` in it.
    async fn visible(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        use_case: UseCase,
    ) -> Result<Business, CatalogError> {
        authorize_guest(caller, business, use_case)?;
        self.engine.ports().store.business(business).await?.ok_or(CatalogError::NotFound)
    }

    /// The business's public profile (anyone).
    ///
    /// # Errors
    /// A key of another business, unknown business, storage.
    pub async fn business_profile(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
    ) -> Result<Business, CatalogError> {
        self.visible(caller, business, UseCase::BrowseCatalog).await
    }

    /// The staff and desks (admins and managers).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn resources(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Vec<Resource>, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.ports().store.resources(business).await?)
    }

    /// One resource (admins, managers, or the staff member themself).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn resource(
        &self,
        caller: &Principal,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<Resource, CatalogError> {
        authorize(caller, business, UseCase::KeepHours(resource))?;
        self.engine.ports().store.resource(business, resource).await?.ok_or(CatalogError::NotFound)
    }

    /// Replaces a resource's opening hours (admins, managers, or the staff member themself).
    ///
    /// # Errors
    /// Denied, not found, hours refused, storage.
    pub async fn set_hours(
        &self,
        caller: &Principal,
        business: BusinessId,
        resource: ResourceId,
        hours: OpeningHours,
    ) -> Result<Resource, CatalogError> {
        let mut found = self.resource(caller, business, resource).await?;
        found.hours = hours;
        Ok(self.engine.update_resource(business, found).await?)
    }

    /// A resource's exceptions over a window, with the business whose zone reads the window's
    /// dates (admins, managers, or the staff member themself).
    ///
    /// # Errors
    /// Denied, unknown business, a window refused, storage.
    pub async fn exceptions(
        &self,
        caller: &Principal,
        business: BusinessId,
        resource: ResourceId,
        window: &Window,
    ) -> Result<(Business, Vec<Exception>), CatalogError> {
        let b = self.visible(Some(caller), business, UseCase::KeepHours(resource)).await?;
        let window = window.interval(&b.zone)?;
        let found = self.engine.ports().store.exceptions(b.id, &[resource], window).await?;
        Ok((b, found.into_iter().map(|(_, e)| e).collect()))
    }

    /// What customer-facing pages name: the services, the staff and desks, the events
    /// (anyone).
    ///
    /// # Errors
    /// A key of another business, unknown business, storage.
    pub async fn shown_catalog(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
    ) -> Result<ShownCatalog, CatalogError> {
        let b = self.visible(caller, business, UseCase::BrowseCatalog).await?;
        let store = &self.engine.ports().store;
        Ok(ShownCatalog {
            services: store.services(b.id).await?,
            resources: store.resources(b.id).await?,
            events: store.events(b.id).await?,
        })
    }

    /// One session of an event (anyone).
    ///
    /// # Errors
    /// A key of another business, not found, storage.
    pub async fn session(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        session: crate::ids::SessionId,
    ) -> Result<Session, CatalogError> {
        authorize_guest(caller, business, UseCase::BrowseCatalog)?;
        self.engine.ports().store.session(business, session).await?.ok_or(CatalogError::NotFound)
    }

    /// The staff members of an agenda a customer may choose between (anyone).
    ///
    /// # Errors
    /// A key of another business, unknown agenda, storage.
    pub async fn agenda_staff(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        agenda: AgendaId,
    ) -> Result<Vec<Resource>, CatalogError> {
        let found = self.agenda(caller, business, agenda).await?;
        let all = self.engine.ports().store.resources(business).await?;
        Ok(found
            .resources
            .iter()
            .filter_map(|id| {
                all.iter().find(|r| r.id == *id && r.kind == crate::catalog::ResourceKind::Staff)
            })
            .cloned()
            .collect())
    }

    /// The staff member the caller is (`None` for a caller who names none, or names a desk).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn employee(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Option<Resource>, CatalogError> {
        caller.member_of(business)?;
        let Some(id) = caller.subject.map(ResourceId::new) else { return Ok(None) };
        let found = self.engine.ports().store.resource(business, id).await?;
        Ok(found.filter(|r| r.kind == crate::catalog::ResourceKind::Staff))
    }

    /// The agendas (anyone).
    ///
    /// # Errors
    /// A key of another business, unknown business, storage.
    pub async fn agendas(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
    ) -> Result<Vec<Agenda>, CatalogError> {
        let b = self.visible(caller, business, UseCase::BrowseCatalog).await?;
        Ok(self.engine.ports().store.agendas(b.id).await?)
    }

    /// One agenda (anyone).
    ///
    /// # Errors
    /// A key of another business, not found, storage.
    pub async fn agenda(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        agenda: AgendaId,
    ) -> Result<Agenda, CatalogError> {
        authorize_guest(caller, business, UseCase::BrowseCatalog)?;
        self.engine.ports().store.agenda(business, agenda).await?.ok_or(CatalogError::NotFound)
    }

    /// The services (anyone).
    ///
    /// # Errors
    /// A key of another business, unknown business, storage.
    pub async fn services(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
    ) -> Result<Vec<Service>, CatalogError> {
        let b = self.visible(caller, business, UseCase::BrowseCatalog).await?;
        Ok(self.engine.ports().store.services(b.id).await?)
    }

    /// One service (anyone).
    ///
    /// # Errors
    /// A key of another business, not found, storage.
    pub async fn service(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        service: ServiceId,
    ) -> Result<Service, CatalogError> {
        authorize_guest(caller, business, UseCase::BrowseCatalog)?;
        self.engine.ports().store.service(business, service).await?.ok_or(CatalogError::NotFound)
    }

    /// The events and courses (anyone).
    ///
    /// # Errors
    /// A key of another business, unknown business, storage.
    pub async fn events(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
    ) -> Result<Vec<Event>, CatalogError> {
        let b = self.visible(caller, business, UseCase::BrowseCatalog).await?;
        Ok(self.engine.ports().store.events(b.id).await?)
    }

    /// One event or course (anyone).
    ///
    /// # Errors
    /// A key of another business, not found, storage.
    pub async fn event(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        event: EventId,
    ) -> Result<Event, CatalogError> {
        authorize_guest(caller, business, UseCase::BrowseCatalog)?;
        self.engine.ports().store.event(business, event).await?.ok_or(CatalogError::NotFound)
    }

    /// An event's sessions (anyone), with the business whose zone shows them.
    ///
    /// # Errors
    /// A key of another business, not found, storage.
    pub async fn sessions(
        &self,
        caller: Option<&Principal>,
        business: BusinessId,
        event: EventId,
    ) -> Result<(Business, Vec<Session>), CatalogError> {
        let b = self.visible(caller, business, UseCase::BrowseCatalog).await?;
        let store = &self.engine.ports().store;
        store.event(b.id, event).await?.ok_or(CatalogError::NotFound)?;
        let sessions = store.sessions(b.id, event).await?;
        Ok((b, sessions))
    }

    /// The API keys, never their secrets, with the business whose zone shows them (admins).
    ///
    /// # Errors
    /// Denied, unknown business, storage.
    pub async fn api_keys(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<(Business, Vec<ApiKey>), CatalogError> {
        let b = self.visible(Some(caller), business, UseCase::ManageApiKeys).await?;
        let keys = self.engine.ports().store.api_keys(b.id).await?;
        Ok((b, keys))
    }

    /// One customer, with the business whose zone shows it (those who read every booking, or
    /// the customer themself).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn customer(
        &self,
        caller: &Principal,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<(Business, Customer), CatalogError> {
        let b = self.visible(Some(caller), business, UseCase::ReadCustomer(customer)).await?;
        let found = self
            .engine
            .ports()
            .store
            .customer(b.id, customer)
            .await?
            .ok_or(CatalogError::NotFound)?;
        Ok((b, found))
    }
}
