//! The calendar provider contract against the in-memory provider.

booking_testkit::calendar_contract_tests!(|lost_answers| async move {
    booking_testkit::calendar_contract::MemoryCalendar::start(lost_answers)
});
