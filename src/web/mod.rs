//! HTML pages (Tera): the front page, sign-in and sign-up, password reset, OAuth consent,
//! and the public pages (profiles, posts, hashtags). Routes: `routes.rs`; strings: Fluent
//! (`crate::i18n`); static files: `assets.rs`.

pub mod assets;
pub mod auth;
pub mod client;
pub mod form;
pub mod moderation;
pub mod oauth;
pub mod pages;
pub mod public;
pub mod routes;
pub mod templates;
