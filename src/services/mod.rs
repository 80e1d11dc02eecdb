//! Use cases. Each opens its transaction and commits all of its writes together; surfaces
//! (the Mastodon API, the web pages, the CLI) meet here.

pub mod accounts;
pub mod federation;
pub mod feeds;
pub mod inbox;
pub mod membership;
pub mod notify;
pub mod oauth;
pub mod policies;
pub mod profile;
pub mod proposals;
pub mod render;
pub mod social;
pub mod statuses;
