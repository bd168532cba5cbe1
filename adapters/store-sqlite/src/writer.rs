//! The one write connection, and group commit for booking transactions (ADR 0003).
//!
//! SQLite has one writer at a time, and the cost of a write transaction is mostly fixed: its
//! `BEGIN IMMEDIATE`, its `COMMIT` and the fsync that makes it durable. So booking transactions
//! queue (first come, first served) on the one write connection and run *one after another inside
//! one open SQLite transaction*: each sees the writes of those before it, exactly as if each had
//! its own. A finished one then queues again; when it reaches the connection, every transaction
//! that queued meanwhile has run, and it commits them all at once. Each caller is answered only
//! after the commit that contains its writes: acknowledgements stay durable.
//!
//! A transaction refused by the core wrote nothing and leaves the batch as it is. One that fails
//! while writing (a constraint, an I/O error) rolls the whole batch back; the others of that batch
//! are told so and run again from the start (the core's `decide` may be called again). A caller
//! dropped mid-way leaves its batch marked dirty: the next one to take the connection rolls it back
//! the same way. Other writes (set-up, customers, the outbox) take the connection exclusively,
//! after committing any open batch.

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use booking_core::ports::store::{StoreError, TxError};
use sqlx::SqliteConnection;
use tokio::sync::{Mutex, MutexGuard};

use crate::unavailable;

/// How many batches' failures are remembered for the callers still to be answered.
const REMEMBERED_FAILURES: usize = 256;

/// Why a batch did not commit.
#[derive(Clone, Debug)]
enum Failure {
    /// Another transaction of the batch failed while writing: run again.
    Aborted,
    /// The commit itself failed: nothing of the batch is stored.
    Commit(String),
    /// The commit was interrupted: its outcome is unknown (reported as a failure, never as
    /// success).
    InDoubt,
}

/// An open SQLite transaction shared by queued booking transactions.
#[derive(Debug)]
struct Batch {
    epoch: u64,
    /// Transactions whose writes it holds.
    members: usize,
    /// A transaction is writing (or was dropped while writing).
    dirty: bool,
}

#[derive(Debug)]
pub(crate) struct WriterState {
    conn: SqliteConnection,
    batch: Option<Batch>,
    next_epoch: u64,
    failures: VecDeque<(u64, Failure)>,
    /// The connection may be inside a transaction. Set before every `BEGIN`, cleared only once
    /// a `COMMIT` or `ROLLBACK` returned: a caller dropped in between leaves it set, and the next
    /// one rolls back.
    in_tx: bool,
}

/// The write connection, shared by every writer of the store.
#[derive(Debug)]
pub(crate) struct WriterShared {
    state: Mutex<WriterState>,
}

impl WriterShared {
    pub(crate) fn new(conn: SqliteConnection) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(WriterState {
                conn,
                batch: None,
                next_epoch: 0,
                failures: VecDeque::new(),
                in_tx: false,
            }),
        })
    }

    /// The connection for a write of its own: any open batch is committed first.
    pub(crate) async fn exclusive(&self) -> Result<Exclusive<'_>, StoreError> {
        let mut st = self.state.lock().await;
        st.recover().await;
        if let Some(batch) = st.batch.take() {
            st.settle(batch.epoch).await;
        }
        Ok(Exclusive { st })
    }

    /// Joins the current batch (opening one if none is open) for one booking transaction: the
    /// caller runs it on [`Member`]'s connection, then hands its result to [`Member::finish`].
    pub(crate) async fn join(self: &Arc<Self>) -> Result<Member<'_>, StoreError> {
        let mut st = self.state.lock().await;
        st.recover().await;
        let epoch = match st.batch.as_mut() {
            Some(batch) => {
                batch.dirty = true;
                batch.epoch
            }
            None => {
                let epoch = st.next_epoch;
                st.next_epoch += 1;
                // Recorded first: if this caller is dropped during the BEGIN, the next one rolls
                // back.
                st.batch = Some(Batch { epoch, members: 0, dirty: true });
                st.in_tx = true;
                if let Err(e) = sqlx::query("BEGIN IMMEDIATE").execute(&mut st.conn).await {
                    st.batch = None;
                    st.in_tx = false;
                    return Err(unavailable(e));
                }
                epoch
            }
        };
        Ok(Member { shared: self, st, epoch })
    }
}

