//! §C4 Access: who may do what in a business, and the API keys integrations authenticate with.
//!
//! A [`Principal`] is an authenticated caller: a business, a role and, for staff and customers,
//! the resource or customer they are. [`Principal::authorize`] is the one rule every adapter
//! applies before a use case runs: a caller of another business gets [`Denied::NotFound`] (the
//! other business's data does not exist for them), a caller without the permission gets
//! [`Denied::Forbidden`].
//!
//! API keys are `bk_<8 hex>_<40 hex>`: 4 bytes shown in lists to tell keys apart, 20 secret bytes
//! (160 bits). Only the SHA-256 digest of the whole key is stored; the key is shown once.

use std::fmt;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::booking::{Actor, Role};
use crate::ids::{ApiKeyId, BusinessId, CustomerId, ResourceId};
use crate::ports::tokens::Secret;
use crate::ports::tokens::TokenSource;

/// Something a caller wants to do, with the resource or customer it concerns when that matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Change the business profile or its settings.
    ManageBusiness,
    /// Issue, list and revoke API keys.
    ManageApiKeys,
    /// Create and change resources, agendas, services, events and sessions.
    ManageCatalog,
    /// Change a resource's opening hours and exceptions.
    ManageHours(ResourceId),
    /// Read a resource's bookings (list, feed).
    ReadBookingsOf(ResourceId),
    /// Read every booking of the business, and its customers.
    ReadAllBookings,
    /// Approve, reject, mark no-show, cancel or move a booking on a resource, without the
    /// customer's windows.
    ManageBookingsOf(ResourceId),
    /// Manage bookings of sessions (events and courses), which belong to no one resource.
    ManageAllBookings,
    /// Book for any customer, ignoring notice and advance limits (back office).
    BookForCustomers,
    /// Read or change one customer's own bookings and profile.
    ActAsCustomer(CustomerId),
    /// Set a staff member's own video account (§J2).
    ManageVideoOf(ResourceId),
}

/// An authenticated caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The business the credential belongs to.
    pub business: BusinessId,
    /// Its role.
    pub role: Role,
    /// The resource (staff) or customer (customer) it is, for those roles.
    pub subject: Option<i64>,
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller belongs to another business: for them, this one does not exist.
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow it.
    #[error("your role does not allow this")]
    Forbidden,
}

crate::error::error_codes!(Denied, |e| match e {
    Denied::NotFound => (crate::error::Kind::NotFound, "not_found"),
    Denied::Forbidden => (crate::error::Kind::Forbidden, "forbidden"),
});

impl Principal {
    /// The actor recorded in history for what this caller does.
    #[must_use]
    pub const fn actor(&self) -> Actor {
        Actor { role: self.role, user: self.subject }
    }

    /// Whether this caller is the staff member `resource`.
    fn is_staff(&self, resource: ResourceId) -> bool {
        self.role == Role::Staff && self.subject == Some(resource.get())
    }

    /// Whether the role allows `action` inside the caller's own business.
    #[must_use]
    pub fn may(&self, action: Action) -> bool {
        match self.role {
            Role::System => true,
            Role::Admin => !matches!(action, Action::ActAsCustomer(_)),
            Role::Manager => !matches!(
                action,
                Action::ManageBusiness | Action::ManageApiKeys | Action::ActAsCustomer(_)
            ),
            Role::Agent => matches!(
                action,
                Action::ReadBookingsOf(_)
                    | Action::ReadAllBookings
                    | Action::ManageBookingsOf(_)
                    | Action::ManageAllBookings
                    | Action::BookForCustomers
            ),
            Role::Staff => match action {
                Action::ManageHours(r)
                | Action::ReadBookingsOf(r)
                | Action::ManageBookingsOf(r)
                | Action::ManageVideoOf(r) => self.is_staff(r),
                _ => false,
            },
            Role::Customer => {
                matches!(action, Action::ActAsCustomer(c) if self.subject == Some(c.get()))
            }
        }
    }

    /// §C4: the actor to run `action` in `business` as, or why not.
    pub fn authorize(&self, business: BusinessId, action: Action) -> Result<Actor, Denied> {
        if self.business != business {
            return Err(Denied::NotFound);
        }
        if self.may(action) { Ok(self.actor()) } else { Err(Denied::Forbidden) }
    }

    /// Checks only that the caller belongs to `business` (any role).
    pub fn member_of(&self, business: BusinessId) -> Result<Actor, Denied> {
        if self.business == business { Ok(self.actor()) } else { Err(Denied::NotFound) }
    }
}

/// The stored form of an API key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// Digest of a presented key.
    #[must_use]
    pub fn of(key: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"booking.api-key.v1\0");
        hasher.update(key.as_bytes());
        Self(hasher.finalize().into())
    }
}

crate::hex::hex_digest!(KeyDigest);

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({}…)", &self.to_hex()[..8])
    }
}

/// A freshly drawn API key: the secret to show once, what to store.
#[derive(Debug)]
pub struct DrawnKey {
    /// The key, shown once to its owner.
    pub secret: Secret,
    /// `bk_<8 hex>`: shown in lists.
    pub prefix: String,
    /// Stored in place of the key.
    pub digest: KeyDigest,
}

