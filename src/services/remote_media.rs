//! The bounded local cache of remote attachments' previews (federation). A remote attachment
//! is referenced at its origin (`url` = `remote_url`, as Mastodon serves a remote original);
//! when it is an image, ingesting it queues [`Job::CacheRemoteMedia`]. The job fetches the file
//! through the SSRF-guarded fetcher (same address rules and timeouts as every remote request,
//! at most `limits.image_size_limit` bytes), makes the preview with the upload pipeline
//! (`imaging`: type by content, pixel limit before decoding, decoder under allocation limits,
//! metadata dropped, resized, blurhash), stores it through the media store, and the row then
//! serves `preview_url` from here with `meta.small` (and the blurhash when the origin sent
//! none).
//!
//! The cache holds at most `media.remote_cache_bytes` of previews: after each new one, the
//! least recently cached are evicted (row first, so a client never gets a link to a missing
//! file, then the file) and fall back to the remote URL. A preview larger than the whole
//! budget is not kept. Failures (404, too big, not an image, a decompression bomb, a refused
//! address, a blocked domain) leave the attachment as it was, referenced remotely: the state
//! says `failed` and nothing is retried; transport errors and 5xx answers are retried by the
//! queue's backoff up to [`MAX_ATTEMPTS`] in all.

use crate::federation::fetch::{self, FetchError};
use crate::jobs::{self, Job};
use crate::services::imaging::{self, ImageError};
use crate::state::AppState;
use crate::storage::media::MediaRow;
use crate::storage::remote_media as store;
use crate::storage::WriteTx;

/// Fetch attempts per attachment before it is left referenced remotely for good.
pub const MAX_ATTEMPTS: i64 = 3;

/// Previews evicted per transaction.
const EVICT_BATCH: i64 = 100;

/// Whether a remote attachment gets a local preview: still images and GIFs (videos and audio
/// have no decoder here).
fn wanted(m: &MediaRow) -> bool {
    m.remote_url.is_some()
        && (m.kind == "image" || m.kind == "gifv")
        && (m.content_type.is_empty() || m.content_type.starts_with("image/"))
}

/// Queues the preview of a remote attachment just stored (in the ingesting transaction).
pub async fn queue(tx: &mut WriteTx, m: &MediaRow, now: i64) -> sqlx::Result<()> {
    if !wanted(m) {
        return Ok(());
    }
    store::mark_pending(&mut ***tx, m.id).await?;
    jobs::enqueue(tx, &Job::CacheRemoteMedia { media_id: m.id }, now).await
}

/// The remote attachments of a status are about to be replaced (an edit from its origin):
/// the previews they hold, for [`carry_over`].
pub async fn held_by_status(tx: &mut WriteTx, status_id: i64) -> sqlx::Result<Vec<store::Held>> {
    store::held_by_statuses(&mut ***tx, &[status_id]).await
}

