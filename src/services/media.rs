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
use crate::jobs::Job;
use crate::services::av;
use crate::services::byte_ranges;
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
    let l = &state.config.limits;
    usize::try_from(
        l.image_size_limit
            .max(l.video_size_limit)
            .max(l.audio_size_limit),
    )
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

/// The 422 of a file that is none of the accepted types.
fn invalid_type() -> AppError {
    AppError::unprocessable(
        "Validation failed: File content type is invalid (images: JPEG, PNG, GIF, WebP; \
         video: MP4, WebM, MOV; audio: MP3, OGG, WAV, M4A, FLAC)",
    )
}

/// Whether uploads may use ffprobe/ffmpeg here: allowed by `media.ffmpeg` and installed.
pub fn ffmpeg_enabled(state: &AppState) -> bool {
    state.config.media.ffmpeg && av::tools_installed()
}

/// What an upload is, by its bytes.
enum Sniffed {
    Image,
    /// An animated GIF that becomes an MP4 (`gifv`).
    Gifv,
    Av(av::Container),
}

/// `POST /api/v2/media` (and v1): an image processed at once, ready to attach; or a video or
/// audio file (or an animated GIF) stored and checked at once and then processed by a job,
/// its row answering `processing` until then. `synchronous` (v1) runs that job before
/// answering, as Mastodon's v1 does.
pub async fn upload(
    state: &AppState,
    me: &CurrentUser,
    file: Option<&UploadedFile>,
    description: Option<&str>,
    focus: Option<&str>,
    synchronous: bool,
) -> AppResult<MediaRow> {
    let file = file.ok_or_else(|| AppError::validation("file", "ERR_BLANK", "can't be blank"))?;
    let description = check_description(description)?;
    let focus = match focus.filter(|f| !f.trim().is_empty()) {
        Some(f) => parse_focus(f)?,
        None => (0.0, 0.0),
    };
    let ffmpeg = ffmpeg_enabled(state);
    let sniffed = match (imaging::sniff(&file.bytes), av::sniff(&file.bytes)) {
        (Some(image::ImageFormat::Gif), _) if ffmpeg && av::gif_is_animated(&file.bytes) => {
            Some(Sniffed::Gifv)
        }
        (Some(_), _) => Some(Sniffed::Image),
        (None, Some(c)) => Some(Sniffed::Av(c)),
        (None, None) => None,
    };
    let limits = &state.config.limits;
    let limit = match &sniffed {
        Some(Sniffed::Av(c)) if c.is_video() => limits.video_size_limit,
        Some(Sniffed::Av(_)) => limits.audio_size_limit,
        _ => limits.image_size_limit,
    };
    if file.bytes.len() as u64 > limit {
        return Err(AppError::unprocessable(format!(
            "Validation failed: File file size must be less than {}",
            human_size(limit)
        )));
    }
    let row = match sniffed {
        None => return Err(invalid_type()),
        Some(Sniffed::Image) => return upload_image(state, me, file, description, focus).await,
        Some(Sniffed::Gifv) => upload_av(state, me, file, description, focus, None).await?,
        Some(Sniffed::Av(c)) => {
            upload_av(state, me, file, description, focus, Some((c, ffmpeg))).await?
        }
    };
    if !synchronous {
        return Ok(row);
    }
    process(state, row.id).await.map_err(AppError::internal)?;
    store::by_id(&state.db.pool, row.id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// An image: decoded, checked, stripped, re-encoded with its preview, recorded ready.
async fn upload_image(
    state: &AppState,
    me: &CurrentUser,
    file: &UploadedFile,
    description: Option<String>,
    (focus_x, focus_y): (f64, f64),
) -> AppResult<MediaRow> {
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
        ImageError::UnsupportedType => invalid_type(),
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
        processing: 0,
        av_meta: None,
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
    if let Err(e) = record(state, &row, None).await {
        let _ = files.delete(&file_key).await;
        let _ = files.delete(&thumb_key).await;
        return Err(e);
    }
    Ok(row)
}

/// Writes a new upload's row, its sweep and (for video and audio) its processing job.
async fn record(state: &AppState, row: &MediaRow, job: Option<Job>) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    store::insert(&mut **tx, row).await?;
    schedule_sweep(&mut tx, row.created_at).await?;
    if let Some(job) = job {
        crate::jobs::enqueue(&mut tx, &job, row.created_at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A video or audio file (`Some(container, ffmpeg)`) or an animated GIF (`None`): checked now
/// (the container by its bytes; with ffprobe, its codecs and picture), stored as sent, and
/// recorded as processing with its job queued.
async fn upload_av(
    state: &AppState,
    me: &CurrentUser,
    file: &UploadedFile,
    description: Option<String>,
    (focus_x, focus_y): (f64, f64),
    container: Option<(av::Container, bool)>,
) -> AppResult<MediaRow> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let (kind, content_type, file_key, width, height, meta) = match container {
        None => (
            "gifv",
            "image/gif".to_string(),
            format!("{token}/source.gif"),
            0,
            0,
            None,
        ),
        Some((c, true)) => {
            let permit = decode_permits()
                .acquire()
                .await
                .map_err(AppError::internal)?;
            let bytes = file.bytes.clone();
            let probed = tokio::task::spawn_blocking(move || {
                av::probe(&av::Scratch::of(&bytes, c.extension())?)
            })
            .await
            .map_err(AppError::internal)?;
            drop(permit);
            let p = probed.map_err(|e| match e {
                av::AvError::Codec(why) => AppError::unprocessable(format!(
                    "Validation failed: File content type is invalid ({why}; video: H.264, \
                     HEVC, VP8, VP9, AV1; audio: AAC, MP3, Opus, Vorbis, FLAC, ALAC, PCM)"
                )),
                av::AvError::TooLarge(why) => {
                    AppError::unprocessable(format!("Validation failed: {why}"))
                }
                av::AvError::Corrupt => AppError::unprocessable(
                    "Validation failed: File could not be processed as video or audio",
                ),
                av::AvError::Tool(why) => AppError::internal(anyhow::anyhow!(why)),
            })?;
            let kind = if p.video { "video" } else { "audio" };
            let ext = match (c, p.video) {
                // An MP4 or MOV holding only sound is served as M4A audio.
                (av::Container::Mp4 | av::Container::Mov, false) => "m4a",
                _ => c.extension(),
            };
            (
                kind,
                c.content_type(p.video).to_string(),
                format!("{token}/original.{ext}"),
                p.width,
                p.height,
                p.meta.to_json(),
            )
        }
        Some((c, false)) => (
            if c.is_video() { "video" } else { "audio" },
            c.content_type(c.is_video()).to_string(),
            format!("{token}/original.{}", c.extension()),
            0,
            0,
            None,
        ),
    };
    let now = state.clock.now_micros();
    let row = MediaRow {
        id: ids::next_id_at(now / 1000),
        account_id: me.account.id,
        status_id: None,
        scheduled_status_id: None,
        position: 0,
        kind: kind.into(),
        file_key: file_key.clone(),
        content_type,
        file_size: file.bytes.len() as i64,
        width,
        height,
        thumb_key: String::new(),
        thumb_width: 0,
        thumb_height: 0,
        description,
        focus_x,
        focus_y,
        blurhash: None,
        remote_url: None,
        created_at: now,
        processing: 1,
        av_meta: meta,
    };
    state
        .media
        .put(&file_key, file.bytes.clone())
        .await
        .map_err(store_unavailable)?;
    let job = Job::ProcessMedia { media_id: row.id };
    if let Err(e) = record(state, &row, Some(job)).await {
        let _ = state.media.delete(&file_key).await;
        return Err(e);
    }
    Ok(row)
}

/// What the processing job made of a file.
struct Made {
    /// The MP4 of a GIF.
    mp4: Option<Vec<u8>>,
    probed: Option<av::Probed>,
    preview: Option<imaging::Preview>,
}

/// The job: a preview frame (and blurhash) for a video, the MP4 of a GIF, then the row is
/// ready. Without ffmpeg the file stays as sent and the row is ready at once. A file that
/// turns out unreadable is kept ready without a preview; a tool that cannot run is retried.
pub async fn process(state: &AppState, media_id: i64) -> anyhow::Result<()> {
    let Some(mut m) = store::by_id(&state.db.pool, media_id).await? else {
        return Ok(()); // deleted meanwhile
    };
    if m.processing == 0 {
        return Ok(());
    }
    // Audio has no frame to take: it was checked and read at upload.
    let work = ffmpeg_enabled(state) && m.kind != "audio";
    let Some(bytes) = (if work {
        state.media.get(&m.file_key).await?
    } else {
        None
    }) else {
        // Kept as sent (or its file is gone, and the sweep will take the row).
        m.processing = 0;
        store::finish_processing(&state.db.pool, &m).await?;
        return Ok(());
    };
    let gifv = m.kind == "gifv";
    let matrix = state.config.limits.image_matrix_limit;
    let duration = av::AvMeta::from_json(m.av_meta.as_deref()).duration;
    let video = m.kind == "video";
    let permit = decode_permits().acquire().await?;
    let made = tokio::task::spawn_blocking(move || -> Result<Made, av::AvError> {
        let mut made = Made {
            mp4: None,
            probed: None,
            preview: None,
        };
        let source = if gifv {
            let mp4 = av::gif_to_mp4(&av::Scratch::of(&bytes, "gif")?)?;
            let scratch = av::Scratch::of(&mp4, "mp4")?;
            made.mp4 = Some(mp4);
            made.probed = Some(av::probe(&scratch)?);
            Some(scratch)
        } else if video {
            Some(av::Scratch::of(&bytes, "bin")?)
        } else {
            None
        };
        if let Some(scratch) = source {
            let duration = made
                .probed
                .as_ref()
                .and_then(|p| p.meta.duration)
                .or(duration);
            match av::frame(&scratch, duration) {
                Ok(png) => made.preview = imaging::preview_of(&png, matrix).ok(),
                Err(av::AvError::Corrupt) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(made)
    })
    .await?;
    drop(permit);
    let made = match made {
        Ok(made) => made,
        Err(av::AvError::Tool(why)) => anyhow::bail!("processing media {media_id}: {why}"),
        Err(e) => {
            // An unreadable GIF or frame: no preview, the file as it is.
            tracing::info!(media = media_id, error = ?e, "media kept without a preview");
            Made {
                mp4: None,
                probed: None,
                preview: None,
            }
        }
    };
    let token = m.file_key.split('/').next().unwrap_or_default().to_string();
    let mut written = Vec::new();
    let old_key = m.file_key.clone();
    if let Some(mp4) = made.mp4 {
        let key = format!("{token}/original.mp4");
        m.file_size = mp4.len() as i64;
        state.media.put(&key, mp4).await?;
        written.push(key.clone());
        m.file_key = key;
        m.content_type = "video/mp4".into();
    }
    if let Some(p) = made.probed {
        m.width = p.width;
        m.height = p.height;
        m.av_meta = p.meta.to_json();
    }
    if let Some(p) = made.preview {
        let key = format!("{token}/small.{}", p.extension);
        if let Err(e) = state.media.put(&key, p.thumbnail).await {
            for k in &written {
                let _ = state.media.delete(k).await;
            }
            return Err(e.into());
        }
        written.push(key.clone());
        m.thumb_key = key;
        m.thumb_width = i64::from(p.thumb_width);
        m.thumb_height = i64::from(p.thumb_height);
        m.blurhash = Some(p.blurhash);
        if m.width == 0 {
            m.width = i64::from(p.width);
            m.height = i64::from(p.height);
        }
    }
    m.processing = 0;
    if !store::finish_processing(&state.db.pool, &m).await? {
        // Deleted while it was processed: take the new files too.
        for k in &written {
            let _ = state.media.delete(k).await;
        }
        return Ok(());
    }
    if m.file_key != old_key {
        if let Err(e) = state.media.delete(&old_key).await {
            tracing::warn!(media = media_id, key = %old_key, error = %e, "could not delete a converted GIF");
        }
    }
    Ok(())
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
    if rows
        .iter()
        .any(|m| m.processing != 0 && m.account_id == account_id)
    {
        return Err(AppError::unprocessable(
            "Cannot attach files that have not finished processing. Try again in a moment!",
        ));
    }
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
    let av = av::AvMeta::from_json(m.av_meta.as_deref());
    let remote_preview = av.preview_remote_url.clone();
    // A remote attachment is referenced where its server keeps it; an image's preview is
    // served from here while the remote media cache holds it (`remote_media`), else from
    // there too; a remote video's preview is the picture its origin sent, if any.
    let url = match (&m.remote_url, m.file_key.is_empty()) {
        _ if m.processing != 0 => None,
        (Some(remote), true) => Some(remote.clone()),
        _ => Some(file_url(state, &m.file_key)),
    };
    let preview_url = match (&m.remote_url, m.thumb_key.is_empty()) {
        _ if m.processing != 0 => None,
        (_, false) => Some(file_url(state, &m.thumb_key)),
        // A remote picture (or GIF) is its own preview until the cache holds one.
        (Some(remote), true) if m.kind == "image" || m.content_type.starts_with("image/") => {
            Some(remote.clone())
        }
        _ => remote_preview.clone(),
    };
    let dims = |w: i64, h: i64| (w > 0 && h > 0).then(|| MediaSize::new(w, h));
    let mut meta = MediaMeta {
        focus: Some(Focus {
            x: m.focus_x,
            y: m.focus_y,
        }),
        ..MediaMeta::default()
    };
    if m.kind == "image" {
        meta.original = Some(MediaSize::new(m.width, m.height));
        meta.small = Some(MediaSize::new(m.thumb_width, m.thumb_height));
    } else {
        // Mastodon's video, gifv and audio meta: the size and timing at the top and in
        // `original` (an audio file has no picture), the preview's size in `small`.
        let mut original = dims(m.width, m.height).unwrap_or_default();
        original.frame_rate = av.frame_rate.clone();
        original.duration = av.duration;
        original.bitrate = av.bitrate;
        if let Some(d) = dims(m.width, m.height) {
            meta.width = d.width;
            meta.height = d.height;
            meta.size = d.size;
            meta.aspect = d.aspect;
        }
        meta.duration = av.duration.map(|d| (d * 100.0).round() / 100.0);
        meta.length = av.duration.map(av::length);
        meta.fps = av.fps();
        meta.audio_encode = av.audio_encode.clone();
        meta.audio_bitrate = av.audio_bitrate.clone();
        meta.audio_channels = av.audio_channels.clone();
        meta.original = Some(original);
        meta.small = dims(m.thumb_width, m.thumb_height);
    }
    MediaAttachment {
        id: m.id.to_string(),
        kind: m.kind.clone(),
        url,
        preview_url,
        remote_url: m.remote_url.clone(),
        preview_remote_url: remote_preview,
        text_url: None,
        meta,
        description: m.description.clone(),
        blurhash: m.blurhash.clone(),
    }
}

/// `GET /system/media/{dir}/{file}`: the stored bytes with their type; never sniffed, never
/// framed, never run as a document. One byte range (`range`, honouring `if_range`) is answered
/// with only those bytes, read from the store as a range (see [`byte_ranges`]).
pub async fn serve(
    state: &AppState,
    dir: &str,
    file: &str,
    range: Option<&str>,
    if_range: Option<&str>,
) -> Response {
    let key = format!("{dir}/{file}");
    let content_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some(ext) => match av::served_type(ext) {
            Some(t) => t,
            None => return StatusCode::NOT_FOUND.into_response(),
        },
        None => return StatusCode::NOT_FOUND.into_response(),
    };
    if !valid_key(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut res = match serve_bytes(state, &key, range, if_range).await {
        Ok(Some(res)) => res,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return store_unavailable(e).into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
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

/// The file under `key` whole (200), one range of it (206), or 416 with its length; `None`
/// when the store has no such file.
async fn serve_bytes(
    state: &AppState,
    key: &str,
    range: Option<&str>,
    if_range: Option<&str>,
) -> std::io::Result<Option<Response>> {
    let asked = range.and_then(byte_ranges::parse);
    if let Some(asked) = asked {
        let Some(meta) = state.media.stat(key).await? else {
            return Ok(None);
        };
        if if_range.is_none_or(|v| byte_ranges::if_range_holds(v, meta.modified)) {
            let Some(bytes) = asked.resolve(meta.len) else {
                let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                insert_header(
                    &mut res,
                    header::CONTENT_RANGE,
                    format!("bytes */{}", meta.len),
                );
                return Ok(Some(res));
            };
            let Some(stream) = state.media.open_range(key, bytes.clone()).await? else {
                return Ok(None);
            };
            let mut res = (StatusCode::PARTIAL_CONTENT, stream_body(stream)).into_response();
            insert_header(
                &mut res,
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", bytes.start, bytes.end - 1, meta.len),
            );
            insert_header(
                &mut res,
                header::CONTENT_LENGTH,
                (bytes.end - bytes.start).to_string(),
            );
            last_modified(&mut res, meta.modified);
            return Ok(Some(res));
        }
    }
    let Some(opened) = state.media.open_with_meta(key).await? else {
        return Ok(None);
    };
    let mut res = stream_body(opened.stream).into_response();
    insert_header(
        &mut res,
        header::CONTENT_LENGTH,
        opened.meta.len.to_string(),
    );
    last_modified(&mut res, opened.meta.modified);
    Ok(Some(res))
}

fn insert_header(res: &mut Response, name: header::HeaderName, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().insert(name, v);
    }
}

/// `Last-Modified`, which a player echoes in `If-Range` when it resumes.
fn last_modified(res: &mut Response, modified: Option<std::time::SystemTime>) {
    if let Some(t) = modified {
        insert_header(
            res,
            header::LAST_MODIFIED,
            httpdate::fmt_http_date(byte_ranges::whole_seconds(t)),
        );
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
