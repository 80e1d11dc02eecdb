//! Wire types for media, polls and scheduled statuses, with every key Mastodon sends.

use serde::Serialize;
use serde_json::Value;

use crate::state::AppState;

/// The public URL of a stored media file (an attachment, an avatar, a header), here so the
/// entities that carry such URLs compute them without reaching up into services (moved here
/// from `services::media`).
pub fn file_url(state: &AppState, key: &str) -> String {
    // `HERD_MEDIA_PUBLIC_URL` when set (files served from there), else Herd itself.
    state
        .media
        .public_url(key)
        .unwrap_or_else(|| format!("{}/system/media/{key}", state.base_url()))
}

#[derive(Debug, Serialize, Clone)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: MediaMeta,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

/// `meta`: for an image its `original` and `small` sizes and `focus`; for video, gifv and
/// audio also Mastodon's top-level `length`, `duration`, `fps`, size and audio fields, and the
/// timing in `original`. Absent fields are left out, as Mastodon does.
#[derive(Debug, Serialize, Clone, Default)]
pub struct MediaMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fps: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_encode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_bitrate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_channels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<MediaSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub small: Option<MediaSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<Focus>,
}

#[derive(Debug, Serialize, Clone, Default)]
pub struct MediaSize {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    /// `"WxH"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect: Option<f64>,
    /// Video: ffprobe's rational (`"30/1"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<String>,
    /// Video and audio: seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Video and audio: bits per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i64>,
}

impl MediaSize {
    pub fn new(width: i64, height: i64) -> MediaSize {
        MediaSize {
            width: Some(width),
            height: Some(height),
            size: Some(format!("{width}x{height}")),
            aspect: Some(if height > 0 {
                width as f64 / height as f64
            } else {
                0.0
            }),
            ..MediaSize::default()
        }
    }
}

#[derive(Debug, Serialize, Clone)]
pub struct Focus {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Serialize, Clone)]
pub struct Poll {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: Option<i64>,
    pub options: Vec<PollOption>,
    pub emojis: Vec<Value>,
    /// Only for a signed-in viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i64>>,
}

#[derive(Debug, Serialize, Clone)]
pub struct PollOption {
    pub title: String,
    /// `null` while the poll hides its totals.
    pub votes_count: Option<i64>,
}

#[derive(Debug, Serialize, Clone)]
pub struct ScheduledStatus {
    pub id: String,
    pub scheduled_at: String,
    pub params: ScheduledParamsEntity,
    pub media_attachments: Vec<MediaAttachment>,
}

#[derive(Debug, Serialize, Clone)]
pub struct ScheduledParamsEntity {
    pub text: String,
    pub poll: Option<ScheduledPollEntity>,
    pub media_ids: Option<Vec<String>>,
    pub sensitive: Option<bool>,
    pub spoiler_text: Option<String>,
    pub visibility: String,
    pub in_reply_to_id: Option<String>,
    pub language: Option<String>,
    pub application_id: Option<i64>,
    pub scheduled_at: Option<String>,
    pub idempotency: Option<String>,
    pub with_rate_limit: bool,
}

#[derive(Debug, Serialize, Clone)]
pub struct ScheduledPollEntity {
    pub options: Vec<String>,
    pub expires_in: String,
    pub multiple: bool,
    pub hide_totals: bool,
}
