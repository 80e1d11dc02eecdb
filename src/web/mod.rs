//! HTML pages (Tera): the front page, sign-in and sign-up, password reset, OAuth consent,
//! and the public pages (profiles, posts, hashtags). Routes: `routes.rs`; strings: Fluent
//! (`crate::i18n`); static files: `assets.rs`.

pub mod account;
pub mod admin_messages;
pub mod admin_settings;
pub mod assets;
pub mod auth;
pub mod client;
pub mod coop_home;
pub mod coop_site;
pub mod deck;
pub mod form;
pub mod fragments;
pub mod govadmin;
pub mod ledger_pages;
pub mod live;
pub mod member_tools;
pub mod moderation;
pub mod oauth;
pub mod pages;
pub mod proposal_form;
pub mod proposals;
pub mod public;
pub mod quarterly_reports;
pub mod routes;
pub mod settings;
pub mod social;
pub mod templates;
pub mod treasurer;