/// What became of a booking transaction run in a batch.
pub(crate) enum Finished<T> {
    /// Its answer, given after the commit that made its writes durable (or the failure).
    Done(Result<T, TxError>),
    /// Its batch was rolled back because another transaction of it failed: run it again.
    Again,
}

/// One booking transaction's turn on the write connection, inside the open batch.
pub(crate) struct Member<'a> {
    shared: &'a Arc<WriterShared>,
    st: MutexGuard<'a, WriterState>,
    epoch: u64,
}

impl Member<'_> {
    /// Ends the turn with the transaction's result (`Refused` only if it wrote nothing), and
    /// waits for the batch's commit when it wrote.
    pub(crate) async fn finish<T>(self, result: Result<T, TxError>) -> Finished<T> {
        let Member { shared, mut st, epoch } = self;
        match result {
            Ok(value) => {
                st.set_clean();
                if let Some(batch) = st.batch.as_mut() {
                    batch.members += 1;
                }
                drop(st);
                match outcome(shared, epoch).await {
                    Ok(()) => Finished::Done(Ok(value)),
                    Err(Failure::Aborted) => Finished::Again,
                    Err(Failure::Commit(e)) => {
                        Finished::Done(Err(TxError::Store(StoreError::Unavailable(e))))
                    }
                    Err(Failure::InDoubt) => Finished::Done(Err(TxError::Store(
                        StoreError::Unavailable("the commit was interrupted".into()),
                    ))),
                }
            }
            Err(refused @ TxError::Refused(_)) => {
                st.set_clean();
                if st.batch.as_ref().is_some_and(|b| b.members == 0) {
                    // Nothing to keep: do not hold SQLite's write lock for nobody.
                    st.roll_back_batch().await;
                }
                Finished::Done(Err(refused))
            }
            Err(error) => {
                st.roll_back_batch().await;
                Finished::Done(Err(error))
            }
        }
    }
}

impl Deref for Member<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.st.conn
    }
}

impl DerefMut for Member<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.st.conn
    }
}

impl WriterState {
    /// Marks the open batch as no longer being written to.
    fn set_clean(&mut self) {
        if let Some(batch) = self.batch.as_mut() {
            batch.dirty = false;
        }
    }

    /// Cleans up after a caller dropped while holding the connection: a batch left dirty, or a
    /// transaction that no batch owns, is rolled back.
    async fn recover(&mut self) {
        if self.batch.as_ref().is_some_and(|b| b.dirty) {
            self.roll_back_batch().await;
        } else if self.batch.is_none() && self.in_tx {
            self.roll_back().await;
        }
    }

    /// Rolls the open batch back; its transactions will run again. The failure is recorded
    /// before the rollback, so a caller dropped during it still leaves the others told.
    async fn roll_back_batch(&mut self) {
        if let Some(batch) = self.batch.take() {
            self.remember(batch.epoch, Failure::Aborted);
            self.roll_back().await;
        }
    }

    /// `ROLLBACK`; an error means there was no transaction left to roll back.
    async fn roll_back(&mut self) {
        let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
        self.in_tx = false;
    }

    /// Commits the batch `epoch` (already taken out of `self.batch`). Until the `COMMIT`
    /// returns, the batch's outcome is recorded as in doubt.
    async fn settle(&mut self, epoch: u64) {
        self.remember(epoch, Failure::InDoubt);
        match sqlx::query("COMMIT").execute(&mut self.conn).await {
            Ok(_) => {
                self.in_tx = false;
                self.forget(epoch);
            }
            Err(e) => {
                self.forget(epoch);
                self.remember(epoch, Failure::Commit(e.to_string()));
                self.roll_back().await;
            }
        }
    }

    fn forget(&mut self, epoch: u64) {
        self.failures.retain(|(e, _)| *e != epoch);
    }

