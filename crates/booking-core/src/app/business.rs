//! The business's profile and settings: read and change them, checked by the core's rules.

use super::App;
use super::access::{UseCase, authorize};
use crate::access::{Denied, Principal};
use crate::catalog::{Business, Email};
use crate::error::error_enum;
use crate::ids::{BusinessId, WebhookId};
use crate::notify::{EmailTemplate, Trigger};
use crate::ports::store::{AuditEntry, StoreError};
use crate::settings::{InvalidSetting, Locale, Settings, SettingsChange};
use crate::time::Zone;
use crate::webhooks::{Delivery, Endpoint};

error_enum!(
    /// Why the profile or settings could not be read or changed.
    BusinessError {
        /// The caller may not (or the business is not theirs).
        Denied(#[from] Denied) => delegate, "{0}";
        /// No such business.
        UnknownBusiness => (NotFound, "unknown_business"), "unknown business";
        /// A value is refused; the message names the field.
        Invalid(#[from] InvalidSetting) => delegate, "{0}";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

/// A change to a business's profile: only the fields given change. An empty email, phone or
/// address removes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// The name people see (1 to 200 characters).
    pub name: Option<String>,
    /// The IANA time zone.
    pub zone: Option<String>,
    /// `fr` or `en`.
    pub locale: Option<String>,
    /// The contact email.
    pub email: Option<String>,
    /// The contact phone (at most 50 characters).
    pub phone: Option<String>,
    /// The postal address (at most 500 characters).
    pub address: Option<String>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidSetting {
    InvalidSetting { field, message: message.into() }
}

fn clearable(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<Option<String>, InvalidSetting> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(invalid(field, format!("`{field}` is at most {max} characters")));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

impl ProfileChange {
    /// Applies the change to `business`, all or nothing.
    ///
    /// # Errors
    /// The first field whose value is refused.
    pub fn apply(self, business: &mut Business) -> Result<(), InvalidSetting> {
        let mut b = business.clone();
        if let Some(name) = self.name {
            let name = name.trim();
            if name.is_empty() {
                return Err(invalid("name", "`name` cannot be empty"));
            }
            if name.chars().count() > 200 {
                return Err(invalid("name", "`name` is at most 200 characters"));
            }
            name.clone_into(&mut b.name);
        }
        if let Some(zone) = self.zone {
            b.zone = Zone::parse(zone.trim()).map_err(|_| {
                invalid("zone", format!("`zone`: {zone:?} is not an IANA time zone"))
            })?;
        }
        if let Some(locale) = self.locale {
            b.locale = Locale::parse(&locale)
                .ok_or_else(|| invalid("locale", "`locale` is `fr` or `en`"))?;
        }
        if let Some(email) = self.email {
            b.email = clearable("email", &email, 320)?
                .map(|e| Email::parse(&e).map_err(|e| invalid("email", format!("`email`: {e}"))))
                .transpose()?;
        }
        if let Some(phone) = self.phone {
            b.phone = clearable("phone", &phone, 50)?;
        }
        if let Some(address) = self.address {
            b.address = clearable("address", &address, 500)?;
        }
        *business = b;
        Ok(())
    }
}

impl App {
    async fn business(&self, business: BusinessId) -> Result<Business, BusinessError> {
        self.engine.ports().store.business(business).await?.ok_or(BusinessError::UnknownBusiness)
    }

    async fn save(
        &self,
        caller: &Principal,
        business: &Business,
        action: &str,
    ) -> Result<(), BusinessError> {
        let ports = self.engine.ports();
        ports.store.update_business(business).await?;
        ports
            .store
            .append(AuditEntry {
                business: business.id,
                at: ports.clock.now(),
                actor: caller.actor(),
                action: action.to_owned(),
                subject: format!("business:{}", business.id),
            })
            .await?;
        Ok(())
    }

    /// The business's settings (admins and managers).
    ///
    /// # Errors
    /// Denied, unknown business, storage.
    pub async fn settings(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Settings, BusinessError> {
        authorize(caller, business, UseCase::ReadSettings)?;
        Ok(self.business(business).await?.settings)
    }

    /// Changes the business's profile (admins); recorded in the audit log.
    ///
    /// # Errors
    /// Denied, unknown business, a refused value (naming its field), storage.
    pub async fn update_profile(
        &self,
        caller: &Principal,
        business: BusinessId,
        change: ProfileChange,
    ) -> Result<Business, BusinessError> {
        authorize(caller, business, UseCase::UpdateProfile)?;
        let mut b = self.business(business).await?;
        change.apply(&mut b)?;
        self.save(caller, &b, "business.profile_changed").await?;
        Ok(b)
    }

    /// Changes the business's settings (admins), all or nothing; recorded in the audit log.
    ///
    /// # Errors
    /// Denied, unknown business, a refused value (naming its field), storage.
    pub async fn update_settings(
        &self,
        caller: &Principal,
        business: BusinessId,
        change: SettingsChange,
    ) -> Result<Settings, BusinessError> {
        authorize(caller, business, UseCase::UpdateSettings)?;
        let mut b = self.business(business).await?;
        b.settings.apply(change)?;
        self.save(caller, &b, "business.settings_changed").await?;
        Ok(b.settings)
    }

    /// The business's webhook endpoints, with the business whose zone shows them (admins).
    ///
    /// # Errors
    /// Denied, unknown business, storage.
    pub async fn webhooks(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<(Business, Vec<Endpoint>), BusinessError> {
        authorize(caller, business, UseCase::ReadIntegrations)?;
        let b = self.business(business).await?;
        let hooks = self.engine.ports().store.webhooks(b.id).await?;
        Ok((b, hooks))
    }

    /// An endpoint's delivery log, newest first: `limit` attempts (100 when not given, at most
    /// [`MAX_DELIVERIES`]) (admins).
    ///
    /// # Errors
    /// Denied, unknown business, storage.
    pub async fn deliveries(
        &self,
        caller: &Principal,
        business: BusinessId,
        endpoint: WebhookId,
        limit: Option<u32>,
    ) -> Result<(Business, Vec<Delivery>), BusinessError> {
        authorize(caller, business, UseCase::ReadIntegrations)?;
        let b = self.business(business).await?;
        let limit = usize::try_from(limit.unwrap_or(100).min(MAX_DELIVERIES)).unwrap_or(100);
        let log = self.engine.ports().store.deliveries(b.id, endpoint, limit).await?;
        Ok((b, log))
    }

    /// Every email in every language as it is sent: the business's own wording where it has
    /// one (`true`), the shipped one otherwise (`false`) (admins).
    ///
    /// # Errors
    /// Denied, unknown business, storage.
    pub async fn email_templates(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Vec<(EmailTemplate, bool)>, BusinessError> {
        authorize(caller, business, UseCase::ReadIntegrations)?;
        let b = self.business(business).await?;
        let own = self.engine.ports().store.email_templates(b.id).await?;
        let mut all = Vec::new();
        for trigger in Trigger::ALL {
            for locale in [Locale::Fr, Locale::En] {
                let custom = own.iter().find(|t| t.trigger == trigger && t.locale == locale);
                all.push(match custom {
                    Some(t) => (t.clone(), true),
                    None => {
                        let (subject, text) = trigger.default_template(locale);
                        let shipped = EmailTemplate {
                            business: b.id,
                            trigger,
                            locale,
                            subject: subject.to_owned(),
                            text: text.to_owned(),
                        };
                        (shipped, false)
                    }
                });
            }
        }
        Ok(all)
    }
}

/// The most delivery attempts one read of a webhook's log returns.
pub const MAX_DELIVERIES: u32 = 1000;
