//! §C2 Set-up use cases: the catalog, customers and API keys of a business.
//!
//! Every use case takes the business it acts in and checks that everything a draft refers to
//! (the resources and services of an agenda, the event and leader of a session, the resource of
//! an exception, the subject of an API key) belongs to that business, so that no adapter can
//! link one tenant's rows to another's by passing a foreign id.

use jiff::SignedDuration;

use crate::access::{ApiKey, DrawnKey, KeyDigest, Principal};
use crate::booking::Role;
use crate::catalog::{Agenda, Business, Customer, Event, Resource, ResourceKind, Service, Session};
use crate::engine::Engine;
use crate::error::Kind;
use crate::ids::{
    ApiKeyId, BusinessId, CustomerId, EventId, ExceptionId, ResourceId, ServiceId, WebhookId,
};
use crate::notify::{EmailTemplate, TemplateError, Trigger};
use crate::ports::store::StoreError;
use crate::ports::tokens::Secret;
use crate::schedule::Exception;
use crate::settings::{Locale, Settings};
use crate::slots::SlotRules;
use crate::time::Zone;
use crate::webhooks::{self, Endpoint};

/// Why a set-up change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// The thing changed does not exist in this business.
    #[error("not found")]
    NotFound,
    /// A referenced resource is not one of this business.
    #[error("unknown resource {0}")]
    UnknownResource(ResourceId),
    /// A referenced service is not one of this business.
    #[error("unknown service {0}")]
    UnknownService(ServiceId),
    /// A referenced event is not one of this business.
    #[error("unknown event {0}")]
    UnknownEvent(EventId),
    /// A referenced customer is not one of this business.
    #[error("unknown customer {0}")]
    UnknownCustomer(CustomerId),
    /// A field's value is not acceptable; the message says which and why.
    #[error("{0}")]
    Invalid(String),
    /// A slug is already used in this business.
    #[error("this slug is already used")]
    DuplicateSlug,
    /// An email template uses unknown placeholders or is malformed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SetupError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(_) => Self::DuplicateSlug,
            other => Self::Store(other),
        }
    }
}

crate::error::error_codes!(SetupError, |e| match e {
    SetupError::NotFound => (Kind::NotFound, "not_found"),
    SetupError::UnknownResource(_) => (Kind::Invalid, "unknown_resource"),
    SetupError::UnknownService(_) => (Kind::Invalid, "unknown_service"),
    SetupError::UnknownEvent(_) => (Kind::Invalid, "unknown_event"),
    SetupError::UnknownCustomer(_) => (Kind::Invalid, "customer_not_found"),
    SetupError::Invalid(_) => (Kind::Invalid, "invalid_value"),
    SetupError::DuplicateSlug => (Kind::Conflict, "duplicate_slug"),
    SetupError::Template(_) => (Kind::Invalid, "invalid_template"),
    SetupError::Store(_) => (Kind::Unavailable, "storage_unavailable"),
});

fn invalid(message: impl Into<String>) -> SetupError {
    SetupError::Invalid(message.into())
}

fn check_name(what: &str, name: &str) -> Result<(), SetupError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(invalid(format!("{what} is 1 to 200 characters")));
    }
    Ok(())
}

fn check_slug(slug: &str) -> Result<(), SetupError> {
    let ok = !slug.is_empty()
        && slug.len() <= 100
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(()) } else { Err(invalid("a slug is 1 to 100 of a-z, 0-9 and -")) }
}

/// The longest staff notes on a customer, in characters.
pub const MAX_NOTES_CHARS: usize = 5000;
/// The most opening ranges one day has.
pub const MAX_RANGES_PER_DAY: usize = 48;
/// The most dated overrides one resource's hours keep.
pub const MAX_OVERRIDES: usize = 1000;
/// The most resources, and the most services, one agenda lists.
pub const MAX_AGENDA_MEMBERS: usize = 500;
/// The most questions one service asks.
pub const MAX_QUESTIONS: usize = 30;
/// The longest duration, step or buffer of a service.
pub const MAX_SERVICE_SPAN: SignedDuration = SignedDuration::from_hours(24);
/// The longest minimum notice (booking, cancelling, moving) a service sets.
pub const MAX_NOTICE: SignedDuration = SignedDuration::from_hours(366 * 24);
/// The most seats a session of an event has.
pub const MAX_CAPACITY: u32 = 100_000;
/// The longest event location, in characters.
pub const MAX_LOCATION_CHARS: usize = 500;

