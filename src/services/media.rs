//! Media uploads: validate and process an image (see `imaging`), store its files, record it;
//! describe and focus it; check the ids a status wants to attach; render the entity; serve the
//! files. Media belong to their uploader. Files are written before the row and removed again
//! if the row cannot be written, so a failed upload leaves nothing behind.
//!
//! Cleanup, as Mastodon's: an upload that stays free (never attached, or let go by a deleted or
//! edited status or a cancelled scheduled status) for [`FREE_TTL`] is deleted with its files by
//! the queued [`sweep`], which is enqueued for that moment whenever media become free. Media a
//! version in an edit history shows are kept while the status exists.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::entities::media::{file_url, Focus, MediaAttachment, MediaMeta, MediaSize};
use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::http::body::UploadedFile;
use crate::ids;
use crate::services::imaging::{self, ImageError};
use crate::state::AppState;
use crate::storage::files::{valid_key, ByteStream};
use crate::storage::media::{self as store, MediaRow};

/// The 503 of a file store that did not answer (an S3 endpoint down, a full disk): the
/// client is told to retry; nothing was recorded.
pub fn store_unavailable(e: std::io::Error) -> AppError {
    AppError::unavailable("The file store is unavailable; please try again later", e)
}

/// Mastodon's limit on a description.
pub const DESCRIPTION_LIMIT: usize = 1500;

/// How long an upload may stay free before the sweep deletes it (Mastodon: one day).
pub const FREE_TTL: i64 = crate::time::MICROS_PER_DAY;

/// Uploads deleted per transaction by the sweep.
const SWEEP_BATCH: i64 = 200;

/// Largest request body accepted by the upload endpoints: the file limit plus room for the
/// other form fields and multipart framing. A bigger body is refused with 413 while streaming.
pub fn body_limit(state: &AppState) -> usize {
    usize::try_from(state.config.limits.image_size_limit)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024)
}

/// Decoding is memory-heavy (a 33-megapixel image takes 130 MB): two at a time.
pub(crate) fn decode_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(2))
}

pub(crate) fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Parses Mastodon's focal point `"x,y"`, both in [-1, 1].
pub fn parse_focus(s: &str) -> AppResult<(f64, f64)> {
    let bad = || {
        AppError::unprocessable(
            "Validation failed: Focus must be two numbers \"x,y\" between -1.0 and 1.0",
        )
    };
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok((x, y))
}

fn check_description(d: Option<&str>) -> AppResult<Option<String>> {
    match d {
        None => Ok(None),
        Some(d) if d.chars().count() > DESCRIPTION_LIMIT => Err(AppError::unprocessable(format!(
            "Validation failed: Description is too long (maximum is {DESCRIPTION_LIMIT} characters)"
        ))),
        Some(d) if d.trim().is_empty() => Ok(None),
        Some(d) => Ok(Some(d.to_string())),
    }
}

