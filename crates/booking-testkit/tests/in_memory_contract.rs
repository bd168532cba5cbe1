//! The storage contract suite against `InMemoryStore`.

use std::sync::Arc;

use booking_testkit::InMemoryStore;

booking_testkit::store_contract_tests!(
    #[tokio::test]
    async {
        Arc::new(InMemoryStore::new()) as Arc<dyn booking_core::ports::store::Store>
    }
);
