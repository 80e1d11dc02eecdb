-- Mastodon 4.4's attribution domains: the sites whose pages may credit this account with
-- `fediverse:creator` on a link preview card. A JSON array of host names, as the actor
-- document's `attributionDomains` carries them.
ALTER TABLE accounts ADD COLUMN attribution_domains TEXT NOT NULL DEFAULT '[]';
