-- Several nodes on one database (DESIGN §11). Each running process leases one of 64 node
-- slots; the slot number goes into the low bits of every id it makes, so ids from different
-- nodes cannot collide. A lease is renewed while the process runs and taken over once it has
-- expired (a crashed node frees its slot). Times are the database's clock, epoch microseconds.
CREATE TABLE node_slots (
    slot BIGINT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Periodic work (the dues lapser, the start-up catch-ups) runs once per cluster and period:
-- the node whose update moves `last_run` forward does it, the others skip.
CREATE TABLE periodic_runs (
    name TEXT PRIMARY KEY,
    last_run BIGINT NOT NULL,
    holder TEXT NOT NULL
);
