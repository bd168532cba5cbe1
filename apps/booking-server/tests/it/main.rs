//! The server's black-box tests, in one binary (one link instead of eight): complete journeys
//! over HTTP against the real app on SQLite and PostgreSQL, the role matrix, the pages, the
//! Chrono-compatible API, calendar sync and video against their fakes, and codes. The browser
//! and SIGKILL tests stay binaries of their own (`tests/browser.rs`, `tests/sigkill.rs`): one
//! drives Chromium, the other kills server processes.

#[path = "../common/mod.rs"]
#[macro_use]
mod common;

mod api;
mod calendar;
mod chrono;
mod codes;
mod matrix;
mod office;
mod pages;
mod video;