impl DrawnKey {
    /// Draws a key from `tokens`.
    #[must_use]
    pub fn draw(tokens: &dyn TokenSource) -> Self {
        let prefix = format!("bk_{}", tokens.token(4).expose());
        let secret = Secret::new(format!("{prefix}_{}", tokens.token(20).expose()));
        let digest = KeyDigest::of(secret.expose());
        Self { secret, prefix, digest }
    }

    /// Whether `text` has the shape of a key (checked before any lookup).
    #[must_use]
    pub fn looks_like_key(text: &str) -> bool {
        let mut parts = text.split('_');
        let hex = |p: Option<&str>, n: usize| {
            p.is_some_and(|p| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
        };
        parts.next() == Some("bk") && hex(parts.next(), 8) && hex(parts.next(), 40)
    }
}

/// An API key of a business (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    /// Id.
    pub id: ApiKeyId,
    /// Owner tenant.
    pub business: BusinessId,
    /// What it is for, as its owner named it.
    pub name: String,
    /// The role it acts with.
    pub role: Role,
    /// The staff resource or customer it is, for those roles.
    pub subject: Option<i64>,
    /// `bk_<8 hex>`, to tell keys apart.
    pub prefix: String,
    /// Stored in place of the key.
    pub digest: KeyDigest,
    /// When issued.
    pub created_at: Timestamp,
    /// When revoked: a revoked key authenticates no one.
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    /// The caller this key authenticates, unless revoked.
    #[must_use]
    pub fn principal(&self) -> Option<Principal> {
        self.revoked_at.is_none().then_some(Principal {
            business: self.business,
            role: self.role,
            subject: self.subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_ROLES: [Role; 6] =
        [Role::Admin, Role::Manager, Role::Agent, Role::Staff, Role::Customer, Role::System];

    fn principal(role: Role, subject: Option<i64>) -> Principal {
        Principal { business: BusinessId::new(1), role, subject }
    }

    fn actions() -> Vec<Action> {
        let r = ResourceId::new(5);
        let c = CustomerId::new(9);
        vec![
            Action::ManageBusiness,
            Action::ManageApiKeys,
            Action::ManageCatalog,
            Action::ManageHours(r),
            Action::ReadBookingsOf(r),
            Action::ReadAllBookings,
            Action::ManageBookingsOf(r),
            Action::ManageAllBookings,
            Action::BookForCustomers,
            Action::ActAsCustomer(c),
        ]
    }

    #[test]
    fn another_business_is_not_found_for_every_role_and_action() {
        for role in ALL_ROLES {
            for action in actions() {
                let p = principal(role, Some(5));
                assert_eq!(p.authorize(BusinessId::new(2), action), Err(Denied::NotFound));
                assert_eq!(p.member_of(BusinessId::new(2)), Err(Denied::NotFound));
            }
        }
    }

    #[test]
    fn the_role_table() {
        let allowed =
            |p: Principal| -> Vec<Action> { actions().into_iter().filter(|a| p.may(*a)).collect() };
        let all = actions();
        let without_customer = &all[..all.len() - 1];
        assert_eq!(allowed(principal(Role::Admin, None)), without_customer);
        assert_eq!(allowed(principal(Role::Manager, None)), &all[2..all.len() - 1]);
        assert_eq!(allowed(principal(Role::Agent, None)), &all[4..all.len() - 1]);
        // Staff: their own resource only.
        let own = principal(Role::Staff, Some(5));
        assert_eq!(
            allowed(own),
            vec![
                Action::ManageHours(ResourceId::new(5)),
                Action::ReadBookingsOf(ResourceId::new(5)),
                Action::ManageBookingsOf(ResourceId::new(5)),
            ]
        );
        assert!(allowed(principal(Role::Staff, Some(6))).is_empty());
        assert!(allowed(principal(Role::Staff, None)).is_empty());
        // Customers: themselves only.
        assert_eq!(
            allowed(principal(Role::Customer, Some(9))),
            vec![Action::ActAsCustomer(CustomerId::new(9))]
        );
        assert!(allowed(principal(Role::Customer, Some(8))).is_empty());
        assert_eq!(allowed(principal(Role::System, None)), all);
    }

    #[test]
    fn keys_have_their_shape_and_only_their_digest_matches() {
        struct Counting(std::sync::atomic::AtomicU8);
        impl TokenSource for Counting {
            fn fill(&self, buf: &mut [u8]) {
                for b in buf {
                    *b = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        let tokens = Counting(std::sync::atomic::AtomicU8::new(0));
        let a = DrawnKey::draw(&tokens);
        let b = DrawnKey::draw(&tokens);
        assert!(DrawnKey::looks_like_key(a.secret.expose()), "{}", a.secret.expose());
        assert!(a.secret.expose().starts_with(&a.prefix));
        assert_eq!(a.secret.expose().len(), 3 + 8 + 1 + 40);
        assert_ne!(a.digest, b.digest);
        assert_eq!(KeyDigest::of(a.secret.expose()), a.digest);
        assert_eq!(KeyDigest::from_hex(&a.digest.to_hex()), Some(a.digest));
        assert!(!format!("{:?}", a.secret).contains(&a.prefix));
        for bad in
            ["", "bk_", "bk_1234567_", "xx_12345678_0000000000000000000000000000000000000000"]
        {
            assert!(!DrawnKey::looks_like_key(bad), "{bad}");
        }
    }
}
