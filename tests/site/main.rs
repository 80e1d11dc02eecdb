//! The web pages over HTTP, on SQLite and PostgreSQL (`on_both_backends!`): one test binary
//! for every page area, since each binary costs CI a link of the whole server.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod account;
mod compression;
mod coopsite;
mod inventory15;
mod live;
mod moderation;
mod pages;
mod pages14;
mod proposals;
mod settings;
mod social;
mod treasurer;