    fn remember(&mut self, epoch: u64, failure: Failure) {
        if self.failures.len() == REMEMBERED_FAILURES {
            self.failures.pop_front();
        }
        self.failures.push_back((epoch, failure));
    }

    /// What became of batch `epoch`, committing it if it is still open.
    async fn outcome(&mut self, epoch: u64) -> Result<(), Failure> {
        if self.batch.as_ref().is_some_and(|b| b.epoch == epoch) {
            if self.batch.as_ref().is_some_and(|b| b.dirty) {
                self.roll_back_batch().await;
            } else {
                self.batch = None;
                self.settle(epoch).await;
            }
        }
        match self.failures.iter().rev().find(|(e, _)| *e == epoch) {
            Some((_, failure)) => Err(failure.clone()),
            None => Ok(()),
        }
    }
}

/// The outcome of batch `epoch`, committing it if it is still open. Runs as a task of its own:
/// a caller dropped while waiting cannot interrupt the commit, and the batch is committed even
/// if no one else comes.
async fn outcome(shared: &Arc<WriterShared>, epoch: u64) -> Result<(), Failure> {
    let shared = shared.clone();
    let task = tokio::spawn(async move { shared.state.lock().await.outcome(epoch).await });
    task.await.unwrap_or(Err(Failure::InDoubt))
}

/// The write connection held for one caller; a transaction begun on it and dropped without
/// commit is rolled back by the next caller.
pub struct Exclusive<'a> {
    st: MutexGuard<'a, WriterState>,
}

impl Exclusive<'_> {
    /// Begins an immediate transaction; dropped without [`Self::commit`], it is rolled back by
    /// the next caller.
    pub(crate) async fn begin(&mut self) -> Result<(), StoreError> {
        self.st.in_tx = true;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut self.st.conn).await.map_err(unavailable)?;
        Ok(())
    }

    /// Commits the transaction begun with [`Self::begin`].
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT").execute(&mut self.st.conn).await.map_err(unavailable)?;
        self.st.in_tx = false;
        Ok(())
    }
}

impl Deref for Exclusive<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.st.conn
    }
}

