-- A bounded local cache of thumbnails of remote attachments (federation).
--
-- A remote attachment keeps pointing at its origin (`remote_url`, and `url` on the wire); when
-- it is an image, a queued job fetches it through the SSRF guard and stores a small preview
-- under `thumb_key` (served as `preview_url`). The cache has a byte budget
-- (`media.remote_cache_bytes`): the least recently cached previews are evicted first, and an
-- evicted one falls back to the remote URL.
--
-- cache_state: NULL (local upload, or a remote file not worth a preview: video, audio …),
--   'pending' (queued), 'cached' (thumb_key holds the preview), 'evicted' (it did, until the
--   budget needed its room) or 'failed' (not fetched: 404, too big, not an image, refused …).
-- cache_bytes: the preview's size while cached (what the budget counts), else 0.
-- cached_at: when the preview was stored (eviction order).
-- cache_attempts: transient fetch failures so far (bounded retries).
ALTER TABLE media_attachments ADD COLUMN cache_state TEXT;
ALTER TABLE media_attachments ADD COLUMN cache_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE media_attachments ADD COLUMN cached_at BIGINT;
ALTER TABLE media_attachments ADD COLUMN cache_attempts BIGINT NOT NULL DEFAULT 0;
CREATE INDEX media_attachments_cache ON media_attachments (cache_state, cached_at);
