//! The vocabulary's entities: business, resource, agenda, service, event/course, session,
//! customer, account and code, plus the parsed-at-the-edge values they carry.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::ids::{
    AccountId, AgendaId, BusinessId, CustomerId, EventId, ResourceId, ServiceId, SessionId,
};
use crate::schedule::OpeningHours;
use crate::settings::{Locale, Settings};
use crate::status::BookingStatus;
use crate::time::{Interval, Zone};

/// An email address, checked for shape (not deliverability) and with a lower-cased domain.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Text that is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an email address")]
pub struct InvalidEmail(pub String);

impl Email {
    /// One `@`, a non-empty local part, a dotted domain, no spaces, at most 254 characters.
    pub fn parse(text: &str) -> Result<Self, InvalidEmail> {
        let bad = || InvalidEmail(text.to_owned());
        let text = text.trim();
        let (local, domain) = text.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.split('.').all(|l| !l.is_empty());
        if text.len() > 254
            || local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || !domain_ok
            || text
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Contact details given by a customer (personal data: erased by anonymisation, §A7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email, when given.
    pub email: Option<Email>,
    /// Phone, as typed.
    pub phone: Option<String>,
}

impl Contact {
    /// Whether every personal field is empty.
    #[must_use]
    pub fn is_erased(&self) -> bool {
        self.first_name.is_empty()
            && self.last_name.is_empty()
            && self.email.is_none()
            && self.phone.is_none()
    }

    /// "First Last", trimmed.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_owned()
    }

    /// Checks the lengths every way in (the API, the Chrono-compatible API, the pages) keeps:
    /// names of at most [`MAX_NAME_CHARS`], a phone of at most [`MAX_PHONE_CHARS`].
    ///
    /// # Errors
    /// [`DetailsRefused`].
    pub fn check(&self) -> Result<(), DetailsRefused> {
        let long = |s: &str, max: usize| s.chars().count() > max;
        if long(&self.first_name, MAX_NAME_CHARS) || long(&self.last_name, MAX_NAME_CHARS) {
            return Err(DetailsRefused::Name);
        }
        if self.phone.as_deref().is_some_and(|p| long(p, MAX_PHONE_CHARS)) {
            return Err(DetailsRefused::Phone);
        }
        Ok(())
    }
}

/// The longest given or family name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest phone number, in characters.
pub const MAX_PHONE_CHARS: usize = 50;
/// The most answers a booking keeps.
pub const MAX_ANSWERS: usize = 200;
/// The longest answer key, in characters.
pub const MAX_ANSWER_KEY_CHARS: usize = 200;
/// The longest answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 5000;

crate::error::error_enum!(
    /// Why a customer's details were refused.
    DetailsRefused {
        /// A name is too long.
        Name => (Invalid, "invalid_value"), "a name is at most 200 characters";
        /// The phone number is too long.
        Phone => (Invalid, "invalid_value"), "a phone number is at most 50 characters";
        /// Too many answers, or one too long.
        Answers => (Invalid, "invalid_value"), "at most 200 answers, keys of at most 200 characters and answers of at most 5000";
    }
);

/// Checks a booking's answers to its questions: at most [`MAX_ANSWERS`], keys of at most
/// [`MAX_ANSWER_KEY_CHARS`], answers of at most [`MAX_ANSWER_CHARS`].
///
/// # Errors
/// [`DetailsRefused::Answers`].
pub fn check_answers<'a>(
    answers: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
) -> Result<(), DetailsRefused> {
    let mut answers = answers;
    let too_many = answers.len() > MAX_ANSWERS;
    let too_long = answers.any(|(k, v)| {
        k.chars().count() > MAX_ANSWER_KEY_CHARS || v.chars().count() > MAX_ANSWER_CHARS
    });
    if too_many || too_long { Err(DetailsRefused::Answers) } else { Ok(()) }
}

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Business {
    /// Id.
    pub id: BusinessId,
    /// Display name (`%company_name%`).
    pub name: String,
    /// IANA zone all its wall times are in.
    pub zone: Zone,
    /// Language of pages and emails.
    pub locale: Locale,
    /// Every setting (§K defaults).
    pub settings: Settings,
    /// `%company_email%`.
    pub email: Option<Email>,
    /// `%company_phone%`.
    pub phone: Option<String>,
    /// `%company_address%`.
    pub address: Option<String>,
    /// Set by the store, ignored on writes: grows with every change to the business or to its
    /// resources, agendas or services, so a cache of the catalog knows when to reload.
    pub revision: u64,
    /// Set by the store, ignored on writes: some employee has connected a calendar (§H), so
    /// booking changes also write `calendar` jobs. Businesses without calendar sync never pay
    /// for it (it turns on with the first connection and off with the last; the revision grows).
    pub calendar_sync: bool,
    /// Set by the store, ignored on writes: the business (or one of its staff) has a Zoom
    /// account (§J), so booking changes also write `video` jobs (on with the first, off with
    /// the last; the revision grows).
    pub video_meetings: bool,
}

