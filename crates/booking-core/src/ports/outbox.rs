//! The outbox (§B3): storing jobs and claiming the due ones, and running the jobs of one effect.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::error::StoreError;
use crate::ids::{BusinessId, JobId};
use crate::outbox::{Effect, Job, JobError};

/// The outbox port. Implementations MUST make [`Outbox::claim`] atomic: two concurrent claims
/// never return the same job.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` due jobs of `effect` (a worker runs the effects it can), oldest
    /// `run_at` first: pending ones with `run_at <= now`, and claimed ones whose lease ended at
    /// or before `now` (their worker died). Each claimed job's `attempts` grows by one and its
    /// lease runs until `now + lease`.
    async fn claim(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: usize,
        effect: Effect,
    ) -> Result<Vec<Job>, StoreError>;
    /// Marks attempt `attempt` of a job done. `false` (and no change) unless the job is claimed
    /// with that attempt number: completing twice, or after the lease was taken over, is a no-op.
    async fn complete(&self, id: JobId, attempt: u32) -> Result<bool, StoreError>;
    /// Records that attempt `attempt` failed: back to pending until `retry_at`, or parked when it
    /// is `None`. `false` (and no change) unless the job is claimed with that attempt number.
    async fn fail(
        &self,
        id: JobId,
        attempt: u32,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, StoreError>;
    /// A business's jobs, by id.
    async fn jobs(&self, business: BusinessId) -> Result<Vec<Job>, StoreError>;
    /// Puts a parked job of the business back to pending at `now` (an operator's retry).
    async fn retry_parked(
        &self,
        business: BusinessId,
        id: JobId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Deletes up to `limit` done jobs of `effect` that were due before `before`; how many.
    /// Pending, claimed and parked jobs stay. Implementations MUST never give a later job the
    /// id of a deleted one (a webhook delivery is recognised by its job's id).
    async fn purge_done(
        &self,
        effect: Effect,
        before: Timestamp,
        limit: usize,
    ) -> Result<usize, StoreError>;
}

/// Runs the jobs of one effect.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// The effect whose jobs it runs.
    fn effect(&self) -> Effect;
    /// Runs one job. MUST be idempotent per [`Job::delivery_key`]: a job may run again after a
    /// crash between delivery and completion.
    async fn handle(&self, job: &Job) -> Result<(), JobError>;
}
