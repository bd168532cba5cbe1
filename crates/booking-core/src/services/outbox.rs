//! Running the outbox (§B3): draining due jobs through a handler, and purging done ones.

use jiff::Timestamp;

use crate::error::StoreError;
use crate::outbox::{Drained, Effect, JobError, PURGE_BATCH, PURGE_BATCHES_PER_ROUND, RetryPolicy};
use crate::ports::clock::Clock;
use crate::ports::outbox::{JobHandler, Outbox};

/// Deletes the done jobs due before `before`, [`PURGE_BATCH`] at a time and at most
/// [`PURGE_BATCHES_PER_ROUND`] batches per effect; how many.
///
/// # Errors
/// Storage errors.
pub async fn purge_done(outbox: &dyn Outbox, before: Timestamp) -> Result<usize, StoreError> {
    let mut total = 0;
    for effect in Effect::ALL {
        for _ in 0..PURGE_BATCHES_PER_ROUND {
            let n = outbox.purge_done(effect, before, PURGE_BATCH).await?;
            total += n;
            if n < PURGE_BATCH {
                break;
            }
        }
    }
    Ok(total)
}

/// Claims and runs due jobs, `batch` at a time, until none is due at the clock's time. The worker
/// loop calls it on every tick; tests call it to run the outbox synchronously.
pub async fn drain(
    outbox: &dyn Outbox,
    clock: &dyn Clock,
    handler: &dyn JobHandler,
    policy: &RetryPolicy,
    batch: usize,
) -> Result<Drained, StoreError> {
    let mut report = Drained::default();
    loop {
        let jobs = outbox.claim(clock.now(), policy.lease, batch.max(1), handler.effect()).await?;
        if jobs.is_empty() {
            return Ok(report);
        }
        for job in jobs {
            let recorded = match handler.handle(&job).await {
                Ok(()) => {
                    let ok = outbox.complete(job.id, job.attempts).await?;
                    report.done += usize::from(ok);
                    ok
                }
                Err(error) => {
                    let retry_at = match &error {
                        JobError::Retry(_) => policy.retry_at(job.attempts, clock.now()),
                        JobError::RetryAfter(_, after) => {
                            let now = clock.now();
                            let asked = after.and_then(|a| now.checked_add(a).ok());
                            policy
                                .retry_at(job.attempts, now)
                                .map(|at| asked.map_or(at, |x| x.max(at)))
                        }
                        JobError::Wait(_, delay) => {
                            let now = clock.now();
                            policy
                                .retry_at(job.attempts, now)
                                .map(|_| now.checked_add(*delay).unwrap_or(now))
                        }
                        JobError::Permanent(_) => None,
                    };
                    let ok =
                        outbox.fail(job.id, job.attempts, &error.to_string(), retry_at).await?;
                    if ok && retry_at.is_some() {
                        report.retried += 1;
                    } else if ok {
                        report.parked += 1;
                    }
                    ok
                }
            };
            report.lost += usize::from(!recorded);
        }
    }
}
