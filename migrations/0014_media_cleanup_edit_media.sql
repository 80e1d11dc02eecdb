-- Media cleanup and media in the edit history (client API).
--
-- free_since: when an upload last became free (uploaded, or let go by a deleted or edited
-- status or a cancelled scheduled status); NULL while a status or scheduled status holds it.
-- The media sweep deletes uploads free for 24 hours, as Mastodon's media cleanup does.
ALTER TABLE media_attachments ADD COLUMN free_since BIGINT;
UPDATE media_attachments SET free_since = created_at
    WHERE status_id IS NULL AND scheduled_status_id IS NULL AND remote_url IS NULL;
CREATE INDEX media_attachments_free ON media_attachments (free_since);

-- The attachments of each version in a status's edit history, with the description and
-- focus they had then. Media listed here are kept by the sweep while the status exists.
CREATE TABLE status_edit_media (
    edit_id BIGINT NOT NULL,
    status_id BIGINT NOT NULL,
    media_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    description TEXT,
    focus_x DOUBLE PRECISION NOT NULL,
    focus_y DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (edit_id, media_id)
);
CREATE INDEX status_edit_media_status ON status_edit_media (status_id);
CREATE INDEX status_edit_media_media ON status_edit_media (media_id);
