-- Avatars and headers, kept on the account row so rendering an account needs no other query.
-- A local account's images are media-store keys (served under /system/media/); a remote
-- account's are the URLs its actor document gives (`icon`, `image`). Empty means none.
ALTER TABLE accounts ADD COLUMN avatar_file TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN header_file TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN avatar_remote_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN header_remote_url TEXT NOT NULL DEFAULT '';
UPDATE accounts SET avatar_remote_url = COALESCE(
    (SELECT r.avatar_url FROM remote_actors r WHERE r.account_id = accounts.id), '')
WHERE domain <> '';
