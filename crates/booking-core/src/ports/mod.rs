//! §A9 The ports: what the core asks of the world, one file per capability. Each file names
//! only domain types; the domain modules name only the leaf ports (the clock, randomness,
//! password hashes, mail and meeting messages), so nothing here imports in a cycle.
//!
//! | capability | port |
//! |---|---|
//! | time | [`clock::Clock`] |
//! | randomness, secrets | [`tokens::TokenSource`], [`tokens::Secret`] |
//! | password hashing | [`passwords::PasswordHasher`] |
//! | email | [`mail::Mailer`] |
//! | video meetings | [`meetings::MeetingProvider`], [`video::MeetingConnector`] |
//! | storage: catalog, bookings (in one transaction), customers, audit, idempotency, access, webhooks, templates, maintenance | [`store`] ([`store::Store`] is all of them) |
//! | storage: accounts and tokens | [`accounts::AccountStore`] |
//! | storage and providers of calendar sync | [`calendar`] |
//! | storage of codes | [`codes::CodeStore`] |
//! | storage of video set-up and meetings | [`video::VideoStore`] |
//! | the outbox and the handlers of its jobs | [`outbox::Outbox`], [`outbox::JobHandler`] |

pub mod accounts;
pub mod calendar;
pub mod clock;
pub mod codes;
pub mod mail;
pub mod meetings;
pub mod outbox;
pub mod passwords;
pub mod store;
pub mod tokens;
pub mod video;
