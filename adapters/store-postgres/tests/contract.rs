//! The storage contract suite on a fresh PostgreSQL database per test, dropped after it.

mod common;

use std::sync::Arc;

use booking_core::ports::store::Store;

async fn fresh() -> Option<Arc<dyn Store>> {
    Some(Arc::new(common::fresh_store().await?))
}

booking_testkit::store_contract_tests!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    fresh()
);
