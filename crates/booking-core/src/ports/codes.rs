//! Storage of codes (packages, gift certificates, subscriptions, §I) and their uses.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::codes::{CodeDigest, NewCode, StoredCode};
use crate::error::StoreError;
use crate::ids::{BookingId, BusinessId, CodeId, CustomerId};

/// Storage of codes and their uses. Uses are written with the bookings they pay for, in the
/// booking transaction; here are the staff side's reads and changes.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores a new code; [`StoreError::Duplicate`] when its digest is taken in the business
    /// (draw another).
    async fn issue_code(&self, new: &NewCode) -> Result<StoredCode, StoreError>;
    /// One code with its uses.
    async fn code(
        &self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<StoredCode>, StoreError>;
    /// The code whose text has this digest.
    async fn code_by_digest(
        &self,
        business: BusinessId,
        digest: &CodeDigest,
    ) -> Result<Option<StoredCode>, StoreError>;
    /// The codes ending with these four symbols (staff search).
    async fn codes_by_tail(
        &self,
        business: BusinessId,
        tail: &str,
    ) -> Result<Vec<StoredCode>, StoreError>;
    /// A customer's codes, newest first.
    async fn customer_codes(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Vec<StoredCode>, StoreError>;
    /// The code whose use pays for a booking and was not given back, if any.
    async fn code_used_by(
        &self,
        business: BusinessId,
        booking: BookingId,
    ) -> Result<Option<CodeId>, StoreError>;
    /// Revokes a code (once: the first revocation's time stays); `false` when there is no
    /// such code.
    async fn revoke_code(
        &self,
        business: BusinessId,
        id: CodeId,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
}
