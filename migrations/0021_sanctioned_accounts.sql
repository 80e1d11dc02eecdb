-- Timelines hide suspended and silenced authors. Few accounts are sanctioned, so a partial
-- index lets a cached (generic) plan read just those instead of scanning every account.
CREATE INDEX accounts_sanctioned ON accounts (id) WHERE suspended_at IS NOT NULL OR silenced_at IS NOT NULL;
