//! The filters of the moderators' lists (Mastodon's admin reports and accounts): plain data
//! that the API parses, services check and storage turns into SQL, so every layer takes this
//! one definition (as every list takes `paging::Page`).

/// The filters of Mastodon's `GET /api/v1/admin/reports`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportFilter {
    pub resolved: bool,
    pub account_id: Option<i64>,
    pub target_account_id: Option<i64>,
    /// Where the reported account lives (Mastodon's `target_origin`).
    pub target_origin: Option<AccountOrigin>,
    /// One of `services::moderation::CATEGORIES`.
    pub category: Option<&'static str>,
}

/// Where an account lives (Mastodon's `origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOrigin {
    Local,
    Remote,
}

/// Mastodon's account `status` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// Not suspended.
    Active,
    /// A local sign-up awaiting approval.
    Pending,
    /// A local login disabled.
    Disabled,
    Silenced,
    Suspended,
    Sensitized,
}

/// The filters of Mastodon's `GET /api/v1|v2/admin/accounts`.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub origin: Option<AccountOrigin>,
    pub by_domain: Option<String>,
    pub status: Option<AccountStatus>,
    /// Holding any of these roles (`staff`: moderator or admin).
    pub roles: Vec<String>,
    /// Prefix of the username, case-insensitive.
    pub username: Option<String>,
    /// Substring of the display name, case-insensitive.
    pub display_name: Option<String>,
    /// Prefix of the login's e-mail address, case-insensitive.
    pub email: Option<String>,
}
