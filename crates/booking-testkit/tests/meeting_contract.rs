//! The meeting provider contract against the in-memory provider.

booking_testkit::meeting_contract_tests!(booking_testkit::meeting_contract::MemoryMeetings::start);
