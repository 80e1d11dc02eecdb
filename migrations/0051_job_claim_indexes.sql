-- The job table's claims, indexed as they are asked (issue 18: a burst of posts with remote
-- followers queues thousands of deliveries). A delivery claim and a media or mail lane's
-- claim name their kinds and take the oldest due first: (kind, run_at, id) answers both in
-- index order. The main loop takes every kind but the laned ones; its claim says
-- `kind <> 'deliver'` so that it walks this partial index in run_at order and never steps
-- over the queued deliveries. Neither index holds the columns a claim writes (locked_until,
-- attempts, claim_token), so claiming updates no index (PostgreSQL: a HOT update).
DROP INDEX jobs_due;
CREATE INDEX jobs_kind_due ON jobs (kind, run_at, id);
CREATE INDEX jobs_due_but_deliveries ON jobs (run_at, id) WHERE kind <> 'deliver';