/// Opening hours within the limits: at most [`MAX_RANGES_PER_DAY`] ranges a day, at most
/// [`MAX_OVERRIDES`] dated overrides.
fn check_hours(hours: &crate::schedule::OpeningHours) -> Result<(), SetupError> {
    use jiff::civil::Weekday;
    let days = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    let crowded = days.iter().any(|d| hours.weekday(*d).len() > MAX_RANGES_PER_DAY)
        || hours.overrides().any(|(_, day)| {
            matches!(day, crate::schedule::DayHours::Open(r) if r.len() > MAX_RANGES_PER_DAY)
        });
    if crowded {
        return Err(invalid("a day has at most 48 opening ranges"));
    }
    if hours.overrides().count() > MAX_OVERRIDES {
        return Err(invalid("opening hours have at most 1000 dated overrides"));
    }
    Ok(())
}

/// A service's questions within the limits: at most [`MAX_QUESTIONS`], each a unique `key` of 1
/// to 40 of `a-z`, `0-9`, `_` and a `label` of 1 to 200 characters.
fn check_questions(fields: &[crate::catalog::CustomField]) -> Result<(), SetupError> {
    if fields.len() > MAX_QUESTIONS {
        return Err(invalid("a service asks at most 30 questions"));
    }
    for f in fields {
        let key_ok = (1..=40).contains(&f.key.len())
            && f.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let label = f.label.trim().chars().count();
        if !key_ok || label == 0 || label > 200 {
            return Err(invalid(
                "a field has a `key` of 1 to 40 of a-z, 0-9, _ and a `label` of 1 to 200 characters",
            ));
        }
    }
    let mut keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid("field keys are unique"));
    }
    Ok(())
}

/// The most webhook endpoints one business may register.
const MAX_WEBHOOKS: usize = 20;

/// The longest hold lifetime an agenda may set.
const MAX_HOLD_TTL: SignedDuration = SignedDuration::from_hours(24);

impl Engine {
    async fn resource_in(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Resource, SetupError> {
        self.ports().store.resource(business, id).await?.ok_or(SetupError::UnknownResource(id))
    }

    /// Creates a resource (staff or desk) in `business`.
    pub async fn create_resource(
        &self,
        business: BusinessId,
        mut draft: Resource,
    ) -> Result<Resource, SetupError> {
        check_name("a resource name", &draft.name)?;
        check_hours(&draft.hours)?;
        draft.business = business;
        Ok(self.ports().store.create_resource(draft).await?)
    }

    /// Replaces a resource of `business` (its hours included).
    pub async fn update_resource(
        &self,
        business: BusinessId,
        mut resource: Resource,
    ) -> Result<Resource, SetupError> {
        check_name("a resource name", &resource.name)?;
        check_hours(&resource.hours)?;
        let current =
            self.resource_in(business, resource.id).await.map_err(|_| SetupError::NotFound)?;
        resource.business = current.business;
        self.ports().store.update_resource(&resource).await?;
        Ok(resource)
    }

    /// Adds an exception (time off, holiday) to a resource of `business`.
    pub async fn add_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        mut exception: Exception,
    ) -> Result<Exception, SetupError> {
        self.resource_in(business, resource).await.map_err(|_| SetupError::NotFound)?;
        if exception.label.chars().count() > 500 {
            return Err(invalid("a label is at most 500 characters"));
        }
        exception.id = None;
        Ok(self.ports().store.add_exception(business, resource, exception).await?)
    }

    /// Removes an exception of a resource of `business`.
    pub async fn remove_exception(
        &self,
        business: BusinessId,
        resource: ResourceId,
        id: ExceptionId,
    ) -> Result<(), SetupError> {
        if self.ports().store.remove_exception(business, resource, id).await? {
            Ok(())
        } else {
            Err(SetupError::NotFound)
        }
    }

    async fn check_agenda(&self, business: BusinessId, agenda: &Agenda) -> Result<(), SetupError> {
        check_name("an agenda name", &agenda.name)?;
        check_slug(&agenda.slug)?;
        if agenda.resources.len() > MAX_AGENDA_MEMBERS || agenda.services.len() > MAX_AGENDA_MEMBERS
        {
            return Err(invalid("an agenda has at most 500 resources and services"));
        }
        if agenda.hold_ttl.is_some_and(|t| t <= SignedDuration::ZERO || t > MAX_HOLD_TTL) {
            return Err(invalid("a hold lasts more than 0 seconds and at most 24 hours"));
        }
        let store = &self.ports().store;
        let resources = store.resources(business).await?;
        if let Some(r) = agenda.resources.iter().find(|r| !resources.iter().any(|x| x.id == **r)) {
            return Err(SetupError::UnknownResource(*r));
        }
        let services = store.services(business).await?;
        if let Some(s) = agenda.services.iter().find(|s| !services.iter().any(|x| x.id == **s)) {
            return Err(SetupError::UnknownService(*s));
        }
        let unique = |ids: &[i64]| {
            let mut sorted = ids.to_vec();
            sorted.sort_unstable();
            sorted.windows(2).all(|w| w[0] != w[1])
        };
        let r: Vec<i64> = agenda.resources.iter().map(|r| r.get()).collect();
        let s: Vec<i64> = agenda.services.iter().map(|s| s.get()).collect();
        if !unique(&r) || !unique(&s) {
            return Err(invalid("an agenda lists each resource and service once"));
        }
        Ok(())
    }

