//! A page of a list, with Mastodon's cursor semantics, for every list Herd serves (the
//! Mastodon client API and the co-op API alike). Surfaces parse it from the query
//! (`http::pagination::PageParams`), services take it, and `storage::paging` turns it into
//! SQL; it lives here, below all of them, so no layer reaches up or sideways to name it.
//!
//! The semantics, one rule for every list:
//! - `max_id`: only items older than it (`id < max_id`). `max_id=0` is a real bound and
//!   gives nothing.
//! - `since_id` and `min_id`: both are lower bounds (`id > since_id AND id > min_id`) and both
//!   apply when both are given.
//! - `since_id` alone: the newest items above it. `min_id`: the items immediately above it
//!   (the page is chosen oldest first from the bound), returned newest first as Mastodon does.
//! - `limit`: the endpoint's default when absent, clamped to 1..=its maximum.
//!
//! What the cursor counts is each list's own key, as Mastodon's: the row id for statuses,
//! notifications, scheduled statuses, proposals, ledger rows and the like; the relation's own
//! row id (not the account's) for followers, following, blocks, mutes, follow requests,
//! favourites, bookmarks, followed tags and domain blocks; the latest message's id for
//! conversations; the account id for list members and the co-op roster. The `Link` header
//! carries those keys (`http::pagination::link_for`).

/// The bounds, order and size of one page. `limit` 0 means no limit (only Mastodon's list
/// members, where `limit=0` asks for every member).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    /// The newest `limit` items, no bounds.
    pub fn first(limit: i64) -> Page {
        Page {
            limit,
            ..Page::default()
        }
    }

    /// True when the page is chosen oldest first from `min_id` (storage reverses the rows
    /// back to newest first).
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }
}
