//! Codes (§I) as staff and customers use them: agents and up issue, find, adjust and revoke
//! them; a customer reads their own. The JSON API and the back office both come here, so an
//! amount, a note or an expiry is accepted or refused the same way on either.

use jiff::Timestamp;

use super::App;
use super::access::{UseCase, authorize};
use crate::access::{Denied, Principal};
use crate::codes::{CodeText, Period, StoredCode, Value};
use crate::error::error_enum;
use crate::ids::{BusinessId, CodeId, CustomerId, ServiceId};
use crate::ports::store::{StoreError, TxError};

/// The longest note a code carries, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// The largest change of a balance at once, either way (sessions or minor units).
pub const MAX_ADJUSTMENT: u64 = 100_000_000;

error_enum!(
    /// Why a codes use case was refused.
    CodesError {
        /// The caller may not (or the business is not theirs).
        Denied(#[from] Denied) => delegate, "{0}";
        /// No such code (or business).
        NotFound => (NotFound, "not_found"), "no such thing here";
        /// A service the code should cover does not exist.
        ServiceNotFound(i64) => (Invalid, "service_not_found"), "no service {0}";
        /// The customer the code is for does not exist.
        CustomerNotFound => (Invalid, "customer_not_found"), "unknown customer";
        /// A count of sessions out of range (1 to the number given).
        Sessions(i64) => (Invalid, "invalid_value"), "`amount` is 1 to {0} sessions";
        /// An amount of money out of range.
        Money => (Invalid, "invalid_value"), "`amount` is 1 to 100000000 minor units";
        /// The note is too long or holds control characters.
        Note => (Invalid, "invalid_value"), "`note` is at most 200 characters";
        /// The expiry is not in the future.
        ExpiresInPast => (Invalid, "invalid_value"), "`expires_at` is in the future";
        /// Neither a tail nor a customer to search by, or both.
        Search => (Invalid, "invalid_value"), "give `tail` (the last 4 symbols) or `customer_id`";
        /// An adjustment of zero, or too large.
        Delta => (Invalid, "invalid_value"), "`delta` is a non-zero number up to 100000000 either way";
        /// The balance would go below zero.
        Exhausted => (Conflict, "code_exhausted"), "the balance would go below zero";
        /// Storage failed.
        Store(#[from] StoreError) => delegate, "{0}";
    }
);

/// What sort of code to issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// Sessions (1 to [`MAX_PACKAGE_SESSIONS`]).
    Package,
    /// Money (1 to [`MAX_GIFT_MINOR`] minor units).
    Gift,
    /// Sessions per period (1 to [`MAX_SUBSCRIPTION_SESSIONS`]).
    Subscription(Period),
}

/// The most sessions a package holds.
pub const MAX_PACKAGE_SESSIONS: i64 = 1000;
/// The most sessions a subscription grants per period.
pub const MAX_SUBSCRIPTION_SESSIONS: i64 = 100;
/// The largest gift, in minor units.
pub const MAX_GIFT_MINOR: i64 = 100_000_000;

impl CodeKind {
    /// The value of a code of this kind worth `amount` (sessions or minor units), covering
    /// `services` (empty: all; a gift covers all).
    ///
    /// # Errors
    /// An amount out of this kind's range.
    pub fn value(self, amount: i64, services: Vec<ServiceId>) -> Result<Value, CodesError> {
        let sessions = |max: i64| {
            u32::try_from(amount)
                .ok()
                .filter(|n| (1..=max).contains(&i64::from(*n)))
                .ok_or(CodesError::Sessions(max))
        };
        Ok(match self {
            Self::Package => Value::Package { sessions: sessions(MAX_PACKAGE_SESSIONS)?, services },
            Self::Gift if (1..=MAX_GIFT_MINOR).contains(&amount) => {
                Value::Gift { amount_minor: amount }
            }
            Self::Gift => return Err(CodesError::Money),
            Self::Subscription(period) => Value::Subscription {
                sessions: sessions(MAX_SUBSCRIPTION_SESSIONS)?,
                period,
                services,
            },
        })
    }
}

/// Who a code is issued to, as staff name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A customer record.
    Customer(CustomerId),
    /// The customer with this email: their account's record, else a guest record.
    Email(String),
}

/// A code to issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueCode {
    /// What sort of code.
    pub kind: CodeKind,
    /// What it is worth: sessions, or minor units for a gift.
    pub amount: i64,
    /// The services it covers (empty: all).
    pub services: Vec<ServiceId>,
    /// Whose panel lists it, if anyone's.
    pub holder: Option<Holder>,
    /// Staff's note.
    pub note: String,
    /// When it stops paying.
    pub expires_at: Option<Timestamp>,
}

/// Which codes to find: those ending with `tail` (as typed, read forgivingly), or a
/// customer's; exactly one of the two.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeSearch {
    /// The last symbols.
    pub tail: Option<String>,
    /// The customer.
    pub customer: Option<CustomerId>,
}