    /// Creates an agenda of `business` over some of its resources and services.
    pub async fn create_agenda(
        &self,
        business: BusinessId,
        mut draft: Agenda,
    ) -> Result<Agenda, SetupError> {
        draft.business = business;
        self.check_agenda(business, &draft).await?;
        Ok(self.ports().store.create_agenda(draft).await?)
    }

    /// Replaces an agenda of `business`.
    pub async fn update_agenda(
        &self,
        business: BusinessId,
        mut agenda: Agenda,
    ) -> Result<Agenda, SetupError> {
        self.ports().store.agenda(business, agenda.id).await?.ok_or(SetupError::NotFound)?;
        agenda.business = business;
        self.check_agenda(business, &agenda).await?;
        self.ports().store.update_agenda(&agenda).await?;
        Ok(agenda)
    }

    async fn check_service(
        &self,
        business: BusinessId,
        service: &Service,
    ) -> Result<(), SetupError> {
        check_name("a service name", &service.name)?;
        check_slug(&service.slug)?;
        check_questions(&service.fields)?;
        let spans = [
            Some(service.duration),
            service.step,
            Some(service.buffer_before),
            Some(service.buffer_after),
        ];
        if spans.into_iter().flatten().any(|d| d.is_negative() || d > MAX_SERVICE_SPAN) {
            return Err(invalid("a duration, step or buffer is 0 to 24 hours"));
        }
        let notices =
            [service.min_before_booking, service.min_before_cancel, service.min_before_reschedule];
        if notices.into_iter().flatten().any(|d| d > MAX_NOTICE) {
            return Err(invalid("a minimum notice is at most 366 days"));
        }
        let settings =
            self.ports().store.business(business).await?.ok_or(SetupError::NotFound)?.settings;
        SlotRules::for_service(service, &settings).map_err(|e| invalid(e.to_string()))?;
        if service.price_minor < 0 {
            return Err(invalid("a price is not negative"));
        }
        let negative =
            [service.min_before_booking, service.min_before_cancel, service.min_before_reschedule]
                .into_iter()
                .flatten()
                .any(|d| d.is_negative());
        if negative {
            return Err(invalid("minimum times are not negative"));
        }
        Ok(())
    }

    /// Creates a service of `business`.
    pub async fn create_service(
        &self,
        business: BusinessId,
        mut draft: Service,
    ) -> Result<Service, SetupError> {
        draft.business = business;
        self.check_service(business, &draft).await?;
        Ok(self.ports().store.create_service(draft).await?)
    }

    /// Replaces a service of `business`.
    pub async fn update_service(
        &self,
        business: BusinessId,
        mut service: Service,
    ) -> Result<Service, SetupError> {
        self.ports().store.service(business, service.id).await?.ok_or(SetupError::NotFound)?;
        service.business = business;
        self.check_service(business, &service).await?;
        self.ports().store.update_service(&service).await?;
        Ok(service)
    }

    /// Creates an event or course of `business`.
    pub async fn create_event(
        &self,
        business: BusinessId,
        mut draft: Event,
    ) -> Result<Event, SetupError> {
        check_name("an event name", &draft.name)?;
        if draft.capacity > MAX_CAPACITY {
            return Err(invalid("a session has at most 100000 seats"));
        }
        if draft.location.as_deref().is_some_and(|l| l.chars().count() > MAX_LOCATION_CHARS) {
            return Err(invalid("a location is at most 500 characters"));
        }
        if draft.price_minor < 0 {
            return Err(invalid("a price is not negative"));
        }
        draft.business = business;
        Ok(self.ports().store.create_event(draft).await?)
    }

