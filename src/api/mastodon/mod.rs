//! The Mastodon client API and its OAuth endpoints.

pub mod accounts;
pub mod apps;
pub mod entities;
pub mod instance;
pub mod oauth;