impl App {
    /// Issues a code (agents and up): its text is returned once and never stored.
    ///
    /// # Errors
    /// Denied, an unknown service or customer, a note or expiry refused, storage.
    pub async fn issue_code(
        &self,
        caller: &Principal,
        business: BusinessId,
        command: IssueCode,
    ) -> Result<(StoredCode, CodeText), CodesError> {
        authorize(caller, business, UseCase::ManageCodes)?;
        let value = command.kind.value(command.amount, command.services)?;
        let store = &self.engine.ports().store;
        for s in covered(&value) {
            if store.service(business, *s).await?.is_none() {
                return Err(CodesError::ServiceNotFound(s.get()));
            }
        }
        let customer = match &command.holder {
            None => None,
            Some(Holder::Customer(c)) => {
                Some(store.customer(business, *c).await?.ok_or(CodesError::CustomerNotFound)?.id)
            }
            Some(Holder::Email(email)) => Some(
                self.customer_by_email(business, email)
                    .await?
                    .ok_or(CodesError::CustomerNotFound)?,
            ),
        };
        let note = command.note.trim();
        if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(char::is_control) {
            return Err(CodesError::Note);
        }
        if command.expires_at.is_some_and(|e| e <= self.engine.ports().clock.now()) {
            return Err(CodesError::ExpiresInPast);
        }
        Ok(self
            .codes()
            .issue(business, value, customer, note.to_owned(), command.expires_at)
            .await?)
    }

    /// The business's customer with this email: their account's record, else a guest record.
    async fn customer_by_email(
        &self,
        business: BusinessId,
        email: &str,
    ) -> Result<Option<CustomerId>, StoreError> {
        let Ok(email) = crate::accounts::username(email) else { return Ok(None) };
        let store = &self.engine.ports().store;
        if let Some(account) = store.account_by_email(&email).await?
            && let Some(c) = store.customer_of_account(business, account.id).await?
        {
            return Ok(Some(c.id));
        }
        Ok(store.guest_by_email(business, &email).await?.map(|c| c.id))
    }

    /// Codes by their last symbols or by customer (agents and up).
    ///
    /// # Errors
    /// Denied, a tail that cannot be one, storage.
    pub async fn find_codes(
        &self,
        caller: &Principal,
        business: BusinessId,
        search: &CodeSearch,
    ) -> Result<Vec<StoredCode>, CodesError> {
        authorize(caller, business, UseCase::ManageCodes)?;
        let store = &self.engine.ports().store;
        Ok(match (search.tail.as_deref(), search.customer) {
            (Some(typed), None) => {
                let tail = CodeText::read_tail(typed).ok_or(CodesError::Search)?;
                store.codes_by_tail(business, &tail).await?
            }
            (None, Some(c)) => store.customer_codes(business, c).await?,
            _ => return Err(CodesError::Search),
        })
    }

    /// A customer's codes, newest first (agents and up, or the customer themself).
    ///
    /// # Errors
    /// Denied, storage.
    pub async fn customer_codes(
        &self,
        caller: &Principal,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<StoredCode>, CodesError> {
        authorize(caller, business, UseCase::ReadCodesOf(customer))?;
        Ok(self.engine.ports().store.customer_codes(business, customer).await?)
    }

    /// One code with its uses (agents and up, or the customer it was issued to; for other
    /// customers it does not exist).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn code(
        &self,
        caller: &Principal,
        business: BusinessId,
        code: CodeId,
    ) -> Result<StoredCode, CodesError> {
        caller.member_of(business)?;
        let found =
            self.engine.ports().store.code(business, code).await?.ok_or(CodesError::NotFound)?;
        let staff = super::access::permits(caller, business, UseCase::ManageCodes);
        let own = found
            .customer
            .is_some_and(|c| super::access::permits(caller, business, UseCase::ReadCodesOf(c)));
        match (staff || own, caller.role) {
            (true, _) => Ok(found),
            (false, crate::booking::Role::Customer) => Err(CodesError::NotFound),
            (false, _) => Err(Denied::Forbidden.into()),
        }
    }

    /// Adds `delta` to a code's balance, or takes from it (agents and up); never below zero.
    ///
    /// # Errors
    /// Denied, a zero or too large delta, not found, exhausted, storage.
    pub async fn adjust_code(
        &self,
        caller: &Principal,
        business: BusinessId,
        code: CodeId,
        delta: i64,
    ) -> Result<StoredCode, CodesError> {
        authorize(caller, business, UseCase::ManageCodes)?;
        if delta == 0 || delta.unsigned_abs() > MAX_ADJUSTMENT {
            return Err(CodesError::Delta);
        }
        match self.codes().adjust(business, code, delta).await {
            Ok(found) => found.ok_or(CodesError::NotFound),
            Err(TxError::Store(e)) => Err(e.into()),
            Err(_) => Err(CodesError::Exhausted),
        }
    }

    /// Revokes a code: it pays for nothing more (agents and up).
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn revoke_code(
        &self,
        caller: &Principal,
        business: BusinessId,
        code: CodeId,
    ) -> Result<StoredCode, CodesError> {
        authorize(caller, business, UseCase::ManageCodes)?;
        self.codes().revoke(business, code).await?.ok_or(CodesError::NotFound)
    }
}

/// The services a value names (none: all).
fn covered(value: &Value) -> &[ServiceId] {
    match value {
        Value::Package { services, .. } | Value::Subscription { services, .. } => services,
        Value::Gift { .. } => &[],
    }
}