    /// Creates a session of an event of `business`; its leader must be a staff member of it.
    pub async fn create_session(
        &self,
        business: BusinessId,
        mut draft: Session,
    ) -> Result<Session, SetupError> {
        if draft.capacity > MAX_CAPACITY {
            return Err(invalid("a session has at most 100000 seats"));
        }
        let store = &self.ports().store;
        store.event(business, draft.event).await?.ok_or(SetupError::UnknownEvent(draft.event))?;
        if let Some(leader) = draft.leader {
            let resource = self.resource_in(business, leader).await?;
            if resource.kind != ResourceKind::Staff {
                return Err(invalid("a session is led by a staff member, not a desk"));
            }
        }
        draft.business = business;
        Ok(store.create_session(draft).await?)
    }

    /// Creates a customer record of `business`.
    pub async fn create_customer(
        &self,
        business: BusinessId,
        mut draft: Customer,
    ) -> Result<Customer, SetupError> {
        draft.contact.check().map_err(|e| invalid(e.to_string()))?;
        if draft.notes.chars().count() > MAX_NOTES_CHARS {
            return Err(invalid("`notes` is at most 5000 characters"));
        }
        draft.business = business;
        draft.account = None;
        draft.anonymised_at = None;
        Ok(self.ports().store.create_customer(draft).await?)
    }

    /// Creates a business with the default settings, and its first admin API key, to show once:
    /// how an operator starts, since no API caller exists before it.
    ///
    /// # Errors
    /// An empty or too long name, a zone that is not an IANA zone, storage.
    pub async fn create_business(
        &self,
        name: &str,
        zone: &str,
        locale: Locale,
    ) -> Result<(Business, Secret), SetupError> {
        check_name("a business's name", name)?;
        let zone = Zone::parse(zone.trim())
            .map_err(|_| invalid(format!("{zone:?} is not an IANA time zone")))?;
        let business = self
            .ports()
            .store
            .create_business(Business {
                id: BusinessId::new(0),
                name: name.trim().to_owned(),
                zone,
                locale,
                settings: Settings::default(),
                email: None,
                phone: None,
                address: None,
                revision: 0,
                calendar_sync: false,
                video_meetings: false,
            })
            .await?;
        let (_, key) = self.issue_api_key(business.id, "first admin", Role::Admin, None).await?;
        Ok((business, key))
    }

    /// Issues an API key of `business`: its record, and the key, to show once. A staff key names
    /// a staff resource of the business, a customer key one of its customers; other roles name
    /// no one.
    pub async fn issue_api_key(
        &self,
        business: BusinessId,
        name: &str,
        role: Role,
        subject: Option<i64>,
    ) -> Result<(ApiKey, Secret), SetupError> {
        check_name("a key name", name)?;
        let store = &self.ports().store;
        store.business(business).await?.ok_or(SetupError::NotFound)?;
        match (role, subject) {
            (Role::System, _) => return Err(invalid("no key acts as the system")),
            (Role::Staff, Some(id)) => {
                let resource = self.resource_in(business, ResourceId::new(id)).await?;
                if resource.kind != ResourceKind::Staff {
                    return Err(invalid("a staff key names a staff member, not a desk"));
                }
            }
            (Role::Customer, Some(id)) => {
                let id = CustomerId::new(id);
                store.customer(business, id).await?.ok_or(SetupError::UnknownCustomer(id))?;
            }
            (Role::Staff | Role::Customer, None) => {
                return Err(invalid("a staff or customer key names its staff member or customer"));
            }
            (Role::Admin | Role::Manager | Role::Agent, Some(_)) => {
                return Err(invalid("only staff and customer keys name a subject"));
            }
            (Role::Admin | Role::Manager | Role::Agent, None) => {}
        }
        let drawn = DrawnKey::draw(self.ports().tokens.as_ref());
        let draft = ApiKey {
            id: ApiKeyId::new(0),
            business,
            name: name.trim().to_owned(),
            role,
            subject,
            prefix: drawn.prefix,
            digest: drawn.digest,
            created_at: self.ports().clock.now(),
            revoked_at: None,
        };
        let key = store.create_api_key(draft).await?;
        Ok((key, drawn.secret))
    }

    /// Revokes an API key of `business`.
    pub async fn revoke_api_key(
        &self,
        business: BusinessId,
        id: ApiKeyId,
    ) -> Result<(), SetupError> {
        let now = self.ports().clock.now();
        if self.ports().store.revoke_api_key(business, id, now).await? {
            Ok(())
        } else {
            Err(SetupError::NotFound)
        }
    }

