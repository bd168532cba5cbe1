//! Which permission each use case of the application layer needs: the one table an inbound
//! adapter never repeats.

use crate::access::{Action, Denied, Principal};
use crate::booking::Actor;
use crate::ids::{BusinessId, CustomerId, ResourceId};

/// A use case of the application layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UseCase {
    /// Read the business's settings.
    ReadSettings,
    /// Change the business's profile (name, zone, language, contact).
    UpdateProfile,
    /// Change the business's settings.
    UpdateSettings,
    /// Read the business's integrations: webhook endpoints and their log, email wording.
    ReadIntegrations,
    /// Change them: register and remove webhook endpoints, change email wording.
    ManageIntegrations,
    /// Browse what the business offers: its profile, agendas, services, events and sessions.
    BrowseCatalog,
    /// Browse the agendas, meeting types, desks and datetimes (the Chrono-compatible API).
    BrowseAgendas,
    /// Read and change the staff and desks, agendas, services and events.
    ManageCatalog,
    /// Read or change a resource's opening hours and exceptions.
    KeepHours(ResourceId),
    /// List the API keys.
    ManageApiKeys,
    /// Read a customer's record.
    ReadCustomer(CustomerId),
    /// List or fill slots outside Chrono's booking delays.
    BypassDelays,
    /// Read any booking of the business, with its history.
    ReadBookings,
    /// Hold, book, move or cancel for a customer through the Chrono-compatible API.
    BookForCustomers,
    /// Issue, find, adjust and revoke codes.
    ManageCodes,
    /// Read a customer's codes.
    ReadCodesOf(CustomerId),
    /// Set or remove a staff member's own video account.
    ManageVideoOf(ResourceId),
    /// Erase a customer's personal data.
    EraseCustomer(CustomerId),
    /// Read the bookings of one staff member or desk (its feed).
    ReadBookingsOf(ResourceId),
}

/// Who may run a use case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, guests included (a key of another business excepted).
    Public,
    /// Any member of the business.
    Member,
    /// Members whose role allows this action.
    One(Action),
    /// Members whose role allows either action.
    Either(Action, Action),
}

/// Who may run `use_case`.
#[must_use]
pub const fn required(use_case: UseCase) -> Access {
    match use_case {
        UseCase::BrowseCatalog => Access::Public,
        UseCase::BrowseAgendas => Access::Member,
        UseCase::ReadSettings | UseCase::ManageCatalog => Access::One(Action::ManageCatalog),
        UseCase::UpdateProfile
        | UseCase::UpdateSettings
        | UseCase::ReadIntegrations
        | UseCase::ManageIntegrations => Access::One(Action::ManageBusiness),
        UseCase::KeepHours(r) => Access::One(Action::ManageHours(r)),
        UseCase::ManageApiKeys => Access::One(Action::ManageApiKeys),
        UseCase::ReadCustomer(c) => {
            Access::Either(Action::ReadAllBookings, Action::ActAsCustomer(c))
        }
        UseCase::BypassDelays | UseCase::BookForCustomers => Access::One(Action::BookForCustomers),
        UseCase::ReadBookings => Access::One(Action::ReadAllBookings),
        UseCase::ManageCodes => Access::One(Action::ManageAllBookings),
        UseCase::ManageVideoOf(r) => Access::One(Action::ManageVideoOf(r)),
        UseCase::ReadBookingsOf(r) => Access::One(Action::ReadBookingsOf(r)),
        UseCase::EraseCustomer(c) => {
            Access::Either(Action::ManageCatalog, Action::ActAsCustomer(c))
        }
        UseCase::ReadCodesOf(c) => {
            Access::Either(Action::ManageAllBookings, Action::ActAsCustomer(c))
        }
    }
}

/// The actor `caller` runs `use_case` in `business` as, or why not.
///
/// # Errors
/// [`Denied::NotFound`] for a caller of another business, [`Denied::Forbidden`] for a role
/// without the permission.
pub fn authorize(
    caller: &Principal,
    business: BusinessId,
    use_case: UseCase,
) -> Result<Actor, Denied> {
    match required(use_case) {
        Access::Public | Access::Member => caller.member_of(business),
        Access::One(action) => caller.authorize(business, action),
        Access::Either(first, second) => {
            caller.authorize(business, first).or_else(|_| caller.authorize(business, second))
        }
    }
}

/// Like [`authorize`], for a caller who may be a guest: a guest may run public use cases only.
///
/// # Errors
/// As [`authorize`]; [`Denied::Forbidden`] for a guest and a use case that is not public.
pub fn authorize_guest(
    caller: Option<&Principal>,
    business: BusinessId,
    use_case: UseCase,
) -> Result<Actor, Denied> {
    match (caller, required(use_case)) {
        (Some(p), _) => authorize(p, business, use_case),
        (None, Access::Public) => Ok(Actor::guest()),
        (None, _) => Err(Denied::Forbidden),
    }
}