impl DerefMut for Exclusive<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.st.conn
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use booking_core::ports::store::Refusal;
    use sqlx::{ConnectOptions, Row};

    use super::*;

    async fn writer() -> Arc<WriterShared> {
        let mut conn =
            sqlx::sqlite::SqliteConnectOptions::new().in_memory(true).connect().await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)").execute(&mut conn).await.unwrap();
        WriterShared::new(conn)
    }

    async fn insert(member: &mut Member<'_>, x: i64) -> Result<(), TxError> {
        sqlx::query("INSERT INTO t (x) VALUES ($1)")
            .bind(x)
            .execute(&mut **member)
            .await
            .map(drop)
            .map_err(|e| booking_store_sql::exec::tx_error(crate::db_error(e)))
    }

    async fn stored(w: &Arc<WriterShared>) -> Vec<i64> {
        let mut conn = w.exclusive().await.unwrap();
        let rows = sqlx::query("SELECT x FROM t ORDER BY x").fetch_all(&mut *conn).await.unwrap();
        rows.iter().map(|r| r.get("x")).collect()
    }

    fn done<T: std::fmt::Debug>(finished: Finished<T>) -> Result<T, TxError> {
        match finished {
            Finished::Done(result) => result,
            Finished::Again => panic!("expected an answer, got a rerun"),
        }
    }

    #[tokio::test]
    async fn a_caller_dropped_while_writing_is_rolled_back_alone() {
        let w = writer().await;
        let mut dropped = w.join().await.unwrap();
        insert(&mut dropped, 1).await.unwrap();
        drop(dropped); // cancelled between two statements of its transaction
        let mut next = w.join().await.unwrap();
        insert(&mut next, 2).await.unwrap();
        done(next.finish(Ok(())).await).unwrap();
        assert_eq!(stored(&w).await, [2], "the half-written transaction is gone");
    }

    #[tokio::test]
    async fn a_caller_dropped_during_its_begin_leaves_no_transaction_open() {
        let dir = tempfile::tempdir().unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("t.db"))
            .create_if_missing(true);
        let mut conn = options.connect().await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)").execute(&mut conn).await.unwrap();
        let w = WriterShared::new(conn);
        // Another process holds the write lock: our `BEGIN IMMEDIATE` waits in SQLite's busy
        // handler, and the caller gives up meanwhile.
        let mut other = options.connect().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
        {
            let mut join = std::pin::pin!(w.join());
            assert!(futures::poll!(join.as_mut()).is_pending());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The other process lets go; the abandoned `BEGIN` now opens a transaction nobody owns.
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut next = w.join().await.unwrap();
        insert(&mut next, 3).await.unwrap();
        done(next.finish(Ok(())).await).unwrap();
        let mut own = w.exclusive().await.unwrap();
        own.begin().await.unwrap();
        drop(own); // and one dropped inside a transaction of its own
        let mut last = w.join().await.unwrap();
        insert(&mut last, 4).await.unwrap();
        done(last.finish(Ok(())).await).unwrap();
        assert_eq!(stored(&w).await, [3, 4]);
    }

    #[tokio::test]
    async fn a_failure_while_writing_reruns_the_others_of_its_batch() {
        let w = writer().await;
        let mut first = w.join().await.unwrap();
        insert(&mut first, 1).await.unwrap();
        let w2 = w.clone();
        let second = tokio::spawn(async move {
            let mut member = w2.join().await.unwrap();
            let result = insert(&mut member, 1).await; // the unique constraint fails
            assert!(result.is_err());
            done(member.finish(result).await)
        });
        tokio::time::sleep(Duration::from_millis(20)).await; // the second is queued
        assert!(matches!(first.finish(Ok(())).await, Finished::Again), "its batch was rolled back");
        assert!(second.await.unwrap().is_err());
        assert_eq!(stored(&w).await, Vec::<i64>::new());
    }

    #[tokio::test]
    async fn a_refusal_leaves_the_batch_and_its_others_alone() {
        let w = writer().await;
        let mut first = w.join().await.unwrap();
        insert(&mut first, 1).await.unwrap();
        let w2 = w.clone();
        let second = tokio::spawn(async move {
            let member = w2.join().await.unwrap();
            done::<()>(member.finish(Err(TxError::Refused(Refusal::SlotTaken))).await)
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        done(first.finish(Ok(())).await).unwrap();
        assert_eq!(second.await.unwrap(), Err(TxError::Refused(Refusal::SlotTaken)));
        assert_eq!(stored(&w).await, [1]);
    }

    #[tokio::test]
    async fn queued_transactions_share_one_commit() {
        let w = writer().await;
        let mut first = w.join().await.unwrap();
        insert(&mut first, 1).await.unwrap();
        let others: Vec<_> = (2..6)
            .map(|x| {
                let w = w.clone();
                tokio::spawn(async move {
                    let mut member = w.join().await.unwrap();
                    let result = insert(&mut member, x).await;
                    done(member.finish(result).await)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await; // all four are queued
        done(first.finish(Ok(())).await).unwrap();
        for other in others {
            other.await.unwrap().unwrap();
        }
        assert_eq!(stored(&w).await, [1, 2, 3, 4, 5]);
        assert_eq!(w.state.lock().await.next_epoch, 1, "one batch, one commit");
    }

    #[tokio::test]
    async fn a_caller_dropped_while_waiting_for_the_commit_still_gets_it_committed() {
        let w = writer().await;
        let (written, wrote) = tokio::sync::oneshot::channel();
        let w2 = w.clone();
        let caller = tokio::spawn(async move {
            let mut member = w2.join().await.unwrap();
            insert(&mut member, 7).await.unwrap();
            let _ = written.send(());
            tokio::task::yield_now().await; // the test queues for the connection now
            member.finish(Ok(())).await
        });
        wrote.await.unwrap();
        // Queued before the caller comes back for its commit, so the caller has to wait...
        let busy = w.state.lock().await;
        caller.abort(); // ...and gives up while waiting.
        assert!(caller.await.is_err(), "cancelled");
        drop(busy);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(w.state.lock().await.batch.is_none(), "committed by the caller's own task");
        assert_eq!(stored(&w).await, [7]);
    }
}
