//! Which permission each use case of the application layer needs: the one table an inbound
//! adapter never repeats.

use crate::access::{Action, Denied, Principal};
use crate::booking::Actor;
use crate::ids::BusinessId;

/// A use case of the application layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UseCase {
    /// Read the business's settings.
    ReadSettings,
    /// Change the business's profile (name, zone, language, contact).
    UpdateProfile,
    /// Change the business's settings.
    UpdateSettings,
    /// Browse the agendas, meeting types, desks and datetimes (the Chrono-compatible API).
    BrowseAgendas,
    /// List or fill slots outside Chrono's booking delays.
    BypassDelays,
    /// Read any booking of the business, with its history.
    ReadBookings,
    /// Hold, book, move or cancel for a customer through the Chrono-compatible API.
    BookForCustomers,
}

/// The permission `use_case` needs; `None`: any member of the business may.
#[must_use]
pub const fn required(use_case: UseCase) -> Option<Action> {
    match use_case {
        UseCase::ReadSettings => Some(Action::ManageCatalog),
        UseCase::UpdateProfile | UseCase::UpdateSettings => Some(Action::ManageBusiness),
        UseCase::BrowseAgendas => None,
        UseCase::BypassDelays | UseCase::BookForCustomers => Some(Action::BookForCustomers),
        UseCase::ReadBookings => Some(Action::ReadAllBookings),
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
        Some(action) => caller.authorize(business, action),
        None => caller.member_of(business),
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

    fn caller(role: Role) -> Principal {
        Principal { business: BusinessId::new(1), role, subject: None }
    }

    #[test]
    fn each_use_case_admits_the_roles_it_names() {
        let b = BusinessId::new(1);
        for (use_case, allowed) in [
            (UseCase::ReadSettings, [Role::Admin, Role::Manager].as_slice()),
            (UseCase::UpdateSettings, [Role::Admin].as_slice()),
            (UseCase::UpdateProfile, [Role::Admin].as_slice()),
            (UseCase::BypassDelays, [Role::Agent, Role::Manager, Role::Admin].as_slice()),
            (UseCase::ReadBookings, [Role::Agent, Role::Manager, Role::Admin].as_slice()),
            (UseCase::BookForCustomers, [Role::Agent, Role::Manager, Role::Admin].as_slice()),
            (
                UseCase::BrowseAgendas,
                [Role::Customer, Role::Staff, Role::Agent, Role::Manager, Role::Admin].as_slice(),
            ),
        ] {
            for role in [Role::Customer, Role::Staff, Role::Agent, Role::Manager, Role::Admin] {
                let got = authorize(&caller(role), b, use_case);
                assert_eq!(got.is_ok(), allowed.contains(&role), "{use_case:?} as {role:?}");
            }
            assert_eq!(
                authorize(&caller(Role::Admin), BusinessId::new(2), use_case),
                Err(Denied::NotFound),
                "another business does not exist for the caller"
            );
        }
    }
}
