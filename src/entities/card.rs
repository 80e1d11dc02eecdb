//! Mastodon's PreviewCard (a status's link preview), with every key 4.3 sends.

use serde::Serialize;

use super::Account;

#[derive(Debug, Serialize, Clone)]
pub struct PreviewCard {
    pub url: String,
    pub title: String,
    pub description: String,
    pub language: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub width: i64,
    pub height: i64,
    pub image: Option<String>,
    pub image_description: String,
    pub embed_url: String,
    pub blurhash: Option<String>,
    pub published_at: Option<String>,
    /// 4.3: the page's authors; `account` when `fediverse:creator` names one known here.
    pub authors: Vec<PreviewCardAuthor>,
}

#[derive(Debug, Serialize, Clone)]
pub struct PreviewCardAuthor {
    pub name: String,
    pub url: String,
    pub account: Option<Account>,
}
