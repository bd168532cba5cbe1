//! The storage contract suite on a fresh SQLite file per test, removed after it.

use std::sync::Arc;

use booking_core::ports::store::Store;

async fn fresh() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store =
        booking_store_sqlite::open(dir.path().join("booking.db")).await.expect("SQLite opens");
    Arc::new(store.keeping(dir))
}

booking_testkit::store_contract_tests!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    fresh()
);
