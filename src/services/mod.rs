//! Use cases. Each opens its transaction and commits all of its writes together; surfaces
//! (the Mastodon API, the web pages, the CLI) meet here.

pub mod accounts;
pub mod membership;
pub mod oauth;
pub mod policies;
pub mod proposals;
