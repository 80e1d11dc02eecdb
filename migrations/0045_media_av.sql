-- Video and audio uploads are processed after the upload answers (Mastodon's 202): the row
-- exists at once with `processing = 1` and no URL, and the job fills in the preview frame,
-- the size and `av_meta` (duration, frame rate, bitrate, audio encoding as JSON), then sets
-- `processing = 0`. Images and remote attachments are never processing.
ALTER TABLE media_attachments ADD COLUMN processing BIGINT NOT NULL DEFAULT 0;
ALTER TABLE media_attachments ADD COLUMN av_meta TEXT;
