//! Changing a business's set-up (§C2, §C4): staff and desks, their exceptions, agendas,
//! services, events and their sessions, API keys and customer records, each authorised through
//! the one table and checked by the set-up rules (`crate::setup`).

use super::App;
use super::access::{UseCase, authorize};
use super::catalog::CatalogError;
use crate::access::{ApiKey, Denied, Principal};
use crate::booking::Role;
use crate::catalog::{Agenda, Customer, Event, Resource, Service, Session};
use crate::engine::AnonymiseError;
use crate::error::error_enum;
use crate::ids::{ApiKeyId, BusinessId, CustomerId, ExceptionId, ResourceId, WebhookId};
use crate::notify::{EmailTemplate, Trigger};
use crate::ports::tokens::Secret;
use crate::schedule::Exception;
use crate::settings::Locale;
use crate::webhooks::Endpoint;

error_enum!(
    /// Why erasing a customer was refused.
    EraseError {
        /// The caller may not.
        Denied(#[from] Denied) => delegate, "{0}";
        /// The erasure was refused.
        Anonymise(#[from] AnonymiseError) => delegate, "{0}";
    }
);

impl App {
    /// Adds a staff member or desk (admins, managers).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn create_resource(
        &self,
        caller: &Principal,
        business: BusinessId,
        draft: Resource,
    ) -> Result<Resource, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.create_resource(business, draft).await?)
    }

    /// Replaces a staff member or desk, hours included (admins, managers).
    ///
    /// # Errors
    /// Denied, not found, refused by the set-up rules, storage.
    pub async fn update_resource(
        &self,
        caller: &Principal,
        business: BusinessId,
        resource: Resource,
    ) -> Result<Resource, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.update_resource(business, resource).await?)
    }

    /// Adds an exception (time off, a holiday) to a resource (admins, managers, or the staff
    /// member themself).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn add_exception(
        &self,
        caller: &Principal,
        business: BusinessId,
        resource: ResourceId,
        exception: Exception,
    ) -> Result<Exception, CatalogError> {
        authorize(caller, business, UseCase::KeepHours(resource))?;
        Ok(self.engine.add_exception(business, resource, exception).await?)
    }

    /// Removes an exception of a resource (admins, managers, or the staff member themself).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn remove_exception(
        &self,
        caller: &Principal,
        business: BusinessId,
        resource: ResourceId,
        exception: ExceptionId,
    ) -> Result<(), CatalogError> {
        authorize(caller, business, UseCase::KeepHours(resource))?;
        Ok(self.engine.remove_exception(business, resource, exception).await?)
    }

    /// Adds an agenda (admins, managers).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn create_agenda(
        &self,
        caller: &Principal,
        business: BusinessId,
        draft: Agenda,
    ) -> Result<Agenda, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.create_agenda(business, draft).await?)
    }

    /// Replaces an agenda (admins, managers).
    ///
    /// # Errors
    /// Denied, not found, refused by the set-up rules, storage.
    pub async fn update_agenda(
        &self,
        caller: &Principal,
        business: BusinessId,
        agenda: Agenda,
    ) -> Result<Agenda, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.update_agenda(business, agenda).await?)
    }

    /// Adds a service (admins, managers).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn create_service(
        &self,
        caller: &Principal,
        business: BusinessId,
        draft: Service,
    ) -> Result<Service, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.create_service(business, draft).await?)
    }

    /// Replaces a service (admins, managers).
    ///
    /// # Errors
    /// Denied, not found, refused by the set-up rules, storage.
    pub async fn update_service(
        &self,
        caller: &Principal,
        business: BusinessId,
        service: Service,
    ) -> Result<Service, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.update_service(business, service).await?)
    }

    /// Adds an event or course (admins, managers).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn create_event(
        &self,
        caller: &Principal,
        business: BusinessId,
        draft: Event,
    ) -> Result<Event, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.create_event(business, draft).await?)
    }

    /// Adds a session to an event (admins, managers).
    ///
    /// # Errors
    /// Denied, unknown event or leader, refused by the set-up rules, storage.
    pub async fn create_session(
        &self,
        caller: &Principal,
        business: BusinessId,
        draft: Session,
    ) -> Result<Session, CatalogError> {
        authorize(caller, business, UseCase::ManageCatalog)?;
        Ok(self.engine.create_session(business, draft).await?)
    }

    /// Issues an API key, its secret returned once (admins).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn issue_api_key(
        &self,
        caller: &Principal,
        business: BusinessId,
        name: &str,
        role: Role,
        subject: Option<i64>,
    ) -> Result<(ApiKey, Secret), CatalogError> {
        authorize(caller, business, UseCase::ManageApiKeys)?;
        Ok(self.engine.issue_api_key(business, name, role, subject).await?)
    }

    /// Revokes an API key (admins).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn revoke_api_key(
        &self,
        caller: &Principal,
        business: BusinessId,
        key: ApiKeyId,
    ) -> Result<(), CatalogError> {
        authorize(caller, business, UseCase::ManageApiKeys)?;
        Ok(self.engine.revoke_api_key(business, key).await?)
    }

    /// Adds a customer record (agents and up).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn create_customer(
        &self,
        caller: &Principal,
        business: BusinessId,
        draft: Customer,
    ) -> Result<Customer, CatalogError> {
        authorize(caller, business, UseCase::BookForCustomers)?;
        Ok(self.engine.create_customer(business, draft).await?)
    }

    /// Erases a customer's personal data (admins and managers, or the customer themself when
    /// the business lets customers delete their profile).
    ///
    /// # Errors
    /// Denied, refused, storage.
    pub async fn anonymise_customer(
        &self,
        caller: &Principal,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Customer, EraseError> {
        let actor = authorize(caller, business, UseCase::EraseCustomer(customer))?;
        Ok(self.engine.anonymise_customer(business, customer, actor).await?)
    }

    /// Registers a webhook endpoint, its signing secret in the answer (admins).
    ///
    /// # Errors
    /// Denied, refused by the set-up rules, storage.
    pub async fn register_webhook(
        &self,
        caller: &Principal,
        business: BusinessId,
        url: &str,
        events: Vec<String>,
    ) -> Result<Endpoint, CatalogError> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        Ok(self.engine.register_webhook(business, url, events).await?)
    }

    /// Removes a webhook endpoint; its delivery log stays (admins).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn remove_webhook(
        &self,
        caller: &Principal,
        business: BusinessId,
        webhook: WebhookId,
    ) -> Result<(), CatalogError> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        Ok(self.engine.remove_webhook(business, webhook).await?)
    }

    /// Replaces one email's wording; unknown placeholders are refused (admins).
    ///
    /// # Errors
    /// Denied, a template refused, storage.
    pub async fn save_email_template(
        &self,
        caller: &Principal,
        template: EmailTemplate,
    ) -> Result<(), CatalogError> {
        authorize(caller, template.business, UseCase::ManageIntegrations)?;
        Ok(self.engine.save_email_template(template).await?)
    }

    /// Goes back to the shipped wording of one email (admins).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn reset_email_template(
        &self,
        caller: &Principal,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<(), CatalogError> {
        authorize(caller, business, UseCase::ManageIntegrations)?;
        Ok(self.engine.reset_email_template(business, trigger, locale).await?)
    }
}