/// Whether `caller` may run `use_case` in `business`.
#[must_use]
pub fn permits(caller: &Principal, business: BusinessId, use_case: UseCase) -> bool {
    authorize(caller, business, use_case).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::Role;

    const ROLES: [Role; 5] = [Role::Customer, Role::Staff, Role::Agent, Role::Manager, Role::Admin];
    const STAFF: [Role; 3] = [Role::Agent, Role::Manager, Role::Admin];

    fn caller(role: Role, subject: Option<i64>) -> Principal {
        Principal { business: BusinessId::new(1), role, subject }
    }

    #[test]
    fn each_use_case_admits_the_roles_it_names() {
        let b = BusinessId::new(1);
        let desk = ResourceId::new(7);
        let someone = CustomerId::new(9);
        for (use_case, allowed) in [
            (UseCase::ReadSettings, [Role::Admin, Role::Manager].as_slice()),
            (UseCase::ManageCatalog, [Role::Admin, Role::Manager].as_slice()),
            (UseCase::UpdateSettings, [Role::Admin].as_slice()),
            (UseCase::UpdateProfile, [Role::Admin].as_slice()),
            (UseCase::ReadIntegrations, [Role::Admin].as_slice()),
            (UseCase::ManageIntegrations, [Role::Admin].as_slice()),
            (UseCase::ManageApiKeys, [Role::Admin].as_slice()),
            (UseCase::KeepHours(desk), [Role::Admin, Role::Manager].as_slice()),
            (UseCase::ReadCustomer(someone), STAFF.as_slice()),
            (UseCase::BypassDelays, STAFF.as_slice()),
            (UseCase::ReadBookings, STAFF.as_slice()),
            (UseCase::BookForCustomers, STAFF.as_slice()),
            (UseCase::ManageCodes, STAFF.as_slice()),
            (UseCase::ReadCodesOf(someone), STAFF.as_slice()),
            (UseCase::ManageVideoOf(desk), [Role::Admin, Role::Manager].as_slice()),
            (UseCase::EraseCustomer(someone), [Role::Admin, Role::Manager].as_slice()),
            (UseCase::ReadBookingsOf(desk), STAFF.as_slice()),
            (UseCase::BrowseAgendas, ROLES.as_slice()),
            (UseCase::BrowseCatalog, ROLES.as_slice()),
        ] {
            for role in ROLES {
                let got = authorize(&caller(role, None), b, use_case);
                assert_eq!(got.is_ok(), allowed.contains(&role), "{use_case:?} as {role:?}");
            }
            let elsewhere = Principal { business: BusinessId::new(2), ..caller(Role::Admin, None) };
            assert_eq!(
                authorize(&elsewhere, b, use_case),
                Err(Denied::NotFound),
                "another business does not exist for the caller"
            );
            let public = required(use_case) == Access::Public;
            assert_eq!(
                authorize_guest(None, b, use_case).is_ok(),
                public,
                "{use_case:?} as a guest"
            );
        }
    }

    #[test]
    fn people_reach_what_is_theirs() {
        let b = BusinessId::new(1);
        let me = caller(Role::Staff, Some(7));
        assert!(permits(&me, b, UseCase::KeepHours(ResourceId::new(7))));
        assert!(!permits(&me, b, UseCase::KeepHours(ResourceId::new(8))));
        assert!(permits(&me, b, UseCase::ManageVideoOf(ResourceId::new(7))));
        assert!(!permits(&me, b, UseCase::ManageVideoOf(ResourceId::new(8))));
        assert!(permits(&me, b, UseCase::ReadBookingsOf(ResourceId::new(7))));
        assert!(!permits(&me, b, UseCase::ReadBookingsOf(ResourceId::new(8))));
        let customer = caller(Role::Customer, Some(9));
        assert!(permits(&customer, b, UseCase::ReadCustomer(CustomerId::new(9))));
        assert!(!permits(&customer, b, UseCase::ReadCustomer(CustomerId::new(10))));
        assert!(permits(&customer, b, UseCase::ReadCodesOf(CustomerId::new(9))));
        assert!(!permits(&customer, b, UseCase::ReadCodesOf(CustomerId::new(10))));
        assert!(permits(&customer, b, UseCase::EraseCustomer(CustomerId::new(9))));
        assert!(!permits(&customer, b, UseCase::EraseCustomer(CustomerId::new(10))));
    }
}