/// What kind of resource is booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// A staff member (employee).
    Staff,
    /// A desk, room or counter ("guichet").
    Desk,
}

/// A staff member or desk with its weekly hours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Id.
    pub id: ResourceId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Staff or desk.
    pub kind: ResourceKind,
    /// Display name.
    pub name: String,
    /// The staff member's email (`%employee_email%`).
    pub email: Option<Email>,
    /// Zone of its wall-time hours (usually the business zone).
    pub zone: Zone,
    /// Opening hours with date overrides.
    pub hours: OpeningHours,
}

/// A bookable calendar grouping resources and services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agenda {
    /// Id.
    pub id: AgendaId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Display name.
    pub name: String,
    /// URL name (Chrono agenda slug).
    pub slug: String,
    /// Resources (desks or staff), in the order they are offered.
    pub resources: Vec<ResourceId>,
    /// Services bookable on it.
    pub services: Vec<ServiceId>,
    /// Hold lifetime for this agenda (falls back to the business setting).
    pub hold_ttl: Option<SignedDuration>,
    /// Back-office booking enabled (§F3).
    pub backoffice_booking: bool,
}

/// A question a service asks when it is booked (§F1 "the service's custom fields"); the
/// answer is kept with the booking under `key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomField {
    /// Stable name of the answer (`a-z`, `0-9`, `_`).
    pub key: String,
    /// The question, as shown.
    pub label: String,
    /// Whether a booking needs an answer.
    pub required: bool,
}

/// A kind of appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Id.
    pub id: ServiceId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Display name.
    pub name: String,
    /// URL name (Chrono meeting-type slug).
    pub slug: String,
    /// Length of an appointment.
    pub duration: SignedDuration,
    /// Grid step (falls back to the business setting).
    pub step: Option<SignedDuration>,
    /// Blocked time before each appointment.
    pub buffer_before: SignedDuration,
    /// Blocked time after each appointment.
    pub buffer_after: SignedDuration,
    /// Price in minor units of the business currency.
    pub price_minor: i64,
    /// Status of new bookings (falls back to the business setting).
    pub default_status: Option<BookingStatus>,
    /// Minimum time before booking (override).
    pub min_before_booking: Option<SignedDuration>,
    /// Minimum time before a customer cancels (override).
    pub min_before_cancel: Option<SignedDuration>,
    /// Minimum time before a customer reschedules (override).
    pub min_before_reschedule: Option<SignedDuration>,
    /// Questions asked when it is booked.
    pub fields: Vec<CustomField>,
    /// Held online: its appointments get a video link (§J), unless staff set one in person.
    pub online: bool,
}

/// Whether a group offering is a one-off event or a course of several sessions sold together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Amelia "event".
    Event,
    /// Wix "course".
    Course,
}

/// A group offering at fixed times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Id.
    pub id: EventId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Event or course.
    pub kind: EventKind,
    /// Display name (`%event_name%`).
    pub name: String,
    /// `%event_location%`.
    pub location: Option<String>,
    /// Seats per session unless a session says otherwise.
    pub capacity: u32,
    /// Price in minor units.
    pub price_minor: i64,
    /// Held online: its sessions get a video link (§J), unless staff set one in person.
    pub online: bool,
}