/// After the edit stored the new attachments: each that references a file an old one did
/// takes its preview (nothing is fetched again); the files of the others are deleted by a job
/// once this transaction commits. The new attachments' queued jobs then find nothing to do.
pub async fn carry_over(
    tx: &mut WriteTx,
    status_id: i64,
    held: Vec<store::Held>,
    now: i64,
) -> sqlx::Result<()> {
    let mut keys = Vec::new();
    for h in held {
        if !store::adopt(&mut ***tx, status_id, &h).await? {
            keys.push(h.thumb_key);
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    jobs::enqueue(tx, &Job::DeleteMediaFiles { keys }, now).await
}

/// Why a preview was not made.
enum Failure {
    /// For good: leave the attachment referenced remotely.
    Permanent(String),
    /// Worth another try (transport error, 5xx, 408, 429).
    Transient(String),
}

fn classify(e: FetchError) -> Failure {
    match e {
        FetchError::Status(s) if s >= 500 || s == 408 || s == 429 => {
            Failure::Transient(format!("remote answered {s}"))
        }
        FetchError::Transport(m) => Failure::Transient(m),
        other => Failure::Permanent(other.to_string()),
    }
}

/// The job: fetch, make and store the preview of one remote attachment, then keep the cache
/// within its budget.
pub async fn cache(state: &AppState, media_id: i64) -> anyhow::Result<()> {
    let Some(p) = store::pending(&state.db.pool, media_id).await? else {
        return Ok(()); // gone (deleted, edited) or already done
    };
    let outcome = make_preview(state, &p).await;
    let failure = match outcome {
        Ok(()) => return enforce_budget(state).await,
        Err(f) => f,
    };
    match failure {
        Failure::Permanent(why) => {
            tracing::info!(media = media_id, url = %p.remote_url, reason = %why, "remote media left uncached");
            store::mark_failed(&state.db.pool, media_id).await?;
            Ok(())
        }
        Failure::Transient(why) => {
            let attempts = store::count_attempt(&state.db.pool, media_id).await?;
            if attempts >= MAX_ATTEMPTS {
                tracing::info!(media = media_id, url = %p.remote_url, attempts, reason = %why, "remote media left uncached after retries");
                store::mark_failed(&state.db.pool, media_id).await?;
                Ok(())
            } else {
                Err(anyhow::anyhow!("fetching {}: {why}", p.remote_url))
            }
        }
    }
}

/// Whether a domain block keeps its media out (`suspend`, or `reject_media`).
async fn media_rejected(state: &AppState, uri_or_domain: &str) -> anyhow::Result<bool> {
    let host = crate::services::federation::host_of(uri_or_domain);
    Ok(crate::services::moderation::domain_block_for(state, &host)
        .await
        .map_err(|e| anyhow::anyhow!("domain block lookup: {e:?}"))?
        .is_some_and(|b| b.severity == "suspend" || b.reject_media != 0))
}

async fn make_preview(state: &AppState, p: &store::Pending) -> Result<(), Failure> {
    let budget = state.config.media.remote_cache_bytes;
    if budget == 0 {
        return Err(Failure::Permanent("the remote media cache is off".into()));
    }
    let author = crate::storage::accounts::account_by_id(&state.db.pool, p.account_id)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?
        .map(|a| a.domain)
        .unwrap_or_default();
    for place in [author.as_str(), p.remote_url.as_str()] {
        match media_rejected(state, place).await {
            Ok(false) => {}
            Ok(true) => {
                return Err(Failure::Permanent(
                    "media from this domain are rejected".into(),
                ))
            }
            Err(e) => return Err(Failure::Transient(e.to_string())),
        }
    }
    let cap = usize::try_from(state.config.limits.image_size_limit).unwrap_or(usize::MAX);
    let bytes = fetch::get_media(state, &p.remote_url, cap)
        .await
        .map_err(classify)?;
    let permit = crate::services::media::decode_permits()
        .acquire()
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    let matrix = state.config.limits.image_matrix_limit;
    let made = tokio::task::spawn_blocking(move || imaging::preview_of(&bytes, matrix))
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    drop(permit);
    let v = made.map_err(|e| {
        Failure::Permanent(match e {
            ImageError::UnsupportedType => "not an image Herd reads".to_string(),
            ImageError::TooManyPixels { width, height } => {
                format!("{width}x{height} pixels is over the limit")
            }
            ImageError::Corrupt => "not a decodable image".to_string(),
        })
    })?;
    let size = v.thumbnail.len() as u64;
    if size > budget {
        return Err(Failure::Permanent(
            "the preview is larger than the whole cache".into(),
        ));
    }
    // Two segments, as the media route serves them; the name tells it from an upload's.
    let key = format!(
        "{}/remote-small.{}",
        uuid::Uuid::new_v4().simple(),
        v.extension
    );
    state
        .media
        .put(&key, v.thumbnail)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;
    let now = state.clock.now_micros();
    let taken = store::mark_cached(
        &state.db.pool,
        p.id,
        &key,
        i64::from(v.thumb_width),
        i64::from(v.thumb_height),
        i64::from(v.width),
        i64::from(v.height),
        &v.blurhash,
        size as i64,
        now,
    )
    .await;
    match taken {
        Ok(true) => Ok(()),
        Ok(false) => {
            // The attachment went away meanwhile: its file must not stay behind.
            let _ = state.media.delete(&key).await;
            Ok(())
        }
        Err(e) => {
            let _ = state.media.delete(&key).await;
            Err(Failure::Transient(e.to_string()))
        }
    }
}

/// Evicts the least recently cached previews until the cache fits its budget: each row
/// first (it falls back to the remote URL), then its file.
pub async fn enforce_budget(state: &AppState) -> anyhow::Result<()> {
    let budget = i64::try_from(state.config.media.remote_cache_bytes).unwrap_or(i64::MAX);
    loop {
        let mut total = store::total_bytes(&state.db.pool).await?;
        if total <= budget {
            return Ok(());
        }
        let oldest = store::oldest_cached(&state.db.pool, EVICT_BATCH).await?;
        if oldest.is_empty() {
            return Ok(());
        }
        let mut evicted = Vec::new();
        {
            let mut tx = state.db.begin_write().await?;
            for c in &oldest {
                if total <= budget {
                    break;
                }
                if store::evict(&mut **tx, c.id, &c.thumb_key).await? {
                    total -= c.cache_bytes;
                    evicted.push(c.thumb_key.clone());
                }
            }
            tx.commit().await?;
        }
        for key in &evicted {
            if let Err(e) = state.media.delete(key).await {
                tracing::warn!(key = %key, error = %e, "could not delete an evicted preview");
            }
        }
        if !evicted.is_empty() {
            tracing::info!(count = evicted.len(), "evicted remote media previews");
        } else {
            return Ok(()); // nothing could be evicted (raced); the next cache job retries
        }
    }
}

/// The job that deletes the files of previews whose rows are gone.
pub async fn delete_files(state: &AppState, keys: &[String]) -> anyhow::Result<()> {
    for key in keys {
        state.media.delete(key).await?;
    }
    Ok(())
}
