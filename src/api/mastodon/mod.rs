//! The Mastodon client API and its OAuth endpoints.

pub mod accounts;
pub mod apps;
pub mod entities;
pub mod instance;
pub mod media;
pub mod media_entities;
pub mod misc;
pub mod notifications;
pub mod oauth;
pub mod polls;
pub mod relationships;
pub mod scheduled;
pub mod statuses;
pub mod timelines;
