//! JSON APIs: the Mastodon client API (and, later, the co-op's own under /api/v1/coop/).

pub mod coop;
pub mod mastodon;
