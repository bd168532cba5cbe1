//! Storage of customer accounts' passwords and tokens (§D).

use async_trait::async_trait;
use jiff::Timestamp;

use crate::accounts::{AuthToken, TokenDigest, TokenOwner, TokenPurpose};
use crate::catalog::{Customer, Email};
use crate::error::StoreError;
use crate::ids::{AccountId, BusinessId};
use crate::ports::passwords::PasswordHash;

/// Account passwords and tokens. Implementations MUST make [`Self::take_token`] atomic (of two
/// concurrent takes of one token, one gets it), and MUST delete a customer's tokens when the
/// customer is anonymised.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The account's password hash, if it has one.
    async fn password_hash(&self, account: AccountId) -> Result<Option<PasswordHash>, StoreError>;
    /// Replaces the account's password hash.
    async fn set_password_hash(
        &self,
        account: AccountId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError>;
    /// Stores a token.
    async fn insert_token(&self, token: &AuthToken) -> Result<(), StoreError>;
    /// The token with this digest if it has not expired at `now`.
    async fn token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError>;
    /// Deletes the token with this digest and returns it if it had not expired at `now`.
    async fn take_token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError>;
    /// Deletes the tokens of `owner` (of one purpose, or all); how many there were.
    async fn revoke_tokens(
        &self,
        owner: TokenOwner,
        purpose: Option<TokenPurpose>,
    ) -> Result<usize, StoreError>;
    /// Deletes tokens expired at or before `now` (housekeeping).
    async fn purge_expired_tokens(&self, now: Timestamp) -> Result<usize, StoreError>;
    /// The business's customer record of an account.
    async fn customer_of_account(
        &self,
        business: BusinessId,
        account: AccountId,
    ) -> Result<Option<Customer>, StoreError>;
    /// Links to `account` the guest records (no account, not anonymised) whose email is `email`
    /// ignoring case, in `business` or, with `None`, in every business; how many.
    async fn attach_guests(
        &self,
        account: AccountId,
        email: &Email,
        business: Option<BusinessId>,
    ) -> Result<usize, StoreError>;
    /// §D5: removes an account (its email and password) and every token it holds; the
    /// businesses' customer records stay, no longer linked to it. `false` if there was none.
    async fn delete_account(&self, account: AccountId) -> Result<bool, StoreError>;
    /// The business's guest record (no account, not anonymised) with this email ignoring case,
    /// the oldest.
    async fn guest_by_email(
        &self,
        business: BusinessId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError>;
}