/// One occurrence of an event or course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Id.
    pub id: SessionId,
    /// Owner tenant.
    pub business: BusinessId,
    /// The offering.
    pub event: EventId,
    /// When.
    pub interval: Interval,
    /// Seats.
    pub capacity: u32,
    /// The staff member leading it.
    pub leader: Option<ResourceId>,
}

/// A business's client record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    /// Id.
    pub id: CustomerId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Linked login identity.
    pub account: Option<AccountId>,
    /// Name, email, phone.
    pub contact: Contact,
    /// Staff notes.
    pub notes: String,
    /// Custom-field values.
    pub fields: Vec<(String, String)>,
    /// Set once anonymised (§A7).
    pub anonymised_at: Option<Timestamp>,
}

impl Customer {
    /// What staff see: the name, or "Customer #id" once anonymised or nameless.
    #[must_use]
    pub fn display_name(&self) -> String {
        let name = self.contact.full_name();
        if self.anonymised_at.is_some() || name.is_empty() {
            format!("Customer #{}", self.id)
        } else {
            name
        }
    }
}

/// A login identity shared across businesses (§D1). The email cannot be changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// The username.
    pub email: Email,
    /// When the email was proven.
    pub verified_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_keep_the_same_limits_every_way_in() {
        let name = |n: usize| "é".repeat(n);
        let contact = |first: String, phone: Option<String>| Contact {
            first_name: first,
            phone,
            ..Contact::default()
        };
        assert_eq!(
            contact(name(MAX_NAME_CHARS), Some("1".repeat(MAX_PHONE_CHARS))).check(),
            Ok(())
        );
        assert_eq!(contact(name(MAX_NAME_CHARS + 1), None).check(), Err(DetailsRefused::Name));
        let long_phone = Some("1".repeat(MAX_PHONE_CHARS + 1));
        assert_eq!(contact(String::new(), long_phone).check(), Err(DetailsRefused::Phone));
        let answers = |n: usize, value: &str| -> Vec<(String, String)> {
            (0..n).map(|i| (format!("q{i}"), value.to_owned())).collect()
        };
        let check =
            |a: &[(String, String)]| check_answers(a.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(check(&answers(MAX_ANSWERS, &"a".repeat(MAX_ANSWER_CHARS))), Ok(()));
        assert_eq!(check(&answers(MAX_ANSWERS + 1, "a")), Err(DetailsRefused::Answers));
        assert_eq!(
            check(&answers(1, &"a".repeat(MAX_ANSWER_CHARS + 1))),
            Err(DetailsRefused::Answers)
        );
        let long_key = vec![("k".repeat(MAX_ANSWER_KEY_CHARS + 1), String::new())];
        assert_eq!(check(&long_key), Err(DetailsRefused::Answers));
    }

    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(Email::parse(text).ok().as_ref().map(Email::as_str), expected, "{text}");
    }

    #[test]
    fn emails() {
        check("Ana@Example.ORG", Some("Ana@example.org"));
        check("  a.b+c@x.fr ", Some("a.b+c@x.fr"));
        check("no-at.example.org", None);
        check("a@b", None);
        check("a@.b.c", None);
        check("a b@c.d", None);
        check("@c.d", None);
        check("a@b..c", None);
        check("a@b@c.d", None);
    }

    #[test]
    fn anonymised_customers_show_their_number() {
        let mut c = Customer {
            id: CustomerId::new(7),
            business: BusinessId::new(1),
            account: None,
            contact: Contact {
                first_name: "Ana".into(),
                last_name: "Lima".into(),
                email: None,
                phone: None,
            },
            notes: String::new(),
            fields: vec![],
            anonymised_at: None,
        };
        assert_eq!(c.display_name(), "Ana Lima");
        c.anonymised_at = Some(Timestamp::UNIX_EPOCH);
        assert_eq!(c.display_name(), "Customer #7");
    }
}
