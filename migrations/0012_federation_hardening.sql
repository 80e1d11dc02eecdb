-- Federation hardening: where a remote account's suspension came from, and the delivery
-- failures that mark a host unavailable.

-- Why an account is suspended when it is: NULL for a moderator's action here, 'remote' when
-- its own server says so (its actor document carries `suspended: true`). A remote suspension
-- is lifted when the origin lifts it; a local one only by a moderator here.
ALTER TABLE accounts ADD COLUMN suspension_origin TEXT;

-- One row per host and UTC day on which a delivery to it failed (day = epoch day number).
-- Any successful delivery to the host deletes its rows.
CREATE TABLE delivery_failures (
    domain TEXT NOT NULL,
    day BIGINT NOT NULL,
    PRIMARY KEY (domain, day)
);

-- Hosts that failed on several distinct days: deliveries to them are dropped until one
-- succeeds again (an activity from them, or an operator clearing the row).
CREATE TABLE unavailable_domains (
    domain TEXT PRIMARY KEY,
    since BIGINT NOT NULL
);
