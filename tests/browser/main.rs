//! The pages in a real headless Chromium (harness: tests/common/browser.rs), SQLite only (the
//! services behind them are tested on both backends over HTTP in tests/site). One test binary
//! for every walk, since each binary costs CI a link of the whole server. Without chromedriver
//! on PATH each test prints `SKIP: …` and passes, unless HERD_TEST_REQUIRE_BROWSER=1.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod account;
mod coopsite;
mod coopwalk;
mod live;
mod moderation;
mod pages;
mod pages14;
mod proposals;
mod settings;
mod social;
mod treasurer;
