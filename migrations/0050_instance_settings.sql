-- The instance settings an admin changes at run time on /admin (services/instance_settings.rs):
-- the title and descriptions, the contact, who may read the public feeds, link previews. A row
-- overrides the config file's value of the same name; without one the config gives it. Each
-- change is also written to the moderation log (the instance's audit log) with who and when.
CREATE TABLE instance_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by BIGINT REFERENCES accounts (id),
    updated_at BIGINT NOT NULL
);
