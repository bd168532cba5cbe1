//! The outbox worker loop (§B3): drains due jobs, sleeps, and again, until told to stop.
//!
//! Several workers (threads, processes, app instances) may run on one store: claims are atomic,
//! so each job runs on one worker at a time, and a worker that dies mid-job only delays it until
//! its lease ends. Tests that want the jobs run now call [`booking_core::services::outbox::drain`] instead.

use std::sync::Arc;
use std::time::Duration;

use booking_core::outbox::{Drained, RetryPolicy};
use booking_core::ports::clock::Clock;
use booking_core::ports::outbox::JobHandler;
use booking_core::ports::outbox::Outbox;
use booking_core::services::outbox::drain;
use tokio::sync::watch;

/// How a worker runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Retries, parking and the lease.
    pub policy: RetryPolicy,
    /// The pause between two passes when nothing is due.
    pub poll: Duration,
    /// Jobs claimed at a time.
    pub batch: usize,
}

impl Default for WorkerConfig {
    /// The default policy, a pass every second, 16 jobs a claim.
    fn default() -> Self {
        Self { policy: RetryPolicy::default(), poll: Duration::from_secs(1), batch: 16 }
    }
}

/// What a worker did until it stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Jobs done, retried, parked and lost, in all.
    pub drained: Drained,
    /// Passes that failed on a storage error (the worker went on after a pause).
    pub store_errors: usize,
    /// The last storage error seen.
    pub last_error: Option<String>,
}

/// Runs the outbox until `stop` turns `true` (or its sender is dropped). A storage error ends
/// the pass, not the worker: the next pass retries after the pause.
pub async fn run(
    outbox: Arc<dyn Outbox>,
    clock: Arc<dyn Clock>,
    handler: Arc<dyn JobHandler>,
    config: WorkerConfig,
    mut stop: watch::Receiver<bool>,
) -> WorkerReport {
    let mut report = WorkerReport::default();
    loop {
        if *stop.borrow() {
            return report;
        }
        match drain(outbox.as_ref(), clock.as_ref(), handler.as_ref(), &config.policy, config.batch)
            .await
        {
            Ok(pass) => {
                report.drained.done += pass.done;
                report.drained.retried += pass.retried;
                report.drained.parked += pass.parked;
                report.drained.lost += pass.lost;
            }
            Err(e) => {
                report.store_errors += 1;
                report.last_error = Some(e.to_string());
            }
        }
        tokio::select! {
            () = tokio::time::sleep(config.poll) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    return report;
                }
            }
        }
    }
}
