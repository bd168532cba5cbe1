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
}

/// The permission `use_case` needs.
#[must_use]
pub const fn required(use_case: UseCase) -> Action {
    match use_case {
        UseCase::ReadSettings => Action::ManageCatalog,
        UseCase::UpdateProfile | UseCase::UpdateSettings => Action::ManageBusiness,
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
    caller.authorize(business, required(use_case))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::Role;

    fn caller(role: Role) -> Principal {
        Principal { business: BusinessId::new(1), role, subject: None }
    }

    #[test]
    fn settings_are_read_by_managers_and_changed_by_admins() {
        let b = BusinessId::new(1);
        for (use_case, allowed) in [
            (UseCase::ReadSettings, [Role::Admin, Role::Manager].as_slice()),
            (UseCase::UpdateSettings, [Role::Admin].as_slice()),
            (UseCase::UpdateProfile, [Role::Admin].as_slice()),
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
