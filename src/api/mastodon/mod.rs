//! The Mastodon client API and its OAuth endpoints.

pub mod accounts;
pub mod admin;
pub mod apps;
pub mod cards;
pub mod conversations;
pub mod discovery;
pub mod endorsements;
pub mod exports;
pub mod filters;
pub mod instance;
pub mod lists;
pub mod media;
pub mod migration;
pub mod misc;
pub mod notifications;
pub mod notifications_v2;
pub mod oauth;
pub mod polls;
pub mod quotes;
pub mod relationships;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod streaming;
pub mod tags;
pub mod timelines;