    /// §C9 Registers a webhook endpoint of `business`; its secret is in the answer.
    pub async fn register_webhook(
        &self,
        business: BusinessId,
        url: &str,
        events: Vec<String>,
    ) -> Result<Endpoint, SetupError> {
        let store = &self.ports().store;
        store.business(business).await?.ok_or(SetupError::NotFound)?;
        if store.webhooks(business).await?.len() >= MAX_WEBHOOKS {
            return Err(invalid(format!("a business has at most {MAX_WEBHOOKS} webhooks")));
        }
        let now = self.ports().clock.now();
        let draft =
            webhooks::new_endpoint(business, url, events, self.ports().tokens.as_ref(), now)
                .map_err(|e| invalid(e.to_string()))?;
        Ok(store.create_webhook(draft).await?)
    }

    /// Removes a webhook endpoint of `business`.
    pub async fn remove_webhook(
        &self,
        business: BusinessId,
        id: WebhookId,
    ) -> Result<(), SetupError> {
        if self.ports().store.delete_webhook(business, id).await? {
            Ok(())
        } else {
            Err(SetupError::NotFound)
        }
    }

    /// §E3 Saves a business's own wording of one email (placeholders checked: an unknown one
    /// is refused and named, never sent).
    pub async fn save_email_template(&self, template: EmailTemplate) -> Result<(), SetupError> {
        let store = &self.ports().store;
        store.business(template.business).await?.ok_or(SetupError::NotFound)?;
        template.check()?;
        Ok(store.save_email_template(&template).await?)
    }

    /// Goes back to the shipped wording of one email.
    pub async fn reset_email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<(), SetupError> {
        if self.ports().store.delete_email_template(business, trigger, locale).await? {
            Ok(())
        } else {
            Err(SetupError::NotFound)
        }
    }

    /// The caller a presented API key authenticates: `None` for anything but a live key.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<Principal>, StoreError> {
        if !DrawnKey::looks_like_key(presented) {
            return Ok(None);
        }
        let key = self.ports().store.api_key_by_digest(&KeyDigest::of(presented)).await?;
        Ok(key.and_then(|k| k.principal()))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Date, Weekday};

    use super::*;
    use crate::catalog::CustomField;
    use crate::schedule::{DayHours, OpeningHours, WallRange};
    use crate::time::WallTime;

    fn ranges(n: usize) -> Vec<WallRange> {
        (0..n)
            .map(|i| {
                let minute = |m: usize| WallTime::parse(&format!("{:02}:{:02}", m / 60, m % 60));
                WallRange::new(minute(i * 20).unwrap(), minute(i * 20 + 10).unwrap()).unwrap()
            })
            .collect()
    }

    #[test]
    fn opening_hours_stay_within_their_limits() {
        let mut hours = OpeningHours::closed();
        hours.set_weekday(Weekday::Monday, ranges(MAX_RANGES_PER_DAY));
        assert_eq!(check_hours(&hours), Ok(()));
        hours.set_weekday(Weekday::Monday, ranges(MAX_RANGES_PER_DAY + 1));
        assert!(check_hours(&hours).is_err(), "49 ranges on a weekday");
        let mut hours = OpeningHours::closed();
        let day = Date::constant(2027, 1, 4);
        hours.set_override(day, DayHours::Open(ranges(MAX_RANGES_PER_DAY + 1)));
        assert!(check_hours(&hours).is_err(), "49 ranges on a dated day");
        let mut hours = OpeningHours::closed();
        for n in 0..=i32::try_from(MAX_OVERRIDES).unwrap() {
            hours.set_override(
                day.checked_add(jiff::Span::new().days(n)).unwrap(),
                DayHours::Closed,
            );
        }
        assert!(check_hours(&hours).is_err(), "1001 overrides");
    }

    #[test]
    fn questions_are_few_well_named_and_unique() {
        let field = |key: &str, label: &str| CustomField {
            key: key.to_owned(),
            label: label.to_owned(),
            required: false,
        };
        let many: Vec<CustomField> =
            (0..MAX_QUESTIONS).map(|i| field(&format!("q_{i}"), "Question ?")).collect();
        assert_eq!(check_questions(&many), Ok(()));
        let too_many: Vec<CustomField> =
            (0..=MAX_QUESTIONS).map(|i| field(&format!("q_{i}"), "Question ?")).collect();
        assert!(check_questions(&too_many).is_err());
        for bad in [field("Q", "x"), field("", "x"), field("q", " "), field(&"q".repeat(41), "x")] {
            assert!(check_questions(std::slice::from_ref(&bad)).is_err(), "{bad:?}");
        }
        assert!(check_questions(&[field("q", "a"), field("q", "b")]).is_err(), "duplicate keys");
    }
}
