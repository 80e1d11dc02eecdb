//! Use cases. Each opens its transaction and commits all of its writes together; surfaces
//! (the Mastodon API, the web pages, the CLI) meet here.

pub mod accounts;
pub mod app_names;
pub mod conversations;
pub mod dues;
pub mod expenses;
pub mod exports;
pub mod federation;
pub mod feeds;
pub mod filters;
pub mod imaging;
pub mod inbox;
pub mod ledger;
pub mod lists;
pub mod media;
pub mod membership;
pub mod moderation;
pub mod notify;
pub mod oauth;
pub mod officers;
pub mod policies;
pub mod polls;
pub mod profile;
pub mod proposal_posts;
pub mod proposals;
pub mod remote_media;
pub mod render;
pub mod roles;
pub mod scheduled;
pub mod search;
pub mod social;
pub mod statuses;
pub mod streaming;
pub mod stripe;
pub mod tags;
pub mod timelines;
