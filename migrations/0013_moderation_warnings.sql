-- Moderation warnings (issue 6): a `moderation_warning` notification tells an account of a strike
-- (Mastodon 4.3's AccountWarning); it names the strike so the entity can be rendered.
ALTER TABLE notifications ADD COLUMN strike_id BIGINT;