/// `POST /api/v2/media` (and v1): a processed, stored image, ready to attach.
pub async fn upload(
    state: &AppState,
    me: &CurrentUser,
    file: Option<&UploadedFile>,
    description: Option<&str>,
    focus: Option<&str>,
) -> AppResult<MediaRow> {
    let file = file.ok_or_else(|| AppError::validation("file", "ERR_BLANK", "can't be blank"))?;
    let description = check_description(description)?;
    let (focus_x, focus_y) = match focus.filter(|f| !f.trim().is_empty()) {
        Some(f) => parse_focus(f)?,
        None => (0.0, 0.0),
    };
    let limit = state.config.limits.image_size_limit;
    if file.bytes.len() as u64 > limit {
        return Err(AppError::unprocessable(format!(
            "Validation failed: File file size must be less than {}",
            human_size(limit)
        )));
    }
    if imaging::sniff(&file.bytes).is_none() {
        return Err(AppError::unprocessable(
            "Validation failed: File content type is invalid (images: JPEG, PNG, GIF, WebP)",
        ));
    }
    let permit = decode_permits()
        .acquire()
        .await
        .map_err(AppError::internal)?;
    let bytes = file.bytes.clone();
    let matrix = state.config.limits.image_matrix_limit;
    let processed = tokio::task::spawn_blocking(move || imaging::process(&bytes, matrix))
        .await
        .map_err(AppError::internal)?;
    drop(permit);
    let p = processed.map_err(|e| match e {
        ImageError::UnsupportedType => AppError::unprocessable(
            "Validation failed: File content type is invalid (images: JPEG, PNG, GIF, WebP)",
        ),
        ImageError::TooManyPixels { width, height } => AppError::unprocessable(format!(
            "Validation failed: {width}x{height} images are not supported (more than {matrix} pixels)"
        )),
        ImageError::Corrupt => {
            AppError::unprocessable("Validation failed: File could not be processed as an image")
        }
    })?;

    let now = state.clock.now_micros();
    let token = uuid::Uuid::new_v4().simple().to_string();
    let file_key = format!("{token}/original.{}", p.extension);
    let thumb_key = format!("{token}/small.{}", p.extension);
    let row = MediaRow {
        id: ids::next_id_at(now / 1000),
        account_id: me.account.id,
        status_id: None,
        scheduled_status_id: None,
        position: 0,
        kind: "image".into(),
        file_key: file_key.clone(),
        content_type: p.content_type.into(),
        file_size: p.original.len() as i64,
        width: i64::from(p.width),
        height: i64::from(p.height),
        thumb_key: thumb_key.clone(),
        thumb_width: i64::from(p.thumb_width),
        thumb_height: i64::from(p.thumb_height),
        description,
        focus_x,
        focus_y,
        blurhash: Some(p.blurhash),
        remote_url: None,
        created_at: now,
    };
    let files = &state.media;
    files
        .put(&file_key, p.original)
        .await
        .map_err(store_unavailable)?;
    if let Err(e) = files.put(&thumb_key, p.thumbnail).await {
        let _ = files.delete(&file_key).await;
        return Err(store_unavailable(e));
    }
    let written = async {
        let mut tx = state.db.begin_write().await?;
        store::insert(&mut **tx, &row).await?;
        schedule_sweep(&mut tx, now).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = written {
        let _ = files.delete(&file_key).await;
        let _ = files.delete(&thumb_key).await;
        return Err(e.into());
    }
    Ok(row)
}

/// Queues a sweep for when media freed at `now` have been free for [`FREE_TTL`] (in `tx`).
pub async fn schedule_sweep(tx: &mut crate::storage::WriteTx, now: i64) -> sqlx::Result<()> {
    crate::jobs::enqueue_at(
        tx,
        &crate::jobs::Job::SweepMedia,
        now + FREE_TTL + crate::time::MICROS_PER_SECOND,
        now,
    )
    .await
}

/// The queued cleanup: deletes uploads free for [`FREE_TTL`] or longer, rows first (in one
/// transaction per batch, each re-checked so media attached meanwhile stay), then their files.
pub async fn sweep(state: &AppState) -> anyhow::Result<()> {
    let cutoff = state.clock.now_micros() - FREE_TTL;
    loop {
        let candidates = store::sweepable(&state.db.pool, cutoff, SWEEP_BATCH).await?;
        let mut deleted = Vec::new();
        let mut tx = state.db.begin_write().await?;
        for m in &candidates {
            if store::delete_if_free(&mut **tx, m.id, cutoff).await? {
                deleted.push(m);
            }
        }
        tx.commit().await?;
        for m in &deleted {
            // Remote attachments have no files here (only their reference).
            for key in [&m.file_key, &m.thumb_key]
                .into_iter()
                .filter(|k| !k.is_empty())
            {
                if let Err(e) = state.media.delete(key).await {
                    tracing::warn!(media = m.id, key = %key, error = %e, "could not delete a swept media file");
                }
            }
        }
        if !deleted.is_empty() {
            tracing::info!(count = deleted.len(), "deleted unattached media");
        }
        if (candidates.len() as i64) < SWEEP_BATCH || deleted.is_empty() {
            // The remote media cache keeps to its budget even if it was lowered since.
            return crate::services::remote_media::enforce_budget(state).await;
        }
    }
}

/// One entry of `media_attributes[]` on a status edit: new description and focus for an
/// attachment the status will hold.
#[derive(Debug, Clone, Default)]
pub struct MediaAttributes {
    pub id: String,
    pub description: Option<String>,
    pub focus: Option<String>,
}

/// One checked `media_attributes` entry: `None` keeps a value; a description of `Some(None)`
/// clears it.
#[derive(Debug, Clone)]
pub struct CheckedAttributes {
    pub id: i64,
    pub description: Option<Option<String>>,
    pub focus: Option<(f64, f64)>,
}

/// Checked `media_attributes` for the media in `holding`; entries for other media are
/// ignored, as Mastodon does.
pub fn check_attributes(
    attributes: &[MediaAttributes],
    holding: &[i64],
) -> AppResult<Vec<CheckedAttributes>> {
    let mut out = Vec::new();
    for a in attributes {
        let Ok(id) = a.id.trim().parse::<i64>() else {
            continue;
        };
        if !holding.contains(&id) {
            continue;
        }
        let description = match &a.description {
            Some(d) => Some(check_description(Some(d))?),
            None => None,
        };
        let focus = match a.focus.as_deref().filter(|f| !f.trim().is_empty()) {
            Some(f) => Some(parse_focus(f)?),
            None => None,
        };
        out.push(CheckedAttributes {
            id,
            description,
            focus,
        });
    }
    Ok(out)
}

/// Applies checked `media_attributes` inside the edit's transaction.
pub async fn apply_attributes(
    conn: &mut sqlx::AnyConnection,
    checked: &[CheckedAttributes],
) -> AppResult<()> {
    for a in checked {
        let Some(m) = store::by_id(&mut *conn, a.id).await? else {
            continue;
        };
        let description = match &a.description {
            Some(d) => d.clone(),
            None => m.description.clone(),
        };
        let (x, y) = a.focus.unwrap_or((m.focus_x, m.focus_y));
        store::update_details(&mut *conn, m.id, description.as_deref(), x, y).await?;
    }
    Ok(())
}

/// The caller's own media that no status holds yet (as Mastodon's `GET/PUT /media/:id`).
async fn own_unattached(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<MediaRow> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    match store::by_id(&state.db.pool, id).await? {
        Some(m) if m.account_id == me.account.id && m.status_id.is_none() => Ok(m),
        _ => Err(AppError::not_found()),
    }
}

/// `GET /api/v1/media/:id`.
pub async fn get(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<MediaRow> {
    own_unattached(state, me, id).await
}

/// `PUT /api/v1/media/:id`: description and focus (absent fields keep their value).
pub async fn update(
    state: &AppState,
    me: &CurrentUser,
    id: &str,
    description: Option<&str>,
    focus: Option<&str>,
) -> AppResult<MediaRow> {
    let m = own_unattached(state, me, id).await?;
    let description = match description {
        Some(d) => check_description(Some(d))?,
        None => m.description.clone(),
    };
    let (x, y) = match focus.filter(|f| !f.trim().is_empty()) {
        Some(f) => parse_focus(f)?,
        None => (m.focus_x, m.focus_y),
    };
    store::update_details(&state.db.pool, m.id, description.as_deref(), x, y).await?;
    store::by_id(&state.db.pool, m.id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Checks the `media_ids` of a status or scheduled status: at most the configured number,
/// each the author's own and free (or already held by `editing`, or reserved by `scheduled`).
/// Returns the ids in the order given.
pub async fn check_ids(
    state: &AppState,
    account_id: i64,
    media_ids: &[String],
    editing: Option<i64>,
    scheduled: Option<i64>,
) -> AppResult<Vec<i64>> {
    let max = state.config.limits.max_media_attachments as usize;
    if media_ids.len() > max {
        return Err(AppError::unprocessable(format!(
            "Validation failed: Cannot attach more than {max} files"
        )));
    }
    let mut wanted = Vec::with_capacity(media_ids.len());
    let mut bad = Vec::new();
    for raw in media_ids {
        match raw.trim().parse::<i64>() {
            Ok(id) if !wanted.contains(&id) => wanted.push(id),
            Ok(_) => {}
            Err(_) => bad.push(raw.clone()),
        }
    }
    let rows = store::by_ids(&state.db.pool, &wanted).await?;
    for id in &wanted {
        let usable = rows.iter().find(|m| m.id == *id).is_some_and(|m| {
            m.account_id == account_id
                && (m.status_id.is_none() || m.status_id == editing && editing.is_some())
                && (m.scheduled_status_id.is_none() || m.scheduled_status_id == scheduled)
        });
        if !usable {
            bad.push(id.to_string());
        }
    }
    if !bad.is_empty() {
        return Err(AppError::unprocessable(format!(
            "Validation failed: Media {} not found or already attached to another post",
            bad.join(", ")
        )));
    }
    Ok(wanted)
}

/// The Mastodon entity of a stored attachment.
pub fn entity(state: &AppState, m: &MediaRow) -> MediaAttachment {
    // A remote attachment is referenced where its server keeps it; its preview is served from
    // here while the remote media cache holds it (`remote_media`), else from there too.
    let local = |key: &str| match (&m.remote_url, key.is_empty()) {
        (Some(remote), true) => remote.clone(),
        _ => file_url(state, key),
    };
    MediaAttachment {
        id: m.id.to_string(),
        kind: m.kind.clone(),
        url: Some(local(&m.file_key)),
        preview_url: Some(local(&m.thumb_key)),
        remote_url: m.remote_url.clone(),
        preview_remote_url: None,
        text_url: None,
        meta: MediaMeta {
            original: MediaSize::new(m.width, m.height),
            small: MediaSize::new(m.thumb_width, m.thumb_height),
            focus: Focus {
                x: m.focus_x,
                y: m.focus_y,
            },
        },
        description: m.description.clone(),
        blurhash: m.blurhash.clone(),
    }
}

/// `GET /system/media/{dir}/{file}`: the stored bytes with their type; never sniffed, never
/// framed, never run as a document.
pub async fn serve(state: &AppState, dir: &str, file: &str) -> Response {
    let key = format!("{dir}/{file}");
    let content_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if !valid_key(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.media.open(&key).await {
        Ok(Some(stream)) => {
            let mut res = stream_body(stream).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            res
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => store_unavailable(e).into_response(),
    }
}

/// A body streamed from the file store as it arrives.
pub fn stream_body(stream: ByteStream) -> axum::body::Body {
    axum::body::Body::from_stream(stream)
}

/// `DELETE /api/v1/media/:id` (Mastodon 4.4): deletes the caller's upload that no status
/// holds, row first, then its files. Media a status (or a scheduled status, or an edit's
/// history) holds are refused with Mastodon's 422; another account's are not found.
pub async fn delete(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<()> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let m = match store::by_id(&state.db.pool, id).await? {
        Some(m) if m.account_id == me.account.id && m.remote_url.is_none() => m,
        _ => return Err(AppError::not_found()),
    };
    let mut tx = state.db.begin_write().await?;
    let deleted = store::delete_own_unattached(&mut **tx, m.id, me.account.id).await?;
    tx.commit().await?;
    if !deleted {
        return Err(AppError::unprocessable(
            "Media attachment is currently used by a status",
        ));
    }
    for key in [&m.file_key, &m.thumb_key]
        .into_iter()
        .filter(|k| !k.is_empty())
    {
        if let Err(e) = state.media.delete(key).await {
            tracing::warn!(media = m.id, key = %key, error = %e, "could not delete a deleted upload's file");
        }
    }
    Ok(())
}
